/* SPDX-License-Identifier: MIT */
/*
 * ctl.c: the control socket. Accept, check the peer, read one request line,
 * decode, call services, reply. Everything is non-blocking and bounded: a
 * client that is slow, silent, hostile or gone costs one slot and is dropped
 * by a deadline; it never blocks PID 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "init/ctl.h"
#include "lib/log.h"
#include "init/proto.h"
#include "init/shutdown.h"
#include "init/status.h"
#include "services/passfd.h"
#include "services/svc.h"
#include "services/trig.h"

/*
 * Clients come in classes: administrators (uid 0, not in a unit), root
 * inside units, and each other uid. Slots and reply memory are bounded per
 * class and for all that are not administrators together, so that no class
 * can lock out another and the administrator always gets in. Reply memory is
 * counted by buffer capacity, as it is allocated, not by the reply's length.
 */
#define CTL_CLIENTS_MAX   512
#define CTL_OTHERS_MAX    448          /* non-administrators together: the rest is root's */
#define CTL_CLASS_MAX     128          /* clients of one class */
#define CTL_OTHERS_OUT_MAX (32u << 20) /* reply buffer capacity of non-administrators, together */
#define CTL_CLASS_OUT_MAX (8u << 20)   /* ... of one class */
#define CTL_OUT_MAX       (16u << 20)  /* reply bytes buffered per client */
#define CTL_HEAD          16           /* room kept in front of a reply for its header */
#define CTL_READ_TIMEOUT  10.0         /* to send the request line */
#define CTL_WRITE_TIMEOUT 30.0         /* to take the reply */
#define CTL_ACCEPT_BURST  64
#define CTL_FREEZE_TIMEOUT 10.0        /* for the kernel to freeze or thaw */
#define CTL_STREAM_MAX    (1u << 20)   /* logs -f bytes buffered for a slow reader */
#define CTL_LOG_LINES_MAX 1000000

enum ctl_op { OP_NONE, OP_START, OP_STOP, OP_RESTART, OP_PAUSE, OP_RESUME, OP_WAIT, OP_HEALTH,
	      OP_RELOAD };

/* A class of clients that are not administrators. */
struct peer_class {
	uid_t uid;
	bool unit;                 /* root inside a unit (uid 0) */
	size_t clients;            /* 0: a free entry */
	size_t out;                /* reply buffer capacity held */
};

struct client {
	struct client *prev, *next;
	int fd;
	ev_io io;
	ev_timer timer;
	uid_t uid;
	pid_t pid;
	int pidfd;                 /* the peer process, to tell it is still the same */
	int pass_fd;               /* sent with the reply's first bytes (exec), -1 */
	bool admin;                /* uid 0 and not in a unit, as decided at accept */
	struct peer_class *cls;    /* NULL for an administrator */
	size_t counted_out;        /* capacity counted in cls->out and C.others_out */
	bool out_busy;             /* the class's reply memory is used up */
	bool out_exempt;           /* an error message: counted, never refused */
	enum { C_READ, C_PENDING, C_WRITE, C_STREAM } phase;
	struct svc *follow;        /* C_STREAM: logs -f of this unit */
	bool follow_all;           /* C_STREAM: logs -f of every unit */
	unsigned log_flags;        /* C_STREAM: STATUS_LOG_* */
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
	unsigned health_seq;       /* OP_HEALTH: the unit's verdicts before the request */
};

static struct {
	struct ev_loop *loop;
	int fd;
	ev_io io;
	ev_timer backoff;       /* accept paused after EMFILE */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients;
	size_t n_clients;
	size_t n_others;        /* clients that are not administrators */
	size_t others_out;      /* reply buffer capacity held for them */
	struct peer_class classes[CTL_OTHERS_MAX];
	struct stat self_ns[2]; /* svcinit's pid and mount namespaces */
	bool have_self_ns;
} C = { .fd = -1 };

/* ---- output buffer ---------------------------------------------------- */

/* Reply memory of a non-administrator: charged as the buffer grows. */
static bool out_charge(struct client *c, size_t delta)
{
	if (c->admin)
		return true;
	if (!c->out_exempt && (C.others_out + delta > CTL_OTHERS_OUT_MAX ||
			       c->cls->out + delta > CTL_CLASS_OUT_MAX))
		return false;
	c->cls->out += delta;
	C.others_out += delta;
	c->counted_out += delta;
	return true;
}

static void out_release(struct client *c)
{
	if (c->cls) {
		c->cls->out -= c->counted_out;
		C.others_out -= c->counted_out;
	}
	c->counted_out = 0;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = c->out_cap = 0;
}

