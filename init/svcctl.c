/* SPDX-License-Identifier: MIT */
/*
 * svcctl.c: the control tool. argv → one request line → print the reply →
 * exit with its code.
 *
 * Usage is checked here, before connecting: a typo never reaches svcinit and
 * always exits 2. The reply header "CODE\n" is svcinit's verdict and becomes
 * the exit code; the body goes to stdout with code 0, to stderr otherwise.
 * Exit codes are only ever 0..5 (SPEC): signals that end a wait (ctrl-c on
 * `logs -f`, on a blocking `stop`) are caught and turned into one.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "init/proto.h"
#include "init/svcctl-exec.h"
#include "init/svcctl-top.h"

#ifndef SVCINIT_VERSION
#define SVCINIT_VERSION "unknown"
#endif

#define NAME_MAX_LEN       64
#define HEADER_MAX         16          /* "CODE\n" and some slack */
#define CONNECT_TIMEOUT_S  10          /* a wedged accept queue, not a slow server */
#define QUERY_TIMEOUT_S    30          /* status, is-active: answered at once */
#define WAIT_SLACK_S       5           /* client deadline = --timeout + this */
#define LOGS_LINES_MAX     100000000UL

enum {
	ARGS_NONE,      /* no names */
	ARGS_ONE,       /* exactly one name */
	ARGS_SOME,      /* at least one name */
	ARGS_ANY,       /* zero or more names */
};

struct cmd {
	const char *name;
	int args;
	const char *synopsis;
	const char *help;
};

static const struct cmd cmds[] = {
	{ "status", ARGS_ANY, "status [--json] [--state=LIST] [--failed] [NAME...]",
	  "Show a table of all units, or the named ones (exit 3 if one is not active); --json prints a JSON array." },
	{ "start", ARGS_SOME, "start NAME...",
	  "Start the units; returns when they are running, or failed to start." },
	{ "stop", ARGS_SOME, "stop NAME...",
	  "Stop the units; returns when they are stopped." },
	{ "restart", ARGS_SOME, "restart NAME...",
	  "Stop, then start the units (also takes a unit out of `failed`)." },
	{ "pause", ARGS_SOME, "pause NAME...",
	  "Freeze every process of the units; returns once the kernel reports them frozen." },
	{ "resume", ARGS_SOME, "resume NAME...",
	  "Thaw paused units." },
	{ "reload", ARGS_ANY, "reload [NAME...]",
	  "Run the units' ExecReload= (SIGHUP for Type=notify-reload); returns when it is done. "
	  "Without names: as daemon-reload." },
	{ "daemon-reload", ARGS_NONE, "daemon-reload",
	  "Re-read the unit directory: start new units, stop removed ones, restart changed ones." },
	{ "health", ARGS_ONE, "health NAME",
	  "Run the unit's HealthCheck= now and print its output; exit 0 if it passed, 1 if not, 3 without a check." },
	{ "kill", ARGS_SOME, "kill [-s SIGNAL] [--main] NAME...",
	  "Send SIGNAL (default SIGTERM; a name as kill -l, or a number) to every process of the units, or with --main to the main process only." },
	{ "show", ARGS_ONE, "show NAME [-p KEY[,KEY...]]... [--value]",
	  "Print the unit's properties as KEY=VALUE lines with systemd's names; --value prints the values only." },
	{ "logs", ARGS_ANY, "logs [-n N] [-f] [-t] [--since TIME] [--json] [NAME...]",
	  "Print the last N lines (default 100) of each unit's output, merged by time; -f follows until ctrl-c." },
	{ "cat", ARGS_ONE, "cat NAME",
	  "Print the unit's file and each drop-in applied, each after a \"# PATH\" line." },
	{ "wait", ARGS_SOME, "wait [--timeout S] NAME...",
	  "Block until every unit is ready; S in seconds (or with ms, s, min)." },
	{ "metrics", ARGS_NONE, "metrics [--listen ADDR:PORT]",
	  "Print every unit's figures in the Prometheus text format; --listen serves them over HTTP at /metrics." },
	{ "list-sockets", ARGS_NONE, "list-sockets [--json]",
	  "List the sockets of .socket units: address, type, unit, the service it activates." },
	{ "list-timers", ARGS_NONE, "list-timers [--json]",
	  "List the .timer units: next elapse, time left, last trigger, time passed, unit, what it activates." },
	{ "is-active", ARGS_SOME, "is-active NAME...",
	  "Print each unit's state; exit 0 if every one is running or paused, 3 otherwise." },
	{ "top", ARGS_NONE, "top [-d SECONDS] [-n N]",
	  "A live view of every unit: state, CPU %, memory, tasks, restarts, health; q leaves." },
	{ "exec", ARGS_ONE, "exec NAME -- COMMAND [ARG...]",
	  "Run COMMAND inside the unit's namespaces, root, cgroup, user and environment, on this terminal (root only)." },
	{ "poweroff", ARGS_NONE, "poweroff",
	  "Stop everything and power off (outside machine mode: svcinit exits)." },
	{ "reboot", ARGS_NONE, "reboot",
	  "Stop everything and reboot (outside machine mode: svcinit exits)." },
	{ "halt", ARGS_NONE, "halt",
	  "Stop everything and halt (outside machine mode: svcinit exits)." },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* One invocation, fully parsed before anything is sent. */
struct invocation {
	const char *socket_path;
	bool json;
	const struct cmd *cmd;
	const char *names[PROTO_ARGS_MAX];
	size_t n_names;
	unsigned long lines;       /* logs -n */
	bool follow;               /* logs -f */
	bool timestamps;           /* logs -t */
	long long since_usec;      /* logs --since, 0 when not given */
	long timeout_ms;           /* wait --timeout, -1 when not given */
	const char *listen;        /* metrics --listen ADDR:PORT */
	const char *states;        /* status --state=LIST (--failed: "failed") */
	char **exec_argv;          /* exec NAME -- COMMAND...: NULL-terminated */
	const char *kill_signal;   /* kill -s SIGNAL */
	bool kill_main;            /* kill --main */
	const char *props[PROTO_ARGS_MAX]; /* show -p KEY (each may be "A,B") */
	size_t n_props;
	bool value_only;           /* show --value */
	long top_delay_ms;         /* top -d */
	unsigned long top_iterations; /* top -n, 0: until q */
};

/* Where the reply body goes when not to stdout/stderr (metrics --listen). */
struct body_sink {
	int (*add)(void *ctx, const char *buf, size_t len);
	void *ctx;
};

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: svcctl [-s PATH] [--json] COMMAND [ARG...]\n"
		"\n"
		"Control svcinit through its socket: -s PATH, else $SVCINIT_SOCKET,\n"
		"else %s.\n"
		"\n"
		"Commands:\n", PROTO_SOCKET_DEFAULT);
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-30s %s\n", cmds[i].synopsis, cmds[i].help);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -s, --socket PATH   control socket\n"
		"      --json          machine-readable status\n"
		"  -h, --help          this help; COMMAND --help for one command\n"
		"      --version       print the version\n"
		"\n"
		"Exit codes: 0 done, 1 failed, 2 usage, 3 no such unit (or not active),\n"
		"4 permission denied, 5 svcinit cannot be reached.\n");
}

