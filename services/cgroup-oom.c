/* SPDX-License-Identifier: MIT */
/*
 * cgroup-oom.c: the kernel OOM killer in a unit's cgroup (OOMPolicy=,
 * systemd.service(5)): how many processes it killed, an fd that wakes on
 * its events (no polling), and memory.oom.group for OOMPolicy=kill.
 *
 *  - v2 with the memory controller: memory.events "oom_kill" (hierarchical:
 *    sub-cgroups of a delegated unit count), inotify IN_MODIFY on that file
 *    (the kernel notifies each change of memory.events).
 *  - else the v1 memory hierarchy (a hybrid host): memory.oom_control
 *    "oom_kill", and an eventfd registered through cgroup.event_control for
 *    memory.oom_control: it fires when the cgroup meets its limit, before
 *    the kill is counted (the caller looks again shortly after).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "services/cgroup-internal.h"

int cg_unit_oom_kills(struct cg_unit *cg, uint64_t *ret)
{
	const char *d1;

	if (!cg)
		return -EINVAL;
	if (cg_v2_has(cg, CTL_MEMORY))
		return cg_unit_read_kv(cg, &cg->ctx->v2, "memory.events", "oom_kill", ret);
	d1 = cg_v1_dir_of(cg, CTL_MEMORY);
	if (!d1)
		return -ENOENT;
	return cg_unit_read_kv(cg, &cg->ctx->v1[cg->ctx->v1_of[CTL_MEMORY]], "memory.oom_control",
			       "oom_kill", ret);
}

static int oom_fd_v2(struct cg_unit *cg)
{
	char *p = cg_path_join(cg->v2_dir, "memory.events");
	int fd, r = 0;

	if (!p)
		return -ENOMEM;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		r = -errno;
	else if (inotify_add_watch(fd, p, IN_MODIFY) < 0)
		r = -errno;
	free(p);
	if (r < 0) {
		if (fd >= 0)
			(void)close(fd);
		return r;
	}
	return fd;
}

static int oom_fd_v1(const char *dir)
{
	char *ctl = cg_path_join(dir, "memory.oom_control"), line[64];
	int efd = -1, cfd = -1, r = 0;

	if (!ctl)
		return -ENOMEM;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0)
		r = -errno;
	if (r == 0 && (cfd = open(ctl, O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	free(ctl);
	if (r == 0) {
		(void)snprintf(line, sizeof(line), "%d %d", efd, cfd);
		r = cg_write(dir, "cgroup.event_control", line);
	}
	if (cfd >= 0)
		(void)close(cfd);   /* the kernel holds what it needs */
	if (r < 0) {
		if (efd >= 0)
			(void)close(efd);
		return r;
	}
	return efd;
}

int cg_unit_oom_fd(struct cg_unit *cg)
{
	const char *d1;
	int fd;

	if (!cg)
		return -EINVAL;
	if (cg->oom_fd >= 0)
		return cg->oom_fd;
	if (cg_v2_has(cg, CTL_MEMORY))
		fd = oom_fd_v2(cg);
	else if ((d1 = cg_v1_dir_of(cg, CTL_MEMORY)))
		fd = oom_fd_v1(d1);
	else
		fd = -ENOENT;
	if (fd >= 0)
		cg->oom_fd = fd;
	return fd;
}

void cg_unit_oom_drain(struct cg_unit *cg)
{
	char buf[512];

	if (cg && cg->oom_fd >= 0)
		while (read(cg->oom_fd, buf, sizeof(buf)) > 0)
			;
}

int cg_unit_oom_group(struct cg_unit *cg, bool on)
{
	if (!cg)
		return -EINVAL;
	if (!cg_v2_has(cg, CTL_MEMORY) || !cg_exists(cg->v2_dir, "memory.oom.group"))
		return -EOPNOTSUPP;
	return cg_write(cg->v2_dir, "memory.oom.group", on ? "1" : "0");
}
