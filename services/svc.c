/* SPDX-License-Identifier: MIT */
/*
 * svc.c: running units. What is wanted of a unit and what it does are both
 * fsm.c's: every change goes through fsm_step() as an event (the admin's
 * start, stop, restart; the graph's queue and dependency failures; a
 * reload's remove and keep); this file carries out the actions it returns
 * (spawn, kill, timers, freezer) and feeds back what happened (spawned,
 * exited, timed out). The exec plan is built by plan.c, the output read by
 * output.c, the graph kept by deps.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/condition.h"
#include "services/deps.h"
#include "services/health.h"
#include "services/rootfs.h"
#include "services/notify.h"
#include "services/dirs.h"
#include "services/output.h"
#include "services/passfd.h"
#include "services/path.h"
#include "services/pidfile.h"
#include "services/plan.h"
#include "services/spawn.h"
#include "services/svc.h"
#include "services/trig.h"
#include "units/value.h"

#define SVC_KEEP_MAX      8      /* keep paths from the configuration */
#define SVC_KILL_ROUNDS   500    /* SIGKILL rounds without cgroup.kill ... */
#define SVC_KILL_EVERY    0.02   /* ... this many seconds apart */

static struct {
	struct ev_loop *loop;
	struct svc_config cfg;
	struct svc_hooks hooks;
	struct svc **v;
	size_t n;
	bool stopping_all;        /* shutdown: stop in reverse dependency order */
	bool in_deps;             /* deps_update() is running */
	bool deps_held;           /* svc_reload(): no moves until the new graph */
	struct deps_graph *g;     /* of the definitions that will run */
	struct svc **node_svc;    /* graph node -> unit; NULL once the unit is freed */
	bool graph_dirty;         /* units or definitions changed since g was built */
	struct svc **by_name;     /* every unit, open addressing over deps_hash() */
	size_t by_name_mask;      /* its capacity - 1 */
	ev_timer uphold_w;        /* Upholds= restarts, at the next loop iteration */
} M;

static void svc_event(struct svc *s, enum fsm_event ev, int status);
static void svc_event_in(struct svc *s, enum fsm_event ev, int status, bool main_known);
static void deps_update(void);
static void deps_touch(struct svc *s);
static void deps_touch_more(uint32_t node);
static bool svc_has_node(const struct svc *s);

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

const char *svc_state_name(const struct svc *s)
{
	return fsm_state_to_string(s->fsm.state);
}

size_t svc_count(void)
{
	return M.n;
}

struct svc *svc_at(size_t i)
{
	return i < M.n ? M.v[i] : NULL;
}

/* ---- units by name ------------------------------------------------------ */

/* Linear probing, at most half full; deleted by shifting back, so that no
 * tombstone ever slows a lookup. */
static struct svc *svc_find_alias(const char *name);

struct svc *svc_find(const char *name)
{
	if (!M.by_name || !name)
		return NULL;
	for (size_t i = deps_hash(name) & M.by_name_mask;; i = (i + 1) & M.by_name_mask) {
		struct svc *s = M.by_name[i];

		if (s && strcmp(s->spec->name, name) == 0)
			return s;
		if (!s)
			return svc_find_alias(name);
	}
}

/* An alias (units/load.c keeps them in spec->alias as full names): "web2"
 * or "web2.service". Aliases are few: a scan. */
static struct svc *svc_find_alias(const char *name)
{
	char full[UNIT_NAME_MAX + 16];

	snprintf(full, sizeof(full), "%s%s", name, strchr(name, '.') ? "" : ".service");
	for (size_t i = 0; i < M.n; i++)
		if (unit_strv_contains(M.v[i]->spec->alias, full) ||
		    unit_strv_contains(M.v[i]->spec->alias, name))
			return M.v[i];
	return NULL;
}

static void by_name_put(struct svc **t, size_t mask, struct svc *s)
{
	size_t i = deps_hash(s->spec->name) & mask;

	while (t[i])
		i = (i + 1) & mask;
	t[i] = s;
}

/* Room for one more unit. Returns 0 or -ENOMEM. */
static int by_name_reserve(void)
{
	size_t cap = M.by_name ? M.by_name_mask + 1 : 0, want = 64;
	struct svc **t;

	while (want < 2 * (M.n + 1))
		want *= 2;
	if (want <= cap)
		return 0;
	t = calloc(want, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cap; i++)
		if (M.by_name[i])
			by_name_put(t, want - 1, M.by_name[i]);
	free(M.by_name);
	M.by_name = t;
	M.by_name_mask = want - 1;
	return 0;
}

static void by_name_del(const struct svc *s)
{
	size_t i, j, k, mask = M.by_name_mask;

	if (!M.by_name)
		return;
	for (i = deps_hash(s->spec->name) & mask; M.by_name[i] != s; i = (i + 1) & mask)
		if (!M.by_name[i])
			return;
	M.by_name[i] = NULL;
	/* move back what probed past the hole */
	for (j = (i + 1) & mask; M.by_name[j]; j = (j + 1) & mask) {
		k = deps_hash(M.by_name[j]->spec->name) & mask;
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;   /* its home lies after the hole: it stays */
		M.by_name[i] = M.by_name[j];
		M.by_name[j] = NULL;
		i = j;
	}
}

/* ---- warnings and errors ---------------------------------------------- */

static void warnings_clear(struct svc *s)
{
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	s->n_warnings = 0;
}

static void warn_add(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_add(struct svc *s, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (s->n_warnings >= SVC_WARN_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m)
		return;
	for (size_t i = 0; i < s->n_warnings; i++) {
		if (strcmp(s->warnings[i], m) == 0) {   /* same warning again: once */
			free(m);
			return;
		}
	}
	log_warn("%s: %s", s->spec->name, m);
	s->warnings[s->n_warnings++] = m;
}

/* What the unit file said that svcinit ignores (units/keys.c: "KEY= is not
 * supported: ignored"), listed with the unit's other warnings. */
static void warnings_from_spec(struct svc *s)
{
	for (char **w = s->spec->warnings; w && *w; w++)
		warn_add(s, "%s", *w);
}

/* No cgroup for the unit: every limit it asks for is a warning of its own. */
static void warn_limits(struct svc *s, const char *why)
{
	static const char *const keys[] = { "MemoryMax", "MemoryHigh", "CPUWeight", "CPUQuota",
					    "TasksMax", "IOWeight", "AllowedCPUs" };

	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (s->spec->limits_set & (1u << i))
			warn_add(s, "%s=: not applied: no cgroup for the unit (%s)", keys[i], why);
	if (!s->spec->limits_set)
		log_debug("%s: no cgroup for the unit (%s)", s->spec->name, why);
}


/* ---- cgroup ---------------------------------------------------------------- */

static void freeze_unwatch(struct svc *s);

static void cgroup_release(struct svc *s)
{
	if (!s->cg)
		return;
	s->wait_empty = false;
	freeze_unwatch(s);   /* the events fd belongs to the cgroup */
	ev_timer_stop(M.loop, &s->kill_timer);
	cg_unit_free(s->cg);
	s->cg_applied = NULL;
	s->cg = NULL;
}

static void root_release(struct svc *s)
{
	if (!s->root)
		return;
	rootfs_cleanup(s->root);
	rootfs_plan_free(s->root);
	s->root = NULL;
}

/* ---- sd_notify ------------------------------------------------------------------ */

#define SVC_CGROUP_FILE_MAX (64 * 1024)

/* /proc/PID/cgroup whole, NUL-terminated, into buf: 0, or -errno; -EFBIG
 * when it does not fit (a unit can make its own sub-cgroups that deep; a
 * line read in pieces would let a piece pass for a line of its own). */
static int cgroup_file(pid_t pid, char *buf, size_t size)
{
	char path[64];
	size_t len = 0;
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1) {
			r = -EFBIG;
			break;
		}
	}
	(void)close(fd);
	buf[len] = '\0';
	return r;
}

/* The path of each "ID:CONTROLLERS:PATH" line in turn: *pos walks buf
 * (modified in place). NULL at the end. */
static char *cgroup_next_path(char **pos)
{
	while (**pos) {
		char *line = *pos, *nl = strchr(line, '\n'), *p;

		if (nl) {
			*nl = '\0';
			*pos = nl + 1;
		} else {
			*pos = line + strlen(line);
		}
		p = strchr(line, ':');
		p = p ? strchr(p + 1, ':') : NULL;
		if (p)
			return p + 1;
	}
	return NULL;
}

static char cgbuf[SVC_CGROUP_FILE_MAX];   /* the loop's only: one reader at a time */

/* Is pid one of the unit's processes? Its main process, its reaper, or any
 * process in its cgroup (as /proc/PID/cgroup shows from here). */
static bool svc_pid_in_cgroup(struct svc *s, pid_t pid);

static bool svc_owns_pid(struct svc *s, pid_t pid)
{
	if (pid <= 0)
		return false;
	if (pid == s->main_pid || pid == s->pid)
		return true;
	return svc_pid_in_cgroup(s, pid);
}

/* Is pid in the unit's cgroup (or below it)? */
static bool svc_pid_in_cgroup(struct svc *s, pid_t pid)
{
	const char *mine;
	char *pos = cgbuf, *p;
	size_t mlen;

	if (!s->cg)
		return false;
	mine = cg_unit_path(s->cg);
	mlen = strlen(mine);
	if (cgroup_file(pid, cgbuf, sizeof(cgbuf)) < 0)
		return false;
	while ((p = cgroup_next_path(&pos)))
		if (strncmp(p, mine, mlen) == 0 && (p[mlen] == '\0' || p[mlen] == '/'))
			return true;
	return false;
}

int svc_unit_of_pid(pid_t pid, struct svc **ret)
{
	char names[16][UNIT_NAME_MAX + 1];
	size_t n_names = 0;
	char *pos = cgbuf, *p;
	int r;

	*ret = NULL;
	r = cgroup_file(pid, cgbuf, sizeof(cgbuf));
	if (r < 0)
		return r;
	/* paths look like <base>/NAME.service[/...]: collect each NAME (the
	 * buffer is reused by svc_owns_pid below) */
	while ((p = cgroup_next_path(&pos))) {
		for (char *seg = strstr(p, ".service"); seg; seg = strstr(seg + 1, ".service")) {
			char *start = seg;

			while (start > p && start[-1] != '/')
				start--;
			if (seg - start > UNIT_NAME_MAX || (seg[8] != '/' && seg[8] != '\0'))
				continue;
			if (n_names == sizeof(names) / sizeof(names[0]))
				return -E2BIG;   /* cannot tell: the caller fails closed */
			memcpy(names[n_names], start, (size_t)(seg - start));
			names[n_names++][seg - start] = '\0';
		}
	}
	for (size_t i = 0; i < n_names; i++) {
		struct svc *s = svc_find(names[i]);

		if (s && svc_owns_pid(s, pid)) {
			*ret = s;
			return 1;
		}
	}
	return 0;
}

struct svc *svc_of_pid(pid_t pid)
{
	struct svc *s;

	return svc_unit_of_pid(pid, &s) > 0 ? s : NULL;
}

static void mainpid_forget(struct svc *s)
{
	if (s->main_pidfd >= 0)
		(void)close(s->main_pidfd);
	s->main_pidfd = -1;
}

/* MAINPID=: a process of the unit, held by a pidfd from now on, so that a
 * stop signal can never reach another process that got the pid later. */
static void mainpid_accept(struct svc *s, pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	/* the pidfd first, the ownership check next, then the pidfd is still
	 * alive: the check looked at that very process */
	if (pfd < 0 || !svc_owns_pid(s, pid) || syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0) < 0) {
		if (pfd >= 0)
			(void)close(pfd);
		log_warn("%s: notify: MAINPID=%d is not a process of the unit", s->spec->name, (int)pid);
		return;
	}
	(void)fcntl(pfd, F_SETFD, FD_CLOEXEC);
	mainpid_forget(s);
	s->main_pid = pid;
	s->main_pidfd = pfd;
}

/* NotifyAccess=: who may speak for the unit (not given: any process of
 * it, svcinit's rule before the key; main: the main process; exec: it or
 * the control process). */
