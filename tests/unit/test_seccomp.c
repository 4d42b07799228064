/* SPDX-License-Identifier: MIT */
/*
 * test_seccomp.c: the seccomp keys as the parser reads them (units/keys.c,
 * units/syscall.c: groups expanded, "~" and ":ERRNO", lines combined as
 * systemd does, unknown names) and what the compiler makes of them
 * (services/seccomp.c, libseccomp in the parent: no root, nothing loaded).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "services/seccomp.h"
#include "units/syscall.h"
#include "units/unit.h"
#include "units/value.h"

#ifndef TEST_DATA
#error "TEST_DATA must point to tests/data"
#endif

#include "tests/unit/parse.h"

static bool warned(const struct unit_spec *s, const char *needle)
{
	for (size_t i = 0; s->warnings && s->warnings[i]; i++)
		if (strstr(s->warnings[i], needle))
			return true;
	return false;
}

static bool has(char *const *set, const char *entry)
{
	return unit_strv_contains(set, entry);
}

/* the entries for name, whatever their errno */
static bool has_name(char *const *set, const char *name)
{
	for (size_t i = 0; set && set[i]; i++) {
		size_t len;
		int e;

		unit_syscall_entry(set[i], &len, &e);
		if (len == strlen(name) && memcmp(set[i], name, len) == 0)
			return true;
	}
	return false;
}

/* ---- the generated table ------------------------------------------------ */

static void test_groups_table(void **state)
{
	size_t n, count = 0;
	const char *m;

	(void)state;
	assert_string_equal(unit_syscall_groups_version(), "252");
	for (size_t i = 0; unit_syscall_group_name(i); i++) {
		const char *g = unit_syscall_group_name(i);

		m = unit_syscall_group(g, &n);
		assert_non_null(m);
		count = 0;
		for (const char *p = m; *p; p += strlen(p) + 1) {
			assert_true(p[0] != '@');   /* flattened */
			count++;
		}
		assert_int_equal(count, n);
	}
	/* the groups systemd 252 documents */
	static const char *const want[] = {
		"@default", "@aio", "@basic-io", "@chown", "@clock", "@cpu-emulation", "@debug",
		"@file-system", "@io-event", "@ipc", "@keyring", "@memlock", "@module", "@mount",
		"@network-io", "@obsolete", "@pkey", "@privileged", "@process", "@raw-io", "@reboot",
		"@resources", "@setuid", "@signal", "@swap", "@sync", "@system-service", "@timer",
		"@known",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_non_null(unit_syscall_group(want[i], NULL));
	assert_null(unit_syscall_group("@nonsense", NULL));
	/* nested groups flattened: @system-service holds @basic-io's read */
	m = unit_syscall_group("@system-service", &n);
	bool read_found = false;
	for (const char *p = m; *p; p += strlen(p) + 1)
		read_found |= strcmp(p, "read") == 0;
	assert_true(read_found);
	assert_true(unit_syscall_known("mount"));
	assert_true(unit_syscall_known("mmap2"));   /* x86-32's, translated */
	assert_false(unit_syscall_known("nosuchcall"));
	assert_false(unit_syscall_known("mount:EPERM"));
}

/* ---- SystemCallFilter= --------------------------------------------------- */

static void test_allow_list_starts_with_default(void **state)
{
	struct unit_spec *s = parse_ok("SystemCallFilter=@mount\n");

	(void)state;
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN | UNIT_SC_ALLOW);
	assert_true(has(s->syscall_filter, "mount"));
	assert_true(has(s->syscall_filter, "umount2"));
	assert_true(has(s->syscall_filter, "pivot_root"));
	assert_true(has(s->syscall_filter, "execve"));        /* @default */
	assert_true(has(s->syscall_filter, "exit_group"));
	assert_false(has_name(s->syscall_filter, "read"));
	unit_spec_free(s);
}

