/* SPDX-License-Identifier: MIT */
/* status-out.c: the status sink's helpers (status-out.h), a leaf that
 * status.c and status-trig.c both use. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "init/status-out.h"
#include "units/value.h"

void status_out_add(const struct status_out *o, const char *s, size_t n)
{
	o->emit(o->ctx, s, n);
}

void status_printf(const struct status_out *o, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	status_out_add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void status_json_strn(const struct status_out *o, const char *s, size_t len)
{
	const char *end = s ? s + len : NULL;
	size_t valid = s ? unit_utf8_span(s, len) : 0;

	status_out_add(o, "\"", 1);
	for (; s && s < end; s++, valid = valid ? valid - 1 : 0) {
		unsigned char ch = (unsigned char)*s;

		if (!valid && ch >= 0x80) {
			/* not UTF-8 (a file name, say): keep the JSON valid */
			status_out_add(o, "\\ufffd", 6);
			valid = unit_utf8_span(s + 1, (size_t)(end - s - 1)) + 1;
			continue;
		}
		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };
			status_out_add(o, e, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			status_printf(o, "\\u%04x", ch);
		} else {
			status_out_add(o, (const char *)&ch, 1);
		}
	}
	status_out_add(o, "\"", 1);
}

void status_json_str(const struct status_out *o, const char *s)
{
	status_json_strn(o, s, s ? strlen(s) : 0);
}

void status_fmt_ago(char *buf, size_t len, int64_t since)
{
	int64_t d = (int64_t)time(NULL) - since;

	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%" PRId64 "s", d);
	else if (d < 7200)
		snprintf(buf, len, "%" PRId64 "min", d / 60);
	else if (d < 172800)
		snprintf(buf, len, "%" PRId64 "h", d / 3600);
	else
		snprintf(buf, len, "%" PRId64 "d", d / 86400);
}
