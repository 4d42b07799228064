/* SPDX-License-Identifier: MIT */
/*
 * socket.c: the listening side of .socket units. Every Listen*= is bound
 * when the socket starts (at boot before any service), with the unit's
 * SocketMode=, SocketUser=/SocketGroup=, DirectoryMode=, Backlog=,
 * ReusePort=, FreeBind=, PassCredentials=. svcinit watches the descriptors
 * and never reads from them: with Accept=no the first event starts the
 * service, which gets the descriptors themselves (from fd 3, whatever
 * namespaces it runs in) and accepts on them; svcinit watches again once
 * it is down. With Accept=yes svcinit accepts each connection (the
 * listener is non-blocking for that, the connection is not) and starts an
 * instance NAME@N.service for it, the connection as its fd 3; at most
 * MaxConnections= at a time, more are closed at once.
 *
 * A bind that fails fails that socket unit alone, with the reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/path.h"
#include "services/svc.h"
#include "services/trig.h"

#define SOCK_LIMIT_INTERVAL_USEC (2 * 1000000ULL)
#define SOCK_LIMIT_BURST         20

struct conn {
	char unit[UNIT_NAME_MAX + 1];  /* the instance, bare: "echo@3" */
	char sock[UNIT_NAME_MAX + 1];  /* its socket unit */
	int fd;                        /* svcinit's copy until the instance has it, -1 */
	char addr[INET6_ADDRSTRLEN];
	unsigned port;
};

static struct {
	struct ev_loop *loop;
	struct conn *v;
	size_t n, cap;
	ev_timer discard;              /* instances that ended are removed from the table */
	bool discard_init;
} S;

static void set_fail(struct trig *t, const struct trig_listen *l, const char *step, int err)
{
	static const char *const keys[] = {
		"ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenFIFO",
	};

	snprintf(t->error, sizeof(t->error), "%s=%s: unable to %s: %s", keys[l->kind], l->addr,
		 step, strerror(err));
	log_err("%s: %s", t->spec->name, t->error);
}

/* The directories above a socket file or FIFO path. */
static int mkdir_parents(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return path_mkdir_p(buf, mode);
}

/* The directories above a socket file or FIFO: root binds, unlinks and
 * chowns there, so no component may be a symlink that someone other than
 * root could have planted (a unit's user swapping its own directory for a
 * link to /etc). Root's own links (/var/run -> /run) are fine. */
static int path_safe(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (lstat(buf, &st) == 0 && S_ISLNK(st.st_mode) && st.st_uid != 0)
			return -ELOOP;
		*p = '/';
	}
	return 0;
}

void sock_owner_load(struct trig *t)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;

	t->owner_uid = (uid_t)-1;
	t->owner_gid = (gid_t)-1;
	t->owner_err = 0;
	if (t->spec->trigger->kind != TRIG_SOCKET)
		return;
	if (ts->socket_user) {
		struct passwd *pw = getpwnam(ts->socket_user);

		if (!pw) {
			log_warn("%s: SocketUser=%s: no such user", t->spec->name, ts->socket_user);
			t->owner_err = -ESRCH;
			return;
		}
		t->owner_uid = pw->pw_uid;
		if (!ts->socket_group)
			t->owner_gid = pw->pw_gid;
	}
	if (ts->socket_group) {
		struct group *gr = getgrnam(ts->socket_group);

		if (!gr) {
			log_warn("%s: SocketGroup=%s: no such group", t->spec->name, ts->socket_group);
			t->owner_err = -ESRCH;
			return;
		}
		t->owner_gid = gr->gr_gid;
	}
}

static int owner_of(const struct trig *t, uid_t *uid, gid_t *gid)
{
	*uid = t->owner_uid;
	*gid = t->owner_gid;
	return t->owner_err;
}

