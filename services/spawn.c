/* SPDX-License-Identifier: MIT */
/*
 * spawn.c: an exec plan in, a pid out.
 *
 * Between clone and exec the child makes only async-signal-safe system calls
 * on memory the parent prepared: no allocation, no locks, no libcap (the
 * parent computes the capability sets; the child calls capset and prctl).
 * Failures travel back over a close-on-exec SOCK_SEQPACKET pair as (step,
 * errno); end of file on it means the service was exec'ed. The parent never
 * waits on it: spawn_start returns after clone, the caller watches the
 * channel on its event loop and reads it with spawn_read. With a PID
 * namespace the first child stays as PID 1 of the namespace (a reaper): it
 * forks the service and executes svcinit-reaper (reaper.c), else reaps in
 * process (child_reaper); either reports the service's wait status over a
 * second pair before it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/openat2.h>
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

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/reaper.h"
#include "services/rootfs.h"
#include "services/seccomp.h"
#include "services/spawn.h"
#include "services/spawn-vm.h"
#include "units/trigger.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

unsigned long spawn_nofile_soft;
int spawn_nice;
bool spawn_nice_set;

struct spawn_msg {
	char kind;                 /* 'E' error, 'P' the service's pid (in the credentials),
				      'R' the reaper program could not be executed */
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

/* The terminal of StandardInput=tty (attrs_child_tty), opened in
 * child_main: this process's own memory, no allocation. */
static int child_tty_fd = -1;

static int child_stdio(const struct exec_plan *p)
{
	int fds[3] = { p->fd_in, p->fd_out, p->fd_err };
	int null_fd = -1;

	if (child_tty_fd >= 0) {
		if (p->attrs.tty_mode)
			fds[0] = child_tty_fd;
		if (p->attrs.tty_out)
			fds[1] = child_tty_fd;
		if (p->attrs.tty_err)
			fds[2] = child_tty_fd;
	}

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

/* The sockets of socket activation as fds 3, 4, ... (sd_listen_fds(3)),
 * LISTEN_PID as this process sees its own pid (in its PID namespace). */
static int child_listen_fds(const struct exec_plan *p, int top)
{
	int tmp[64];
	size_t n = p->n_listen_fds;

	if (n == 0)
		return 0;
	if (n > 64)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		tmp[i] = fcntl(p->listen_fds[i], F_DUPFD_CLOEXEC, top);
		if (tmp[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		if (dup2(tmp[i], 3 + (int)i) < 0)
			return -errno;
		(void)close(tmp[i]);
	}
	if (p->listen_pid_env)
		trigger_listen_pid_fill(p->listen_pid_env, (long)syscall(SYS_getpid));
	return 0;
}

/* Capabilities and ids with plain system calls: no libcap, no glibc setxid
 * machinery (which takes locks to reach other threads) in the child. */
static int child_privileges(const struct exec_plan *p, const char **ret_step)
{
	if (p->drop_bounding) {
		for (int cap = 0; cap <= 63; cap++) {
			if (p->bounding_set & (1ULL << cap) || !(p->cap_supported & (1ULL << cap)))
				continue;
			if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) {
				*ret_step = "drop capability bounding set";
				return -errno;
			}
		}
	}
	if (p->set_ids) {
		if (p->set_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
			*ret_step = "keep capabilities";
			return -errno;
		}
		if (syscall(SYS_setgroups, p->n_groups, p->groups) < 0) {
			*ret_step = "set supplementary groups";
			return -errno;
		}
		if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0) {
			*ret_step = "set group";
			return -errno;
		}
		if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0) {
			*ret_step = "set user";
			return -errno;
		}
	}
	if (p->set_caps) {
		struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

		for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
			data[i].effective = (uint32_t)(p->cap_effective >> (32 * i));
			data[i].permitted = (uint32_t)(p->cap_permitted >> (32 * i));
			data[i].inheritable = (uint32_t)(p->cap_inheritable >> (32 * i));
		}
		if (syscall(SYS_capset, &hdr, data) < 0) {
			*ret_step = "set capabilities";
			return -errno;
		}
	}
	for (int cap = 0; cap <= 63; cap++) {
		if (!(p->ambient_set & (1ULL << cap)) || !(p->cap_supported & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0) {
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

/* Namespaces=user, PrivateUsers=: the service leaves for a user namespace
 * of its own once its root, mounts and other namespaces are made (they stay
 * owned by svcinit's: root in the unit can neither mount nor change them).
 * Its uid_map and gid_map are written from outside by a helper forked
 * before the unshare (still privileged where it matters, in svcinit's
 * namespace), which opens them by a descriptor of the service's own /proc
 * directory taken before the fork; then the service becomes the namespace's
 * root (its capabilities there, none on the host). */
static int child_userns(const struct exec_plan *p, const char **ret_step)
{
	int selfd, go[2] = { -1, -1 }, done[2] = { -1, -1 }, r = 0, st;
	char res = 0;
	pid_t helper;

	*ret_step = "open /proc/self";
	selfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (selfd < 0)
		return -errno;
	*ret_step = "create user namespace";
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	helper = fork();
	if (helper < 0) {
		r = -errno;
		goto out;
	}
	if (helper == 0) {
		const char *const files[2] = { "uid_map", "gid_map" };
		const char *const maps[2] = { p->uid_map, p->gid_map };
		char c = 0, ok = 'u';

		(void)close(go[1]);
		(void)close(done[0]);
		if (read(go[0], &c, 1) != 1 || c != 'u')
			_exit(1);
		for (int i = 0; i < 2; i++) {
			size_t len = safe_strlen(maps[i]);
			int fd = openat(selfd, files[i], O_WRONLY | O_CLOEXEC);

			if (fd < 0 || write(fd, maps[i], len) != (ssize_t)len)
				ok = (char)(i ? 'g' : 'm');
			if (fd >= 0)
				(void)close(fd);
			if (ok != 'u')
				break;
		}
		if (write(done[1], &ok, 1) != 1)
			_exit(1);
		_exit(0);
	}
	(void)close(go[0]);
	go[0] = -1;
	(void)close(done[1]);
	done[1] = -1;
	if (unshare(CLONE_NEWUSER) < 0) {
		r = -errno;
		(void)close(go[1]);   /* the helper reads end of file and goes */
		go[1] = -1;
		(void)waitpid(helper, &st, 0);
		goto out;
	}
	if (write(go[1], "u", 1) != 1 || read(done[0], &res, 1) != 1)
		res = 0;
	(void)waitpid(helper, &st, 0);
	if (res != 'u') {
		*ret_step = res == 'g' ? "write gid_map" : "write uid_map";
		r = -EPERM;
		goto out;
	}
	*ret_step = "become root of the user namespace";
	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, 0, 0, 0) < 0 ||
	    syscall(SYS_setresuid, 0, 0, 0) < 0)
		r = -errno;
out:
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			(void)close(go[i]);
		if (done[i] >= 0)
			(void)close(done[i]);
	}
	(void)close(selfd);
	return r;
}

