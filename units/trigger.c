/* SPDX-License-Identifier: MIT */
/*
 * trigger.c: the [Socket] and [Timer] keys of .socket and .timer units.
 *
 * Semantics where systemd's pages leave room:
 *  - Listen*= accumulate, an empty assignment resets them all (as systemd).
 *    ListenStream=/ListenDatagram=/ListenSequentialPacket= take a path
 *    ("/run/x.sock"), an abstract name ("@name"), a port ("8080"),
 *    "ADDR:PORT" or "[V6ADDR]:PORT"; ListenFIFO= a path. The address is
 *    checked here, bound by services/socket.c.
 *  - OnCalendar= and On*Sec= accumulate, empty resets (every On*Sec= for
 *    an empty one of them, as systemd resets all monotonic triggers).
 *  - Exec and sandboxing keys of [Socket] (ExecStartPre=, SocketUser= is
 *    implemented) are systemd's, not svcinit's: a warning each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "units/keys.h"
#include "units/specifier.h"
#include "units/trigger.h"
#include "units/value.h"

#define T_SOCK 1u
#define T_TIMER 2u

struct tkey;
typedef int (*tparse_fn)(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k,
			 const char *v);
struct tkey {
	const char *name;
	unsigned kinds;
	tparse_fn parse;
	int arg;
};

static int terr(struct key_ctx *c, const struct tkey *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int terr(struct key_ctx *c, const struct tkey *k, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	keys_error(c, c->lineno, "%s=: %s", k->name, buf);
	return -EINVAL;
}

static int set_str(char **field, const char *s)
{
	char *n = NULL;

	if (s && *s) {
		n = strdup(s);
		if (!n)
			return -ENOMEM;
	}
	free(*field);
	*field = n;
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

/* 0 if addr is a listen address of kind (see the top). */
static int listen_valid(enum trig_listen_kind kind, const char *a, const char **why)
{
	const char *colon;
	char host[INET6_ADDRSTRLEN + 2];
	unsigned long port;
	char *end;
	unsigned char buf[16];

	*why = NULL;
	if (kind == TRIG_LISTEN_FIFO) {
		if (!unit_path_abs_valid(a))
			return *why = "a FIFO needs an absolute path", -EINVAL;
		return 0;
	}
	if (a[0] == '/') {
		if (strlen(a) >= 108)
			return *why = "socket path too long (max 107 bytes)", -EINVAL;
		return unit_path_abs_valid(a) ? 0 : (*why = "invalid path", -EINVAL);
	}
	if (a[0] == '@') {
		if (strlen(a) < 2 || strlen(a) >= 108)
			return *why = "abstract name empty or too long", -EINVAL;
		return 0;
	}
	if (a[0] == '[') {
		const char *close = strchr(a, ']');

		if (!close || close[1] != ':' || (size_t)(close - a - 1) >= sizeof(host))
			return *why = "expected [ADDRESS]:PORT", -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - a - 1), a + 1);
		{
			char *pct = strchr(host, '%');   /* fe80::1%eth0 */

			if (pct)
				*pct = '\0';
		}
		if (inet_pton(AF_INET6, host, buf) != 1)
			return *why = "invalid IPv6 address", -EINVAL;
		colon = close + 1;
	} else {
		colon = strrchr(a, ':');
		if (colon) {
			if ((size_t)(colon - a) >= sizeof(host))
				return *why = "invalid address", -EINVAL;
			snprintf(host, sizeof(host), "%.*s", (int)(colon - a), a);
			if (inet_pton(AF_INET, host, buf) != 1)
				return *why = "invalid IPv4 address (IPv6: [ADDRESS]:PORT)", -EINVAL;
		}
	}
	errno = 0;
	port = strtoul(colon ? colon + 1 : a, &end, 10);
	if (errno || *end || end == (colon ? colon + 1 : a) || port < 1 || port > 65535)
		return *why = "expected a path, @name, PORT, ADDRESS:PORT or [ADDRESS]:PORT "
			      "(port 1..65535)", -EINVAL;
	return 0;
}

/* v with its specifiers expanded ("mariadb@%i.service" in a template
 * socket): 0 and *ret (malloc'd, or NULL when v has none), or what terr()
 * returns. */
