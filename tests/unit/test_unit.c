/* SPDX-License-Identifier: MIT */
/*
 * test_unit.c: the unit-file loader (units/: value.c, keys.c, ini.c, unit.c). TEST_DATA points to
 * tests/data: good/ must all load, bad/ must all fail with the messages below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "units/keys.h"
#include "units/targets.h"
#include "units/unit.h"
#include "units/value.h"

#ifndef TEST_DATA
#error "TEST_DATA must point to tests/data"
#endif

#define SEC UINT64_C(1000000)
#define MS  UINT64_C(1000)
#define BIT(n) (UINT64_C(1) << (n))

/* ---------------------------------------------------------------------- */
/* helpers                                                                  */

static void diag_print(const struct unit_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag: %s\n", d->msgs[i]);
	if (d->dropped)
		print_message("  diag: (%zu dropped)\n", d->dropped);
}

static bool diag_has(const struct unit_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return true;
	return false;
}

static void assert_diag(const struct unit_diag *d, const char *needle)
{
	if (!diag_has(d, needle)) {
		diag_print(d);
		fail_msg("missing diagnostic: %s", needle);
	}
}

static void assert_strv(char *const *v, const char *const *expect)
{
	size_t i;

	assert_non_null(v);
	for (i = 0; expect[i]; i++) {
		if (!v[i])
			fail_msg("list too short: expected \"%s\" at %zu", expect[i], i);
		assert_string_equal(v[i], expect[i]);
	}
	if (v[i])
		fail_msg("list too long: unexpected \"%s\" at %zu", v[i], i);
}

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define EMPTY ((const char *const[]){ NULL })

/* Parse text as "t.service"; it must load. */
static struct unit_spec *parse_ok(const char *text)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	int r = unit_load_string(text, strlen(text), "t.service", "t", &d, &s);

	if (r != 0 || d.n) {
		diag_print(&d);
		fail_msg("unexpected failure %d for:\n%s", r, text);
	}
	unit_diag_free(&d);
	return s;
}

/* Parse len bytes of text; must be rejected with -EINVAL; diag kept. */
static void parse_bad(const char *text, size_t len, struct unit_diag *d)
{
	struct unit_spec *s = (struct unit_spec *)1;
	int r = unit_load_string(text, len, "t.service", "t", d, &s);

	if (r != -EINVAL) {
		diag_print(d);
		fail_msg("expected -EINVAL, got %d for:\n%.*s", r, (int)len, text);
	}
	assert_null(s);
	assert_true(d->n > 0);
}

/* One string, one expected message. */
static void expect_error(const char *text, const char *needle)
{
	struct unit_diag d = { 0 };

	parse_bad(text, strlen(text), &d);
	assert_diag(&d, needle);
	unit_diag_free(&d);
}

static struct unit_spec *load_good(const char *name)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	char path[512];
	int r;

	snprintf(path, sizeof(path), TEST_DATA "/good/%s.service", name);
	r = unit_load_file(path, name, &d, &s);
	if (r != 0 || d.n) {
		diag_print(&d);
		fail_msg("%s: unexpected failure %d", path, r);
	}
	unit_diag_free(&d);
	assert_non_null(s);
	assert_string_equal(s->name, name);
	assert_string_equal(s->path, path);
	return s;
}

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void write_str(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

/* Remove a flat test directory (and one level of subdirectories). */
static void rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno == EISDIR)
			(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	(void)rmdir(dir);
}

static const char *const MINIMAL = "[Service]\nExecStart=/bin/true\n";

/* ---------------------------------------------------------------------- */
/* good files                                                               */

static void test_good_web(void **state)
{
	struct unit_spec *s = load_good("web");

	(void)state;
	assert_string_equal(s->description, "Example web server");
	assert_strv(s->after, STRV("db", "cache"));
	assert_strv(s->requires, STRV("db"));
	assert_strv(s->wants, STRV("cache", "metrics"));
	assert_int_equal(s->start_limit_burst, 3);
	assert_int_equal(s->start_limit_interval_usec, 60 * SEC);

	assert_int_equal(s->type, UNIT_SIMPLE);
	assert_strv(s->argv, STRV("/usr/bin/python3", "-m", "http.server", "--directory",
				  "/srv/www root", "8080"));
	assert_strv(s->environment, STRV("GREETING=hello world", "LANG=C.UTF-8", "PORT=8080"));
	assert_strv(s->environment_files, STRV("/etc/default/web", "-/etc/default/web.local"));
	assert_string_equal(s->working_directory, "/srv/www");
	assert_string_equal(s->user, "www-data");
	assert_string_equal(s->group, "www-data");
	assert_strv(s->supplementary_groups, STRV("adm", "4"));

	assert_int_equal(s->restart, UNIT_RESTART_ALWAYS);
	assert_int_equal(s->restart_usec, 250 * MS);
	assert_int_equal(s->restart_steps, 5);
	assert_int_equal(s->restart_max_usec, 60 * SEC);
	assert_int_equal(s->success_action, UNIT_ACTION_NONE);
	assert_int_equal(s->failure_action, UNIT_ACTION_REBOOT);
	assert_int_equal(s->timeout_start_usec, 30 * SEC);
	assert_int_equal(s->timeout_stop_usec, 5 * SEC);
	assert_int_equal(s->kill_signal, SIGINT);

	assert_true(s->no_new_privileges);
	assert_true(s->capability_bounding_set_given);
	assert_int_equal(s->capability_bounding_set, BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_CHOWN));
	assert_int_equal(s->ambient_capabilities, BIT(CAP_NET_BIND_SERVICE));
	assert_int_equal(s->std_output.kind, UNIT_OUTPUT_APPEND);
	assert_string_equal(s->std_output.path, "/var/log/web.log");
	assert_int_equal(s->std_error.kind, UNIT_OUTPUT_LOG);
	assert_null(s->std_error.path);

	assert_int_equal(s->namespaces, UNIT_NS_DEFAULT | UNIT_NS_CGROUP);
	assert_string_equal(s->hostname, "web-1");
	assert_string_equal(s->root_directory, "/srv/rootfs");
	assert_true(s->overlay);
	assert_string_equal(s->overlay_upper, "/var/lib/svcinit/web");
	assert_int_equal(s->n_binds, 3);
	assert_string_equal(s->binds[0].src, "/srv/www/data");
	assert_string_equal(s->binds[0].dst, "/data");
	assert_false(s->binds[0].read_only);
	assert_false(s->binds[0].optional);
	assert_string_equal(s->binds[1].src, "/srv/cache");
	assert_string_equal(s->binds[1].dst, "/srv/cache");
	assert_ptr_not_equal(s->binds[1].src, s->binds[1].dst);
	assert_false(s->binds[1].read_only);
	assert_true(s->binds[1].optional);
	assert_string_equal(s->binds[2].src, "/etc/resolv.conf");
	assert_string_equal(s->binds[2].dst, "/etc/resolv.conf");
	assert_true(s->binds[2].read_only);
	assert_false(s->binds[2].optional);

	assert_int_equal(s->limits_set, UNIT_LIM_MEMORY_MAX | UNIT_LIM_MEMORY_HIGH |
			 UNIT_LIM_CPU_WEIGHT | UNIT_LIM_CPU_QUOTA | UNIT_LIM_TASKS_MAX |
			 UNIT_LIM_IO_WEIGHT | UNIT_LIM_ALLOWED_CPUS);
	assert_int_equal(s->memory_max, UINT64_C(512) << 20);
	assert_int_equal(s->memory_high, UINT64_C(400) << 20);
	assert_int_equal(s->cpu_weight, 200);
	assert_int_equal(s->cpu_quota_percent, 150);
	assert_int_equal(s->tasks_max, 64);
	assert_int_equal(s->io_weight, 50);
	assert_string_equal(s->allowed_cpus, "0-1,3");
	unit_spec_free(s);
}

static void test_good_worker(void **state)
{
	struct unit_spec *s = load_good("worker");

	(void)state;
	/* systemd has no inline comments: " ;" is part of the value */
	assert_string_equal(s->description, "Nightly import ; a ';' in a value is part of it");
	/* a second [Unit] section adds to the first */
	assert_strv(s->after, STRV("db"));
	assert_int_equal(s->start_limit_burst, 1);
	assert_int_equal(s->type, UNIT_ONESHOT);
	/* Type=oneshot: each ExecStart= is one more command, run in order;
	 * continuation joined, comment inside skipped, escapes processed
	 * inside single quotes */
	assert_int_equal(s->n_exec_start, 2);
	assert_strv(s->argv, STRV("/bin/false"));
	assert_true(s->argv == s->exec_start[0].argv);
	assert_strv(s->exec_start[1].argv,
		    STRV("/bin/sh", "-c", "echo \"importing $$\" &&  sleep 1; echo done"));
	/* Environment=: empty resets, a NAME given again is replaced in place */
	assert_strv(s->environment, STRV("B=3", "C=x"));
	assert_int_equal(s->restart, UNIT_RESTART_NO);
	assert_int_equal(s->restart_usec, 2 * SEC);
	assert_int_equal(s->timeout_start_usec, UNIT_INFINITY);
	assert_int_equal(s->timeout_stop_usec, UNIT_INFINITY); /* 0 = infinity */
	assert_int_equal(s->kill_signal, SIGKILL);
	assert_true(s->capability_bounding_set_given);
	assert_int_equal(s->capability_bounding_set, ~(BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW)));
	assert_int_equal(s->ambient_capabilities, 0);
	assert_int_equal(s->std_output.kind, UNIT_OUTPUT_NULL);
	assert_null(s->std_output.path);
	assert_int_equal(s->std_error.kind, UNIT_OUTPUT_FILE);
	assert_string_equal(s->std_error.path, "/var/log/worker.err");
	assert_int_equal(s->success_action, UNIT_ACTION_EXIT);
	assert_int_equal(s->failure_action, UNIT_ACTION_POWEROFF);
	assert_int_equal(s->namespaces, 0);
	assert_false(s->overlay);
	assert_int_equal(s->limits_set, UNIT_LIM_MEMORY_MAX | UNIT_LIM_TASKS_MAX);
	assert_int_equal(s->memory_max, UNIT_INFINITY);
	assert_int_equal(s->tasks_max, UNIT_INFINITY);
	unit_spec_free(s);
}

static void test_good_db(void **state)
{
	struct unit_spec *s = load_good("db");

	(void)state;
	assert_string_equal(s->description, "Database, ready when it says so (sd_notify)");
	assert_int_equal(s->type, UNIT_NOTIFY);
	assert_strv(s->argv, STRV("exampledb", "--foreground", "--data=/var/lib/db"));
	assert_string_equal(s->user, "1000");
	assert_string_equal(s->group, "1000");
	assert_int_equal(s->timeout_start_usec, 120 * SEC);
	assert_int_equal(s->namespaces, UNIT_NS_PID | UNIT_NS_MNT);
	assert_int_equal(s->std_output.kind, UNIT_OUTPUT_CONSOLE);
	assert_int_equal(s->std_error.kind, UNIT_OUTPUT_INHERIT);
	assert_int_equal(s->n_binds, 1);
	assert_string_equal(s->binds[0].src, "/var/lib/db");
	assert_string_equal(s->binds[0].dst, "/var/lib/db");
	assert_null(s->hostname);
	unit_spec_free(s);
}

static void test_good_minimal_defaults(void **state)
{
	struct unit_spec *s = load_good("minimal");

	(void)state;
	assert_string_equal(s->description, "");
	assert_strv(s->after, EMPTY);
	assert_strv(s->requires, EMPTY);
	assert_strv(s->wants, EMPTY);
	assert_int_equal(s->type, UNIT_SIMPLE);
	assert_strv(s->argv, STRV("sleep", "infinity"));
	assert_strv(s->environment, EMPTY);
	assert_strv(s->environment_files, EMPTY);
	assert_strv(s->supplementary_groups, EMPTY);
	assert_null(s->working_directory);
	assert_null(s->user);
	assert_null(s->group);
	assert_int_equal(s->restart, UNIT_RESTART_ON_FAILURE);
	assert_int_equal(s->restart_usec, 100 * MS);
	assert_int_equal(s->restart_steps, 8);
	assert_int_equal(s->restart_max_usec, 30 * SEC);
	assert_int_equal(s->start_limit_burst, 5);
	assert_int_equal(s->start_limit_interval_usec, 10 * SEC);
	assert_int_equal(s->success_action, UNIT_ACTION_NONE);
	assert_int_equal(s->failure_action, UNIT_ACTION_NONE);
	assert_int_equal(s->timeout_start_usec, 90 * SEC);
	assert_int_equal(s->timeout_stop_usec, 10 * SEC);
	assert_int_equal(s->kill_signal, SIGTERM);
	assert_false(s->no_new_privileges);
	assert_false(s->capability_bounding_set_given);
	assert_int_equal(s->ambient_capabilities, 0);
	assert_int_equal(s->std_output.kind, UNIT_OUTPUT_LOG);
	assert_int_equal(s->std_error.kind, UNIT_OUTPUT_LOG);
	assert_int_equal(s->namespaces, UNIT_NS_DEFAULT);
	assert_null(s->hostname);
	assert_null(s->root_directory);
	assert_true(s->overlay);
	assert_null(s->overlay_upper);
	assert_int_equal(s->n_binds, 0);
	assert_int_equal(s->limits_set, 0);
	assert_null(s->allowed_cpus);
	unit_spec_free(s);
}