/* The service itself: stdio, cwd, ids, exec. Never returns. */
/* AppArmorProfile=: the profile the exec changes to, as aa_change_onexec()
 * writes it ("exec NAME" to the attr file of the AppArmor LSM, the older
 * shared one where the kernel has no per-LSM directory). The parent plans
 * this only when AppArmor is enabled. */
static int child_apparmor(const char *profile)
{
	char buf[300];
	size_t n = 0;
	int fd;

	fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memcpy(buf, "exec ", 5);
	n = 5;
	while (*profile && n < sizeof(buf) - 1)
		buf[n++] = *profile++;
	if (write(fd, buf, n) != (ssize_t)n) {
		int e = errno ? errno : EIO;

		(void)close(fd);
		return -e;
	}
	(void)close(fd);
	return 0;
}

static __attribute__((noreturn)) void child_exec(const struct exec_plan *p, int chan)
{
	const char *step = "set up stdio";
	int r, top = 3 + (int)p->n_listen_fds;

	/* socket activation: the channel out of the way of fds 3.. */
	if (p->n_listen_fds && chan < top) {
		int c = fcntl(chan, F_DUPFD_CLOEXEC, top);

		if (c < 0)
			child_fail(chan, "pass sockets", errno);
		chan = c;
	}
	r = child_stdio(p);
	if (r < 0)
		child_fail(chan, step, -r);
	/* before the switch of ids: raising a limit or a priority needs root */
	r = attrs_child_apply(&p->attrs, &step);
	if (r < 0)
		child_fail(chan, step, -r);
	if (p->userns) {
		r = child_userns(p, &step);
		if (r < 0)
			child_fail(chan, step, -r);
	}
	r = child_listen_fds(p, top);
	if (r < 0)
		child_fail(chan, "pass sockets", -r);
	if (p->apparmor_profile) {
		r = child_apparmor(p->apparmor_profile);
		if (r < 0 && !p->apparmor_optional)
			child_fail(chan, "change AppArmor profile", -r);
	}
	r = child_privileges(p, &step);
	if (r < 0)
		child_fail(chan, step, -r);
	/* after the switch to the unit's ids: WorkingDirectory= is looked up
	 * as the unit's user, so a symlink that user planted cannot lead the
	 * unit into a directory only root can reach */
	if (chdir(p->cwd ? p->cwd : "/") < 0)
		child_fail(chan, "change directory", errno);
	/* no descriptor of svcinit's survives the exec, whatever its flags
	 * (but the sockets it passes, 3 to top - 1) */
	(void)syscall(SYS_close_range, (unsigned)top, ~0U, CLOSE_RANGE_CLOEXEC);
	/* the descriptor limit svcinit itself started with, now that the many
	 * descriptors it holds are about to close */
	if (spawn_nofile_soft && !p->attrs.rlimit_set[RLIMIT_NOFILE]) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > spawn_nofile_soft) {
			rl.rlim_cur = spawn_nofile_soft;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	/* the last step: the filters may refuse anything but execve */
	r = seccomp_child_load(p);
	if (r < 0)
		child_fail(chan, "load seccomp filter", -r);
	if (p->ignore_sigpipe) {   /* IgnoreSIGPIPE=yes, systemd's default */
		struct sigaction ign = { .sa_handler = SIG_IGN };

		(void)sigaction(SIGPIPE, &ign, NULL);
	}
	execve(p->path, p->argv, p->envp);
	child_fail(chan, "execute", errno);
}