static void cmd_help(const struct cmd *c)
{
	printf("Usage: svcctl [-s PATH] %s\n\n%s\n", c->synopsis, c->help);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("svcctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'svcctl --help'.\n", stderr);
	return PROTO_USAGE;
}

static const struct cmd *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_CMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > NAME_MAX_LEN)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '@' || c == '-'))
			return false;
	}
	return true;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*ret = v;
	return 0;
}

static long long realtime_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --since as journalctl takes it, into microseconds since the epoch (local
 * time unless a zone is given): "YYYY-MM-DD [HH:MM[:SS]]", "HH:MM[:SS]"
 * (today), RFC 3339 ("2026-12-02T10:00:00Z", "...+01:00", fractions),
 * "now", "today", "yesterday", and relative: "-5min", "1h ago", "30s ago". */
static int parse_since(const char *s, long long now_usec, long long *ret)
{
	time_t now = (time_t)(now_usec / 1000000);
	static const struct { const char *unit; long long usec; } units[] = {
		{ "us", 1 }, { "usec", 1 }, { "ms", 1000 }, { "msec", 1000 }, { "s", 1000000 },
		{ "sec", 1000000 }, { "second", 1000000 }, { "seconds", 1000000 },
		{ "m", 60000000LL }, { "min", 60000000LL }, { "minute", 60000000LL },
		{ "minutes", 60000000LL }, { "h", 3600000000LL }, { "hour", 3600000000LL },
		{ "hours", 3600000000LL }, { "d", 86400000000LL }, { "day", 86400000000LL },
		{ "days", 86400000000LL }, { "w", 604800000000LL }, { "week", 604800000000LL },
		{ "weeks", 604800000000LL },
	};
	struct tm tm;
	char rest[64];
	const char *p;
	long long v;
	int consumed = 0, y, mo, d, h = 0, mi = 0, sec = 0;
	size_t len = strlen(s);

	localtime_r(&now, &tm);
	if (strcmp(s, "now") == 0) {
		*ret = now_usec;
		return 0;
	}
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if (s[0] == 'y')
			tm.tm_mday -= 1;
		*ret = (long long)mktime(&tm) * 1000000;
		return 0;
	}
	/* relative: "-N unit" or "N unit ago" */
	if (s[0] == '-' || (len > 4 && strcmp(s + len - 4, " ago") == 0)) {
		char num[32], unit[16];
		size_t body = s[0] == '-' ? len - 1 : len - 4, k = 0;

		p = s[0] == '-' ? s + 1 : s;
		if (body >= sizeof(rest))
			return -EINVAL;
		memcpy(rest, p, body);
		rest[body] = '\0';
		while (rest[k] >= '0' && rest[k] <= '9' && k < sizeof(num) - 1)
			k++;
		if (k == 0 || k >= sizeof(num) - 1)
			return -EINVAL;
		memcpy(num, rest, k);
		num[k] = '\0';
		p = rest + k;
		while (*p == ' ')
			p++;
		if (strlen(p) >= sizeof(unit))
			return -EINVAL;
		snprintf(unit, sizeof(unit), "%s", *p ? p : "s");
		v = strtoll(num, NULL, 10);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (strcmp(unit, units[i].unit) != 0)
				continue;
			if (v > 100LL * 365 * 86400000000LL / units[i].usec)
				return -ERANGE;
			*ret = now_usec - v * units[i].usec;
			return *ret > 0 ? 0 : -ERANGE;
		}
		return -EINVAL;
	}
	/* absolute */
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) == 3) {
		long frac_usec = 0;
		bool zone = false;
		long offset = 0;

		p = s + consumed;
		if (*p == ' ' || *p == 'T') {
			int c2 = 0;

			if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &c2) != 2)
				return -EINVAL;
			p += 1 + c2;
			if (*p == ':') {
				if (sscanf(p + 1, "%2d%n", &sec, &c2) != 1)
					return -EINVAL;
				p += 1 + c2;
			}
			if (*p == '.') {
				long scale = 100000;

				for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
					frac_usec += scale > 0 ? (*p - '0') * scale : 0;
			}
			if (*p == 'Z' || *p == 'z') {
				zone = true;
				p++;
			} else if (*p == '+' || *p == '-') {
				int oh, om;

				if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
					return -EINVAL;
				zone = true;
				offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
				p += 6;
			}
		}
		if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
			return -EINVAL;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*ret = (long long)(zone ? timegm(&tm) - offset : mktime(&tm)) * 1000000 + frac_usec;
		return *ret > 0 ? 0 : -EINVAL;
	}
	if (sscanf(s, "%2d:%2d%n", &h, &mi, &consumed) == 2) {
		p = s + consumed;
		if (*p == ':' && sscanf(p + 1, "%2d%n", &sec, &consumed) == 1)
			p += 1 + consumed;
		if (*p || h > 23 || mi > 59 || sec > 60)
			return -EINVAL;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*ret = (long long)mktime(&tm) * 1000000;
		return 0;
	}
	return -EINVAL;
}

