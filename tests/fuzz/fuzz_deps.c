/* SPDX-License-Identifier: MIT */
/*
 * fuzz_deps: unit directories with random dependency graphs, through the real
 * loader (unit_load_dir()) and the dependency graph (deps.c), then a "reload"
 * to a second random graph built as svc.c builds it (the new definitions,
 * plus the removed units without edges).
 *
 * The input describes two graphs of up to 24 units each: per unit and edge
 * kind a count and targets (a unit, the unit itself, or a name that is not
 * loaded). After=, Requires= and Wants= go through unit files; Before=,
 * BindsTo= and PartOf= (not parsed yet) are handed to deps_build() directly,
 * so that cycles of every edge kind are built. Checked against a brute force
 * (transitive closure): component membership and cycles, the start order,
 * waits_on/waited_by, pull walks; every name resolves; a file written twice
 * the same loads into equal specs (reload leaves it alone).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/deps.h"
#include "tests/fuzz/fuzz.h"
#include "units/unit.h"

#define NMAX 24
#define EMAX 6          /* edges per unit and kind */

struct gen {
	size_t n;
	/* targets per unit and kind: 0..n-1 a unit, n a missing name */
	unsigned char t[NMAX][DEPS_KIND_MAX][EMAX];
	unsigned char c[NMAX][DEPS_KIND_MAX];
	char text[NMAX][1024];
};

struct rd {
	const uint8_t *p;
	size_t left;
};

static unsigned byte(struct rd *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

static void gen_read(struct gen *g, struct rd *r)
{
	static const char *const keys[] = { [DEPS_AFTER] = "After", [DEPS_REQUIRES] = "Requires",
					    [DEPS_WANTS] = "Wants" };

	memset(g, 0, sizeof(*g));
	g->n = 1 + byte(r) % NMAX;
	for (size_t i = 0; i < g->n; i++) {
		size_t off = 0;

		off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off, "[Unit]\n");
		for (int k = 0; k < DEPS_KIND_MAX; k++) {
			g->c[i][k] = (unsigned char)(byte(r) % (EMAX + 1));
			for (unsigned e = 0; e < g->c[i][k]; e++)
				g->t[i][k][e] = (unsigned char)(byte(r) % (g->n + 1));
			if (k > DEPS_WANTS || !g->c[i][k])
				continue;
			off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off, "%s=", keys[k]);
			for (unsigned e = 0; e < g->c[i][k]; e++) {
				unsigned t = g->t[i][k][e];

				if (t == g->n)
					off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off,
								"%sghost%u", e ? " " : "", (unsigned)(i % 3));
				else if (t % 2)   /* with and without the suffix */
					off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off,
								"%su%u.service", e ? " " : "", t);
				else
					off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off,
								"%su%u", e ? " " : "", t);
			}
			off += (size_t)snprintf(g->text[i] + off, sizeof(g->text[i]) - off, "\n");
		}
		snprintf(g->text[i] + off, sizeof(g->text[i]) - off,
			 "[Service]\nExecStart=/bin/true\nNamespaces=none\n");
	}
}

static char dir[64];

static void write_dir(const struct gen *g)
{
	char path[128];

	for (unsigned i = 0; i < NMAX; i++) {
		snprintf(path, sizeof(path), "%s/u%u.service", dir, i);
		if (i >= g->n) {
			(void)unlink(path);
			continue;
		}
		FILE *f = fopen(path, "w");

		FUZZ_CHECK(f != NULL);
		FUZZ_CHECK(fputs(g->text[i], f) >= 0);
		FUZZ_CHECK(fclose(f) == 0);
	}
}

static unsigned node_of(const char *name)
{
	FUZZ_CHECK(name[0] == 'u');
	return (unsigned)strtoul(name + 1, NULL, 10);
}

