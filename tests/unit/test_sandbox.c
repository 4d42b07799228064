/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c: systemd's sandboxing keys as the parser reads them
 * (units/keys.c) and the mount plan they make (units/sandbox.c): the "-"
 * and "+" prefixes, TemporaryFileSystem= options, the entries of each key in
 * order (parents first, the more restrictive entry last for one path), the
 * namespaces a key adds, the capabilities it drops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "units/sandbox.h"
#include "units/unit.h"

#ifndef TEST_DATA
#error "TEST_DATA must point to tests/data"
#endif

#include "tests/unit/parse.h"

/* The plan as "KIND PATH" lines, one string: kinds t rw RW ro x nx mask
 * (RW: the host's path bound; "?" after an optional one). */
static char *plan_str(const char *body)
{
	static const char *const kn[] = {
		[UNIT_SB_TMPFS] = "t", [UNIT_SB_RW] = "rw", [UNIT_SB_RO] = "ro",
		[UNIT_SB_EXEC] = "x", [UNIT_SB_NOEXEC] = "nx", [UNIT_SB_MASK] = "mask",
	};
	struct unit_spec *s = parse_ok(body);
	struct unit_sb_plan p;
	char err[256], *out = calloc(1, 8192);
	size_t off = 0;

	assert_non_null(out);
	assert_int_equal(unit_sandbox_plan(s, &p, err, sizeof(err)), 0);
	for (size_t i = 0; i < p.n; i++)
		off += (size_t)snprintf(out + off, 8192 - off, "%s%s%s %s", i ? "; " : "",
					p.e[i].kind == UNIT_SB_RW && p.e[i].host ? "RW" : kn[p.e[i].kind],
					p.e[i].optional ? "?" : "", p.e[i].path);
	unit_sandbox_plan_free(&p);
	unit_spec_free(s);
	return out;
}

#define assert_plan(body, want) do { \
		char *got_ = plan_str(body); \
		if (strcmp(got_, want) != 0) \
			fail_msg("plan of\n%s\n  got:  %s\n  want: %s", body, got_, want); \
		free(got_); \
	} while (0)

static void test_path_prefixes(void **state)
{
	const char *p;
	bool opt, in_root;

	(void)state;
	assert_int_equal(unit_sandbox_path("/a/b", &p, &opt, &in_root), 0);
	assert_string_equal(p, "/a/b");
	assert_false(opt);
	assert_false(in_root);
	assert_int_equal(unit_sandbox_path("-/a", &p, &opt, &in_root), 0);
	assert_true(opt);
	assert_false(in_root);
	assert_int_equal(unit_sandbox_path("+/a", &p, &opt, &in_root), 0);
	assert_false(opt);
	assert_true(in_root);
	assert_int_equal(unit_sandbox_path("-+/a", &p, &opt, &in_root), 0);
	assert_string_equal(p, "/a");
	assert_true(opt);
	assert_true(in_root);
	/* "-" first, then "+", as systemd.exec(5) says */
	assert_int_equal(unit_sandbox_path("+-/a", &p, &opt, &in_root), -EINVAL);
	assert_int_equal(unit_sandbox_path("a", &p, &opt, &in_root), -EINVAL);
	assert_int_equal(unit_sandbox_path("-", &p, &opt, &in_root), -EINVAL);
	assert_int_equal(unit_sandbox_path("/a/../b", &p, &opt, &in_root), -EINVAL);
	assert_int_equal(unit_sandbox_path("/a/./b", &p, &opt, &in_root), -EINVAL);
	assert_int_equal(unit_sandbox_path("/a/..b", &p, &opt, &in_root), 0);
}