static void test_good_dir(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_set set;

	(void)state;
	assert_int_equal(unit_load_dir(TEST_DATA "/good", &d, &set), 0);
	if (d.n)
		diag_print(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(set.n, 4);
	assert_string_equal(set.units[0]->name, "db");
	assert_string_equal(set.units[1]->name, "minimal");
	assert_string_equal(set.units[2]->name, "web");
	assert_string_equal(set.units[3]->name, "worker");
	assert_strv(set.failed, EMPTY);
	unit_set_free(&set);
	unit_set_free(&set); /* safe twice */
	unit_diag_free(&d);
}

/* ---------------------------------------------------------------------- */
/* bad files: every message, FILE:LINE included, and nothing else           */

static const struct bad_case {
	const char *file;
	const char *msgs[40];
} bad_cases[] = {
	{ "binary", { "binary.service:3: invalid character 0x00" } },
	{ "exec", {
		"exec.service:3: ExecStart=: unbalanced quotes in \"/bin/echo \"unterminated\"",
		"exec.service:4: ExecStart=: relative path \"./relative/path\"",
		"exec.service:5: ExecStart=: invalid escape sequence in \"/bin/echo \\q\"",
		"exec.service:6: ExecStart=: empty program name",
	} },
	{ "isolation", {
		"isolation.service:4: RootDirectory=: needs the mnt namespace",
		"isolation.service:5: BindPaths=: needs the mnt namespace",
		"isolation.service:6: Hostname=: needs the uts namespace",
	} },
	{ "longline", { "longline.service:2: line too long (max 32767 bytes" } },
	{ "noexec", { "noexec.service:4: [Service]: missing ExecStart=" } },
	{ "noservice", { "noservice.service:0: missing [Service] section" } },
	{ "overlay", { "overlay.service:3: OverlayUpper=: needs Overlay=yes" } },
	{ "syntax", {
		"syntax.service:1: invalid section header \"[Service\"",
		"syntax.service:5: expected KEY=VALUE or [Section], got \"just some words\"",
		"syntax.service:6: expected KEY=VALUE, found ':' in \"Description: colon style\"",
		"syntax.service:7: missing key name before '='",
		"syntax.service:8: invalid section header \"[Unit] trailing\" (text after ']')",
		"syntax.service:9: Type=: not allowed in [Unit] (it belongs in [Service])",
		"syntax.service:10: expected KEY=VALUE or [Section], got \"ExecStart ; =/bin/true\"",
	} },
	{ "time", {
		"time.service:3: RestartSec=: invalid time \"abc\"",
		"time.service:4: TimeoutStopSec=: time out of range \"99999999999999h\"",
		"time.service:5: RestartMaxDelaySec=: must be finite, not \"infinity\"",
		"time.service:6: StartLimitIntervalSec=: invalid time \"5 min 3\"",
	} },
	{ "unknown", {
		"unknown.service:1: Description=: outside of any section",
		"unknown.service:3: Descripton=: unknown key in [Unit]",
		"unknown.service:4: ExecStart=: not allowed in [Unit] (it belongs in [Service])",
		"unknown.service:7: Description=: not allowed in [Service] (it belongs in [Unit])",
		"unknown.service:13: Descripton=: unknown key in [Install]",
		"unknown.service:15: ListenStrem=: unknown key in [Socket]",
		"unknown.service:17: unknown section [Nope]",
	} },
	{ "values", {
		"values.service:2: After=: invalid unit name \"bad/name\"",
		"values.service:5: Type=: invalid value \"forkin\"",
		"values.service:6: Restart=: invalid value \"on-abortt\"",
		"values.service:7: SuccessAction=: invalid value \"halt\"",
		"values.service:8: KillSignal=: invalid signal \"SIGFOO\"",
		"values.service:9: NoNewPrivileges=: invalid boolean \"maybe\"",
		"values.service:10: CapabilityBoundingSet=: unknown capability \"CAP_NOPE\"",
		"values.service:11: AmbientCapabilities=: unknown capability \"CAP_CHOWN,CAP_KILL\"",
		"values.service:12: StandardOutput=: invalid value \"journal\"",
		"values.service:13: StandardError=: not an absolute path \"relative.log\"",
		"values.service:14: Environment=: invalid assignment \"1BAD=x\" (expected NAME=VALUE)",
		"values.service:15: EnvironmentFile=: not an absolute path \"relative.env\"",
		"values.service:16: WorkingDirectory=: not an absolute path \"relative\"",
		"values.service:17: User=: invalid user or group name \"bad user\"",
		"values.service:18: SupplementaryGroups=: invalid group name \"-bad\"",
		"values.service:19: Namespaces=: unknown namespace \"bogus\"",
		"values.service:20: Namespaces=: empty value (use \"none\"",
		"values.service:21: Namespaces=: \"none\" cannot be combined",
		"values.service:22: Hostname=: invalid hostname \"-bad-\"",
		"values.service:23: BindPaths=: invalid bind \"/a:/b:/c\"",
		"values.service:24: BindReadOnlyPaths=: invalid bind \"relative\"",
		"values.service:25: MemoryMax=: invalid size \"12X\"",
		"values.service:26: MemoryHigh=: invalid size \"-1\"",
		"values.service:27: CPUWeight=: invalid value \"0\" (expected 1..10000)",
		"values.service:28: CPUQuota=: invalid quota \"50\"",
		"values.service:29: TasksMax=: invalid value \"0\" (expected a number >= 1, or infinity)",
		"values.service:30: IOWeight=: invalid value \"10001\" (expected 1..10000)",
		"values.service:31: AllowedCPUs=: invalid CPU list \"3-1\"",
		"values.service:32: RestartSteps=: invalid number \"abc\"",
		"values.service:33: StartLimitBurst=: invalid number \"-1\"",
		"values.service:34: Environment=: unbalanced quotes in \"A=\"unbalanced\"",
	} },
};

#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_BAD; i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct unit_diag d = { 0 };
		struct unit_spec *s = NULL;
		char path[512];
		size_t n = 0;
		int r;

		snprintf(path, sizeof(path), TEST_DATA "/bad/%s.service", bc->file);
		r = unit_load_file(path, bc->file, &d, &s);
		if (r != -EINVAL) {
			diag_print(&d);
			fail_msg("%s: expected -EINVAL, got %d", path, r);
		}
		assert_null(s);
		for (; bc->msgs[n]; n++)
			assert_diag(&d, bc->msgs[n]);
		/* every message starts with the full path */
		for (size_t j = 0; j < d.n; j++)
			assert_memory_equal(d.msgs[j], path, strlen(path));
		if (d.n != n) {
			diag_print(&d);
			fail_msg("%s: %zu messages, expected %zu", path, d.n, n);
		}
		unit_diag_free(&d);
	}
}

static void test_bad_dir(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_set set;
	size_t n_files = 0, expected = 0;

	(void)state;
	assert_int_equal(unit_load_dir(TEST_DATA "/bad", &d, &set), 0);
	assert_int_equal(set.n, 0);
	n_files = unit_strv_len(set.failed);
	for (size_t i = 0; i < N_BAD; i++) {
		assert_true(i < n_files);
		assert_string_equal(set.failed[i], bad_cases[i].file); /* sorted, one case each */
		for (size_t j = 0; bad_cases[i].msgs[j]; j++)
			expected++;
	}
	assert_int_equal(n_files, N_BAD);
	assert_int_equal(d.n, expected);
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* ---------------------------------------------------------------------- */
/* lines: numbering, continuations, comments, CRLF, BOM, limits, garbage   */

static void test_line_numbers(void **state)
{
	struct unit_spec *s;

	(void)state;
	/* BOM and CRLF */
	expect_error("\xef\xbb\xbf[Service]\r\nExecStart=/bin/true\r\nRestartSec=bad\r\n",
		     "t.service:3: RestartSec=: invalid time \"bad\"");
	/* a continuation counts its lines; the error after it is on line 5 */
	expect_error("[Service]\nExecStart=/bin/echo \\\n  a \\\n  b\nRestartSec=bad\n",
		     "t.service:5: RestartSec=: invalid time \"bad\"");
	/* an error inside a continued value is reported at its first line */
	expect_error("[Service]\nExecStart=/bin/true\n\nKillSignal=\\\n  SIGBOGUS\n",
		     "t.service:4: KillSignal=: invalid signal \"SIGBOGUS\"");
	/* comments and blank lines count */
	expect_error("# c\n; c\n\n[Service]\n  # indented comment\nExecStart=/bin/true\nFoo=1\n",
		     "t.service:7: Foo=: unknown key in [Service]");

	s = parse_ok("[Service]\nExecStart=/bin/echo \\\n  a \\\n  b\n");
	assert_strv(s->argv, STRV("/bin/echo", "a", "b"));
	unit_spec_free(s);

	/* indentation is not an inih continuation: each key stands alone */
	s = parse_ok("  [Service]\n\tExecStart=/bin/true\n    RestartSec=5\n   Restart=no\n");
	assert_strv(s->argv, STRV("/bin/true"));
	assert_int_equal(s->restart_usec, 5 * SEC);
	assert_int_equal(s->restart, UNIT_RESTART_NO);
	unit_spec_free(s);

	/* inline comments need whitespace before ';' */
	s = parse_ok("[Unit]\nDescription=a;b\n[Service] ; comment\nExecStart=/bin/echo x\\;y\n");
	assert_string_equal(s->description, "a;b");
	assert_strv(s->argv, STRV("/bin/echo", "x;y"));
	unit_spec_free(s);

	/* a file without a final newline, and a continuation at EOF */
	s = parse_ok("[Service]\nExecStart=/bin/true \\");
	assert_strv(s->argv, STRV("/bin/true"));
	unit_spec_free(s);
}

static void test_line_length(void **state)
{
	static char buf[40000];
	struct unit_spec *s;
	struct unit_diag d = { 0 };
	size_t prefix = strlen("Description=");

	(void)state;
	/* 199 bytes: the longest line Debian's inih (ini_max_line 200) takes itself */
	snprintf(buf, sizeof(buf), "[Unit]\nDescription=%0*d\n[Service]\nExecStart=/bin/true\n",
		 (int)(199 - prefix), 0);
	s = parse_ok(buf);
	assert_int_equal(strlen(s->description), 199 - prefix);
	unit_spec_free(s);

	/* longer values go past inih's buffer, whole, trimmed, with no inline
	 * comments (systemd has none) */
	snprintf(buf, sizeof(buf), "[Unit]\nDescription=  %0*d  ; comment\n[Service]\n"
		 "ExecStart=/bin/echo %0*d\n", 5000, 0, 300, 7);
	s = parse_ok(buf);
	assert_int_equal(strlen(s->description), 5000 + strlen("  ; comment"));
	assert_string_equal(s->argv[0], "/bin/echo");
	assert_int_equal(strlen(s->argv[1]), 300);
	assert_int_equal(s->argv[1][299], '7');
	unit_spec_free(s);

	/* a long line with an error still names its line */
	snprintf(buf, sizeof(buf), "[Service]\nExecStart=/bin/true\nRestartSec=%0300d x\n", 0);
	parse_bad(buf, strlen(buf), &d);
	assert_diag(&d, "t.service:3: RestartSec=: invalid time");
	assert_int_equal(d.n, 1);
	unit_diag_free(&d);

	/* comments of any length (once a stack overflow inside inih: the fuzzer's
	 * tests/fuzz/regress/fuzz_unit/long-comment-*) */
	snprintf(buf, sizeof(buf), "#%0300d\n[Service]\n;%05000d\nExecStart=/bin/true\n", 0, 0);
	s = parse_ok(buf);
	assert_string_equal(s->argv[0], "/bin/true");
	unit_spec_free(s);

	/* past our own limit */
	snprintf(buf, sizeof(buf), "[Unit]\nDescription=%0*d\n[Service]\nExecStart=/bin/true\n",
		 33000, 0);
	parse_bad(buf, strlen(buf), &d);
	assert_diag(&d, "t.service:2: line too long (max 32767 bytes");
	assert_int_equal(d.n, 1); /* not split into a second, bogus line */
	unit_diag_free(&d);

	/* continuations count as one line, also past inih's buffer */
	snprintf(buf, sizeof(buf), "[Service]\nExecStart=/bin/true\nEnvironment=A=%0150d \\\n"
		 "B=%0100d\nRestartSec=x\n", 0, 0);
	parse_bad(buf, strlen(buf), &d);
	assert_diag(&d, "t.service:5: RestartSec=: invalid time \"x\"");
	assert_int_equal(d.n, 1);
	unit_diag_free(&d);
}

static void test_names_and_utf8(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s;
	static const char latin1[] = "[Unit]\nDescription=caf\xe9\n[Service]\nExecStart=/bin/true\n";
	static const char overlong[] = "[Service]\nExecStart=/bin/echo \xc0\xaf\n";

	(void)state;
	assert_false(unit_name_valid("."));
	assert_false(unit_name_valid(".."));
	assert_true(unit_name_valid("..."));   /* odd, but no path component of its own */
	assert_true(unit_name_valid("a.b@c-d_e"));

	s = parse_ok("[Unit]\nDescription=caf\xc3\xa9 \xe2\x9c\x93\n[Service]\nExecStart=/bin/true\n");
	assert_string_equal(s->description, "caf\xc3\xa9 \xe2\x9c\x93");
	unit_spec_free(s);
	parse_bad(latin1, sizeof(latin1) - 1, &d);
	assert_diag(&d, "t.service:2: invalid UTF-8");
	unit_diag_free(&d);
	parse_bad(overlong, sizeof(overlong) - 1, &d);
	assert_diag(&d, "t.service:2: invalid UTF-8");
	unit_diag_free(&d);

	assert_int_equal(unit_utf8_span("ab\xff", 3), 2);
	assert_int_equal(unit_utf8_span("\xed\xa0\x80", 3), 0);   /* a surrogate */
	assert_int_equal(unit_utf8_span("\xf0\x9f\x98\x80!", 5), 5);
	assert_int_equal(unit_utf8_span("\xf0\x9f\x98", 3), 0);   /* cut short */
}

static void test_binary_garbage(void **state)
{
	static const char nul[] = "[Service]\nExecStart=/bin/true\nDescr\0iption=x\n";
	static const char forged[] = "[Service]\nExecStart=/bin/true\n[\x01]\n\x01=\n";
	struct unit_diag d = { 0 };
	struct unit_spec *s;
	char *text;
	size_t text_len;
	FILE *f;

	(void)state;
	parse_bad(nul, sizeof(nul) - 1, &d);
	assert_diag(&d, "t.service:3: invalid character 0x00");
	assert_int_equal(d.n, 1);
	unit_diag_free(&d);

	/* the synthetic lines of the reader cannot be forged */
	parse_bad(forged, sizeof(forged) - 1, &d);
	assert_diag(&d, "t.service:3: invalid character 0x01");
	assert_diag(&d, "t.service:4: invalid character 0x01");
	unit_diag_free(&d);

	/* random bytes and mutations of a real file: never a crash */
	f = fopen(TEST_DATA "/good/web.service", "re");
	assert_non_null(f);
	text = malloc(UNIT_FILE_MAX);
	assert_non_null(text);
	text_len = fread(text, 1, UNIT_FILE_MAX, f);
	fclose(f);
	srandom(12345);
	for (int i = 0; i < 3000; i++) {
		char buf[4096];
		size_t len;
		int r;

		if (i % 2) {
			len = (size_t)random() % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)(random() % 5 ? random() % 96 + 32 : random() % 256);
		} else {
			len = text_len < sizeof(buf) ? text_len : sizeof(buf);
			memcpy(buf, text, len);
			for (int j = 0; j < 1 + i % 8; j++)
				buf[random() % (long)len] = (char)random();
		}
		s = NULL;
		r = unit_load_string(buf, len, "f.service", "f", &d, &s);
		assert_true(r == 0 || r == -EINVAL);
		assert_true((r == 0) == (s != NULL));
		unit_spec_free(s);
		unit_diag_free(&d);
	}
	free(text);
}

