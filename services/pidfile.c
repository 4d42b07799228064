/* SPDX-License-Identifier: MIT */
/*
 * pidfile.c: PIDFile= (see pidfile.h). The file may be written by the
 * unit's user, so root opens it with openat2(RESOLVE_NO_SYMLINKS) as O_PATH
 * first (a FIFO or a device is never opened), checks that it is a regular
 * file, and only then reads at most PIDFILE_MAX bytes, non-blocking. The
 * caller still checks that the pid is a process of the unit's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "services/pidfile.h"

int pidfile_parse(const char *buf, size_t len, pid_t *ret_pid)
{
	size_t i = 0;
	long long v = 0;
	bool any = false;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	while (i < len && buf[i] >= '0' && buf[i] <= '9') {
		v = v * 10 + (buf[i] - '0');
		if (v > 0x3fffffff)
			return -EINVAL;   /* beyond any pid_max */
		any = true;
		i++;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
		i++;
	if (!any || i != len || v <= 0)
		return -EINVAL;
	*ret_pid = (pid_t)v;
	return 0;
}

const char *pidfile_path(const char *path, char *buf, size_t len)
{
	if (strncmp(path, "/var/run/", 9) == 0 && (size_t)snprintf(buf, len, "/run/%s", path + 9) < len)
		return buf;
	return path;
}

int pidfile_read(int root_fd, const char *path, pid_t *ret_pid)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   (root_fd >= 0 ? RESOLVE_IN_ROOT : 0),
	};
	char buf[PIDFILE_MAX], fdpath[64], pbuf[4096];
	struct stat st;
	ssize_t n;
	long pfd;
	int fd, r;

	path = pidfile_path(path, pbuf, sizeof(pbuf));
	do
		pfd = syscall(SYS_openat2, root_fd >= 0 ? root_fd : AT_FDCWD, path, &how, sizeof(how));
	while (pfd < 0 && errno == EAGAIN);
	if (pfd < 0)
		return -errno;
	if (fstat((int)pfd, &st) < 0) {
		r = -errno;
		(void)close((int)pfd);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close((int)pfd);
		return S_ISLNK(st.st_mode) ? -ELOOP : -EINVAL;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", (int)pfd);
	fd = open(fdpath, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	(void)close((int)pfd);
	if (fd < 0)
		return r;
	n = read(fd, buf, sizeof(buf));
	r = n < 0 ? -errno : 0;
	(void)close(fd);
	if (r < 0)
		return r;
	if (n == (ssize_t)sizeof(buf))
		return -EINVAL;   /* longer than any pid file */
	return pidfile_parse(buf, (size_t)n, ret_pid);
}