static void test_deny_list_and_errno(void **state)
{
	struct unit_spec *s = parse_ok("SystemCallFilter=~@mount\n"
				       "SystemCallFilter=~reboot:EPERM kexec_load:13 ptrace:kill\n");

	(void)state;
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN);
	assert_true(has(s->syscall_filter, "mount"));
	assert_true(has(s->syscall_filter, "reboot:1"));
	assert_true(has(s->syscall_filter, "kexec_load:13"));
	assert_true(has(s->syscall_filter, "ptrace:kill"));
	assert_false(has_name(s->syscall_filter, "execve"));  /* no @default in a deny-list */
	unit_spec_free(s);
	/* a group with a suffix: every member gets it */
	s = parse_ok("SystemCallFilter=~@swap:EACCES\n");
	assert_true(has(s->syscall_filter, "swapon:13"));
	assert_true(has(s->syscall_filter, "swapoff:13"));
	unit_spec_free(s);
}

static void test_lines_combine(void **state)
{
	struct unit_spec *s;

	(void)state;
	/* allow-list first: a "~" line takes out (systemd.exec(5)'s example) */
	s = parse_ok("SystemCallFilter=read write\nSystemCallFilter=~write\n");
	assert_true(has(s->syscall_filter, "read"));
	assert_false(has_name(s->syscall_filter, "write"));
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN | UNIT_SC_ALLOW);
	unit_spec_free(s);
	/* deny-list first: a plain line takes out of the deny-list */
	s = parse_ok("SystemCallFilter=~@mount\nSystemCallFilter=mount\n");
	assert_false(has_name(s->syscall_filter, "mount"));
	assert_true(has(s->syscall_filter, "umount2"));
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN);
	unit_spec_free(s);
	/* two allow lines add up; a later errno replaces an earlier one */
	s = parse_ok("SystemCallFilter=@basic-io\nSystemCallFilter=@timer\n");
	assert_true(has(s->syscall_filter, "read"));
	assert_true(has(s->syscall_filter, "timer_create"));
	unit_spec_free(s);
	s = parse_ok("SystemCallFilter=~mount:EPERM\nSystemCallFilter=~mount:EACCES\n");
	assert_true(has(s->syscall_filter, "mount:13"));
	assert_false(has(s->syscall_filter, "mount:1"));
	unit_spec_free(s);
	/* empty resets: the next line chooses the mode again */
	s = parse_ok("SystemCallFilter=@mount\nSystemCallFilter=\nSystemCallFilter=~chroot\n");
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN);
	assert_int_equal(unit_strv_len(s->syscall_filter), 1);
	assert_true(has(s->syscall_filter, "chroot"));
	unit_spec_free(s);
	s = parse_ok("SystemCallFilter=@mount\nSystemCallFilter=\n");
	assert_int_equal(s->syscall_filter_flags, 0);
	assert_null(s->syscall_filter);
	unit_spec_free(s);
}

static void test_unknown_names(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("SystemCallFilter=~nosuchcall mount\n");
	assert_true(warned(s, "unknown system call \"nosuchcall\""));
	assert_true(has(s->syscall_filter, "mount"));
	assert_false(has_name(s->syscall_filter, "nosuchcall"));
	unit_spec_free(s);
	/* an allow-listed call takes no errno (as systemd: warned, ignored) */
	s = parse_ok("SystemCallFilter=read:EPERM write\n");
	assert_true(warned(s, "takes no error number"));
	assert_false(has_name(s->syscall_filter, "read"));
	assert_true(has(s->syscall_filter, "write"));
	unit_spec_free(s);
	expect_error("SystemCallFilter=@system-servic\n",
		     "SystemCallFilter=: unknown system call group \"@system-servic\"");
	expect_error("SystemCallFilter=~@sandbox\n", "unknown system call group \"@sandbox\"");
	expect_error("SystemCallFilter=~mount:EWHAT\n", "invalid error number \"EWHAT\"");
	expect_error("SystemCallFilter=~mount:4096\n", "invalid error number \"4096\"");
}

