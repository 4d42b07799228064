/* SPDX-License-Identifier: MIT */
/*
 * svc-spawn.c: starting a unit's processes. The plan (plan.c) is built
 * in PID 1, the child is cloned (spawn.c), and the parent returns at once:
 * the error/exec channel is an ev_io here, and what it says becomes
 * FSM_SPAWNED or FSM_SPAWN_FAILED. Type=forking: the daemon the first
 * process left, from PIDFile= or the cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/dirs.h"
#include "services/output.h"
#include "services/pidfile.h"
#include "services/plan.h"
#include "services/rootfs.h"
#include "services/spawn.h"
#include "services/trig.h"

#include "services/svc-internal.h"
#include "units/devices.h"

#define SVC_KEEP_MAX      8      /* keep paths from the configuration */

void svc_set_error(struct svc *s, const char *what, int err)
{
	/* the usual reason in a container started without CAP_SYS_ADMIN */
	bool ns_denied = err == EPERM && strcmp(what, "clone") == 0 && s->spec->namespaces;

	snprintf(s->error, sizeof(s->error), "unable to %s: %s%s", what, strerror(err),
		 ns_denied ? " (new namespaces need CAP_SYS_ADMIN; Namespaces=none runs "
			     "the unit without them)" : "");
}


/* An unprivileged container refuses new namespaces (clone: EPERM). A unit
 * that runs with svcinit's default isolation, which it did not ask for,
 * runs without it, with one warning; one that asked (Namespaces=, a
 * sandboxing key, RootDirectory=, BindPaths=, ...) fails with the reason. */
static bool sandbox_degrade(struct svc *s, struct exec_plan *plan)
{
	const struct unit_spec *spec = s->spec;

	if (!spec->namespaces || spec->sandbox.namespaces_given || spec->sandbox.ns_added ||
	    spec->root_directory || spec->n_binds || spec->overlay_upper || spec->hostname)
		return false;
	svc_warn_add(s, "isolation: new namespaces are not permitted here (%s): running in "
		 "svcinit's own (Namespaces=none)", strerror(EPERM));
	plan->clone_flags = 0;
	plan->root = NULL;
	plan->userns = false;
	svc_root_release(s);
	s->ns_degraded = true;
	return true;
}

static void ctl_spawn_cb(struct ev_loop *loop, ev_io *w, int revents);

/* The unit has no cgroup: do its device or IP keys need one? The keys the
 * file gave fail the start (err says why); a device policy that
 * PrivateDevices= or ProtectClock= only implies is a warning. */
static bool bpf_needs_cg(struct svc *s, const struct unit_spec *spec, char *err, size_t len)
{
	if (!cg_unit_bpf_wanted(NULL, spec))
		return false;
	if (spec->ip_address_deny && spec->ip_address_deny[0]) {
		snprintf(err, len, "IPAddressDeny=: cannot be enforced: no cgroup for the unit");
		return true;
	}
	if (unit_device_explicit(spec)) {
		snprintf(err, len, "%s=: cannot be enforced: no cgroup for the unit",
			 spec->device_policy != UNIT_DEVPOL_AUTO ? "DevicePolicy" : "DeviceAllow");
		return true;
	}
	svc_warn_add(s, "%s=: implied device policy not enforced: no cgroup for the unit",
		     spec->sandbox.private_devices ? "PrivateDevices" : "ProtectClock");
	return false;
}

/* The pid of the unit's main process as the unit's PID namespace knows it
 * (the last NSpid of /proc/PID/status), for $MAINPID of a hook that runs
 * in that namespace; else the pid itself. */
static pid_t pid_in_unit_ns(pid_t pid)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;
	char *l;
	long last = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pid;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return pid;
	buf[n] = '\0';
	l = strstr(buf, "\nNSpid:");
	if (!l)
		return pid;
	for (char *p = l + 7; *p && *p != '\n';) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		last = v;
		p = end;
	}
	return (pid_t)last;
}

/* Delegate= and OOMPolicy=kill, once per definition and cgroup (beside its
 * limits). Delegate=: the v2 cgroup to User= (root's when there is none:
 * nothing to hand over); a hybrid host whose v2 holds no controllers still
 * lets the unit make sub-cgroups and move its processes there, without
 * controllers to enable (cgroup.subtree_control stays empty). */
