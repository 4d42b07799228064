/* SPDX-License-Identifier: MIT */
/*
 * test_trigger.c: .socket and .timer units as units/trigger.c parses them
 * (every listener kind, defaults, resets, errors with FILE:LINE, the
 * service a socket or timer starts), and sd_listen_fds(3)'s environment.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "units/trigger.h"
#include "units/unit.h"

static struct unit_spec *load(const char *name, const char *text, struct unit_diag *d)
{
	struct unit_spec *s = NULL;

	memset(d, 0, sizeof(*d));
	(void)unit_load_string(text, strlen(text), name, name, d, &s);
	return s;
}

static bool has_msg(const struct unit_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], needle))
			return true;
	for (size_t i = 0; i < d->n_warns; i++)
		if (strstr(d->warns[i], needle))
			return true;
	return false;
}

static void test_socket_keys(void **state)
{
	struct unit_diag d;
	struct unit_spec *s = load("web.socket",
		"[Unit]\nDescription=web\n[Socket]\n"
		"ListenStream=8080\nListenStream=127.0.0.1:80\nListenStream=[::1]:443\n"
		"ListenStream=/run/%p.sock\nListenDatagram=@logs\nListenSequentialPacket=/run/sp\n"
		"ListenFIFO=/run/web.fifo\nSocketMode=0600\nDirectoryMode=0700\nSocketUser=nobody\n"
		"SocketGroup=nogroup\nBacklog=16\nReusePort=yes\nFreeBind=true\n"
		"FileDescriptorName=http\nService=other.service\nX-Foo=bar\n", &d);
	const struct trig_socket *t;
	char target[128];

	assert_non_null(s);
	assert_int_equal(d.n, 0);
	assert_string_equal(s->name, "web.socket");
	assert_non_null(s->trigger);
	assert_int_equal(s->trigger->kind, TRIG_SOCKET);
	t = &s->trigger->sock;
	assert_int_equal(t->n_listen, 7);
	assert_string_equal(t->listen[0].addr, "8080");
	assert_string_equal(t->listen[3].addr, "/run/web.sock");   /* %p expanded */
	assert_int_equal(t->listen[4].kind, TRIG_LISTEN_DATAGRAM);
	assert_int_equal(t->listen[5].kind, TRIG_LISTEN_SEQPACKET);
	assert_int_equal(t->listen[6].kind, TRIG_LISTEN_FIFO);
	assert_int_equal(t->socket_mode, 0600);
	assert_int_equal(t->directory_mode, 0700);
	assert_string_equal(t->socket_user, "nobody");
	assert_int_equal(t->backlog, 16);
	assert_true(t->reuse_port && t->free_bind && !t->accept);
	assert_string_equal(t->fdname, "http");
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "other.service");
	unit_spec_free(s);
	unit_diag_free(&d);
}

/* Specifiers in Service= and Unit= (mariadb-extra@.socket has
 * Service=mariadb@%i.service): expanded for the instance. */
static void test_specifiers_in_the_target(void **state)
{
	struct unit_diag d;
	struct unit_spec *s = load("db-extra@blue.socket",
		"[Socket]\nListenStream=/run/%i.sock\nService=db@%i.service\n", &d);
	char target[128];

	(void)state;
	assert_non_null(s);
	assert_int_equal(d.n, 0);
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "db@blue.service");
	unit_spec_free(s);
	unit_diag_free(&d);
	s = load("rot@weekly.timer", "[Timer]\nOnCalendar=weekly\nUnit=rotate-%i.service\n", &d);
	assert_non_null(s);
	assert_int_equal(d.n, 0);
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "rotate-weekly.service");
	unit_spec_free(s);
	unit_diag_free(&d);
	s = load("x.socket", "[Socket]\nListenStream=80\nService=%Z.service\n", &d);
	assert_null(s);
	assert_true(has_msg(&d, "Service=:"));
	unit_diag_free(&d);
}

