/* SPDX-License-Identifier: MIT */
/*
 * svc-deps.c: the dependency graph (deps.c) as it moves units: who
 * waits for whom (After=/Before=), who fails with whom (Requires=,
 * BindsTo=, Requisite=), Conflicts=, Upholds=, StopWhenUnneeded=; the graph
 * rebuilt once per load or reload, then worked through its queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

#include "services/svc-internal.h"

/*
 * The graph (deps.c) is built from the definitions that will run: the
 * pending one of a unit a reload changed, else the running one. It is built
 * once per load and reload; between two, svc_deps_update() works through the
 * graph's queue: a unit whose state changed queues itself and the units that
 * wait for it (at shutdown also those it waits for), and only those are
 * looked at again.
 */

/* After=X waits for X to be ready; an After= unit that failed or is not
 * wanted no longer holds anyone back. Requires=X does not wait (as in
 * systemd: only After=/Before= order): X gone for good fails the unit. */
enum dep_verdict { DEP_WAIT, DEP_GO, DEP_FAIL };

const struct unit_spec *svc_def(const struct svc *s)
{
	return s->next_spec ? s->next_spec : s->spec;
}

struct svc *svc_node_svc(uint32_t v)
{
	return svc_mgr.g && v < deps_count(svc_mgr.g) ? svc_mgr.node_svc[v] : NULL;
}

bool svc_has_node(const struct svc *s)
{
	return svc_mgr.g && s->node < deps_count(svc_mgr.g) && svc_mgr.node_svc[s->node] == s;
}

/* Each ordering cycle is logged once, when it is new (a unit on it was on
 * no cycle or on another one): its units run as if the ordering edges
 * inside it were absent (deps.c leaves them out). */
static void deps_log_cycles(void)
{
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];
		char names[SVC_ERROR_MAX] = "";
		const uint32_t *m;
		size_t off = 0, n;
		uint64_t sig;
		bool is_new = false;

		if (!deps_cyclic(svc_mgr.g, s->node)) {
			s->cycle_sig = 0;
			continue;
		}
		m = deps_members(svc_mgr.g, deps_component(svc_mgr.g, s->node), &n);
		if (m[0] != s->node)
			continue;   /* the component's first member speaks for it */
		for (size_t j = 0; j < n && off < sizeof(names) - 1; j++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? " " : "", deps_name(svc_mgr.g, m[j]));
		sig = deps_hash(names) | 1;
		for (size_t j = 0; j < n; j++) {
			struct svc *o = svc_mgr.node_svc[m[j]];

			is_new = is_new || o->cycle_sig != sig;
			o->cycle_sig = sig;
		}
		if (is_new)
			log_warn("dependency cycle: %s (After=/Before=); its units start as if "
				 "the ordering inside it were absent", names);
	}
}

/* Build the graph of what is loaded now. Returns 0 or -ENOMEsvc_mgr. */
static int deps_rebuild(void)
{
	struct deps_unit *u = calloc(svc_mgr.n ? svc_mgr.n : 1, sizeof(*u));
	struct svc **map = malloc((svc_mgr.n ? svc_mgr.n : 1) * sizeof(*map));
	struct deps_graph *g = NULL;
	int r = -ENOMEM;

	if (!u || !map)
		goto out;
	for (size_t i = 0; i < svc_mgr.n; i++) {
		const struct unit_spec *d = svc_def(svc_mgr.v[i]);

		u[i].name = svc_mgr.v[i]->spec->name;
		map[i] = svc_mgr.v[i];
		if (svc_mgr.v[i]->fsm.want == FSM_WANT_REMOVE)
			continue;   /* it will not run again: it waits for nobody */
		u[i].lists[DEPS_AFTER] = d->after;
		u[i].lists[DEPS_REQUIRES] = d->requires;
		u[i].lists[DEPS_WANTS] = d->wants;
		u[i].lists[DEPS_BEFORE] = d->before;
		u[i].lists[DEPS_BINDS_TO] = d->binds_to;
		u[i].lists[DEPS_PART_OF] = d->part_of;
		u[i].lists[DEPS_CONFLICTS] = d->conflicts;
		u[i].lists[DEPS_REQUISITE] = d->requisite;
		u[i].lists[DEPS_UPHOLDS] = d->upholds;
		u[i].lists[DEPS_ON_FAILURE] = d->on_failure;
		u[i].lists[DEPS_ON_SUCCESS] = d->on_success;
		u[i].lists[DEPS_PROPAGATES_RELOAD_TO] = d->propagates_reload_to;
		u[i].lists[DEPS_RELOAD_PROPAGATED_FROM] = d->reload_propagated_from;
	}
	r = deps_build(u, svc_mgr.n, &g);
	if (r < 0)
		goto out;
	deps_free(svc_mgr.g);
	free(svc_mgr.node_svc);
	svc_mgr.g = g;
	svc_mgr.node_svc = map;
	map = NULL;
	for (size_t i = 0; i < svc_mgr.n; i++) {
		svc_mgr.v[i]->node = (uint32_t)i;
		svc_mgr.v[i]->hold_start = svc_mgr.v[i]->hold_stop = 0;
	}
	svc_mgr.graph_dirty = false;
	deps_log_cycles();
	/* what was queued went with the old graph: everyone looks again */
	for (size_t i = 0; i < svc_mgr.n; i++)
		deps_queue_push(svc_mgr.g, (uint32_t)i);
out:
	free(u);
	free(map);
	return r;
}

