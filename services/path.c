/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "services/path.h"

/* Normalize a cgroup path: "/a//b/" -> "/a/b", "/" -> "". Rejects relative
 * paths and "." or ".." components. Returns a malloc'ed string or NULL with
 * errno set. */
char *path_normalize(const char *in)
{
	size_t len = strlen(in);
	char *out, *o;
	const char *p = in;

	if (in[0] != '/' || len >= PATH_MAX) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	o = out;
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}

/* ---- opening paths for a unit --------------------------------------------- */

/* With a fsuid other than 0 the kernel drops CAP_DAC_OVERRIDE and the other
 * file-system capabilities from the effective set, and raises them again
 * when fsuid returns to 0: the open is checked exactly as for the user. */
static int ident_enter(const struct path_ident *id, gid_t *saved, int *n_saved)
{
	*n_saved = (int)syscall(SYS_getgroups, PATH_GROUPS_MAX, saved);
	if (*n_saved < 0)
		return -errno;
	/* raw syscalls: per thread, no glibc broadcast (async-signal-safe) */
	if (syscall(SYS_setgroups, id->n_groups, id->groups) < 0)
		return -errno;
	(void)syscall(SYS_setfsgid, id->gid);
	(void)syscall(SYS_setfsuid, id->uid);
	/* setfs*id report no error: check that both took */
	if ((uid_t)syscall(SYS_setfsuid, (uid_t)-1) != id->uid ||
	    (gid_t)syscall(SYS_setfsgid, (gid_t)-1) != id->gid)
		return -EPERM;
	return 0;
}

static void ident_leave(const gid_t *saved, int n_saved)
{
	(void)syscall(SYS_setfsuid, 0);
	(void)syscall(SYS_setfsgid, 0);
	(void)syscall(SYS_setgroups, (size_t)n_saved, saved);
}

int path_open_as(const struct path_ident *id, int dirfd, const char *path, int flags,
		 mode_t mode, unsigned long long resolve)
{
	struct open_how how = {
		/* openat2 refuses O_PATH with any other flag than these */
		.flags = (uint64_t)(flags | O_CLOEXEC |
				    ((flags & O_PATH) ? 0 : O_NOCTTY | O_NONBLOCK)),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve | RESOLVE_NO_MAGICLINKS,
	};
	gid_t saved[PATH_GROUPS_MAX];
	int n_saved = 0, r;
	long fd;

	if (id && id->set) {
		r = ident_enter(id, saved, &n_saved);
		if (r < 0) {
			if (n_saved >= 0)
				ident_leave(saved, n_saved);
			return r;
		}
	}
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR));
	if (fd < 0 && errno == ENOSYS) {
		/* before Linux 5.6 (or under valgrind): openat, with O_NOFOLLOW
		 * for the last component only; the identity above still holds */
		int f = (int)how.flags | ((resolve & RESOLVE_NO_SYMLINKS) ? O_NOFOLLOW : 0);

		do
			fd = openat(dirfd, path, f, (mode_t)how.mode);
		while (fd < 0 && errno == EINTR);
	}
	r = fd < 0 ? -errno : (int)fd;
	if (id && id->set)
		ident_leave(saved, n_saved);
	return r;
}

char *path_of_fd(int fd)
{
	char link[32], buf[PATH_MAX];
	ssize_t n;

	(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	if (n == 0 || buf[0] != '/') {   /* not a path of this root */
		errno = EXDEV;
		return NULL;
	}
	buf[n] = '\0';
	return strdup(buf);
}

int path_mkdir_as(const struct path_ident *id, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	gid_t saved[PATH_GROUPS_MAX];
	int n_saved = 0, r = 0;
	struct stat st;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	if (id && id->set) {
		r = ident_enter(id, saved, &n_saved);
		if (r < 0)
			goto out;
	}
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			r = -errno;
			goto out;
		}
		buf[i] = i == len ? '\0' : '/';
	}
	if (stat(path, &st) < 0)
		r = -errno;
	else if (!S_ISDIR(st.st_mode))
		r = -ENOTDIR;
out:
	if (id && id->set && n_saved >= 0)
		ident_leave(saved, n_saved);
	return r;
}

int path_private_dir(int dirfd, const char *name, mode_t mode, bool create, uid_t owner)
{
	struct stat st;
	size_t i;
	int fd, r;

	for (i = 0; name[i]; i++)
		if (name[i] == '/')
			return -EINVAL;
	if (i == 0 || (i == 1 && name[0] == '.') || (i == 2 && name[0] == '.' && name[1] == '.'))
		return -EINVAL;
	if (create && mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != owner || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		r = -EPERM;
		goto fail;
	}
	return fd;
fail:
	(void)close(fd);
	return r;
}

int path_mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
