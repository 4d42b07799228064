/* SPDX-License-Identifier: MIT */
/*
 * calendar.h: systemd.time(7) calendar events ("OnCalendar=", "svcinit
 * --calendar"): parse, normalize, and the next elapse after a time. Pure:
 * no event loop, no I/O except reading the time zone database (tzset).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAL_COMP_MAX 32     /* values, ranges or repetitions in one field */
#define CAL_TZ_MAX   64

/* One value, range or repetition: start[..stop][/repeat]. Seconds are kept
 * in microseconds (fractions allowed). */
struct cal_comp {
	int32_t start;
	int32_t stop;       /* -1: no range */
	int32_t repeat;     /* 0: none */
};

/* A field: n == 0 is "*" (every value). */
struct cal_chain {
	uint8_t n;
	struct cal_comp c[CAL_COMP_MAX];
};

struct calendar {
	unsigned weekdays;          /* bit 0 Monday .. bit 6 Sunday; 0: none given */
	bool end_of_month;          /* "~": the day counts back from the month's last */
	bool utc;
	char tz[CAL_TZ_MAX];        /* "": local time (or UTC when utc) */
	struct cal_chain year, month, day, hour, minute, usec;
};

/* Parse an expression. 0, or -EINVAL with *ret_why saying what is wrong
 * (a static string). */
int calendar_parse(const char *s, struct calendar *ret, const char **ret_why);

/* The normalized form, as systemd prints it ("Mon..Fri *-*-* 00:00:00").
 * Returns the length it needs (snprintf style). */
int calendar_format(const struct calendar *c, char *buf, size_t len);

/* The first elapse strictly after after_usec (CLOCK_REALTIME µs): 0 and
 * *ret_usec, or -ENOENT when there is none (before the year 2200). */
int calendar_next(const struct calendar *c, uint64_t after_usec, uint64_t *ret_usec);

/* Is name a time zone of the zone database (a TZif file under
 * /usr/share/zoneinfo)? */
bool calendar_tz_valid(const char *name);
