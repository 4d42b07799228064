/* SPDX-License-Identifier: MIT */
/*
 * cgroup.c: a unit's cgroup. cgroup v2 first; on a hybrid host every
 * controller that v2 lacks is used through its v1 hierarchy.
 *
 * Hierarchies are found in /proc/self/mountinfo (its root field maps a
 * cgroup path, as /proc/self/cgroup shows it, to a directory even when only a
 * subtree is mounted), never by assuming /sys/fs/cgroup/<name>.
 *
 * Nothing here exits or asserts: functions return 0 or -errno, and what only
 * degrades (a controller missing, a v1 hierarchy not writable) is logged by
 * cg_init or reported as a warning string by cg_unit_apply.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "init/log.h"
#include "services/cgroup.h"
#include "services/path.h"

/* The controllers svcinit uses. CTL_IO is "io" in v2, "blkio" in v1. */
enum { CTL_MEMORY, CTL_PIDS, CTL_CPU, CTL_CPUACCT, CTL_CPUSET, CTL_IO, CTL_FREEZER, CTL_N };
#define CTL_BIT(c) (1u << (c))

static const char *const ctl_v1_name[CTL_N] = {
	"memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer",
};
/* v2 controller names; NULL: covered by a core file of every v2 cgroup
 * (cpu.stat for cpuacct, cgroup.freeze for freezer) */
static const char *const ctl_v2_name[CTL_N] = {
	"memory", "pids", "cpu", NULL, "cpuset", "io", NULL,
};

#define CG_V1_MAX       CTL_N   /* a controller lives in one hierarchy at most */
#define CG_MOUNTS_MAX   64      /* cgroup mounts considered */
#define CG_KILL_ROUNDS  8       /* read-and-kill rounds without cgroup.kill */
#define CG_TREE_DEPTH   16      /* sub-cgroups a service made, walked this deep */
#define CG_RMDIR_MS     200     /* how long cg_unit_free waits for dying tasks */
#define CG_FREEZE_MS    50      /* how long a SIGKILL waits for the freeze */

struct cg_hier {
	char *mount;     /* mount point */
	char *root;      /* the hierarchy path mounted there ("/" normally) */
	char *base;      /* base path in the hierarchy, "" for its root */
	char *base_dir;  /* mount + base */
	char *own_dir;   /* where svcinit was at start (v2 only), or NULL */
	char *created;   /* topmost directory cg_init created for base, or NULL */
	unsigned ctls;   /* CTL_BITs used through this hierarchy (v1) */
};

struct cg_ctx {
	bool have_v2;
	struct cg_hier v2;
	unsigned v2_ctls;        /* enabled in <base>/cgroup.subtree_control */
	unsigned v2_enabled;     /* the part of v2_ctls that cg_init enabled */
	bool v2_freeze;          /* cgroup.freeze exists (kernel >= 5.2) */
	bool v2_cpustat;         /* core cpu.stat exists */
	char *scope_dir;         /* <base>/init.scope when svcinit moved in */

	struct cg_hier v1[CG_V1_MAX];
	size_t n_v1;
	int v1_of[CTL_N];        /* index in v1[] of a controller used through v1, or -1 */
};

struct cg_unit {
	struct cg_ctx *ctx;
	char *path;              /* "<base>/NAME.service" */
	char *v2_dir;            /* NULL without v2 */
	int v2_fd;
	bool v2_kill;            /* cgroup.kill exists (kernel >= 5.14) */
	char *v1_dir[CG_V1_MAX]; /* parallel to ctx->v1[] */
	int v1_procs[CG_V1_MAX];
	int inotify_fd;
};

/* ---- small helpers ------------------------------------------------------ */

static char *str_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = malloc(la + lb + 1);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

static char *path_join(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

static void msleep(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read a whole (small or large) file into a malloc'ed NUL-terminated buffer. */
static int read_alloc(const char *path, char **ret)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 >= cap) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > 64 * 1024 * 1024) {
				r = -EFBIG;
				goto out;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

/* Read dir/file into buf (NUL-terminated, truncated to size - 1). */
static int cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	char *p = path_join(dir, file);
	size_t len = 0;
	int fd, r = 0;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - len - 1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return r;
}

static int cg_write(const char *dir, const char *file, const char *val)
{
	char *p = path_join(dir, file);
	size_t len = strlen(val);
	ssize_t n;
	int fd, r = 0;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	free(p);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

static bool cg_exists(const char *dir, const char *file)
{
	char *p = path_join(dir, file);
	bool ok;

	if (!p)
		return false;
	ok = access(p, F_OK) == 0;
	free(p);
	return ok;
}

/* "key value" lines (cgroup.events, cpu.stat): the value of key. */
static int kv_get(const char *text, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			char *end;

			errno = 0;
			*ret = strtoull(p + kl + 1, &end, 10);
			if (errno || end == p + kl + 1)
				return -EINVAL;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

static int cg_read_kv(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	int r = cg_read(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	return kv_get(buf, key, ret);
}

static int cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64], *end;
	int r = cg_read(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* Is word one of the whitespace separated words of list? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == wl && strncmp(p, word, n) == 0)
			return true;
		p += n;
	}
	return false;
}

static unsigned v2_ctls_of(const char *list)
{
	unsigned m = 0;

	for (int c = 0; c < CTL_N; c++)
		if (ctl_v2_name[c] && has_word(list, ctl_v2_name[c]))
			m |= CTL_BIT(c);
	return m;
}

/* "cpu,cpuacct" or mount options "rw,relatime,cpu,cpuacct": our CTL_BITs */
static unsigned v1_ctls_of(const char *list)
{
	unsigned m = 0;
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ",");

		for (int c = 0; c < CTL_N; c++)
			if (strlen(ctl_v1_name[c]) == n && strncmp(p, ctl_v1_name[c], n) == 0)
				m |= CTL_BIT(c);
		p += n;
		if (*p == ',')
			p++;
	}
	return m;
}

/* The directory of cgroup path (normalized, "" = root) in a hierarchy
 * mounted at mount with mount root mroot; NULL if the path is outside. */
