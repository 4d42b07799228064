/* SPDX-License-Identifier: MIT */
/*
 * svc.c: running units. What is wanted of a unit and what it does are both
 * fsm.c's: every change goes through fsm_step() as an event (the admin's
 * start, stop, restart; the graph's queue and dependency failures; a
 * reload's remove and keep); this file carries out the actions it returns
 * (spawn, kill, timers, freezer) and feeds back what happened (spawned,
 * exited, timed out). The exec plan is built by plan.c, the output read by
 * output.c, the graph kept by deps.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/dirs.h"
#include "services/output.h"
#include "services/svc-internal.h"
#include "services/trig.h"
#include "units/value.h"

#define SVC_KILL_ROUNDS   500    /* SIGKILL rounds without cgroup.kill ... */
#define SVC_KILL_EVERY    0.02   /* ... this many seconds apart */

struct svc_mgr svc_mgr;



const char *svc_state_name(const struct svc *s)
{
	return fsm_state_to_string(s->fsm.state);
}

size_t svc_count(void)
{
	return svc_mgr.n;
}

struct svc *svc_at(size_t i)
{
	return i < svc_mgr.n ? svc_mgr.v[i] : NULL;
}

/* ---- units by name ------------------------------------------------------ */

/* Linear probing, at most half full; deleted by shifting back, so that no
 * tombstone ever slows a lookup. */
static struct svc *svc_find_alias(const char *name);

struct svc *svc_find(const char *name)
{
	if (!svc_mgr.by_name || !name)
		return NULL;
	for (size_t i = deps_hash(name) & svc_mgr.by_name_mask;; i = (i + 1) & svc_mgr.by_name_mask) {
		struct svc *s = svc_mgr.by_name[i];

		if (s && strcmp(s->spec->name, name) == 0)
			return s;
		if (!s)
			return svc_find_alias(name);
	}
}

/* An alias (units/load.c keeps them in spec->alias as full names): "web2"
 * or "web2.service". Aliases are few: a scan. */
static struct svc *svc_find_alias(const char *name)
{
	char full[UNIT_NAME_MAX + 16];

	snprintf(full, sizeof(full), "%s%s", name, strchr(name, '.') ? "" : ".service");
	for (size_t i = 0; i < svc_mgr.n; i++)
		if (unit_strv_contains(svc_mgr.v[i]->spec->alias, full) ||
		    unit_strv_contains(svc_mgr.v[i]->spec->alias, name))
			return svc_mgr.v[i];
	return NULL;
}

static void by_name_put(struct svc **t, size_t mask, struct svc *s)
{
	size_t i = deps_hash(s->spec->name) & mask;

	while (t[i])
		i = (i + 1) & mask;
	t[i] = s;
}

