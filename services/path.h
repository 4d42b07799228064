/* SPDX-License-Identifier: MIT */
/* path.h: absolute paths, normalized (shared by cgroup-hier.c and rootfs.c). */
#pragma once

/* "/a//b/" -> "/a/b", "/" -> "". Rejects relative paths and "." or ".."
 * components. Returns a malloc'ed string, or NULL with errno set. */
char *path_normalize(const char *in);

#include <stdbool.h>
#include <sys/types.h>

#define PATH_GROUPS_MAX 64

/* A unit's identity for opening paths on its behalf (numeric, resolved at
 * load time). !set: svcinit's own (root). */
struct path_ident {
	bool set;
	uid_t uid;
	gid_t gid;
	size_t n_groups;
	gid_t groups[PATH_GROUPS_MAX];
};

/* open(2) of a path a unit chose, with the unit's file-system identity
 * (fsuid, fsgid and supplementary groups of this thread, restored before
 * returning; svcinit has one thread): the kernel checks every component as
 * it would for the unit's user, so a symlink that user planted leads only
 * where that user could go anyway. Always O_CLOEXEC | O_NOCTTY | O_NONBLOCK
 * (a FIFO or a device cannot hang PID 1 in open(2); O_PATH: neither) and no magic links
 * (/proc/PID/fd/N). Async-signal-safe (system calls only). Returns the fd or
 * -errno. */
int path_open_as(const struct path_ident *id, int dirfd, const char *path, int flags,
		 mode_t mode, unsigned long long resolve);

/* The resolved absolute path of fd (readlink of /proc/self/fd/N), malloc'ed,
 * or NULL with errno set. */
char *path_of_fd(int fd);

/* mkdir -p dir with mode for the directories it makes (existing ones are
 * left as they are). 0, or -errno (-ENAMETOOLONG past PATH_MAX). */
int path_mkdir_p(const char *dir, mode_t mode);

/* mkdir -p path with the unit's file-system identity (see path_open_as);
 * the last component must end up a directory. Returns 0 or -errno. */
int path_mkdir_as(const struct path_ident *id, const char *path, mode_t mode);

/* The directory NAME (one component) in dirfd, made first with mode when
 * create, opened without following a symlink (O_PATH | O_DIRECTORY |
 * O_NOFOLLOW: never blocks) and checked to be private: owned by owner and
 * writable by nobody else. For svcinit's own directories (the staging
 * directories below the run directory), walked component by component from
 * a directory svcinit opened itself. System calls only (async-signal-safe).
 * Returns the fd, or -errno (-ENOTDIR for a symlink, -EPERM for a directory
 * of another owner or writable by group or others, -EINVAL for a NAME that
 * is not one component). */
int path_private_dir(int dirfd, const char *name, mode_t mode, bool create, uid_t owner);
