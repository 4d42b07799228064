/* SPDX-License-Identifier: MIT */
/*
 * fuzz_notify: the sd_notify parser, notify_parse(), and the per-unit log
 * ring, logbuf_append() and its walk, logbuf_iter_*().
 *
 * notify_parse() gets the whole input (a datagram, exactly sized) and its
 * result is checked against a reference reading of the same bytes; STATUS=
 * must come out as printable, well-formed UTF-8 of the right length.
 *
 * The log ring: byte 0 picks the ring size (LOGBUF_MIN.. 4 * LOGBUF_MIN),
 * byte 1 the number of records to walk, byte 2 the time to walk from; the
 * rest is split at '\n' into lines appended in order (as output.c does with a
 * unit's output), each with its time and stream. A shadow list of every
 * record given is kept, and the walk is checked against it: exactly the last
 * min(n, records wholly held) records, those from the time on, each with its
 * time, stream and text.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "services/logbuf.h"
#include "services/notify.h"
#include "tests/fuzz/ancillary.h"
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

/* Every record the ring was ever given: where it starts in the byte stream
 * put() wrote, and what it holds. */
struct shadow_rec {
	size_t start;
	int64_t usec;
	char stream;
	const uint8_t *text;
	size_t len;             /* as appended (cut to fit the ring) */
};

struct shadow {
	struct shadow_rec *rec;
	size_t n;
	size_t bytes;           /* == lb.total */
};

static void shadow_append(struct shadow *sh, size_t cap, int64_t usec, char stream,
			  const uint8_t *p, size_t n)
{
	struct shadow_rec *r = &sh->rec[sh->n++];

	if (n + LOGREC_HEAD >= cap) {
		p += n - (cap - 1 - LOGREC_HEAD);
		n = cap - 1 - LOGREC_HEAD;
	}
	*r = (struct shadow_rec){ .start = sh->bytes, .usec = usec, .stream = stream, .text = p,
				  .len = n };
	sh->bytes += LOGREC_HEAD + n + 1;
}

/* The walk over the last n records, since `since`, against the shadow: the
 * records wholly held, the last n of them, those at or after since. */
static void check_tail(const struct logbuf *lb, const struct shadow *sh, size_t n, int64_t since)
{
	static char scratch[LOGREC_TEXT_MAX];
	struct logbuf_iter it;
	struct logrec r;
	size_t first = sh->bytes - lb->len, whole = 0, k;

	for (k = sh->n; k > 0 && sh->rec[k - 1].start >= first; k--)
		whole++;
	k = sh->n - (n < whole ? n : whole);
	logbuf_iter_init(&it, lb, n, since);
	for (; k < sh->n; k++) {
		const struct shadow_rec *want = &sh->rec[k];
		size_t len = want->len < sizeof(scratch) ? want->len : sizeof(scratch);

		if (want->usec < since)
			continue;
		FUZZ_CHECK(logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
		FUZZ_CHECK(r.usec == want->usec && r.stream == want->stream);
		FUZZ_CHECK(r.len == len && memcmp(r.text, want->text, len) == 0);
	}
	FUZZ_CHECK(!logbuf_iter_next(&it, &r, scratch, sizeof(scratch)));
}

/* byte 0: the ring size; byte 1: the records to walk; byte 2: since (which
 * record number on); the rest, split at '\n', appended in order, the n-th
 * at time 1000 * n, on stdout or stderr by its first byte's low bit. */
static void check_logbuf(const uint8_t *data, size_t size)
{
	struct logbuf lb;
	struct shadow sh;
	size_t cap, n;
	int64_t since;

	if (size < 3)
		return;
	cap = LOGBUF_MIN * (1 + data[0] % 4);
	n = data[1] == 0xff ? (size_t)-1 : data[1];
	since = (int64_t)data[2] * 1000;
	data += 3;
	size -= 3;
	FUZZ_CHECK(logbuf_init(&lb, cap) == 0);
	sh.rec = malloc((size + 1) * sizeof(*sh.rec));
	FUZZ_CHECK(sh.rec);
	sh.n = sh.bytes = 0;
	for (size_t i = 0, appended = 0; i <= size;) {
		const uint8_t *p = data + i, *nl = memchr(p, '\n', size - i);
		size_t len = nl ? (size_t)(nl - p) : size - i;
		char stream = len && (p[0] & 1) ? LOGREC_STDERR : LOGREC_STDOUT;
		int64_t usec = (int64_t)(appended + 1) * 1000;

		if (!nl && len == 0 && i > 0)
			break;   /* input ended with '\n': no empty last line */
		logbuf_append(&lb, usec, stream, (const char *)p, len);
		shadow_append(&sh, cap, usec, stream, p, len);
		FUZZ_CHECK(lb.len <= lb.cap && lb.head < lb.cap);
		FUZZ_CHECK(lb.total == sh.bytes);
		FUZZ_CHECK(lb.len == (sh.bytes < cap ? sh.bytes : cap));
		i += len + 1;
		appended++;
		if ((appended & (appended - 1)) == 0)   /* mid-stream: after 1, 2, 4, 8... lines */
			check_tail(&lb, &sh, n, since);
	}
	check_tail(&lb, &sh, n, since);
	check_tail(&lb, &sh, 1, 0);
	check_tail(&lb, &sh, (size_t)-1, 0);
	free(sh.rec);
	logbuf_free(&lb);
}

/* ---- a real datagram socket, with ancillary data --------------------- */

/* As notify_cb reads: notify_recv() on a datagram socketpair, byte 0
 * choosing descriptors and credentials (ancillary.h); what comes must be
 * the message, with the sender's credentials, and no descriptor stays. */
static void check_notify_socket(const uint8_t *data, size_t size)
{
	struct fuzz_anc a;
	char buf[NOTIFY_MSG_MAX];
	struct ucred cr;
	ssize_t n;

	if (size == 0 || fuzz_anc_begin(&a, SOCK_DGRAM, data[0], data + 1, size - 1) < 0)
		return;
	while ((n = notify_recv(a.rx, buf, sizeof(buf), &cr)) != -EAGAIN) {
		if (n == -EMSGSIZE) {
			FUZZ_CHECK(size - 1 >= sizeof(buf));
			continue;
		}
		FUZZ_CHECK(n >= 0);
		FUZZ_CHECK(cr.pid == getpid());
		FUZZ_CHECK((size_t)n <= size - 1 && buf[n] == '\0');
		(void)notify_parse(buf, (size_t)n, &(struct notify_msg){ 0 });
	}
	fuzz_anc_end(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_notify(data, size);
	check_logbuf(data, size);
	check_notify_socket(data, size);
	return 0;
}
