/* SPDX-License-Identifier: MIT */
/* Calendar events: systemd.time(7)'s table of normalized forms, the next
 * elapse (leap years, "~", DST changes), and what is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "units/calendar.h"

#define USEC 1000000ULL

/* systemd.time(7), "Examples for valid timestamps and their normalized form" */
static const char *const table[][2] = {
	{ "minutely", "*-*-* *:*:00" },
	{ "hourly", "*-*-* *:00:00" },
	{ "daily", "*-*-* 00:00:00" },
	{ "monthly", "*-*-01 00:00:00" },
	{ "weekly", "Mon *-*-* 00:00:00" },
	{ "yearly", "*-01-01 00:00:00" },
	{ "quarterly", "*-01,04,07,10-01 00:00:00" },
	{ "semiannually", "*-01,07-01 00:00:00" },
	{ "Sat,Thu,Mon..Wed,Sat..Sun", "Mon..Thu,Sat,Sun *-*-* 00:00:00" },
	{ "Mon,Sun 12-*-* 2,1:23", "Mon,Sun 2012-*-* 01,02:23:00" },
	{ "Wed *-1", "Wed *-*-01 00:00:00" },
	{ "Wed..Wed,Wed *-1", "Wed *-*-01 00:00:00" },
	{ "Wed, 17:48", "Wed *-*-* 17:48:00" },
	{ "Wed..Sat,Tue 12-10-15 1:2:3", "Tue..Sat 2012-10-15 01:02:03" },
	{ "*-*-7 0:0:0", "*-*-07 00:00:00" },
	{ "10-15", "*-10-15 00:00:00" },
	{ "monday *-12-* 17:00", "Mon *-12-* 17:00:00" },
	{ "Mon,Fri *-*-3,1,2 *:30:45", "Mon,Fri *-*-01,02,03 *:30:45" },
	{ "12,14,13,12:20,10,30", "*-*-* 12,13,14:10,20,30:00" },
	{ "12..14:10,20,30", "*-*-* 12..14:10,20,30:00" },
	{ "mon,fri *-1/2-1,3 *:30:45", "Mon,Fri *-01/2-01,03 *:30:45" },
	{ "03-05 08:05:40", "*-03-05 08:05:40" },
	{ "08:05:40", "*-*-* 08:05:40" },
	{ "05:40", "*-*-* 05:40:00" },
	{ "Sat,Sun 12-05 08:05:40", "Sat,Sun *-12-05 08:05:40" },
	{ "Sat,Sun 08:05:40", "Sat,Sun *-*-* 08:05:40" },
	{ "2003-03-05 05:40", "2003-03-05 05:40:00" },
	{ "05:40:23.4200004/3.1700005", "*-*-* 05:40:23.420000/3.170001" },
	{ "2003-02..04-05", "2003-02..04-05 00:00:00" },
	{ "2003-03-05 05:40 UTC", "2003-03-05 05:40:00 UTC" },
	{ "2003-03-05", "2003-03-05 00:00:00" },
	{ "03-05", "*-03-05 00:00:00" },
	{ "daily UTC", "*-*-* 00:00:00 UTC" },
	{ "weekly Pacific/Auckland", "Mon *-*-* 00:00:00 Pacific/Auckland" },
	{ "annually", "*-01-01 00:00:00" },
	{ "*:2/3", "*-*-* *:02/3:00" },
	/* beyond the table */
	{ "*-*~01", "*-*~01 00:00:00" },
	{ "*-02~03", "*-02~03 00:00:00" },
	{ "Mon *-05~07/1", "Mon *-05~07/1 00:00:00" },
	{ "*:*:0/2", "*-*-* *:*:00/2" },
	{ "Mon-Fri 9:00", "Mon..Fri *-*-* 09:00:00" },
	{ "*-*-* *:*:*", "*-*-* *:*:*" },
	{ "  daily  ", "*-*-* 00:00:00" },
	{ "@0", "1970-01-01 00:00:00 UTC" },
	{ "@1700000000", "2023-11-14 22:13:20 UTC" },
	{ "HOURLY", "*-*-* *:00:00" },
};

static void test_normalized_forms(void **state)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct calendar c;
		const char *why = "?";
		char buf[256];

		if (calendar_parse(table[i][0], &c, &why) != 0)
			fail_msg("%s: %s", table[i][0], why);
		calendar_format(&c, buf, sizeof(buf));
		if (strcmp(buf, table[i][1]) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", table[i][0], buf, table[i][1]);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"", "   ", "bogus", "Mon..", "Fri..Mon", "*-13-01", "*-*-32", "25:00", "12:60",
		"23:59:60",  /* leap seconds do not exist */
		"1..0:00", "*:0/0", "*-*-* 00:00:00 00", "2003-03-05 05:40 UTC UTC", "Mon *-*-*-*",
		"*-02~03-01", "1:2:3:4", "@", "@-1", "@x", "12:", "1,,2:00", "Mon, Tue",
		"*-*-* 00:00:00 Nowhere/City", "2300-01-01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct calendar c;
		const char *why = NULL;

		if (calendar_parse(bad[i], &c, &why) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(why);
	}
}

