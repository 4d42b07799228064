/* SPDX-License-Identifier: MIT */
/*
 * trigger.h: what a .socket or .timer unit says (systemd.socket(5),
 * systemd.timer(5)): the [Socket] and [Timer] keys, parsed into struct
 * unit_trigger, hung on the unit's spec (unit_spec.trigger). Pure: the
 * loader and keys.c call in; services/socket.c and services/timer.c act.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "units/calendar.h"

struct key_ctx;

enum trig_kind { TRIG_SOCKET = 1, TRIG_TIMER };

enum trig_listen_kind {
	TRIG_LISTEN_STREAM,
	TRIG_LISTEN_DATAGRAM,
	TRIG_LISTEN_SEQPACKET,
	TRIG_LISTEN_FIFO,
};

#define TRIG_LISTEN_MAX 32      /* Listen*= of one socket unit */
#define TRIG_CAL_MAX    16      /* OnCalendar= of one timer */
#define TRIG_MONO_MAX   16      /* On*Sec= of one timer */

struct trig_listen {
	enum trig_listen_kind kind;
	char *addr;                     /* as written (specifiers expanded) */
};

struct trig_socket {
	struct trig_listen listen[TRIG_LISTEN_MAX];
	size_t n_listen;
	mode_t socket_mode;             /* SocketMode=, default 0666 */
	mode_t directory_mode;          /* DirectoryMode=, default 0755 */
	char *socket_user, *socket_group;   /* NULL: root */
	int backlog;                    /* Backlog=, default SOMAXCONN */
	bool reuse_port, free_bind, accept;
	bool remove_on_stop;            /* RemoveOnStop= */
	bool pass_credentials;          /* PassCredentials= */
	char *service;                  /* Service=: full name, NULL: NAME.service / NAME@.service */
	char *fdname;                   /* FileDescriptorName=, NULL: the unit's name */
	unsigned max_connections;       /* MaxConnections=, default 64 */
	unsigned max_connections_per_source;
};

enum trig_mono_base {
	TRIG_ON_ACTIVE,                 /* OnActiveSec= */
	TRIG_ON_BOOT,                   /* OnBootSec= */
	TRIG_ON_STARTUP,                /* OnStartupSec= */
	TRIG_ON_UNIT_ACTIVE,            /* OnUnitActiveSec= */
	TRIG_ON_UNIT_INACTIVE,          /* OnUnitInactiveSec= */
	TRIG_MONO_BASE_MAX,
};

struct trig_mono {
	enum trig_mono_base base;
	uint64_t usec;
};

struct trig_timer {
	struct calendar cal[TRIG_CAL_MAX];
	char *cal_src[TRIG_CAL_MAX];    /* as written */
	size_t n_cal;
	struct trig_mono mono[TRIG_MONO_MAX];
	size_t n_mono;
	uint64_t accuracy_usec;         /* AccuracySec=, default 1min */
	uint64_t randomized_delay_usec; /* RandomizedDelaySec= */
	bool persistent;                /* Persistent= */
	bool fixed_random_delay;        /* FixedRandomDelay=: the same delay every time */
	bool wake_system;               /* WakeSystem= (ignored, warned) */
	bool remain_after_elapse;       /* RemainAfterElapse=, default yes */
	char *unit;                     /* Unit=: full name, NULL: NAME.service */
};

struct unit_trigger {
	enum trig_kind kind;
	struct trig_socket sock;
	struct trig_timer timer;
};

/* A new trigger for a unit named full ("web.socket"); NULL: not a socket
 * or timer name, or no memory (*ret_oom). */
struct unit_trigger *trigger_new(const char *full, bool *ret_oom);
void trigger_free(struct unit_trigger *t);
bool trigger_equal(const struct unit_trigger *a, const struct unit_trigger *b);

/* Is section this trigger's ("Socket" / "Timer")? */
bool trigger_section(const struct unit_trigger *t, const char *section);

/* KEY=VALUE in the trigger's section (keys.c calls in): 0, -EINVAL
 * (reported as FILE:LINE), -ENOMEM. */
int trigger_key_apply(struct key_ctx *c, struct unit_trigger *t, unsigned line, const char *name,
		      const char *value);
/* The checks of the whole unit (a socket needs a Listen*=, a timer a
 * trigger). */
void trigger_check(struct key_ctx *c, struct unit_trigger *t);

/* The unit a socket or timer starts: Service=/Unit=, else NAME.service
 * (NAME@.service for Accept=yes). name is the trigger's full name. */
void trigger_target(const struct unit_trigger *t, const char *name, char *buf, size_t len);

/* sd_listen_fds(3)'s environment for n descriptors from fd 3 named
 * names[0..n-1]: "LISTEN_FDS=N" and "LISTEN_FDNAMES=a:b" (malloc'ed). 0,
 * -EINVAL (n is 0 or a name holds ':'), -ENOMEM. LISTEN_PID is the
 * process's own pid as it sees it (in its PID namespace): the parent puts
 * the placeholder, the child fills it in with trigger_listen_pid_fill
 * (async-signal-safe: digits written in place). */
int trigger_listen_env(char *const *names, size_t n, char **ret_fds, char **ret_names);
#define TRIGGER_LISTEN_PID_PLACEHOLDER "LISTEN_PID=XXXXXXXXXXXXXXXXXXXX"
void trigger_listen_pid_fill(char *entry, long pid);

/* For the man page check and tests: the keys, in table order. */
const char *trigger_key_name(size_t i);