/* ADDR into a sockaddr: 0 or -EINVAL. */
static int addr_parse(const char *a, struct sockaddr_storage *ss, socklen_t *len, bool *any)
{
	char host[INET6_ADDRSTRLEN + 16];
	const char *port_s;

	memset(ss, 0, sizeof(*ss));
	*any = false;
	if (a[0] == '/' || a[0] == '@') {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		size_t n = strlen(a);

		if (n >= sizeof(un->sun_path))
			return -EINVAL;
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, a, n);
		if (a[0] == '@') {
			un->sun_path[0] = '\0';
			*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		} else {
			*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		}
		return 0;
	}
	if (a[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		const char *close = strchr(a, ']');
		char *pct;

		if (!close || (size_t)(close - a) > sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - a - 1), a + 1);
		pct = strchr(host, '%');
		if (pct) {
			*pct = '\0';
			in6->sin6_scope_id = if_nametoindex(pct + 1);
		}
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(close + 2));
		*len = sizeof(*in6);
		return 0;
	}
	port_s = strrchr(a, ':');
	if (port_s) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		snprintf(host, sizeof(host), "%.*s", (int)(port_s - a), a);
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(port_s + 1));
		*len = sizeof(*in);
		return 0;
	}
	{
		/* a port alone: every address, IPv6 and IPv4 both */
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons((uint16_t)atoi(a));
		*len = sizeof(*in6);
		*any = true;
	}
	return 0;
}

static int bind_fifo(struct trig *t, const struct trig_listen *l)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int fd, r;

	if (path_safe(l->addr) < 0)
		return set_fail(t, l, "use the path (a directory above is a symlink not owned "
				"by root)", ELOOP), -ELOOP;
	r = mkdir_parents(l->addr, ts->directory_mode);
	if (r < 0)
		return set_fail(t, l, "create its directory", -r), r;
	if (lstat(l->addr, &st) == 0 && !S_ISFIFO(st.st_mode))
		return set_fail(t, l, "create FIFO", EEXIST), -EEXIST;
	if (mkfifo(l->addr, ts->socket_mode) < 0 && errno != EEXIST)
		return r = -errno, set_fail(t, l, "create FIFO", -r), r;
	fd = open(l->addr, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return r = -errno, set_fail(t, l, "open FIFO", -r), r;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		(void)close(fd);
		return set_fail(t, l, "open FIFO", EINVAL), -EINVAL;
	}
	(void)fchmod(fd, ts->socket_mode);
	if (owner_of(t, &uid, &gid) < 0) {
		(void)close(fd);
		return set_fail(t, l, "find SocketUser=/SocketGroup=", ESRCH), -ESRCH;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
		r = -errno;
		(void)close(fd);
		return set_fail(t, l, "change owner", -r), r;
	}
	return fd;
}