/* The graph, built again if units or definitions changed. 0 or -ENOMEsvc_mgr. */
int svc_deps_ensure(void)
{
	if (svc_mgr.g && !svc_mgr.graph_dirty)
		return 0;
	return deps_rebuild();
}

void svc_log_deps_failed(int r)
{
	log_err("unable to build the dependency graph: %s", strerror(-r));
}

/* s changed: look again at it and at the units that wait for it or require
 * it (and at shutdown at those it waits for, which may now stop). */
void svc_deps_touch(struct svc *s)
{
	const uint32_t *by;
	size_t n;

	if (!svc_has_node(s))
		return;
	deps_queue_push(svc_mgr.g, s->node);
	by = deps_waited_by(svc_mgr.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(svc_mgr.g, by[i]);
	by = deps_required_by(svc_mgr.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(svc_mgr.g, by[i]);
	svc_deps_touch_more(s->node);
	if (svc_mgr.stopping_all) {
		const struct deps_edge *w = deps_waits_on(svc_mgr.g, s->node, &n);

		for (size_t i = 0; i < n; i++)
			deps_queue_push(svc_mgr.g, w[i].to);
	}
}

/* The other edges that make a change of node matter elsewhere: who binds to
 * it or needs it up (BindsTo=, Requisite=), and what it upholds or needs
 * (Upholds=, StopWhenUnneeded= of the units it pulls). */
void svc_deps_touch_more(uint32_t node)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(svc_mgr.g, node, &n);

	for (size_t i = 0; i < n; i++)
		if (DEPS_BIT(e[i].kind) & (DEPS_BIT(DEPS_BINDS_TO) | DEPS_BIT(DEPS_REQUISITE)))
			deps_queue_push(svc_mgr.g, e[i].to);
	e = deps_edges(svc_mgr.g, node, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i].to != DEPS_NONE && (DEPS_BIT(e[i].kind) & DEPS_NEEDS))
			deps_queue_push(svc_mgr.g, e[i].to);
}

