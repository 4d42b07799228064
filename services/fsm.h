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
	SVC_STATE_MAX,
};

enum fsm_event {
	FSM_START,        /* someone wants it up (boot, svcctl start) */
	FSM_STOP,         /* someone wants it down */
	FSM_RESTART,      /* svcctl restart: down (if up), then up */
	FSM_SPAWNED,      /* the process was started */
	FSM_SPAWN_FAILED, /* it could not be started */
	FSM_READY,        /* sd_notify READY=1 */
	FSM_EXITED,       /* the main process ended; see fsm_input.status */
	FSM_TIMEOUT,      /* the timer armed by the last actions fired */
	FSM_PAUSE,
	FSM_RESUME,
	FSM_DEP_FAILED,   /* a Requires= unit stopped or failed: go down, say why */
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
};

/* What svc.c must do after a transition, in this order. */
struct fsm_actions {
	bool thaw;            /* unfreeze the cgroup */
	bool freeze;          /* freeze the cgroup */
	bool kill;            /* send KillSignal to the main process and group */
	bool kill_all;        /* SIGKILL everything left in the unit's cgroup/group */
	bool spawn;           /* start the process */
	bool disarm;          /* stop the timer */
	bool arm;             /* arm the timer ... */
	uint64_t arm_usec;    /* ... for this long (0: at the next loop iteration) */
	bool counted_restart; /* a restart was scheduled (status "restarts") */
	enum unit_action action; /* Success/FailureAction to carry out */
};

struct fsm {
	enum svc_state state;
	bool want_up;
	bool ready;
	bool stop_to_fail;        /* STOPPING because the start timed out: fail after */
	bool keep_result;         /* STOPPING for a dependency: keep that as result */
	enum fsm_result result;   /* of the last run */
	unsigned restart_step;    /* backoff position, 0 = RestartSec */
	uint64_t ready_since;     /* usec, for resetting the backoff */
	uint64_t limit_begin;     /* start limit window start, usec */
	unsigned limit_count;     /* restarts in the window */
	enum svc_state paused_from;
};

struct fsm_input {
	enum fsm_event event;
	uint64_t now_usec;        /* monotonic */
	int status;               /* wait status for FSM_EXITED */
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
const char *fsm_state_to_string(enum svc_state s);
const char *fsm_result_to_string(enum fsm_result r);
