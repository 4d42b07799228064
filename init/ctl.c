/* SPDX-License-Identifier: MIT */
/*
 * ctl.c: the control socket. Accept, check the peer, read one request line,
 * decode, call services, reply. Everything is non-blocking and bounded: a
 * client that is slow, silent, hostile or gone costs one slot and is dropped
 * by a deadline; it never blocks PID 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "init/init.h"
#include "init/log.h"
#include "init/proto.h"
#include "services/cgroup.h"
#include "services/svc.h"

#define CTL_CLIENTS_MAX   512
#define CTL_UNPRIV_MAX    448          /* the rest is kept for root */
#define CTL_UNPRIV_OUT_MAX (32u << 20) /* reply bytes held for non-root clients, all together */
#define CTL_OUT_MAX       (16u << 20)  /* reply bytes buffered per client */
#define CTL_READ_TIMEOUT  10.0         /* to send the request line */
#define CTL_WRITE_TIMEOUT 30.0         /* to take the reply */
#define CTL_ACCEPT_BURST  64
#define CTL_FREEZE_TIMEOUT 10.0        /* for the kernel to freeze or thaw */
#define CTL_STREAM_MAX    (1u << 20)   /* logs -f bytes buffered for a slow reader */
#define CTL_LOG_LINES_MAX 1000000

enum ctl_op { OP_NONE, OP_START, OP_STOP, OP_RESTART, OP_PAUSE, OP_RESUME, OP_WAIT };

struct client {
	struct client *prev, *next;
	int fd;
	ev_io io;
	ev_timer timer;
	uid_t uid;
	pid_t pid;
	int pidfd;                 /* the peer process, to tell it is still the same */
	size_t counted_out;        /* bytes counted in C.unpriv_out */
	enum { C_READ, C_PENDING, C_WRITE, C_STREAM } phase;
	struct svc *follow;        /* C_STREAM: logs -f of this unit */
	size_t dropped;            /* C_STREAM: bytes dropped for a slow reader */
	size_t in_len;
	char in[PROTO_REQ_MAX];
	char *out;
	size_t out_len, out_off, out_cap;
	bool out_overflow;
	/* a pending operation */
	enum ctl_op op;
	char **names;
	size_t n_names;
};

static struct {
	struct ev_loop *loop;
	int fd;
	ev_io io;
	ev_timer backoff;       /* accept paused after EMFILE */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients;
	size_t n_clients;
	size_t n_unpriv;        /* clients that are not uid 0 */
	size_t unpriv_out;      /* reply bytes held for them */
} C = { .fd = -1 };

/* ---- output buffer ---------------------------------------------------- */