/* A node's unit is gone: those that waited for it or required it look again. */
void svc_deps_touch_gone(uint32_t node)
{
	size_t n;
	const uint32_t *by = deps_waited_by(svc_mgr.g, node, &n);

	for (size_t i = 0; i < n; i++)
		deps_queue_push(svc_mgr.g, by[i]);
	by = deps_required_by(svc_mgr.g, node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(svc_mgr.g, by[i]);
	svc_deps_touch_more(node);
}

void svc_deps_touch_all(bool reverse)
{
	const uint32_t *order;
	size_t n = deps_count(svc_mgr.g);

	if (!svc_mgr.g)
		return;
	order = deps_order(svc_mgr.g);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(svc_mgr.g, order[reverse ? n - 1 - i : i]);
}

/* An After= (or another's Before=) edge: wait while the other unit is on
 * its way up. The edges inside a cycle are not there (deps.c). */
static bool edge_waits(const struct deps_edge *e)
{
	const struct svc *d = svc_node_svc(e->to);

	return d && !svc_is_ready(d) && !svc_is_done(d);
}

/* A Requires= edge: has the other unit gone for good (or never existed)? */
static bool require_broken(const struct deps_edge *e, char *why, size_t len)
{
	const struct svc *d = svc_node_svc(e->to);

	if (!d) {
		snprintf(why, len, "Requires=%s: no such unit", e->name);
		return true;
	}
	/* a unit its conditions skipped is no failure: those that require it
	 * still start (systemd's job result "done") */
	if (svc_is_done(d) && d->fsm.state != SVC_CONDITION_FAILED) {
		snprintf(why, len, "Requires=%s: %s", e->name, svc_state_name(d));
		return true;
	}
	return false;
}

/* A BindsTo= or Requisite= edge. BindsTo=X: as Requires=, and a skipped X
 * (condition-failed) takes it down too (systemd: X is inactive). Requisite=X:
 * X must be up already when s starts (svcinit looks once the After= units
 * let s go); later, X going for good takes s down as Requires= does. */
static bool other_broken(const struct deps_edge *e, bool starting, char *why, size_t len)
{
	const struct svc *d = svc_node_svc(e->to);
	const char *key = deps_kind_name((enum deps_kind)e->kind);

	if (!d) {
		snprintf(why, len, "%s=%s: no such unit", key, e->name);
		return true;
	}
	if (e->kind == DEPS_REQUISITE && starting && !svc_is_ready(d)) {
		snprintf(why, len, "Requisite=%s: not active (%s)", e->name, svc_state_name(d));
		return true;
	}
	if (svc_is_done(d)) {
		snprintf(why, len, "%s=%s: %s", key, e->name, svc_state_name(d));
		return true;
	}
	return false;
}

/* A unit: has one of its Requires= (BindsTo=, Requisite=) gone for good?
 * starting: it is about to start (Requisite= wants the other up now). */
static bool deps_broken_as(const struct svc *s, bool starting, char *why, size_t len)
{
	size_t n;
	const struct deps_edge *w = deps_requires(svc_mgr.g, s->node, &n);

	for (size_t i = 0; i < n; i++)
		if (require_broken(&w[i], why, len))
			return true;
	w = deps_edges(svc_mgr.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		if ((w[i].kind == DEPS_BINDS_TO || w[i].kind == DEPS_REQUISITE) &&
		    w[i].to != s->node && other_broken(&w[i], starting, why, len))
			return true;
	return false;
}

static bool deps_broken(const struct svc *s, char *why, size_t len)
{
	return deps_broken_as(s, false, why, len);
}

/* May s start? Requires= only fails it; After= makes it wait. The edge that
 * held it back last time is looked at first, so that a unit waiting on many
 * is not rescanned whole at each change. */
static enum dep_verdict deps_verdict(struct svc *s, char *why, size_t len)
{
	size_t n;
	const struct deps_edge *w;

	if (deps_broken(s, why, len))
		return DEP_FAIL;
	w = deps_waits_on(svc_mgr.g, s->node, &n);
	if (s->hold_start >= n)
		s->hold_start = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = (s->hold_start + k) % n;

		if (edge_waits(&w[i])) {
			s->hold_start = (uint32_t)i;
			return DEP_WAIT;
		}
	}
	if (deps_broken_as(s, true, why, len))
		return DEP_FAIL;   /* Requisite=: looked at once nothing holds it */
	return DEP_GO;
}

/* During shutdown a unit stops only once nothing that comes after it
 * (After=) still runs; Requires= alone does not order (as in systemd), and a
 * cycle's own edges are not there. */
static bool others_need(struct svc *s)
{
	size_t n;
	const uint32_t *by = deps_waited_by(svc_mgr.g, s->node, &n);

	if (s->hold_stop >= n)
		s->hold_stop = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = (s->hold_stop + k) % n;
		const struct svc *o = svc_node_svc(by[i]);

		if (!o || o == s)
			continue;
		if (o->pid == 0 && o->fsm.state != SVC_STARTING)
			continue;
		s->hold_stop = (uint32_t)i;
		return true;
	}
	return false;
}

