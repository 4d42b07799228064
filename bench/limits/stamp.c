/* SPDX-License-Identifier: MIT */
/*
 * bench-stamp: the service of every workload. Built static, so that its
 * exec costs the same under every supervisor and no dynamic loader skews
 * the restart figures. It appends one line per event to a stamp file,
 * with CLOCK_MONOTONIC nanoseconds (the harness shares that clock):
 *
 *   bench-stamp FILE           "S ns pid" at start, "E ns" just before exit 0
 *   bench-stamp -w FILE        "S ns pid", then waits; SIGTERM: "T ns", exit 0
 *   bench-stamp -f             exit 1 at once (a crash loop)
 *   bench-stamp -t K FILE      K processes (itself and K-1 children) that
 *                              wait; "S ns pid" once all exist (freeze)
 *
 * Run as ./run (runit and s6 service directories; s6 passes the service
 * name as an argument) or without arguments, it reads its arguments, space
 * separated, from the file ./args.
 */
#include "common.h"

#include <signal.h>
#include <sys/wait.h>

static int out = -1;

static void stamp(char kind)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%c %lld %d\n", kind, (long long)now_ns(), (int)getpid());

	write_all(out, buf, (size_t)n);
}

static void on_term(int sig)
{
	(void)sig;
	stamp('T');
	_exit(0);
}

static void wait_forever(void)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	char buf[4096], *words[8];
	int k = 0;

	if (argc == 1 || strcmp(base, "run") == 0) {
		int fd = open("args", O_RDONLY | O_CLOEXEC), nw = 0;
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		char *save = NULL;

		if (n <= 0)
			return 2;
		close(fd);
		buf[n] = '\0';
		words[nw++] = argv[0];
		for (char *w = strtok_r(buf, " \t\n", &save); w && nw < 7;
		     w = strtok_r(NULL, " \t\n", &save))
			words[nw++] = w;
		words[nw] = NULL;
		argv = words;
		argc = nw;
	}
	if (argc >= 2 && strcmp(argv[1], "-f") == 0)
		return 1;
	if (argc >= 3 && strcmp(argv[1], "-w") == 0) {
		out = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		stamp('S');
		wait_forever();
	}
	if (argc >= 4 && strcmp(argv[1], "-t") == 0) {
		k = atoi(argv[2]);
		for (int i = 1; i < k; i++) {
			pid_t p = fork();

			if (p == 0) {
				for (;;)
					pause();
			}
			if (p < 0)
				return 1;
		}
		out = open(argv[3], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		stamp('S');
		for (;;)
			pause();   /* the children die with the cgroup */
	}
	if (argc >= 2) {
		out = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		stamp('S');
		stamp('E');
		return 0;
	}
	return 2;
}
