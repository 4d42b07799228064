/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "services/logbuf.h"

int logbuf_init(struct logbuf *lb, size_t cap)
{
	memset(lb, 0, sizeof(*lb));
	if (cap < LOGBUF_MIN || cap > LOGBUF_MAX)
		return -EINVAL;
	lb->buf = malloc(cap);
	if (!lb->buf)
		return -ENOMEM;
	lb->cap = cap;
	return 0;
}

void logbuf_free(struct logbuf *lb)
{
	free(lb->buf);
	memset(lb, 0, sizeof(*lb));
}

static void put(struct logbuf *lb, const char *p, size_t n)
{
	while (n > 0) {
		size_t room = lb->cap - lb->head;
		size_t k = n < room ? n : room;

		if (lb->len + k > lb->cap) {
			/* overwriting the oldest bytes: the new oldest byte starts a
			 * line only if the last one overwritten ended one */
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

void logbuf_append(struct logbuf *lb, const char *line, size_t len)
{
	if (!lb->buf)
		return;
	if (len >= lb->cap) {   /* keep the end of an enormous line */
		line += len - (lb->cap - 1);
		len = lb->cap - 1;
	}
	put(lb, line, len);
	put(lb, "\n", 1);
}

static char at(const struct logbuf *lb, size_t i)   /* i: 0 = oldest byte held */
{
	return lb->buf[(lb->head + lb->cap - lb->len + i) % lb->cap];
}

void logbuf_tail(const struct logbuf *lb, size_t n,
		 void (*emit)(void *ctx, const char *p, size_t len), void *ctx)
{
	size_t start, i, seen = 0, first, count;

	if (!lb->buf || lb->len == 0 || n == 0)
		return;
	/* walk back over n line ends (the last byte is always a '\n') */
	for (i = lb->len; i > 0; i--) {
		if (at(lb, i - 1) == '\n' && ++seen == n + 1)
			break;
	}
	start = i;
	if (i == 0 && lb->cut) {
		/* the oldest line was partly overwritten: skip its remains */
		while (start < lb->len && at(lb, start) != '\n')
			start++;
		if (start < lb->len)
			start++;
	}
	count = lb->len - start;
	if (count == 0)
		return;
	first = (lb->head + lb->cap - lb->len + start) % lb->cap;
	if (first + count <= lb->cap) {
		emit(ctx, lb->buf + first, count);
	} else {
		emit(ctx, lb->buf + first, lb->cap - first);
		emit(ctx, lb->buf, count - (lb->cap - first));
	}
}