static void uphold_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* Starting s stops the units it conflicts with, both ways (Conflicts=). */
static void stop_conflicting(struct svc *s)
{
	for (int side = 0; side < 2; side++) {
		size_t n;
		const struct deps_edge *e = side ? deps_referrers(svc_mgr.g, s->node, &n) :
						   deps_edges(svc_mgr.g, s->node, &n);

		for (size_t i = 0; i < n; i++) {
			struct svc *o = svc_node_svc(e[i].to);

			if (e[i].kind != DEPS_CONFLICTS || !o || o == s)
				continue;
			if (!fsm_wants_up(&o->fsm) && !fsm_state_active(o->fsm.state) &&
			    o->fsm.state != SVC_STARTING)
				continue;
			log_info("%s: stopping: %s conflicts with it", o->spec->name, s->spec->name);
			svc_event(o, FSM_STOP, 0);
		}
	}
}

/* Is s needed: does a unit on its way up or up pull it (or need it up)? */
static bool is_needed(const struct svc *s)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(svc_mgr.g, s->node, &n);

	for (size_t i = 0; i < n; i++) {
		const struct svc *o = svc_node_svc(e[i].to);

		if (o && (DEPS_BIT(e[i].kind) & DEPS_NEEDS) && fsm_wants_up(&o->fsm) &&
		    !svc_is_done(o))
			return true;
	}
	return false;
}

/* The unit that upholds s while it is up (Upholds=), or NULL. */
static const struct svc *upheld_by(const struct svc *s)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(svc_mgr.g, s->node, &n);

	for (size_t i = 0; i < n; i++) {
		const struct svc *o = svc_node_svc(e[i].to);

		if (o && e[i].kind == DEPS_UPHOLDS && fsm_state_active(o->fsm.state) &&
		    fsm_wants_up(&o->fsm))
			return o;
	}
	return NULL;
}

/* Upholds= starts s again whenever it is down, within its start limit
 * (StartLimitBurst= in StartLimitIntervalSec=; 0: 5), so that a unit that
 * fails at once is not started in a loop. */
static void uphold(struct svc *s)
{
	const struct svc *by;
	uint64_t now = now_usec();
	unsigned burst = s->spec->start_limit_burst ? s->spec->start_limit_burst : 5;

	if (fsm_wants_up(&s->fsm) && !svc_is_done(s))
		return;
	if (s->fsm.want == FSM_WANT_REMOVE || !(by = upheld_by(s)))
		return;
	if (s->uphold_count == 0 || now - s->uphold_begin > s->spec->start_limit_interval_usec) {
		s->uphold_begin = now;
		s->uphold_count = 0;
	}
	if (++s->uphold_count > burst) {
		if (s->uphold_count == burst + 1)
			svc_warn_add(s, "Upholds= from %s: started %u times in %.0fs, not again",
				 by->spec->name, burst, (double)s->spec->start_limit_interval_usec / 1e6);
		return;
	}
	/* at the next loop iteration: whoever waits for it to be down (svcctl
	 * stop) sees it down first, as systemd's stop job ends before */
	s->uphold_pending = true;
	if (!ev_is_active(&svc_mgr.uphold_w))
		ev_timer_start(svc_mgr.loop, &svc_mgr.uphold_w);
}

static void uphold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	const struct svc *by;

	(void)loop;
	(void)w;
	(void)revents;
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];

		if (!s->uphold_pending)
			continue;
		if (!svc_is_down(s) && !fsm_wants_up(&s->fsm))
			continue;   /* its last processes still go: svc_empty_check() comes back */
		s->uphold_pending = false;
		if (svc_mgr.stopping_all || s->fsm.want == FSM_WANT_REMOVE || !svc_has_node(s) ||
		    (fsm_wants_up(&s->fsm) && !svc_is_done(s)) || !(by = upheld_by(s)))
			continue;
		log_info("%s: starting: upheld by %s", s->spec->name, by->spec->name);
		svc_want(s);
	}
	svc_deps_update();
}