static void out_add(struct client *c, const char *s, size_t n)
{
	if (c->out_overflow)
		return;
	if (c->out_len + n > CTL_OUT_MAX) {
		c->out_overflow = true;
		return;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + n)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			c->out_overflow = true;
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static void out_printf(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(struct client *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_add(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void out_json_str(struct client *c, const char *s)
{
	size_t valid = s ? unit_utf8_span(s, strlen(s)) : 0;

	out_add(c, "\"", 1);
	for (; s && *s; s++, valid = valid ? valid - 1 : 0) {
		unsigned char ch = (unsigned char)*s;

		if (!valid && ch >= 0x80) {
			/* not UTF-8 (a file name, say): keep the JSON valid */
			out_add(c, "\\ufffd", 6);
			valid = unit_utf8_span(s + 1, strlen(s + 1)) + 1;
			continue;
		}
		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };
			out_add(c, e, 2);
		} else if (ch < 0x20 || ch == 0x7f) {
			out_printf(c, "\\u%04x", ch);
		} else {
			out_add(c, (const char *)&ch, 1);
		}
	}
	out_add(c, "\"", 1);
}

/* ---- client lifetime ---------------------------------------------------- */

static void client_free(struct client *c)
{
	ev_io_stop(C.loop, &c->io);
	ev_timer_stop(C.loop, &c->timer);
	(void)close(c->fd);
	if (c->pidfd >= 0)
		(void)close(c->pidfd);
	if (c->uid != 0)
		C.n_unpriv--;
	C.unpriv_out -= c->counted_out;
	if (c->prev)
		c->prev->next = c->next;
	else
		C.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	C.n_clients--;
	for (size_t i = 0; i < c->n_names; i++)
		free(c->names[i]);
	free(c->names);
	free(c->out);
	free(c);
	/* a slot is free again */
	if (C.fd >= 0 && !ev_is_active(&C.io) && !ev_is_active(&C.backoff))
		ev_io_start(C.loop, &C.io);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents);
static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents);

/* The reply is complete: header first, then what was buffered. */
static void client_finish(struct client *c, int code)
{
	char head[16];
	size_t body_len = c->out_len;
	int n;

	if (c->out_overflow) {
		code = PROTO_FAILED;
		c->out_len = 0;
		c->out_overflow = false;
		body_len = 0;
		out_printf(c, "reply too large\n");
		body_len = c->out_len;
	}
	if (c->uid != 0 && C.unpriv_out + c->out_len > CTL_UNPRIV_OUT_MAX) {
		/* unprivileged clients that do not read cannot make PID 1 hold
		 * more than this, all together */
		code = PROTO_FAILED;
		c->out_len = 0;
		out_printf(c, "busy: too many replies waiting to be read, try again\n");
		body_len = c->out_len;
	}
	n = snprintf(head, sizeof(head), "%d\n", code);
	/* put the header in front of the body */
	out_add(c, head, (size_t)n);
	if (c->out_overflow || !c->out) {
		client_free(c);
		return;
	}
	memmove(c->out + n, c->out, body_len);
	memcpy(c->out, head, (size_t)n);
	if (c->uid != 0) {
		c->counted_out = c->out_len;
		C.unpriv_out += c->counted_out;
	}

	c->out_off = 0;
	ev_io_stop(C.loop, &c->io);
	ev_io_init(&c->io, client_write_cb, c->fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(C.loop, &c->io);
	ev_timer_stop(C.loop, &c->timer);
	if (c->phase == C_STREAM)
		return;   /* follows until the client leaves; no deadline */
	c->phase = C_WRITE;
	ev_timer_set(&c->timer, CTL_WRITE_TIMEOUT, 0.);
	ev_timer_start(C.loop, &c->timer);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			client_free(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->phase == C_STREAM) {
		/* all sent: wait for more output, or for the client to leave */
		c->out_len = c->out_off = 0;
		ev_io_stop(loop, &c->io);
		ev_io_init(&c->io, client_read_cb, c->fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
		return;
	}
	client_free(c);
}

static int op_check(struct client *c, struct svc *s);

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;

	if (c->phase == C_PENDING) {   /* wait --timeout, or the freezer, ran out */
		for (size_t i = 0; i < c->n_names; i++) {
			struct svc *s = svc_find(c->names[i]);

			if (!s || op_check(c, s) != 0)
				continue;
			if (c->op == OP_PAUSE || c->op == OP_RESUME)
				out_printf(c, "%s: the kernel did not finish %s within %.0fs "
					   "(a process in uninterruptible sleep?)\n", s->spec->name,
					   c->op == OP_PAUSE ? "freezing" : "thawing", CTL_FREEZE_TIMEOUT);
			else
				out_printf(c, "%s: not ready (%s) after the timeout\n", s->spec->name,
					   svc_state_name(s));
		}
		client_finish(c, PROTO_FAILED);
		return;
	}
	client_free(c);
}

/* ---- status ---------------------------------------------------------------- */

static void fmt_since(char *buf, size_t len, int64_t since)
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

static void fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char units[] = "BKMGT";
	double v = (double)b;
	int u = 0;

	if (b == UINT64_MAX) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void stats_of(struct svc *s, struct cg_stats *st)
{
	st->memory_bytes = st->tasks = st->cpu_usec = UINT64_MAX;
	if (s->cg)
		cg_unit_stats(s->cg, st);
}

static void status_table(struct client *c)
{
	out_printf(c, "%-24s %-10s %8s %8s %8s %8s  %s\n", "UNIT", "STATE", "PID", "RESTARTS",
		   "SINCE", "MEMORY", "DESCRIPTION");
	for (size_t i = 0; i < svc_count(); i++) {
		struct svc *s = svc_at(i);
		char pid[16] = "-", since[32], mem[32];

		if (s->main_pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)s->main_pid);
		fmt_since(since, sizeof(since), s->since);
		/* the table shows memory only: one file a unit, not three */
		fmt_bytes(mem, sizeof(mem), s->cg ? cg_unit_memory(s->cg) : UINT64_MAX);
		out_printf(c, "%-24s %-10s %8s %8u %8s %8s  %s\n", s->spec->name,
			   svc_state_name(s), pid, s->restarts, since, mem, s->spec->description);
	}
}

static void status_detail(struct client *c, struct svc *s)
{
	struct cg_stats st;
	char ns[128], mem[32], since[32];

	stats_of(s, &st);
	fmt_bytes(mem, sizeof(mem), st.memory_bytes);
	fmt_since(since, sizeof(since), s->since);
	out_printf(c, "%s - %s\n", s->spec->name, s->spec->description);
	out_printf(c, "      state: %s%s%s (since %s)\n", svc_state_name(s),
		   s->fsm.ready ? ", ready" : "", s->waiting ? ", waiting for dependencies" : "",
		   since);
	if (s->main_pid > 0)
		out_printf(c, "        pid: %d\n", (int)s->main_pid);
	out_printf(c, "       file: %s\n", s->spec->path ? s->spec->path : "");
	out_printf(c, "   restarts: %u\n", s->restarts);
	if (s->have_exit) {
		if (s->exit_signal)
			out_printf(c, "  last exit: signal %d (%s)\n", s->exit_signal,
				   strsignal(s->exit_signal));
		else
			out_printf(c, "  last exit: code %d\n", s->exit_code);
	}
	if (s->fsm.result != FSM_RESULT_NONE)
		out_printf(c, "     result: %s\n", fsm_result_to_string(s->fsm.result));
	if (s->error[0])
		out_printf(c, "      error: %s\n", s->error);
	if (s->status_text[0])
		out_printf(c, "     status: %s\n", s->status_text);
	out_printf(c, " namespaces: %s\n",
		   s->spec->namespaces ? unit_ns_to_string(s->spec->namespaces, ns, sizeof(ns)) : "none");
	out_printf(c, "       root: %s\n", s->spec->root_directory ? s->spec->root_directory : "/");
	if (s->cg)
		out_printf(c, "     cgroup: %s\n", cg_unit_path(s->cg));
	if (st.memory_bytes != UINT64_MAX)
		out_printf(c, "     memory: %s\n", mem);
	if (st.tasks != UINT64_MAX)
		out_printf(c, "      tasks: %" PRIu64 "\n", st.tasks);
	if (st.cpu_usec != UINT64_MAX)
		out_printf(c, "        cpu: %.3fs\n", (double)st.cpu_usec / 1e6);
	for (size_t i = 0; i < s->n_warnings; i++)
		out_printf(c, "    warning: %s\n", s->warnings[i]);
}

static void json_u64_or_null(struct client *c, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		out_printf(c, ",\"%s\":null", key);
	else
		out_printf(c, ",\"%s\":%" PRIu64, key, v);
}

static void status_json_one(struct client *c, struct svc *s)
{
	static const char *const ns_names[] = { "pid", "net", "ipc", "mnt", "uts", "cgroup", "user" };
	struct cg_stats st;
	bool first = true;

	stats_of(s, &st);
	out_printf(c, "{\"name\":");
	out_json_str(c, s->spec->name);
	out_printf(c, ",\"description\":");
	out_json_str(c, s->spec->description);
	out_printf(c, ",\"state\":\"%s\"", svc_state_name(s));
	if (s->main_pid > 0)
		out_printf(c, ",\"pid\":%d", (int)s->main_pid);
	else
		out_printf(c, ",\"pid\":null");
	out_printf(c, ",\"ready\":%s,\"waiting\":%s,\"restarts\":%u", s->fsm.ready ? "true" : "false",
		   s->waiting ? "true" : "false", s->restarts);
	if (s->have_exit && !s->exit_signal)
		out_printf(c, ",\"exit_code\":%d,\"exit_signal\":null", s->exit_code);
	else if (s->have_exit)
		out_printf(c, ",\"exit_code\":null,\"exit_signal\":%d", s->exit_signal);
	else
		out_printf(c, ",\"exit_code\":null,\"exit_signal\":null");
	out_printf(c, ",\"since\":%" PRId64 ",\"cgroup\":", s->since);
	if (s->cg)
		out_json_str(c, cg_unit_path(s->cg));
	else
		out_printf(c, "null");
	json_u64_or_null(c, "memory_bytes", st.memory_bytes);
	json_u64_or_null(c, "tasks", st.tasks);
	json_u64_or_null(c, "cpu_usec", st.cpu_usec);
	out_printf(c, ",\"namespaces\":[");
	for (unsigned i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		if (!(s->spec->namespaces & (1u << i)))
			continue;
		out_printf(c, "%s\"%s\"", first ? "" : ",", ns_names[i]);
		first = false;
	}
	out_printf(c, "],\"root\":");
	out_json_str(c, s->spec->root_directory ? s->spec->root_directory : "/");
	out_printf(c, ",\"status_text\":");
	out_json_str(c, s->status_text);
	out_printf(c, ",\"result\":");
	out_json_str(c, fsm_result_to_string(s->fsm.result));
	out_printf(c, ",\"error\":");
	out_json_str(c, s->error);
	out_printf(c, ",\"warnings\":[");
	for (size_t i = 0; i < s->n_warnings; i++) {
		if (i)
			out_add(c, ",", 1);
		out_json_str(c, s->warnings[i]);
	}
	out_printf(c, "]}");
}

/* ---- requests ----------------------------------------------------------------- */

static bool word_is_name(const char *w)
{
	return unit_name_valid(w);
}

/* Every name must exist; reports the first that does not. */
static bool names_exist(struct client *c, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!word_is_name(names[i]) || !svc_find(names[i])) {
			out_printf(c, "%s: no such unit\n", names[i]);
			client_finish(c, PROTO_ENOENT);
			return false;
		}
	}
	return true;
}

