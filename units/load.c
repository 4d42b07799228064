/* SPDX-License-Identifier: MIT */
/*
 * load.c: where units come from, as systemd.unit(5) describes it: the
 * search path (earlier directories win), symlinks (aliases, masks, linked
 * files, instances of a template), drop-ins and the default target's boot
 * set. Only reads the file system; parsing is units/unit.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "units/load.h"
#include "units/targets.h"
#include "units/unit.h"
#include "units/value.h"

#define LOAD_LINKS_MAX 32       /* symlink hops, as the kernel's 40, a little less */
#define LOAD_ALIAS_MAX 8        /* alias -> alias -> ... */
#define LOAD_DROPINS_MAX 128

static const char *const systemd_dirs[] = {
	"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system",
	"/usr/lib/systemd/system", NULL,
};

static const char *const unit_types[] = {
	".service", ".socket", ".target", ".device", ".mount", ".automount", ".swap", ".timer",
	".path", ".slice", ".scope", NULL,
};

struct sdir {
	char *path;             /* as read (root prefixed) */
	const char *root;       /* where absolute symlink targets point into ("" for /) */
	bool systemd;           /* systemd's defaults for what it holds */
};

/* What a name is on the search path. */
struct found {
	char name[UNIT_NAME_MAX + 16];  /* the unit's own (canonical) full name */
	char *file;                     /* its fragment, NULL: masked */
	char *link;                     /* the entry the name was found as */
	bool masked, systemd, aliased;
};

/* Full names -> a value, open addressing: the loader looks a name up per
 * visit and per dependency word, and a linear search there made loading
 * quadratic in units x edges (4000 units with 100 After= each: 8 s). */
struct names {
	char **key;             /* owned; NULL = empty */
	size_t *val;
	size_t cap, n;          /* cap a power of two, n < cap / 2 */
};

struct ld {
	const struct unit_load_config *cfg;
	struct unit_diag *diag;
	struct sdir dirs[UNIT_LOAD_DIRS_MAX + 8];
	size_t n_dirs;
	struct unit_spec **v;           /* loaded */
	size_t n, cap;
	struct names by_name;           /* full name or alias -> first index in v */
	struct names seen;              /* full names visited */
	char **todo;                    /* seen, not yet looked at: a work queue */
	size_t todo_at;                 /* the next one to look at */
	char **failed;
	char **notes;
	int err;                        /* -ENOMEM once out of memory */
};

/* ---- a name index ------------------------------------------------------------ */

static size_t names_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static size_t *names_get(const struct names *t, const char *key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = names_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->key[i])
			return NULL;
		if (strcmp(t->key[i], key) == 0)
			return &t->val[i];
	}
}

static void names_free(struct names *t)
{
	/* a table whose key array could not be allocated has none */
	for (size_t i = 0; t->key && i < t->cap; i++)
		free(t->key[i]);
	free(t->key);
	free(t->val);
	memset(t, 0, sizeof(*t));
}

/* key -> val unless key is there already (then *ret_old, if given, is its
 * value). 1 added, 0 there, -ENOMEM. */
static int names_add(struct names *t, const char *key, size_t val, size_t **ret_old)
{
	size_t *old = names_get(t, key), i;
	char *k;

	if (ret_old)
		*ret_old = old;
	if (old)
		return 0;
	if (2 * (t->n + 1) > t->cap) {
		struct names g = { .cap = t->cap ? 2 * t->cap : 64 };

		g.key = calloc(g.cap, sizeof(*g.key));
		g.val = calloc(g.cap, sizeof(*g.val));
		if (!g.key || !g.val) {
			names_free(&g);
			return -ENOMEM;
		}
		for (size_t j = 0; j < t->cap; j++) {
			if (!t->key[j])
				continue;
			for (i = names_hash(t->key[j]) & (g.cap - 1); g.key[i]; i = (i + 1) & (g.cap - 1))
				;
			g.key[i] = t->key[j];
			g.val[i] = t->val[j];
		}
		g.n = t->n;
		free(t->key);
		free(t->val);
		*t = g;
	}
	k = strdup(key);
	if (!k)
		return -ENOMEM;
	for (i = names_hash(key) & (t->cap - 1); t->key[i]; i = (i + 1) & (t->cap - 1))
		;
	t->key[i] = k;
	t->val[i] = val;
	t->n++;
	return 1;
}