void svc_deps_step(struct svc *s)
{
	char why[SVC_ERROR_MAX];

	if (svc_mgr.stopping_all) {
		if (fsm_wants_up(&s->fsm) && !others_need(s))
			svc_event(s, FSM_STOP, 0);
		return;
	}
	if (s->on_pending) {
		int which = s->on_pending;

		s->on_pending = 0;
		(void)svc_start_names(s, which == 1 ? DEPS_ON_FAILURE : DEPS_ON_SUCCESS);
	}
	if (svc_is_waiting(s)) {
		enum dep_verdict v = deps_verdict(s, why, sizeof(why));

		if (v == DEP_WAIT)
			return;
		if (v == DEP_GO) {
			stop_conflicting(s);
			svc_event(s, FSM_START, 0);
		} else {
			snprintf(s->error, sizeof(s->error), "%s", why);
			log_warn("%s: not started: %s", s->spec->name, why);
			svc_event(s, FSM_DEP_FAILED, 0);
		}
		return;
	}
	if (s->fsm.want == FSM_WANT_UP && (s->fsm.state == SVC_STARTING || s->fsm.state == SVC_RUNNING ||
			       s->fsm.state == SVC_PAUSED || s->fsm.state == SVC_RESTARTING) &&
	    deps_broken(s, why, sizeof(why))) {
		snprintf(s->error, sizeof(s->error), "%s", why);
		log_warn("%s: stopping: %s", s->spec->name, why);
		svc_event(s, FSM_DEP_FAILED, 0);
		return;
	}
	if (s->spec->stop_when_unneeded && s->fsm.want == FSM_WANT_UP && !svc_is_done(s) &&
	    !is_needed(s)) {
		log_info("%s: stopping: no longer needed (StopWhenUnneeded=yes)", s->spec->name);
		svc_event(s, FSM_STOP, 0);
		return;
	}
	uphold(s);
}

/* Move every queued unit: start the waiting ones that may go, stop the ones
 * whose Requires= went down. Re-entered from svc_event(), it only queues. */
void svc_deps_update(void)
{
	uint32_t v;
	int r;

	if (svc_mgr.in_deps || svc_mgr.deps_held)
		return;
	svc_mgr.in_deps = true;
	r = svc_deps_ensure();
	if (r < 0) {
		svc_log_deps_failed(r);
		/* no graph, no order; a shutdown must still end */
		for (size_t i = 0; svc_mgr.stopping_all && i < svc_mgr.n; i++)
			if (fsm_wants_up(&svc_mgr.v[i]->fsm))
				svc_event(svc_mgr.v[i], FSM_STOP, 0);
		svc_mgr.in_deps = false;
		return;
	}
	while ((v = deps_queue_pop(svc_mgr.g)) != DEPS_NONE) {
		struct svc *s = svc_node_svc(v);

		if (s)
			svc_deps_step(s);
	}
	svc_mgr.in_deps = false;
}

size_t svc_verify(struct unit_diag *diag)
{
	size_t before = diag->n + diag->dropped;

	if (svc_deps_ensure() < 0) {
		unit_diag_add(diag, "%s: unable to check the dependencies: %s", svc_mgr.cfg.units_dir,
			      strerror(ENOMEM));
		return diag->n + diag->dropped - before;
	}
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];
		size_t n;
		const struct deps_edge *w = deps_requires(svc_mgr.g, s->node, &n);
		const uint32_t *m;
		char names[SVC_ERROR_MAX] = "";
		size_t off = 0;

		for (size_t j = 0; j < n; j++)
			if (w[j].to == DEPS_NONE)
				unit_diag_add(diag, "%s: Requires=%s: no such unit", s->spec->path,
					      w[j].name);
		w = deps_edges(svc_mgr.g, s->node, &n);
		for (size_t j = 0; j < n; j++)
			if (w[j].to == DEPS_NONE &&
			    (w[j].kind == DEPS_BINDS_TO || w[j].kind == DEPS_REQUISITE))
				unit_diag_add(diag, "%s: %s=%s: no such unit", s->spec->path,
					      deps_kind_name((enum deps_kind)w[j].kind), w[j].name);
		if (!deps_cyclic(svc_mgr.g, s->node))
			continue;
		m = deps_members(svc_mgr.g, deps_component(svc_mgr.g, s->node), &n);
		for (size_t j = 0; j < n && off < sizeof(names) - 1; j++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? " " : "", deps_name(svc_mgr.g, m[j]));
		unit_diag_add(diag, "%s: dependency cycle: %s", s->spec->path, names);
	}
	return diag->n + diag->dropped - before;
}

void svc_deps_init(void)
{
	ev_timer_init(&svc_mgr.uphold_w, uphold_cb, 0., 0.);
}
