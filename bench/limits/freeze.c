/* SPDX-License-Identifier: MIT */
/*
 * bench-freeze: the physical limit of pause and resume. A cgroup v2 with K
 * processes; write 1 to cgroup.freeze and read cgroup.events until it says
 * "frozen 1" (read right after the write, then re-read, yielding the CPU in
 * between: no waiting for the change notification, which the kernel
 * rate-limits to one per 10 ms); then the same with 0.
 *
 *   bench-freeze CGROUP K ROUNDS OUT
 *
 * CGROUP (a v2 directory, created and removed here). OUT gets one JSON
 * line: {"k":K,"pause_ns":[..],"resume_ns":[..]}.
 */
#include "common.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int frozen(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *p;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "frozen ");
	return p ? p[7] == '1' : -1;
}

static int64_t flip(int knob, int events, int want)
{
	int64_t t0 = now_ns();

	if (pwrite(knob, want ? "1" : "0", 1, 0) != 1)
		die("cgroup.freeze");
	while (frozen(events) != want)
		sched_yield();   /* the tasks must run to freeze: let them */
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	struct clone_args args = { .exit_signal = SIGCHLD, .flags = CLONE_INTO_CGROUP };
	char path[4096];
	int k, rounds, cfd, knob, events;
	int64_t *pz, *rz;
	FILE *out;

	if (argc != 5) {
		fprintf(stderr, "usage: bench-freeze CGROUP K ROUNDS OUT\n");
		return 2;
	}
	k = atoi(argv[2]);
	rounds = atoi(argv[3]);
	pz = calloc((size_t)rounds, sizeof(*pz));
	rz = calloc((size_t)rounds, sizeof(*rz));
	if (mkdir(argv[1], 0755) < 0 && errno != EEXIST)
		die("mkdir cgroup");
	cfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		die("open cgroup");
	args.cgroup = (uint64_t)cfd;
	for (int i = 0; i < k; i++) {
		pid_t p = (pid_t)syscall(SYS_clone3, &args, sizeof(args));

		if (p < 0)
			die("clone3");
		if (p == 0) {
			for (;;)
				pause();
		}
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", argv[1]);
	knob = open(path, O_WRONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/cgroup.events", argv[1]);
	events = open(path, O_RDONLY | O_CLOEXEC);
	if (knob < 0 || events < 0)
		die("open cgroup files");
	usleep(100000);
	for (int r = 0; r < rounds; r++) {
		pz[r] = flip(knob, events, 1);
		rz[r] = flip(knob, events, 0);
		usleep(2000);
	}
	snprintf(path, sizeof(path), "%s/cgroup.kill", argv[1]);
	if (write_file(path, "1") < 0)
		die("cgroup.kill");
	for (int i = 0; i < k; i++)
		(void)wait(NULL);
	for (int t = 0; t < 1000 && rmdir(argv[1]) < 0 && errno == EBUSY; t++)
		usleep(1000);

	out = fopen(argv[4], "we");
	if (!out)
		die(argv[4]);
	fprintf(out, "{\"k\":%d,\"pause_ns\":[", k);
	for (int r = 0; r < rounds; r++)
		fprintf(out, "%s%lld", r ? "," : "", (long long)pz[r]);
	fprintf(out, "],\"resume_ns\":[");
	for (int r = 0; r < rounds; r++)
		fprintf(out, "%s%lld", r ? "," : "", (long long)rz[r]);
	fprintf(out, "]}\n");
	fclose(out);
	return 0;
}
