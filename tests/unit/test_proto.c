/* SPDX-License-Identifier: MIT */
/* The pure decoders: control requests, sd_notify messages, the log ring. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "init/proto.h"
#include "services/logbuf.h"
#include "services/notify.h"

static int split(const char *text, char **args, size_t max, char *buf)
{
	size_t len = strlen(text);

	memcpy(buf, text, len + 1);
	return proto_split(buf, len, args, max);
}

static void test_split_words(void **state)
{
	char buf[PROTO_REQ_MAX], *a[8];

	assert_int_equal(split("status --json web db", a, 8, buf), 4);
	assert_string_equal(a[0], "status");
	assert_string_equal(a[1], "--json");
	assert_string_equal(a[3], "db");
	/* runs of spaces and leading/trailing spaces make no empty words */
	assert_int_equal(split("  logs   -n 5 web  ", a, 8, buf), 4);
	assert_string_equal(a[0], "logs");
	assert_string_equal(a[3], "web");
	assert_int_equal(split("x", a, 8, buf), 1);
}

static void test_split_rejects(void **state)
{
	char buf[PROTO_REQ_MAX], *a[4];
	char nul[] = "stat\0us";

	assert_int_equal(split("", a, 4, buf), -ENODATA);
	assert_int_equal(split("    ", a, 4, buf), -ENODATA);
	assert_int_equal(split("status\tweb", a, 4, buf), -EINVAL);
	assert_int_equal(split("status \x80web", a, 4, buf), -EINVAL);
	assert_int_equal(split("a b c d e", a, 4, buf), -E2BIG);
	assert_int_equal(split("a b c d", a, 4, buf), 4);
	assert_int_equal(proto_split(nul, sizeof(nul) - 1, a, 4), -EINVAL);
}

static void test_notify_parse(void **state)
{
	struct notify_msg m;
	const char *msg = "READY=1\nSTATUS=serving 3 clients\nMAINPID=42\nWATCHDOG=1\n";

	assert_int_equal(notify_parse(msg, strlen(msg), &m), 0);
	assert_true(m.ready);
	assert_true(m.have_status);
	assert_string_equal(m.status, "serving 3 clients");
	assert_true(m.have_mainpid);
	assert_int_equal(m.mainpid, 42);
	assert_int_equal(m.ignored, 1);
	assert_false(m.stopping);

	msg = "READY=0\nSTOPPING=1";
	assert_int_equal(notify_parse(msg, strlen(msg), &m), 0);
	assert_false(m.ready);
	assert_true(m.stopping);
}

static void test_notify_parse_hostile(void **state)
{
	struct notify_msg m;
	char big[NOTIFY_MSG_MAX];
	const char *bad_pid[] = { "MAINPID=0", "MAINPID=-5", "MAINPID=12x", "MAINPID=",
				  "MAINPID=99999999999999999999" };

	assert_int_equal(notify_parse("READY=1\0X=1", 11, &m), -EINVAL);
	assert_int_equal(notify_parse("", 0, &m), -EINVAL);
	assert_int_equal(notify_parse("\n\n", 2, &m), -EINVAL);
	assert_int_equal(notify_parse("garbage", 7, &m), 0);   /* ignored, counted */
	assert_int_equal(m.ignored, 1);
	assert_false(m.ready);
	for (size_t i = 0; i < sizeof(bad_pid) / sizeof(bad_pid[0]); i++) {
		assert_int_equal(notify_parse(bad_pid[i], strlen(bad_pid[i]), &m), 0);
		assert_false(m.have_mainpid);
	}
	/* an overlong STATUS= is cut, control characters are blanked */
	memset(big, 'a', sizeof(big));
	memcpy(big, "STATUS=", 7);
	big[10] = '\t';
	assert_int_equal(notify_parse(big, sizeof(big), &m), 0);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX - 1);
	assert_int_equal(m.status[3], ' ');
	/* not UTF-8: replaced, so status JSON stays valid for everyone */
	assert_int_equal(notify_parse("STATUS=\xff ok \xc3\xa9", 14, &m), 0);
	assert_string_equal(m.status, "? ok \xc3\xa9");
}