/* "5", "5s", "500ms", "2min": the unit-file time syntax, in milliseconds. */
static int parse_timeout(const char *s, long *ret_ms)
{
	static const struct { const char *suffix; unsigned long ms; } units[] = {
		{ "", 1000 }, { "s", 1000 }, { "sec", 1000 }, { "ms", 1 }, { "min", 60000 },
	};
	char digits[16];
	size_t n = strspn(s, "0123456789"), i;
	unsigned long v;

	if (n == 0 || n >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_ulong(digits, 100000000UL, &v) < 0)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].suffix) == 0) {
			*ret_ms = (long)(v * units[i].ms);
			return 0;
		}
	}
	return -EINVAL;
}

/* The value of "-x V", "-xV", "--long V", "--long=V" at argv[*i]; NULL if
 * argv[*i] is not that option. *missing is set when the value is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *shrt, const char *lng,
			     bool *missing)
{
	const char *a = argv[*i];
	size_t ls = shrt ? strlen(shrt) : 0, ll = lng ? strlen(lng) : 0;

	*missing = false;
	if ((shrt && strcmp(a, shrt) == 0) || (lng && strcmp(a, lng) == 0)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return a;
		}
		return argv[++*i];
	}
	if (shrt && strncmp(a, shrt, ls) == 0 && a[ls])
		return a + ls;
	if (lng && strncmp(a, lng, ll) == 0 && a[ll] == '=')
		return a + ll + 1;
	return NULL;
}

/* Parse everything. Returns -1 to go on, else the exit code (help, usage). */
static int parse_args(int argc, char **argv, struct invocation *inv)
{
	const char *env = getenv("SVCINIT_SOCKET");
	bool missing, end_opts = false;
	const char *v;
	int i;

	inv->socket_path = env && *env ? env : PROTO_SOCKET_DEFAULT;
	inv->lines = 100;
	inv->timeout_ms = -1;

	/* global options, up to the command */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("svcctl %s\n", SVCINIT_VERSION);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			inv->json = true;
			continue;
		}
		if (strcmp(a, "--no-pager") == 0)
			continue;   /* svcctl never pages: accepted, as systemctl's */
		v = opt_value(argc, argv, &i, "-s", "--socket", &missing);
		if (v) {
			if (missing)
				return usage_error("option %s needs a PATH", v);
			if (!*v)
				return usage_error("empty socket path");
			inv->socket_path = v;
			continue;
		}
		return usage_error("unknown option '%s'", a);
	}
	if (i >= argc) {
		usage(stderr);
		return PROTO_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		const struct cmd *c = i + 1 < argc ? cmd_find(argv[i + 1]) : NULL;

		if (i + 1 < argc && !c)
			return usage_error("unknown command '%s'", argv[i + 1]);
		if (c)
			cmd_help(c);
		else
			usage(stdout);
		return 0;
	}
	inv->cmd = cmd_find(argv[i]);
	if (!inv->cmd)
		return usage_error("unknown command '%s'", argv[i]);

	/* the command's own options and its names */
	for (i++; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(inv->cmd->name, "exec") == 0 && strcmp(a, "--") == 0) {
			if (i + 1 >= argc)
				return usage_error("exec: no COMMAND after --");
			inv->exec_argv = argv + i + 1;
			break;
		}
		if (!end_opts && a[0] == '-' && a[1] != '\0') {
			if (strcmp(a, "--") == 0) {
				end_opts = true;
				continue;
			}
			if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
				cmd_help(inv->cmd);
				return 0;
			}
			if (strcmp(a, "--json") == 0) {
				inv->json = true;
				continue;
			}
			if (strcmp(a, "--no-pager") == 0)
				continue;
			if (strcmp(inv->cmd->name, "status") == 0) {
				if (strcmp(a, "--failed") == 0) {
					inv->states = "failed";
					continue;
				}
				if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0)
					continue;   /* every unit is shown anyway */
				v = opt_value(argc, argv, &i, NULL, "--state", &missing);
				if (v) {
					if (missing || !*v || strchr(v, ' '))
						return usage_error("option --state needs a comma-separated list of states");
					inv->states = v;
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "logs") == 0) {
				if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
					inv->follow = true;
					continue;
				}
				if (strcmp(a, "-t") == 0 || strcmp(a, "--timestamps") == 0) {
					inv->timestamps = true;
					continue;
				}
				v = opt_value(argc, argv, &i, NULL, "--since", &missing);
				if (v) {
					if (missing)
						return usage_error("option --since needs a TIME");
					if (parse_since(v, realtime_usec(), &inv->since_usec) < 0)
						return usage_error("bad time '%s' for --since (e.g. \"2026-12-02 10:00:00\", "
								   "10:00, -5min, \"1h ago\", today, yesterday)", v);
					continue;
				}
				v = opt_value(argc, argv, &i, "-n", "--lines", &missing);
				if (v) {
					if (missing)
						return usage_error("option %s needs a number", v);
					if (parse_ulong(v, LOGS_LINES_MAX, &inv->lines) < 0)
						return usage_error("bad line count '%s' for -n", v);
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "top") == 0) {
				v = opt_value(argc, argv, &i, "-d", "--delay", &missing);
				if (v) {
					if (missing || parse_timeout(v, &inv->top_delay_ms) < 0 ||
					    inv->top_delay_ms < 100)
						return usage_error("top: -d needs at least 100ms (e.g. 1, 2s, 500ms)");
					continue;
				}
				v = opt_value(argc, argv, &i, "-n", "--iterations", &missing);
				if (v) {
					if (missing || parse_ulong(v, 1000000UL, &inv->top_iterations) < 0 ||
					    inv->top_iterations == 0)
						return usage_error("top: -n needs a count of refreshes");
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "show") == 0) {
				if (strcmp(a, "--value") == 0) {
					inv->value_only = true;
					continue;
				}
				v = opt_value(argc, argv, &i, "-p", "--property", &missing);
				if (v) {
					if (missing || !*v)
						return usage_error("option -p needs a property name");
					if (inv->n_props >= PROTO_ARGS_MAX)
						return usage_error("too many properties");
					inv->props[inv->n_props++] = v;
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "metrics") == 0) {
				v = opt_value(argc, argv, &i, NULL, "--listen", &missing);
				if (v) {
					if (missing || !*v)
						return usage_error("option --listen needs ADDR:PORT");
					inv->listen = v;
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "kill") == 0) {
				if (strcmp(a, "--main") == 0) {
					inv->kill_main = true;
					continue;
				}
				v = opt_value(argc, argv, &i, "-s", "--signal", &missing);
				if (v) {
					if (missing || !*v || strlen(v) > 16 || strchr(v, ' '))
						return usage_error("option -s needs a signal (e.g. TERM, SIGUSR1, 9)");
					inv->kill_signal = v;
					continue;
				}
			}
			if (strcmp(inv->cmd->name, "wait") == 0) {
				v = opt_value(argc, argv, &i, "-t", "--timeout", &missing);
				if (v) {
					if (missing)
						return usage_error("option %s needs seconds", v);
					if (parse_timeout(v, &inv->timeout_ms) < 0)
						return usage_error("bad timeout '%s' (e.g. 5, 5s, 500ms, 2min)", v);
					continue;
				}
			}
			return usage_error("%s: unknown option '%s'", inv->cmd->name, a);
		}
		if (!name_valid(a))
			return usage_error("invalid unit name '%s' (1-64 of A-Z a-z 0-9 _ . @ -)", a);
		if (inv->n_names >= PROTO_ARGS_MAX - 8)
			return usage_error("too many unit names");
		inv->names[inv->n_names++] = a;
	}

	if (strcmp(inv->cmd->name, "exec") == 0 && !inv->exec_argv)
		return usage_error("exec needs NAME -- COMMAND [ARG...]");
	switch (inv->cmd->args) {
	case ARGS_NONE:
		if (inv->n_names > 0)
			return usage_error("%s takes no unit names", inv->cmd->name);
		break;
	case ARGS_ONE:
		if (inv->n_names != 1)
			return usage_error("%s needs exactly one unit name", inv->cmd->name);
		break;
	case ARGS_SOME:
		if (inv->n_names < 1)
			return usage_error("%s needs at least one unit name", inv->cmd->name);
		break;
	default:
		break;
	}
	return -1;
}

