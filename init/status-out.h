/* SPDX-License-Identifier: MIT */
/*
 * status-out.h: the sink status output goes to (a function that takes
 * bytes), and its helpers: bytes, printf (2 KiB a call), a JSON string
 * (escaped; bytes that are not UTF-8 as U+FFFD), "5min" for the time since
 * a unix time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct status_out {
	void (*emit)(void *ctx, const char *p, size_t len);
	void *ctx;
};

void status_out_add(const struct status_out *o, const char *s, size_t n);
void status_printf(const struct status_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void status_json_strn(const struct status_out *o, const char *s, size_t len);
void status_json_str(const struct status_out *o, const char *s);
void status_fmt_ago(char *buf, size_t len, int64_t since);