/* The graph of `units` against the brute force. */
static void check_graph(const struct deps_unit *units, size_t n)
{
	static bool wait[NMAX][NMAX], pull[NMAX][NMAX], reach[NMAX][NMAX], preach[NMAX][NMAX];
	static bool req[NMAX][NMAX];
	static unsigned nreq[NMAX];
	struct deps_graph *g = NULL;
	size_t pos[NMAX];
	const uint32_t *order;

	FUZZ_CHECK(deps_build(units, n, &g) == 0);
	FUZZ_CHECK(deps_count(g) == n);
	memset(wait, 0, sizeof(wait));
	memset(pull, 0, sizeof(pull));
	memset(req, 0, sizeof(req));
	memset(nreq, 0, sizeof(nreq));
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(deps_find(g, units[i].name) == i);
		for (int k = 0; k < DEPS_KIND_MAX; k++) {
			for (char *const *w = units[i].lists[k]; w && *w; w++) {
				uint32_t j = deps_find(g, *w);

				if (j == DEPS_NONE) {
					FUZZ_CHECK(strncmp(*w, "ghost", 5) == 0);
					nreq[i] += k == DEPS_REQUIRES;
					continue;
				}
				if (k == DEPS_REQUIRES && j != i) {
					req[i][j] = true;
					nreq[i]++;
				}
				if (k == DEPS_BEFORE)
					wait[j][i] = wait[j][i] || j != i;
				else if (DEPS_ORDERS & DEPS_BIT(k))
					wait[i][j] = wait[i][j] || j != i;
				if (DEPS_PULLS & DEPS_BIT(k))
					pull[i][j] = true;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			reach[i][j] = wait[i][j];
			preach[i][j] = pull[i][j] || i == j;
		}
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				reach[i][j] = reach[i][j] || (reach[i][k] && reach[k][j]);
				preach[i][j] = preach[i][j] || (preach[i][k] && preach[k][j]);
			}
	for (size_t i = 0; i < n; i++) {
		bool cyc = false;

		for (size_t j = 0; j < n; j++) {
			bool same = i == j || (reach[i][j] && reach[j][i]);

			FUZZ_CHECK((deps_component(g, (uint32_t)i) == deps_component(g, (uint32_t)j)) == same);
			cyc = cyc || (i != j && same);
		}
		FUZZ_CHECK(deps_cyclic(g, (uint32_t)i) == cyc);
	}
	order = deps_order(g);
	for (size_t i = 0; i < n; i++)
		pos[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(order[i] < n && pos[order[i]] == SIZE_MAX);
		pos[order[i]] = i;
	}
	for (size_t i = 0; i < n; i++) {
		size_t nw, nb, cnt = 0;
		const struct deps_edge *w = deps_waits_on(g, (uint32_t)i, &nw);
		const uint32_t *v;

		for (size_t j = 0; j < n; j++)
			if (wait[i][j] && !deps_same_cycle(g, (uint32_t)i, (uint32_t)j))
				FUZZ_CHECK(pos[j] < pos[i]);
		bool seen[NMAX] = { false };

		/* ordering that holds: wait[][] without the edges inside a cycle */
		for (size_t e = 0; e < nw; e++) {
			FUZZ_CHECK(w[e].to < n && wait[i][w[e].to]);
			FUZZ_CHECK(!deps_same_cycle(g, (uint32_t)i, w[e].to));
			FUZZ_CHECK(pos[w[e].to] < pos[i]);
			seen[w[e].to] = true;
			v = deps_waited_by(g, w[e].to, &nb);
			cnt = 0;
			for (size_t b = 0; b < nb; b++)
				cnt += v[b] == i;
			FUZZ_CHECK(cnt > 0);
		}
		for (size_t j = 0; j < n; j++)
			FUZZ_CHECK(seen[j] == (wait[i][j] && !deps_same_cycle(g, (uint32_t)i, (uint32_t)j)));
		/* Requires= as written, and its reverse */
		w = deps_requires(g, (uint32_t)i, &nw);
		FUZZ_CHECK(nw == nreq[i]);
		memset(seen, 0, sizeof(seen));
		for (size_t e = 0; e < nw; e++) {
			FUZZ_CHECK(w[e].kind == DEPS_REQUIRES);
			if (w[e].to == DEPS_NONE)
				continue;
			FUZZ_CHECK(req[i][w[e].to]);
			seen[w[e].to] = true;
			v = deps_required_by(g, w[e].to, &nb);
			cnt = 0;
			for (size_t b = 0; b < nb; b++)
				cnt += v[b] == i;
			FUZZ_CHECK(cnt > 0);
		}
		for (size_t j = 0; j < n; j++)
			FUZZ_CHECK(seen[j] == req[i][j]);
		v = deps_walk(g, (uint32_t)i, DEPS_PULLS, NULL, NULL, &nb);
		cnt = 0;
		for (size_t j = 0; j < n; j++)
			cnt += preach[i][j];
		FUZZ_CHECK(nb == cnt && v[0] == i);
		for (size_t b = 0; b < nb; b++)
			FUZZ_CHECK(preach[i][v[b]]);
		deps_queue_push(g, (uint32_t)i);
	}
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(deps_queue_pop(g) == i);
	FUZZ_CHECK(deps_queue_pop(g) == DEPS_NONE);
	deps_free(g);
}

