/* SPDX-License-Identifier: MIT */
/* Condition*= and Assert*=: systemd.unit(5)'s rules ("|" triggering, "!"
 * negated, empty resets, conditions before asserts) and the kinds, against
 * files of the test's own (the evaluator's root prefix). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cmocka.h>

#include "services/condition.h"
#include "units/unit.h"

static char root[] = "/tmp/test_condition.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512], cmd[600];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static char *envp[] = { "A=1", "B=two", "EMPTY=", NULL };

static struct cond_env env(void)
{
	return (struct cond_env){ .root = root, .envp = envp, .hostname = "web-01.example" };
}

/* one entry, negation applied */
static bool t1(const char *entry)
{
	struct cond_env e = env();
	struct cond_item c;

	assert_int_equal(condition_split(entry, &c), 0);
	return condition_test(&c, &e);
}

static bool tlist(char **list, char *msg)
{
	struct cond_env e = env();

	return condition_list(list, &e, msg, COND_MSG_MAX);
}

static void test_split(void **state)
{
	struct cond_item c;

	(void)state;
	assert_int_equal(condition_split("ConditionPathExists=|!/x", &c), 0);
	assert_string_equal(c.kind, "PathExists");
	assert_true(c.trigger);
	assert_true(c.negate);
	assert_false(c.assert);
	assert_string_equal(c.param, "/x");
	assert_int_equal(condition_split("AssertUser=!root", &c), 0);
	assert_true(c.assert);
	assert_false(c.trigger);
	assert_true(c.negate);
	/* "!" then "|" is not a trigger: the pipe must come first */
	assert_int_equal(condition_split("ConditionHost=!|x", &c), 0);
	assert_false(c.trigger);
	assert_string_equal(c.param, "|x");
	assert_int_equal(condition_split("PathExists=/x", &c), -EINVAL);
	assert_int_equal(condition_split("ConditionPathExists", &c), -EINVAL);
}

static void test_and_or_not(void **state)
{
	char msg[COND_MSG_MAX];
	char *all_true[] = { "ConditionEnvironment=A", "ConditionEnvironment=B=two", NULL };
	char *one_false[] = { "ConditionEnvironment=A", "ConditionEnvironment=C", NULL };
	char *trig_one[] = { "ConditionEnvironment=|C", "ConditionEnvironment=|A",
			     "ConditionEnvironment=B", NULL };
	char *trig_none[] = { "ConditionEnvironment=|C", "ConditionEnvironment=|D",
			      "ConditionEnvironment=A", NULL };
	char *trig_but_plain_fails[] = { "ConditionEnvironment=|A", "ConditionEnvironment=C", NULL };
	char *negated[] = { "ConditionEnvironment=!C", "ConditionEnvironment=|!A",
			    "ConditionEnvironment=|!D", NULL };
	char *none[] = { NULL };

	(void)state;
	assert_true(tlist(all_true, msg));
	assert_false(tlist(one_false, msg));
	assert_string_equal(msg, "ConditionEnvironment=C failed");
	assert_true(tlist(trig_one, msg));
	assert_false(tlist(trig_none, msg));
	assert_string_equal(msg, "ConditionEnvironment=|C and 1 other triggering conditions failed");
	assert_false(tlist(trig_but_plain_fails, msg));
	assert_true(tlist(negated, msg));
	assert_true(tlist(none, msg));
	assert_string_equal(msg, "");
}

/* An error (a test that cannot be decided) is not met, negated or not. */
static void test_error_is_not_met(void **state)
{
	(void)state;
	assert_false(t1("ConditionNeedsUpdate=/usr"));
	assert_false(t1("ConditionNeedsUpdate=!/usr"));
	assert_false(t1("ConditionMemory=lots"));
	assert_false(t1("ConditionMemory=!lots"));
	assert_false(t1("ConditionNoSuchKind=x"));
	assert_false(t1("ConditionNoSuchKind=!x"));
}