/* Room for one more unit. Returns 0 or -ENOMEsvc_mgr. */
static int by_name_reserve(void)
{
	size_t cap = svc_mgr.by_name ? svc_mgr.by_name_mask + 1 : 0, want = 64;
	struct svc **t;

	while (want < 2 * (svc_mgr.n + 1))
		want *= 2;
	if (want <= cap)
		return 0;
	t = calloc(want, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		if (svc_mgr.by_name[i])
			by_name_put(t, want - 1, svc_mgr.by_name[i]);
	free(svc_mgr.by_name);
	svc_mgr.by_name = t;
	svc_mgr.by_name_mask = want - 1;
	return 0;
}

static void by_name_del(const struct svc *s)
{
	size_t i, j, k, mask = svc_mgr.by_name_mask;

	if (!svc_mgr.by_name)
		return;
	for (i = deps_hash(s->spec->name) & mask; svc_mgr.by_name[i] != s; i = (i + 1) & mask)
		if (!svc_mgr.by_name[i])
			return;
	svc_mgr.by_name[i] = NULL;
	/* move back what probed past the hole */
	for (j = (i + 1) & mask; svc_mgr.by_name[j]; j = (j + 1) & mask) {
		k = deps_hash(svc_mgr.by_name[j]->spec->name) & mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;   /* its home lies after the hole: it stays */
		svc_mgr.by_name[i] = svc_mgr.by_name[j];
		svc_mgr.by_name[j] = NULL;
		i = j;
	}
}

/* ---- warnings and errors ---------------------------------------------- */

void svc_warnings_clear(struct svc *s)
{
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	s->n_warnings = 0;
}

void svc_warn_add(struct svc *s, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (s->n_warnings >= SVC_WARN_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m)
		return;
	for (size_t i = 0; i < s->n_warnings; i++) {
		if (strcmp(s->warnings[i], m) == 0) {   /* same warning again: once */
			free(m);
			return;
		}
	}
	log_warn("%s: %s", s->spec->name, m);
	s->warnings[s->n_warnings++] = m;
}

/* What the unit file said that svcinit ignores (units/keys.c: "KEY= is not
 * supported: ignored"), listed with the unit's other warnings. */
void svc_warnings_from_spec(struct svc *s)
{
	for (char **w = s->spec->warnings; w && *w; w++)
		svc_warn_add(s, "%s", *w);
}

/* No cgroup for the unit: every limit it asks for is a warning of its own. */
void svc_warn_limits(struct svc *s, const char *why)
{
	static const char *const keys[] = { "MemoryMax", "MemoryHigh", "CPUWeight", "CPUQuota",
					    "TasksMax", "IOWeight", "AllowedCPUs" };

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (s->spec->limits_set & (1u << i))
			svc_warn_add(s, "%s=: not applied: no cgroup for the unit (%s)", keys[i], why);
	if (!s->spec->limits_set)
		log_debug("%s: no cgroup for the unit (%s)", s->spec->name, why);
}


/* ---- cgroup ---------------------------------------------------------------- */

static void freeze_unwatch(struct svc *s);

static void cgroup_release(struct svc *s)
{
	if (!s->cg)
		return;
	s->wait_empty = false;
	freeze_unwatch(s);   /* the events fd belongs to the cgroup */
	svc_oom_unwatch(s);  /* so does the OOM one */
	s->cg_delegated = false;
	ev_timer_stop(svc_mgr.loop, &s->kill_timer);
	cg_unit_free(s->cg);
	s->cg_applied = NULL;
	s->cg = NULL;
}

void svc_root_release(struct svc *s)
{
	if (!s->root)
		return;
	rootfs_cleanup(s->root);
	rootfs_plan_free(s->root);
	s->root = NULL;
}

/* ---- freezer ------------------------------------------------------------------ */

/* One watcher on the cgroup's events serves the freezer and the wait for
 * "populated 0": inotify on v2 cgroup.events, else a 10 ms timer. */
void svc_cg_watch_update(struct svc *s)
{
	int fd;

	if (!s->cg || (s->freeze_want < 0 && !s->wait_empty)) {
		ev_io_stop(svc_mgr.loop, &s->freeze_io);
		ev_timer_stop(svc_mgr.loop, &s->freeze_poll);
		return;
	}
	fd = cg_unit_events_fd(s->cg);
	if (fd >= 0) {
		if (!ev_is_active(&s->freeze_io)) {
			ev_io_set(&s->freeze_io, fd, EV_READ);
			ev_io_start(svc_mgr.loop, &s->freeze_io);
		}
	} else if (!ev_is_active(&s->freeze_poll)) {
		ev_timer_set(&s->freeze_poll, 0.01, 0.01);
		ev_timer_start(svc_mgr.loop, &s->freeze_poll);
	}
}

static void freeze_unwatch(struct svc *s)
{
	s->freeze_want = -1;
	svc_cg_watch_update(s);
}

/* Has the kernel done it? Then stop watching and tell the waiting clients. */
static void freeze_check(struct svc *s)
{
	int r;

	if (s->freeze_want < 0 || !s->cg)
		return;
	r = cg_unit_frozen(s->cg);
	if (r == s->freeze_want || r < 0) {
		freeze_unwatch(s);
		if (svc_mgr.hooks.changed)
			svc_mgr.hooks.changed(s);
	}
}

static void svc_settle(struct svc *s);

/* Removed by a reload, down, and its cgroup empty: it can go. */
static bool svc_freeable(const struct svc *s)
{
	return s->fsm.want == FSM_WANT_REMOVE && s->fsm.state != SVC_STOPPING && s->pid == 0 &&
	       s->ctl.pid == 0 && !s->wait_empty;
}

/* A unit down for good waited for its cgroup to empty: give it back now. */
void svc_empty_check(struct svc *s)
{
	if (!s->wait_empty || (s->cg && !cg_unit_empty(s->cg)))
		return;
	s->wait_empty = false;
	svc_cg_watch_update(s);
	svc_settle(s);
	if (svc_mgr.hooks.changed)
		svc_mgr.hooks.changed(s);   /* a stop waiting for the last process is done */
	if (s->uphold_pending && !ev_is_active(&svc_mgr.uphold_w))
		ev_timer_start(svc_mgr.loop, &svc_mgr.uphold_w);
	if (svc_freeable(s)) {
		svc_free(s);   /* last: s is gone */
		svc_deps_update();   /* its dependents now miss it */
	}
}

static void freeze_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;
	char buf[1024];

	while (read(w->fd, buf, sizeof(buf)) > 0)
		;   /* drain the inotify events; the state is read from the file */
	freeze_check(s);
	svc_empty_check(s);
}

static void freeze_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	freeze_check(w->data);
	svc_empty_check(w->data);
}

static void svc_freeze(struct svc *s, bool freeze)
{
	int r;

	if (!s->cg)
		return;
	freeze_unwatch(s);
	r = cg_unit_freeze(s->cg, freeze);
	if (r < 0) {
		svc_warn_add(s, "unable to %s: %s", freeze ? "freeze" : "thaw", strerror(-r));
		return;
	}
	s->freeze_want = freeze;
	svc_cg_watch_update(s);
	freeze_check(s);   /* it may be done already */
}

bool svc_frozen(struct svc *s)
{
	return s->cg && s->freeze_want < 0 && cg_unit_frozen(s->cg) == 1;
}

/* ---- carrying out actions ----------------------------------------------- */

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	svc_event(w->data, FSM_TIMEOUT, 0);
}

/* The main process (and with group, when there is no cgroup to reach the
 * rest, its process group: it leads its own session). */
static void svc_signal_main(struct svc *s, int sig, bool group)
{
	if (s->pid <= 0)
		return;
	if (s->main_pidfd >= 0) {
		/* MAINPID=: through its pidfd; gone means gone, never a reused pid */
		(void)syscall(SYS_pidfd_send_signal, s->main_pidfd, sig, NULL, 0);
		return;
	}
	if (s->reaper_fd >= 0 || s->main_pid != s->pid) {
		(void)kill(s->main_pid, sig);   /* the service behind its reaper */
		return;
	}
	/* the service leads its own session; its group goes with it */
	if (!group || killpg(s->pid, sig) < 0)
		(void)kill(s->pid, sig);
}

/* The control process: the command itself (behind its reaper when it
 * entered the unit's PID namespace), and its reaper for SIGKILL. */
static void ctl_signal(struct svc *s, int sig)
{
	if (s->ctl.pid <= 0)
		return;
	if (s->ctl.inner_pid > 0)
		(void)kill(s->ctl.inner_pid, sig);
	if (s->ctl.inner_pid <= 0 || sig == SIGKILL) {
		if (s->ctl.reaper_fd >= 0 || killpg(s->ctl.pid, sig) < 0)
			(void)kill(s->ctl.pid, sig);
	}
}

static void svc_kill_all(struct svc *s);

/* Every other process of the unit's cgroup: not the main and control
 * processes (they got their own signal) nor the reapers (they would pass
 * it on a second time). */
