/* SPDX-License-Identifier: MIT */
/*
 * svcctl-top.c: svcctl top, a live view of every unit as systemd-cgtop
 * gives one: state, CPU % (from the change of cpu_usec between two
 * refreshes), memory, tasks, restarts, health. On a terminal the screen is
 * redrawn each interval and `q` leaves; otherwise each refresh is printed as
 * plain lines (-n N refreshes, then exit 0).
 *
 * The figures come from `status --json`, read with the small JSON reader
 * below: svcinit writes that format, but it is parsed as JSON all the same
 * (strings with escapes, nesting), never by position.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "init/proto.h"
#include "init/svcctl-top.h"

#define TOP_UNITS_MAX 8192
#define TOP_NAME_MAX  80
#define NONE          UINT64_MAX

struct row {
	char name[TOP_NAME_MAX];
	char state[24];
	char health[16];
	uint64_t cpu_usec, memory, tasks, restarts;
	double cpu_pct;          /* -1: not known yet */
};

/* ---- a small JSON reader: what top needs of status --json --------------- */

struct jr {
	const char *p, *end;
};

static void ws(struct jr *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

/* A string into buf (cut to size, escapes decoded as far as top shows them). */
static bool jstring(struct jr *j, char *buf, size_t size)
{
	size_t n = 0;

	if (j->p >= j->end || *j->p != '"')
		return false;
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		char c = *j->p;

		if (c == '\\') {
			if (++j->p >= j->end)
				return false;
			c = *j->p;
			if (c == 'u') {          /* \uXXXX: shown as '?' */
				if (j->end - j->p < 5)
					return false;
				j->p += 4;
				c = '?';
			} else if (c == 'n' || c == 't' || c == 'r' || c == 'b' || c == 'f') {
				c = ' ';
			}
		}
		if (buf && n + 1 < size)
			buf[n++] = c;
	}
	if (j->p >= j->end)
		return false;
	j->p++;
	if (buf)
		buf[n] = '\0';
	return true;
}

static bool jvalue(struct jr *j, int depth);

static bool jcontainer(struct jr *j, int depth, char open, char close)
{
	if (depth > 16)
		return false;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		if (open == '{') {
			ws(j);
			if (!jstring(j, NULL, 0))
				return false;
			ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!jvalue(j, depth + 1))
			return false;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return true;
		}
		return false;
	}
}

/* Skips one value of any kind. */
static bool jvalue(struct jr *j, int depth)
{
	ws(j);
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '"':
		return jstring(j, NULL, 0);
	case '{':
		return jcontainer(j, depth, '{', '}');
	case '[':
		return jcontainer(j, depth, '[', ']');
	default:
		while (j->p < j->end && !strchr(",]} \n\t\r", *j->p))
			j->p++;
		return true;
	}
}

/* A number or null (NONE) */
static bool jnumber(struct jr *j, uint64_t *ret)
{
	char *e;

	ws(j);
	if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		*ret = NONE;
		return true;
	}
	*ret = strtoull(j->p, &e, 10);
	if (e == j->p)
		return false;
	j->p = e;
	return jvalue(j, 0);   /* the rest of a fraction or exponent, if any */
}

/* One unit object into r. */
static bool jrow(struct jr *j, struct row *r)
{
	memset(r, 0, sizeof(*r));
	r->cpu_usec = r->memory = r->tasks = NONE;
	r->cpu_pct = -1;
	snprintf(r->health, sizeof(r->health), "-");
	ws(j);
	if (j->p >= j->end || *j->p != '{')
		return false;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		char key[32];
		bool ok;

		ws(j);
		if (!jstring(j, key, sizeof(key)))
			return false;
		ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return false;
		ws(j);
		if (strcmp(key, "name") == 0)
			ok = jstring(j, r->name, sizeof(r->name));
		else if (strcmp(key, "state") == 0)
			ok = jstring(j, r->state, sizeof(r->state));
		else if (strcmp(key, "health") == 0 && j->p < j->end && *j->p == '"')
			ok = jstring(j, r->health, sizeof(r->health));
		else if (strcmp(key, "cpu_usec") == 0)
			ok = jnumber(j, &r->cpu_usec);
		else if (strcmp(key, "memory_bytes") == 0)
			ok = jnumber(j, &r->memory);
		else if (strcmp(key, "tasks") == 0)
			ok = jnumber(j, &r->tasks);
		else if (strcmp(key, "restarts") == 0)
			ok = jnumber(j, &r->restarts);
		else
			ok = jvalue(j, 1);
		if (!ok)
			return false;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return true;
		}
		return false;
	}
}

/* The array of units; returns how many, or -1 if it is not that. */
static int jrows(const char *text, size_t len, struct row *rows, int max)
{
	struct jr j = { .p = text, .end = text + len };
	int n = 0;

	ws(&j);
	if (j.p >= j.end || *j.p != '[')
		return -1;
	j.p++;
	ws(&j);
	if (j.p < j.end && *j.p == ']')
		return 0;
	for (;;) {
		struct row tmp;

		if (!jrow(&j, n < max ? &rows[n] : &tmp))
			return -1;
		if (n < max)
			n++;
		ws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		return j.p < j.end && *j.p == ']' ? n : -1;
	}
}