static void test_eval_order(void **state)
{
	struct unit_spec s;
	struct cond_env e = env();
	char msg[COND_MSG_MAX];
	char *conds_ok[] = { "ConditionEnvironment=A", NULL };
	char *conds_bad[] = { "ConditionEnvironment=NOPE", NULL };
	char *asserts_bad[] = { "AssertEnvironment=B=three", NULL };
	char *none[] = { NULL };

	(void)state;
	memset(&s, 0, sizeof(s));
	s.conditions = none;
	s.asserts = none;
	assert_int_equal(condition_eval(&s, &e, msg, sizeof(msg)), COND_OK);
	s.conditions = conds_ok;
	s.asserts = asserts_bad;
	assert_int_equal(condition_eval(&s, &e, msg, sizeof(msg)), COND_ASSERT_FAILED);
	assert_string_equal(msg, "AssertEnvironment=B=three failed");
	/* a failed condition skips before any assert is looked at */
	s.conditions = conds_bad;
	assert_int_equal(condition_eval(&s, &e, msg, sizeof(msg)), COND_CONDITION_FAILED);
	assert_string_equal(msg, "ConditionEnvironment=NOPE failed");
}

static void test_environment(void **state)
{
	(void)state;
	assert_true(t1("ConditionEnvironment=A"));
	assert_true(t1("ConditionEnvironment=A=1"));
	assert_false(t1("ConditionEnvironment=A=2"));
	assert_true(t1("ConditionEnvironment=EMPTY"));
	assert_true(t1("ConditionEnvironment=EMPTY="));
	assert_false(t1("ConditionEnvironment=AA"));      /* whole names only */
	assert_false(t1("ConditionEnvironment=B=tw"));
	assert_true(t1("ConditionEnvironment=!Z"));
}

