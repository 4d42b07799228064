# svcinit: a container-aware init and process supervisor.
PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DESTDIR     ?=
WITH_SYSTEMD ?= 0
SANITIZE    ?= 0
PKG_CONFIG  ?= pkg-config
PYTHON      ?= /usr/bin/python3
# the version: VERSION, and where in git the build is from (scripts/version.sh)
VERSION     ?= $(shell $(CURDIR)/scripts/version.sh)
VERSION     := $(VERSION)

CC          ?= cc
CFLAGS      ?= -O2 -g
WARN        := -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
               -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wformat=2 \
               -Wno-unused-parameter
HARDEN      := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD   := -Wl,-z,relro -Wl,-z,now -pie
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags inih libcap libseccomp)
DEPS_LIBS   := -lev $(shell $(PKG_CONFIG) --libs inih libcap libseccomp) -lm
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

# svcinit-reaper (services/reaper-prog.c), PID 1 of a unit's PID namespace:
# freestanding C, no libc, static, a few hundred bytes; embedded in svcinit
# (services/reaper.c), so nothing is installed for it. x86_64 and aarch64;
# elsewhere, or with REAPER=0, units reap in process (a fork of svcinit).
REAPER         ?= $(if $(filter x86_64 aarch64,$(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))),1,0)
REAPER_PROG    := $(B)/reaper/svcinit-reaper
REAPER_CFLAGS  := -std=gnu11 -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
                  -Os -ffreestanding -fno-builtin -fno-stack-protector -fno-pie \
                  -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
REAPER_LDFLAGS := -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none \
                  -Wl,-z,noexecstack -Wl,-z,norelro -Wl,-z,noseparate-code -s
ifeq ($(REAPER),1)
ALL_CFLAGS     += -DSVCINIT_REAPER_PROG=\"$(abspath $(REAPER_PROG))\"
endif
UNIT_SRCS := units/calendar.c units/trigger.c units/value.c units/attrs.c units/syscall.c units/sandbox.c units/devices.c units/ipaddr.c units/specifier.c units/exec.c units/keys.c units/ini.c units/unit.c units/load.c units/targets.c
SVC_SRCS  := services/condition.c services/attrs.c services/dirs.c services/deps.c services/fsm.c services/logbuf.c services/notify.c services/passfd.c services/svc.c services/trig.c services/socket.c services/plan.c services/output.c services/spawn.c services/spawn-vm.c services/seccomp.c services/rootfs.c services/userns.c services/cgroup.c services/path.c services/nsenter.c services/health.c services/reaper.c services/ipc.c
# the pieces of the cgroup code beside services/cgroup.c
SVC_SRCS  += services/cgroup-fs.c services/cgroup-hier.c services/cgroup-limits.c services/cgroup-ctl.c services/cgroup-oom.c services/cgroup-bpf.c services/bpf.c services/pidfile.c
# the pieces of the running units beside services/svc.c
SVC_SRCS  += services/svc-notify.c services/svc-spawn.c services/svc-cond.c services/svc-oom.c services/svc-ipc.c services/svc-deps.c services/svc-load.c services/svc-bus.c services/svc-dyn.c services/dbus.c
LIB_SRCS  := lib/log.c
INIT_SRCS := init/calendar-cli.c init/status-trig.c init/main.c init/loop.c init/shutdown.c init/machine.c init/outer.c init/ctl.c init/status.c init/status-out.c init/proto.c
CTL_SRCS  := init/svcctl.c init/svcctl-exec.c init/svcctl-top.c services/nsenter.c

LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(B)/%.o)
SVC_OBJS  := $(SVC_SRCS:%.c=$(B)/%.o)
INIT_OBJS := $(INIT_SRCS:%.c=$(B)/%.o)
CTL_OBJS  := $(CTL_SRCS:%.c=$(B)/%.o)
CG_OBJS   := $(filter $(B)/services/cgroup%,$(SVC_OBJS))

