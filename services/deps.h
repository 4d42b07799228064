/* SPDX-License-Identifier: MIT */
/*
 * deps.h: the dependency graph of one load. Pure: names in, indices out; no
 * units, processes or event loop.
 *
 * Built once per load or reload from the definitions that will run (the
 * pending ones after a reload): every name resolved through one hash table,
 * every edge kind in one graph, the ordering cycles found by one iterative
 * strongly-connected-components pass (Tarjan), and every traversal iterative
 * with marks set before a node is queued, so that no depth or cycle a unit
 * file controls reaches the C stack.
 *
 * svcinit's reading of the edges, as systemd's (systemd.unit(5)):
 *   - pull edges (Wants=, Requires=, BindsTo=) start the other unit too; they
 *     do not order. A cycle of pulls is no error: every unit on it runs.
 *     Requires= also stops (or fails) the unit when the other one goes down.
 *   - ordering edges (After=, Before= reversed) decide who waits for whom.
 *     A cycle of those is an error of --check; at run time the ordering
 *     edges inside the cycle are as if absent (every unit on it runs, and it
 *     holds up neither a start nor a shutdown), while the edges between the
 *     cycle and the units outside it still hold.
 *   - A unit naming itself is ignored, as systemd ignores it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum deps_kind {
	DEPS_AFTER,       /* start after the other is ready; stop before it */
	DEPS_REQUIRES,    /* pull it in, go down when it goes down (no order) */
	DEPS_WANTS,       /* pull it in */
	DEPS_BEFORE,      /* After= seen from the other side */
	DEPS_BINDS_TO,    /* as Requires=, and down whenever the other is not up */
	DEPS_PART_OF,     /* stopped and restarted with the other (not pulled) */
	DEPS_CONFLICTS,   /* starting one stops the other (both ways) */
	DEPS_REQUISITE,   /* the other must be up already: no pull, a start fails */
	DEPS_UPHOLDS,     /* pull it in, and again whenever it is down */
	DEPS_ON_FAILURE,  /* started when this one fails */
	DEPS_ON_SUCCESS,  /* started when this one ends well */
	DEPS_PROPAGATES_RELOAD_TO,    /* a reload of this one reloads the other */
	DEPS_RELOAD_PROPAGATED_FROM,  /* a reload of the other reloads this one */
	DEPS_KIND_MAX,
};

#define DEPS_BIT(k)     (1u << (k))
/* the kinds that pull the other unit in when this one starts */
#define DEPS_PULLS      (DEPS_BIT(DEPS_REQUIRES) | DEPS_BIT(DEPS_WANTS) | \
			 DEPS_BIT(DEPS_BINDS_TO) | DEPS_BIT(DEPS_UPHOLDS))
/* the kinds by which a unit is "needed" (StopWhenUnneeded=) */
#define DEPS_NEEDS      (DEPS_PULLS | DEPS_BIT(DEPS_REQUISITE))
/* the kinds after which this unit waits (Before= counts from the other side) */
#define DEPS_ORDERS     DEPS_BIT(DEPS_AFTER)

/* The key of a kind: "After", "BindsTo", ... */
const char *deps_kind_name(enum deps_kind k);

#define DEPS_NONE       UINT32_MAX   /* an edge to a name that is not loaded */
#define DEPS_NODES_MAX  (1u << 24)

/* One unit as deps_build() takes it: its name and, per kind, a
 * NULL-terminated list of names (NULL for none). Nothing is kept: the graph
 * copies what it needs. */
struct deps_unit {
	const char *name;
	char *const *lists[DEPS_KIND_MAX];
};

struct deps_edge {
	uint32_t to;          /* node, or DEPS_NONE */
	uint8_t kind;         /* enum deps_kind */
	const char *name;     /* the name as written (owned by the graph) */
};

struct deps_graph;

/* Build the graph of n units (names unique; a repeated one is ignored).
 * Returns 0 or -ENOMEM / -E2BIG. */