static void out_add(struct client *c, const char *s, size_t n)
{
	size_t len = c->out ? c->out_len : CTL_HEAD;   /* a new reply keeps room for its header */

	if (c->out_overflow)
		return;
	if (len + n > CTL_OUT_MAX) {
		c->out_overflow = true;
		return;
	}
	if (!c->out || len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < len + n)
			cap *= 2;
		if (!out_charge(c, cap - c->out_cap)) {
			c->out_overflow = c->out_busy = true;
			return;
		}
		p = realloc(c->out, cap);
		if (!p) {
			c->out_overflow = true;
			return;
		}
		if (!c->out)
			c->out_len = CTL_HEAD;
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

/* ---- client lifetime ---------------------------------------------------- */

static void client_free(struct client *c)
{
	ev_io_stop(C.loop, &c->io);
	ev_timer_stop(C.loop, &c->timer);
	passfd_close_socket(c->fd);   /* what it holds unread may carry descriptors */
	if (c->pidfd >= 0)
		(void)close(c->pidfd);
	if (c->pass_fd >= 0)
		(void)close(c->pass_fd);
	out_release(c);
	if (c->cls) {
		c->cls->clients--;
		C.n_others--;
	}
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
	char head[CTL_HEAD];
	int n;

	if (c->out_overflow) {
		bool busy = c->out_busy;

		code = PROTO_FAILED;
		out_release(c);
		c->out_overflow = c->out_busy = false;
		c->out_exempt = true;
		if (busy)
			out_printf(c, "busy: too many replies waiting to be read, try again\n");
		else
			out_printf(c, "reply too large\n");
	}
	c->out_exempt = true;
	out_add(c, "", 0);   /* an empty body still needs the buffer */
	if (c->out_overflow || !c->out) {
		client_free(c);
		return;
	}
	n = snprintf(head, sizeof(head), "%d\n", code);
	memcpy(c->out + CTL_HEAD - n, head, (size_t)n);
	c->out_off = CTL_HEAD - (size_t)n;

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

/* The reply's first bytes with c->pass_fd attached (SCM_RIGHTS); the fd is
 * closed here once it went out. */
static ssize_t send_with_fd(struct client *c)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = c->out + c->out_off, .iov_len = c->out_len - c->out_off };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	memset(u.buf, 0, sizeof(u.buf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &c->pass_fd, sizeof(int));
	n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0) {
		(void)close(c->pass_fd);
		c->pass_fd = -1;
	}
	return n;
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;

	while (c->out_off < c->out_len) {
		ssize_t n = c->pass_fd >= 0 ? send_with_fd(c) :
			    send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
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
			if (c->op == OP_HEALTH)
				out_printf(c, "%s: the health check did not finish in time\n",
					   s->spec->name);
			else if (c->op == OP_PAUSE || c->op == OP_RESUME)
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

/* ---- requests ----------------------------------------------------------------- */

static void emit_to_client(void *ctx, const char *p, size_t len)
{
	out_add(ctx, p, len);
}

static bool word_is_name(const char *w)
{
	return unit_name_valid(w);
}

static void reply_unknown(struct client *c, const char *cmd)
{
	out_printf(c, "unknown command '%.64s'\n", cmd);
	client_finish(c, PROTO_USAGE);
}

/* Every name must exist; reports the first that does not. */
static bool names_exist(struct client *c, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!word_is_name(names[i]) || !svc_find(names[i])) {
			out_printf(c, "%.64s: " PROTO_MSG_NO_UNIT "\n", names[i]);
			client_finish(c, PROTO_ENOENT);
			return false;
		}
	}
	return true;
}

/* "running,failed" into a mask of states (1 << state); -1 if a word is none */
static int parse_state_list(const char *list, unsigned *ret_mask)
{
	unsigned mask = 0;

	while (*list) {
		size_t len = strcspn(list, ",");
		int st;

		for (st = 0; st < SVC_STATE_MAX; st++) {
			const char *name = fsm_state_to_string((enum svc_state)st);

			if (strlen(name) == len && strncmp(name, list, len) == 0)
				break;
		}
		if (st == SVC_STATE_MAX || len == 0)
			return -1;
		mask |= 1u << st;
		list += len + (list[len] == ',');
	}
	*ret_mask = mask;
	return mask ? 0 : -1;
}

/* status [--json] [--state LIST] [NAME...]: the table, or each named unit.
 * Exit 3 when a named unit is not active, as systemctl status does. */
static void do_status(struct client *c, char **args, size_t n)
{
	unsigned mask = 0;
	bool json = false, active = true;
	size_t first = 0;

	while (first < n && args[first][0] == '-') {
		if (strcmp(args[first], "--json") == 0) {
			json = true;
			first++;
		} else if (strcmp(args[first], "--state") == 0 && first + 1 < n) {
			if (parse_state_list(args[first + 1], &mask) < 0) {
				out_printf(c, "status: bad state list '%.64s' (states: stopped, starting, "
					   "running, paused, stopping, restarting, exited, failed...)\n",
					   args[first + 1]);
				client_finish(c, PROTO_USAGE);
				return;
			}
			first += 2;
		} else {
			out_printf(c, "status: unknown option '%.64s'\n", args[first]);
			client_finish(c, PROTO_USAGE);
			return;
		}
	}
	for (size_t i = first; i < n; i++) {
		const struct trig *t = word_is_name(args[i]) && !svc_find(args[i]) ?
				       trig_find(args[i]) : NULL;

		if (t) {   /* a socket or timer: active unless stopped or failed */
			active = active && t->state != TRIG_STOPPED && t->state != TRIG_FAILED;
			continue;
		}
		if (!names_exist(c, args + i, 1))
			return;
		active = active && fsm_is_active(&svc_find(args[i])->fsm);
	}
	status_render(&(struct status_out){ .emit = emit_to_client, .ctx = c }, json, mask,
		      args + first, n - first);
	client_finish(c, active ? PROTO_OK : PROTO_ENOENT);
}

/* exec NAME: a pidfd of the unit's main process, passed to the administrator
 * with the reply; svcctl enters the process's namespaces and cgroup with it
 * (setns on a pidfd: no pid that could be reused, and whatever PID namespace
 * svcctl runs in). svcinit itself runs nothing. */
