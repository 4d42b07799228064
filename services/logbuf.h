/* SPDX-License-Identifier: MIT */
/*
 * logbuf.h: a bounded ring of output records. Allocated once, when the unit
 * is loaded; appending never allocates and overwrites the oldest records.
 *
 * A record is one line with the time it was captured and the stream it came
 * from, held as text: 16 digits of microseconds since the epoch, the stream
 * letter, the line, '\n' (a line never holds a '\n', so line ends still
 * delimit records after the ring wrapped).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGBUF_DEFAULT (64 * 1024)
#define LOGBUF_MIN     1024
#define LOGBUF_MAX     (64 * 1024 * 1024)
#define LOGREC_HEAD    17           /* the time and the stream letter */
#define LOGREC_TEXT_MAX 4096        /* longer lines are cut when read back */

enum logrec_stream {
	LOGREC_STDOUT = 'o',
	LOGREC_STDERR = 'e',
	LOGREC_MARK   = 'm',            /* svcinit's own: "restarted" */
};

struct logbuf {
	char *buf;
	size_t cap;
	size_t head;      /* next write position */
	size_t len;       /* bytes held, <= cap */
	uint64_t total;   /* bytes ever appended */
	bool cut;         /* the oldest byte held is not the start of a record */
};

struct logrec {
	int64_t usec;     /* CLOCK_REALTIME at capture */
	char stream;      /* enum logrec_stream */
	const char *text;
	size_t len;
};

int logbuf_init(struct logbuf *lb, size_t cap);
void logbuf_free(struct logbuf *lb);

/* Append one line. A line longer than the ring keeps its end. */
void logbuf_append(struct logbuf *lb, int64_t usec, char stream, const char *line, size_t len);

/* A walk over the last n whole records, oldest first, skipping those before
 * since (0: none). Small: one a unit when the logs of many are merged. */
struct logbuf_iter {
	const struct logbuf *lb;
	size_t pos;       /* offset from the oldest byte held */
	int64_t since;
};

void logbuf_iter_init(struct logbuf_iter *it, const struct logbuf *lb, size_t n, int64_t since);
/* The time of the next record, without taking it; false at the end. */
bool logbuf_iter_peek(struct logbuf_iter *it, int64_t *ret_usec);
/* Takes the next record; its text is copied into scratch (cut to size). */
bool logbuf_iter_next(struct logbuf_iter *it, struct logrec *ret, char *scratch, size_t size);

/* The time now, for logbuf_append */
int64_t logbuf_now(void);
