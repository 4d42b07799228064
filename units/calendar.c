/* SPDX-License-Identifier: MIT */
/*
 * calendar.c: systemd.time(7) calendar events.
 *
 *   [WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [UTC|ZONE]
 *
 * Each of YEAR..SECOND is "*" or a comma list of values, ranges "A..B" and
 * repetitions "A/N", "A..B/N" ("*" + "/N" counts from the field's first
 * value). "~" instead of the last "-" counts days back from the end of the
 * month ("*-02~01" is Feb's last day). Weekdays are names (Mon, monday),
 * lists and ranges. A missing date is "*-*-*", a missing time 00:00:00, a
 * missing second :00. Two-digit years are 19xx (70..99) and 20xx (00..69).
 * Seconds take a fraction (µs). The shorthands minutely, hourly, daily,
 * weekly, monthly, quarterly, semiannually, yearly (annually) and
 * "@UNIXTIME" are systemd's.
 *
 * The next elapse is found field by field from the year down, as systemd
 * does; a local time that does not exist (a DST gap) is skipped, a local
 * time that exists twice fires once. Leap seconds do not exist here
 * (seconds are 0..59), as in systemd.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "units/calendar.h"

#define USEC 1000000LL
#define YEAR_MIN 1970
#define YEAR_MAX 2199

static const char *const wday_short[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
static const char *const wday_long[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};

/* ---- parsing ------------------------------------------------------------- */

struct p {
	const char *s;
	const char *why;
};

static int fail(struct p *p, const char *why)
{
	if (!p->why)
		p->why = why;
	return -EINVAL;
}

/* A decimal (µs with a fraction when usec). */
static int parse_num(struct p *p, bool usec, int32_t *ret)
{
	const char *s = p->s;
	long long v = 0;
	int digits = 0;

	if (!isdigit((unsigned char)*s))
		return fail(p, "expected a number");
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (*s++ - '0');
		if (v > 100000)
			return fail(p, "number out of range");
		digits++;
	}
	if (usec) {
		long long frac = 0, scale = USEC;
		bool round_up = false;

		v *= USEC;
		if (*s == '.' && isdigit((unsigned char)s[1])) {
			s++;
			for (int i = 0; isdigit((unsigned char)*s); i++, s++) {
				if (i < 6) {
					scale /= 10;
					frac += (*s - '0') * scale;
				} else if (i == 6) {
					round_up = *s >= '5';
				}
			}
			v += frac + round_up;
		}
	}
	(void)digits;
	p->s = s;
	*ret = (int32_t)v;
	return 0;
}

static int chain_push(struct p *p, struct cal_chain *ch, struct cal_comp c)
{
	if (ch->n >= CAL_COMP_MAX)
		return fail(p, "too many values in one field");
	ch->c[ch->n++] = c;
	return 0;
}

/* "*", or a list of A, A..B, A/N, A..B/N; "*" /N counts from first. */
static int parse_chain(struct p *p, bool usec, int32_t first, struct cal_chain *ch)
{
	memset(ch, 0, sizeof(*ch));
	if (*p->s == '*') {
		struct cal_comp c = { .start = first, .stop = -1 };

		p->s++;
		if (*p->s != '/')
			return 0;    /* every value */
		p->s++;
		if (parse_num(p, usec, &c.repeat) < 0)
			return -EINVAL;
		if (c.repeat <= 0)
			return fail(p, "a repetition must be positive");
		return chain_push(p, ch, c);
	}
	for (;;) {
		struct cal_comp c = { .stop = -1 };

		if (parse_num(p, usec, &c.start) < 0)
			return -EINVAL;
		if (p->s[0] == '.' && p->s[1] == '.') {
			p->s += 2;
			if (parse_num(p, usec, &c.stop) < 0)
				return -EINVAL;
			if (c.stop < c.start)
				return fail(p, "a range ends before it starts");
		}
		if (*p->s == '/') {
			p->s++;
			if (parse_num(p, usec, &c.repeat) < 0)
				return -EINVAL;
			if (c.repeat <= 0)
				return fail(p, "a repetition must be positive");
		}
		if (chain_push(p, ch, c) < 0)
			return -EINVAL;
		if (*p->s != ',')
			return 0;
		p->s++;
	}
}