int deps_build(const struct deps_unit *units, size_t n, struct deps_graph **ret_graph);
void deps_free(struct deps_graph *g);

size_t deps_count(const struct deps_graph *g);
const char *deps_name(const struct deps_graph *g, uint32_t node);
/* The node of name, or DEPS_NONE. O(1) expected. */
uint32_t deps_find(const struct deps_graph *g, const char *name);
/* The hash of a name that deps_find() uses (FNV-1a), for other name tables. */
uint64_t deps_hash(const char *name);

/* The edges of a node as written, in list order, kind by kind. */
const struct deps_edge *deps_edges(const struct deps_graph *g, uint32_t node, size_t *ret_n);

/* What node waits for before it starts: its After= edges to loaded units,
 * then the Before= of others naming it. Self edges and the edges inside an
 * ordering cycle are left out: what is left is acyclic. */
const struct deps_edge *deps_waits_on(const struct deps_graph *g, uint32_t node, size_t *ret_n);
/* The reverse: the nodes that wait for node (each once per edge). */
const uint32_t *deps_waited_by(const struct deps_graph *g, uint32_t node, size_t *ret_n);
/* The Requires= of node as written, missing names included (for their
 * error), self edges left out; and the reverse (loaded nodes only). */
const struct deps_edge *deps_requires(const struct deps_graph *g, uint32_t node, size_t *ret_n);
const uint32_t *deps_required_by(const struct deps_graph *g, uint32_t node, size_t *ret_n);

/* Every edge that names node, from the other side: .to is the node whose
 * edge it is, .kind its kind, .name that node's name; self edges left out.
 * In node order, then list order. */
const struct deps_edge *deps_referrers(const struct deps_graph *g, uint32_t node, size_t *ret_n);

/* As deps_walk(), but along the referrers (deps_referrers()) of the kinds:
 * from X over PartOf= reaches every unit that is part of X, and of those. */
const uint32_t *deps_walk_back(struct deps_graph *g, uint32_t from, unsigned kinds,
			       size_t *ret_n);

/* The units a reload of `from` reaches: its PropagatesReloadTo= and the
 * units whose ReloadPropagatedFrom= names it, transitively, breadth first,
 * from first, each once (the walk's array, as deps_walk()). */
const uint32_t *deps_walk_reload(struct deps_graph *g, uint32_t from, size_t *ret_n);

/* Ordering cycles: the strongly connected component of node, whether it is
 * a cycle (two nodes or more), and its members in node order. */
uint32_t deps_component(const struct deps_graph *g, uint32_t node);
bool deps_cyclic(const struct deps_graph *g, uint32_t node);
const uint32_t *deps_members(const struct deps_graph *g, uint32_t component, size_t *ret_n);
static inline bool deps_same_cycle(const struct deps_graph *g, uint32_t a, uint32_t b)
{
	return deps_cyclic(g, a) && deps_component(g, a) == deps_component(g, b);
}
/* How many nodes lie on ordering cycles. */
size_t deps_cyclic_count(const struct deps_graph *g);

/* Every node in a start order: each after every node it waits for
 * (deps_waits_on()). Reversed, it is a stop order. */
const uint32_t *deps_order(const struct deps_graph *g);

/* From `from`, breadth first along the edges of the kinds in `kinds`
 * (DEPS_BIT()s; missing names skipped): the nodes reached, from first, each
 * once. A node's edges are followed only when follow(node, ctx) is true
 * (NULL: always). The array is the graph's and valid until the next walk;
 * walks do not nest. */
const uint32_t *deps_walk(struct deps_graph *g, uint32_t from, unsigned kinds,
			  bool (*follow)(uint32_t node, void *ctx), void *ctx, size_t *ret_n);

/* A work queue over the nodes, each queued at most once (no allocation). */
void deps_queue_push(struct deps_graph *g, uint32_t node);
/* The next node, or DEPS_NONE when empty. */
uint32_t deps_queue_pop(struct deps_graph *g);
