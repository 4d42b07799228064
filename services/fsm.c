/* SPDX-License-Identifier: MIT */
/*
 * fsm.c: every state transition of a service, in one function.
 *
 * Wanted state (want_up) is set only by START/STOP/RESTART; everything else
 * moves the actual state toward it or records why it cannot get there.
 */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "services/fsm.h"

static const char *const state_names[SVC_STATE_MAX] = {
	[SVC_STOPPED] = "stopped",
	[SVC_STARTING] = "starting",
	[SVC_RUNNING] = "running",
	[SVC_PAUSED] = "paused",
	[SVC_STOPPING] = "stopping",
	[SVC_RESTARTING] = "restarting",
	[SVC_EXITED] = "exited",
	[SVC_FAILED] = "failed",
};

const char *fsm_state_to_string(enum svc_state s)
{
	return s < SVC_STATE_MAX ? state_names[s] : "unknown";
}

const char *fsm_result_to_string(enum fsm_result r)
{
	switch (r) {
	case FSM_RESULT_NONE: return "";
	case FSM_RESULT_SUCCESS: return "success";
	case FSM_RESULT_EXIT_CODE: return "exit-code";
	case FSM_RESULT_SIGNAL: return "signal";
	case FSM_RESULT_SPAWN: return "spawn-failed";
	case FSM_RESULT_START_TIMEOUT: return "start-timeout";
	case FSM_RESULT_START_LIMIT: return "start-limit-hit";
	case FSM_RESULT_DEPENDENCY: return "dependency";
	}
	return "";
}

bool fsm_state_active(enum svc_state s)
{
	return s == SVC_RUNNING || s == SVC_PAUSED;
}

bool fsm_status_clean(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0;
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		return sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE;
	}
	return false;
}

uint64_t fsm_restart_delay(const struct unit_spec *spec, unsigned step)
{
	uint64_t base = spec->restart_usec, max = spec->restart_max_usec;
	double d;

	if (spec->restart_steps == 0 || max <= base || base == 0 || step == 0)
		return base;
	if (step >= spec->restart_steps)
		return max;
	/* base * (max/base)^(step/steps): equal ratios between steps */
	d = (double)base * pow((double)max / (double)base, (double)step / spec->restart_steps);
	if (d >= (double)max)
		return max;
	return (uint64_t)d;
}

void fsm_init(struct fsm *f)
{
	memset(f, 0, sizeof(*f));
	f->state = SVC_STOPPED;
}

static void set_state(struct fsm *f, enum svc_state s)
{
	f->state = s;
	if (s != SVC_RUNNING && s != SVC_EXITED && s != SVC_PAUSED)
		f->ready = false;
}

static void begin_start(struct fsm *f, struct fsm_actions *a)
{
	f->result = FSM_RESULT_NONE;
	f->keep_result = false;
	f->ready = false;
	f->ready_since = 0;
	set_state(f, SVC_STARTING);
	a->spawn = true;
}

static void begin_stop(struct fsm *f, const struct unit_spec *spec, struct fsm_actions *a)
{
	if (f->state == SVC_PAUSED)
		a->thaw = true;
	set_state(f, SVC_STOPPING);
	a->kill = true;
	a->disarm = true;
	if (spec->timeout_stop_usec != UNIT_INFINITY) {
		a->arm = true;
		a->arm_usec = spec->timeout_stop_usec;
	}
}

static void reset_limits(struct fsm *f)
{
	f->limit_count = 0;
	f->limit_begin = 0;
	f->restart_step = 0;
}

/* The unit ended without the user asking: restart it, or settle. */
static void after_end(struct fsm *f, const struct unit_spec *spec, uint64_t now, bool clean,
		      struct fsm_actions *a)
{
	bool restart;

	if (!f->want_up) {
		set_state(f, SVC_STOPPED);
		return;
	}
	if (spec->type == UNIT_ONESHOT && clean)
		restart = false;   /* a oneshot that succeeded is done */
	else
		restart = spec->restart == UNIT_RESTART_ALWAYS ||
			  (spec->restart == UNIT_RESTART_ON_FAILURE && !clean);

	if (!restart) {
		if (clean) {
			set_state(f, SVC_EXITED);
			f->ready = spec->type == UNIT_ONESHOT;
			a->action = spec->success_action;
		} else {
			set_state(f, SVC_FAILED);
			a->action = spec->failure_action;
		}
		return;
	}

	/* A service that stayed up for longer than the longest delay starts
	 * its backoff from the beginning again. */
	if (f->ready_since && now - f->ready_since >= spec->restart_max_usec)
		f->restart_step = 0;

	if (f->limit_count == 0 || now - f->limit_begin > spec->start_limit_interval_usec) {
		f->limit_begin = now;
		f->limit_count = 0;
	}
	/* StartLimitBurst=0: no limit, as systemd */
	if (++f->limit_count > spec->start_limit_burst && spec->start_limit_burst > 0) {
		f->result = FSM_RESULT_START_LIMIT;
		set_state(f, SVC_FAILED);
		a->action = spec->failure_action;
		return;
	}
	set_state(f, SVC_RESTARTING);
	a->arm = true;
	a->arm_usec = fsm_restart_delay(spec, f->restart_step);
	if (f->restart_step < spec->restart_steps)
		f->restart_step++;
	a->counted_restart = true;
}

static enum fsm_result result_of(int status)
{
	if (fsm_status_clean(status))
		return FSM_RESULT_SUCCESS;
	return WIFSIGNALED(status) ? FSM_RESULT_SIGNAL : FSM_RESULT_EXIT_CODE;
}