static void test_bounds(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	char *big;
	size_t len = 0;

	(void)state;
	/* diagnostics are capped, the rest counted */
	big = malloc(UNIT_FILE_MAX + 2);
	assert_non_null(big);
	len = (size_t)sprintf(big, "[Service]\n");
	for (int i = 0; i < 300; i++)
		len += (size_t)sprintf(big + len, "Foo%d=1\n", i);
	assert_int_equal(unit_load_string(big, len, "t.service", "t", &d, &s), -EINVAL);
	assert_int_equal(d.n, UNIT_DIAG_MAX);
	assert_int_equal(d.dropped, 301 - UNIT_DIAG_MAX); /* + missing ExecStart */
	assert_diag(&d, "t.service:2: Foo0=: unknown key");
	unit_diag_free(&d);

	/* too large */
	memset(big, '#', UNIT_FILE_MAX + 1);
	assert_int_equal(unit_load_string(big, UNIT_FILE_MAX + 1, "t.service", "t", &d, &s),
			 -EFBIG);
	assert_null(s);
	assert_diag(&d, "t.service: file too large");
	unit_diag_free(&d);

	/* exactly UNIT_FILE_MAX is fine */
	memcpy(big, MINIMAL, strlen(MINIMAL));
	big[UNIT_FILE_MAX - 1] = '\n';
	for (size_t i = strlen(MINIMAL); i < UNIT_FILE_MAX; i += 100)
		big[i] = '\n';
	assert_int_equal(unit_load_string(big, UNIT_FILE_MAX, "t.service", "t", &d, &s), 0);
	unit_spec_free(s);
	unit_diag_free(&d);

	/* a list longer than UNIT_LIST_MAX, over several lines */
	len = (size_t)sprintf(big, "[Unit]\n");
	for (int i = 0; i < 270; i++)
		len += (size_t)sprintf(big + len, "%sunit%03d%s", i % 20 ? "" : "After=",
				       i, i % 20 == 19 ? "\n" : " ");
	len += (size_t)sprintf(big + len, "\n%s", MINIMAL);
	parse_bad(big, len, &d);
	assert_diag(&d, "After=: too many entries (max 256)");
	unit_diag_free(&d);

	len = (size_t)sprintf(big, "%s", MINIMAL);
	for (int i = 0; i < 270; i++)
		len += (size_t)sprintf(big + len, "Environment=V%d=x\n", i);
	parse_bad(big, len, &d);
	assert_diag(&d, "t.service:259: Environment=: too many entries (max 256)");
	unit_diag_free(&d);

	/* a NULL text with length 0 is an empty file; a bad name is refused */
	assert_int_equal(unit_load_string(NULL, 0, "t.service", "t", &d, &s), -EINVAL);
	assert_diag(&d, "t.service:0: missing [Service] section");
	unit_diag_free(&d);
	assert_int_equal(unit_load_string(MINIMAL, strlen(MINIMAL), "x", "a/b", &d, &s), -EINVAL);
	assert_diag(&d, "x: invalid unit name \"a/b\"");
	unit_diag_free(&d);
	free(big);
}

/* ---------------------------------------------------------------------- */
/* repeated keys: later wins, lists add up, empty resets                   */

static void test_repeated_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("[Unit]\n"
		     "After=a\n"
		     "After=b a.service\n"
		     "Wants=x\n"
		     "Wants=\n"
		     "Description=one\n"
		     "Description=\n"
		     "[Service]\n"
		     "ExecStart=/bin/a\n"
		     "ExecStart=\n"
		     "ExecStart=/bin/b x\n"
		     "User=alice\n"
		     "User=\n"
		     "Group=staff\n"
		     "BindPaths=/x\n"
		     "BindReadOnlyPaths=/y\n"
		     "BindPaths=\n"
		     "BindReadOnlyPaths=-/z:/mnt/z\n"
		     "Environment=A=1 B=2\n"
		     "Environment=A=3\n"
		     "MemoryMax=1G\n"
		     "MemoryMax=\n"
		     "CPUWeight=5\n"
		     "CapabilityBoundingSet=CAP_CHOWN\n"
		     "CapabilityBoundingSet=CAP_KILL\n"
		     "AmbientCapabilities=~CAP_CHOWN\n"
		     "AmbientCapabilities=~CAP_KILL\n"
		     "AmbientCapabilities=cap_chown\n"
		     "RestartSec=5\n"
		     "RestartSec=\n"
		     "Type=oneshot\n"
		     "Type=\n"
		     "Namespaces=net\n"
		     "Namespaces=pid uts mnt\n"
		     "Hostname=h\n"
		     "Hostname=\n"
		     "AllowedCPUs=3 1 2 7\n"
		     "StandardOutput=file:/a\n"
		     "StandardOutput=\n"
		     "TimeoutStopSec=1h\n"
		     "TimeoutStopSec=\n");
	assert_strv(s->after, STRV("a", "b"));
	assert_strv(s->wants, EMPTY);
	assert_string_equal(s->description, "");
	assert_strv(s->argv, STRV("/bin/b", "x"));
	assert_null(s->user);
	assert_string_equal(s->group, "staff");
	assert_int_equal(s->n_binds, 1);
	assert_string_equal(s->binds[0].src, "/z");
	assert_string_equal(s->binds[0].dst, "/mnt/z");
	assert_true(s->binds[0].read_only);
	assert_true(s->binds[0].optional);
	assert_strv(s->environment, STRV("A=3", "B=2"));
	assert_int_equal(s->memory_max, UNIT_INFINITY);
	assert_int_equal(s->limits_set, UNIT_LIM_CPU_WEIGHT | UNIT_LIM_ALLOWED_CPUS);
	assert_int_equal(s->cpu_weight, 5);
	assert_int_equal(s->capability_bounding_set, BIT(CAP_CHOWN) | BIT(CAP_KILL));
	assert_int_equal(s->ambient_capabilities, ~BIT(CAP_KILL));
	assert_int_equal(s->restart_usec, 100 * MS);
	assert_int_equal(s->type, UNIT_SIMPLE);
	assert_int_equal(s->namespaces, UNIT_NS_PID | UNIT_NS_UTS | UNIT_NS_MNT);
	assert_null(s->hostname);
	assert_string_equal(s->allowed_cpus, "1-3,7");
	assert_int_equal(s->std_output.kind, UNIT_OUTPUT_LOG);
	assert_null(s->std_output.path);
	assert_int_equal(s->timeout_stop_usec, 10 * SEC);
	unit_spec_free(s);

	/* ExecStart= empty resets: then it is missing */
	expect_error("[Service]\nExecStart=/bin/true\nExecStart=\n",
		     "t.service:1: [Service]: missing ExecStart=");
	/* StartLimit* in either section; later wins across sections */
	s = parse_ok("[Unit]\nStartLimitBurst=2\n[Service]\nExecStart=/x\nStartLimitBurst=7\n"
		     "StartLimitIntervalSec=0\n");
	assert_int_equal(s->start_limit_burst, 7);
	assert_int_equal(s->start_limit_interval_usec, 0);
	unit_spec_free(s);
	/* CapabilityBoundingSet= empty: the empty set (as systemd), later lines add */
	s = parse_ok("[Service]\nExecStart=/x\nCapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=\n");
	assert_true(s->capability_bounding_set_given);
	assert_int_equal(s->capability_bounding_set, 0);
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/x\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_KILL\n");
	assert_int_equal(s->capability_bounding_set, UINT64_C(1) << CAP_KILL);
	unit_spec_free(s);
	/* Namespaces=none, "~" alone = every capability */
	s = parse_ok("[Service]\nExecStart=/x\nNamespaces=none\nCapabilityBoundingSet=~\n");
	assert_int_equal(s->namespaces, 0);
	assert_int_equal(s->capability_bounding_set, UINT64_MAX);
	unit_spec_free(s);
}

