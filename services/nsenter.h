/* SPDX-License-Identifier: MIT */
/*
 * nsenter.h: entering the namespaces of a unit's process, as nsenter(1)
 * does: which of its namespaces are not the caller's, and one setns() on a
 * pidfd for all of them (no pid that could be reused in between). Shared by
 * svcctl exec (init/svcctl-exec.c) and the health checks (services/health.c).
 * No allocation: safe in a child between fork and exec.
 */
#pragma once

#include <sys/types.h>

/* The CLONE_NEW* flags of the namespaces process pid (as /proc shows it
 * here) is in and the caller is not: user mnt pid net ipc uts cgroup. */
int nsenter_differ(pid_t pid);

/* Join them: setns(pidfd, flags). 0 (nothing to do for flags 0), or -errno. */
int nsenter_join(int pidfd, int flags);