/* ---- names ----------------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *unit_type_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && unit_types[i]; i++)
		if (strcmp(dot, unit_types[i]) == 0)
			return unit_types[i];
	return NULL;
}

/* "web" -> "web.service"; a name with a unit type suffix stays. */
static void full_name(const char *name, char *buf, size_t len)
{
	const char *sfx = unit_type_of(name) ? "" : ".service";
	size_t a = strnlen(name, len - 1), b = strlen(sfx);

	if (a + b >= len)
		b = len - 1 - a;
	memcpy(buf, name, a);
	memcpy(buf + a, sfx, b);
	buf[a + b] = '\0';
}

/* "foo@.service" */
static bool is_template(const char *full)
{
	const char *at = strchr(full, '@'), *dot = strrchr(full, '.');

	return at && dot && at + 1 == dot;
}

/* "foo@bar.service" */
static bool is_instance(const char *full)
{
	const char *at = strchr(full, '@'), *dot = strrchr(full, '.');

	return at && dot && at + 1 < dot;
}

/* "foo@bar.service" -> "foo@.service" */
static void template_of(const char *full, char *buf, size_t len)
{
	const char *at = strchr(full, '@'), *dot = strrchr(full, '.');

	snprintf(buf, len, "%.*s%s", (int)(at - full + 1), full, dot);
}

static void note(struct ld *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ld *l, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	if (!l->notes)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m || unit_strv_push(&l->notes, m) < 0)
		l->err = -ENOMEM;
}

/* ---- the search path --------------------------------------------------------- */

static int dirs_init(struct ld *l)
{
	const struct unit_load_config *c = l->cfg;
	const char *root = c->root && c->root[0] ? c->root : "";
	size_t rlen = strlen(root);

	while (rlen > 0 && root[rlen - 1] == '/')
		rlen--;
	for (size_t i = 0; c->dirs[i] && i < UNIT_LOAD_DIRS_MAX; i++) {
		l->dirs[l->n_dirs].path = strdup(c->dirs[i]);
		l->dirs[l->n_dirs].root = "";
		if (!l->dirs[l->n_dirs++].path)
			return -ENOMEM;
	}
	for (size_t i = 0; c->systemd && systemd_dirs[i]; i++) {
		struct sdir *d = &l->dirs[l->n_dirs];

		if (asprintf(&d->path, "%.*s%s", (int)rlen, root, systemd_dirs[i]) < 0) {
			d->path = NULL;
			return -ENOMEM;
		}
		d->root = root;
		d->systemd = true;
		l->n_dirs++;
	}
	return 0;
}

static void dirs_free(struct ld *l)
{
	for (size_t i = 0; i < l->n_dirs; i++)
		free(l->dirs[i].path);
	l->n_dirs = 0;
}

