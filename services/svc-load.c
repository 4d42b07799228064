/* SPDX-License-Identifier: MIT */
/*
 * svc-load.c: reading the units (units/load.c) into the table, instances
 * loaded on demand, and svc_reload(): a diff that keeps unchanged units
 * running, restarts changed ones and stops removed ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "services/plan.h"
#include "services/trig.h"
#include "units/value.h"

#include "services/svc-internal.h"

static void log_diag(const struct unit_diag *diag, size_t from)
{
	for (size_t i = from; i < diag->n; i++)
		log_err("%s", diag->msgs[i]);
	if (diag->dropped)
		log_err("... and %zu more unit file errors", diag->dropped);
}

/* The units to run: from units/load.c's search paths, or the one directory. */
static int load_set(struct unit_diag *diag, struct unit_set *set)
{
	if (svc_mgr.cfg.load)
		return unit_load_all(svc_mgr.cfg.load, diag, set);
	return unit_load_dir(svc_mgr.cfg.units_dir, diag, set);
}

int svc_instantiate(const char *name, struct svc **ret)
{
	struct unit_diag diag = { .n = 0 };
	struct unit_spec *spec = NULL;
	struct svc *s;
	int r;

	*ret = NULL;
	if (!svc_mgr.cfg.load)
		return -ENOENT;
	r = unit_load_one(svc_mgr.cfg.load, name, &diag, &spec);
	log_diag(&diag, 0);
	unit_diag_free(&diag);
	if (r < 0)
		return r;
	if (svc_find(spec->name)) {   /* an alias of a loaded unit */
		*ret = svc_find(spec->name);
		unit_spec_free(spec);
		return 0;
	}
	plan_ident_load(spec);
	s = svc_new(spec);
	if (!s || svc_add(s) < 0) {
		free(s);
		unit_spec_free(spec);
		return -ENOMEM;
	}
	s->on_demand = true;
	log_info("%s: loaded on demand from %s", spec->name, spec->path);
	svc_mgr.graph_dirty = true;
	*ret = s;
	return 0;
}

int svc_load(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	size_t from = diag->n;
	int r;

	r = load_set(diag, &set);
	log_diag(diag, from);
	if (r < 0)
		return r;
	for (size_t i = 0; i < set.n; i++) {
		struct svc *s;

		if (set.units[i]->trigger) {   /* a .socket or .timer: services/trig.c */
			if (trig_add(set.units[i]) < 0)
				log_err("unable to load a unit: %s", strerror(ENOMEM));
			set.units[i] = NULL;
			continue;
		}
		plan_ident_load(set.units[i]);
		s = svc_new(set.units[i]);

		if (!s || svc_add(s) < 0) {
			log_err("%s: unable to load: %s", set.units[i]->name, strerror(ENOMEM));
			free(s);
			unit_spec_free(set.units[i]);
		}
		set.units[i] = NULL;
	}
	set.n = 0;
	if (svc_mgr.cfg.notes && !*svc_mgr.cfg.notes) {
		*svc_mgr.cfg.notes = set.notes;
		set.notes = NULL;
	}
	unit_set_free(&set);
	svc_mgr.graph_dirty = true;
	return 0;
}

static bool name_failed(char **failed, const char *name)
{
	for (char **f = failed; f && *f; f++)
		if (strcmp(*f, name) == 0)
			return true;
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool set_has(const struct unit_set *set, const char *name)
{
	for (size_t j = 0; j < set->n; j++)
		if (strcmp(set->units[j]->name, name) == 0)
			return true;
	return name_failed(set->failed, name);
}

/* The units loaded on demand are in no boot set: read each again, by name,
 * into set (its file may have changed). One whose file has errors keeps its
 * definition, as in the boot set; one gone or masked is left out: removed. */
static int reload_on_demand(struct unit_diag *diag, struct unit_set *set)
{
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];
		struct unit_spec *spec = NULL, **v;
		int r;

		if (!s->on_demand || !svc_mgr.cfg.load || set_has(set, s->spec->name))
			continue;
		r = unit_load_one(svc_mgr.cfg.load, s->spec->name, diag, &spec);
		if (r == -ENOENT || r == -ESHUTDOWN)
			continue;
		if (r < 0) {
			char *name = strdup(s->spec->name);

			if (!name || unit_strv_push(&set->failed, name) < 0)
				return -ENOMEM;
			continue;
		}
		v = realloc(set->units, (set->n + 1) * sizeof(*v));
		if (!v) {
			unit_spec_free(spec);
			return -ENOMEM;
		}
		set->units = v;
		set->units[set->n++] = spec;
	}
	return 0;
}

