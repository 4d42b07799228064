/* SPDX-License-Identifier: MIT */
/*
 * bench-restart: the physical limit of restart latency. The simplest
 * supervisor there is: fork, exec the service, wait for it, do it again,
 * for SECONDS. The service (bench-stamp FILE) stamps its start and its
 * exit, so the gap from one exit to the next exec is measured the same way
 * as under any supervisor.
 *
 *   bench-restart SECONDS STAMP FILE
 */
#include "common.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	int64_t end;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-restart SECONDS STAMP FILE\n");
		return 2;
	}
	end = now_ns() + (int64_t)(atof(argv[1]) * 1e9);
	while (now_ns() < end) {
		pid_t pid = fork();
		int st;

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl(argv[2], argv[2], argv[3], (char *)NULL);
			_exit(127);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	return 0;
}