static bool notify_allowed(const struct svc *s, pid_t pid)
{
	switch (s->spec->notify_access) {
	case UNIT_NOTIFY_NONE:
		return false;
	case UNIT_NOTIFY_MAIN:
		return pid == s->main_pid;
	case UNIT_NOTIFY_EXEC:
		return pid == s->main_pid || (s->ctl.pid > 0 &&
					      (pid == s->ctl.pid || pid == s->ctl.inner_pid));
	default:
		return true;
	}
}

/* EXTEND_TIMEOUT_USEC=: the start or stop step that runs may take that much
 * longer from now, if its timer would run out sooner. */
static void timeout_extend(struct svc *s, uint64_t usec)
{
	double want = (double)usec / 1e6;

	if (!ev_is_active(&s->timer) ||
	    (s->fsm.state != SVC_STARTING && s->fsm.state != SVC_STOPPING &&
	     s->fsm.sub != FSM_SUB_RELOAD))
		return;
	if (ev_timer_remaining(M.loop, &s->timer) >= want)
		return;
	ev_timer_stop(M.loop, &s->timer);
	ev_timer_set(&s->timer, want, 0.);
	ev_timer_start(M.loop, &s->timer);
}

static void notify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;
	char buf[NOTIFY_MSG_MAX];

	/* a bounded number per wakeup: a chatty unit cannot starve the rest */
	for (int i = 0; i < 32; i++) {
		struct notify_msg m;
		struct ucred cr = { 0 };
		ssize_t n = notify_recv(w->fd, buf, sizeof(buf), &cr);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n < 0) {
			log_debug("%s: notify: dropped a message: %s", s->spec->name, strerror((int)-n));
			continue;
		}
		if (!svc_owns_pid(s, cr.pid)) {
			log_warn("%s: notify: ignoring a message from pid %d, not a process of the unit",
				 s->spec->name, (int)cr.pid);
			continue;
		}
		if (!notify_allowed(s, cr.pid)) {
			log_warn("%s: notify: ignoring a message from pid %d (NotifyAccess=%s)",
				 s->spec->name, (int)cr.pid,
				 s->spec->notify_access == UNIT_NOTIFY_NONE ? "none" :
				 s->spec->notify_access == UNIT_NOTIFY_MAIN ? "main" : "exec");
			continue;
		}
		if (notify_parse(buf, (size_t)n, &m) < 0) {
			log_warn("%s: notify: ignoring a malformed message from pid %d",
				 s->spec->name, (int)cr.pid);
			continue;
		}
		if (m.have_status)
			snprintf(s->status_text, sizeof(s->status_text), "%s", m.status);
		if (m.have_mainpid)
			mainpid_accept(s, m.mainpid);
		if (m.stopping)
			log_debug("%s: notify: stopping", s->spec->name);
		if (m.have_extend)
			timeout_extend(s, m.extend_usec);
		if (m.watchdog && ev_is_active(&s->watchdog))
			ev_timer_again(M.loop, &s->watchdog);
		if (m.watchdog_trigger) {
			log_warn("%s: watchdog: WATCHDOG=trigger", s->spec->name);
			svc_event(s, FSM_WATCHDOG, 0);
			continue;
		}
		if (m.ready)
			svc_event(s, FSM_READY, 0);
		else if (m.have_status && M.hooks.changed)
			M.hooks.changed(s);
	}
}

static int svc_notify_open(struct svc *s)
{
	char dir[512];
	int r;

	if (s->notify_fd >= 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s/.notify", M.cfg.run_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((size_t)snprintf(s->notify_path, sizeof(s->notify_path), "%s/%s", dir,
			     s->spec->name) >= sizeof(s->notify_path))
		return -ENAMETOOLONG;
	r = notify_open(s->notify_path, &s->notify_fd);
	if (r < 0) {
		s->notify_fd = -1;
		return r;
	}
	ev_io_init(&s->notify_io, notify_cb, s->notify_fd, EV_READ);
	s->notify_io.data = s;
	ev_io_start(M.loop, &s->notify_io);
	return 0;
}

static void svc_notify_close(struct svc *s)
{
	if (s->notify_fd < 0)
		return;
	ev_io_stop(M.loop, &s->notify_io);
	passfd_close_socket(s->notify_fd);   /* unread datagrams may carry descriptors */
	(void)unlink(s->notify_path);
	s->notify_fd = -1;
}

/* ---- spawning -------------------------------------------------------------- */

static void set_error(struct svc *s, const char *what, int err)
{
	/* the usual reason in a container started without CAP_SYS_ADMIN */
	bool ns_denied = err == EPERM && strcmp(what, "clone") == 0 && s->spec->namespaces;

	snprintf(s->error, sizeof(s->error), "unable to %s: %s%s", what, strerror(err),
		 ns_denied ? " (new namespaces need CAP_SYS_ADMIN; Namespaces=none runs "
			     "the unit without them)" : "");
}

static void spawn_close(struct svc *s);
static void cg_watch_update(struct svc *s);
static void root_release(struct svc *s);

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
	warn_add(s, "isolation: new namespaces are not permitted here (%s): running in "
		 "svcinit's own (Namespaces=none)", strerror(EPERM));
	plan->clone_flags = 0;
	plan->root = NULL;
	plan->userns = false;
	root_release(s);
	s->ns_degraded = true;
	return true;
}

static void ctl_spawn_cb(struct ev_loop *loop, ev_io *w, int revents);

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

/* Start a process of the unit: ExecStart= number cmd (0: the unit starts;
 * more: the next command of a Type=oneshot), or with hook set the control
 * process for command cmd of that Exec*= list. A control process runs
 * inside the unit's namespaces when the main process is there (it enters
 * them: setns), else in namespaces of its own made as the main process's
 * are (ExecCondition=, ExecStartPre=, ExecStopPost=, which run before or
 * after it). Returns 0, or -errno with s->error saying what failed; logs
 * no error (the callers do). */
static int svc_spawn_proc(struct svc *s, size_t cmd, bool control, enum unit_hook hook)
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
	int fds[3] = { -1, -1, -1 }, v1fds[16], n_v1 = 0, join_fd = -1;
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
		spawn_close(s);   /* a channel of an earlier child, if any, says nothing now */
	}
	s->wait_empty = false;   /* started again: its cgroup stays */
	cg_watch_update(s);
	if (!control) {
		/* a restart with the same definition and cgroup keeps its limits
		 * and their warnings: nothing to write again */
		if (!s->cg || s->cg_applied != spec)
			warnings_clear(s);
		warnings_from_spec(s);
		if (spec->type == UNIT_DBUS)
			warn_add(s, "Type=dbus: BusName= is not watched on a bus: started as "
				 "Type=simple");
		if (spec->type == UNIT_FORKING && (spec->namespaces & UNIT_NS_PID))
			warn_add(s, "Type=forking: runs without a PID namespace of its own (its "
				 "PIDFile= names a pid svcinit must see)");
	}

	/* environment: PATH, the user's, then EnvironmentFile=, then Environment= */
	if (!spec->ident.resolved)   /* resolved at load; a spec from elsewhere */
		plan_ident_load(s->spec);
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
		for (; M.cfg.keep_paths && M.cfg.keep_paths[nk] && nk < SVC_KEEP_MAX; nk++)
			keep[nk] = M.cfg.keep_paths[nk];
		if (s->notify_fd >= 0)
			keep[nk++] = s->notify_path;
		keep[nk] = NULL;
		root_release(s);
		plan_ident_paths(&spec->ident, &pi);
		r = rootfs_plan_new(spec, &pi, M.cfg.run_dir, keep, &s->root, &perr);
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
	if (M.cfg.cg) {
		char *cw[CG_WARN_MAX];
		size_t ncw = 0;

		if (!s->cg) {
			r = cg_unit_create(M.cfg.cg, spec->name, &s->cg);
			if (r < 0) {
				warn_limits(s, strerror(-r));
				s->cg = NULL;
			}
		}
		if (s->cg && s->cg_applied != spec) {
			(void)cg_unit_apply(M.cfg.cg, s->cg, spec, cw, &ncw);
			for (size_t i = 0; i < ncw; i++) {
				warn_add(s, "%s", cw[i]);
				free(cw[i]);
			}
			s->cg_applied = spec;
		}
		if (s->cg) {
			plan.cgroup_fd = cg_unit_v2_fd(s->cg);
			plan.cgroup_join = !cg_unit_clone_into(s->cg);
			n_v1 = cg_unit_v1_procs_fds(s->cg, v1fds, 16);
			if (n_v1 < 0) {
				warn_add(s, "cgroup: unable to open the v1 hierarchies: %s",
					 strerror(-n_v1));
				n_v1 = 0;
			}
			plan.n_v1_procs_fds = n_v1;
			plan.v1_procs_fds = v1fds;
		}
	} else {
		warn_limits(s, "no cgroup hierarchy");
	}

	r = control ? output_open_set(s, s->ctl.out, fds, &what) : output_open(s, fds, &what);
	if (r < 0)
		goto fail_what;
	plan.fd_in = fds[0];   /* StandardInput=file: or data, else -1 */
	plan.fd_out = fds[1];
	plan.fd_err = fds[2];

	s->ns_degraded = false;
	r = spawn_start(&plan, &res, &what);
	if (r == -EPERM && what && strcmp(what, "clone") == 0 && sandbox_degrade(s, &plan))
		r = spawn_start(&plan, &res, &what);   /* svcinit's defaults only: without them */
	output_fds_close(fds);
	if (r < 0)
		goto fail_what;
	/* the child runs on; the channel tells how its start went (spawn_cb) */
	if (control) {
		s->ctl.pid = res.pid;
		s->ctl.inner_pid = 0;
		s->ctl.reaper_fd = res.chan_fd;
		memset(&s->ctl.rep, 0, sizeof(s->ctl.rep));
		s->ctl.spawn_fd = res.spawn_fd;
		ev_io_init(&s->ctl.spawn_io, ctl_spawn_cb, s->ctl.spawn_fd, EV_READ);
		s->ctl.spawn_io.data = s;
		ev_io_start(M.loop, &s->ctl.spawn_io);
		log_debug("%s: %s spawned, pid %d", spec->name, unit_hook_key(hook), (int)res.pid);
		r = 0;
		goto out;
	}
	s->pid = res.pid;
	mainpid_forget(s);
	s->main_pid = res.pid;   /* the reaper's service says its own pid */
	s->reaper_fd = res.chan_fd;
	memset(&s->spawn_rep, 0, sizeof(s->spawn_rep));
	s->spawn_fd = res.spawn_fd;
	ev_io_set(&s->spawn_io, s->spawn_fd, EV_READ);
	ev_io_start(M.loop, &s->spawn_io);
	log_debug("%s: spawned, pid %d", spec->name, (int)s->pid);
	r = 0;
	goto out;

fail_msg:
	snprintf(s->error, sizeof(s->error), "unable to %s", err);
	goto out;
fail_what:
	output_fds_close(fds);
	set_error(s, what ? what : "start", -r);
out:
	if (join_fd >= 0)
		(void)close(join_fd);
	for (int i = 0; i < n_v1; i++)
		(void)close(v1fds[i]);
	free(path);
	unit_strv_free(xargv);
	plan_env_fini(&env);
	return r < 0 ? r : 0;
}

static int svc_spawn_cmd(struct svc *s, size_t cmd)
{
	return svc_spawn_proc(s, cmd, false, UNIT_HOOK_MAX);
}

static void spawn_close(struct svc *s)
{
	if (s->spawn_fd < 0)
		return;
	ev_io_stop(M.loop, &s->spawn_io);
	(void)close(s->spawn_fd);   /* a socket of ours, no data in flight: never blocks */
	s->spawn_fd = -1;
}

/* Read the error/exec channel; true when it has ended (then it is closed). */
static bool spawn_poll(struct svc *s)
{
	int r = spawn_read(s->spawn_fd, &s->spawn_rep);

	if (s->spawn_rep.main_pid > 0 && s->pid > 0)
		s->main_pid = s->spawn_rep.main_pid;
	if (r == 0)
		return false;
	spawn_close(s);
	return true;
}

