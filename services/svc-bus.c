/* SPDX-License-Identifier: MIT */
/*
 * svc-bus.c: Type=dbus. A unit is ready once its BusName= has an owner on
 * the system bus (systemd.service(5)), and stopped when it releases it.
 *
 * PID 1 only connects a non-blocking socket to the bus (a connect(2) to a
 * unix socket never waits: it succeeds, or fails at once when no bus
 * listens there, and then the unit runs as Type=simple with a warning) and
 * forks a small watcher with it. The watcher speaks the D-Bus protocol
 * (services/dbus.c: AUTH EXTERNAL, Hello, AddMatch for NameOwnerChanged of
 * the name, NameHasOwner) with blocking I/O and deadlines, which PID 1 may
 * not, and writes one short line per change to a pipe on the loop:
 *
 *   O            the name has an owner
 *   R            it was released
 *   N reason     the bus is not usable (before the watch was set up)
 *   G reason     the connection ended (the bus went away)
 *
 * The system bus is $DBUS_SYSTEM_BUS_ADDRESS of svcinit (its first
 * unix:path= or unix:abstract=), else /run/dbus/system_bus_socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/dbus.h"

#include "services/svc-internal.h"

#define BUS_SETUP_S   10         /* the bus answers the handshake within this */
#define SERIAL_HELLO  1
#define SERIAL_MATCH  2
#define SERIAL_HAS    3

/* ---- the watching child ---------------------------------------------------- */

static void report(int out, const char *what, const char *reason)
{
	char line[200];
	int n = snprintf(line, sizeof(line), "%s%s%s\n", what, reason ? " " : "",
			 reason ? reason : "");

	if (n > (int)sizeof(line) - 1) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(out, line, (size_t)n) < 0)
		_exit(1);   /* nobody listens any more */
}

static void fail(int out, const char *what, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

static void send_all(int fd, int out, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail(out, "N", "unable to write to the bus: %s",
			     n < 0 ? strerror(errno) : "closed");
		p += n;
		len -= (size_t)n;
	}
}

static void fail(int out, const char *what, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	report(out, what, reason);
	_exit(0);
}

static void call(int fd, int out, uint32_t serial, const char *member, const char *arg)
{
	uint8_t buf[1024];
	ssize_t n = dbus_call(serial, member, arg, buf, sizeof(buf));

	if (n < 0)
		fail(out, "N", "%s: %s", member, strerror((int)-n));
	send_all(fd, out, buf, (size_t)n);
}

/* The SASL exchange: the server's "OK <guid>" line, read byte by byte (it
 * is the only thing it sends before BEGIN). */
