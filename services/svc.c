/* SPDX-License-Identifier: MIT */
/*
 * svc.c: running units. Every state change goes through fsm_step(); this
 * file carries out the actions it returns (spawn, kill, timers, freezer) and
 * feeds back what happened (spawned, exited, timed out).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init/log.h"
#include "services/cgroup.h"
#include "services/rootfs.h"
#include "services/notify.h"
#include "services/spawn.h"
#include "services/svc.h"

#define SVC_ENV_MAX       512
#define SVC_ENVFILE_MAX   (64 * 1024)
#define SVC_GROUPS_MAX    64
#define SVC_READ_CHUNK    8192   /* bytes read per wakeup and stream: fairness */
#define SVC_DEFAULT_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static struct {
	struct ev_loop *loop;
	struct svc_config cfg;
	struct svc_hooks hooks;
	struct svc **v;
	size_t n;
	bool stopping_all;        /* shutdown: stop in reverse dependency order */
	bool in_deps;             /* deps_update() is running */
	bool deps_again;          /* ... and must look once more */
} M;

static void svc_event(struct svc *s, enum fsm_event ev, int status);
static void deps_update(void);

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

struct svc *svc_find(const char *name)
{
	for (size_t i = 0; i < M.n; i++)
		if (strcmp(M.v[i]->spec->name, name) == 0)
			return M.v[i];
	return NULL;
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

/* ---- output ------------------------------------------------------------ */

/* One line of a unit's output: into its ring, to followers, to the console. */
static void output_emit(struct svc_output *o)
{
	char buf[UNIT_NAME_MAX + 3 + SVC_LINE_MAX + 1];
	int n;

	logbuf_append(&o->svc->log, o->line, o->len);
	if (M.hooks.output)
		M.hooks.output(o->svc, o->line, o->len);
	n = snprintf(buf, sizeof(buf), "%s: %.*s\n", o->svc->spec->name, (int)o->len, o->line);
	if (n > 0)
		log_write_raw(o->console_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	o->len = 0;
}

static void output_close(struct svc_output *o)
{
	if (o->fd < 0)
		return;
	ev_io_stop(M.loop, &o->io);
	if (o->len > 0)
		output_emit(o);   /* a last line without its newline */
	(void)close(o->fd);
	o->fd = -1;
}

/* Read what is there, at most SVC_READ_CHUNK: a unit that writes without
 * pause cannot keep svcinit from its other work. */
static void output_read(struct svc_output *o)
{
	char buf[SVC_READ_CHUNK];
	ssize_t n = read(o->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		output_close(o);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			output_emit(o);
			continue;
		}
		if (o->len == sizeof(o->line))
			output_emit(o);   /* an overlong line is split */
		o->line[o->len++] = buf[i];
	}
}

static void output_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	output_read(w->data);
}

/* The fds the child gets as stdout (i=1) and stderr (i=2), and the read
 * ends svcinit keeps. Returns 0 or -errno; *ret_step names the failure. */
static int output_prepare(struct svc *s, int child_fds[3], const char **ret_what)
{
	const struct unit_output_spec *os[2] = { &s->spec->std_output, &s->spec->std_error };

	child_fds[0] = -1;
	child_fds[1] = child_fds[2] = -1;
	for (int i = 0; i < 2; i++) {
		struct svc_output *o = &s->out[i];
		int p[2], fd;

		switch (os[i]->kind) {
		case UNIT_OUTPUT_LOG:
			/* an old pipe still open (quick restart): take what it holds */
			if (o->fd >= 0) {
				output_read(o);
				output_close(o);
			}
			if (pipe2(p, O_CLOEXEC) < 0) {
				*ret_what = "create output pipe";
				return -errno;
			}
			(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
			o->fd = p[0];
			o->len = 0;
			o->console_fd = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
			ev_io_init(&o->io, output_cb, o->fd, EV_READ);
			o->io.data = o;
			ev_io_start(M.loop, &o->io);
			child_fds[i + 1] = p[1];
			break;
		case UNIT_OUTPUT_CONSOLE:
		case UNIT_OUTPUT_INHERIT:
			child_fds[i + 1] = fcntl(i == 0 ? STDOUT_FILENO : STDERR_FILENO,
						 F_DUPFD_CLOEXEC, 3);
			break;
		case UNIT_OUTPUT_FILE:
		case UNIT_OUTPUT_APPEND:
			/* O_NONBLOCK: a FIFO nobody reads must not hang PID 1 in
			 * open(2) (it fails with ENXIO instead); the unit gets a
			 * blocking descriptor */
			fd = open(os[i]->path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
				  (os[i]->kind == UNIT_OUTPUT_FILE ? O_TRUNC : O_APPEND), 0644);
			if (fd < 0) {
				static char what[300];

				snprintf(what, sizeof(what), "open %s", os[i]->path);
				*ret_what = what;
				return -errno;
			}
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			child_fds[i + 1] = fd;
			break;
		case UNIT_OUTPUT_NULL:
			break;
		}
	}
	return 0;
}

static void close_fds(int fds[3])
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			(void)close(fds[i]);
		fds[i] = -1;
	}
}