static uint64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };

	return (uint64_t)timegm(&tm) * USEC;
}

static uint64_t next_of(const char *expr, uint64_t after)
{
	struct calendar c;
	const char *why = NULL;
	uint64_t n = 0;

	if (calendar_parse(expr, &c, &why) != 0)
		fail_msg("%s: %s", expr, why);
	if (calendar_next(&c, after, &n) != 0)
		fail_msg("%s: no next elapse", expr);
	return n;
}

static void test_next_utc(void **state)
{
	uint64_t t = utc(2026, 5, 28, 20, 26, 40);

	/* strictly after: an elapse at exactly "after" is the one after it */
	assert_int_equal(next_of("*:*:00 UTC", utc(2026, 1, 1, 12, 0, 0)), utc(2026, 1, 1, 12, 1, 0));
	assert_int_equal(next_of("*:*:0/2 UTC", t), utc(2026, 5, 28, 20, 26, 42));
	assert_int_equal(next_of("*:*:0/2 UTC", t + 1), utc(2026, 5, 28, 20, 26, 42));
	assert_int_equal(next_of("daily UTC", t), utc(2026, 5, 29, 0, 0, 0));
	assert_int_equal(next_of("weekly UTC", t), utc(2026, 6, 1, 0, 0, 0));
	assert_int_equal(next_of("monthly UTC", t), utc(2026, 6, 1, 0, 0, 0));
	assert_int_equal(next_of("yearly UTC", t), utc(2027, 1, 1, 0, 0, 0));
	assert_int_equal(next_of("quarterly UTC", t), utc(2026, 7, 1, 0, 0, 0));
	assert_int_equal(next_of("Mon..Fri 09:00 UTC", utc(2026, 5, 29, 10, 0, 0)),
			 utc(2026, 6, 1, 9, 0, 0));   /* Fri after 9: Monday */
	assert_int_equal(next_of("Thu,Fri 2012-*-1,5 11:12:13 UTC", utc(2012, 1, 1, 0, 0, 0)),
			 utc(2012, 1, 5, 11, 12, 13));
	assert_int_equal(next_of("*-*-* 12..14:10,20,30 UTC", utc(2026, 1, 1, 14, 31, 0)),
			 utc(2026, 1, 2, 12, 10, 0));
	assert_int_equal(next_of("*:2/3 UTC", utc(2026, 1, 1, 0, 58, 0)), utc(2026, 1, 1, 0, 59, 0));
	assert_int_equal(next_of("*:2/3 UTC", utc(2026, 1, 1, 0, 59, 0)), utc(2026, 1, 1, 1, 2, 0));
	assert_int_equal(next_of("05:40:23.4200004/3.1700005 UTC", utc(2026, 1, 1, 5, 40, 24)),
			 utc(2026, 1, 1, 5, 40, 26) + 590001);
	assert_int_equal(next_of("@1700000000", 0), 1700000000ULL * USEC);
	/* no day left in December: the search moves past the year's last
	 * month without looking up the days of a thirteenth */
	assert_int_equal(next_of("*-12-01 UTC", utc(2026, 12, 2, 0, 0, 0)), utc(2027, 12, 1, 0, 0, 0));
	assert_int_equal(next_of("Mon *-12-01..07 UTC", utc(2026, 12, 8, 0, 0, 0)),
			 utc(2027, 12, 6, 0, 0, 0));
}

static void test_leap_years(void **state)
{
	assert_int_equal(next_of("*-02-29 UTC", utc(2026, 5, 1, 0, 0, 0)), utc(2028, 2, 29, 0, 0, 0));
	/* 2100 is no leap year */
	assert_int_equal(next_of("*-02-29 UTC", utc(2096, 3, 1, 0, 0, 0)), utc(2104, 2, 29, 0, 0, 0));
	assert_int_equal(next_of("*-*-31 UTC", utc(2026, 4, 1, 0, 0, 0)), utc(2026, 5, 31, 0, 0, 0));
}

