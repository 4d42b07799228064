/* SPDX-License-Identifier: MIT */
/* The dependency graph: name lookup, edges, cycles (SCC), start order, walks,
 * and a property test against a brute-force reference on random graphs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "services/deps.h"

/* ---- a small graph builder: "a:After=b,c Wants=d" ... ---------------- */

#define T_MAX 64

struct tgraph {
	size_t n;
	char names[T_MAX][16];
	char *lists[T_MAX][DEPS_KIND_MAX][T_MAX + 1];
	char words[T_MAX][DEPS_KIND_MAX][T_MAX][16];
	struct deps_unit u[T_MAX];
};

static void t_init(struct tgraph *t, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(t->names[i], sizeof(t->names[i]), "u%zu", i);
		t->u[i].name = t->names[i];
		for (int k = 0; k < DEPS_KIND_MAX; k++)
			t->u[i].lists[k] = t->lists[i][k];
	}
}

static void t_edge(struct tgraph *t, size_t from, int kind, const char *to)
{
	size_t j = 0;

	while (t->lists[from][kind][j])
		j++;
	assert_true(j < T_MAX);
	snprintf(t->words[from][kind][j], 16, "%s", to);
	t->lists[from][kind][j] = t->words[from][kind][j];
}

static void t_edgei(struct tgraph *t, size_t from, int kind, size_t to)
{
	char b[16];

	snprintf(b, sizeof(b), "u%zu", to);
	t_edge(t, from, kind, b);
}

static struct deps_graph *t_build(struct tgraph *t)
{
	struct deps_graph *g = NULL;

	assert_int_equal(deps_build(t->u, t->n, &g), 0);
	assert_non_null(g);
	return g;
}

/* ---- fixed cases -------------------------------------------------------- */

static void test_find(void **state)
{
	struct tgraph t;
	struct deps_graph *g;

	t_init(&t, 40);
	g = t_build(&t);
	for (uint32_t i = 0; i < 40; i++) {
		char b[16];

		snprintf(b, sizeof(b), "u%u", i);
		assert_int_equal(deps_find(g, b), i);
		assert_string_equal(deps_name(g, i), b);
	}
	assert_int_equal(deps_find(g, "u40"), DEPS_NONE);
	assert_int_equal(deps_find(g, ""), DEPS_NONE);
	assert_int_equal(deps_find(NULL, "u1"), DEPS_NONE);
	deps_free(g);
}

static void test_empty(void **state)
{
	struct deps_graph *g = NULL;
	size_t n;

	assert_int_equal(deps_build(NULL, 0, &g), 0);
	assert_int_equal(deps_count(g), 0);
	assert_int_equal(deps_find(g, "x"), DEPS_NONE);
	assert_int_equal(deps_queue_pop(g), DEPS_NONE);
	(void)deps_walk(g, 0, DEPS_PULLS, NULL, NULL, &n);
	assert_int_equal(n, 0);
	deps_free(g);
	deps_free(NULL);
}

static void test_edges_and_missing_names(void **state)
{
	struct tgraph t;
	struct deps_graph *g;
	const struct deps_edge *e;
	size_t n;

	t_init(&t, 3);
	t_edge(&t, 0, DEPS_AFTER, "u1");
	t_edge(&t, 0, DEPS_AFTER, "ghost");
	t_edge(&t, 0, DEPS_REQUIRES, "u2");
	t_edge(&t, 0, DEPS_REQUIRES, "nope");
	t_edge(&t, 0, DEPS_WANTS, "u0");     /* itself */
	t_edge(&t, 2, DEPS_BEFORE, "u1");    /* u1 waits for u2 */
	g = t_build(&t);
	/* nothing kept from the input */
	memset(t.words, 'x', sizeof(t.words));
	memset(t.names, 'y', sizeof(t.names));

	e = deps_edges(g, 0, &n);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].kind, DEPS_AFTER);
	assert_int_equal(e[0].to, 1);
	assert_int_equal(e[1].to, DEPS_NONE);
	assert_string_equal(e[1].name, "ghost");
	assert_int_equal(e[2].kind, DEPS_REQUIRES);
	assert_string_equal(e[3].name, "nope");
	assert_int_equal(e[4].to, 0);
	assert_int_equal(deps_find(g, "ghost"), DEPS_NONE);

	/* waits: After= only (only loaded); Requires= does not order */
	e = deps_waits_on(g, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].to, 1);
	assert_int_equal(e[0].kind, DEPS_AFTER);
	e = deps_waits_on(g, 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].to, 2);
	assert_int_equal(e[0].kind, DEPS_BEFORE);
	assert_int_equal(*deps_waited_by(g, 1, &n), 0);
	assert_int_equal(n, 1);
	(void)deps_waited_by(g, 2, &n);
	assert_int_equal(n, 1);   /* u1 (Before=); u0's Requires= is no wait */
	/* Requires= as written, the missing one too */
	e = deps_requires(g, 0, &n);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].to, 2);
	assert_int_equal(e[1].to, DEPS_NONE);
	assert_string_equal(e[1].name, "nope");
	assert_int_equal(*deps_required_by(g, 2, &n), 0);
	assert_int_equal(n, 1);
	(void)deps_required_by(g, 1, &n);
	assert_int_equal(n, 0);
	assert_int_equal(deps_cyclic_count(g), 0);
	deps_free(g);
}