/* Compose the request line. Returns its length or -E2BIG. */
static int request_build(const struct invocation *inv, char *buf, size_t size)
{
	size_t len = 0, i;
	char num[32];
	int n;

#define ADD(s) do {                                             \
		const char *s_ = (s);                           \
		size_t l_ = strlen(s_);                         \
		if (len + l_ + 2 > size)                        \
			return -E2BIG;                          \
		if (len > 0)                                    \
			buf[len++] = ' ';                       \
		memcpy(buf + len, s_, l_);                      \
		len += l_;                                      \
	} while (0)

	/* daemon-reload is the old "reload" without names on the wire */
	ADD(strcmp(inv->cmd->name, "daemon-reload") == 0 ? "reload" : inv->cmd->name);
	if ((strcmp(inv->cmd->name, "status") == 0 || strncmp(inv->cmd->name, "list-", 5) == 0) &&
	    inv->json)
		ADD("--json");
	if (strcmp(inv->cmd->name, "status") == 0 && inv->states) {
		ADD("--state");
		ADD(inv->states);
	}
	if (strcmp(inv->cmd->name, "logs") == 0) {
		n = snprintf(num, sizeof(num), "%lu", inv->lines);
		if (n < 0 || (size_t)n >= sizeof(num))
			return -E2BIG;
		ADD("-n");
		ADD(num);
		if (inv->follow)
			ADD("-f");
		if (inv->timestamps)
			ADD("-t");
		if (inv->json)
			ADD("--json");
		if (inv->since_usec > 0) {
			n = snprintf(num, sizeof(num), "%lld", inv->since_usec);
			if (n < 0 || (size_t)n >= sizeof(num))
				return -E2BIG;
			ADD("--since");
			ADD(num);
		}
	}
	if (strcmp(inv->cmd->name, "wait") == 0 && inv->timeout_ms >= 0) {
		/* plain seconds on the wire, whatever suffix was typed */
		if (inv->timeout_ms % 1000 == 0)
			n = snprintf(num, sizeof(num), "%ld", inv->timeout_ms / 1000);
		else
			n = snprintf(num, sizeof(num), "%ld.%03ld", inv->timeout_ms / 1000,
				     inv->timeout_ms % 1000);
		if (n < 0 || (size_t)n >= sizeof(num))
			return -E2BIG;
		ADD("--timeout");
		ADD(num);
	}
	if (strcmp(inv->cmd->name, "kill") == 0) {
		if (inv->kill_signal) {
			ADD("-s");
			ADD(inv->kill_signal);
		}
		if (inv->kill_main)
			ADD("--main");
	}
	for (i = 0; i < inv->n_names; i++)
		ADD(inv->names[i]);
