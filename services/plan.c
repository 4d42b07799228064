/* SPDX-License-Identifier: MIT */
/*
 * plan.c: the exec plan, parent side of a spawn: the environment, the
 * identity (resolved at load), the capability sets (libcap, here, so that
 * the child only calls capset), the lookup of the program. Everything the
 * child needs is computed here; spawn.c runs it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/plan.h"
#include "services/userns.h"
#include "units/sandbox.h"
#include "services/seccomp.h"

#define PLAN_ENVFILE_MAX   (64 * 1024)
#define PLAN_DEFAULT_PATH  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define PLAN_NOLOGIN       "/usr/sbin/nologin"   /* $SHELL of a DynamicUser= (Debian's path) */

/* How svcinit opens a path a unit chose (StandardOutput=file:/append:,
 * StandardError= likewise, EnvironmentFile=): with the unit's file-system
 * identity (path_open_as), so that what the unit's user can write is never
 * followed by root; non-blocking; then the type checked with fstat (types:
 * S_IF* bits allowed, e.g. S_IFREG). Returns the fd (O_NONBLOCK still set)
 * or -errno: -EINVAL for a wrong type. */
int plan_open(const struct unit_spec *spec, const char *path, int flags, unsigned types)
{
	struct path_ident pi;
	struct stat st;
	int fd;

	plan_ident_paths(&spec->ident, &pi);
	fd = path_open_as(&pi, AT_FDCWD, path, flags, 0644, 0);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !((st.st_mode & S_IFMT) == S_IFREG ? types & S_IFREG :
				    S_ISFIFO(st.st_mode) ? types & S_IFIFO :
				    S_ISCHR(st.st_mode) ? types & S_IFCHR : 0)) {
		(void)close(fd);
		return -EINVAL;
	}
	return fd;
}

/* ---- environment --------------------------------------------------------- */

void plan_env_fini(struct plan_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	e->n = 0;
	e->v[0] = NULL;
}

/* Set "K=V" (copied), replacing an earlier K. */
int plan_env_put(struct plan_env *e, const char *kv)
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
	if (e->n >= PLAN_ENV_MAX) {
		free(c);
		return -E2BIG;
	}
	e->v[e->n++] = c;
	e->v[e->n] = NULL;
	return 0;
}

/* UnsetEnvironment=: "K" removes K, "K=V" removes K only with that value. */
static void env_unset(struct plan_env *e, const char *what)
{
	size_t klen = strcspn(what, "=");

	for (size_t i = 0; i < e->n;) {
		bool match = what[klen] ? strcmp(e->v[i], what) == 0 :
			strncmp(e->v[i], what, klen) == 0 && e->v[i][klen] == '=';

		if (!match) {
			i++;
			continue;
		}
		free(e->v[i]);
		memmove(&e->v[i], &e->v[i + 1], (e->n - i) * sizeof(e->v[0]));
		e->n--;
	}
}

int plan_env_putf(struct plan_env *e, const char *fmt, ...)
{
	va_list ap;
	char *kv;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&kv, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = plan_env_put(e, kv);
	free(kv);
	return r;
}

/* EnvironmentFile=: KEY=VALUE lines, '#' and ';' comments, optional quotes
 * around the value, "export " prefix tolerated. */
