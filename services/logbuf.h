/* SPDX-License-Identifier: MIT */
/*
 * logbuf.h: a bounded ring of output lines. Allocated once, when the unit
 * is loaded; appending never allocates and overwrites the oldest lines.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGBUF_DEFAULT (64 * 1024)
#define LOGBUF_MIN     1024
#define LOGBUF_MAX     (64 * 1024 * 1024)

struct logbuf {
	char *buf;
	size_t cap;
	size_t head;      /* next write position */
	size_t len;       /* bytes held, <= cap */
	uint64_t total;   /* bytes ever appended */
	bool cut;         /* the oldest byte held is not the start of a line */
};

int logbuf_init(struct logbuf *lb, size_t cap);
void logbuf_free(struct logbuf *lb);

/* Append one line (a '\n' is added). A line longer than the ring keeps its end. */
void logbuf_append(struct logbuf *lb, const char *line, size_t len);

/* Hand the last n whole lines to emit, oldest first, in at most two pieces. */
void logbuf_tail(const struct logbuf *lb, size_t n,
		 void (*emit)(void *ctx, const char *p, size_t len), void *ctx);
