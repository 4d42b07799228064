/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: a unit's cgroup. cgroup v2 first; on a hybrid host the
 * controllers only v1 offers are used through v1. Paths are relative to the
 * root of each hierarchy, as /proc/self/cgroup shows them.
 *
 * Layout: <base>/init.scope holds svcinit, <base>/NAME.service each unit.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "units/unit.h"

#define CG_WARN_MAX 16

struct cg_ctx;   /* the hierarchies found at start, the base path */
struct cg_unit;  /* one unit's cgroup in every hierarchy in use */

/* Find the v2 hierarchy (cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified)
 * and the v1 controllers (memory pids cpu cpuacct cpuset blkio freezer),
 * create <base>/init.scope and move svcinit into it, enable the v2
 * controllers of <base> for its children. base NULL: the cgroup svcinit is in.
 * Never fails hard: with no usable cgroup at all, *ret_ctx is still set and
 * every cg_unit_* call degrades (warnings, no limits). */
int cg_init(const char *base, struct cg_ctx **ret_ctx);

/* Remove init.scope (moving svcinit back to <base>) and free. NULL is fine. */
void cg_free(struct cg_ctx *ctx);

bool cg_have_v2(const struct cg_ctx *ctx);

/* Create <base>/NAME.service in every hierarchy in use (an existing empty
 * one is reused; a populated leftover is killed first). */
int cg_unit_create(struct cg_ctx *ctx, const char *name, struct cg_unit **ret_cg);

/* Apply the limits of spec. Each limit that cannot be applied adds one
 * malloc'ed "Key=: reason" string to warnings (at most CG_WARN_MAX). */
int cg_unit_apply(struct cg_ctx *ctx, struct cg_unit *cg, const struct unit_spec *spec,
		  char **warnings, size_t *n_warnings);

/* For the child: an O_DIRECTORY fd of the v2 cgroup for clone3
 * CLONE_INTO_CGROUP (-1 without v2), and fds of v1 cgroup.procs files opened
 * for writing, into which the child writes "0" before it execs. */
int cg_unit_v2_fd(const struct cg_unit *cg);
int cg_unit_v1_procs_fds(const struct cg_unit *cg, int *fds, int max);

/* Child side, async-signal-safe: move the calling process into the v1
 * cgroups (writes "0" to each fd). Returns 0 or -errno. */
int cg_child_join_v1(const int *fds, int n);

const char *cg_unit_path(const struct cg_unit *cg);   /* "<base>/NAME.service" */

/* Freeze or thaw: writes cgroup.freeze (v2) or freezer.state (v1); returns 0,
 * -errno. cg_unit_frozen tells the kernel's view: 1 frozen, 0 not, -errno. */
int cg_unit_freeze(struct cg_unit *cg, bool freeze);
int cg_unit_frozen(struct cg_unit *cg);
/* An fd to watch for state changes (v2 cgroup.events: POLLPRI/inotify
 * IN_MODIFY), -1 when there is none (v1: poll freezer.state). */
int cg_unit_events_fd(struct cg_unit *cg);

/* Signal every process in the cgroup. SIGKILL uses cgroup.kill on v2 when
 * there is one. Returns the number of processes signalled or -errno. */
int cg_unit_kill(struct cg_unit *cg, int sig);

/* true when no process is left in the cgroup */
bool cg_unit_empty(struct cg_unit *cg);

struct cg_stats {
	uint64_t memory_bytes;   /* UINT64_MAX when unknown */
	uint64_t tasks;          /* UINT64_MAX when unknown */
	uint64_t cpu_usec;       /* UINT64_MAX when unknown */
};
void cg_unit_stats(struct cg_unit *cg, struct cg_stats *ret_stats);

/* Remove the cgroup from every hierarchy (must be empty: kills leftovers
 * first) and free. NULL is fine. */
void cg_unit_free(struct cg_unit *cg);