static int env_read_file(const struct unit_spec *spec, struct plan_env *e, const char *path, char *err,
			 size_t errlen)
{
	char *buf = NULL, *line, *save = NULL;
	ssize_t n = 0;
	int fd, r = 0;

	/* a regular file only: a FIFO or a device could block the read */
	fd = plan_open(spec, path, O_RDONLY, S_IFREG);
	if (fd < 0) {
		snprintf(err, errlen, "EnvironmentFile=%s: %s", path,
			 fd == -EINVAL ? "not a regular file" : strerror(-fd));
		return fd;
	}
	buf = malloc(PLAN_ENVFILE_MAX + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	/* bounded: at most PLAN_ENVFILE_MAX + 1 bytes are read */
	while (n <= PLAN_ENVFILE_MAX) {
		ssize_t k = read(fd, buf + n, (size_t)(PLAN_ENVFILE_MAX + 1 - n));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			snprintf(err, errlen, "EnvironmentFile=%s: %s", path, strerror(-r));
			goto out;
		}
		if (k == 0)
			break;
		n += k;
	}
	if (n > PLAN_ENVFILE_MAX) {
		r = -EFBIG;
		snprintf(err, errlen, "EnvironmentFile=%s: file too large", path);
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
		r = plan_env_put(e, line);
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

/* Name service lookups (getpwnam, getgrouplist: files, LDAP, sssd...) can
 * take long; they run here, once per load or reload of a unit file, never
 * when a unit starts. A failed lookup is a warning now and the unit's start
 * error later. */

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

/* DynamicUser='s name: User=, else the unit's name when it is a valid
 * user name ([A-Za-z_][A-Za-z0-9_-]*, at most 31), else "_du" and a hash
 * of it (systemd.exec(5)). */
static void dynamic_user_name(const struct unit_spec *spec, char *buf, size_t size)
{
	const char *n = spec->user ? spec->user : spec->name;
	size_t len = strlen(n);
	bool ok = len > 0 && len <= 31 && !(n[0] >= '0' && n[0] <= '9') && n[0] != '-';
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; ok && i < len; i++)
		ok = (n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		     (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == '-';
	if (ok || spec->user) {
		snprintf(buf, size, "%s", n);
		return;
	}
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)n[i]) * 1099511628211ull;
	snprintf(buf, size, "_du%016llx", (unsigned long long)h);
}

static int resolve_ident(const struct unit_spec *spec, struct unit_ident *id, char *err, size_t errlen)
{
	unsigned long n;
	int r;

	memset(id, 0, sizeof(*id));
	if (!spec->user && !spec->group && !spec->supplementary_groups[0] && !spec->dynamic_user)
		return 0;
	id->set = true;
	snprintf(id->home, sizeof(id->home), "/");
	snprintf(id->shell, sizeof(id->shell), "/bin/sh");
	if (spec->dynamic_user) {
		/* DynamicUser=: User= names it, else the unit's name; a static
		 * user of that name is used as it is (systemd.exec(5)) */
		char name[sizeof(id->user)];
		struct passwd *pw;

		dynamic_user_name(spec, name, sizeof(name));
		errno = 0;
		pw = parse_id(name, &n) == 0 ? NULL : getpwnam(name);
		if (!pw) {
			id->dynamic = id->dynamic_gid = true;
			snprintf(id->user, sizeof(id->user), "%s", name);
			snprintf(id->shell, sizeof(id->shell), "%s", PLAN_NOLOGIN);
			if (spec->group) {
				if (resolve_group(spec->group, &id->gid) == 0)
					id->dynamic_gid = false;   /* a static group */
			}
			goto supplementary;
		}
	}
	if (spec->user || spec->dynamic_user) {
		const char *uname = spec->user ? spec->user : id->user;
		struct passwd *pw;

		if (!spec->user) {   /* DynamicUser= of a unit whose name is a static user */
			char name[sizeof(id->user)];

			dynamic_user_name(spec, name, sizeof(name));
			snprintf(id->user, sizeof(id->user), "%s", name);
			uname = id->user;
		}
		errno = 0;
		pw = parse_id(uname, &n) == 0 ? getpwuid((uid_t)n) : getpwnam(uname);
		if (pw) {
			id->uid = pw->pw_uid;
			id->gid = pw->pw_gid;
			snprintf(id->user, sizeof(id->user), "%s", pw->pw_name);
			snprintf(id->home, sizeof(id->home), "%s", pw->pw_dir);
			snprintf(id->shell, sizeof(id->shell), "%s", pw->pw_shell);
			id->n_groups = UNIT_IDENT_GROUPS_MAX;
			if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &id->n_groups) < 0)
				id->n_groups = 0;
		} else if (parse_id(uname, &n) == 0) {
			id->uid = (uid_t)n;   /* a bare number need not be in passwd */
			id->gid = (gid_t)n;
			snprintf(id->user, sizeof(id->user), "%lu", n);
		} else {
			snprintf(err, errlen, "User=%s: no such user", uname);
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
supplementary:
	for (char **g = spec->supplementary_groups; *g; g++) {
		if (id->n_groups >= UNIT_IDENT_GROUPS_MAX) {
			snprintf(err, errlen, "SupplementaryGroups=: more than %d groups",
				 UNIT_IDENT_GROUPS_MAX);
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

/* At load and reload: fill spec->ident, or its error (logged here). */
void plan_ident_load(struct unit_spec *spec)
{
	char err[sizeof(spec->ident.error)] = "";

	if (resolve_ident(spec, &spec->ident, err, sizeof(err)) < 0) {
		memset(&spec->ident, 0, sizeof(spec->ident));
		snprintf(spec->ident.error, sizeof(spec->ident.error), "%s", err);
		log_warn("%s: %s", spec->name, err);
	}
	spec->ident.resolved = true;
	seccomp_unit_compile(spec);   /* compiled here, once per load: a start only points at it */
}

/* The identity paths are opened with on the unit's behalf. */
void plan_ident_paths(const struct unit_ident *id, struct path_ident *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!id->set || (id->uid == 0 && id->gid == 0 && id->n_groups == 0))
		return;   /* root: svcinit's own */
	ret->set = true;
	ret->uid = id->uid;
	ret->gid = id->gid;
	ret->n_groups = (size_t)id->n_groups;
	memcpy(ret->groups, id->groups, ret->n_groups * sizeof(gid_t));
}

/* ---- the plan -------------------------------------------------------------- */

int plan_env_init(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen)
{
	const struct unit_ident *idp = &spec->ident;
	int r;

	env->n = 0;
	env->v[0] = NULL;
	r = plan_env_putf(env, "PATH=%s", PLAN_DEFAULT_PATH);
	if (r < 0)
		goto fail_errno;
	if (idp->error[0]) {
		snprintf(err, errlen, "%s", idp->error);
		return -ESRCH;
	}
	if (spec->user || spec->dynamic_user) {
		if ((r = plan_env_putf(env, "HOME=%s", idp->home)) < 0 ||
		    (r = plan_env_putf(env, "USER=%s", idp->user)) < 0 ||
		    (r = plan_env_putf(env, "LOGNAME=%s", idp->user)) < 0 ||
		    (r = plan_env_putf(env, "SHELL=%s", idp->shell)) < 0)
			goto fail_errno;
	}
	for (char **p = spec->pass_environment; p && *p; p++) {   /* svcinit's own */
		const char *v = getenv(*p);

		if (v && (r = plan_env_putf(env, "%s=%s", *p, v)) < 0)
			goto fail_errno;
	}
	for (char **f = spec->environment_files; *f; f++) {
		bool optional = **f == '-';

		r = env_read_file(spec, env, optional ? *f + 1 : *f, err, errlen);
		if (r == -ENOENT && optional)
			continue;
		if (r < 0)
			return r;
	}
	return 0;
fail_errno:
	snprintf(err, errlen, "prepare: %s", strerror(-r));
	return r;
}

int plan_env_add_unit(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen)
{
	int r;

	for (char **e = spec->environment; *e; e++) {
		r = plan_env_put(env, *e);
		if (r < 0) {
			snprintf(err, errlen, "prepare: %s", strerror(-r));
			return r;
		}
	}
	for (char **u = spec->unset_environment; u && *u; u++)
		env_unset(env, *u);
	return 0;
}

/* ExecStart= number cmd (several only for Type=oneshot). */
static const struct unit_cmd *plan_cmd(const struct unit_spec *spec, size_t cmd)
{
	static const struct unit_cmd none = { NULL, NULL, 0 };

	return cmd < spec->n_exec_start ? &spec->exec_start[cmd] : &none;
}

int plan_cmd_find(const struct unit_spec *spec, const struct unit_cmd *c,
		  const struct plan_env *env, char **ret_path, char *err, size_t errlen)
{
	const char *prog = c->path ? c->path : c->argv ? c->argv[0] : NULL;
	int r = 0, root_fd = -1;

	if (!prog) {
		snprintf(err, errlen, "execute: no command");
		return -ENOENT;
	}
	/* '+' runs outside the sandbox: on the host's root */
	if (spec->root_directory && (spec->namespaces & UNIT_NS_MNT) &&
	    !(c->flags & UNIT_CMD_PRIVILEGED)) {
		struct path_ident pi;

		/* as rootfs_plan_new resolved it: with the unit's identity */
		plan_ident_paths(&spec->ident, &pi);
		root_fd = path_open_as(&pi, AT_FDCWD, spec->root_directory, O_PATH | O_DIRECTORY, 0, 0);
		r = root_fd;
	}
	if (r >= 0)
		r = spawn_find_exec(prog, env->v, root_fd, ret_path);
	if (root_fd >= 0)
		(void)close(root_fd);
	if (r < 0)
		snprintf(err, errlen, "execute %s: %s", prog,
			 r == -ENOENT ? "command not found" : strerror(-r));
	return r < 0 ? r : 0;
}

int plan_exec_find(const struct unit_spec *spec, size_t cmd, const struct plan_env *env,
		   char **ret_path, char *err, size_t errlen)
{
	const struct unit_cmd *c = plan_cmd(spec, cmd);
	struct unit_cmd c0 = { spec->argv, NULL, 0 };

	return plan_cmd_find(spec, c->argv ? c : &c0, env, ret_path, err, errlen);
}

/* Ambient capabilities must be permitted and inheritable after the uid
 * switch; the bounding set limits what can be raised. libcap computes the
 * sets here; the child only calls capset(2). */
static int plan_caps(const struct unit_spec *spec, struct exec_plan *plan)
{
	const struct unit_ident *idp = &spec->ident;
	cap_t caps = idp->set && idp->uid != 0 ? cap_init() : cap_get_proc();
	int r = 0;

	if (!caps)
		return -errno;
	for (int c = 0; c <= 63; c++) {
		cap_value_t cv = (cap_value_t)c;

		if (!(spec->ambient_capabilities & (1ULL << c)) ||
		    !(plan->cap_supported & (1ULL << c)))
			continue;
		if (cap_set_flag(caps, CAP_PERMITTED, 1, &cv, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_EFFECTIVE, 1, &cv, CAP_SET) < 0 ||
		    cap_set_flag(caps, CAP_INHERITABLE, 1, &cv, CAP_SET) < 0) {
			r = -errno;
			goto out;
		}
	}
	for (int c = 0; c <= 63; c++) {
		cap_flag_value_t v;

		if (!(plan->cap_supported & (1ULL << c)))
			continue;
		if (cap_get_flag(caps, (cap_value_t)c, CAP_PERMITTED, &v) == 0 && v)
			plan->cap_permitted |= 1ULL << c;
		if (cap_get_flag(caps, (cap_value_t)c, CAP_EFFECTIVE, &v) == 0 && v)
			plan->cap_effective |= 1ULL << c;
		if (cap_get_flag(caps, (cap_value_t)c, CAP_INHERITABLE, &v) == 0 && v)
			plan->cap_inheritable |= 1ULL << c;
	}
	plan->set_caps = true;
out:
	cap_free(caps);
	return r;
}

bool plan_apparmor_enabled(void)
{
	static int enabled = -1;   /* read once: the LSM does not come and go */

	if (enabled < 0) {
		char c = 0;
		int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

		enabled = fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
		if (fd >= 0)
			(void)close(fd);
	}
	return enabled > 0;
}

int plan_cmd_init(const struct unit_spec *spec, const struct unit_cmd *c,
		  const struct plan_env *env, char *path, struct exec_plan *plan, char ***ret_xargv,
		  char *err, size_t errlen)
{
	const struct unit_ident *idp = &spec->ident;
	char **argv = c->argv;
	bool privileged = c->flags & UNIT_CMD_PRIVILEGED;
	int r;

	*ret_xargv = NULL;
	memset(plan, 0, sizeof(*plan));
	plan->path = path;
	/* $VAR and ${VAR}, from the final environment (systemd.service(5)) */
	if (c->flags & UNIT_CMD_NO_EXPAND) {
		plan->argv = argv;
	} else {
		r = unit_exec_expand(argv, env->v, ret_xargv);
		if (r < 0) {
			snprintf(err, errlen, "prepare: %s", strerror(-r));
			return r;
		}
		plan->argv = *ret_xargv;
	}
	plan->envp = env->v;
	plan->cwd = spec->working_directory;
	/* '!' and '!!': User=/Group= not applied; '+': root, no sandbox */
	plan->set_ids = idp->set && !(c->flags & (UNIT_CMD_PRIVILEGED | UNIT_CMD_NO_SETUID |
						  UNIT_CMD_AMBIENT));
	plan->uid = idp->uid;
	plan->gid = idp->gid;
	plan->groups = idp->groups;
	plan->n_groups = (size_t)idp->n_groups;
	plan->cgroup_fd = -1;
	plan->join_pidfd = -1;
	plan->ignore_sigpipe = spec->ignore_sigpipe;   /* '+' too, as systemd */
	if (privileged)
		return 0;
	/* AppArmorProfile=: as systemd, ignored where AppArmor is not enabled;
	 * sandboxing, so not for '+' */
	if (spec->apparmor_profile && plan_apparmor_enabled()) {
		plan->apparmor_optional = spec->apparmor_profile[0] == '-';
		plan->apparmor_profile = spec->apparmor_profile + plan->apparmor_optional;
	}
	if (spec->namespaces)
		plan->clone_flags = rootfs_clone_flags(spec->namespaces);
	plan->no_new_privs = spec->no_new_privileges;
	plan->drop_bounding = spec->capability_bounding_set_given;
	plan->bounding_set = spec->capability_bounding_set;
	plan->ambient_set = plan->set_ids ? spec->ambient_capabilities : 0;
	if (unit_sandbox_caps_dropped(spec)) {   /* PrivateDevices=, ProtectClock=, ... */
		plan->drop_bounding = true;
		plan->bounding_set = (spec->capability_bounding_set_given ?
				      spec->capability_bounding_set : ~UINT64_C(0)) &
				     ~unit_sandbox_caps_dropped(spec);
	}
	if (unit_sandbox_implies_nnp(spec))
		plan->no_new_privs = true;
	if (spec->namespaces & UNIT_NS_USER) {
		/* PrivateUsers= alone: systemd's map; Namespaces=user: a range */
		bool pu = spec->sandbox.private_users && (spec->sandbox.ns_added & UNIT_NS_USER);

		plan->userns = true;
		r = userns_maps(spec->name, pu, idp->set ? idp->uid : 0, idp->set ? idp->gid : 0,
				plan->uid_map, plan->gid_map, sizeof(plan->uid_map));
		if (r < 0) {
			snprintf(err, errlen, "map user namespace: %s", r == -ENOSPC ?
				 "every uid range is taken (see svcinit --userns-range)" :
				 strerror(-r));
			return r;
		}
		if (pu && idp->set) {   /* other groups are not mapped */
			plan->groups = &plan->gid;
			plan->n_groups = 1;
		}
	}
	plan->cap_supported = spawn_caps_supported();
	attrs_plan(spec, &plan->attrs);
	if (plan->ambient_set) {
		r = plan_caps(spec, plan);
		if (r < 0) {
			snprintf(err, errlen, "prepare capabilities: %s", strerror(-r));
			return r;
		}
	}
	return seccomp_unit_plan(spec, plan, err, errlen);   /* after ids and capabilities */
}

int plan_exec_init(const struct unit_spec *spec, size_t cmd, const struct plan_env *env,
		   char *path, struct exec_plan *plan, char ***ret_xargv, char *err, size_t errlen)
{
	const struct unit_cmd *c = plan_cmd(spec, cmd);
	struct unit_cmd c0 = { spec->argv, NULL, 0 };

	return plan_cmd_init(spec, c->argv ? c : &c0, env, path, plan, ret_xargv, err, errlen);
}
