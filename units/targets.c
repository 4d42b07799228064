/* SPDX-License-Identifier: MIT */
/*
 * targets.c: orders through targets resolved into orders between units
 * (targets.h). One pass collects every (target, unit) of a Before= on a
 * target, sorted; a second looks each unit's targets up: O((E + U) log E).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "units/targets.h"
#include "units/trigger.h"
#include "units/value.h"

struct before {
	const char *target;
	size_t unit;
};

static bool is_target(const char *n)
{
	size_t len = strlen(n);

	return len > 7 && strcmp(n + len - 7, ".target") == 0;
}

static int cmp_before(const void *a, const void *b)
{
	const struct before *x = a, *y = b;
	int r = strcmp(x->target, y->target);

	return r ? r : (x->unit > y->unit) - (x->unit < y->unit);
}

/* What basic.target is After= in systemd 252 (units/basic.target). */
static const char *const basic_after[] = {
	"sysinit.target", "sockets.target", "paths.target", "slices.target",
};

#define WANT_MAX (UNIT_LIST_MAX + 8)

struct want {
	const char *v[WANT_MAX];
	size_t n;
};

static void want_add(struct want *w, const char *t)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i], t) == 0)
			return;
	if (w->n < WANT_MAX)
		w->v[w->n++] = t;
	if (strcmp(t, "basic.target") == 0)
		for (size_t i = 0; i < sizeof(basic_after) / sizeof(basic_after[0]); i++)
			want_add(w, basic_after[i]);
}

/* The targets s is ordered after, its default dependencies included. */
static void targets_of(const struct unit_spec *s, struct want *w)
{
	w->n = 0;
	for (char **a = s->after; a && *a; a++)
		if (is_target(*a))
			want_add(w, *a);
	if (!s->default_dependencies)
		return;
	want_add(w, "sysinit.target");
	if (!s->trigger) {
		want_add(w, "basic.target");
	} else if (s->trigger->kind == TRIG_TIMER) {
		want_add(w, "time-set.target");
		want_add(w, "time-sync.target");
	}
}

int unit_targets_order(struct unit_spec **v, size_t n, size_t *ret_dropped)
{
	struct before *b = NULL;
	size_t nb = 0, cap = 0;
	struct want *w = NULL;
	int r = 0;

	*ret_dropped = 0;
	for (size_t i = 0; i < n; i++)
		for (char **p = v[i]->before; p && *p; p++) {
			if (!is_target(*p))
				continue;
			if (nb == cap) {
				size_t c = cap ? 2 * cap : 64;
				struct before *nv = realloc(b, c * sizeof(*nv));

				if (!nv) {
					r = -ENOMEM;
					goto out;
				}
				b = nv;
				cap = c;
			}
			b[nb++] = (struct before){ *p, i };
		}
	if (!nb)
		goto out;
	qsort(b, nb, sizeof(*b), cmp_before);
	w = malloc(sizeof(*w));
	if (!w) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct unit_spec *s = v[i];

		if (s->trigger && s->trigger->kind == TRIG_SOCKET)
			continue;   /* bound before any unit starts: no order to keep */
		targets_of(s, w);
		for (size_t t = 0; t < w->n; t++) {
			struct before key = { w->v[t], 0 };
			size_t lo = 0, hi = nb;

			while (lo < hi) {   /* the first entry of that target */
				size_t mid = lo + (hi - lo) / 2;

				if (cmp_before(&b[mid], &key) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (size_t e = lo; e < nb && strcmp(b[e].target, w->v[t]) == 0; e++) {
				const char *name = v[b[e].unit]->name;
				char *c;

				if (b[e].unit == i || unit_strv_contains(s->after, name))
					continue;
				if (unit_strv_len(s->after) >= UNIT_LIST_MAX) {
					(*ret_dropped)++;
					continue;
				}
				c = strdup(name);
				if (!c || unit_strv_push(&s->after, c) < 0) {
					r = -ENOMEM;
					goto out;
				}
			}
		}
	}
out:
	free(w);
	free(b);
	return r;
}
