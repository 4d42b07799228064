/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: an exec plan in, a pid out.
 *
 * Between clone and exec the child makes only async-signal-safe system calls
 * on memory the parent prepared. Failures travel back over a close-on-exec
 * SOCK_SEQPACKET pair as (step, errno); end of file on it means the service
 * was exec'ed. With a PID namespace the first child stays as PID 1 of the
 * namespace (a reaper) and reports the service's wait status over a second
 * pair before it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "services/cgroup.h"
#include "services/rootfs.h"
#include "services/spawn.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define SPAWN_STEP_MAX 48

unsigned long spawn_nofile_soft;
int spawn_nice;
bool spawn_nice_set;
#define SPAWN_TIMEOUT_SEC 30   /* a child that neither execs nor fails by then */

struct spawn_msg {
	char kind;                 /* 'E' error, 'P' the service's pid (in the credentials) */
	int err;
	char step[SPAWN_STEP_MAX];
};

/* ---- child side: async-signal-safe only ------------------------------- */

static size_t safe_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void child_report(int fd, char kind, const char *step, int err)
{
	struct spawn_msg m = { .kind = kind, .err = err };
	size_t n = step ? safe_strlen(step) : 0;

	if (n >= sizeof(m.step))
		n = sizeof(m.step) - 1;
	if (n)
		memcpy(m.step, step, n);   /* memcpy is async-signal-safe */
	(void)send(fd, &m, sizeof(m), MSG_NOSIGNAL);
}

static __attribute__((noreturn)) void child_fail(int fd, const char *step, int err)
{
	child_report(fd, 'E', step, err);
	_exit(127);
}

static void child_reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	/* the kernel's struct, for the two signals glibc keeps for itself
	 * (32, 33): an ignored one would otherwise be inherited */
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } ksa = {
		.handler = SIG_DFL,
	};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &sa, NULL) < 0 && errno == EINVAL && sig < 64)
			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* svcinit shields itself from the OOM killer; its children must not inherit
 * that (an increase is always allowed). */
static void child_reset_oom(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "0", 1) < 0) {
		/* nothing to do about it here */
	}
	(void)close(fd);
}

static int child_stdio(const struct exec_plan *p)
{
	int fds[3] = { p->fd_in, p->fd_out, p->fd_err };
	int null_fd = -1;

	/* move fds out of the 0..2 range first so no dup2 clobbers a source */
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0 && fds[i] < 3 && fds[i] != i) {
			int n = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
			if (n < 0)
				return -errno;
			fds[i] = n;
		}
	}
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0) {
			if (null_fd < 0) {
				null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
				if (null_fd < 0)
					return -errno;
			}
			fds[i] = null_fd;
		}
		if (fds[i] == i) {
			int fl = fcntl(i, F_GETFD);
			if (fl >= 0)
				(void)fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
		} else if (dup2(fds[i], i) < 0) {
			return -errno;
		}
	}
	return 0;
}

static int child_privileges(const struct exec_plan *p, const char **ret_step)
{
	if (p->drop_bounding) {
		for (int cap = 0; cap <= 63; cap++) {
			if (p->bounding_set & (1ULL << cap))
				continue;
			if (!CAP_IS_SUPPORTED(cap))
				continue;
			if (cap_drop_bound((cap_value_t)cap) < 0) {
				*ret_step = "drop capability bounding set";
				return -errno;
			}
		}
	}
	if (p->set_ids) {
		if (p->caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			*ret_step = "keep capabilities";
			return -errno;
		}
		if (setgroups(p->n_groups, p->groups) < 0) {
			*ret_step = "set supplementary groups";
			return -errno;
		}
		if (setresgid(p->gid, p->gid, p->gid) < 0) {
			*ret_step = "set group";
			return -errno;
		}
		if (setresuid(p->uid, p->uid, p->uid) < 0) {
			*ret_step = "set user";
			return -errno;
		}
	}
	if (p->caps && cap_set_proc((cap_t)p->caps) < 0) {
		*ret_step = "set capabilities";
		return -errno;
	}
	for (int cap = 0; cap <= 63; cap++) {
		if (!(p->ambient_set & (1ULL << cap)))
			continue;
		if (cap_set_ambient((cap_value_t)cap, CAP_SET) < 0) {
			*ret_step = "raise ambient capability";
			return -errno;
		}
	}
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*ret_step = "set no_new_privs";
		return -errno;
	}
	return 0;
}

