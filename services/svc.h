/* SPDX-License-Identifier: MIT */
/*
 * svc.h: running units. One `struct svc` per unit: its spec, its state
 * machine (fsm.h), its processes, timer, output pipes and cgroup.
 *
 * init/ drives this module (start, stop, reload, the reaper hands over exit
 * statuses) and is told back through `struct svc_hooks`.
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "services/fsm.h"
#include "services/health.h"
#include "services/logbuf.h"
#include "services/spawn.h"
#include "units/load.h"
#include "units/unit.h"

#define SVC_WARN_MAX   24
#define SVC_LINE_MAX   1024      /* a longer output line is split */
#define SVC_ERROR_MAX  256

struct cg_ctx;
struct cg_unit;
struct rootfs_plan;
struct svc;

struct svc_output {
	struct svc *svc;
	ev_io io;
	int fd;                       /* read end, -1 when closed */
	int stream;                   /* STDOUT_FILENO or STDERR_FILENO: which of the unit's */
	size_t len;
	char line[SVC_LINE_MAX];
};

/* The control process of a unit: an Exec*= hook (one at a time, as in
 * systemd), beside the main process. */
struct svc_ctl {
	pid_t pid;                    /* svcinit's child, 0: none */
	pid_t inner_pid;              /* the command behind its reaper (the unit's PID namespace) */
	int reaper_fd;                /* the reaper's status channel, -1 */
	int spawn_fd;                 /* error/exec channel in flight, -1 */
	ev_io spawn_io;
	struct spawn_report rep;
	struct svc_output out[2];     /* its stdout, stderr: into the unit's log */
};

struct svc {
	struct unit_spec *spec;
	struct unit_spec *next_spec;  /* reload: the definition to use after the stop */
	struct fsm fsm;

	pid_t pid;                    /* svcinit's child (the reaper with a PID ns) */
	pid_t main_pid;               /* the service, in svcinit's PID namespace */
	int main_pidfd;               /* MAINPID='s process, taken when accepted; -1 */
	int reaper_fd;                /* reaper's status channel, -1 */
	int spawn_fd;                 /* error/exec channel of a spawn in flight, -1 */
	ev_io spawn_io;
	struct spawn_report spawn_rep;/* what it said; .err: a failure not yet told */
	size_t cmd;                   /* the ExecStart= it runs (several: Type=oneshot) */
	struct svc_ctl ctl;           /* the hook running now, if any */
	bool pidfile_wait;            /* forking: the first process ended, PIDFile= not there yet */
	int pidfile_status;           /* ... its wait status, told once the file is read */
	ev_timer pidfile_timer;       /* ... looked for again on this timer */
	ev_timer watchdog;            /* WatchdogSec=: runs out without WATCHDOG=1 */
	int exec_main_status;         /* wait status of the last main process (show), -1 */
	pid_t exec_main_pid;          /* its pid (ExecMainPID=), 0 */

	unsigned restarts;
	bool have_exit;
	int exit_code;                /* of the last exit, -1: none */
	int exit_signal;              /* of the last exit, 0: none */
	int64_t since;                /* unix time of the last state change */
	uint64_t cycle_sig;           /* the ordering cycle it lies on as last logged, 0: none */
	bool reload_new, reload_changed;   /* within svc_reload() */
	bool on_demand;               /* svc_instantiate() loaded it: a reload reads it again */
	uint32_t node;                /* in the dependency graph (deps.h), DEPS_NONE */
	uint32_t hold_start;          /* the edge that held its start back last */
	uint32_t hold_stop;           /* the unit that held its stop back last */
	int on_pending;               /* OnFailure=/OnSuccess= to start (0, 1 failure, 2 success) */
	uint64_t uphold_begin;        /* Upholds= restarts: window start (usec) ... */
	unsigned uphold_count;        /* ... and how many in it (StartLimit*=) */
	bool uphold_pending;          /* to be started again at the next loop iteration */

	ev_timer timer;
	struct svc_output out[2];     /* stdout, stderr */

	/* Condition*=/Assert*=: checked in a child (services/condition.h) */
	pid_t cond_pid;               /* the checking child, 0: none */
	int cond_fd;                  /* its report, -1 */
	ev_io cond_io;
	ev_timer cond_timer;          /* its deadline; 0s: report a fork failure */
	int cond_verdict;             /* of the last check (FSM_COND_*), -1: none yet */
	int condition_result;         /* 1 met, 0 not, -1 not checked */
	int assert_result;
	char condition[256];          /* "ConditionPathExists=/x failed", "" */