bool fsm_step(struct fsm *f, const struct unit_spec *spec, const struct fsm_input *in,
	      struct fsm_actions *a)
{
	enum svc_state old = f->state;
	uint64_t now = in->now_usec;

	memset(a, 0, sizeof(*a));

	switch (in->event) {
	case FSM_START:
	case FSM_RESTART:
		f->want_up = true;
		if (in->event == FSM_RESTART || f->state == SVC_FAILED)
			reset_limits(f);
		switch (f->state) {
		case SVC_STOPPED:
		case SVC_EXITED:
		case SVC_FAILED:
			f->restart_step = 0;
			begin_start(f, a);
			break;
		case SVC_RESTARTING:
			a->disarm = true;
			begin_start(f, a);
			break;
		case SVC_STARTING:
		case SVC_RUNNING:
		case SVC_PAUSED:
			if (in->event == FSM_RESTART)
				begin_stop(f, spec, a);
			break;
		case SVC_STOPPING:   /* comes back up once it is down */
		case SVC_STATE_MAX:
			break;
		}
		break;

	case FSM_STOP:
	case FSM_DEP_FAILED:
		f->want_up = false;
		f->stop_to_fail = false;
		f->keep_result = in->event == FSM_DEP_FAILED;
		if (f->keep_result)
			f->result = FSM_RESULT_DEPENDENCY;
		switch (f->state) {
		case SVC_STARTING:
		case SVC_RUNNING:
		case SVC_PAUSED:
			begin_stop(f, spec, a);
			break;
		case SVC_RESTARTING:
			a->disarm = true;
			set_state(f, SVC_STOPPED);
			break;
		default:
			break;
		}
		break;

	case FSM_SPAWNED:
		if (f->state != SVC_STARTING)
			break;
		if (spec->type == UNIT_SIMPLE) {
			set_state(f, SVC_RUNNING);
			f->ready = true;
			f->ready_since = now;
		} else if (spec->type == UNIT_NOTIFY && spec->timeout_start_usec != UNIT_INFINITY) {
			a->arm = true;
			a->arm_usec = spec->timeout_start_usec;
		}
		break;

	case FSM_SPAWN_FAILED:
		if (f->state != SVC_STARTING)
			break;
		f->result = FSM_RESULT_SPAWN;
		a->kill_all = true;
		after_end(f, spec, now, false, a);
		break;

	case FSM_READY:
		if (f->state == SVC_STARTING && spec->type == UNIT_NOTIFY) {
			a->disarm = true;
			set_state(f, SVC_RUNNING);
			f->ready = true;
			f->ready_since = now;
		}
		break;

	case FSM_EXITED:
		a->kill_all = true;   /* nothing of the unit outlives its main process */
		if (f->state != SVC_STARTING && f->state != SVC_RUNNING &&
		    f->state != SVC_PAUSED && f->state != SVC_STOPPING)
			break;   /* the late end of a child whose start failed: handled */
		a->disarm = true;
		if (f->state == SVC_PAUSED)
			a->thaw = true;
		if (f->state == SVC_STOPPING) {
			if (f->stop_to_fail) {
				f->stop_to_fail = false;
				f->result = FSM_RESULT_START_TIMEOUT;
				after_end(f, spec, now, false, a);
			} else if (f->want_up) {
				f->result = result_of(in->status);
				begin_start(f, a);   /* restart */
			} else {
				if (!f->keep_result)
					f->result = result_of(in->status);
				set_state(f, SVC_STOPPED);
			}
			break;
		}
		if (f->state == SVC_STARTING || f->state == SVC_RUNNING || f->state == SVC_PAUSED) {
			/* a oneshot succeeds only with exit code 0 */
			bool clean = spec->type == UNIT_ONESHOT ?
				WIFEXITED(in->status) && WEXITSTATUS(in->status) == 0 :
				fsm_status_clean(in->status);

			f->result = clean ? FSM_RESULT_SUCCESS :
				    WIFSIGNALED(in->status) ? FSM_RESULT_SIGNAL : FSM_RESULT_EXIT_CODE;
			after_end(f, spec, now, clean, a);
		}
		break;

	case FSM_TIMEOUT:
		switch (f->state) {
		case SVC_RESTARTING:
			begin_start(f, a);
			break;
		case SVC_STARTING:   /* never got ready */
			begin_stop(f, spec, a);
			f->stop_to_fail = true;
			break;
		case SVC_STOPPING:   /* KillSignal was not enough */
			a->kill_all = true;
			break;
		default:
			break;
		}
		break;

	case FSM_PAUSE:
		if (f->state == SVC_STARTING || f->state == SVC_RUNNING) {
			f->paused_from = f->state;
			set_state(f, SVC_PAUSED);
			f->ready = f->paused_from == SVC_RUNNING;
			a->freeze = true;
			a->disarm = true;   /* no timeout runs against a paused unit */
		}
		break;

	case FSM_RESUME:
		if (f->state == SVC_PAUSED) {
			set_state(f, f->paused_from);
			f->ready = f->paused_from == SVC_RUNNING;
			a->thaw = true;
			if (f->state == SVC_STARTING && spec->type == UNIT_NOTIFY &&
			    spec->timeout_start_usec != UNIT_INFINITY) {
				a->arm = true;
				a->arm_usec = spec->timeout_start_usec;
			}
		}
		break;
	}
	return f->state != old;
}