static int expand(struct key_ctx *c, const struct tkey *k, const char *v, char **ret)
{
	const char *e = NULL;
	int r;

	*ret = NULL;
	if (!strchr(v, '%'))
		return 0;
	r = unit_specifier_expand(&c->names, v, 4096, ret, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return terr(c, k, "%s in \"%s\"", e, v);
	return 0;
}

static int p_listen(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	struct trig_socket *s = &t->sock;
	const char *why;
	char *x = NULL;
	int r;

	if (!*v) {
		for (size_t i = 0; i < s->n_listen; i++)
			free(s->listen[i].addr);
		s->n_listen = 0;
		return 0;
	}
	r = expand(c, k, v, &x);
	if (r < 0)
		return r;
	if (x)
		v = x;
	if (listen_valid((enum trig_listen_kind)k->arg, v, &why) < 0) {
		r = terr(c, k, "%s: \"%s\"", why, v);
		free(x);
		return r;
	}
	if (s->n_listen >= TRIG_LISTEN_MAX) {
		free(x);
		return terr(c, k, "too many listeners (max %d)", TRIG_LISTEN_MAX);
	}
	s->listen[s->n_listen].kind = (enum trig_listen_kind)k->arg;
	s->listen[s->n_listen].addr = x ? x : strdup(v);
	if (!s->listen[s->n_listen].addr)
		return -ENOMEM;
	s->n_listen++;
	return 0;
}

static int p_mode(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	mode_t *m = k->arg ? &t->sock.directory_mode : &t->sock.socket_mode;
	unsigned long x;
	char *end;

	if (!*v) {
		*m = k->arg ? 0755 : 0666;
		return 0;
	}
	errno = 0;
	x = strtoul(v, &end, 8);
	if (errno || *end || x > 07777)
		return terr(c, k, "expected an octal mode, got \"%s\"", v);
	*m = (mode_t)x;
	return 0;
}

static int p_ident(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	if (*v && !unit_ident_valid(v))
		return terr(c, k, "invalid user or group name \"%s\"", v);
	return set_str(k->arg ? &t->sock.socket_group : &t->sock.socket_user, v);
}

static int p_bool(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	static const bool defaults[] = { false, false, false, false, false, false, true, false, false };
	bool *fields[] = {
		&t->sock.reuse_port, &t->sock.free_bind, &t->sock.accept, &t->sock.remove_on_stop,
		&t->sock.pass_credentials, &t->timer.persistent, &t->timer.remain_after_elapse,
		&t->timer.wake_system, &t->timer.fixed_random_delay,
	};
	bool b;

	if (!*v) {
		*fields[k->arg] = defaults[k->arg];
		return 0;
	}
	if (unit_parse_bool(v, &b) < 0)
		return terr(c, k, "expected a boolean, got \"%s\"", v);
	*fields[k->arg] = b;
	if (k->arg == 7 && b)
		keys_warn(c, c->lineno, "WakeSystem=yes is not supported: ignored (the system is "
			  "not woken from suspend)");
	return 0;
}

static int p_uint(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	uint64_t x;

	if (!*v) {
		if (k->arg == 0)
			t->sock.backlog = SOMAXCONN;
		else if (k->arg == 1)
			t->sock.max_connections = 64;
		else
			t->sock.max_connections_per_source = 0;
		return 0;
	}
	if (unit_parse_u64(v, &x) < 0 || x > 1000000 || (k->arg == 1 && x == 0))
		return terr(c, k, "expected a number%s, got \"%s\"", k->arg == 1 ? " from 1" : "", v);
	if (k->arg == 0)
		t->sock.backlog = (int)x;
	else if (k->arg == 1)
		t->sock.max_connections = (unsigned)x;
	else
		t->sock.max_connections_per_source = (unsigned)x;
	return 0;
}

static bool unit_ref_valid(const char *v, const char *suffix)
{
	size_t n = strlen(v), m = strlen(suffix);
	char base[UNIT_NAME_MAX + 16];

	if (n <= m || strcmp(v + n - m, suffix) != 0 || n - m > UNIT_NAME_MAX)
		return false;
	snprintf(base, sizeof(base), "%.*s", (int)(n - m), v);
	return unit_name_valid(base);
}

/* Service= of a socket (arg 0), Unit= of a timer (arg 1): a service, its
 * specifiers expanded. */
static int p_target(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	char *x;
	int r = expand(c, k, v, &x);

	if (r < 0)
		return r;
	if (x)
		v = x;
	if (*v && !unit_ref_valid(v, ".service"))
		r = terr(c, k, "expected NAME.service%s, got \"%s\"",
			 k->arg ? " (svcinit's timers start services)" : "", v);
	else
		r = set_str(k->arg ? &t->timer.unit : &t->sock.service, v);
	free(x);
	return r;
}

static int p_fdname(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	if (strlen(v) > 255)
		return terr(c, k, "longer than 255 bytes");
	for (const char *q = v; *q; q++)
		if (*q == ':' || (unsigned char)*q < 0x21 || (unsigned char)*q >= 0x7f)
			return terr(c, k, "invalid name \"%s\" (printable ASCII, no ':')", v);
	return set_str(&t->sock.fdname, v);
}

static int p_calendar(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k,
		      const char *v)
{
	struct trig_timer *tm = &t->timer;
	const char *why = NULL;
	char *src;

	if (!*v) {
		for (size_t i = 0; i < tm->n_cal; i++)
			free(tm->cal_src[i]);
		tm->n_cal = 0;
		return 0;
	}
	if (tm->n_cal >= TRIG_CAL_MAX)
		return terr(c, k, "too many (max %d)", TRIG_CAL_MAX);
	if (calendar_parse(v, &tm->cal[tm->n_cal], &why) < 0)
		return terr(c, k, "invalid calendar event \"%s\": %s", v, why);
	src = strdup(v);
	if (!src)
		return -ENOMEM;
	tm->cal_src[tm->n_cal++] = src;
	return 0;
}

static int p_mono(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	struct trig_timer *tm = &t->timer;
	uint64_t u;

	if (!*v) {
		tm->n_mono = 0;
		return 0;
	}
	if (unit_parse_time(v, &u) < 0 || u == UNIT_INFINITY)
		return terr(c, k, "expected a time span, got \"%s\"", v);
	if (tm->n_mono >= TRIG_MONO_MAX)
		return terr(c, k, "too many monotonic triggers (max %d)", TRIG_MONO_MAX);
	tm->mono[tm->n_mono].base = (enum trig_mono_base)k->arg;
	tm->mono[tm->n_mono].usec = u;
	tm->n_mono++;
	return 0;
}

static int p_span(struct key_ctx *c, struct unit_trigger *t, const struct tkey *k, const char *v)
{
	uint64_t u;

	if (!*v) {
		if (k->arg)
			t->timer.randomized_delay_usec = 0;
		else
			t->timer.accuracy_usec = 60 * 1000000ULL;
		return 0;
	}
	if (unit_parse_time(v, &u) < 0 || u == UNIT_INFINITY)
		return terr(c, k, "expected a time span, got \"%s\"", v);
	if (k->arg)
		t->timer.randomized_delay_usec = u;
	else
		t->timer.accuracy_usec = u ? u : 1;
	return 0;
}

static const struct tkey tkeys[] = {
	{ "ListenStream", T_SOCK, p_listen, TRIG_LISTEN_STREAM },
	{ "ListenDatagram", T_SOCK, p_listen, TRIG_LISTEN_DATAGRAM },
	{ "ListenSequentialPacket", T_SOCK, p_listen, TRIG_LISTEN_SEQPACKET },
	{ "ListenFIFO", T_SOCK, p_listen, TRIG_LISTEN_FIFO },
	{ "SocketMode", T_SOCK, p_mode, 0 },
	{ "DirectoryMode", T_SOCK, p_mode, 1 },
	{ "SocketUser", T_SOCK, p_ident, 0 },
	{ "SocketGroup", T_SOCK, p_ident, 1 },
	{ "Backlog", T_SOCK, p_uint, 0 },
	{ "MaxConnections", T_SOCK, p_uint, 1 },
	{ "MaxConnectionsPerSource", T_SOCK, p_uint, 2 },
	{ "ReusePort", T_SOCK, p_bool, 0 },
	{ "FreeBind", T_SOCK, p_bool, 1 },
	{ "Accept", T_SOCK, p_bool, 2 },
	{ "RemoveOnStop", T_SOCK, p_bool, 3 },
	{ "PassCredentials", T_SOCK, p_bool, 4 },
	{ "Service", T_SOCK, p_target, 0 },
	{ "FileDescriptorName", T_SOCK, p_fdname, 0 },
	{ "OnCalendar", T_TIMER, p_calendar, 0 },
	{ "OnActiveSec", T_TIMER, p_mono, TRIG_ON_ACTIVE },
	{ "OnBootSec", T_TIMER, p_mono, TRIG_ON_BOOT },
	{ "OnStartupSec", T_TIMER, p_mono, TRIG_ON_STARTUP },
	{ "OnUnitActiveSec", T_TIMER, p_mono, TRIG_ON_UNIT_ACTIVE },
	{ "OnUnitInactiveSec", T_TIMER, p_mono, TRIG_ON_UNIT_INACTIVE },
	{ "AccuracySec", T_TIMER, p_span, 0 },
	{ "RandomizedDelaySec", T_TIMER, p_span, 1 },
	{ "FixedRandomDelay", T_TIMER, p_bool, 8 },
	{ "Persistent", T_TIMER, p_bool, 5 },
	{ "RemainAfterElapse", T_TIMER, p_bool, 6 },
	{ "WakeSystem", T_TIMER, p_bool, 7 },
	{ "Unit", T_TIMER, p_target, 1 },
};

const char *trigger_key_name(size_t i)
{
	return i < N_ELEM(tkeys) ? tkeys[i].name : NULL;
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

struct unit_trigger *trigger_new(const char *full, bool *ret_oom)
{
	struct unit_trigger *t;
	enum trig_kind kind;

	*ret_oom = false;
	if (has_suffix(full, ".socket"))
		kind = TRIG_SOCKET;
	else if (has_suffix(full, ".timer"))
		kind = TRIG_TIMER;
	else
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		*ret_oom = true;
		return NULL;
	}
	t->kind = kind;
	t->sock.socket_mode = 0666;
	t->sock.directory_mode = 0755;
	t->sock.backlog = SOMAXCONN;
	t->sock.max_connections = 64;
	t->timer.accuracy_usec = 60 * 1000000ULL;
	t->timer.remain_after_elapse = true;
	return t;
}

void trigger_free(struct unit_trigger *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->sock.n_listen; i++)
		free(t->sock.listen[i].addr);
	free(t->sock.socket_user);
	free(t->sock.socket_group);
	free(t->sock.service);
	free(t->sock.fdname);
	for (size_t i = 0; i < t->timer.n_cal; i++)
		free(t->timer.cal_src[i]);
	free(t->timer.unit);
	free(t);
}