static void test_socket_defaults_and_reset(void **state)
{
	struct unit_diag d;
	struct unit_spec *s = load("echo.socket",
		"[Socket]\nListenStream=1\nListenStream=\nListenStream=2\nAccept=yes\n", &d);
	char target[128];

	assert_non_null(s);
	assert_int_equal(s->trigger->sock.n_listen, 1);
	assert_string_equal(s->trigger->sock.listen[0].addr, "2");
	assert_int_equal(s->trigger->sock.socket_mode, 0666);
	assert_int_equal(s->trigger->sock.directory_mode, 0755);
	assert_int_equal(s->trigger->sock.backlog, SOMAXCONN);
	assert_int_equal(s->trigger->sock.max_connections, 64);
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "echo@.service");   /* Accept=yes: the template */
	unit_spec_free(s);
	unit_diag_free(&d);
	s = load("plain.socket", "[Socket]\nListenStream=/run/p\n", &d);
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "plain.service");
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_socket_errors(void **state)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "[Socket]\nListenStream=0\n", "t.socket:2: ListenStream=: expected a path" },
		{ "[Socket]\nListenStream=65536\n", "ListenStream=: expected a path" },
		{ "[Socket]\nListenStream=300.1.1.1:80\n", "invalid IPv4 address" },
		{ "[Socket]\nListenStream=[zz]:80\n", "invalid IPv6 address" },
		{ "[Socket]\nListenStream=[::1]80\n", "expected [ADDRESS]:PORT" },
		{ "[Socket]\nListenFIFO=relative\n", "a FIFO needs an absolute path" },
		{ "[Socket]\nListenStream=@\n", "abstract name empty" },
		{ "[Socket]\nListenStream=80\nSocketMode=888\n", "SocketMode=: expected an octal mode" },
		{ "[Socket]\nListenStream=80\nMaxConnections=0\n", "MaxConnections=: expected a number from 1" },
		{ "[Socket]\nListenStream=80\nService=x.timer\n", "Service=: expected NAME.service" },
		{ "[Socket]\nListenStream=80\nFileDescriptorName=a:b\n", "no ':'" },
		{ "[Socket]\nListenStream=80\nBogus=1\n", "t.socket:3: Bogus=: unknown key in [Socket]" },
		{ "[Socket]\n", "t.socket:0: [Socket]: no ListenStream=" },
		{ "[Socket]\nListenStream=80\nAccept=yes\nService=a.service\n", "Service= cannot be used" },
		{ "[Socket]\nListenFIFO=/run/f\nAccept=yes\n", "Accept=yes needs stream" },
		{ "[Timer]\nOnActiveSec=1s\n", "[Socket]: no ListenStream=" },   /* [Timer] is no socket's */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct unit_diag d;
		struct unit_spec *s = load("t.socket", bad[i].text, &d);

		if (s || !has_msg(&d, bad[i].msg))
			fail_msg("%s: want \"%s\", got %s", bad[i].text, bad[i].msg,
				 d.n ? d.msgs[0] : "no error");
		unit_diag_free(&d);
	}
}

static void test_socket_systemd_keys_warn(void **state)
{
	struct unit_diag d;
	struct unit_spec *s = load("t.socket",
		"[Socket]\nListenStream=80\nExecStartPre=/bin/true\nBindIPv6Only=both\n", &d);

	assert_non_null(s);
	assert_int_equal(d.n, 0);
	assert_true(has_msg(&d, "t.socket:3: ExecStartPre= is not supported: ignored"));
	assert_true(has_msg(&d, "t.socket:4: BindIPv6Only= is not supported: ignored"));
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_timer_keys(void **state)
{
	struct unit_diag d;
	struct unit_spec *s = load("backup.timer",
		"[Timer]\nOnCalendar=daily\nOnCalendar=Mon *-*-* 12:00\nOnBootSec=15min\n"
		"OnUnitActiveSec=1h 30min\nAccuracySec=1s\nRandomizedDelaySec=5min\n"
		"Persistent=yes\nUnit=job.service\n", &d);
	const struct trig_timer *t;
	char target[128];

	assert_non_null(s);
	assert_int_equal(d.n, 0);
	t = &s->trigger->timer;
	assert_int_equal(t->n_cal, 2);
	assert_string_equal(t->cal_src[1], "Mon *-*-* 12:00");
	assert_int_equal(t->n_mono, 2);
	assert_int_equal(t->mono[0].base, TRIG_ON_BOOT);
	assert_int_equal(t->mono[0].usec, 15 * 60 * 1000000ULL);
	assert_int_equal(t->mono[1].base, TRIG_ON_UNIT_ACTIVE);
	assert_int_equal(t->mono[1].usec, 90 * 60 * 1000000ULL);
	assert_int_equal(t->accuracy_usec, 1000000);
	assert_int_equal(t->randomized_delay_usec, 300 * 1000000ULL);
	assert_true(t->persistent && t->remain_after_elapse);
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "job.service");
	unit_spec_free(s);
	unit_diag_free(&d);

	s = load("t.timer", "[Timer]\nOnCalendar=daily\nOnCalendar=\nOnActiveSec=5\n"
		 "WakeSystem=yes\n", &d);
	assert_non_null(s);
	assert_int_equal(s->trigger->timer.n_cal, 0);
	assert_int_equal(s->trigger->timer.accuracy_usec, 60 * 1000000ULL);
	assert_true(has_msg(&d, "t.timer:5: WakeSystem=yes is not supported"));
	trigger_target(s->trigger, s->name, target, sizeof(target));
	assert_string_equal(target, "t.service");
	unit_spec_free(s);
	unit_diag_free(&d);
}