# pure code: no root, no kernel state
UNIT_TESTS := $(B)/tests/test_unit $(B)/tests/test_attrs $(B)/tests/test_syntax $(B)/tests/test_load $(B)/tests/test_fsm $(B)/tests/test_deps $(B)/tests/test_condition $(B)/tests/test_proto $(B)/tests/test_seccomp $(B)/tests/test_sandbox $(B)/tests/test_cgfilter $(B)/tests/test_calendar $(B)/tests/test_trigger $(B)/tests/test_passfd $(B)/tests/test_ipc $(B)/tests/test_dbus
# the kernel tier (tests/kernel): C tests that need root, mounts and cgroups
KERNEL_TESTS := $(B)/tests/kernel/test_isolation $(B)/tests/kernel/test_reaper $(B)/tests/kernel/test_spawn_vm

.PHONY: all test test-unit test-kernel test-integration test-sanitize demo install uninstall clean

all: $(B)/svcinit $(B)/svcctl

Q := $(if $(V),,@)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/svcinit: $(INIT_OBJS) $(SVC_OBJS) $(UNIT_OBJS) $(LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS)

# .incbin is no dependency the compiler sees: every build that embeds it
ifeq ($(REAPER),1)
$(B)/services/reaper.o $(B)/static/services/reaper.o $(B)/bench/static/services/reaper.o: $(REAPER_PROG)
endif

$(B)/reaper/reaper-prog.o: services/reaper-prog.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(REAPER_CFLAGS) -c -o $@ $<

$(REAPER_PROG): $(B)/reaper/reaper-prog.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(REAPER_LDFLAGS) -o $@ $<

$(B)/svcctl: $(CTL_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^

$(B)/tests/test_unit: tests/unit/test_unit.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\" -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_attrs: tests/unit/test_attrs.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\" -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_syntax: tests/unit/test_syntax.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_load: tests/unit/test_load.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_proto: tests/unit/test_proto.c $(B)/init/proto.o $(B)/services/notify.o $(B)/services/passfd.o $(B)/services/logbuf.o $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_dbus: tests/unit/test_dbus.c $(B)/services/dbus.o $(B)/units/value.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/test_passfd: tests/unit/test_passfd.c $(B)/services/passfd.o $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/test_seccomp: tests/unit/test_seccomp.c $(B)/services/seccomp.o $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\" -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_sandbox: tests/unit/test_sandbox.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -DTEST_DATA=\"$(CURDIR)/tests/data\" -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_cgfilter: tests/unit/test_cgfilter.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_calendar: tests/unit/test_calendar.c $(B)/units/calendar.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/test_trigger: tests/unit/test_trigger.c $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_fsm: tests/unit/test_fsm.c $(B)/services/fsm.o $(B)/services/pidfile.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_condition: tests/unit/test_condition.c $(B)/services/condition.o $(UNIT_OBJS) $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(DEPS_LIBS) -lcmocka

$(B)/tests/test_deps: tests/unit/test_deps.c $(B)/services/deps.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/test_ipc: tests/unit/test_ipc.c $(B)/services/ipc.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

# needs root: real cgroups and namespaces
$(B)/tests/kernel/test_isolation: tests/kernel/test_isolation.c $(CG_OBJS) $(B)/services/bpf.o $(B)/units/devices.o $(B)/units/ipaddr.o $(B)/services/rootfs.o $(B)/services/userns.o $(B)/services/path.o $(B)/units/attrs.o $(B)/units/sandbox.o $(B)/units/value.o $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/kernel/test_reaper: tests/kernel/test_reaper.c $(B)/services/reaper.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

$(B)/tests/kernel/test_spawn_vm: tests/kernel/test_spawn_vm.c $(B)/services/spawn-vm.o $(B)/lib/log.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ -lcmocka

test: all test-unit test-kernel test-integration test-docs

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-kernel: $(KERNEL_TESTS)
	@set -e; for t in $(KERNEL_TESTS); do echo "== $$t"; $$t; done

test-integration: all
	$(PYTHON) -m pytest -v tests/integration

# The unit, kernel and integration suites against an ASan+UBSan build (in
# build/san, so the normal build stays as it is).
test-sanitize:
	$(MAKE) B=$(B)/san SANITIZE=1 $(B)/san/svcinit $(B)/san/svcctl test-unit test-kernel
	SVCINIT_BIN=$(CURDIR)/$(B)/san/svcinit SVCCTL_BIN=$(CURDIR)/$(B)/san/svcctl \
		$(PYTHON) -m pytest -q tests/integration

demo: all
	@scripts/demo.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(INSTALL_STRIP) $(B)/svcinit $(B)/svcctl $(DESTDIR)$(SBINDIR)/
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
