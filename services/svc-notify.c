/* SPDX-License-Identifier: MIT */
/*
 * svc-notify.c: which unit a process is in, told from something the
 * unit cannot rewrite (its cgroup as the kernel shows it, a pidfd svcinit
 * holds), and the sd_notify socket of each unit: READY=, STATUS=, MAINPID=,
 * WATCHDOG=, EXTEND_TIMEOUT_USEC=, descriptors never kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/notify.h"
#include "services/passfd.h"

#include "services/svc-internal.h"

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

static bool svc_owns_pid(struct svc *s, pid_t pid)
{
	if (pid <= 0)
		return false;
	if (pid == s->main_pid || pid == s->pid)
		return true;
	return svc_pid_in_cgroup(s, pid);
}

/* Is pid in the unit's cgroup (or below it)? */
bool svc_pid_in_cgroup(struct svc *s, pid_t pid)
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

void svc_mainpid_forget(struct svc *s)
{
	if (s->main_pidfd >= 0)
		(void)close(s->main_pidfd);
	s->main_pidfd = -1;
}

/* MAINPID=: a process of the unit, held by a pidfd from now on, so that a
 * stop signal can never reach another process that got the pid later. */
void svc_mainpid_accept(struct svc *s, pid_t pid)
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
	svc_mainpid_forget(s);
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
	if (ev_timer_remaining(svc_mgr.loop, &s->timer) >= want)
		return;
	ev_timer_stop(svc_mgr.loop, &s->timer);
	ev_timer_set(&s->timer, want, 0.);
	ev_timer_start(svc_mgr.loop, &s->timer);
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
			svc_mainpid_accept(s, m.mainpid);
		if (m.stopping)
			log_debug("%s: notify: stopping", s->spec->name);
		if (m.have_extend)
			timeout_extend(s, m.extend_usec);
		if (m.watchdog && ev_is_active(&s->watchdog))
			ev_timer_again(svc_mgr.loop, &s->watchdog);
		if (m.watchdog_trigger) {
			log_warn("%s: watchdog: WATCHDOG=trigger", s->spec->name);
			svc_event(s, FSM_WATCHDOG, 0);
			continue;
		}
		if (m.ready)
			svc_event(s, FSM_READY, 0);
		else if (m.have_status && svc_mgr.hooks.changed)
			svc_mgr.hooks.changed(s);
	}
}

int svc_notify_open(struct svc *s)
{
	char dir[512];
	int r;

	if (s->notify_fd >= 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s/.notify", svc_mgr.cfg.run_dir);
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
	ev_io_start(svc_mgr.loop, &s->notify_io);
	return 0;
}

void svc_notify_close(struct svc *s)
{
	if (s->notify_fd < 0)
		return;
	ev_io_stop(svc_mgr.loop, &s->notify_io);
	passfd_close_socket(s->notify_fd);   /* unread datagrams may carry descriptors */
	(void)unlink(s->notify_path);
	s->notify_fd = -1;
}
