/* SPDX-License-Identifier: MIT */
/*
 * unit.c: unit files -> validated struct unit_spec. Parse first, act later:
 * nothing here touches the system beyond reading the files. This file holds
 * a spec's life (new, free, diagnostics) and the loading of files and
 * directories; the syntax is units/ini.c's, the keys units/keys.c's and the
 * values units/value.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "units/ini.h"
#include "units/keys.h"
#include "units/trigger.h"
#include "units/unit.h"
#include "units/value.h"

/* ---------------------------------------------------------------------- */
/* diagnostics                                                              */

void unit_diag_add(struct unit_diag *diag, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	int n;

	if (!diag)
		return;
	if (diag->n >= UNIT_DIAG_MAX && !diag->overflow) {
		diag->dropped++;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0 || diag->n >= UNIT_DIAG_MAX) {
		diag->dropped++;
		if (n >= 0) {
			diag->overflow(false, m);
			free(m);
		}
		return;
	}
	diag->msgs[diag->n++] = m;
}

void unit_diag_warn(struct unit_diag *diag, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	int n;

	if (!diag)
		return;
	if (diag->n_warns >= UNIT_DIAG_MAX && !diag->overflow) {
		diag->warns_dropped++;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0 || diag->n_warns >= UNIT_DIAG_MAX) {
		diag->warns_dropped++;
		if (n >= 0) {
			diag->overflow(true, m);
			free(m);
		}
		return;
	}
	diag->warns[diag->n_warns++] = m;
}

void unit_diag_free(struct unit_diag *diag)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->n && i < UNIT_DIAG_MAX; i++)
		free(diag->msgs[i]);
	for (size_t i = 0; i < diag->n_warns && i < UNIT_DIAG_MAX; i++)
		free(diag->warns[i]);
	memset(diag, 0, sizeof(*diag));
}

static int too_big(const char *path, struct unit_diag *diag)
{
	unit_diag_add(diag, "%s: file too large (more than %d bytes)", path, UNIT_FILE_MAX);
	return -EFBIG;
}

/* ---------------------------------------------------------------------- */
/* specs                                                                    */

/* Between unit_parse_new() and unit_parse_finish(). */
struct unit_parse_state {
	struct key_ctx kc;
};

static void parse_state_free(struct unit_spec *s)
{
	if (!s->parse)
		return;
	keys_ctx_fini(&s->parse->kc);
	free(s->parse);
	s->parse = NULL;
}

void unit_spec_free(struct unit_spec *s)
{
	if (!s)
		return;
	parse_state_free(s);
	trigger_free(s->trigger);
	free(s->path);
	unit_strv_free(s->sources);
	unit_strv_free(s->warnings);
	keys_cmds_free(s->exec_start, s->n_exec_start);
	for (int h = 0; h < UNIT_HOOK_MAX; h++)
		keys_cmds_free(s->hooks[h].v, s->hooks[h].n);
	free(s->pid_file);
	free(s->bus_name);
	unit_strv_free(s->pass_environment);
	unit_strv_free(s->unset_environment);
	unit_strv_free(s->alias);
	unit_strv_free(s->wanted_by);
	unit_strv_free(s->required_by);
	unit_strv_free(s->also);
	free(s->default_instance);
	free(s->description);
	unit_strv_free(s->after);
	unit_strv_free(s->requires);
	unit_strv_free(s->wants);
	unit_strv_free(s->conditions);
	unit_strv_free(s->asserts);
	unit_strv_free(s->before);
	unit_strv_free(s->binds_to);
	unit_strv_free(s->part_of);
	unit_strv_free(s->conflicts);
	unit_strv_free(s->requisite);
	unit_strv_free(s->upholds);
	unit_strv_free(s->on_failure);
	unit_strv_free(s->on_success);
	unit_strv_free(s->propagates_reload_to);
	unit_strv_free(s->reload_propagated_from);
	unit_strv_free(s->requires_mounts_for);
	unit_strv_free(s->environment);
	unit_strv_free(s->environment_files);
	free(s->working_directory);
	free(s->user);
	free(s->group);
	unit_strv_free(s->supplementary_groups);
	free(s->std_output.path);
	free(s->std_error.path);
	free(s->health.text);
	unit_strv_free(s->health.cmd.argv);
	free(s->hostname);
	free(s->root_directory);
	free(s->overlay_upper);
	for (size_t i = 0; i < s->n_binds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
	}
	free(s->binds);
	free(s->allowed_cpus);
	unit_strv_free(s->device_allow);
	unit_strv_free(s->ip_address_allow);
	unit_strv_free(s->ip_address_deny);
	unit_strv_free(s->syscall_filter);
	unit_strv_free(s->syscall_log);
	unit_strv_free(s->syscall_archs);
	free(s->seccomp.insns);
	unit_strv_free(s->sandbox.read_write_paths);
	unit_strv_free(s->sandbox.read_only_paths);
	unit_strv_free(s->sandbox.inaccessible_paths);
	unit_strv_free(s->sandbox.exec_paths);
	unit_strv_free(s->sandbox.no_exec_paths);
	unit_strv_free(s->sandbox.temporary_filesystem);
	unit_attrs_free(&s->attrs);
	unit_strv_free(s->delegate_controllers);
	free(s->apparmor_profile);
	free(s);
}

