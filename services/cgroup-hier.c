/* SPDX-License-Identifier: MIT */
/*
 * cgroup-hier.c: the hierarchies (cg_init, cg_free). cgroup v2 first; on a
 * hybrid host every controller that v2 lacks is used through its v1
 * hierarchy.
 *
 * Hierarchies are found in /proc/self/mountinfo (its root field maps a
 * cgroup path, as /proc/self/cgroup shows it, to a directory even when only a
 * subtree is mounted), never by assuming /sys/fs/cgroup/<name>. What only
 * degrades (a controller missing, a v1 hierarchy not writable) is logged
 * here; nothing fails hard.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "lib/log.h"
#include "services/cgroup-internal.h"
#include "services/path.h"

const char *const cg_ctl_v1_name[CTL_N] = {
	"memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer", "devices",
};
/* v2 controller names; NULL: covered by a core file of every v2 cgroup
 * (cpu.stat for cpuacct, cgroup.freeze for freezer) */
const char *const cg_ctl_v2_name[CTL_N] = {
	"memory", "pids", "cpu", NULL, "cpuset", "io", NULL, NULL,
};

#define CG_MOUNTS_MAX   64      /* cgroup mounts considered */

/* ---- paths and controller lists ----------------------------------------- */

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
		if (cg_ctl_v2_name[c] && has_word(list, cg_ctl_v2_name[c]))
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
			if (strlen(cg_ctl_v1_name[c]) == n && strncmp(p, cg_ctl_v1_name[c], n) == 0)
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
				r = cg_cpuset_v1_fill(path, true);
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

/* ---- discovery ---------------------------------------------------------- */

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
				continue;   /* name=systemd, net_cls, ... */
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
	if (h->have_fd)
		(void)close(h->base_fd);
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
	unsigned avail, before, want = 0;
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

	ctx->v2_cpustat = cg_exists(h->base_dir, "cpu.stat");
	avail = cg_read(h->base_dir, "cgroup.controllers", buf, sizeof(buf)) < 0 ? 0 : v2_ctls_of(buf);
	before = cg_read(h->base_dir, "cgroup.subtree_control", buf, sizeof(buf)) < 0 ? 0 : v2_ctls_of(buf);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((avail & CTL_BIT(order[i])) && !(before & CTL_BIT(order[i])))
			want |= CTL_BIT(order[i]);

	/* "no internal processes": svcinit leaves <base> so that <base> may
	 * enable controllers for the units (at the root too, since the root
	 * of a cgroup namespace is an ordinary cgroup). Only then: a move is
	 * a migration, whose first one after a quiet spell waits out an RCU
	 * grace period (10-16 ms), and nothing else needs it. init.scope is
	 * made in any case: the freezer is probed on it. */
	ctx->scope_dir = cg_path_join(h->base_dir, "init.scope");
	if (!ctx->scope_dir)
		goto out;
	if (mkdir(ctx->scope_dir, 0755) < 0 && errno != EEXIST) {
		log_warn("cgroup: cannot create %s: %s", ctx->scope_dir, strerror(errno));
		free(ctx->scope_dir);
		ctx->scope_dir = NULL;
	} else if (want && h->own_dir && strcmp(h->own_dir, h->base_dir) == 0) {
		if ((r = cg_write(ctx->scope_dir, "cgroup.procs", "0")) < 0)
			log_warn("cgroup: cannot move svcinit into %s: %s", ctx->scope_dir, strerror(-r));
		else
			ctx->in_scope = true;
	}
	ctx->v2_freeze = ctx->scope_dir && cg_exists(ctx->scope_dir, "cgroup.freeze");
	if (!avail)
		goto out;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int c = order[i];
		char word[32];

		if (!(avail & CTL_BIT(c)) || (before & CTL_BIT(c)))
			continue;
		(void)snprintf(word, sizeof(word), "+%s", cg_ctl_v2_name[c]);
		r = cg_write(h->base_dir, "cgroup.subtree_control", word);
		if (r < 0)
			log_debug("cgroup: cannot enable %s in %s: %s", cg_ctl_v2_name[c], h->base_dir, strerror(-r));
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
				(void)cg_rmdir_tree(h->created, CG_TREE_DEPTH);
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
			(void)snprintf(word, sizeof(word), "-%s", cg_ctl_v2_name[c]);
			(void)cg_write(h->base_dir, "cgroup.subtree_control", word);
		}
		if (ctx->scope_dir) {
			const char *back = h->own_dir && strcmp(h->own_dir, ctx->scope_dir) != 0 ?
					   h->own_dir : h->base_dir;
			int r = ctx->in_scope ? cg_write(back, "cgroup.procs", "0") : 0;

			if (r < 0)
				log_warn("cgroup: cannot move svcinit back to %s: %s", back, strerror(-r));
			else if (rmdir(ctx->scope_dir) < 0 && errno != ENOENT && errno != EBUSY)
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