static void do_exec(struct client *c, char **args, size_t n)
{
	struct svc *s;
	int fd;

	if (n != 1) {
		out_printf(c, "exec takes one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args, 1))
		return;
	s = svc_find(args[0]);
	if (s->main_pid <= 0 || !fsm_state_active(s->fsm.state)) {
		out_printf(c, "%s: not running (%s)\n", s->spec->name, svc_state_name(s));
		client_finish(c, PROTO_FAILED);
		return;
	}
	fd = (int)syscall(SYS_pidfd_open, s->main_pid, 0);
	if (fd < 0) {
		out_printf(c, "%s: cannot take hold of its process %d: %s\n", s->spec->name,
			   (int)s->main_pid, strerror(errno));
		client_finish(c, PROTO_FAILED);
		return;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	c->pass_fd = fd;
	out_printf(c, "%d\n", (int)s->main_pid);
	client_finish(c, PROTO_OK);
}

/* list-sockets, list-timers [--json] */
static void do_list(struct client *c, char **args, size_t n, bool timers)
{
	bool json = n == 1 && strcmp(args[0], "--json") == 0;

	if (n > (json ? 1u : 0u)) {
		out_printf(c, "%s: takes no arguments\n", timers ? "list-timers" : "list-sockets");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (timers)
		status_list_timers(&(struct status_out){ .emit = emit_to_client, .ctx = c }, json);
	else
		status_list_sockets(&(struct status_out){ .emit = emit_to_client, .ctx = c }, json);
	client_finish(c, PROTO_OK);
}

static void do_list_sockets(struct client *c, char **args, size_t n) { do_list(c, args, n, false); }
static void do_list_timers(struct client *c, char **args, size_t n) { do_list(c, args, n, true); }

static void do_metrics(struct client *c, char **args, size_t n)
{
	if (n > 0) {
		out_printf(c, "metrics: takes no arguments\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	status_metrics(&(struct status_out){ .emit = emit_to_client, .ctx = c });
	client_finish(c, PROTO_OK);
}

/* Is the pending operation done for this unit? 1 done, -1 failed, 0 not yet */
static int op_check(struct client *c, struct svc *s)
{
	switch (c->op) {
	case OP_START:
	case OP_RESTART:
		return svc_is_up(s) ? 1 : svc_start_failed(s) ? -1 : 0;
	case OP_STOP:
		return svc_is_down(s);
	case OP_PAUSE:
		if (!svc_is_paused(s))
			return -1;
		return svc_frozen(s) ? 1 : svc_freeze_pending(s) ? 0 : -1;
	case OP_RESUME:
		return !svc_is_paused(s) && !svc_freeze_pending(s) ? 1 : 0;
	case OP_WAIT:
		/* down and not coming up by itself: it will not get ready */
		return svc_is_ready(s) ? 1 : svc_is_done(s) ? -1 : 0;
	case OP_HEALTH:
		if (s->health.seq == c->health_seq)
			return 0;
		return s->health.last_ok ? 1 : -1;
	case OP_RELOAD:
		/* the reload is over when its hook is (or READY=1 came) */
		if (s->fsm.sub == FSM_SUB_RELOAD)
			return 0;
		return s->fsm.state == SVC_RUNNING && !s->fsm.reload_failed ? 1 : -1;
	case OP_NONE:
		break;
	}
	return 1;
}

/* svcctl health: the check's verdict and its output. */
static void health_reply(struct client *c, struct svc *s, int r)
{
	const struct svc_health *h = &s->health;

	/* the unit's bytes on root's terminal: no escape sequence gets through
	 * (as status shows the output) */
	for (size_t i = 0; i < h->output_len; i++) {
		unsigned char ch = (unsigned char)h->output[i];
		bool ok = ch == '\n' || ch == '\t' || (ch >= 0x20 && ch != 0x7f);

		out_add(c, ok ? (const char *)&ch : "?", 1);
	}
	if (h->output_len && h->output[h->output_len - 1] != '\n')
		out_add(c, "\n", 1);
	if (h->output_len == HEALTH_OUTPUT_MAX)
		out_printf(c, "[svcinit: output cut at %d bytes]\n", HEALTH_OUTPUT_MAX);
	out_printf(c, "%s: %s\n", s->spec->name, r > 0 ? "healthy" : "health check failed");
	client_finish(c, r > 0 ? PROTO_OK : PROTO_FAILED);
}

/* Re-check a pending client; reply once every unit is done or failed. */
static void op_evaluate(struct client *c)
{
	int code = PROTO_OK;

	if (c->op == OP_HEALTH) {
		struct svc *s = c->n_names ? svc_find(c->names[0]) : NULL;
		int r = s ? op_check(c, s) : -1;

		if (!s) {
			out_printf(c, "%s: unit was removed\n", c->n_names ? c->names[0] : "?");
			client_finish(c, PROTO_FAILED);
		} else if (r != 0) {
			health_reply(c, s, r);
		}
		return;
	}

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

/* Sockets and timers among the names of start, stop, restart: taken out of
 * args (the rest are services) into ret_trigs, acted on by trig_apply once
 * every name has been checked, so that a request naming an unknown unit
 * changes nothing. */
static void trig_split(enum ctl_op op, char **args, size_t first, size_t *n, struct trig **ret_trigs,
		       size_t *ret_n_trigs)
{
	size_t k = first;

	*ret_n_trigs = 0;
	if (op != OP_START && op != OP_STOP && op != OP_RESTART)
		return;
	for (size_t i = first; i < *n; i++) {
		struct trig *t = word_is_name(args[i]) && !svc_find(args[i]) ? trig_find(args[i]) : NULL;

		if (t)
			ret_trigs[(*ret_n_trigs)++] = t;
		else
			args[k++] = args[i];
	}
	*n = k;
}

/* Binding and arming do not wait: done at once. False when it replied
 * (only sockets and timers, or a failure). */
static bool trig_apply(struct client *c, enum ctl_op op, struct trig **trigs, size_t n_trigs,
		       bool services_left)
{
	for (size_t i = 0; i < n_trigs; i++) {
		if (op != OP_START)
			(void)trig_stop(trigs[i]);
		if (op != OP_STOP && trig_start(trigs[i]) < 0) {
			out_printf(c, "%s: %s\n", trigs[i]->spec->name, trigs[i]->error);
			client_finish(c, PROTO_FAILED);
			return false;
		}
	}
	if (n_trigs > 0 && !services_left) {
		client_finish(c, PROTO_OK);
		return false;
	}
	return true;
}

static void do_op(struct client *c, enum ctl_op op, char **args, size_t n)
{
	struct trig *trigs[PROTO_ARGS_MAX];
	size_t n_trigs = 0;
	struct svc *set[PROTO_ARGS_MAX];
	size_t n_set = 0;
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
	trig_split(op, args, first, &n, trigs, &n_trigs);
	if (op == OP_START) {   /* an instance or a unit not in the boot set: load it */
		for (size_t i = first; i < n; i++) {
			struct svc *s;

			if (word_is_name(args[i]) && !svc_find(args[i]) &&
			    svc_instantiate(args[i], &s) == -ESHUTDOWN) {
				out_printf(c, "%s: unit is masked\n", args[i]);
				client_finish(c, PROTO_FAILED);
				return;
			}
		}
	}
	if (!names_exist(c, args + first, n - first))
		return;
	if (!trig_apply(c, op, trigs, n_trigs, n > first))
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
		case OP_START: set[n_set++] = s; break;   /* started together, below */
		case OP_STOP: r = svc_stop(s); break;
		case OP_RESTART: r = svc_restart(s); break;
		case OP_PAUSE: r = svc_pause(s); break;
		case OP_RESUME: r = svc_resume(s); break;
		case OP_RELOAD: r = svc_reload_unit(s); break;
		default: break;
		}
		if (op == OP_RELOAD && r < 0) {
			out_printf(c, "%s: %s\n", s->spec->name, r == -EOPNOTSUPP ?
				   "cannot reload: the unit has no ExecReload= (and is not "
				   "Type=notify-reload)" : "cannot reload a unit that is not running");
			client_finish(c, PROTO_FAILED);
			return;
		}
		if (r == -ELOOP) {
			out_printf(c, "%s: %s\n", s->spec->name, s->error);
			client_finish(c, PROTO_FAILED);
			return;
		}
		if (r < 0) {
			out_printf(c, "%s: cannot %s a unit that is %s%s\n", s->spec->name,
				   op == OP_PAUSE ? "pause" : "resume", svc_state_name(s),
				   r == -EOPNOTSUPP ? " (no cgroup freezer)" :
				   r == -EBUSY ? " (a hook of it runs)" : "");
			client_finish(c, PROTO_FAILED);
			return;
		}
	}
	if (n_set > 0) {
		int r = svc_start_set(set, n_set);

		if (r < 0) {
			out_printf(c, "cannot start: %s\n", strerror(-r));
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

/* is-active NAME...: each one's state; 0 only if every one is active.
 * (svcctl asks for one name at a time, to print a missing one to stderr.) */
static void do_is_active(struct client *c, char **args, size_t n)
{
	bool all = true;

	if (n < 1) {
		out_printf(c, "is-active needs at least one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct svc *s = word_is_name(args[i]) ? svc_find(args[i]) : NULL;
		const struct trig *t = !s && word_is_name(args[i]) ? trig_find(args[i]) : NULL;

		if (t) {   /* a socket or timer */
			out_printf(c, "%s\n", trig_state_name(t));
			all = all && t->state != TRIG_STOPPED && t->state != TRIG_FAILED;
			continue;
		}
		if (!s)
			out_printf(c, "%.64s: " PROTO_MSG_NO_UNIT "\n", args[i]);
		else
			out_printf(c, "%s\n", svc_state_name(s));
		all = all && s && fsm_is_active(&s->fsm);
	}
	client_finish(c, all ? PROTO_OK : PROTO_ENOENT);
}

static void do_reload(struct client *c, char **args, size_t n)
{
	struct unit_diag diag = { .n = 0 };
	int r;

	if (n != 0) {   /* reload NAME...: the units' ExecReload= */
		do_op(c, OP_RELOAD, args, n);
		return;
	}
	r = svc_reload(&diag);

	for (size_t i = 0; i < diag.n; i++)
		out_printf(c, "%s\n", diag.msgs[i]);
	if (diag.dropped)
		out_printf(c, "... and %zu more errors\n", diag.dropped);
	unit_diag_free(&diag);
	if (r < 0 && r != -EINVAL)
		out_printf(c, "unable to read units: %s\n", strerror(-r));
	client_finish(c, r < 0 ? PROTO_FAILED : PROTO_OK);
}

/* The logs of several units, merged by time: a min-heap of one small
 * iterator a unit (static: never allocated in the handler). */
static struct {
	struct logbuf_iter it[UNIT_MAX];
	const char *name[UNIT_MAX];
	int64_t usec[UNIT_MAX];
	size_t heap[UNIT_MAX];
	size_t n;
	char scratch[LOGREC_TEXT_MAX];
} LM;

static bool lm_less(size_t a, size_t b)
{
	return LM.usec[LM.heap[a]] < LM.usec[LM.heap[b]];
}

static void lm_swap(size_t a, size_t b)
{
	size_t t = LM.heap[a];

	LM.heap[a] = LM.heap[b];
	LM.heap[b] = t;
}

static void lm_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < LM.n && lm_less(l, m))
			m = l;
		if (r < LM.n && lm_less(r, m))
			m = r;
		if (m == i)
			return;
		lm_swap(i, m);
		i = m;
	}
}

static void logs_emit(struct client *c, const char *unit, const struct logrec *r, unsigned flags)
{
	status_log_record(&(struct status_out){ .emit = emit_to_client, .ctx = c }, unit, r, flags);
}

/* The last `lines` records of each unit in svcs (since `since`), oldest
 * first; with several units merged by time. */
static void logs_dump(struct client *c, struct svc **svcs, size_t n, size_t lines, int64_t since,
		      unsigned flags)
{
	struct logrec r;

	LM.n = 0;
	for (size_t i = 0; i < n && i < UNIT_MAX; i++) {
		logbuf_iter_init(&LM.it[i], &svcs[i]->log, lines, since);
		LM.name[i] = svcs[i]->spec->name;
		if (logbuf_iter_peek(&LM.it[i], &LM.usec[i]))
			LM.heap[LM.n++] = i;
	}
	for (size_t i = LM.n / 2; i-- > 0;)
		lm_down(i);
	while (LM.n > 0) {
		size_t top = LM.heap[0];

		if (logbuf_iter_next(&LM.it[top], &r, LM.scratch, sizeof(LM.scratch)))
			logs_emit(c, LM.name[top], &r, flags);
		if (!logbuf_iter_peek(&LM.it[top], &LM.usec[top]))
			LM.heap[0] = LM.heap[--LM.n];
		lm_down(0);
	}
}

/* logs [-n N] [-f] [-t] [--json] [--since USEC] [NAME...]: the last N lines
 * of each named unit (none: every unit), merged by time when several, each
 * line then after its unit's name; -f follows them. */
static void do_logs(struct client *c, char **args, size_t n)
{
	static struct svc *svcs[UNIT_MAX];
	unsigned long lines = 100;
	unsigned flags = 0;
	long long since = 0;
	bool follow = false;
	size_t i, first, ns;

	for (i = 0; i < n && args[i][0] == '-'; i++) {
		char *end;

		if (strcmp(args[i], "-f") == 0) {
			follow = true;
		} else if (strcmp(args[i], "-t") == 0) {
			flags |= STATUS_LOG_TIME;
		} else if (strcmp(args[i], "--json") == 0) {
			flags |= STATUS_LOG_JSON;
		} else if (strcmp(args[i], "-n") == 0 && i + 1 < n) {
			errno = 0;
			lines = strtoul(args[++i], &end, 10);
			if (*end || errno || lines > CTL_LOG_LINES_MAX) {
				out_printf(c, "invalid line count '%.32s'\n", args[i]);
				client_finish(c, PROTO_USAGE);
				return;
			}
		} else if (strcmp(args[i], "--since") == 0 && i + 1 < n) {
			errno = 0;
			since = strtoll(args[++i], &end, 10);
			if (*end || errno || since < 0) {
				out_printf(c, "invalid --since '%.32s' (microseconds since the epoch)\n", args[i]);
				client_finish(c, PROTO_USAGE);
				return;
			}
		} else {
			out_printf(c, "usage: logs [-n N] [-f] [-t] [--json] [--since USEC] [NAME...]\n");
			client_finish(c, PROTO_USAGE);
			return;
		}
	}
	first = i;
	if (!names_exist(c, args + first, n - first))
		return;
	ns = n - first ? n - first : svc_count();
	if (ns > UNIT_MAX)
		ns = UNIT_MAX;
	for (i = 0; i < ns; i++)
		svcs[i] = n - first ? svc_find(args[first + i]) : svc_at(i);
	if (n - first != 1)
		flags |= STATUS_LOG_UNIT;
	logs_dump(c, svcs, ns, lines, since, flags);
	if (follow) {
		c->phase = C_STREAM;
		c->log_flags = flags;
		if (n - first == 1) {
			c->follow = svcs[0];
		} else if (n - first > 1) {
			c->names = calloc(n - first, sizeof(*c->names));
			for (i = 0; c->names && i < n - first; i++) {
				c->names[i] = strdup(args[first + i]);
				if (!c->names[i])
					break;
				c->n_names++;
			}
			if (c->n_names != n - first) {
				out_printf(c, "out of memory\n");
				client_finish(c, PROTO_FAILED);
				return;
			}
		} else {
			c->follow_all = true;
		}
	}
	client_finish(c, PROTO_OK);
}

static bool follows(const struct client *c, const struct svc *s)
{
	if (c->phase != C_STREAM)
		return false;
	if (c->follow_all || c->follow == s)
		return true;
	for (size_t i = 0; i < c->n_names; i++)
		if (strcmp(c->names[i], s->spec->name) == 0)
			return true;
	return false;
}

void ctl_output(struct svc *s, const struct logrec *r)
{
	for (struct client *c = C.clients; c; c = c->next) {
		/* room for the record as it is printed: JSON escapes, the time, the name */
		size_t need = r->len * 2 + 160;

		if (!follows(c, s))
			continue;
		if (c->out_len - c->out_off + need > CTL_STREAM_MAX) {
			c->dropped += r->len + 1;   /* a reader that cannot keep up loses lines */
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
		logs_emit(c, s->spec->name, r, c->log_flags);
		if (!(c->io.events & EV_WRITE)) {
			ev_io_stop(C.loop, &c->io);
			ev_io_init(&c->io, client_write_cb, c->fd, EV_WRITE);
			c->io.data = c;
			ev_io_start(C.loop, &c->io);
		}
	}
}

/* A unit is freed: who follows it alone is done; who follows by name or all
 * goes on (a unit of that name may come back with a reload). */
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

#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)   /* Linux 6.11 */
#endif
#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE _IO(0xFF, 5)
#endif

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Is the peer in another pid namespace than svcinit (1), the same (0)? From
 * its pidfd; before Linux 6.11 from the pidfd's NSpid: (one pid per level,
 * from svcinit's namespace down to the peer's). */
static int peer_other_pidns(const struct client *c)
{
	char path[64], buf[2048], *p;
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = ioctl(c->pidfd, PIDFD_GET_PID_NAMESPACE, 0);
	if (fd >= 0) {
		r = fstat(fd, &st) < 0 ? -errno : !same_inode(&st, &C.self_ns[0]);
		(void)close(fd);
		return r;
	}
	if (errno == ESRCH)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", c->pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -ESRCH;   /* gone (or not in our namespace at all) */
	p += 7;
	p[strcspn(p, "\n")] = '\0';
	return strchr(p + strspn(p, " \t"), '\t') || strchr(p + strspn(p, " \t"), ' ') ? 1 : 0;
}

/* Is the peer in another mount namespace than svcinit? */
static int peer_other_mntns(const struct client *c)
{
	char path[64];
	struct stat st;
	int fd, r;

	fd = ioctl(c->pidfd, PIDFD_GET_MNT_NAMESPACE, 0);
	if (fd >= 0) {
		r = fstat(fd, &st) < 0 ? -errno : !same_inode(&st, &C.self_ns[1]);
		(void)close(fd);
		return r;
	}
	if (errno == ESRCH)
		return -ESRCH;
	/* older kernels: by pid; peer_alive() after it rules out a reused pid */
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)c->pid);
	if (stat(path, &st) < 0)
		return -errno;
	return !same_inode(&st, &C.self_ns[1]);
}

/*
 * Is the peer a process of a unit? 1 yes, 0 no, -errno when it cannot be
 * told (the caller fails closed). The rule, in order:
 * - pid 0 (SO_PEERCRED): the peer is outside svcinit's pid namespace, above
 *   it (the host of svcinit's container). Units never are: their processes
 *   are in svcinit's pid namespace or below, and a process can never move to
 *   an ancestor pid namespace. Not a unit.
 * - its pid namespace (through its pidfd, which names that very process) is
 *   not svcinit's: a unit (Namespaces=pid, the default). Nothing a process
 *   does changes its own pid namespace.
 * - its mount namespace is not svcinit's: a unit (Namespaces=mnt).
 * - /proc/PID/cgroup names a unit's cgroup: a unit (Namespaces=none; root
 *   there can leave its cgroup, and is as strong as root, see README).
 * - and the peer must still be the process that connected (pidfd).
 */
static int peer_is_unit(const struct client *c)
{
	int r;

	if (c->pid == 0)
		return 0;
	if (c->pidfd < 0 || !C.have_self_ns)
		return -ESRCH;
	r = peer_other_pidns(c);
	if (r != 0)
		return r;
	r = peer_other_mntns(c);
	if (r != 0)
		return r;
	r = svc_unit_of_pid(c->pid, &(struct svc *){ NULL });
	if (r != 0)
		return r;
	return peer_alive(c) ? 0 : -ESRCH;
}

static void do_start(struct client *c, char **args, size_t n) { do_op(c, OP_START, args, n); }

/* health NAME: its check now; answered when it is done (HealthTimeoutSec=
 * bounds it), the loop never waits for it. Exit 0 passed, 1 failed, 3 no
 * such unit or no check. */
static void do_health(struct client *c, char **args, size_t n)
{
	struct svc *s;
	unsigned seq;
	int r;

	if (n != 1) {
		out_printf(c, "health takes one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args, 1))
		return;
	s = svc_find(args[0]);
	seq = s->health.seq;   /* before: a check that cannot start answers at once */
	r = health_run_now(s);
	if (r == -ENOENT) {
		out_printf(c, "%s: has no HealthCheck=\n", s->spec->name);
		client_finish(c, PROTO_ENOENT);
		return;
	}
	if (r < 0) {
		out_printf(c, "%s: not running (%s)\n", s->spec->name, svc_state_name(s));
		client_finish(c, PROTO_FAILED);
		return;
	}
	c->names = calloc(1, sizeof(*c->names));
	if (c->names)
		c->names[0] = strdup(s->spec->name);
	if (!c->names || !c->names[0]) {
		out_printf(c, "out of memory\n");
		client_finish(c, PROTO_FAILED);
		return;
	}
	c->n_names = 1;
	c->op = OP_HEALTH;
	c->health_seq = seq;
	c->phase = C_PENDING;
	ev_timer_stop(C.loop, &c->timer);
	ev_timer_set(&c->timer, (double)s->spec->health.timeout_usec / 1e6 + 5., 0.);
	ev_timer_start(C.loop, &c->timer);
	op_evaluate(c);
}

/* kill [-s SIG] [--main] NAME...: SIG (default SIGTERM) to every process of
 * each unit's cgroup, or to its main process only. Supervision goes on as
 * for any end (Restart= applies). */
static void do_kill(struct client *c, char **args, size_t n)
{
	int sig = SIGTERM, code = PROTO_OK;
	bool main_only = false;
	size_t i;

	for (i = 0; i < n && args[i][0] == '-'; i++) {
		if (strcmp(args[i], "--main") == 0) {
			main_only = true;
		} else if (strcmp(args[i], "-s") == 0 && i + 1 < n) {
			if (unit_parse_signal(args[++i], &sig) < 0) {
				out_printf(c, "kill: unknown signal '%.32s'\n", args[i]);
				client_finish(c, PROTO_USAGE);
				return;
			}
		} else {
			out_printf(c, "usage: kill [-s SIGNAL] [--main] NAME...\n");
			client_finish(c, PROTO_USAGE);
			return;
		}
	}
	if (i == n) {
		out_printf(c, "kill needs at least one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args + i, n - i))
		return;
	for (; i < n; i++) {
		struct svc *s = svc_find(args[i]);
		int r = svc_kill(s, sig, main_only);

		if (r == -ESRCH) {
			out_printf(c, "%s: not running (%s)\n", s->spec->name, svc_state_name(s));
			code = PROTO_FAILED;
		} else if (r < 0) {
			out_printf(c, "%s: cannot send signal %d: %s\n", s->spec->name, sig,
				   strerror(-r));
			code = PROTO_FAILED;
		}
	}
	client_finish(c, code);
}

/* svcctl cat NAME: the file and each drop-in applied, as systemctl cat.
 * Unit files are small and local (read as at a reload); root only, as a
 * unit file may hold secrets. */
static void do_cat(struct client *c, char **args, size_t n)
{
	const struct unit_spec *spec;
	const struct trig *t = n == 1 && word_is_name(args[0]) && !svc_find(args[0]) ?
			       trig_find(args[0]) : NULL;

	if (!t && (n != 1 || !names_exist(c, args, n))) {
		if (n != 1) {
			out_printf(c, "cat: one unit name\n");
			client_finish(c, PROTO_USAGE);
		}
		return;
	}
	spec = t ? t->spec : svc_find(args[0])->spec;   /* a socket or timer, or a service */
	for (size_t i = 0; spec->sources && spec->sources[i]; i++) {
		const char *p = spec->sources[i];
		char buf[4096];
		size_t total = 0;
		ssize_t r;
		int fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

		out_printf(c, "%s# %s\n", i ? "\n" : "", p);
		if (fd < 0) {
			out_printf(c, "# (unable to read: %s)\n", strerror(errno));
			continue;
		}
		while (total < UNIT_FILE_MAX && (r = read(fd, buf, sizeof(buf))) > 0) {
			out_add(c, buf, (size_t)r);
			total += (size_t)r;
		}
		(void)close(fd);
	}
	client_finish(c, PROTO_OK);
}
static void do_stop(struct client *c, char **args, size_t n) { do_op(c, OP_STOP, args, n); }

/* svcctl show NAME: systemd's properties (svcctl picks -p KEY and --value). */
static void do_show(struct client *c, char **args, size_t n)
{
	if (n != 1) {
		out_printf(c, "show: one unit name\n");
		client_finish(c, PROTO_USAGE);
		return;
	}
	if (!names_exist(c, args, n))
		return;
	status_show(&(struct status_out){ .emit = emit_to_client, .ctx = c }, svc_find(args[0]));
	client_finish(c, PROTO_OK);
}
static void do_restart(struct client *c, char **args, size_t n) { do_op(c, OP_RESTART, args, n); }
static void do_pause(struct client *c, char **args, size_t n) { do_op(c, OP_PAUSE, args, n); }
static void do_resume(struct client *c, char **args, size_t n) { do_op(c, OP_RESUME, args, n); }
static void do_wait(struct client *c, char **args, size_t n) { do_op(c, OP_WAIT, args, n); }

/* poweroff, reboot, halt: a machine does what it is told, a container or a
 * subreaper exits */
static void do_end(struct client *c, const char *cmd, enum init_end machine_end, size_t n)
{
	if (n != 0) {
		reply_unknown(c, cmd);
		return;
	}
	out_printf(c, "%s: shutting down\n", cmd);
	client_finish(c, PROTO_OK);
	init_shutdown(init_mode == INIT_MACHINE ? machine_end : INIT_END_EXIT, 0);
}

static void do_poweroff(struct client *c, char **args, size_t n)
{
	do_end(c, "poweroff", INIT_END_POWEROFF, n);
}

static void do_reboot(struct client *c, char **args, size_t n)
{
	do_end(c, "reboot", INIT_END_REBOOT, n);
}

static void do_halt(struct client *c, char **args, size_t n)
{
	do_end(c, "halt", INIT_END_HALT, n);
}

/*
 * The commands. privileged: only for an administrator (uid 0, not in a
 * unit); the others are for anyone, units included: they look, they do not
 * control. in_shutdown: still answered while svcinit shuts down.
 */
struct ctl_cmd {
	const char *name;
	void (*fn)(struct client *c, char **args, size_t n);   /* args: after the name */
	bool privileged;
	bool in_shutdown;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "status",    do_status,    false, true  },
	{ "is-active", do_is_active, false, true  },
	{ "metrics",   do_metrics,   false, true  },
	{ "list-sockets", do_list_sockets, false, true },
	{ "list-timers",  do_list_timers,  false, true },
	{ "exec",      do_exec,      true,  false },
	{ "wait",      do_wait,      false, false },
	{ "start",     do_start,     true,  false },
	{ "stop",      do_stop,      true,  false },
	{ "restart",   do_restart,   true,  false },
	{ "pause",     do_pause,     true,  false },
	{ "resume",    do_resume,    true,  false },
	{ "logs",      do_logs,      true,  false },
	{ "cat",       do_cat,       true,  true  },
	{ "show",      do_show,      false, true  },
	{ "reload",    do_reload,    true,  false },
	{ "daemon-reload", do_reload, true, false },   /* systemctl's name for it */
	{ "health",    do_health,    true,  false },
	{ "kill",      do_kill,      true,  false },
	{ "poweroff",  do_poweroff,  true,  false },
	{ "reboot",    do_reboot,    true,  false },
	{ "halt",      do_halt,      true,  false },
};

/* A name not in the table is treated as a privileged command: who may not
 * control learns nothing more than "permission denied". */
static const struct ctl_cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

/* May this client run a privileged command? Replies and returns false if not. */
static bool client_may_control(struct client *c, const char *cmd)
{
	int u;

	if (c->uid != 0) {
		out_printf(c, "%s: permission denied\n", cmd);
		client_finish(c, PROTO_EPERM);
		return false;
	}
	/* root inside a unit is still not an administrator: units may look
	 * (status, wait), not control. Decided again now, and at accept; a
	 * peer that cannot be told fails closed. */
	u = peer_is_unit(c);
	if (u < 0) {
		out_printf(c, "%s: permission denied (the connecting process is gone)\n", cmd);
		client_finish(c, PROTO_EPERM);
		return false;
	}
	if (u > 0 || !c->admin) {
		struct svc *from = c->pid > 0 ? svc_of_pid(c->pid) : NULL;

		out_printf(c, "%s: permission denied (request from %s%s)\n", cmd,
			   from ? "unit " : "inside a unit", from ? from->spec->name : "");
		client_finish(c, PROTO_EPERM);
		return false;
	}
	return true;
}

/* "web.service" names the service web, as in systemctl. Every word that is
 * not an option is a name or an option's value; no value ends in .service. */
static void names_strip_suffix(char **args, size_t n)
{
	static const char suffix[] = ".service";
	const size_t sl = sizeof(suffix) - 1;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(args[i]);

		if (args[i][0] != '-' && len > sl && strcmp(args[i] + len - sl, suffix) == 0)
			args[i][len - sl] = '\0';
	}
}

static void client_dispatch(struct client *c)
{
	char *args[PROTO_ARGS_MAX];
	int r = proto_split(c->in, c->in_len, args, PROTO_ARGS_MAX);
	const struct ctl_cmd *cmd;

	if (r < 0) {
		out_printf(c, "%s\n", r == -ENODATA ? "empty request" :
			   r == -E2BIG ? "too many arguments" : "malformed request");
		client_finish(c, PROTO_USAGE);
		return;
	}
	cmd = cmd_find(args[0]);
	if ((!cmd || cmd->privileged) && !client_may_control(c, args[0]))
		return;
	if (init_shutting_down() && !(cmd && cmd->in_shutdown)) {
		out_printf(c, "svcinit is shutting down\n");
		client_finish(c, PROTO_FAILED);
		return;
	}
	if (!cmd) {
		reply_unknown(c, args[0]);
		return;
	}
	names_strip_suffix(args + 1, (size_t)r - 1);
	cmd->fn(c, args + 1, (size_t)r - 1);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	char *nl;
	ssize_t n;

	if (c->phase == C_PENDING || c->phase == C_STREAM) {
		/* waiting or following: anything from the client means it left */
		char b[256];

		n = passfd_recv(c->fd, b, sizeof(b), 0, NULL, NULL);
		if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR))
			client_free(c);
		return;
	}
	/* never plain recv(): it would drop passed descriptors here (passfd.h) */
	n = passfd_recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0, NULL, NULL);
	if (n == -EAGAIN || n == -EINTR)
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

/* The class of a non-administrator (created on first use), NULL when the
 * table is full (it has room for CTL_OTHERS_MAX classes of one client). */
static struct peer_class *class_of(uid_t uid, bool unit)
{
	struct peer_class *free_one = NULL;

	for (size_t i = 0; i < CTL_OTHERS_MAX; i++) {
		struct peer_class *k = &C.classes[i];

		if (k->clients == 0 && k->out == 0) {
			if (!free_one)
				free_one = k;
			continue;
		}
		if (k->uid == uid && k->unit == unit)
			return k;
	}
	if (free_one) {
		free_one->uid = uid;
		free_one->unit = unit;
	}
	return free_one;
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
		(void)passfd_refuse(fd);   /* inherited from the listener already (6.16) */
		c = calloc(1, sizeof(*c));
		if (!c) {
			(void)close(fd);
			continue;
		}
		c->fd = fd;
		c->pass_fd = -1;
		c->uid = cr.uid;
		c->pid = cr.pid;
		c->pidfd = peer_pidfd(fd, cr.pid);
		c->admin = cr.uid == 0 && peer_is_unit(c) == 0;
		if (!c->admin)
			c->cls = class_of(cr.uid, cr.uid == 0);
		/* full, or the class's share is: say so and close, so that no
		 * class can lock another out by holding connections */
		if (C.n_clients >= CTL_CLIENTS_MAX ||
		    (!c->admin && (!c->cls || C.n_others >= CTL_OTHERS_MAX ||
				   c->cls->clients >= CTL_CLASS_MAX))) {
			static const char busy[] = "1\nbusy: too many clients, try again\n";

			(void)send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)close(fd);
			if (c->pidfd >= 0)
				(void)close(c->pidfd);
			free(c);
			continue;
		}
		if (c->cls) {
			c->cls->clients++;
			C.n_others++;
		}
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

int ctl_init(struct ev_loop *loop, const char *path, const char **ret_step)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = -1, r;

	C.loop = loop;
	ev_timer_init(&C.backoff, accept_backoff_cb, 0.1, 0.);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		*ret_step = "use the path";
		return -ENAMETOOLONG;
	}
	snprintf(C.path, sizeof(C.path), "%s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	r = mkdir_parents(path);
	if (r < 0) {
		*ret_step = "create its directory";
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		*ret_step = "create the socket";
		goto out;
	}
	/* no descriptor a client passes ever reaches PID 1 (passfd.h) */
	r = passfd_refuse(fd);
	if (r < 0)
		log_debug("control socket: SO_PASSRIGHTS: %s; passed descriptors are closed "
			  "off the loop", strerror(-r));
	C.have_self_ns = stat("/proc/self/ns/pid", &C.self_ns[0]) == 0 &&
			 stat("/proc/self/ns/mnt", &C.self_ns[1]) == 0;
	if (!C.have_self_ns)
		log_warn("control socket: unable to read svcinit's namespaces: %s; only peers "
			 "outside its pid namespace are administrators", strerror(errno));
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		r = -errno;
		*ret_step = "listen";
		goto out;
	}
	/* anyone may connect; what they may do is checked per request */
	(void)chmod(path, 0666);
	C.fd = fd;
	fd = -1;
	ev_io_init(&C.io, accept_cb, C.fd, EV_READ);
	ev_io_start(loop, &C.io);
	r = 0;
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
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