static char *hier_dir(const char *mount, const char *mroot, const char *path)
{
	size_t rl;

	if (strcmp(mroot, "/") == 0)
		return str_cat(mount, path);
	rl = strlen(mroot);
	if (strncmp(path, mroot, rl) != 0 || (path[rl] != '\0' && path[rl] != '/')) {
		errno = ENOENT;
		return NULL;
	}
	return str_cat(mount, path + rl);
}

/* v1 cpuset: a new cgroup has empty cpuset.cpus/mems and no task may join
 * until they are set: copy the parent's. */
static int cpuset_v1_fill(const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], buf[4096];
	const char *slash = strrchr(dir, '/');
	int r;

	if (!slash || (size_t)(slash - dir) >= sizeof(parent))
		return -EINVAL;
	memcpy(parent, dir, (size_t)(slash - dir));
	parent[slash - dir] = '\0';
	for (size_t i = 0; i < 2; i++) {
		r = cg_read(dir, files[i], buf, sizeof(buf));
		if (r < 0)
			return r;
		if (buf[strspn(buf, " \n")] != '\0')
			continue;   /* already set */
		r = cg_read(parent, files[i], buf, sizeof(buf));
		if (r < 0)
			return r;
		if (buf[strspn(buf, " \n")] == '\0')
			continue;   /* parent empty too: nothing to copy */
		r = cg_write(dir, files[i], buf);
		if (r < 0)
			return r;
	}
	return 0;
}

/* mkdir -p of rel (normalized, "" = nothing) below mount. *ret_created is
 * the topmost directory created (malloc'ed) or NULL. */
static int mkdir_below(const char *mount, const char *rel, bool cpuset, char **ret_created)
{
	char *path = str_cat(mount, rel);
	size_t ml = strlen(mount);
	int r = 0;

	*ret_created = NULL;
	if (!path)
		return -ENOMEM;
	if (rel[0] == '\0') {
		free(path);
		return 0;
	}
	for (size_t i = ml + 1; ; i++) {
		char c = path[i];

		if (c != '/' && c != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (!*ret_created) {
				*ret_created = strdup(path);
				if (!*ret_created) {
					r = -ENOMEM;
					path[i] = c;
					break;
				}
			}
			if (cpuset) {
				r = cpuset_v1_fill(path);
				if (r < 0) {
					path[i] = c;
					break;
				}
			}
		} else if (errno != EEXIST) {
			r = -errno;
			path[i] = c;
			break;
		}
		path[i] = c;
		if (c == '\0')
			break;
	}
	free(path);
	return r;
}

/* rmdir dir after its sub-cgroups (depth-bounded). */
static int rmdir_tree(const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;

	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EBUSY && errno != ENOTEMPTY) || depth <= 0)
		return -errno;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *sub;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = path_join(dir, e->d_name);
		if (sub)
			(void)rmdir_tree(sub, depth - 1);
		free(sub);
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* ---- pid lists -------------------------------------------------------------- */

struct pidvec {
	pid_t *v;
	size_t n, cap;
};

static int pidvec_add(struct pidvec *pv, pid_t pid)
{
	if (pv->n == pv->cap) {
		size_t cap = pv->cap ? pv->cap * 2 : 64;
		pid_t *nv = realloc(pv->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pv->v = nv;
		pv->cap = cap;
	}
	pv->v[pv->n++] = pid;
	return 0;
}

static bool pidvec_has(const struct pidvec *pv, pid_t pid)
{
	for (size_t i = 0; i < pv->n; i++)
		if (pv->v[i] == pid)
			return true;
	return false;
}

/* The processes of dir and of its sub-cgroups. */
static int collect_pids(const char *dir, struct pidvec *pv, int depth)
{
	char *p = path_join(dir, "cgroup.procs"), *text = NULL, *s;
	DIR *d;
	struct dirent *e;
	int r;

	if (!p)
		return -ENOMEM;
	r = read_alloc(p, &text);
	free(p);
	if (r < 0)
		return r;
	for (s = text; *s; ) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s)
			break;
		if (v > 0 && (r = pidvec_add(pv, (pid_t)v)) < 0)
			break;
		s = end + strspn(end, "\n");
	}
	free(text);
	if (r < 0 || depth <= 0)
		return r;
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *sub;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = path_join(dir, e->d_name);
		if (!sub) {
			r = -ENOMEM;
			break;
		}
		(void)collect_pids(sub, pv, depth - 1);
		free(sub);
	}
	closedir(d);
	return r;
}

/* ---- discovery ------------------------------------------------------------- */

struct mnt_ent {
	char *point;
	char *root;
	bool v2;
	unsigned ctls;
};

struct proc_cg {
	bool have_v2;
	char *v2;                  /* path in the v2 hierarchy */
	unsigned mask[CG_V1_MAX];  /* v1 hierarchies svcinit is in, by our controllers */
	char *path[CG_V1_MAX];
	size_t n;
};

/* mountinfo escapes ' ', '\t', '\n', '\\' as \ooo */
static void unescape_octal(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static int parse_mountinfo(struct mnt_ent *ents, size_t max, size_t *ret_n)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0, n = 0;
	int r = 0;

	if (!f)
		return -errno;
	while (n < max && getline(&line, &cap, f) > 0) {
		char *fld[64], *save = NULL, *t;
		size_t nf = 0, sep = 0;
		unsigned ctls = 0;
		bool v2;

		for (t = strtok_r(line, " \n", &save); t && nf < 64; t = strtok_r(NULL, " \n", &save))
			fld[nf++] = t;
		for (size_t i = 6; i < nf; i++)
			if (strcmp(fld[i], "-") == 0) {
				sep = i;
				break;
			}
		if (!sep || sep + 1 >= nf)
			continue;
		v2 = strcmp(fld[sep + 1], "cgroup2") == 0;
		if (!v2) {
			if (strcmp(fld[sep + 1], "cgroup") != 0 || sep + 3 >= nf)
				continue;
			ctls = v1_ctls_of(fld[sep + 3]);
			if (!ctls)
				continue;   /* name=systemd, devices, net_cls, ... */
		}
		unescape_octal(fld[3]);
		unescape_octal(fld[4]);
		ents[n].root = strdup(fld[3]);
		ents[n].point = strdup(fld[4]);
		ents[n].v2 = v2;
		ents[n].ctls = ctls;
		if (!ents[n].root || !ents[n].point) {
			free(ents[n].root);
			free(ents[n].point);
			r = -ENOMEM;
			break;
		}
		n++;
	}
	free(line);
	fclose(f);
	*ret_n = n;
	return r;
}

