# mk/dist.mk: releases and packages.
#
#   make install-strip  make install with stripped binaries
#   make dist           build/svcinit-VERSION.tar.gz: the committed tree and a
#                       VERSION file holding the full version
#   make deb            the .deb packages (dpkg-buildpackage -us -uc -b) from a
#                       copy of the tree, into build/deb/
#   make test-deb       make deb, then dpkg -i into an overlay of / in a mount
#                       namespace (the host is untouched) and run the
#                       installed svcinit --version, svcctl --version, man
#
# deb needs debhelper, dpkg-dev and build-essential (.ci/run installs them).

.PHONY: install-strip dist deb test-deb FORCE

install-strip:
	$(MAKE) install INSTALL_STRIP=-s

# main.o and svcctl.o carry the version: rebuilt when it changes
$(B)/version.stamp: FORCE
	@mkdir -p $(B)
	@[ "$$(cat $@ 2>/dev/null)" = "$(VERSION)" ] || echo "$(VERSION)" >$@
$(B)/init/main.o $(B)/init/svcctl.o $(B)/static/init/main.o $(B)/static/init/svcctl.o: $(B)/version.stamp

DIST := svcinit-$(VERSION)
dist:
	@command -v git >/dev/null && git rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "dist: needs svcinit's git tree" >&2; exit 1; }
	@rm -rf $(B)/dist && mkdir -p $(B)/dist
	git archive --format=tar --prefix=$(DIST)/ HEAD | tar -x -C $(B)/dist
	echo "$(VERSION)" >$(B)/dist/$(DIST)/VERSION
	tar -C $(B)/dist -czf $(B)/$(DIST).tar.gz --owner=0 --group=0 --sort=name $(DIST)
	@rm -rf $(B)/dist
	@echo "  DIST    $(B)/$(DIST).tar.gz"

deb:
	@scripts/deb.sh build "$(CURDIR)/$(B)/deb"

test-deb: deb
	@scripts/deb.sh test "$(CURDIR)/$(B)/deb"