static void test_self_edges_are_no_cycle(void **state)
{
	struct tgraph t;
	struct deps_graph *g;
	size_t n;

	t_init(&t, 1);
	t_edge(&t, 0, DEPS_AFTER, "u0");
	t_edge(&t, 0, DEPS_REQUIRES, "u0");
	g = t_build(&t);
	assert_false(deps_cyclic(g, 0));
	(void)deps_waits_on(g, 0, &n);
	assert_int_equal(n, 0);
	(void)deps_requires(g, 0, &n);
	assert_int_equal(n, 0);
	deps_free(g);
}

static void test_cycles(void **state)
{
	struct tgraph t;
	struct deps_graph *g;
	const struct deps_edge *e;
	const uint32_t *m, *by;
	size_t n;

	/* u0 After u1, u1 After u2, u2 After u0: one cycle; u3 After u0 is
	 * outside it, u0 After u4 too; u4 <-> u5 a pull cycle only; u6 Requires
	 * u0 and u0 Requires u6: a pull cycle (Requires= does not order) */
	t_init(&t, 7);
	t_edgei(&t, 0, DEPS_AFTER, 1);
	t_edgei(&t, 1, DEPS_AFTER, 2);
	t_edgei(&t, 2, DEPS_AFTER, 0);
	t_edgei(&t, 3, DEPS_AFTER, 0);
	t_edgei(&t, 0, DEPS_AFTER, 4);
	t_edgei(&t, 4, DEPS_WANTS, 5);
	t_edgei(&t, 5, DEPS_WANTS, 4);
	t_edgei(&t, 5, DEPS_BINDS_TO, 4);
	t_edgei(&t, 6, DEPS_REQUIRES, 0);
	t_edgei(&t, 0, DEPS_REQUIRES, 6);
	g = t_build(&t);
	assert_true(deps_cyclic(g, 0) && deps_cyclic(g, 1) && deps_cyclic(g, 2));
	assert_false(deps_cyclic(g, 3) || deps_cyclic(g, 4) || deps_cyclic(g, 5) ||
		     deps_cyclic(g, 6));
	assert_true(deps_same_cycle(g, 0, 2));
	assert_false(deps_same_cycle(g, 0, 3));
	assert_int_equal(deps_cyclic_count(g), 3);
	m = deps_members(g, deps_component(g, 1), &n);
	assert_int_equal(n, 3);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], 2);
	/* the edges inside the cycle are gone; those from and to outside hold */
	e = deps_waits_on(g, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].to, 4);
	(void)deps_waits_on(g, 1, &n);
	assert_int_equal(n, 0);
	(void)deps_waits_on(g, 2, &n);
	assert_int_equal(n, 0);
	e = deps_waits_on(g, 3, &n);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].to, 0);
	by = deps_waited_by(g, 0, &n);
	assert_int_equal(n, 1);
	assert_int_equal(by[0], 3);
	/* and the order keeps them: u4 before u0, u0 before u3 */
	{
		const uint32_t *o = deps_order(g);
		size_t pos[7];

		for (size_t i = 0; i < 7; i++)
			pos[o[i]] = i;
		assert_true(pos[4] < pos[0] && pos[0] < pos[3]);
	}
	deps_free(g);

	/* Before= closes a cycle too */
	t_init(&t, 2);
	t_edgei(&t, 0, DEPS_AFTER, 1);
	t_edgei(&t, 0, DEPS_BEFORE, 1);
	g = t_build(&t);
	assert_true(deps_same_cycle(g, 0, 1));
	(void)deps_waits_on(g, 0, &n);
	assert_int_equal(n, 0);
	(void)deps_waits_on(g, 1, &n);
	assert_int_equal(n, 0);
	deps_free(g);

	/* After= one way, Requires= the other: no cycle any more */
	t_init(&t, 2);
	t_edgei(&t, 0, DEPS_AFTER, 1);
	t_edgei(&t, 1, DEPS_REQUIRES, 0);
	g = t_build(&t);
	assert_int_equal(deps_cyclic_count(g), 0);
	assert_int_equal(deps_waits_on(g, 0, &n)->to, 1);
	deps_free(g);
}

