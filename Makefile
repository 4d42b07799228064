# svcinit: a container-aware init and process supervisor.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DESTDIR     ?=
WITH_SYSTEMD ?= 1
SANITIZE    ?= 0
PKG_CONFIG  ?= pkg-config
PYTHON      ?= /usr/bin/python3
VERSION     := 0.1.0

CC          ?= cc
CFLAGS      ?= -O2 -g
WARN        := -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
               -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2 \
               -Wno-unused-parameter
HARDEN      := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD   := -Wl,-z,relro -Wl,-z,now -pie
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags inih libcap)
DEPS_LIBS   := -lev $(shell $(PKG_CONFIG) --libs inih libcap) -lm
DEFS        := -D_GNU_SOURCE -DSVCINIT_VERSION=\"$(VERSION)\" -I.

ifeq ($(WITH_SYSTEMD),1)
DEFS        += -DWITH_SYSTEMD=1
DEPS_CFLAGS += $(shell $(PKG_CONFIG) --cflags libsystemd)
DEPS_LIBS   += $(shell $(PKG_CONFIG) --libs libsystemd)
endif

ifeq ($(SANITIZE),1)
CFLAGS      += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS     += -fsanitize=address,undefined
HARDEN      := -fPIE
endif

ALL_CFLAGS  := $(WARN) $(HARDEN) $(DEFS) $(DEPS_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(HARDEN_LD) $(LDFLAGS)

B := build
UNIT_SRCS := units/unit.c
SVC_SRCS  := services/fsm.c services/logbuf.c services/notify.c services/svc.c services/spawn.c services/rootfs.c services/cgroup.c services/path.c
INIT_SRCS := init/main.c init/loop.c init/ctl.c init/proto.c init/log.c
CTL_SRCS  := init/svcctl.c

UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/%.o)
SVC_OBJS  := $(SVC_SRCS:%.c=$(B)/%.o)
INIT_OBJS := $(INIT_SRCS:%.c=$(B)/%.o)
CTL_OBJS  := $(CTL_SRCS:%.c=$(B)/%.o)

UNIT_TESTS := $(B)/tests/test_unit $(B)/tests/test_fsm $(B)/tests/test_proto $(B)/tests/test_isolation

.PHONY: all test test-unit test-integration test-sanitize demo install uninstall clean

all: $(B)/svcinit $(B)/svcctl

Q := $(if $(V),,@)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/svcinit: $(INIT_OBJS) $(SVC_OBJS) $(UNIT_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS)

$(B)/svcctl: $(CTL_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

$(B)/tests/test_unit: tests/unit/test_unit.c $(UNIT_OBJS) $(B)/init/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\" -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_proto: tests/unit/test_proto.c $(B)/init/proto.o $(B)/services/notify.o $(B)/services/logbuf.o $(UNIT_OBJS) $(B)/init/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_fsm: tests/unit/test_fsm.c $(B)/services/fsm.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

# needs root: real cgroups and namespaces
$(B)/tests/test_isolation: tests/unit/test_isolation.c $(B)/services/cgroup.o $(B)/services/rootfs.o $(B)/services/path.o $(B)/init/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

test: all test-unit test-integration test-docs

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-integration: all
	$(PYTHON) -m pytest -v tests/integration

# The whole unit and integration suite against an ASan+UBSan build (in
# build/san, so the normal build stays as it is).
test-sanitize:
	$(MAKE) B=$(B)/san SANITIZE=1 $(B)/san/svcinit $(B)/san/svcctl test-unit
	SVCINIT_BIN=$(CURDIR)/$(B)/san/svcinit SVCCTL_BIN=$(CURDIR)/$(B)/san/svcctl \
		$(PYTHON) -m pytest -q tests/integration

demo: all
	@scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/svcinit $(B)/svcctl $(DESTDIR)$(SBINDIR)/
	for m in init/svcinit.8 init/svcctl.8 units/svcinit.service.5; do \
		[ -f $$m ] || continue; \
		s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/svcinit $(DESTDIR)$(SBINDIR)/svcctl
	rm -f $(DESTDIR)$(MANDIR)/man8/svcinit.8 $(DESTDIR)$(MANDIR)/man8/svcctl.8 $(DESTDIR)$(MANDIR)/man5/svcinit.service.5

clean:
	rm -rf $(B)

# Further targets (test-vm, test-oci, fuzz, bench, docs) live in mk/*.mk.
include $(sort $(wildcard mk/*.mk))

-include $(shell find $(B) -name '*.d' 2>/dev/null)