#undef ADD
	buf[len++] = '\n';
	return (int)len;
}

/* Connect to the control socket. Returns an fd or -errno. */
static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CONNECT_TIMEOUT_S };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* bounds a connect() stuck on a full accept queue, and the send */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR && !got_signal);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR && !got_signal)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is there, waiting for input, a signal or the deadline.
 * Returns bytes read, 0 at EOF, -EINTR (signal), -ETIMEDOUT or -errno. */
static ssize_t recv_some(int fd, char *buf, size_t size, long deadline_ms, const sigset_t *waitmask)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct timespec ts, *tsp = NULL;
		ssize_t n;
		int r;

		if (got_signal)
			return -EINTR;
		if (deadline_ms >= 0) {
			long left = deadline_ms - now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000;
			tsp = &ts;
		}
		r = ppoll(&p, 1, tsp, waitmask);
		if (r < 0) {
			if (errno == EINTR)
				continue;   /* got_signal is checked above */
			return -errno;
		}
		if (r == 0)
			continue;           /* the deadline is checked above */
		n = recv(fd, buf, size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		return n;
	}
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Colouring the state column of the status table. */
struct colour_out {
	bool on;
	char line[8192];
	size_t len;
};

static const char *state_colour(const char *word, size_t len)
{
	static const struct { const char *state; const char *sgr; } map[] = {
		{ "running", "\033[32m" },
		{ "failed", "\033[31m" },
		{ "paused", "\033[33m" },
		{ "starting", "\033[33m" },
		{ "restarting", "\033[33m" },
		{ "stopping", "\033[33m" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i].state) == len && memcmp(map[i].state, word, len) == 0)
			return map[i].sgr;
	return NULL;
}

static int colour_flush_line(int fd, const char *l, size_t len)
{
	size_t a = 0, b, c, w;
	const char *sgr;
	int r;

	/* field 1, then the spaces after it, then field 2 = [b, c) */
	while (a < len && (l[a] == ' ' || l[a] == '\t'))
		a++;
	while (a < len && l[a] != ' ' && l[a] != '\t' && l[a] != '\n')
		a++;
	b = a;
	while (b < len && (l[b] == ' ' || l[b] == '\t'))
		b++;
	c = b;
	while (c < len && l[c] != ' ' && l[c] != '\t' && l[c] != '\n')
		c++;
	/* the detail view says "state: running, ready" */
	w = c > b && l[c - 1] == ',' ? c - 1 : c;
	sgr = (b > a && w > b) ? state_colour(l + b, w - b) : NULL;
	if (!sgr)
		return write_all(fd, l, len);
	r = write_all(fd, l, b);
	if (r == 0)
		r = write_all(fd, sgr, strlen(sgr));
	if (r == 0)
		r = write_all(fd, l + b, w - b);
	if (r == 0)
		r = write_all(fd, "\033[0m", 4);
	if (r == 0)
		r = write_all(fd, l + w, len - w);
	return r;
}

static int colour_write(struct colour_out *co, int fd, const char *buf, size_t len)
{
	int r;

	if (!co->on)
		return write_all(fd, buf, len);
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;

		if (co->len + take > sizeof(co->line)) {
			/* an overlong line: pass it through as it is */
			r = write_all(fd, co->line, co->len);
			co->len = 0;
			if (r == 0)
				r = write_all(fd, buf, take);
			if (r < 0)
				return r;
		} else {
			memcpy(co->line + co->len, buf, take);
			co->len += take;
			if (nl) {
				r = colour_flush_line(fd, co->line, co->len);
				co->len = 0;
				if (r < 0)
					return r;
			}
		}
		buf += take;
		len -= take;
	}
	return 0;
}

static int colour_end(struct colour_out *co, int fd)
{
	int r = 0;

	if (co->on && co->len > 0)
		r = colour_flush_line(fd, co->line, co->len);
	co->len = 0;
	return r;
}

static bool want_colour(const struct invocation *inv)
{
	const char *term = getenv("TERM");

	return strcmp(inv->cmd->name, "status") == 0 && !inv->json && isatty(STDOUT_FILENO) &&
	       !(term && strcmp(term, "dumb") == 0) && !getenv("NO_COLOR");
}

/* Talk to svcinit; returns the exit code. The body goes to stdout (stderr
 * for a failure), or to sink when there is one. */