static void svc_cg_hand_over(struct svc *s)
{
	const struct unit_spec *spec = s->spec;
	const struct unit_ident *id = &spec->ident;
	int r;

	if (spec->delegate || s->cg_delegated) {
		uid_t uid = spec->delegate && id->set ? id->uid : 0;
		gid_t gid = spec->delegate && id->set ? id->gid : 0;

		r = cg_unit_delegate(s->cg, uid, gid);
		if (r == -ENOENT && spec->delegate)
			svc_warn_add(s, "Delegate=: no cgroup v2 hierarchy: nothing delegated");
		else if (r < 0 && spec->delegate)
			svc_warn_add(s, "Delegate=: unable to hand the cgroup over: %s", strerror(-r));
		s->cg_delegated = spec->delegate && r == 0;
	}
	if (spec->oom_policy != UNIT_OOM_KILL)
		return;   /* a fresh cgroup has memory.oom.group 0: no write */
	r = cg_unit_oom_group(s->cg, true);
	if (r < 0 && r != -EOPNOTSUPP)   /* v1: svc-oom.c kills the rest itself */
		svc_warn_add(s, "OOMPolicy=kill: unable to set memory.oom.group: %s", strerror(-r));
}

/* Start a process of the unit: ExecStart= number cmd (0: the unit starts;
 * more: the next command of a Type=oneshot), or with hook set the control
 * process for command cmd of that Exec*= list. A control process runs
 * inside the unit's namespaces when the main process is there (it enters
 * them: setns), else in namespaces of its own made as the main process's
 * are (ExecCondition=, ExecStartPre=, ExecStopPost=, which run before or
 * after it). Returns 0, or -errno with s->error saying what failed; logs
 * no error (the callers do). */