static void group_signal(struct svc *s, int sig)
{
	pid_t pids[1024];
	int n;

	if (sig == SIGKILL) {
		svc_kill_all(s);
		return;
	}
	if (!s->cg) {
		if (s->pid > 0 && s->reaper_fd < 0 && s->main_pidfd < 0)
			(void)killpg(s->pid, sig);
		return;
	}
	n = cg_unit_pids(s->cg, pids, (int)(sizeof(pids) / sizeof(pids[0])));
	if (n == -E2BIG)
		n = (int)(sizeof(pids) / sizeof(pids[0]));   /* the first ones; SIGKILL gets all */
	for (int i = 0; i < n; i++) {
		pid_t p = pids[i];

		if (p == s->main_pid || p == s->ctl.inner_pid ||
		    (p == s->pid && s->reaper_fd >= 0) || (p == s->ctl.pid && s->ctl.reaper_fd >= 0))
			continue;
		if (p == s->ctl.pid && s->ctl.inner_pid <= 0)
			continue;
		(void)kill(p, sig);
	}
}

/* The main and the control process first, then the rest of the cgroup, as
 * systemd orders it: a shell without a trap for the signal ends before it
 * can see its child die of it and run its next command (on one CPU the
 * child's SIGCHLD could wake it between two kill()s). */
static void svc_kill_plan(struct svc *s, const struct fsm_kill_plan *p)
{
	if (p->main_sig)
		svc_signal_main(s, p->main_sig, p->group_sig != 0);
	if (p->control_sig)
		ctl_signal(s, p->control_sig);
	if (p->group_sig)
		group_signal(s, p->group_sig);
	if (p->sighup) {   /* SendSIGHUP=: for shells and the like */
		if (p->main_sig)
			svc_signal_main(s, SIGHUP, p->group_sig != 0);
		if (p->group_sig)
			group_signal(s, SIGHUP);
	}
}

/* Without cgroup.kill a SIGKILL is a round over cgroup.procs: go on, a
 * round per tick, until the cgroup is empty (bounded). */
static void kill_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;
	int r;

	if (!s->cg || cg_unit_empty(s->cg)) {
		ev_timer_stop(loop, w);
		return;
	}
	if (++s->kill_rounds > SVC_KILL_ROUNDS) {
		ev_timer_stop(loop, w);
		log_warn("%s: processes left in the cgroup after %u SIGKILL rounds",
			 s->spec->name, SVC_KILL_ROUNDS);
		return;
	}
	r = cg_unit_kill(s->cg, SIGKILL);
	if (r <= 0)
		ev_timer_stop(loop, w);
}

static void svc_kill_all(struct svc *s)
{
	int r = 0;

	if (s->cg && !cg_unit_empty(s->cg)) {   /* usually empty: the main process was all */
		r = cg_unit_kill(s->cg, SIGKILL);
		if (r > 0 && !ev_is_active(&s->kill_timer)) {
			s->kill_rounds = 0;
			ev_timer_set(&s->kill_timer, SVC_KILL_EVERY, SVC_KILL_EVERY);
			ev_timer_start(svc_mgr.loop, &s->kill_timer);
		}
	}
	if (s->pid > 0) {
		/* a reaper takes its whole PID namespace with it */
		(void)kill(s->pid, SIGKILL);
		if (s->reaper_fd < 0)
			(void)killpg(s->pid, SIGKILL);
	}
	if (r < 0 && r != -ENOENT)
		log_debug("%s: unable to kill cgroup: %s", s->spec->name, strerror(-r));
}

/* Carry out a transition's actions. Returns true when a start it asked for
 * failed at once: *ret_ev (FSM_SPAWN_FAILED, or FSM_CONTROL_EXITED with
 * *ret_status) follows; else the channel and the reaper tell. */
static bool svc_apply(struct svc *s, const struct fsm_actions *a, enum fsm_event *ret_ev,
		      int *ret_status)
{
	bool failed = false;

	if (a->thaw)
		svc_freeze(s, false);
	if (a->freeze)
		svc_freeze(s, true);
	if (a->kill)
		svc_kill_plan(s, &a->kill_plan);
	if (a->kill_all)
		svc_kill_all(s);
	if (a->disarm)
		ev_timer_stop(svc_mgr.loop, &s->timer);
	if (a->counted_restart)
		s->restarts++;
	if (a->cancel_check)
		svc_cond_cancel(s);
	if (a->check)
		svc_cond_start(s);
	if (a->reload_signal)
		svc_signal_main(s, SIGHUP, false);
	if (a->run_hook) {
		if (svc_spawn_proc(s, a->hook_idx, true, a->hook) < 0) {
			log_err("%s: %s: %s", s->spec->name, unit_hook_key(a->hook), s->error);
			failed = true;
			*ret_ev = FSM_CONTROL_EXITED;
			*ret_status = 203 << 8;   /* systemd's EXIT_EXEC: '-' ignores it too */
		} else {
			const struct unit_cmd *c = &s->spec->hooks[a->hook].v[a->hook_idx];

			log_info("%s: %s: %s", s->spec->name, unit_hook_key(a->hook),
				 c->path ? c->path : c->argv[0]);
		}
	}
	if (a->spawn) {
		if (s->have_exit)   /* it ran before: svcctl logs shows where it starts again */
			output_mark(s, "-- started again --");
		if (svc_spawn_cmd(s, 0) < 0) {
			log_err("%s: %s", s->spec->name, s->error);
			failed = true;
			*ret_ev = FSM_SPAWN_FAILED;
			*ret_status = 0;
		}
	}
	if (a->arm) {
		ev_timer_stop(svc_mgr.loop, &s->timer);
		ev_timer_set(&s->timer, (double)a->arm_usec / 1e6, 0.);
		ev_timer_start(svc_mgr.loop, &s->timer);
	}
	return failed;
}

