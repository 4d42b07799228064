# The container tier: `make test-oci` runs the static svcinit as PID 1 of
# real OCI containers under runc and crun (tests/oci, pytest; needs root,
# runc, crun, busybox-static). OCI_ARGS go to pytest (e.g. OCI_ARGS='-k crun').
OCI_ARGS ?=

.PHONY: test-oci

test-oci: static
	$(PYTHON) -m pytest -v tests/oci $(OCI_ARGS)
