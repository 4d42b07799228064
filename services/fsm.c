/* SPDX-License-Identifier: MIT */
/*
 * fsm.c: every state transition of a service, in one function.
 *
 * The wanted state (want) is set only by START, STOP, RESTART, QUEUE,
 * DEP_FAILED, REMOVE and KEEP; everything else moves the actual state toward
 * it or records why it cannot get there. A removed unit never comes up again.
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
	[SVC_CONDITION_FAILED] = "condition-failed",
};

const char *fsm_state_to_string(enum svc_state s)
{
	return s < SVC_STATE_MAX ? state_names[s] : "unknown";
}

const char *fsm_result_to_string(enum fsm_result r)
{
	switch (r) {
	/* NONE: systemd says success for a unit that never ran; SPAWN: it says
	 * resources when a process could not be started */
	case FSM_RESULT_NONE: return "success";
	case FSM_RESULT_SUCCESS: return "success";
	case FSM_RESULT_EXIT_CODE: return "exit-code";
	case FSM_RESULT_SIGNAL: return "signal";
	case FSM_RESULT_SPAWN: return "resources";
	case FSM_RESULT_START_TIMEOUT: return "timeout";
	case FSM_RESULT_START_LIMIT: return "start-limit-hit";
	case FSM_RESULT_DEPENDENCY: return "dependency";
	case FSM_RESULT_CORE_DUMP: return "core-dump";
	case FSM_RESULT_TIMEOUT: return "timeout";
	case FSM_RESULT_WATCHDOG: return "watchdog";
	case FSM_RESULT_PROTOCOL: return "protocol";
	case FSM_RESULT_RESOURCES: return "resources";
	case FSM_RESULT_EXEC_CONDITION: return "exec-condition";
	case FSM_RESULT_UNHEALTHY: return "unhealthy";
	case FSM_RESULT_ASSERT: return "assert";
	case FSM_RESULT_OOM_KILL: return "oom-kill";
	}
	return "";
}

static const char *const sub_names[FSM_SUB_MAX] = {
	[FSM_SUB_DEAD] = "dead", [FSM_SUB_CONDITION] = "condition",
	[FSM_SUB_START_PRE] = "start-pre", [FSM_SUB_START] = "start",
	[FSM_SUB_START_POST] = "start-post", [FSM_SUB_RUNNING] = "running",
	[FSM_SUB_EXITED] = "exited", [FSM_SUB_RELOAD] = "reload", [FSM_SUB_STOP] = "stop",
	[FSM_SUB_STOP_SIGTERM] = "stop-sigterm", [FSM_SUB_STOP_SIGKILL] = "stop-sigkill",
	[FSM_SUB_STOP_POST] = "stop-post", [FSM_SUB_FINAL_SIGTERM] = "final-sigterm",
	[FSM_SUB_FINAL_SIGKILL] = "final-sigkill", [FSM_SUB_FAILED] = "failed",
	[FSM_SUB_AUTO_RESTART] = "auto-restart",
};

const char *fsm_health_to_string(enum fsm_health h)
{
	switch (h) {
	case FSM_HEALTH_NONE: return NULL;
	case FSM_HEALTH_STARTING: return "starting";
	case FSM_HEALTH_HEALTHY: return "healthy";
	case FSM_HEALTH_UNHEALTHY: return "unhealthy";
	}
	return NULL;
}

const char *fsm_sub_to_string(enum fsm_sub s)
{
	return s < FSM_SUB_MAX ? sub_names[s] : "unknown";
}

bool fsm_state_active(enum svc_state s)
{
	return s == SVC_RUNNING || s == SVC_PAUSED;
}

bool fsm_is_active(const struct fsm *f)
{
	return fsm_state_active(f->state) || (f->state == SVC_EXITED && f->sub == FSM_SUB_EXITED);
}

const char *fsm_want_to_string(enum fsm_want w)
{
	switch (w) {
	case FSM_WANT_NONE: return "none";
	case FSM_WANT_DOWN: return "down";
	case FSM_WANT_QUEUED: return "queued";
	case FSM_WANT_UP: return "up";
	case FSM_WANT_REMOVE: return "remove";
	case FSM_WANT_MAX: break;
	}
	return "unknown";
}

const char *fsm_event_to_string(enum fsm_event e)
{
	switch (e) {
	case FSM_START: return "start";
	case FSM_STOP: return "stop";
	case FSM_RESTART: return "restart";
	case FSM_SPAWNED: return "spawned";
	case FSM_SPAWN_FAILED: return "spawn-failed";
	case FSM_READY: return "ready";
	case FSM_EXITED: return "exited";
	case FSM_TIMEOUT: return "timeout";
	case FSM_PAUSE: return "pause";
	case FSM_RESUME: return "resume";
	case FSM_DEP_FAILED: return "dependency-failed";
	case FSM_QUEUE: return "queue";
	case FSM_REMOVE: return "remove";
	case FSM_KEEP: return "keep";
	case FSM_CONTROL_EXITED: return "control-exited";
	case FSM_RELOAD: return "reload";
	case FSM_WATCHDOG: return "watchdog";
	case FSM_OOM: return "oom";
	case FSM_HEALTH_OK: return "health-ok";
	case FSM_HEALTH_FAIL: return "health-fail";
	case FSM_CONDITION: return "condition";
	case FSM_BUS: return "bus-name";
	case FSM_EVENT_MAX: break;
	}
	return "unknown";
}

bool fsm_is_waiting(const struct fsm *f)
{
	return f->want == FSM_WANT_QUEUED;
}

bool fsm_wants_up(const struct fsm *f)
{
	return f->want == FSM_WANT_UP || f->want == FSM_WANT_QUEUED;
}

bool fsm_is_ready(const struct fsm *f)
{
	return f->ready && !fsm_is_waiting(f);   /* queued to run again: not yet */
}