static int exit_code_of(const struct svc *s)
{
	if (s->exit_signal)
		return 128 + s->exit_signal;
	return s->exit_code > 0 ? s->exit_code : 0;
}


/* Once a unit is down for good: give back its cgroup and staging dir, when
 * the cgroup is empty (its last processes may still be dying: then once the
 * kernel says "populated 0", svc_empty_check). */
static void svc_settle(struct svc *s)
{
	enum svc_state st = s->fsm.state;

	if (s->pid > 0 || s->ctl.pid > 0 ||
	    (st != SVC_STOPPED && st != SVC_EXITED && st != SVC_FAILED &&
	     st != SVC_CONDITION_FAILED) || s->fsm.sub == FSM_SUB_EXITED)
		return;
	if (s->cg && !cg_unit_empty(s->cg) &&
	    (s->spec->kill_mode == UNIT_KILL_PROCESS || s->spec->kill_mode == UNIT_KILL_NONE))
		return;   /* what KillMode= left running keeps the cgroup (as systemd) */
	if (s->cg && !cg_unit_empty(s->cg)) {
		s->wait_empty = true;
		svc_cg_watch_update(s);
		return;
	}
	cgroup_release(s);
	svc_root_release(s);
	svc_dyn_release(s);   /* its processes are gone: the uid may go to another unit */
	if (s->spec->attrs.runtime_preserve != UNIT_PRESERVE_YES)
		dirs_remove_runtime(s->spec);   /* RuntimeDirectoryPreserve= */
}

/* OnFailure=/OnSuccess=: a unit that failed (not an Assert*=: systemd's
 * unit does not enter "failed" then), or that ended well (exited, or
 * stopped from up with a clean end), starts the units named; they are
 * started from the graph's queue (svc_deps_step), not from within this step. */
static void on_end(struct svc *s, enum svc_state old)
{
	enum svc_state st = s->fsm.state;
	bool from_up = old == SVC_STARTING || old == SVC_RUNNING || old == SVC_PAUSED ||
		       old == SVC_STOPPING;

	if (st == SVC_FAILED && s->fsm.result != FSM_RESULT_ASSERT)
		s->on_pending = 1;
	else if (from_up && (st == SVC_EXITED || st == SVC_STOPPED) &&
		 s->fsm.result == FSM_RESULT_SUCCESS)
		s->on_pending = 2;
	else
		return;
	if (svc_has_node(s))
		deps_queue_push(svc_mgr.g, s->node);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;

	ev_timer_stop(loop, w);
	log_warn("%s: watchdog timeout (WatchdogSec=%.3fs without WATCHDOG=1)", s->spec->name,
		 (double)s->spec->watchdog_usec / 1e6);
	svc_event(s, FSM_WATCHDOG, 0);
}

/* WatchdogSec= runs while the main process does (from its start), not while
 * the unit is paused or on its way down. */
static void watchdog_update(struct svc *s)
{
	const struct fsm *f = &s->fsm;
	uint64_t w = s->spec->watchdog_usec;
	bool on = w && w != UNIT_INFINITY && f->main_alive &&
		  (f->state == SVC_RUNNING || (f->state == SVC_STARTING && f->sub >= FSM_SUB_START));

	if (!on) {
		ev_timer_stop(svc_mgr.loop, &s->watchdog);
		return;
	}
	if (!ev_is_active(&s->watchdog)) {
		s->watchdog.repeat = (double)w / 1e6;
		ev_timer_again(svc_mgr.loop, &s->watchdog);
	}
}

/* A definition a reload left waiting is taken up between two runs: no
 * process of the unit is there and it is not on its way up or up. */
static void take_next_spec(struct svc *s)
{
	switch (s->fsm.sub) {
	case FSM_SUB_CONDITION: case FSM_SUB_START_PRE: case FSM_SUB_START:
	case FSM_SUB_START_POST: case FSM_SUB_RUNNING: case FSM_SUB_RELOAD:
		return;
	default:
		break;
	}
	if (!s->next_spec || s->pid > 0 || s->ctl.pid > 0)
		return;
	unit_spec_free(s->spec);
	s->spec = s->next_spec;
	s->next_spec = NULL;
	s->cg_applied = NULL;
}

void svc_event_in(struct svc *s, enum fsm_event ev, int status, bool main_known)
{
	/* a spawn feeds back SPAWN_FAILED or CONTROL_EXITED when it failed at
	 * once, which may spawn again: every round moves on to the next hook
	 * or phase (a restart goes through the timer), so this is bounded */
	bool more = true;

	if (s->pidfile_wait && ev != FSM_EXITED) {
		/* anything else (a stop, the start timeout) ends the wait for
		 * PIDFile=: the first process's end is told first, without a
		 * daemon found */
		s->pidfile_wait = false;
		ev_timer_stop(svc_mgr.loop, &s->pidfile_timer);
		if (!s->error[0])
			snprintf(s->error, sizeof(s->error), "PIDFile=%s: not written in time",
				 s->spec->pid_file);
		log_err("%s: %s", s->spec->name, s->error);
		svc_event_in(s, FSM_EXITED, s->pidfile_status, false);
		if (ev == FSM_TIMEOUT)
			return;   /* that was the start timeout: handled */
	}

	for (int guard = 0; guard < 4096 && more; guard++) {
		struct fsm_input in = { .event = ev, .now_usec = now_usec(), .status = status,
					.main_known = main_known,
					.oom = (ev == FSM_EXITED || ev == FSM_CONTROL_EXITED) &&
					       s->oom_exit };
		struct fsm_actions a;
		enum svc_state old;
		bool changed;

		take_next_spec(s);
		old = s->fsm.state;
		changed = fsm_step(&s->fsm, s->spec, &in, &a);
		if (changed) {
			s->since = (int64_t)time(NULL);
			log_debug("%s: %s (%s)", s->spec->name, svc_state_name(s),
				  fsm_sub_to_string(s->fsm.sub));
			on_end(s, old);
			svc_ipc_changed(s, old);
		}
		more = svc_apply(s, &a, &ev, &status);
		main_known = false;
		watchdog_update(s);
		if (changed) {
			svc_deps_touch(s);
			svc_deps_update();
		}
		if (changed && svc_mgr.hooks.changed)
			svc_mgr.hooks.changed(s);
		if (a.action != UNIT_ACTION_NONE && svc_mgr.hooks.action)
			svc_mgr.hooks.action(s, a.action, a.action_code ? a.action_code : exit_code_of(s));
	}
	svc_bus_sync(s);
	svc_settle(s);
	health_sync(s);
}