/* ---- the view ---------------------------------------------------------------- */

static volatile sig_atomic_t top_stop;

static void on_stop(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char units[] = "BKMGT";
	double v = (double)b;
	int u = 0;

	if (b == NONE) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void fmt_u64(char *buf, size_t len, uint64_t v)
{
	if (v == NONE)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int by_cpu(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->cpu_pct != y->cpu_pct)
		return x->cpu_pct < y->cpu_pct ? 1 : -1;
	return strcmp(x->name, y->name);
}

static double now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void frame(FILE *out, struct row *rows, int n, bool screen)
{
	char clock[16], mem[16], tasks[24], cpu[32];
	time_t t = time(NULL);
	struct tm tm;

	(void)localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (screen)
		fputs("\033[H\033[2J", out);
	fprintf(out, "svcctl top - %s, %d unit%s%s\n", clock, n, n == 1 ? "" : "s",
		screen ? " (q to quit)" : "");
	fprintf(out, "%-24s %-12s %7s %9s %6s %8s %-10s\n", "UNIT", "STATE", "CPU%", "MEMORY", "TASKS",
		"RESTARTS", "HEALTH");
	qsort(rows, (size_t)n, sizeof(rows[0]), by_cpu);
	for (int i = 0; i < n; i++) {
		struct row *r = &rows[i];

		if (r->cpu_pct < 0)
			snprintf(cpu, sizeof(cpu), "-");
		else
			snprintf(cpu, sizeof(cpu), "%.1f", r->cpu_pct);
		fmt_bytes(mem, sizeof(mem), r->memory);
		fmt_u64(tasks, sizeof(tasks), r->tasks);
		fprintf(out, "%-24s %-12s %7s %9s %6s %8llu %-10s\n", r->name, r->state, cpu, mem, tasks,
			(unsigned long long)(r->restarts == NONE ? 0 : r->restarts), r->health);
	}
	if (!screen)
		fputc('\n', out);
	fflush(out);
}

/* The CPU % of each row from the previous sample of the same unit. */
static void cpu_from(struct row *rows, int n, const struct row *prev, int np, double dt)
{
	for (int i = 0; i < n; i++) {
		if (rows[i].cpu_usec == NONE || dt <= 0)
			continue;
		for (int k = 0; k < np; k++) {
			if (strcmp(prev[k].name, rows[i].name) != 0 || prev[k].cpu_usec == NONE)
				continue;
			if (rows[i].cpu_usec >= prev[k].cpu_usec)
				rows[i].cpu_pct = (double)(rows[i].cpu_usec - prev[k].cpu_usec) / 1e4 / dt;
			break;
		}
	}
}

int svcctl_top(int (*fetch)(void *ctx, char **ret_json, size_t *ret_len), void *ctx,
	       double interval, long iterations)
{
	struct row *rows = calloc(TOP_UNITS_MAX, sizeof(*rows));
	struct row *prev = calloc(TOP_UNITS_MAX, sizeof(*prev));
	bool screen = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	struct termios saved, raw;
	struct sigaction sa = { .sa_handler = on_stop };
	int np = 0, code = PROTO_OK;
	double last = 0;

	if (!rows || !prev) {
		fprintf(stderr, "svcctl: top: out of memory\n");
		free(rows);
		free(prev);
		return PROTO_FAILED;
	}
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	if (screen && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fputs("\033[?25l", stdout);   /* no cursor while drawing */
	} else {
		screen = false;
	}
	for (long it = 0; !top_stop && (iterations <= 0 || it < iterations); it++) {
		char *json = NULL;
		size_t len = 0;
		double t;
		int n, r;

		r = fetch(ctx, &json, &len);
		t = now_s();
		/* the fetch may have set its own handlers: ours again */
		(void)sigaction(SIGINT, &sa, NULL);
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGHUP, &sa, NULL);
		if (r != PROTO_OK) {
			free(json);
			code = r < 0 ? PROTO_OK : r;
			break;
		}
		n = jrows(json, len, rows, TOP_UNITS_MAX);
		free(json);
		if (n < 0) {
			fprintf(stderr, "svcctl: top: svcinit's status is not the JSON expected\n");
			code = PROTO_FAILED;
			break;
		}
		cpu_from(rows, n, prev, np, last > 0 ? t - last : 0);
		memcpy(prev, rows, sizeof(*rows) * (size_t)n);
		np = n;
		last = t;
		frame(stdout, rows, n, screen);
		if (iterations > 0 && it + 1 >= iterations)
			break;
		/* wait the interval, or for q */
		for (double until = t + interval; !top_stop;) {
			struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
			double left = until - now_s();
			char c;

			if (left <= 0)
				break;
			if (!screen) {
				struct timespec ts = { .tv_sec = (time_t)left,
						       .tv_nsec = (long)((left - (double)(time_t)left) * 1e9) };

				(void)nanosleep(&ts, NULL);
				break;
			}
			if (poll(&p, 1, (int)(left * 1000) + 1) > 0 && read(STDIN_FILENO, &c, 1) == 1 &&
			    (c == 'q' || c == 'Q'))
				top_stop = 1;
		}
	}
	if (screen) {
		fputs("\033[?25h", stdout);
		fflush(stdout);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	free(rows);
	free(prev);
	return code;
}