static int wday_of(const char *s, size_t n)
{
	for (int i = 0; i < 7; i++)
		if ((n == 3 && strncasecmp(s, wday_short[i], 3) == 0) ||
		    (n == strlen(wday_long[i]) && strncasecmp(s, wday_long[i], n) == 0))
			return i;
	return -1;
}

static int parse_weekdays(struct p *p, unsigned *ret)
{
	unsigned bits = 0;

	for (;;) {
		const char *s = p->s;
		int a, b;
		size_t n = 0;

		while (isalpha((unsigned char)s[n]))
			n++;
		a = wday_of(s, n);
		if (a < 0)
			return fail(p, "unknown weekday");
		s += n;
		b = a;
		if ((s[0] == '.' && s[1] == '.') || s[0] == '-') {
			s += s[0] == '-' ? 1 : 2;
			for (n = 0; isalpha((unsigned char)s[n]); n++)
				;
			b = wday_of(s, n);
			if (b < 0)
				return fail(p, "unknown weekday");
			if (b < a)
				return fail(p, "a weekday range ends before it starts");
			s += n;
		}
		for (int i = a; i <= b; i++)
			bits |= 1u << i;
		p->s = s;
		if (*s != ',')
			break;
		p->s++;
		if (*p->s == ' ' || !*p->s)
			break;   /* "Wed, 17:48" */
	}
	if (*p->s && *p->s != ' ')
		return fail(p, "expected a space after the weekdays");
	while (*p->s == ' ')
		p->s++;
	*ret = bits;
	return 0;
}

static void const_chain(struct cal_chain *ch, int32_t v)
{
	memset(ch, 0, sizeof(*ch));
	ch->n = 1;
	ch->c[0] = (struct cal_comp){ .start = v, .stop = -1 };
}

/* [[Y-]M-D]: 1 if a date was there, 0 if what follows is a time. */
static int parse_date(struct p *p, struct calendar *c)
{
	struct cal_chain a, b, d;
	struct p save = *p;

	if (parse_chain(p, false, 1, &a) < 0) {
		*p = save;
		p->why = NULL;
		return 0;
	}
	if (*p->s == ':' || !*p->s) {
		*p = save;   /* a time */
		return 0;
	}
	if (*p->s == '~')
		c->end_of_month = true;
	else if (*p->s != '-')
		return fail(p, "expected '-' in the date");
	p->s++;
	if (parse_chain(p, false, 1, &b) < 0)
		return -EINVAL;
	if (!*p->s || *p->s == ' ') {
		c->month = a;
		c->day = b;
		return 1;
	}
	if (c->end_of_month)
		return fail(p, "'~' must come before the day");
	if (*p->s == '~')
		c->end_of_month = true;
	else if (*p->s != '-')
		return fail(p, "expected '-' in the date");
	p->s++;
	if (parse_chain(p, false, 1, &d) < 0)
		return -EINVAL;
	if (*p->s && *p->s != ' ')
		return fail(p, "unexpected text after the date");
	c->year = a;
	c->month = b;
	c->day = d;
	return 1;
}

static int parse_time(struct p *p, struct calendar *c)
{
	if (!*p->s) {
		const_chain(&c->hour, 0);
		const_chain(&c->minute, 0);
		const_chain(&c->usec, 0);
		return 0;
	}
	if (parse_chain(p, false, 0, &c->hour) < 0)
		return -EINVAL;
	if (*p->s != ':')
		return fail(p, "expected ':' in the time");
	p->s++;
	if (parse_chain(p, false, 0, &c->minute) < 0)
		return -EINVAL;
	if (!*p->s) {
		const_chain(&c->usec, 0);
		return 0;
	}
	if (*p->s != ':')
		return fail(p, "expected ':' in the time");
	p->s++;
	if (parse_chain(p, true, 0, &c->usec) < 0)
		return -EINVAL;
	if (*p->s)
		return fail(p, "unexpected text after the time");
	return 0;
}

static void fix_year(struct cal_chain *ch)
{
	for (size_t i = 0; i < ch->n; i++) {
		int32_t *v[2] = { &ch->c[i].start, &ch->c[i].stop };

		for (int k = 0; k < 2; k++) {
			if (*v[k] < 0)
				continue;
			if (*v[k] < 70)
				*v[k] += 2000;
			else if (*v[k] < 100)
				*v[k] += 1900;
		}
	}
}