void svc_health_verdict(struct svc *s, int verdict)
{
	if (verdict >= 0)
		svc_event(s, verdict ? FSM_HEALTH_OK : FSM_HEALTH_FAIL, 0);
	if (svc_mgr.hooks.changed)
		svc_mgr.hooks.changed(s);   /* status shows it; svcctl health gets its answer */
}

bool svc_holds_pid(struct svc *s, pid_t pid)
{
	return !s->cg || svc_pid_in_cgroup(s, pid);
}

int svc_kill(struct svc *s, int sig, bool main)
{
	int pfd, r = 0;

	if (s->pid <= 0 || s->main_pid <= 0)
		return -ESRCH;
	if (!main) {
		if (s->cg) {
			r = cg_unit_kill(s->cg, sig);
			return r < 0 ? r : 0;
		}
		svc_signal_main(s, sig, true);   /* no cgroup: the main process and its group */
		return 0;
	}
	if (s->main_pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, s->main_pidfd, sig, NULL, 0) < 0 ? -errno : 0;
	/* a pidfd first, then the check that it is the unit's: the signal
	 * reaches that very process, never one that took its pid later */
	pfd = (int)syscall(SYS_pidfd_open, s->main_pid, 0);
	if (pfd < 0)
		return -errno;
	if (!svc_holds_pid(s, s->main_pid))
		r = -ESRCH;   /* gone, and its pid taken by another process */
	else if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		r = -errno;
	(void)close(pfd);
	return r;
}

void svc_event(struct svc *s, enum fsm_event ev, int status)
{
	svc_event_in(s, ev, status, false);
}

/* ---- the public verbs ------------------------------------------------------ */

/* Wants= and Requires= bring their units up too: every unit they reach
 * that is not wanted already, not done and not removed. */
static bool pull_candidate(const struct svc *d)
{
	return d && (d->fsm.want == FSM_WANT_NONE || d->fsm.want == FSM_WANT_DOWN) &&
	       d->fsm.state != SVC_EXITED && d->fsm.state != SVC_FAILED &&
	       d->fsm.state != SVC_CONDITION_FAILED;
}

static bool pull_follow(uint32_t v, void *ctx)
{
	const struct svc *d = svc_node_svc(v);

	return d == ctx || pull_candidate(d);
}

/* Wanted up: wait for the dependencies, then start (svc_deps_update()). */
void svc_want(struct svc *s)
{
	if (fsm_state_active(s->fsm.state) || s->fsm.state == SVC_STARTING)
		return;
	s->error[0] = '\0';
	svc_event(s, FSM_QUEUE, 0);
	deps_queue_push(svc_mgr.g, s->node);
}

int svc_start_set(struct svc **set, size_t count)
{
	int r;

	for (size_t k = 0; k < count; k++)
		if (!svc_has_node(set[k]))
			svc_mgr.graph_dirty = true;
	r = svc_deps_ensure();
	if (r < 0)
		return r;
	/* every one wanted before any starts, so that After= between them
	 * holds (svcctl start a b, a After=b: a waits for b) */
	for (size_t k = 0; k < count; k++) {
		struct svc *s = set[k];
		const uint32_t *v;
		size_t n;

		/* iterative, each unit once: a cycle of Wants= is walked around once */
		v = deps_walk(svc_mgr.g, s->node, DEPS_PULLS, pull_follow, s, &n);
		for (size_t i = 1; i < n; i++) {
			struct svc *d = svc_node_svc(v[i]);

			if (pull_candidate(d))
				svc_want(d);
		}
		svc_want(s);
	}
	svc_deps_update();
	return 0;
}

/* Start the units s names under kind (OnFailure=, OnSuccess=). */
int svc_start_names(struct svc *s, enum deps_kind kind)
{
	struct svc *set[UNIT_LIST_MAX];
	size_t n, k = 0;
	const struct deps_edge *e = deps_edges(svc_mgr.g, s->node, &n);

	for (size_t i = 0; i < n && k < UNIT_LIST_MAX; i++) {
		if (e[i].kind != kind)
			continue;
		if (!svc_node_svc(e[i].to)) {
			log_warn("%s: %s=%s: no such unit", s->spec->name, deps_kind_name(kind),
				 e[i].name);
			continue;
		}
		log_info("%s: starting %s (%s=)", s->spec->name, e[i].name, deps_kind_name(kind));
		set[k++] = svc_node_svc(e[i].to);
	}
	return k ? svc_start_set(set, k) : 0;
}

/* The units that are PartOf= s, transitively (a copy: the walk's array is
 * the graph's). *ret is malloc'ed; returns how many, or -ENOMEsvc_mgr. */
ssize_t svc_part_of(struct svc *s, struct svc ***ret)
{
	size_t n, k = 0;
	const uint32_t *v;
	struct svc **out;

	*ret = NULL;
	if (svc_deps_ensure() < 0 || !svc_has_node(s))
		return 0;
	v = deps_walk_back(svc_mgr.g, s->node, DEPS_BIT(DEPS_PART_OF), &n);
	if (n <= 1)
		return 0;
	out = malloc(n * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 1; i < n; i++)
		if (svc_node_svc(v[i]))
			out[k++] = svc_node_svc(v[i]);
	*ret = out;
	return (ssize_t)k;
}