/* ---- environment --------------------------------------------------------- */

struct env {
	char *v[SVC_ENV_MAX + 1];
	size_t n;
};

static void env_free(struct env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
	e->v[0] = NULL;
}

/* Set "K=V" (copied), replacing an earlier K. */
static int env_put(struct env *e, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char *c;

	if (kv[klen] != '=' || klen == 0)
		return -EINVAL;
	c = strdup(kv);
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], kv, klen + 1) == 0) {
			free(e->v[i]);
			e->v[i] = c;
			return 0;
		}
	}
	if (e->n >= SVC_ENV_MAX) {
		free(c);
		return -E2BIG;
	}
	e->v[e->n++] = c;
	e->v[e->n] = NULL;
	return 0;
}

static int env_putf(struct env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int env_putf(struct env *e, const char *fmt, ...)
{
	va_list ap;
	char *kv;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&kv, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = env_put(e, kv);
	free(kv);
	return r;
}

/* EnvironmentFile=: KEY=VALUE lines, '#' and ';' comments, optional quotes
 * around the value, "export " prefix tolerated. */
static int env_read_file(struct env *e, const char *path, char *err, size_t errlen)
{
	char *buf = NULL, *line, *save = NULL;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "EnvironmentFile=%s: %s", path, strerror(-r));
		return r;
	}
	buf = malloc(SVC_ENVFILE_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	n = read(fd, buf, SVC_ENVFILE_MAX + 1);
	if (n < 0 || n > SVC_ENVFILE_MAX) {
		r = n < 0 ? -errno : -EFBIG;
		snprintf(err, errlen, "EnvironmentFile=%s: %s", path,
			 n < 0 ? strerror(-r) : "file too large");
		goto out;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v, *end;

		while (isspace((unsigned char)*line))
			line++;
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (strncmp(line, "export ", 7) == 0)
			line += 7;
		v = strchr(line, '=');
		if (!v)
			continue;
		end = line + strlen(line);
		while (end > v + 1 && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (end - v >= 3 && (v[1] == '"' || v[1] == '\'') && end[-1] == v[1]) {
			end[-1] = '\0';
			memmove(v + 1, v + 2, (size_t)(end - v - 2));
		}
		r = env_put(e, line);
		if (r < 0) {
			snprintf(err, errlen, "EnvironmentFile=%s: %s", path, strerror(-r));
			goto out;
		}
	}
out:
	free(buf);
	(void)close(fd);
	return r;
}

/* ---- identity ------------------------------------------------------------ */

struct ident {
	bool set;
	uid_t uid;
	gid_t gid;
	gid_t groups[SVC_GROUPS_MAX];
	int n_groups;
	char home[256], shell[128], user[64];
};

static int parse_id(const char *s, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	return (*s && !*end && !errno && *ret < 0xFFFFFFFFul) ? 0 : -EINVAL;
}

static int resolve_group(const char *name, gid_t *ret)
{
	unsigned long n;
	struct group *g;

	if (parse_id(name, &n) == 0) {
		*ret = (gid_t)n;
		return 0;
	}
	errno = 0;
	g = getgrnam(name);
	if (!g)
		return errno ? -errno : -ESRCH;
	*ret = g->gr_gid;
	return 0;
}

static int resolve_ident(const struct unit_spec *spec, struct ident *id, char *err, size_t errlen)
{
	unsigned long n;
	int r;

	memset(id, 0, sizeof(*id));
	if (!spec->user && !spec->group && !spec->supplementary_groups[0])
		return 0;
	id->set = true;
	id->uid = 0;
	id->gid = 0;
	snprintf(id->home, sizeof(id->home), "/");
	snprintf(id->shell, sizeof(id->shell), "/bin/sh");
	if (spec->user) {
		struct passwd *pw;

		errno = 0;
		pw = parse_id(spec->user, &n) == 0 ? getpwuid((uid_t)n) : getpwnam(spec->user);
		if (pw) {
			id->uid = pw->pw_uid;
			id->gid = pw->pw_gid;
			snprintf(id->user, sizeof(id->user), "%s", pw->pw_name);
			snprintf(id->home, sizeof(id->home), "%s", pw->pw_dir);
			snprintf(id->shell, sizeof(id->shell), "%s", pw->pw_shell);
			id->n_groups = SVC_GROUPS_MAX;
			if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &id->n_groups) < 0)
				id->n_groups = 0;
		} else if (parse_id(spec->user, &n) == 0) {
			id->uid = (uid_t)n;   /* a bare number need not be in passwd */
			id->gid = (gid_t)n;
			snprintf(id->user, sizeof(id->user), "%lu", n);
		} else {
			snprintf(err, errlen, "User=%s: no such user", spec->user);
			return -ESRCH;
		}
	}
	if (spec->group) {
		r = resolve_group(spec->group, &id->gid);
		if (r < 0) {
			snprintf(err, errlen, "Group=%s: no such group", spec->group);
			return r;
		}
	}
	for (char **g = spec->supplementary_groups; *g; g++) {
		if (id->n_groups >= SVC_GROUPS_MAX) {
			snprintf(err, errlen, "SupplementaryGroups=: more than %d groups",
				 SVC_GROUPS_MAX);
			return -E2BIG;
		}
		r = resolve_group(*g, &id->groups[id->n_groups]);
		if (r < 0) {
			snprintf(err, errlen, "SupplementaryGroups=%s: no such group", *g);
			return r;
		}
		id->n_groups++;
	}
	return 0;
}