/* The channel of a spawn in flight is readable. End of file without an error
 * is the exec: FSM_SPAWNED. A failure is told once the child is reaped (it
 * _exit()s right after it wrote), by svc_child_exited, so that the unit is
 * never started again while the failed child is still there. */
static void spawn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;

	if (!spawn_poll(s))
		return;
	if (s->spawn_rep.err == 0)
		svc_event(s, FSM_SPAWNED, 0);
}

static void ctl_spawn_close(struct svc *s)
{
	if (s->ctl.spawn_fd < 0)
		return;
	ev_io_stop(M.loop, &s->ctl.spawn_io);
	(void)close(s->ctl.spawn_fd);
	s->ctl.spawn_fd = -1;
}

static bool ctl_spawn_poll(struct svc *s)
{
	int r = spawn_read(s->ctl.spawn_fd, &s->ctl.rep);

	if (s->ctl.rep.main_pid > 0 && s->ctl.pid > 0)
		s->ctl.inner_pid = s->ctl.rep.main_pid;
	if (r == 0)
		return false;
	ctl_spawn_close(s);
	return true;
}

/* A control process's channel: its exec (nothing to tell: its end is what
 * moves the unit on), or a failure (told with its end). */
static void ctl_spawn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)ctl_spawn_poll(w->data);
}

/* ---- Type=forking: the daemon the first process left ---------------------- */

/* PIDFile= (inside the unit's root: the daemon's /proc/PID/root when the
 * unit has a mount namespace), else GuessMainPID=: the one process of the
 * cgroup, or the one of them svcinit adopted. 0 and *ret, or -errno. */
static int forking_main(struct svc *s, pid_t *ret)
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
	int r = forking_main(s, &d);
	bool known = false;

	if (r == -ENOENT)
		return;   /* not yet: the start timeout ends the wait */
	ev_timer_stop(loop, w);
	s->pidfile_wait = false;
	if (r == 0 && d > 0) {
		mainpid_accept(s, d);
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

/* ---- freezer ------------------------------------------------------------------ */

/* One watcher on the cgroup's events serves the freezer and the wait for
 * "populated 0": inotify on v2 cgroup.events, else a 10 ms timer. */
static void cg_watch_update(struct svc *s)
{
	int fd;

	if (!s->cg || (s->freeze_want < 0 && !s->wait_empty)) {
		ev_io_stop(M.loop, &s->freeze_io);
		ev_timer_stop(M.loop, &s->freeze_poll);
		return;
	}
	fd = cg_unit_events_fd(s->cg);
	if (fd >= 0) {
		if (!ev_is_active(&s->freeze_io)) {
			ev_io_set(&s->freeze_io, fd, EV_READ);
			ev_io_start(M.loop, &s->freeze_io);
		}
	} else if (!ev_is_active(&s->freeze_poll)) {
		ev_timer_set(&s->freeze_poll, 0.01, 0.01);
		ev_timer_start(M.loop, &s->freeze_poll);
	}
}

static void freeze_unwatch(struct svc *s)
{
	s->freeze_want = -1;
	cg_watch_update(s);
}

/* Has the kernel done it? Then stop watching and tell the waiting clients. */
static void freeze_check(struct svc *s)
{
	int r;

	if (s->freeze_want < 0 || !s->cg)
		return;
	r = cg_unit_frozen(s->cg);
	if (r == s->freeze_want || r < 0) {
		freeze_unwatch(s);
		if (M.hooks.changed)
			M.hooks.changed(s);
	}
}

static void svc_settle(struct svc *s);
static void svc_free(struct svc *s);

/* Removed by a reload, down, and its cgroup empty: it can go. */
static bool svc_freeable(const struct svc *s)
{
	return s->fsm.want == FSM_WANT_REMOVE && s->fsm.state != SVC_STOPPING && s->pid == 0 &&
	       s->ctl.pid == 0 && !s->wait_empty;
}

/* A unit down for good waited for its cgroup to empty: give it back now. */
static void empty_check(struct svc *s)
{
	if (!s->wait_empty || (s->cg && !cg_unit_empty(s->cg)))
		return;
	s->wait_empty = false;
	cg_watch_update(s);
	svc_settle(s);
	if (M.hooks.changed)
		M.hooks.changed(s);   /* a stop waiting for the last process is done */
	if (s->uphold_pending && !ev_is_active(&M.uphold_w))
		ev_timer_start(M.loop, &M.uphold_w);
	if (svc_freeable(s)) {
		svc_free(s);   /* last: s is gone */
		deps_update();   /* its dependents now miss it */
	}
}

static void freeze_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;
	char buf[1024];

	while (read(w->fd, buf, sizeof(buf)) > 0)
		;   /* drain the inotify events; the state is read from the file */
	freeze_check(s);
	empty_check(s);
}

static void freeze_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	freeze_check(w->data);
	empty_check(w->data);
}

static void svc_freeze(struct svc *s, bool freeze)
{
	int r;

	if (!s->cg)
		return;
	freeze_unwatch(s);
	r = cg_unit_freeze(s->cg, freeze);
	if (r < 0) {
		warn_add(s, "unable to %s: %s", freeze ? "freeze" : "thaw", strerror(-r));
		return;
	}
	s->freeze_want = freeze;
	cg_watch_update(s);
	freeze_check(s);   /* it may be done already */
}

bool svc_frozen(struct svc *s)
{
	return s->cg && s->freeze_want < 0 && cg_unit_frozen(s->cg) == 1;
}

/* ---- carrying out actions ----------------------------------------------- */

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	svc_event(w->data, FSM_TIMEOUT, 0);
}

/* The main process (and with group, when there is no cgroup to reach the
 * rest, its process group: it leads its own session). */
static void svc_signal_main(struct svc *s, int sig, bool group)
{
	if (s->pid <= 0)
		return;
	if (s->main_pidfd >= 0) {
		/* MAINPID=: through its pidfd; gone means gone, never a reused pid */
		(void)syscall(SYS_pidfd_send_signal, s->main_pidfd, sig, NULL, 0);
		return;
	}
	if (s->reaper_fd >= 0 || s->main_pid != s->pid) {
		(void)kill(s->main_pid, sig);   /* the service behind its reaper */
		return;
	}
	/* the service leads its own session; its group goes with it */
	if (!group || killpg(s->pid, sig) < 0)
		(void)kill(s->pid, sig);
}

/* The control process: the command itself (behind its reaper when it
 * entered the unit's PID namespace), and its reaper for SIGKILL. */
static void ctl_signal(struct svc *s, int sig)
{
	if (s->ctl.pid <= 0)
		return;
	if (s->ctl.inner_pid > 0)
		(void)kill(s->ctl.inner_pid, sig);
	if (s->ctl.inner_pid <= 0 || sig == SIGKILL) {
		if (s->ctl.reaper_fd >= 0 || killpg(s->ctl.pid, sig) < 0)
			(void)kill(s->ctl.pid, sig);
	}
}

static void svc_kill_all(struct svc *s);

/* Every other process of the unit's cgroup: not the main and control
 * processes (they got their own signal) nor the reapers (they would pass
 * it on a second time). */
static void group_signal(struct svc *s, int sig)
{
	pid_t pids[1024];
	int n;

	if (sig == SIGKILL) {
		svc_kill_all(s);
		return;
	}
	if (!s->cg) {
		if (s->pid > 0 && s->reaper_fd < 0 && s->main_pidfd < 0)
			(void)killpg(s->pid, sig);
		return;
	}
	n = cg_unit_pids(s->cg, pids, (int)(sizeof(pids) / sizeof(pids[0])));
	if (n == -E2BIG)
		n = (int)(sizeof(pids) / sizeof(pids[0]));   /* the first ones; SIGKILL gets all */
	for (int i = 0; i < n; i++) {
		pid_t p = pids[i];

		if (p == s->main_pid || p == s->ctl.inner_pid ||
		    (p == s->pid && s->reaper_fd >= 0) || (p == s->ctl.pid && s->ctl.reaper_fd >= 0))
			continue;
		if (p == s->ctl.pid && s->ctl.inner_pid <= 0)
			continue;
		(void)kill(p, sig);
	}
}

/* The rest of the cgroup first, then the control and the main process: what
 * the main process starts when it gets the signal (a trap's command) is not
 * caught by a round that was meant for what ran before. */
static void svc_kill_plan(struct svc *s, const struct fsm_kill_plan *p)
{
	if (p->group_sig && p->group_sig != SIGKILL)
		group_signal(s, p->group_sig);
	if (p->control_sig)
		ctl_signal(s, p->control_sig);
	if (p->main_sig)
		svc_signal_main(s, p->main_sig, p->group_sig != 0);
	if (p->group_sig == SIGKILL)
		group_signal(s, SIGKILL);
	if (p->sighup) {   /* SendSIGHUP=: for shells and the like */
		if (p->main_sig)
			svc_signal_main(s, SIGHUP, p->group_sig != 0);
		if (p->group_sig)
			group_signal(s, SIGHUP);
	}
}

/* Without cgroup.kill a SIGKILL is a round over cgroup.procs: go on, a
 * round per tick, until the cgroup is empty (bounded). */
static void kill_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;
	int r;

	if (!s->cg || cg_unit_empty(s->cg)) {
		ev_timer_stop(loop, w);
		return;
	}
	if (++s->kill_rounds > SVC_KILL_ROUNDS) {
		ev_timer_stop(loop, w);
		log_warn("%s: processes left in the cgroup after %u SIGKILL rounds",
			 s->spec->name, SVC_KILL_ROUNDS);
		return;
	}
	r = cg_unit_kill(s->cg, SIGKILL);
	if (r <= 0)
		ev_timer_stop(loop, w);
}

static void svc_kill_all(struct svc *s)
{
	int r = 0;

	if (s->cg && !cg_unit_empty(s->cg)) {   /* usually empty: the main process was all */
		r = cg_unit_kill(s->cg, SIGKILL);
		if (r > 0 && !ev_is_active(&s->kill_timer)) {
			s->kill_rounds = 0;
			ev_timer_set(&s->kill_timer, SVC_KILL_EVERY, SVC_KILL_EVERY);
			ev_timer_start(M.loop, &s->kill_timer);
		}
	}
	if (s->pid > 0) {
		/* a reaper takes its whole PID namespace with it */
		(void)kill(s->pid, SIGKILL);
		if (s->reaper_fd < 0)
			(void)killpg(s->pid, SIGKILL);
	}
	if (r < 0 && r != -ENOENT)
		log_debug("%s: unable to kill cgroup: %s", s->spec->name, strerror(-r));
}

/* ---- conditions ---------------------------------------------------------------- */

/*
 * Condition*=/Assert*= are decided when the unit is about to start (fsm's
 * "check" action), never at load. The evaluator stats paths a unit names,
 * which can block (a hung NFS or FUSE mount), and looks users up through
 * NSS: so PID 1 only forks a short-lived child that decides and writes one
 * record back (services/condition.c), and kills it at a deadline. The unit
 * is STARTING meanwhile, with no process of its own.
 */

static void cond_close(struct svc *s)
{
	if (s->cond_fd >= 0) {
		ev_io_stop(M.loop, &s->cond_io);
		(void)close(s->cond_fd);
		s->cond_fd = -1;
	}
	ev_timer_stop(M.loop, &s->cond_timer);
}

/* The check is not wanted any more (stopped meanwhile, freed). */
static void cond_cancel(struct svc *s)
{
	cond_close(s);
	if (s->cond_pid > 0)
		(void)kill(s->cond_pid, SIGKILL);   /* reaped by the one reaper */
}