static bool streq_ptr(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

bool trigger_equal(const struct unit_trigger *a, const struct unit_trigger *b)
{
	const struct trig_socket *x, *y;
	const struct trig_timer *p, *q;

	if (!a || !b)
		return a == b;
	x = &a->sock;
	y = &b->sock;
	p = &a->timer;
	q = &b->timer;
	if (a->kind != b->kind || x->n_listen != y->n_listen || x->socket_mode != y->socket_mode ||
	    x->directory_mode != y->directory_mode || !streq_ptr(x->socket_user, y->socket_user) ||
	    !streq_ptr(x->socket_group, y->socket_group) || x->backlog != y->backlog ||
	    x->reuse_port != y->reuse_port || x->free_bind != y->free_bind ||
	    x->accept != y->accept || x->remove_on_stop != y->remove_on_stop ||
	    x->pass_credentials != y->pass_credentials || !streq_ptr(x->service, y->service) ||
	    !streq_ptr(x->fdname, y->fdname) || x->max_connections != y->max_connections ||
	    x->max_connections_per_source != y->max_connections_per_source)
		return false;
	for (size_t i = 0; i < x->n_listen; i++)
		if (x->listen[i].kind != y->listen[i].kind ||
		    strcmp(x->listen[i].addr, y->listen[i].addr) != 0)
			return false;
	if (p->n_cal != q->n_cal || p->n_mono != q->n_mono || p->accuracy_usec != q->accuracy_usec ||
	    p->randomized_delay_usec != q->randomized_delay_usec ||
	    p->persistent != q->persistent || p->wake_system != q->wake_system ||
	    p->fixed_random_delay != q->fixed_random_delay ||
	    p->remain_after_elapse != q->remain_after_elapse || !streq_ptr(p->unit, q->unit))
		return false;
	for (size_t i = 0; i < p->n_cal; i++)
		if (strcmp(p->cal_src[i], q->cal_src[i]) != 0)
			return false;
	for (size_t i = 0; i < p->n_mono; i++)
		if (p->mono[i].base != q->mono[i].base || p->mono[i].usec != q->mono[i].usec)
			return false;
	return true;
}

bool trigger_section(const struct unit_trigger *t, const char *section)
{
	return t && strcmp(section, t->kind == TRIG_SOCKET ? "Socket" : "Timer") == 0;
}

int trigger_key_apply(struct key_ctx *c, struct unit_trigger *t, unsigned line, const char *name,
		      const char *value)
{
	unsigned kind = t->kind == TRIG_SOCKET ? T_SOCK : T_TIMER;
	const char *section = t->kind == TRIG_SOCKET ? "Socket" : "Timer";

	c->lineno = line;
	if (strncmp(name, "X-", 2) == 0)
		return 0;
	for (size_t i = 0; i < N_ELEM(tkeys); i++)
		if ((tkeys[i].kinds & kind) && strcmp(tkeys[i].name, name) == 0)
			return tkeys[i].parse(c, t, &tkeys[i], value);
	if (keys_systemd_known(section, name)) {
		keys_warn(c, line, "%s= is not supported: ignored", name);
		return 0;
	}
	keys_error(c, line, "%s=: unknown key in [%s]", name, section);
	return -EINVAL;
}

void trigger_check(struct key_ctx *c, struct unit_trigger *t)
{
	if (t->kind == TRIG_SOCKET) {
		if (t->sock.n_listen == 0)
			keys_error(c, 0, "[Socket]: no ListenStream=, ListenDatagram=, "
				   "ListenSequentialPacket= or ListenFIFO=");
		if (t->sock.accept && t->sock.service)
			keys_error(c, 0, "[Socket]: Service= cannot be used with Accept=yes");
		if (t->sock.accept)
			for (size_t i = 0; i < t->sock.n_listen; i++)
				if (t->sock.listen[i].kind == TRIG_LISTEN_FIFO ||
				    t->sock.listen[i].kind == TRIG_LISTEN_DATAGRAM) {
					keys_error(c, 0, "[Socket]: Accept=yes needs stream or "
						   "sequential packet sockets (%s is not)",
						   t->sock.listen[i].addr);
					break;
				}
	} else if (t->timer.n_cal == 0 && t->timer.n_mono == 0) {
		keys_error(c, 0, "[Timer]: no OnCalendar=, OnActiveSec=, OnBootSec=, "
			   "OnStartupSec=, OnUnitActiveSec= or OnUnitInactiveSec=");
	}
}

void trigger_target(const struct unit_trigger *t, const char *name, char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	int n = dot ? (int)(dot - name) : (int)strlen(name);
	const char *given = t->kind == TRIG_SOCKET ? t->sock.service : t->timer.unit;

	if (given)
		snprintf(buf, len, "%s", given);
	else if (t->kind == TRIG_SOCKET && t->sock.accept)
		snprintf(buf, len, "%.*s@.service", n, name);
	else
		snprintf(buf, len, "%.*s.service", n, name);
}

int trigger_listen_env(char *const *names, size_t n, char **ret_fds, char **ret_names)
{
	size_t len = sizeof("LISTEN_FDNAMES=");
	char *fds = NULL, *nm, *p;

	*ret_fds = *ret_names = NULL;
	if (n == 0 || n > 4096)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !names[i][0] || strchr(names[i], ':'))
			return -EINVAL;
		len += strlen(names[i]) + 1;
	}
	nm = malloc(len);
	if (!nm || asprintf(&fds, "LISTEN_FDS=%zu", n) < 0) {
		free(nm);
		return -ENOMEM;
	}
	p = stpcpy(nm, "LISTEN_FDNAMES=");
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ':';
		p = stpcpy(p, names[i]);
	}
	*ret_fds = fds;
	*ret_names = nm;
	return 0;
}

void trigger_listen_pid_fill(char *entry, long pid)
{
	char digits[24];
	int n = 0;
	char *p = entry + sizeof("LISTEN_PID=") - 1;

	if (pid <= 0)
		pid = 0;
	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && n < 20);
	while (n > 0)
		*p++ = digits[--n];
	*p = '\0';
}
