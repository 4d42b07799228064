/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "services/logbuf.h"

int logbuf_init(struct logbuf *lb, size_t cap)
{
	memset(lb, 0, sizeof(*lb));
	if (cap < LOGBUF_MIN || cap > LOGBUF_MAX)
		return -EINVAL;
	/* A mapping of its own, not the heap: a page costs memory only once the
	 * unit has written it, and the fork of every spawn neither copies its
	 * page tables nor has them unmapped again at the child's exec (no child
	 * reads a ring). */
	lb->buf = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (lb->buf == MAP_FAILED) {
		lb->buf = NULL;
		return -ENOMEM;
	}
	(void)madvise(lb->buf, cap, MADV_DONTFORK);
	lb->cap = cap;
	return 0;
}

void logbuf_free(struct logbuf *lb)
{
	if (lb->buf)
		(void)munmap(lb->buf, lb->cap);
	memset(lb, 0, sizeof(*lb));
}

int64_t logbuf_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void put(struct logbuf *lb, const char *p, size_t n)
{
	while (n > 0) {
		size_t room = lb->cap - lb->head;
		size_t k = n < room ? n : room;

		if (lb->len + k > lb->cap) {
			/* overwriting the oldest bytes: the new oldest byte starts a
			 * record only if the last one overwritten ended one */
			size_t over = lb->len + k - lb->cap;   /* bytes lost, oldest first */
			size_t last = (lb->head + lb->cap - lb->len + over - 1) % lb->cap;

			lb->cut = lb->buf[last] != '\n';
		}
		memcpy(lb->buf + lb->head, p, k);
		lb->head = (lb->head + k) % lb->cap;
		lb->len = lb->len + k > lb->cap ? lb->cap : lb->len + k;
		lb->total += k;
		p += k;
		n -= k;
	}
}

void logbuf_append(struct logbuf *lb, int64_t usec, char stream, const char *line, size_t len)
{
	char head[LOGREC_HEAD + 1];
	uint64_t u = usec > 0 ? (uint64_t)usec : 0;

	if (!lb->buf)
		return;
	if (u > 9999999999999999ULL)
		u = 9999999999999999ULL;
	for (int i = 15; i >= 0; i--, u /= 10)
		head[i] = (char)('0' + u % 10);
	head[16] = stream;
	if (len + LOGREC_HEAD >= lb->cap) {   /* keep the end of an enormous line */
		line += len - (lb->cap - 1 - LOGREC_HEAD);
		len = lb->cap - 1 - LOGREC_HEAD;
	}
	put(lb, head, LOGREC_HEAD);
	put(lb, line, len);
	put(lb, "\n", 1);
}

static char at(const struct logbuf *lb, size_t i)   /* i: 0 = oldest byte held */
{
	return lb->buf[(lb->head + lb->cap - lb->len + i) % lb->cap];
}

void logbuf_iter_init(struct logbuf_iter *it, const struct logbuf *lb, size_t n, int64_t since)
{
	size_t i, seen = 0, start;

	it->lb = lb;
	it->since = since;
	it->pos = lb->len;
	if (!lb->buf || lb->len == 0 || n == 0)
		return;
	/* walk back over n record ends (the last byte is always a '\n') */
	for (i = lb->len; i > 0; i--) {
		if (at(lb, i - 1) == '\n' && ++seen == n + 1)
			break;
	}
	start = i;
	if (i == 0 && lb->cut) {
		/* the oldest record was partly overwritten: skip its remains */
		while (start < lb->len && at(lb, start) != '\n')
			start++;
		if (start < lb->len)
			start++;
	}
	it->pos = start;
}

/* The header of the record at pos: its time, or -1 if it is not a record. */
static int64_t rec_usec(const struct logbuf *lb, size_t pos)
{
	int64_t usec = 0;

	if (lb->len - pos < LOGREC_HEAD)
		return -1;
	for (size_t i = 0; i < LOGREC_HEAD; i++) {
		char c = at(lb, pos + i);

		if (c == '\n' || (i < 16 && (c < '0' || c > '9')))
			return -1;
		if (i < 16)
			usec = usec * 10 + (c - '0');
	}
	return usec;
}

static void skip_record(struct logbuf_iter *it)
{
	while (it->pos < it->lb->len && at(it->lb, it->pos) != '\n')
		it->pos++;
	it->pos++;
}

bool logbuf_iter_peek(struct logbuf_iter *it, int64_t *ret_usec)
{
	while (it->pos < it->lb->len) {
		int64_t usec = rec_usec(it->lb, it->pos);

		if (usec >= 0 && usec >= it->since) {
			*ret_usec = usec;
			return true;
		}
		skip_record(it);   /* not a record, or before since */
	}
	return false;
}

bool logbuf_iter_next(struct logbuf_iter *it, struct logrec *ret, char *scratch, size_t size)
{
	const struct logbuf *lb = it->lb;
	size_t n = 0, k;

	if (!logbuf_iter_peek(it, &ret->usec))
		return false;
	ret->stream = at(lb, it->pos + 16);
	for (k = it->pos + LOGREC_HEAD; k < lb->len && at(lb, k) != '\n'; k++)
		if (n < size)
			scratch[n++] = at(lb, k);
	it->pos = k + 1;
	ret->text = scratch;
	ret->len = n;
	return true;
}