/* Extra lists (Before=, BindsTo=, PartOf=) of unit u, as names. */
static char extra_names[NMAX][DEPS_KIND_MAX][EMAX][16];
static char *extra[NMAX][DEPS_KIND_MAX][EMAX + 1];

static void fill_units(struct deps_unit *u, struct unit_spec *const *specs, size_t n,
		       const struct gen *g)
{
	for (size_t i = 0; i < n; i++) {
		unsigned me = node_of(specs[i]->name);

		memset(&u[i], 0, sizeof(u[i]));
		u[i].name = specs[i]->name;
		u[i].lists[DEPS_AFTER] = specs[i]->after;
		u[i].lists[DEPS_REQUIRES] = specs[i]->requires;
		u[i].lists[DEPS_WANTS] = specs[i]->wants;
		for (int k = DEPS_BEFORE; k < DEPS_KIND_MAX; k++) {
			unsigned e;

			for (e = 0; e < g->c[me][k]; e++) {
				unsigned t = g->t[me][k][e];

				if (t == g->n)
					snprintf(extra_names[i][k][e], 16, "ghost%d", k);
				else
					snprintf(extra_names[i][k][e], 16, "u%u", t);
				extra[i][k][e] = extra_names[i][k][e];
			}
			extra[i][k][e] = NULL;
			u[i].lists[k] = extra[i][k];
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gen g1, g2;
	struct rd r = { data, size };
	struct unit_diag diag = { .n = 0 };
	struct unit_set s1 = { 0 }, s2 = { 0 };
	struct deps_unit u[2 * NMAX];
	size_t n = 0;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_deps.XXXXXX");
		FUZZ_CHECK(mkdtemp(dir) != NULL);
	}
	gen_read(&g1, &r);
	gen_read(&g2, &r);

	write_dir(&g1);
	FUZZ_CHECK(unit_load_dir(dir, &diag, &s1) == 0);
	FUZZ_CHECK(diag.n == 0 && s1.n == g1.n);
	fill_units(u, s1.units, s1.n, &g1);
	check_graph(u, s1.n);

	/* the reload: g2's units, then those of g1 that are gone, without edges */
	write_dir(&g2);
	FUZZ_CHECK(unit_load_dir(dir, &diag, &s2) == 0);
	FUZZ_CHECK(diag.n == 0 && s2.n == g2.n);
	fill_units(u, s2.units, s2.n, &g2);
	n = s2.n;
	for (size_t i = 0; i < s1.n; i++) {
		unsigned me = node_of(s1.units[i]->name);

		if (me < g2.n) {
			/* in both: the same text is the same spec */
			for (size_t j = 0; j < s2.n; j++)
				if (strcmp(s2.units[j]->name, s1.units[i]->name) == 0 &&
				    strcmp(g1.text[me], g2.text[me]) == 0)
					FUZZ_CHECK(unit_spec_equal(s1.units[i], s2.units[j]));
			continue;
		}
		memset(&u[n], 0, sizeof(u[n]));
		u[n].name = s1.units[i]->name;
		n++;
	}
	check_graph(u, n);

	unit_set_free(&s1);
	unit_set_free(&s2);
	unit_diag_free(&diag);
	return 0;
}