/* ---- cgroup ---------------------------------------------------------------- */

static void freeze_unwatch(struct svc *s);

static void cgroup_release(struct svc *s)
{
	if (!s->cg)
		return;
	freeze_unwatch(s);   /* the events fd belongs to the cgroup */
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

/* Is pid one of the unit's processes? Its main process, its reaper, or any
 * process in its cgroup (as /proc/PID/cgroup shows from here). */
static bool svc_owns_pid(struct svc *s, pid_t pid)
{
	char path[64], line[512];
	const char *mine;
	size_t mlen;
	bool found = false;
	FILE *f;

	if (pid <= 0)
		return false;
	if (pid == s->main_pid || pid == s->pid)
		return true;
	if (!s->cg)
		return false;
	mine = cg_unit_path(s->cg);
	mlen = strlen(mine);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		p++;
		p[strcspn(p, "\n")] = '\0';
		found = strncmp(p, mine, mlen) == 0 && (p[mlen] == '\0' || p[mlen] == '/');
	}
	fclose(f);
	return found;
}

struct svc *svc_of_pid(pid_t pid)
{
	char path[64], line[512];
	struct svc *found = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	/* paths look like <base>/NAME.service[/...]: try each NAME.service */
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		p[strcspn(p, "\n")] = '\0';
		for (char *seg = strstr(p, ".service"); seg && !found; seg = strstr(seg + 1, ".service")) {
			char *start = seg, name[UNIT_NAME_MAX + 1];
			struct svc *s;

			while (start > p && start[-1] != '/')
				start--;
			if (seg - start > UNIT_NAME_MAX || (seg[8] != '/' && seg[8] != '\0'))
				continue;
			memcpy(name, start, (size_t)(seg - start));
			name[seg - start] = '\0';
			s = svc_find(name);
			if (s && svc_owns_pid(s, pid))
				found = s;
		}
	}
	fclose(f);
	return found;
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
		if (notify_parse(buf, (size_t)n, &m) < 0) {
			log_warn("%s: notify: ignoring a malformed message from pid %d",
				 s->spec->name, (int)cr.pid);
			continue;
		}
		if (m.have_status)
			snprintf(s->status_text, sizeof(s->status_text), "%s", m.status);
		if (m.have_mainpid) {
			if (svc_owns_pid(s, m.mainpid))
				s->main_pid = m.mainpid;
			else
				log_warn("%s: notify: MAINPID=%d is not a process of the unit",
					 s->spec->name, (int)m.mainpid);
		}
		if (m.stopping)
			log_debug("%s: notify: stopping", s->spec->name);
		if (m.ready)
			svc_event(s, FSM_READY, 0);
		else if (m.have_status && M.hooks.changed)
			M.hooks.changed(s);
	}
}

static int notify_prepare(struct svc *s)
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

static void notify_close(struct svc *s)
{
	if (s->notify_fd < 0)
		return;
	ev_io_stop(M.loop, &s->notify_io);
	(void)close(s->notify_fd);
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
	log_err("%s: %s", s->spec->name, s->error);
}

