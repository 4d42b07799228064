/* SPDX-License-Identifier: MIT */
/*
 * bench-timeit: wall time of a command, fork to wait, ROUNDS times, its
 * output to /dev/null. For the CLI round trips (svcctl status, sv status,
 * supervisorctl status, ...), so that every client is timed the same way.
 *
 *   bench-timeit ROUNDS OUT COMMAND [ARG...]
 *
 * OUT gets {"ns":[..],"rc":C} (C: the last exit status, -1 if killed).
 */
#include "common.h"

#include <sys/wait.h>

int main(int argc, char **argv)
{
	int rounds, rc = 0, null;
	int64_t *t;
	FILE *out;

	if (argc < 4) {
		fprintf(stderr, "usage: bench-timeit ROUNDS OUT COMMAND [ARG...]\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	t = calloc((size_t)rounds, sizeof(*t));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int r = 0; r < rounds; r++) {
		int64_t t0 = now_ns();
		pid_t p = fork();
		int st;

		if (p < 0)
			die("fork");
		if (p == 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			execvp(argv[3], argv + 3);
			_exit(127);
		}
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		t[r] = now_ns() - t0;
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	out = fopen(argv[2], "we");
	if (!out)
		die(argv[2]);
	fprintf(out, "{\"ns\":[");
	for (int r = 0; r < rounds; r++)
		fprintf(out, "%s%lld", r ? "," : "", (long long)t[r]);
	fprintf(out, "],\"rc\":%d}\n", rc);
	fclose(out);
	return 0;
}