static int run(const struct invocation *inv, const struct body_sink *sink)
{
	static char buf[65536];
	char req[PROTO_REQ_MAX];
	char header[HEADER_MAX];
	struct colour_out co = { .on = false };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	long deadline = -1;
	size_t hlen = 0;
	int fd, len, r, code = -1, out_fd;
	bool is_logs_follow = strcmp(inv->cmd->name, "logs") == 0 && inv->follow;

	len = request_build(inv, req, sizeof(req));
	if (len < 0)
		return usage_error("request longer than %d bytes", PROTO_REQ_MAX);

	/* Signals are blocked except while waiting in ppoll(), so that one
	 * arriving between a check and the wait is never lost. */
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);

	fd = ctl_connect(inv->socket_path);
	if (fd < 0) {
		fprintf(stderr, "svcctl: cannot reach svcinit at %s: %s\n", inv->socket_path,
			strerror(-fd));
		return PROTO_UNREACHABLE;
	}
	r = send_all(fd, req, (size_t)len);
	if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
		fprintf(stderr, "svcctl: cannot reach svcinit at %s: %s\n", inv->socket_path,
			strerror(-r));
		close(fd);
		return PROTO_UNREACHABLE;
	}
	/* EPIPE, ECONNRESET: svcinit may have answered before it read the
	 * request ("busy: too many clients"); the answer is still there */
	/* No shutdown(SHUT_WR) here: svcinit takes EOF from a client that is
	 * waiting for a blocking operation as "the client left". */

	if (inv->timeout_ms >= 0)
		deadline = now_ms() + inv->timeout_ms + WAIT_SLACK_S * 1000L;
	else if (strcmp(inv->cmd->name, "status") == 0 || strcmp(inv->cmd->name, "is-active") == 0 ||
		 strcmp(inv->cmd->name, "metrics") == 0 || strncmp(inv->cmd->name, "list-", 5) == 0)
		deadline = now_ms() + QUERY_TIMEOUT_S * 1000L;

	/* the header: "CODE\n" */
	while (code < 0) {
		ssize_t n = recv_some(fd, header + hlen, 1, deadline, &waitmask);

		if (n == 0 || n == -ECONNRESET) {
			if (hlen == 0) {
				fprintf(stderr, "svcctl: svcinit at %s closed the connection without an answer\n",
					inv->socket_path);
				code = PROTO_UNREACHABLE;
			} else {
				fprintf(stderr, "svcctl: malformed reply from svcinit (truncated header)\n");
				code = PROTO_FAILED;
			}
			goto out;
		}
		if (n == -EINTR) {
			if (!is_logs_follow)
				fprintf(stderr, "svcctl: interrupted\n");
			code = is_logs_follow ? PROTO_OK : PROTO_FAILED;
			goto out;
		}
		if (n == -ETIMEDOUT) {
			fprintf(stderr, "svcctl: svcinit at %s did not answer in time\n", inv->socket_path);
			code = PROTO_UNREACHABLE;
			goto out;
		}
		if (n < 0) {
			fprintf(stderr, "svcctl: reading from svcinit: %s\n", strerror((int)-n));
			code = PROTO_FAILED;
			goto out;
		}
		if (header[hlen] == '\n') {
			if (hlen == 1 && header[0] >= '0' && header[0] <= '5') {
				code = header[0] - '0';
				break;
			}
			fprintf(stderr, "svcctl: malformed reply from svcinit (bad header)\n");
			code = PROTO_FAILED;
			goto out;
		}
		if (++hlen >= sizeof(header)) {
			fprintf(stderr, "svcctl: malformed reply from svcinit (bad header)\n");
			code = PROTO_FAILED;
			goto out;
		}
	}

	/* the body, until svcinit closes (logs -f: or until ctrl-c) */
	out_fd = code == PROTO_OK ? STDOUT_FILENO : STDERR_FILENO;
	co.on = code == PROTO_OK && want_colour(inv);
	for (;;) {
		ssize_t n = recv_some(fd, buf, sizeof(buf), deadline, &waitmask);

		if (n == 0)
			break;
		if (n == -EINTR) {
			if (!is_logs_follow) {
				fprintf(stderr, "svcctl: interrupted\n");
				code = PROTO_FAILED;
			}
			break;
		}
		if (n == -ETIMEDOUT) {
			fprintf(stderr, "svcctl: svcinit at %s did not finish its answer in time\n",
				inv->socket_path);
			code = PROTO_UNREACHABLE;
			break;
		}
		if (n == -ECONNRESET && code != PROTO_OK)
			break;      /* closed with our request unread: an early answer (busy) */
		if (n < 0) {
			fprintf(stderr, "svcctl: reading from svcinit: %s\n", strerror((int)-n));
			if (code == PROTO_OK)
				code = PROTO_FAILED;
			break;
		}
		r = sink ? sink->add(sink->ctx, buf, (size_t)n) : colour_write(&co, out_fd, buf, (size_t)n);
		if (r == -EPIPE)
			goto out;           /* the reader left: nothing more to say */
		if (r < 0) {
			fprintf(stderr, "svcctl: writing output: %s\n", strerror(-r));
			code = PROTO_FAILED;
			goto out;
		}
	}
	(void)colour_end(&co, out_fd);
out:
	close(fd);
	return code;
}

/* ---- svcctl metrics --listen: /metrics over HTTP ---------------------------
 * Meant to run as a unit (PID 1 never listens on TCP). One connection at a
 * time, each bounded in time (HTTP_IO_TIMEOUT_S) and size: a scraper that
 * stalls delays the next scrape, never forever. */

#define HTTP_HEAD_MAX      8192
#define HTTP_IO_TIMEOUT_S  10
#define METRICS_BODY_MAX   (64u << 20)

struct growbuf {
	char *p;
	size_t len, cap;
};