static void test_tmpfs_options(void **state)
{
	unsigned long f;
	char data[64];
	const char *bad;

	(void)state;
	assert_int_equal(unit_tmpfs_options(NULL, &f, data, sizeof(data), &bad), 0);
	assert_int_equal(f, MS_NODEV | MS_STRICTATIME);
	assert_string_equal(data, "mode=0755");
	assert_int_equal(unit_tmpfs_options("ro,size=10%,mode=0700", &f, data, sizeof(data), &bad), 0);
	assert_int_equal(f, MS_RDONLY | MS_NODEV | MS_STRICTATIME);
	assert_string_equal(data, "size=10%,mode=0700");
	assert_int_equal(unit_tmpfs_options("dev,nostrictatime,noexec", &f, data, sizeof(data), &bad), 0);
	assert_int_equal(f, MS_NOEXEC);
	assert_int_equal(unit_tmpfs_options("ro,bogus", &f, data, sizeof(data), &bad), -EINVAL);
	assert_string_equal(bad, "bogus");
	assert_int_equal(unit_tmpfs_options("mode=07,00", &f, data, sizeof(data), &bad), -EINVAL);
	assert_int_equal(unit_tmpfs_options("size=1g;x", &f, data, sizeof(data), &bad), -EINVAL);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error("ProtectSystem=maybe\n", "ProtectSystem=: invalid value \"maybe\"");
	expect_error("ProtectHome=tmp\n", "ProtectHome=: invalid value");
	expect_error("ProtectProc=hidden\n", "ProtectProc=: invalid value");
	expect_error("ReadWritePaths=relative\n", "ReadWritePaths=: invalid path");
	expect_error("InaccessiblePaths=+-/x\n", "InaccessiblePaths=: invalid path");
	expect_error("TemporaryFileSystem=/x:bogus\n", "TemporaryFileSystem=: invalid mount point");
	expect_error("PrivateTmp=perhaps\n", "PrivateTmp=: invalid boolean");
}

static void test_plan_protect_system(void **state)
{
	(void)state;
	assert_plan("ProtectSystem=yes\n", "ro? /boot; ro? /efi; ro? /usr");
	assert_plan("ProtectSystem=true\n", "ro? /boot; ro? /efi; ro? /usr");
	assert_plan("ProtectSystem=full\n", "ro? /boot; ro? /efi; ro? /etc; ro? /usr");
	assert_plan("ProtectSystem=strict\n", "ro /; rw? /home; rw? /root; rw? /run/user");
	/* ProtectHome= decides about the homes */
	assert_plan("ProtectSystem=strict\nProtectHome=read-only\n",
		    "ro /; ro? /home; ro? /root; ro? /run/user");
	assert_plan("ProtectSystem=no\n", "");
}