/* A chain of 100000 After= and a Wants= ring as long: no recursion. */
static void test_deep_chains(void **state)
{
	enum { N = 100000 };
	struct deps_unit *u = calloc(N, sizeof(*u));
	char (*names)[16] = calloc(N, 16);
	char **lists = calloc(2 * N, sizeof(*lists));
	char **after = calloc(2 * N, sizeof(*after));   /* n_i After= n_i-1 */
	struct deps_graph *g = NULL;
	const uint32_t *v;
	size_t n;

	assert_non_null(u);
	assert_non_null(names);
	assert_non_null(lists);
	for (size_t i = 0; i < N; i++)
		snprintf(names[i], 16, "n%zu", i);
	for (size_t i = 0; i < N; i++) {
		u[i].name = names[i];
		lists[2 * i] = names[(i + 1) % N];
		u[i].lists[DEPS_WANTS] = &lists[2 * i];   /* n_i Wants= n_i+1: a ring */
	}
	assert_non_null(after);
	for (size_t i = 1; i < N; i++) {
		after[2 * i] = names[i - 1];
		u[i].lists[DEPS_AFTER] = &after[2 * i];
	}
	assert_int_equal(deps_build(u, N, &g), 0);
	assert_int_equal(deps_cyclic_count(g), 0);
	v = deps_order(g);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(v[i], i);
	v = deps_walk(g, 0, DEPS_PULLS, NULL, NULL, &n);
	assert_int_equal(n, N);
	assert_int_equal(v[N - 1], N - 1);
	deps_free(g);

	/* closed: one cycle of N */
	after[0] = names[N - 1];
	u[0].lists[DEPS_AFTER] = &after[0];
	assert_int_equal(deps_build(u, N, &g), 0);
	assert_int_equal(deps_cyclic_count(g), N);
	deps_free(g);
	free(after);
	free(lists);
	free(names);
	free(u);
}

/* The new kinds: names, referrers, and a PartOf= chain of 100000 walked
 * back without recursion. */