struct collect {
	char buf[8192];
	size_t len;
	int pieces;
};

static void collect(void *ctx, const char *p, size_t len)
{
	struct collect *c = ctx;

	assert_true(c->len + len < sizeof(c->buf));
	memcpy(c->buf + c->len, p, len);
	c->len += len;
	c->buf[c->len] = '\0';
	c->pieces++;
}

static void test_logbuf_tail(void **state)
{
	struct logbuf lb;
	struct collect c = { .len = 0 };

	assert_int_equal(logbuf_init(&lb, 4096), 0);
	logbuf_append(&lb, "one", 3);
	logbuf_append(&lb, "two", 3);
	logbuf_append(&lb, "", 0);
	logbuf_append(&lb, "four", 4);
	logbuf_tail(&lb, 2, collect, &c);
	assert_string_equal(c.buf, "\nfour\n");
	c.len = 0;
	logbuf_tail(&lb, 100, collect, &c);
	assert_string_equal(c.buf, "one\ntwo\n\nfour\n");
	c.len = 0;
	logbuf_tail(&lb, 0, collect, &c);
	assert_int_equal(c.len, 0);
	logbuf_free(&lb);
	assert_int_equal(logbuf_init(&lb, 10), -EINVAL);
}

static void test_logbuf_wraps(void **state)
{
	struct logbuf lb;
	struct collect c = { .len = 0 };
	char line[32];

	assert_int_equal(logbuf_init(&lb, 1024), 0);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "line %04d", i);
		logbuf_append(&lb, line, (size_t)n);
	}
	/* bounded: the oldest lines are gone, the newest whole */
	assert_int_equal(lb.len, 1024);
	logbuf_tail(&lb, 3, collect, &c);
	assert_string_equal(c.buf, "line 0997\nline 0998\nline 0999\n");
	/* everything still held starts at a whole line */
	c.len = 0;
	c.pieces = 0;
	logbuf_tail(&lb, 100000, collect, &c);
	assert_true(strncmp(c.buf, "line ", 5) == 0);
	assert_true(c.len <= 1024);
	assert_true(c.len >= 1024 - 10);
	assert_string_equal(c.buf + c.len - 10, "line 0999\n");
	logbuf_free(&lb);
}

static void test_logbuf_wrap_on_a_line_boundary(void **state)
{
	struct logbuf lb;
	struct collect c = { .len = 0 };
	char line[32];

	/* 16-byte lines in a 1024-byte ring: the overwrite ends exactly at a
	 * line end, so the oldest line held is whole and must be shown */
	assert_int_equal(logbuf_init(&lb, 1024), 0);
	for (int i = 0; i < 65; i++) {
		int n = snprintf(line, sizeof(line), "line %010d", i);
		logbuf_append(&lb, line, (size_t)n);
	}
	logbuf_tail(&lb, 1000, collect, &c);
	assert_int_equal(c.len, 1024);
	assert_true(strncmp(c.buf, "line 0000000001\n", 16) == 0);
	logbuf_free(&lb);
}

static void test_logbuf_huge_line(void **state)
{
	struct logbuf lb;
	struct collect c = { .len = 0 };
	char big[3000];

	assert_int_equal(logbuf_init(&lb, 1024), 0);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 'E';
	logbuf_append(&lb, big, sizeof(big));
	logbuf_tail(&lb, 1, collect, &c);
	assert_int_equal(c.len, 1024);
	assert_int_equal(c.buf[1022], 'E');
	assert_int_equal(c.buf[1023], '\n');
	logbuf_free(&lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words),
		cmocka_unit_test(test_split_rejects),
		cmocka_unit_test(test_notify_parse),
		cmocka_unit_test(test_notify_parse_hostile),
		cmocka_unit_test(test_logbuf_tail),
		cmocka_unit_test(test_logbuf_wraps),
		cmocka_unit_test(test_logbuf_wrap_on_a_line_boundary),
		cmocka_unit_test(test_logbuf_huge_line),
	};

	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
