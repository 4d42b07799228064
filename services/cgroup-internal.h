/* SPDX-License-Identifier: MIT */
/*
 * cgroup-internal.h: what the pieces of services/cgroup*.c share. The
 * interface for the rest of svcinit is cgroup.h.
 *
 *   cgroup-fs.c      reading and writing cgroup files (never sleeps)
 *   cgroup-hier.c    the hierarchies: discovery, cg_init, cg_free
 *   cgroup.c         a unit's cgroup: create, the child's side, remove
 *   cgroup-limits.c  cg_unit_apply: the limits in v2, else their v1 translation
 *   cgroup-ctl.c     freeze/thaw, events, kill, emptiness, accounting
 *   cgroup-bpf.c     cg_unit_bpf_apply: device and IP programs, v1 devices
 *   cgroup-oom.c     the OOM killer's kills and events (OOMPolicy=)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/cgroup.h"

/* The controllers svcinit uses. CTL_IO is "io" in v2, "blkio" in v1.
 * CTL_DEVICES is v1 only (v2 has BPF device programs instead), used by a
 * unit only for a device policy that no BPF program can enforce. */
enum { CTL_MEMORY, CTL_PIDS, CTL_CPU, CTL_CPUACCT, CTL_CPUSET, CTL_IO, CTL_FREEZER, CTL_DEVICES,
       CTL_N };
#define CTL_BIT(c) (1u << (c))

/* v1 names ("blkio" for CTL_IO); v2 names, NULL where a core file of every
 * v2 cgroup does the job (cpu.stat for cpuacct, cgroup.freeze for freezer) */
extern const char *const cg_ctl_v1_name[CTL_N];
extern const char *const cg_ctl_v2_name[CTL_N];

#define CG_V1_MAX       CTL_N   /* a controller lives in one hierarchy at most */
#define CG_TREE_DEPTH   16      /* sub-cgroups a service made, walked this deep */

/* One hierarchy in use: v2, or a v1 one. */
struct cg_hier {
	char *mount;     /* mount point */
	char *root;      /* the hierarchy path mounted there ("/" normally) */
	char *base;      /* base path in the hierarchy, "" for its root */
	char *base_dir;  /* mount + base */
	char *own_dir;   /* where svcinit was at start (v2 only), or NULL */
	char *created;   /* topmost directory cg_init created for base, or NULL */
	unsigned ctls;   /* CTL_BITs used through this hierarchy (v1) */
	bool have_fd;    /* base_fd is open (cg_hier_fd) */
	int base_fd;     /* O_PATH of base_dir: short lookups for the units' files */
};

/* The hierarchies found by cg_init. */
struct cg_ctx {
	bool have_v2;
	struct cg_hier v2;
	unsigned v2_ctls;        /* enabled in <base>/cgroup.subtree_control */
	unsigned v2_enabled;     /* the part of v2_ctls that cg_init enabled */
	bool v2_freeze;          /* cgroup.freeze exists (kernel >= 5.2) */
	bool v2_cpustat;         /* core cpu.stat exists */
	char *scope_dir;         /* <base>/init.scope, made */
	bool in_scope;           /* svcinit moved itself in (<base> enables controllers) */

	struct cg_hier v1[CG_V1_MAX];
	size_t n_v1;
	int v1_of[CTL_N];        /* index in v1[] of a controller used through v1, or -1 */
};


