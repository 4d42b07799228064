/* SPDX-License-Identifier: MIT */
/*
 * test_syntax.c: systemd's unit file syntax as units/ reads it: comments,
 * continuations, resets, several ExecStart=, unknown/known/X- keys, every
 * specifier, $VAR expansion (systemd.service(5)'s own examples), drop-ins.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "units/keys.h"
#include "units/specifier.h"
#include "units/unit.h"
#include "units/value.h"

#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void assert_strv(char *const *v, const char *const *want)
{
	size_t i = 0;

	assert_non_null(v);
	for (; want[i]; i++) {
		if (!v[i])
			fail_msg("word %zu missing, want \"%s\"", i, want[i]);
		assert_string_equal(v[i], want[i]);
	}
	if (v[i])
		fail_msg("extra word %zu \"%s\"", i, v[i]);
}

static bool has(char *const *m, size_t n, const char *needle)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(m[i], needle))
			return true;
	return false;
}

static void dump(const struct unit_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  error: %s\n", d->msgs[i]);
	for (size_t i = 0; i < d->n_warns; i++)
		print_message("  warning: %s\n", d->warns[i]);
}

static struct unit_spec *ok(const char *text, struct unit_diag *d)
{
	struct unit_spec *s = NULL;
	int r = unit_load_string(text, strlen(text), "t.service", "t", d, &s);

	if (r != 0) {
		dump(d);
		fail_msg("unexpected failure %d for:\n%s", r, text);
	}
	return s;
}

static void bad(const char *text, const char *needle)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s = NULL;

	assert_int_equal(unit_load_string(text, strlen(text), "t.service", "t", &d, &s), -EINVAL);
	assert_null(s);
	if (!has(d.msgs, d.n, needle)) {
		dump(&d);
		fail_msg("missing error: %s", needle);
	}
	unit_diag_free(&d);
}

/* ---------------------------------------------------------------------- */

