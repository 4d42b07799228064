# Static svcinit/svcctl (for an initramfs or a container rootfs without a
# libc) and the VM tier: `make test-vm` boots Debian's kernel under qemu (TCG)
# with svcinit as /init of an initramfs and checks it from inside the guest.

# ---- make static: build/static/svcinit, build/static/svcctl ------------------
# Debian ships libev.a, libinih.a, libcap.a, libseccomp.a, but no libsystemd.a: the static
# build is WITH_SYSTEMD=0 (svcinit then speaks sd_notify to an outer
# supervisor by itself).
SB            := $(B)/static
STATIC_CFLAGS := $(filter-out -DWITH_SYSTEMD=1 $(shell $(PKG_CONFIG) --cflags libsystemd 2>/dev/null),$(ALL_CFLAGS))
STATIC_LIBS   := -l:libev.a -l:libinih.a -l:libcap.a -l:libseccomp.a -lm
STATIC_LD     := -static -no-pie -Wl,-z,relro -Wl,-z,now $(LDFLAGS)

STATIC_SVCINIT_OBJS := $(patsubst %.c,$(SB)/%.o,$(INIT_SRCS) $(SVC_SRCS) $(UNIT_SRCS) $(LIB_SRCS))
STATIC_SVCCTL_OBJS  := $(patsubst %.c,$(SB)/%.o,$(CTL_SRCS))

.PHONY: static test-vm vm-clean

static: $(SB)/svcinit $(SB)/svcctl

$(SB)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(STATIC_CFLAGS) -MMD -MP -c -o $@ $<

$(SB)/svcinit: $(STATIC_SVCINIT_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(STATIC_CFLAGS) $(STATIC_LD) -o $@ $^ $(STATIC_LIBS) 2>$@.ldwarn || { cat $@.ldwarn; exit 1; }
	@# glibc warns that getpwnam & co need its shared NSS modules at run
	@# time: expected, /etc/passwd and /etc/group are still read
	@grep -v -e 'statically linked applications requires at runtime' -e 'in function' $@.ldwarn >&2 || true
	@rm -f $@.ldwarn

$(SB)/svcctl: $(STATIC_SVCCTL_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(STATIC_CFLAGS) $(STATIC_LD) -o $@ $^

# ---- make test-vm ---------------------------------------------------------------
# The kernel .deb and the unpacked kernel are cached in tests/vm/work/
# (gitignored); VM_ARGS go to tests/vm/run.py (e.g. VM_ARGS=--keep).
VM_ARGS ?=

test-vm: static
	$(PYTHON) tests/vm/run.py --build $(B) $(VM_ARGS)

vm-clean:
	rm -rf tests/vm/work
