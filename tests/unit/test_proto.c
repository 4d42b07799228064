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
	assert_true(m.watchdog);   /* understood now (WatchdogSec=) */
	assert_int_equal(m.ignored, 0);
	assert_false(m.stopping);

	msg = "WATCHDOG=trigger\nEXTEND_TIMEOUT_USEC=5000000\nWATCHDOG=2\nEXTEND_TIMEOUT_USEC=x";
	assert_int_equal(notify_parse(msg, strlen(msg), &m), 0);
	assert_true(m.watchdog_trigger);
	assert_true(m.have_extend);
	assert_int_equal(m.extend_usec, 5000000);
	assert_int_equal(m.ignored, 2);

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
	int records;
};

/* The walk over the last n records since `since`, each as "TEXT\n". */
static void walk(const struct logbuf *lb, size_t n, int64_t since, struct collect *c)
{
	static char scratch[LOGREC_TEXT_MAX];
	struct logbuf_iter it;
	struct logrec r;

	c->len = 0;
	c->records = 0;
	c->buf[0] = '\0';
	logbuf_iter_init(&it, lb, n, since);
	while (logbuf_iter_next(&it, &r, scratch, sizeof(scratch))) {
		assert_true(c->len + r.len + 1 < sizeof(c->buf));
		memcpy(c->buf + c->len, r.text, r.len);
		c->len += r.len;
		c->buf[c->len++] = '\n';
		c->buf[c->len] = '\0';
		c->records++;
	}
}

static void test_logbuf_tail(void **state)
{
	static char scratch[LOGREC_TEXT_MAX];
	struct logbuf lb;
	struct collect c = { .len = 0 };
	struct logbuf_iter it;
	struct logrec r;
	int64_t usec;

	assert_int_equal(logbuf_init(&lb, 4096), 0);
	logbuf_append(&lb, 1000, LOGREC_STDOUT, "one", 3);
	logbuf_append(&lb, 2000, LOGREC_STDERR, "two", 3);
	logbuf_append(&lb, 3000, LOGREC_STDOUT, "", 0);
	logbuf_append(&lb, 4000, LOGREC_MARK, "four", 4);
	walk(&lb, 2, 0, &c);
	assert_string_equal(c.buf, "\nfour\n");
	walk(&lb, 100, 0, &c);
	assert_string_equal(c.buf, "one\ntwo\n\nfour\n");
	walk(&lb, 0, 0, &c);
	assert_int_equal(c.records, 0);
	/* since: the last 3, of which those from 2500 on */
	walk(&lb, 3, 2500, &c);
	assert_string_equal(c.buf, "\nfour\n");
	walk(&lb, 100, 4001, &c);
	assert_int_equal(c.records, 0);
	/* each record keeps its time and stream */
	logbuf_iter_init(&it, &lb, 100, 0);
	assert_true(logbuf_iter_peek(&it, &usec));
	assert_int_equal(usec, 1000);
	assert_true(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
	assert_int_equal(r.usec, 1000);
	assert_int_equal(r.stream, LOGREC_STDOUT);
	assert_true(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
	assert_int_equal(r.usec, 2000);
	assert_int_equal(r.stream, LOGREC_STDERR);
	assert_true(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
	assert_true(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
	assert_int_equal(r.stream, LOGREC_MARK);
	assert_false(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
	assert_false(logbuf_iter_peek(&it, &usec));
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
		logbuf_append(&lb, 1000 + i, LOGREC_STDOUT, line, (size_t)n);
	}
	/* bounded: the oldest records are gone, the newest whole */
	assert_int_equal(lb.len, 1024);
	walk(&lb, 3, 0, &c);
	assert_string_equal(c.buf, "line 0997\nline 0998\nline 0999\n");
	/* everything still held starts at a whole record: 1024 / 27 bytes */
	walk(&lb, 100000, 0, &c);
	assert_true(strncmp(c.buf, "line ", 5) == 0);
	assert_int_equal(c.records, 1024 / (LOGREC_HEAD + 10));
	assert_string_equal(c.buf + c.len - 10, "line 0999\n");
	logbuf_free(&lb);
}

static void test_logbuf_wrap_on_a_line_boundary(void **state)
{
	struct logbuf lb;
	struct collect c = { .len = 0 };
	char line[32];

	/* 32-byte records (17 + 14 + 1) in a 1024-byte ring: the overwrite ends
	 * exactly at a record's end, so the oldest record held is whole and
	 * must be shown */
	assert_int_equal(logbuf_init(&lb, 1024), 0);
	for (int i = 0; i < 33; i++) {
		int n = snprintf(line, sizeof(line), "line %09d", i);
		logbuf_append(&lb, 1000 + i, LOGREC_STDOUT, line, (size_t)n);
	}
	walk(&lb, 1000, 0, &c);
	assert_int_equal(c.records, 32);
	assert_true(strncmp(c.buf, "line 000000001\n", 15) == 0);
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
	logbuf_append(&lb, 5, LOGREC_STDOUT, big, sizeof(big));
	walk(&lb, 1, 0, &c);
	assert_int_equal(c.records, 1);
	assert_int_equal(c.len, 1024 - LOGREC_HEAD);
	assert_int_equal(c.buf[c.len - 2], 'E');
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