size_t svc_reload_targets(struct svc *s, struct svc **out, size_t max)
{
	size_t n, k = 0;
	const uint32_t *v;

	if (svc_deps_ensure() < 0 || !svc_has_node(s))
		return 0;
	v = deps_walk_reload(svc_mgr.g, s->node, &n);
	for (size_t i = 1; i < n; i++) {
		struct svc *t = svc_node_svc(v[i]);

		if (!t)
			continue;
		if (k < max)
			out[k] = t;
		k++;
	}
	return k;
}

void svc_discard(struct svc *s)
{
	if (!svc_is_down(s))
		return;
	svc_event(s, FSM_REMOVE, 0);
	if (svc_freeable(s)) {
		svc_free(s);
		svc_deps_update();
	}
}

int svc_start(struct svc *s)
{
	return svc_start_set(&s, 1);
}

/* PartOf=: a stop or restart of s is one of the units that are part of it
 * (a restart only of those that are up: systemd's try-restart). */
static void part_of_too(struct svc *s, bool restart)
{
	struct svc **v;
	ssize_t n = svc_part_of(s, &v);

	if (n < 0)
		log_err("%s: unable to %s the units PartOf= it: %s", s->spec->name,
			restart ? "restart" : "stop", strerror(ENOMEM));
	for (ssize_t i = 0; i < n; i++) {
		if (restart && !fsm_state_active(v[i]->fsm.state) &&
		    v[i]->fsm.state != SVC_STARTING)
			continue;
		log_info("%s: %s: PartOf=%s", v[i]->spec->name, restart ? "restarting" : "stopping",
			 s->spec->name);
		svc_event(v[i], restart ? FSM_RESTART : FSM_STOP, 0);
	}
	free(v);
}

int svc_stop(struct svc *s)
{
	svc_event(s, FSM_STOP, 0);
	part_of_too(s, false);
	return 0;
}

int svc_restart(struct svc *s)
{
	part_of_too(s, true);
	if (s->pid == 0 && s->fsm.state != SVC_RESTARTING)
		return svc_start(s);
	svc_event(s, FSM_RESTART, 0);
	return 0;
}

int svc_pause(struct svc *s)
{
	if (s->fsm.state == SVC_PAUSED)
		return 0;
	if (s->fsm.state != SVC_RUNNING && s->fsm.state != SVC_STARTING)
		return -EINVAL;
	if (!s->cg)
		return -EOPNOTSUPP;
	if (s->fsm.ctl_alive)
		return -EBUSY;   /* a hook runs: its end would move the unit on frozen */
	svc_event(s, FSM_PAUSE, 0);
	return 0;
}

int svc_reload_unit(struct svc *s)
{
	if (!s->spec->hooks[UNIT_HOOK_RELOAD].n && s->spec->type != UNIT_NOTIFY_RELOAD)
		return -EOPNOTSUPP;
	if (s->fsm.state != SVC_RUNNING || s->fsm.sub != FSM_SUB_RUNNING)
		return -EAGAIN;
	svc_event(s, FSM_RELOAD, 0);
	return 0;
}

int svc_resume(struct svc *s)
{
	if (s->fsm.state != SVC_PAUSED)
		return s->fsm.state == SVC_RUNNING || s->fsm.state == SVC_STARTING ? 0 : -EINVAL;
	svc_event(s, FSM_RESUME, 0);
	return 0;
}

void svc_start_all(void)
{
	int r = svc_deps_ensure();

	if (r < 0) {
		svc_log_deps_failed(r);
		return;
	}
	/* every unit is wanted before any starts: one that gets ready at once
	 * must not make the boot look complete (READY=1, COMMAND) */
	for (size_t i = 0; i < svc_mgr.n; i++)
		if (!trig_activated_only(svc_mgr.v[i]))   /* its socket starts it */
			svc_event(svc_mgr.v[i], FSM_QUEUE, 0);
	svc_deps_touch_all(false);
	svc_deps_update();
}

void svc_stop_all(void)
{
	trig_stop_all();   /* no timer fires, no socket starts anything from now on */
	svc_mgr.stopping_all = true;
	svc_deps_touch_all(true);
	svc_deps_update();
}

bool svc_all_down(void)
{
	for (size_t i = 0; i < svc_mgr.n; i++)
		if (svc_mgr.v[i]->pid > 0 || svc_mgr.v[i]->ctl.pid > 0)
			return false;
	return true;
}

/* The unit's side of fsm.h's definitions: what a process or the queue adds. */
bool svc_is_waiting(const struct svc *s)
{
	return fsm_is_waiting(&s->fsm);
}

bool svc_is_up(const struct svc *s)
{
	/* a start skipped by its conditions is done too (systemctl start: 0) */
	return !fsm_is_waiting(&s->fsm) &&
	       (s->fsm.state == SVC_RUNNING || s->fsm.state == SVC_EXITED ||
		s->fsm.state == SVC_CONDITION_FAILED);
}

bool svc_start_failed(const struct svc *s)
{
	enum svc_state st = s->fsm.state;

	return !fsm_is_waiting(&s->fsm) &&
	       (st == SVC_FAILED || st == SVC_RESTARTING || st == SVC_STOPPED);
}

bool svc_is_down(const struct svc *s)
{
	enum svc_state st = s->fsm.state;

	/* down means no process left: its cgroup's last ones may still be dying */
	return (st == SVC_STOPPED || st == SVC_EXITED || st == SVC_FAILED ||
		st == SVC_CONDITION_FAILED) && s->pid == 0 &&
	       s->ctl.pid == 0 && !s->wait_empty && s->fsm.sub != FSM_SUB_EXITED;
}

bool svc_is_ready(const struct svc *s)
{
	return fsm_is_ready(&s->fsm);
}

bool svc_is_done(const struct svc *s)
{
	return fsm_is_done(&s->fsm);
}

