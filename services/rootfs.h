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

#include "services/path.h"
#include "units/unit.h"

struct rootfs_plan;

/* CLONE_NEW* flags for a UNIT_NS_* mask. UNIT_NS_CGROUP gives none:
 * rootfs_enter() unshares the cgroup namespace once the child has joined its
 * v1 cgroups, so that the namespace is rooted at the unit's cgroups in every
 * hierarchy. UNIT_NS_USER gives none: the service unshares it last
 * (spawn.c), once its root is made. */
int rootfs_clone_flags(unsigned unit_ns);

/* Build the plan for spec. rundir is svcinit's run directory (the control
 * socket's, e.g. /run/svcinit; it must exist); the staging point of the new
 * root in the child's mount namespace is rundir/.stage/NAME, made here (mode
 * 0700) with mkdirat/openat(O_NOFOLLOW | O_DIRECTORY) from a descriptor of
 * rundir: .stage and NAME must be directories of svcinit's euid that nobody
 * else can write, never symlinks (-ENOTDIR, -EPERM), and the child walks
 * them the same way again before it mounts its tmpfs there by descriptor. keep_paths are host paths (sockets, directories) bound at the
 * same place inside the new root so that they stay reachable (the control
 * socket's directory, the notify socket); not recursively, read-write; a
 * missing one is skipped. Returns 0 or -errno; *ret_error names what was
 * wrong ("RootDirectory=/x: No such file or directory") in a static string,
 * valid until the next call. Checked here:
 * - Hostname= (default the unit name) 1..64 characters;
 * - RootDirectory=, BindPaths=, OverlayUpper= without mnt: -EINVAL;
 * - id (NULL: root) is the unit's identity: RootDirectory=, every BindPaths=
 *   SRC and OverlayUpper= are resolved with it (path_open_as), so that a
 *   symlink the unit's user planted leads nowhere that user cannot go; the
 *   child opens the resolved paths again with RESOLVE_NO_SYMLINKS and mounts
 *   the very objects (/proc/self/fd/N), so a swap in between fails;
 * - RootDirectory= must exist and be a directory;
 * - every BindPaths=/BindReadOnlyPaths= SRC must exist ("-SRC": skipped when
 *   missing), DST absolute without "." or ".." components, not "/";
 * - OverlayUpper=DIR: DIR is created (as the unit's user) when missing,
 *   DIR/upper and DIR/work (0755, by root) here, never through a symlink;
 *   it is ignored with Overlay=no;
 * - overlayfs cannot take ',' ':' '\' in its layer paths: -EINVAL. */
int rootfs_plan_new(const struct unit_spec *spec, const struct path_ident *id,
		    const char *rundir, const char *const *keep_paths,
		    struct rootfs_plan **ret_plan, const char **ret_error);
void rootfs_plan_free(struct rootfs_plan *plan);
/* Once the child is cloned (it has its own copy): keep only what
 * rootfs_cleanup needs. A trimmed plan cannot be entered again. */
void rootfs_plan_trim(struct rootfs_plan *plan);

/* Child side. Runs in the new namespaces, before the service is forked:
 * cgroup namespace (unshared here, after cg_child_join_v1), hostname (uts),
 * loopback up (net), then with mnt: everything made MS_PRIVATE (nothing
 * propagates to the host; it all goes with the namespace), a tmpfs on the
 * staging dir, the overlay (lowerdir=RootDirectory, upper/work on that tmpfs
 * or OverlayUpper's) or with Overlay=no a recursive bind of RootDirectory,
 * then inside it: /proc (fresh, also without a pid namespace), /sys (sysfs
 * read-only; a read-only rbind of the host's /sys if sysfs is refused),
 * /dev (tmpfs 0755 nosuid: null zero full random urandom tty bound from the
 * host, mknod'ed if the host lacks one; devpts newinstance at /dev/pts with
 * /dev/ptmx -> pts/ptmx; tmpfs /dev/shm; fd stdin stdout stderr symlinks),
 * /tmp (tmpfs 1777), the binds (recursive; read-only ones made read-only
 * recursively with mount_setattr, else by remount of the top), keep_paths,
 * then pivot_root(".", ".") + detach of the old root (MS_MOVE + chroot where
 * pivot_root is refused, as on an initramfs) and chdir("/").
 * Every target is resolved inside the new root (openat2 RESOLVE_IN_ROOT; a
 * symlink such as /var/run -> /run cannot lead a mount onto the host) and
 * mounted on through /proc/self/fd/N, so the host's /proc must be mounted
 * (kernels before 5.6: plain openat). Missing targets are created (on the
 * overlay that touches only the upper layer).
 * Only system calls on the plan's preallocated strings: async-signal-safe.
 * Returns 0 or -errno with *ret_step naming the failed step ("mount
 * overlay", "bind /src", "remount /dst read-only", "pivot_root", ...).
 * Note: the overlay's lower layer is RootDirectory's own file system; mounts
 * below it on the host (a separate /home, a container's bind-mounted
 * /etc/resolv.conf) are not part of it: bind them with BindPaths=. */
int rootfs_enter(const struct rootfs_plan *plan, const char **ret_step);

/* Parent side, after the unit stopped: remove what the plan left on the host
 * (the staging directory, an empty mount point there: the tmpfs lived in the
 * child's namespace only; never OverlayUpper's contents). NULL is fine. */
void rootfs_cleanup(const struct rootfs_plan *plan);