static void cond_verdict(struct svc *s, int verdict, const char *msg)
{
	int ev = FSM_COND_OK;

	cond_close(s);
	snprintf(s->condition, sizeof(s->condition), "%s", msg ? msg : "");
	switch (verdict) {
	case COND_OK:
		s->condition_result = 1;
		s->assert_result = 1;
		break;
	case COND_CONDITION_FAILED:
	case COND_ERROR:   /* undecidable: not met, as systemd takes an error */
		s->condition_result = 0;
		s->assert_result = -1;
		ev = FSM_COND_SKIP;
		log_info("%s: skipped: %s", s->spec->name, s->condition);
		break;
	default:
		s->condition_result = 1;
		s->assert_result = 0;
		ev = FSM_COND_ASSERT;
		snprintf(s->error, sizeof(s->error), "%s", s->condition);
		log_err("%s: not started: %s", s->spec->name, s->condition);
		break;
	}
	s->cond_verdict = ev;
	svc_event(s, FSM_CONDITION, ev);
}

/* Read the child's record once it is there. */
static void cond_poll(struct svc *s, bool final)
{
	struct cond_report rep;
	int r;

	if (s->cond_fd < 0)
		return;
	r = condition_read(s->cond_fd, &rep);
	if (r == 0 && !final)
		return;
	if (r <= 0) {
		cond_verdict(s, COND_ERROR, "conditions: the check ended without a verdict");
		return;
	}
	cond_verdict(s, rep.verdict, rep.msg);
	if (rep.warn[0])   /* after the spawn, which starts the warnings afresh */
		warn_add(s, "%s", rep.warn);
}

static void cond_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	cond_poll(w->data, false);
}

static void cond_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;
	char msg[COND_MSG_MAX];

	(void)loop;
	(void)revents;
	if (s->cond_fd < 0) {   /* the fork failed: its reason is in s->condition */
		snprintf(msg, sizeof(msg), "%s", s->condition);
		cond_verdict(s, COND_ASSERT_FAILED, msg);
		return;
	}
	cond_cancel(s);
	snprintf(msg, sizeof(msg), "conditions: not decided within %.0fs (a path that hangs?)",
		 COND_DEADLINE_S);
	cond_verdict(s, COND_ERROR, msg);
}

static void cond_start(struct svc *s)
{
	int r;

	cond_cancel(s);
	s->condition[0] = '\0';
	s->condition_result = s->assert_result = -1;
	r = condition_spawn(s->spec, &s->cond_pid, &s->cond_fd);
	if (r < 0) {
		s->cond_pid = 0;
		snprintf(s->condition, sizeof(s->condition), "unable to check the conditions: %s",
			 strerror(-r));
		ev_timer_set(&s->cond_timer, 0., 0.);
		ev_timer_start(M.loop, &s->cond_timer);
		return;
	}
	ev_io_set(&s->cond_io, s->cond_fd, EV_READ);
	ev_io_start(M.loop, &s->cond_io);
	ev_timer_set(&s->cond_timer, COND_DEADLINE_S, 0.);
	ev_timer_start(M.loop, &s->cond_timer);
}

/* The reaper's: was pid a checking child? */
static bool cond_reaped(pid_t pid)
{
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];

		if (s->cond_pid != pid)
			continue;
		s->cond_pid = 0;
		cond_poll(s, true);   /* all it wrote is there now */
		return true;
	}
	return false;
}

/* Carry out a transition's actions. Returns true when a start it asked for
 * failed at once: *ret_ev (FSM_SPAWN_FAILED, or FSM_CONTROL_EXITED with
 * *ret_status) follows; else the channel and the reaper tell. */
static bool svc_apply(struct svc *s, const struct fsm_actions *a, enum fsm_event *ret_ev,
		      int *ret_status)
{
	bool failed = false;

	if (a->thaw)
		svc_freeze(s, false);
	if (a->freeze)
		svc_freeze(s, true);
	if (a->kill)
		svc_kill_plan(s, &a->kill_plan);
	if (a->kill_all)
		svc_kill_all(s);
	if (a->disarm)
		ev_timer_stop(M.loop, &s->timer);
	if (a->counted_restart)
		s->restarts++;
	if (a->cancel_check)
		cond_cancel(s);
	if (a->check)
		cond_start(s);
	if (a->reload_signal)
		svc_signal_main(s, SIGHUP, false);
	if (a->run_hook) {
		if (svc_spawn_proc(s, a->hook_idx, true, a->hook) < 0) {
			log_err("%s: %s: %s", s->spec->name, unit_hook_key(a->hook), s->error);
			failed = true;
			*ret_ev = FSM_CONTROL_EXITED;
			*ret_status = 203 << 8;   /* systemd's EXIT_EXEC: '-' ignores it too */
		} else {
			const struct unit_cmd *c = &s->spec->hooks[a->hook].v[a->hook_idx];

			log_info("%s: %s: %s", s->spec->name, unit_hook_key(a->hook),
				 c->path ? c->path : c->argv[0]);
		}
	}
	if (a->spawn) {
		if (s->have_exit)   /* it ran before: svcctl logs shows where it starts again */
			output_mark(s, "-- started again --");
		if (svc_spawn_cmd(s, 0) < 0) {
			log_err("%s: %s", s->spec->name, s->error);
			failed = true;
			*ret_ev = FSM_SPAWN_FAILED;
			*ret_status = 0;
		}
	}
	if (a->arm) {
		ev_timer_stop(M.loop, &s->timer);
		ev_timer_set(&s->timer, (double)a->arm_usec / 1e6, 0.);
		ev_timer_start(M.loop, &s->timer);
	}
	return failed;
}

static int exit_code_of(const struct svc *s)
{
	if (s->exit_signal)
		return 128 + s->exit_signal;
	return s->exit_code > 0 ? s->exit_code : 0;
}

static void svc_free(struct svc *s);

/* Once a unit is down for good: give back its cgroup and staging dir, when
 * the cgroup is empty (its last processes may still be dying: then once the
 * kernel says "populated 0", empty_check). */
static void svc_settle(struct svc *s)
{
	enum svc_state st = s->fsm.state;

	if (s->pid > 0 || s->ctl.pid > 0 ||
	    (st != SVC_STOPPED && st != SVC_EXITED && st != SVC_FAILED &&
	     st != SVC_CONDITION_FAILED) || s->fsm.sub == FSM_SUB_EXITED)
		return;
	if (s->cg && !cg_unit_empty(s->cg) &&
	    (s->spec->kill_mode == UNIT_KILL_PROCESS || s->spec->kill_mode == UNIT_KILL_NONE))
		return;   /* what KillMode= left running keeps the cgroup (as systemd) */
	if (s->cg && !cg_unit_empty(s->cg)) {
		s->wait_empty = true;
		cg_watch_update(s);
		return;
	}
	cgroup_release(s);
	root_release(s);
	if (s->spec->attrs.runtime_preserve != UNIT_PRESERVE_YES)
		dirs_remove_runtime(s->spec);   /* RuntimeDirectoryPreserve= */
}

/* OnFailure=/OnSuccess=: a unit that failed (not an Assert*=: systemd's
 * unit does not enter "failed" then), or that ended well (exited, or
 * stopped from up with a clean end), starts the units named; they are
 * started from the graph's queue (deps_step), not from within this step. */
static void on_end(struct svc *s, enum svc_state old)
{
	enum svc_state st = s->fsm.state;
	bool from_up = old == SVC_STARTING || old == SVC_RUNNING || old == SVC_PAUSED ||
		       old == SVC_STOPPING;

	if (st == SVC_FAILED && s->fsm.result != FSM_RESULT_ASSERT)
		s->on_pending = 1;
	else if (from_up && (st == SVC_EXITED || st == SVC_STOPPED) &&
		 s->fsm.result == FSM_RESULT_SUCCESS)
		s->on_pending = 2;
	else
		return;
	if (svc_has_node(s))
		deps_queue_push(M.g, s->node);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;

	ev_timer_stop(loop, w);
	log_warn("%s: watchdog timeout (WatchdogSec=%.3fs without WATCHDOG=1)", s->spec->name,
		 (double)s->spec->watchdog_usec / 1e6);
	svc_event(s, FSM_WATCHDOG, 0);
}

/* WatchdogSec= runs while the main process does (from its start), not while
 * the unit is paused or on its way down. */
static void watchdog_update(struct svc *s)
{
	const struct fsm *f = &s->fsm;
	uint64_t w = s->spec->watchdog_usec;
	bool on = w && w != UNIT_INFINITY && f->main_alive &&
		  (f->state == SVC_RUNNING || (f->state == SVC_STARTING && f->sub >= FSM_SUB_START));

	if (!on) {
		ev_timer_stop(M.loop, &s->watchdog);
		return;
	}
	if (!ev_is_active(&s->watchdog)) {
		s->watchdog.repeat = (double)w / 1e6;
		ev_timer_again(M.loop, &s->watchdog);
	}
}

/* A definition a reload left waiting is taken up between two runs: no
 * process of the unit is there and it is not on its way up or up. */
static void take_next_spec(struct svc *s)
{
	switch (s->fsm.sub) {
	case FSM_SUB_CONDITION: case FSM_SUB_START_PRE: case FSM_SUB_START:
	case FSM_SUB_START_POST: case FSM_SUB_RUNNING: case FSM_SUB_RELOAD:
		return;
	default:
		break;
	}
	if (!s->next_spec || s->pid > 0 || s->ctl.pid > 0)
		return;
	unit_spec_free(s->spec);
	s->spec = s->next_spec;
	s->next_spec = NULL;
	s->cg_applied = NULL;
}

static void svc_event_in(struct svc *s, enum fsm_event ev, int status, bool main_known)
{
	/* a spawn feeds back SPAWN_FAILED or CONTROL_EXITED when it failed at
	 * once, which may spawn again: every round moves on to the next hook
	 * or phase (a restart goes through the timer), so this is bounded */
	bool more = true;

	if (s->pidfile_wait && ev != FSM_EXITED) {
		/* anything else (a stop, the start timeout) ends the wait for
		 * PIDFile=: the first process's end is told first, without a
		 * daemon found */
		s->pidfile_wait = false;
		ev_timer_stop(M.loop, &s->pidfile_timer);
		if (!s->error[0])
			snprintf(s->error, sizeof(s->error), "PIDFile=%s: not written in time",
				 s->spec->pid_file);
		log_err("%s: %s", s->spec->name, s->error);
		svc_event_in(s, FSM_EXITED, s->pidfile_status, false);
		if (ev == FSM_TIMEOUT)
			return;   /* that was the start timeout: handled */
	}

	for (int guard = 0; guard < 4096 && more; guard++) {
		struct fsm_input in = { .event = ev, .now_usec = now_usec(), .status = status,
					.main_known = main_known };
		struct fsm_actions a;
		enum svc_state old;
		bool changed;

		take_next_spec(s);
		old = s->fsm.state;
		changed = fsm_step(&s->fsm, s->spec, &in, &a);
		if (changed) {
			s->since = (int64_t)time(NULL);
			log_debug("%s: %s (%s)", s->spec->name, svc_state_name(s),
				  fsm_sub_to_string(s->fsm.sub));
			on_end(s, old);
		}
		more = svc_apply(s, &a, &ev, &status);
		main_known = false;
		watchdog_update(s);
		if (changed) {
			deps_touch(s);
			deps_update();
		}
		if (changed && M.hooks.changed)
			M.hooks.changed(s);
		if (a.action != UNIT_ACTION_NONE && M.hooks.action)
			M.hooks.action(s, a.action, a.action_code ? a.action_code : exit_code_of(s));
	}
	svc_settle(s);
	health_sync(s);
}

void svc_health_verdict(struct svc *s, int verdict)
{
	if (verdict >= 0)
		svc_event(s, verdict ? FSM_HEALTH_OK : FSM_HEALTH_FAIL, 0);
	if (M.hooks.changed)
		M.hooks.changed(s);   /* status shows it; svcctl health gets its answer */
}

bool svc_holds_pid(struct svc *s, pid_t pid)
{
	return !s->cg || svc_pid_in_cgroup(s, pid);
}