static int svc_spawn(struct svc *s)
{
	const struct unit_spec *spec;
	struct env env = { .n = 0 };
	struct ident id;
	struct exec_plan plan;
	struct spawn_result res;
	char err[SVC_ERROR_MAX - sizeof("unable to ")] = "";
	const char *what = NULL, *root_dir = NULL;
	char *path = NULL;
	int fds[3] = { -1, -1, -1 }, v1fds[16], n_v1 = 0;
	cap_t caps = NULL;
	int r;

	if (s->next_spec) {   /* reload left a new definition waiting */
		unit_spec_free(s->spec);
		s->spec = s->next_spec;
		s->next_spec = NULL;
		s->cg_applied = NULL;
	}
	spec = s->spec;
	s->error[0] = '\0';
	/* a restart with the same definition and cgroup keeps its limits and
	 * their warnings: nothing to write again */
	if (!s->cg || s->cg_applied != spec)
		warnings_clear(s);

	/* environment: PATH, the user's, then EnvironmentFile=, then Environment= */
	r = env_putf(&env, "PATH=%s", SVC_DEFAULT_PATH);
	if (r < 0)
		goto fail_errno;
	r = resolve_ident(spec, &id, err, sizeof(err));
	if (r < 0)
		goto fail_msg;
	if (spec->user) {
		if ((r = env_putf(&env, "HOME=%s", id.home)) < 0 ||
		    (r = env_putf(&env, "USER=%s", id.user)) < 0 ||
		    (r = env_putf(&env, "LOGNAME=%s", id.user)) < 0 ||
		    (r = env_putf(&env, "SHELL=%s", id.shell)) < 0)
			goto fail_errno;
	}
	for (char **f = spec->environment_files; *f; f++) {
		bool optional = **f == '-';

		r = env_read_file(&env, optional ? *f + 1 : *f, err, sizeof(err));
		if (r == -ENOENT && optional) {
			r = 0;
			continue;
		}
		if (r < 0)
			goto fail_msg;
	}
	if (spec->type == UNIT_NOTIFY) {
		r = notify_prepare(s);
		if (r < 0) {
			what = "create the notify socket";
			goto fail_what;
		}
		if ((r = env_putf(&env, "NOTIFY_SOCKET=%s", s->notify_path)) < 0)
			goto fail_errno;
	} else {
		notify_close(s);   /* a reload may have changed the type */
	}
	s->status_text[0] = '\0';
	for (char **e = spec->environment; *e; e++)
		if ((r = env_put(&env, *e)) < 0)
			goto fail_errno;

	/* namespaces and root: planned first, a missing root is the error to show */
	if (spec->namespaces) {
		char rundir[512];
		const char *perr = NULL;

		snprintf(rundir, sizeof(rundir), "%s/.stage/%s", M.cfg.run_dir, spec->name);
		root_release(s);
		r = rootfs_plan_new(spec, rundir, M.cfg.keep_paths, &s->root, &perr);
		if (r < 0) {
			snprintf(err, sizeof(err), "prepare root: %s",
				 perr ? perr : strerror(-r));
			goto fail_msg;
		}
	}

	if (spec->root_directory && (spec->namespaces & UNIT_NS_MNT))
		root_dir = spec->root_directory;
	r = spawn_find_exec(spec->argv[0], env.v, root_dir, &path);
	if (r < 0) {
		snprintf(err, sizeof(err), "execute %s: %s", spec->argv[0],
			 r == -ENOENT ? "command not found" : strerror(-r));
		goto fail_msg;
	}

	memset(&plan, 0, sizeof(plan));
	plan.path = path;
	plan.argv = spec->argv;
	plan.envp = env.v;
	plan.cwd = spec->working_directory;
	plan.set_ids = id.set;
	plan.uid = id.uid;
	plan.gid = id.gid;
	plan.groups = id.groups;
	plan.n_groups = (size_t)id.n_groups;
	plan.cgroup_fd = -1;
	if (spec->namespaces) {
		plan.clone_flags = rootfs_clone_flags(spec->namespaces);
		plan.root = s->root;
	}
	plan.no_new_privs = spec->no_new_privileges;
	plan.drop_bounding = spec->capability_bounding_set_given;
	plan.bounding_set = spec->capability_bounding_set;
	plan.ambient_set = spec->ambient_capabilities;

	if (spec->ambient_capabilities) {
		/* ambient capabilities must be permitted and inheritable after the
		 * uid switch; the bounding set limits what can be raised */
		caps = id.set && id.uid != 0 ? cap_init() : cap_get_proc();
		if (!caps) {
			r = -errno;
			what = "prepare capabilities";
			goto fail_what;
		}
		for (int c = 0; c <= 63; c++) {
			cap_value_t cv = (cap_value_t)c;

			if (!(spec->ambient_capabilities & (1ULL << c)) || !CAP_IS_SUPPORTED(c))
				continue;
			if (cap_set_flag(caps, CAP_PERMITTED, 1, &cv, CAP_SET) < 0 ||
			    cap_set_flag(caps, CAP_EFFECTIVE, 1, &cv, CAP_SET) < 0 ||
			    cap_set_flag(caps, CAP_INHERITABLE, 1, &cv, CAP_SET) < 0) {
				r = -errno;
				what = "prepare capabilities";
				goto fail_what;
			}
		}
		plan.caps = caps;
	}

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

	r = output_prepare(s, fds, &what);
	if (r < 0)
		goto fail_what;
	plan.fd_in = -1;
	plan.fd_out = fds[1];
	plan.fd_err = fds[2];

	r = spawn_start(&plan, &res, &what);
	close_fds(fds);
	if (res.pid > 0) {
		/* even a child that failed is reaped through the usual path */
		s->pid = res.pid;
		s->main_pid = res.main_pid ? res.main_pid : res.pid;
		s->reaper_fd = res.chan_fd;
	}
	if (r < 0)
		goto fail_what;
	log_debug("%s: started, pid %d", spec->name, (int)s->main_pid);
	r = 0;
	goto out;

fail_errno:
	snprintf(err, sizeof(err), "prepare: %s", strerror(-r));
fail_msg:
	snprintf(s->error, sizeof(s->error), "unable to %s", err);
	log_err("%s: %s", spec->name, s->error);
	goto out;
fail_what:
	close_fds(fds);
	set_error(s, what ? what : "start", -r);
out:
	for (int i = 0; i < n_v1; i++)
		(void)close(v1fds[i]);
	if (caps)
		cap_free(caps);
	free(path);
	env_free(&env);
	return r < 0 ? r : 0;
}