static void test_plan_protect_home(void **state)
{
	struct unit_spec *s = parse_ok("ProtectHome=tmpfs\n");
	struct unit_sb_plan p;
	char err[128];

	(void)state;
	assert_plan("ProtectHome=yes\n", "mask? /home; mask? /root; mask? /run/user");
	assert_plan("ProtectHome=read-only\n", "ro? /home; ro? /root; ro? /run/user");
	assert_int_equal(unit_sandbox_plan(s, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.e[0].kind, UNIT_SB_TMPFS);
	assert_true(p.e[0].flags & MS_RDONLY);
	assert_string_equal(p.e[0].data, "mode=0755");
	unit_sandbox_plan_free(&p);
	unit_spec_free(s);
}

static void test_plan_paths_sorted(void **state)
{
	(void)state;
	/* parents first; for one path the more restrictive last */
	assert_plan("ReadWritePaths=/var/lib/x +/srv\nReadOnlyPaths=/var /var/lib/x\n"
		    "InaccessiblePaths=-/var/lib/x/secret\nNoExecPaths=/\nExecPaths=/usr/bin\n",
		    "nx /; rw /srv; x /usr/bin; ro /var; RW /var/lib/x; ro /var/lib/x; "
		    "mask? /var/lib/x/secret");
	/* lists accumulate, empty resets (as systemd) */
	assert_plan("ReadOnlyPaths=/a\nReadOnlyPaths=/b\n", "ro /a; ro /b");
	assert_plan("ReadOnlyPaths=/a\nReadOnlyPaths=\nReadOnlyPaths=/c\n", "ro /c");
	/* systemd's old names are the same lists */
	assert_plan("ReadOnlyDirectories=/a\nReadOnlyPaths=/b\n", "ro /a; ro /b");
	assert_plan("ReadOnlyPaths=/a//b/\n", "ro /a/b");
}

static void test_plan_kernel_keys(void **state)
{
	(void)state;
	assert_plan("ProtectKernelModules=yes\n", "mask? /lib/modules; mask? /usr/lib/modules");
	assert_plan("ProtectKernelLogs=yes\n", "mask? /dev/kmsg; mask? /proc/kmsg");
	assert_plan("ProtectControlGroups=yes\n", "ro? /sys/fs/cgroup");
	assert_plan("ProtectKernelTunables=yes\n",
		    "ro? /proc/acpi; ro? /proc/asound; ro? /proc/bus; ro? /proc/fs; ro? /proc/irq; "
		    "mask? /proc/kallsyms; mask? /proc/kcore; ro? /proc/latency_stats; "
		    "ro? /proc/sys; ro? /proc/sysrq-trigger; ro? /proc/timer_stats; ro? /sys");
}

static void test_plan_private_tmp(void **state)
{
	(void)state;
	/* under svcinit's own isolation /tmp is private already */
	assert_plan("PrivateTmp=yes\n", "t /var/tmp");
	/* on the host's root (the key asked for the namespace) both */
	assert_plan("Namespaces=none\nPrivateTmp=yes\n", "t /tmp; t /var/tmp");
}

static void test_namespaces_added(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("Namespaces=none\nPrivateTmp=yes\n");
	assert_int_equal(s->namespaces, UNIT_NS_MNT);
	assert_int_equal(s->sandbox.ns_added, UNIT_NS_MNT);
	unit_spec_free(s);
	s = parse_ok("Namespaces=none\nPrivateNetwork=yes\nPrivateIPC=yes\nProtectHostname=yes\n");
	assert_int_equal(s->namespaces, UNIT_NS_NET | UNIT_NS_IPC | UNIT_NS_UTS);
	assert_int_equal(s->sandbox.ns_added, UNIT_NS_NET | UNIT_NS_IPC | UNIT_NS_UTS);
	unit_spec_free(s);
	/* ProtectClock= needs no namespace */
	s = parse_ok("Namespaces=none\nProtectClock=yes\n");
	assert_int_equal(s->namespaces, 0);
	unit_spec_free(s);
	/* svcinit's default isolation has them all: nothing added */
	s = parse_ok("PrivateTmp=yes\nPrivateNetwork=yes\n");
	assert_int_equal(s->namespaces, UNIT_NS_DEFAULT);
	assert_int_equal(s->sandbox.ns_added, 0);
	unit_spec_free(s);
	/* BindPaths= with Namespaces=none is fine once a key adds mnt */
	s = parse_ok("Namespaces=none\nPrivateTmp=yes\nBindPaths=/a\n");
	assert_int_equal(s->namespaces, UNIT_NS_MNT);
	unit_spec_free(s);
}

static void test_caps_and_nnp(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("PrivateDevices=yes\nProtectClock=yes\nProtectKernelModules=yes\n"
		     "ProtectKernelLogs=yes\n");
	assert_int_equal(unit_sandbox_caps_dropped(s),
			 (1ULL << 27) | (1ULL << 17) | (1ULL << 25) | (1ULL << 35) | (1ULL << 16) |
			 (1ULL << 34));
	assert_false(unit_sandbox_implies_nnp(s));   /* root keeps CAP_SYS_ADMIN */
	unit_spec_free(s);
	s = parse_ok("User=nobody\nProtectKernelTunables=yes\n");
	assert_true(unit_sandbox_implies_nnp(s));
	unit_spec_free(s);
	s = parse_ok("User=nobody\nPrivateTmp=yes\n");
	assert_false(unit_sandbox_implies_nnp(s));
	unit_spec_free(s);
}

static void test_proc_options(void **state)
{
	struct unit_spec *s = parse_ok("ProtectProc=invisible\nProcSubset=pid\n");
	char buf[64];

	(void)state;
	assert_string_equal(unit_sandbox_proc_options(s, buf, sizeof(buf)),
			    "hidepid=invisible,subset=pid");
	unit_spec_free(s);
	s = parse_ok("ProtectProc=ptraceable\n");
	assert_string_equal(unit_sandbox_proc_options(s, buf, sizeof(buf)), "hidepid=ptraceable");
	unit_spec_free(s);
	s = parse_ok("ProcSubset=all\n");
	assert_string_equal(unit_sandbox_proc_options(s, buf, sizeof(buf)), "");
	unit_spec_free(s);
}

static void test_root_refused(void **state)
{
	struct unit_spec *s = parse_ok("InaccessiblePaths=/\n");
	struct unit_sb_plan p;
	char err[128];

	(void)state;
	assert_int_equal(unit_sandbox_plan(s, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "InaccessiblePaths=/"));
	unit_spec_free(s);
}

static void test_persistent_paths(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("BindPaths=/srv/data\nReadWritePaths=/var/lib/app +/opt\n");
	assert_true(unit_sandbox_path_persistent(s, "/srv/data"));
	assert_true(unit_sandbox_path_persistent(s, "/srv/data/x"));
	assert_false(unit_sandbox_path_persistent(s, "/srv/database"));
	assert_true(unit_sandbox_path_persistent(s, "/var/lib/app/db"));
	assert_false(unit_sandbox_path_persistent(s, "/opt/x"));   /* the root's own: the overlay's */
	assert_false(unit_sandbox_path_persistent(s, "/etc"));
	unit_spec_free(s);
	s = parse_ok("OverlayUpper=/var/lib/svcinit/u\n");
	assert_true(unit_sandbox_path_persistent(s, "/etc"));
	unit_spec_free(s);
	s = parse_ok("Namespaces=none\nPrivateTmp=yes\n");   /* the host's root */
	assert_true(unit_sandbox_path_persistent(s, "/etc"));
	unit_spec_free(s);
}

static void test_working_directory_warning(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	const char *t1 = HEAD "WorkingDirectory=/srv/app\n";
	const char *t2 = HEAD "WorkingDirectory=/srv/app\nBindPaths=/srv/app\n";
	bool found = false;

	(void)state;
	assert_int_equal(unit_load_string(t1, strlen(t1), "t.service", "t", &d, &s), 0);
	for (size_t i = 0; i < d.n_warns; i++)
		found |= strstr(d.warns[i], "WorkingDirectory=/srv/app: in the unit's overlay root") != NULL;
	assert_true(found);
	unit_spec_free(s);
	unit_diag_free(&d);
	memset(&d, 0, sizeof(d));
	assert_int_equal(unit_load_string(t2, strlen(t2), "t.service", "t", &d, &s), 0);
	assert_int_equal(d.n_warns, 0);
	unit_spec_free(s);
	unit_diag_free(&d);
}

/* Debian's redis unit's keys, loaded as a native unit (svcinit's isolation:
 * /tmp is private already, PrivateTmp= adds /var/tmp) */
static void test_redis_plan(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	struct unit_sb_plan p;
	char err[128], got[4096] = "";
	size_t off = 0;

	(void)state;
	assert_int_equal(unit_load_file(TEST_DATA "/sandbox/redis.service", "redis", &d, &s), 0);
	unit_diag_free(&d);
	assert_int_equal(s->namespaces & UNIT_NS_USER, UNIT_NS_USER);
	assert_int_equal(s->sandbox.protect_system, UNIT_PS_STRICT);
	assert_int_equal(unit_sandbox_plan(s, &p, err, sizeof(err)), 0);
	for (size_t i = 0; i < p.n; i++)
		if (strncmp(p.e[i].path, "/proc/", 6) != 0)   /* ProtectKernelTunables=: above */
			off += (size_t)snprintf(got + off, sizeof(got) - off, "%s%d%s %s",
						off ? "; " : "", (int)p.e[i].kind,
						p.e[i].host ? "h" : "", p.e[i].path);
	/* 0 tmpfs, 1 rw, 2 ro, 3 exec, 4 noexec, 5 mask */
	assert_string_equal(got,
			    "2 /; 4 /; 5 /dev/kmsg; 1h /etc/redis; 5 /home; 3 /lib; 5 /lib/modules; "
			    "5 /root; 5 /run/user; 2 /sys; 2 /sys/fs/cgroup; 3 /usr/bin/redis-server; "
			    "3 /usr/lib; 5 /usr/lib/modules; 1h /var/lib/redis; 1h /var/log/redis; "
			    "1h /var/run/redis; 0 /var/tmp");
	unit_sandbox_plan_free(&p);
	unit_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_prefixes),
		cmocka_unit_test(test_tmpfs_options),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_plan_protect_system),
		cmocka_unit_test(test_plan_protect_home),
		cmocka_unit_test(test_plan_paths_sorted),
		cmocka_unit_test(test_plan_kernel_keys),
		cmocka_unit_test(test_plan_private_tmp),
		cmocka_unit_test(test_namespaces_added),
		cmocka_unit_test(test_caps_and_nnp),
		cmocka_unit_test(test_proc_options),
		cmocka_unit_test(test_root_refused),
		cmocka_unit_test(test_persistent_paths),
		cmocka_unit_test(test_working_directory_warning),
		cmocka_unit_test(test_redis_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