int svc_kill(struct svc *s, int sig, bool main)
{
	int pfd, r = 0;

	if (s->pid <= 0 || s->main_pid <= 0)
		return -ESRCH;
	if (!main) {
		if (s->cg) {
			r = cg_unit_kill(s->cg, sig);
			return r < 0 ? r : 0;
		}
		svc_signal_main(s, sig, true);   /* no cgroup: the main process and its group */
		return 0;
	}
	if (s->main_pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, s->main_pidfd, sig, NULL, 0) < 0 ? -errno : 0;
	/* a pidfd first, then the check that it is the unit's: the signal
	 * reaches that very process, never one that took its pid later */
	pfd = (int)syscall(SYS_pidfd_open, s->main_pid, 0);
	if (pfd < 0)
		return -errno;
	if (!svc_holds_pid(s, s->main_pid))
		r = -ESRCH;   /* gone, and its pid taken by another process */
	else if (syscall(SYS_pidfd_send_signal, pfd, sig, NULL, 0) < 0)
		r = -errno;
	(void)close(pfd);
	return r;
}

static void svc_event(struct svc *s, enum fsm_event ev, int status)
{
	svc_event_in(s, ev, status, false);
}

/* ---- dependencies -------------------------------------------------------------- */

/*
 * The graph (deps.c) is built from the definitions that will run: the
 * pending one of a unit a reload changed, else the running one. It is built
 * once per load and reload; between two, deps_update() works through the
 * graph's queue: a unit whose state changed queues itself and the units that
 * wait for it (at shutdown also those it waits for), and only those are
 * looked at again.
 */

/* After=X waits for X to be ready; an After= unit that failed or is not
 * wanted no longer holds anyone back. Requires=X does not wait (as in
 * systemd: only After=/Before= order): X gone for good fails the unit. */
enum dep_verdict { DEP_WAIT, DEP_GO, DEP_FAIL };

static const struct unit_spec *svc_def(const struct svc *s)
{
	return s->next_spec ? s->next_spec : s->spec;
}

static struct svc *node_svc(uint32_t v)
{
	return M.g && v < deps_count(M.g) ? M.node_svc[v] : NULL;
}

static bool svc_has_node(const struct svc *s)
{
	return M.g && s->node < deps_count(M.g) && M.node_svc[s->node] == s;
}

/* Each ordering cycle is logged once, when it is new (a unit on it was on
 * no cycle or on another one): its units run as if the ordering edges
 * inside it were absent (deps.c leaves them out). */
static void deps_log_cycles(void)
{
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		char names[SVC_ERROR_MAX] = "";
		const uint32_t *m;
		size_t off = 0, n;
		uint64_t sig;
		bool is_new = false;

		if (!deps_cyclic(M.g, s->node)) {
			s->cycle_sig = 0;
			continue;
		}
		m = deps_members(M.g, deps_component(M.g, s->node), &n);
		if (m[0] != s->node)
			continue;   /* the component's first member speaks for it */
		for (size_t j = 0; j < n && off < sizeof(names) - 1; j++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? " " : "", deps_name(M.g, m[j]));
		sig = deps_hash(names) | 1;
		for (size_t j = 0; j < n; j++) {
			struct svc *o = M.node_svc[m[j]];

			is_new = is_new || o->cycle_sig != sig;
			o->cycle_sig = sig;
		}
		if (is_new)
			log_warn("dependency cycle: %s (After=/Before=); its units start as if "
				 "the ordering inside it were absent", names);
	}
}

/* Build the graph of what is loaded now. Returns 0 or -ENOMEM. */
static int deps_rebuild(void)
{
	struct deps_unit *u = calloc(M.n ? M.n : 1, sizeof(*u));
	struct svc **map = malloc((M.n ? M.n : 1) * sizeof(*map));
	struct deps_graph *g = NULL;
	int r = -ENOMEM;

	if (!u || !map)
		goto out;
	for (size_t i = 0; i < M.n; i++) {
		const struct unit_spec *d = svc_def(M.v[i]);

		u[i].name = M.v[i]->spec->name;
		map[i] = M.v[i];
		if (M.v[i]->fsm.want == FSM_WANT_REMOVE)
			continue;   /* it will not run again: it waits for nobody */
		u[i].lists[DEPS_AFTER] = d->after;
		u[i].lists[DEPS_REQUIRES] = d->requires;
		u[i].lists[DEPS_WANTS] = d->wants;
		u[i].lists[DEPS_BEFORE] = d->before;
		u[i].lists[DEPS_BINDS_TO] = d->binds_to;
		u[i].lists[DEPS_PART_OF] = d->part_of;
		u[i].lists[DEPS_CONFLICTS] = d->conflicts;
		u[i].lists[DEPS_REQUISITE] = d->requisite;
		u[i].lists[DEPS_UPHOLDS] = d->upholds;
		u[i].lists[DEPS_ON_FAILURE] = d->on_failure;
		u[i].lists[DEPS_ON_SUCCESS] = d->on_success;
		u[i].lists[DEPS_PROPAGATES_RELOAD_TO] = d->propagates_reload_to;
		u[i].lists[DEPS_RELOAD_PROPAGATED_FROM] = d->reload_propagated_from;
	}
	r = deps_build(u, M.n, &g);
	if (r < 0)
		goto out;
	deps_free(M.g);
	free(M.node_svc);
	M.g = g;
	M.node_svc = map;
	map = NULL;
	for (size_t i = 0; i < M.n; i++) {
		M.v[i]->node = (uint32_t)i;
		M.v[i]->hold_start = M.v[i]->hold_stop = 0;
	}
	M.graph_dirty = false;
	deps_log_cycles();
	/* what was queued went with the old graph: everyone looks again */
	for (size_t i = 0; i < M.n; i++)
		deps_queue_push(M.g, (uint32_t)i);
out:
	free(u);
	free(map);
	return r;
}

/* The graph, built again if units or definitions changed. 0 or -ENOMEM. */
static int deps_ensure(void)
{
	if (M.g && !M.graph_dirty)
		return 0;
	return deps_rebuild();
}

static void log_deps_failed(int r)
{
	log_err("unable to build the dependency graph: %s", strerror(-r));
}

/* s changed: look again at it and at the units that wait for it or require
 * it (and at shutdown at those it waits for, which may now stop). */
static void deps_touch(struct svc *s)
{
	const uint32_t *by;
	size_t n;

	if (!svc_has_node(s))
		return;
	deps_queue_push(M.g, s->node);
	by = deps_waited_by(M.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(M.g, by[i]);
	by = deps_required_by(M.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(M.g, by[i]);
	deps_touch_more(s->node);
	if (M.stopping_all) {
		const struct deps_edge *w = deps_waits_on(M.g, s->node, &n);

		for (size_t i = 0; i < n; i++)
			deps_queue_push(M.g, w[i].to);
	}
}

/* The other edges that make a change of node matter elsewhere: who binds to
 * it or needs it up (BindsTo=, Requisite=), and what it upholds or needs
 * (Upholds=, StopWhenUnneeded= of the units it pulls). */
static void deps_touch_more(uint32_t node)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(M.g, node, &n);

	for (size_t i = 0; i < n; i++)
		if (DEPS_BIT(e[i].kind) & (DEPS_BIT(DEPS_BINDS_TO) | DEPS_BIT(DEPS_REQUISITE)))
			deps_queue_push(M.g, e[i].to);
	e = deps_edges(M.g, node, &n);
	for (size_t i = 0; i < n; i++)
		if (e[i].to != DEPS_NONE && (DEPS_BIT(e[i].kind) & DEPS_NEEDS))
			deps_queue_push(M.g, e[i].to);
}

/* A node's unit is gone: those that waited for it or required it look again. */
static void deps_touch_gone(uint32_t node)
{
	size_t n;
	const uint32_t *by = deps_waited_by(M.g, node, &n);

	for (size_t i = 0; i < n; i++)
		deps_queue_push(M.g, by[i]);
	by = deps_required_by(M.g, node, &n);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(M.g, by[i]);
	deps_touch_more(node);
}

static void deps_touch_all(bool reverse)
{
	const uint32_t *order;
	size_t n = deps_count(M.g);

	if (!M.g)
		return;
	order = deps_order(M.g);
	for (size_t i = 0; i < n; i++)
		deps_queue_push(M.g, order[reverse ? n - 1 - i : i]);
}

/* An After= (or another's Before=) edge: wait while the other unit is on
 * its way up. The edges inside a cycle are not there (deps.c). */
static bool edge_waits(const struct deps_edge *e)
{
	const struct svc *d = node_svc(e->to);

	return d && !svc_is_ready(d) && !svc_is_done(d);
}

/* A Requires= edge: has the other unit gone for good (or never existed)? */
static bool require_broken(const struct deps_edge *e, char *why, size_t len)
{
	const struct svc *d = node_svc(e->to);

	if (!d) {
		snprintf(why, len, "Requires=%s: no such unit", e->name);
		return true;
	}
	/* a unit its conditions skipped is no failure: those that require it
	 * still start (systemd's job result "done") */
	if (svc_is_done(d) && d->fsm.state != SVC_CONDITION_FAILED) {
		snprintf(why, len, "Requires=%s: %s", e->name, svc_state_name(d));
		return true;
	}
	return false;
}

/* A BindsTo= or Requisite= edge. BindsTo=X: as Requires=, and a skipped X
 * (condition-failed) takes it down too (systemd: X is inactive). Requisite=X:
 * X must be up already when s starts (svcinit looks once the After= units
 * let s go); later, X going for good takes s down as Requires= does. */
static bool other_broken(const struct deps_edge *e, bool starting, char *why, size_t len)
{
	const struct svc *d = node_svc(e->to);
	const char *key = deps_kind_name((enum deps_kind)e->kind);

	if (!d) {
		snprintf(why, len, "%s=%s: no such unit", key, e->name);
		return true;
	}
	if (e->kind == DEPS_REQUISITE && starting && !svc_is_ready(d)) {
		snprintf(why, len, "Requisite=%s: not active (%s)", e->name, svc_state_name(d));
		return true;
	}
	if (svc_is_done(d)) {
		snprintf(why, len, "%s=%s: %s", key, e->name, svc_state_name(d));
		return true;
	}
	return false;
}

/* A unit: has one of its Requires= (BindsTo=, Requisite=) gone for good?
 * starting: it is about to start (Requisite= wants the other up now). */
static bool deps_broken_as(const struct svc *s, bool starting, char *why, size_t len)
{
	size_t n;
	const struct deps_edge *w = deps_requires(M.g, s->node, &n);

	for (size_t i = 0; i < n; i++)
		if (require_broken(&w[i], why, len))
			return true;
	w = deps_edges(M.g, s->node, &n);
	for (size_t i = 0; i < n; i++)
		if ((w[i].kind == DEPS_BINDS_TO || w[i].kind == DEPS_REQUISITE) &&
		    w[i].to != s->node && other_broken(&w[i], starting, why, len))
			return true;
	return false;
}

static bool deps_broken(const struct svc *s, char *why, size_t len)
{
	return deps_broken_as(s, false, why, len);
}

/* May s start? Requires= only fails it; After= makes it wait. The edge that
 * held it back last time is looked at first, so that a unit waiting on many
 * is not rescanned whole at each change. */
static enum dep_verdict deps_verdict(struct svc *s, char *why, size_t len)
{
	size_t n;
	const struct deps_edge *w;

	if (deps_broken(s, why, len))
		return DEP_FAIL;
	w = deps_waits_on(M.g, s->node, &n);
	if (s->hold_start >= n)
		s->hold_start = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = (s->hold_start + k) % n;

		if (edge_waits(&w[i])) {
			s->hold_start = (uint32_t)i;
			return DEP_WAIT;
		}
	}
	if (deps_broken_as(s, true, why, len))
		return DEP_FAIL;   /* Requisite=: looked at once nothing holds it */
	return DEP_GO;
}

/* During shutdown a unit stops only once nothing that comes after it
 * (After=) still runs; Requires= alone does not order (as in systemd), and a
 * cycle's own edges are not there. */
static bool others_need(struct svc *s)
{
	size_t n;
	const uint32_t *by = deps_waited_by(M.g, s->node, &n);

	if (s->hold_stop >= n)
		s->hold_stop = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = (s->hold_stop + k) % n;
		const struct svc *o = node_svc(by[i]);

		if (!o || o == s)
			continue;
		if (o->pid == 0 && o->fsm.state != SVC_STARTING)
			continue;
		s->hold_stop = (uint32_t)i;
		return true;
	}
	return false;
}