static int bind_one(struct trig *t, const struct trig_listen *l)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	struct sockaddr_storage ss;
	socklen_t len = 0;
	bool any, is_path = l->addr[0] == '/';
	int fd, one = 1, zero = 0, r, flags = SOCK_CLOEXEC;
	mode_t old_umask;

	if (l->kind == TRIG_LISTEN_FIFO)
		return bind_fifo(t, l);
	if (addr_parse(l->addr, &ss, &len, &any) < 0)
		return set_fail(t, l, "parse the address", EINVAL), -EINVAL;
	if (ts->accept)
		flags |= SOCK_NONBLOCK;   /* svcinit accepts: it must never wait */
	fd = socket(ss.ss_family, types[l->kind] | flags, 0);
	if (fd < 0 && any && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		uint16_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		memset(&ss, 0, sizeof(ss));
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		in->sin_port = port;
		len = sizeof(*in);
		any = false;
		fd = socket(AF_INET, types[l->kind] | flags, 0);
	}
	if (fd < 0)
		return r = -errno, set_fail(t, l, "create socket", -r), r;
	if (ss.ss_family != AF_UNIX) {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (any)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (ts->reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
			log_warn("%s: ReusePort=: %s", t->spec->name, strerror(errno));
		if (ts->free_bind) {
			if (ss.ss_family == AF_INET6)
				(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
			else
				(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		}
	}
	if (ts->pass_credentials)
		(void)setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (is_path) {
		struct stat st;

		if (path_safe(l->addr) < 0) {
			(void)close(fd);
			return set_fail(t, l, "use the path (a directory above is a symlink not "
					"owned by root)", ELOOP), -ELOOP;
		}
		r = mkdir_parents(l->addr, ts->directory_mode);
		if (r < 0) {
			(void)close(fd);
			return set_fail(t, l, "create its directory", -r), r;
		}
		/* a stale socket of an earlier run goes; anything else stays */
		if (lstat(l->addr, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(l->addr);
	}
	old_umask = umask((mode_t)(~ts->socket_mode & 0777));
	r = bind(fd, (struct sockaddr *)&ss, len);
	(void)umask(old_umask);
	if (r < 0) {
		r = -errno;
		(void)close(fd);
		return set_fail(t, l, "bind", -r), r;
	}
	if (is_path) {
		uid_t uid;
		gid_t gid;

		if (owner_of(t, &uid, &gid) < 0) {
			(void)close(fd);
			return set_fail(t, l, "find SocketUser=/SocketGroup=", ESRCH), -ESRCH;
		}
		if ((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(l->addr, uid, gid) < 0) {
			r = -errno;
			(void)close(fd);
			return set_fail(t, l, "change owner", -r), r;
		}
	}
	if (l->kind != TRIG_LISTEN_DATAGRAM && listen(fd, ts->backlog) < 0) {
		r = -errno;
		(void)close(fd);
		return set_fail(t, l, "listen", -r), r;
	}
	return fd;
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents);

int sock_bind_all(struct trig *t)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;

	sock_close_all(t);
	for (size_t i = 0; i < ts->n_listen; i++) {
		int fd = bind_one(t, &ts->listen[i]);

		if (fd < 0) {
			sock_close_all(t);
			return fd;
		}
		t->fds[i] = fd;
		ev_io_init(&t->io[i], io_cb, fd, EV_READ);
		t->io[i].data = t;
		t->n_fds = i + 1;
	}
	log_debug("%s: %zu listening", t->spec->name, t->n_fds);
	return 0;
}

void sock_close_all(struct trig *t)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;

	for (size_t i = 0; i < t->n_fds; i++) {
		ev_io_stop(S.loop ? S.loop : EV_DEFAULT, &t->io[i]);
		if (t->fds[i] >= 0)
			(void)close(t->fds[i]);
		t->fds[i] = -1;
		if (ts->remove_on_stop && i < ts->n_listen && ts->listen[i].addr[0] == '/') {
			struct stat st;

			/* like systemd: only a socket or FIFO goes, never a file
			 * someone put in its place */
			if (lstat(ts->listen[i].addr, &st) == 0 &&
			    (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)))
				(void)unlink(ts->listen[i].addr);
		}
	}
	t->n_fds = 0;
}

void sock_watch(struct trig *t, bool on)
{
	if (!S.loop)
		S.loop = EV_DEFAULT;
	for (size_t i = 0; i < t->n_fds; i++) {
		if (on && t->fds[i] >= 0)
			ev_io_start(S.loop, &t->io[i]);
		else
			ev_io_stop(S.loop, &t->io[i]);
	}
}

/* ---- Accept=no ----------------------------------------------------------------- */

static void activate(struct trig *t)
{
	struct svc *s = NULL;
	char bare[UNIT_NAME_MAX + 16];
	size_t n = strlen(t->target);
	int r;

	/* a service that fails at once and leaves the connection pending
	 * would be started again and again: as systemd's trigger limit */
	{
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
		if (!t->limit_count || now - t->limit_begin > SOCK_LIMIT_INTERVAL_USEC) {
			t->limit_begin = now;
			t->limit_count = 0;
		}
		if (++t->limit_count > SOCK_LIMIT_BURST) {
			sock_watch(t, false);
			snprintf(t->error, sizeof(t->error), "trigger limit hit: started %s %d times "
				 "in 2s", t->target, SOCK_LIMIT_BURST);
			log_err("%s: %s", t->spec->name, t->error);
			t->state = TRIG_FAILED;
			t->since = (int64_t)time(NULL);
			return;
		}
	}
	snprintf(bare, sizeof(bare), "%.*s", (int)(n - 8), t->target);
	s = svc_find(bare);
	r = s ? 0 : svc_instantiate(t->target, &s);
	sock_watch(t, false);
	if (r < 0 || !s) {
		snprintf(t->error, sizeof(t->error), "%s: %s", t->target,
			 r == -ENOENT ? "no such unit" : strerror(-r));
		log_err("%s: unable to start %s", t->spec->name, t->error);
		t->state = TRIG_FAILED;
		t->since = (int64_t)time(NULL);
		return;
	}
	log_info("%s: connection, starting %s", t->spec->name, s->spec->name);
	t->state = TRIG_RUNNING;
	t->since = (int64_t)time(NULL);
	(void)svc_start(s);
}

/* ---- Accept=yes ---------------------------------------------------------------- */

static void discard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	size_t n = 0;

	for (size_t i = 0; i < S.n; i++) {
		struct conn *c = &S.v[i];
		struct svc *s = svc_find(c->unit);

		if (s && !svc_is_down(s)) {
			S.v[n++] = *c;
			continue;
		}
		if (c->fd >= 0)
			(void)close(c->fd);
		{
			struct trig *t = trig_find(c->sock);

			if (t && t->n_conn > 0)
				t->n_conn--;
		}
		if (s)
			svc_discard(s);
	}
	S.n = n;
}

static struct conn *conn_of(const struct svc *s)
{
	for (size_t i = 0; i < S.n; i++)
		if (strcmp(S.v[i].unit, s->spec->name) == 0)
			return &S.v[i];
	return NULL;
}

int sock_conn_info(const struct svc *s, char *addr, size_t len, unsigned *port)
{
	const struct conn *c = conn_of(s);

	if (!c || c->fd < 0)
		return -1;
	snprintf(addr, len, "%s", c->addr);
	*port = c->port;
	return c->fd;
}

void sock_conn_gone(struct svc *s)
{
	struct conn *c = conn_of(s);

	if (!c)
		return;
	if (c->fd >= 0 && (s->pid > 0 || svc_is_down(s))) {
		(void)close(c->fd);   /* the instance has its own copy now */
		c->fd = -1;
	}
	if (svc_is_down(s) && S.loop) {
		if (!S.discard_init) {
			ev_timer_init(&S.discard, discard_cb, 0., 0.);
			S.discard_init = true;
		}
		ev_timer_set(&S.discard, 0., 0.);
		ev_timer_start(S.loop, &S.discard);   /* after this event: s may be in use */
	}
}

static void remote_of(const struct sockaddr_storage *ss, struct conn *c)
{
	c->addr[0] = '\0';
	c->port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, c->addr, sizeof(c->addr));
		c->port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, c->addr, sizeof(c->addr));
		c->port = ntohs(in6->sin6_port);
	}
}

