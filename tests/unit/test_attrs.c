/* SPDX-License-Identifier: MIT */
/*
 * test_attrs.c: the values of the process attribute keys (units/attrs.c):
 * resource limits, umask, percentages, scheduling names, base64, C
 * escapes, directory names; and how keys.c takes them (CPU lists merged,
 * percentages scaled, errors naming FILE:LINE).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "units/attrs.h"
#include "units/unit.h"
#include "units/value.h"

static void rl_ok(int res, const char *s, uint64_t cur, uint64_t max)
{
	uint64_t c = 0, m = 0;
	int r = unit_parse_rlimit(res, s, &c, &m);

	if (r != 0 || c != cur || m != max)
		fail_msg("%s=%s: r=%d %llu:%llu, want %llu:%llu", unit_rlimit_key(res), s, r,
			 (unsigned long long)c, (unsigned long long)m, (unsigned long long)cur,
			 (unsigned long long)max);
}

static void rl_bad(int res, const char *s, int want)
{
	uint64_t c, m;
	int r = unit_parse_rlimit(res, s, &c, &m);

	if (r != want)
		fail_msg("%s=%s: r=%d, want %d", unit_rlimit_key(res), s, r, want);
}

static void test_rlimit(void **state)
{
	(void)state;
	rl_ok(RLIMIT_NOFILE, "1024", 1024, 1024);
	rl_ok(RLIMIT_NOFILE, "1024:4096", 1024, 4096);
	rl_ok(RLIMIT_NOFILE, "1024:infinity", 1024, UNIT_INFINITY);
	rl_ok(RLIMIT_NOFILE, "infinity", UNIT_INFINITY, UNIT_INFINITY);
	rl_ok(RLIMIT_CPU, "10", 10, 10);
	rl_ok(RLIMIT_CPU, "2min", 120, 120);
	rl_ok(RLIMIT_CPU, "1500ms", 2, 2);            /* rounded up */
	rl_ok(RLIMIT_RTTIME, "1000", 1000, 1000);     /* bare: microseconds */
	rl_ok(RLIMIT_RTTIME, "1s:2s", 1000000, 2000000);
	rl_ok(RLIMIT_CORE, "infinity", UNIT_INFINITY, UNIT_INFINITY);
	rl_ok(RLIMIT_STACK, "8M", 8 << 20, 8 << 20);
	rl_ok(RLIMIT_AS, "1G:2G", 1ULL << 30, 2ULL << 30);
	rl_ok(RLIMIT_MEMLOCK, "64K", 65536, 65536);
	rl_ok(RLIMIT_NICE, "0", 0, 0);
	rl_ok(RLIMIT_NICE, "40", 40, 40);
	rl_ok(RLIMIT_NICE, "-20", 40, 40);            /* a nice value: 20 - nice */
	rl_ok(RLIMIT_NICE, "+19", 1, 1);
	rl_ok(RLIMIT_NICE, "-5:-10", 25, 30);
	rl_bad(RLIMIT_NICE, "41", -ERANGE);
	rl_bad(RLIMIT_NICE, "-21", -ERANGE);
	rl_bad(RLIMIT_NOFILE, "10:5", -ERANGE);
	rl_bad(RLIMIT_NOFILE, "1K", -EINVAL);         /* a count has no units */
	rl_bad(RLIMIT_NOFILE, "", -EINVAL);
	rl_bad(RLIMIT_NOFILE, "1:", -EINVAL);
	rl_bad(RLIMIT_NOFILE, ":1", -EINVAL);
	rl_bad(RLIMIT_NOFILE, "1:2:3", -EINVAL);
	rl_bad(RLIMIT_NOFILE, "-1", -EINVAL);
	rl_bad(RLIMIT_CPU, "soon", -EINVAL);
	rl_bad(RLIMIT_STACK, "8X", -EINVAL);
	assert_string_equal(unit_rlimit_key(RLIMIT_RTTIME), "LimitRTTIME");
	assert_string_equal(unit_rlimit_key(RLIMIT_NOFILE), "LimitNOFILE");
	assert_null(unit_rlimit_key(UNIT_RLIMIT_N));
}