static int cmp_comp(const void *x, const void *y)
{
	const struct cal_comp *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->stop != b->stop)
		return a->stop < b->stop ? -1 : 1;
	if (a->repeat != b->repeat)
		return a->repeat < b->repeat ? -1 : 1;
	return 0;
}

/* Sorted, duplicates removed, every value inside [lo, hi]. */
static int chain_normalize(struct p *p, struct cal_chain *ch, int32_t lo, int32_t hi)
{
	size_t n = 0;

	for (size_t i = 0; i < ch->n; i++) {
		struct cal_comp *c = &ch->c[i];

		if (c->start < lo || c->start > hi || (c->stop >= 0 && c->stop > hi))
			return fail(p, "value out of range");
	}
	if (ch->n > 1)
		qsort(ch->c, ch->n, sizeof(ch->c[0]), cmp_comp);
	for (size_t i = 0; i < ch->n; i++)
		if (n == 0 || cmp_comp(&ch->c[n - 1], &ch->c[i]) != 0)
			ch->c[n++] = ch->c[i];
	ch->n = (uint8_t)n;
	return 0;
}

bool calendar_tz_valid(const char *name)
{
	char path[CAL_TZ_MAX + 32], magic[4];
	int fd;
	ssize_t n;

	if (!name[0] || strlen(name) >= CAL_TZ_MAX || name[0] == '/' || strstr(name, ".."))
		return false;
	for (const char *q = name; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("/_+-", *q))
			return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	n = read(fd, magic, sizeof(magic));
	(void)close(fd);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

static int parse_at(struct p *p, struct calendar *c)
{
	char *end;
	long long t;
	struct tm tm;
	time_t tt;

	errno = 0;
	t = strtoll(p->s + 1, &end, 10);
	if (errno || end == p->s + 1 || *end || t < 0)
		return fail(p, "expected @UNIXTIME");
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > YEAR_MAX)
		return fail(p, "time out of range");
	c->weekdays = 0;
	c->utc = true;
	const_chain(&c->year, tm.tm_year + 1900);
	const_chain(&c->month, tm.tm_mon + 1);
	const_chain(&c->day, tm.tm_mday);
	const_chain(&c->hour, tm.tm_hour);
	const_chain(&c->minute, tm.tm_min);
	const_chain(&c->usec, (int32_t)(tm.tm_sec * USEC));
	return 0;
}

struct shorthand {
	const char *name, *expr;
};
static const struct shorthand shorthands[] = {
	{ "minutely", "*-*-* *:*:00" },
	{ "hourly", "*-*-* *:00:00" },
	{ "daily", "*-*-* 00:00:00" },
	{ "monthly", "*-*-01 00:00:00" },
	{ "weekly", "Mon *-*-* 00:00:00" },
	{ "yearly", "*-01-01 00:00:00" },
	{ "annually", "*-01-01 00:00:00" },
	{ "quarterly", "*-01,04,07,10-01 00:00:00" },
	{ "semiannually", "*-01,07-01 00:00:00" },
	{ "semi-annually", "*-01,07-01 00:00:00" },
	{ "biannually", "*-01,07-01 00:00:00" },
	{ "bi-annually", "*-01,07-01 00:00:00" },
};