/* ---- freezer ------------------------------------------------------------------ */

static void freeze_unwatch(struct svc *s)
{
	ev_io_stop(M.loop, &s->freeze_io);
	ev_timer_stop(M.loop, &s->freeze_poll);
	s->freeze_want = -1;
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

static void freeze_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct svc *s = w->data;
	char buf[1024];

	while (read(w->fd, buf, sizeof(buf)) > 0)
		;   /* drain the inotify events; the state is read from the file */
	freeze_check(s);
}

static void freeze_poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	freeze_check(w->data);
}

static void svc_freeze(struct svc *s, bool freeze)
{
	int r, fd;

	if (!s->cg)
		return;
	freeze_unwatch(s);
	r = cg_unit_freeze(s->cg, freeze);
	if (r < 0) {
		warn_add(s, "unable to %s: %s", freeze ? "freeze" : "thaw", strerror(-r));
		return;
	}
	s->freeze_want = freeze;
	fd = cg_unit_events_fd(s->cg);
	if (fd >= 0) {
		ev_io_set(&s->freeze_io, fd, EV_READ);
		ev_io_start(M.loop, &s->freeze_io);
	} else {
		/* v1: freezer.state has no change events; look every 10 ms */
		ev_timer_set(&s->freeze_poll, 0.01, 0.01);
		ev_timer_start(M.loop, &s->freeze_poll);
	}
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

static void svc_signal(struct svc *s, int sig)
{
	if (s->pid <= 0)
		return;
	if (s->reaper_fd >= 0 || s->main_pid != s->pid) {
		(void)kill(s->main_pid, sig);   /* the service behind its reaper */
		return;
	}
	/* the service leads its own session; its group goes with it */
	if (killpg(s->pid, sig) < 0)
		(void)kill(s->pid, sig);
}

static void svc_kill_all(struct svc *s)
{
	int r = -ENOENT;

	if (s->cg && !cg_unit_empty(s->cg))   /* usually empty: the main process was all */
		r = cg_unit_kill(s->cg, SIGKILL);
	if (s->pid > 0) {
		/* a reaper takes its whole PID namespace with it */
		(void)kill(s->pid, SIGKILL);
		if (s->reaper_fd < 0)
			(void)killpg(s->pid, SIGKILL);
	}
	if (r < 0 && r != -ENOENT)
		log_debug("%s: unable to kill cgroup: %s", s->spec->name, strerror(-r));
}

static void svc_apply(struct svc *s, const struct fsm_actions *a, enum fsm_event *ret_next)
{
	*ret_next = (enum fsm_event)-1;

	if (a->thaw)
		svc_freeze(s, false);
	if (a->freeze)
		svc_freeze(s, true);
	if (a->kill)
		svc_signal(s, s->spec->kill_signal);
	if (a->kill_all)
		svc_kill_all(s);
	if (a->disarm)
		ev_timer_stop(M.loop, &s->timer);
	if (a->counted_restart)
		s->restarts++;
	if (a->spawn)
		*ret_next = svc_spawn(s) < 0 ? FSM_SPAWN_FAILED : FSM_SPAWNED;
	if (a->arm) {
		ev_timer_stop(M.loop, &s->timer);
		ev_timer_set(&s->timer, (double)a->arm_usec / 1e6, 0.);
		ev_timer_start(M.loop, &s->timer);
	}
}

static int exit_code_of(const struct svc *s)
{
	if (s->exit_signal)
		return 128 + s->exit_signal;
	return s->exit_code > 0 ? s->exit_code : 0;
}

static void svc_free(struct svc *s);

/* Once a unit is down for good: give back its cgroup and staging dir. */
static void svc_settle(struct svc *s)
{
	enum svc_state st = s->fsm.state;

	if (s->pid > 0 || (st != SVC_STOPPED && st != SVC_EXITED && st != SVC_FAILED))
		return;
	cgroup_release(s);
	root_release(s);
}

static void svc_event(struct svc *s, enum fsm_event ev, int status)
{
	/* a spawn feeds back SPAWNED or SPAWN_FAILED, which may spawn again
	 * (RestartSec=0 after a failure goes through the timer): bounded */
	for (int guard = 0; guard < 4 && (int)ev >= 0; guard++) {
		struct fsm_input in = { .event = ev, .now_usec = now_usec(), .status = status };
		struct fsm_actions a;
		bool changed = fsm_step(&s->fsm, s->spec, &in, &a);

		if (changed) {
			s->since = (int64_t)time(NULL);
			log_debug("%s: %s", s->spec->name, svc_state_name(s));
		}
		svc_apply(s, &a, &ev);
		if (changed)
			deps_update();
		if (changed && M.hooks.changed)
			M.hooks.changed(s);
		if (a.action != UNIT_ACTION_NONE && M.hooks.action)
			M.hooks.action(s, a.action, exit_code_of(s));
		status = 0;
	}
	svc_settle(s);
}

/* ---- the public verbs ------------------------------------------------------ */

/* ---- dependencies -------------------------------------------------------------- */

/* After=X and Requires=X wait for X to be ready; an After= unit that failed
 * or is not wanted no longer holds anyone back, a Requires= one fails them. */
enum dep_verdict { DEP_WAIT, DEP_GO, DEP_FAIL };

static bool svc_ready(const struct svc *d)
{
	return d->fsm.ready && (d->fsm.state == SVC_RUNNING || d->fsm.state == SVC_EXITED);
}

static bool svc_down_for_good(const struct svc *d)
{
	return !d->waiting && (d->fsm.state == SVC_FAILED ||
			       (d->fsm.state == SVC_STOPPED && !d->fsm.want_up));
}

static enum dep_verdict deps_verdict(struct svc *s, char *why, size_t len)
{
	for (char **r = s->spec->requires; *r; r++) {
		struct svc *d = svc_find(*r);

		if (!d) {
			snprintf(why, len, "Requires=%s: no such unit", *r);
			return DEP_FAIL;
		}
		if (svc_down_for_good(d) || d->in_cycle) {
			snprintf(why, len, "Requires=%s: %s", *r, svc_state_name(d));
			return DEP_FAIL;
		}
		if (!svc_ready(d))
			return DEP_WAIT;
	}
	for (char **r = s->spec->after; *r; r++) {
		struct svc *d = svc_find(*r);

		if (d && !d->in_cycle && !svc_ready(d) && !svc_down_for_good(d))
			return DEP_WAIT;
	}
	return DEP_GO;
}

static bool lists(char **v, const char *name)
{
	for (; *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

/* During shutdown a unit stops only once nothing that comes after it (or
 * needs it) still runs. */
static bool others_need(const struct svc *s)
{
	for (size_t i = 0; i < M.n; i++) {
		const struct svc *o = M.v[i];

		if (o == s || (o->pid == 0 && o->fsm.state != SVC_STARTING))
			continue;
		if (lists(o->spec->after, s->spec->name) || lists(o->spec->requires, s->spec->name))
			return true;
	}
	return false;
}

/* Move every unit whose dependencies changed: start the waiting ones that
 * may go, stop the ones whose Requires= went down. */
static void deps_update(void)
{
	char why[SVC_ERROR_MAX];

	if (M.in_deps) {
		M.deps_again = true;
		return;
	}
	M.in_deps = true;
	do {
		M.deps_again = false;
		for (size_t i = 0; i < M.n; i++) {
			struct svc *s = M.v[i];

			if (M.stopping_all) {
				s->waiting = false;
				if (s->fsm.want_up && !others_need(s))
					svc_event(s, FSM_STOP, 0);
				continue;
			}
			if (s->waiting) {
				enum dep_verdict v = deps_verdict(s, why, sizeof(why));

				if (v == DEP_WAIT)
					continue;
				s->waiting = false;
				if (v == DEP_GO) {
					svc_event(s, FSM_START, 0);
				} else {
					snprintf(s->error, sizeof(s->error), "%s", why);
					log_warn("%s: not started: %s", s->spec->name, why);
					svc_event(s, FSM_DEP_FAILED, 0);
				}
				continue;
			}
			if (s->fsm.want_up && (s->fsm.state == SVC_STARTING || s->fsm.state == SVC_RUNNING ||
					       s->fsm.state == SVC_PAUSED || s->fsm.state == SVC_RESTARTING) &&
			    deps_verdict(s, why, sizeof(why)) == DEP_FAIL) {
				snprintf(s->error, sizeof(s->error), "%s", why);
				log_warn("%s: stopping: %s", s->spec->name, why);
				svc_event(s, FSM_DEP_FAILED, 0);
			}
		}
	} while (M.deps_again);
	M.in_deps = false;
}

static ssize_t svc_index(const char *name)
{
	for (size_t i = 0; i < M.n; i++)
		if (strcmp(M.v[i]->spec->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Can `from` reach unit `target` along After=/Requires= edges? */
static bool deps_reach(size_t from, size_t target, unsigned char *seen, size_t *stack)
{
	size_t top = 0;

	memset(seen, 0, M.n);
	stack[top++] = from;
	seen[from] = 1;
	while (top > 0) {
		struct svc *s = M.v[stack[--top]];
		char **l2[2] = { s->spec->after, s->spec->requires };

		for (int l = 0; l < 2; l++) {
			for (char **r = l2[l]; *r; r++) {
				ssize_t j = svc_index(*r);

				if (j < 0)
					continue;
				if ((size_t)j == target)
					return true;
				if (!seen[j]) {
					seen[j] = 1;
					stack[top++] = (size_t)j;
				}
			}
		}
	}
	return false;
}

/* Mark every unit that lies on a cycle of After=/Requires=: such units are
 * reported with the others on their cycle and never started. */
static void deps_check_cycles(void)
{
	unsigned char *seen = malloc(M.n ? M.n : 1);
	size_t *stack = malloc((M.n ? M.n : 1) * sizeof(*stack));

	if (!seen || !stack)
		goto out;
	for (size_t i = 0; i < M.n; i++)
		M.v[i]->in_cycle = deps_reach(i, i, seen, stack);
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		char names[SVC_ERROR_MAX - sizeof("dependency cycle: ")] = "";
		size_t off = 0;
		unsigned char *mine;

		if (!s->in_cycle)
			continue;
		/* the units of this cycle: those it reaches that reach it back */
		mine = calloc(M.n, 1);
		if (!mine)
			continue;
		(void)deps_reach(i, M.n, seen, stack);   /* seen = reachable from i */
		memcpy(mine, seen, M.n);
		for (size_t j = 0; j < M.n && off < sizeof(names) - 1; j++) {
			if (!mine[j] || !M.v[j]->in_cycle || !deps_reach(j, i, seen, stack))
				continue;
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? " " : "", M.v[j]->spec->name);
		}
		free(mine);
		snprintf(s->error, sizeof(s->error), "dependency cycle: %s", names);
		log_err("%s: not started: %s", s->spec->name, s->error);
	}
out:
	free(seen);
	free(stack);
}

size_t svc_verify(struct unit_diag *diag)
{
	size_t before = diag->n + diag->dropped;

	deps_check_cycles();
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];

		for (char **r = s->spec->requires; *r; r++)
			if (!svc_find(*r))
				unit_diag_add(diag, "%s: Requires=%s: no such unit", s->spec->path, *r);
		if (s->in_cycle)
			unit_diag_add(diag, "%s: %s", s->spec->path, s->error);
	}
	return diag->n + diag->dropped - before;
}

int svc_start(struct svc *s)
{
	char **pull[2] = { s->spec->wants, s->spec->requires };

	if (s->in_cycle) {
		s->fsm.result = FSM_RESULT_DEPENDENCY;
		return -ELOOP;
	}
	/* Wants= and Requires= bring their units up too */
	for (int l = 0; l < 2; l++) {
		for (char **r = pull[l]; *r; r++) {
			struct svc *d = svc_find(*r);

			if (!d) {
				if (l == 0)
					log_debug("%s: Wants=%s: no such unit", s->spec->name, *r);
				continue;
			}
			if (d != s && !d->fsm.want_up && !d->waiting &&
			    d->fsm.state != SVC_EXITED && d->fsm.state != SVC_FAILED)
				(void)svc_start(d);
		}
	}
	if (fsm_state_active(s->fsm.state) || s->fsm.state == SVC_STARTING)
		return 0;
	s->error[0] = '\0';
	s->waiting = true;
	deps_update();
	return 0;
}

int svc_stop(struct svc *s)
{
	s->waiting = false;
	svc_event(s, FSM_STOP, 0);
	return 0;
}

int svc_restart(struct svc *s)
{
	if (s->in_cycle)
		return -ELOOP;
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
	svc_event(s, FSM_PAUSE, 0);
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
	deps_check_cycles();
	/* every unit is wanted before any starts: one that gets ready at once
	 * must not make the boot look complete (READY=1, COMMAND) */
	for (size_t i = 0; i < M.n; i++)
		M.v[i]->waiting = !M.v[i]->in_cycle;
	deps_update();
}

void svc_stop_all(void)
{
	M.stopping_all = true;
	deps_update();
}

bool svc_all_down(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.v[i]->pid > 0)
			return false;
	return true;
}

bool svc_all_settled(void)
{
	for (size_t i = 0; i < M.n; i++) {
		enum svc_state st = M.v[i]->fsm.state;

		if (M.v[i]->waiting)
			return false;
		if (M.v[i]->fsm.want_up && st != SVC_RUNNING && st != SVC_EXITED &&
		    st != SVC_FAILED && st != SVC_PAUSED)
			return false;
	}
	return true;
}

bool svc_child_exited(pid_t pid, int status)
{
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		int st;

		if (s->pid != pid)
			continue;
		if (s->reaper_fd >= 0) {
			if (spawn_reaper_status(s->reaper_fd, &st) == 0)
				status = st;   /* the service's own status, not the reaper's */
			(void)close(s->reaper_fd);
			s->reaper_fd = -1;
		}
		s->pid = 0;
		s->main_pid = 0;
		s->have_exit = true;
		s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		s->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (s->exit_signal)
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
		svc_event(s, FSM_EXITED, status);
		if (s->removed && s->fsm.state != SVC_STOPPING && s->pid == 0) {
			svc_free(s);
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
	s->reaper_fd = -1;
	s->exit_code = -1;
	s->since = (int64_t)time(NULL);
	fsm_init(&s->fsm);
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
	s->timer.data = s;
	ev_io_init(&s->freeze_io, freeze_io_cb, -1, EV_READ);
	s->freeze_io.data = s;
	ev_timer_init(&s->freeze_poll, freeze_poll_cb, 0.01, 0.01);
	s->freeze_poll.data = s;
	s->freeze_want = -1;
	s->notify_fd = -1;
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
	v = realloc(M.v, (M.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	M.v = v;
	M.v[M.n++] = s;
	return 0;
}

/* Remove from the table and free; the unit must be down. */
static void svc_free(struct svc *s)
{
	if (M.hooks.gone)
		M.hooks.gone(s);
	for (size_t i = 0; i < M.n; i++) {
		if (M.v[i] == s) {
			memmove(&M.v[i], &M.v[i + 1], (M.n - i - 1) * sizeof(*M.v));
			M.n--;
			break;
		}
	}
	ev_timer_stop(M.loop, &s->timer);
	freeze_unwatch(s);
	notify_close(s);
	for (int i = 0; i < 2; i++)
		output_close(&s->out[i]);
	logbuf_free(&s->log);
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
	return 0;
}

static void log_diag(const struct unit_diag *diag, size_t from)
{
	for (size_t i = from; i < diag->n; i++)
		log_err("%s", diag->msgs[i]);
	if (diag->dropped)
		log_err("... and %zu more unit file errors", diag->dropped);
}

int svc_load(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	size_t from = diag->n;
	int r;

	r = unit_load_dir(M.cfg.units_dir, diag, &set);
	log_diag(diag, from);
	if (r < 0)
		return r;
	for (size_t i = 0; i < set.n; i++) {
		struct svc *s = svc_new(set.units[i]);

		if (!s || svc_add(s) < 0) {
			log_err("%s: unable to load: %s", set.units[i]->name, strerror(ENOMEM));
			free(s);
			unit_spec_free(set.units[i]);
		}
		set.units[i] = NULL;
	}
	set.n = 0;
	unit_set_free(&set);
	return 0;
}

static bool name_failed(char **failed, const char *name)
{
	for (char **f = failed; f && *f; f++)
		if (strcmp(*f, name) == 0)
			return true;
	return false;
}

int svc_reload(struct unit_diag *diag)
{
	struct unit_set set = { 0 };
	size_t from = diag->n;
	int r;

	r = unit_load_dir(M.cfg.units_dir, diag, &set);
	log_diag(diag, from);
	if (r < 0)
		return r;

	/* removed units: not in the new set, and not merely broken */
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];
		bool found = name_failed(set.failed, s->spec->name);

		for (size_t j = 0; !found && j < set.n; j++)
			found = strcmp(set.units[j]->name, s->spec->name) == 0;
		if (!found && !s->removed) {
			log_info("%s: removed", s->spec->name);
			s->removed = true;
			svc_event(s, FSM_STOP, 0);
		}
	}
	for (size_t i = M.n; i-- > 0;)
		if (M.v[i]->removed && M.v[i]->pid == 0)
			svc_free(M.v[i]);

	for (size_t j = 0; j < set.n; j++) {
		struct unit_spec *spec = set.units[j];
		struct svc *s = svc_find(spec->name);

		set.units[j] = NULL;
		if (!s) {
			s = svc_new(spec);
			if (!s || svc_add(s) < 0) {
				log_err("%s: unable to load: %s", spec->name, strerror(ENOMEM));
				free(s);
				unit_spec_free(spec);
				continue;
			}
			log_info("%s: new unit", spec->name);
			s->reload_start = true;
			continue;
		}
		s->removed = false;
		if (unit_spec_equal(s->spec, spec)) {
			unit_spec_free(spec);
			continue;
		}
		log_info("%s: changed, restarting", spec->name);
		unit_spec_free(s->next_spec);
		s->next_spec = spec;   /* svc_spawn() takes it up */
		if (s->pid > 0 || s->fsm.state == SVC_RESTARTING)
			svc_event(s, FSM_RESTART, 0);
		else
			s->reload_start = true;
	}
	deps_check_cycles();
	for (size_t i = 0; i < M.n; i++) {
		struct svc *s = M.v[i];

		/* new units, and changed ones that were down */
		if (s->reload_start && !s->in_cycle)
			(void)svc_start(s);
		s->reload_start = false;
	}
	set.n = 0;
	unit_set_free(&set);
	return diag->n > from ? -EINVAL : 0;
}

void svc_free_all(void)
{
	while (M.n > 0)
		svc_free(M.v[M.n - 1]);
	free(M.v);
	M.v = NULL;
}
