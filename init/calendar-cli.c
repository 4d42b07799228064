/* SPDX-License-Identifier: MIT */
/*
 * calendar-cli.c: svcinit --calendar EXPR..., as systemd-analyze calendar:
 * the original and normalized forms and the next elapses of each
 * expression. Not PID 1: a command that prints and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "init/calendar-cli.h"
#include "units/calendar.h"

#define USEC 1000000ULL

static void fmt_time(uint64_t usec, bool utc, char *buf, size_t len)
{
	time_t t = (time_t)(usec / USEC);
	struct tm tm;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	if (strftime(buf, len, utc ? "%a %Y-%m-%d %H:%M:%S UTC" : "%a %Y-%m-%d %H:%M:%S %Z",
		     &tm) == 0)
		snprintf(buf, len, "@%llu", (unsigned long long)(usec / USEC));
}

/* As systemd's format_timestamp_relative, for the future. */
void calendar_fmt_relative(uint64_t d, char *buf, size_t len)
{
	const uint64_t MIN = 60 * USEC, HOUR = 60 * MIN, DAY = 24 * HOUR, WEEK = 7 * DAY,
		       MONTH = 2629800 * USEC, YEAR = 31557600 * USEC;
	const char *left = "left";

	if (d >= YEAR)
		snprintf(buf, len, "%llu year%s %llu month%s %s", (unsigned long long)(d / YEAR),
			 d / YEAR == 1 ? "" : "s", (unsigned long long)(d % YEAR / MONTH),
			 d % YEAR / MONTH == 1 ? "" : "s", left);
	else if (d >= MONTH)
		snprintf(buf, len, "%llu month%s %llu day%s %s", (unsigned long long)(d / MONTH),
			 d / MONTH == 1 ? "" : "s", (unsigned long long)(d % MONTH / DAY),
			 d % MONTH / DAY == 1 ? "" : "s", left);
	else if (d >= WEEK)
		snprintf(buf, len, "%llu week%s %llu day%s %s", (unsigned long long)(d / WEEK),
			 d / WEEK == 1 ? "" : "s", (unsigned long long)(d % WEEK / DAY),
			 d % WEEK / DAY == 1 ? "" : "s", left);
	else if (d >= 2 * DAY)
		snprintf(buf, len, "%llu days %s", (unsigned long long)(d / DAY), left);
	else if (d >= 25 * HOUR)
		snprintf(buf, len, "1 day %lluh %s", (unsigned long long)((d - DAY) / HOUR), left);
	else if (d >= 6 * HOUR)
		snprintf(buf, len, "%lluh %s", (unsigned long long)(d / HOUR), left);
	else if (d >= HOUR)
		snprintf(buf, len, "%lluh %llumin %s", (unsigned long long)(d / HOUR),
			 (unsigned long long)(d % HOUR / MIN), left);
	else if (d >= 5 * MIN)
		snprintf(buf, len, "%llumin %s", (unsigned long long)(d / MIN), left);
	else if (d >= MIN)
		snprintf(buf, len, "%llumin %llus %s", (unsigned long long)(d / MIN),
			 (unsigned long long)(d % MIN / USEC), left);
	else if (d >= USEC)
		snprintf(buf, len, "%llus %s", (unsigned long long)(d / USEC), left);
	else if (d >= 1000)
		snprintf(buf, len, "%llums %s", (unsigned long long)(d / 1000), left);
	else if (d > 0)
		snprintf(buf, len, "%lluus %s", (unsigned long long)d, left);
	else
		snprintf(buf, len, "now");
}

static bool local_is_utc(void)
{
	tzset();
	return timezone == 0 && daylight == 0;
}

static int one(const char *expr, unsigned iterations, uint64_t base)
{
	struct calendar c;
	const char *why = NULL;
	char norm[1024], t[128], rel[128];
	uint64_t at = base, next;
	bool utc = local_is_utc();

	if (calendar_parse(expr, &c, &why) < 0) {
		fprintf(stderr, "svcinit: failed to parse calendar specification '%s': %s\n", expr,
			why ? why : "invalid expression");
		return -EINVAL;
	}
	calendar_format(&c, norm, sizeof(norm));
	printf("  Original form: %s\n", expr);
	printf("Normalized form: %s\n", norm);
	for (unsigned i = 0; i < iterations; i++) {
		if (calendar_next(&c, at, &next) < 0) {
			if (i == 0)
				printf("    Next elapse: never\n");
			break;
		}
		fmt_time(next, false, t, sizeof(t));
		if (i == 0)
			printf("    Next elapse: %s\n", t);
		else {
			char label[32];

			snprintf(label, sizeof(label), "Iteration #%u:", i + 1);
			printf("%16s %s\n", label, t);
		}
		if (!utc) {
			fmt_time(next, true, t, sizeof(t));
			printf("       (in UTC): %s\n", t);
		}
		calendar_fmt_relative(next - base, rel, sizeof(rel));
		printf("       From now: %s\n", rel);
		at = next;
	}
	return 0;
}

int calendar_cli(char *const *exprs, unsigned iterations, uint64_t base_usec)
{
	int ret = 0;
	struct timespec ts;

	if (!exprs || !exprs[0]) {
		fprintf(stderr, "svcinit: --calendar needs at least one expression\n");
		return 2;
	}
	if (!base_usec) {
		clock_gettime(CLOCK_REALTIME, &ts);
		base_usec = (uint64_t)ts.tv_sec * USEC + (uint64_t)ts.tv_nsec / 1000;
	}
	for (size_t i = 0; exprs[i]; i++) {
		if (i)
			putchar('\n');
		if (one(exprs[i], iterations ? iterations : 1, base_usec) < 0)
			ret = 1;
	}
	return ret;
}