static int growbuf_add(void *ctx, const char *buf, size_t len)
{
	struct growbuf *g = ctx;

	if (g->len + len > METRICS_BODY_MAX)
		return -EFBIG;
	if (g->len + len > g->cap) {
		size_t cap = g->cap ? g->cap : 65536;
		char *p;

		while (cap < g->len + len)
			cap *= 2;
		p = realloc(g->p, cap);
		if (!p)
			return -ENOMEM;
		g->p = p;
		g->cap = cap;
	}
	memcpy(g->p + g->len, buf, len);
	g->len += len;
	return 0;
}

/* "ADDR:PORT", "[V6]:PORT" or ":PORT" (every address) into a listening socket. */
static int http_listen(const char *spec)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	char host[256];
	const char *port = strrchr(spec, ':');
	size_t hlen;
	int fd = -1, one = 1, r;

	if (!port || !port[1] || port - spec >= (ptrdiff_t)sizeof(host)) {
		fprintf(stderr, "svcctl: --listen wants ADDR:PORT, [V6]:PORT or :PORT, not '%s'\n", spec);
		return -EINVAL;
	}
	hlen = (size_t)(port - spec);
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	}
	r = getaddrinfo(host[0] ? host : NULL, port + 1, &hints, &res);
	if (r != 0) {
		fprintf(stderr, "svcctl: --listen %s: %s\n", spec, gai_strerror(r));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0)
			break;
		r = errno;
		close(fd);
		fd = -1;
		errno = r;
	}
	if (fd < 0)
		fprintf(stderr, "svcctl: --listen %s: %s\n", spec, strerror(errno));
	freeaddrinfo(res);
	return fd < 0 ? -EADDRNOTAVAIL : fd;
}

static void http_reply(int fd, const char *status, const char *type, const char *body, size_t len,
		       bool head_only)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, type, len);

	if (n > 0 && write_all(fd, head, (size_t)n) == 0 && !head_only && len > 0)
		(void)write_all(fd, body, len);
}

/* One connection: read the request head, answer it, close. */
static void http_serve_one(int fd, const struct invocation *inv)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct timeval tv = { .tv_sec = HTTP_IO_TIMEOUT_S };
	char req[HTTP_HEAD_MAX + 1];
	size_t len = 0;
	bool head_only;
	char *sp, *path;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < HTTP_HEAD_MAX) {
		ssize_t n = recv(fd, req + len, HTTP_HEAD_MAX - len, 0);

		if (n <= 0)
			return;     /* gone, or too slow */
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[len] = '\0';
	sp = strchr(req, ' ');
	if (!sp) {
		http_reply(fd, "400 Bad Request", text, "bad request\n", 12, false);
		return;
	}
	*sp = '\0';
	path = sp + 1;
	sp = strchr(path, ' ');
	if (sp)
		*sp = '\0';
	head_only = strcmp(req, "HEAD") == 0;
	if (!head_only && strcmp(req, "GET") != 0) {
		http_reply(fd, "405 Method Not Allowed", text, "only GET and HEAD\n", 18, false);
		return;
	}
	if (strcmp(path, "/metrics") != 0 && strncmp(path, "/metrics?", 9) != 0) {
		http_reply(fd, "404 Not Found", text, "not found: try /metrics\n", 24, head_only);
		return;
	}
	{
		struct growbuf g = { .p = NULL };
		struct body_sink sink = { .add = growbuf_add, .ctx = &g };
		int code = run(inv, &sink);

		if (code == PROTO_OK)
			http_reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", g.p, g.len,
				   head_only);
		else
			http_reply(fd, "503 Service Unavailable", text, "svcinit cannot be reached\n", 26,
				   head_only);
		free(g.p);
	}
}

/* Serve until SIGINT, SIGTERM or SIGHUP; exit 0 then. */
static int metrics_serve(const struct invocation *inv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	int lfd = http_listen(inv->listen);

	if (lfd < 0)
		return PROTO_FAILED;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	fprintf(stderr, "svcctl: serving metrics at http://%s/metrics\n", inv->listen);
	while (!got_signal) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int fd;

		if (ppoll(&p, 1, NULL, &waitmask) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		http_serve_one(fd, inv);
		close(fd);
	}
	close(lfd);
	return PROTO_OK;
}

/* top: one status --json a refresh, through run() */
static int top_fetch(void *ctx, char **ret_json, size_t *ret_len)
{
	struct invocation q = *(const struct invocation *)ctx;
	struct growbuf g = { .p = NULL };
	struct body_sink sink = { .add = growbuf_add, .ctx = &g };
	sigset_t old;
	int r;

	q.cmd = cmd_find("status");
	q.json = true;
	q.n_names = 0;
	q.states = NULL;
	(void)sigprocmask(SIG_SETMASK, NULL, &old);
	r = run(&q, &sink);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (got_signal) {
		free(g.p);
		return -1;
	}
	if (r != PROTO_OK && g.len)
		(void)write_all(STDERR_FILENO, g.p, g.len);
	*ret_json = g.p;
	*ret_len = g.len;
	return r;
}

/* exec NAME -- COMMAND: svcctl-exec.c does the work on a connected socket */
static int exec_in_unit(const struct invocation *inv)
{
	int fd = ctl_connect(inv->socket_path);

	if (fd < 0) {
		fprintf(stderr, "svcctl: cannot reach svcinit at %s: %s\n", inv->socket_path,
			strerror(-fd));
		return PROTO_UNREACHABLE;
	}
	return svcctl_exec(fd, inv->names[0], inv->exec_argv);
}

/* ---- status NAME..., is-active NAME...: one request a name --------------
 * so that each name's answer goes where systemctl puts it: the status of an
 * inactive unit to stdout (exit 3), "no such unit" to stderr (exit 3); JSON
 * replies are merged into one array. Another failure (permission, svcinit
 * unreachable) ends it with its own code. */