static void do_status(struct client *c, char **args, size_t n)
{
	bool json = false;
	size_t first = 0;

	if (n > 0 && strcmp(args[0], "--json") == 0) {
		json = true;
		first = 1;
	}
	if (!names_exist(c, args + first, n - first))
		return;
	if (json) {
		bool any = false;

		out_add(c, "[", 1);
		if (first == n) {
			for (size_t i = 0; i < svc_count(); i++) {
				out_add(c, any ? ",\n" : "\n", any ? 2 : 1);
				status_json_one(c, svc_at(i));
				any = true;
			}
		} else {
			for (size_t i = first; i < n; i++) {
				out_add(c, any ? ",\n" : "\n", any ? 2 : 1);
				status_json_one(c, svc_find(args[i]));
				any = true;
			}
		}
		out_add(c, "\n]\n", 3);
	} else if (first == n) {
		status_table(c);
	} else {
		for (size_t i = first; i < n; i++) {
			if (i > first)
				out_add(c, "\n", 1);
			status_detail(c, svc_find(args[i]));
		}
	}
	client_finish(c, PROTO_OK);
}

/* Is the pending operation done for this unit? 1 done, -1 failed, 0 not yet */
static int op_check(struct client *c, struct svc *s)
{
	enum svc_state st = s->fsm.state;

	switch (c->op) {
	case OP_START:
	case OP_RESTART:
		if (s->waiting)
			return 0;
		if (st == SVC_RUNNING || st == SVC_EXITED)
			return 1;
		if (st == SVC_FAILED || st == SVC_RESTARTING || st == SVC_STOPPED)
			return -1;
		return 0;
	case OP_STOP:
		return (st == SVC_STOPPED || st == SVC_EXITED || st == SVC_FAILED) && s->pid == 0;
	case OP_PAUSE:
		if (st != SVC_PAUSED)
			return -1;
		return svc_frozen(s) ? 1 : svc_freeze_pending(s) ? 0 : -1;
	case OP_RESUME:
		return st != SVC_PAUSED && !svc_freeze_pending(s) ? 1 : 0;
	case OP_WAIT:
		if (s->waiting)
			return 0;
		if (s->fsm.ready && (st == SVC_RUNNING || st == SVC_EXITED || st == SVC_PAUSED))
			return 1;
		/* down and not coming up by itself: it will not get ready */
		if (st == SVC_FAILED || st == SVC_EXITED || (st == SVC_STOPPED && !s->fsm.want_up))
			return -1;
		return 0;
	case OP_NONE:
		break;
	}
	return 1;
}