static void test_end_of_month(void **state)
{
	assert_int_equal(next_of("*-*~01 UTC", utc(2026, 2, 10, 0, 0, 0)), utc(2026, 2, 28, 0, 0, 0));
	assert_int_equal(next_of("*-*~01 UTC", utc(2024, 2, 10, 0, 0, 0)), utc(2024, 2, 29, 0, 0, 0));
	assert_int_equal(next_of("*-*~01 UTC", utc(2026, 2, 28, 0, 0, 0)), utc(2026, 3, 31, 0, 0, 0));
	assert_int_equal(next_of("*-02~03 UTC", utc(2026, 1, 1, 0, 0, 0)), utc(2026, 2, 26, 0, 0, 0));
	assert_int_equal(next_of("*-02~03 UTC", utc(2028, 1, 1, 0, 0, 0)), utc(2028, 2, 27, 0, 0, 0));
	/* the last Monday in May */
	assert_int_equal(next_of("Mon *-05~07/1 UTC", utc(2026, 6, 1, 0, 0, 0)),
			 utc(2027, 5, 31, 0, 0, 0));
	assert_int_equal(next_of("Mon *-05~07/1 UTC", utc(2027, 6, 1, 0, 0, 0)),
			 utc(2028, 5, 29, 0, 0, 0));
	/* the last three days */
	assert_int_equal(next_of("*-*~1..3 UTC", utc(2026, 4, 1, 0, 0, 0)), utc(2026, 4, 28, 0, 0, 0));
}

static void test_never(void **state)
{
	struct calendar c;
	uint64_t n = 0;

	assert_int_equal(calendar_parse("2003-03-05 05:40 UTC", &c, NULL), 0);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &n), -ENOENT);
	/* Feb 30 never comes */
	assert_int_equal(calendar_parse("*-02-30", &c, NULL), 0);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &n), -ENOENT);
	/* no Friday the 1st of that month and year */
	assert_int_equal(calendar_parse("Fri 2026-05-01..07 UTC", &c, NULL), 0);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &n), 0);
	assert_int_equal(n, utc(2026, 5, 1, 0, 0, 0));
	assert_int_equal(calendar_parse("Sat 2026-05-01 UTC", &c, NULL), 0);
	assert_int_equal(calendar_next(&c, utc(2026, 1, 1, 0, 0, 0), &n), -ENOENT);
}

/* Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST
 * -> 02:00 CET. */
static void test_dst(void **state)
{
	uint64_t a, b;

	if (!calendar_tz_valid("Europe/Berlin"))
		fail_msg("no time zone database (tzdata) here");
	/* 02:30 does not exist on the 29th: the next one is on the 30th */
	a = next_of("*-*-* 02:30:00 Europe/Berlin", utc(2026, 3, 28, 12, 0, 0));
	assert_int_equal(a, utc(2026, 3, 30, 0, 30, 0));   /* 02:30 CEST */
	/* hourly goes on through the change, one elapse an hour */
	a = next_of("hourly Europe/Berlin", utc(2026, 3, 29, 0, 30, 0));  /* 01:30 CET */
	assert_int_equal(a, utc(2026, 3, 29, 1, 0, 0));                    /* 03:00 CEST */
	/* 02:30 exists twice on Oct 25: it fires once, then on the 26th */
	a = next_of("*-*-* 02:30:00 Europe/Berlin", utc(2026, 10, 24, 12, 0, 0));
	assert_true(a == utc(2026, 10, 25, 0, 30, 0) || a == utc(2026, 10, 25, 1, 30, 0));
	b = next_of("*-*-* 02:30:00 Europe/Berlin", a);
	assert_int_equal(b, utc(2026, 10, 26, 1, 30, 0));   /* 02:30 CET */
	/* daily in that zone: local midnight, whatever the offset */
	assert_int_equal(next_of("daily Europe/Berlin", utc(2026, 7, 1, 12, 0, 0)),
			 utc(2026, 7, 1, 22, 0, 0));
	assert_int_equal(next_of("daily Europe/Berlin", utc(2026, 12, 1, 12, 0, 0)),
			 utc(2026, 12, 1, 23, 0, 0));
	/* the zone is given back: TZ is as it was */
	assert_null(getenv("TZ"));
}

static void test_local_time(void **state)
{
	/* with TZ naming a zone, an expression without one is in local time */
	setenv("TZ", ":America/New_York", 1);
	tzset();
	assert_int_equal(next_of("daily", utc(2026, 7, 1, 12, 0, 0)), utc(2026, 7, 2, 4, 0, 0));
	assert_int_equal(next_of("daily UTC", utc(2026, 7, 1, 12, 0, 0)), utc(2026, 7, 2, 0, 0, 0));
	assert_int_equal(next_of("daily Europe/Berlin", utc(2026, 7, 1, 12, 0, 0)),
			 utc(2026, 7, 1, 22, 0, 0));
	assert_string_equal(getenv("TZ"), ":America/New_York");
	unsetenv("TZ");
	tzset();
}

/* A property over random expressions made of the grammar's pieces: what
 * parses normalizes to a form that parses to itself, the next elapses are
 * strictly increasing, and each is an elapse (the first one after the
 * microsecond before it). */