/* A change of a unit's file: to which definition, and what happens now. */
static void reload_changed(struct svc *s)
{
	if (s->fsm.want == FSM_WANT_DOWN) {
		log_info("%s: changed; stays stopped, the new definition is used at its next start",
			 s->spec->name);
	} else if (s->pid > 0 || s->fsm.state == SVC_RESTARTING) {
		svc_event(s, FSM_RESTART, 0);
	} else if (!trig_activated_only(s)) {   /* else its socket or timer starts it */
		(void)svc_start(s);
	}
}

int svc_reload(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	const char **names = NULL;
	size_t from = diag->n;
	int r;

	r = load_set(diag, &set);
	if (r >= 0)
		r = reload_on_demand(diag, &set);
	log_diag(diag, from);
	if (r < 0) {
		unit_set_free(&set);
		return r;
	}
	names = malloc((set.n ? set.n : 1) * sizeof(*names));
	if (!names) {
		unit_set_free(&set);
		return -ENOMEM;
	}
	/* sockets and timers: services/trig.c compares and replaces them */
	trig_reload_begin();
	{
		size_t k = 0;

		for (size_t j = 0; j < set.n; j++) {
			if (set.units[j]->trigger)
				trig_reload_spec(set.units[j]);
			else
				set.units[k++] = set.units[j];
		}
		set.n = k;
		for (char **f = set.failed; f && *f; f++) {
			struct trig *t = trig_find(*f);

			if (t)
				t->keep = true;   /* a file with errors keeps its old definition */
		}
	}
	trig_reload_end();
	for (size_t j = 0; j < set.n; j++)
		names[j] = set.units[j]->name;
	qsort(names, set.n, sizeof(*names), cmp_name);

	/* nothing moves until the graph of the new definitions is there */
	svc_mgr.deps_held = true;

	/* removed units: not in the new set, and not merely broken */
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];
		const char *key = s->spec->name;
		bool found = bsearch(&key, names, set.n, sizeof(*names), cmp_name) ||
			     name_failed(set.failed, key);

		if (!found && s->fsm.want != FSM_WANT_REMOVE) {
			log_info("%s: removed", s->spec->name);
			svc_event(s, FSM_REMOVE, 0);
		}
	}
	for (size_t i = svc_mgr.n; i-- > 0;)
		if (svc_mgr.v[i]->fsm.want == FSM_WANT_REMOVE && svc_mgr.v[i]->pid == 0)
			svc_free(svc_mgr.v[i]);

	for (size_t j = 0; j < set.n; j++) {
		struct unit_spec *spec = set.units[j];
		struct svc *s = svc_find(spec->name);

		set.units[j] = NULL;
		plan_ident_load(spec);
		if (!s) {
			s = svc_new(spec);
			if (!s || svc_add(s) < 0) {
				log_err("%s: unable to load: %s", spec->name, strerror(ENOMEM));
				free(s);
				unit_spec_free(spec);
				continue;
			}
			log_info("%s: new unit", spec->name);
			s->reload_new = true;
			continue;
		}
		svc_event(s, FSM_KEEP, 0);
		/* against the definition that will run: the pending one if any */
		if (unit_spec_equal(svc_def(s), spec)) {
			unit_spec_free(spec);
			continue;
		}
		if (s->next_spec && unit_spec_equal(s->spec, spec)) {
			log_info("%s: change reverted, the running definition stays", spec->name);
			unit_spec_free(s->next_spec);
			s->next_spec = NULL;
			unit_spec_free(spec);
			continue;
		}
		log_info("%s: changed", spec->name);
		unit_spec_free(s->next_spec);
		s->next_spec = spec;   /* svc_spawn() takes it up */
		s->reload_changed = true;
	}
	set.n = 0;
	unit_set_free(&set);
	free(names);

	/* the graph (and cycles) of the definitions that will run */
	svc_mgr.graph_dirty = true;
	(void)svc_deps_ensure();   /* svc_deps_update() below tries again, and logs */

	/* every unit to start is waiting before any moves: order holds */
	for (size_t i = 0; i < svc_mgr.n; i++) {
		struct svc *s = svc_mgr.v[i];

		if (s->reload_new && !trig_activated_only(s))
			(void)svc_start(s);
		else if (s->reload_changed)
			reload_changed(s);
		s->reload_new = s->reload_changed = false;
	}
	svc_mgr.deps_held = false;
	svc_deps_touch_all(false);
	svc_deps_update();
	return diag->n > from ? -EINVAL : 0;
}