static void test_kinds_and_referrers(void **state)
{
	enum { N = 100000 };
	struct tgraph t;
	struct deps_graph *g;
	const struct deps_edge *r;
	size_t n;
	struct deps_unit *u = calloc(N, sizeof(*u));
	char (*names)[16] = calloc(N, 16);
	char **lists = calloc(2 * N, sizeof(*lists));
	const uint32_t *v;

	assert_string_equal(deps_kind_name(DEPS_BINDS_TO), "BindsTo");
	assert_string_equal(deps_kind_name(DEPS_RELOAD_PROPAGATED_FROM), "ReloadPropagatedFrom");
	for (int k = 0; k < DEPS_KIND_MAX; k++)
		assert_string_not_equal(deps_kind_name((enum deps_kind)k), "?");
	assert_true(DEPS_PULLS & DEPS_BIT(DEPS_UPHOLDS));
	assert_false(DEPS_PULLS & DEPS_BIT(DEPS_REQUISITE));   /* never pulled */
	assert_false(DEPS_PULLS & DEPS_BIT(DEPS_PART_OF));
	assert_false(DEPS_PULLS & DEPS_BIT(DEPS_CONFLICTS));

	t_init(&t, 3);
	t_edgei(&t, 0, DEPS_CONFLICTS, 1);
	t_edgei(&t, 2, DEPS_PART_OF, 1);
	t_edgei(&t, 2, DEPS_ON_FAILURE, 1);
	t_edgei(&t, 1, DEPS_CONFLICTS, 1);   /* itself: left out */
	g = t_build(&t);
	r = deps_referrers(g, 1, &n);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].to, 0);
	assert_int_equal(r[0].kind, DEPS_CONFLICTS);
	assert_int_equal(r[1].to, 2);
	assert_int_equal(r[1].kind, DEPS_PART_OF);
	assert_int_equal(r[2].kind, DEPS_ON_FAILURE);
	(void)deps_referrers(g, 0, &n);
	assert_int_equal(n, 0);
	/* these kinds do not order */
	(void)deps_waits_on(g, 2, &n);
	assert_int_equal(n, 0);
	deps_free(g);

	assert_non_null(u);
	assert_non_null(names);
	assert_non_null(lists);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], 16, "n%zu", i);
		u[i].name = names[i];
	}
	for (size_t i = 1; i < N; i++) {
		lists[2 * i] = names[i - 1];
		u[i].lists[DEPS_PART_OF] = &lists[2 * i];   /* n_i PartOf= n_i-1 */
	}
	assert_int_equal(deps_build(u, N, &g), 0);
	v = deps_walk_back(g, 0, DEPS_BIT(DEPS_PART_OF), &n);
	assert_int_equal(n, N);
	assert_int_equal(v[N - 1], N - 1);
	v = deps_walk_back(g, 0, DEPS_BIT(DEPS_BINDS_TO), &n);
	assert_int_equal(n, 1);
	deps_free(g);

	/* reload propagation: 0 PropagatesReloadTo=1, 2 ReloadPropagatedFrom=1,
	 * 1 PropagatesReloadTo=3, 3 PropagatesReloadTo=0 (a ring), 4 apart */
	t_init(&t, 5);
	t_edgei(&t, 0, DEPS_PROPAGATES_RELOAD_TO, 1);
	t_edgei(&t, 2, DEPS_RELOAD_PROPAGATED_FROM, 1);
	t_edgei(&t, 1, DEPS_PROPAGATES_RELOAD_TO, 3);
	t_edgei(&t, 3, DEPS_PROPAGATES_RELOAD_TO, 0);
	t_edgei(&t, 4, DEPS_PROPAGATES_RELOAD_TO, 9);   /* missing: skipped */
	g = t_build(&t);
	v = deps_walk_reload(g, 0, &n);
	assert_int_equal(n, 4);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 1);
	{
		bool got[5] = { false };

		for (size_t i = 0; i < n; i++)
			got[v[i]] = true;
		assert_true(got[2] && got[3] && !got[4]);
	}
	v = deps_walk_reload(g, 2, &n);   /* 2 only receives */
	assert_int_equal(n, 1);
	v = deps_walk_reload(g, 4, &n);
	assert_int_equal(n, 1);
	deps_free(g);
	free(lists);
	free(names);
	free(u);
}

static bool follow_even(uint32_t node, void *ctx)
{
	(*(int *)ctx)++;
	return node % 2 == 0;
}