static void accept_one(struct trig *t, int lfd)
{
	const struct trig_socket *ts = &t->spec->trigger->sock;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char inst[UNIT_NAME_MAX + 48], tmpl[UNIT_NAME_MAX + 16];
	struct svc *s = NULL;
	struct conn *c;
	int fd, r;

	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("%s: unable to accept: %s", t->spec->name, strerror(errno));
		return;
	}
	t->n_accepted++;
	if (t->n_conn >= ts->max_connections || t->n_conn >= TRIG_CONN_MAX) {
		log_warn("%s: %u connections (MaxConnections=%u): refused", t->spec->name,
			 t->n_conn, ts->max_connections);
		(void)close(fd);
		return;
	}
	if (S.n == S.cap) {
		size_t cap = S.cap ? 2 * S.cap : 16;
		struct conn *v = realloc(S.v, cap * sizeof(*v));

		if (!v) {
			(void)close(fd);
			return;
		}
		S.v = v;
		S.cap = cap;
	}
	snprintf(tmpl, sizeof(tmpl), "%s", t->target);     /* NAME@.service */
	{
		char *at = strchr(tmpl, '@');

		if (!at) {
			(void)close(fd);
			return;
		}
		*at = '\0';
		snprintf(inst, sizeof(inst), "%s@%u.service", tmpl, t->conn_seq++);
	}
	c = &S.v[S.n];
	memset(c, 0, sizeof(*c));
	snprintf(c->unit, sizeof(c->unit), "%.*s", (int)(strlen(inst) - 8), inst);
	snprintf(c->sock, sizeof(c->sock), "%s", t->spec->name);
	c->fd = fd;
	remote_of(&ss, c);
	S.n++;   /* before the start: the spawn asks for its fd */
	r = svc_instantiate(inst, &s);
	if (r < 0 || !s) {
		snprintf(t->error, sizeof(t->error), "%s: %s", inst,
			 r == -ENOENT ? "no such unit (template missing)" : strerror(-r));
		log_err("%s: unable to start %s", t->spec->name, t->error);
		S.n--;
		(void)close(fd);
		return;
	}
	t->n_conn++;
	log_debug("%s: connection from %s:%u, starting %s", t->spec->name, c->addr, c->port, inst);
	(void)svc_start(s);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct trig *t = w->data;

	S.loop = loop;
	if (!t->spec->trigger->sock.accept) {
		activate(t);
		return;
	}
	for (int i = 0; i < 16 && t->wanted; i++) {
		unsigned before = t->n_accepted;

		accept_one(t, w->fd);
		if (t->n_accepted == before)
			break;
	}
}