static void test_value_checks(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("[Unit]\nAfter=a@b.c-d_e.service\n[Service]\nExecStart=/x\nUser=_svc$\n"
		     "Group=4294967294\nSupplementaryGroups=a b-c d.e\nHostname=a-1.b2.example\n"
		     "CPUQuota=1%\nTasksMax=infinity\nMemoryHigh=0\nAllowedCPUs=0\n"
		     "KillSignal=RTMIN+3\nEnvironmentFile=-/x\nStandardError=append:/x\n");
	assert_strv(s->after, STRV("a@b.c-d_e"));
	assert_string_equal(s->user, "_svc$");
	assert_string_equal(s->hostname, "a-1.b2.example");
	assert_int_equal(s->cpu_quota_percent, 1);
	assert_int_equal(s->tasks_max, UNIT_INFINITY);
	assert_int_equal(s->memory_high, 0);
	assert_string_equal(s->allowed_cpus, "0");
	assert_int_equal(s->kill_signal, SIGRTMIN + 3);
	unit_spec_free(s);

	expect_error("[Service]\nExecStart=/x\nUser=4294967295\n", "User=: invalid user");
	expect_error("[Service]\nExecStart=/x\nHostname=a..b\n", "Hostname=: invalid hostname");
	expect_error("[Service]\nExecStart=/x\nHostname=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaa\n", "Hostname=: invalid hostname");
	expect_error("[Service]\nExecStart=/x\nCPUQuota=0%\n", "CPUQuota=: invalid quota \"0%\"");
	expect_error("[Service]\nExecStart=/x\nCPUQuota=1.5%\n", "CPUQuota=: invalid quota");
	expect_error("[Service]\nExecStart=/x\nAllowedCPUs=0,,1\n", "AllowedCPUs=: invalid CPU list");
	expect_error("[Service]\nExecStart=/x\nAllowedCPUs=1,\n", "AllowedCPUs=: invalid CPU list");
	expect_error("[Service]\nExecStart=/x\nAllowedCPUs=8192\n", "AllowedCPUs=: invalid CPU list");
	expect_error("[Service]\nExecStart=/x\nAllowedCPUs=a\n", "AllowedCPUs=: invalid CPU list");
	expect_error("[Service]\nExecStart=/x\nStandardOutput=file:\n",
		     "StandardOutput=: not an absolute path \"\"");
	expect_error("[Service]\nExecStart=/x\nBindPaths=/a:\n", "BindPaths=: invalid bind \"/a:\"");
	expect_error("[Service]\nExecStart=/x\nMemoryMax=16777216T\n",
		     "MemoryMax=: size out of range");
	expect_error("[Service]\nExecStart=/x\nTimeoutStartSec=-1\n",
		     "TimeoutStartSec=: invalid time \"-1\"");
	expect_error("[Service]\nExecStart=/x\nRestartSteps=1001\n", "RestartSteps=: invalid number");
	expect_error("[Service]\nExecStart=/x\nEnvironment=NOEQUALS\n",
		     "Environment=: invalid assignment \"NOEQUALS\"");
	expect_error("[Service]\nExecStart=/x\nCapabilityBoundingSet=64\n",
		     "unknown capability \"64\"");
	expect_error("[Unit]\nAfter=x.target.service/\n[Service]\nExecStart=/x\n",
		     "After=: invalid unit name");
	expect_error("[Service]\nExecStart=/x\nOverlay=maybe\n", "Overlay=: invalid boolean");
}

/* ---------------------------------------------------------------------- */
/* splitting: the one splitter (unit_split_words), and ExecStart= and       */
/* Environment= as the loader parses them with it                           */

static void split_ok(const char *in, const char *const *expect)
{
	const char *err = "unset";
	char **v = NULL;
	int r = unit_split_words(in, &v, &err);

	if (r != 0)
		fail_msg("split \"%s\": %d %s", in, r, err);
	assert_strv(v, expect);
	unit_strv_free(v);
}

static void split_bad(const char *in, int code, const char *error)
{
	const char *err = NULL;
	char **v = (char **)1;

	assert_int_equal(unit_split_words(in, &v, &err), code);
	assert_ptr_equal(v, (char **)1); /* untouched */
	assert_non_null(err);
	assert_string_equal(err, error);
}

static void test_split_words(void **state)
{
	char many[2048];
	size_t len = 0;

	(void)state;
	split_ok("a b  c", STRV("a", "b", "c"));
	split_ok("  lead\ttrail  ", STRV("lead", "trail"));
	split_ok("\"a b\" 'c d'", STRV("a b", "c d"));
	split_ok("a\"b c\"d", STRV("ab cd"));
	split_ok("\"\"", STRV(""));
	split_ok("x '' y", STRV("x", "", "y"));
	split_ok("x \\\"y\\\"", STRV("x", "\"y\""));
	split_ok("'it''s'", STRV("its"));
	split_ok("\"don't\"", STRV("don't"));
	split_ok("'say \"hi\"'", STRV("say \"hi\""));
	split_ok("\"a\\tb\"", STRV("a\tb"));
	split_ok("a\\ b", STRV("a b"));
	split_ok("\\x41\\x42 \\x7e", STRV("AB", "~"));
	split_ok("\\n\\s\\\\", STRV("\n \\"));
	split_ok("'\\''", STRV("'"));
	split_ok("a\\;", STRV("a;"));
	split_ok("\\a\\b\\f\\r\\v", STRV("\a\b\f\r\v"));
	split_ok("/bin/sh -c 'echo $HOME; exit 1'", STRV("/bin/sh", "-c", "echo $HOME; exit 1"));
	split_ok("%n", STRV("%n")); /* no specifiers */
	split_ok("", EMPTY);
	split_ok("  \t ", EMPTY);

	split_bad("\"abc", -EINVAL, "unbalanced quotes");
	split_bad("a 'b", -EINVAL, "unbalanced quotes");
	split_bad("a\\", -EINVAL, "trailing backslash");
	split_bad("a \\q", -EINVAL, "invalid escape sequence");
	split_bad("\\x4", -EINVAL, "invalid \\x escape (expected two hex digits)");
	split_bad("\\xZZ", -EINVAL, "invalid \\x escape (expected two hex digits)");
	split_bad("\\x00", -EINVAL, "\\x00 is not allowed");

	for (int i = 0; i < UNIT_LIST_MAX; i++)
		len += (size_t)sprintf(many + len, "w ");
	{
		char **v = NULL;
		const char *err = NULL;

		assert_int_equal(unit_split_words(many, &v, &err), 0);
		assert_int_equal(unit_strv_len(v), UNIT_LIST_MAX);
		unit_strv_free(v);
	}
	strcat(many, "w");
	split_bad(many, -E2BIG, "too many words");
}

static void exec_ok(const char *value, const char *const *expect)
{
	char text[4096];
	struct unit_spec *s;

	snprintf(text, sizeof(text), "[Service]\nExecStart=%s\n", value);
	s = parse_ok(text);
	assert_strv(s->argv, expect);
	unit_spec_free(s);
}

static void exec_bad(const char *value, const char *needle)
{
	char text[4096];

	snprintf(text, sizeof(text), "[Service]\nExecStart=%s\n", value);
	expect_error(text, needle);
}

static void test_exec_start(void **state)
{
	char many[2048];
	size_t len = 0;

	(void)state;
	exec_ok("a b  c", STRV("a", "b", "c"));
	exec_ok("/x \"a b\" 'c d' a\"b c\"d", STRV("/x", "a b", "c d", "ab cd"));
	exec_ok("/x '' \\\"y\\\" 'it''s' \"don't\"", STRV("/x", "", "\"y\"", "its", "don't"));
	exec_ok("/x \"a\\tb\" a\\ b \\x41\\x42 \\x7e", STRV("/x", "a\tb", "a b", "AB", "~"));
	exec_ok("/x a\\; \\x3b", STRV("/x", "a;", ";"));
	exec_ok("/bin/sh -c 'echo $HOME; exit 1'", STRV("/bin/sh", "-c", "echo $HOME; exit 1"));
	exec_ok("/x %n $HOME", STRV("/x", "t.service", "$HOME")); /* $VAR: at start */
	exec_ok("/x a\\\n  b", STRV("/x", "a", "b"));    /* a continuation line */
	exec_ok("/x \\", STRV("/x"));                     /* a trailing '\' continues */

	exec_bad("/x \"abc", "t.service:2: ExecStart=: unbalanced quotes in \"/x \"abc\"");
	exec_bad("/x a \\q", "ExecStart=: invalid escape sequence in");
	exec_bad("/x \\x4", "ExecStart=: invalid \\x escape (expected two hex digits) in");
	exec_bad("/x \\x00", "ExecStart=: \\x00 is not allowed in");
	exec_bad("\"\" x", "ExecStart=: empty program name in \"\"\" x\"");
	exec_bad("bin/x", "ExecStart=: relative path \"bin/x\"");
	exec_bad("", "t.service:1: [Service]: missing ExecStart=");
	for (int i = 0; i < UNIT_LIST_MAX; i++)
		len += (size_t)sprintf(many + len, "w ");
	{
		char text[4096];
		struct unit_spec *s;

		snprintf(text, sizeof(text), "[Service]\nExecStart=%s\n", many);
		s = parse_ok(text);
		assert_int_equal(unit_strv_len(s->argv), UNIT_LIST_MAX);
		unit_spec_free(s);
	}
	strcat(many, "w");
	exec_bad(many, "ExecStart=: too many words (max 256)");
}

static void test_environment(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("[Service]\nExecStart=/x\nEnvironment=\"A=1 2\" B=2 C= _x9=\\x3d\n");
	assert_strv(s->environment, STRV("A=1 2", "B=2", "C=", "_x9=="));
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/x\nEnvironment=A=1\nEnvironment=\n");
	assert_strv(s->environment, EMPTY);
	unit_spec_free(s);

	expect_error("[Service]\nExecStart=/x\nEnvironment=A=1 NOVALUE\n",
		     "t.service:3: Environment=: invalid assignment \"NOVALUE\" (expected NAME=VALUE)");
	expect_error("[Service]\nExecStart=/x\nEnvironment=1A=x\n",
		     "Environment=: invalid assignment \"1A=x\"");
	expect_error("[Service]\nExecStart=/x\nEnvironment=A-B=x\n",
		     "Environment=: invalid assignment \"A-B=x\"");
	expect_error("[Service]\nExecStart=/x\nEnvironment==x\n",
		     "Environment=: invalid assignment \"=x\"");
	expect_error("[Service]\nExecStart=/x\nEnvironment=A=\"x\n",
		     "Environment=: unbalanced quotes in \"A=\"x\"");
}

/* ---------------------------------------------------------------------- */
/* value parsers                                                            */

static void time_is(const char *s, uint64_t want)
{
	uint64_t t = 0;
	int r = unit_parse_time(s, &t);

	if (r != 0)
		fail_msg("unit_parse_time(\"%s\") = %d", s, r);
	if (t != want)
		fail_msg("unit_parse_time(\"%s\") = %llu, want %llu", s, (unsigned long long)t,
			 (unsigned long long)want);
}

