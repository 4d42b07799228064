/* SPDX-License-Identifier: MIT */
/*
 * deps.c: the dependency graph (see deps.h). Everything is sized and
 * allocated in deps_build(); lookups, walks and the queue allocate nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "services/deps.h"

struct deps_graph {
	size_t n;
	const char **names;         /* node -> its name (in arena) */
	char *arena;                /* node names, then the names of missing targets */
	uint32_t *hash;             /* open addressing, DEPS_NONE = empty */
	size_t hash_mask;

	struct deps_edge *edges;    /* as written, node by node */
	size_t *edge_at;            /* n + 1 */
	struct deps_edge *waits;    /* what each node waits for (ordering that holds) */
	size_t *wait_at;
	uint32_t *wby;              /* who waits for each node */
	size_t *wby_at;
	struct deps_edge *reqs;     /* the Requires= of each node */
	size_t *req_at;
	uint32_t *rby;              /* who requires each node */
	size_t *rby_at;
	struct deps_edge *refs;     /* every edge from the other side (deps_referrers) */
	size_t *ref_at;

	uint32_t *comp;             /* node -> component */
	size_t n_comp;
	uint32_t *members;          /* component by component, nodes ascending */
	size_t *member_at;          /* n_comp + 1 */
	size_t n_cyclic;
	uint32_t *order;            /* start order */

	/* scratch for walks and the queue */
	uint32_t *mark;
	uint32_t epoch;
	uint32_t *walk;
	uint32_t *queue;
	unsigned char *queued;
	size_t q_head, q_len;
};

const char *deps_kind_name(enum deps_kind k)
{
	static const char *const names[DEPS_KIND_MAX] = {
		[DEPS_AFTER] = "After", [DEPS_REQUIRES] = "Requires", [DEPS_WANTS] = "Wants",
		[DEPS_BEFORE] = "Before", [DEPS_BINDS_TO] = "BindsTo", [DEPS_PART_OF] = "PartOf",
		[DEPS_CONFLICTS] = "Conflicts", [DEPS_REQUISITE] = "Requisite",
		[DEPS_UPHOLDS] = "Upholds", [DEPS_ON_FAILURE] = "OnFailure",
		[DEPS_ON_SUCCESS] = "OnSuccess", [DEPS_PROPAGATES_RELOAD_TO] = "PropagatesReloadTo",
		[DEPS_RELOAD_PROPAGATED_FROM] = "ReloadPropagatedFrom",
	};

	return (unsigned)k < DEPS_KIND_MAX ? names[k] : "?";
}

