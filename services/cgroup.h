/* SPDX-License-Identifier: MIT */
/*
 * cgroup.h: a unit's cgroup. cgroup v2 first; on a hybrid host the
 * controllers only v1 offers are used through v1. Paths are relative to the
 * root of each hierarchy, as /proc/self/cgroup shows them.
 *
 * Layout: <base>/init.scope holds svcinit, <base>/NAME.service each unit.
 *
 * Implemented by services/cgroup*.c, one concern each (cgroup-internal.h
 * lists them).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
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
 * every cg_unit_* call degrades (warnings, no limits).
 *
 * - Hierarchies come from /proc/self/mountinfo (its root field maps a path of
 *   /proc/self/cgroup to a directory, also when only a subtree is mounted);
 *   a mount shadowed by a later one is skipped.
 * - base given: the same path in every hierarchy, created if missing (mkdir
 *   -p; cg_free removes what was created). base NULL: in v2 svcinit's own
 *   cgroup (its parent if that is an "init.scope", i.e. svcinit restarted in
 *   place), in v1 svcinit's own cgroup of each hierarchy.
 * - init.scope is created and svcinit moved in also when <base> is "/": the
 *   root of a cgroup namespace (a container) is an ordinary cgroup bound by
 *   the no-internal-process rule; at the real root it is harmless.
 * - Controllers that <base>/cgroup.controllers offers among memory pids cpu
 *   io cpuset are enabled one by one in <base>/cgroup.subtree_control; one
 *   that fails is only missing for the units (cg_unit_apply warns).
 * - v1: a unit gets a cgroup in each v1 hierarchy holding one of those
 *   controllers that v2 does not provide (cpuacct and freezer count as
 *   provided by v2's cpu.stat and cgroup.freeze), never in name=systemd,
 *   in devices only for a device policy that no BPF program can enforce
 *   (cg_unit_bpf_apply). svcinit itself is not moved in v1 (no
 *   internal-process rule).
 *   New v1 cpuset cgroups get cpuset.cpus/mems copied from their parent.
 * Returns 0, -EINVAL (base not absolute, or with "." ".." components;
 * *ret_ctx NULL) or -ENOMEM. Degradations are logged here. */
int cg_init(const char *base, struct cg_ctx **ret_ctx);

/* Undo cg_init: disable the v2 controllers it enabled in <base>, move svcinit
 * back to the v2 cgroup it started in, remove init.scope and the base
 * directories cg_init created (in every hierarchy), free. Unit cgroups must
 * have been freed first. NULL is fine. */
void cg_free(struct cg_ctx *ctx);

/* Create <base>/NAME.service in every hierarchy in use. An existing one (a
 * leftover) is killed if populated, removed and created afresh when it can
 * be at once, else reused with its processes dying (nothing waits). */
int cg_unit_create(struct cg_ctx *ctx, const char *name, struct cg_unit **ret_cg);
/* Beside v2, a unit joins the v1 hierarchies that account for it (memory,
 * pids) and the freezer; cg_unit_apply adds those its limits need. */

/* Apply the limits of spec. Each limit that cannot be applied adds one
 * malloc'ed "Key=: reason" string to warnings (at most CG_WARN_MAX): "no
 * memory controller" or strerror. Limits not set in spec are reset to the
 * kernel default (silently), so the same cgroup can serve a changed spec.
 * v2 file / v1 fallback:
 *   MemoryMax=   memory.max            memory.limit_in_bytes
 *   MemoryHigh=  memory.high           memory.soft_limit_in_bytes (v1 has
 *                                      no throttle; the soft limit is the
 *                                      closest: reclaim under contention)
 *   CPUWeight=   cpu.weight            cpu.shares = weight * 1024 / 100
 *   CPUQuota=    cpu.max "Q 100000"    cpu.cfs_period_us 100000, cfs_quota_us Q
 *                (Q = percent * 1000: percent of one CPU per 100 ms)
 *   TasksMax=    pids.max              pids.max
 *   IOWeight=    io.weight "default N" blkio.weight (N * 5, 10..1000)
 *                (io.bfq.weight / blkio.bfq.weight under BFQ, scaled as
 *                systemd does)
 *   AllowedCPUs= cpuset.cpus           cpuset.cpus
 * Returns 0, -EINVAL or -ENOMEM (a warning could not be allocated). */
int cg_unit_apply(struct cg_ctx *ctx, struct cg_unit *cg, const struct unit_spec *spec,
		  char **warnings, size_t *n_warnings);

/* DevicePolicy=, DeviceAllow= (and PrivateDevices=, ProtectClock=, which
 * imply a policy), IPAddressAllow=, IPAddressDeny=: BPF programs attached
 * to the unit's v2 cgroup (services/bpf.c), those of an earlier spec
 * detached first. Devices fall back to the v1 devices controller
 * (devices.deny "a", then devices.allow lines) where no device program can
 * be attached. A unit without the keys costs no system call. A device the
 * unit names that does not exist, or a device group not in /proc/devices,
 * is a warning (as in systemd: left out of the list). Returns 0, or -errno
 * with err "KEY=: what failed: reason" when a key the unit file gave cannot
 * be enforced (PrivateDevices=/ProtectClock='s implied policy only warns). */
int cg_unit_bpf_apply(struct cg_unit *cg, const struct unit_spec *spec, char *err,
		      size_t errlen, char **warnings, size_t *n_warnings);
/* Would cg_unit_bpf_apply do anything for spec (or undo an earlier one)? */
bool cg_unit_bpf_wanted(const struct cg_unit *cg, const struct unit_spec *spec);