static int parse_body(struct p *p, struct calendar *c)
{
	int r;

	for (size_t i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
		if (strcasecmp(p->s, shorthands[i].name) == 0)
			p->s = shorthands[i].expr;
	if (*p->s == '@')
		return parse_at(p, c);
	if (isalpha((unsigned char)*p->s)) {
		r = parse_weekdays(p, &c->weekdays);
		if (r < 0)
			return r;
	}
	r = parse_date(p, c);
	if (r < 0)
		return r;
	while (*p->s == ' ')
		p->s++;
	r = parse_time(p, c);
	if (r < 0)
		return r;
	fix_year(&c->year);
	if (chain_normalize(p, &c->year, YEAR_MIN, YEAR_MAX) < 0 ||
	    chain_normalize(p, &c->month, 1, 12) < 0 ||
	    chain_normalize(p, &c->day, 1, 31) < 0 ||
	    chain_normalize(p, &c->hour, 0, 23) < 0 ||
	    chain_normalize(p, &c->minute, 0, 59) < 0 ||
	    chain_normalize(p, &c->usec, 0, (int32_t)(60 * USEC - 1)) < 0)
		return -EINVAL;
	return 0;
}

int calendar_parse(const char *s, struct calendar *ret, const char **ret_why)
{
	char buf[512], *e;
	struct p p = { .s = buf };
	size_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (ret_why)
		*ret_why = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	if (n >= sizeof(buf)) {
		if (ret_why)
			*ret_why = "expression too long";
		return -EINVAL;
	}
	memcpy(buf, s, n + 1);
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	/* the time zone last */
	e = strrchr(buf, ' ');
	if (e && (strcasecmp(e + 1, "UTC") == 0 || strcasecmp(e + 1, "Z") == 0 ||
		  strcasecmp(e + 1, "GMT") == 0)) {
		ret->utc = true;
		*e = '\0';
	} else if (e && !isdigit((unsigned char)e[1]) && e[1] != '*' && strchr(e + 1, '/') &&
		   calendar_tz_valid(e + 1)) {
		snprintf(ret->tz, sizeof(ret->tz), "%s", e + 1);
		*e = '\0';
	} else if (e && isalpha((unsigned char)e[1]) && wday_of(e + 1, strlen(e + 1)) < 0 &&
		   strcasecmp(e + 1, "minutely") != 0 && calendar_tz_valid(e + 1)) {
		snprintf(ret->tz, sizeof(ret->tz), "%s", e + 1);   /* "CET", "Japan" */
		*e = '\0';
	}
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; )
		buf[--n] = '\0';
	if (!buf[0]) {
		if (ret_why)
			*ret_why = "empty expression";
		return -EINVAL;
	}
	r = parse_body(&p, ret);
	if (r == 0 && ret->tz[0] && ret->utc)
		r = fail(&p, "two time zones");
	if (r < 0 && ret_why)
		*ret_why = p.why ? p.why : "invalid expression";
	return r;
}

/* ---- formatting ---------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, at;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->at < o->len ? o->buf + o->at : NULL, o->at < o->len ? o->len - o->at : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		o->at += (size_t)n;
}

static void put_num(struct out *o, int32_t v, int width, bool usec)
{
	if (!usec) {
		put(o, "%0*d", width, (int)v);
		return;
	}
	put(o, "%0*d", width, (int)(v / USEC));
	if (v % USEC)
		put(o, ".%06d", (int)(v % USEC));
}

static void put_chain(struct out *o, const struct cal_chain *ch, int width, bool usec)
{
	if (ch->n == 0) {
		put(o, "*");
		return;
	}
	for (size_t i = 0; i < ch->n; i++) {
		const struct cal_comp *c = &ch->c[i];

		if (i)
			put(o, ",");
		put_num(o, c->start, width, usec);
		if (c->stop >= 0) {
			put(o, "..");
			put_num(o, c->stop, width, usec);
		}
		if (c->repeat > 0) {
			put(o, "/");
			put_num(o, c->repeat, 1, usec);
		}
	}
}

static void put_weekdays(struct out *o, unsigned bits)
{
	int l = -1, x;
	bool comma = false;

	for (x = 0; x < 7; x++) {
		if (bits & (1u << x)) {
			if (l < 0) {
				put(o, "%s%s", comma ? "," : "", wday_short[x]);
				comma = true;
				l = x;
			}
		} else if (l >= 0) {
			if (x > l + 1)
				put(o, "%s%s", x > l + 2 ? ".." : ",", wday_short[x - 1]);
			l = -1;
		}
	}
	if (l >= 0 && x > l + 1)
		put(o, "%s%s", x > l + 2 ? ".." : ",", wday_short[x - 1]);
	put(o, " ");
}

int calendar_format(const struct calendar *c, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	if (c->weekdays)
		put_weekdays(&o, c->weekdays);
	put_chain(&o, &c->year, 4, false);
	put(&o, "-");
	put_chain(&o, &c->month, 2, false);
	put(&o, c->end_of_month ? "~" : "-");
	put_chain(&o, &c->day, 2, false);
	put(&o, " ");
	put_chain(&o, &c->hour, 2, false);
	put(&o, ":");
	put_chain(&o, &c->minute, 2, false);
	put(&o, ":");
	put_chain(&o, &c->usec, 2, true);
	if (c->utc)
		put(&o, " UTC");
	else if (c->tz[0])
		put(&o, " %s", c->tz);
	return (int)o.at;
}

/* ---- the next elapse ----------------------------------------------------- */