static void test_timer_errors(void **state)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "[Timer]\nOnCalendar=Mon..Fun\n", "t.timer:2: OnCalendar=: invalid calendar event" },
		{ "[Timer]\nOnActiveSec=never\n", "OnActiveSec=: expected a time span" },
		{ "[Timer]\nOnActiveSec=infinity\n", "OnActiveSec=: expected a time span" },
		{ "[Timer]\nOnActiveSec=1s\nUnit=a.socket\n", "Unit=: expected NAME.service" },
		{ "[Timer]\nOnActiveSec=1s\nPersistent=sometimes\n", "Persistent=: expected a boolean" },
		{ "[Timer]\nAccuracySec=1s\n", "t.timer:0: [Timer]: no OnCalendar=" },
		{ "[Service]\nExecStart=/bin/true\n", "[Timer]: no OnCalendar=" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct unit_diag d;
		struct unit_spec *s = load("t.timer", bad[i].text, &d);

		if (s || !has_msg(&d, bad[i].msg))
			fail_msg("%s: want \"%s\", got %s", bad[i].text, bad[i].msg,
				 d.n ? d.msgs[0] : "no error");
		unit_diag_free(&d);
	}
}

static void test_equal(void **state)
{
	struct unit_diag d;
	struct unit_spec *a = load("t.timer", "[Timer]\nOnCalendar=daily\n", &d);
	struct unit_spec *b, *c;

	unit_diag_free(&d);
	b = load("t.timer", "[Timer]\nOnCalendar=daily\n", &d);
	unit_diag_free(&d);
	c = load("t.timer", "[Timer]\nOnCalendar=weekly\n", &d);
	unit_diag_free(&d);
	assert_true(unit_spec_equal(a, b));
	assert_false(unit_spec_equal(a, c));
	unit_spec_free(a);
	unit_spec_free(b);
	unit_spec_free(c);
}

static void test_listen_env(void **state)
{
	char *names[] = { "web.socket", "web.socket", "http", NULL };
	char *fds = NULL, *nm = NULL;
	char pid[] = TRIGGER_LISTEN_PID_PLACEHOLDER;

	assert_int_equal(trigger_listen_env(names, 3, &fds, &nm), 0);
	assert_string_equal(fds, "LISTEN_FDS=3");
	assert_string_equal(nm, "LISTEN_FDNAMES=web.socket:web.socket:http");
	free(fds);
	free(nm);
	assert_int_equal(trigger_listen_env(names, 1, &fds, &nm), 0);
	assert_string_equal(fds, "LISTEN_FDS=1");
	assert_string_equal(nm, "LISTEN_FDNAMES=web.socket");
	free(fds);
	free(nm);
	{
		char *bad[] = { "a:b", NULL };

		assert_int_equal(trigger_listen_env(bad, 1, &fds, &nm), -EINVAL);
		assert_null(fds);
		assert_int_equal(trigger_listen_env(names, 0, &fds, &nm), -EINVAL);
	}
	trigger_listen_pid_fill(pid, 2);
	assert_string_equal(pid, "LISTEN_PID=2");
	memcpy(pid, TRIGGER_LISTEN_PID_PLACEHOLDER, sizeof(pid));
	trigger_listen_pid_fill(pid, 4194304);
	assert_string_equal(pid, "LISTEN_PID=4194304");
	memcpy(pid, TRIGGER_LISTEN_PID_PLACEHOLDER, sizeof(pid));
	trigger_listen_pid_fill(pid, 1);
	assert_string_equal(pid, "LISTEN_PID=1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_keys),
		cmocka_unit_test(test_specifiers_in_the_target),
		cmocka_unit_test(test_socket_defaults_and_reset),
		cmocka_unit_test(test_socket_errors),
		cmocka_unit_test(test_socket_systemd_keys_warn),
		cmocka_unit_test(test_timer_keys),
		cmocka_unit_test(test_timer_errors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_listen_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