int unit_load_dirs(const struct unit_load_config *cfg, char ***ret)
{
	struct ld l = { .cfg = cfg };
	char **v = unit_strv_new();
	int r;

	*ret = NULL;
	r = v ? dirs_init(&l) : -ENOMEM;
	for (size_t i = 0; r == 0 && i < l.n_dirs; i++) {
		r = unit_strv_push(&v, l.dirs[i].path);
		l.dirs[i].path = NULL;
	}
	dirs_free(&l);
	if (r < 0) {
		unit_strv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

/* Follow the symlinks of path inside root, as systemctl --root does: an
 * absolute target is taken below root. *ret_real is what to open (NULL:
 * masked, the chain reached /dev/null), *ret_base the file name at the end
 * of the chain. Returns 0 or -errno (a loop, a dangling link). */
static int follow(const char *root, const char *path, char **ret_real, char *ret_base,
		  size_t base_len)
{
	char *real = strdup(path), *logical;
	int r = -ELOOP;

	*ret_real = NULL;
	if (!real)
		return -ENOMEM;
	logical = strdup(path + strlen(root));
	if (!logical) {
		free(real);
		return -ENOMEM;
	}
	for (int hop = 0; hop < LOAD_LINKS_MAX; hop++) {
		char target[PATH_MAX], *nreal = NULL, *nlog = NULL, *slash;
		struct stat st;
		ssize_t n;

		if (strcmp(logical, "/dev/null") == 0) {
			r = 0;
			free(real);
			real = NULL;
			break;
		}
		if (lstat(real, &st) < 0) {
			r = -errno;
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			r = S_ISREG(st.st_mode) ? 0 : -EISDIR;
			break;
		}
		n = readlink(real, target, sizeof(target) - 1);
		if (n < 0) {
			r = -errno;
			break;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			if (asprintf(&nreal, "%s%s", root, target) < 0)
				nreal = NULL;
			nlog = strdup(target);
		} else {
			slash = strrchr(real, '/');
			if (asprintf(&nreal, "%.*s%s", slash ? (int)(slash - real + 1) : 0, real,
				     target) < 0)
				nreal = NULL;
			slash = strrchr(logical, '/');
			if (asprintf(&nlog, "%.*s%s", slash ? (int)(slash - logical + 1) : 0, logical,
				     target) < 0)
				nlog = NULL;
		}
		free(real);
		free(logical);
		real = nreal;
		logical = nlog;
		if (!real || !logical) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && logical) {
		const char *b = strrchr(logical, '/');

		snprintf(ret_base, base_len, "%s", b ? b + 1 : logical);
		*ret_real = real;
		real = NULL;
	}
	free(real);
	free(logical);
	return r;
}

static void found_clear(struct found *f)
{
	free(f->file);
	free(f->link);
	memset(f, 0, sizeof(*f));
}

/* Where is the unit named full? 0 and *f, -ENOENT, -ENOMEM. */
static int lookup(struct ld *l, const char *full, struct found *f, int depth)
{
	char tmpl[UNIT_NAME_MAX + 16];
	int r;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < l->n_dirs; i++) {
		char *p = NULL, *real = NULL, base[NAME_MAX + 1] = "";
		struct stat st;

		if (asprintf(&p, "%s/%s", l->dirs[i].path, full) < 0)
			return -ENOMEM;
		if (lstat(p, &st) < 0) {
			free(p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			unit_diag_add(l->diag, "%s: is a directory, not a regular file", p);
			free(p);
			continue;
		}
		r = follow(l->dirs[i].root, p, &real, base, sizeof(base));
		if (r == -ENOMEM) {
			free(p);
			return r;
		}
		if (r < 0) {
			unit_diag_add(l->diag, "%s: %s", p, r == -ELOOP ? "too many levels of "
				      "symbolic links" : r == -EISDIR ? "not a regular file" :
				      "dangling symbolic link");
			free(p);
			continue;
		}
		f->link = p;
		f->systemd = l->dirs[i].systemd;
		snprintf(f->name, sizeof(f->name), "%s", full);
		if (!real) {
			f->masked = true;
			return 0;
		}
		if (strcmp(base, full) == 0 ||
		    (is_template(base) && is_instance(full) &&
		     strncmp(base, full, (size_t)(strchr(base, '@') - base + 1)) == 0)) {
			f->file = real;   /* the file itself, linked, or an instance's template */
			return 0;
		}
		/* an alias: the unit is what the link names (an instance of a
		 * template keeps its instance) */
		{
			char target[UNIT_NAME_MAX + 16];
			struct found g;
			int n;

			if (is_template(base) && is_instance(full)) {
				const char *at = strchr(full, '@'), *dot = strrchr(full, '.');

				n = snprintf(target, sizeof(target), "%.*s%.*s%s",
					     (int)(strchr(base, '@') - base + 1), base,
					     (int)(dot - at - 1), at + 1, strrchr(base, '.'));
			} else {
				n = snprintf(target, sizeof(target), "%s", base);
			}
			if (n < 0 || (size_t)n >= sizeof(target)) {
				/* no unit has so long a name: never a cut one
				 * that could be another unit's */
				f->file = real;
				return 0;
			}
			if (depth < LOAD_ALIAS_MAX && lookup(l, target, &g, depth + 1) == 0 &&
			    !g.masked) {
				free(real);
				free(g.link);
				f->file = g.file;
				f->systemd = g.systemd;
			} else {
				if (depth < LOAD_ALIAS_MAX)
					found_clear(&g);
				f->file = real;
			}
			snprintf(f->name, sizeof(f->name), "%s", target);
			f->aliased = true;
		}
		return 0;
	}
	if (is_instance(full)) {
		template_of(full, tmpl, sizeof(tmpl));
		r = lookup(l, tmpl, f, depth + 1);
		if (r < 0)
			return r;
		snprintf(f->name, sizeof(f->name), "%s", full);
		f->aliased = false;
		return 0;
	}
	return -ENOENT;
}

/* ---- drop-ins ------------------------------------------------------------------ */

struct dropin {
	char *base;
	char *path;     /* NULL: masked */
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->base, ((const struct dropin *)b)->base);
}

/* NAME.d/ *.conf of one directory into v (a name seen already is masked by
 * the earlier directory). */
static int dropins_dir(struct ld *l, const struct sdir *sd, const char *dname, struct dropin *v,
		       size_t *n)
{
	char *dir = NULL;
	struct dirent *de;
	DIR *d;

	if (asprintf(&dir, "%s/%s", sd->path, dname) < 0)
		return -ENOMEM;
	d = opendir(dir);
	if (!d) {
		free(dir);
		return 0;
	}
	while ((de = readdir(d))) {
		char *p = NULL, *real = NULL, base[NAME_MAX + 1];
		bool dup = false;

		if (!has_suffix(de->d_name, ".conf") || de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = strcmp(v[i].base, de->d_name) == 0;
		if (dup)
			continue;
		if (*n >= LOAD_DROPINS_MAX) {
			unit_diag_add(l->diag, "%s/%s: too many drop-ins (max %d)", dir, de->d_name,
				      LOAD_DROPINS_MAX);
			break;
		}
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			break;
		if (follow(sd->root, p, &real, base, sizeof(base)) < 0) {
			unit_diag_add(l->diag, "%s: dangling symbolic link or not a regular file", p);
			free(p);
			continue;
		}
		v[*n].base = strdup(de->d_name);
		v[*n].path = real ? p : NULL;
		if (!real)
			free(p);
		free(real);
		(*n)++;
	}
	closedir(d);
	free(dir);
	return 0;
}

/* Apply the drop-ins of unit full in systemd's order: its own NAME.d over
 * the search path, then its template's, then "service.d"; sorted by file
 * name, the first of a name winning. */
static int dropins_apply(struct ld *l, struct unit_spec *s, const char *full)
{
	char names[3][UNIT_NAME_MAX + 24];
	struct dropin v[LOAD_DROPINS_MAX];
	size_t n = 0, nn = 0;
	const char *type = unit_type_of(full);
	int r = 0;

	snprintf(names[nn++], sizeof(names[0]), "%s.d", full);
	if (is_instance(full)) {
		template_of(full, names[nn], sizeof(names[0]) - 2);
		strcat(names[nn++], ".d");
	}
	if (type)
		snprintf(names[nn++], sizeof(names[0]), "%s.d", type + 1);
	for (size_t k = 0; k < nn && r == 0; k++)
		for (size_t i = 0; i < l->n_dirs && r == 0; i++)
			r = dropins_dir(l, &l->dirs[i], names[k], v, &n);
	qsort(v, n, sizeof(*v), cmp_dropin);
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && v[i].path) {
			int q = unit_parse_file(s, v[i].path, l->diag);

			if (q == -ENOMEM)
				r = q;
			note(l, "%s: drop-in %s applied", s->path, v[i].path);
		}
		free(v[i].base);
		free(v[i].path);
	}
	return r;
}

