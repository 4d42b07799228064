/* SPDX-License-Identifier: MIT */
/*
 * fsm.h: the pure state machine of one service: wanted vs actual state,
 * one transition function, restart backoff and the start limit. It knows no
 * processes, timers or event loop: it takes an event and the time, and
 * returns the actions svc.c must carry out. That keeps every transition in
 * one place and makes it testable on its own.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "units/unit.h"

enum svc_state {
	SVC_STOPPED,
	SVC_STARTING,    /* started, not yet ready */
	SVC_RUNNING,
	SVC_PAUSED,      /* frozen */
	SVC_STOPPING,
	SVC_RESTARTING,  /* waiting out the restart delay */
	SVC_EXITED,      /* finished successfully and not restarted */
	SVC_FAILED,
	SVC_CONDITION_FAILED, /* skipped: a Condition*= was not met (not an error) */
	SVC_STATE_MAX,
};

/* What is wanted of the unit; the state (below) is what it does. */
enum fsm_want {
	FSM_WANT_NONE,    /* nobody asked, or a dependency took it down: stays as it is */
	FSM_WANT_DOWN,    /* stopped on purpose (svcctl stop, shutdown): a reload leaves it down */
	FSM_WANT_QUEUED,  /* up once its After= units are ready (svc.c asks deps.c; FSM_START) */
	FSM_WANT_UP,      /* up, and up again after an end its Restart= covers */
	FSM_WANT_REMOVE,  /* down for good: gone from the unit directory, freed once down */
	FSM_WANT_MAX,
};

enum fsm_event {
	FSM_START,        /* up now (its dependencies allow it) */
	FSM_STOP,         /* someone wants it down (svcctl stop, shutdown) */
	FSM_RESTART,      /* svcctl restart: down (if up), then up */
	FSM_SPAWNED,      /* the process was started */
	FSM_SPAWN_FAILED, /* it could not be started */
	FSM_READY,        /* sd_notify READY=1 */
	FSM_EXITED,       /* the main process ended; see fsm_input.status */
	FSM_TIMEOUT,      /* the timer armed by the last actions fired */
	FSM_PAUSE,
	FSM_RESUME,
	FSM_DEP_FAILED,   /* a Requires= unit stopped or failed: go down, say why */
	FSM_QUEUE,        /* wanted up: start once its After= units are ready */
	FSM_REMOVE,       /* gone from the unit directory: down for good */
	FSM_KEEP,         /* back in the unit directory: no longer to be removed */
	FSM_HEALTH_OK,    /* a health check passed */
	FSM_HEALTH_FAIL,  /* a health check failed (HealthRetries= in a row: unhealthy) */
	FSM_CONTROL_EXITED, /* the control process (an Exec*= hook) ended; see .status */
	FSM_RELOAD,       /* svcctl reload NAME: ExecReload=, or SIGHUP for notify-reload */
	FSM_WATCHDOG,     /* WatchdogSec= passed without WATCHDOG=1 (or WATCHDOG=trigger) */
	FSM_CONDITION,    /* the Condition*=/Assert*= check ended; status: FSM_COND_* */
	FSM_OOM,          /* the OOM killer killed a process of the unit (not the main one) */
	FSM_BUS,          /* Type=dbus: status 1 BusName= has an owner now, 0 it was released */
	FSM_EVENT_MAX,
};

/* systemd's sub-states (systemd.service(5), "SubState="): where in its
 * life a unit is, finer than enum svc_state. */
enum fsm_sub {
	FSM_SUB_DEAD,
	FSM_SUB_CONDITION,      /* ExecCondition= */
	FSM_SUB_START_PRE,      /* ExecStartPre= */
	FSM_SUB_START,          /* the main process starts */
	FSM_SUB_START_POST,     /* ExecStartPost= */
	FSM_SUB_RUNNING,
	FSM_SUB_EXITED,         /* oneshot with RemainAfterExit=yes, done */
	FSM_SUB_RELOAD,         /* ExecReload=, or waiting for READY=1 after SIGHUP */
	FSM_SUB_STOP,           /* ExecStop= */
	FSM_SUB_STOP_SIGTERM,   /* KillSignal= sent, waiting for the main process */
	FSM_SUB_STOP_SIGKILL,   /* FinalKillSignal= sent */
	FSM_SUB_STOP_POST,      /* ExecStopPost= */
	FSM_SUB_FINAL_SIGTERM,  /* what is left of the unit gets KillSignal= */
	FSM_SUB_FINAL_SIGKILL,
	FSM_SUB_FAILED,
	FSM_SUB_AUTO_RESTART,   /* waiting out RestartSec= */
	FSM_SUB_MAX,
};