int svc_spawn_proc(struct svc *s, size_t cmd, bool control, enum unit_hook hook)
{
	const struct unit_spec *spec = s->spec;
	const struct unit_cmd *c;
	struct unit_cmd c0;
	struct plan_env env = { .n = 0 };
	struct exec_plan plan;
	struct spawn_result res;
	char err[SVC_ERROR_MAX - sizeof("unable to ")] = "";
	const char *what = NULL;
	char *path = NULL, **xargv = NULL;
	int fds[3] = { -1, -1, -1 }, v1fds[16], n_v1 = 0, join_fd = -1, join_cg = -1;
	bool join = false, sandbox, first;
	int listen_fds[TRIG_FDS_MAX];
	size_t n_listen = 0;
	char *listen_pid = NULL;
	int r;

	if (control) {
		c = &spec->hooks[hook].v[cmd];
	} else if (cmd < spec->n_exec_start) {
		c = &spec->exec_start[cmd];
	} else {
		c0 = (struct unit_cmd){ spec->argv, NULL, 0 };
		c = &c0;
	}
	sandbox = !(c->flags & UNIT_CMD_PRIVILEGED);
	/* the main process's namespaces, when there is one to enter */
	join = control && sandbox && spec->namespaces && s->pid > 0;
	if (!control) {
		s->cmd = cmd;
		s->error[0] = '\0';
		svc_spawn_close(s);   /* a channel of an earlier child, if any, says nothing now */
	}
	s->wait_empty = false;   /* started again: its cgroup stays */
	svc_cg_watch_update(s);
	if (!control) {
		/* a restart with the same definition and cgroup keeps its limits
		 * and their warnings: nothing to write again */
		if (!s->cg || s->cg_applied != spec)
			svc_warnings_clear(s);
		svc_warnings_from_spec(s);
		if (spec->type == UNIT_FORKING && (spec->namespaces & UNIT_NS_PID))
			svc_warn_add(s, "Type=forking: runs without a PID namespace of its own (its "
				 "PIDFile= names a pid svcinit must see)");
	}

	/* environment: PATH, the user's, then EnvironmentFile=, then Environment= */
	if (!spec->ident.resolved)   /* resolved at load; a spec from elsewhere */
		plan_ident_load(s->spec);
	r = svc_dyn_acquire(s, err, sizeof(err));   /* DynamicUser=: the uid it runs as */
	if (r < 0)
		goto fail_msg;
	r = plan_env_init(spec, &env, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	if (unit_type_notifies(spec->type) || spec->watchdog_usec ||
	    (spec->notify_access != UNIT_NOTIFY_DEFAULT && spec->notify_access != UNIT_NOTIFY_NONE)) {
		r = svc_notify_open(s);
		if (r < 0) {
			what = "create the notify socket";
			goto fail_what;
		}
		if ((r = plan_env_putf(&env, "NOTIFY_SOCKET=%s", s->notify_path)) < 0) {
			snprintf(err, sizeof(err), "prepare: %s", strerror(-r));
			goto fail_msg;
		}
	} else if (!control) {
		svc_notify_close(s);   /* a reload may have changed the type */
	}
	if (!control)
		s->status_text[0] = '\0';
	/* WATCHDOG_USEC= for the main process (no WATCHDOG_PID=: its pid is not
	 * known before it runs; sd_watchdog_enabled() then takes any pid) */
	if (!control && spec->watchdog_usec && spec->watchdog_usec != UNIT_INFINITY &&
	    (r = plan_env_putf(&env, "WATCHDOG_USEC=%llu",
			       (unsigned long long)spec->watchdog_usec)) < 0) {
		snprintf(err, sizeof(err), "prepare: %s", strerror(-r));
		goto fail_msg;
	}
	if (control && s->fsm.main_alive && s->main_pid > 0 &&
	    (r = plan_env_putf(&env, "MAINPID=%d", (int)(join && (spec->namespaces & UNIT_NS_PID) ?
						   pid_in_unit_ns(s->main_pid) : s->main_pid))) < 0) {
		snprintf(err, sizeof(err), "prepare: %s", strerror(-r));
		goto fail_msg;
	}
	/* RuntimeDirectory= and friends, and their $RUNTIME_DIRECTORY ..., for
	 * every process of the unit; the first process of a start after an
	 * earlier run, with RuntimeDirectoryPreserve=no, gets a fresh one */
	first = control ? cmd == 0 && (hook == UNIT_HOOK_CONDITION ||
				       (hook == UNIT_HOOK_START_PRE &&
					!spec->hooks[UNIT_HOOK_CONDITION].n)) :
		cmd == 0 && !spec->hooks[UNIT_HOOK_CONDITION].n &&
		!spec->hooks[UNIT_HOOK_START_PRE].n;
	if (first && s->have_exit && spec->attrs.runtime_preserve == UNIT_PRESERVE_NO)
		dirs_remove_runtime(spec);
	r = dirs_prepare(spec, &env, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	r = plan_env_add_unit(spec, &env, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	/* its sockets' descriptors, or its connection (services/trig.c) */
	r = trig_service_fds(s, &env, listen_fds, &n_listen, &listen_pid);
	if (r < 0) {
		snprintf(err, sizeof(err), "pass the sockets: %s", strerror(-r));
		goto fail_msg;
	}

	/* namespaces and root: planned first, a missing root is the error to
	 * show (not for a control process that enters the main one's) */
	if (spec->namespaces && sandbox && !join) {
		const char *perr = NULL, *keep[SVC_KEEP_MAX + 2];
		size_t nk = 0;
		struct path_ident pi;

		/* the control socket, and of the notify sockets only its own */
		for (; svc_mgr.cfg.keep_paths && svc_mgr.cfg.keep_paths[nk] && nk < SVC_KEEP_MAX; nk++)
			keep[nk] = svc_mgr.cfg.keep_paths[nk];
		if (s->notify_fd >= 0)
			keep[nk++] = s->notify_path;
		keep[nk] = NULL;
		svc_root_release(s);
		plan_ident_paths(&spec->ident, &pi);
		r = rootfs_plan_new(spec, &pi, svc_mgr.cfg.run_dir, keep, &s->root, &perr);
		if (r < 0) {
			snprintf(err, sizeof(err), "prepare root: %s",
				 perr ? perr : strerror(-r));
			goto fail_msg;
		}
	}

	r = plan_cmd_find(spec, c, &env, &path, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	r = plan_cmd_init(spec, c, &env, path, &plan, &xargv, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	if (spec->type == UNIT_FORKING)
		plan.clone_flags &= ~CLONE_NEWPID;
	if (join) {
		/* the reaper (svcinit's own child, not yet reaped: its pid is
		 * not reused) holds the unit's namespaces */
		join_fd = s->main_pidfd >= 0 ? fcntl(s->main_pidfd, F_DUPFD_CLOEXEC, 3) :
			  (int)syscall(SYS_pidfd_open, s->pid, 0);
		if (join_fd < 0) {
			r = -errno;
			what = "open the unit's namespaces";
			goto fail_what;
		}
		plan.join_pidfd = join_fd;
		plan.join_ns = plan.clone_flags;
		plan.clone_flags = 0;
	} else if (spec->namespaces && sandbox) {
		plan.root = s->root;
	}
	plan.listen_fds = listen_fds;
	plan.n_listen_fds = n_listen;
	plan.listen_pid_env = listen_pid;

	/* cgroup first: the child starts inside it */
	if (svc_mgr.cfg.cg) {
		char *cw[CG_WARN_MAX];
		size_t ncw = 0;

		if (!s->cg) {
			r = cg_unit_create(svc_mgr.cfg.cg, spec->name, &s->cg);
			if (r < 0) {
				svc_warn_limits(s, strerror(-r));
				s->cg = NULL;
			}
		}
		if (s->cg && s->cg_applied != spec) {
			(void)cg_unit_apply(svc_mgr.cfg.cg, s->cg, spec, cw, &ncw);
			for (size_t i = 0; i < ncw; i++) {
				svc_warn_add(s, "%s", cw[i]);
				free(cw[i]);
			}
			ncw = 0;
			/* device and IP programs: a key that cannot be
			 * enforced fails the start (the unit asked for it) */
			r = cg_unit_bpf_apply(s->cg, spec, err, sizeof(err), cw, &ncw);
			for (size_t i = 0; i < ncw; i++) {
				svc_warn_add(s, "%s", cw[i]);
				free(cw[i]);
			}
			if (r < 0)
				goto fail_bpf;
			s->cg_applied = spec;
			svc_cg_hand_over(s);
		}
		if (!s->cg && bpf_needs_cg(s, spec, err, sizeof(err))) {
			r = -ENOENT;
			goto fail_bpf;
		}
		if (s->cg && (!control || !s->oom_watching))
			svc_oom_watch(s);   /* the baseline of this run (or its first hook's) */
		if (s->cg) {
			join_cg = cg_unit_v2_open(s->cg);   /* -1, ENOENT: no v2 */
			if (join_cg < 0 && errno != ENOENT) {
				r = -errno;
				what = "open the unit's cgroup";
				goto fail_what;
			}
			plan.cgroup_fd = join_cg;
			plan.cgroup_join = !cg_unit_clone_into(s->cg);
			n_v1 = cg_unit_v1_procs_fds(s->cg, v1fds, 16);
			if (n_v1 < 0) {
				svc_warn_add(s, "cgroup: unable to open the v1 hierarchies: %s",
					 strerror(-n_v1));
				n_v1 = 0;
			}
			plan.n_v1_procs_fds = n_v1;
			plan.v1_procs_fds = v1fds;
		}
	} else {
		svc_warn_limits(s, "no cgroup hierarchy");
		if (bpf_needs_cg(s, spec, err, sizeof(err))) {
			r = -ENOENT;
			goto fail_bpf;
		}
	}

	r = control ? output_open_set(s, s->ctl.out, fds, &what) : output_open(s, fds, &what);
	if (r < 0)
		goto fail_what;
	plan.fd_in = fds[0];   /* StandardInput=file: or data, else -1 */
	plan.fd_out = fds[1];
	plan.fd_err = fds[2];

	if (!control && spec->type == UNIT_DBUS)
		(void)svc_bus_start(s);   /* BusName= watched from now (or a warning: as simple) */
	s->ns_degraded = false;
	r = spawn_start(&plan, &res, &what);
	if (r == -EPERM && what && strcmp(what, "clone") == 0 && sandbox_degrade(s, &plan))
		r = spawn_start(&plan, &res, &what);   /* svcinit's defaults only: without them */
	output_fds_close(fds);
	if (r < 0)
		goto fail_what;
	/* the child has its copy of the root's plan: the steps are not kept
	 * for each running unit (about 10 KiB of PID 1's heap a unit) */
	if (!control && s->root)
		rootfs_plan_trim(s->root);
	/* the child runs on; the channel tells how its start went (spawn_cb) */
	if (control) {
		s->ctl.pid = res.pid;
		s->ctl.inner_pid = 0;
		s->ctl.reaper_fd = res.chan_fd;
		memset(&s->ctl.rep, 0, sizeof(s->ctl.rep));
		s->ctl.spawn_fd = res.spawn_fd;
		ev_io_init(&s->ctl.spawn_io, ctl_spawn_cb, s->ctl.spawn_fd, EV_READ);
		s->ctl.spawn_io.data = s;
		ev_io_start(svc_mgr.loop, &s->ctl.spawn_io);
		log_debug("%s: %s spawned, pid %d", spec->name, unit_hook_key(hook), (int)res.pid);
		r = 0;
		goto out;
	}
	s->pid = res.pid;
	svc_mainpid_forget(s);
	s->main_pid = res.pid;   /* the reaper's service says its own pid */
	s->reaper_fd = res.chan_fd;
	memset(&s->spawn_rep, 0, sizeof(s->spawn_rep));
	s->spawn_fd = res.spawn_fd;
	ev_io_set(&s->spawn_io, s->spawn_fd, EV_READ);
	ev_io_start(svc_mgr.loop, &s->spawn_io);
	log_debug("%s: spawned, pid %d", spec->name, (int)s->pid);
	r = 0;
	goto out;

fail_msg:
	snprintf(s->error, sizeof(s->error), "unable to %s", err);
	goto out;
fail_bpf:
	snprintf(s->error, sizeof(s->error), "%s", err);
	goto out;
fail_what:
	output_fds_close(fds);
	svc_set_error(s, what ? what : "start", -r);
out:
	if (join_fd >= 0)
		(void)close(join_fd);
	if (join_cg >= 0)
		(void)close(join_cg);
	for (int i = 0; i < n_v1; i++)
		(void)close(v1fds[i]);
	free(path);
	unit_strv_free(xargv);
	plan_env_fini(&env);
	return r < 0 ? r : 0;
}

int svc_spawn_cmd(struct svc *s, size_t cmd)
{
	return svc_spawn_proc(s, cmd, false, UNIT_HOOK_MAX);
}

void svc_spawn_close(struct svc *s)
{
	if (s->spawn_fd < 0)
		return;
	ev_io_stop(svc_mgr.loop, &s->spawn_io);
	(void)close(s->spawn_fd);   /* a socket of ours, no data in flight: never blocks */
	s->spawn_fd = -1;
}

/* Read the error/exec channel; true when it has ended (then it is closed). */
bool svc_spawn_poll(struct svc *s)
{
	int r = spawn_read(s->spawn_fd, &s->spawn_rep);

	if (s->spawn_rep.main_pid > 0 && s->pid > 0)
		s->main_pid = s->spawn_rep.main_pid;
	if (r == 0)
		return false;
	svc_spawn_close(s);
	return true;
}

/* The channel of a spawn in flight is readable. End of file without an error
 * is the exec: FSM_SPAWNED. A failure is told once the child is reaped (it
 * _exit()s right after it wrote), by svc_child_exited, so that the unit is
 * never started again while the failed child is still there. */
static void spawn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;

	if (!svc_spawn_poll(s))
		return;
	if (s->spawn_rep.err == 0)
		svc_event(s, FSM_SPAWNED, 0);
}

void svc_ctl_spawn_close(struct svc *s)
{
	if (s->ctl.spawn_fd < 0)
		return;
	ev_io_stop(svc_mgr.loop, &s->ctl.spawn_io);
	(void)close(s->ctl.spawn_fd);
	s->ctl.spawn_fd = -1;
}

bool svc_ctl_spawn_poll(struct svc *s)
{
	int r = spawn_read(s->ctl.spawn_fd, &s->ctl.rep);

	if (s->ctl.rep.main_pid > 0 && s->ctl.pid > 0)
		s->ctl.inner_pid = s->ctl.rep.main_pid;
	if (r == 0)
		return false;
	svc_ctl_spawn_close(s);
	return true;
}

/* A control process's channel: its exec (nothing to tell: its end is what
 * moves the unit on), or a failure (told with its end). */
static void ctl_spawn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)svc_ctl_spawn_poll(w->data);
}

/* ---- Type=forking: the daemon the first process left ---------------------- */

/* PIDFile= (inside the unit's root: the daemon's /proc/PID/root when the
 * unit has a mount namespace), else GuessMainPID=: the one process of the
 * cgroup, or the one of them svcinit adopted. 0 and *ret, or -errno. */
int svc_forking_main(struct svc *s, pid_t *ret)
{
	pid_t pids[64];
	int n = s->cg ? cg_unit_pids(s->cg, pids, 64) : -ENOENT, r;

	*ret = 0;
	if (s->spec->pid_file) {
		int root_fd = -1;

		if ((s->spec->namespaces & UNIT_NS_MNT) && n > 0) {
			char path[64];

			snprintf(path, sizeof(path), "/proc/%d/root", (int)pids[0]);
			root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (root_fd < 0)
				return -errno;
		}
		r = pidfile_read(root_fd, s->spec->pid_file, ret);
		if (root_fd >= 0)
			(void)close(root_fd);
		if (r < 0)
			snprintf(s->error, sizeof(s->error), "PIDFile=%s: %s", s->spec->pid_file,
				 r == -ELOOP ? "a symbolic link on its path (not followed)" :
				 r == -EINVAL ? "not a regular file with a pid" : strerror(-r));
		return r;
	}
	if (!s->spec->guess_main_pid) {
		snprintf(s->error, sizeof(s->error), "no PIDFile=, and GuessMainPID=no");
		return -ESRCH;
	}
	if (n == 1) {
		*ret = pids[0];
		return 0;
	}
	/* several: the one whose parent is svcinit (the daemon it adopted) */
	for (int i = 0; i < n; i++) {
		char path[64], buf[1024], *pp;
		ssize_t len;
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		pp = strstr(buf, "\nPPid:");
		if (pp && atoi(pp + 7) == (int)getpid()) {
			if (*ret) {
				*ret = 0;
				break;   /* more than one: cannot tell */
			}
			*ret = pids[i];
		}
	}
	if (*ret)
		return 0;
	snprintf(s->error, sizeof(s->error), "no PIDFile=, and the main process cannot be guessed "
		 "(%d processes in the cgroup)", n < 0 ? 0 : n);
	return -ESRCH;
}

static void pidfile_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;
	pid_t d = 0;
	int r = svc_forking_main(s, &d);
	bool known = false;

	if (r == -ENOENT)
		return;   /* not yet: the start timeout ends the wait */
	ev_timer_stop(loop, w);
	s->pidfile_wait = false;
	if (r == 0 && d > 0) {
		svc_mainpid_accept(s, d);
		if (s->main_pidfd >= 0) {
			s->pid = d;
			known = true;
			s->error[0] = '\0';
			log_info("%s: main process %d", s->spec->name, (int)d);
		} else {
			snprintf(s->error, sizeof(s->error), "PIDFile=: pid %d is not a process of "
				 "the unit", (int)d);
		}
	}
	if (!known)
		log_err("%s: %s", s->spec->name, s->error);
	svc_event_in(s, FSM_EXITED, s->pidfile_status, known);
}

/* The spawn channel's watcher and the PIDFile= timer of a new unit. */
void svc_spawn_setup(struct svc *s)
{
	ev_io_init(&s->spawn_io, spawn_cb, -1, EV_READ);
	s->spawn_io.data = s;
	ev_timer_init(&s->pidfile_timer, pidfile_timer_cb, 0.05, 0.05);
	s->pidfile_timer.data = s;
}