/* ---- units ----------------------------------------------------------------------- */

static int parse_unit(struct ld *l, const struct found *f, struct unit_diag *diag,
		      struct unit_spec **ret)
{
	struct unit_names names = { .name = f->name, .path = f->file };
	struct unit_diag *saved = l->diag;
	struct unit_spec *s = NULL;
	int r;

	*ret = NULL;
	r = unit_parse_new(&names, &s);
	if (r < 0) {
		unit_diag_add(diag, "%s: invalid unit name \"%s\"", f->file, f->name);
		return r;
	}
	s->systemd = f->systemd;
	if (f->systemd) {
		/* systemd's defaults (systemd.exec(5), systemd.service(5)) */
		s->namespaces = 0;
		s->restart = UNIT_RESTART_NO;
		s->timeout_stop_usec = 90 * 1000000ULL;
		s->overlay = false;
	}
	l->diag = diag;
	r = unit_parse_file(s, f->file, diag);
	if (r != -ENOMEM)
		r = dropins_apply(l, s, f->name);
	l->diag = saved;
	if (r == -ENOMEM) {
		unit_spec_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* full (NAME.service) names position in l->v: the first loaded unit with
 * that name or alias. */
static int index_name(struct ld *l, const char *full, size_t pos)
{
	size_t *old;
	int r = names_add(&l->by_name, full, pos, &old);

	if (r == 0 && *old > pos)
		*old = pos;
	return r < 0 ? r : 0;
}

static struct unit_spec *loaded(struct ld *l, const char *full)
{
	size_t *at = names_get(&l->by_name, full);

	return at ? l->v[*at] : NULL;
}

static int add_alias(struct unit_spec *s, const char *full)
{
	char *a;

	if (unit_strv_contains(s->alias, full))
		return 0;
	a = strdup(full);
	return a ? unit_strv_push(&s->alias, a) : -ENOMEM;
}

static void visit(struct ld *l, const char *name);

static void visit_list(struct ld *l, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		visit(l, v[i]);
}

/* NAME.wants/ and NAME.requires/ of every directory; for a unit s, each link
 * is also a Wants= or Requires= of s, as systemd.unit(5) says. */
static void visit_wants(struct ld *l, const char *full, struct unit_spec *s)
{
	static const char *const sfx[] = { "wants", "requires" };

	for (size_t i = 0; i < l->n_dirs; i++) {
		for (size_t k = 0; k < 2; k++) {
			char *dir = NULL;
			struct dirent *de;
			char **names;
			DIR *d;

			if (asprintf(&dir, "%s/%s.%s", l->dirs[i].path, full, sfx[k]) < 0) {
				l->err = -ENOMEM;
				return;
			}
			d = opendir(dir);
			free(dir);
			if (!d)
				continue;
			names = unit_strv_new();
			while (names && (de = readdir(d)))
				if (de->d_name[0] != '.' && unit_type_of(de->d_name)) {
					char *c = strdup(de->d_name);

					if (!c || unit_strv_push(&names, c) < 0)
						l->err = -ENOMEM;
				}
			closedir(d);
			for (char **n = names; s && n && *n && !l->err; n++) {
				char ***deps = k ? &s->requires : &s->wants, *c;

				if (unit_strv_contains(*deps, *n))   /* "x.service" or "x": rewritten later */
					continue;
				c = strdup(*n);
				if (c && has_suffix(c, ".service"))   /* as the parser keeps them */
					c[strlen(c) - strlen(".service")] = '\0';
				if (!c || unit_strv_push(deps, c) < 0)
					l->err = -ENOMEM;
			}
			visit_list(l, names);
			unit_strv_free(names);
		}
	}
}

/* A target: process-less; what it pulls in is visited. */
static void visit_target(struct ld *l, const char *full)
{
	struct unit_diag quiet = { .n = 0 };
	struct unit_spec *s = NULL;
	struct found f;

	if (lookup(l, full, &f, 0) < 0) {
		visit_wants(l, full, NULL);
		return;    /* a well-known target with no file: reached */
	}
	if (f.masked) {
		/* as systemd: a masked unit pulls nothing in, not even what a
		 * .wants/ directory of its name lists */
		note(l, "%s: masked", f.link);
		found_clear(&f);
		return;
	}
	visit_wants(l, full, NULL);
	if (parse_unit(l, &f, &quiet, &s) == 0) {
		visit_list(l, s->wants);
		visit_list(l, s->requires);
	}
	unit_spec_free(s);
	unit_diag_free(&quiet);
	found_clear(&f);
}

static int push_spec(struct ld *l, struct unit_spec *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct unit_spec **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	{
		char full[UNIT_NAME_MAX + 16];
		int r;

		full_name(s->name, full, sizeof(full));
		r = index_name(l, full, l->n);
		for (char **a = s->alias; r == 0 && a && *a; a++)
			r = index_name(l, *a, l->n);
		if (r < 0)
			return r;
	}
	l->v[l->n++] = s;
	return 0;
}

/* Queue a name once: the pull-ins are walked by visit_all, not by recursion
 * (a chain of Wants= as long as a unit directory allows costs no stack). */
static void visit(struct ld *l, const char *name)
{
	char full[UNIT_NAME_MAX + 16];
	char *q;

	if (l->err || strlen(name) > UNIT_NAME_MAX + 8)
		return;
	full_name(name, full, sizeof(full));
	switch (names_add(&l->seen, full, 0, NULL)) {
	case 0:
		return;
	case 1:
		break;
	default:
		l->err = -ENOMEM;
		return;
	}
	q = strdup(full);
	if (!q || unit_strv_push(&l->todo, q) < 0)
		l->err = -ENOMEM;
}

static void visit_one(struct ld *l, const char *full)
{
	struct unit_spec *s = NULL, *have;
	struct found f;
	size_t *at;
	char *c;
	int r;

	if (has_suffix(full, ".target")) {
		visit_target(l, full);
		return;
	}
	if (!has_suffix(full, ".service") && !has_suffix(full, ".socket") &&
	    !has_suffix(full, ".timer"))
		return;    /* mounts, paths, ...: not run by svcinit */
	r = lookup(l, full, &f, 0);
	if (r == -ENOMEM)
		l->err = r;
	if (r < 0)
		return;    /* a Requires= on it is reported by the dependency check */
	if (f.masked) {
		note(l, "%s: masked", f.link);
		found_clear(&f);
		return;
	}
	if (f.aliased)
		note(l, "%s: alias of %s", f.link, f.name);
	at = names_get(&l->by_name, f.name);
	have = at ? l->v[*at] : NULL;
	if (have) {
		if (strcmp(f.name, full) != 0 &&
		    (add_alias(have, full) < 0 || index_name(l, full, *at) < 0))
			l->err = -ENOMEM;
		found_clear(&f);
		return;
	}
	if (is_template(f.name) && !l->cfg->all) {
		found_clear(&f);
		return;    /* a template runs as its instances only */
	}
	r = parse_unit(l, &f, l->diag, &s);
	if (r == 0 && strcmp(f.name, full) != 0)
		r = add_alias(s, full);
	if (r == 0 && names_add(&l->seen, f.name, 0, NULL) < 0)
		r = -ENOMEM;
	if (r == 0 && unit_parse_finish(s, l->diag) < 0) {
		char base[UNIT_NAME_MAX + 16];

		snprintf(base, sizeof(base), "%s", s->name);
		unit_spec_free(s);
		s = NULL;
		c = strdup(base);
		r = c ? unit_strv_push(&l->failed, c) : -ENOMEM;
	} else if (r == 0) {
		r = push_spec(l, s);
		if (r == 0) {
			for (char **a = s->alias; *a; a++)
				if (strcmp(*a, full) != 0 && !names_get(&l->seen, *a))
					note(l, "%s: alias %s", s->path, *a);
			visit_wants(l, f.name, s);
			visit_list(l, s->wants);
			visit_list(l, s->requires);
			visit_list(l, s->binds_to);   /* they pull too */
			visit_list(l, s->upholds);
		} else {
			unit_spec_free(s);
		}
	} else {
		unit_spec_free(s);
	}
	if (r == -ENOMEM)
		l->err = r;
	found_clear(&f);
}

/* Look at every queued name, and at what each pulls in, in order. */
static void visit_all(struct ld *l)
{
	while (!l->err && l->todo && l->todo[l->todo_at])
		visit_one(l, l->todo[l->todo_at++]);
}

/* Every NAME.service entry of a directory, sorted: seeds. */
static int dir_names(struct ld *l, const char *dir, bool required, bool templates, char ***ret)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n;
	int r = 0;

	*ret = NULL;
	if (!d) {
		r = -errno;
		if (required || r != -ENOENT)
			unit_diag_add(l->diag, "%s: %s", dir, strerror(-r));
		return required ? r : 0;
	}
	v = unit_strv_new();
	while (v && (de = readdir(d))) {
		char *c;

		size_t sfx = has_suffix(de->d_name, ".service") ? 8 :
			     has_suffix(de->d_name, ".socket") ? 7 : has_suffix(de->d_name, ".timer") ? 6 : 0;

		if (!sfx)
			continue;
		if (!templates && is_template(de->d_name))
			continue;
		{
			char base[NAME_MAX + 1];

			snprintf(base, sizeof(base), "%.*s", (int)(strlen(de->d_name) - sfx), de->d_name);
			if (!unit_name_valid(base)) {
				unit_diag_add(l->diag, "%s/%s: invalid unit name \"%s\" (expected "
					      "[A-Za-z0-9_.@-]{1,%d}), ignored", dir, de->d_name, base,
					      UNIT_NAME_MAX);
				continue;
			}
		}
		if (unit_strv_len(v) >= UNIT_MAX) {
			unit_diag_add(l->diag, "%s: more than %d unit files: the rest are ignored",
				      dir, UNIT_MAX);
			break;
		}
		c = strdup(de->d_name);
		if (!c || unit_strv_push(&v, c) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	closedir(d);
	if (!v)
		r = -ENOMEM;
	if (r < 0) {
		unit_strv_free(v);
		return r;
	}
	n = unit_strv_len(v);
	for (size_t i = 1; i < n; i++)   /* insertion sort: deterministic order */
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*ret = v;
	return 0;
}

/* Dependencies as svcinit's graph knows them: aliases by their unit's
 * name; targets (reached) and types svcinit does not run dropped. */
static int deps_rewrite(struct ld *l, char ***list)
{
	char **v = unit_strv_new();

	if (!v)
		return -ENOMEM;
	for (char **p = *list; *p; p++) {
		char full[UNIT_NAME_MAX + 16], *c;
		const struct unit_spec *t;

		full_name(*p, full, sizeof(full));
		if (!has_suffix(full, ".service"))
			continue;
		t = loaded(l, full);
		c = strdup(t ? t->name : *p);
		if (!c || (!unit_strv_contains(v, c) ? unit_strv_push(&v, c) : (free(c), 0)) < 0) {
			unit_strv_free(v);
			return -ENOMEM;
		}
	}
	unit_strv_free(*list);
	*list = v;
	return 0;
}

static int spec_deps_rewrite(struct ld *l, struct unit_spec *s)
{
	char ***lists[] = {
		&s->after, &s->requires, &s->wants, &s->before, &s->binds_to, &s->part_of,
		&s->conflicts, &s->requisite, &s->upholds, &s->on_failure, &s->on_success,
		&s->propagates_reload_to, &s->reload_propagated_from,
	};
	int r = 0;

	for (size_t i = 0; r == 0 && i < sizeof(lists) / sizeof(lists[0]); i++)
		r = deps_rewrite(l, lists[i]);
	return r;
}

static int cmp_spec(const void *a, const void *b)
{
	return strcmp((*(struct unit_spec *const *)a)->name, (*(struct unit_spec *const *)b)->name);
}

static void ld_free(struct ld *l)
{
	for (size_t i = 0; i < l->n; i++)
		unit_spec_free(l->v[i]);
	free(l->v);
	names_free(&l->seen);
	names_free(&l->by_name);
	unit_strv_free(l->todo);
	unit_strv_free(l->failed);
	unit_strv_free(l->notes);
	dirs_free(l);
}

int unit_load_all(const struct unit_load_config *cfg, struct unit_diag *diag,
		  struct unit_set *ret_set)
{
	struct ld l = { .cfg = cfg, .diag = diag };
	size_t n_native = 0;
	int r;

	memset(ret_set, 0, sizeof(*ret_set));
	l.todo = unit_strv_new();
	l.failed = unit_strv_new();
	l.notes = unit_strv_new();
	r = l.todo && l.failed && l.notes ? dirs_init(&l) : -ENOMEM;
	if (r < 0)
		goto out;
	while (cfg->dirs[n_native] && n_native < UNIT_LOAD_DIRS_MAX)
		n_native++;
	/* svcinit's own: every .service in them; one that does not exist is an
	 * error (reported by dir_names) and the other sources still load */
	for (size_t i = 0; i < n_native && !l.err; i++) {
		char **names = NULL;

		r = dir_names(&l, l.dirs[i].path, true, false, &names);
		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0)
			goto out;
		visit_list(&l, names);
		unit_strv_free(names);
		visit_all(&l);
	}
	if (cfg->systemd) {
		visit(&l, cfg->target ? cfg->target : "multi-user.target");
		/* basic.target's, also where no file of it is installed (an image
		 * without systemd): what deb-systemd-helper enabled there */
		visit(&l, "sockets.target");
		visit(&l, "timers.target");
		visit_all(&l);
		for (size_t i = n_native; cfg->all && i < l.n_dirs && !l.err; i++) {
			char **names = NULL;

			r = dir_names(&l, l.dirs[i].path, false, true, &names);
			if (r < 0)
				goto out;
			visit_list(&l, names);
			unit_strv_free(names);
			visit_all(&l);
		}
	}
	r = l.err;
	if (r == 0) {
		/* orders through targets, DefaultDependencies= (units/targets.h):
		 * before the rewrite drops the targets */
		size_t dropped = 0;

		r = unit_targets_order(l.v, l.n, &dropped);
		if (r == 0 && dropped)
			note(&l, "units: %zu orders through targets left out (more than %d After= "
			     "in a unit)", dropped, UNIT_LIST_MAX);
	}
	for (size_t i = 0; r == 0 && i < l.n; i++)
		r = spec_deps_rewrite(&l, l.v[i]);
	if (r < 0)
		goto out;
	if (l.n)   /* qsort(NULL, 0) is undefined */
		qsort(l.v, l.n, sizeof(*l.v), cmp_spec);
	ret_set->units = l.v;
	ret_set->n = l.n;
	ret_set->failed = l.failed;
	ret_set->notes = l.notes;
	l.v = NULL;
	l.n = 0;
	l.failed = l.notes = NULL;
out:
	if (r == -ENOMEM)
		unit_diag_add(diag, "units: %s", strerror(ENOMEM));
	ld_free(&l);
	return r;
}

int unit_load_one(const struct unit_load_config *cfg, const char *name, struct unit_diag *diag,
		  struct unit_spec **ret_spec)
{
	struct ld l = { .cfg = cfg, .diag = diag };
	char full[UNIT_NAME_MAX + 16];
	struct unit_spec *s = NULL;
	struct found f = { .file = NULL };
	int r;

	*ret_spec = NULL;
	if (!name || strlen(name) > UNIT_NAME_MAX + 8)
		return -EINVAL;
	full_name(name, full, sizeof(full));
	if (!has_suffix(full, ".service") || is_template(full))
		return -ENOENT;
	r = dirs_init(&l);
	if (r == 0)
		r = lookup(&l, full, &f, 0);
	if (r == 0 && f.masked)
		r = -ESHUTDOWN;
	if (r == 0)
		r = parse_unit(&l, &f, diag, &s);
	if (r == 0 && strcmp(f.name, full) != 0)
		r = add_alias(s, full);
	if (r == 0)
		r = unit_parse_finish(s, diag);
	if (r == 0)
		r = spec_deps_rewrite(&l, s);
	if (r == 0) {
		*ret_spec = s;
		s = NULL;
	}
	unit_spec_free(s);
	found_clear(&f);
	dirs_free(&l);
	return r;
}
