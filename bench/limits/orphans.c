/* SPDX-License-Identifier: MIT */
/*
 * bench-orphans: N orphans for PID 1 to reap, all released at once.
 *
 *   bench-orphans N OUT
 *
 * Run as the command of the init under test (svcinit -- , tini --, ...).
 * A helper forks N children that block on a pipe, then exits: the children
 * are re-parented to PID 1. Then the pipe is closed: they all exit at once,
 * each noting its exit time in shared memory. We wait for the last exit,
 * then for the last reap (kill(pid, 0) fails once PID 1 has reaped it), and
 * write one line of JSON to OUT:
 *
 *   {"n":N,"release_ns":..,"last_exit_ns":..,"last_reap_ns":..,
 *    "pid1_cpu_ns":..,"pid1_ticks":..}
 *
 * pid1_cpu_ns is PID 1's sum_exec_runtime (/proc/1/schedstat) over the
 * storm, pid1_ticks its utime+stime (/proc/1/stat) in clock ticks.
 */
#include "common.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct shared {
	atomic_int exited;
	int64_t exit_ns[];
};

static int64_t pid1_cpu_ns(void)
{
	char buf[256];
	int fd = open("/proc/1/schedstat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

static long pid1_ticks(void)
{
	char buf[1024], *p;
	unsigned long ut = 0, st = 0;
	int fd = open("/proc/1/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

int main(int argc, char **argv)
{
	struct shared *sh;
	int rel[2], ready[2], n;
	pid_t helper, *pids;
	int64_t release, last_exit = 0, last_reap;
	int64_t cpu0, cpu1;
	long t0, t1;
	char c;
	FILE *out;

	if (argc != 3) {
		fprintf(stderr, "usage: bench-orphans N OUT\n");
		return 2;
	}
	n = atoi(argv[1]);
	sh = mmap(NULL, sizeof(*sh) + (size_t)n * sizeof(int64_t), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = mmap(NULL, (size_t)n * sizeof(pid_t), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pids == MAP_FAILED)
		die("mmap");
	if (pipe(rel) < 0 || pipe(ready) < 0)
		die("pipe");

	helper = fork();
	if (helper < 0)
		die("fork");
	if (helper == 0) {
		close(ready[0]);
		for (int i = 0; i < n; i++) {
			pid_t p = fork();

			if (p < 0)
				die("fork orphan");
			if (p == 0) {
				close(rel[1]);
				close(ready[1]);
				while (read(rel[0], &c, 1) < 0 && errno == EINTR)
					;
				sh->exit_ns[i] = now_ns();
				atomic_fetch_add(&sh->exited, 1);
				_exit(0);
			}
			pids[i] = p;
		}
		_exit(0);   /* the N children are orphans now */
	}
	close(ready[1]);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	/* every orphan is parked in read(); settle a moment */
	usleep(200000);

	cpu0 = pid1_cpu_ns();
	t0 = pid1_ticks();
	release = now_ns();
	close(rel[1]);
	close(rel[0]);

	while (atomic_load(&sh->exited) < n)
		usleep(200);
	for (int i = 0; i < n; i++)
		if (sh->exit_ns[i] > last_exit)
			last_exit = sh->exit_ns[i];
	/* the last reap: every pid gone (a zombie still answers kill 0) */
	for (int i = 0; i < n;) {
		if (kill(pids[i], 0) == 0 || errno != ESRCH) {
			usleep(100);
			continue;
		}
		i++;
	}
	last_reap = now_ns();
	cpu1 = pid1_cpu_ns();
	t1 = pid1_ticks();

	out = fopen(argv[2], "we");
	if (!out)
		die(argv[2]);
	fprintf(out, "{\"n\":%d,\"release_ns\":%lld,\"last_exit_ns\":%lld,\"last_reap_ns\":%lld,"
		"\"pid1_cpu_ns\":%lld,\"pid1_ticks\":%ld,\"hz\":%ld}\n", n, (long long)release,
		(long long)last_exit, (long long)last_reap, (long long)(cpu1 - cpu0), t1 - t0,
		sysconf(_SC_CLK_TCK));
	fclose(out);
	return 0;
}