static void test_paths(void **state)
{
	char p[600], e[700];

	(void)state;
	put("/p/file", "x");
	put("/p/empty", "");
	put("/p/dir/inside", "y");
	snprintf(p, sizeof(p), "%s/p/emptydir", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/p/exe", root);
	put("/p/exe", "#!/bin/sh\n");
	assert_int_equal(chmod(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/p/link", root);
	assert_int_equal(symlink("file", p), 0);
	snprintf(p, sizeof(p), "%s/p/dangling", root);
	assert_int_equal(symlink("nowhere", p), 0);

#define T(kind, rel, want) do { \
		snprintf(e, sizeof(e), "Condition" kind "=%s%s", root, rel); \
		assert_int_equal(t1(e), want); \
		snprintf(e, sizeof(e), "Condition" kind "=!%s%s", root, rel); \
		assert_int_equal(t1(e), !(want)); \
	} while (0)
	T("PathExists", "/p/file", true);
	T("PathExists", "/p/nope", false);
	T("PathExists", "/p/dangling", false);           /* symlinks are followed */
	T("PathExistsGlob", "/p/f*", true);
	T("PathExistsGlob", "/p/z*", false);
	T("PathIsDirectory", "/p/dir", true);
	T("PathIsDirectory", "/p/file", false);
	T("PathIsSymbolicLink", "/p/link", true);
	T("PathIsSymbolicLink", "/p/dangling", true);    /* not followed */
	T("PathIsSymbolicLink", "/p/file", false);
	T("DirectoryNotEmpty", "/p/dir", true);
	T("DirectoryNotEmpty", "/p/emptydir", false);
	T("DirectoryNotEmpty", "/p/file", false);
	T("FileNotEmpty", "/p/file", true);
	T("FileNotEmpty", "/p/empty", false);
	T("FileNotEmpty", "/p/dir", false);
	T("FileNotEmpty", "/p/link", true);
	T("FileIsExecutable", "/p/exe", true);
	T("FileIsExecutable", "/p/file", false);
	T("FileIsExecutable", "/p/dir", false);
	T("PathIsReadWrite", "/p/file", true);
	T("PathIsMountPoint", "/p/dir", false);
	T("PathIsMountPoint", "/p/nope", false);
#undef T
	assert_true(t1("ConditionPathIsMountPoint=/"));
	assert_true(t1("ConditionPathIsMountPoint=/proc"));
	assert_false(t1("ConditionPathIsEncrypted=/proc"));
	assert_false(t1("ConditionPathExists=relative"));     /* not absolute: not met */
}

static void test_kernel_cmdline(void **state)
{
	(void)state;
	put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet splash=off\n");
	assert_true(t1("ConditionKernelCommandLine=quiet"));
	assert_true(t1("ConditionKernelCommandLine=root"));        /* left of an assignment */
	assert_true(t1("ConditionKernelCommandLine=root=/dev/sda1"));
	assert_false(t1("ConditionKernelCommandLine=root=/dev/sdb1"));
	assert_false(t1("ConditionKernelCommandLine=qui"));
	assert_true(t1("ConditionKernelCommandLine=splash"));   /* the left of "splash=off" */
	assert_true(t1("ConditionKernelCommandLine=!nosuch"));
}

static void test_versions(void **state)
{
	const char *rest;
	struct utsname u;
	char e[400];

	(void)state;
	assert_true(condition_version_cmp("5.10", "5.9") > 0);
	assert_true(condition_version_cmp("5.10.0-21-amd64", "5.10.0-3-amd64") > 0);
	assert_int_equal(condition_version_cmp("1.0", "1.0"), 0);
	assert_true(condition_version_cmp("1.0~rc1", "1.0") < 0);
	assert_true(condition_version_cmp("1.0", "1.0.1") < 0);
	assert_true(condition_version_cmp("010", "9") > 0);
	assert_true(condition_version_cmp("1.0a", "1.0") > 0);

	assert_int_equal(condition_op(">=5", false, &rest), COND_OP_GE);
	assert_string_equal(rest, "5");
	assert_int_equal(condition_op("= 5", false, &rest), COND_OP_EQ);
	assert_int_equal(condition_op("!=5", true, &rest), COND_OP_STR_NE);
	assert_int_equal(condition_op("!$=5*", true, &rest), COND_OP_NOT_GLOB);
	assert_string_equal(rest, "5*");
	assert_int_equal(condition_op("<>5", false, &rest), COND_OP_NE);
	assert_int_equal(condition_op("5", false, &rest), -1);

	assert_int_equal(uname(&u), 0);
	snprintf(e, sizeof(e), "ConditionKernelVersion=%s", u.release);   /* no op: a glob */
	assert_true(t1(e));
	snprintf(e, sizeof(e), "ConditionKernelVersion==%s", u.release);
	assert_true(t1(e));
	assert_true(t1("ConditionKernelVersion=>=2.6"));
	assert_true(t1("ConditionKernelVersion=\">=2.6\" \"<1000\""));   /* each must hold */
	assert_false(t1("ConditionKernelVersion=>=2.6 <2.6"));
	assert_false(t1("ConditionKernelVersion=<2.6"));
	assert_true(t1("ConditionKernelVersion=*"));
	assert_true(t1("ConditionKernelVersion=!$=0.*"));
}

static void test_os_release(void **state)
{
	(void)state;
	put("/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nNAME='Debian GNU/Linux'\n");
	assert_true(t1("ConditionOSRelease=ID=debian"));
	assert_false(t1("ConditionOSRelease=ID=fedora"));
	assert_true(t1("ConditionOSRelease=ID!=fedora"));
	assert_true(t1("ConditionOSRelease=VERSION_ID>=11"));
	assert_false(t1("ConditionOSRelease=VERSION_ID>12"));
	assert_true(t1("ConditionOSRelease=NAME$=Debian*"));
	assert_true(t1("ConditionOSRelease=NOPE="));             /* absent: matched as "" */
	assert_true(t1("ConditionOSRelease=ID=debian VERSION_ID=12"));
}

static void test_virtualization(void **state)
{
	char p[600];

	(void)state;
	put("/run/systemd/container", "docker\n");
	assert_true(t1("ConditionVirtualization=yes"));
	assert_true(t1("ConditionVirtualization=container"));
	assert_true(t1("ConditionVirtualization=docker"));
	assert_false(t1("ConditionVirtualization=lxc"));
	assert_false(t1("ConditionVirtualization=vm"));          /* only the innermost counts */
	assert_false(t1("ConditionVirtualization=no"));
	assert_true(t1("ConditionVirtualization=!podman"));
	snprintf(p, sizeof(p), "%s/run/systemd/container", root);
	unlink(p);
	put("/proc/1/environ", "PATH=/bin\0container=lxc\0");
	/* the NUL above ends the C string: environ holds "PATH=/bin" only */
	put("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	assert_true(t1("ConditionVirtualization=vm"));
	assert_true(t1("ConditionVirtualization=qemu"));
	assert_true(t1("ConditionVirtualization=yes"));
	assert_false(t1("ConditionVirtualization=container"));
	assert_false(t1("ConditionVirtualization=kvm"));
	snprintf(p, sizeof(p), "%s/sys/class/dmi/id/sys_vendor", root);
	unlink(p);
	put("/proc/cpuinfo", "processor: 0\nflags\t\t: fpu vme sse2 pclmulqdq fma\n");
	assert_true(t1("ConditionVirtualization=no"));
	assert_false(t1("ConditionVirtualization=vm"));
}

static void test_cpu_feature(void **state)
{
	(void)state;
	put("/proc/cpuinfo", "processor: 0\nflags\t\t: fpu vme sse2 pclmulqdq fma\n");
	assert_true(t1("ConditionCPUFeature=fpu"));
	assert_true(t1("ConditionCPUFeature=pclmul"));   /* systemd's name for pclmulqdq */
	assert_true(t1("ConditionCPUFeature=fma3"));
	assert_false(t1("ConditionCPUFeature=sse"));     /* whole words */
	assert_false(t1("ConditionCPUFeature=avx2"));
}

static void test_first_boot_needs_update(void **state)
{
	char p[600], usr[600];

	(void)state;
	put("/proc/cmdline", "quiet\n");
	put("/etc/machine-id", "uninitialized\n");
	assert_true(t1("ConditionFirstBoot=yes"));
	assert_false(t1("ConditionFirstBoot=no"));
	put("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
	assert_false(t1("ConditionFirstBoot=yes"));
	assert_true(t1("ConditionFirstBoot=false"));
	put("/proc/cmdline", "systemd.condition-first-boot=1\n");
	assert_true(t1("ConditionFirstBoot=yes"));      /* the command line wins */

	put("/proc/cmdline", "quiet\n");
	snprintf(usr, sizeof(usr), "%s/usr", root);
	(void)mkdir(usr, 0755);
	snprintf(p, sizeof(p), "%s/etc/.updated", root);
	unlink(p);
	assert_true(t1("ConditionNeedsUpdate=/etc"));   /* no stamp: needs one */
	put("/etc/.updated", "");
	assert_int_equal(system("touch -d '2000-01-01' \"$(ls -d /tmp/test_condition.*/usr | head -1)\""), 0);
	assert_false(t1("ConditionNeedsUpdate=/etc/"));
	assert_true(t1("ConditionNeedsUpdate=!/etc"));
	put("/proc/cmdline", "systemd.condition-needs-update=yes\n");
	assert_true(t1("ConditionNeedsUpdate=/etc"));
	put("/proc/cmdline", "quiet\n");
}

static void test_host_user_group_arch(void **state)
{
	char e[128];

	(void)state;
	put("/etc/machine-id", "0123456789abcdef0123456789abcdef\n");
	assert_true(t1("ConditionHost=web-01.example"));
	assert_true(t1("ConditionHost=WEB-*"));                  /* globs, any case */
	assert_false(t1("ConditionHost=db-*"));
	assert_true(t1("ConditionHost=0123456789ABCDEF0123456789abcdef"));
	assert_false(t1("ConditionHost=f123456789abcdef0123456789abcdef"));

	snprintf(e, sizeof(e), "ConditionUser=%u", (unsigned)getuid());
	assert_true(t1(e));
	snprintf(e, sizeof(e), "ConditionUser=%u", (unsigned)getuid() + 1);
	assert_false(t1(e));
	assert_int_equal(t1("ConditionUser=@system"), getuid() <= 999);
	if (getuid() == 0) {
		assert_true(t1("ConditionUser=root"));
		assert_true(t1("ConditionGroup=root"));
	}
	snprintf(e, sizeof(e), "ConditionGroup=%u", (unsigned)getgid());
	assert_true(t1(e));
	assert_false(t1("ConditionUser=no-such-user-here"));

	assert_true(t1("ConditionArchitecture=native"));
	assert_false(t1("ConditionArchitecture=!native"));
	assert_false(t1("ConditionArchitecture=tilegx"));
	assert_true(t1("ConditionCPUs=>=1"));
	assert_true(t1("ConditionCPUs=>0"));
	assert_false(t1("ConditionCPUs=<1"));
	assert_true(t1("ConditionCapability=CAP_NO_SUCH") == false);
}

static void test_memory_cgroups_security(void **state)
{
	(void)state;
	put("/proc/meminfo", "MemTotal:        2048000 kB\nMemFree: 1 kB\n");
	assert_true(t1("ConditionMemory=1G"));                   /* no op: >= */
	assert_true(t1("ConditionMemory=>=1G"));
	assert_false(t1("ConditionMemory=>=4G"));
	assert_true(t1("ConditionMemory=<4G"));
	assert_true(t1("ConditionMemory=!=1G"));

	put("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	assert_true(t1("ConditionControlGroupController=v2"));
	assert_false(t1("ConditionControlGroupController=v1"));
	assert_true(t1("ConditionControlGroupController=memory pids"));
	assert_false(t1("ConditionControlGroupController=memory devices"));
	assert_true(t1("ConditionControlGroupController=cpu nosuch"));  /* unknown: ignored */

	assert_false(t1("ConditionSecurity=selinux"));
	put("/sys/fs/selinux/enforce", "1");
	assert_true(t1("ConditionSecurity=selinux"));
	put("/sys/module/apparmor/parameters/enabled", "Y\n");
	assert_true(t1("ConditionSecurity=apparmor"));
	assert_false(t1("ConditionSecurity=tomoyo"));
	assert_false(t1("ConditionSecurity=something-else"));

	assert_true(t1("ConditionACPower=true"));     /* no AC connector known */
	assert_false(t1("ConditionACPower=false"));
	put("/sys/class/power_supply/AC/type", "Mains\n");
	put("/sys/class/power_supply/AC/online", "0\n");
	assert_false(t1("ConditionACPower=true"));
	assert_true(t1("ConditionACPower=false"));

	put("/proc/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=5.00 total=1\n"
				      "full avg10=0.00 avg60=0.00 avg300=2.50 total=1\n");
	assert_true(t1("ConditionMemoryPressure=10%"));
	assert_false(t1("ConditionMemoryPressure=1%"));
	assert_true(t1("ConditionMemoryPressure=1%/10sec"));
	assert_false(t1("ConditionMemoryPressure=x"));
	assert_false(t1("ConditionFirmware=uefi"));
	put("/sys/firmware/efi/x", "");
	assert_true(t1("ConditionFirmware=uefi"));
}

/* The parser: entries as written, empty resets, asserts apart. */
static void test_parse(void **state)
{
	static const char text[] =
		"[Unit]\n"
		"ConditionPathExists=/a\n"
		"ConditionHost=|!x\n"
		"Condition=\n"     /* not a key: an error on its own below */
		"[Service]\nExecStart=/bin/true\n";
	static const char reset[] =
		"[Unit]\n"
		"ConditionPathExists=/a\n"
		"AssertPathExists=/b\n"
		"ConditionUser=\n"               /* every condition, of any kind */
		"ConditionUser=root\n"
		"AssertHost=%H\n"
		"ConditionPathIsDirectory=relative\n"
		"[Service]\nExecStart=/bin/true\n";
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	char host[256];

	(void)state;
	assert_int_equal(unit_load_string(text, strlen(text), "t.service", "t", &d, &s), -EINVAL);
	unit_diag_free(&d);
	memset(&d, 0, sizeof(d));
	assert_int_equal(unit_load_string(reset, strlen(reset), "t.service", "t", &d, &s), 0);
	assert_int_equal(unit_strv_len(s->conditions), 1);
	assert_string_equal(s->conditions[0], "ConditionUser=root");
	assert_int_equal(unit_strv_len(s->asserts), 2);
	assert_string_equal(s->asserts[0], "AssertPathExists=/b");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_true(strncmp(s->asserts[1], "AssertHost=", 11) == 0);
	assert_true(strchr(s->asserts[1], '%') == NULL);   /* specifiers expanded */
	assert_int_equal(d.n_warns, 1);                     /* the relative path */
	assert_non_null(strstr(d.warns[0], "not absolute"));
	unit_spec_free(s);
	unit_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_error_is_not_met),
		cmocka_unit_test(test_eval_order),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_kernel_cmdline),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_virtualization),
		cmocka_unit_test(test_cpu_feature),
		cmocka_unit_test(test_first_boot_needs_update),
		cmocka_unit_test(test_host_user_group_arch),
		cmocka_unit_test(test_memory_cgroups_security),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
