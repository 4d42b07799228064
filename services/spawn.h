/* SPDX-License-Identifier: MIT */
/*
 * spawn.h: an exec plan in, a pid out.
 *
 * The parent resolves everything first (argv, envp, numeric ids, fds, the
 * root plan, the cgroup); the child only makes async-signal-safe system
 * calls. A failing child step is reported over a close-on-exec channel as
 * (step, errno) and the child _exit(127)s. spawn_start() returns right after
 * clone: the caller watches the channel on its loop (spawn_read) and learns
 * from it that the service exec'ed (end of file) or which step failed.
 *
 * With a PID namespace the first child is PID 1 of the new namespace: after
 * the namespace and root setup it forks the service and becomes its reaper
 * (as `docker run --init` does), reaping orphans and forwarding signals: it
 * executes svcinit-reaper (services/reaper.h), or, where that cannot run,
 * stays a fork of svcinit and does the same in process. The service's own
 * pid, as svcinit sees it, is reported back through the same channel
 * (SCM_CREDENTIALS translate it) and the reaper reports the service's wait
 * status before it exits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "services/attrs.h"

struct rootfs_plan;
struct unit_seccomp;

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
	const int *listen_fds;     /* become 3, 4, ... (socket activation) */
	size_t n_listen_fds;
	char *listen_pid_env;      /* "LISTEN_PID=XXX..." in envp: the child writes its pid */

	/* isolation */
	int clone_flags;           /* CLONE_NEW* */
	int join_pidfd;            /* >= 0: enter the namespaces of that process
				      (setns, join_ns) instead of new ones and root;
				      a PID namespace: fork into it, stay as the
				      child's reaper (a control process of a unit) */
	int join_ns;               /* CLONE_NEW* to enter */
	const struct rootfs_plan *root;   /* NULL: none */
	bool userns;               /* a user namespace, unshared by the service last
				      (after its root), mapped with: */
	char uid_map[96], gid_map[96];   /* /proc/PID/uid_map, gid_map text */
	int cgroup_fd;             /* v2 cgroup dir for CLONE_INTO_CGROUP, -1: none */
	bool cgroup_join;          /* join cgroup_fd through cgroup.procs instead
				      (cg_unit_clone_into says why) */
	const int *v1_procs_fds;   /* v1 cgroup.procs to join before exec */
	int n_v1_procs_fds;

	/* privileges */
	bool no_new_privs;
	bool drop_bounding;        /* apply bounding_set */
	uint64_t bounding_set;     /* capabilities kept in the bounding set */
	uint64_t ambient_set;      /* raised as ambient (survive the uid switch) */
	uint64_t cap_supported;    /* capabilities the kernel knows (spawn_caps_supported) */
	bool set_caps;             /* apply the three sets below with capset(2) */
	uint64_t cap_permitted, cap_effective, cap_inheritable;   /* after the uid switch */
	const struct unit_seccomp *seccomp;   /* BPF programs loaded last before exec
						 (services/seccomp.c), NULL: none */

	/* Limit*=, UMask=, Nice=, scheduling, OOM score, terminal (attrs.h) */
	struct exec_attrs attrs;

	/* issue 16 */
	bool ignore_sigpipe;       /* IgnoreSIGPIPE=: SIGPIPE ignored across the exec */
	const char *apparmor_profile;   /* AppArmorProfile= to change to on exec, NULL: none */
	bool apparmor_optional;    /* its '-': a failure to change is ignored */

	/* process group */
	bool foreground;           /* own process group, foreground of the tty
				      on fd 0 (entrypoint COMMAND); else setsid */
};

struct spawn_result {
	pid_t pid;                 /* svcinit's child (the reaper with a PID namespace) */
	int spawn_fd;              /* the error/exec channel: non-blocking, watch it
				      for reading and hand it to spawn_read() */
	int chan_fd;               /* reaper status channel, -1 without a reaper */
};

#define SPAWN_STEP_MAX 48

/* What the error/exec channel said so far. */
struct spawn_report {
	pid_t main_pid;            /* the service behind a reaper, 0 until it said */
	int err;                   /* errno of the failing step, 0: none */
	char step[SPAWN_STEP_MAX]; /* the failing step ("execute", "mount overlay") */
};

/* The descriptor limit units start with: svcinit raises its own (0: leave
 * it as inherited). */
extern unsigned long spawn_nofile_soft;
/* The nice value units start with: svcinit runs above its units so that busy
 * ones (a thaw of many, a crash loop) cannot starve it. */
/* For another child of svcinit's (a health check), right after fork:
 * signals and their mask as at boot, OOM score and nice value as a unit's.
 * Async-signal-safe. */
void spawn_child_reset(void);

extern int spawn_nice;
extern bool spawn_nice_set;

/* Start the plan: create the channels, clone, return. Never waits for the
 * child. Returns 0 and *ret (the child is reaped by the caller's SIGCHLD
 * handling), or -errno with *ret_step naming the parent's failing step
 * ("create channel", "clone"); then no child exists. */
int spawn_start(const struct exec_plan *plan, struct spawn_result *ret, const char **ret_step);

/* Read what is there on the error/exec channel (non-blocking) into *rep.
 * Returns 1 at end of file (the child exec'ed, or failed: see rep->err, or
 * died), 0 when more is to come, -errno on a read error (take it as end of
 * file). Once the child was reaped everything it wrote is there: a call then
 * returns 1. The caller closes fd. */
int spawn_read(int fd, struct spawn_report *rep);

/* The capabilities the running kernel knows (bit N: capability N). */
uint64_t spawn_caps_supported(void);

/* After the reaper (ret->pid) exited: the service's wait status it reported,
 * read from chan_fd (non-blocking). Returns 0 and *ret_status, or -ENODATA. */
int spawn_reaper_status(int chan_fd, int *ret_status);

/* Look name up in PATH (from envp, else the default path) as execvp would,
 * inside the directory root_fd (-1: the host's root), resolved there as
 * chroot would (openat2 RESOLVE_IN_ROOT, O_PATH: never blocks). Returns 0
 * and a malloc'ed path as seen from inside the root, -ENOENT (not found),
 * -EACCES (not executable), or -EMFILE/-ENFILE/-ENOMEM (no answer). */
int spawn_find_exec(const char *name, char *const *envp, int root_fd, char **ret_path);