static void test_syscall_log(void **state)
{
	struct unit_spec *s = parse_ok("SystemCallLog=@mount\nSystemCallLog=~chroot\n");

	(void)state;
	assert_int_equal(s->syscall_log_flags, UNIT_SC_GIVEN | UNIT_SC_ALLOW);
	assert_true(has(s->syscall_log, "mount"));
	assert_false(has_name(s->syscall_log, "chroot"));
	assert_false(has_name(s->syscall_log, "execve"));   /* no @default here */
	unit_spec_free(s);
}

static void test_error_number(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("SystemCallErrorNumber=EPERM\n");
	assert_int_equal(s->syscall_errno, EPERM);
	unit_spec_free(s);
	s = parse_ok("SystemCallErrorNumber=EUCLEAN\nSystemCallErrorNumber=kill\n");
	assert_int_equal(s->syscall_errno, 0);
	unit_spec_free(s);
	s = parse_ok("SystemCallErrorNumber=log\n");
	assert_int_equal(s->syscall_errno, UNIT_SC_LOG);
	unit_spec_free(s);
	s = parse_ok("SystemCallErrorNumber=22\n");
	assert_int_equal(s->syscall_errno, EINVAL);
	unit_spec_free(s);
	expect_error("SystemCallErrorNumber=0\n", "SystemCallErrorNumber=: invalid value \"0\"");
	expect_error("SystemCallErrorNumber=EBOGUS\n", "invalid value \"EBOGUS\"");
}

static void test_archs(void **state)
{
	struct unit_spec *s = parse_ok("SystemCallArchitectures=native\n"
				       "SystemCallArchitectures=x86 native amd64\n");

	(void)state;
	assert_int_equal(unit_strv_len(s->syscall_archs), 2);
	assert_true(has(s->syscall_archs, "x86"));
	assert_true(warned(s, "unknown architecture \"amd64\""));
	unit_spec_free(s);
}

/* ---- RestrictAddressFamilies=, RestrictNamespaces= ------------------------ */

static void test_address_families(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n"
		     "RestrictAddressFamilies=~AF_INET6 AF_BOGUS\n");
	assert_int_equal(s->restrict_af_flags, UNIT_SC_GIVEN | UNIT_SC_ALLOW);
	assert_true(s->restrict_af == ((UINT64_C(1) << AF_UNIX) | (UINT64_C(1) << AF_INET)));
	assert_true(warned(s, "unknown address family \"AF_BOGUS\""));
	unit_spec_free(s);
	s = parse_ok("RestrictAddressFamilies=none\n");
	assert_int_equal(s->restrict_af_flags, UNIT_SC_ALLOW);
	assert_true(s->restrict_af == 0);
	unit_spec_free(s);
	s = parse_ok("RestrictAddressFamilies=~AF_PACKET\nRestrictAddressFamilies=\n");
	assert_int_equal(s->restrict_af_flags, 0);
	assert_true(s->restrict_af == 0);
	unit_spec_free(s);
	assert_int_equal(unit_af_from_name("AF_NETLINK"), AF_NETLINK);
	assert_int_equal(unit_af_from_name("AF_UNSPEC"), -1);
	assert_string_equal(unit_af_name(AF_UNIX), "AF_UNIX");
}

