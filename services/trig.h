/* SPDX-License-Identifier: MIT */
/*
 * trig.h: running .socket and .timer units. A socket holds its listening
 * descriptors (bound before any service starts) and starts its service on
 * the first connection (services/socket.c); a timer arms one ev_timer (the
 * monotonic triggers) and one ev_periodic (the calendar) and starts its
 * unit when one expires (services/trig.c). Both find their service by name
 * through svc.h at the time they act, so a reload that replaces the
 * service leaves nothing dangling.
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "units/trigger.h"
#include "units/unit.h"

struct svc;
struct plan_env;

#define TRIG_CONN_MAX 1024    /* live Accept=yes instances of one socket (MaxConnections= caps it) */

enum trig_state {
	TRIG_STOPPED,
	TRIG_LISTENING,      /* socket: watching for the first connection */
	TRIG_WAITING,        /* timer: armed */
	TRIG_RUNNING,        /* its service runs */
	TRIG_ELAPSED,        /* timer: nothing left to fire */
	TRIG_FAILED,
};

struct trig {
	struct unit_spec *spec;       /* .trigger says what it is */
	char target[UNIT_NAME_MAX + 16];   /* the service it starts, full name */
	enum trig_state state;
	bool wanted;                  /* started (boot or svcctl start), not stopped */
	bool keep;                    /* within a reload: still in the unit files */
	int64_t since;                /* unix time of the last state change */
	char error[256];              /* why it failed, "" */

	/* socket */
	int fds[TRIG_LISTEN_MAX];     /* -1: not bound */
	ev_io io[TRIG_LISTEN_MAX];
	size_t n_fds;
	unsigned n_accepted;          /* connections taken (Accept=yes) */
	unsigned n_conn;              /* instances running now (Accept=yes) */
	unsigned conn_seq;            /* instance names */
	uint64_t limit_begin;         /* activations in the current interval (as systemd's */
	unsigned limit_count;         /* TriggerLimitIntervalSec=2s, TriggerLimitBurst=20) */
	uid_t owner_uid;              /* SocketUser='s, (uid_t)-1: none (sock_owner_load) */
	gid_t owner_gid;              /* SocketGroup='s or the user's, (gid_t)-1: none */
	int owner_err;                /* -ESRCH: a name that does not resolve */

	/* timer */
	ev_timer mono;
	ev_periodic cal;
	uint64_t activated_mono;      /* CLOCK_MONOTONIC µs when it was started */
	uint64_t last_real;           /* CLOCK_REALTIME µs of the last trigger, 0: never */
	uint64_t last_mono;           /* CLOCK_MONOTONIC µs of the last trigger (this run), 0 */
	uint64_t next_real;           /* the armed elapses, 0: none */
	uint64_t next_mono;
	uint64_t unit_active_mono;    /* when its unit last became active / inactive, 0 */
	uint64_t unit_inactive_mono;
	bool unit_was_active;
};

struct trig_config {
	const char *timer_dir;        /* Persistent= stamps; NULL: /var/lib/svcinit/timers */
	uint64_t startup_mono;        /* CLOCK_MONOTONIC µs svcinit started at (OnStartupSec=) */
	bool boot_is_startup;         /* container/subreaper: OnBootSec= counts from svcinit's start */
};

void trig_init(struct ev_loop *loop, const struct trig_config *cfg);

/* Take a loaded spec (spec->trigger set). 0 or -ENOMEM (the spec freed). */
int trig_add(struct unit_spec *spec);

size_t trig_count(void);
struct trig *trig_at(size_t i);
struct trig *trig_find(const char *name);   /* "web.socket" */

/* At boot, before any service: bind every socket, arm every timer. */
void trig_start_all(void);
int trig_start(struct trig *t);
int trig_stop(struct trig *t);
void trig_stop_all(void);
void trig_free_all(void);

/* Reload: mark, hand every new trigger spec over, then drop what is gone. */
void trig_reload_begin(void);
void trig_reload_spec(struct unit_spec *spec);
void trig_reload_end(void);

const char *trig_state_name(const struct trig *t);
const char *trig_type_name(const struct trig *t);    /* "socket", "timer" */

/* A service changed state (svc hooks): sockets watch again once it is
 * down, timers count OnUnitActiveSec=/OnUnitInactiveSec= from it. */
void trig_svc_changed(struct svc *s);

/* A native unit (from a -u directory) that a socket or timer there
 * starts: not started at boot on its own. */
bool trig_activated_only(const struct svc *s);

/* The descriptors a service gets: its sockets' listening fds (Accept=no)
 * or its connection (an Accept=yes instance), in order from fd 3, and the
 * LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (a placeholder the child fills
 * with its own pid) into env. *ret_n 0: none. 0 or -errno. */
#define TRIG_FDS_MAX 64
int trig_service_fds(const struct svc *s, struct plan_env *env, int *fds, size_t *ret_n,
		     char **ret_pid_env);

/* Timers: the next elapse (realtime µs, 0: none) and the last trigger. */
uint64_t trig_next_usec(const struct trig *t);

/* services/socket.c */
/* SocketUser=/SocketGroup= looked up (NSS: files, LDAP, sssd...) at load
 * and reload, kept in t: binding never waits for a name service. */
void sock_owner_load(struct trig *t);
int sock_bind_all(struct trig *t);
void sock_close_all(struct trig *t);
void sock_watch(struct trig *t, bool on);
/* an Accept=yes instance's connection (and its peer), -1: none */
int sock_conn_info(const struct svc *s, char *addr, size_t len, unsigned *port);
void sock_conn_gone(struct svc *s);