/* Why the unit went down, kept for status and for the end state. */
enum fsm_result {
	FSM_RESULT_NONE,
	FSM_RESULT_SUCCESS,
	FSM_RESULT_EXIT_CODE,     /* exited non-zero */
	FSM_RESULT_SIGNAL,        /* killed by a signal */
	FSM_RESULT_SPAWN,         /* could not be started */
	FSM_RESULT_START_TIMEOUT, /* never got ready */
	FSM_RESULT_START_LIMIT,   /* restarted too often */
	FSM_RESULT_DEPENDENCY,    /* a Requires= unit stopped or failed */
	FSM_RESULT_CORE_DUMP,     /* killed by a signal that dumped core */
	FSM_RESULT_TIMEOUT,       /* a stop or a hook took too long */
	FSM_RESULT_WATCHDOG,
	FSM_RESULT_PROTOCOL,      /* notify: exited 0 before READY=1 */
	FSM_RESULT_RESOURCES,     /* forking: no main process found */
	FSM_RESULT_EXEC_CONDITION,/* ExecCondition= said skip (exit 1..254): not a failure */
	FSM_RESULT_UNHEALTHY,     /* its health check failed HealthRetries= times */
	FSM_RESULT_ASSERT,        /* an Assert*= was not met (systemd's job result "assert") */
	FSM_RESULT_OOM_KILL,      /* the OOM killer killed a process of it (OOMPolicy=stop/kill) */
};

/* What KillMode= does at one step of a stop (fsm_kill_plan). */
struct fsm_kill_plan {
	int main_sig;         /* to the main process, 0: none */
	int group_sig;        /* to every other process of the unit, 0: none */
	int control_sig;      /* to the control process, 0: none */
	bool sighup;          /* SendSIGHUP=: SIGHUP after main_sig/group_sig */
	bool wait;            /* wait for the processes signalled (else go on at once) */
};

/* The phase of a stop a kill plan is asked for. */
enum fsm_kill_phase {
	FSM_KILL_TERM, FSM_KILL_KILL, FSM_KILL_FINAL_TERM, FSM_KILL_FINAL_KILL,
	FSM_KILL_WATCHDOG,    /* the first signal after a watchdog timeout: SIGABRT */
};

/* What the unit's health checks say (HealthCheck=); NONE without a check. */
enum fsm_health {
	FSM_HEALTH_NONE,
	FSM_HEALTH_STARTING,      /* started, no verdict yet */
	FSM_HEALTH_HEALTHY,       /* the last check passed */
	FSM_HEALTH_UNHEALTHY,     /* HealthRetries= checks in a row failed */
};

/* fsm_input.status of FSM_CONDITION */
enum { FSM_COND_OK, FSM_COND_SKIP, FSM_COND_ASSERT };

/* What svc.c must do after a transition, in this order. */
struct fsm_actions {
	bool thaw;            /* unfreeze the cgroup */
	bool freeze;          /* freeze the cgroup */
	bool kill;            /* carry out kill_plan (the main process, the group, the control process) */
	struct fsm_kill_plan kill_plan;
	bool kill_all;        /* SIGKILL everything left in the unit's cgroup/group */
	bool run_hook;        /* start the control process: command hook_idx of hooks[hook] */
	enum unit_hook hook;
	size_t hook_idx;
	bool reload_signal;   /* notify-reload: SIGHUP to the main process */
	bool check;           /* check Condition*=/Assert*= (FSM_CONDITION follows) */
	bool cancel_check;    /* the check in flight is no longer wanted: end it */
	bool spawn;           /* start the process */
	bool disarm;          /* stop the timer */
	bool arm;             /* arm the timer ... */
	uint64_t arm_usec;    /* ... for this long (0: at the next loop iteration) */
	bool counted_restart; /* a restart was scheduled (status "restarts") */
	enum unit_action action; /* Success/FailureAction to carry out */
	int action_code;      /* exit code for action; 0: the unit's own */
};

/*
 * Wanted (want) apart from actual (state, ready, result). While STOPPING,
 * result says why when the stop was not asked for: START_TIMEOUT (it ends
 * failed, and is restarted as a failure is), DEPENDENCY (it ends with that
 * result); NONE: it ends with its exit's result. A PAUSED unit resumes to
 * RUNNING when it was ready, else to STARTING.
 */