static void test_namespaces(void **state)
{
	struct unit_spec *s;

	(void)state;
	/* systemd.exec(5)'s examples */
	s = parse_ok("RestrictNamespaces=cgroup ipc\nRestrictNamespaces=cgroup net\n");
	assert_true(s->restrict_ns == (CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNET));
	unit_spec_free(s);
	s = parse_ok("RestrictNamespaces=cgroup ipc\nRestrictNamespaces=~cgroup net\n");
	assert_true(s->restrict_ns == CLONE_NEWIPC);
	unit_spec_free(s);
	s = parse_ok("RestrictNamespaces=yes\n");
	assert_true(s->restrict_ns == 0 && s->restrict_ns_flags == UNIT_SC_GIVEN);
	unit_spec_free(s);
	s = parse_ok("RestrictNamespaces=~user\n");
	assert_true(s->restrict_ns == (UNIT_NS_FLAGS_ALL & ~(unsigned long)CLONE_NEWUSER));
	unit_spec_free(s);
	/* "no" then a list: the list adds to everything */
	s = parse_ok("RestrictNamespaces=no\nRestrictNamespaces=net\n");
	assert_true(s->restrict_ns == UNIT_NS_FLAGS_ALL);
	unit_spec_free(s);
	expect_error("RestrictNamespaces=net bogus\n", "unknown namespace type \"bogus\"");
}

/* ---- the compiler ----------------------------------------------------------- */

static unsigned compiled_progs(const char *body)
{
	struct unit_spec *s = parse_ok(body);
	unsigned n;

	seccomp_unit_compile(s);
	if (s->seccomp.error[0])
		fail_msg("compile error: %s", s->seccomp.error);
	assert_true(s->seccomp.compiled);
	n = s->seccomp.n_progs;
	for (unsigned i = 0; i < n; i++)
		assert_true(s->seccomp.len[i] > 0 && s->seccomp.len[i] <= 4096);
	unit_spec_free(s);
	return n;
}

static void test_compile(void **state)
{
	(void)state;
	assert_int_equal(compiled_progs(""), 0);
	/* one program per architecture (x86-64, x86, x32 here) */
	assert_int_equal(compiled_progs("SystemCallFilter=@system-service\n"), 3);
	/* native only: the architecture program, then the native filter */
	assert_int_equal(compiled_progs("SystemCallFilter=@system-service\n"
					"SystemCallArchitectures=native\n"), 2);
	/* no socket filter for x86-32 (socketcall) */
	assert_int_equal(compiled_progs("RestrictAddressFamilies=AF_UNIX AF_INET\n"), 2);
	assert_int_equal(compiled_progs("RestrictNamespaces=yes\nMemoryDenyWriteExecute=yes\n"
					"RestrictRealtime=yes\nRestrictSUIDSGID=yes\n"
					"LockPersonality=yes\nSystemCallArchitectures=native\n"), 6);
	/* a deny-list emptied again filters nothing */
	assert_int_equal(compiled_progs("SystemCallFilter=~mount\nSystemCallFilter=mount\n"), 0);
	/* RestrictNamespaces=no and a deny-list of no family restrict nothing */
	assert_int_equal(compiled_progs("RestrictNamespaces=no\n"), 0);
	/* SystemCallLog= needs SECCOMP_RET_LOG (not there under valgrind: a warning) */
	assert_int_equal(compiled_progs("SystemCallFilter=@known\nSystemCallLog=~@basic-io\n"),
			 seccomp_api_get() >= 3 ? 6 : 3);
}

static struct unit_spec *compiled(const char *body)
{
	struct unit_spec *s = parse_ok(body);

	seccomp_unit_compile(s);
	assert_string_equal(s->seccomp.error, "");
	return s;
}

static size_t insns_of(const struct unit_spec *s)
{
	size_t n = 0;

	for (unsigned i = 0; i < s->seccomp.n_progs; i++)
		n += s->seccomp.len[i];
	return n;
}