	/* Type=dbus: BusName= watched on the system bus by a child (svc-bus.c) */
	pid_t bus_pid;                /* the watching child, 0: none */
	int bus_fd;                   /* its records, -1 */
	ev_io bus_io;
	size_t bus_len;
	char bus_buf[256];            /* a record being read */

	/* DynamicUser=: the uid (and gid) it holds while it runs, 0: none */
	uid_t dyn_uid;

	struct logbuf log;            /* the unit's output, for svcctl logs */
	int notify_fd;                /* Type=notify: the unit's NOTIFY_SOCKET, -1 */
	ev_io notify_io;
	char notify_path[108];

	/* the cgroup's events (freezer, populated): watch the kernel until it
	 * reports the state asked for; v1 freezer.state has no events: a timer */
	ev_io freeze_io;              /* cgroup.events (v2) through inotify */
	ev_timer freeze_poll;         /* v1 freezer.state has no events */
	int freeze_want;              /* 1 frozen, 0 thawed, -1 not watching */
	bool wait_empty;              /* down: its cgroup goes once "populated 0" */
	ev_timer kill_timer;          /* SIGKILL rounds without cgroup.kill */
	unsigned kill_rounds;

	struct cg_unit *cg;
	const struct unit_spec *cg_applied;   /* the spec whose limits cg has */
	bool cg_delegated;            /* Delegate=: cg's v2 directory was handed over */

	/* OOMPolicy= (services/svc-oom.c) */
	ev_io oom_io;                 /* the cgroup's OOM events */
	ev_timer oom_timer;           /* v1: looks again after an event */
	uint64_t oom_seen;            /* OOM kills counted at the last look */
	unsigned oom_rechecks;
	bool oom_watching;            /* oom_seen is a baseline of this cgroup */
	bool oom_exit;                /* the main process's SIGKILL was the OOM killer's */
	struct rootfs_plan *root;

	char *warnings[SVC_WARN_MAX];
	size_t n_warnings;
	bool ns_degraded;              /* its last start ran without svcinit's default
					  namespaces (not permitted here) */
	char error[SVC_ERROR_MAX];    /* the last start error, "" if none */
	char status_text[256];        /* sd_notify STATUS= */
	struct svc_health health;     /* HealthCheck= (services/health.c) */
};

struct svc_hooks {
	/* every state change */
	void (*changed)(struct svc *s);
	/* SuccessAction= / FailureAction=; code is the unit's exit code */
	void (*action)(struct svc *s, enum unit_action a, int code);
	/* a record was kept in s->log (for followers): a line of output, or
	 * svcinit's marker where the unit started again */
	void (*output)(struct svc *s, const struct logrec *r);
	/* the same line, for the console; stream: STDOUT_FILENO or
	 * STDERR_FILENO, the unit's stream it came from. Must not block. */
	void (*console)(struct svc *s, int stream, const char *line, size_t len);
	/* the unit is about to be freed (removed by a reload, or at exit) */
	void (*gone)(struct svc *s);
};

struct svc_config {
	const char *units_dir;
	const struct unit_load_config *load;  /* NULL: units_dir alone (units/load.h) */
	char ***notes;                /* non-NULL: svc_load() hands the loader's notes over */
	const char *run_dir;          /* e.g. /run/svcinit: per-unit staging dirs live below */
	const char *const *keep_paths;/* bound read-only into every unit's root (the control socket) */
	struct cg_ctx *cg;            /* may be NULL: no cgroups */
	size_t log_size;              /* ring buffer bytes per unit */
};

int svc_init(struct ev_loop *loop, const struct svc_config *cfg, const struct svc_hooks *hooks);

/* Load the unit directory. Errors are appended to diag; units with errors
 * are not loaded. Returns 0 or -errno if the directory cannot be read. */
int svc_load(struct unit_diag *diag);

/* After svc_load(): the dependency errors (a Requires= unit that does not
 * exist, cycles) as "FILE: ..." messages in diag. Returns how many. */
size_t svc_verify(struct unit_diag *diag);

/* Re-read the directory: start new units, stop removed ones, restart
 * changed ones, leave unchanged ones alone; a file with errors keeps the old
 * definition. Returns 0, -EINVAL if some file had errors (see diag). */
int svc_reload(struct unit_diag *diag);

size_t svc_count(void);
struct svc *svc_at(size_t i);
struct svc *svc_find(const char *name);   /* by name or alias */

