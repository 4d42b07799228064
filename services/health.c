/* SPDX-License-Identifier: MIT */
/*
 * health.c: running a unit's health checks (see health.h).
 *
 * The parent (PID 1) prepares everything that needs memory or the unit's
 * definition: the environment and the expanded argv of an exec: check, a
 * pidfd of the unit's main process, the cgroup.procs files to join, a pipe
 * for the output. The child then only makes system calls: it leaves
 * svcinit's process group (so that the deadline kills the check and what
 * it forked), joins the unit's cgroup, enters the namespaces of the main
 * process that differ from svcinit's (services/nsenter.c, shared with
 * svcctl exec) and
 *  - exec: forks once more (a PID namespace takes effect for children),
 *    becomes the unit's user and runs the command; it exits with the
 *    command's status (128+N for signal N);
 *  - http://, tcp:: only the network namespace matters: it connects, sends
 *    a GET for http and reads the status line, writes what it saw to the
 *    pipe and exits 0 (healthy: connected; 2xx or 3xx) or 1.
 * Nothing here ever waits: the output is read when the loop says it is
 * there, the deadline is a timer, the end comes from the reaper.
 *
 * Not applied to a check (as with svcctl exec and nsenter(1)): the unit's
 * seccomp filter, capabilities and rlimits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/cgroup.h"
#include "services/health.h"
#include "services/nsenter.h"
#include "services/plan.h"
#include "services/spawn.h"
#include "services/svc.h"

#define HEALTH_V1_MAX  16
#define HEALTH_HTTP_MAX 1024   /* bytes of an http reply read for its status line */

static struct ev_loop *H_loop;

void health_init(struct ev_loop *loop)
{
	H_loop = loop;
}

/* ---- the child -------------------------------------------------------------- */

/* What the child needs, all prepared by the parent. */
struct health_job {
	const struct unit_health *h;
	const struct unit_ident *ident;
	bool no_new_privs;
	const char *workdir;
	char *const *argv;             /* exec: expanded */
	char *const *envp;
	int pidfd;                     /* of the main process */
	pid_t main_pid;
	int v2_procs;                  /* cgroup.procs of the unit's v2 cgroup, -1 */
	const int *v1_procs;
	int n_v1;
	int out;                       /* write end of the output pipe */
};

static void put(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static __attribute__((noreturn)) void die(const char *what, int err)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "health check: unable to %s: %s\n", what, strerror(err));
	put(buf);
	_exit(126);
}

/* HOST:PORT into a socket address. */
static socklen_t job_addr(const struct unit_health *h, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (h->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)h->port);
		memcpy(&a->sin6_addr, h->addr, 16);
		return sizeof(*a);
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)h->port);
	memcpy(&a->sin_addr, h->addr, 4);
	return sizeof(*a);
}

/* tcp: a connect; http: a GET and its status line. Exits. */
static __attribute__((noreturn)) void child_probe(const struct unit_health *h)
{
	struct sockaddr_storage ss;
	socklen_t sl = job_addr(h, &ss);
	char msg[HEALTH_HTTP_MAX + 256], reply[HEALTH_HTTP_MAX + 1];
	size_t got = 0;
	int fd, code;
	char *eol;

	fd = socket(h->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("create a socket", errno);
	while (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno == EINTR)
			continue;
		snprintf(msg, sizeof(msg), "connect to %s:%u: %s\n", h->host, h->port,
			 strerror(errno));
		put(msg);
		_exit(1);
	}
	if (h->kind == UNIT_HEALTH_TCP) {
		snprintf(msg, sizeof(msg), "connected to %s:%u\n", h->host, h->port);
		put(msg);
		_exit(0);
	}
	snprintf(msg, sizeof(msg), "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: svcinit-health\r\n"
		 "Connection: close\r\n\r\n", h->path, h->host);
	for (size_t off = 0, n = strlen(msg); off < n;) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(msg, sizeof(msg), "GET %s from %s:%u: %s\n", h->path, h->host,
				 h->port, strerror(errno));
			put(msg);
			_exit(1);
		}
		off += (size_t)w;
	}
	/* the status line: up to its end, or as much as fits */
	while (got < HEALTH_HTTP_MAX && !memchr(reply, '\n', got)) {
		ssize_t n = recv(fd, reply + got, HEALTH_HTTP_MAX - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, sizeof(msg), "GET %s from %s:%u: %s\n", h->path, h->host,
				 h->port, strerror(errno));
			put(msg);
			_exit(1);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	eol = strpbrk(reply, "\r\n");
	if (eol)
		*eol = '\0';
	if (strncmp(reply, "HTTP/", 5) != 0 || !strchr(reply, ' ') ||
	    sscanf(strchr(reply, ' '), " %3d", &code) != 1) {
		snprintf(msg, sizeof(msg), "GET %s from %s:%u: not an HTTP reply%s%.200s\n", h->path,
			 h->host, h->port, got ? ": " : " (connection closed)", reply);
		put(msg);
		_exit(1);
	}
	snprintf(msg, sizeof(msg), "GET %s: %.512s\n", h->path, reply);
	put(msg);
	_exit(code >= 200 && code < 400 ? 0 : 1);
}