static void svc_want(struct svc *s);
static int start_names(struct svc *s, enum deps_kind kind);
static void uphold_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* Starting s stops the units it conflicts with, both ways (Conflicts=). */
static void stop_conflicting(struct svc *s)
{
	for (int side = 0; side < 2; side++) {
		size_t n;
		const struct deps_edge *e = side ? deps_referrers(M.g, s->node, &n) :
						   deps_edges(M.g, s->node, &n);

		for (size_t i = 0; i < n; i++) {
			struct svc *o = node_svc(e[i].to);

			if (e[i].kind != DEPS_CONFLICTS || !o || o == s)
				continue;
			if (!fsm_wants_up(&o->fsm) && !fsm_state_active(o->fsm.state) &&
			    o->fsm.state != SVC_STARTING)
				continue;
			log_info("%s: stopping: %s conflicts with it", o->spec->name, s->spec->name);
			svc_event(o, FSM_STOP, 0);
		}
	}
}

/* Is s needed: does a unit on its way up or up pull it (or need it up)? */
static bool is_needed(const struct svc *s)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(M.g, s->node, &n);

	for (size_t i = 0; i < n; i++) {
		const struct svc *o = node_svc(e[i].to);

		if (o && (DEPS_BIT(e[i].kind) & DEPS_NEEDS) && fsm_wants_up(&o->fsm) &&
		    !svc_is_done(o))
			return true;
	}
	return false;
}

/* The unit that upholds s while it is up (Upholds=), or NULL. */
static const struct svc *upheld_by(const struct svc *s)
{
	size_t n;
	const struct deps_edge *e = deps_referrers(M.g, s->node, &n);

	for (size_t i = 0; i < n; i++) {
		const struct svc *o = node_svc(e[i].to);

		if (o && e[i].kind == DEPS_UPHOLDS && fsm_state_active(o->fsm.state) &&
		    fsm_wants_up(&o->fsm))
			return o;
	}
	return NULL;
}

/* Upholds= starts s again whenever it is down, within its start limit
 * (StartLimitBurst= in StartLimitIntervalSec=; 0: 5), so that a unit that
 * fails at once is not started in a loop. */
static void uphold(struct svc *s)
{
	const struct svc *by;
	uint64_t now = now_usec();
	unsigned burst = s->spec->start_limit_burst ? s->spec->start_limit_burst : 5;

	if (fsm_wants_up(&s->fsm) && !svc_is_done(s))
		return;
	if (s->fsm.want == FSM_WANT_REMOVE || !(by = upheld_by(s)))
		return;
	if (s->uphold_count == 0 || now - s->uphold_begin > s->spec->start_limit_interval_usec) {
		s->uphold_begin = now;
		s->uphold_count = 0;
	}
	if (++s->uphold_count > burst) {
		if (s->uphold_count == burst + 1)
			warn_add(s, "Upholds= from %s: started %u times in %.0fs, not again",
				 by->spec->name, burst, (double)s->spec->start_limit_interval_usec / 1e6);
		return;
	}
	/* at the next loop iteration: whoever waits for it to be down (svcctl
	 * stop) sees it down first, as systemd's stop job ends before */
	s->uphold_pending = true;
	if (!ev_is_active(&M.uphold_w))
		ev_timer_start(M.loop, &M.uphold_w);
}

static void uphold_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	const struct svc *by;

	(void)loop;
	(void)w;
	(void)revents;
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];

		if (!s->uphold_pending)
			continue;
		if (!svc_is_down(s) && !fsm_wants_up(&s->fsm))
			continue;   /* its last processes still go: empty_check() comes back */
		s->uphold_pending = false;
		if (M.stopping_all || s->fsm.want == FSM_WANT_REMOVE || !svc_has_node(s) ||
		    (fsm_wants_up(&s->fsm) && !svc_is_done(s)) || !(by = upheld_by(s)))
			continue;
		log_info("%s: starting: upheld by %s", s->spec->name, by->spec->name);
		svc_want(s);
	}
	deps_update();
}

static void deps_step(struct svc *s)
{
	char why[SVC_ERROR_MAX];

	if (M.stopping_all) {
		if (fsm_wants_up(&s->fsm) && !others_need(s))
			svc_event(s, FSM_STOP, 0);
		return;
	}
	if (s->on_pending) {
		int which = s->on_pending;

		s->on_pending = 0;
		(void)start_names(s, which == 1 ? DEPS_ON_FAILURE : DEPS_ON_SUCCESS);
	}
	if (svc_is_waiting(s)) {
		enum dep_verdict v = deps_verdict(s, why, sizeof(why));

		if (v == DEP_WAIT)
			return;
		if (v == DEP_GO) {
			stop_conflicting(s);
			svc_event(s, FSM_START, 0);
		} else {
			snprintf(s->error, sizeof(s->error), "%s", why);
			log_warn("%s: not started: %s", s->spec->name, why);
			svc_event(s, FSM_DEP_FAILED, 0);
		}
		return;
	}
	if (s->fsm.want == FSM_WANT_UP && (s->fsm.state == SVC_STARTING || s->fsm.state == SVC_RUNNING ||
			       s->fsm.state == SVC_PAUSED || s->fsm.state == SVC_RESTARTING) &&
	    deps_broken(s, why, sizeof(why))) {
		snprintf(s->error, sizeof(s->error), "%s", why);
		log_warn("%s: stopping: %s", s->spec->name, why);
		svc_event(s, FSM_DEP_FAILED, 0);
		return;
	}
	if (s->spec->stop_when_unneeded && s->fsm.want == FSM_WANT_UP && !svc_is_done(s) &&
	    !is_needed(s)) {
		log_info("%s: stopping: no longer needed (StopWhenUnneeded=yes)", s->spec->name);
		svc_event(s, FSM_STOP, 0);
		return;
	}
	uphold(s);
}

/* Move every queued unit: start the waiting ones that may go, stop the ones
 * whose Requires= went down. Re-entered from svc_event(), it only queues. */
static void deps_update(void)
{
	uint32_t v;
	int r;

	if (M.in_deps || M.deps_held)
		return;
	M.in_deps = true;
	r = deps_ensure();
	if (r < 0) {
		log_deps_failed(r);
		/* no graph, no order; a shutdown must still end */
		for (size_t i = 0; M.stopping_all && i < M.n; i++)
			if (fsm_wants_up(&M.v[i]->fsm))
				svc_event(M.v[i], FSM_STOP, 0);
		M.in_deps = false;
		return;
	}
	while ((v = deps_queue_pop(M.g)) != DEPS_NONE) {
		struct svc *s = node_svc(v);

		if (s)
			deps_step(s);
	}
	M.in_deps = false;
}

size_t svc_verify(struct unit_diag *diag)
{
	size_t before = diag->n + diag->dropped;

	if (deps_ensure() < 0) {
		unit_diag_add(diag, "%s: unable to check the dependencies: %s", M.cfg.units_dir,
			      strerror(ENOMEM));
		return diag->n + diag->dropped - before;
	}
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		size_t n;
		const struct deps_edge *w = deps_requires(M.g, s->node, &n);
		const uint32_t *m;
		char names[SVC_ERROR_MAX] = "";
		size_t off = 0;

		for (size_t j = 0; j < n; j++)
			if (w[j].to == DEPS_NONE)
				unit_diag_add(diag, "%s: Requires=%s: no such unit", s->spec->path,
					      w[j].name);
		w = deps_edges(M.g, s->node, &n);
		for (size_t j = 0; j < n; j++)
			if (w[j].to == DEPS_NONE &&
			    (w[j].kind == DEPS_BINDS_TO || w[j].kind == DEPS_REQUISITE))
				unit_diag_add(diag, "%s: %s=%s: no such unit", s->spec->path,
					      deps_kind_name((enum deps_kind)w[j].kind), w[j].name);
		if (!deps_cyclic(M.g, s->node))
			continue;
		m = deps_members(M.g, deps_component(M.g, s->node), &n);
		for (size_t j = 0; j < n && off < sizeof(names) - 1; j++)
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? " " : "", deps_name(M.g, m[j]));
		unit_diag_add(diag, "%s: dependency cycle: %s", s->spec->path, names);
	}
	return diag->n + diag->dropped - before;
}

/* ---- the public verbs ------------------------------------------------------ */

/* Wants= and Requires= bring their units up too: every unit they reach
 * that is not wanted already, not done and not removed. */
static bool pull_candidate(const struct svc *d)
{
	return d && (d->fsm.want == FSM_WANT_NONE || d->fsm.want == FSM_WANT_DOWN) &&
	       d->fsm.state != SVC_EXITED && d->fsm.state != SVC_FAILED &&
	       d->fsm.state != SVC_CONDITION_FAILED;
}

static bool pull_follow(uint32_t v, void *ctx)
{
	const struct svc *d = node_svc(v);

	return d == ctx || pull_candidate(d);
}

/* Wanted up: wait for the dependencies, then start (deps_update()). */
static void svc_want(struct svc *s)
{
	if (fsm_state_active(s->fsm.state) || s->fsm.state == SVC_STARTING)
		return;
	s->error[0] = '\0';
	svc_event(s, FSM_QUEUE, 0);
	deps_queue_push(M.g, s->node);
}

int svc_start_set(struct svc **set, size_t count)
{
	int r;

	for (size_t k = 0; k < count; k++)
		if (!svc_has_node(set[k]))
			M.graph_dirty = true;
	r = deps_ensure();
	if (r < 0)
		return r;
	/* every one wanted before any starts, so that After= between them
	 * holds (svcctl start a b, a After=b: a waits for b) */
	for (size_t k = 0; k < count; k++) {
		struct svc *s = set[k];
		const uint32_t *v;
		size_t n;

		/* iterative, each unit once: a cycle of Wants= is walked around once */
		v = deps_walk(M.g, s->node, DEPS_PULLS, pull_follow, s, &n);
		for (size_t i = 1; i < n; i++) {
			struct svc *d = node_svc(v[i]);

			if (pull_candidate(d))
				svc_want(d);
		}
		svc_want(s);
	}
	deps_update();
	return 0;
}

/* Start the units s names under kind (OnFailure=, OnSuccess=). */
static int start_names(struct svc *s, enum deps_kind kind)
{
	struct svc *set[UNIT_LIST_MAX];
	size_t n, k = 0;
	const struct deps_edge *e = deps_edges(M.g, s->node, &n);

	for (size_t i = 0; i < n && k < UNIT_LIST_MAX; i++) {
		if (e[i].kind != kind)
			continue;
		if (!node_svc(e[i].to)) {
			log_warn("%s: %s=%s: no such unit", s->spec->name, deps_kind_name(kind),
				 e[i].name);
			continue;
		}
		log_info("%s: starting %s (%s=)", s->spec->name, e[i].name, deps_kind_name(kind));
		set[k++] = node_svc(e[i].to);
	}
	return k ? svc_start_set(set, k) : 0;
}

/* The units that are PartOf= s, transitively (a copy: the walk's array is
 * the graph's). *ret is malloc'ed; returns how many, or -ENOMEM. */
static ssize_t part_of(struct svc *s, struct svc ***ret)
{
	size_t n, k = 0;
	const uint32_t *v;
	struct svc **out;

	*ret = NULL;
	if (deps_ensure() < 0 || !svc_has_node(s))
		return 0;
	v = deps_walk_back(M.g, s->node, DEPS_BIT(DEPS_PART_OF), &n);
	if (n <= 1)
		return 0;
	out = malloc(n * sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 1; i < n; i++)
		if (node_svc(v[i]))
			out[k++] = node_svc(v[i]);
	*ret = out;
	return (ssize_t)k;
}

size_t svc_reload_targets(struct svc *s, struct svc **out, size_t max)
{
	size_t n, k = 0;
	const uint32_t *v;

	if (deps_ensure() < 0 || !svc_has_node(s))
		return 0;
	v = deps_walk_reload(M.g, s->node, &n);
	for (size_t i = 1; i < n; i++) {
		struct svc *t = node_svc(v[i]);

		if (!t)
			continue;
		if (k < max)
			out[k] = t;
		k++;
	}
	return k;
}

