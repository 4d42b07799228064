/* SPDX-License-Identifier: MIT */
/*
 * svc-oom.c: OOMPolicy= (systemd.service(5)). The kernel's OOM killer
 * killed a process of the unit: with stop (the default) the unit goes down
 * and fails with result oom-kill, with kill the same after the kernel took
 * the whole cgroup (v2 memory.oom.group=1; on a v1 memory hierarchy svcinit
 * SIGKILLs what is left), with continue nothing happens but a log line.
 *
 * No polling: the unit's cgroup wakes the loop on OOM events (inotify on v2
 * memory.events, a v1 eventfd on memory.oom_control), and a process of the
 * unit that svcinit reaps dead of SIGKILL makes it look at the count too.
 * The count read at each start of the main process is the baseline. On v1
 * the event comes before the kill is counted: a few one-shot looks follow
 * it (OOM_RECHECKS, 20 ms apart), then nothing until the next event.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "lib/log.h"
#include "services/cgroup.h"

#include "services/svc-internal.h"

#define OOM_RECHECKS 50

static void oom_io_cb(struct ev_loop *loop, ev_io *w, int revents);
static void oom_timer_cb(struct ev_loop *loop, ev_timer *w, int revents);

void svc_oom_setup(struct svc *s)
{
	ev_init(&s->oom_io, oom_io_cb);
	s->oom_io.data = s;
	ev_init(&s->oom_timer, oom_timer_cb);
	s->oom_timer.data = s;
}

void svc_oom_unwatch(struct svc *s)
{
	ev_io_stop(svc_mgr.loop, &s->oom_io);
	ev_timer_stop(svc_mgr.loop, &s->oom_timer);
	s->oom_watching = false;
}

/* At the start of the main process (its cgroup made): the baseline, and
 * the watcher unless OOMPolicy=continue. */
void svc_oom_watch(struct svc *s)
{
	uint64_t n = 0;
	int fd;

	if (!s->cg)
		return;
	if (cg_unit_oom_kills(s->cg, &n) < 0) {
		svc_oom_unwatch(s);
		return;   /* no memory controller: only the SIGKILL look is left */
	}
	s->oom_seen = n;
	s->oom_watching = true;
	if (s->spec->oom_policy == UNIT_OOM_CONTINUE)
		return;
	fd = cg_unit_oom_fd(s->cg);
	if (fd < 0) {
		log_debug("%s: no OOM events (%s): OOM kills seen at SIGKILL deaths only",
			  s->spec->name, strerror(-fd));
		return;
	}
	if (!ev_is_active(&s->oom_io)) {
		ev_io_set(&s->oom_io, fd, EV_READ);
		ev_io_start(svc_mgr.loop, &s->oom_io);
	}
}

/* Did the OOM killer kill in the unit since the last look? */
bool svc_oom_killed(struct svc *s)
{
	uint64_t n;

	if (!s->cg || !s->oom_watching || cg_unit_oom_kills(s->cg, &n) < 0 || n <= s->oom_seen)
		return false;
	log_warn("%s: %llu process(es) of the unit killed by the OOM killer (OOMPolicy=%s)",
		 s->spec->name, (unsigned long long)(n - s->oom_seen),
		 unit_oom_policy_to_string(s->spec->oom_policy));
	s->oom_seen = n;
	return true;
}

/* A kill that was not the main process's end: OOMPolicy= decides. */
static void oom_act(struct svc *s)
{
	if (s->spec->oom_policy == UNIT_OOM_CONTINUE)
		return;
	if (s->spec->oom_policy == UNIT_OOM_KILL && s->cg &&
	    cg_unit_oom_group(s->cg, true) == -EOPNOTSUPP)
		(void)cg_unit_kill(s->cg, SIGKILL);   /* v1: what memory.oom.group does */
	svc_event(s, FSM_OOM, 0);
}

static void oom_look(struct svc *s)
{
	if (svc_oom_killed(s)) {
		ev_timer_stop(svc_mgr.loop, &s->oom_timer);
		oom_act(s);
		return;
	}
	if (s->oom_rechecks > 0) {
		s->oom_rechecks--;
		ev_timer_set(&s->oom_timer, 0.02, 0.);
		ev_timer_start(svc_mgr.loop, &s->oom_timer);
	}
}

static void oom_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;

	cg_unit_oom_drain(s->cg);
	s->oom_rechecks = OOM_RECHECKS;
	ev_timer_stop(svc_mgr.loop, &s->oom_timer);
	oom_look(s);
}

static void oom_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	oom_look(w->data);
}