bool fsm_is_done(const struct fsm *f)
{
	if (fsm_is_ready(f) || fsm_is_waiting(f))
		return false;
	return f->state == SVC_FAILED || f->state == SVC_EXITED ||
	       f->state == SVC_CONDITION_FAILED ||
	       (f->state == SVC_STOPPED && f->want != FSM_WANT_UP);
}

bool fsm_is_settled(const struct fsm *f)
{
	if (fsm_is_waiting(f))
		return false;
	return f->want != FSM_WANT_UP || fsm_is_ready(f) || fsm_is_done(f) ||
	       f->state == SVC_PAUSED;
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
	f->sub = FSM_SUB_DEAD;
}

/* ---- the pure rules --------------------------------------------------- */

enum fsm_result fsm_result_of(const struct unit_spec *spec, int status)
{
	if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		return code == 0 || unit_status_set_has(&spec->success_status, code, 0) ?
			FSM_RESULT_SUCCESS : FSM_RESULT_EXIT_CODE;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (unit_status_set_has(&spec->success_status, -1, sig))
			return FSM_RESULT_SUCCESS;
		/* systemd.service(5): SIGHUP SIGINT SIGTERM SIGPIPE are clean,
		 * but not for a oneshot (it succeeds with exit code 0 only) */
		if (spec->type != UNIT_ONESHOT &&
		    (sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE))
			return FSM_RESULT_SUCCESS;
		return WCOREDUMP(status) ? FSM_RESULT_CORE_DUMP : FSM_RESULT_SIGNAL;
	}
	return FSM_RESULT_EXIT_CODE;
}

/* systemd.service(5), Restart=: the table of exit causes x values.
 * clean exit: on-success always; unclean exit code: on-failure always;
 * unclean signal: on-failure on-abnormal on-abort always; timeout:
 * on-failure on-abnormal always; watchdog: on-failure on-abnormal
 * on-watchdog always. RestartPreventExitStatus= wins over everything,
 * RestartForceExitStatus= restarts whatever Restart= says (but "no"? it
 * still restarts: systemd restarts then too). */
bool fsm_restart_wanted(const struct unit_spec *spec, enum fsm_result result, int code, int sig)
{
	enum unit_restart r = spec->restart;

	if ((code >= 0 || sig > 0) && unit_status_set_has(&spec->restart_prevent, code, sig))
		return false;
	if ((code >= 0 || sig > 0) && unit_status_set_has(&spec->restart_force, code, sig))
		return true;
	switch (result) {
	case FSM_RESULT_NONE:
	case FSM_RESULT_SUCCESS:
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_SUCCESS;
	case FSM_RESULT_EXIT_CODE:
	case FSM_RESULT_SPAWN:
	case FSM_RESULT_UNHEALTHY:   /* enter_dead asks OnHealthFailure= instead */
	case FSM_RESULT_PROTOCOL:
	case FSM_RESULT_RESOURCES:
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_FAILURE;
	case FSM_RESULT_SIGNAL:
	case FSM_RESULT_CORE_DUMP:
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_FAILURE ||
		       r == UNIT_RESTART_ON_ABNORMAL || r == UNIT_RESTART_ON_ABORT;
	case FSM_RESULT_START_TIMEOUT:
	case FSM_RESULT_TIMEOUT:
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_FAILURE ||
		       r == UNIT_RESTART_ON_ABNORMAL;
	case FSM_RESULT_WATCHDOG:
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_FAILURE ||
		       r == UNIT_RESTART_ON_ABNORMAL || r == UNIT_RESTART_ON_WATCHDOG;
	case FSM_RESULT_OOM_KILL:   /* systemd: on-abnormal is all but success and exit-code */
		return r == UNIT_RESTART_ALWAYS || r == UNIT_RESTART_ON_FAILURE ||
		       r == UNIT_RESTART_ON_ABNORMAL;
	case FSM_RESULT_START_LIMIT:
	case FSM_RESULT_DEPENDENCY:
	case FSM_RESULT_EXEC_CONDITION:
	case FSM_RESULT_ASSERT:
		return false;
	}
	return false;
}

/* systemd.kill(5): control-group signals every process of the unit, mixed
 * the main process with KillSignal= and the rest only with SIGKILL,
 * process the main process only, none nobody (the control process, a
 * hook, gets the signal in all but none). */
struct fsm_kill_plan fsm_kill_plan(const struct unit_spec *spec, enum fsm_kill_phase phase,
				   bool restarting)
{
	struct fsm_kill_plan p = { 0 };
	bool term = phase == FSM_KILL_TERM || phase == FSM_KILL_FINAL_TERM ||
		    phase == FSM_KILL_WATCHDOG;
	int sig = phase == FSM_KILL_WATCHDOG ? SIGABRT :   /* systemd's WatchdogSignal= */
		  term ? (restarting && spec->restart_kill_signal ? spec->restart_kill_signal :
			  spec->kill_signal) : spec->final_kill_signal;

	if (!term && !spec->send_sigkill)
		return p;   /* nothing sent, nothing waited for */
	switch (spec->kill_mode) {
	case UNIT_KILL_CONTROL_GROUP:
		p.main_sig = p.group_sig = p.control_sig = sig;
		break;
	case UNIT_KILL_MIXED:
		p.main_sig = p.control_sig = sig;
		p.group_sig = term ? 0 : sig;
		break;
	case UNIT_KILL_PROCESS:
		p.main_sig = p.control_sig = sig;
		break;
	case UNIT_KILL_NONE:
	case UNIT_KILL_MODE_MAX:
		return p;
	}
	p.sighup = term && spec->send_sighup && spec->kill_mode != UNIT_KILL_NONE;
	p.wait = true;
	return p;
}

