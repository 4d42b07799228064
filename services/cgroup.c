/* SPDX-License-Identifier: MIT */
/*
 * cgroup.c: a unit's cgroup: created (a leftover made fresh), handed to the
 * child (CLONE_INTO_CGROUP, the v1 cgroup.procs files), removed. The other
 * pieces are listed in cgroup-internal.h.
 *
 * Nothing here exits or asserts: functions return 0 or -errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "units/value.h"
#include "services/cgroup-internal.h"

/* ---- a unit's cgroup ---------------------------------------------------- */

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= UNIT_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
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

/* The v1 hierarchies a unit joins whatever its keys: all of them without
 * v2 (they track its processes and freeze it); beside v2, those that count
 * what it uses (memory, pids: systemd's MemoryAccounting= and
 * TasksAccounting= defaults), and the freezer. The others only for a limit
 * that needs them (cg_unit_need, from cg_unit_apply; devices from
 * cg_unit_bpf_apply, only where no BPF device program can be attached): each hierarchy is a
 * mkdir, a join and an rmdir per unit. */
static unsigned v1_base_ctls(const struct cg_ctx *ctx)
{
	return ctx->have_v2 ? CTL_BIT(CTL_MEMORY) | CTL_BIT(CTL_PIDS) | CTL_BIT(CTL_FREEZER) :
	       ~CTL_BIT(CTL_DEVICES);
}

/* The unit's directory in v1 hierarchy i, made; *existed as mkdir_unit. */
static int v1_make(struct cg_unit *cg, size_t i, bool *existed)
{
	cg->v1_dir[i] = cg_path_join(cg->ctx->v1[i].base_dir, cg->leaf);
	if (!cg->v1_dir[i])
		return -ENOMEM;
	return mkdir_unit(cg->v1_dir[i], existed);
}

