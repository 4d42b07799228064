/* SPDX-License-Identifier: MIT */
/*
 * rootfs.h: a unit's namespaces and root file system.
 *
 * The parent builds a complete plan (every path, every mount) with
 * rootfs_plan_new(); the child, after clone() with the namespace flags, calls
 * rootfs_enter() which makes only async-signal-safe system calls: no malloc,
 * no stdio, no name lookups.
 */
#pragma once

#include <stddef.h>

#include "units/unit.h"

struct rootfs_plan;

/* CLONE_NEW* flags for a UNIT_NS_* mask */
int rootfs_clone_flags(unsigned unit_ns);

/* Build the plan for spec. rundir is a directory private to the unit that
 * the parent owns (e.g. /run/svcinit/units/NAME; created here if missing),
 * used as the staging point of the new root in the child's mount namespace.
 * keep_paths are host paths (sockets, directories) bound at the same place
 * inside the new root so that they stay reachable (the control socket's
 * directory, the notify socket). Returns 0 or -errno; *ret_error names what
 * was wrong ("RootDirectory=/x: No such file or directory") in a static or
 * plan-owned string. */
int rootfs_plan_new(const struct unit_spec *spec, const char *rundir,
		    const char *const *keep_paths, struct rootfs_plan **ret_plan,
		    const char **ret_error);
void rootfs_plan_free(struct rootfs_plan *plan);

/* Child side. Runs in the new namespaces, before the service is forked:
 * hostname (uts), loopback up (net), then with mnt: a private mount tree, the
 * overlay (or bind) root, /proc, /sys ro, minimal /dev, /dev/pts, /dev/shm,
 * /tmp, binds, pivot_root. Returns 0 or -errno with *ret_step naming the
 * failed step ("mount overlay", "pivot_root", ...). */
int rootfs_enter(const struct rootfs_plan *plan, const char **ret_step);

/* Parent side, after the unit stopped: remove what the plan left on the host
 * (the staging directory; never OverlayUpper's contents). */
void rootfs_cleanup(const struct rootfs_plan *plan);