static void test_umask(void **state)
{
	unsigned m;

	(void)state;
	assert_int_equal(unit_parse_umask("0022", &m), 0);
	assert_int_equal(m, 022);
	assert_int_equal(unit_parse_umask("77", &m), 0);
	assert_int_equal(m, 077);
	assert_int_equal(unit_parse_umask("0", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(unit_parse_umask("0777", &m), 0);
	assert_int_equal(m, 0777);
	assert_int_equal(unit_parse_umask("1777", &m), -ERANGE);
	assert_int_equal(unit_parse_mode("2755", 07777, &m), 0);   /* redis' RuntimeDirectoryMode= */
	assert_int_equal(m, 02755);
	assert_int_equal(unit_parse_umask("08", &m), -EINVAL);
	assert_int_equal(unit_parse_umask("", &m), -EINVAL);
	assert_int_equal(unit_parse_umask("0x22", &m), -EINVAL);
	assert_int_equal(unit_parse_umask("00022", &m), -EINVAL);
}

static void test_permyriad(void **state)
{
	unsigned p;

	(void)state;
	assert_int_equal(unit_parse_permyriad("50%", &p), 0);
	assert_int_equal(p, 5000);
	assert_int_equal(unit_parse_permyriad("100%", &p), 0);
	assert_int_equal(p, 10000);
	assert_int_equal(unit_parse_permyriad("0%", &p), 0);
	assert_int_equal(p, 0);
	assert_int_equal(unit_parse_permyriad("12.5%", &p), 0);
	assert_int_equal(p, 1250);
	assert_int_equal(unit_parse_permyriad("0.01%", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(unit_parse_permyriad("5\xe2\x80\xb0", &p), 0);   /* 5 per mille */
	assert_int_equal(p, 50);
	assert_int_equal(unit_parse_permyriad("101%", &p), -ERANGE);
	assert_int_equal(unit_parse_permyriad("0.001%", &p), -EINVAL);
	assert_int_equal(unit_parse_permyriad("50", &p), -EINVAL);
	assert_int_equal(unit_parse_permyriad("%", &p), -EINVAL);
	assert_int_equal(unit_parse_permyriad("-5%", &p), -EINVAL);
	assert_int_equal(unit_parse_permyriad("5.%", &p), -EINVAL);
	assert_int_equal(unit_parse_permyriad("5 %", &p), -EINVAL);
	assert_int_equal(unit_scale_permyriad(1000, 5000), 500);
	assert_int_equal(unit_scale_permyriad(UINT64_MAX, 10000), UINT64_MAX);
	assert_int_equal(unit_scale_permyriad(3, 3333), 0);
	assert_true(unit_host_memory() > 0);
	assert_true(unit_host_tasks_max() > 0);
}

static void test_sched_names(void **state)
{
	int v;

	(void)state;
	assert_int_equal(unit_parse_io_class("realtime", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(unit_parse_io_class("best-effort", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(unit_parse_io_class("idle", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(unit_parse_io_class("2", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(unit_parse_io_class("4", &v), -EINVAL);
	assert_int_equal(unit_parse_io_class("fast", &v), -EINVAL);
	assert_int_equal(unit_parse_cpu_policy("fifo", &v), 0);
	assert_int_equal(v, SCHED_FIFO);
	assert_int_equal(unit_parse_cpu_policy("rr", &v), 0);
	assert_int_equal(v, SCHED_RR);
	assert_int_equal(unit_parse_cpu_policy("batch", &v), 0);
	assert_int_equal(v, SCHED_BATCH);
	assert_int_equal(unit_parse_cpu_policy("idle", &v), 0);
	assert_int_equal(v, SCHED_IDLE);
	assert_int_equal(unit_parse_cpu_policy("other", &v), 0);
	assert_int_equal(v, SCHED_OTHER);
	assert_int_equal(unit_parse_cpu_policy("deadline", &v), -EINVAL);
}

static void test_base64_and_escapes(void **state)
{
	char *d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(unit_base64_decode("aGVsbG8=", &d, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(d, "hello", 5);
	free(d);
	assert_int_equal(unit_base64_decode("aGVs\nbG8", &d, &n), 0);
	assert_int_equal(n, 5);
	free(d);
	assert_int_equal(unit_base64_decode("AA==", &d, &n), 0);  /* a NUL byte */
	assert_int_equal(n, 1);
	assert_int_equal(d[0], 0);
	free(d);
	assert_int_equal(unit_base64_decode("a$==", &d, &n), -EINVAL);
	assert_int_equal(unit_base64_decode("aGVsbG8=x", &d, &n), -EINVAL);
	assert_int_equal(unit_cunescape("a\\tb\\x41\\\\", &d, &n), 0);
	assert_string_equal(d, "a\tbA\\");
	assert_int_equal(n, 5);
	free(d);
	assert_int_equal(unit_cunescape("bad\\q", &d, &n), -EINVAL);
	assert_int_equal(unit_cunescape("nul\\x00", &d, &n), -EINVAL);
}

static void test_dir_names(void **state)
{
	(void)state;
	assert_true(unit_dir_name_valid("foo"));
	assert_true(unit_dir_name_valid("foo/bar"));
	assert_true(unit_dir_name_valid("foo.d"));
	assert_false(unit_dir_name_valid(""));
	assert_false(unit_dir_name_valid("/foo"));
	assert_false(unit_dir_name_valid("foo/"));
	assert_false(unit_dir_name_valid("foo//bar"));
	assert_false(unit_dir_name_valid(".."));
	assert_false(unit_dir_name_valid("a/../b"));
	assert_false(unit_dir_name_valid("./a"));
	assert_string_equal(unit_dir_base(UNIT_DIR_STATE), "/var/lib");
	assert_string_equal(unit_dir_env(UNIT_DIR_LOGS), "LOGS_DIRECTORY");
	assert_string_equal(unit_dir_key(UNIT_DIR_CONFIGURATION), "ConfigurationDirectory");
}

/* ---- through the key table ---------------------------------------------- */

static struct unit_spec *load(const char *body, struct unit_diag *d)
{
	char text[2048];
	struct unit_spec *s = NULL;

	snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n%s", body);
	(void)unit_load_string(text, strlen(text), "a.service", "a", d, &s);
	return s;
}

static struct unit_spec *load_ok(const char *body)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = load(body, &d);

	if (!s || d.n)
		fail_msg("unexpected failure: %s", d.n ? d.msgs[0] : "?");
	unit_diag_free(&d);
	return s;
}

static void load_bad(const char *body, const char *msg)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = load(body, &d);

	assert_null(s);
	assert_true(d.n >= 1);
	if (!strstr(d.msgs[0], msg))
		fail_msg("\"%s\" lacks \"%s\"", d.msgs[0], msg);
	unit_diag_free(&d);
}

static void test_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = load_ok("LimitNOFILE=10:20\nUMask=0077\nNice=-5\nOOMScoreAdjust=-100\n"
		    "CPUAffinity=0-1\nCPUAffinity=3 5\nSyslogIdentifier=web\n"
		    "StateDirectory=a b/c\nStateDirectoryMode=0700\nRuntimeDirectoryPreserve=restart\n"
		    "StandardInput=data\nStandardInputText=one\nStandardInputData=dHdvCg==\n");
	assert_true(s->attrs.rlimits[RLIMIT_NOFILE].set);
	assert_int_equal(s->attrs.rlimits[RLIMIT_NOFILE].cur, 10);
	assert_int_equal(s->attrs.rlimits[RLIMIT_NOFILE].max, 20);
	assert_false(s->attrs.rlimits[RLIMIT_CPU].set);
	assert_int_equal(s->attrs.umask, 077);
	assert_true(s->attrs.nice_set);
	assert_int_equal(s->attrs.nice, -5);
	assert_int_equal(s->attrs.oom_score_adjust, -100);
	assert_string_equal(s->attrs.cpu_affinity, "0-1,3,5");   /* merged */
	assert_string_equal(s->attrs.syslog_identifier, "web");
	assert_string_equal(s->attrs.dirs[UNIT_DIR_STATE][0], "a");
	assert_string_equal(s->attrs.dirs[UNIT_DIR_STATE][1], "b/c");
	assert_null(s->attrs.dirs[UNIT_DIR_STATE][2]);
	assert_int_equal(s->attrs.dir_mode[UNIT_DIR_STATE], 0700);
	assert_int_equal(s->attrs.dir_mode[UNIT_DIR_RUNTIME], 0755);
	assert_int_equal(s->attrs.runtime_preserve, UNIT_PRESERVE_RESTART);
	assert_int_equal(s->attrs.std_input, UNIT_INPUT_DATA);
	assert_int_equal(s->attrs.input_data_len, 8);
	assert_memory_equal(s->attrs.input_data, "one\ntwo\n", 8);
	unit_spec_free(s);

	s = load_ok("MemoryMax=50%\nTasksMax=10%\nCPUAffinity=1\nCPUAffinity=\nLimitCPU=5\nLimitCPU=\n");
	assert_int_equal(s->memory_max, unit_scale_permyriad(unit_host_memory(), 5000));
	assert_int_equal(s->tasks_max, unit_scale_permyriad(unit_host_tasks_max(), 1000));
	assert_true(s->limits_set & UNIT_LIM_MEMORY_MAX);
	assert_null(s->attrs.cpu_affinity);                      /* empty resets */
	assert_false(s->attrs.rlimits[RLIMIT_CPU].set);
	unit_spec_free(s);

	load_bad("LimitNOFILE=lots\n", "a.service:3: LimitNOFILE=: invalid limit \"lots\"");
	load_bad("UMask=999\n", "a.service:3: UMask=: invalid mode");
	load_bad("Nice=20\n", "Nice=: invalid number \"20\" (expected -20..19)");
	load_bad("OOMScoreAdjust=-1001\n", "expected -1000..1000");
	load_bad("IOSchedulingPriority=8\n", "expected 0..7");
	load_bad("CPUSchedulingPolicy=deadline\n", "invalid policy");
	load_bad("CPUAffinity=0-x\n", "invalid CPU list");
	load_bad("MemoryMax=150%\n", "invalid percentage");
	load_bad("TasksMax=x%\n", "invalid percentage");
	load_bad("StateDirectory=../etc\n", "StateDirectory=: invalid relative directory");
	load_bad("RuntimeDirectory=/abs\n", "RuntimeDirectory=: invalid relative directory");
	load_bad("StateDirectory=a:b\n", "NAME:LINK form");
	/* svcinit's own: the control socket's directory, the timers' stamps */
	load_bad("RuntimeDirectory=svcinit\n", "RuntimeDirectory=: \"svcinit\" is svcinit's own");
	load_bad("RuntimeDirectory=a svcinit/x\n", "\"svcinit/x\" is svcinit's own");
	load_bad("StateDirectory=svcinit\n", "StateDirectory=: \"svcinit\" is svcinit's own");
	unit_spec_free(load_ok("RuntimeDirectory=svcinit2 my/svcinit\nCacheDirectory=svcinit\n"));
	load_bad("RuntimeDirectoryPreserve=maybe\n", "expected no, yes or restart");
	load_bad("StandardInput=keyboard\n", "StandardInput=: invalid value");
	load_bad("StandardInput=file:rel\n", "not an absolute path");
	load_bad("StandardInputData=!!\n", "invalid base64");
}

static void test_data_file(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	int r = unit_load_file(TEST_DATA "/attrs/daemon.service", "daemon", &d, &s);

	(void)state;
	if (r != 0 || d.n || d.n_warns)
		fail_msg("daemon.service: %d %s", r, d.n ? d.msgs[0] : d.n_warns ? d.warns[0] : "");
	assert_int_equal(s->attrs.rlimits[RLIMIT_NOFILE].cur, 65536);
	assert_int_equal(s->attrs.rlimits[RLIMIT_MEMLOCK].max, UNIT_INFINITY);
	assert_int_equal(s->attrs.rlimits[RLIMIT_NICE].cur, 30);
	assert_int_equal(s->attrs.rlimits[RLIMIT_CPU].cur, 600);
	assert_string_equal(s->attrs.cpu_affinity, "0-1,3");
	assert_int_equal(s->attrs.io_class, 2);
	assert_int_equal(s->attrs.io_prio, 2);
	assert_int_equal(s->attrs.cpu_policy, SCHED_BATCH);
	assert_string_equal(s->attrs.dirs[UNIT_DIR_RUNTIME][1], "daemon/sockets");
	assert_int_equal(s->attrs.dir_mode[UNIT_DIR_LOGS], 0700);
	assert_int_equal(s->attrs.runtime_preserve, UNIT_PRESERVE_RESTART);
	assert_int_equal(s->tasks_max, unit_scale_permyriad(unit_host_tasks_max(), 500));
	unit_spec_free(s);
	unit_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rlimit),
		cmocka_unit_test(test_umask),
		cmocka_unit_test(test_permyriad),
		cmocka_unit_test(test_sched_names),
		cmocka_unit_test(test_base64_and_escapes),
		cmocka_unit_test(test_dir_names),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_data_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