static int parse_proc_cgroup(struct proc_cg *pc)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL;
	size_t cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *c1 = strchr(line, ':'), *c2, *nl;
		unsigned mask;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c1 = *c2 = '\0';
		nl = strchr(c2 + 1, '\n');
		if (nl)
			*nl = '\0';
		if (strcmp(line, "0") == 0 && c1[1] == '\0') {
			free(pc->v2);
			pc->v2 = strdup(c2 + 1);
			if (!pc->v2) {
				r = -ENOMEM;
				break;
			}
			pc->have_v2 = true;
			continue;
		}
		mask = v1_ctls_of(c1 + 1);
		if (!mask || pc->n >= CG_V1_MAX)
			continue;
		pc->path[pc->n] = strdup(c2 + 1);
		if (!pc->path[pc->n]) {
			r = -ENOMEM;
			break;
		}
		pc->mask[pc->n++] = mask;
	}
	free(line);
	fclose(f);
	return r;
}

static void hier_clear(struct cg_hier *h)
{
	free(h->mount);
	free(h->root);
	free(h->base);
	free(h->base_dir);
	free(h->own_dir);
	free(h->created);
	memset(h, 0, sizeof(*h));
}

/* The base of a hierarchy: the given one, or where svcinit is (its own
 * init.scope counts as its parent: svcinit restarted in place). */
static char *base_for(const char *given, const char *own)
{
	char *b;
	size_t l;

	if (given)
		return path_normalize(given);
	if (!own)
		return path_normalize("/");
	b = path_normalize(own);
	if (!b)
		return NULL;
	l = strlen(b);
	if (l >= 11 && strcmp(b + l - 11, "/init.scope") == 0)
		b[l - 11] = '\0';
	return b;
}

/* Is a cgroup fs still what is seen at m (not shadowed by a later mount)? */
static bool mount_usable(const struct mnt_ent *m)
{
	struct statfs sf;

	if (statfs(m->point, &sf) < 0)
		return false;
	return m->v2 ? sf.f_type == CGROUP2_SUPER_MAGIC : sf.f_type == CGROUP_SUPER_MAGIC;
}

/* Fill h from mount entry m for base. Does not create anything. */
static int hier_setup(struct cg_hier *h, const struct mnt_ent *m, const char *base)
{
	h->mount = strdup(m->point);
	h->root = strdup(m->root);
	h->base = strdup(base);
	if (!h->mount || !h->root || !h->base)
		return -ENOMEM;
	h->base_dir = hier_dir(h->mount, h->root, h->base);
	if (!h->base_dir)
		return -errno;
	return 0;
}

static void v2_setup(struct cg_ctx *ctx, const struct mnt_ent *ents, size_t n_ents,
		     const struct proc_cg *pc, const char *given)
{
	static const int order[] = { CTL_MEMORY, CTL_PIDS, CTL_CPU, CTL_IO, CTL_CPUSET };
	struct cg_hier *h = &ctx->v2;
	char buf[1024], *base = NULL, *own = NULL;
	const struct mnt_ent *m = NULL;
	unsigned avail, before;
	int r;

	if (!pc->have_v2)
		return;
	base = base_for(given, pc->v2);
	own = path_normalize(pc->v2);   /* NULL ("/.." outside a cgroup ns): no way back */
	if (!base)
		goto out;
	for (size_t i = 0; i < n_ents && !m; i++) {
		char *d;

		if (!ents[i].v2 || !mount_usable(&ents[i]))
			continue;
		d = hier_dir(ents[i].point, ents[i].root, base);
		if (d)
			m = &ents[i];
		free(d);
	}
	if (!m)
		goto out;   /* no v2 mount, or svcinit's cgroup is not under it */
	r = hier_setup(h, m, base);
	if (r < 0)
		goto fail;
	h->own_dir = own ? hier_dir(h->mount, h->root, own) : NULL;
	r = mkdir_below(h->mount, h->base_dir + strlen(h->mount), false, &h->created);
	if (r < 0) {
		log_warn("cgroup: cannot create %s: %s; cgroup v2 not used", h->base_dir, strerror(-r));
		goto fail;
	}
	ctx->have_v2 = true;

	/* "no internal processes": svcinit leaves <base> so that <base> may
	 * enable controllers for the units. Done at the root too, since the
	 * root of a cgroup namespace is an ordinary cgroup. */
	ctx->scope_dir = path_join(h->base_dir, "init.scope");
	if (!ctx->scope_dir)
		goto out;
	if (mkdir(ctx->scope_dir, 0755) < 0 && errno != EEXIST) {
		log_warn("cgroup: cannot create %s: %s", ctx->scope_dir, strerror(errno));
		free(ctx->scope_dir);
		ctx->scope_dir = NULL;
	} else if ((r = cg_write(ctx->scope_dir, "cgroup.procs", "0")) < 0) {
		log_warn("cgroup: cannot move svcinit into %s: %s", ctx->scope_dir, strerror(-r));
		(void)rmdir(ctx->scope_dir);
		free(ctx->scope_dir);
		ctx->scope_dir = NULL;
	}

	ctx->v2_freeze = ctx->scope_dir && cg_exists(ctx->scope_dir, "cgroup.freeze");
	ctx->v2_cpustat = cg_exists(h->base_dir, "cpu.stat");

	if (cg_read(h->base_dir, "cgroup.controllers", buf, sizeof(buf)) < 0)
		goto out;
	avail = v2_ctls_of(buf);
	before = cg_read(h->base_dir, "cgroup.subtree_control", buf, sizeof(buf)) < 0 ? 0 : v2_ctls_of(buf);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int c = order[i];
		char word[32];

		if (!(avail & CTL_BIT(c)) || (before & CTL_BIT(c)))
			continue;
		(void)snprintf(word, sizeof(word), "+%s", ctl_v2_name[c]);
		r = cg_write(h->base_dir, "cgroup.subtree_control", word);
		if (r < 0)
			log_debug("cgroup: cannot enable %s in %s: %s", ctl_v2_name[c], h->base_dir, strerror(-r));
		else
			ctx->v2_enabled |= CTL_BIT(c);
	}
	if (cg_read(h->base_dir, "cgroup.subtree_control", buf, sizeof(buf)) == 0)
		ctx->v2_ctls = v2_ctls_of(buf);
	goto out;