/* the programs of alike units come from the cache: the same, and their own copy */
static void test_compile_cache(void **state)
{
	const char *bodies[] = {
		"SystemCallFilter=@system-service\nRestrictNamespaces=yes\n",
		"SystemCallFilter=@system-service\nRestrictNamespaces=~net\n",
		"SystemCallFilter=@system-service\nRestrictNamespaces=yes\nSystemCallErrorNumber=EPERM\n",
		"SystemCallFilter=@system-service\nSystemCallFilter=~read\nRestrictNamespaces=yes\n",
	};
	struct unit_spec *s[4], *again;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		s[i] = compiled(bodies[i]);
	for (size_t i = 0; i < 4; i++)
		for (size_t j = i + 1; j < 4; j++)
			assert_false(insns_of(s[i]) == insns_of(s[j]) &&
				     memcmp(s[i]->seccomp.insns, s[j]->seccomp.insns,
					    insns_of(s[i]) * 8) == 0);
	for (size_t i = 0; i < 4; i++) {
		again = compiled(bodies[i]);
		assert_int_equal(again->seccomp.n_progs, s[i]->seccomp.n_progs);
		assert_int_equal(insns_of(again), insns_of(s[i]));
		assert_memory_equal(again->seccomp.insns, s[i]->seccomp.insns, insns_of(s[i]) * 8);
		assert_ptr_not_equal(again->seccomp.insns, s[i]->seccomp.insns);
		unit_spec_free(again);
	}
	for (size_t i = 0; i < 4; i++)
		unit_spec_free(s[i]);
}

static void test_set_sorted(void **state)
{
	struct unit_spec *s = parse_ok("SystemCallFilter=~write read mount:EPERM chroot\n");

	(void)state;
	assert_string_equal(s->syscall_filter[0], "chroot");
	assert_string_equal(s->syscall_filter[1], "mount:1");
	assert_string_equal(s->syscall_filter[2], "read");
	assert_string_equal(s->syscall_filter[3], "write");
	assert_null(s->syscall_filter[4]);
	unit_spec_free(s);
}

/* tests/data/seccomp/redis.service: redis-server's keys, as Debian ships them */
static void test_redis_keys(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;

	(void)state;
	assert_int_equal(unit_load_file(TEST_DATA "/seccomp/redis.service", "redis", &d, &s), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(s->syscall_filter_flags, UNIT_SC_GIVEN | UNIT_SC_ALLOW);
	assert_true(has(s->syscall_filter, "read"));
	assert_false(has_name(s->syscall_filter, "setrlimit"));     /* ~@resources */
	assert_false(has_name(s->syscall_filter, "chown"));         /* ~@privileged */
	assert_int_equal(s->syscall_errno, EPERM);
	assert_true(s->restrict_ns == 0 && s->restrict_ns_flags == UNIT_SC_GIVEN);
	assert_true(s->memory_deny_write_execute && s->restrict_realtime && s->restrict_suid_sgid &&
		    s->lock_personality);
	assert_int_equal(s->warnings[0] ? 1 : 0, 0);
	seccomp_unit_compile(s);
	assert_string_equal(s->seccomp.error, "");
	/* the architecture program, then one native program for each key */
	assert_int_equal(s->seccomp.n_progs, seccomp_api_get() >= 3 ? 9 : 8);
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_reload_sees_a_change(void **state)
{
	struct unit_spec *a = parse_ok("SystemCallFilter=~@mount\n");
	struct unit_spec *b = parse_ok("SystemCallFilter=~@mount\n");
	struct unit_spec *c = parse_ok("SystemCallFilter=~@mount\nSystemCallFilter=mount\n");
	struct unit_spec *d = parse_ok("SystemCallFilter=@mount\n");

	(void)state;
	assert_true(unit_spec_equal(a, b));
	assert_false(unit_spec_equal(a, c));
	assert_false(unit_spec_equal(a, d));
	unit_spec_free(a);
	unit_spec_free(b);
	unit_spec_free(c);
	unit_spec_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groups_table),
		cmocka_unit_test(test_allow_list_starts_with_default),
		cmocka_unit_test(test_deny_list_and_errno),
		cmocka_unit_test(test_lines_combine),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_syscall_log),
		cmocka_unit_test(test_error_number),
		cmocka_unit_test(test_archs),
		cmocka_unit_test(test_address_families),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_compile),
		cmocka_unit_test(test_compile_cache),
		cmocka_unit_test(test_set_sorted),
		cmocka_unit_test(test_redis_keys),
		cmocka_unit_test(test_reload_sees_a_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