static void authenticate(int fd, int out)
{
	char buf[DBUS_AUTH_LINE_MAX];
	ssize_t n = dbus_auth_begin(getuid(), buf, sizeof(buf));
	size_t len = 0;
	int r;

	if (n < 0)
		fail(out, "N", "AUTH: %s", strerror((int)-n));
	send_all(fd, out, buf, (size_t)n);
	for (;;) {
		ssize_t m = read(fd, buf + len, 1);

		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			fail(out, "N", "no answer to AUTH: %s",
			     m < 0 ? (errno == EAGAIN ? "timed out" : strerror(errno)) :
			     "closed");
		if (buf[len] == '\n')
			break;
		if (++len >= sizeof(buf) - 1)
			fail(out, "N", "AUTH: an answer line too long");
	}
	buf[len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[len - 1] = '\0';
	r = dbus_auth_reply(buf);
	if (r < 0)
		fail(out, "N", "AUTH EXTERNAL %s", r == -EACCES ? "rejected" :
		     "answered with something else");
	send_all(fd, out, "BEGIN\r\n", 7);
}

static void set_timeout(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* One message from the bus: 1 when the watch is set up (NameHasOwner
 * answered), else 0. *owned is what was said last (-1: nothing yet). */
static int handle(int out, const char *name, const struct dbus_msg *m, int *owned)
{
	int now = *owned;

	if (m->type == DBUS_ERROR && m->reply_serial >= SERIAL_HELLO &&
	    m->reply_serial <= SERIAL_HAS)
		fail(out, "N", "%s: %s", m->reply_serial == SERIAL_HELLO ? "Hello" :
		     m->reply_serial == SERIAL_MATCH ? "AddMatch" : "NameHasOwner",
		     m->error_name);
	if (m->type == DBUS_METHOD_RETURN && m->reply_serial == SERIAL_HAS) {
		if (!m->have_bool)
			fail(out, "N", "NameHasOwner: no boolean in its answer");
		now = m->boolean;
	} else if (m->type == DBUS_SIGNAL && strcmp(m->member, "NameOwnerChanged") == 0 &&
		   strcmp(m->interface, "org.freedesktop.DBus") == 0 &&
		   strcmp(m->sender, "org.freedesktop.DBus") == 0 && m->n_args == 3 &&
		   strcmp(m->args[0], name) == 0) {
		now = m->args[2][0] != '\0';
	}
	if (now == 1 && *owned != 1)
		report(out, "O", NULL);
	else if (now == 0 && *owned == 1)
		report(out, "R", NULL);   /* not owned before it was: nothing to say */
	*owned = now;
	return m->type == DBUS_METHOD_RETURN && m->reply_serial == SERIAL_HAS;
}

static void watch(int fd, int out, const char *name)
{
	static uint8_t buf[DBUS_MSG_MAX];
	size_t len = 0, skip = 0;
	int owned = -1;
	bool setup = true;

	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail(out, setup ? "N" : "G", "%s", n == 0 ? "the bus closed the "
			     "connection" : errno == EAGAIN ? "the bus did not answer in time" :
			     strerror(errno));
		len += (size_t)n;
		for (;;) {
			struct dbus_msg m;
			ssize_t size;

			if (skip) {   /* the rest of a message too long to keep */
				size_t k = skip < len ? skip : len;

				memmove(buf, buf + k, len - k);
				len -= k;
				skip -= k;
				if (skip)
					break;
			}
			size = dbus_msg_size(buf, len);
			if (size == 0)
				break;
			if (size < 0)
				fail(out, setup ? "N" : "G", "a malformed message from the bus");
			if (size > DBUS_MSG_MAX) {
				skip = (size_t)size;
				continue;
			}
			if ((size_t)size > len)
				break;
			if (dbus_msg_parse(buf, (size_t)size, &m) < 0)
				fail(out, setup ? "N" : "G", "a malformed message from the bus");
			if (handle(out, name, &m, &owned) && setup) {
				setup = false;
				set_timeout(fd, 0);   /* from now on it waits as long as the unit runs */
			}
			memmove(buf, buf + size, len - (size_t)size);
			len -= (size_t)size;
		}
	}
}

static void child(int fd, int out, const struct sockaddr_un *sa, socklen_t salen, bool again,
		  const char *name)
{
	char rule[DBUS_STR_MAX * 2 + 256];
	sigset_t none;
	int fl;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	(void)prctl(PR_SET_NAME, "svcinit-bus", 0, 0, 0);
	/* it lives as long as the unit: none of PID 1's descriptors (listening
	 * sockets, pipes of other units) may stay open in it; its two become
	 * 3 and 4 */
	{
		int a = fcntl(fd, F_DUPFD, 10), b = fcntl(out, F_DUPFD, 10);

		if (a < 0 || b < 0 || dup2(a, 3) < 0 || dup2(b, 4) < 0)
			_exit(1);
		fd = 3;
		out = 4;
		if (syscall(SYS_close_range, 5u, ~0u, 0u) < 0)
			for (int i = 5; i < 65536; i++)
				(void)close(i);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	(void)fcntl(out, F_SETFL, 0);
	set_timeout(fd, BUS_SETUP_S);
	/* the listener's queue was full: wait here, not in PID 1 */
	if (again && connect(fd, (const struct sockaddr *)sa, salen) < 0)
		fail(out, "N", "connect: %s", strerror(errno));
	authenticate(fd, out);
	if (dbus_match_owner(name, rule, sizeof(rule)) < 0)
		fail(out, "N", "AddMatch: %s", strerror(ENOBUFS));
	call(fd, out, SERIAL_HELLO, "Hello", NULL);
	call(fd, out, SERIAL_MATCH, "AddMatch", rule);
	call(fd, out, SERIAL_HAS, "NameHasOwner", name);
	watch(fd, out, name);
	_exit(0);
}

/* ---- on the loop ------------------------------------------------------------ */

static void bus_close(struct svc *s)
{
	if (s->bus_fd < 0)
		return;
	ev_io_stop(svc_mgr.loop, &s->bus_io);
	(void)close(s->bus_fd);
	s->bus_fd = -1;
	s->bus_len = 0;
}

void svc_bus_cancel(struct svc *s)
{
	bus_close(s);
	if (s->bus_pid > 0)
		(void)kill(s->bus_pid, SIGKILL);   /* reaped by the one reaper */
}

/* No bus to watch the name on (any more): as Type=simple. */
static void bus_absent(struct svc *s, const char *why)
{
	bool starting = s->fsm.state == SVC_STARTING && s->fsm.sub == FSM_SUB_START;

	svc_warn_add(s, "Type=dbus: %s: BusName=%s is not watched%s", why, s->spec->bus_name,
		     starting || !s->fsm.started ? ": started as Type=simple" : "");
	s->fsm.bus_absent = true;
	if (starting)
		svc_event(s, FSM_BUS, 1);
}

static void bus_line(struct svc *s, char *line)
{
	const char *reason = line[0] && line[1] == ' ' ? line + 2 : "";

	switch (line[0]) {
	case 'O':
		log_info("%s: BusName=%s has an owner", s->spec->name, s->spec->bus_name);
		svc_event(s, FSM_BUS, 1);
		break;
	case 'R':
		log_info("%s: BusName=%s was released", s->spec->name, s->spec->bus_name);
		svc_event(s, FSM_BUS, 0);
		break;
	case 'N':
		bus_close(s);
		bus_absent(s, reason);
		break;
	default:   /* 'G', or garbage: the watch is over */
		bus_close(s);
		bus_absent(s, *reason ? reason : "the bus connection ended");
		break;
	}
}

/* Read what the child wrote: whole lines, a bounded number per wakeup. */
static void bus_read(struct svc *s, bool final)
{
	for (int round = 0; round < 16 && s->bus_fd >= 0; round++) {
		ssize_t n = read(s->bus_fd, s->bus_buf + s->bus_len,
				 sizeof(s->bus_buf) - 1 - s->bus_len);
		char *nl;

		if (n < 0 && (errno == EAGAIN || errno == EINTR) && !final)
			return;
		if (n <= 0) {   /* the child is gone without a word more */
			bus_close(s);
			bus_absent(s, "the bus watcher ended");
			return;
		}
		s->bus_len += (size_t)n;
		s->bus_buf[s->bus_len] = '\0';
		while (s->bus_fd >= 0 && (nl = strchr(s->bus_buf, '\n'))) {
			char line[sizeof(s->bus_buf)];
			size_t l = (size_t)(nl - s->bus_buf);

			memcpy(line, s->bus_buf, l);
			line[l] = '\0';
			memmove(s->bus_buf, nl + 1, s->bus_len - l - 1);
			s->bus_len -= l + 1;
			s->bus_buf[s->bus_len] = '\0';
			bus_line(s, line);
		}
		if (s->bus_len == sizeof(s->bus_buf) - 1)
			s->bus_len = 0;   /* a line that long is none of ours */
	}
}

static void bus_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	bus_read(w->data, false);
}

int svc_bus_start(struct svc *s)
{
	const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[sizeof(sa.sun_path)], why[160];
	socklen_t salen;
	bool abstract, again = false;
	int fd, p[2], r;
	pid_t pid;

	svc_bus_cancel(s);
	s->fsm.bus_absent = false;
	r = dbus_address_path(addr, path, sizeof(path) - 1, &abstract);
	if (r < 0) {
		snprintf(why, sizeof(why), "DBUS_SYSTEM_BUS_ADDRESS=%.80s: no unix address", addr);
		goto absent;
	}
	if (abstract) {
		memcpy(sa.sun_path + 1, path, strlen(path));
		salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	} else {
		memcpy(sa.sun_path, path, strlen(path) + 1);
		salen = (socklen_t)sizeof(sa);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, sizeof(why), "socket: %s", strerror(errno));
		goto absent;
	}
	if (connect(fd, (struct sockaddr *)&sa, salen) < 0) {
		if (errno != EAGAIN) {
			snprintf(why, sizeof(why), "no system bus at %s%.100s (%s)", abstract ? "@" : "",
				 path, strerror(errno));
			(void)close(fd);
			goto absent;
		}
		again = true;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		(void)close(fd);
		goto absent;
	}
	pid = fork();
	if (pid == 0) {
		(void)close(p[0]);
		child(fd, p[1], &sa, salen, again, s->spec->bus_name);
	}
	(void)close(fd);
	(void)close(p[1]);
	if (pid < 0) {
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		(void)close(p[0]);
		goto absent;
	}
	s->bus_pid = pid;
	s->bus_fd = p[0];
	s->bus_len = 0;
	ev_io_set(&s->bus_io, s->bus_fd, EV_READ);
	ev_io_start(svc_mgr.loop, &s->bus_io);
	log_debug("%s: watching BusName=%s (pid %d)", s->spec->name, s->spec->bus_name, (int)pid);
	return 0;

absent:
	/* before the spawn: the start goes on as Type=simple's */
	svc_warn_add(s, "Type=dbus: %s: BusName=%s is not watched: started as Type=simple", why,
		     s->spec->bus_name);
	s->fsm.bus_absent = true;
	return 0;
}

/* After each step: the watch lasts while the unit is starting or up. */
void svc_bus_sync(struct svc *s)
{
	const struct fsm *f = &s->fsm;

	if (s->bus_fd < 0 && s->bus_pid <= 0)
		return;
	if ((f->state == SVC_STARTING && f->sub >= FSM_SUB_START && f->sub <= FSM_SUB_RELOAD) ||
	    f->state == SVC_RUNNING || f->state == SVC_PAUSED)
		return;
	svc_bus_cancel(s);
}

bool svc_bus_reaped(pid_t pid)
{
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];

		if (s->bus_pid != pid)
			continue;
		s->bus_pid = 0;
		if (s->bus_fd >= 0)
			bus_read(s, true);   /* all it wrote is there now */
		return true;
	}
	return false;
}

void svc_bus_setup(struct svc *s)
{
	s->bus_fd = -1;
	ev_io_init(&s->bus_io, bus_io_cb, -1, EV_READ);
	s->bus_io.data = s;
}