void svc_discard(struct svc *s)
{
	if (!svc_is_down(s))
		return;
	svc_event(s, FSM_REMOVE, 0);
	if (svc_freeable(s)) {
		svc_free(s);
		deps_update();
	}
}

int svc_start(struct svc *s)
{
	return svc_start_set(&s, 1);
}

/* PartOf=: a stop or restart of s is one of the units that are part of it
 * (a restart only of those that are up: systemd's try-restart). */
static void part_of_too(struct svc *s, bool restart)
{
	struct svc **v;
	ssize_t n = part_of(s, &v);

	if (n < 0)
		log_err("%s: unable to %s the units PartOf= it: %s", s->spec->name,
			restart ? "restart" : "stop", strerror(ENOMEM));
	for (ssize_t i = 0; i < n; i++) {
		if (restart && !fsm_state_active(v[i]->fsm.state) &&
		    v[i]->fsm.state != SVC_STARTING)
			continue;
		log_info("%s: %s: PartOf=%s", v[i]->spec->name, restart ? "restarting" : "stopping",
			 s->spec->name);
		svc_event(v[i], restart ? FSM_RESTART : FSM_STOP, 0);
	}
	free(v);
}

int svc_stop(struct svc *s)
{
	svc_event(s, FSM_STOP, 0);
	part_of_too(s, false);
	return 0;
}

int svc_restart(struct svc *s)
{
	part_of_too(s, true);
	if (s->pid == 0 && s->fsm.state != SVC_RESTARTING)
		return svc_start(s);
	svc_event(s, FSM_RESTART, 0);
	return 0;
}

int svc_pause(struct svc *s)
{
	if (s->fsm.state == SVC_PAUSED)
		return 0;
	if (s->fsm.state != SVC_RUNNING && s->fsm.state != SVC_STARTING)
		return -EINVAL;
	if (!s->cg)
		return -EOPNOTSUPP;
	if (s->fsm.ctl_alive)
		return -EBUSY;   /* a hook runs: its end would move the unit on frozen */
	svc_event(s, FSM_PAUSE, 0);
	return 0;
}

int svc_reload_unit(struct svc *s)
{
	if (!s->spec->hooks[UNIT_HOOK_RELOAD].n && s->spec->type != UNIT_NOTIFY_RELOAD)
		return -EOPNOTSUPP;
	if (s->fsm.state != SVC_RUNNING || s->fsm.sub != FSM_SUB_RUNNING)
		return -EAGAIN;
	svc_event(s, FSM_RELOAD, 0);
	return 0;
}

int svc_resume(struct svc *s)
{
	if (s->fsm.state != SVC_PAUSED)
		return s->fsm.state == SVC_RUNNING || s->fsm.state == SVC_STARTING ? 0 : -EINVAL;
	svc_event(s, FSM_RESUME, 0);
	return 0;
}

void svc_start_all(void)
{
	int r = deps_ensure();

	if (r < 0) {
		log_deps_failed(r);
		return;
	}
	/* every unit is wanted before any starts: one that gets ready at once
	 * must not make the boot look complete (READY=1, COMMAND) */
	for (size_t i = 0; i < M.n; i++)
		if (!trig_activated_only(M.v[i]))   /* its socket starts it */
			svc_event(M.v[i], FSM_QUEUE, 0);
	deps_touch_all(false);
	deps_update();
}

void svc_stop_all(void)
{
	trig_stop_all();   /* no timer fires, no socket starts anything from now on */
	M.stopping_all = true;
	deps_touch_all(true);
	deps_update();
}

bool svc_all_down(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.v[i]->pid > 0 || M.v[i]->ctl.pid > 0)
			return false;
	return true;
}

/* The unit's side of fsm.h's definitions: what a process or the queue adds. */
bool svc_is_waiting(const struct svc *s)
{
	return fsm_is_waiting(&s->fsm);
}

bool svc_is_up(const struct svc *s)
{
	/* a start skipped by its conditions is done too (systemctl start: 0) */
	return !fsm_is_waiting(&s->fsm) &&
	       (s->fsm.state == SVC_RUNNING || s->fsm.state == SVC_EXITED ||
		s->fsm.state == SVC_CONDITION_FAILED);
}

bool svc_start_failed(const struct svc *s)
{
	enum svc_state st = s->fsm.state;

	return !fsm_is_waiting(&s->fsm) &&
	       (st == SVC_FAILED || st == SVC_RESTARTING || st == SVC_STOPPED);
}

bool svc_is_down(const struct svc *s)
{
	enum svc_state st = s->fsm.state;

	/* down means no process left: its cgroup's last ones may still be dying */
	return (st == SVC_STOPPED || st == SVC_EXITED || st == SVC_FAILED ||
		st == SVC_CONDITION_FAILED) && s->pid == 0 &&
	       s->ctl.pid == 0 && !s->wait_empty && s->fsm.sub != FSM_SUB_EXITED;
}

bool svc_is_ready(const struct svc *s)
{
	return fsm_is_ready(&s->fsm);
}

bool svc_is_done(const struct svc *s)
{
	return fsm_is_done(&s->fsm);
}

bool svc_is_settled(const struct svc *s)
{
	return fsm_is_settled(&s->fsm);
}

bool svc_is_paused(const struct svc *s)
{
	return s->fsm.state == SVC_PAUSED;
}

bool svc_all_settled(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (!svc_is_settled(M.v[i]))
			return false;
	return true;
}

/* The control process of s ended. */
static void ctl_exited(struct svc *s, int status)
{
	const char *key = unit_hook_key(s->fsm.hook);
	int st;

	if (s->ctl.spawn_fd >= 0) {
		(void)ctl_spawn_poll(s);
		ctl_spawn_close(s);
	}
	if (s->ctl.reaper_fd >= 0) {
		if (spawn_reaper_status(s->ctl.reaper_fd, &st) == 0)
			status = st;
		(void)close(s->ctl.reaper_fd);
		s->ctl.reaper_fd = -1;
	}
	s->ctl.pid = 0;
	s->ctl.inner_pid = 0;
	for (int o = 0; o < 2; o++)
		if (s->ctl.out[o].fd >= 0)
			output_read(&s->ctl.out[o]);
	if (s->ctl.rep.err) {
		set_error(s, s->ctl.rep.step[0] ? s->ctl.rep.step : "start", s->ctl.rep.err);
		log_err("%s: %s: %s", s->spec->name, key, s->error);
		s->ctl.rep.err = 0;
		status = 203 << 8;   /* systemd's EXIT_EXEC */
	} else if (WIFSIGNALED(status)) {
		log_info("%s: %s killed by signal %d (%s)", s->spec->name, key, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0) {
		log_info("%s: %s exited with code %d", s->spec->name, key, WEXITSTATUS(status));
	}
	svc_event(s, FSM_CONTROL_EXITED, status);
}

bool svc_child_exited(pid_t pid, int status)
{
	if (health_child_exited(pid, status) || cond_reaped(pid))
		return true;
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		bool spawn_failed = false, start_err = false, main_known = false;
		int st;

		if (s->ctl.pid == pid && pid > 0) {
			ctl_exited(s, status);
			if (svc_freeable(s)) {
				svc_free(s);
				deps_update();
			}
			return true;
		}
		if (s->pid != pid)
			continue;
		/* reaped before the channel was read: all the child wrote is
		 * there now, the reason of a failure too */
		if (s->spawn_fd >= 0 && spawn_poll(s) && s->spawn_rep.err == 0)
			svc_event(s, FSM_SPAWNED, 0);
		if (s->spawn_fd >= 0) {
			/* the channel outlives the child only when one of its
			 * children holds it: whatever it says, the start is over */
			spawn_close(s);
		}
		if (s->reaper_fd >= 0) {
			if (spawn_reaper_status(s->reaper_fd, &st) == 0)
				status = st;   /* the service's own status, not the reaper's */
			(void)close(s->reaper_fd);
			s->reaper_fd = -1;
		}
		s->exec_main_pid = s->main_pid;
		s->exec_main_status = status;
		s->pid = 0;
		s->main_pid = 0;
		mainpid_forget(s);
		s->have_exit = true;
		s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		s->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (s->spawn_rep.err) {
			start_err = true;
			set_error(s, s->spawn_rep.step[0] ? s->spawn_rep.step : "start",
				  s->spawn_rep.err);
			log_err("%s: %s", s->spec->name, s->error);
			s->spawn_rep.err = 0;
			/* a unit stopped or paused meanwhile ends as any exit does */
			spawn_failed = s->fsm.state == SVC_STARTING;
		} else if (s->exit_signal)
			log_info("%s: killed by signal %d (%s)", s->spec->name, s->exit_signal,
				 strsignal(s->exit_signal));
		else if (s->exit_code != 0)
			log_info("%s: exited with code %d", s->spec->name, s->exit_code);
		else
			log_debug("%s: exited", s->spec->name);
		/* take the last words before the state moves on */
		for (int o = 0; o < 2; o++)
			if (s->out[o].fd >= 0)
				output_read(&s->out[o]);
		/* Type=oneshot: the next ExecStart= once this one exited 0; the
		 * state machine sees only the end of the last (or a failure) */
		if (!start_err && s->spec->type == UNIT_ONESHOT && s->fsm.sub == FSM_SUB_START &&
		    s->fsm.want == FSM_WANT_UP && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    s->cmd + 1 < s->spec->n_exec_start) {
			if (svc_spawn_cmd(s, s->cmd + 1) == 0)
				return true;
			log_err("%s: %s", s->spec->name, s->error);
			spawn_failed = true;
		}
		/* Type=forking: the first process is done; its daemon is the unit */
		if (!start_err && !spawn_failed && s->spec->type == UNIT_FORKING &&
		    s->fsm.sub == FSM_SUB_START && fsm_result_of(s->spec, status) == FSM_RESULT_SUCCESS) {
			pid_t d = 0;
			int fr = forking_main(s, &d);

			if (fr == -ENOENT && s->spec->pid_file) {
				/* the daemon writes it after its parent left: look again
				 * until TimeoutStartSec= (as systemd waits for it) */
				s->pidfile_wait = true;
				s->pidfile_status = status;
				ev_timer_set(&s->pidfile_timer, 0.02, 0.05);
				ev_timer_start(M.loop, &s->pidfile_timer);
				return true;
			}
			if (fr == 0 && d > 0) {
				mainpid_accept(s, d);
				if (s->main_pidfd >= 0) {
					s->pid = d;   /* svcinit reaps it: PID 1 or a subreaper */
					main_known = true;
					log_info("%s: main process %d", s->spec->name, (int)d);
				} else {
					snprintf(s->error, sizeof(s->error), "PIDFile=: pid %d is not a "
						 "process of the unit", (int)d);
				}
			}
			if (!main_known)
				log_err("%s: %s", s->spec->name, s->error);
		}
		svc_event_in(s, spawn_failed ? FSM_SPAWN_FAILED : FSM_EXITED, status, main_known);
		if (svc_freeable(s)) {
			svc_free(s);   /* else once its cgroup is empty (empty_check) */
			deps_update();   /* its dependents now miss it */
		}
		return true;
	}
	return false;
}

/* ---- creation, reload, teardown ---------------------------------------------- */