/* For the child: an O_DIRECTORY fd of the v2 cgroup for clone3
 * CLONE_INTO_CGROUP, opened for this start (the caller closes it; -1 without
 * v2 or when it cannot be opened: errno), and fds of v1 cgroup.procs files
 * opened for writing, into which the child writes "0" before it execs. No
 * descriptor is held per unit between starts: every one of them would be
 * copied into and closed by each child. */
int cg_unit_v2_open(const struct cg_unit *cg);
int cg_unit_v1_procs_fds(const struct cg_unit *cg, int *fds, int max);   /* caller closes them */

/* Child side, async-signal-safe: move the calling process into the v1
 * cgroups (writes "0" to each fd). Returns 0 or -errno. */
int cg_child_join_v1(const int *fds, int n);

const char *cg_unit_path(const struct cg_unit *cg);   /* "<base>/NAME.service" */

/* Freeze or thaw: writes cgroup.freeze (v2) or freezer.state (v1); returns 0,
 * -errno. cg_unit_frozen tells the kernel's view: 1 frozen, 0 not, -errno. */
int cg_unit_freeze(struct cg_unit *cg, bool freeze);
int cg_unit_frozen(struct cg_unit *cg);
/* An fd to watch for changes of v2 cgroup.events (frozen, populated): an
 * inotify fd (non-blocking, close-on-exec) watching IN_MODIFY on it. Use it
 * with libev as ev_io EV_READ; on each event drain it with read() until
 * EAGAIN, then ask cg_unit_frozen() / cg_unit_empty(). It belongs to cg
 * (the same fd on every call, closed by cg_unit_free: stop the watcher
 * first). < 0 when there is none (no v2: poll freezer.state on a timer). */
int cg_unit_events_fd(struct cg_unit *cg);

/* Signal every process in the cgroup (and in sub-cgroups a service made).
 * Never waits. SIGKILL on v2 writes cgroup.kill (every process, and every
 * child forked meanwhile, in one write) and returns 0. Otherwise one round:
 * cgroup.procs read once, each process signalled (O(n)); returns how many
 * were, and a caller that wants the cgroup empty calls again on a timer
 * while it is not (a process with SIGKILL pending forks no more, so rounds
 * converge). 0 when the unit has no cgroup hierarchy at all; -errno. */
int cg_unit_kill(struct cg_unit *cg, int sig);
/* The processes in the unit's cgroup (and below), at most max: their
 * count, -E2BIG when there are more, -ENOENT without a hierarchy. */
int cg_unit_pids(struct cg_unit *cg, pid_t *pids, int max);

/* May the next child be cloned straight into the v2 cgroup
 * (CLONE_INTO_CGROUP)? Not once cgroup.kill was written: since the kernel's
 * kill_seq change (6.14; 6.18 still does it) a child cloned into such a
 * cgroup is SIGKILLed at birth. The child then joins it by writing
 * cgroup.procs before it does anything else (migration is not affected). */
bool cg_unit_clone_into(const struct cg_unit *cg);

/* true when no process is left in the cgroup (v2 "populated 0"; else an
 * empty cgroup.procs) */
bool cg_unit_empty(struct cg_unit *cg);

struct cg_stats {
	uint64_t memory_bytes;   /* memory.current (v1 memory.usage_in_bytes); UINT64_MAX when unknown */
	uint64_t tasks;          /* pids.current (v2, v1; zombies count until reaped), else the
				  * number of processes in cgroup.procs; UINT64_MAX when unknown */
	uint64_t cpu_usec;       /* cpu.stat usage_usec (v1 cpuacct.usage / 1000); UINT64_MAX when unknown */
};
void cg_unit_stats(struct cg_unit *cg, struct cg_stats *ret_stats);
/* Only the memory figure (what the status table shows): UINT64_MAX if unknown. */
uint64_t cg_unit_memory(struct cg_unit *cg);

/* The kernel OOM killer in the unit's cgroup (services/cgroup-oom.c).
 * cg_unit_oom_kills: how many processes it killed there so far (v2
 * memory.events oom_kill, else v1 memory.oom_control oom_kill); -ENOENT
 * without a memory controller. cg_unit_oom_fd: an fd (owned by cg, closed by
 * cg_unit_free: stop its watcher first) readable on OOM events: watch it
 * with ev_io EV_READ, cg_unit_oom_drain() it, then read the count (on v1 the
 * event comes before the kill is counted: look again a little later).
 * cg_unit_oom_group: v2 memory.oom.group (OOMPolicy=kill), -EOPNOTSUPP
 * without the v2 memory controller. */
int cg_unit_oom_kills(struct cg_unit *cg, uint64_t *ret);
int cg_unit_oom_fd(struct cg_unit *cg);
void cg_unit_oom_drain(struct cg_unit *cg);
int cg_unit_oom_group(struct cg_unit *cg, bool on);

/* Delegate=: hand the unit's v2 cgroup to uid/gid (its directory,
 * cgroup.procs, cgroup.subtree_control, cgroup.threads), so that it can make
 * sub-cgroups and move its processes among them. v1 hierarchies are not
 * delegated (systemd delegates only the unified one). -ENOENT without v2. */
int cg_unit_delegate(struct cg_unit *cg, uid_t uid, gid_t gid);

/* Remove the cgroup from every hierarchy (kills leftovers first, through
 * cgroup.kill when there is one: the cgroup goes away), sub-cgroups first.
 * Never waits: call it once cg_unit_empty() (watch cg_unit_events_fd for
 * "populated 0"); a cgroup that is still busy is logged and left. Frees.
 * NULL is fine. */
void cg_unit_free(struct cg_unit *cg);
