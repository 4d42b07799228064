/* SPDX-License-Identifier: MIT */
/*
 * nsenter.c: which namespaces of a process differ from the caller's, and
 * joining them through its pidfd (see nsenter.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "services/nsenter.h"

int nsenter_differ(pid_t pid)
{
	static const struct { const char *name; int flag; } ns[] = {
		{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID },
		{ "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
		{ "cgroup", CLONE_NEWCGROUP },
	};
	int flags = 0;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		char a[64], b[64];
		struct stat sa, sb;

		snprintf(a, sizeof(a), "/proc/self/ns/%s", ns[i].name);
		snprintf(b, sizeof(b), "/proc/%ld/ns/%s", (long)pid, ns[i].name);
		if (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
		    (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev))
			flags |= ns[i].flag;
	}
	return flags;
}

int nsenter_join(int pidfd, int flags)
{
	if (!flags)
		return 0;
	if (syscall(SYS_setns, pidfd, flags) < 0)
		return -errno;
	return 0;
}