int cg_unit_need(struct cg_unit *cg, unsigned ctls)
{
	for (size_t i = 0; i < cg->ctx->n_v1; i++) {
		bool existed = false;
		int r;

		if (cg->v1_dir[i] || !(cg->ctx->v1[i].ctls & ctls))
			continue;
		r = v1_make(cg, i, &existed);
		if (r < 0) {
			free(cg->v1_dir[i]);
			cg->v1_dir[i] = NULL;
			return r;
		}
		if (existed)
			cg->dirty = ~0u;   /* a leftover's limits: reset */
		if (cg->ctx->v1[i].ctls & CTL_BIT(CTL_CPUSET)) {
			r = cg_cpuset_v1_fill(cg->v1_dir[i], !existed);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int cg_unit_create(struct cg_ctx *ctx, const char *name, struct cg_unit **ret_cg)
{
	struct cg_unit *cg;
	const char *leaf;
	bool existed = false;
	int r = 0;

	*ret_cg = NULL;
	if (!ctx || !name_ok(name))
		return -EINVAL;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return -ENOMEM;
	(void)snprintf(cg->leaf, sizeof(cg->leaf), "%s.service", name);
	leaf = cg->leaf;
	cg->ctx = ctx;
	cg->inotify_fd = -1;
	for (size_t i = 0; i < N_ELEM(cg->bpf_fd); i++)
		cg->bpf_fd[i] = -1;
	cg->oom_fd = -1;
	cg->mem_fd = -1;

	if (asprintf(&cg->path, "%s/%s",
		     ctx->have_v2 ? ctx->v2.base : ctx->n_v1 ? ctx->v1[0].base : "", leaf) < 0) {
		cg->path = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (ctx->have_v2) {
		cg->v2_dir = cg_path_join(ctx->v2.base_dir, leaf);
		if (!cg->v2_dir) {
			r = -ENOMEM;
			goto fail;
		}
		r = mkdir_unit(cg->v2_dir, &existed);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < ctx->n_v1; i++) {
		if (!(ctx->v1[i].ctls & v1_base_ctls(ctx)))
			continue;
		r = v1_make(cg, i, &existed);
		if (r < 0)
			goto fail;
	}

	if (existed) {
		/* A leftover (svcinit restarted, a unit that escaped its stop):
		 * the new run must not share it. Killed (cgroup.kill: at once),
		 * removed and created afresh when it empties at once; else it is
		 * reused, its processes dying (nothing here waits for them). */
		if (!cg_unit_empty(cg)) {
			if (cg->v2_dir && cg_exists(cg->v2_dir, "cgroup.kill") &&
			    cg_write(cg->v2_dir, "cgroup.kill", "1") == 0)
				cg->killed = true;
			else
				(void)cg_unit_kill(cg, SIGKILL);
		}
		for (size_t i = 0; i <= ctx->n_v1; i++) {
			const char *d = i < ctx->n_v1 ? cg->v1_dir[i] : cg->v2_dir;
			bool again = false;

			if (!d)
				continue;
			if (cg_rmdir_tree(d, CG_TREE_DEPTH) == 0 && i == ctx->n_v1)
				cg->killed = false;   /* a fresh v2 cgroup */
			r = mkdir_unit(d, &again);   /* still there: reuse it */
			if (r < 0)
				goto fail;
		}
	}

	if (cg->v2_dir)
		cg->v2_kill = cg_exists(cg->v2_dir, "cgroup.kill");
	/* a reused cgroup may hold anyone's limits: each is reset once */
	cg->dirty = existed ? ~0u : 0;
	/* v1 cgroup.procs files are opened at each start
	 * (cg_unit_v1_procs_fds), which reports what cannot be joined */
	for (size_t i = 0; i < ctx->n_v1; i++) {
		if (cg->v1_dir[i] && (ctx->v1[i].ctls & CTL_BIT(CTL_CPUSET))) {
			r = cg_cpuset_v1_fill(cg->v1_dir[i], !existed);
			if (r < 0)
				goto fail;
		}
	}
	*ret_cg = cg;
	return 0;
fail:
	cg_unit_free(cg);
	return r;
}

/* ---- Delegate= ------------------------------------------------------------ */

int cg_unit_delegate(struct cg_unit *cg, uid_t uid, gid_t gid)
{
	/* systemd's list (cgroup_delegate_chown_files): what a delegate needs
	 * to manage its subtree; the rest stays root's (its limits) */
	static const char *const files[] = {
		"cgroup.procs", "cgroup.subtree_control", "cgroup.threads",
	};
	int dfd, r = 0;

	if (!cg || !cg->v2_dir)
		return -ENOENT;
	dfd = open(cg->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fchown(dfd, uid, gid) < 0)
		r = -errno;
	for (size_t i = 0; r == 0 && i < sizeof(files) / sizeof(files[0]); i++)
		if (fchownat(dfd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			r = -errno;
	(void)close(dfd);
	return r;
}

/* ---- the child's side --------------------------------------------------- */

int cg_unit_v2_open(const struct cg_unit *cg)
{
	if (!cg || !cg->v2_dir) {
		errno = ENOENT;
		return -1;
	}
	int fd = cg_unit_openat(cg, &cg->ctx->v2, NULL, O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

int cg_unit_v1_procs_fds(const struct cg_unit *cg, int *fds, int max)
{
	int n = 0;

	if (!cg)
		return 0;
	for (size_t i = 0; i < cg->ctx->n_v1 && n < max; i++) {
		int fd;

		if (!cg->v1_dir[i])
			continue;
		fd = cg_unit_openat(cg, &cg->ctx->v1[i], "cgroup.procs", O_WRONLY);
		if (fd < 0) {
			while (n > 0)
				close(fds[--n]);
			return fd;
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

bool cg_unit_clone_into(const struct cg_unit *cg)
{
	return cg && cg->v2_dir && !cg->killed;
}

/* ---- removal ------------------------------------------------------------ */

/* rmdir dir (once: the caller removes a cgroup once it is empty). */
static void rmdir_once(const char *dir)
{
	int r = cg_rmdir_tree(dir, CG_TREE_DEPTH);

	/* never created (a failed create, a read-only hierarchy): nothing to say */
	if (r < 0 && r != -ENOENT && r != -EROFS)
		log_warn("cgroup: cannot remove %s: %s", dir, strerror(-r));
}

void cg_unit_free(struct cg_unit *cg)
{
	if (!cg)
		return;
	if ((cg->v2_dir || cg->ctx->n_v1) && !cg_unit_empty(cg)) {
		/* the cgroup goes away: cgroup.kill is safe here (and
		 * cg_unit_create recreates a leftover) */
		(void)cg_unit_kill(cg, SIGKILL);
	}
	if (cg->inotify_fd >= 0)
		close(cg->inotify_fd);
	cg_unit_bpf_release(cg);
	if (cg->oom_fd >= 0)
		close(cg->oom_fd);
	if (cg->mem_fd >= 0)
		close(cg->mem_fd);
	if (cg->v2_dir)
		rmdir_once(cg->v2_dir);
	free(cg->v2_dir);
	for (size_t i = 0; i < CG_V1_MAX; i++) {
		if (cg->v1_dir[i])
			rmdir_once(cg->v1_dir[i]);
		free(cg->v1_dir[i]);
	}
	free(cg->path);
	free(cg);
}
