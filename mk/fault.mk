# Fault injection and memory checking (issue 7).
#
#   build/fault/failmalloc.so  LD_PRELOAD shim that fails malloc/calloc/realloc
#                              on demand (tests/fault/failmalloc.c); the
#                              integration tests use it, so `make test` builds it
#   make valgrind              svcinit under valgrind memcheck through thousands
#                              of restart cycles and reloads; prints the leak
#                              summaries and fails on a leak that grows
#                              (VALGRIND_ARGS go to tests/valgrind/run.py,
#                              e.g. VALGRIND_ARGS="--cycles 5000")

FAULT_CFLAGS := -std=gnu11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
                -Wshadow -O2 -g -fPIC
VALGRIND_ARGS ?=

.PHONY: fault valgrind

fault: $(B)/fault/failmalloc.so

$(B)/fault/failmalloc.so: tests/fault/failmalloc.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(FAULT_CFLAGS) -shared -o $@ $< -ldl

# the fault tests in tests/integration need the shim
test-integration: $(B)/fault/failmalloc.so

valgrind: all
	$(PYTHON) tests/valgrind/run.py --build $(B) $(VALGRIND_ARGS)