bool fsm_hook_ok(unsigned cmd_flags, int status)
{
	return (cmd_flags & UNIT_CMD_IGNORE) || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---- transitions ---------------------------------------------------------- */

static void set_state(struct fsm *f, enum svc_state s)
{
	f->state = s;
	if (s != SVC_STARTING)
		f->checking = false;
	if (s != SVC_RUNNING && s != SVC_EXITED && s != SVC_PAUSED)
		f->ready = false;
}

static void set_result(struct fsm *f, enum fsm_result r)
{
	/* the first failure of a run is the one that counts, as systemd */
	if (f->result == FSM_RESULT_NONE || f->result == FSM_RESULT_SUCCESS)
		f->result = r;
}

static void arm(struct fsm_actions *a, uint64_t usec)
{
	a->disarm = true;
	if (usec != UNIT_INFINITY) {
		a->arm = true;
		a->arm_usec = usec;
	}
}

static uint64_t stop_timeout(const struct unit_spec *spec, const struct fsm *f)
{
	/* TimeoutAbortSec= is for the watchdog's abort; 0: TimeoutStopSec= */
	if (f->result == FSM_RESULT_WATCHDOG && spec->timeout_abort_usec)
		return spec->timeout_abort_usec;
	return spec->timeout_stop_usec;
}

/* Run command idx of hook h, or return false when the list has no more. */
static bool run_hook(struct fsm *f, const struct unit_spec *spec, enum unit_hook h, size_t idx,
		     struct fsm_actions *a)
{
	if (idx >= spec->hooks[h].n)
		return false;
	f->hook = h;
	f->hook_idx = idx;
	f->ctl_alive = true;
	a->run_hook = true;
	a->hook = h;
	a->hook_idx = idx;
	return true;
}

static void enter_dead(struct fsm *f, const struct unit_spec *spec, uint64_t now,
		       struct fsm_actions *a);
static void enter_stop_post(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			    struct fsm_actions *a);
static void enter_running(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			  struct fsm_actions *a);

static void reset_limits(struct fsm *f)
{
	f->limit_count = 0;
	f->limit_begin = 0;
	f->restart_step = 0;
}

static void enter_start_main(struct fsm *f, const struct unit_spec *spec, struct fsm_actions *a)
{
	f->sub = FSM_SUB_START;
	f->main_alive = true;
	f->have_main_status = false;
	a->spawn = true;
	/* simple, exec, idle, dbus: started when the exec is done (FSM_SPAWNED) */
	arm(a, spec->timeout_start_usec);
}

static void enter_start_pre(struct fsm *f, const struct unit_spec *spec, struct fsm_actions *a)
{
	if (run_hook(f, spec, UNIT_HOOK_START_PRE, 0, a)) {
		f->sub = FSM_SUB_START_PRE;
		arm(a, spec->timeout_start_usec);
		return;
	}
	enter_start_main(f, spec, a);
}

/* Type=dbus with a bus to watch BusName= on: ready when the name is taken. */
static bool bus_waits(const struct fsm *f, const struct unit_spec *spec)
{
	return spec->type == UNIT_DBUS && !f->bus_absent;
}

static bool has_checks(const struct unit_spec *spec)
{
	/* RequiresMountsFor= paths are looked at by the same child (a warning) */
	return (spec->conditions && spec->conditions[0]) || (spec->asserts && spec->asserts[0]) ||
	       (spec->requires_mounts_for && spec->requires_mounts_for[0]);
}

/* A check in flight ends without a verdict. */
static void end_check(struct fsm *f, struct fsm_actions *a)
{
	f->checking = false;
	a->cancel_check = true;
}

static void start_exec_condition(struct fsm *f, const struct unit_spec *spec,
				 struct fsm_actions *a);

/* Up: its conditions first (systemd checks them each time the start job
 * runs, automatic restarts too), then ExecCondition=, the hooks, the process. */
static void begin_start(struct fsm *f, const struct unit_spec *spec, struct fsm_actions *a)
{
	f->want = FSM_WANT_UP;
	f->result = FSM_RESULT_NONE;
	f->ready = false;
	f->ready_since = 0;
	f->started = false;
	f->stop_asked = false;
	f->restarting = false;
	f->main_alive = false;
	f->have_main_status = false;
	f->health = spec->health.kind != UNIT_HEALTH_NONE ? FSM_HEALTH_STARTING : FSM_HEALTH_NONE;
	f->health_failures = 0;
	set_state(f, SVC_STARTING);
	if (has_checks(spec)) {   /* Condition*=, Assert*= first: FSM_CONDITION follows */
		f->checking = true;
		f->sub = FSM_SUB_CONDITION;
		a->check = true;
		return;
	}
	start_exec_condition(f, spec, a);
}

/* After the Condition*= keys: ExecCondition=, then ExecStartPre=. */
static void start_exec_condition(struct fsm *f, const struct unit_spec *spec,
				 struct fsm_actions *a)
{
	if (run_hook(f, spec, UNIT_HOOK_CONDITION, 0, a)) {
		f->sub = FSM_SUB_CONDITION;
		arm(a, spec->timeout_start_usec);
		return;
	}
	enter_start_pre(f, spec, a);
}

static void enter_start_post(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			     struct fsm_actions *a)
{
	if (run_hook(f, spec, UNIT_HOOK_START_POST, 0, a)) {
		f->sub = FSM_SUB_START_POST;
		arm(a, spec->timeout_start_usec);
		return;
	}
	enter_running(f, spec, now, a);
}

/* Signal what the plan of this phase says; true when something must be
 * waited for. */
static bool send_kill(struct fsm *f, const struct unit_spec *spec, enum fsm_kill_phase ph,
		      struct fsm_actions *a)
{
	struct fsm_kill_plan p = fsm_kill_plan(spec, ph, f->restarting);

	if (!f->main_alive && !f->ctl_alive)
		return false;   /* the rest goes with SIGKILL in stop-post (KillMode= permitting) */
	if (!f->main_alive)
		p.main_sig = 0;
	if (!f->ctl_alive)
		p.control_sig = 0;
	if (!p.main_sig && !p.control_sig && !p.group_sig)
		return false;
	a->kill = true;
	a->kill_plan = p;
	return p.wait && (p.main_sig || p.control_sig);
}

static void enter_signal(struct fsm *f, const struct unit_spec *spec, enum fsm_sub sub,
			 uint64_t now, struct fsm_actions *a)
{
	enum fsm_kill_phase ph = sub != FSM_SUB_STOP_SIGTERM ? FSM_KILL_KILL :
				 f->result == FSM_RESULT_WATCHDOG ? FSM_KILL_WATCHDOG : FSM_KILL_TERM;

	set_state(f, SVC_STOPPING);
	f->sub = sub;
	if (send_kill(f, spec, ph, a)) {
		arm(a, stop_timeout(spec, f));
		return;
	}
	if (sub == FSM_SUB_STOP_SIGTERM && (f->main_alive || f->ctl_alive) && spec->send_sigkill &&
	    spec->kill_mode != UNIT_KILL_NONE) {
		enter_signal(f, spec, FSM_SUB_STOP_SIGKILL, now, a);
		return;
	}
	/* nothing to wait for (KillMode=none, or all gone already) */
	enter_stop_post(f, spec, now, a);
}

static void enter_stop(struct fsm *f, const struct unit_spec *spec, uint64_t now,
		       struct fsm_actions *a)
{
	set_state(f, SVC_STOPPING);
	/* ExecStop= only after a start that succeeded (systemd.service(5)) */
	if (f->started && run_hook(f, spec, UNIT_HOOK_STOP, 0, a)) {
		f->sub = FSM_SUB_STOP;
		arm(a, stop_timeout(spec, f));
		return;
	}
	enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
}

static void enter_final(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			struct fsm_actions *a)
{
	/* what is left of the unit: KillMode=control-group and mixed take it
	 * down at once (SIGKILL: KillSignal= went to every process already),
	 * process and none leave it running, as systemd does */
	f->sub = FSM_SUB_FINAL_SIGKILL;
	if (spec->kill_mode == UNIT_KILL_CONTROL_GROUP || spec->kill_mode == UNIT_KILL_MIXED)
		a->kill_all = true;
	enter_dead(f, spec, now, a);
}

static void enter_stop_post(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			    struct fsm_actions *a)
{
	set_state(f, SVC_STOPPING);
	if (!f->main_alive && (spec->kill_mode == UNIT_KILL_CONTROL_GROUP ||
			       spec->kill_mode == UNIT_KILL_MIXED))
		a->kill_all = true;   /* nothing of the unit outlives its main process */
	if (run_hook(f, spec, UNIT_HOOK_STOP_POST, 0, a)) {
		f->sub = FSM_SUB_STOP_POST;
		arm(a, stop_timeout(spec, f));
		return;
	}
	enter_final(f, spec, now, a);
}

/* ReadyWhenHealthy=yes: a passed check is part of being ready (a oneshot is
 * ready when it exits 0, as always). */
static bool health_gates(const struct unit_spec *spec)
{
	return spec->health.kind != UNIT_HEALTH_NONE && spec->health.ready_when_healthy &&
	       spec->type != UNIT_ONESHOT;
}

static void enter_running(struct fsm *f, const struct unit_spec *spec, uint64_t now,
			  struct fsm_actions *a)
{
	a->disarm = true;
	f->started = true;
	if (f->main_alive && health_gates(spec) && f->health != FSM_HEALTH_HEALTHY) {
		/* still "starting": FSM_HEALTH_OK makes it ready; TimeoutStartSec=
		 * runs on, from the start of the main process */
		uint64_t spent = now - f->spawned_usec, t = spec->timeout_start_usec;

		f->sub = FSM_SUB_RUNNING;
		if (t != UNIT_INFINITY)
			arm(a, t > spent ? t - spent : 1);
		return;
	}
	if (f->main_alive) {
		set_state(f, SVC_RUNNING);
		f->sub = FSM_SUB_RUNNING;
		f->ready = true;
		f->ready_since = now;
		return;
	}
	if (spec->type == UNIT_ONESHOT && spec->remain_after_exit) {
		set_result(f, FSM_RESULT_SUCCESS);
		set_state(f, SVC_EXITED);
		f->sub = FSM_SUB_EXITED;
		f->ready = true;
		f->ready_since = now;
		return;
	}
	/* the main process is gone: the stop of a run that ended by itself */
	enter_stop(f, spec, now, a);
}

/* The unit is down: restart it, or settle. */
static void enter_dead(struct fsm *f, const struct unit_spec *spec, uint64_t now,
		       struct fsm_actions *a)
{
	bool restart, clean;
	int code = -1, sig = 0;

	f->main_alive = f->ctl_alive = false;
	a->disarm = true;   /* no timer runs for a unit that is down */
	if (f->have_main_status) {
		if (WIFEXITED(f->main_status))
			code = WEXITSTATUS(f->main_status);
		else if (WIFSIGNALED(f->main_status))
			sig = WTERMSIG(f->main_status);
	}
	if (f->result == FSM_RESULT_NONE)
		f->result = FSM_RESULT_SUCCESS;
	clean = f->result == FSM_RESULT_SUCCESS || f->result == FSM_RESULT_EXEC_CONDITION;

	if (f->stop_asked) {
		f->stop_asked = false;
		if (f->want == FSM_WANT_UP) {   /* a restart, or started again meanwhile */
			begin_start(f, spec, a);
			return;
		}
		set_state(f, SVC_STOPPED);
		f->sub = FSM_SUB_DEAD;
		return;
	}
	if (f->result == FSM_RESULT_EXEC_CONDITION) {
		/* skipped, not failed: nobody waits for it any more */
		if (f->want == FSM_WANT_UP)
			f->want = FSM_WANT_NONE;
		set_state(f, SVC_STOPPED);
		f->sub = FSM_SUB_DEAD;
		return;
	}
	if (f->want != FSM_WANT_UP) {
		set_state(f, SVC_STOPPED);
		f->sub = FSM_SUB_DEAD;
		return;
	}
	if (spec->type == UNIT_ONESHOT && clean)
		restart = false;   /* a oneshot that succeeded is done */
	else
		restart = fsm_restart_wanted(spec, f->result, code, sig);
	if (f->result == FSM_RESULT_UNHEALTHY)   /* OnHealthFailure= decides, not Restart= */
		restart = spec->health.on_failure == UNIT_HEALTH_RESTART;

	if (!restart) {
		if (clean) {
			set_state(f, SVC_EXITED);
			f->sub = FSM_SUB_DEAD;
			f->ready = spec->type == UNIT_ONESHOT;
			a->action = spec->success_action;
		} else {
			set_state(f, SVC_FAILED);
			f->sub = FSM_SUB_FAILED;
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
		f->sub = FSM_SUB_FAILED;
		a->action = spec->failure_action;
		return;
	}
	set_state(f, SVC_RESTARTING);
	f->sub = FSM_SUB_AUTO_RESTART;
	a->disarm = true;
	a->arm = true;
	a->arm_usec = fsm_restart_delay(spec, f->restart_step);
	if (f->restart_step < spec->restart_steps)
		f->restart_step++;
	a->counted_restart = true;
}

/* A stop asked for (stop, restart, dependency, remove) in state f->state. */
static void ask_stop(struct fsm *f, const struct unit_spec *spec, uint64_t now,
		     struct fsm_actions *a)
{
	switch (f->state) {
	case SVC_PAUSED:
		a->thaw = true;
		/* fall through */
	case SVC_RUNNING:
	case SVC_EXITED:
		if (f->state == SVC_EXITED && f->sub != FSM_SUB_EXITED)
			break;   /* done already */
		f->stop_asked = true;
		if (f->sub == FSM_SUB_RELOAD && f->ctl_alive) {
			/* the reload's control process goes first */
			a->kill = true;
			a->kill_plan.control_sig = spec->kill_signal;
		}
		enter_stop(f, spec, now, a);
		break;
	case SVC_STARTING:
		if (f->checking) {   /* no process yet: down at once */
			end_check(f, a);
			a->disarm = true;
			set_state(f, SVC_STOPPED);
			f->sub = FSM_SUB_DEAD;
			break;
		}
		f->stop_asked = true;
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		break;
	case SVC_RESTARTING:
		a->disarm = true;
		set_state(f, SVC_STOPPED);
		f->sub = FSM_SUB_DEAD;
		break;
	case SVC_STOPPING:
		f->stop_asked = true;   /* it ends as stopped, whatever made it stop */
		break;
	default:
		break;
	}
}

/* The main process ended. */
static void main_exited(struct fsm *f, const struct unit_spec *spec, const struct fsm_input *in,
			struct fsm_actions *a)
{
	enum fsm_result r = fsm_result_of(spec, in->status);
	uint64_t now = in->now_usec;

	/* OOMPolicy=stop or kill: the OOM killer's SIGKILL is its own result */
	if (in->oom && spec->oom_policy != UNIT_OOM_CONTINUE && WIFSIGNALED(in->status) &&
	    WTERMSIG(in->status) == SIGKILL)
		r = FSM_RESULT_OOM_KILL;
	f->main_alive = false;
	f->main_status = in->status;
	f->have_main_status = true;
	switch (f->sub) {
	case FSM_SUB_START:
		a->disarm = true;
		if (spec->type == UNIT_FORKING && r == FSM_RESULT_SUCCESS) {
			/* the first process is done: the daemon it left is the unit
			 * (svcinit needs its pid: without one the start fails) */
			if (!in->main_known) {
				set_result(f, FSM_RESULT_RESOURCES);
				enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
				return;
			}
			f->main_alive = true;
			f->have_main_status = false;
			enter_start_post(f, spec, now, a);
			return;
		}
		if (spec->type == UNIT_ONESHOT && r == FSM_RESULT_SUCCESS) {
			enter_start_post(f, spec, now, a);
			return;
		}
		if (r == FSM_RESULT_SUCCESS && (unit_type_notifies(spec->type) ||
						 bus_waits(f, spec)))
			r = FSM_RESULT_PROTOCOL;   /* gone before READY=1, or before its BusName= */
		if (r == FSM_RESULT_SUCCESS && spec->type != UNIT_FORKING &&
		    spec->type != UNIT_ONESHOT) {
			/* simple/exec that ended before its exec was reported */
			f->started = true;
			enter_stop(f, spec, now, a);
			return;
		}
		set_result(f, r);
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		return;
	case FSM_SUB_START_POST:
	case FSM_SUB_RELOAD:
	case FSM_SUB_STOP:
		/* the control process goes on; what comes after it sees no main */
		if (r != FSM_RESULT_SUCCESS && !f->stop_asked)
			set_result(f, r);
		return;
	case FSM_SUB_RUNNING:
		a->disarm = true;
		set_result(f, r);
		enter_stop(f, spec, now, a);
		return;
	case FSM_SUB_STOP_SIGTERM:
	case FSM_SUB_STOP_SIGKILL:
		if (r != FSM_RESULT_SUCCESS && !f->stop_asked && f->result == FSM_RESULT_NONE)
			set_result(f, r);
		if (!f->ctl_alive) {
			a->disarm = true;
			enter_stop_post(f, spec, now, a);
		}
		return;
	default:
		return;   /* the late end of a process whose start failed: handled */
	}
}

/* The control process (a hook) ended. */
static void control_exited(struct fsm *f, const struct unit_spec *spec, const struct fsm_input *in,
			   struct fsm_actions *a)
{
	const struct unit_cmdlist *l = &spec->hooks[f->hook];
	unsigned flags = f->hook_idx < l->n ? l->v[f->hook_idx].flags : 0;
	bool ok = fsm_hook_ok(flags, in->status);
	uint64_t now = in->now_usec;
	enum fsm_result r = WIFSIGNALED(in->status) ?
		(WCOREDUMP(in->status) ? FSM_RESULT_CORE_DUMP : FSM_RESULT_SIGNAL) :
		FSM_RESULT_EXIT_CODE;

	if (!f->ctl_alive)
		return;
	f->ctl_alive = false;
	if (in->oom && spec->oom_policy != UNIT_OOM_CONTINUE && WIFSIGNALED(in->status) &&
	    WTERMSIG(in->status) == SIGKILL) {
		r = FSM_RESULT_OOM_KILL;   /* OOMPolicy=: whatever its '-' says */
		ok = false;
	}
	switch (f->sub) {
	case FSM_SUB_CONDITION:
		if (!ok && WIFEXITED(in->status) && WEXITSTATUS(in->status) < 255) {
			/* exit 1..254: skip the unit, cleanly */
			set_result(f, FSM_RESULT_EXEC_CONDITION);
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		} else if (!ok) {
			set_result(f, r);
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		} else if (!run_hook(f, spec, UNIT_HOOK_CONDITION, f->hook_idx + 1, a)) {
			enter_start_pre(f, spec, a);
		}
		return;
	case FSM_SUB_START_PRE:
		if (!ok) {
			set_result(f, r);
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		} else if (!run_hook(f, spec, UNIT_HOOK_START_PRE, f->hook_idx + 1, a)) {
			enter_start_main(f, spec, a);
		}
		return;
	case FSM_SUB_START_POST:
		if (!ok) {
			set_result(f, r);
			enter_stop(f, spec, now, a);   /* not started: no ExecStop= */
		} else if (!run_hook(f, spec, UNIT_HOOK_START_POST, f->hook_idx + 1, a)) {
			enter_running(f, spec, now, a);
		}
		return;
	case FSM_SUB_RELOAD:
		/* a failed reload leaves the unit running as it was (systemd) */
		if (!ok)
			f->reload_failed = true;
		if (!ok || !run_hook(f, spec, UNIT_HOOK_RELOAD, f->hook_idx + 1, a)) {
			if (f->stop_asked)
				return;
			f->sub = FSM_SUB_RUNNING;
			a->disarm = true;
			if (!f->main_alive)
				enter_running(f, spec, now, a);
		}
		return;
	case FSM_SUB_STOP:
		if (!ok)
			set_result(f, r);
		if (!run_hook(f, spec, UNIT_HOOK_STOP, f->hook_idx + 1, a))
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		return;
	case FSM_SUB_STOP_SIGTERM:
	case FSM_SUB_STOP_SIGKILL:
		if (!f->main_alive) {
			a->disarm = true;
			enter_stop_post(f, spec, now, a);
		}
		return;
	case FSM_SUB_STOP_POST:
		if (!ok)
			set_result(f, r);
		if (!run_hook(f, spec, UNIT_HOOK_STOP_POST, f->hook_idx + 1, a)) {
			a->disarm = true;
			enter_final(f, spec, now, a);
		}
		return;
	default:
		return;
	}
}

static void timed_out(struct fsm *f, const struct unit_spec *spec, uint64_t now,
		      struct fsm_actions *a)
{
	if (f->state == SVC_PAUSED)
		return;   /* no timer runs against a paused unit: a late one */
	if (f->state == SVC_STARTING && f->sub == FSM_SUB_RUNNING) {
		/* ReadyWhenHealthy=: no check passed within TimeoutStartSec= */
		set_result(f, FSM_RESULT_START_TIMEOUT);
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		return;
	}
	switch (f->sub) {
	case FSM_SUB_AUTO_RESTART:
		if (f->state == SVC_RESTARTING)
			begin_start(f, spec, a);
		break;
	case FSM_SUB_CONDITION:
	case FSM_SUB_START_PRE:
	case FSM_SUB_START:   /* never got ready */
		set_result(f, f->sub == FSM_SUB_START ? FSM_RESULT_START_TIMEOUT : FSM_RESULT_TIMEOUT);
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		break;
	case FSM_SUB_START_POST:
		set_result(f, FSM_RESULT_TIMEOUT);
		a->kill = true;
		a->kill_plan.control_sig = SIGKILL;
		f->ctl_alive = false;   /* its end is not waited for */
		enter_stop(f, spec, now, a);
		break;
	case FSM_SUB_RELOAD:
		/* a reload that hangs: its control process goes, the unit stays */
		f->reload_failed = true;
		if (f->ctl_alive) {
			a->kill = true;
			a->kill_plan.control_sig = SIGKILL;
			f->ctl_alive = false;
		}
		f->sub = FSM_SUB_RUNNING;
		break;
	case FSM_SUB_STOP:
		set_result(f, FSM_RESULT_TIMEOUT);
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		break;
	case FSM_SUB_STOP_SIGTERM:   /* KillSignal was not enough */
		if (!f->stop_asked)
			set_result(f, FSM_RESULT_TIMEOUT);
		if (spec->send_sigkill) {
			enter_signal(f, spec, FSM_SUB_STOP_SIGKILL, now, a);
		} else {
			f->main_alive = f->ctl_alive = false;   /* left behind, as systemd */
			enter_stop_post(f, spec, now, a);
		}
		break;
	case FSM_SUB_STOP_SIGKILL:
		/* a process that SIGKILL does not end (stuck in the kernel):
		 * go on without it */
		f->main_alive = f->ctl_alive = false;
		a->kill_all = true;
		enter_stop_post(f, spec, now, a);
		break;
	case FSM_SUB_STOP_POST:
		set_result(f, FSM_RESULT_TIMEOUT);
		a->kill = true;
		a->kill_plan.control_sig = SIGKILL;
		f->ctl_alive = false;
		enter_final(f, spec, now, a);
		break;
	default:
		break;
	}
}

bool fsm_step(struct fsm *f, const struct unit_spec *spec, const struct fsm_input *in,
	      struct fsm_actions *a)
{
	enum svc_state old = f->state;
	enum fsm_sub old_sub = f->sub;
	uint64_t now = in->now_usec;

	memset(a, 0, sizeof(*a));

	switch (in->event) {
	case FSM_QUEUE:
		if (f->want == FSM_WANT_REMOVE)
			break;
		/* on its way up already, or back up once down (a restart) */
		if (f->want == FSM_WANT_UP && f->state != SVC_STOPPED && f->state != SVC_EXITED &&
		    f->state != SVC_FAILED && f->state != SVC_RESTARTING &&
		    f->state != SVC_CONDITION_FAILED)
			break;
		f->want = FSM_WANT_QUEUED;
		break;

	case FSM_KEEP:
		if (f->want == FSM_WANT_REMOVE)
			f->want = FSM_WANT_NONE;
		break;

	case FSM_START:
	case FSM_RESTART:
		if (f->want == FSM_WANT_REMOVE)
			break;
		f->want = FSM_WANT_UP;
		if (in->event == FSM_RESTART || f->state == SVC_FAILED)
			reset_limits(f);
		switch (f->state) {
		case SVC_EXITED:
			if (f->sub == FSM_SUB_EXITED) {   /* RemainAfterExit=: up already */
				if (in->event == FSM_RESTART) {
					f->restarting = true;
					ask_stop(f, spec, now, a);
				}
				break;
			}
			/* fall through */
		case SVC_STOPPED:
		case SVC_FAILED:
		case SVC_CONDITION_FAILED:
			f->restart_step = 0;
			begin_start(f, spec, a);
			break;
		case SVC_RESTARTING:
			a->disarm = true;
			begin_start(f, spec, a);
			break;
		case SVC_STARTING:
			if (f->checking && in->event == FSM_RESTART) {
				end_check(f, a);   /* check again from the start */
				begin_start(f, spec, a);
				break;
			}
			/* fall through */
		case SVC_RUNNING:
		case SVC_PAUSED:
			if (in->event == FSM_RESTART) {
				f->restarting = true;
				ask_stop(f, spec, now, a);
			}
			break;
		case SVC_STOPPING:   /* comes back up once it is down */
			f->stop_asked = true;
			break;
		case SVC_STATE_MAX:
			break;
		}
		break;

	case FSM_STOP:
	case FSM_REMOVE:
	case FSM_DEP_FAILED:
		if (in->event == FSM_REMOVE)
			f->want = FSM_WANT_REMOVE;
		else if (f->want != FSM_WANT_REMOVE)
			f->want = in->event == FSM_STOP ? FSM_WANT_DOWN : FSM_WANT_NONE;
		if (in->event == FSM_DEP_FAILED)
			f->result = FSM_RESULT_DEPENDENCY;
		f->restarting = false;
		ask_stop(f, spec, now, a);
		break;

	case FSM_CONDITION:
		if (f->state != SVC_STARTING || !f->checking)
			break;   /* stopped meanwhile: the verdict is moot */
		f->checking = false;
		if (in->status != FSM_COND_OK)
			a->disarm = true;
		if (in->status == FSM_COND_OK) {
			start_exec_condition(f, spec, a);
		} else if (in->status == FSM_COND_SKIP) {
			/* skipped, as systemd: no error, no restart, no action */
			f->result = FSM_RESULT_SUCCESS;
			set_state(f, SVC_CONDITION_FAILED);
			f->sub = FSM_SUB_DEAD;
		} else {
			/* systemd fails the start job; no restart either */
			f->result = FSM_RESULT_ASSERT;
			set_state(f, SVC_FAILED);
			f->sub = FSM_SUB_FAILED;
		}
		break;

	case FSM_SPAWNED:
		if (f->state != SVC_STARTING || f->sub != FSM_SUB_START)
			break;
		f->spawned_usec = now;
		/* simple, exec, idle: up once the exec is done; notify waits
		 * for READY=1, dbus for its BusName= (FSM_BUS; without a bus as
		 * simple), forking and oneshot for the process's end */
		if (spec->type != UNIT_NOTIFY && spec->type != UNIT_NOTIFY_RELOAD &&
		    spec->type != UNIT_FORKING && spec->type != UNIT_ONESHOT && !bus_waits(f, spec))
			enter_start_post(f, spec, now, a);
		break;

	case FSM_BUS:
		if (spec->type != UNIT_DBUS)
			break;
		if (in->status && f->state == SVC_STARTING && f->sub == FSM_SUB_START) {
			/* the name has an owner: started (systemd.service(5));
			 * or the bus went away meanwhile (bus_absent): as simple */
			a->disarm = true;
			enter_start_post(f, spec, now, a);
		} else if (!in->status && !f->bus_absent && f->sub == FSM_SUB_RUNNING &&
			   f->main_alive && (f->state == SVC_RUNNING || f->state == SVC_STARTING)) {
			/* released: "no longer functional", its processes are
			 * stopped (ExecStop=, KillSignal=), the end says the result */
			a->disarm = true;
			enter_stop(f, spec, now, a);
		}
		break;

	case FSM_SPAWN_FAILED:
		if (f->state != SVC_STARTING)
			break;
		if (f->sub == FSM_SUB_START) {
			f->main_alive = false;
			set_result(f, FSM_RESULT_SPAWN);
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		}
		break;

	case FSM_READY:
		if (f->state == SVC_STARTING && f->sub == FSM_SUB_START &&
		    unit_type_notifies(spec->type)) {
			a->disarm = true;
			enter_start_post(f, spec, now, a);
		} else if (f->sub == FSM_SUB_RELOAD && !f->ctl_alive) {
			a->disarm = true;   /* notify-reload: READY=1 after the SIGHUP */
			f->sub = FSM_SUB_RUNNING;
		}
		break;

	case FSM_EXITED:
		if (f->checking)
			break;   /* no process of its own yet: not its end */
		if (f->state == SVC_PAUSED) {   /* thawed first, then as if it ran */
			bool was_ready = f->ready;

			set_state(f, was_ready ? SVC_RUNNING : SVC_STARTING);
			f->ready = was_ready;
		}
		main_exited(f, spec, in, a);
		if (old == SVC_PAUSED)
			a->thaw = true;
		break;

	case FSM_CONTROL_EXITED:   /* never while paused (FSM_PAUSE waits for none) */
		control_exited(f, spec, in, a);
		break;

	case FSM_RELOAD:
		if (f->state != SVC_RUNNING || f->sub != FSM_SUB_RUNNING)
			break;
		f->reload_failed = false;
		if (run_hook(f, spec, UNIT_HOOK_RELOAD, 0, a)) {
			f->sub = FSM_SUB_RELOAD;
			arm(a, spec->timeout_start_usec);
		} else if (spec->type == UNIT_NOTIFY_RELOAD && f->main_alive) {
			f->sub = FSM_SUB_RELOAD;
			a->reload_signal = true;
			arm(a, spec->timeout_start_usec);
		}
		break;

	case FSM_TIMEOUT:
		if (f->checking)
			break;   /* svc.c's own deadline ends a check */
		timed_out(f, spec, now, a);
		break;

	case FSM_WATCHDOG:
		if (!f->main_alive || !(f->state == SVC_RUNNING ||
					(f->state == SVC_STARTING && f->sub >= FSM_SUB_START)))
			break;
		/* SIGABRT as KillMode= says, TimeoutAbortSec=, then as a stop */
		set_result(f, FSM_RESULT_WATCHDOG);
		if (f->ctl_alive && f->sub == FSM_SUB_RELOAD)
			f->sub = FSM_SUB_RUNNING;
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		break;

	case FSM_OOM:
		/* OOMPolicy=stop or kill (systemd.service(5)): the unit goes
		 * down, result oom-kill (KillMode= as a stop; with kill the
		 * kernel took the whole cgroup already); continue: nothing */
		if (spec->oom_policy == UNIT_OOM_CONTINUE || f->checking)
			break;
		if (f->state == SVC_STOPPING) {
			set_result(f, FSM_RESULT_OOM_KILL);
			break;
		}
		if (f->state != SVC_RUNNING && f->state != SVC_STARTING)
			break;
		set_result(f, FSM_RESULT_OOM_KILL);
		a->disarm = true;
		if (f->ctl_alive && f->sub == FSM_SUB_RELOAD)
			f->sub = FSM_SUB_RUNNING;
		enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
		break;

	case FSM_HEALTH_OK:
		if (spec->health.kind == UNIT_HEALTH_NONE ||
		    (f->state != SVC_STARTING && f->state != SVC_RUNNING))
			break;   /* paused, or on its way down: no verdict counts */
		f->health = FSM_HEALTH_HEALTHY;
		f->health_failures = 0;
		if (f->state == SVC_STARTING && health_gates(spec) &&
		    f->sub == FSM_SUB_RUNNING && f->main_alive) {
			a->disarm = true;
			set_state(f, SVC_RUNNING);
			f->ready = true;
			f->ready_since = now;
		}
		break;

	case FSM_HEALTH_FAIL:
		if (spec->health.kind == UNIT_HEALTH_NONE ||
		    (f->state != SVC_STARTING && f->state != SVC_RUNNING) || !f->main_alive)
			break;
		if (now - f->spawned_usec < spec->health.start_period_usec)
			break;   /* the start period: failures do not count */
		if (++f->health_failures < spec->health.retries || f->health == FSM_HEALTH_UNHEALTHY)
			break;   /* not yet; or unhealthy already, and its action was taken */
		f->health = FSM_HEALTH_UNHEALTHY;
		switch (spec->health.on_failure) {
		case UNIT_HEALTH_RESTART:
		case UNIT_HEALTH_STOP:
			/* down as KillMode= says; enter_dead decides on a restart */
			set_result(f, FSM_RESULT_UNHEALTHY);
			if (f->ctl_alive && f->sub == FSM_SUB_RELOAD)
				f->sub = FSM_SUB_RUNNING;
			enter_signal(f, spec, FSM_SUB_STOP_SIGTERM, now, a);
			break;
		case UNIT_HEALTH_EXIT:
			a->action = UNIT_ACTION_EXIT;
			a->action_code = 1;
			break;
		case UNIT_HEALTH_POWEROFF:
			a->action = UNIT_ACTION_POWEROFF;
			a->action_code = 1;
			break;
		case UNIT_HEALTH_REBOOT:
			a->action = UNIT_ACTION_REBOOT;
			a->action_code = 1;
			break;
		case UNIT_HEALTH_IGNORE:
			break;
		}
		break;

	case FSM_PAUSE:
		/* not while a hook runs: its end would move the unit on frozen */
		if ((f->state == SVC_STARTING || f->state == SVC_RUNNING) && !f->ctl_alive &&
		    !f->checking) {
			/* ready stays as it was: it tells what to resume to */
			set_state(f, SVC_PAUSED);
			a->freeze = true;
			a->disarm = true;   /* no timeout runs against a paused unit */
		}
		break;

	case FSM_RESUME:
		if (f->state == SVC_PAUSED) {
			bool was_ready = f->ready;

			set_state(f, was_ready ? SVC_RUNNING : SVC_STARTING);
			f->ready = was_ready;
			a->thaw = true;
			if (f->state == SVC_STARTING && spec->timeout_start_usec != UNIT_INFINITY) {
				a->arm = true;
				a->arm_usec = spec->timeout_start_usec;
			}
		}
		break;
	case FSM_EVENT_MAX:
		break;
	}
	return f->state != old || f->sub != old_sub;
}