static int spec_new(const char *name, const char *path, struct unit_spec **ret)
{
	struct unit_spec *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (strlen(name) >= sizeof(s->name)) {
		free(s);
		return -EINVAL;
	}
	memcpy(s->name, name, strlen(name) + 1);
	s->path = path ? strdup(path) : NULL;
	s->sources = unit_strv_new();
	s->warnings = unit_strv_new();
	s->pass_environment = unit_strv_new();
	s->unset_environment = unit_strv_new();
	s->alias = unit_strv_new();
	s->wanted_by = unit_strv_new();
	s->required_by = unit_strv_new();
	s->also = unit_strv_new();
	if ((path && !s->path) || !s->sources || !s->warnings || !s->pass_environment ||
	    !s->unset_environment || !s->alias || !s->wanted_by || !s->required_by || !s->also) {
		unit_spec_free(s);
		return -ENOMEM;
	}
	s->description = strdup("");
	s->after = unit_strv_new();
	s->requires = unit_strv_new();
	s->wants = unit_strv_new();
	s->conditions = unit_strv_new();
	s->asserts = unit_strv_new();
	s->before = unit_strv_new();
	s->binds_to = unit_strv_new();
	s->part_of = unit_strv_new();
	s->conflicts = unit_strv_new();
	s->requisite = unit_strv_new();
	s->upholds = unit_strv_new();
	s->on_failure = unit_strv_new();
	s->on_success = unit_strv_new();
	s->propagates_reload_to = unit_strv_new();
	s->reload_propagated_from = unit_strv_new();
	s->requires_mounts_for = unit_strv_new();
	s->environment = unit_strv_new();
	s->environment_files = unit_strv_new();
	s->supplementary_groups = unit_strv_new();
	if (!s->description || !s->after || !s->requires || !s->wants ||
	    !s->conditions || !s->asserts || !s->before || !s->binds_to || !s->part_of || !s->conflicts ||
	    !s->requisite || !s->upholds || !s->on_failure || !s->on_success ||
	    !s->propagates_reload_to || !s->reload_propagated_from || !s->requires_mounts_for ||
	    !s->environment || !s->environment_files || !s->supplementary_groups) {
		unit_spec_free(s);
		return -ENOMEM;
	}
	s->type = UNIT_SIMPLE;
	s->restart = UNIT_RESTART_ON_FAILURE;
	s->restart_usec = 100 * USEC_PER_MSEC;
	s->restart_steps = 8;
	s->restart_max_usec = 30 * USEC_PER_SEC;
	s->start_limit_burst = 5;
	s->start_limit_interval_usec = 10 * USEC_PER_SEC;
	s->success_action = UNIT_ACTION_NONE;
	s->failure_action = UNIT_ACTION_NONE;
	s->timeout_start_usec = 90 * USEC_PER_SEC;
	s->timeout_stop_usec = 10 * USEC_PER_SEC;
	s->kill_signal = SIGTERM;
	s->guess_main_pid = true;
	s->kill_mode = UNIT_KILL_CONTROL_GROUP;
	s->final_kill_signal = SIGKILL;
	s->send_sigkill = true;
	s->capability_bounding_set = UINT64_MAX; /* not given: unchanged (full) */
	s->std_output.kind = UNIT_OUTPUT_LOG;
	s->std_error.kind = UNIT_OUTPUT_LOG;
	s->namespaces = UNIT_NS_DEFAULT;
	s->overlay = true;
	s->memory_max = UNIT_INFINITY;
	s->memory_high = UNIT_INFINITY;
	s->tasks_max = UNIT_INFINITY;
	s->health.interval_usec = 30 * USEC_PER_SEC;
	s->health.timeout_usec = 10 * USEC_PER_SEC;
	s->health.start_period_usec = 0;
	s->health.retries = 3;
	s->health.on_failure = UNIT_HEALTH_RESTART;
	s->health.ready_when_healthy = false;
	r = unit_attrs_init(&s->attrs);
	if (r < 0) {
		unit_spec_free(s);
		return r;
	}
	/* issue 16's keys: systemd's defaults */
	s->ignore_sigpipe = true;
	s->default_dependencies = true;
	s->oom_policy = UNIT_OOM_STOP;
	s->delegate_controllers = unit_strv_new();
	if (!s->delegate_controllers) {
		unit_spec_free(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int unit_parse_new(const struct unit_names *n, struct unit_spec **ret_spec)
{
	char base[UNIT_NAME_MAX + 16], full[UNIT_NAME_MAX + 16];
	struct unit_names names;
	struct unit_spec *spec = NULL;
	size_t len;
	int r;

	if (!ret_spec)
		return -EINVAL;
	*ret_spec = NULL;
	if (!n || !n->name || strlen(n->name) > UNIT_NAME_MAX + 8)
		return -EINVAL;
	len = strlen(n->name);
	if (len > 8 && strcmp(n->name + len - 8, ".service") == 0)
		len -= 8;
	snprintf(base, sizeof(base), "%.*s", (int)len, n->name);
	if (!unit_name_valid(base))
		return -EINVAL;
	snprintf(full, sizeof(full), "%s%s", n->name, strchr(n->name, '.') ? "" : ".service");
	r = spec_new(base, n->path, &spec);
	if (r < 0)
		return r;
	spec->parse = calloc(1, sizeof(*spec->parse));
	if (!spec->parse) {
		unit_spec_free(spec);
		return -ENOMEM;
	}
	{
		bool oom;

		spec->trigger = trigger_new(full, &oom);
		if (oom) {
			unit_spec_free(spec);
			return -ENOMEM;
		}
	}
	names = *n;
	names.name = full;
	r = keys_ctx_init(&spec->parse->kc, &names, spec);
	if (r < 0) {
		free(spec->parse);
		spec->parse = NULL;
		unit_spec_free(spec);
		return r;
	}
	*ret_spec = spec;
	return 0;
}

int unit_parse_text(struct unit_spec *s, const char *text, size_t len, const char *path,
		    struct unit_diag *diag)
{
	struct key_ctx *kc;
	unsigned before;
	char *p;
	int r;

	if (!s || !s->parse)
		return -EINVAL;
	kc = &s->parse->kc;
	if (!path)
		path = s->path ? s->path : "<string>";
	if (!text && len) {
		unit_diag_add(diag, "%s: no text", path);
		kc->errors++;
		return -EINVAL;
	}
	if (len > UNIT_FILE_MAX) {
		kc->errors++;
		return too_big(path, diag);
	}
	if (unit_strv_len(s->sources) >= UNIT_LIST_MAX) {
		unit_diag_add(diag, "%s: too many drop-ins (max %d)", path, UNIT_LIST_MAX);
		kc->errors++;
		return -E2BIG;
	}
	p = strdup(path);
	if (!p || unit_strv_push(&s->sources, p) < 0)
		goto oom;
	p = s->sources[unit_strv_len(s->sources) - 1];
	if (!s->path) {
		s->path = strdup(p);
		if (!s->path)
			goto oom;
	}
	if (!kc->names.path) {   /* %y: the main file */
		kc->names_buf[1] = strdup(p);
		if (!kc->names_buf[1])
			goto oom;
		kc->names.path = kc->names_buf[1];
	}
	kc->path = p;
	kc->diag = diag;
	before = kc->errors;
	r = unit_ini_parse(kc, text, len);
	if (r == -ENOMEM)
		goto oom;
	return kc->errors > before ? -EINVAL : 0;
oom:
	unit_diag_add(diag, "%s: %s", path, strerror(ENOMEM));
	kc->errors++;
	return -ENOMEM;
}

int unit_parse_finish(struct unit_spec *s, struct unit_diag *diag)
{
	struct key_ctx *kc;
	int r;

	if (!s || !s->parse)
		return -EINVAL;
	kc = &s->parse->kc;
	kc->diag = diag;
	kc->path = s->path ? s->path : "<string>";
	if (unit_strv_len(s->sources) == 0)
		keys_error(kc, 0, "no unit file");
	else
		keys_check(kc);
	r = kc->errors ? -EINVAL : 0;
	parse_state_free(s);
	return r;
}

int unit_load_string(const char *text, size_t len, const char *path, const char *name,
		     struct unit_diag *diag, struct unit_spec **ret_spec)
{
	struct unit_names names = { .name = name, .path = path };
	struct unit_spec *spec = NULL;
	int r;

	if (!ret_spec)
		return -EINVAL;
	*ret_spec = NULL;
	if (!path)
		path = names.path = "<string>";
	if (!text && len) {
		unit_diag_add(diag, "%s: no text", path);
		return -EINVAL;
	}
	if (!unit_name_valid(name)) {
		unit_diag_add(diag, "%s: invalid unit name \"%s\" (expected [A-Za-z0-9_.@-]{1,%d})",
			      path, name ? name : "", UNIT_NAME_MAX);
		return -EINVAL;
	}
	if (len > UNIT_FILE_MAX)
		return too_big(path, diag);
	r = unit_parse_new(&names, &spec);
	if (r == -ENOMEM)
		unit_diag_add(diag, "%s: %s", path, strerror(ENOMEM));
	if (r < 0)
		return r;
	r = unit_parse_text(spec, text, len, path, diag);
	if (r == -ENOMEM)
		goto out;
	r = unit_parse_finish(spec, diag);
	if (r < 0)
		goto out;
	*ret_spec = spec;
	spec = NULL;
out:
	unit_spec_free(spec);
	return r;
}

/* ---------------------------------------------------------------------- */
/* files and directories                                                    */

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Open dirfd/fname (symlinks followed, regular files only) and read at most
 * UNIT_FILE_MAX bytes into *ret_buf (malloc'd); display is the path in
 * messages. Every error is reported. */
static int read_at(int dirfd, const char *fname, const char *display, struct unit_diag *diag,
		   char **ret_buf, size_t *ret_len)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd = -1, r;

	*ret_buf = NULL;
	*ret_len = 0;
	/* look before opening: a FIFO or a device is never opened */
	if (fstatat(dirfd, fname, &st, 0) < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		unit_diag_add(diag, "%s: is %s, not a regular file", display, file_kind(st.st_mode));
		r = -EINVAL;
		goto out;
	}
	fd = openat(dirfd, fname, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) { /* replaced since fstatat */
		unit_diag_add(diag, "%s: is %s, not a regular file", display, file_kind(st.st_mode));
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > UNIT_FILE_MAX) {
		r = too_big(display, diag);
		goto out;
	}
	/* as large as the file, not as the limit: a reload reads every file */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	while (len < UNIT_FILE_MAX + 1) {
		ssize_t n;

		if (len == cap) {   /* it grew while we read: up to the limit */
			char *nb = realloc(buf, UNIT_FILE_MAX + 1);

			if (!nb) {
				r = -ENOMEM;
				unit_diag_add(diag, "%s: %s", display, strerror(-r));
				goto out;
			}
			buf = nb;
			cap = UNIT_FILE_MAX + 1;
		}
		n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			unit_diag_add(diag, "%s: %s", display, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > UNIT_FILE_MAX) {
		r = too_big(display, diag);
		goto out;
	}
	*ret_buf = buf;
	*ret_len = len;
	buf = NULL;
	r = 0;
out:
	free(buf);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

static int load_at(int dirfd, const char *fname, const char *display, const char *name,
		   struct unit_diag *diag, struct unit_spec **ret_spec)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	*ret_spec = NULL;
	r = read_at(dirfd, fname, display, diag, &buf, &len);
	if (r < 0)
		return r;
	r = unit_load_string(buf, len, display, name, diag, ret_spec);
	free(buf);
	return r;
}

int unit_parse_file(struct unit_spec *s, const char *path, struct unit_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (!s || !s->parse || !path)
		return -EINVAL;
	r = read_at(AT_FDCWD, path, path, diag, &buf, &len);
	if (r < 0) {
		s->parse->kc.errors++;
		return r;
	}
	r = unit_parse_text(s, buf, len, path, diag);
	free(buf);
	return r;
}

int unit_load_file(const char *path, const char *name, struct unit_diag *diag,
		   struct unit_spec **ret_spec)
{
	if (!ret_spec)
		return -EINVAL;
	*ret_spec = NULL;
	if (!path)
		return -EINVAL;
	if (!unit_name_valid(name)) {
		unit_diag_add(diag, "%s: invalid unit name \"%s\" (expected [A-Za-z0-9_.@-]{1,%d})",
			      path, name ? name : "", UNIT_NAME_MAX);
		return -EINVAL;
	}
	return load_at(AT_FDCWD, path, path, name, diag, ret_spec);
}

void unit_set_free(struct unit_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		unit_spec_free(set->units ? set->units[i] : NULL);
	free(set->units);
	unit_strv_free(set->failed);
	unit_strv_free(set->notes);
	memset(set, 0, sizeof(*set));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort names and keep the UNIT_MAX first; counts what was dropped. */
static void names_trim(char **names, size_t *n, size_t *dropped)
{
	qsort(names, *n, sizeof(char *), cmp_str);
	while (*n > UNIT_MAX) {
		free(names[--*n]);
		(*dropped)++;
	}
}

int unit_load_dir(const char *dir, struct unit_diag *diag, struct unit_set *ret_set)
{
	static const char suffix[] = ".service";
	const size_t slen = sizeof(suffix) - 1;
	struct unit_set set = { 0 };
	char **names = NULL;
	size_t n_names = 0, dropped = 0, n_failed = 0;
	bool reported = false;          /* an -ENOMEM already in diag */
	struct dirent *de;
	DIR *d = NULL;
	int dfd = -1, r;

	if (!ret_set)
		return -EINVAL;
	memset(ret_set, 0, sizeof(*ret_set));
	if (!dir)
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", dir, strerror(-r));
		goto out;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", dir, strerror(-r));
		goto out;
	}
	dfd = -1; /* owned by d now */
	/* Collect valid names; at most 2 * UNIT_MAX are held at a time, and the
	 * UNIT_MAX first in name order survive: deterministic and bounded. */
	names = malloc(2 * UNIT_MAX * sizeof(char *));
	if (!names) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t len;
		char *name;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				r = -errno;
				unit_diag_add(diag, "%s: %s", dir, strerror(-r));
				goto out;
			}
			break;
		}
		len = strlen(de->d_name);
		if (len < slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		name = strndup(de->d_name, len - slen);
		if (!name) {
			r = -ENOMEM;
			goto out;
		}
		if (!unit_name_valid(name)) {
			unit_diag_add(diag, "%s/%s: invalid unit name \"%s\" (expected "
				      "[A-Za-z0-9_.@-]{1,%d}), ignored", dir, de->d_name, name,
				      UNIT_NAME_MAX);
			free(name);
			continue;
		}
		names[n_names++] = name;
		if (n_names == 2 * UNIT_MAX)
			names_trim(names, &n_names, &dropped);
	}
	names_trim(names, &n_names, &dropped);
	if (dropped)
		unit_diag_add(diag, "%s: more than %d unit files: the last %zu in name order "
			      "are ignored", dir, UNIT_MAX, dropped);

	set.units = calloc(n_names ? n_names : 1, sizeof(*set.units));
	set.failed = calloc(n_names + 1, sizeof(*set.failed));
	if (!set.units || !set.failed) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		char fname[UNIT_NAME_MAX + sizeof(suffix)], *display = NULL;
		struct unit_spec *spec = NULL;

		snprintf(fname, sizeof(fname), "%s%s", names[i], suffix);
		if (asprintf(&display, "%s%s%s", dir,
			     dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", fname) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = load_at(dirfd(d), fname, display, names[i], diag, &spec);
		free(display);
		if (r == -ENOMEM) {
			reported = true;
			goto out;
		}
		if (r == 0) {
			set.units[set.n++] = spec;
		} else {
			set.failed[n_failed++] = names[i];
			names[i] = NULL;
		}
	}
	*ret_set = set;
	memset(&set, 0, sizeof(set));
	r = 0;
out:
	if (r == -ENOMEM && !reported)
		unit_diag_add(diag, "%s: %s", dir, strerror(ENOMEM));
	unit_set_free(&set);
	for (size_t i = 0; names && i < n_names; i++)
		free(names[i]);
	free(names);
	if (d)
		(void)closedir(d);
	if (dfd >= 0)
		(void)close(dfd);
	return r;
}