/* A unit that is not loaded but exists on the search path (an instance of a
 * template, a unit not in the boot set): load and add it. 0 and *ret,
 * -ENOENT, -ESHUTDOWN (masked), -EINVAL (errors, logged), -ENOMEM. */
int svc_instantiate(const char *name, struct svc **ret);

/* The unit whose cgroup holds pid (as /proc/PID/cgroup shows it): 1 and
 * *ret, 0 (none), or -errno when it cannot be told (gone, a cgroup file too
 * long to read whole: the caller fails closed). svc_of_pid: the unit or NULL. */
int svc_unit_of_pid(pid_t pid, struct svc **ret);
struct svc *svc_of_pid(pid_t pid);

/* The units a reload of s reaches through PropagatesReloadTo= (and the
 * ReloadPropagatedFrom= of others), s excluded, each once, transitively:
 * at most max into out; returns how many there are. The hook for
 * `svcctl reload NAME` (ExecReload=): reload s, then each of these. */
size_t svc_reload_targets(struct svc *s, struct svc **out, size_t max);

/* An instance that ran for one connection (services/socket.c) and is down:
 * removed from the table. Not from within a hook of its own events. */
void svc_discard(struct svc *s);

/* Start several units as one request: each is wanted before any starts. */
int svc_start_set(struct svc **set, size_t n);
int svc_start(struct svc *s);
int svc_stop(struct svc *s);
int svc_restart(struct svc *s);
int svc_pause(struct svc *s);    /* -EINVAL when not running */
int svc_resume(struct svc *s);
/* svcctl reload NAME: ExecReload=, or SIGHUP for Type=notify-reload.
 * -EOPNOTSUPP: the unit has neither; -EAGAIN: not running. */
int svc_reload_unit(struct svc *s);

void svc_start_all(void);
/* Stop every unit (shutdown). */
void svc_stop_all(void);
/* true when no unit has a process any more */
bool svc_all_down(void);
/* true when every unit is settled (svc_is_settled) */
bool svc_all_settled(void);

/*
 * What a unit's state means, defined here once (svcctl's start, stop and
 * wait, the boot's "all units up"); ready, done and settled are fsm.h's
 * (fsm_is_*), asked of the unit. A unit still waiting for its dependencies
 * is none of these.
 */
/* Up: running or exited, what a start waits for. */
bool svc_is_up(const struct svc *s);
/* A start that did not come up: failed, waiting out a restart delay after a
 * failed try, or stopped meanwhile. */
bool svc_start_failed(const struct svc *s);
/* Down: stopped, exited or failed, and no process left: what a stop waits for. */
bool svc_is_down(const struct svc *s);
/* Ready: it said so (or needs not: Type=simple, oneshot) and is running,
 * exited or paused. */
bool svc_is_ready(const struct svc *s);
/* Done for good: not ready and not coming up by itself: failed, exited, or
 * stopped and not wanted. */
bool svc_is_done(const struct svc *s);
/* Settled: not wanted, or wanted and in a state it keeps until something
 * happens (running, exited, failed, paused). */
bool svc_is_settled(const struct svc *s);
/* Paused: svcctl pause took it (the kernel may still be freezing it). */
bool svc_is_paused(const struct svc *s);
/* Waiting: wanted up, held back by its After= units (fsm_is_waiting). */
bool svc_is_waiting(const struct svc *s);

/* A health check's verdict (services/health.c): 1 passed, 0 failed, -1 none
 * (cancelled: only svcctl health waits for it). */
void svc_health_verdict(struct svc *s, int verdict);

/* Is pid in the unit's cgroup (true without one)? After pidfd_open(pid): is
 * the pidfd the unit's process, and not one that took its pid later? */
bool svc_holds_pid(struct svc *s, pid_t pid);

/* svcctl kill: sig to every process of the unit's cgroup, or (main) to its
 * main process only, through a pidfd. 0, -ESRCH (no process), -errno. */
int svc_kill(struct svc *s, int sig, bool main);

/* The reaper hands every exit over here. Returns true if pid was a unit's. */
bool svc_child_exited(pid_t pid, int status);

/* Free everything (after the loop ended), removing the cgroups. */
void svc_free_all(void);

const char *svc_state_name(const struct svc *s);

/* The kernel reports the unit's cgroup frozen (and no change is pending). */
bool svc_frozen(struct svc *s);
/* A freeze or thaw was asked and the kernel has not finished it yet. */
static inline bool svc_freeze_pending(const struct svc *s)
{
	return s->freeze_want >= 0;
}
