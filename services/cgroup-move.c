/* SPDX-License-Identifier: MIT */
/*
 * cgroup-move.c: the v1 hierarchies a unit joins only to be counted, joined
 * after its exec and off the loop.
 *
 * On a hybrid host a unit lives in its v2 cgroup from its first instruction
 * (clone3 CLONE_INTO_CGROUP) and joins v1 memory and pids beside it for the
 * accounting that v2 cannot give without controllers. A v1 join is a
 * migration, and a migration after a quiet spell waits out an RCU grace
 * period (cgroup_threadgroup_rwsem: 5 to 15 ms here) before anything else
 * happens. In the child that delays the unit's exec; on the loop it would
 * stall PID 1. So a hierarchy that carries none of the unit's limits (and is
 * not the freezer) is joined by one thread, the mover: the loop hands it the
 * pid and the open cgroup.procs files through a pipe and goes on, the unit
 * execs at once, and the mover writes the pid, then every pid of the unit's
 * v2 cgroup (what the unit forked before the move). A hierarchy with a limit
 * is still joined by the child before it execs: a limit holds from the first
 * instruction.
 *
 * The mover makes system calls only (read, write, openat, close): it holds
 * no lock that a child cloned from the loop could find taken, and it blocks
 * every signal, so that the loop's signalfd sees them all. It ends when the
 * pipe closes (cg_free). What differs for users: the first pages a unit
 * touches (its exec) are charged to svcinit's own v1 memory cgroup, and a
 * process it forks and that exits within the first milliseconds is not
 * counted in its pids.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup-internal.h"

struct cg_move {
	pid_t pid;
	int v2_fd;              /* the unit's v2 directory, or -1 */
	int n;
	int fds[CG_V1_MAX];     /* v1 cgroup.procs, opened for writing */
};

#define MOVE_PASSES     2       /* over v2 cgroup.procs: forks during the first */
#define MOVE_PIPE_SIZE  (1 << 20)

static size_t fmt_pid(char *buf, pid_t pid)
{
	char tmp[16];
	size_t n = 0, k = 0;
	unsigned v = (unsigned)pid;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(tmp));
	while (n)
		buf[k++] = tmp[--n];
	return k;
}

static void move_pid(const struct cg_move *m, pid_t pid)
{
	char buf[16];
	size_t len = fmt_pid(buf, pid);

	for (int i = 0; i < m->n; i++) {
		ssize_t w;

		do
			w = write(m->fds[i], buf, len);
		while (w < 0 && errno == EINTR);
		/* ESRCH: it is gone; ENOENT, ENODEV: the cgroup too */
	}
}

/* Every pid listed in the unit's v2 cgroup.procs, moved. */
static void move_rest(const struct cg_move *m)
{
	char buf[4096];
	size_t have = 0;
	int fd = openat(m->v2_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		for (size_t i = 0; i < have; i++) {
			pid_t pid = 0;

			if (buf[i] != '\n')
				continue;
			for (size_t j = start; j < i; j++)
				pid = pid * 10 + (buf[j] - '0');
			if (pid > 0 && pid != m->pid)
				move_pid(m, pid);
			start = i + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof(buf))
			have = 0;   /* no line is that long */
	}
	(void)close(fd);
}

static void *mover_main(void *arg)
{
	int fd = (int)(long)arg;

	for (;;) {
		struct cg_move m;
		ssize_t r = read(fd, &m, sizeof(m));

		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(m))
			break;   /* closed (cg_free), or not ours to read */
		move_pid(&m, m.pid);
		for (int pass = 0; pass < MOVE_PASSES && m.v2_fd >= 0; pass++)
			move_rest(&m);
		for (int i = 0; i < m.n; i++)
			(void)close(m.fds[i]);
		if (m.v2_fd >= 0)
			(void)close(m.v2_fd);
	}
	(void)close(fd);
	return NULL;
}

int cg_mover_start(struct cg_ctx *ctx)
{
	pthread_attr_t attr;
	pthread_t th;
	sigset_t all, old;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	(void)fcntl(p[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(p[1], F_SETPIPE_SZ, MOVE_PIPE_SIZE);   /* room for a boot's burst */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_attr_init(&attr);
	if (r == 0) {
		(void)pthread_attr_setstacksize(&attr, 64 * 1024);
		(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = pthread_create(&th, &attr, mover_main, (void *)(long)p[0]);
		(void)pthread_attr_destroy(&attr);
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		(void)close(p[0]);
		(void)close(p[1]);
		return -r;
	}
	ctx->mover_fd = p[1];
	ctx->mover = true;
	return 0;
}

void cg_mover_stop(struct cg_ctx *ctx)
{
	if (!ctx->mover)
		return;
	(void)close(ctx->mover_fd);   /* the mover reads EOF and ends */
	ctx->mover = false;
}

bool cg_mover_ready(const struct cg_ctx *ctx)
{
	return ctx && ctx->mover;
}

int cg_mover_queue(struct cg_unit *cg, pid_t pid, const int *fds, int n)
{
	struct cg_move m = { .pid = pid, .v2_fd = -1, .n = 0 };
	ssize_t w;
	int r = 0;

	if (!cg || !cg_mover_ready(cg->ctx) || n <= 0 || n > CG_V1_MAX) {
		r = -EINVAL;
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		m.fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (m.fds[i] < 0) {
			r = -errno;
			goto fail;
		}
		m.n++;
	}
	if (cg->v2_dir)
		m.v2_fd = open(cg->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* smaller than PIPE_BUF: written whole or not at all */
	w = write(cg->ctx->mover_fd, &m, sizeof(m));
	if (w == (ssize_t)sizeof(m))
		return 0;
	r = w < 0 ? -errno : -EIO;
fail:
	for (int i = 0; i < m.n; i++)
		(void)close(m.fds[i]);
	if (m.v2_fd >= 0)
		(void)close(m.v2_fd);
	return r;
}
