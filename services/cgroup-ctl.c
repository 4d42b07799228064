/* SPDX-License-Identifier: MIT */
/*
 * cgroup-ctl.c: acting on a unit's cgroup once it runs: freeze and thaw,
 * the events fd, signals and kill, emptiness and accounting. Nothing here
 * waits: a caller that needs a state (frozen, empty) watches the events fd
 * or calls again on a timer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "services/cgroup-internal.h"

/* ---- pid lists ---------------------------------------------------------- */

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

/* The processes of dir and of its sub-cgroups. */
static int collect_pids(const char *dir, struct pidvec *pv, int depth)
{
	char *p = cg_path_join(dir, "cgroup.procs"), *text = NULL, *s;
	DIR *d;
	struct dirent *e;
	int r;

	if (!p)
		return -ENOMEM;
	r = cg_read_alloc(p, &text);
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
		sub = cg_path_join(dir, e->d_name);
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

/* ---- freeze ------------------------------------------------------------- */

int cg_unit_freeze(struct cg_unit *cg, bool freeze)
{
	const char *d1;

	if (!cg)
		return -EINVAL;
	if (cg->v2_dir && cg->ctx->v2_freeze)
		return cg_unit_write(cg, &cg->ctx->v2, "cgroup.freeze", freeze ? "1" : "0");
	d1 = cg_v1_dir_of(cg, CTL_FREEZER);
	if (d1)
		return cg_unit_write(cg, &cg->ctx->v1[cg->ctx->v1_of[CTL_FREEZER]], "freezer.state",
				     freeze ? "FROZEN" : "THAWED");
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
		r = cg_unit_read_kv(cg, &cg->ctx->v2, "cgroup.events", "frozen", &v);
		return r < 0 ? r : v != 0;
	}
	d1 = cg_v1_dir_of(cg, CTL_FREEZER);
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
	p = cg_path_join(cg->v2_dir, "cgroup.events");
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

/* Read the cgroup once, signal every process listed: O(n) for n processes.
 * Returns how many were signalled. */
static int kill_round(const char *dir, int sig)
{
	struct pidvec now = { 0 };
	int r, n = 0;

	r = collect_pids(dir, &now, CG_TREE_DEPTH);
	if (r < 0) {
		free(now.v);
		return r;
	}
	for (size_t i = 0; i < now.n; i++)
		if (kill(now.v[i], sig) == 0)
			n++;
	free(now.v);
	return n;
}

int cg_unit_kill(struct cg_unit *cg, int sig)
{
	const char *dir;

	if (!cg)
		return -EINVAL;
	/* SIGKILL on v2: cgroup.kill, one write, every process and every
	 * child forked meanwhile, whatever their number */
	if (sig == SIGKILL && cg->v2_kill && cg_write(cg->v2_dir, "cgroup.kill", "1") == 0) {
		cg->killed = true;
		return 0;
	}
	dir = procs_dir(cg);
	if (!dir)
		return 0;   /* no hierarchy at all: nothing known to signal */
	/* One round. A process with a SIGKILL pending forks no more, so the
	 * caller's next rounds (on a timer) only meet children born between
	 * the read and the kill. */
	return kill_round(dir, sig);
}

int cg_unit_pids(struct cg_unit *cg, pid_t *pids, int max)
{
	struct pidvec now = { 0 };
	const char *dir = cg ? procs_dir(cg) : NULL;
	int r;

	if (!dir)
		return -ENOENT;
	r = collect_pids(dir, &now, CG_TREE_DEPTH);
	if (r >= 0) {
		r = 0;
		for (size_t i = 0; i < now.n && r < max; i++)
			pids[r++] = now.v[i];
		if (now.n > (size_t)max)
			r = -E2BIG;
	}
	free(now.v);
	return r;
}

/* ---- emptiness and accounting ------------------------------------------- */

bool cg_unit_empty(struct cg_unit *cg)
{
	uint64_t populated;

	if (!cg)
		return true;
	if (cg->v2_dir && cg_unit_read_kv(cg, &cg->ctx->v2, "cgroup.events", "populated", &populated) == 0)
		return populated == 0;
	return count_procs(cg) <= 0;
}

/* The memory figure's file, kept open: status with 1000 units reads 1000
 * of them, and an open and a release of a kernfs file cost seven times its
 * read. A descriptor that went stale (the directory was removed under us)
 * is opened again once. */
static int memory_read(struct cg_unit *cg, uint64_t *ret)
{
	char buf[64];
	ssize_t n = -1;

	for (int attempt = 0; attempt < 2 && n < 0; attempt++) {
		if (cg->mem_fd < 0) {
			int fd = cg_v2_has(cg, CTL_MEMORY) ?
				cg_unit_openat(cg, &cg->ctx->v2, "memory.current", O_RDONLY) :
				cg->ctx->v1_of[CTL_MEMORY] >= 0 && cg_v1_dir_of(cg, CTL_MEMORY) ?
				cg_unit_openat(cg, &cg->ctx->v1[cg->ctx->v1_of[CTL_MEMORY]],
					       "memory.usage_in_bytes", O_RDONLY) : -ENOENT;

			if (fd < 0)
				return fd;
			cg->mem_fd = fd;
		}
		n = pread(cg->mem_fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			(void)close(cg->mem_fd);
			cg->mem_fd = -1;
		}
	}
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return cg_parse_u64(buf, ret);
}

uint64_t cg_unit_memory(struct cg_unit *cg)
{
	uint64_t v;

	if (!cg || memory_read(cg, &v) < 0)
		return UINT64_MAX;
	return v;
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

	if (cg_v2_has(cg, CTL_PIDS) && cg_unit_read_u64(cg, &cg->ctx->v2, "pids.current", &v) == 0)
		ret_stats->tasks = v;
	else if ((d1 = cg_v1_dir_of(cg, CTL_PIDS)) &&
		 cg_unit_read_u64(cg, &cg->ctx->v1[cg->ctx->v1_of[CTL_PIDS]], "pids.current", &v) == 0)
		ret_stats->tasks = v;
	else if (procs_dir(cg) && (n = count_procs(cg)) >= 0)
		ret_stats->tasks = (uint64_t)n;

	if (cg->v2_dir && cg_read_kv(cg->v2_dir, "cpu.stat", "usage_usec", &v) == 0)
		ret_stats->cpu_usec = v;
	else if ((d1 = cg_v1_dir_of(cg, CTL_CPUACCT)) && cg_read_u64(d1, "cpuacct.usage", &v) == 0)
		ret_stats->cpu_usec = v / 1000;
}
