# mk/docs.mk: the manuals and shell completion, and the install test.
#
#   make check-man      mandoc -T lint (warnings are errors) and man -l render
#   make install-docs   the bash completion (make install runs it too)
#   make test-install   make install into a temporary DESTDIR, check, uninstall
#   make test-docs      both checks
#
# check-man needs mandoc and man-db (apt-get install mandoc man-db); it fails,
# rather than skips, when they are missing.

MAN_PAGES      := init/svcinit.8 init/svcctl.8 units/svcinit.service.5
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
MANDOC         ?= mandoc
MAN            ?= man

.PHONY: check-man check-man-coverage install-docs uninstall-docs test-install test-docs

# `make install` also installs the completion, `make uninstall` removes it
install: install-docs
uninstall: uninstall-docs

install-docs:
	install -d $(DESTDIR)$(COMPLETIONSDIR)
	install -m 0644 contrib/bash-completion/svcctl $(DESTDIR)$(COMPLETIONSDIR)/svcctl

uninstall-docs:
	rm -f $(DESTDIR)$(COMPLETIONSDIR)/svcctl

# Every name the code accepts or prints must be in a manual: unit keys
# (units/keys.c), svcinit options (init/main.c), svcctl commands
# (init/svcctl.c), JSON fields (init/ctl.c), states and results
# (services/fsm.c). Needs only grep and sed.
check-man-coverage:
	@set -e; missing=; \
	for k in $$(sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", \(SEC_UNIT\|ANY\|SVC\),.*/\1/p' units/keys.c); do \
		grep -q "^\.It Cm $$k= " units/svcinit.service.5 || missing="$$missing svcinit.service.5:$$k="; done; \
	for k in $$(sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", T_\(SOCK\|TIMER\),.*/\1/p' units/trigger.c); do \
		grep -q "^\.It Cm $$k= \|Cm $$k= Ns" units/svcinit.service.5 || missing="$$missing svcinit.service.5:$$k="; done; \
	for o in $$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z]*_argument,.*/\1/p' init/main.c); do \
		grep -q "Fl -$$o\b" init/svcinit.8 || missing="$$missing svcinit.8:--$$o"; done; \
	for c in $$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", ARGS_[A-Z]*,.*/\1/p' init/svcctl.c); do \
		grep -q "^\.It \(.* \)\?Cm $$c\b" init/svcctl.8 || missing="$$missing svcctl.8:$$c"; done; \
	for c in $$(sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", ARGS_[A-Z]*,.*/\1/p' init/svcctl.c); do \
		grep -q "^_svcctl_commands=\".*\b$$c\b" contrib/bash-completion/svcctl || \
			missing="$$missing bash-completion:$$c"; done; \
	for f in $$(grep -o '\\"[a-z_]*\\":' init/ctl.c | sed 's/[^a-z_]//g') \
		 $$(sed -n 's/.*json_u64_or_null(c, "\([a-z_]*\)".*/\1/p' init/ctl.c); do \
		grep -q "^\.It Sy $$f$$" init/svcctl.8 || missing="$$missing svcctl.8:json:$$f"; done; \
	for st in $$(sed -n 's/^[[:space:]]*\[SVC_[A-Z]*\] = "\([a-z]*\)",/\1/p' services/fsm.c); do \
		grep -q "^\.It Sy $$st$$" init/svcctl.8 || missing="$$missing svcctl.8:state:$$st"; done; \
	for r in $$(sed -n 's/^[[:space:]]*case FSM_RESULT_[A-Z_]*: return "\([a-z-]\+\)";/\1/p' services/fsm.c); do \
		grep -q "^\.Ql $$r" init/svcctl.8 || missing="$$missing svcctl.8:result:$$r"; done; \
	[ -z "$$missing" ] || { echo "check-man: not documented:$$missing" >&2; exit 1; }; \
	echo "  MAN     every key, option, command (and its completion), JSON field, state and result is documented"

check-man: check-man-coverage
	@command -v $(MANDOC) >/dev/null || { echo "check-man: $(MANDOC) is missing (apt-get install mandoc)" >&2; exit 1; }
	@command -v $(MAN) >/dev/null || { echo "check-man: $(MAN) is missing (apt-get install man-db)" >&2; exit 1; }
	$(MANDOC) -T lint -W warning $(MAN_PAGES)
	@set -e; for m in $(MAN_PAGES); do \
		err=$$(LC_ALL=C.UTF-8 MANWIDTH=80 $(MAN) --warnings -l $$m 2>&1 >/dev/null) || \
			{ echo "check-man: man -l $$m failed: $$err" >&2; exit 1; }; \
		[ -z "$$err" ] || { echo "check-man: man -l $$m: $$err" >&2; exit 1; }; \
		echo "  MAN     $$m"; \
	done

# What `make install PREFIX=/usr/local` must put under DESTDIR.
TEST_INSTALL_FILES := /usr/local/sbin/svcinit /usr/local/sbin/svcctl \
	/usr/local/share/man/man8/svcinit.8 /usr/local/share/man/man8/svcctl.8 \
	/usr/local/share/man/man5/svcinit.service.5 \
	/usr/local/share/bash-completion/completions/svcctl

test-install: all
	@command -v $(MAN) >/dev/null || { echo "test-install: $(MAN) is missing (apt-get install man-db)" >&2; exit 1; }
	@set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	echo "== make install DESTDIR=$$d PREFIX=/usr/local"; \
	$(MAKE) --no-print-directory install DESTDIR=$$d PREFIX=/usr/local; \
	for f in $(TEST_INSTALL_FILES); do \
		[ -f "$$d$$f" ] || { echo "test-install: $$f was not installed" >&2; exit 1; }; \
	done; \
	[ -x "$$d/usr/local/sbin/svcinit" ] && [ -x "$$d/usr/local/sbin/svcctl" ] || \
		{ echo "test-install: the binaries are not executable" >&2; exit 1; }; \
	"$$d/usr/local/sbin/svcinit" --version; \
	"$$d/usr/local/sbin/svcctl" --version; \
	for m in man8/svcinit.8 man8/svcctl.8 man5/svcinit.service.5; do \
		p="$$d/usr/local/share/man/$$m"; \
		out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 $(MAN) -l "$$p" 2>&1) || \
			{ echo "test-install: man -l $$p failed: $$out" >&2; exit 1; }; \
		echo "$$out" | grep -q '^NAME' || { echo "test-install: man -l $$p: no NAME section" >&2; exit 1; }; \
		echo "  MAN     $$p"; \
	done; \
	echo "== make uninstall DESTDIR=$$d PREFIX=/usr/local"; \
	$(MAKE) --no-print-directory uninstall DESTDIR=$$d PREFIX=/usr/local; \
	for f in $(TEST_INSTALL_FILES); do \
		[ ! -e "$$d$$f" ] || { echo "test-install: $$f is still there after uninstall" >&2; exit 1; }; \
	done; \
	left=$$(find "$$d" ! -type d); \
	[ -z "$$left" ] || { echo "test-install: left after uninstall: $$left" >&2; exit 1; }; \
	echo "test-install: ok"

test-docs: check-man test-install