/* The service itself: stdio, cwd, ids, exec. Never returns. */
static __attribute__((noreturn)) void child_exec(const struct exec_plan *p, int chan)
{
	const char *step = "set up stdio";
	int r;

	r = child_stdio(p);
	if (r < 0)
		child_fail(chan, step, -r);
	if (chdir(p->cwd ? p->cwd : "/") < 0)
		child_fail(chan, "change directory", errno);
	r = child_privileges(p, &step);
	if (r < 0)
		child_fail(chan, step, -r);
	/* no descriptor of svcinit's survives the exec, whatever its flags */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	/* the descriptor limit svcinit itself started with, now that the many
	 * descriptors it holds are about to close */
	if (spawn_nofile_soft) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > spawn_nofile_soft) {
			rl.rlim_cur = spawn_nofile_soft;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	execve(p->path, p->argv, p->envp);
	child_fail(chan, "execute", errno);
}

/* PID 1 of the unit's namespace: reap everything, forward signals to the
 * service, and report its wait status when it ends. */
static __attribute__((noreturn)) void child_reaper(pid_t main_pid, int status_fd)
{
	sigset_t all;
	int main_status = 0;

	(void)prctl(PR_SET_NAME, "svcinit-reaper", 0, 0, 0);
	if (dup2(status_fd, 3) < 0)
		_exit(127);
	(void)syscall(SYS_close_range, 4U, ~0U, 0U);
	sigfillset(&all);

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			(void)kill(main_pid, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t w = waitpid(-1, &st, WNOHANG);

			if (w <= 0)
				break;
			if (w == main_pid) {
				main_status = st;
				(void)send(3, &main_status, sizeof(main_status), MSG_NOSIGNAL);
				/* leaving kills whatever is left in the namespace */
				_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			}
		}
	}
}

static __attribute__((noreturn)) void child_main(const struct exec_plan *p, int chan,
						 int status_fd)
{
	const char *step = NULL;
	sigset_t all;
	int r;

	child_reset_signals();
	child_reset_oom();
	if (spawn_nice_set)
		(void)setpriority(PRIO_PROCESS, 0, spawn_nice);

	if (p->foreground) {
		(void)setpgid(0, 0);
		if (isatty(STDIN_FILENO)) {
			struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
			(void)sigaction(SIGTTOU, &ign, NULL);
			(void)tcsetpgrp(STDIN_FILENO, getpgrp());
			(void)sigaction(SIGTTOU, &dfl, NULL);
		}
	} else if (setsid() < 0) {
		child_fail(chan, "create session", errno);
	}

	if (p->n_v1_procs_fds > 0) {
		r = cg_child_join_v1(p->v1_procs_fds, p->n_v1_procs_fds);
		if (r < 0)
			child_fail(chan, "join cgroup", -r);
	}
	if (p->root) {
		r = rootfs_enter(p->root, &step);
		if (r < 0)
			child_fail(chan, step ? step : "set up root", -r);
	}

	if (!(p->clone_flags & CLONE_NEWPID)) {
		if (status_fd >= 0)
			(void)close(status_fd);
		child_exec(p, chan);
	}

	/* PID namespace: fork the service, stay as its reaper */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	pid_t pid = fork();
	if (pid < 0)
		child_fail(chan, "fork service", errno);
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)close(status_fd);
		/* tell svcinit our pid: the kernel translates the credentials */
		child_report(chan, 'P', NULL, 0);
		child_exec(p, chan);
	}
	(void)close(chan);
	child_reaper(pid, status_fd);
}

/* ---- parent side ----------------------------------------------------- */

static pid_t do_clone(const struct exec_plan *p, bool *ret_in_cgroup)
{
	struct clone_args args = {
		.flags = (uint64_t)(unsigned)p->clone_flags,
		.exit_signal = SIGCHLD,
	};
	pid_t pid;

	*ret_in_cgroup = false;
	if (p->cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)p->cgroup_fd;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid >= 0) {
		*ret_in_cgroup = p->cgroup_fd >= 0;
		return pid;
	}
	if (errno != ENOSYS && errno != E2BIG && !(p->cgroup_fd >= 0 && errno == EINVAL))
		return -1;
	/* an older kernel: plain clone, the child joins its cgroup itself */
	return (pid_t)syscall(SYS_clone, (unsigned long)p->clone_flags | SIGCHLD, NULL, NULL,
			      NULL, NULL);
}

static int join_v2_child(int cgroup_fd)
{
	int fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) != 1)
		r = -errno;
	(void)close(fd);
	return r;
}