static void test_comments_and_semicolons(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	s = ok("# comment\n; comment\n[Unit]\nDescription=a ; b # c\n  # indented comment\n"
	       "[Service]\nExecStart=/bin/sh -c 'echo a ; echo b'\n", &d);
	assert_string_equal(s->description, "a ; b # c");
	assert_strv(s->argv, STRV("/bin/sh", "-c", "echo a ; echo b"));
	assert_int_equal(d.n, 0);
	assert_int_equal(d.n_warns, 0);
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_continuations(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	/* systemd.syntax(7): comment lines inside a continuation are skipped */
	s = ok("[Service]\nExecStart=/bin/echo a \\\n# skipped\n; skipped too\n  b \\\n  c\n"
	       "Environment=X=1 \\\n Y=2\n", &d);
	assert_strv(s->argv, STRV("/bin/echo", "a", "b", "c"));
	assert_strv(s->environment, STRV("X=1", "Y=2"));
	unit_spec_free(s);
	unit_diag_free(&d);
	/* line numbers stay right after a continuation */
	bad("[Service]\nExecStart=/bin/echo \\\n a \\\n b\nRestartSec=x\n",
	    "t.service:5: RestartSec=: invalid time");
	/* systemd.service(5): "echo / >/dev/null & \; \<newline>ls" is 5 args */
	s = ok("[Service]\nExecStart=echo / >/dev/null & \\; \\\nls\n", &d);
	assert_strv(s->argv, STRV("echo", "/", ">/dev/null", "&", ";", "ls"));
	assert_int_equal(s->n_exec_start, 1);
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_exec_start_commands(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	/* several ExecStart= only for oneshot, the error names the second */
	bad("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n",
	    "t.service:3: ExecStart=: more than one command is only allowed with Type=oneshot");
	bad("[Service]\nExecStart=echo one ; echo two\n",
	    "t.service:2: ExecStart=: more than one command is only allowed with Type=oneshot");
	/* systemd.service(5): "echo one ; echo "two two"": two commands */
	s = ok("[Service]\nType=oneshot\nExecStart=echo one ; echo \"two two\"\nExecStart=/bin/c\n",
	       &d);
	assert_int_equal(s->n_exec_start, 3);
	assert_strv(s->exec_start[0].argv, STRV("echo", "one"));
	assert_strv(s->exec_start[1].argv, STRV("echo", "two two"));
	assert_strv(s->exec_start[2].argv, STRV("/bin/c"));
	unit_spec_free(s);
	/* an empty assignment resets; Type= may come after */
	s = ok("[Service]\nExecStart=/bin/a\nExecStart=\nExecStart=/bin/b\n", &d);
	assert_int_equal(s->n_exec_start, 1);
	assert_strv(s->argv, STRV("/bin/b"));
	unit_spec_free(s);
	s = ok("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\nType=oneshot\n", &d);
	assert_int_equal(s->n_exec_start, 2);
	unit_spec_free(s);
	/* ':' prefix: no expansion at start */
	s = ok("[Service]\nExecStart=:/bin/echo $X\n", &d);
	assert_strv(s->argv, STRV("/bin/echo", "$X"));
	assert_true(s->exec_start[0].flags & UNIT_CMD_NO_EXPAND);
	unit_spec_free(s);
	bad("[Service]\nExecStart=/bin/a ; ; /bin/b\nType=oneshot\n", "empty command before ';'");
	unit_diag_free(&d);
}

static void test_last_wins_and_resets(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	s = ok("[Unit]\nDescription=a\nDescription=b\nAfter=x\nAfter=\nAfter=y\n"
	       "[Service]\nExecStart=/x\nUser=u\nUser=v\nPassEnvironment=A B\nPassEnvironment=\n"
	       "PassEnvironment=C\nUnsetEnvironment=D E=1\n", &d);
	assert_string_equal(s->description, "b");
	assert_strv(s->after, STRV("y"));
	assert_string_equal(s->user, "v");
	assert_strv(s->pass_environment, STRV("C"));
	assert_strv(s->unset_environment, STRV("D", "E=1"));
	unit_spec_free(s);
	unit_diag_free(&d);
	bad("[Service]\nExecStart=/x\nPassEnvironment=1A\n", "PassEnvironment=: invalid variable");
}

/* Exec*= hooks with systemd's prefixes (issue 16). */
static void test_exec_hooks_and_prefixes(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	s = ok("[Service]\nExecStart=-@/bin/sleep sleeper 5\nExecStartPre=/bin/a\n"
	       "ExecStartPre=:-/bin/b $X\nExecStopPost=+/bin/c\nExecReload=!!/bin/d\n"
	       "ExecStop=!/bin/e\nSuccessExitStatus=3 SIGUSR1\nSuccessExitStatus=4\n", &d);
	assert_int_equal(d.n, 0);
	assert_int_equal(s->exec_start[0].flags, UNIT_CMD_IGNORE | UNIT_CMD_ARGV0);
	assert_string_equal(s->exec_start[0].path, "/bin/sleep");
	assert_strv(s->exec_start[0].argv, STRV("sleeper", "5"));
	assert_int_equal(s->hooks[UNIT_HOOK_START_PRE].n, 2);
	assert_int_equal(s->hooks[UNIT_HOOK_START_PRE].v[1].flags,
			 UNIT_CMD_NO_EXPAND | UNIT_CMD_IGNORE);
	assert_strv(s->hooks[UNIT_HOOK_START_PRE].v[1].argv, STRV("/bin/b", "$X"));
	assert_int_equal(s->hooks[UNIT_HOOK_STOP_POST].v[0].flags, UNIT_CMD_PRIVILEGED);
	assert_int_equal(s->hooks[UNIT_HOOK_RELOAD].v[0].flags, UNIT_CMD_AMBIENT);
	assert_int_equal(s->hooks[UNIT_HOOK_STOP].v[0].flags, UNIT_CMD_NO_SETUID);
	assert_true(unit_status_set_has(&s->success_status, 3, 0));
	assert_true(unit_status_set_has(&s->success_status, 4, 0));
	assert_true(unit_status_set_has(&s->success_status, -1, SIGUSR1));
	assert_false(unit_status_set_has(&s->success_status, 5, 0));
	unit_spec_free(s);
	unit_diag_free(&d);
	/* an empty assignment resets the list, as systemd */
	s = ok("[Service]\nExecStart=/x\nExecStartPre=/a\nExecStartPre=\nExecStartPre=/b\n", &d);
	assert_int_equal(s->hooks[UNIT_HOOK_START_PRE].n, 1);
	assert_strv(s->hooks[UNIT_HOOK_START_PRE].v[0].argv, STRV("/b"));
	unit_spec_free(s);
	unit_diag_free(&d);
	bad("[Service]\nExecStart=/x\nExecStop=+!/y\n", "ExecStop=: invalid prefix");
	bad("[Service]\nExecStart=/x\nExecStop=--/y\n", "ExecStop=: invalid prefix");
	bad("[Service]\nExecStart=@/x\n", "'@' needs the program and then argv[0]");
	bad("[Service]\nExecStart=/x\nSuccessExitStatus=256\n", "exit status out of range");
	bad("[Service]\nExecStart=/x\nKillMode=all\n", "KillMode=: invalid value \"all\"");
}

static void test_unknown_keys(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	s = ok("[Unit]\nDocumentation=man:x(8)\nX-Foo=bar\nStartLimitInterval=5s\n"
	       "[Service]\nExecStart=/x\nIPAccounting=yes\nLogLevelMax=info\n"
	       "StartLimitBurst=3\nMemoryLimit=1G\nX-Bar=1\n"
	       "[X-Section]\nAnything=goes\n"
	       "[Socket]\nListenStream=80\n"
	       "[Install]\nWantedBy=multi-user.target\nAlias=y.service\nAlso=x.socket\n"
	       "RequiredBy=a.target\nDefaultInstance=one\n", &d);
	assert_int_equal(d.n, 0);
	assert_true(has(d.warns, d.n_warns, "t.service:2: Documentation= is not supported: ignored"));
	assert_true(has(d.warns, d.n_warns, "t.service:7: IPAccounting= is not supported: ignored"));
	assert_true(has(d.warns, d.n_warns, "t.service:8: LogLevelMax= is not supported: ignored"));
	assert_true(has(d.warns, d.n_warns, "t.service:10: MemoryLimit= is not supported"));
	assert_true(has(d.warns, d.n_warns, "t.service:15: ListenStream= is not supported"));
	assert_int_equal(d.n_warns, 5);   /* X-... and compatibility names: silent */
	assert_int_equal(unit_strv_len(s->warnings), 5);
	assert_string_equal(s->warnings[0], "t.service:2: Documentation= is not supported: ignored");
	assert_int_equal(s->start_limit_interval_usec, 5000000);
	assert_int_equal(s->start_limit_burst, 3);
	assert_strv(s->wanted_by, STRV("multi-user.target"));
	assert_strv(s->alias, STRV("y.service"));
	assert_strv(s->also, STRV("x.socket"));
	assert_strv(s->required_by, STRV("a.target"));
	assert_string_equal(s->default_instance, "one");
	unit_spec_free(s);
	unit_diag_free(&d);
	/* a key systemd does not know either: an error */
	bad("[Service]\nExecStart=/x\nExecReloda=/y\n", "t.service:3: ExecReloda=: unknown key");
	bad("[Socket]\nListenStrem=1\n[Service]\nExecStart=/x\n", "ListenStrem=: unknown key");
	bad("[Services]\nExecStart=/x\n", "unknown section [Services]");
	/* a systemd key in the wrong section: still an error */
	bad("[Unit]\nPIDFile=/x\n[Service]\nExecStart=/x\n",
	    "PIDFile=: not allowed in [Unit] (it belongs in [Service])");
}

/* ---------------------------------------------------------------------- */
/* specifiers                                                               */

static struct unit_host host(void)
{
	struct unit_host h;

	memset(&h, 0, sizeof(h));
	strcpy(h.machine_id, "0123456789abcdef0123456789abcdef");
	strcpy(h.boot_id, "fedcba9876543210fedcba9876543210");
	strcpy(h.hostname, "web1.example.com");
	strcpy(h.pretty_hostname, "Web One");
	strcpy(h.kernel_release, "6.18.0");
	strcpy(h.arch, "x86-64");
	strcpy(h.os_id, "debian");
	strcpy(h.os_version_id, "12");
	strcpy(h.os_variant_id, "server");
	strcpy(h.os_build_id, "b1");
	strcpy(h.os_image_id, "img");
	strcpy(h.os_image_version, "1.2");
	strcpy(h.user, "root");
	strcpy(h.group, "root");
	strcpy(h.home, "/root");
	strcpy(h.shell, "/bin/sh");
	strcpy(h.tmp_dir, "/tmp");
	strcpy(h.var_tmp_dir, "/var/tmp");
	return h;
}

static void expect_spec(const char *name, const char *path, const char *in, const char *want)
{
	struct unit_host h = host();
	struct unit_names n = { .name = name, .path = path, .host = &h };
	const char *err = NULL;
	char *out = NULL;
	int r = unit_specifier_expand(&n, in, 4096, &out, &err);

	if (r < 0)
		fail_msg("%s in %s: %d %s", in, name, r, err ? err : "");
	assert_string_equal(out, want);
	free(out);
}

static void test_specifiers(void **state)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "%n", "foo-bar@a-b\\x2dc.service" }, { "%N", "foo-bar@a-b\\x2dc" },
		{ "%p", "foo-bar" }, { "%P", "foo/bar" }, { "%i", "a-b\\x2dc" }, { "%I", "a/b-c" },
		{ "%j", "bar" }, { "%J", "bar" }, { "%f", "/a/b-c" },
		{ "%y", "/lib/systemd/system/foo-bar@.service" }, { "%Y", "/lib/systemd/system" },
		{ "%t", "/run" }, { "%S", "/var/lib" }, { "%C", "/var/cache" }, { "%L", "/var/log" },
		{ "%E", "/etc" }, { "%T", "/tmp" }, { "%V", "/var/tmp" },
		{ "%d", "/run/credentials/foo-bar@a-b\\x2dc.service" },
		{ "%h", "/root" }, { "%u", "root" }, { "%U", "0" }, { "%g", "root" }, { "%G", "0" },
		{ "%s", "/bin/sh" }, { "%H", "web1.example.com" }, { "%l", "web1" },
		{ "%q", "Web One" }, { "%m", "0123456789abcdef0123456789abcdef" },
		{ "%b", "fedcba9876543210fedcba9876543210" }, { "%v", "6.18.0" }, { "%a", "x86-64" },
		{ "%o", "debian" }, { "%w", "12" }, { "%W", "server" }, { "%B", "b1" },
		{ "%M", "img" }, { "%A", "1.2" }, { "%%", "%" }, { "100%", "100%" },
		{ "a%%i-%i.x", "a%i-a-b\\x2dc.x" }, { "no specifier", "no specifier" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_spec("foo-bar@a-b\\x2dc.service", "/lib/systemd/system/foo-bar@.service",
			    t[i].in, t[i].want);
	/* not instantiated: %i empty, %p = %N, %f from the prefix */
	expect_spec("web.service", "/etc/x/web.service", "%i|%I|%p|%N|%f|%j", "||web|web|/web|web");
	expect_spec("dev-sda.service", NULL, "%f %j %J", "/dev/sda sda sda");
	expect_spec("x@-.service", NULL, "%f", "/");
}

static void test_specifier_errors(void **state)
{
	struct unit_host h = host();
	struct unit_names n = { .name = "a.service", .host = &h };
	const char *err = NULL;
	char *out = NULL;

	(void)state;
	assert_int_equal(unit_specifier_expand(&n, "x%z", 100, &out, &err), -EBADSLT);
	assert_string_equal(err, "unknown specifier %z");
	assert_null(out);
	assert_int_equal(unit_specifier_expand(&n, "%H%H%H", 5, &out, &err), -E2BIG);
	/* in a unit: an error naming the line (systemd ignores the line) */
	bad("[Service]\nExecStart=/bin/echo %z\n", "t.service:2: ExecStart=: unknown specifier %z");
}

static void test_specifiers_in_keys(void **state)
{
	struct unit_host h = host();
	struct unit_names n = { .name = "getty@tty1.service", .host = &h };
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s = NULL;
	const char *text =
		"[Unit]\nDescription=Getty on %I (%n)\nAfter=setup@%i.service\n"
		"[Service]\nExecStart=/sbin/agetty -o '-p -- \\\\u' %I $TERM\n"
		"Environment=\"GREETING=hi %i\" HOME=%h\nWorkingDirectory=%t/%p\n"
		"RestartSec=5\nType=simple\n"
		"[Install]\nWantedBy=getty.target\nAlias=tty-%i.service\n";

	(void)state;
	assert_int_equal(unit_parse_new(&n, &s), 0);
	assert_string_equal(s->name, "getty@tty1");
	assert_int_equal(unit_parse_text(s, text, strlen(text), "/lib/getty@.service", &d), 0);
	assert_int_equal(unit_parse_finish(s, &d), 0);
	assert_string_equal(s->description, "Getty on tty1 (getty@tty1.service)");
	assert_strv(s->after, STRV("setup@tty1"));
	assert_strv(s->argv, STRV("/sbin/agetty", "-o", "-p -- \\u", "tty1", "$TERM"));
	assert_strv(s->environment, STRV("GREETING=hi tty1", "HOME=/root"));
	assert_string_equal(s->working_directory, "/run/getty");
	assert_strv(s->alias, STRV("tty-tty1.service"));
	unit_spec_free(s);
	unit_diag_free(&d);
}

/* svcinit --check's report of what expands to nothing (SPEC: "$VAR or %x
 * that expands to nothing") */
static void test_empty_expansions(void **state)
{
	struct unit_host h = host();
	struct unit_names tmpl = { .name = "getty@.service", .host = &h };
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	s = ok("[Service]\nEnvironment=SET=1 \"B=2\"\nPassEnvironment=FROM_SVCINIT\n"
	       "ExecStart=/bin/echo $NOPE ${SET} ${B}x ${OTHER}y $$LIT $MAINPID $FROM_SVCINIT %i\n"
	       "ExecStart=\nExecStart=:/bin/echo $RAW\n", &d);
	/* the ':' command is the one that runs: no $VAR report for it; %i still */
	assert_int_equal(d.n_warns, 1);
	assert_true(has(d.warns, d.n_warns, "t.service:4: ExecStart=: %i expands to nothing"));
	unit_spec_free(s);
	unit_diag_free(&d);

	s = ok("[Service]\nEnvironment=SET=1\n"
	       "ExecStart=/bin/echo $NOPE ${SET} ${OTHER}y $$LIT $MAINPID\n", &d);
	assert_true(has(d.warns, d.n_warns, "t.service:3: ExecStart=: $NOPE expands to nothing"));
	assert_true(has(d.warns, d.n_warns, "t.service:3: ExecStart=: $OTHER expands to nothing"));
	assert_int_equal(d.n_warns, 2);   /* not $SET, $$LIT, $MAINPID */
	assert_true(has(s->warnings, unit_strv_len(s->warnings), "$NOPE expands to nothing"));
	unit_spec_free(s);
	unit_diag_free(&d);

	/* the Exec hooks too, each at its own line */
	s = ok("[Service]\nExecStartPre=/bin/echo $PRE\nExecStart=/bin/true\n"
	       "ExecStopPost=/bin/echo $SERVICE_RESULT $POST\n", &d);
	assert_true(has(d.warns, d.n_warns, "t.service:2: ExecStartPre=: $PRE expands to nothing"));
	assert_true(has(d.warns, d.n_warns, "t.service:4: ExecStopPost=: $POST expands to nothing"));
	assert_int_equal(d.n_warns, 2);   /* not $SERVICE_RESULT */
	unit_spec_free(s);
	unit_diag_free(&d);

	/* an EnvironmentFile= may set anything; a template's %i is its instance */
	s = ok("[Service]\nEnvironmentFile=-/etc/default/t\nExecStart=/bin/echo $OPTS\n", &d);
	assert_int_equal(d.n_warns, 0);
	unit_spec_free(s);
	unit_diag_free(&d);
	assert_int_equal(unit_parse_new(&tmpl, &s), 0);
	assert_int_equal(unit_parse_text(s, "[Service]\nExecStart=/sbin/agetty %I\n", 36,
					 "/lib/getty@.service", &d), 0);
	assert_int_equal(unit_parse_finish(s, &d), 0);
	assert_int_equal(d.n_warns, 0);
	unit_spec_free(s);
	unit_diag_free(&d);
	assert_int_equal(unit_specifier_first_empty(&tmpl, "a %% %n %i"), 'i');
	assert_int_equal(unit_specifier_first_empty(&tmpl, "%%i %n"), 0);
}

/* ---------------------------------------------------------------------- */
/* $VAR expansion                                                           */

static void expand(const char *const *argv, const char *const *envp, const char *const *want)
{
	char **out = NULL;

	assert_int_equal(unit_exec_expand((char *const *)argv, (char *const *)envp, &out), 0);
	assert_strv(out, want);
	unit_strv_free(out);
}

static void test_exec_expand(void **state)
{
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;
	char **out = NULL;

	(void)state;
	/* systemd.service(5), first example:
	 *   Environment="ONE=one" 'TWO=two two'
	 *   ExecStart=echo $ONE $TWO ${TWO}   -> "one" "two" "two" "two two" */
	s = ok("[Service]\nEnvironment=\"ONE=one\" 'TWO=two two'\nExecStart=echo $ONE $TWO ${TWO}\n",
	       &d);
	assert_int_equal(unit_exec_expand(s->argv, s->environment, &out), 0);
	assert_strv(out, STRV("echo", "one", "two", "two", "two two"));
	unit_strv_free(out);
	unit_spec_free(s);
	/* second example:
	 *   Environment=ONE='one' "TWO='two two' too" THREE=
	 *   ExecStart=/bin/echo ${ONE} ${TWO} ${THREE}  -> "'one'" "'two two' too" ""
	 *   ExecStart=/bin/echo $ONE $TWO $THREE        -> "one" "two two" "too"
	 * (our Environment= parser unquotes as systemd's: ONE is "one") */
	s = ok("[Service]\nType=oneshot\nEnvironment=ONE='one' \"TWO='two two' too\" THREE=\n"
	       "ExecStart=/bin/echo ${ONE} ${TWO} ${THREE}\nExecStart=/bin/echo $ONE $TWO $THREE\n",
	       &d);
	assert_strv(s->environment, STRV("ONE=one", "TWO='two two' too", "THREE="));
	assert_int_equal(unit_exec_expand(s->exec_start[0].argv, s->environment, &out), 0);
	assert_strv(out, STRV("/bin/echo", "one", "'two two' too", ""));
	unit_strv_free(out);
	assert_int_equal(unit_exec_expand(s->exec_start[1].argv, s->environment, &out), 0);
	assert_strv(out, STRV("/bin/echo", "one", "two two", "too"));
	unit_strv_free(out);
	unit_spec_free(s);
	unit_diag_free(&d);

	/* $$ is a literal $, unknown variables are empty, $X inside a word stays */
	expand(STRV("/x", "$$", "a$$b", "$$X", "${NOPE}", "$NOPE", "a$X", "${X}y", "${", "${1}"),
	       STRV("X=v w", NULL),
	       STRV("/x", "$", "a$b", "$X", "", "a$X", "v wy", "${", "${1}"));
	/* argv[0] is never expanded; the last assignment of a name wins */
	expand(STRV("$X", "$X"), STRV("X=1", "X=2 3"), STRV("$X", "2", "3"));
	/* relaxed quotes in a $VAR value */
	expand(STRV("/x", "$Q"), STRV("Q=a 'b c"), STRV("/x", "a", "b c"));
}

/* ---------------------------------------------------------------------- */
/* drop-ins                                                                 */

static void test_dropins(void **state)
{
	struct unit_names n = { .name = "web.service" };
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s = NULL;
	const char *main_text = "[Unit]\nDescription=main\nAfter=a\n[Service]\n"
		"ExecStart=/bin/web --old\nEnvironment=A=1\n";
	const char *d1 = "[Service]\nExecStart=\nExecStart=/bin/web --new\nEnvironment=B=2\n";
	const char *d2 = "[Unit]\nDescription=%n from 20\nAfter=b\n[Service]\nRestartSec=x\n"
		"Documentation=no\n";
	const char *d3 = "[Unit]\nDocumentation=man:web(8)\n[Service]\nExecStart=/bin/two\n";

	(void)state;
	assert_int_equal(unit_parse_new(&n, &s), 0);
	assert_int_equal(unit_parse_text(s, main_text, strlen(main_text), "/lib/web.service", &d), 0);
	assert_int_equal(unit_parse_text(s, d1, strlen(d1), "/etc/web.service.d/10-a.conf", &d), 0);
	assert_int_equal(unit_parse_text(s, d2, strlen(d2), "/etc/web.service.d/20-b.conf", &d),
			 -EINVAL);
	assert_int_equal(unit_parse_text(s, d3, strlen(d3), "/run/web.service.d/30-c.conf", &d), 0);
	assert_int_equal(unit_parse_finish(s, &d), -EINVAL);
	/* each message names its own file and line */
	assert_true(has(d.msgs, d.n, "/etc/web.service.d/20-b.conf:5: RestartSec=: invalid time"));
	assert_true(has(d.msgs, d.n, "/etc/web.service.d/20-b.conf:6: Documentation=: unknown key in [Service]"));
	assert_true(has(d.msgs, d.n, "/run/web.service.d/30-c.conf:4: ExecStart=: more than one "
			"command is only allowed with Type=oneshot"));
	assert_true(has(d.warns, d.n_warns, "/run/web.service.d/30-c.conf:2: Documentation= is not"));
	assert_int_equal(d.n, 3);
	/* applied in order onto one spec */
	assert_string_equal(s->path, "/lib/web.service");
	assert_strv(s->sources, STRV("/lib/web.service", "/etc/web.service.d/10-a.conf",
				     "/etc/web.service.d/20-b.conf", "/run/web.service.d/30-c.conf"));
	assert_string_equal(s->description, "web.service from 20");
	assert_strv(s->after, STRV("a", "b"));
	assert_int_equal(s->n_exec_start, 2);
	assert_strv(s->exec_start[0].argv, STRV("/bin/web", "--new"));
	assert_strv(s->environment, STRV("A=1", "B=2"));
	unit_spec_free(s);
	unit_diag_free(&d);

	/* a clean stack loads; a missing drop-in file is an error of its own */
	{
		const char *ok_d = "[Service]\nType=oneshot\nExecStart=/bin/second\n";

		assert_int_equal(unit_parse_new(&n, &s), 0);
		assert_int_equal(unit_parse_text(s, main_text, strlen(main_text), "/m", &d), 0);
		assert_int_equal(unit_parse_text(s, ok_d, strlen(ok_d), "/d.conf", &d), 0);
		assert_int_equal(unit_parse_file(s, "/nonexistent/x.conf", &d), -ENOENT);
		assert_int_equal(unit_parse_finish(s, &d), -EINVAL);
		assert_true(has(d.msgs, d.n, "/nonexistent/x.conf: No such file"));
		unit_spec_free(s);
		unit_diag_free(&d);
		assert_int_equal(unit_parse_new(&n, &s), 0);
		assert_int_equal(unit_parse_text(s, main_text, strlen(main_text), "/m", &d), 0);
		assert_int_equal(unit_parse_text(s, ok_d, strlen(ok_d), "/d.conf", &d), 0);
		assert_int_equal(unit_parse_finish(s, &d), 0);
		assert_int_equal(s->n_exec_start, 2);
		assert_null(s->parse);
		unit_spec_free(s);
		unit_diag_free(&d);
	}
}

static void test_parse_file(void **state)
{
	char dir[] = "/tmp/test_syntax.XXXXXX", path[64];
	struct unit_names n = { .name = "f" };
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f.service", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[Service]\nExecStart=/bin/echo %y\n", f);
	fclose(f);
	assert_int_equal(unit_parse_new(&n, &s), 0);
	assert_int_equal(unit_parse_file(s, path, &d), 0);
	assert_int_equal(unit_parse_finish(s, &d), 0);
	assert_strv(s->argv, STRV("/bin/echo", path));
	assert_strv(s->sources, STRV(path));
	unit_spec_free(s);
	unit_diag_free(&d);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_and_semicolons),
		cmocka_unit_test(test_continuations),
		cmocka_unit_test(test_exec_start_commands),
		cmocka_unit_test(test_last_wins_and_resets),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_exec_hooks_and_prefixes),
		cmocka_unit_test(test_specifiers),
		cmocka_unit_test(test_specifier_errors),
		cmocka_unit_test(test_specifiers_in_keys),
		cmocka_unit_test(test_empty_expansions),
		cmocka_unit_test(test_exec_expand),
		cmocka_unit_test(test_dropins),
		cmocka_unit_test(test_parse_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
