/* SPDX-License-Identifier: MIT */
/*
 * test_spawn_vm: services/spawn-vm.c against the real kernel. The children
 * here run a test function instead of a unit's setup (the function is the
 * interface's), using only what a CLONE_VM child may: system calls on its
 * own copy of the plan.
 *
 * What the design promises and these check: the child reads a copy of the
 * plan, not the caller's (changed or freed right after the call); LISTEN_PID=
 * is filled in the copy; the child's failing system calls do not touch the
 * caller's errno; a child that never reaches its exec holds one donor,
 * never the caller, and with every donor held the call says -EBUSY at once
 * (the caller forks instead); once the children exec or exit, the donors
 * are free again; a plan with namespaces, a root or a terminal is not taken.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/spawn.h"
#include "services/spawn-vm.h"

#define DEADLINE_MS 20000

static int go[2], rep[2];   /* the test releases children on go; they answer on rep */

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int own_oom(void)
{
	char buf[16] = "";
	FILE *f = fopen("/proc/self/oom_score_adj", "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return atoi(buf);
}

static void plan_init(struct exec_plan *p, char **argv, char **envp)
{
	memset(p, 0, sizeof(*p));
	p->path = "/bin/true";
	p->argv = argv;
	p->envp = envp;
	p->fd_in = p->fd_out = p->fd_err = -1;
	p->join_pidfd = -1;
	p->cgroup_fd = -1;
}

/* Wait for go, then say what the copy holds: argv[0], and whether
 * LISTEN_PID= is one of the copy's own envp strings, then exit 7. */
static void child_report(const struct exec_plan *p, int chan, int parent_chan, bool in_cgroup)
{
	char buf[128], c;
	size_t n = 0;
	bool in_envp = false;

	(void)chan;
	(void)parent_chan;
	(void)in_cgroup;
	if (read(go[0], &c, 1) != 1)
		_exit(1);
	for (size_t i = 0; p->argv[0][i] && n < sizeof(buf) - 3; i++)
		buf[n++] = p->argv[0][i];
	for (size_t i = 0; p->envp && p->envp[i]; i++)
		if (p->envp[i] == p->listen_pid_env)
			in_envp = true;
	buf[n++] = ' ';
	buf[n++] = in_envp ? 'y' : 'n';
	(void)close(-1);   /* errno EBADF: the donor's, not the caller's */
	if (write(rep[1], buf, n) != (ssize_t)n)
		_exit(2);
	_exit(7);
}

/* Exec at once: the donor is free again when it did. */
static void child_exec(const struct exec_plan *p, int chan, int parent_chan, bool in_cgroup)
{
	(void)chan;
	(void)parent_chan;
	(void)in_cgroup;
	execve(p->path, p->argv, p->envp);
	_exit(127);
}

static int wait_exit(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void read_rep(char *buf, size_t len)
{
	struct pollfd pf = { .fd = rep[0], .events = POLLIN };
	ssize_t n;

	assert_int_equal(poll(&pf, 1, DEADLINE_MS), 1);
	n = read(rep[0], buf, len - 1);
	assert_true(n > 0);
	buf[n] = '\0';
}

/* As the caller does with -EBUSY (it forks): here, try again a little later.
 * A donor thread is lent once it runs, so the first calls may say busy. */
static pid_t start_retry(const struct exec_plan *p, spawn_vm_fn fn)
{
	long t0 = now_ms();
	pid_t pid;

	while ((pid = spawn_vm_start(p, -1, -1, fn)) == -EBUSY && now_ms() - t0 < DEADLINE_MS)
		usleep(1000);
	return pid;
}

static int setup(void **state)
{
	(void)state;
	if (pipe(go) < 0 || pipe(rep) < 0)
		return -1;
	return 0;
}

static void test_child_reads_a_copy_of_the_plan(void **state)
{
	char a0[] = "original", lp[] = "LISTEN_PID=XXXXXXXXXXXXXXXXXXXX", e0[] = "A=1";
	char *argv[] = { a0, NULL }, *envp[] = { e0, lp, NULL };
	struct exec_plan p;
	char buf[128];
	pid_t pid;

	(void)state;
	plan_init(&p, argv, envp);
	p.listen_pid_env = lp;
	assert_true(spawn_vm_eligible(&p));
	pid = start_retry(&p, child_report);
	assert_true(pid > 0);
	errno = 0;
	/* the caller's plan is gone as far as the child is concerned */
	memset(a0, 'X', sizeof(a0) - 1);
	argv[0] = NULL;
	p.listen_pid_env = NULL;
	assert_int_equal(write(go[1], "g", 1), 1);
	read_rep(buf, sizeof(buf));
	assert_string_equal(buf, "original y");
	assert_int_equal(wait_exit(pid), 7);
	assert_int_equal(errno, 0);
}

static void test_a_stuck_child_holds_one_donor_not_the_caller(void **state)
{
	char a0[] = "held";
	char *argv[] = { a0, NULL };
	struct exec_plan p;
	pid_t held[64];
	int n = 0;
	long t0;
	pid_t pid;
	char buf[128];

	(void)state;
	plan_init(&p, argv, NULL);
	/* every call returns without the child going on; at some point the
	 * donors are all held and the call keeps saying so */
	t0 = now_ms();
	for (long busy_since = 0;;) {
		assert_true(n < 64);
		assert_true(now_ms() - t0 < DEADLINE_MS);
		pid = spawn_vm_start(&p, -1, -1, child_report);
		if (pid == -EBUSY) {
			if (!busy_since)
				busy_since = now_ms();
			else if (n > 0 && now_ms() - busy_since > 1000)
				break;
			usleep(1000);
			continue;
		}
		assert_true(pid > 0);
		held[n++] = pid;
		busy_since = 0;
	}
	assert_true(n >= 2);   /* more than one donor: a held one is not waited for */
	/* release them: each reports, exits, and its donor is free */
	for (int i = 0; i < n; i++)
		assert_int_equal(write(go[1], "g", 1), 1);
	for (int i = 0; i < n; i++) {
		assert_int_equal(wait_exit(held[i]), 7);
	}
	/* they all answered (in one read or several): drain the pipe */
	for (size_t got = 0, want = (size_t)n * strlen("held n"); got < want;) {
		read_rep(buf, sizeof(buf));
		assert_non_null(strstr(buf, "held"));
		got += strlen(buf);
	}
	pid = start_retry(&p, child_exec);
	assert_true(pid > 0);
	assert_int_equal(wait_exit(pid), 0);
}

static void test_exec_frees_the_donor(void **state)
{
	char a0[] = "true";
	char *argv[] = { a0, NULL };
	struct exec_plan p;

	(void)state;
	plan_init(&p, argv, NULL);
	/* many more than there are donors, one after another */
	for (int i = 0; i < 50; i++) {
		pid_t pid = start_retry(&p, child_exec);

		assert_true(pid > 0);
		assert_int_equal(wait_exit(pid), 0);
	}
}

static void test_plans_that_fork(void **state)
{
	char a0[] = "x";
	char *argv[] = { a0, NULL };
	struct exec_plan p;
	int fake_root;

	(void)state;
	plan_init(&p, argv, NULL);
	assert_true(spawn_vm_eligible(&p));
	p.clone_flags = CLONE_NEWPID;
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	p.join_pidfd = 3;
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	p.root = (const struct rootfs_plan *)&fake_root;
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	p.userns = true;
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	p.attrs.tty_path = "/dev/console";
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	/* a score other than this process's own: its write would be ours too */
	(void)snprintf(p.attrs.oom, sizeof(p.attrs.oom), "%d", own_oom() == 300 ? 301 : 300);
	assert_false(spawn_vm_eligible(&p));
	plan_init(&p, argv, NULL);
	spawn_vm_disable();
	assert_false(spawn_vm_eligible(&p));
	assert_int_equal(spawn_vm_start(&p, -1, -1, child_exec), -ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_reads_a_copy_of_the_plan),
		cmocka_unit_test(test_a_stuck_child_holds_one_donor_not_the_caller),
		cmocka_unit_test(test_exec_frees_the_donor),
		cmocka_unit_test(test_plans_that_fork),   /* last: it switches the path off */
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(300);   /* a call that waited for a stuck child would hang: fail instead */
	return cmocka_run_group_tests(tests, setup, NULL);
}
