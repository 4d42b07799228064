/* SPDX-License-Identifier: MIT */
/*
 * bench-reap: the physical limit of reaping, as PID 1: run COMMAND, then
 * wait() for anything until COMMAND itself ends, and exit with its code.
 *
 *   bench-reap COMMAND [ARG...]
 */
#include "common.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	pid_t cmd;

	if (argc < 2)
		return 2;
	cmd = fork();
	if (cmd < 0)
		die("fork");
	if (cmd == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	for (;;) {
		int st;
		pid_t p = wait(&st);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return 1;
		if (p == cmd)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}