/* argv[0] in PATH of envp, inside the unit's mount namespace; returns only
 * when nothing could be run. */
static int child_execvpe(char *const *argv, char *const *envp)
{
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char full[4096];
	int err = ENOENT;

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return errno;
	}
	for (char *const *e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	while (*path) {
		const char *end = strchrnul(path, ':');
		size_t dl = (size_t)(end - path);

		if (dl > 0 && path[0] == '/' && dl + strlen(argv[0]) + 2 <= sizeof(full)) {
			memcpy(full, path, dl);
			full[dl] = '/';
			memcpy(full + dl + 1, argv[0], strlen(argv[0]) + 1);
			execve(full, argv, envp);
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno;
		}
		path = *end ? end + 1 : end;
	}
	return err;
}

/* The command, as the unit's user; a child of the check so that it is in
 * the unit's PID namespace. */
static __attribute__((noreturn)) void child_command(const struct health_job *j)
{
	const struct unit_ident *id = j->ident;
	char msg[512];
	int err;

	if (id->set) {
		if (setgroups((size_t)id->n_groups, id->groups) < 0)
			die("set the groups", errno);
		if (setresgid(id->gid, id->gid, id->gid) < 0)
			die("set the group", errno);
		if (setresuid(id->uid, id->uid, id->uid) < 0)
			die("set the user", errno);
	}
	/* after the ids: a change of them clears it. The deadline's SIGKILL of
	 * the check takes the command with it. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (j->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("set no_new_privs", errno);
	if (chdir(j->workdir ? j->workdir : "/") < 0 && chdir("/") < 0)
		die("change directory", errno);
	err = child_execvpe(j->argv, j->envp);
	snprintf(msg, sizeof(msg), "health check: %s: %s\n", j->argv[0], strerror(err));
	put(msg);
	_exit(err == ENOENT ? 127 : 126);
}

static __attribute__((noreturn)) void child_main(const struct health_job *j)
{
	int fd, ns, r, st;
	pid_t kid;

	spawn_child_reset();
	(void)setsid();   /* a group of its own: the deadline kills the whole check */
	if (dup2(j->out, STDOUT_FILENO) < 0 || dup2(j->out, STDERR_FILENO) < 0)
		_exit(126);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fd != STDIN_FILENO) {
		(void)dup2(fd, STDIN_FILENO);
		(void)close(fd);
	}
	if (j->v2_procs >= 0) {
		ssize_t w;

		do
			w = write(j->v2_procs, "0", 1);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			die("join the unit's cgroup", errno);
	}
	if ((r = cg_child_join_v1(j->v1_procs, j->n_v1)) < 0)
		die("join the unit's v1 cgroups", -r);
	ns = nsenter_differ(j->main_pid);
	if (j->h->kind != UNIT_HEALTH_EXEC)
		ns &= CLONE_NEWNET;   /* a connection needs the network, nothing else */
	if ((r = nsenter_join(j->pidfd, ns)) < 0)
		die("enter the unit's namespaces", -r);
	/* nothing of svcinit's goes along into the unit: stdio is all it keeps */
	(void)syscall(SYS_close_range, 3U, ~0U, 0U);
	if (j->h->kind != UNIT_HEALTH_EXEC)
		child_probe(j->h);
	kid = fork();
	if (kid < 0)
		die("fork", errno);
	if (kid == 0)
		child_command(j);
	while (waitpid(kid, &st, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* ---- the parent ------------------------------------------------------------- */

static void out_read(struct svc *s)
{
	struct svc_health *h = &s->health;
	char drop[4096];

	while (h->out_fd >= 0) {
		bool room = h->len < sizeof(h->buf);
		ssize_t n = room ? read(h->out_fd, h->buf + h->len, sizeof(h->buf) - h->len) :
				   read(h->out_fd, drop, sizeof(drop));   /* drained, dropped */

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {   /* end of file, or an error: nothing more to read */
			ev_io_stop(H_loop, &h->out_io);
			(void)close(h->out_fd);
			h->out_fd = -1;
			return;
		}
		if (room)
			h->len += (size_t)n;
	}
}

static void out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	out_read(w->data);
}

static void check_kill(struct svc_health *h)
{
	if (h->pid <= 0)
		return;
	(void)kill(-h->pid, SIGKILL);   /* its group: the command and what it forked */
	(void)kill(h->pid, SIGKILL);    /* before its setsid() */
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;

	s->health.timed_out = true;
	check_kill(&s->health);   /* the reaper brings the verdict */
}

/* The verdict: kept for status, told to the unit (count: a check of the
 * unit as it is up; else one that was cancelled). */
static void verdict(struct svc *s, bool ok, const char *msg, bool count)
{
	struct svc_health *h = &s->health;

	if (msg) {
		int n = snprintf(h->output, sizeof(h->output), "%s", msg);

		h->output_len = n < 0 ? 0 : (size_t)n < sizeof(h->output) ? (size_t)n :
				sizeof(h->output) - 1;
	} else {
		memcpy(h->output, h->buf, h->len);
		h->output_len = h->len;
	}
	h->len = 0;
	h->last_ok = ok;
	h->seq++;
	log_debug("%s: health check %s", s->spec->name, ok ? "passed" : "failed");
	svc_health_verdict(s, count ? (ok ? 1 : 0) : -1);
}

/* Start a check now. A failure to start is a failed check. */
static void check_start(struct svc *s)
{
	struct svc_health *h = &s->health;
	const struct unit_spec *spec = s->spec;
	struct plan_env env = { .n = 0 };
	struct health_job j = { .h = &spec->health, .ident = &spec->ident, .pidfd = -1,
				.v2_procs = -1, .out = -1 };
	char err[256] = "", **xargv = NULL;
	int v1[HEALTH_V1_MAX], n_v1 = 0, pfd[2] = { -1, -1 }, r;
	pid_t pid;

	h->len = 0;
	h->timed_out = h->discard = false;
	if (!spec->ident.resolved)
		plan_ident_load(s->spec);
	if (spec->ident.error[0]) {
		snprintf(err, sizeof(err), "%s", spec->ident.error);
		goto fail;
	}
	if (spec->health.kind == UNIT_HEALTH_EXEC) {
		r = plan_env_init(spec, &env, err, sizeof(err));
		if (r >= 0)
			r = plan_env_add_unit(spec, &env, err, sizeof(err));
		if (r < 0)
			goto fail_prefix;
		/* ':' prefix: as written; else $VAR from the unit's environment */
		if (spec->health.cmd.flags & UNIT_CMD_NO_EXPAND) {
			j.argv = spec->health.cmd.argv;
		} else {
			r = unit_exec_expand(spec->health.cmd.argv, env.v, &xargv);
			if (r < 0 || !xargv[0]) {
				snprintf(err, sizeof(err), "expand the command: %s",
					 strerror(r < 0 ? -r : EINVAL));
				goto fail_prefix;
			}
			j.argv = xargv;
		}
		j.envp = env.v;
		j.no_new_privs = spec->no_new_privileges;
		j.workdir = spec->working_directory;
	}
	j.main_pid = s->main_pid;
	j.pidfd = s->main_pidfd >= 0 ? fcntl(s->main_pidfd, F_DUPFD_CLOEXEC, 3) :
					(int)syscall(SYS_pidfd_open, s->main_pid, 0);
	if (j.pidfd < 0) {
		snprintf(err, sizeof(err), "take hold of the main process %d: %s",
			 (int)s->main_pid, strerror(errno));
		goto fail_prefix;
	}
	(void)fcntl(j.pidfd, F_SETFD, FD_CLOEXEC);
	if (s->main_pidfd < 0 && !svc_holds_pid(s, s->main_pid)) {
		snprintf(err, sizeof(err), "take hold of the main process %d: %s",
			 (int)s->main_pid, strerror(ESRCH));
		goto fail_prefix;
	}
	if (s->cg) {
		int dir = cg_unit_v2_open(s->cg);

		if (dir >= 0) {
			j.v2_procs = openat(dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
			(void)close(dir);
		}
		if (dir < 0 ? errno != ENOENT : j.v2_procs < 0) {
			snprintf(err, sizeof(err), "open the unit's cgroup.procs: %s", strerror(errno));
			goto fail_prefix;
		}
		n_v1 = cg_unit_v1_procs_fds(s->cg, v1, HEALTH_V1_MAX);
		if (n_v1 < 0) {
			snprintf(err, sizeof(err), "open the unit's v1 cgroups: %s", strerror(-n_v1));
			n_v1 = 0;
			goto fail_prefix;
		}
		j.v1_procs = v1;
		j.n_v1 = n_v1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, sizeof(err), "create a pipe: %s", strerror(errno));
		goto fail_prefix;
	}
	(void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	j.out = pfd[1];
	pid = fork();
	if (pid < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		goto fail_prefix;
	}
	if (pid == 0)
		child_main(&j);
	h->pid = pid;
	h->out_fd = pfd[0];
	pfd[0] = -1;
	ev_io_set(&h->out_io, h->out_fd, EV_READ);
	ev_io_start(H_loop, &h->out_io);
	ev_timer_set(&h->deadline, (double)spec->health.timeout_usec / 1e6, 0.);
	ev_timer_start(H_loop, &h->deadline);
	goto out;

fail_prefix:
	{
		char m[sizeof(err)];

		snprintf(m, sizeof(m), "unable to %.*s", (int)sizeof(m) - 11, err);
		memcpy(err, m, sizeof(err));
	}
fail:
	log_warn("%s: health check: %s", spec->name, err);
	verdict(s, false, err, true);
out:
	if (pfd[0] >= 0)
		(void)close(pfd[0]);
	if (pfd[1] >= 0)
		(void)close(pfd[1]);
	if (j.pidfd >= 0)
		(void)close(j.pidfd);
	if (j.v2_procs >= 0)
		(void)close(j.v2_procs);
	for (int i = 0; i < n_v1; i++)
		(void)close(v1[i]);
	unit_strv_free(xargv);
	plan_env_fini(&env);
}

static bool eligible(const struct svc *s)
{
	enum svc_state st = s->fsm.state;

	return s->spec->health.kind != UNIT_HEALTH_NONE && (st == SVC_STARTING || st == SVC_RUNNING) &&
	       s->pid > 0 && s->main_pid > 0 && s->spawn_fd < 0;
}

static void every_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct svc *s = w->data;

	if (s->health.pid > 0 || !eligible(s))
		return;   /* the last one still runs: this round is skipped */
	check_start(s);
}

void health_setup(struct svc *s)
{
	struct svc_health *h = &s->health;

	memset(h, 0, sizeof(*h));
	h->out_fd = -1;
	ev_io_init(&h->out_io, out_cb, -1, EV_READ);
	h->out_io.data = s;
	ev_timer_init(&h->every, every_cb, 0., 0.);
	h->every.data = s;
	ev_timer_init(&h->deadline, deadline_cb, 0., 0.);
	h->deadline.data = s;
}

void health_sync(struct svc *s)
{
	struct svc_health *h = &s->health;

	if (eligible(s)) {
		if (!ev_is_active(&h->every)) {
			double every = (double)s->spec->health.interval_usec / 1e6;

			ev_timer_set(&h->every, 0., every);   /* the first right after the start */
			ev_timer_start(H_loop, &h->every);
		}
		return;
	}
	ev_timer_stop(H_loop, &h->every);
	if (h->pid > 0 && !h->discard) {
		h->discard = true;   /* reaped later; no verdict on a unit that is not up */
		check_kill(h);
	}
}

int health_run_now(struct svc *s)
{
	if (s->spec->health.kind == UNIT_HEALTH_NONE)
		return -ENOENT;
	if (!eligible(s))
		return -ESRCH;
	if (s->health.pid == 0)
		check_start(s);
	return 0;
}

bool health_child_exited(pid_t pid, int status)
{
	for (size_t i = 0; i < svc_count(); i++) {
		struct svc *s = svc_at(i);
		struct svc_health *h = &s->health;
		char msg[64];
		bool ok;

		if (h->pid != pid || pid <= 0)
			continue;
		h->pid = 0;
		ev_timer_stop(H_loop, &h->deadline);
		out_read(s);   /* what it wrote before it ended */
		if (h->out_fd >= 0) {   /* held open by something it left behind */
			ev_io_stop(H_loop, &h->out_io);
			(void)close(h->out_fd);
			h->out_fd = -1;
		}
		if (h->discard) {
			h->discard = false;
			verdict(s, false, "check cancelled: the unit went down", false);
			if (eligible(s))
				check_start(s);   /* up again meanwhile: its first check */
			return true;
		}
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !h->timed_out;
		if (h->timed_out) {
			snprintf(msg, sizeof(msg), "timed out after %gs",
				 (double)s->spec->health.timeout_usec / 1e6);
			verdict(s, false, msg, true);
		} else if (!ok && h->len == 0) {
			if (WIFSIGNALED(status))
				snprintf(msg, sizeof(msg), "killed by signal %d", WTERMSIG(status));
			else
				snprintf(msg, sizeof(msg), "exit code %d", WEXITSTATUS(status));
			verdict(s, false, msg, true);
		} else {
			verdict(s, ok, NULL, true);
		}
		return true;
	}
	return false;
}

void health_free(struct svc *s)
{
	struct svc_health *h = &s->health;

	ev_timer_stop(H_loop, &h->every);
	ev_timer_stop(H_loop, &h->deadline);
	ev_io_stop(H_loop, &h->out_io);
	if (h->out_fd >= 0)
		(void)close(h->out_fd);
	h->out_fd = -1;
	check_kill(h);   /* reaped as an orphan then */
	h->pid = 0;
}