bool svc_is_settled(const struct svc *s)
{
	return fsm_is_settled(&s->fsm);
}

bool svc_is_paused(const struct svc *s)
{
	return s->fsm.state == SVC_PAUSED;
}

bool svc_all_settled(void)
{
	for (size_t i = 0; i < svc_mgr.n; i++)
		if (!svc_is_settled(svc_mgr.v[i]))
			return false;
	return true;
}

/* The control process of s ended. */
static void ctl_exited(struct svc *s, int status)
{
	const char *key = unit_hook_key(s->fsm.hook);
	int st;

	if (s->ctl.spawn_fd >= 0) {
		(void)svc_ctl_spawn_poll(s);
		svc_ctl_spawn_close(s);
	}
	if (s->ctl.reaper_fd >= 0) {
		if (spawn_reaper_status(s->ctl.reaper_fd, &st) == 0)
			status = st;
		(void)close(s->ctl.reaper_fd);
		s->ctl.reaper_fd = -1;
	}
	s->ctl.pid = 0;
	s->ctl.inner_pid = 0;
	for (int o = 0; o < 2; o++)
		if (s->ctl.out[o].fd >= 0)
			output_read(&s->ctl.out[o]);
	if (s->ctl.rep.err) {
		svc_set_error(s, s->ctl.rep.step[0] ? s->ctl.rep.step : "start", s->ctl.rep.err);
		log_err("%s: %s: %s", s->spec->name, key, s->error);
		s->ctl.rep.err = 0;
		status = 203 << 8;   /* systemd's EXIT_EXEC */
	} else if (WIFSIGNALED(status)) {
		log_info("%s: %s killed by signal %d (%s)", s->spec->name, key, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0) {
		log_info("%s: %s exited with code %d", s->spec->name, key, WEXITSTATUS(status));
	}
	s->oom_exit = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && svc_oom_killed(s);
	svc_event(s, FSM_CONTROL_EXITED, status);
	s->oom_exit = false;
}

bool svc_child_exited(pid_t pid, int status)
{
	if (health_child_exited(pid, status) || svc_cond_reaped(pid) || svc_ipc_reaped(pid, status) ||
	    svc_bus_reaped(pid))
		return true;
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];
		bool spawn_failed = false, start_err = false, main_known = false;
		int st;

		if (s->ctl.pid == pid && pid > 0) {
			ctl_exited(s, status);
			if (svc_freeable(s)) {
				svc_free(s);
				svc_deps_update();
			}
			return true;
		}
		if (s->pid != pid)
			continue;
		/* reaped before the channel was read: all the child wrote is
		 * there now, the reason of a failure too */
		if (s->spawn_fd >= 0 && svc_spawn_poll(s) && s->spawn_rep.err == 0)
			svc_event(s, FSM_SPAWNED, 0);
		if (s->spawn_fd >= 0) {
			/* the channel outlives the child only when one of its
			 * children holds it: whatever it says, the start is over */
			svc_spawn_close(s);
		}
		if (s->reaper_fd >= 0) {
			if (spawn_reaper_status(s->reaper_fd, &st) == 0)
				status = st;   /* the service's own status, not the reaper's */
			(void)close(s->reaper_fd);
			s->reaper_fd = -1;
		}
		s->exec_main_pid = s->main_pid;
		s->exec_main_status = status;
		s->pid = 0;
		s->main_pid = 0;
		svc_mainpid_forget(s);
		s->have_exit = true;
		s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		s->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (s->spawn_rep.err) {
			start_err = true;
			svc_set_error(s, s->spawn_rep.step[0] ? s->spawn_rep.step : "start",
				  s->spawn_rep.err);
			log_err("%s: %s", s->spec->name, s->error);
			s->spawn_rep.err = 0;
			/* a unit stopped or paused meanwhile ends as any exit does */
			spawn_failed = s->fsm.state == SVC_STARTING;
		} else if (s->exit_signal)
			log_info("%s: killed by signal %d (%s)", s->spec->name, s->exit_signal,
				 strsignal(s->exit_signal));
		else if (s->exit_code != 0)
			log_info("%s: exited with code %d", s->spec->name, s->exit_code);
		else
			log_debug("%s: exited", s->spec->name);
		/* take the last words before the state moves on */
		for (int o = 0; o < 2; o++)
			if (s->out[o].fd >= 0)
				output_read(&s->out[o]);
		/* Type=oneshot: the next ExecStart= once this one exited 0; the
		 * state machine sees only the end of the last (or a failure) */
		if (!start_err && s->spec->type == UNIT_ONESHOT && s->fsm.sub == FSM_SUB_START &&
		    s->fsm.want == FSM_WANT_UP && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    s->cmd + 1 < s->spec->n_exec_start) {
			if (svc_spawn_cmd(s, s->cmd + 1) == 0)
				return true;
			log_err("%s: %s", s->spec->name, s->error);
			spawn_failed = true;
		}
		/* Type=forking: the first process is done; its daemon is the unit */
		if (!start_err && !spawn_failed && s->spec->type == UNIT_FORKING &&
		    s->fsm.sub == FSM_SUB_START && fsm_result_of(s->spec, status) == FSM_RESULT_SUCCESS) {
			pid_t d = 0;
			int fr = svc_forking_main(s, &d);

			if (fr == -ENOENT && s->spec->pid_file) {
				/* the daemon writes it after its parent left: look again
				 * until TimeoutStartSec= (as systemd waits for it) */
				s->pidfile_wait = true;
				s->pidfile_status = status;
				ev_timer_set(&s->pidfile_timer, 0.02, 0.05);
				ev_timer_start(svc_mgr.loop, &s->pidfile_timer);
				return true;
			}
			if (fr == 0 && d > 0) {
				svc_mainpid_accept(s, d);
				if (s->main_pidfd >= 0) {
					s->pid = d;   /* svcinit reaps it: PID 1 or a subreaper */
					main_known = true;
					log_info("%s: main process %d", s->spec->name, (int)d);
				} else {
					snprintf(s->error, sizeof(s->error), "PIDFile=: pid %d is not a "
						 "process of the unit", (int)d);
				}
			}
			if (!main_known)
				log_err("%s: %s", s->spec->name, s->error);
		}
		/* OOMPolicy=: was that SIGKILL the OOM killer's? */
		s->oom_exit = !spawn_failed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
			      svc_oom_killed(s);
		svc_event_in(s, spawn_failed ? FSM_SPAWN_FAILED : FSM_EXITED, status, main_known);
		s->oom_exit = false;
		if (svc_freeable(s)) {
			svc_free(s);   /* else once its cgroup is empty (svc_empty_check) */
			svc_deps_update();   /* its dependents now miss it */
		}
		return true;
	}
	return false;
}