static struct svc *svc_new(struct unit_spec *spec)
{
	struct svc *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->spec = spec;
	warnings_from_spec(s);
	s->reaper_fd = -1;
	s->spawn_fd = -1;
	s->ctl.reaper_fd = -1;
	s->ctl.spawn_fd = -1;
	s->exec_main_status = -1;
	for (int i = 0; i < 2; i++) {
		s->ctl.out[i].fd = -1;
		s->ctl.out[i].svc = s;
	}
	ev_io_init(&s->spawn_io, spawn_cb, -1, EV_READ);
	s->spawn_io.data = s;
	s->exit_code = -1;
	s->since = (int64_t)time(NULL);
	fsm_init(&s->fsm);
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
	s->timer.data = s;
	ev_timer_init(&s->pidfile_timer, pidfile_timer_cb, 0.05, 0.05);
	s->pidfile_timer.data = s;
	ev_init(&s->watchdog, watchdog_cb);
	s->watchdog.data = s;
	ev_io_init(&s->freeze_io, freeze_io_cb, -1, EV_READ);
	s->freeze_io.data = s;
	ev_timer_init(&s->freeze_poll, freeze_poll_cb, 0.01, 0.01);
	s->freeze_poll.data = s;
	ev_timer_init(&s->kill_timer, kill_timer_cb, SVC_KILL_EVERY, SVC_KILL_EVERY);
	s->kill_timer.data = s;
	s->freeze_want = -1;
	s->notify_fd = -1;
	s->node = DEPS_NONE;
	s->main_pidfd = -1;
	health_setup(s);
	s->cond_fd = -1;
	s->cond_verdict = -1;
	s->condition_result = s->assert_result = -1;
	ev_io_init(&s->cond_io, cond_io_cb, -1, EV_READ);
	s->cond_io.data = s;
	ev_timer_init(&s->cond_timer, cond_timer_cb, 0., 0.);
	s->cond_timer.data = s;
	if (logbuf_init(&s->log, M.cfg.log_size ? M.cfg.log_size : LOGBUF_DEFAULT) < 0) {
		free(s);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		s->out[i].fd = -1;
		s->out[i].svc = s;
	}
	return s;
}

static int svc_add(struct svc *s)
{
	struct svc **v;

	if (M.n >= UNIT_MAX)
		return -E2BIG;
	if (by_name_reserve() < 0)
		return -ENOMEM;
	v = realloc(M.v, (M.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	M.v = v;
	M.v[M.n++] = s;
	by_name_put(M.by_name, M.by_name_mask, s);
	return 0;
}

/* Remove from the table and free; the unit must be down. */
static void svc_free(struct svc *s)
{
	if (M.hooks.gone)
		M.hooks.gone(s);
	if (svc_has_node(s)) {
		M.node_svc[s->node] = NULL;
		deps_touch_gone(s->node);
	}
	by_name_del(s);
	for (size_t i = 0; i < M.n; i++) {
		if (M.v[i] == s) {
			memmove(&M.v[i], &M.v[i + 1], (M.n - i - 1) * sizeof(*M.v));
			M.n--;
			break;
		}
	}
	ev_timer_stop(M.loop, &s->timer);
	health_free(s);
	ev_timer_stop(M.loop, &s->pidfile_timer);
	ev_timer_stop(M.loop, &s->watchdog);
	cond_cancel(s);
	freeze_unwatch(s);
	svc_notify_close(s);
	mainpid_forget(s);
	for (int i = 0; i < 2; i++) {
		output_close(&s->out[i]);
		output_close(&s->ctl.out[i]);
	}
	logbuf_free(&s->log);
	spawn_close(s);
	ctl_spawn_close(s);
	if (s->ctl.reaper_fd >= 0)
		(void)close(s->ctl.reaper_fd);
	if (s->reaper_fd >= 0)
		(void)close(s->reaper_fd);
	cgroup_release(s);
	root_release(s);
	warnings_clear(s);
	unit_spec_free(s->spec);
	unit_spec_free(s->next_spec);
	free(s);
}

int svc_init(struct ev_loop *loop, const struct svc_config *cfg, const struct svc_hooks *hooks)
{
	M.loop = loop;
	M.cfg = *cfg;
	M.hooks = *hooks;
	ev_timer_init(&M.uphold_w, uphold_cb, 0., 0.);
	output_init(loop, &M.hooks);
	health_init(loop);
	return 0;
}

static void log_diag(const struct unit_diag *diag, size_t from)
{
	for (size_t i = from; i < diag->n; i++)
		log_err("%s", diag->msgs[i]);
	if (diag->dropped)
		log_err("... and %zu more unit file errors", diag->dropped);
}

/* The units to run: from units/load.c's search paths, or the one directory. */
static int load_set(struct unit_diag *diag, struct unit_set *set)
{
	if (M.cfg.load)
		return unit_load_all(M.cfg.load, diag, set);
	return unit_load_dir(M.cfg.units_dir, diag, set);
}

int svc_instantiate(const char *name, struct svc **ret)
{
	struct unit_diag diag = { .n = 0 };
	struct unit_spec *spec = NULL;
	struct svc *s;
	int r;

	*ret = NULL;
	if (!M.cfg.load)
		return -ENOENT;
	r = unit_load_one(M.cfg.load, name, &diag, &spec);
	log_diag(&diag, 0);
	unit_diag_free(&diag);
	if (r < 0)
		return r;
	if (svc_find(spec->name)) {   /* an alias of a loaded unit */
		*ret = svc_find(spec->name);
		unit_spec_free(spec);
		return 0;
	}
	plan_ident_load(spec);
	s = svc_new(spec);
	if (!s || svc_add(s) < 0) {
		free(s);
		unit_spec_free(spec);
		return -ENOMEM;
	}
	s->on_demand = true;
	log_info("%s: loaded on demand from %s", spec->name, spec->path);
	M.graph_dirty = true;
	*ret = s;
	return 0;
}

int svc_load(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	size_t from = diag->n;
	int r;

	r = load_set(diag, &set);
	log_diag(diag, from);
	if (r < 0)
		return r;
	for (size_t i = 0; i < set.n; i++) {
		struct svc *s;

		if (set.units[i]->trigger) {   /* a .socket or .timer: services/trig.c */
			if (trig_add(set.units[i]) < 0)
				log_err("unable to load a unit: %s", strerror(ENOMEM));
			set.units[i] = NULL;
			continue;
		}
		plan_ident_load(set.units[i]);
		s = svc_new(set.units[i]);

		if (!s || svc_add(s) < 0) {
			log_err("%s: unable to load: %s", set.units[i]->name, strerror(ENOMEM));
			free(s);
			unit_spec_free(set.units[i]);
		}
		set.units[i] = NULL;
	}
	set.n = 0;
	if (M.cfg.notes && !*M.cfg.notes) {
		*M.cfg.notes = set.notes;
		set.notes = NULL;
	}
	unit_set_free(&set);
	M.graph_dirty = true;
	return 0;
}

static bool name_failed(char **failed, const char *name)
{
	for (char **f = failed; f && *f; f++)
		if (strcmp(*f, name) == 0)
			return true;
	return false;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool set_has(const struct unit_set *set, const char *name)
{
	for (size_t j = 0; j < set->n; j++)
		if (strcmp(set->units[j]->name, name) == 0)
			return true;
	return name_failed(set->failed, name);
}

/* The units loaded on demand are in no boot set: read each again, by name,
 * into set (its file may have changed). One whose file has errors keeps its
 * definition, as in the boot set; one gone or masked is left out: removed. */
static int reload_on_demand(struct unit_diag *diag, struct unit_set *set)
{
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		struct unit_spec *spec = NULL, **v;
		int r;

		if (!s->on_demand || !M.cfg.load || set_has(set, s->spec->name))
			continue;
		r = unit_load_one(M.cfg.load, s->spec->name, diag, &spec);
		if (r == -ENOENT || r == -ESHUTDOWN)
			continue;
		if (r < 0) {
			char *name = strdup(s->spec->name);

			if (!name || unit_strv_push(&set->failed, name) < 0)
				return -ENOMEM;
			continue;
		}
		v = realloc(set->units, (set->n + 1) * sizeof(*v));
		if (!v) {
			unit_spec_free(spec);
			return -ENOMEM;
		}
		set->units = v;
		set->units[set->n++] = spec;
	}
	return 0;
}

/* A change of a unit's file: to which definition, and what happens now. */
static void reload_changed(struct svc *s)
{
	if (s->fsm.want == FSM_WANT_DOWN) {
		log_info("%s: changed; stays stopped, the new definition is used at its next start",
			 s->spec->name);
	} else if (s->pid > 0 || s->fsm.state == SVC_RESTARTING) {
		svc_event(s, FSM_RESTART, 0);
	} else if (!trig_activated_only(s)) {   /* else its socket or timer starts it */
		(void)svc_start(s);
	}
}

int svc_reload(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	const char **names = NULL;
	size_t from = diag->n;
	int r;

	r = load_set(diag, &set);
	if (r >= 0)
		r = reload_on_demand(diag, &set);
	log_diag(diag, from);
	if (r < 0) {
		unit_set_free(&set);
		return r;
	}
	names = malloc((set.n ? set.n : 1) * sizeof(*names));
	if (!names) {
		unit_set_free(&set);
		return -ENOMEM;
	}
	/* sockets and timers: services/trig.c compares and replaces them */
	trig_reload_begin();
	{
		size_t k = 0;

		for (size_t j = 0; j < set.n; j++) {
			if (set.units[j]->trigger)
				trig_reload_spec(set.units[j]);
			else
				set.units[k++] = set.units[j];
		}
		set.n = k;
		for (char **f = set.failed; f && *f; f++) {
			struct trig *t = trig_find(*f);

			if (t)
				t->keep = true;   /* a file with errors keeps its old definition */
		}
	}
	trig_reload_end();
	for (size_t j = 0; j < set.n; j++)
		names[j] = set.units[j]->name;
	qsort(names, set.n, sizeof(*names), cmp_name);

	/* nothing moves until the graph of the new definitions is there */
	M.deps_held = true;

	/* removed units: not in the new set, and not merely broken */
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		const char *key = s->spec->name;
		bool found = bsearch(&key, names, set.n, sizeof(*names), cmp_name) ||
			     name_failed(set.failed, key);

		if (!found && s->fsm.want != FSM_WANT_REMOVE) {
			log_info("%s: removed", s->spec->name);
			svc_event(s, FSM_REMOVE, 0);
		}
	}
	for (size_t i = M.n; i-- > 0;)
		if (M.v[i]->fsm.want == FSM_WANT_REMOVE && M.v[i]->pid == 0)
			svc_free(M.v[i]);

	for (size_t j = 0; j < set.n; j++) {
		struct unit_spec *spec = set.units[j];
		struct svc *s = svc_find(spec->name);

		set.units[j] = NULL;
		plan_ident_load(spec);
		if (!s) {
			s = svc_new(spec);
			if (!s || svc_add(s) < 0) {
				log_err("%s: unable to load: %s", spec->name, strerror(ENOMEM));
				free(s);
				unit_spec_free(spec);
				continue;
			}
			log_info("%s: new unit", spec->name);
			s->reload_new = true;
			continue;
		}
		svc_event(s, FSM_KEEP, 0);
		/* against the definition that will run: the pending one if any */
		if (unit_spec_equal(svc_def(s), spec)) {
			unit_spec_free(spec);
			continue;
		}
		if (s->next_spec && unit_spec_equal(s->spec, spec)) {
			log_info("%s: change reverted, the running definition stays", spec->name);
			unit_spec_free(s->next_spec);
			s->next_spec = NULL;
			unit_spec_free(spec);
			continue;
		}
		log_info("%s: changed", spec->name);
		unit_spec_free(s->next_spec);
		s->next_spec = spec;   /* svc_spawn() takes it up */
		s->reload_changed = true;
	}
	set.n = 0;
	unit_set_free(&set);
	free(names);

	/* the graph (and cycles) of the definitions that will run */
	M.graph_dirty = true;
	(void)deps_ensure();   /* deps_update() below tries again, and logs */

	/* every unit to start is waiting before any moves: order holds */
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];

		if (s->reload_new && !trig_activated_only(s))
			(void)svc_start(s);
		else if (s->reload_changed)
			reload_changed(s);
		s->reload_new = s->reload_changed = false;
	}
	M.deps_held = false;
	deps_touch_all(false);
	deps_update();
	return diag->n > from ? -EINVAL : 0;
}

void svc_free_all(void)
{
	deps_free(M.g);
	M.g = NULL;
	free(M.node_svc);
	M.node_svc = NULL;
	while (M.n > 0)
		svc_free(M.v[M.n - 1]);
	free(M.v);
	M.v = NULL;
	free(M.by_name);
	M.by_name = NULL;
	M.by_name_mask = 0;
}