int spawn_start(const struct exec_plan *p, struct spawn_result *ret, const char **ret_step)
{
	int chan[2] = { -1, -1 }, st[2] = { -1, -1 };
	struct timeval tv = { .tv_sec = SPAWN_TIMEOUT_SEC };
	bool in_cgroup, have_reaper = p->clone_flags & CLONE_NEWPID;
	int one = 1, r = 0;
	pid_t pid;

	ret->pid = 0;
	ret->main_pid = 0;
	ret->chan_fd = -1;
	*ret_step = "create channel";

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	if (have_reaper && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0) {
		r = -errno;
		goto out;
	}
	if (setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    setsockopt(chan[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		goto out;
	}

	pid = do_clone(p, &in_cgroup);
	if (pid < 0) {
		r = -errno;
		*ret_step = "clone";
		goto out;
	}
	if (pid == 0) {
		(void)close(chan[0]);
		if (st[0] >= 0)
			(void)close(st[0]);
		if (p->cgroup_fd >= 0 && !in_cgroup) {
			int e = join_v2_child(p->cgroup_fd);
			if (e < 0)
				child_fail(chan[1], "join cgroup", -e);
		}
		child_main(p, chan[1], st[1]);
	}

	ret->pid = pid;
	ret->main_pid = have_reaper ? 0 : pid;
	(void)close(chan[1]);
	chan[1] = -1;
	if (st[1] >= 0) {
		(void)close(st[1]);
		st[1] = -1;
	}

	/* read until end of file (exec'ed) or an error report */
	for (;;) {
		struct spawn_msg m;
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		ssize_t n = recvmsg(chan[0], &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {   /* timed out: the child is slow, not failed; go on */
			*ret_step = NULL;
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n < sizeof(m))
			continue;
		m.step[sizeof(m.step) - 1] = '\0';
		if (m.kind == 'P') {
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
				struct ucred uc;
				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
				ret->main_pid = uc.pid;
			}
		} else if (m.kind == 'E') {
			static char step[SPAWN_STEP_MAX];

			memcpy(step, m.step, sizeof(step));
			*ret_step = step;
			r = m.err > 0 ? -m.err : -EIO;
			break;
		}
	}
	if (r == 0) {
		*ret_step = NULL;
		if (ret->main_pid == 0)
			ret->main_pid = pid;
		if (have_reaper) {
			ret->chan_fd = st[0];
			st[0] = -1;
		}
	}
out:
	for (int i = 0; i < 2; i++) {
		if (chan[i] >= 0)
			(void)close(chan[i]);
		if (st[i] >= 0)
			(void)close(st[i]);
	}
	return r;
}

int spawn_reaper_status(int chan_fd, int *ret_status)
{
	int st;
	ssize_t n;

	if (chan_fd < 0)
		return -ENODATA;
	n = recv(chan_fd, &st, sizeof(st), MSG_DONTWAIT);
	if (n != (ssize_t)sizeof(st))
		return -ENODATA;
	*ret_status = st;
	return 0;
}

/* 0 for an executable regular file, -EACCES for one we may not run, else -ENOENT */
static int check_exec(const char *root, const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (root && strcmp(root, "/") != 0) {
		if (snprintf(buf, sizeof(buf), "%s%s", root, path) >= (int)sizeof(buf))
			return -ENOENT;
		path = buf;   /* symlinks inside root may point out of it: best effort */
	}
	if (stat(path, &st) < 0)
		return errno == EACCES ? -EACCES : -ENOENT;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

int spawn_find_exec(const char *name, char *const *envp, const char *root, char **ret_path)
{
	const char *path = NULL;
	int last = -ENOENT;

	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		int r = check_exec(root, name);
		if (r < 0)
			return r;
		*ret_path = strdup(name);
		return *ret_path ? 0 : -ENOMEM;
	}
	for (char *const *e = envp; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t dlen = (size_t)(end - path);
		char *full;

		if (dlen == 0 || path[0] != '/') {   /* only absolute directories */
			path = *end ? end + 1 : end;
			continue;
		}
		if (asprintf(&full, "%.*s/%s", (int)dlen, path, name) < 0)
			return -ENOMEM;
		int r = check_exec(root, full);
		if (r == 0) {
			*ret_path = full;
			return 0;
		}
		if (r == -EACCES)
			last = -EACCES;
		free(full);
		path = *end ? end + 1 : end;
	}
	return last;
}