/* ---- creation, reload, teardown ---------------------------------------------- */

struct svc *svc_new(struct unit_spec *spec)
{
	struct svc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->spec = spec;
	svc_warnings_from_spec(s);
	s->reaper_fd = -1;
	s->spawn_fd = -1;
	s->ctl.reaper_fd = -1;
	s->ctl.spawn_fd = -1;
	s->exec_main_status = -1;
	for (int i = 0; i < 2; i++) {
		s->ctl.out[i].fd = -1;
		s->ctl.out[i].svc = s;
	}
	s->exit_code = -1;
	s->since = (int64_t)time(NULL);
	fsm_init(&s->fsm);
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
	s->timer.data = s;
	svc_spawn_setup(s);
	ev_init(&s->watchdog, watchdog_cb);
	s->watchdog.data = s;
	ev_io_init(&s->freeze_io, freeze_io_cb, -1, EV_READ);
	s->freeze_io.data = s;
	ev_timer_init(&s->freeze_poll, freeze_poll_cb, 0.01, 0.01);
	s->freeze_poll.data = s;
	ev_timer_init(&s->kill_timer, kill_timer_cb, SVC_KILL_EVERY, SVC_KILL_EVERY);
	s->kill_timer.data = s;
	s->freeze_want = -1;
	s->notify_fd = -1;
	s->node = DEPS_NONE;
	s->main_pidfd = -1;
	health_setup(s);
	s->cond_fd = -1;
	s->cond_verdict = -1;
	s->condition_result = s->assert_result = -1;
	svc_cond_setup(s);
	svc_oom_setup(s);
	svc_bus_setup(s);
	if (logbuf_init(&s->log, svc_mgr.cfg.log_size ? svc_mgr.cfg.log_size : LOGBUF_DEFAULT) < 0) {
		free(s);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		s->out[i].fd = -1;
		s->out[i].svc = s;
	}
	return s;
}

int svc_add(struct svc *s)
{
	struct svc **v;

	if (svc_mgr.n >= UNIT_MAX)
		return -E2BIG;
	if (by_name_reserve() < 0)
		return -ENOMEM;
	v = realloc(svc_mgr.v, (svc_mgr.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	svc_mgr.v = v;
	svc_mgr.v[svc_mgr.n++] = s;
	by_name_put(svc_mgr.by_name, svc_mgr.by_name_mask, s);
	return 0;
}

/* Remove from the table and free; the unit must be down. */
void svc_free(struct svc *s)
{
	if (svc_mgr.hooks.gone)
		svc_mgr.hooks.gone(s);
	if (svc_has_node(s)) {
		svc_mgr.node_svc[s->node] = NULL;
		svc_deps_touch_gone(s->node);
	}
	by_name_del(s);
	for (size_t i = 0; i < svc_mgr.n; i++) {
		if (svc_mgr.v[i] == s) {
			memmove(&svc_mgr.v[i], &svc_mgr.v[i + 1], (svc_mgr.n - i - 1) * sizeof(*svc_mgr.v));
			svc_mgr.n--;
			break;
		}
	}
	ev_timer_stop(svc_mgr.loop, &s->timer);
	health_free(s);
	ev_timer_stop(svc_mgr.loop, &s->pidfile_timer);
	ev_timer_stop(svc_mgr.loop, &s->watchdog);
	svc_cond_cancel(s);
	svc_bus_cancel(s);
	svc_dyn_release(s);
	freeze_unwatch(s);
	svc_oom_unwatch(s);
	svc_notify_close(s);
	svc_mainpid_forget(s);
	for (int i = 0; i < 2; i++) {
		output_close(&s->out[i]);
		output_close(&s->ctl.out[i]);
	}
	logbuf_free(&s->log);
	svc_spawn_close(s);
	svc_ctl_spawn_close(s);
	if (s->ctl.reaper_fd >= 0)
		(void)close(s->ctl.reaper_fd);
	if (s->reaper_fd >= 0)
		(void)close(s->reaper_fd);
	cgroup_release(s);
	svc_root_release(s);
	svc_warnings_clear(s);
	unit_spec_free(s->spec);
	unit_spec_free(s->next_spec);
	free(s);
}

int svc_init(struct ev_loop *loop, const struct svc_config *cfg, const struct svc_hooks *hooks)
{
	svc_mgr.loop = loop;
	svc_mgr.cfg = *cfg;
	svc_mgr.hooks = *hooks;
	svc_deps_init();
	output_init(loop, &svc_mgr.hooks);
	health_init(loop);
	return 0;
}

void svc_free_all(void)
{
	deps_free(svc_mgr.g);
	svc_mgr.g = NULL;
	free(svc_mgr.node_svc);
	svc_mgr.node_svc = NULL;
	while (svc_mgr.n > 0)
		svc_free(svc_mgr.v[svc_mgr.n - 1]);
	free(svc_mgr.v);
	svc_mgr.v = NULL;
	free(svc_mgr.by_name);
	svc_mgr.by_name = NULL;
	svc_mgr.by_name_mask = 0;
}