fail:
	hier_clear(h);
	ctx->have_v2 = false;
out:
	free(base);
	free(own);
}

/* Which controllers does v2 provide for the units? */
static unsigned v2_covers(const struct cg_ctx *ctx)
{
	unsigned m;

	if (!ctx->have_v2)
		return 0;
	m = ctx->v2_ctls;
	if (ctx->v2_cpustat)
		m |= CTL_BIT(CTL_CPUACCT);
	if (ctx->v2_freeze)
		m |= CTL_BIT(CTL_FREEZER);
	return m;
}

static void v1_setup(struct cg_ctx *ctx, const struct mnt_ent *ents, size_t n_ents,
		     const struct proc_cg *pc, const char *given)
{
	unsigned covered = v2_covers(ctx);

	for (size_t i = 0; i < pc->n; i++) {
		unsigned need = pc->mask[i] & ~covered;
		struct cg_hier *h = &ctx->v1[ctx->n_v1];
		const struct mnt_ent *m = NULL;
		char *base;
		int r;

		if (!need)
			continue;
		base = base_for(given, pc->path[i]);
		if (!base)
			continue;
		for (size_t j = 0; j < n_ents && !m; j++) {
			char *d;

			if (ents[j].v2 || ents[j].ctls != pc->mask[i] || !mount_usable(&ents[j]))
				continue;
			d = hier_dir(ents[j].point, ents[j].root, base);
			if (d)
				m = &ents[j];
			free(d);
		}
		if (!m) {
			free(base);
			continue;   /* not mounted (or not this subtree) */
		}
		r = hier_setup(h, m, base);
		free(base);
		if (r == 0)
			r = mkdir_below(h->mount, h->base_dir + strlen(h->mount),
					(need & CTL_BIT(CTL_CPUSET)) != 0, &h->created);
		if (r < 0) {
			log_warn("cgroup: cannot use v1 %s at %s: %s", m->point,
				 h->base_dir ? h->base_dir : m->point, strerror(-r));
			if (h->created)
				(void)rmdir_tree(h->created, CG_TREE_DEPTH);
			hier_clear(h);
			continue;
		}
		h->ctls = need;
		for (int c = 0; c < CTL_N; c++)
			if (need & CTL_BIT(c))
				ctx->v1_of[c] = (int)ctx->n_v1;
		ctx->n_v1++;
	}
}

int cg_init(const char *base, struct cg_ctx **ret_ctx)
{
	struct mnt_ent ents[CG_MOUNTS_MAX];
	struct proc_cg pc = { 0 };
	struct cg_ctx *ctx;
	size_t n_ents = 0;
	int r;

	*ret_ctx = NULL;
	if (base) {
		char *b = path_normalize(base);

		if (!b)
			return -errno;
		free(b);
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	for (int c = 0; c < CTL_N; c++)
		ctx->v1_of[c] = -1;

	r = parse_mountinfo(ents, CG_MOUNTS_MAX, &n_ents);
	if (r == 0)
		r = parse_proc_cgroup(&pc);
	if (r == -ENOMEM)
		goto out;
	if (r < 0)
		log_warn("cgroup: cannot read /proc/self: %s; running without cgroups", strerror(-r));
	else {
		v2_setup(ctx, ents, n_ents, &pc, base);
		v1_setup(ctx, ents, n_ents, &pc, base);
		if (!ctx->have_v2 && ctx->n_v1 == 0)
			log_warn("cgroup: no usable cgroup hierarchy; units run without cgroups");
	}
	r = 0;
	*ret_ctx = ctx;
	ctx = NULL;
out:
	for (size_t i = 0; i < n_ents; i++) {
		free(ents[i].point);
		free(ents[i].root);
	}
	free(pc.v2);
	for (size_t i = 0; i < pc.n; i++)
		free(pc.path[i]);
	free(ctx);
	return r;
}

/* rmdir base and every level cg_init created above it. */
static void hier_remove_created(struct cg_hier *h)
{
	char *p;

	if (!h->created || !h->base_dir)
		return;
	p = strdup(h->base_dir);
	if (!p)
		return;
	for (;;) {
		char *slash;

		if (rmdir(p) < 0 && errno != ENOENT) {
			log_debug("cgroup: cannot remove %s: %s", p, strerror(errno));
			break;
		}
		if (strcmp(p, h->created) == 0)
			break;
		slash = strrchr(p, '/');
		if (!slash || (size_t)(slash - p) < strlen(h->created))
			break;
		*slash = '\0';
	}
	free(p);
}

void cg_free(struct cg_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->have_v2) {
		struct cg_hier *h = &ctx->v2;

		/* a cgroup with controllers enabled takes no process (but the root) */
		for (int c = 0; c < CTL_N; c++) {
			char word[32];

			if (!(ctx->v2_enabled & CTL_BIT(c)))
				continue;
			(void)snprintf(word, sizeof(word), "-%s", ctl_v2_name[c]);
			(void)cg_write(h->base_dir, "cgroup.subtree_control", word);
		}
		if (ctx->scope_dir) {
			const char *back = h->own_dir && strcmp(h->own_dir, ctx->scope_dir) != 0 ?
					   h->own_dir : h->base_dir;
			int r = cg_write(back, "cgroup.procs", "0");

			if (r < 0)
				log_warn("cgroup: cannot move svcinit back to %s: %s", back, strerror(-r));
			else if (rmdir(ctx->scope_dir) < 0 && errno != ENOENT)
				log_debug("cgroup: cannot remove %s: %s", ctx->scope_dir, strerror(errno));
		}
		hier_remove_created(h);
		hier_clear(h);
	}
	for (size_t i = 0; i < ctx->n_v1; i++) {
		hier_remove_created(&ctx->v1[i]);
		hier_clear(&ctx->v1[i]);
	}
	free(ctx->scope_dir);
	free(ctx);
}

