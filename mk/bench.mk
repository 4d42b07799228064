# Benchmarks (issue 8): svcinit against its peers and the physical limits.
# See bench/README.md.
#
#   make bench            the full suite (about 15 minutes): bench/results/bench.json,
#                         bench/results/table.txt and the plot bench/bench.png
#   make bench-quick      every workload once with small sizes (CI: keeps the
#                         suite working, figures are never asserted); writes
#                         bench/results/bench-quick.{json,png}, table-quick.txt
#   make bench-build      only build what the suite runs
#   make bench BENCH_ARGS="--only restart,orphans"   a subset (see bench.py -h)
#
# Needs root (PID namespaces, cgroups, mounts). Installs the peers from
# Debian (apt-get) when they are missing: tini dumb-init catatonit runit s6
# supervisor, and gnuplot-nox for the plot.

BENCH_OUT      := $(B)/bench
BENCH_LIMITS   := stamp restart startn orphans reap freeze ctlrtt timeit
BENCH_BINS     := $(addprefix $(BENCH_OUT)/bench-,$(BENCH_LIMITS))
BENCH_CFLAGS   ?= -O2 -g0
BENCH_ARGS     ?=

# The physical-limit programs: one file each, plain cc, static (their exec
# must cost the same under every supervisor, and no dynamic loader in the
# figures).
$(BENCH_OUT)/bench-%: bench/limits/%.c bench/limits/common.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(BENCH_CFLAGS) -std=gnu11 -Wall -Wextra -Wno-format-truncation -static -o $@ $<

# svcinit and svcctl linked statically, for the size comparison: the main
# Makefile's flags without libsystemd (it ships no static library), against
# Debian's libev.a, libinih.a and libcap.a. Not PIE: -static and -pie differ.
BENCH_ST       := $(BENCH_OUT)/static
BENCH_ST_CFLAGS = $(filter-out -DWITH_SYSTEMD=1 $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null),$(ALL_CFLAGS))
BENCH_ST_LIBS  := -lev $(shell $(PKG_CONFIG) --static --libs inih libcap libseccomp) -lm
BENCH_ST_OBJS  := $(patsubst %.c,$(BENCH_ST)/%.o,$(INIT_SRCS) $(SVC_SRCS) $(UNIT_SRCS) $(LIB_SRCS))

$(BENCH_ST)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(BENCH_ST_CFLAGS) -MMD -MP -c -o $@ $<

$(BENCH_ST)/svcinit: $(BENCH_ST_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -static -Wl,-z,relro -Wl,-z,now $(LDFLAGS) -o $@ $^ $(BENCH_ST_LIBS) 2>$@.ldwarn || \
		{ cat $@.ldwarn >&2; exit 1; }

$(BENCH_ST)/svcctl: $(patsubst %.c,$(BENCH_ST)/%.o,$(CTL_SRCS))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -static -Wl,-z,relro -Wl,-z,now $(LDFLAGS) -o $@ $^

.PHONY: bench bench-quick bench-build bench-clean

bench-build: all $(BENCH_BINS) $(BENCH_ST)/svcinit $(BENCH_ST)/svcctl

bench: bench-build
	$(PYTHON) bench/bench.py --build $(B) $(BENCH_ARGS)

bench-quick: bench-build
	$(PYTHON) bench/bench.py --build $(B) --quick $(BENCH_ARGS)

bench-clean:
	rm -rf $(BENCH_OUT)