/* Every edge seen from its target (loaded targets, no self edges). */
static int build_referrers(struct deps_graph *g)
{
	size_t n = g->n, *fill;

	g->ref_at = calloc(n + 1, sizeof(*g->ref_at));
	fill = malloc((n + 1) * sizeof(*fill));
	if (!g->ref_at || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t e = g->edge_at[i]; e < g->edge_at[i + 1]; e++)
			if (g->edges[e].to != DEPS_NONE && g->edges[e].to != i)
				g->ref_at[g->edges[e].to + 1]++;
	for (size_t i = 0; i < n; i++)
		g->ref_at[i + 1] += g->ref_at[i];
	g->refs = malloc((g->ref_at[n] ? g->ref_at[n] : 1) * sizeof(*g->refs));
	if (!g->refs) {
		free(fill);
		return -ENOMEM;
	}
	memcpy(fill, g->ref_at, (n + 1) * sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		for (size_t e = g->edge_at[i]; e < g->edge_at[i + 1]; e++) {
			uint32_t t = g->edges[e].to;

			if (t == DEPS_NONE || t == i)
				continue;
			g->refs[fill[t]++] = (struct deps_edge){
				.to = (uint32_t)i, .kind = g->edges[e].kind, .name = g->names[i] };
		}
	free(fill);
	return 0;
}

uint64_t deps_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

uint32_t deps_find(const struct deps_graph *g, const char *name)
{
	size_t i;

	if (!g || !name)
		return DEPS_NONE;
	for (i = deps_hash(name) & g->hash_mask;; i = (i + 1) & g->hash_mask) {
		uint32_t v = g->hash[i];

		if (v == DEPS_NONE)
			return DEPS_NONE;
		if (strcmp(g->names[v], name) == 0)
			return v;
	}
}

/* Insert node v unless its name is there; returns whether it was new. */
static bool hash_add(struct deps_graph *g, uint32_t v)
{
	size_t i;

	for (i = deps_hash(g->names[v]) & g->hash_mask;; i = (i + 1) & g->hash_mask) {
		if (g->hash[i] == DEPS_NONE) {
			g->hash[i] = v;
			return true;
		}
		if (strcmp(g->names[g->hash[i]], g->names[v]) == 0)
			return false;
	}
}

void deps_free(struct deps_graph *g)
{
	if (!g)
		return;
	free(g->names);
	free(g->arena);
	free(g->hash);
	free(g->edges);
	free(g->edge_at);
	free(g->waits);
	free(g->wait_at);
	free(g->wby);
	free(g->wby_at);
	free(g->reqs);
	free(g->req_at);
	free(g->rby);
	free(g->rby_at);
	free(g->refs);
	free(g->ref_at);
	free(g->comp);
	free(g->members);
	free(g->member_at);
	free(g->order);
	free(g->mark);
	free(g->walk);
	free(g->queue);
	free(g->queued);
	free(g);
}

/* Tarjan's algorithm over the waits_on edges, with an explicit stack: the
 * depth of a chain in the unit files never reaches the C stack. Components
 * come out after every component they reach, which is a start order. */
static int scc(struct deps_graph *g)
{
	size_t n = g->n, next = 0, top = 0, ctop = 0;
	uint32_t *index = malloc(n * sizeof(*index)), *low = malloc(n * sizeof(*low));
	uint32_t *stack = malloc(n * sizeof(*stack)), *call = malloc(n * sizeof(*call));
	size_t *pos = malloc(n * sizeof(*pos));
	unsigned char *on = calloc(n, 1);
	size_t *fill = NULL;
	int r = -ENOMEM;

	g->comp = malloc(n * sizeof(*g->comp));
	g->members = malloc(n * sizeof(*g->members));
	g->order = malloc(n * sizeof(*g->order));
	if (!index || !low || !stack || !call || !pos || !on || !g->comp || !g->members || !g->order)
		goto out;
	for (size_t i = 0; i < n; i++)
		index[i] = DEPS_NONE;
	g->n_comp = 0;
	for (size_t root = 0; root < n; root++) {
		if (index[root] != DEPS_NONE)
			continue;
		call[ctop++] = (uint32_t)root;
		index[root] = low[root] = (uint32_t)next++;
		pos[root] = g->wait_at[root];
		stack[top++] = (uint32_t)root;
		on[root] = 1;
		while (ctop > 0) {
			uint32_t v = call[ctop - 1];

			if (pos[v] < g->wait_at[v + 1]) {
				uint32_t w = g->waits[pos[v]++].to;

				if (w == DEPS_NONE)
					continue;
				if (index[w] == DEPS_NONE) {
					index[w] = low[w] = (uint32_t)next++;
					pos[w] = g->wait_at[w];
					stack[top++] = w;
					on[w] = 1;
					call[ctop++] = w;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			ctop--;
			if (low[v] == index[v]) {
				uint32_t w;

				do {
					w = stack[--top];
					on[w] = 0;
					g->comp[w] = (uint32_t)g->n_comp;
				} while (w != v);
				g->n_comp++;
			}
			if (ctop > 0 && low[v] < low[call[ctop - 1]])
				low[call[ctop - 1]] = low[v];
		}
	}
	/* members by component, nodes ascending; the order is the components' */
	g->member_at = calloc(g->n_comp + 1, sizeof(*g->member_at));
	fill = malloc((g->n_comp + 1) * sizeof(*fill));
	if (!g->member_at || !fill)
		goto out;
	for (size_t i = 0; i < n; i++)
		g->member_at[g->comp[i] + 1]++;
	for (size_t c = 0; c < g->n_comp; c++)
		g->member_at[c + 1] += g->member_at[c];
	memcpy(fill, g->member_at, (g->n_comp + 1) * sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		g->members[fill[g->comp[i]]++] = (uint32_t)i;
	memcpy(g->order, g->members, n * sizeof(*g->order));
	g->n_cyclic = 0;
	for (size_t c = 0; c < g->n_comp; c++)
		if (g->member_at[c + 1] - g->member_at[c] > 1)
			g->n_cyclic += g->member_at[c + 1] - g->member_at[c];
	r = 0;
out:
	free(index);
	free(low);
	free(stack);
	free(call);
	free(pos);
	free(on);
	free(fill);
	return r;
}

/* The reverse of the edge lists (edges, at): by_at[v]..by_at[v + 1] in *ret_by
 * are the nodes with an edge to v (missing names left out). by_at is n + 1
 * zeroes. Returns 0 or -ENOMEM. */
static int reverse(const struct deps_edge *edges, const size_t *at, size_t n, size_t *by_at,
		   uint32_t **ret_by)
{
	size_t *fill = malloc((n + 1) * sizeof(*fill));
	uint32_t *by;

	for (size_t e = 0; e < at[n]; e++)
		if (edges[e].to != DEPS_NONE)
			by_at[edges[e].to + 1]++;
	for (size_t i = 0; i < n; i++)
		by_at[i + 1] += by_at[i];
	by = malloc((by_at[n] ? by_at[n] : 1) * sizeof(*by));
	if (!fill || !by) {
		free(fill);
		free(by);
		return -ENOMEM;
	}
	memcpy(fill, by_at, (n + 1) * sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		for (size_t e = at[i]; e < at[i + 1]; e++)
			if (edges[e].to != DEPS_NONE)
				by[fill[edges[e].to]++] = (uint32_t)i;
	free(fill);
	*ret_by = by;
	return 0;
}

int deps_build(const struct deps_unit *u, size_t n, struct deps_graph **ret)
{
	struct deps_graph *g;
	size_t arena_len = 0, arena_off = 0, n_edges = 0, cap = 16;
	size_t *fill = NULL;
	int r = -ENOMEM;

	*ret = NULL;
	if (n >= DEPS_NODES_MAX)
		return -E2BIG;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->n = n;
	while (cap < 2 * n)
		cap *= 2;
	g->hash_mask = cap - 1;
	g->hash = malloc(cap * sizeof(*g->hash));
	g->names = malloc((n ? n : 1) * sizeof(*g->names));
	g->edge_at = calloc(n + 1, sizeof(*g->edge_at));
	g->wait_at = calloc(n + 1, sizeof(*g->wait_at));
	g->wby_at = calloc(n + 1, sizeof(*g->wby_at));
	g->req_at = calloc(n + 1, sizeof(*g->req_at));
	g->rby_at = calloc(n + 1, sizeof(*g->rby_at));
	g->mark = calloc(n ? n : 1, sizeof(*g->mark));
	g->walk = malloc((n ? n : 1) * sizeof(*g->walk));
	g->queue = malloc((n ? n : 1) * sizeof(*g->queue));
	g->queued = calloc(n ? n : 1, 1);
	fill = malloc((n + 1) * sizeof(*fill));
	if (!g->hash || !g->names || !g->edge_at || !g->wait_at || !g->wby_at || !g->req_at ||
	    !g->rby_at || !g->mark || !g->walk || !g->queue || !g->queued || !fill)
		goto fail;
	memset(g->hash, 0xff, cap * sizeof(*g->hash));

	/* names: node names first, so that targets can be resolved */
	for (size_t i = 0; i < n; i++)
		arena_len += strlen(u[i].name) + 1;
	g->arena = malloc(arena_len ? arena_len : 1);
	if (!g->arena)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(u[i].name) + 1;

		memcpy(g->arena + arena_off, u[i].name, l);
		g->names[i] = g->arena + arena_off;
		arena_off += l;
		(void)hash_add(g, (uint32_t)i);   /* a repeated name: the first one is found */
	}

	/* count the edges and the bytes of the names that are not loaded */
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < DEPS_KIND_MAX; k++) {
			for (char *const *w = u[i].lists[k]; w && *w; w++) {
				uint32_t t = deps_find(g, *w);

				n_edges++;
				if (t == DEPS_NONE)
					arena_len += strlen(*w) + 1;
				if (t == i)
					continue;
				if (k == DEPS_REQUIRES)
					g->req_at[i + 1]++;
				else if (t == DEPS_NONE)
					continue;
				else if (k == DEPS_BEFORE)
					g->wait_at[t + 1]++;
				else if (DEPS_ORDERS & DEPS_BIT(k))
					g->wait_at[i + 1]++;
			}
		}
	}
	if (arena_len > arena_off) {
		char *a = malloc(arena_len), *old = g->arena;

		if (!a)
			goto fail;
		memcpy(a, old, arena_off);
		for (size_t i = 0; i < n; i++)
			g->names[i] = a + (g->names[i] - old);
		g->arena = a;
		free(old);
	}
	g->edges = malloc((n_edges ? n_edges : 1) * sizeof(*g->edges));
	if (!g->edges)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t at = g->edge_at[i];

		for (int k = 0; k < DEPS_KIND_MAX; k++) {
			for (char *const *w = u[i].lists[k]; w && *w; w++) {
				struct deps_edge *e = &g->edges[at++];

				e->to = deps_find(g, *w);
				e->kind = (uint8_t)k;
				if (e->to != DEPS_NONE) {
					e->name = g->names[e->to];
				} else {
					size_t l = strlen(*w) + 1;

					memcpy(g->arena + arena_off, *w, l);
					e->name = g->arena + arena_off;
					arena_off += l;
				}
			}
		}
		g->edge_at[i + 1] = at;
	}

	/* Requires=, as written (missing names too) */
	for (size_t i = 0; i < n; i++)
		g->req_at[i + 1] += g->req_at[i];
	g->reqs = malloc((g->req_at[n] ? g->req_at[n] : 1) * sizeof(*g->reqs));
	if (!g->reqs)
		goto fail;
	for (size_t i = 0, at = 0; i < n; i++)
		for (size_t e = g->edge_at[i]; e < g->edge_at[i + 1]; e++)
			if (g->edges[e].kind == DEPS_REQUIRES && g->edges[e].to != i)
				g->reqs[at++] = g->edges[e];

	/* ordering: After=, then the Before= of others */
	for (size_t i = 0; i < n; i++)
		g->wait_at[i + 1] += g->wait_at[i];
	g->waits = malloc((g->wait_at[n] ? g->wait_at[n] : 1) * sizeof(*g->waits));
	if (!g->waits)
		goto fail;
	memcpy(fill, g->wait_at, (n + 1) * sizeof(*fill));
	for (int before = 0; before < 2; before++) {
		for (size_t i = 0; i < n; i++) {
			for (size_t e = g->edge_at[i]; e < g->edge_at[i + 1]; e++) {
				const struct deps_edge *x = &g->edges[e];

				if (x->to == i || x->to == DEPS_NONE)
					continue;
				if (before && x->kind == DEPS_BEFORE)
					g->waits[fill[x->to]++] = (struct deps_edge){
						.to = (uint32_t)i, .kind = DEPS_BEFORE, .name = g->names[i] };
				else if (!before && x->kind != DEPS_BEFORE &&
					 (DEPS_ORDERS & DEPS_BIT(x->kind)))
					g->waits[fill[i]++] = *x;
			}
		}
	}

	r = scc(g);
	if (r < 0)
		goto fail;
	/* the ordering edges inside a cycle hold nobody: as if they were absent */
	for (size_t i = 0, from = 0, at = 0; i < n; i++) {
		size_t end = g->wait_at[i + 1];

		for (size_t e = from; e < end; e++)
			if (g->comp[g->waits[e].to] != g->comp[i])
				g->waits[at++] = g->waits[e];
		g->wait_at[i + 1] = at;
		from = end;
	}
	r = reverse(g->waits, g->wait_at, n, g->wby_at, &g->wby);
	if (r == 0)
		r = reverse(g->reqs, g->req_at, n, g->rby_at, &g->rby);
	if (r == 0)
		r = build_referrers(g);
	if (r < 0)
		goto fail;
	free(fill);
	*ret = g;
	return 0;
fail:
	free(fill);
	deps_free(g);
	return r;
}

size_t deps_count(const struct deps_graph *g)
{
	return g ? g->n : 0;
}

const char *deps_name(const struct deps_graph *g, uint32_t node)
{
	return node < g->n ? g->names[node] : NULL;
}

const struct deps_edge *deps_edges(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->edge_at[node + 1] - g->edge_at[node] : 0;
	return node < g->n ? g->edges + g->edge_at[node] : NULL;
}

const struct deps_edge *deps_waits_on(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->wait_at[node + 1] - g->wait_at[node] : 0;
	return node < g->n ? g->waits + g->wait_at[node] : NULL;
}

const uint32_t *deps_waited_by(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->wby_at[node + 1] - g->wby_at[node] : 0;
	return node < g->n ? g->wby + g->wby_at[node] : NULL;
}

const struct deps_edge *deps_requires(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->req_at[node + 1] - g->req_at[node] : 0;
	return node < g->n ? g->reqs + g->req_at[node] : NULL;
}

const uint32_t *deps_required_by(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->rby_at[node + 1] - g->rby_at[node] : 0;
	return node < g->n ? g->rby + g->rby_at[node] : NULL;
}

const struct deps_edge *deps_referrers(const struct deps_graph *g, uint32_t node, size_t *ret_n)
{
	*ret_n = node < g->n ? g->ref_at[node + 1] - g->ref_at[node] : 0;
	return node < g->n ? g->refs + g->ref_at[node] : NULL;
}

uint32_t deps_component(const struct deps_graph *g, uint32_t node)
{
	return node < g->n ? g->comp[node] : DEPS_NONE;
}

bool deps_cyclic(const struct deps_graph *g, uint32_t node)
{
	uint32_t c;

	if (node >= g->n)
		return false;
	c = g->comp[node];
	return g->member_at[c + 1] - g->member_at[c] > 1;
}

const uint32_t *deps_members(const struct deps_graph *g, uint32_t c, size_t *ret_n)
{
	*ret_n = c < g->n_comp ? g->member_at[c + 1] - g->member_at[c] : 0;
	return c < g->n_comp ? g->members + g->member_at[c] : NULL;
}

size_t deps_cyclic_count(const struct deps_graph *g)
{
	return g->n_cyclic;
}

const uint32_t *deps_order(const struct deps_graph *g)
{
	return g->order;
}

/* Breadth first from `from`, each node once: along its edges of the kinds
 * in fwd, and back along the edges of the kinds in back that others have
 * to it; a node follow() refuses is visited but not gone through. */
static const uint32_t *walk_bfs(struct deps_graph *g, uint32_t from, unsigned fwd, unsigned back,
				bool (*follow)(uint32_t node, void *ctx), void *ctx,
				size_t *ret_n)
{
	size_t head = 0, len = 0;

	*ret_n = 0;
	if (from >= g->n)
		return g->walk;
	if (++g->epoch == 0) {   /* wrapped: old marks could look new */
		memset(g->mark, 0, g->n * sizeof(*g->mark));
		g->epoch = 1;
	}
	g->mark[from] = g->epoch;
	g->walk[len++] = from;
	while (head < len) {
		uint32_t v = g->walk[head++];

		if (follow && !follow(v, ctx))
			continue;
		for (size_t e = g->edge_at[v]; fwd && e < g->edge_at[v + 1]; e++) {
			uint32_t w = g->edges[e].to;

			if (w == DEPS_NONE || !(fwd & DEPS_BIT(g->edges[e].kind)) ||
			    g->mark[w] == g->epoch)
				continue;
			g->mark[w] = g->epoch;   /* marked before it is queued: once each */
			g->walk[len++] = w;
		}
		for (size_t e = g->ref_at[v]; back && e < g->ref_at[v + 1]; e++) {
			uint32_t w = g->refs[e].to;

			if (!(back & DEPS_BIT(g->refs[e].kind)) || g->mark[w] == g->epoch)
				continue;
			g->mark[w] = g->epoch;
			g->walk[len++] = w;
		}
	}
	*ret_n = len;
	return g->walk;
}

const uint32_t *deps_walk(struct deps_graph *g, uint32_t from, unsigned kinds,
			  bool (*follow)(uint32_t node, void *ctx), void *ctx, size_t *ret_n)
{
	return walk_bfs(g, from, kinds, 0, follow, ctx, ret_n);
}

const uint32_t *deps_walk_back(struct deps_graph *g, uint32_t from, unsigned kinds,
			       size_t *ret_n)
{
	return walk_bfs(g, from, 0, kinds, NULL, NULL, ret_n);
}

const uint32_t *deps_walk_reload(struct deps_graph *g, uint32_t from, size_t *ret_n)
{
	return walk_bfs(g, from, DEPS_BIT(DEPS_PROPAGATES_RELOAD_TO),
			DEPS_BIT(DEPS_RELOAD_PROPAGATED_FROM), NULL, NULL, ret_n);
}

void deps_queue_push(struct deps_graph *g, uint32_t node)
{
	if (!g || node >= g->n || g->queued[node])
		return;
	g->queued[node] = 1;
	g->queue[(g->q_head + g->q_len++) % g->n] = node;
}

uint32_t deps_queue_pop(struct deps_graph *g)
{
	uint32_t v;

	if (!g || g->q_len == 0)
		return DEPS_NONE;
	v = g->queue[g->q_head];
	g->q_head = (g->q_head + 1) % g->n;
	g->q_len--;
	g->queued[v] = 0;
	return v;
}