static unsigned rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static void piece(char *buf, size_t len, int lo, int hi)
{
	size_t at = strlen(buf);
	int a = lo + (int)rnd((unsigned)(hi - lo + 1)), b = a + (int)rnd(5);

	switch (rnd(6)) {
	case 0: snprintf(buf + at, len - at, "*"); break;
	case 1: snprintf(buf + at, len - at, "%d", a); break;
	case 2: snprintf(buf + at, len - at, "%d..%d", a, b); break;
	case 3: snprintf(buf + at, len - at, "%d/%d", a, 1 + (int)rnd(7)); break;
	case 4: snprintf(buf + at, len - at, "%d,%d", a, b); break;
	default: snprintf(buf + at, len - at, "%d..%d/%d", a, b, 1 + (int)rnd(3)); break;
	}
}

/* An independent reading of systemd.time(7) for one field value. */
static bool chain_has(const struct cal_chain *ch, long v)
{
	if (ch->n == 0)
		return true;
	for (size_t i = 0; i < ch->n; i++) {
		const struct cal_comp *c = &ch->c[i];
		long hi = c->stop >= 0 ? c->stop : c->repeat ? 0x7fffffff : c->start;

		if (v < c->start || v > hi)
			continue;
		if (!c->repeat || (v - c->start) % c->repeat == 0)
			return true;
	}
	return false;
}

/* Does a UTC instant match c (no "~")? */
static bool utc_matches(const struct calendar *c, uint64_t usec)
{
	time_t t = (time_t)(usec / USEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (c->weekdays && !(c->weekdays & (1u << ((tm.tm_wday + 6) % 7))))
		return false;
	return chain_has(&c->year, tm.tm_year + 1900) && chain_has(&c->month, tm.tm_mon + 1) &&
	       chain_has(&c->day, tm.tm_mday) && chain_has(&c->hour, tm.tm_hour) &&
	       chain_has(&c->minute, tm.tm_min) &&
	       chain_has(&c->usec, (long)(tm.tm_sec * USEC + usec % USEC));
}

static void test_random_roundtrip(void **state)
{
	static const char *const wd[] = { "", "Mon ", "Sat,Sun ", "Mon..Fri ", "Tue,Thu..Sat " };
	static const char *const tz[] = { "", " UTC", " Europe/Berlin", " America/New_York" };
	unsigned parsed = 0, elapsed = 0;

	for (int i = 0; i < 3000; i++) {
		char e[256] = "", norm[256], norm2[256];
		struct calendar c, c2;
		uint64_t t = 1780000000ULL * 1000000 + rnd(1000000000) * 1000ULL, n;

		snprintf(e, sizeof(e), "%s", wd[rnd(5)]);
		if (rnd(4)) {
			if (rnd(2))
				piece(e, sizeof(e), 2020, 2040);
			else
				strcat(e, "*");
			strcat(e, "-");
			piece(e, sizeof(e), 1, 12);
			strcat(e, rnd(5) ? "-" : "~");
			piece(e, sizeof(e), 1, 31);
			strcat(e, " ");
		}
		piece(e, sizeof(e), 0, 23);
		strcat(e, ":");
		piece(e, sizeof(e), 0, 59);
		if (rnd(2)) {
			strcat(e, ":");
			piece(e, sizeof(e), 0, 59);
		}
		strcat(e, tz[rnd(4)]);
		if (calendar_parse(e, &c, NULL) != 0)
			continue;   /* a value out of range, say */
		parsed++;
		calendar_format(&c, norm, sizeof(norm));
		if (calendar_parse(norm, &c2, NULL) != 0)
			fail_msg("%s: normalized \"%s\" does not parse", e, norm);
		calendar_format(&c2, norm2, sizeof(norm2));
		if (strcmp(norm, norm2) != 0)
			fail_msg("%s: \"%s\" normalizes again to \"%s\"", e, norm, norm2);
		for (int k = 0; k < 3 && calendar_next(&c, t, &n) == 0; k++) {
			uint64_t again = 0;

			if (n <= t)
				fail_msg("%s: next elapse %llu not after %llu", e,
					 (unsigned long long)n, (unsigned long long)t);
			if (c.utc && !c.end_of_month && !utc_matches(&c, n))
				fail_msg("%s: %llu does not match it", e, (unsigned long long)n);
			/* an elapse is one: the first after the instant before it */
			if (calendar_next(&c, n - 1, &again) != 0 || again != n)
				fail_msg("%s: %llu is no elapse (next after it-1: %llu)", e,
					 (unsigned long long)n, (unsigned long long)again);
			t = n;
			elapsed++;
		}
	}
	assert_true(parsed > 1000);
	assert_true(elapsed > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalized_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_next_utc),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(test_end_of_month),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_local_time),
		cmocka_unit_test(test_random_roundtrip),
	};

	unsetenv("TZ");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
