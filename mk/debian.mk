# The Debian tiers: real units from Debian 12's packages (tests/debian).
#   make test-debian-units   apt-get download ~40 packages, extract them into a
#                            temporary root, svcinit --check --systemd --root on it
#   make test-debian-daemons apt-get install nginx-light, openssh-server,
#                            redis-server, memcached, cron, haproxy, postgresql
#                            into an overlay of / in a private mount namespace
#                            (starts denied by policy-rc.d), then svcinit
#                            --systemd as PID 1 of fresh PID, mount and network
#                            namespaces starts them from their packaged units;
#                            each is used by its client, reloaded, stopped,
#                            killed. The host keeps only apt's cache of .debs in
#                            build/debian/daemon-debs.
#   make debian-units-report which keys of the corpus svcinit only warns about,
#                            by count, and how many units run as systemd means
.PHONY: test-debian-units test-debian-daemons debian-units-report

test-debian-units: all
	$(PYTHON) tests/debian/units.py

debian-units-report: test-debian-units

test-debian-daemons: all
	$(PYTHON) -m pytest -v -s -rxXfE --durations=12 -p no:cacheprovider tests/debian/test_daemons.py