/* PID 1 of the unit's namespace: reap everything, forward signals to the
 * service, and report its wait status when it ends. What svcinit-reaper
 * (reaper-prog.c) does; this is the fallback where it cannot be executed. */
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
	/* svcinit shields itself from the OOM killer; its units get their
	 * OOMScoreAdjust= (0 by default) instead */
	attrs_child_oom(&p->attrs);
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
	/* the host's terminal, before the unit's root replaces /dev */
	if (p->attrs.tty_path) {
		child_tty_fd = attrs_child_tty(&p->attrs, &step);
		if (child_tty_fd < 0)
			child_fail(chan, step, -child_tty_fd);
	}

	if (p->n_v1_procs_fds > 0) {
		r = cg_child_join_v1(p->v1_procs_fds, p->n_v1_procs_fds);
		if (r < 0)
			child_fail(chan, "join cgroup", -r);
	}
	if (p->join_pidfd >= 0) {
		/* a control process: the unit's own namespaces, root included
		 * (entering a mount namespace sets root and cwd to its root) */
		if (setns(p->join_pidfd, p->join_ns) < 0)
			child_fail(chan, "enter the unit's namespaces", errno);
	} else if (p->root) {
		r = rootfs_enter(p->root, &step);
		if (r < 0)
			child_fail(chan, step ? step : "set up root", -r);
	}

	if (!((p->clone_flags | (p->join_pidfd >= 0 ? p->join_ns : 0)) & CLONE_NEWPID)) {
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
	/* the small program (services/reaper.c), else this process, as is */
	if (reaper_available()) {
		r = reaper_exec(pid, status_fd);
		child_report(chan, 'R', "execute the reaper", -r);
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
	if (p->cgroup_fd >= 0 && !p->cgroup_join) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)p->cgroup_fd;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid >= 0) {
		*ret_in_cgroup = p->cgroup_fd >= 0 && !p->cgroup_join;
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

/* The child of spawn_vm_start: svcinit's memory until its exec. */
static __attribute__((noreturn)) void vm_child_main(const struct exec_plan *p, int chan,
						    int parent_chan, bool in_cgroup)
{
	(void)close(parent_chan);
	if (p->cgroup_fd >= 0 && !in_cgroup) {
		int e = join_v2_child(p->cgroup_fd);
		if (e < 0)
			child_fail(chan, "join cgroup", -e);
	}
	child_main(p, chan, -1);
}

int spawn_start(const struct exec_plan *p, struct spawn_result *ret, const char **ret_step)
{
	int chan[2] = { -1, -1 }, st[2] = { -1, -1 };
	bool in_cgroup, have_reaper = (p->clone_flags | (p->join_pidfd >= 0 ? p->join_ns : 0)) &
				      CLONE_NEWPID;
	int one = 1, r = 0;
	pid_t pid;

	ret->pid = 0;
	ret->spawn_fd = -1;
	ret->chan_fd = -1;
	*ret_step = "create channel";

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0)
		return -errno;
	if (have_reaper && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st) < 0) {
		r = -errno;
		goto out;
	}
	/* the credentials of a 'P' message carry the service's pid, translated */
	if (setsockopt(chan[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    fcntl(chan[0], F_SETFL, O_NONBLOCK) < 0) {
		r = -errno;
		goto out;
	}

	/* no namespaces: a child that shares svcinit's memory until its exec
	 * (spawn-vm.h); else, or with every donor lent, a fork */
	pid = !have_reaper && spawn_vm_eligible(p) ? spawn_vm_start(p, chan[1], chan[0], vm_child_main) : -1;
	if (pid > 0)
		goto started;
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

started:
	*ret_step = NULL;
	ret->pid = pid;
	ret->spawn_fd = chan[0];
	chan[0] = -1;
	if (have_reaper) {
		ret->chan_fd = st[0];
		st[0] = -1;
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

int spawn_read(int fd, struct spawn_report *rep)
{
	for (;;) {
		struct spawn_msg m;
		char cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		/* only credentials can come (SO_PASSCRED); a descriptor cannot:
		 * the writer is svcinit's own child before exec */
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (n == 0)
			return 1;
		if ((size_t)n < sizeof(m))
			continue;
		m.step[sizeof(m.step) - 1] = '\0';
		if (m.kind == 'P' || m.kind == 'R') {
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			struct ucred uc = { .pid = 0 };

			if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			if (m.kind == 'P' && uc.pid > 0)
				rep->main_pid = uc.pid;
			else if (m.kind == 'R')   /* the unit runs on: not an error */
				log_debug("pid %d: unable to %s: %s; it reaps in process instead",
					  (int)uc.pid, m.step, strerror(m.err));
		} else if (m.kind == 'E' && rep->err == 0) {
			memcpy(rep->step, m.step, sizeof(rep->step));
			rep->err = m.err > 0 ? m.err : EIO;
		}
	}
}

uint64_t spawn_caps_supported(void)
{
	static uint64_t mask;
	static bool known;

	if (!known) {
		for (int cap = 0; cap <= 63; cap++)
			if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) >= 0)
				mask |= 1ULL << cap;
		known = true;
	}
	return mask;
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

/* 0 for an executable regular file, -EACCES for one we may not run, else
 * -ENOENT (-EMFILE, -ENFILE, -ENOMEM: no answer). Inside root_fd (>= 0): resolved as if root_fd were "/"
 * (RESOLVE_IN_ROOT: ".." and absolute symlinks stay inside it, as they will
 * for the unit's exec) and never through a magic link. O_PATH: a FIFO or a
 * device is not opened, nothing blocks. */
static int check_exec(int root_fd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = root_fd >= 0 ? RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS : 0,
	};
	struct stat st;
	long fd;
	int r = 0;

	do
		fd = syscall(SYS_openat2, root_fd >= 0 ? root_fd : AT_FDCWD, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0 && errno == ENOSYS) {
		/* before Linux 5.6 (or under valgrind): relative to the root,
		 * absolute symlinks then resolve on the host */
		const char *rel = path;

		while (root_fd >= 0 && *rel == '/')
			rel++;
		fd = openat(root_fd >= 0 ? root_fd : AT_FDCWD, *rel ? rel : ".", O_PATH | O_CLOEXEC);
	}
	if (fd < 0) {
		switch (errno) {
		case EACCES:
			return -EACCES;
		case EMFILE: case ENFILE: case ENOMEM:   /* no answer: say why */
			return -errno;
		default:
			return -ENOENT;
		}
	}
	if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -EACCES;
	else if (syscall(SYS_faccessat2, (int)fd, "", X_OK, AT_EMPTY_PATH) < 0 &&
		 (errno != ENOSYS || !(st.st_mode & 0111)))   /* before 5.8: root's rule */
		r = -EACCES;
	(void)close((int)fd);
	return r;
}

int spawn_find_exec(const char *name, char *const *envp, int root_fd, char **ret_path)
{
	const char *path = NULL;
	int last = -ENOENT;

	if (!name || !*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		int r = check_exec(root_fd, name);
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
		int r = check_exec(root_fd, full);
		if (r == 0) {
			*ret_path = full;
			return 0;
		}
		free(full);
		if (r == -EACCES)
			last = -EACCES;
		else if (r != -ENOENT)
			return r;
		path = *end ? end + 1 : end;
	}
	return last;
}

/* svcinit shields itself from the OOM killer; a child that is no unit's
 * main process (a health check, svcctl exec's) must not inherit that. */
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

void spawn_child_reset(void)
{
	child_reset_signals();
	child_reset_oom();
	if (spawn_nice_set)
		(void)setpriority(PRIO_PROCESS, 0, spawn_nice);
}