/* Re-check a pending client; reply once every unit is done or failed. */
static void op_evaluate(struct client *c)
{
	int code = PROTO_OK;

	for (size_t i = 0; i < c->n_names; i++) {
		struct svc *s = svc_find(c->names[i]);
		int r;

		if (!s)
			continue;   /* removed by a reload meanwhile: reported below */
		r = op_check(c, s);
		if (r == 0)
			return;
	}
	for (size_t i = 0; i < c->n_names; i++) {
		struct svc *s = svc_find(c->names[i]);

		if (!s) {
			out_printf(c, "%s: unit was removed\n", c->names[i]);
			code = PROTO_FAILED;
			continue;
		}
		if (op_check(c, s) < 0) {
			out_printf(c, "%s: %s", s->spec->name, svc_state_name(s));
			if (s->error[0])
				out_printf(c, ": %s", s->error);
			else if (s->have_exit && s->exit_signal)
				out_printf(c, " (killed by signal %d)", s->exit_signal);
			else if (s->have_exit)
				out_printf(c, " (exit code %d)", s->exit_code);
			out_add(c, "\n", 1);
			code = PROTO_FAILED;
		}
	}
	client_finish(c, code);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents);

static void do_op(struct client *c, enum ctl_op op, char **args, size_t n)
{
	double timeout = 0;
	bool timeout_given = false;
	size_t first = 0;

	if (op == OP_WAIT && n >= 2 && strcmp(args[0], "--timeout") == 0) {
		char *end;

		timeout = strtod(args[1], &end);
		/* NaN passes every comparison: it would stop libev's timers */
		if (*end || end == args[1] || !isfinite(timeout) || timeout < 0 || timeout > 1e7) {
			out_printf(c, "invalid timeout '%s'\n", args[1]);
			client_finish(c, PROTO_USAGE);
			return;
		}
		first = 2;
		timeout_given = true;
	}
	if (first == n) {
		out_printf(c, "missing unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args + first, n - first))
		return;

	c->names = calloc(n - first, sizeof(*c->names));
	if (!c->names) {
		out_printf(c, "out of memory\n");
		client_finish(c, PROTO_FAILED);
		return;
	}
	for (size_t i = first; i < n; i++) {
		struct svc *s = svc_find(args[i]);
		int r = 0;

		c->names[c->n_names] = strdup(args[i]);
		if (!c->names[c->n_names]) {
			out_printf(c, "out of memory\n");
			client_finish(c, PROTO_FAILED);
			return;
		}
		c->n_names++;
		switch (op) {
		case OP_START: r = svc_start(s); break;
		case OP_STOP: r = svc_stop(s); break;
		case OP_RESTART: r = svc_restart(s); break;
		case OP_PAUSE: r = svc_pause(s); break;
		case OP_RESUME: r = svc_resume(s); break;
		default: break;
		}
		if (r == -ELOOP) {
			out_printf(c, "%s: %s\n", s->spec->name, s->error);
			client_finish(c, PROTO_FAILED);
			return;
		}
		if (r < 0) {
			out_printf(c, "%s: cannot %s a unit that is %s%s\n", s->spec->name,
				   op == OP_PAUSE ? "pause" : "resume", svc_state_name(s),
				   r == -EOPNOTSUPP ? " (no cgroup freezer)" : "");
			client_finish(c, PROTO_FAILED);
			return;
		}
	}
	c->op = op;
	c->phase = C_PENDING;
	ev_timer_stop(C.loop, &c->timer);
	if (timeout == 0 && (op == OP_PAUSE || op == OP_RESUME))
		timeout = CTL_FREEZE_TIMEOUT;
	if (timeout > 0 || timeout_given) {   /* --timeout 0: look once */
		ev_timer_set(&c->timer, timeout, 0.);
		ev_timer_start(C.loop, &c->timer);
	}
	op_evaluate(c);
}

static void do_is_active(struct client *c, char **args, size_t n)
{
	struct svc *s;

	if (n != 1) {
		out_printf(c, "is-active takes one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	s = word_is_name(args[0]) ? svc_find(args[0]) : NULL;
	if (!s) {
		out_printf(c, "%s: no such unit\n", args[0]);
		client_finish(c, PROTO_ENOENT);
		return;
	}
	out_printf(c, "%s\n", svc_state_name(s));
	client_finish(c, fsm_state_active(s->fsm.state) ? PROTO_OK : PROTO_ENOENT);
}

static void do_reload(struct client *c)
{
	struct unit_diag diag = { .n = 0 };
	int r = svc_reload(&diag);

	for (size_t i = 0; i < diag.n; i++)
		out_printf(c, "%s\n", diag.msgs[i]);
	if (diag.dropped)
		out_printf(c, "... and %zu more errors\n", diag.dropped);
	unit_diag_free(&diag);
	if (r < 0 && r != -EINVAL)
		out_printf(c, "unable to read units: %s\n", strerror(-r));
	client_finish(c, r < 0 ? PROTO_FAILED : PROTO_OK);
}

static void emit_to_client(void *ctx, const char *p, size_t len)
{
	out_add(ctx, p, len);
}

static void do_logs(struct client *c, char **args, size_t n)
{
	unsigned long lines = 100;
	bool follow = false;
	struct svc *s;
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (strcmp(args[i], "-f") == 0) {
			follow = true;
		} else if (strcmp(args[i], "-n") == 0 && i + 2 < n) {
			char *end;

			errno = 0;
			lines = strtoul(args[++i], &end, 10);
			if (*end || errno || lines > CTL_LOG_LINES_MAX) {
				out_printf(c, "invalid line count '%s'\n", args[i]);
				client_finish(c, PROTO_USAGE);
				return;
			}
		} else {
			out_printf(c, "usage: logs [-n N] [-f] NAME\n");
			client_finish(c, PROTO_USAGE);
			return;
		}
	}
	if (i + 1 != n) {
		out_printf(c, "usage: logs [-n N] [-f] NAME\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args + i, 1))
		return;
	s = svc_find(args[i]);
	logbuf_tail(&s->log, lines, emit_to_client, c);
	if (follow) {
		c->phase = C_STREAM;
		c->follow = s;
	}
	client_finish(c, PROTO_OK);
}

void ctl_output(struct svc *s, const char *line, size_t len)
{
	for (struct client *c = C.clients; c; c = c->next) {
		if (c->phase != C_STREAM || c->follow != s)
			continue;
		if (c->out_len - c->out_off + len + 1 > CTL_STREAM_MAX) {
			c->dropped += len + 1;   /* a reader that cannot keep up loses lines */
			continue;
		}
		if (c->out_off > 0 && c->out_off >= c->out_len / 2) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		if (c->dropped) {
			out_printf(c, "[svcinit: %zu bytes dropped: reader too slow]\n", c->dropped);
			c->dropped = 0;
		}
		out_add(c, line, len);
		out_add(c, "\n", 1);
		if (!(c->io.events & EV_WRITE)) {
			ev_io_stop(C.loop, &c->io);
			ev_io_init(&c->io, client_write_cb, c->fd, EV_WRITE);
			c->io.data = c;
			ev_io_start(C.loop, &c->io);
		}
	}
}

void ctl_forget(struct svc *s)
{
	struct client *c = C.clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->follow == s)
			client_free(c);
	}
}

/* Is the process that connected still there, and the same one? (Its pidfd
 * was taken at accept: a reused pid cannot pass for it.) */
static bool peer_alive(const struct client *c)
{
	if (c->pidfd < 0)
		return false;
	return syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) == 0;
}

static bool cmd_privileged(const char *cmd)
{
	return strcmp(cmd, "status") != 0 && strcmp(cmd, "wait") != 0 &&
	       strcmp(cmd, "is-active") != 0;
}

static void client_dispatch(struct client *c)
{
	char *args[PROTO_ARGS_MAX];
	int r = proto_split(c->in, c->in_len, args, PROTO_ARGS_MAX);
	size_t n;
	char *cmd;

	if (r < 0) {
		out_printf(c, "%s\n", r == -ENODATA ? "empty request" :
			   r == -E2BIG ? "too many arguments" : "malformed request");
		client_finish(c, PROTO_USAGE);
		return;
	}
	n = (size_t)r;
	cmd = args[0];
	if (cmd_privileged(cmd) && c->uid != 0) {
		out_printf(c, "%s: permission denied\n", cmd);
		client_finish(c, PROTO_EPERM);
		return;
	}
	if (cmd_privileged(cmd)) {
		/* root inside an isolated unit is still not an administrator:
		 * units may look (status, wait), not control. The peer must
		 * still be there for its cgroup to tell: fail closed. */
		struct svc *from = c->pid > 0 ? svc_of_pid(c->pid) : NULL;

		/* pid 0: a peer in an outer PID namespace (an administrator on
		 * the host of svcinit's container); units are never there */
		if (!from && c->pid > 0 && !peer_alive(c)) {
			out_printf(c, "%s: permission denied (the connecting process is gone)\n", cmd);
			client_finish(c, PROTO_EPERM);
			return;
		}
		if (from) {
			out_printf(c, "%s: permission denied (request from unit %s)\n", cmd,
				   from->spec->name);
			client_finish(c, PROTO_EPERM);
			return;
		}
	}
	if (init_shutting_down() && strcmp(cmd, "status") != 0 && strcmp(cmd, "is-active") != 0) {
		out_printf(c, "svcinit is shutting down\n");
		client_finish(c, PROTO_FAILED);
		return;
	}

	if (strcmp(cmd, "status") == 0)
		do_status(c, args + 1, n - 1);
	else if (strcmp(cmd, "start") == 0)
		do_op(c, OP_START, args + 1, n - 1);
	else if (strcmp(cmd, "stop") == 0)
		do_op(c, OP_STOP, args + 1, n - 1);
	else if (strcmp(cmd, "restart") == 0)
		do_op(c, OP_RESTART, args + 1, n - 1);
	else if (strcmp(cmd, "pause") == 0)
		do_op(c, OP_PAUSE, args + 1, n - 1);
	else if (strcmp(cmd, "resume") == 0)
		do_op(c, OP_RESUME, args + 1, n - 1);
	else if (strcmp(cmd, "wait") == 0)
		do_op(c, OP_WAIT, args + 1, n - 1);
	else if (strcmp(cmd, "is-active") == 0)
		do_is_active(c, args + 1, n - 1);
	else if (strcmp(cmd, "logs") == 0)
		do_logs(c, args + 1, n - 1);
	else if (strcmp(cmd, "reload") == 0 && n == 1)
		do_reload(c);
	else if ((strcmp(cmd, "poweroff") == 0 || strcmp(cmd, "reboot") == 0 ||
		  strcmp(cmd, "halt") == 0) && n == 1) {
		enum init_end how = INIT_END_EXIT;

		if (init_mode == INIT_MACHINE)
			how = cmd[0] == 'p' ? INIT_END_POWEROFF :
			      cmd[0] == 'r' ? INIT_END_REBOOT : INIT_END_HALT;
		out_printf(c, "%s: shutting down\n", cmd);
		client_finish(c, PROTO_OK);
		init_shutdown(how, 0);
	} else {
		out_printf(c, "unknown command '%.64s'\n", cmd);
		client_finish(c, PROTO_USAGE);
	}
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	char *nl;
	ssize_t n;

	if (c->phase == C_PENDING || c->phase == C_STREAM) {
		/* waiting or following: anything from the client means it left */
		char b[256];

		n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			client_free(c);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(c);
		return;
	}
	c->in_len += (size_t)n;
	nl = memchr(c->in, '\n', c->in_len);
	if (!nl) {
		if (c->in_len >= sizeof(c->in) - 1) {
			c->in_len = 0;
			out_printf(c, "request too long (limit %d bytes)\n", PROTO_REQ_MAX);
			client_finish(c, PROTO_USAGE);
		}
		return;
	}
	c->in_len = (size_t)(nl - c->in);
	if (memchr(c->in, '\0', c->in_len)) {
		out_printf(c, "malformed request\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	c->phase = C_PENDING;   /* no more reading of requests */
	ev_timer_stop(C.loop, &c->timer);
	client_dispatch(c);
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static int peer_pidfd(int fd, pid_t pid)
{
	socklen_t len = sizeof(int);
	int pfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pfd, &len) == 0 && pfd >= 0)
		return pfd;   /* the peer itself, whatever happened since (Linux 6.5) */
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd >= 0)
		(void)fcntl(pfd, F_SETFD, FD_CLOEXEC);
	return pfd;
}

static void accept_backoff_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_io_start(loop, &C.io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		struct client *c;
		int fd;

		fd = accept4(C.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("control socket: unable to accept: %s", strerror(errno));
				ev_io_stop(loop, &C.io);
				ev_timer_set(&C.backoff, 0.1, 0.);
				ev_timer_start(loop, &C.backoff);
			}
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
			(void)close(fd);
			continue;
		}
		/* full, or the unprivileged share is: say so and close, so that
		 * nobody can lock root out by holding connections */
		if (C.n_clients >= CTL_CLIENTS_MAX ||
		    (cr.uid != 0 && C.n_unpriv >= CTL_UNPRIV_MAX)) {
			static const char busy[] = "1\ntoo many clients, try again\n";

			(void)send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			(void)close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cr.uid;
		c->pid = cr.pid;
		c->pidfd = peer_pidfd(fd, cr.pid);
		if (c->uid != 0)
			C.n_unpriv++;
		c->phase = C_READ;
		ev_io_init(&c->io, client_read_cb, fd, EV_READ);
		c->io.data = c;
		ev_io_start(loop, &c->io);
		ev_timer_init(&c->timer, client_timeout_cb, CTL_READ_TIMEOUT, 0.);
		c->timer.data = c;
		ev_timer_start(loop, &c->timer);
		c->next = C.clients;
		if (C.clients)
			C.clients->prev = c;
		C.clients = c;
		C.n_clients++;
	}
}

void ctl_changed(void)
{
	struct client *c = C.clients, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->phase == C_PENDING && c->op != OP_NONE)
			op_evaluate(c);
	}
}