/* The smallest value >= v and <= hi the chain matches, or -1. */
static int64_t chain_next(const struct cal_chain *ch, int64_t v, int64_t hi)
{
	int64_t best = -1;

	if (v > hi)
		return -1;
	if (ch->n == 0)
		return v;
	for (size_t i = 0; i < ch->n; i++) {
		const struct cal_comp *c = &ch->c[i];
		int64_t x, stop = c->stop >= 0 ? c->stop : (c->repeat ? hi : c->start);

		if (stop > hi)
			stop = hi;
		if (v <= c->start) {
			x = c->start;
		} else if (c->repeat) {
			x = c->start + (v - c->start + c->repeat - 1) / c->repeat * c->repeat;
		} else {
			x = v;
		}
		if (x <= stop && (best < 0 || x < best))
			best = x;
	}
	return best;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int64_t m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* 0 Monday .. 6 Sunday */
static int weekday(int64_t y, int64_t m, int64_t d)
{
	static const int t[12] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y -= 1;
	return (int)(((y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7 + 6) % 7);
}

struct when {
	int64_t y, mo, d, h, mi, us;
};

/* Zone switching: TZ for the time of one search (PID 1 is one thread). */
struct zone {
	bool utc, swapped;
	char *old;
};

static void zone_enter(struct zone *z, const struct calendar *c)
{
	const char *old;

	memset(z, 0, sizeof(*z));
	z->utc = c->utc;
	if (!c->tz[0] || c->utc)
		return;
	old = getenv("TZ");
	z->old = old ? strdup(old) : NULL;
	if (old && !z->old)
		return;   /* no memory: local time */
	{
		char v[CAL_TZ_MAX + 2];

		snprintf(v, sizeof(v), ":%s", c->tz);
		if (setenv("TZ", v, 1) < 0) {
			free(z->old);
			z->old = NULL;
			return;
		}
	}
	z->swapped = true;
	tzset();
}

static void zone_leave(struct zone *z)
{
	if (!z->swapped)
		return;
	if (z->old)
		(void)setenv("TZ", z->old, 1);
	else
		(void)unsetenv("TZ");
	free(z->old);
	tzset();
}

static void to_when(const struct zone *z, int64_t usec, struct when *w)
{
	time_t t = (time_t)(usec / USEC);
	struct tm tm;

	if (z->utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	w->y = tm.tm_year + 1900;
	w->mo = tm.tm_mon + 1;
	w->d = tm.tm_mday;
	w->h = tm.tm_hour;
	w->mi = tm.tm_min;
	w->us = tm.tm_sec * USEC + usec % USEC;
}

/* The instant of w, isdst as mktime takes it (-1, 0, 1). */
static int64_t from_when(const struct zone *z, const struct when *w, int isdst)
{
	struct tm tm = {
		.tm_year = (int)(w->y - 1900), .tm_mon = (int)(w->mo - 1), .tm_mday = (int)w->d,
		.tm_hour = (int)w->h, .tm_min = (int)w->mi, .tm_sec = (int)(w->us / USEC),
		.tm_isdst = isdst,
	};
	time_t t = z->utc ? timegm(&tm) : mktime(&tm);

	return (int64_t)t * USEC + w->us % USEC;
}

static bool when_eq(const struct when *a, const struct when *b)
{
	return a->y == b->y && a->mo == b->mo && a->d == b->d && a->h == b->h &&
	       a->mi == b->mi && a->us / USEC == b->us / USEC;
}

/* "~": a value N is the month's N-th last day (1: the last); a range is
 * turned around, a repetition counts on towards the end, as systemd does. */
static bool eom_matches(const struct cal_chain *ch, int64_t len, int64_t d)
{
	if (ch->n == 0)
		return true;
	for (size_t i = 0; i < ch->n; i++) {
		const struct cal_comp *c = &ch->c[i];
		int64_t lo = len - c->start + 1, hi = lo;

		if (c->stop >= 0) {
			lo = len - c->stop + 1;
			hi = len - c->start + 1;
		}
		if (lo < 1)
			lo = 1;
		if (hi < 1)
			continue;
		if (c->repeat && c->stop < 0)
			hi = len;
		if (d < lo || d > hi)
			continue;
		if (!c->repeat ? (c->stop >= 0 || d == lo) : (d - lo) % c->repeat == 0)
			return true;
	}
	return false;
}

static bool day_matches(const struct calendar *c, int64_t y, int64_t mo, int64_t d)
{
	if (c->weekdays && !(c->weekdays & (1u << weekday(y, mo, d))))
		return false;
	if (c->end_of_month)
		return eom_matches(&c->day, month_days(y, mo), d);
	return chain_next(&c->day, d, d) == d;
}

/* Carry an overflowing field into the next one up. */
static void carry(struct when *w)
{
	if (w->us >= 60 * USEC) {
		w->us = 0;
		w->mi++;
	}
	if (w->mi >= 60) {
		w->mi = 0;
		w->h++;
	}
	if (w->h >= 24) {
		w->h = 0;
		w->d++;
	}
	/* a month past December (the search moved on from one) before its
	 * days are looked up */
	if (w->mo > 12) {
		w->mo = 1;
		w->y++;
	}
	if (w->d > month_days(w->y, w->mo)) {
		w->d = 1;
		w->mo++;
	}
	if (w->mo > 12) {
		w->mo = 1;
		w->y++;
	}
}

/* The first w' >= w that the fields match (wall clock, no zone). */
static int find_fields(const struct calendar *c, struct when *w)
{
	for (int iter = 0; iter < 100000; iter++) {
		int64_t v;

		carry(w);
		v = chain_next(&c->year, w->y, YEAR_MAX);
		if (v < 0)
			return -ENOENT;
		if (v != w->y)
			*w = (struct when){ .y = v, .mo = 1, .d = 1 };
		v = chain_next(&c->month, w->mo, 12);
		if (v < 0) {
			*w = (struct when){ .y = w->y + 1, .mo = 1, .d = 1 };
			continue;
		}
		if (v != w->mo)
			*w = (struct when){ .y = w->y, .mo = v, .d = 1 };
		v = w->d;
		while (v <= month_days(w->y, w->mo) && !day_matches(c, w->y, w->mo, v))
			v++;
		if (v > month_days(w->y, w->mo)) {
			*w = (struct when){ .y = w->y, .mo = w->mo + 1, .d = 1 };
			continue;
		}
		if (v != w->d) {
			w->d = v;
			w->h = w->mi = w->us = 0;
		}
		v = chain_next(&c->hour, w->h, 23);
		if (v < 0) {
			w->d++;
			w->h = w->mi = w->us = 0;
			continue;
		}
		if (v != w->h) {
			w->h = v;
			w->mi = w->us = 0;
		}
		v = chain_next(&c->minute, w->mi, 59);
		if (v < 0) {
			w->h++;
			w->mi = w->us = 0;
			continue;
		}
		if (v != w->mi) {
			w->mi = v;
			w->us = 0;
		}
		v = chain_next(&c->usec, w->us, 60 * USEC - 1);
		if (v < 0) {
			w->mi++;
			w->us = 0;
			continue;
		}
		w->us = v;
		return 0;
	}
	return -ENOENT;
}

int calendar_next(const struct calendar *c, uint64_t after_usec, uint64_t *ret_usec)
{
	int64_t base = (int64_t)after_usec + 1;
	struct zone z;
	struct when w;
	int r = -ENOENT;

	zone_enter(&z, c);
	to_when(&z, base, &w);
	for (int iter = 0; iter < 1000; iter++) {
		struct when back;
		int64_t t;

		if (find_fields(c, &w) < 0)
			break;
		t = from_when(&z, &w, -1);
		to_when(&z, t, &back);
		if (when_eq(&back, &w)) {
			if (t >= base) {
				*ret_usec = (uint64_t)t;
				r = 0;
				break;
			}
			/* a wall time that exists twice (DST ends) fires at
			 * mktime's instance only: that one is past */
			w.us += 1;
			continue;
		}
		/* no such wall time (DST starts): on from where the clock is
		 * then */
		if (back.y > w.y || (back.y == w.y && (back.mo > w.mo || (back.mo == w.mo &&
		    (back.d > w.d || (back.d == w.d && (back.h > w.h || (back.h == w.h &&
		     back.mi > w.mi)))))))) {
			w = back;
		} else {
			w.h++;
			w.mi = w.us = 0;
		}
	}
	zone_leave(&z);
	return r;
}