/* One unit's cgroup in every hierarchy in use. */
struct cg_unit {
	struct cg_ctx *ctx;
	char leaf[UNIT_NAME_MAX + 16];   /* "NAME.service" */
	char *path;              /* "<base>/NAME.service" */
	char *v2_dir;            /* NULL without v2 */
	bool v2_kill;            /* cgroup.kill exists (kernel >= 5.14) */
	bool killed;             /* cgroup.kill was written: see cg_unit_clone_into */
	char *v1_dir[CG_V1_MAX]; /* parallel to ctx->v1[] */
	int inotify_fd;
	int bpf_fd[3];           /* programs attached (enum bpf_attach), or -1: cgroup-bpf.c */
	bool v1_devices;         /* devices.deny/allow written (cgroup-bpf.c's fallback) */
	int oom_fd;              /* cgroup-oom.c: memory.events inotify / v1 eventfd, -1 */
	int mem_fd;              /* its memory figure's file, opened at the first status
				    and read again with pread (one system call a unit), -1 */
	unsigned dirty;          /* UNIT_LIM_* whose files may hold other than the
				    kernel's default: a fresh cgroup has none, so a
				    unit without limits costs no write */
};

/* The unit's directory in the v1 hierarchy of controller ctl, or NULL. */
static inline const char *cg_v1_dir_of(const struct cg_unit *cg, int ctl)
{
	int h = cg->ctx->v1_of[ctl];

	return h >= 0 ? cg->v1_dir[h] : NULL;
}

/* Does the unit have controller ctl through v2? */
static inline bool cg_v2_has(const struct cg_unit *cg, int ctl)
{
	return cg->v2_dir && (cg->ctx->v2_ctls & CTL_BIT(ctl));
}

/* Close the programs of cgroup-bpf.c (the kernel detaches them with the
 * cgroup). */
void cg_unit_bpf_release(struct cg_unit *cg);

/* The unit's directories in the v1 hierarchies of ctls (CTL_BIT()s) it has
 * none in yet: made (cgroup.c). 0 or -errno. */
int cg_unit_need(struct cg_unit *cg, unsigned ctls);

/* ---- cgroup-fs.c: files, all -errno on failure -------------------------- */

/* "dir/file", malloc'ed; NULL when out of memory */
char *cg_path_join(const char *dir, const char *file);
/* A whole (small or large) file into a malloc'ed NUL-terminated *ret. */
int cg_read_alloc(const char *path, char **ret);
/* dir/file into buf (NUL-terminated, truncated to size - 1). */
int cg_read(const char *dir, const char *file, char *buf, size_t size);
/* val into dir/file in one write. */
int cg_write(const char *dir, const char *file, const char *val);
/* A one-line value of a unit's file in hierarchy h ("LEAF/file" from h's
 * base: two path components to walk, one read): what status reads per unit.
 * 0 or -errno. */
int cg_unit_read_u64(const struct cg_unit *cg, struct cg_hier *h, const char *file, uint64_t *ret);
/* The decimal number at the start of buf. 0 or -EINVAL. */
int cg_parse_u64(const char *buf, uint64_t *ret);
/* val into the unit's file in h, in one write. 0 or -errno. */
int cg_unit_write(const struct cg_unit *cg, struct cg_hier *h, const char *file, const char *val);
/* The same for a "key value" file (cgroup.events, memory.oom_control). */
int cg_unit_read_kv(const struct cg_unit *cg, struct cg_hier *h, const char *file, const char *key,
		    uint64_t *ret);
/* Open the unit's directory in h (file NULL) or a file of it, from h's base
 * (O_CLOEXEC added). A descriptor or -errno. */
int cg_unit_openat(const struct cg_unit *cg, struct cg_hier *h, const char *file, int flags);
bool cg_exists(const char *dir, const char *file);
/* The number after "key " in a file of "key value" lines (cgroup.events,
 * cpu.stat); -ENOENT without the key. */
int cg_read_kv(const char *dir, const char *file, const char *key, uint64_t *ret);
/* A file holding one number. */
int cg_read_u64(const char *dir, const char *file, uint64_t *ret);
/* v1 cpuset: copy cpuset.cpus/mems from the parent of dir where dir has
 * none (fresh: dir was just made, so it has none: not read). */
int cg_cpuset_v1_fill(const char *dir, bool fresh);
/* rmdir dir after its sub-cgroups, depth levels deep at most; 0 if it was gone. */
int cg_rmdir_tree(const char *dir, int depth);