static void test_parse_time(void **state)
{
	static const char *const bad[] = {
		"", " ", "abc", "5x", "-1", "+1", "5mn", "5D", "1.s", "1.", "5s 3", "5 5", "infinite",
		"Infinity", "1e3", "5S", "s", ".s", "1min-2s",
	};
	uint64_t t = 42;

	(void)state;
	time_is("100ms", 100 * MS);
	time_is("5s", 5 * SEC);
	time_is("5sec", 5 * SEC);
	time_is("2min", 120 * SEC);
	time_is("1h", 3600 * SEC);
	time_is("10us", 10);
	time_is("3", 3 * SEC);
	time_is("0", 0);
	time_is("0.5s", 500 * MS);
	time_is(".5s", 500 * MS);
	time_is("1.5", 1500 * MS);
	time_is("0.0001ms", 0);     /* below 1us: truncated */
	time_is("1.2345678s", 1234567);
	time_is("1min 30s", 90 * SEC);
	time_is("1min30s", 90 * SEC);
	time_is("1h 2min 3s 4ms", 3723 * SEC + 4 * MS);
	time_is("5 min", 300 * SEC);
	time_is("infinity", UNIT_INFINITY);
	/* systemd.time(7)'s every unit: "m" a minute, "M" a month */
	time_is("60m", 3600 * SEC);     /* apt-daily-upgrade.timer's RandomizedDelaySec= */
	time_is("2 minutes 1 second", 121 * SEC);
	time_is("1hr 1hour 1hours", 3 * 3600 * SEC);
	time_is("1d 1day 2days", 4 * 86400 * SEC);
	time_is("1w", 7 * 86400 * SEC);
	time_is("1M", 2629800 * SEC);   /* 30.44 days */
	time_is("1y", 31557600 * SEC);  /* 365.25 days */
	time_is("1.5y", 47336400 * SEC);   /* the fraction times a year: past 64 bits */
	time_is("7usec 2\xc2\xb5s 3msec", 9 + 3 * MS);
	time_is("18446744073709551614us", UINT64_MAX - 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (unit_parse_time(bad[i], &t) != -EINVAL)
			fail_msg("unit_parse_time(\"%s\") accepted", bad[i]);
	assert_int_equal(t, 42); /* untouched on error */
	assert_int_equal(unit_parse_time(NULL, &t), -EINVAL);
	assert_int_equal(unit_parse_time("18446744073709551615us", &t), -ERANGE);
	assert_int_equal(unit_parse_time("18446744073709551616us", &t), -ERANGE);
	assert_int_equal(unit_parse_time("99999999999999999999999", &t), -ERANGE);
	assert_int_equal(unit_parse_time("18446744073709551615", &t), -ERANGE);
	assert_int_equal(unit_parse_time("5124095577h", &t), -ERANGE);
	time_is("5124095576h", UINT64_C(5124095576) * 3600 * SEC);
	assert_int_equal(unit_parse_time("5124095576h 5124095576h", &t), -ERANGE);
	assert_int_equal(t, 42);
}

static void test_parse_size(void **state)
{
	static const char *const bad[] = {
		"", "1k", "1KB", "-1", "1.5", "K", "1 K", "infinite", "0x10", "1.5.5G", " 1",
	};
	uint64_t v = 42;

	(void)state;
	assert_int_equal(unit_parse_size("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(unit_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(unit_parse_size("64K", &v), 0);
	assert_int_equal(v, 64 * 1024);
	assert_int_equal(unit_parse_size("2M", &v), 0);
	assert_int_equal(v, UINT64_C(2) << 20);
	assert_int_equal(unit_parse_size("1G", &v), 0);
	assert_int_equal(v, UINT64_C(1) << 30);
	assert_int_equal(unit_parse_size("1T", &v), 0);
	assert_int_equal(v, UINT64_C(1) << 40);
	assert_int_equal(unit_parse_size("1.5G", &v), 0);
	assert_int_equal(v, UINT64_C(3) << 29);
	assert_int_equal(unit_parse_size("infinity", &v), 0);
	assert_int_equal(v, UNIT_INFINITY);
	assert_int_equal(unit_parse_size("16777215T", &v), 0);
	assert_int_equal(v, UINT64_C(16777215) << 40);
	v = 42;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (unit_parse_size(bad[i], &v) != -EINVAL)
			fail_msg("unit_parse_size(\"%s\") accepted", bad[i]);
	assert_int_equal(unit_parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(unit_parse_size("18446744073709551615", &v), -ERANGE); /* = infinity */
	assert_int_equal(unit_parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(unit_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(v, 42);
}

static void test_parse_bool(void **state)
{
	static const char *const yes[] = { "1", "yes", "YES", "true", "True", "on", "ON" };
	static const char *const no[] = { "0", "no", "No", "false", "FALSE", "off", "Off" };
	static const char *const bad[] = { "", "2", "y", "n", "maybe", "yess", " yes" };
	bool b;

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(unit_parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(unit_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(unit_parse_bool(bad[i], &b), -EINVAL);
	assert_int_equal(unit_parse_bool(NULL, &b), -EINVAL);
}

static void test_parse_signal(void **state)
{
	static const struct {
		const char *s;
		int sig;
	} ok[] = {
		{ "SIGTERM", SIGTERM }, { "TERM", SIGTERM }, { "15", SIGTERM },
		{ "SIGKILL", SIGKILL }, { "KILL", SIGKILL }, { "HUP", SIGHUP },
		{ "SIGINT", SIGINT }, { "SIGUSR1", SIGUSR1 }, { "USR2", SIGUSR2 },
		{ "SIGWINCH", SIGWINCH }, { "SIGPWR", SIGPWR }, { "SIGSYS", SIGSYS },
		{ "1", 1 }, { "64", 64 }, { "SIGRTMIN", 0 }, { "RTMIN+2", 2 },
		{ "SIGRTMAX", -1 }, { "RTMAX-1", -2 },
	};
	static const char *const bad[] = {
		"", "0", "65", "-1", "sigterm", "SIGFOO", "15x", "SIG", "RTMIN+", "RTMIN-1",
		"RTMAX+1", "RTMIN+99", "SIGTERM ", "999999999999999999999",
	};
	int sig;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int want = ok[i].sig;

		if (strstr(ok[i].s, "RTMIN"))
			want += SIGRTMIN;
		else if (strstr(ok[i].s, "RTMAX"))
			want = SIGRTMAX + want + 1;
		sig = 0;
		if (unit_parse_signal(ok[i].s, &sig) != 0 || sig != want)
			fail_msg("unit_parse_signal(\"%s\") = %d, want %d", ok[i].s, sig, want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (unit_parse_signal(bad[i], &sig) == 0)
			fail_msg("unit_parse_signal(\"%s\") accepted", bad[i]);
	assert_int_equal(unit_parse_signal(NULL, &sig), -EINVAL);
}

static void test_names_and_strings(void **state)
{
	char name[UNIT_NAME_MAX + 2], buf[64];

	(void)state;
	assert_true(unit_name_valid("web"));
	assert_true(unit_name_valid("a.b@c-d_e"));
	assert_true(unit_name_valid("getty@tty1"));
	memset(name, 'a', sizeof(name));
	name[UNIT_NAME_MAX] = '\0';
	assert_true(unit_name_valid(name));
	name[UNIT_NAME_MAX] = 'a';
	name[UNIT_NAME_MAX + 1] = '\0';
	assert_false(unit_name_valid(name));
	assert_false(unit_name_valid(""));
	assert_false(unit_name_valid(NULL));
	assert_false(unit_name_valid("a b"));
	assert_false(unit_name_valid("a/b"));
	assert_false(unit_name_valid("caf\xc3\xa9"));

	assert_string_equal(unit_ns_to_string(UNIT_NS_DEFAULT, buf, sizeof(buf)),
			    "pid net ipc mnt uts");
	assert_string_equal(unit_ns_to_string(0, buf, sizeof(buf)), "");
	assert_string_equal(unit_ns_to_string(0x7f, buf, sizeof(buf)),
			    "pid net ipc mnt uts cgroup user");
	assert_string_equal(unit_ns_to_string(UNIT_NS_DEFAULT, buf, 8), "pid net");
	assert_string_equal(unit_ns_to_string(UNIT_NS_USER | UNIT_NS_NET, buf, sizeof(buf)),
			    "net user");

	assert_int_equal(unit_strv_len(NULL), 0);
	unit_strv_free(NULL);
	unit_spec_free(NULL);
	unit_set_free(NULL);
	unit_diag_free(NULL);
	unit_diag_add(NULL, "ignored %d", 1);
}

/* ---------------------------------------------------------------------- */
/* directories                                                              */

static void test_load_dir_mixed(void **state)
{
	char dir[] = "/tmp/svcinit-test-XXXXXX", path[512], *big;
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	struct unit_set set;

	(void)state;
	alarm(30); /* a FIFO that blocks would be a hang: fail instead */
	assert_non_null(mkdtemp(dir));
	write_str(dir, "a.service", MINIMAL);
	write_str(dir, "b@x.service", "[Unit]\nDescription=b\n[Service]\nExecStart=/bin/b\n");
	write_str(dir, "bad.service", "[Service]\nExecStart=/bin/true\nBogus=1\n");
	write_str(dir, "README", "not a unit");
	write_str(dir, "x.service.bak", "[Service]\nBogus=1\n");
	write_str(dir, "bad name.service", MINIMAL);
	write_str(dir, ".service", MINIMAL);
	big = malloc(UNIT_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', UNIT_FILE_MAX + 1);
	memcpy(big, MINIMAL, strlen(MINIMAL));
	for (size_t i = strlen(MINIMAL); i <= UNIT_FILE_MAX; i += 100)
		big[i] = '\n';
	write_file(dir, "big.service", big, UNIT_FILE_MAX + 1);
	free(big);

	snprintf(path, sizeof(path), "%s/fifo.service", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/dir.service", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/link.service", dir);
	assert_int_equal(symlink("a.service", path), 0);
	snprintf(path, sizeof(path), "%s/loop1.service", dir);
	assert_int_equal(symlink("loop2.service", path), 0);
	snprintf(path, sizeof(path), "%s/loop2.service", dir);
	assert_int_equal(symlink("loop1.service", path), 0);
	snprintf(path, sizeof(path), "%s/self.service", dir);
	assert_int_equal(symlink("self.service", path), 0);
	snprintf(path, sizeof(path), "%s/dangling.service", dir);
	assert_int_equal(symlink("nowhere.service", path), 0);
	snprintf(path, sizeof(path), "%s/dev.service", dir);
	assert_int_equal(symlink("/dev/null", path), 0);

	assert_int_equal(unit_load_dir(dir, &d, &set), 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.units[0]->name, "a");
	assert_string_equal(set.units[1]->name, "b@x");
	assert_string_equal(set.units[2]->name, "link");
	assert_string_equal(set.units[1]->description, "b");
	assert_strv(set.units[2]->argv, STRV("/bin/true"));
	snprintf(path, sizeof(path), "%s/link.service", dir);
	assert_string_equal(set.units[2]->path, path);
	assert_strv(set.failed, STRV("bad", "big", "dangling", "dev", "dir", "fifo", "loop1",
				      "loop2", "self"));
	assert_diag(&d, "/bad.service:3: Bogus=: unknown key in [Service]");
	assert_diag(&d, "/big.service: file too large");
	assert_diag(&d, "/dangling.service: No such file or directory");
	assert_diag(&d, "/dev.service: is a device, not a regular file");
	assert_diag(&d, "/dir.service: is a directory, not a regular file");
	assert_diag(&d, "/fifo.service: is a FIFO, not a regular file");
	assert_diag(&d, "/loop1.service: Too many levels of symbolic links");
	assert_diag(&d, "/self.service: Too many levels of symbolic links");
	assert_diag(&d, "/bad name.service: invalid unit name \"bad name\"");
	assert_diag(&d, "/.service: invalid unit name \"\"");
	assert_int_equal(d.n, 11);
	unit_set_free(&set);
	unit_diag_free(&d);

	/* the same through unit_load_file, and a trailing '/' on the directory */
	snprintf(path, sizeof(path), "%s/fifo.service", dir);
	assert_int_equal(unit_load_file(path, "fifo", &d, &s), -EINVAL);
	assert_null(s);
	snprintf(path, sizeof(path), "%s/nonexistent.service", dir);
	assert_int_equal(unit_load_file(path, "nonexistent", &d, &s), -ENOENT);
	snprintf(path, sizeof(path), "%s/big.service", dir);
	assert_int_equal(unit_load_file(path, "big", &d, &s), -EFBIG);
	snprintf(path, sizeof(path), "%s/loop1.service", dir);
	assert_int_equal(unit_load_file(path, "loop1", &d, &s), -ELOOP);
	snprintf(path, sizeof(path), "%s/a.service", dir);
	assert_int_equal(unit_load_file(path, "bad name", &d, &s), -EINVAL);
	assert_int_equal(d.n, 5);
	unit_diag_free(&d);
	snprintf(path, sizeof(path), "%s/", dir);
	assert_int_equal(unit_load_dir(path, &d, &set), 0);
	snprintf(path, sizeof(path), "%s/a.service", dir);
	assert_string_equal(set.units[0]->path, path);
	unit_set_free(&set);
	unit_diag_free(&d);

	rmtree(dir);
	alarm(0);
}

static void test_load_dir_errors(void **state)
{
	struct unit_diag d = { 0 };
	struct unit_set set = { 0 };

	(void)state;
	assert_int_equal(unit_load_dir("/nonexistent/svcinit", &d, &set), -ENOENT);
	assert_diag(&d, "/nonexistent/svcinit: No such file or directory");
	assert_int_equal(set.n, 0);
	assert_null(set.units);
	unit_set_free(&set);
	unit_diag_free(&d);
	assert_int_equal(unit_load_dir(TEST_DATA "/good/web.service", &d, &set), -ENOTDIR);
	unit_diag_free(&d);
}

static void test_load_dir_unit_max(void **state)
{
	char dir[] = "/tmp/svcinit-test-XXXXXX", name[64], last[16];
	struct unit_diag d = { 0 };
	struct unit_set set;

	(void)state;
	alarm(120);
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < UNIT_MAX + 3; i++) {
		snprintf(name, sizeof(name), "u%05d.service", i);
		write_str(dir, name, MINIMAL);
	}
	assert_int_equal(unit_load_dir(dir, &d, &set), 0);
	assert_int_equal(set.n, UNIT_MAX);
	assert_string_equal(set.units[0]->name, "u00000");
	snprintf(last, sizeof(last), "u%05d", UNIT_MAX - 1);
	assert_string_equal(set.units[UNIT_MAX - 1]->name, last);
	assert_strv(set.failed, EMPTY);
	assert_diag(&d, "more than 4096 unit files: the last 3 in name order are ignored");
	assert_int_equal(d.n, 1);
	unit_set_free(&set);
	unit_diag_free(&d);
	rmtree(dir);
	alarm(0);
}

/* ---------------------------------------------------------------------- */
/* equality                                                                 */

static void test_spec_equal(void **state)
{
	struct unit_spec *a = load_good("web"), *b = load_good("web"), *c;
	struct unit_spec *w1 = load_good("worker"), *w2 = load_good("worker");
	int n = 0;

	(void)state;
	assert_true(unit_spec_equal(a, b));
	assert_true(unit_spec_equal(w1, w2));
	assert_false(unit_spec_equal(a, w1));
	assert_false(unit_spec_equal(a, NULL));
	assert_true(unit_spec_equal(NULL, NULL));

	/* Each change, made alone on a fresh copy, must make them differ. */
#define CHANGE(stmt)                                                         \
	do {                                                                 \
		c = load_good("web");                                        \
		assert_true(unit_spec_equal(a, c));                          \
		stmt;                                                        \
		if (unit_spec_equal(a, c))                                   \
			fail_msg("unit_spec_equal ignores: %s", #stmt);      \
		unit_spec_free(c);                                           \
		n++;                                                         \
	} while (0)

	CHANGE(c->name[0] = 'x');
	CHANGE(c->path[1] ^= 1);
	CHANGE(c->description[0] = 'x');
	CHANGE(c->after[1][0] = 'x');
	CHANGE(c->after[1] = (free(c->after[1]), NULL));
	CHANGE(c->requires[0][0] = 'x');
	CHANGE(c->wants[1][0] = 'x');
	CHANGE(c->type = UNIT_NOTIFY);
	CHANGE(c->argv[4][0] = 'x');
	CHANGE(c->argv[5] = (free(c->argv[5]), NULL));
	CHANGE(c->environment[2][0] = 'x');
	CHANGE(c->environment_files[1][0] = 'x');
	CHANGE(c->working_directory[1] = 'x');
	CHANGE(c->working_directory = (free(c->working_directory), NULL));
	CHANGE(c->user[0] = 'x');
	CHANGE(c->group[0] = 'x');
	CHANGE(c->supplementary_groups[0][0] = 'x');
	CHANGE(c->restart = UNIT_RESTART_NO);
	CHANGE(c->restart_usec++);
	CHANGE(c->restart_steps++);
	CHANGE(c->restart_max_usec++);
	CHANGE(c->start_limit_burst++);
	CHANGE(c->start_limit_interval_usec++);
	CHANGE(c->success_action = UNIT_ACTION_EXIT);
	CHANGE(c->failure_action = UNIT_ACTION_NONE);
	CHANGE(c->timeout_start_usec++);
	CHANGE(c->timeout_stop_usec = UNIT_INFINITY);
	CHANGE(c->kill_signal = SIGTERM);
	CHANGE(c->no_new_privileges = false);
	CHANGE(c->capability_bounding_set_given = false);
	CHANGE(c->capability_bounding_set ^= BIT(CAP_KILL));
	CHANGE(c->ambient_capabilities = 0);
	CHANGE(c->std_output.kind = UNIT_OUTPUT_FILE);
	CHANGE(c->std_output.path[1] = 'x');
	CHANGE(c->std_error.kind = UNIT_OUTPUT_NULL);
	CHANGE(c->namespaces &= ~UNIT_NS_CGROUP);
	CHANGE(c->hostname[0] = 'x');
	CHANGE(c->hostname = (free(c->hostname), NULL));
	CHANGE(c->root_directory[1] = 'x');
	CHANGE(c->overlay = false);
	CHANGE(c->overlay_upper[1] = 'x');
	CHANGE(c->binds[2].src[1] = (c->binds[2].dst[1] = 'x'));
	CHANGE(c->binds[0].src[1] = 'x');
	CHANGE(c->binds[0].dst[1] = 'x');
	CHANGE(c->binds[2].read_only = false);
	CHANGE(c->binds[1].optional = false);
	CHANGE(c->limits_set &= ~UNIT_LIM_IO_WEIGHT);
	CHANGE(c->memory_max++);
	CHANGE(c->memory_high++);
	CHANGE(c->cpu_weight++);
	CHANGE(c->cpu_quota_percent++);
	CHANGE(c->tasks_max++);
	CHANGE(c->io_weight++);
	CHANGE(c->allowed_cpus[0] = '2');
#undef CHANGE
	/* one bind fewer */
	c = load_good("web");
	c->n_binds--;
	assert_false(unit_spec_equal(a, c));
	c->n_binds++;
	unit_spec_free(c);
	assert_true(n >= 50);
	unit_spec_free(a);
	unit_spec_free(b);
	unit_spec_free(w1);
	unit_spec_free(w2);
}

/* Every key of keys[] has samples here; a spec that differs from the
 * minimal one by one sample differs from it and from every other sample
 * under unit_spec_equal() (reload would keep an old definition otherwise).
 * Values that differ only in a side field (MemoryMax=infinity: only
 * limits_set; CapabilityBoundingSet=~: only capability_bounding_set_given)
 * are among them. A key added to the table without a sample fails here. */
static const struct {
	const char *key;
	bool unit;                      /* in [Unit], else [Service] */
	const char *values[4];
} key_samples[] = {
	{ "Description", true, { "x", "y" } },
	{ "After", true, { "a", "a b", "b" } },
	{ "Requires", true, { "a", "a b" } },
	{ "Wants", true, { "a", "b" } },
	{ "Before", true, { "a", "a b" } },
	{ "BindsTo", true, { "a", "a b" } },
	{ "PartOf", true, { "a", "a b" } },
	{ "Conflicts", true, { "a", "a b" } },
	{ "Requisite", true, { "a", "a b" } },
	{ "Upholds", true, { "a", "a b" } },
	{ "OnFailure", true, { "a", "a b" } },
	{ "OnSuccess", true, { "a", "a b" } },
	{ "PropagatesReloadTo", true, { "a", "a b" } },
	{ "ReloadPropagatedFrom", true, { "a", "a b" } },
	{ "StopWhenUnneeded", true, { "yes" } },
	{ "RequiresMountsFor", true, { "/a", "/a /b" } },
	{ "ConditionACPower", true, { "yes", "no", "|!yes" } },
	{ "AssertACPower", true, { "yes", "no", "|!yes" } },
	{ "ConditionArchitecture", true, { "x", "!x", "|x" } },
	{ "AssertArchitecture", true, { "x", "!x", "|x" } },
	{ "ConditionCPUFeature", true, { "x", "!x", "|x" } },
	{ "AssertCPUFeature", true, { "x", "!x", "|x" } },
	{ "ConditionCPUPressure", true, { "x", "!x", "|x" } },
	{ "AssertCPUPressure", true, { "x", "!x", "|x" } },
	{ "ConditionCPUs", true, { "x", "!x", "|x" } },
	{ "AssertCPUs", true, { "x", "!x", "|x" } },
	{ "ConditionCapability", true, { "x", "!x", "|x" } },
	{ "AssertCapability", true, { "x", "!x", "|x" } },
	{ "ConditionControlGroupController", true, { "x", "!x", "|x" } },
	{ "AssertControlGroupController", true, { "x", "!x", "|x" } },
	{ "ConditionCredential", true, { "x", "!x", "|x" } },
	{ "AssertCredential", true, { "x", "!x", "|x" } },
	{ "ConditionDirectoryNotEmpty", true, { "/a", "!/a", "|/a" } },
	{ "AssertDirectoryNotEmpty", true, { "/a", "!/a", "|/a" } },
	{ "ConditionEnvironment", true, { "x", "!x", "|x" } },
	{ "AssertEnvironment", true, { "x", "!x", "|x" } },
	{ "ConditionFileIsExecutable", true, { "/a", "!/a", "|/a" } },
	{ "AssertFileIsExecutable", true, { "/a", "!/a", "|/a" } },
	{ "ConditionFileNotEmpty", true, { "/a", "!/a", "|/a" } },
	{ "AssertFileNotEmpty", true, { "/a", "!/a", "|/a" } },
	{ "ConditionFirmware", true, { "x", "!x", "|x" } },
	{ "AssertFirmware", true, { "x", "!x", "|x" } },
	{ "ConditionFirstBoot", true, { "yes", "no", "|!yes" } },
	{ "AssertFirstBoot", true, { "yes", "no", "|!yes" } },
	{ "ConditionGroup", true, { "x", "!x", "|x" } },
	{ "AssertGroup", true, { "x", "!x", "|x" } },
	{ "ConditionHost", true, { "x", "!x", "|x" } },
	{ "AssertHost", true, { "x", "!x", "|x" } },
	{ "ConditionIOPressure", true, { "x", "!x", "|x" } },
	{ "AssertIOPressure", true, { "x", "!x", "|x" } },
	{ "ConditionKernelCommandLine", true, { "x", "!x", "|x" } },
	{ "AssertKernelCommandLine", true, { "x", "!x", "|x" } },
	{ "ConditionKernelVersion", true, { "x", "!x", "|x" } },
	{ "AssertKernelVersion", true, { "x", "!x", "|x" } },
	{ "ConditionMemory", true, { "x", "!x", "|x" } },
	{ "AssertMemory", true, { "x", "!x", "|x" } },
	{ "ConditionMemoryPressure", true, { "x", "!x", "|x" } },
	{ "AssertMemoryPressure", true, { "x", "!x", "|x" } },
	{ "ConditionNeedsUpdate", true, { "/a", "!/a", "|/a" } },
	{ "AssertNeedsUpdate", true, { "/a", "!/a", "|/a" } },
	{ "ConditionOSRelease", true, { "x", "!x", "|x" } },
	{ "AssertOSRelease", true, { "x", "!x", "|x" } },
	{ "ConditionPathExists", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathExists", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathExistsGlob", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathExistsGlob", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathIsDirectory", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathIsDirectory", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathIsEncrypted", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathIsEncrypted", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathIsMountPoint", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathIsMountPoint", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathIsReadWrite", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathIsReadWrite", true, { "/a", "!/a", "|/a" } },
	{ "ConditionPathIsSymbolicLink", true, { "/a", "!/a", "|/a" } },
	{ "AssertPathIsSymbolicLink", true, { "/a", "!/a", "|/a" } },
	{ "ConditionSecurity", true, { "x", "!x", "|x" } },
	{ "AssertSecurity", true, { "x", "!x", "|x" } },
	{ "ConditionUser", true, { "x", "!x", "|x" } },
	{ "AssertUser", true, { "x", "!x", "|x" } },
	{ "ConditionVirtualization", true, { "x", "!x", "|x" } },
	{ "AssertVirtualization", true, { "x", "!x", "|x" } },
	{ "StartLimitBurst", true, { "1", "2" } },
	{ "StartLimitIntervalSec", true, { "1s", "infinity" } },
	{ "StartLimitInterval", true, { "2s", "5min" } },
	{ "Type", false, { "notify", "oneshot" } },
	{ "ExecStart", false, { "/bin/false", "/bin/true x", "true" } },
	{ "Environment", false, { "A=1", "A=2", "A=1 B=2" } },
	{ "EnvironmentFile", false, { "/e", "-/e" } },
	{ "WorkingDirectory", false, { "/w", "/v" } },
	{ "User", false, { "u", "0" } },
	{ "Group", false, { "g", "0" } },
	{ "SupplementaryGroups", false, { "g", "g h" } },
	{ "Restart", false, { "no", "always" } },
	{ "RestartSec", false, { "1s", "0" } },
	{ "RestartSteps", false, { "1", "2" } },
	{ "RestartMaxDelaySec", false, { "1s", "0" } },
	{ "SuccessAction", false, { "exit", "reboot" } },
	{ "FailureAction", false, { "exit", "poweroff" } },
	{ "TimeoutStartSec", false, { "1s", "infinity" } },
	{ "TimeoutStopSec", false, { "1s", "infinity" } },
	{ "KillSignal", false, { "SIGKILL", "SIGINT" } },
	{ "ExecCondition", false, { "/bin/true", "-/bin/true", "/bin/true x" } },
	{ "ExecStartPre", false, { "/bin/true", "-/bin/true", "@/bin/true t" } },
	{ "ExecStartPost", false, { "/bin/true", "+/bin/true" } },
	{ "ExecReload", false, { "/bin/kill -HUP $MAINPID", "!/bin/true" } },
	{ "ExecStop", false, { "/bin/true", ":/bin/true" } },
	{ "ExecStopPost", false, { "/bin/true", "!!/bin/true" } },
	{ "RemainAfterExit", false, { "yes" } },
	{ "PIDFile", false, { "/run/a.pid", "/run/b.pid" } },
	{ "GuessMainPID", false, { "no" } },
	{ "KillMode", false, { "process", "mixed" } },
	{ "RestartKillSignal", false, { "SIGINT", "SIGUSR1" } },
	{ "FinalKillSignal", false, { "SIGQUIT", "SIGTERM" } },
	{ "SendSIGKILL", false, { "no" } },
	{ "SendSIGHUP", false, { "yes" } },
	{ "TimeoutSec", false, { "5s", "7s" } },
	{ "TimeoutAbortSec", false, { "5s", "infinity" } },
	{ "SuccessExitStatus", false, { "3", "SIGUSR1", "3 4" } },
	{ "RestartPreventExitStatus", false, { "3", "SIGUSR1" } },
	{ "RestartForceExitStatus", false, { "3", "SIGUSR1" } },
	{ "WatchdogSec", false, { "5s", "1min" } },
	{ "NotifyAccess", false, { "main", "all" } },
	{ "NoNewPrivileges", false, { "yes" } },
	{ "BusName", false, { "org.example.A", "org.example.B" } },
	{ "DynamicUser", false, { "yes" } },
	{ "CapabilityBoundingSet", false, { "CAP_KILL", "~", "", "~CAP_KILL" } },
	{ "AmbientCapabilities", false, { "CAP_KILL", "CAP_CHOWN" } },
	{ "SystemCallFilter", false, { "read", "~read", "~read:EPERM", "@mount" } },
	{ "SystemCallLog", false, { "read", "~read" } },
	{ "SystemCallErrorNumber", false, { "EPERM", "log" } },
	{ "SystemCallArchitectures", false, { "native", "x86" } },
	{ "RestrictAddressFamilies", false, { "AF_UNIX", "~AF_UNIX", "none" } },
	{ "RestrictNamespaces", false, { "yes", "no", "net", "~net" } },
	{ "MemoryDenyWriteExecute", false, { "yes" } },
	{ "RestrictRealtime", false, { "yes" } },
	{ "RestrictSUIDSGID", false, { "yes" } },
	{ "LockPersonality", false, { "yes" } },
	{ "PrivateTmp", false, { "yes" } },
	{ "PrivateDevices", false, { "yes" } },
	{ "PrivateNetwork", false, { "yes" } },
	{ "PrivateIPC", false, { "yes" } },
	{ "PrivateMounts", false, { "yes" } },
	{ "PrivateUsers", false, { "yes" } },
	{ "ProtectSystem", false, { "yes", "full", "strict" } },
	{ "ProtectHome", false, { "yes", "read-only", "tmpfs" } },
	{ "ProtectProc", false, { "invisible", "noaccess" } },
	{ "ProcSubset", false, { "pid" } },
	{ "ProtectKernelTunables", false, { "yes" } },
	{ "ProtectKernelModules", false, { "yes" } },
	{ "ProtectKernelLogs", false, { "yes" } },
	{ "ProtectControlGroups", false, { "yes" } },
	{ "ProtectClock", false, { "yes" } },
	{ "ProtectHostname", false, { "yes" } },
	{ "ReadWritePaths", false, { "/a", "-/a", "+/a /b" } },
	{ "ReadOnlyPaths", false, { "/a", "/b" } },
	{ "InaccessiblePaths", false, { "/a", "-/b" } },
	{ "ExecPaths", false, { "/a", "/b" } },
	{ "NoExecPaths", false, { "/a", "/b" } },
	{ "TemporaryFileSystem", false, { "/a", "/a:ro", "/b:mode=0700,size=10%" } },
	{ "ReadWriteDirectories", false, { "/c" } },
	{ "ReadOnlyDirectories", false, { "/c" } },
	{ "InaccessibleDirectories", false, { "/c" } },
	{ "StandardOutput", false, { "null", "file:/o", "append:/o", "tty" } },
	{ "StandardError", false, { "null", "console", "append:/o" } },
	{ "Namespaces", false, { "none", "pid", "pid net ipc mnt uts cgroup" } },
	{ "Hostname", false, { "h", "i" } },
	{ "RootDirectory", false, { "/r", "/s" } },
	{ "Overlay", false, { "no" } },
	{ "OverlayUpper", false, { "/u", "/v" } },
	{ "BindPaths", false, { "/a", "-/a", "/a:/b", "/a /b" } },
	{ "BindReadOnlyPaths", false, { "/a", "-/a", "/a:/b" } },
	{ "MemoryMax", false, { "1G", "infinity", "0", "50%" } },
	{ "MemoryHigh", false, { "1G", "infinity", "0" } },
	{ "CPUWeight", false, { "100", "1" } },
	{ "CPUQuota", false, { "50%", "1%" } },
	{ "TasksMax", false, { "10", "infinity", "1%" } },
	{ "IOWeight", false, { "100", "1" } },
	{ "AllowedCPUs", false, { "0", "1" } },
	{ "PassEnvironment", false, { "A", "A B" } },
	{ "UnsetEnvironment", false, { "A", "A=1" } },
	{ "LimitCPU", false, { "10", "infinity" } },
	{ "LimitFSIZE", false, { "1M", "1K:2K" } },
	{ "LimitDATA", false, { "1G", "infinity" } },
	{ "LimitSTACK", false, { "8M", "1M:2M" } },
	{ "LimitCORE", false, { "0", "infinity" } },
	{ "LimitRSS", false, { "1M", "2M" } },
	{ "LimitNOFILE", false, { "1024", "1024:4096" } },
	{ "LimitAS", false, { "1G", "infinity" } },
	{ "LimitNPROC", false, { "100", "100:200" } },
	{ "LimitMEMLOCK", false, { "64K", "infinity" } },
	{ "LimitLOCKS", false, { "10", "20" } },
	{ "LimitSIGPENDING", false, { "10", "20" } },
	{ "LimitMSGQUEUE", false, { "1000", "2000" } },
	{ "LimitNICE", false, { "0", "-5" } },
	{ "LimitRTPRIO", false, { "0", "5" } },
	{ "LimitRTTIME", false, { "1s", "1000:2000" } },
	{ "RuntimeDirectory", false, { "a", "a b", "a/b" } },
	{ "RuntimeDirectoryMode", false, { "0700", "0" } },
	{ "StateDirectory", false, { "a", "a b", "a/b" } },
	{ "StateDirectoryMode", false, { "0700", "0" } },
	{ "CacheDirectory", false, { "a", "a b", "a/b" } },
	{ "CacheDirectoryMode", false, { "0700", "0" } },
	{ "LogsDirectory", false, { "a", "a b", "a/b" } },
	{ "LogsDirectoryMode", false, { "0700", "0" } },
	{ "ConfigurationDirectory", false, { "a", "a b", "a/b" } },
	{ "ConfigurationDirectoryMode", false, { "0700", "0" } },
	{ "UMask", false, { "0077", "0" } },
	{ "Nice", false, { "5", "-5", "0" } },
	{ "OOMScoreAdjust", false, { "100", "-1000", "0" } },
	{ "IOSchedulingClass", false, { "idle", "realtime", "0" } },
	{ "IOSchedulingPriority", false, { "0", "7" } },
	{ "CPUSchedulingPolicy", false, { "fifo", "batch", "other" } },
	{ "CPUSchedulingPriority", false, { "0", "50" } },
	{ "CPUSchedulingResetOnFork", false, { "yes" } },
	{ "CPUAffinity", false, { "0", "0-1", "1 3" } },
	{ "StandardInput", false, { "tty", "tty-force", "file:/i", "data" } },
	{ "StandardInputText", false, { "a", "b\\tc" } },
	{ "StandardInputData", false, { "YQ==", "aGVsbG8=" } },
	{ "TTYPath", false, { "/dev/tty1", "/dev/tty2" } },
	{ "TTYReset", false, { "yes" } },
	{ "TTYVHangup", false, { "yes" } },
	{ "SyslogIdentifier", false, { "x", "y" } },
	{ "RuntimeDirectoryPreserve", false, { "yes", "restart" } },
	{ "Alias", false, { "x.service", "x.service y.service" } },
	{ "WantedBy", false, { "multi-user.target", "a.target" } },
	{ "RequiredBy", false, { "multi-user.target", "b.target" } },
	{ "Also", false, { "x.socket", "y.socket" } },
	{ "DefaultInstance", false, { "i", "j" } },
	/* issue 16 */
	{ "DefaultDependencies", true, { "no" } },
	{ "PermissionsStartOnly", false, { "yes" } },
	{ "IgnoreSIGPIPE", false, { "no" } },
	{ "RemoveIPC", false, { "yes" } },
	{ "Delegate", false, { "yes", "memory", "pids memory" } },
	{ "AppArmorProfile", false, { "a", "-b" } },
	{ "OOMPolicy", false, { "continue", "kill" } },
	{ "HealthCheck", false, { "exec:/bin/true", "exec:true x", "tcp:127.0.0.1:80",
				  "http://[::1]:8080/healthz" } },
	{ "HealthIntervalSec", false, { "1s", "5min" } },
	{ "HealthTimeoutSec", false, { "1s", "2" } },
	{ "HealthStartPeriodSec", false, { "1s", "10s" } },
	{ "HealthRetries", false, { "1", "5" } },
	{ "OnHealthFailure", false, { "stop", "none", "exit" } },
	{ "ReadyWhenHealthy", false, { "yes" } },
	{ "DevicePolicy", false, { "closed", "strict" } },
	{ "DeviceAllow", false, { "/dev/null r", "char-pts rw", "/dev/fuse" } },
	{ "IPAddressAllow", false, { "localhost", "10.0.0.0/8 ::1" } },
	{ "IPAddressDeny", false, { "any", "192.168.1.1" } },
};

static bool install_key(const char *key)
{
	static const char *const k[] = { "Alias", "WantedBy", "RequiredBy", "Also",
					 "DefaultInstance" };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(k[i], key) == 0)
			return true;
	return false;
}

#define MAX_SAMPLES (N_SAMPLE_KEYS * 4 + 1)
#define N_SAMPLE_KEYS (sizeof(key_samples) / sizeof(key_samples[0]))

static struct unit_spec *parse_sample(size_t i, const char *value)
{
	char text[512];

	if (strcmp(key_samples[i].key, "ExecStart") == 0)
		snprintf(text, sizeof(text), "[Service]\nExecStart=%s\n", value);
	else if (install_key(key_samples[i].key))
		snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n[Install]\n%s=%s\n",
			 key_samples[i].key, value);
	else if (key_samples[i].unit)
		snprintf(text, sizeof(text), "[Unit]\n%s=%s\n[Service]\nExecStart=/bin/true\n",
			 key_samples[i].key, value);
	else
		snprintf(text, sizeof(text), "[Service]\nExecStart=/bin/true\n%s=%s\n",
			 key_samples[i].key, value);
	return parse_ok(text);
}

static void test_spec_equal_keys(void **state)
{
	struct unit_spec *specs[MAX_SAMPLES];
	const char *what[MAX_SAMPLES], *val[MAX_SAMPLES];
	size_t n = 0, n_keys = 0;

	(void)state;
	specs[n] = parse_ok(MINIMAL);
	what[n] = "(no key)";
	val[n++] = "";
	for (size_t k = 0; keys_name(k); k++, n_keys++) {
		size_t i;

		for (i = 0; i < N_SAMPLE_KEYS; i++)
			if (strcmp(key_samples[i].key, keys_name(k)) == 0)
				break;
		if (i == N_SAMPLE_KEYS)
			fail_msg("key %s= has no sample in key_samples[] (add one)", keys_name(k));
		for (size_t v = 0; v < 4 && key_samples[i].values[v]; v++) {
			struct unit_spec *again = parse_sample(i, key_samples[i].values[v]);

			assert_true(n < MAX_SAMPLES);
			specs[n] = parse_sample(i, key_samples[i].values[v]);
			what[n] = key_samples[i].key;
			val[n++] = key_samples[i].values[v];
			assert_true(unit_spec_equal(specs[n - 1], again));
			unit_spec_free(again);
		}
	}
	assert_int_equal(n_keys, N_SAMPLE_KEYS);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (unit_spec_equal(specs[i], specs[j]))
				fail_msg("unit_spec_equal: %s=%s equals %s=%s", what[i], val[i],
					 what[j], val[j]);
	for (size_t i = 0; i < n; i++)
		unit_spec_free(specs[i]);
}

/* HealthCheck= and its keys: the defaults hold when a key is not given (and
 * when it is given empty), each kind is parsed, bad values name the key. */
/* Issue 16's keys: defaults, PermissionsStartOnly= on the control commands
 * whatever the order, Delegate= lists, errors. */
static void test_issue16_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok(MINIMAL);
	assert_true(s->ignore_sigpipe);
	assert_true(s->default_dependencies);
	assert_false(s->permissions_start_only);
	assert_false(s->remove_ipc);
	assert_false(s->delegate);
	assert_int_equal(s->oom_policy, UNIT_OOM_STOP);
	assert_null(s->apparmor_profile);
	unit_spec_free(s);

	/* the key after the commands, a '!' command: all of them as '+' */
	s = parse_ok("[Service]\nUser=nobody\nExecStart=/bin/true\nExecStartPre=!/bin/a\n"
		     "ExecStop=/bin/b\nExecCondition=/bin/c\nPermissionsStartOnly=yes\n");
	assert_int_equal(s->hooks[UNIT_HOOK_START_PRE].v[0].flags, UNIT_CMD_PRIVILEGED);
	assert_int_equal(s->hooks[UNIT_HOOK_STOP].v[0].flags, UNIT_CMD_PRIVILEGED);
	assert_int_equal(s->hooks[UNIT_HOOK_CONDITION].v[0].flags, UNIT_CMD_PRIVILEGED);
	assert_int_equal(s->exec_start[0].flags, 0);
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nExecStartPre=-/bin/a\n");
	assert_int_equal(s->hooks[UNIT_HOOK_START_PRE].v[0].flags, UNIT_CMD_IGNORE);
	unit_spec_free(s);

	s = parse_ok("[Service]\nExecStart=/bin/true\nDelegate=memory pids\nDelegate=pids io\n"
		     "OOMPolicy=kill\nAppArmorProfile=-%n\nIgnoreSIGPIPE=no\n");
	assert_true(s->delegate);
	assert_strv(s->delegate_controllers, STRV("memory", "pids", "io"));
	assert_int_equal(s->oom_policy, UNIT_OOM_KILL);
	assert_string_equal(s->apparmor_profile, "-t.service");
	assert_false(s->ignore_sigpipe);
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nDelegate=memory\nDelegate=no\n");
	assert_false(s->delegate);
	assert_strv(s->delegate_controllers, EMPTY);
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nDelegate=yes\nDelegate=\n");
	assert_false(s->delegate);
	unit_spec_free(s);

	expect_error("[Service]\nExecStart=/bin/true\nOOMPolicy=later\n",
		     "t.service:3: OOMPolicy=: invalid value \"later\" (expected stop, continue or kill)");
	expect_error("[Service]\nExecStart=/bin/true\nIgnoreSIGPIPE=perhaps\n",
		     "t.service:3: IgnoreSIGPIPE=: invalid boolean \"perhaps\"");
	expect_error("[Service]\nExecStart=/bin/true\nAppArmorProfile=a\tb\n",
		     "t.service:3: AppArmorProfile=: invalid profile name");
	expect_error("[Service]\nExecStart=/bin/true\nDefaultDependencies=no\n",
		     "t.service:3: DefaultDependencies=: not allowed in [Service]");
}

/* Orders through targets (units/targets.c): After=T.target follows the
 * units Before=T.target; DefaultDependencies=yes adds sysinit.target and
 * basic.target (and what basic.target is After=). */
static void test_targets_order(void **state)
{
	struct unit_spec *v[4];
	size_t dropped = 1;

	(void)state;
	v[0] = parse_ok("[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n"
			"[Service]\nExecStart=/bin/true\n");
	v[1] = parse_ok("[Service]\nExecStart=/bin/true\n");
	v[2] = parse_ok("[Unit]\nDefaultDependencies=no\nAfter=x.target\n"
			"[Service]\nExecStart=/bin/true\n");
	v[3] = parse_ok("[Unit]\nDefaultDependencies=no\nBefore=x.target sockets.target\n"
			"[Service]\nExecStart=/bin/true\n");
	for (int i = 0; i < 4; i++)
		snprintf(v[i]->name, sizeof(v[i]->name), "u%d", i);
	assert_int_equal(unit_targets_order(v, 4, &dropped), 0);
	assert_int_equal(dropped, 0);
	assert_strv(v[0]->after, EMPTY);                 /* no defaults, nothing after */
	assert_strv(v[1]->after, STRV("u0", "u3"));      /* sysinit; basic: sockets.target */
	assert_strv(v[2]->after, STRV("x.target", "u3"));
	assert_strv(v[3]->after, EMPTY);
	for (int i = 0; i < 4; i++)
		unit_spec_free(v[i]);
}

static void test_health_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("[Service]\nExecStart=/x\nHealthCheck=tcp:127.0.0.1:8080\n");
	assert_int_equal(s->health.kind, UNIT_HEALTH_TCP);
	assert_int_equal(s->health.family, AF_INET);
	assert_int_equal(s->health.port, 8080);
	assert_int_equal(s->health.interval_usec, 30 * 1000000ULL);
	assert_int_equal(s->health.timeout_usec, 10 * 1000000ULL);
	assert_int_equal(s->health.start_period_usec, 0);
	assert_int_equal(s->health.retries, 3);
	assert_int_equal(s->health.on_failure, UNIT_HEALTH_RESTART);
	assert_false(s->health.ready_when_healthy);
	unit_spec_free(s);

	/* no check at all: the same defaults */
	s = parse_ok("[Service]\nExecStart=/x\n");
	assert_int_equal(s->health.kind, UNIT_HEALTH_NONE);
	assert_int_equal(s->health.interval_usec, 30 * 1000000ULL);
	assert_int_equal(s->health.retries, 3);
	unit_spec_free(s);

	s = parse_ok("[Service]\nExecStart=/x\nHealthCheck=exec:/bin/sh -c \"exit ${CODE}\"\n"
		     "HealthIntervalSec=2s\nHealthTimeoutSec=500ms\nHealthStartPeriodSec=1min\n"
		     "HealthRetries=5\nOnHealthFailure=stop\nReadyWhenHealthy=yes\n");
	assert_int_equal(s->health.kind, UNIT_HEALTH_EXEC);
	assert_strv(s->health.cmd.argv, STRV("/bin/sh", "-c", "exit ${CODE}"));
	assert_int_equal(s->health.interval_usec, 2000000);
	assert_int_equal(s->health.timeout_usec, 500000);
	assert_int_equal(s->health.start_period_usec, 60000000);
	assert_int_equal(s->health.retries, 5);
	assert_int_equal(s->health.on_failure, UNIT_HEALTH_STOP);
	assert_true(s->health.ready_when_healthy);
	unit_spec_free(s);

	/* empty resets to the defaults, the last one wins */
	s = parse_ok("[Service]\nExecStart=/x\nHealthCheck=exec:true\nHealthCheck=\n"
		     "HealthRetries=7\nHealthRetries=\nOnHealthFailure=none\nOnHealthFailure=\n");
	assert_int_equal(s->health.kind, UNIT_HEALTH_NONE);
	assert_null(s->health.cmd.argv);
	assert_int_equal(s->health.retries, 3);
	assert_int_equal(s->health.on_failure, UNIT_HEALTH_RESTART);
	unit_spec_free(s);

	s = parse_ok("[Service]\nExecStart=/x\nHealthCheck=http://localhost:8080/healthz?x=1\n");
	assert_int_equal(s->health.kind, UNIT_HEALTH_HTTP);
	assert_string_equal(s->health.path, "/healthz?x=1");
	assert_string_equal(s->health.host, "localhost");
	assert_int_equal(s->health.port, 8080);
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/x\nHealthCheck=http://[::1]\n");
	assert_int_equal(s->health.family, AF_INET6);
	assert_int_equal(s->health.port, 80);
	assert_string_equal(s->health.path, "/");
	unit_spec_free(s);

	expect_error("[Service]\nExecStart=/x\nHealthCheck=ping:x\n",
		     "t.service:3: HealthCheck=: invalid value \"ping:x\"");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=tcp:127.0.0.1\n",
		     "t.service:3: HealthCheck=: missing port");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=tcp:example.com:80\n",
		     "t.service:3: HealthCheck=: \"example.com\" is not an IP address");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=tcp:127.0.0.1:70000\n",
		     "t.service:3: HealthCheck=: invalid port");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=exec:\n",
		     "t.service:3: HealthCheck=: exec: needs a command");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=exec:a/b\n",
		     "t.service:3: HealthCheck=: relative path");
	expect_error("[Service]\nExecStart=/x\nHealthCheck=exec:/a ; /b\n",
		     "t.service:3: HealthCheck=: exec: takes one command");
	expect_error("[Service]\nExecStart=/x\nHealthIntervalSec=0\n",
		     "t.service:3: HealthIntervalSec=: must be more than 0");
	expect_error("[Service]\nExecStart=/x\nHealthTimeoutSec=infinity\n",
		     "t.service:3: HealthTimeoutSec=: must be finite");
	expect_error("[Service]\nExecStart=/x\nHealthRetries=0\n",
		     "t.service:3: HealthRetries=: invalid number");
	expect_error("[Service]\nExecStart=/x\nOnHealthFailure=explode\n",
		     "t.service:3: OnHealthFailure=: invalid value \"explode\"");
	expect_error("[Service]\nExecStart=/x\nReadyWhenHealthy=maybe\n",
		     "t.service:3: ReadyWhenHealthy=: invalid boolean");
}

/* BusName= and Type=dbus (systemd.service(5)); DynamicUser= and what it
 * implies (systemd.exec(5)). */
static void test_bus_and_dynamic_user_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	s = parse_ok("[Service]\nExecStart=/bin/true\nBusName=org.example.Svc\n");
	assert_int_equal(s->type, UNIT_DBUS);   /* the default with BusName= */
	assert_string_equal(s->bus_name, "org.example.Svc");
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nType=simple\nBusName=org.example.Svc\n");
	assert_int_equal(s->type, UNIT_SIMPLE);   /* Type= given wins */
	unit_spec_free(s);
	expect_error("[Service]\nExecStart=/bin/true\nType=dbus\n",
		     "t.service:3: Type=dbus: needs BusName=");
	expect_error("[Service]\nExecStart=/bin/true\nBusName=org\n",
		     "t.service:3: BusName=: invalid D-Bus name \"org\"");
	expect_error("[Service]\nExecStart=/bin/true\nBusName=:1.2\n", "invalid D-Bus name");
	expect_error("[Service]\nExecStart=/bin/true\nDynamicUser=perhaps\n",
		     "t.service:3: DynamicUser=");

	s = parse_ok("[Service]\nExecStart=/bin/true\nDynamicUser=yes\nPrivateTmp=no\n"
		     "NoNewPrivileges=no\nProtectSystem=no\n");
	assert_true(s->dynamic_user);
	assert_true(s->sandbox.private_tmp);       /* cannot be turned off */
	assert_true(s->no_new_privileges);
	assert_true(s->restrict_suid_sgid);
	assert_true(s->remove_ipc);   /* RemoveIPC=yes is implied too */
	assert_int_equal(s->sandbox.protect_system, UNIT_PS_STRICT);
	assert_int_equal(s->sandbox.protect_home, UNIT_PH_READ_ONLY);
	assert_true(s->namespaces & UNIT_NS_MNT);  /* PrivateTmp= needs it */
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nDynamicUser=yes\nProtectHome=tmpfs\n");
	assert_int_equal(s->sandbox.protect_home, UNIT_PH_TMPFS);   /* stronger: kept */
	unit_spec_free(s);
	s = parse_ok("[Service]\nExecStart=/bin/true\nDynamicUser=no\n");
	assert_false(s->sandbox.private_tmp);
	unit_spec_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_web),
		cmocka_unit_test(test_good_worker),
		cmocka_unit_test(test_good_db),
		cmocka_unit_test(test_good_minimal_defaults),
		cmocka_unit_test(test_good_dir),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_dir),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_names_and_utf8),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_repeated_keys),
		cmocka_unit_test(test_value_checks),
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_exec_start),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_parse_signal),
		cmocka_unit_test(test_names_and_strings),
		cmocka_unit_test(test_load_dir_mixed),
		cmocka_unit_test(test_load_dir_errors),
		cmocka_unit_test(test_load_dir_unit_max),
		cmocka_unit_test(test_spec_equal),
		cmocka_unit_test(test_spec_equal_keys),
		cmocka_unit_test(test_health_keys),
		cmocka_unit_test(test_issue16_keys),
		cmocka_unit_test(test_targets_order),
		cmocka_unit_test(test_bus_and_dynamic_user_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