bool cg_have_v2(const struct cg_ctx *ctx)
{
	return ctx && ctx->have_v2;
}

/* ---- a unit's cgroup ---------------------------------------------------- */

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= UNIT_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

/* The directory to read cgroup.procs from: v2, else the v1 freezer, pids,
 * then any v1 hierarchy. */
static const char *procs_dir(const struct cg_unit *cg)
{
	static const int pref[] = { CTL_FREEZER, CTL_PIDS, CTL_MEMORY };

	if (cg->v2_dir)
		return cg->v2_dir;
	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		int h = cg->ctx->v1_of[pref[i]];

		if (h >= 0 && cg->v1_dir[h])
			return cg->v1_dir[h];
	}
	for (size_t i = 0; i < cg->ctx->n_v1; i++)
		if (cg->v1_dir[i])
			return cg->v1_dir[i];
	return NULL;
}

static const char *v1_dir_of(const struct cg_unit *cg, int ctl)
{
	int h = cg->ctx->v1_of[ctl];

	return h >= 0 ? cg->v1_dir[h] : NULL;
}

static bool v2_has(const struct cg_unit *cg, int ctl)
{
	return cg->v2_dir && (cg->ctx->v2_ctls & CTL_BIT(ctl));
}

/* mkdir dir; *existed tells whether it was there already */
static int mkdir_unit(const char *dir, bool *existed)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	*existed = true;
	return 0;
}