static bool body_is_no_unit(const char *p, size_t len)
{
	static const char tail[] = ": " PROTO_MSG_NO_UNIT "\n";
	const size_t tl = sizeof(tail) - 1;

	return len > tl && memcmp(p + len - tl, tail, tl) == 0 && !memchr(p, '\n', len - 1);
}

/* The objects of a "[\n{...},\n{...}\n]\n" reply, without the brackets. */
static void json_inner(const char *p, size_t len, const char **ret, size_t *ret_len)
{
	const char *a = memchr(p, '[', len), *b = p + len;

	while (b > p && b[-1] != ']')
		b--;
	if (!a || b <= a + 1) {
		*ret_len = 0;
		return;
	}
	a++;
	b--;
	while (a < b && (*a == '\n' || *a == ' '))
		a++;
	while (b > a && (b[-1] == '\n' || b[-1] == ' '))
		b--;
	*ret = a;
	*ret_len = (size_t)(b - a);
}

static int run_each(const struct invocation *inv)
{
	bool json = inv->json && strcmp(inv->cmd->name, "status") == 0, detail = !json &&
		    strcmp(inv->cmd->name, "status") == 0;
	struct colour_out co = { .on = want_colour(inv) };
	size_t shown = 0;
	int code = PROTO_OK;

	if (json)
		(void)write_all(STDOUT_FILENO, "[", 1);
	for (size_t i = 0; i < inv->n_names; i++) {
		struct invocation one = *inv;
		struct growbuf g = { .p = NULL };
		struct body_sink sink = { .add = growbuf_add, .ctx = &g };
		const char *inner = NULL;
		size_t inner_len = 0;
		int r;

		one.names[0] = inv->names[i];
		one.n_names = 1;
		r = run(&one, &sink);
		if (r == PROTO_OK || (r == PROTO_ENOENT && !body_is_no_unit(g.p, g.len))) {
			if (json) {
				json_inner(g.p ? g.p : "", g.len, &inner, &inner_len);
				if (inner_len) {
					(void)write_all(STDOUT_FILENO, shown ? ",\n" : "\n", shown ? 2 : 1);
					(void)write_all(STDOUT_FILENO, inner, inner_len);
					shown++;
				}
			} else if (g.len) {
				if (detail && shown++)
					(void)write_all(STDOUT_FILENO, "\n", 1);
				(void)colour_write(&co, STDOUT_FILENO, g.p, g.len);
				(void)colour_end(&co, STDOUT_FILENO);
			}
		} else if (g.len) {
			(void)write_all(STDERR_FILENO, g.p, g.len);
		}
		free(g.p);
		if (r != PROTO_OK && r != PROTO_ENOENT) {
			code = r;
			break;
		}
		if (r == PROTO_ENOENT)
			code = PROTO_ENOENT;
	}
	if (json)
		(void)write_all(STDOUT_FILENO, "\n]\n", 3);
	return code;
}

/* Is "KEY=..." one of the -p properties (each may be a comma list)? */
static bool prop_wanted(const struct invocation *inv, const char *line, size_t klen)
{
	if (inv->n_props == 0)
		return true;
	for (size_t i = 0; i < inv->n_props; i++) {
		for (const char *p = inv->props[i]; *p;) {
			size_t n = strcspn(p, ",");

			if (n == klen && strncmp(p, line, n) == 0)
				return true;
			p += n;
			if (*p == ',')
				p++;
		}
	}
	return false;
}

/* show NAME: the reply, filtered by -p and printed bare with --value. */
static int show_unit(const struct invocation *inv)
{
	struct growbuf g = { NULL, 0, 0 };
	struct body_sink sink = { growbuf_add, &g };
	int code = run(inv, &sink);
	size_t pos = 0;

	while (pos < g.len) {
		char *line = g.p + pos, *nl = memchr(line, '\n', g.len - pos), *eq;
		size_t len = nl ? (size_t)(nl - line) : g.len - pos;

		pos += len + 1;
		if (code != PROTO_OK) {
			fprintf(stderr, "%.*s\n", (int)len, line);
			continue;
		}
		eq = memchr(line, '=', len);
		if (!eq || !prop_wanted(inv, line, (size_t)(eq - line)))
			continue;
		if (inv->value_only)
			printf("%.*s\n", (int)(len - (size_t)(eq + 1 - line)), eq + 1);
		else
			printf("%.*s\n", (int)len, line);
	}
	free(g.p);
	if (fflush(stdout) != 0 && code == PROTO_OK)
		code = PROTO_FAILED;
	return code;
}

int main(int argc, char **argv)
{
	struct invocation inv = { .socket_path = NULL };
	int r;

	r = parse_args(argc, argv, &inv);
	if (r >= 0) {
		if (fflush(stdout) != 0 && r == 0)
			r = PROTO_FAILED;
		return r;
	}
	if (inv.listen)
		return metrics_serve(&inv);
	if (inv.exec_argv)
		return exec_in_unit(&inv);
	if (strcmp(inv.cmd->name, "top") == 0)
		return svcctl_top(top_fetch, &inv, inv.top_delay_ms > 0 ? inv.top_delay_ms / 1000.0 : 1.0,
				  (long)inv.top_iterations);
	if ((strcmp(inv.cmd->name, "status") == 0 || strcmp(inv.cmd->name, "is-active") == 0) &&
	    inv.n_names > 0)
		return run_each(&inv);
	if (strcmp(inv.cmd->name, "show") == 0)
		return show_unit(&inv);
	return run(&inv, NULL);
}