static void test_walk_follow_and_queue(void **state)
{
	struct tgraph t;
	struct deps_graph *g;
	const uint32_t *v;
	size_t n;
	int calls = 0;

	/* 0 -> 1 -> 3, 0 -> 2 -> 4, 4 -> 0 (Wants/Requires), 2 After 5 */
	t_init(&t, 6);
	t_edgei(&t, 0, DEPS_WANTS, 1);
	t_edgei(&t, 0, DEPS_REQUIRES, 2);
	t_edgei(&t, 1, DEPS_WANTS, 3);
	t_edgei(&t, 2, DEPS_WANTS, 4);
	t_edgei(&t, 4, DEPS_WANTS, 0);
	t_edgei(&t, 2, DEPS_AFTER, 5);
	g = t_build(&t);
	v = deps_walk(g, 0, DEPS_PULLS, NULL, NULL, &n);
	assert_int_equal(n, 5);
	assert_int_equal(v[0], 0);
	v = deps_walk(g, 0, DEPS_PULLS, follow_even, &calls, &n);
	assert_int_equal(n, 4);   /* 1 is reached, not followed: 3 is not */
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(v[i], 3);
	assert_int_equal(calls, 4);
	v = deps_walk(g, 2, DEPS_BIT(DEPS_AFTER), NULL, NULL, &n);
	assert_int_equal(n, 2);
	assert_int_equal(v[1], 5);

	for (uint32_t i = 0; i < 6; i++) {
		deps_queue_push(g, i);
		deps_queue_push(g, i);   /* once */
	}
	deps_queue_push(g, 99);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(deps_queue_pop(g), i);
	assert_int_equal(deps_queue_pop(g), DEPS_NONE);
	deps_queue_push(g, 4);
	assert_int_equal(deps_queue_pop(g), 4);
	deps_free(g);
}

/* ---- the property test: random small graphs against a brute force ------ */