int cg_unit_create(struct cg_ctx *ctx, const char *name, struct cg_unit **ret_cg)
{
	struct cg_unit *cg;
	char leaf[UNIT_NAME_MAX + 16];
	bool existed = false;
	int r = 0;

	*ret_cg = NULL;
	if (!ctx || !name_ok(name))
		return -EINVAL;
	(void)snprintf(leaf, sizeof(leaf), "%s.service", name);
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	cg->ctx = ctx;
	cg->v2_fd = -1;
	cg->inotify_fd = -1;
	for (size_t i = 0; i < CG_V1_MAX; i++)
		cg->v1_procs[i] = -1;

	if (asprintf(&cg->path, "%s/%s",
		     ctx->have_v2 ? ctx->v2.base : ctx->n_v1 ? ctx->v1[0].base : "", leaf) < 0) {
		cg->path = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (ctx->have_v2) {
		cg->v2_dir = path_join(ctx->v2.base_dir, leaf);
		if (!cg->v2_dir) {
			r = -ENOMEM;
			goto fail;
		}
		r = mkdir_unit(cg->v2_dir, &existed);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < ctx->n_v1; i++) {
		cg->v1_dir[i] = path_join(ctx->v1[i].base_dir, leaf);
		if (!cg->v1_dir[i]) {
			r = -ENOMEM;
			goto fail;
		}
		r = mkdir_unit(cg->v1_dir[i], &existed);
		if (r < 0)
			goto fail;
	}

	if (existed) {
		/* A leftover (svcinit restarted, a unit that escaped its stop):
		 * the new run must not share it, and it may have been killed
		 * through cgroup.kill (see cg_unit_kill): start afresh. */
		int64_t deadline = now_ms() + CG_RMDIR_MS;

		if (!cg_unit_empty(cg)) {
			(void)cg_unit_kill(cg, SIGKILL);
			while (!cg_unit_empty(cg) && now_ms() < deadline)
				msleep(5);
			if (!cg_unit_empty(cg)) {
				r = -EBUSY;
				goto fail;
			}
		}
		for (size_t i = 0; i <= ctx->n_v1; i++) {
			const char *d = i < ctx->n_v1 ? cg->v1_dir[i] : cg->v2_dir;
			bool again = false;

			if (!d)
				continue;
			while (rmdir_tree(d, CG_TREE_DEPTH) == -EBUSY && now_ms() < deadline)
				msleep(2);   /* the last tasks are still leaving */
			r = mkdir_unit(d, &again);   /* still there: reuse it */
			if (r < 0)
				goto fail;
		}
	}

	if (cg->v2_dir) {
		cg->v2_fd = open(cg->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cg->v2_fd < 0) {
			r = -errno;
			goto fail;
		}
		cg->v2_kill = cg_exists(cg->v2_dir, "cgroup.kill");
	}
	for (size_t i = 0; i < ctx->n_v1; i++) {
		char *procs;

		if (ctx->v1[i].ctls & CTL_BIT(CTL_CPUSET)) {
			r = cpuset_v1_fill(cg->v1_dir[i]);
			if (r < 0)
				goto fail;
		}
		procs = path_join(cg->v1_dir[i], "cgroup.procs");
		if (!procs) {
			r = -ENOMEM;
			goto fail;
		}
		/* checked now, opened again per start: svcinit does not hold
		 * a descriptor per v1 hierarchy per unit */
		cg->v1_procs[i] = open(procs, O_WRONLY | O_CLOEXEC);
		free(procs);
		if (cg->v1_procs[i] < 0) {
			r = -errno;
			goto fail;
		}
		close(cg->v1_procs[i]);
		cg->v1_procs[i] = -1;
	}
	*ret_cg = cg;
	return 0;
fail:
	cg_unit_free(cg);
	return r;
}

/* ---- limits ------------------------------------------------------------ */

static int warn_add(char **warnings, size_t *n, const char *key, const char *reason)
{
	char *w;

	if (*n >= CG_WARN_MAX)
		return 0;
	if (asprintf(&w, "%s=: %s", key, reason) < 0)
		return -ENOMEM;
	warnings[(*n)++] = w;
	return 0;
}

/* systemd's conversions (cgroup-util.h) */
static uint64_t weight_to_shares(uint64_t w)
{
	uint64_t s = w * 1024 / 100;

	return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

static uint64_t weight_to_blkio(uint64_t w)
{
	uint64_t b = w * 500 / 100;

	return b < 10 ? 10 : b > 1000 ? 1000 : b;
}

static uint64_t weight_to_bfq(uint64_t w)
{
	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	if (w <= 100)
		return 1 + (w - 1) * 99 / 99;
	return 100 + (w - 100) * 900 / 9900;
}

/* One limit: the v2 file when the v2 controller is there, else the v1 file.
 * set == false resets a reused cgroup to the default, silently. Returns the
 * reason it could not be applied, or NULL. */
struct limit {
	const char *key;
	int ctl;
	const char *v2_file, *v2_val, *v2_alt_file, *v2_alt_val;
	const char *v1_pre_file, *v1_pre_val;
	const char *v1_file, *v1_val, *v1_alt_file, *v1_alt_val;
};

static int limit_apply(struct cg_unit *cg, const struct limit *l, bool set, char *errbuf, size_t errlen)
{
	const char *d1;
	int r;

	if (v2_has(cg, l->ctl)) {
		r = cg_write(cg->v2_dir, l->v2_file, l->v2_val);
		if (r == -ENOENT && l->v2_alt_file)
			r = cg_write(cg->v2_dir, l->v2_alt_file, l->v2_alt_val);
	} else if ((d1 = v1_dir_of(cg, l->ctl)) && l->v1_file) {
		r = 0;
		if (l->v1_pre_file)
			r = cg_write(d1, l->v1_pre_file, l->v1_pre_val);
		if (r == 0)
			r = cg_write(d1, l->v1_file, l->v1_val);
		if (r == -ENOENT && l->v1_alt_file)
			r = cg_write(d1, l->v1_alt_file, l->v1_alt_val);
	} else {
		if (set)
			(void)snprintf(errbuf, errlen, "no %s controller",
				       l->ctl == CTL_IO ? "io" : ctl_v1_name[l->ctl]);
		return set ? -EOPNOTSUPP : 0;
	}
	if (r < 0 && set)
		(void)snprintf(errbuf, errlen, "%s", strerror(-r));
	return r;
}

static void fmt_u64(char *buf, size_t len, uint64_t v, const char *inf)
{
	if (v == UNIT_INFINITY)
		(void)snprintf(buf, len, "%s", inf);
	else
		(void)snprintf(buf, len, "%" PRIu64, v);
}

int cg_unit_apply(struct cg_ctx *ctx, struct cg_unit *cg, const struct unit_spec *spec,
		  char **warnings, size_t *n_warnings)
{
	char mm2[32], mm1[32], mh2[32], mh1[32], cw2[32], cw1[32], cq2[48], cq1[32];
	char tm[32], io2[32], io2b[32], io1[32], io1b[32], cpus_parent[4096];
	const char *cpus = spec->allowed_cpus ? spec->allowed_cpus : "";
	unsigned set = spec->limits_set;
	const char *cpuset_v1;
	int r = 0;

	if (!ctx || !cg)
		return -EINVAL;

	fmt_u64(mm2, sizeof(mm2), spec->memory_max, "max");
	fmt_u64(mm1, sizeof(mm1), spec->memory_max, "-1");
	fmt_u64(mh2, sizeof(mh2), spec->memory_high, "max");
	fmt_u64(mh1, sizeof(mh1), spec->memory_high, "-1");
	(void)snprintf(cw2, sizeof(cw2), "%" PRIu64, spec->cpu_weight);
	(void)snprintf(cw1, sizeof(cw1), "%" PRIu64, weight_to_shares(spec->cpu_weight));
	if (spec->cpu_quota_percent == UNIT_INFINITY || spec->cpu_quota_percent == 0) {
		(void)snprintf(cq2, sizeof(cq2), "max 100000");
		(void)snprintf(cq1, sizeof(cq1), "-1");
	} else {
		/* percent of one CPU per 100 ms period; v1 wants >= 1000 us */
		uint64_t q = spec->cpu_quota_percent > UINT64_MAX / 1000 ? UINT64_MAX / 1000 :
			     spec->cpu_quota_percent;

		(void)snprintf(cq2, sizeof(cq2), "%" PRIu64 " 100000", q * 1000);
		(void)snprintf(cq1, sizeof(cq1), "%" PRIu64, q * 1000);
	}
	fmt_u64(tm, sizeof(tm), spec->tasks_max, "max");
	(void)snprintf(io2, sizeof(io2), "default %" PRIu64, spec->io_weight);
	(void)snprintf(io2b, sizeof(io2b), "default %" PRIu64, weight_to_bfq(spec->io_weight));
	(void)snprintf(io1, sizeof(io1), "%" PRIu64, weight_to_blkio(spec->io_weight));
	(void)snprintf(io1b, sizeof(io1b), "%" PRIu64, weight_to_bfq(spec->io_weight));

	/* v1 cpuset.cpus reset: the parent's set */
	cpuset_v1 = cpus;
	if (!(set & UNIT_LIM_ALLOWED_CPUS)) {
		const char *d1 = v1_dir_of(cg, CTL_CPUSET);

		cpus_parent[0] = '\0';
		if (d1 && !v2_has(cg, CTL_CPUSET)) {
			char *parent = strdup(d1), *slash;

			if (parent && (slash = strrchr(parent, '/'))) {
				*slash = '\0';
				(void)cg_read(parent, "cpuset.cpus", cpus_parent, sizeof(cpus_parent));
			}
			free(parent);
		}
		cpuset_v1 = cpus_parent;
	}

	{
		const struct {
			unsigned bit;
			struct limit on, off;
		} t[] = {
			{ UNIT_LIM_MEMORY_MAX,
			  { "MemoryMax", CTL_MEMORY, "memory.max", mm2, NULL, NULL, NULL, NULL,
			    "memory.limit_in_bytes", mm1, NULL, NULL },
			  { "MemoryMax", CTL_MEMORY, "memory.max", "max", NULL, NULL, NULL, NULL,
			    "memory.limit_in_bytes", "-1", NULL, NULL } },
			/* v1 has no throttling limit: the soft limit is the
			 * closest (reclaim pressure under contention) */
			{ UNIT_LIM_MEMORY_HIGH,
			  { "MemoryHigh", CTL_MEMORY, "memory.high", mh2, NULL, NULL, NULL, NULL,
			    "memory.soft_limit_in_bytes", mh1, NULL, NULL },
			  { "MemoryHigh", CTL_MEMORY, "memory.high", "max", NULL, NULL, NULL, NULL,
			    "memory.soft_limit_in_bytes", "-1", NULL, NULL } },
			{ UNIT_LIM_CPU_WEIGHT,
			  { "CPUWeight", CTL_CPU, "cpu.weight", cw2, NULL, NULL, NULL, NULL,
			    "cpu.shares", cw1, NULL, NULL },
			  { "CPUWeight", CTL_CPU, "cpu.weight", "100", NULL, NULL, NULL, NULL,
			    "cpu.shares", "1024", NULL, NULL } },
			{ UNIT_LIM_CPU_QUOTA,
			  { "CPUQuota", CTL_CPU, "cpu.max", cq2, NULL, NULL,
			    "cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", cq1, NULL, NULL },
			  { "CPUQuota", CTL_CPU, "cpu.max", "max 100000", NULL, NULL,
			    NULL, NULL, "cpu.cfs_quota_us", "-1", NULL, NULL } },
			{ UNIT_LIM_TASKS_MAX,
			  { "TasksMax", CTL_PIDS, "pids.max", tm, NULL, NULL, NULL, NULL,
			    "pids.max", tm, NULL, NULL },
			  { "TasksMax", CTL_PIDS, "pids.max", "max", NULL, NULL, NULL, NULL,
			    "pids.max", "max", NULL, NULL } },
			/* io.weight needs the io cost model; BFQ has its own file */
			{ UNIT_LIM_IO_WEIGHT,
			  { "IOWeight", CTL_IO, "io.weight", io2, "io.bfq.weight", io2b, NULL, NULL,
			    "blkio.weight", io1, "blkio.bfq.weight", io1b },
			  { "IOWeight", CTL_IO, "io.weight", "default 100", "io.bfq.weight", "default 100",
			    NULL, NULL, "blkio.weight", "500", "blkio.bfq.weight", "100" } },
			{ UNIT_LIM_ALLOWED_CPUS,
			  { "AllowedCPUs", CTL_CPUSET, "cpuset.cpus", cpus, NULL, NULL, NULL, NULL,
			    "cpuset.cpus", cpuset_v1, NULL, NULL },
			  /* v1 reset: the parent's set; never an empty one
			   * (no task could join) */
			  { "AllowedCPUs", CTL_CPUSET, "cpuset.cpus", "\n", NULL, NULL, NULL, NULL,
			    cpuset_v1[0] ? "cpuset.cpus" : NULL, cpuset_v1, NULL, NULL } },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			bool on = (set & t[i].bit) != 0;
			char why[128];

			if (limit_apply(cg, on ? &t[i].on : &t[i].off, on, why, sizeof(why)) < 0 && on) {
				r = warn_add(warnings, n_warnings, t[i].on.key, why);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* ---- the child's side --------------------------------------------------- */

int cg_unit_v2_fd(const struct cg_unit *cg)
{
	return cg ? cg->v2_fd : -1;
}

int cg_unit_v1_procs_fds(const struct cg_unit *cg, int *fds, int max)
{
	int n = 0;

	if (!cg)
		return 0;
	for (size_t i = 0; i < cg->ctx->n_v1 && n < max; i++) {
		char procs[PATH_MAX];
		int fd;

		if (!cg->v1_dir[i] ||
		    snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->v1_dir[i]) >= (int)sizeof(procs))
			continue;
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			int r = -errno;

			while (n > 0)
				close(fds[--n]);
			return r;
		}
		fds[n++] = fd;
	}
	return n;
}

int cg_child_join_v1(const int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		ssize_t w;

		do
			w = write(fds[i], "0", 1);
		while (w < 0 && errno == EINTR);
		if (w < 0)
			return -errno;
	}
	return 0;
}

const char *cg_unit_path(const struct cg_unit *cg)
{
	return cg ? cg->path : NULL;
}

/* ---- freeze ------------------------------------------------------------ */

int cg_unit_freeze(struct cg_unit *cg, bool freeze)
{
	const char *d1;

	if (!cg)
		return -EINVAL;
	if (cg->v2_dir && cg->ctx->v2_freeze)
		return cg_write(cg->v2_dir, "cgroup.freeze", freeze ? "1" : "0");
	d1 = v1_dir_of(cg, CTL_FREEZER);
	if (d1)
		return cg_write(d1, "freezer.state", freeze ? "FROZEN" : "THAWED");
	return -EOPNOTSUPP;
}

int cg_unit_frozen(struct cg_unit *cg)
{
	char buf[64];
	const char *d1;
	uint64_t v;
	int r;

	if (!cg)
		return -EINVAL;
	if (cg->v2_dir && cg->ctx->v2_freeze) {
		r = cg_read_kv(cg->v2_dir, "cgroup.events", "frozen", &v);
		return r < 0 ? r : v != 0;
	}
	d1 = v1_dir_of(cg, CTL_FREEZER);
	if (!d1)
		return -EOPNOTSUPP;
	r = cg_read(d1, "freezer.state", buf, sizeof(buf));
	if (r < 0)
		return r;
	return strncmp(buf, "FROZEN", 6) == 0;   /* FREEZING: not yet */
}

int cg_unit_events_fd(struct cg_unit *cg)
{
	char *p;
	int fd;

	if (!cg || !cg->v2_dir)
		return -1;
	if (cg->inotify_fd >= 0)
		return cg->inotify_fd;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = path_join(cg->v2_dir, "cgroup.events");
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	if (inotify_add_watch(fd, p, IN_MODIFY) < 0) {
		int r = -errno;

		free(p);
		close(fd);
		return r;
	}
	free(p);
	cg->inotify_fd = fd;
	return fd;
}

/* ---- kill --------------------------------------------------------------- */

static int count_procs(const struct cg_unit *cg)
{
	struct pidvec pv = { 0 };
	const char *d = procs_dir(cg);
	int r;

	if (!d)
		return 0;
	r = collect_pids(d, &pv, CG_TREE_DEPTH);
	free(pv.v);
	return r < 0 ? r : (int)pv.n;
}

/* Read the cgroup, signal every pid not signalled before. Returns how many
 * new ones were signalled. */
static int kill_round(const char *dir, int sig, struct pidvec *seen)
{
	struct pidvec now = { 0 };
	int r, n = 0;

	r = collect_pids(dir, &now, CG_TREE_DEPTH);
	if (r < 0) {
		free(now.v);
		return r;
	}
	for (size_t i = 0; i < now.n; i++) {
		if (pidvec_has(seen, now.v[i]))
			continue;
		if (kill(now.v[i], sig) == 0)
			n++;
		if (pidvec_add(seen, now.v[i]) < 0) {
			free(now.v);
			return -ENOMEM;
		}
	}
	free(now.v);
	return n;
}

int cg_unit_kill(struct cg_unit *cg, int sig)
{
	struct pidvec seen = { 0 };
	const char *dir;
	bool froze = false;
	int r, total = 0;

	if (!cg)
		return -EINVAL;
	dir = procs_dir(cg);
	if (!dir)
		return 0;   /* no hierarchy at all: nothing known to signal */
	if (sig != SIGKILL) {
		r = kill_round(dir, sig, &seen);
		free(seen.v);
		return r;
	}

	/* SIGKILL. Not through cgroup.kill: since the kill_seq change (6.14,
	 * and its stable backports) a cgroup once killed that way SIGKILLs
	 * every child later cloned into it with CLONE_INTO_CGROUP, and this
	 * cgroup is reused by the unit's next start. Freeze instead (nothing
	 * forks while frozen, new children are born frozen), kill each
	 * process, thaw so that they die. */
	if (cg_unit_freeze(cg, true) == 0) {
		int64_t deadline = now_ms() + CG_FREEZE_MS;

		froze = true;
		while (cg_unit_frozen(cg) == 0 && now_ms() < deadline)
			msleep(1);
	}
	for (int i = 0; i < CG_KILL_ROUNDS; i++) {
		r = kill_round(dir, SIGKILL, &seen);
		if (r < 0) {
			total = r;
			break;
		}
		total += r;
		if (r == 0)
			break;   /* only dying processes left */
	}
	if (froze)
		(void)cg_unit_freeze(cg, false);
	free(seen.v);
	return total;
}

bool cg_unit_empty(struct cg_unit *cg)
{
	uint64_t populated;

	if (!cg)
		return true;
	if (cg->v2_dir && cg_read_kv(cg->v2_dir, "cgroup.events", "populated", &populated) == 0)
		return populated == 0;
	return count_procs(cg) <= 0;
}

uint64_t cg_unit_memory(struct cg_unit *cg)
{
	const char *d1;
	uint64_t v;

	if (!cg)
		return UINT64_MAX;
	if (v2_has(cg, CTL_MEMORY) && cg_read_u64(cg->v2_dir, "memory.current", &v) == 0)
		return v;
	if ((d1 = v1_dir_of(cg, CTL_MEMORY)) && cg_read_u64(d1, "memory.usage_in_bytes", &v) == 0)
		return v;
	return UINT64_MAX;
}

void cg_unit_stats(struct cg_unit *cg, struct cg_stats *ret_stats)
{
	const char *d1;
	uint64_t v;
	int n;

	ret_stats->memory_bytes = UINT64_MAX;
	ret_stats->tasks = UINT64_MAX;
	ret_stats->cpu_usec = UINT64_MAX;
	if (!cg)
		return;

	ret_stats->memory_bytes = cg_unit_memory(cg);

	if (v2_has(cg, CTL_PIDS) && cg_read_u64(cg->v2_dir, "pids.current", &v) == 0)
		ret_stats->tasks = v;
	else if ((d1 = v1_dir_of(cg, CTL_PIDS)) && cg_read_u64(d1, "pids.current", &v) == 0)
		ret_stats->tasks = v;
	else if (procs_dir(cg) && (n = count_procs(cg)) >= 0)
		ret_stats->tasks = (uint64_t)n;

	if (cg->v2_dir && cg_read_kv(cg->v2_dir, "cpu.stat", "usage_usec", &v) == 0)
		ret_stats->cpu_usec = v;
	else if ((d1 = v1_dir_of(cg, CTL_CPUACCT)) && cg_read_u64(d1, "cpuacct.usage", &v) == 0)
		ret_stats->cpu_usec = v / 1000;
}

/* ---- removal ------------------------------------------------------------ */

/* rmdir dir, waiting (until deadline) for dying tasks to leave it. */
static void rmdir_wait(const char *dir, int64_t deadline)
{
	int r;

	for (;;) {
		r = rmdir_tree(dir, CG_TREE_DEPTH);
		if (r != -EBUSY || now_ms() >= deadline)
			break;
		msleep(2);
	}
	/* never created (a failed create, a read-only hierarchy): nothing to say */
	if (r < 0 && r != -ENOENT && r != -EROFS)
		log_warn("cgroup: cannot remove %s: %s", dir, strerror(-r));
}

void cg_unit_free(struct cg_unit *cg)
{
	int64_t deadline;

	if (!cg)
		return;
	if ((cg->v2_dir || cg->ctx->n_v1) && !cg_unit_empty(cg)) {
		/* the cgroup goes away: cgroup.kill is safe here (and
		 * cg_unit_create recreates a leftover) */
		if (!cg->v2_kill || cg_write(cg->v2_dir, "cgroup.kill", "1") < 0)
			(void)cg_unit_kill(cg, SIGKILL);
	}
	deadline = now_ms() + CG_RMDIR_MS;
	if (cg->inotify_fd >= 0)
		close(cg->inotify_fd);
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	if (cg->v2_dir)
		rmdir_wait(cg->v2_dir, deadline);
	free(cg->v2_dir);
	for (size_t i = 0; i < CG_V1_MAX; i++) {
		if (cg->v1_procs[i] >= 0)
			close(cg->v1_procs[i]);
		if (cg->v1_dir[i])
			rmdir_wait(cg->v1_dir[i], deadline);
		free(cg->v1_dir[i]);
	}
	free(cg->path);
	free(cg);
}