static int mkdir_parents(const char *path)
{
	char buf[sizeof(C.path)];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	p = strrchr(buf, '/');
	if (!p || p == buf)
		return 0;
	*p = '\0';
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int ctl_init(struct ev_loop *loop, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	C.loop = loop;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(C.path, sizeof(C.path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = mkdir_parents(path);
	if (r < 0) {
		log_err("control socket %s: unable to create its directory: %s", path, strerror(-r));
		return r;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		log_err("control socket: unable to create: %s", strerror(-r));
		return r;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		r = -errno;
		log_err("control socket %s: unable to listen: %s", path, strerror(-r));
		(void)close(fd);
		return r;
	}
	/* anyone may connect; what they may do is checked per request */
	(void)chmod(path, 0666);
	C.fd = fd;
	ev_io_init(&C.io, accept_cb, fd, EV_READ);
	ev_io_start(loop, &C.io);
	ev_timer_init(&C.backoff, accept_backoff_cb, 0.1, 0.);
	return 0;
}

void ctl_free(void)
{
	/* replies already made (poweroff's own) get one last chance to leave */
	for (struct client *c = C.clients; c; c = c->next)
		if (c->phase == C_WRITE && c->out_off < c->out_len)
			(void)send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				   MSG_NOSIGNAL | MSG_DONTWAIT);
	while (C.clients)
		client_free(C.clients);
	if (C.fd >= 0) {
		ev_io_stop(C.loop, &C.io);
		ev_timer_stop(C.loop, &C.backoff);
		(void)close(C.fd);
		(void)unlink(C.path);
		C.fd = -1;
	}
}