static uint64_t rng = 0x5eed5eedu;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void check_random(size_t n, unsigned density)
{
	struct tgraph t;
	struct deps_graph *g;
	bool wait[T_MAX][T_MAX] = { { false } }, pull[T_MAX][T_MAX] = { { false } };
	bool req[T_MAX][T_MAX] = { { false } };
	unsigned nreq[T_MAX] = { 0 };
	static bool reach[T_MAX][T_MAX], preach[T_MAX][T_MAX], part[T_MAX][T_MAX];
	static unsigned cnt_edges[T_MAX][T_MAX][DEPS_KIND_MAX];   /* from i to j of kind k */
	size_t pos[T_MAX];
	const uint32_t *order;

	t_init(&t, n);
	memset(cnt_edges, 0, sizeof(cnt_edges));
	memset(part, 0, sizeof(part));
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < DEPS_KIND_MAX; k++) {
			unsigned m = rnd(density + 1);

			for (unsigned e = 0; e < m; e++) {
				size_t j = rnd((uint32_t)n + 1);   /* n: a missing name */

				if (j == n) {
					t_edge(&t, i, k, "missing");
					nreq[i] += k == DEPS_REQUIRES;
					continue;
				}
				t_edgei(&t, i, k, j);
				if (j != i)
					cnt_edges[i][j][k]++;
				if (k == DEPS_PART_OF)
					part[j][i] = true;   /* back from j: i is part of it */
				if (k == DEPS_BEFORE)
					wait[j][i] = j != i;
				else if (DEPS_ORDERS & DEPS_BIT(k))
					wait[i][j] = wait[i][j] || j != i;
				if (DEPS_PULLS & DEPS_BIT(k))
					pull[i][j] = true;
				if (k == DEPS_REQUIRES && j != i) {
					req[i][j] = true;
					nreq[i]++;
				}
			}
		}
	}
	g = t_build(&t);

	/* reference: transitive closures (Floyd-Warshall) */
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

			assert_int_equal(deps_component(g, (uint32_t)i) == deps_component(g, (uint32_t)j), same);
			cyc = cyc || (j != i && same);
		}
		assert_int_equal(deps_cyclic(g, (uint32_t)i), cyc);
	}

	/* the start order: a permutation, every wait edge outside a cycle kept */
	order = deps_order(g);
	for (size_t i = 0; i < n; i++)
		pos[i] = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		assert_true(order[i] < n);
		assert_int_equal(pos[order[i]], SIZE_MAX);
		pos[order[i]] = i;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (wait[i][j] && !deps_same_cycle(g, (uint32_t)i, (uint32_t)j))
				assert_true(pos[j] < pos[i]);

	/* waits_on and waited_by are each other's reverse, and match wait[][]
	 * without the edges inside a cycle; requires matches req[][] */
	for (size_t i = 0; i < n; i++) {
		size_t nw, nb;
		const struct deps_edge *w = deps_waits_on(g, (uint32_t)i, &nw);
		bool seen[T_MAX] = { false };

		for (size_t e = 0; e < nw; e++) {
			size_t cnt = 0;
			const uint32_t *by;

			assert_true(w[e].to < n);
			assert_true(w[e].kind == DEPS_AFTER || w[e].kind == DEPS_BEFORE);
			assert_true(wait[i][w[e].to]);
			seen[w[e].to] = true;
			by = deps_waited_by(g, w[e].to, &nb);
			for (size_t b = 0; b < nb; b++)
				cnt += by[b] == i;
			assert_true(cnt > 0);
		}
		for (size_t j = 0; j < n; j++)
			assert_int_equal(seen[j],
					 wait[i][j] && !deps_same_cycle(g, (uint32_t)i, (uint32_t)j));

		w = deps_requires(g, (uint32_t)i, &nw);
		assert_int_equal(nw, nreq[i]);
		memset(seen, 0, sizeof(seen));
		for (size_t e = 0; e < nw; e++) {
			size_t cnt = 0;
			const uint32_t *by;

			assert_int_equal(w[e].kind, DEPS_REQUIRES);
			if (w[e].to == DEPS_NONE) {
				assert_string_equal(w[e].name, "missing");
				continue;
			}
			assert_true(req[i][w[e].to]);
			seen[w[e].to] = true;
			by = deps_required_by(g, w[e].to, &nb);
			for (size_t b = 0; b < nb; b++)
				cnt += by[b] == i;
			assert_true(cnt > 0);
		}
		for (size_t j = 0; j < n; j++)
			assert_int_equal(seen[j], req[i][j]);
	}

	/* referrers are every edge seen from its target, by kind */
	for (size_t j = 0; j < n; j++) {
		size_t nr;
		const struct deps_edge *r = deps_referrers(g, (uint32_t)j, &nr);
		static unsigned got[T_MAX][DEPS_KIND_MAX];

		memset(got, 0, sizeof(got));
		for (size_t e = 0; e < nr; e++) {
			assert_true(r[e].to < n);
			assert_true(r[e].to != j);
			assert_string_equal(r[e].name, deps_name(g, r[e].to));
			got[r[e].to][r[e].kind]++;
		}
		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < DEPS_KIND_MAX; k++)
				assert_int_equal(got[i][k], cnt_edges[i][j][k]);
	}

	/* walking back along PartOf= reaches exactly its reverse closure */
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				part[i][j] = part[i][j] || (part[i][k] && part[k][j]);
	for (size_t i = 0; i < n; i++) {
		size_t nr;
		const uint32_t *v = deps_walk_back(g, (uint32_t)i, DEPS_BIT(DEPS_PART_OF), &nr);
		bool got[T_MAX] = { false };

		assert_int_equal(v[0], i);
		for (size_t e = 0; e < nr; e++) {
			assert_false(got[v[e]]);
			got[v[e]] = true;
		}
		for (size_t j = 0; j < n; j++)
			assert_int_equal(got[j], j == i || part[i][j]);
	}

	/* pull walks reach exactly the pull closure */
	for (size_t i = 0; i < n; i++) {
		size_t nr;
		const uint32_t *v = deps_walk(g, (uint32_t)i, DEPS_PULLS, NULL, NULL, &nr);
		bool got[T_MAX] = { false };

		assert_int_equal(v[0], i);
		for (size_t e = 0; e < nr; e++) {
			assert_false(got[v[e]]);
			got[v[e]] = true;
		}
		for (size_t j = 0; j < n; j++)
			assert_int_equal(got[j], preach[i][j]);
	}
	deps_free(g);
}

static void test_random_graphs(void **state)
{
	const char *seed = getenv("DEPS_SEED");

	if (seed)
		rng = strtoull(seed, NULL, 0) | 1;
	for (int round = 0; round < 4000; round++)
		check_random(1 + rnd(T_MAX / 2), 1 + (unsigned)(round % 3));
	for (int round = 0; round < 200; round++)
		check_random(T_MAX, 1 + (unsigned)(round % 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_edges_and_missing_names),
		cmocka_unit_test(test_self_edges_are_no_cycle),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_deep_chains),
		cmocka_unit_test(test_walk_follow_and_queue),
		cmocka_unit_test(test_kinds_and_referrers),
		cmocka_unit_test(test_random_graphs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
