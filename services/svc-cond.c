/* SPDX-License-Identifier: MIT */
/*
 * svc-cond.c: Condition*=/Assert*= decided in a short-lived child
 * (condition.c), its one record read on the loop, killed at a deadline.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/condition.h"

#include "services/svc-internal.h"

/*
 * Condition*=/Assert*= are decided when the unit is about to start (fsm's
 * "check" action), never at load. The evaluator stats paths a unit names,
 * which can block (a hung NFS or FUSE mount), and looks users up through
 * NSS: so PID 1 only forks a short-lived child that decides and writes one
 * record back (services/condition.c), and kills it at a deadline. The unit
 * is STARTING meanwhile, with no process of its own.
 */

static void cond_close(struct svc *s)
{
	if (s->cond_fd >= 0) {
		ev_io_stop(svc_mgr.loop, &s->cond_io);
		(void)close(s->cond_fd);
		s->cond_fd = -1;
	}
	ev_timer_stop(svc_mgr.loop, &s->cond_timer);
}

/* The check is not wanted any more (stopped meanwhile, freed). */
void svc_cond_cancel(struct svc *s)
{
	cond_close(s);
	if (s->cond_pid > 0)
		(void)kill(s->cond_pid, SIGKILL);   /* reaped by the one reaper */
}

void svc_cond_verdict(struct svc *s, int verdict, const char *msg)
{
	int ev = FSM_COND_OK;

	cond_close(s);
	snprintf(s->condition, sizeof(s->condition), "%s", msg ? msg : "");
	switch (verdict) {
	case COND_OK:
		s->condition_result = 1;
		s->assert_result = 1;
		break;
	case COND_CONDITION_FAILED:
	case COND_ERROR:   /* undecidable: not met, as systemd takes an error */
		s->condition_result = 0;
		s->assert_result = -1;
		ev = FSM_COND_SKIP;
		log_info("%s: skipped: %s", s->spec->name, s->condition);
		break;
	default:
		s->condition_result = 1;
		s->assert_result = 0;
		ev = FSM_COND_ASSERT;
		snprintf(s->error, sizeof(s->error), "%s", s->condition);
		log_err("%s: not started: %s", s->spec->name, s->condition);
		break;
	}
	s->cond_verdict = ev;
	svc_event(s, FSM_CONDITION, ev);
}

/* Read the child's record once it is there. */
static void cond_poll(struct svc *s, bool final)
{
	struct cond_report rep;
	int r;

	if (s->cond_fd < 0)
		return;
	r = condition_read(s->cond_fd, &rep);
	if (r == 0 && !final)
		return;
	if (r <= 0) {
		svc_cond_verdict(s, COND_ERROR, "conditions: the check ended without a verdict");
		return;
	}
	svc_cond_verdict(s, rep.verdict, rep.msg);
	if (rep.warn[0])   /* after the spawn, which starts the warnings afresh */
		svc_warn_add(s, "%s", rep.warn);
}

static void cond_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	cond_poll(w->data, false);
}

static void cond_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;
	char msg[COND_MSG_MAX];

	(void)loop;
	(void)revents;
	if (s->cond_fd < 0) {   /* the fork failed: its reason is in s->condition */
		snprintf(msg, sizeof(msg), "%s", s->condition);
		svc_cond_verdict(s, COND_ASSERT_FAILED, msg);
		return;
	}
	svc_cond_cancel(s);
	snprintf(msg, sizeof(msg), "conditions: not decided within %.0fs (a path that hangs?)",
		 COND_DEADLINE_S);
	svc_cond_verdict(s, COND_ERROR, msg);
}

void svc_cond_start(struct svc *s)
{
	int r;

	svc_cond_cancel(s);
	s->condition[0] = '\0';
	s->condition_result = s->assert_result = -1;
	r = condition_spawn(s->spec, &s->cond_pid, &s->cond_fd);
	if (r < 0) {
		s->cond_pid = 0;
		snprintf(s->condition, sizeof(s->condition), "unable to check the conditions: %s",
			 strerror(-r));
		ev_timer_set(&s->cond_timer, 0., 0.);
		ev_timer_start(svc_mgr.loop, &s->cond_timer);
		return;
	}
	ev_io_set(&s->cond_io, s->cond_fd, EV_READ);
	ev_io_start(svc_mgr.loop, &s->cond_io);
	ev_timer_set(&s->cond_timer, COND_DEADLINE_S, 0.);
	ev_timer_start(svc_mgr.loop, &s->cond_timer);
}

/* The reaper's: was pid a checking child? */
bool svc_cond_reaped(pid_t pid)
{
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];

		if (s->cond_pid != pid)
			continue;
		s->cond_pid = 0;
		cond_poll(s, true);   /* all it wrote is there now */
		return true;
	}
	return false;
}

/* The checking child's watchers of a new unit. */
void svc_cond_setup(struct svc *s)
{
	ev_io_init(&s->cond_io, cond_io_cb, -1, EV_READ);
	s->cond_io.data = s;
	ev_timer_init(&s->cond_timer, cond_timer_cb, 0., 0.);
	s->cond_timer.data = s;
}
