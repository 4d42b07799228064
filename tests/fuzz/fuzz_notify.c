/* SPDX-License-Identifier: MIT */
/*
 * fuzz_notify: the sd_notify parser, notify_parse(), and the per-unit log
 * ring, logbuf_append()/logbuf_tail().
 *
 * notify_parse() gets the whole input (a datagram, exactly sized) and its
 * result is checked against a reference reading of the same bytes; STATUS=
 * must come out as printable, well-formed UTF-8 of the right length.
 *
 * The log ring: byte 0 picks the ring size (LOGBUF_MIN.. 4 * LOGBUF_MIN) and
 * byte 1 the number of lines to tail; the rest is split at '\n' into lines
 * appended in order (as svc.c does with a unit's output). A shadow copy of
 * every byte the ring was given is kept, and the tail is checked against it:
 * at most cap bytes, in at most two pieces, ending in '\n', a suffix of what
 * was written starting at a line boundary, and holding min(n, whole lines
 * still in the ring) lines.
 *
 * Known deviation, tolerated unless built with -DFUZZ_LOGBUF_STRICT: when
 * fewer than n lines are held, the ring has wrapped, and its oldest byte
 * happens to begin a line, logbuf_tail() drops that (whole) line as if it
 * were a partly overwritten one. See tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "services/logbuf.h"
#include "services/notify.h"
#include "tests/fuzz/fuzz.h"
#include "units/unit.h"

/* ---- sd_notify ------------------------------------------------------- */

static bool line_is(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

static bool line_has_prefix(const uint8_t *p, size_t n, const char *s)
{
	return n >= strlen(s) && memcmp(p, s, strlen(s)) == 0;
}

static void check_notify(const uint8_t *data, size_t size)
{
	struct notify_msg m;
	bool ready = false, stopping = false, status = false, any = false;
	size_t status_len = 0;
	int r;

	r = notify_parse((const char *)data, size, &m);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (memchr(data, '\0', size)) {
		FUZZ_CHECK(r == -EINVAL);
		return;
	}
	for (size_t i = 0; i < size;) {
		const uint8_t *p = data + i, *nl = memchr(p, '\n', size - i);
		size_t n = nl ? (size_t)(nl - p) : size - i;

		i += n + 1;
		if (n == 0)
			continue;
		any = true;
		if (line_has_prefix(p, n, "READY="))
			ready = line_is(p, n, "READY=1");
		else if (line_has_prefix(p, n, "STOPPING="))
			stopping = line_is(p, n, "STOPPING=1");
		else if (line_has_prefix(p, n, "STATUS=")) {
			status = true;
			status_len = n - 7;
		}
	}
	FUZZ_CHECK(r == (any ? 0 : -EINVAL));
	if (r < 0)
		return;
	FUZZ_CHECK(m.ready == ready && m.stopping == stopping && m.have_status == status);
	if (status) {
		size_t k = strnlen(m.status, sizeof(m.status));

		FUZZ_CHECK(k < sizeof(m.status));
		FUZZ_CHECK(k == (status_len < sizeof(m.status) - 1 ? status_len
								   : sizeof(m.status) - 1));
		for (size_t i = 0; i < k; i++)
			FUZZ_CHECK((unsigned char)m.status[i] >= 0x20 && m.status[i] != 0x7f);
		/* it goes into JSON status as it is: well-formed UTF-8 */
		FUZZ_CHECK(unit_utf8_span(m.status, k) == k);
	}
	if (m.have_mainpid)
		FUZZ_CHECK(m.mainpid > 0 && m.mainpid <= 4194304);
}

/* ---- the log ring ---------------------------------------------------- */

struct sink {
	char *buf;
	size_t len, cap;
	int pieces;
};

static void collect(void *ctx, const char *p, size_t len)
{
	struct sink *s = ctx;

	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(s->len + len <= s->cap);
	memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->pieces++;
}

/* Everything the ring was ever given, as put() gives it. */
struct shadow {
	char *buf;
	size_t len;
};

static void shadow_append(struct shadow *sh, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap) {
		p += n - (cap - 1);
		n = cap - 1;
	}
	memcpy(sh->buf + sh->len, p, n);
	sh->len += n;
	sh->buf[sh->len++] = '\n';
}

