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
#include <poll.h>
#include <signal.h>
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
	{ "status", ARGS_ANY, "status [--json] [NAME...]",
	  "Show a table of all units, or the named ones; --json prints a JSON array." },
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
	{ "reload", ARGS_NONE, "reload",
	  "Re-read the unit directory: start new units, stop removed ones, restart changed ones." },
	{ "logs", ARGS_ONE, "logs [-n N] [-f] NAME",
	  "Print the last N lines (default 100) of the unit's output; -f follows until ctrl-c." },
	{ "wait", ARGS_SOME, "wait [--timeout S] NAME...",
	  "Block until every unit is ready; S in seconds (or with ms, s, min)." },
	{ "is-active", ARGS_ONE, "is-active NAME",
	  "Exit 0 if the unit is running or paused, 3 otherwise." },
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
	long timeout_ms;           /* wait --timeout, -1 when not given */
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
			if (strcmp(inv->cmd->name, "logs") == 0) {
				if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
					inv->follow = true;
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

	ADD(inv->cmd->name);
	if (strcmp(inv->cmd->name, "status") == 0 && inv->json)
		ADD("--json");
	if (strcmp(inv->cmd->name, "logs") == 0) {
		n = snprintf(num, sizeof(num), "%lu", inv->lines);
		if (n < 0 || (size_t)n >= sizeof(num))
			return -E2BIG;
		ADD("-n");
		ADD(num);
		if (inv->follow)
			ADD("-f");
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

/* Talk to svcinit; returns the exit code. */
static int run(const struct invocation *inv)
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
	if (r < 0) {
		fprintf(stderr, "svcctl: cannot reach svcinit at %s: %s\n", inv->socket_path,
			strerror(-r));
		close(fd);
		return PROTO_UNREACHABLE;
	}
	/* No shutdown(SHUT_WR) here: svcinit takes EOF from a client that is
	 * waiting for a blocking operation as "the client left". */

	if (inv->timeout_ms >= 0)
		deadline = now_ms() + inv->timeout_ms + WAIT_SLACK_S * 1000L;
	else if (strcmp(inv->cmd->name, "status") == 0 || strcmp(inv->cmd->name, "is-active") == 0)
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
		if (n < 0) {
			fprintf(stderr, "svcctl: reading from svcinit: %s\n", strerror((int)-n));
			if (code == PROTO_OK)
				code = PROTO_FAILED;
			break;
		}
		r = colour_write(&co, out_fd, buf, (size_t)n);
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
	return run(&inv);
}