struct fsm {
	enum fsm_want want;
	enum svc_state state;
	enum fsm_sub sub;         /* systemd's finer state */
	bool main_alive;          /* a main process is there (or was known to be) */
	bool ctl_alive;           /* a control process (hook) runs */
	bool started;             /* reached running/exited this run: ExecStop= is due */
	bool stop_asked;          /* this stop was asked for (stop, restart, dependency, remove) */
	bool restarting;          /* the stop of a restart: RestartKillSignal= */
	enum unit_hook hook;      /* the hook list the control process runs */
	size_t hook_idx;
	bool reload_failed;       /* the last reload's hook failed or timed out */
	int main_status;          /* wait status of the main process's end, this run */
	bool have_main_status;
	bool ready;               /* running, exited (oneshot), or paused after either */
	bool checking;            /* STARTING: its conditions are being checked, no process yet */
	bool bus_absent;          /* Type=dbus: no bus to watch BusName= on this start (svc.c
				     sets it before the spawn): as Type=simple */
	enum fsm_result result;   /* of the last run */
	unsigned restart_step;    /* backoff position, 0 = RestartSec */
	uint64_t ready_since;     /* usec, for resetting the backoff */
	uint64_t limit_begin;     /* start limit window start, usec */
	unsigned limit_count;     /* restarts in the window */
	enum fsm_health health;
	unsigned health_failures; /* checks failed in a row (those of the start period not) */
	uint64_t spawned_usec;    /* when the process started: HealthStartPeriodSec= counts from it */
};

struct fsm_input {
	enum fsm_event event;
	uint64_t now_usec;        /* monotonic */
	int status;               /* wait status for FSM_EXITED, FSM_CONTROL_EXITED */
	bool main_known;          /* FSM_EXITED of a forking unit's first process: the
				     daemon's pid is known (PIDFile=, or guessed) */
	bool oom;                 /* FSM_EXITED, FSM_CONTROL_EXITED: the OOM killer
				     killed that process (its SIGKILL) */
};

void fsm_init(struct fsm *f);

/* The one transition function. Returns true if the state changed. */
bool fsm_step(struct fsm *f, const struct unit_spec *spec, const struct fsm_input *in,
	      struct fsm_actions *ret_actions);

/* The restart delay for backoff position step (RestartSec growing
 * exponentially to RestartMaxDelaySec over RestartSteps). */
uint64_t fsm_restart_delay(const struct unit_spec *spec, unsigned step);

/* A wait status that counts as a clean end (exit 0, or SIGHUP, SIGINT,
 * SIGTERM, SIGPIPE as systemd counts them). */
bool fsm_status_clean(int status);

bool fsm_state_active(enum svc_state s);       /* running or paused */
/* Active as systemd says: running, paused, or exited with RemainAfterExit= */
bool fsm_is_active(const struct fsm *f);

/* The three questions the rest of svcinit asks, answered here only.
 * waiting: wanted up, held back by its After= units.
 * ready:   up as wanted, and not queued to run again (After= units may
 *          go, svcctl wait returns): running, exited (oneshot) or paused
 *          after either.
 * done:    down and will not come up by itself (failed, exited without
 *          being ready, or stopped and not wanted up): After= units no
 *          longer wait for it, Requires= units go down.
 * settled: nothing left to wait for at boot: not waiting, and if wanted
 *          up then ready, done, or paused. */
bool fsm_is_waiting(const struct fsm *f);
bool fsm_is_ready(const struct fsm *f);
bool fsm_is_done(const struct fsm *f);
bool fsm_is_settled(const struct fsm *f);
/* Wanted up, whether it waits for its After= units or not. */
bool fsm_wants_up(const struct fsm *f);
const char *fsm_want_to_string(enum fsm_want w);
const char *fsm_event_to_string(enum fsm_event e);
const char *fsm_state_to_string(enum svc_state s);
const char *fsm_result_to_string(enum fsm_result r);
const char *fsm_health_to_string(enum fsm_health h);   /* NULL for NONE */
const char *fsm_sub_to_string(enum fsm_sub s);

/* Restart=, the exit-status sets and the end's result: restart? (the table
 * of systemd.service(5), Restart=). code/sig: the main process's exit code
 * (or -1) and signal (or 0). */
bool fsm_restart_wanted(const struct unit_spec *spec, enum fsm_result result, int code, int sig);
/* The result a wait status means for the main process (SuccessExitStatus=,
 * and for all but oneshot SIGHUP SIGINT SIGTERM SIGPIPE count as clean). */
enum fsm_result fsm_result_of(const struct unit_spec *spec, int status);
/* What to signal at a phase of a stop (KillMode=, KillSignal=,
 * RestartKillSignal=, FinalKillSignal=, SendSIGKILL=, SendSIGHUP=). */
struct fsm_kill_plan fsm_kill_plan(const struct unit_spec *spec, enum fsm_kill_phase phase,
				   bool restarting);
/* A control process's wait status: success, or failure ignored by '-'? */
bool fsm_hook_ok(unsigned cmd_flags, int status);
