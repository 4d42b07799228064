# Fuzzing (issue 7): libFuzzer targets over the pure parsers, built with
# clang and ASan + UBSan. See tests/fuzz/README.md.
#
#   make fuzz                 replay tests/fuzz/regress/, then fuzz each target
#                             for FUZZ_SECONDS (fails on any crash)
#   make fuzz FUZZ_SECONDS=3600
#   make -j4 fuzz             the four targets side by side
#   make fuzz-build           only build $(B)/fuzz/fuzz_*
#   make fuzz-replay          run the seed corpora and regress/ once through
#                             standalone drivers built with $(CC) (gcc is fine),
#                             no libFuzzer needed
#   make fuzz-clean           remove $(B)/fuzz (found corpus and crashes too)

FUZZ_SECONDS ?= 60
FUZZ_STRICT  ?= 1
FUZZ_TIMEOUT ?= 10
FUZZ_OPTS    ?=
FUZZ_CC      ?= $(firstword $(shell command -v clang-14 clang 2>/dev/null))
FUZZ_CFLAGS  ?= -g -O1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_ALL_CFLAGS = $(WARN) $(DEFS) $(DEPS_CFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
                  $(if $(filter 1,$(FUZZ_STRICT)),-DFUZZ_LOGBUF_STRICT) \
                  $(if $(filter 1,$(FUZZ_SKIP_KNOWN)),-DFUZZ_SKIP_KNOWN_BUGS)

FZ           := $(B)/fuzz
FUZZ_TARGETS := fuzz_unit fuzz_proto fuzz_notify fuzz_deps fuzz_dbus

fuzz_unit_SRCS     := tests/fuzz/fuzz_unit.c tests/fuzz/inih_guard.c $(UNIT_SRCS)
fuzz_unit_LDFLAGS  := -Wl,--wrap=ini_parse_stream
fuzz_unit_MAXLEN   := 65536
fuzz_unit_SEEDS    := tests/data/good tests/data/bad tests/data/seccomp tests/data/attrs tests/data/sandbox units/examples
fuzz_proto_SRCS    := tests/fuzz/fuzz_proto.c tests/fuzz/ancillary.c init/proto.c services/passfd.c
fuzz_proto_MAXLEN  := 8192
fuzz_notify_SRCS   := tests/fuzz/fuzz_notify.c tests/fuzz/ancillary.c services/notify.c services/passfd.c services/logbuf.c $(UNIT_SRCS)
fuzz_notify_MAXLEN := 16384
fuzz_deps_SRCS     := tests/fuzz/fuzz_deps.c services/deps.c $(UNIT_SRCS)
fuzz_deps_MAXLEN   := 4096
fuzz_dbus_SRCS     := tests/fuzz/fuzz_dbus.c services/dbus.c
fuzz_dbus_MAXLEN   := 70000

.PHONY: fuzz fuzz-build fuzz-replay fuzz-clean \
        $(addprefix fuzz-run-,$(FUZZ_TARGETS)) $(addprefix fuzz-replay-,$(FUZZ_TARGETS))

# libFuzzer objects (clang) and standalone replay objects ($(CC)), apart
$(FZ)/lf/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(FUZZ_CC),:,echo "fuzz: clang not found (install clang-14 libclang-rt-14-dev, or set FUZZ_CC)" >&2; exit 1)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_ALL_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FZ)/sa/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(FUZZ_ALL_CFLAGS) -MMD -MP -c -o $@ $<

define FUZZ_template
$(FZ)/$(1): $$(patsubst %.c,$(FZ)/lf/%.o,$$($(1)_SRCS))
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$^ $$($(1)_LDFLAGS) $$(DEPS_LIBS)

$(FZ)/replay/$(1): $$(patsubst %.c,$(FZ)/sa/%.o,$$($(1)_SRCS) tests/fuzz/standalone.c)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(FUZZ_SAN) -o $$@ $$^ $$($(1)_LDFLAGS) $$(DEPS_LIBS)

# regress/ first (each file once), then FUZZ_SECONDS of fuzzing; new corpus
# entries go to $(FZ)/corpus-$(1), crashes to $(FZ)/crashes/$(1)/
fuzz-run-$(1): $(FZ)/$(1)
	@mkdir -p $(FZ)/corpus-$(1) $(FZ)/crashes/$(1)
	@set -e; regress="$$(wildcard tests/fuzz/regress/$(1)/*)"; \
	if [ -n "$$$$regress" ]; then \
		echo "== $(1): replaying tests/fuzz/regress/$(1)"; \
		$(FZ)/$(1) -runs=1 $$$$regress >$(FZ)/regress-$(1).log 2>&1 || { \
			tail -n 60 $(FZ)/regress-$(1).log; \
			echo "== $(1): a regression input crashes (log: $(FZ)/regress-$(1).log)"; exit 1; }; \
	fi
	@echo "== $(1): fuzzing for $(FUZZ_SECONDS)s (log: $(FZ)/fuzz-$(1).log)"
	@if $(FZ)/$(1) -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
		-max_len=$($(1)_MAXLEN) -dict=tests/fuzz/dict/$(1).dict \
		-artifact_prefix=$(FZ)/crashes/$(1)/ -print_final_stats=1 $(FUZZ_OPTS) \
		$(FZ)/corpus-$(1) tests/fuzz/corpus/$(1) $($(1)_SEEDS) \
		>$(FZ)/fuzz-$(1).log 2>&1; then \
		grep -E '^#[0-9]+.*(DONE|pulse)' $(FZ)/fuzz-$(1).log | tail -n 1; \
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $(FZ)/fuzz-$(1).log; \
	else \
		tail -n 80 $(FZ)/fuzz-$(1).log; \
		echo "== $(1): FAILED; crash inputs: $$$$(ls -t $(FZ)/crashes/$(1)/ | head -n 3)"; \
		echo "   (log: $(FZ)/fuzz-$(1).log; see tests/fuzz/README.md)"; \
		exit 1; \
	fi

fuzz-replay-$(1): $(FZ)/replay/$(1)
	@echo "== $(1): replay (standalone, $(CC))"
	$$(Q)$(FZ)/replay/$(1) tests/fuzz/corpus/$(1) $$(wildcard tests/fuzz/regress/$(1)) $($(1)_SEEDS) \
		2>$(FZ)/replay-$(1).log || { tail -n 60 $(FZ)/replay-$(1).log; exit 1; }
	@tail -n 1 $(FZ)/replay-$(1).log
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_template,$(t))))

fuzz-build: $(addprefix $(FZ)/,$(FUZZ_TARGETS))

fuzz: $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-replay: $(addprefix fuzz-replay-,$(FUZZ_TARGETS))

fuzz-clean:
	rm -rf $(FZ)
