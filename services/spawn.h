/* SPDX-License-Identifier: MIT */
/*
 * spawn.h: an exec plan in, a pid out.
 *
 * The parent resolves everything first (argv, envp, numeric ids, fds, the
 * root plan, the cgroup); the child only makes async-signal-safe system
 * calls. A failing child step is reported over a close-on-exec channel as
 * (step, errno) and the child _exit(127)s; spawn_start() returns it.
 *
 * With a PID namespace the first child is PID 1 of the new namespace: after
 * the namespace and root setup it forks the service and stays as its reaper
 * (as `docker run --init` does), reaping orphans and forwarding signals. The
 * service's own pid, as svcinit sees it, is reported back through the same
 * channel (SCM_CREDENTIALS translate it) and the reaper reports the
 * service's wait status before it exits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct rootfs_plan;

struct exec_plan {
	const char *path;          /* resolved executable */
	char *const *argv;
	char *const *envp;
	const char *cwd;           /* NULL: "/" */
	bool set_ids;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	int fd_in, fd_out, fd_err; /* become 0 1 2; -1: /dev/null */

	/* isolation */
	int clone_flags;           /* CLONE_NEW* */
	const struct rootfs_plan *root;   /* NULL: none */
	int cgroup_fd;             /* v2 cgroup dir for CLONE_INTO_CGROUP, -1: none */
	const int *v1_procs_fds;   /* v1 cgroup.procs to join before exec */
	int n_v1_procs_fds;

	/* privileges */
	bool no_new_privs;
	bool drop_bounding;        /* apply bounding_set */
	uint64_t bounding_set;     /* capabilities kept in the bounding set */
	uint64_t ambient_set;      /* raised as ambient (survive the uid switch) */
	void *caps;                /* cap_t built by the parent: the permitted,
				      effective and inheritable sets after the
				      uid switch (NULL: leave them alone) */

	/* process group */
	bool foreground;           /* own process group, foreground of the tty
				      on fd 0 (entrypoint COMMAND); else setsid */
};

struct spawn_result {
	pid_t pid;                 /* svcinit's child (the reaper with a PID namespace) */
	pid_t main_pid;            /* the service, in svcinit's PID namespace */
	int chan_fd;               /* reaper status channel, -1 without a reaper */
};

/* The descriptor limit units start with: svcinit raises its own (0: leave
 * it as inherited). */
extern unsigned long spawn_nofile_soft;
/* The nice value units start with: svcinit runs above its units so that busy
 * ones (a thaw of many, a crash loop) cannot starve it. */
extern int spawn_nice;
extern bool spawn_nice_set;

/* Start the plan. Returns 0 and *ret, or -errno with *ret_step naming the
 * failing step ("execve", "mount overlay", ...). The child is reaped by the
 * caller's SIGCHLD handling even on failure (ret->pid is set whenever a child
 * was created, else 0). */
int spawn_start(const struct exec_plan *plan, struct spawn_result *ret, const char **ret_step);

/* After the reaper (ret->pid) exited: the service's wait status it reported,
 * read from chan_fd (non-blocking). Returns 0 and *ret_status, or -ENODATA. */
int spawn_reaper_status(int chan_fd, int *ret_status);

/* Look name up in PATH (from envp, else the default path) as execvp would,
 * inside root (NULL or "/": the host's). Returns 0 and a malloc'ed path as
 * seen from inside root, -ENOENT (not found) or -EACCES (not executable). */
int spawn_find_exec(const char *name, char *const *envp, const char *root, char **ret_path);