static void check_tail(const struct logbuf *lb, const struct shadow *sh, size_t n)
{
	struct sink out = { .len = 0 };
	size_t held = lb->len, first = sh->len - held, lines = 0, want = 0, start;
	bool aligned_drop;

	out.cap = lb->cap;
	out.buf = malloc(out.cap);
	FUZZ_CHECK(out.buf);
	logbuf_tail(lb, n, collect, &out);
	FUZZ_CHECK(out.pieces <= 2);
	FUZZ_CHECK(out.len <= lb->cap);
	if (n == 0 || held == 0) {
		FUZZ_CHECK(out.len == 0);
		goto done;
	}
	/* the whole lines held: those starting at or after `first` */
	for (size_t p = first; p < sh->len; p++)
		if (p == 0 || sh->buf[p - 1] == '\n')
			lines++;
	want = n < lines ? n : lines;
	/* expected: the last `want` lines of the shadow */
	start = sh->len;
	for (size_t k = 0; k < want; k++) {
		start--;   /* onto the '\n' ending the line */
		while (start > first && sh->buf[start - 1] != '\n')
			start--;
	}
	/* what logbuf_tail does when the oldest held byte begins a line */
	aligned_drop = want == lines && first > 0 && sh->buf[first - 1] == '\n';
#ifndef FUZZ_LOGBUF_STRICT
	if (aligned_drop && out.len < sh->len - start) {
		/* tolerated: exactly that oldest line is missing */
		size_t l = 0;

		while (sh->buf[first + l] != '\n')
			l++;
		start = first + l + 1;
	}
#else
	(void)aligned_drop;
#endif
	FUZZ_CHECK(out.len == sh->len - start);
	if (out.len) {
		FUZZ_CHECK(out.buf[out.len - 1] == '\n');
		FUZZ_CHECK(memcmp(out.buf, sh->buf + start, out.len) == 0);
	}
done:
	free(out.buf);
}

static void check_logbuf(const uint8_t *data, size_t size)
{
	struct logbuf lb;
	struct shadow sh;
	size_t cap, n;

	if (size < 2)
		return;
	cap = LOGBUF_MIN * (1 + data[0] % 4);
	n = data[1] == 0xff ? (size_t)-1 : data[1];
	data += 2;
	size -= 2;
	FUZZ_CHECK(logbuf_init(&lb, cap) == 0);
	sh.buf = malloc(2 * size + 2);   /* every byte, plus a newline per line */
	FUZZ_CHECK(sh.buf);
	sh.len = 0;
	for (size_t i = 0, appended = 0; i <= size;) {
		const uint8_t *p = data + i, *nl = memchr(p, '\n', size - i);
		size_t len = nl ? (size_t)(nl - p) : size - i;
		uint64_t before = lb.total;

		if (!nl && len == 0 && i > 0)
			break;   /* input ended with '\n': no empty last line */
		logbuf_append(&lb, (const char *)p, len);
		shadow_append(&sh, cap, p, len);
		FUZZ_CHECK(lb.len <= lb.cap && lb.head < lb.cap);
		FUZZ_CHECK(lb.total == before + (len < cap ? len : cap - 1) + 1);
		FUZZ_CHECK(lb.total == sh.len);
		FUZZ_CHECK(lb.len == (sh.len < cap ? sh.len : cap));
		i += len + 1;
		appended++;
		if ((appended & (appended - 1)) == 0)   /* mid-stream: after 1, 2, 4, 8... lines */
			check_tail(&lb, &sh, n);
	}
	check_tail(&lb, &sh, n);
	check_tail(&lb, &sh, 1);
	check_tail(&lb, &sh, (size_t)-1);
	free(sh.buf);
	logbuf_free(&lb);
	logbuf_tail(&lb, 10, collect, NULL);   /* freed: a no-op */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_notify(data, size);
	check_logbuf(data, size);
	return 0;
}
