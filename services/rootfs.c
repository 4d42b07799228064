/* SPDX-License-Identifier: MIT */
/*
 * rootfs.c: a unit's namespaces and root file system.
 *
 * The parent turns the spec into a plan: checked paths, preformatted mount
 * options and an ordered list of setup steps (as bubblewrap turns options
 * into setup records). The child runs the steps with system calls only.
 *
 * Every target inside the new root is opened with openat2(RESOLVE_IN_ROOT)
 * relative to the new root, and mounted on through /proc/self/fd/N, so that
 * a symlink in RootDirectory= or in the host's root (/var/run -> /run) is
 * resolved inside the new root and never leads a mount onto the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "lib/log.h"
#include "services/dirs.h"
#include "services/path.h"
#include "services/rootfs.h"
#include "units/attrs.h"
#include "services/userns.h"
#include "units/sandbox.h"

#define RP_HOSTNAME_MAX 64            /* HOST_NAME_MAX */
#define RP_OPTS_MAX     4000          /* mount data fits in a page */

enum rp_op { RP_MOUNT, RP_BIND, RP_MKNOD, RP_SYMLINK, RP_SELF, RP_MASK };

/* What the attribute pass does to a step's mount once every mount is made
 * (systemd's namespace.c does the same in a second loop): read-only or
 * (not) executable, with everything below it or the top mount only. */
enum rp_attr { RA_NONE, RA_RO, RA_RW, RA_EXEC, RA_NOEXEC, RA_RO_TOP };

#define RP_STEPS_MAX 4096

/* One step of building the new root, in order. */
struct rp_step {
	enum rp_op op;
	char *what;              /* the step's name for *ret_step */
	char *what_ro;           /* RP_BIND read-only: the remount's name */
	char *src;               /* RP_MOUNT: source; RP_BIND: host path; RP_SYMLINK: link text */
	char *rel;               /* target relative to the new root ("dev/null") */
	char *parent;            /* RP_MKNOD, RP_SYMLINK: rel of the parent directory */
	char *name;              /* RP_MKNOD, RP_SYMLINK: last component */
	const char *fstype;      /* RP_MOUNT */
	const char *data;        /* RP_MOUNT options (static) */
	unsigned long flags;     /* RP_MOUNT, RP_BIND: MS_* */
	dev_t dev;               /* RP_MKNOD */
	bool dir;                /* the target is a directory (else a file) */
	bool rdonly;             /* RP_BIND: then made read-only, recursively */
	bool sysfs;              /* RP_MOUNT sysfs: a read-only rbind of /sys if it fails */
	bool as_unit;            /* RP_BIND: src opened with the unit's identity, no symlinks */
	bool optional;           /* RP_BIND: a src gone by now is skipped ("-SRC");
				    RP_SELF, RP_MASK, RP_MOUNT: a missing target is */
	bool premake;            /* its target is made before anything turns read-only */
	bool keep_rw;            /* a writable mount of its own: stays so below a
				    read-only entry (the top of it) */
	bool proc_opts;          /* RP_MOUNT proc: options may be refused (old kernel) */
	enum rp_attr attr;       /* applied in the attribute pass */
	char *data_own;          /* RP_MOUNT: data when not static */
};

struct rootfs_plan {
	unsigned ns;
	char hostname[RP_HOSTNAME_MAX + 1];
	bool mnt;
	bool overlay;
	bool upper_on_host;      /* OverlayUpper=: upper/work exist on the host */
	char *root_src;          /* RootDirectory= (resolved) */
	char *run_dir;           /* svcinit's run directory (the socket's) */
	char *name;              /* the unit: staging is run_dir/.stage/NAME */
	int stage_fd;            /* run_dir/.stage (parent side: cleanup) */
	uid_t owner;             /* svcinit's euid: owns .stage and .stage/NAME */
	char *staging;           /* run_dir/.stage/NAME: a tmpfs in the child's namespace */
	char *st_root;           /* staging/root: the new root's mount point */
	char *st_upper, *st_work;
	char *ovl_data;          /* checked for length; the child builds ovl_buf */
	char *ovl_buf;           /* the child's lowerdir=/proc/self/fd/N,... */
	struct path_ident id;    /* the unit's: paths it chose are opened as it */
	bool host_mode;          /* a mount namespace only the sandboxing keys asked
				    for: the host's root (or RootDirectory=) bound, its
				    /proc /sys /dev, no overlay (as systemd) */
	bool set_hostname;       /* sethostname(hostname) in the uts namespace */
	bool masks;              /* make the inaccessible nodes */
	enum rp_attr root_attr[2];   /* "/" itself: read-only, noexec (before the mounts) */
	struct rp_step *steps;
	size_t n_steps, cap_steps;
};

int rootfs_clone_flags(unsigned unit_ns)
{
	int f = 0;

	if (unit_ns & UNIT_NS_PID)
		f |= CLONE_NEWPID;
	if (unit_ns & UNIT_NS_NET)
		f |= CLONE_NEWNET;
	if (unit_ns & UNIT_NS_IPC)
		f |= CLONE_NEWIPC;
	if (unit_ns & UNIT_NS_MNT)
		f |= CLONE_NEWNS;
	if (unit_ns & UNIT_NS_UTS)
		f |= CLONE_NEWUTS;
	/* UNIT_NS_CGROUP: rootfs_enter() unshares it once the child is in
	 * its cgroups; UNIT_NS_USER: the service unshares it last (spawn.c),
	 * after its root was made */
	return f;
}

/* ---- parent side ---------------------------------------------------------- */

static char errbuf[PATH_MAX + 256];

#define PLAN_ERR(...) ((void)snprintf(errbuf, sizeof(errbuf), __VA_ARGS__), *ret_error = errbuf)

/* "/a//b/" -> "a/b" (relative to the new root). "." and ".." are refused,
 * and so is "/" itself. */
static int rel_of(const char *abs, char **ret)
{
	char *n = path_normalize(abs);

	if (!n)
		return -errno;
	if (!n[0]) {
		free(n);
		return -EINVAL;
	}
	memmove(n, n + 1, strlen(n));   /* drop the leading '/' */
	*ret = n;
	return 0;
}

static struct rp_step *step_add(struct rootfs_plan *p, enum rp_op op, const char *what,
				const char *rel)
{
	struct rp_step *s;

	if (p->n_steps >= RP_STEPS_MAX)
		return NULL;
	if (p->n_steps == p->cap_steps) {
		size_t cap = p->cap_steps ? p->cap_steps * 2 : 32;
		struct rp_step *ns = realloc(p->steps, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		p->steps = ns;
		p->cap_steps = cap;
	}
	s = &p->steps[p->n_steps];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->what = strdup(what);
	s->rel = strdup(rel);
	if (!s->what || !s->rel) {
		free(s->what);
		free(s->rel);
		return NULL;
	}
	p->n_steps++;
	if (op == RP_MKNOD || op == RP_SYMLINK) {
		const char *slash = strrchr(rel, '/');

		s->parent = slash ? strndup(rel, (size_t)(slash - rel)) : strdup(".");
		s->name = strdup(slash ? slash + 1 : rel);
		if (!s->parent || !s->name)
			return NULL;   /* freed with the plan */
	}
	return s;
}

static int add_mount(struct rootfs_plan *p, const char *what, const char *fstype, const char *rel,
		     unsigned long flags, const char *data)
{
	struct rp_step *s = step_add(p, RP_MOUNT, what, rel);

	if (!s)
		return -ENOMEM;
	s->src = strdup(fstype);
	if (!s->src)
		return -ENOMEM;
	s->fstype = fstype;
	s->flags = flags;
	s->data = data;
	s->dir = true;
	return 0;
}

static int add_symlink(struct rootfs_plan *p, const char *rel, const char *target)
{
	char what[64];
	struct rp_step *s;

	(void)snprintf(what, sizeof(what), "symlink /%s", rel);
	s = step_add(p, RP_SYMLINK, what, rel);
	if (!s)
		return -ENOMEM;
	s->src = strdup(target);
	return s->src ? 0 : -ENOMEM;
}

static int add_bind(struct rootfs_plan *p, const char *src, const char *rel, bool dir,
		    bool rdonly, bool recursive)
{
	struct rp_step *s;
	char *what;

	if (asprintf(&what, "bind %s", src) < 0)
		return -ENOMEM;
	s = step_add(p, RP_BIND, what, rel);
	free(what);
	if (!s)
		return -ENOMEM;
	s->src = strdup(src);
	if (!s->src)
		return -ENOMEM;
	if (rdonly && asprintf(&s->what_ro, "remount /%s read-only", rel) < 0) {
		s->what_ro = NULL;
		return -ENOMEM;
	}
	s->flags = MS_BIND | (recursive ? MS_REC : 0);
	s->dir = dir;
	s->rdonly = rdonly;
	return 0;
}

/* the minimal /dev: host nodes are bound in (works wherever the host has
 * them, without CAP_MKNOD); a missing one is made with mknod */
static const struct {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static int plan_dev(struct rootfs_plan *p)
{
	int r;

	r = add_mount(p, "mount /dev", "tmpfs", "dev", MS_NOSUID | MS_STRICTATIME,
		      "mode=755,size=65536k");
	for (size_t i = 0; r == 0 && i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		char host[32], rel[32];
		struct stat st;

		(void)snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i].name);
		(void)snprintf(rel, sizeof(rel), "dev/%s", dev_nodes[i].name);
		if (stat(host, &st) == 0 && S_ISCHR(st.st_mode)) {
			r = add_bind(p, host, rel, false, false, false);
		} else {
			char what[48];
			struct rp_step *s;

			(void)snprintf(what, sizeof(what), "mknod %s", host);
			s = step_add(p, RP_MKNOD, what, rel);
			if (!s)
				return -ENOMEM;
			s->dev = makedev(dev_nodes[i].major, dev_nodes[i].minor);
		}
	}
	if (r == 0)
		r = add_mount(p, "mount /dev/pts", "devpts", "dev/pts", MS_NOSUID | MS_NOEXEC,
			      "newinstance,ptmxmode=0666,mode=0620,gid=5");
	if (r == 0)
		r = add_symlink(p, "dev/ptmx", "pts/ptmx");
	if (r == 0)
		r = add_mount(p, "mount /dev/shm", "tmpfs", "dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			      "mode=1777");
	if (r == 0)
		r = add_symlink(p, "dev/fd", "/proc/self/fd");
	if (r == 0)
		r = add_symlink(p, "dev/stdin", "/proc/self/fd/0");
	if (r == 0)
		r = add_symlink(p, "dev/stdout", "/proc/self/fd/1");
	if (r == 0)
		r = add_symlink(p, "dev/stderr", "/proc/self/fd/2");
	return r;
}

/* The generic step "bind the host's path SRC at DST in the unit's root"
 * (BindPaths=, ReadWritePaths=, and every key whose writes must reach the
 * host whatever the root: StateDirectory= and its kin go through here too).
 * SRC is resolved as the unit's user (a symlink that user planted leads
 * only where it could go); the child opens the resolved path again with no
 * symlinks at all and binds that very object, recursively. A missing SRC is
 * skipped when optional, else the error. key names it in messages. */
static int plan_host_bind(struct rootfs_plan *p, const char *key, const char *src,
			  const char *dst, bool read_only, bool optional, const char **ret_error)
{
	struct stat st;
	char *rel = NULL, *canon;
	int fd, r;

	if (!src || src[0] != '/') {
		PLAN_ERR("%s=%s: not an absolute path", key, src ? src : "");
		return -EINVAL;
	}
	fd = path_open_as(&p->id, AT_FDCWD, src, O_PATH, 0, 0);
	if (fd < 0) {
		if (fd == -ENOENT && optional)
			return 0;
		PLAN_ERR("%s=%s: %s", key, src, strerror(-fd));
		return fd;
	}
	canon = fstat(fd, &st) == 0 ? path_of_fd(fd) : NULL;
	r = canon ? 0 : -errno;
	(void)close(fd);
	if (r < 0) {
		PLAN_ERR("%s=%s: %s", key, src, strerror(-r));
		return r;
	}
	r = rel_of(dst, &rel);
	if (r == -EINVAL) {
		PLAN_ERR("%s=%s:%s: the destination must be an absolute path below /", key, src, dst);
		free(canon);
		return r;
	}
	if (r < 0) {
		free(canon);
		return r;
	}
	r = add_bind(p, canon, rel, S_ISDIR(st.st_mode), read_only, true);
	free(canon);
	free(rel);
	if (r < 0)
		return r;
	p->steps[p->n_steps - 1].as_unit = true;
	p->steps[p->n_steps - 1].optional = optional;
	p->steps[p->n_steps - 1].premake = true;
	p->steps[p->n_steps - 1].keep_rw = !read_only;
	return 0;
}

static int plan_binds(struct rootfs_plan *p, const struct unit_spec *spec, const char **ret_error)
{
	for (size_t i = 0; i < spec->n_binds; i++) {
		const struct unit_bind *b = &spec->binds[i];
		int r = plan_host_bind(p, b->read_only ? "BindReadOnlyPaths" : "BindPaths", b->src,
				       b->dst ? b->dst : b->src, b->read_only, b->optional,
				       ret_error);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Under Namespaces=user the unit's ids are the host's ids of its range:
 * paths it chose are opened with those (root in the unit is not root). */
static int userns_ident(const struct unit_spec *spec, struct path_ident *id)
{
	unsigned long first;
	int r;

	if (!(spec->namespaces & UNIT_NS_USER) ||
	    (spec->sandbox.private_users && (spec->sandbox.ns_added & UNIT_NS_USER)))
		return 0;   /* PrivateUsers=: the ids are the host's own */
	r = userns_range(spec->name, &first);
	if (r < 0)
		return r;
	if (!id->set) {
		memset(id, 0, sizeof(*id));
		id->set = true;
	}
	id->uid += (uid_t)first;
	id->gid += (gid_t)first;
	for (size_t i = 0; i < id->n_groups; i++)
		id->groups[i] += (gid_t)first;
	return 0;
}

/* The sandboxing keys' entries (units/sandbox.c, sorted by path) as steps:
 * "/" itself is done before any mount (root_attr); every other entry makes
 * its mount here (a tmpfs, a bind of the host's path, a bind of the path
 * onto itself, an inaccessible node) and gets its attribute in the
 * attribute pass, after all mounts. */
static int plan_sandbox(struct rootfs_plan *p, const struct unit_sb_plan *sb,
			const char **ret_error)
{
	static const enum rp_attr attr_of[] = {
		[UNIT_SB_TMPFS] = RA_NONE, [UNIT_SB_RW] = RA_RW, [UNIT_SB_RO] = RA_RO,
		[UNIT_SB_EXEC] = RA_EXEC, [UNIT_SB_NOEXEC] = RA_NOEXEC, [UNIT_SB_MASK] = RA_RO_TOP,
	};

	for (size_t i = 0; i < sb->n; i++) {
		const struct unit_sb_entry *e = &sb->e[i];
		struct rp_step *st;
		char what[96], *rel = NULL;
		int r;

		if (strcmp(e->path, "/") == 0) {
			/* RO and NOEXEC of the root: before every other mount
			 * (what is mounted later keeps its own flags); RW and
			 * EXEC of it: nothing to undo */
			if (e->kind == UNIT_SB_RO)
				p->root_attr[0] = RA_RO;
			else if (e->kind == UNIT_SB_NOEXEC)
				p->root_attr[1] = RA_NOEXEC;
			continue;
		}
		if (e->kind == UNIT_SB_RW && e->host) {
			r = plan_host_bind(p, e->key, e->path, e->path, false, e->optional, ret_error);
			if (r < 0)
				return r;
			continue;
		}
		r = rel_of(e->path, &rel);
		if (r < 0) {
			PLAN_ERR("%s=%s: not a path below /", e->key, e->path);
			return r;
		}
		(void)snprintf(what, sizeof(what), "%s %s",
			       e->kind == UNIT_SB_TMPFS ? "mount tmpfs" :
			       e->kind == UNIT_SB_MASK ? "mask" : "bind", e->path);
		st = step_add(p, e->kind == UNIT_SB_TMPFS ? RP_MOUNT :
			      e->kind == UNIT_SB_MASK ? RP_MASK : RP_SELF, what, rel);
		free(rel);
		if (!st)
			return -ENOMEM;
		st->optional = e->optional;
		st->attr = attr_of[e->kind];
		st->dir = true;
		if (e->kind == UNIT_SB_TMPFS) {
			st->src = strdup("tmpfs");
			st->data_own = e->data ? strdup(e->data) : NULL;
			if (!st->src || (e->data && !st->data_own))
				return -ENOMEM;
			st->fstype = "tmpfs";
			st->data = st->data_own;
			st->flags = e->flags & ~(unsigned long)MS_RDONLY;
			if (e->flags & MS_RDONLY)
				st->attr = RA_RO_TOP;
			else
				st->keep_rw = true;
			st->premake = !e->optional;
		}
		if (e->kind == UNIT_SB_MASK)
			p->masks = true;
		if (asprintf(&st->what_ro, "%s %s", e->kind == UNIT_SB_NOEXEC ? "noexec" :
			     e->kind == UNIT_SB_EXEC ? "exec" : e->kind == UNIT_SB_RW ? "make writable" :
			     "make read-only", e->path) < 0) {
			st->what_ro = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* RuntimeDirectory= and friends (services/dirs.c made them on the host
 * before): bound at the same place into the unit's root, so that what the
 * unit writes there reaches the host whatever its root (overlay or
 * RootDirectory=). Opened here as the unit's user like BindPaths= SRC, and
 * again by the child with no symlinks at all. */
static int plan_dirs(struct rootfs_plan *p, const struct unit_spec *spec, const char **ret_error)
{
	static const struct path_ident root_id = { .set = false };

	for (int d = 0; d < UNIT_DIR_N; d++) {
		/* DynamicUser=: BASE/private is root's 0700 on the host (dirs.c);
		 * in the unit's root a fresh 0755 tmpfs holds only its own */
		bool priv = dirs_private(spec, (enum unit_dir)d) && spec->attrs.dirs[d] &&
			    spec->attrs.dirs[d][0];

		if (priv) {
			static const char *const tmp_rel[UNIT_DIR_N] = {
				[UNIT_DIR_STATE] = "var/lib/private",
				[UNIT_DIR_CACHE] = "var/cache/private",
				[UNIT_DIR_LOGS] = "var/log/private",
			};
			int r = add_mount(p, "mount the DynamicUser= private/ directory", "tmpfs",
					  tmp_rel[d], MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755");

			if (r < 0)
				return r;
		}
		for (char **n = spec->attrs.dirs[d]; n && *n; n++) {
			char *host = NULL, *canon, *rel = NULL;
			struct stat st;
			int fd, r;

			if (asprintf(&host, "%s/%s%s", unit_dir_base((enum unit_dir)d),
				     priv ? "private/" : "", *n) < 0)
				return -ENOMEM;
			/* private/ is root's: opened by svcinit (the unit cannot
			 * change anything on the way there) */
			fd = path_open_as(priv ? &root_id : &p->id, AT_FDCWD, host,
					  O_PATH | O_DIRECTORY, 0, 0);
			if (fd < 0) {
				PLAN_ERR("%s=%s: %s", unit_dir_key((enum unit_dir)d), host,
					 strerror(-fd));
				free(host);
				return fd;
			}
			canon = fstat(fd, &st) == 0 ? path_of_fd(fd) : NULL;
			r = canon ? rel_of(host, &rel) : -errno;
			(void)close(fd);
			free(host);
			if (r == 0)
				r = add_bind(p, canon, rel, true, false, true);
			free(canon);
			free(rel);
			if (r < 0)
				return r;
			p->steps[p->n_steps - 1].as_unit = !priv;
		}
	}
	return 0;
}

static int plan_keep(struct rootfs_plan *p, const char *const *keep_paths)
{
	for (size_t i = 0; keep_paths && keep_paths[i]; i++) {
		struct stat st;
		char *rel;
		int r;

		if (stat(keep_paths[i], &st) < 0 || rel_of(keep_paths[i], &rel) < 0)
			continue;   /* gone or not absolute: nothing to keep */
		/* read-only, not recursive (the staging directory may lie below
		 * it); connect(2) to a socket works through a read-only bind, and
		 * whatever the unit does to this mount in its own namespace
		 * (umount, remount) changes nothing on the host */
		r = add_bind(p, keep_paths[i], rel, S_ISDIR(st.st_mode), true, false);
		free(rel);
		if (r < 0)
			return r;
		p->steps[p->n_steps - 1].premake = true;
	}
	return 0;
}

/* overlayfs splits its options at ',' and lowerdir at ':' */
static bool ovl_path_ok(const char *s)
{
	return !strpbrk(s, ",:\\");
}

/* OverlayUpper=DIR: DIR opened as the unit's user, DIR/upper and DIR/work
 * made there and opened with no symlinks at all; their resolved paths. */
static int ovl_subdir(struct rootfs_plan *p, const char *dir, char **ret_upper, char **ret_work,
		      const char **ret_sub)
{
	static const char *const names[2] = { "upper", "work" };
	char **rets[2] = { ret_upper, ret_work };
	int dfd, r = 0;

	dfd = path_open_as(&p->id, AT_FDCWD, dir, O_PATH | O_DIRECTORY, 0, 0);
	if (dfd < 0)
		return dfd;
	for (int i = 0; i < 2 && r == 0; i++) {
		int fd;

		*ret_sub = names[i];
		if (mkdirat(dfd, names[i], 0755) < 0 && errno != EEXIST) {
			r = -errno;
			break;
		}
		fd = path_open_as(NULL, dfd, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW, 0,
				  RESOLVE_NO_SYMLINKS);
		if (fd < 0) {
			r = fd;
			break;
		}
		*rets[i] = path_of_fd(fd);
		if (!*rets[i])
			r = -errno;
		(void)close(fd);
	}
	if (r == 0)
		*ret_sub = NULL;
	(void)close(dfd);
	return r;
}

/* run_dir/.stage/NAME, made here (0700) component by component from a
 * descriptor of run_dir: .stage and NAME are never followed when they are
 * symlinks and must be svcinit's own, private directories. The child walks
 * the same way again in its own mount namespace. */
static int plan_staging(struct rootfs_plan *p, const char *run_dir, const char *name,
			const char **ret_error)
{
	const char *what = run_dir;
	int runfd, fd, r;

	if (!run_dir || run_dir[0] != '/') {
		PLAN_ERR("%s: the run directory must be an absolute path", run_dir ? run_dir : "");
		return -EINVAL;
	}
	p->owner = geteuid();
	p->run_dir = strdup(run_dir);
	p->name = strdup(name);
	if (!p->run_dir || !p->name || asprintf(&p->staging, "%s/.stage/%s", run_dir, name) < 0) {
		p->staging = NULL;
		return -ENOMEM;
	}
	runfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (runfd < 0) {
		r = -errno;
		goto fail;
	}
	what = ".stage";
	r = path_private_dir(runfd, ".stage", 0700, true, p->owner);
	(void)close(runfd);
	if (r < 0)
		goto fail;
	p->stage_fd = r;
	what = name;
	fd = path_private_dir(p->stage_fd, name, 0700, true, p->owner);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	(void)close(fd);
	return 0;
fail:
	if (what == name)
		PLAN_ERR("%s: %s", p->staging, strerror(-r));
	else
		PLAN_ERR("%s%s%s: %s", run_dir, what == run_dir ? "" : "/", what == run_dir ? "" : what,
			 strerror(-r));
	return r;
}

static int plan_root(struct rootfs_plan *p, const struct unit_spec *spec, const char *rundir,
		     const char **ret_error)
{
	const char *root = spec->root_directory ? spec->root_directory : "/";
	int r;

	int fd;

	/* resolved as the unit's user (not realpath as root): the child
	 * opens the result again without symlinks */
	fd = path_open_as(&p->id, AT_FDCWD, root, O_PATH | O_DIRECTORY, 0, 0);
	if (fd >= 0) {
		p->root_src = path_of_fd(fd);
		r = p->root_src ? 0 : -errno;
		(void)close(fd);
	} else {
		r = fd;
	}
	if (r < 0) {
		PLAN_ERR("RootDirectory=%s: %s", root, strerror(-r));
		return r;
	}
	r = plan_staging(p, rundir, spec->name, ret_error);
	if (r < 0)
		return r;

	if (asprintf(&p->st_root, "%s/root", p->staging) < 0) {
		p->st_root = NULL;
		return -ENOMEM;
	}

	p->overlay = spec->overlay && !p->host_mode;   /* the keys alone: as systemd, no overlay */
	if (!p->overlay)
		return 0;   /* OverlayUpper= without an overlay means nothing */
	if (spec->overlay_upper) {
		if (spec->overlay_upper[0] != '/') {
			PLAN_ERR("OverlayUpper=%s: not an absolute path", spec->overlay_upper);
			return -EINVAL;
		}
		const char *sub = NULL;

		/* DIR as the unit's user (created as it when missing);
		 * upper and work inside it by root, never through a
		 * symlink */
		r = path_mkdir_as(&p->id, spec->overlay_upper, 0755);
		if (r == 0)
			r = ovl_subdir(p, spec->overlay_upper, &p->st_upper, &p->st_work, &sub);
		if (r < 0) {
			PLAN_ERR("OverlayUpper=%s%s%s: %s", spec->overlay_upper, sub ? ": " : "",
				 sub ? sub : "", strerror(-r));
			return r;
		}
		p->upper_on_host = true;
	} else {
		if (asprintf(&p->st_upper, "%s/upper", p->staging) < 0) {
			p->st_upper = NULL;
			return -ENOMEM;
		}
		if (asprintf(&p->st_work, "%s/work", p->staging) < 0) {
			p->st_work = NULL;
			return -ENOMEM;
		}
	}
	if (!ovl_path_ok(p->root_src)) {
		PLAN_ERR("RootDirectory=%s: ',' ':' and '\\' cannot be used with an overlay", root);
		return -EINVAL;
	}
	if (!ovl_path_ok(p->st_upper) || !ovl_path_ok(p->st_work)) {
		PLAN_ERR("%s: ',' ':' and '\\' cannot be used with an overlay", p->st_upper);
		return -EINVAL;
	}
	if (asprintf(&p->ovl_data, "lowerdir=%s,upperdir=%s,workdir=%s", p->root_src, p->st_upper,
		     p->st_work) < 0) {
		p->ovl_data = NULL;
		return -ENOMEM;
	}
	if (strlen(p->ovl_data) > RP_OPTS_MAX) {
		PLAN_ERR("RootDirectory=%s: overlay options too long", root);
		return -ENAMETOOLONG;
	}
	p->ovl_buf = malloc(RP_OPTS_MAX + 1);
	return p->ovl_buf ? 0 : -ENOMEM;
}

int rootfs_plan_new(const struct unit_spec *spec, const struct path_ident *id,
		    const char *rundir, const char *const *keep_paths,
		    struct rootfs_plan **ret_plan, const char **ret_error)
{
	const char *host = spec->hostname ? spec->hostname : spec->name;
	struct unit_sb_plan sb = { NULL, 0 };
	char sberr[256] = "", procopt[64];
	bool root_ro = false;
	struct rootfs_plan *p;
	size_t hl = strlen(host);
	int r;

	*ret_plan = NULL;
	*ret_error = NULL;
	if (hl == 0 || hl > RP_HOSTNAME_MAX) {
		PLAN_ERR("Hostname=%s: must be 1 to %d characters", host, RP_HOSTNAME_MAX);
		return -EINVAL;
	}
	if (!(spec->namespaces & UNIT_NS_MNT)) {
		const char *key = spec->root_directory ? "RootDirectory" :
				  spec->n_binds ? "BindPaths" :
				  spec->overlay_upper ? "OverlayUpper" : NULL;

		if (key) {
			PLAN_ERR("%s= needs Namespaces=mnt", key);
			return -EINVAL;
		}
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->stage_fd = -1;
	p->ns = spec->namespaces;
	if (id)
		p->id = *id;
	r = userns_ident(spec, &p->id);
	if (r < 0) {
		PLAN_ERR("Namespaces=user: %s", strerror(-r));
		goto fail;
	}
	memcpy(p->hostname, host, hl + 1);
	p->mnt = (spec->namespaces & UNIT_NS_MNT) != 0;
	p->host_mode = p->mnt && (spec->sandbox.ns_added & UNIT_NS_MNT);
	/* ProtectHostname= alone: a uts namespace with the host's name */
	p->set_hostname = (spec->namespaces & UNIT_NS_UTS) &&
			  (!(spec->sandbox.ns_added & UNIT_NS_UTS) || spec->hostname);
	if (!p->mnt)
		goto done;

	r = unit_sandbox_plan(spec, &sb, sberr, sizeof(sberr));
	if (r < 0) {
		PLAN_ERR("%s", sberr);
		goto fail;
	}
	for (size_t i = 0; i < sb.n; i++)   /* "/" itself: see plan_sandbox */
		if (strcmp(sb.e[i].path, "/") == 0 && sb.e[i].kind == UNIT_SB_RO)
			root_ro = true;
	/* the keys on another root: the host's API file systems in it too (as
	 * systemd's MountAPIVFS=, which its sandboxing keys imply) */
	if (spec->root_directory)
		root_ro = true;
	r = plan_root(p, spec, rundir, ret_error);
	if (r < 0)
		goto fail;
	unit_sandbox_proc_options(spec, procopt, sizeof(procopt));
	if (!p->host_mode || (spec->namespaces & UNIT_NS_PID) || procopt[0]) {
		/* fresh /proc, with or without a pid namespace: the host's
		 * would not be reachable after pivot_root (overlay), or would
		 * show the host's processes (pid) */
		r = add_mount(p, "mount /proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			      NULL);
		if (r == 0 && procopt[0]) {
			struct rp_step *st = &p->steps[p->n_steps - 1];

			st->data = st->data_own = strdup(procopt);
			st->proc_opts = true;
			if (!st->data_own)
				r = -ENOMEM;
		}
	} else if (root_ro) {
		/* the host's own, fresh from the host's tree: not read-only */
		r = add_bind(p, "/proc", "proc", true, false, true);
	}
	if (r == 0 && !p->host_mode) {
		r = add_mount(p, "mount /sys", "sysfs", "sys",
			      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (r == 0)
			p->steps[p->n_steps - 1].sysfs = true;
	} else if (r == 0 && root_ro) {
		r = add_bind(p, "/sys", "sys", true, false, true);
	}
	if (r == 0 && (!p->host_mode || spec->sandbox.private_devices)) {
		size_t at = p->n_steps;

		r = plan_dev(p);
		if (r == 0 && spec->sandbox.private_devices) {
			/* systemd.exec(5): the new /dev read-only and noexec */
			p->steps[at].flags |= MS_NOEXEC;
			p->steps[at].attr = RA_RO_TOP;
		}
	}
	else if (r == 0 && root_ro)
		r = add_bind(p, "/dev", "dev", true, false, true);
	if (r == 0 && !p->host_mode) {
		r = add_mount(p, "mount /tmp", "tmpfs", "tmp", MS_NOSUID | MS_NODEV, "mode=1777");
		if (r == 0)
			p->steps[p->n_steps - 1].keep_rw = true;
	}
	for (size_t i = 0; r == 0 && i < p->n_steps; i++)   /* the API mounts' own points */
		if (p->steps[i].rel && strchr(p->steps[i].rel, '/') == NULL)
			p->steps[i].premake = true;
	if (r == 0)
		r = plan_sandbox(p, &sb, ret_error);
	if (r == 0)
		r = plan_binds(p, spec, ret_error);
	if (r == 0)
		r = plan_dirs(p, spec, ret_error);
	if (r == 0)
		r = plan_keep(p, keep_paths);
	if (r < 0)
		goto fail;
done:
	unit_sandbox_plan_free(&sb);
	*ret_plan = p;
	return 0;
fail:
	unit_sandbox_plan_free(&sb);
	if (r == -ENOMEM && !*ret_error)
		*ret_error = strerror(ENOMEM);
	rootfs_plan_free(p);
	return r;
}

void rootfs_plan_trim(struct rootfs_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_steps; i++) {
		struct rp_step *s = &plan->steps[i];

		free(s->what);
		free(s->what_ro);
		free(s->src);
		free(s->rel);
		free(s->parent);
		free(s->name);
		free(s->data_own);
	}
	free(plan->steps);
	plan->steps = NULL;
	plan->n_steps = plan->cap_steps = 0;
	free(plan->root_src);
	free(plan->st_root);
	free(plan->st_upper);
	free(plan->st_work);
	free(plan->ovl_data);
	free(plan->ovl_buf);
	plan->root_src = plan->st_root = plan->st_upper = plan->st_work = NULL;
	plan->ovl_data = plan->ovl_buf = NULL;
}

void rootfs_plan_free(struct rootfs_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n_steps; i++) {
		struct rp_step *s = &plan->steps[i];

		free(s->what);
		free(s->what_ro);
		free(s->src);
		free(s->rel);
		free(s->parent);
		free(s->name);
		free(s->data_own);
	}
	free(plan->steps);
	free(plan->root_src);
	free(plan->staging);
	free(plan->run_dir);
	free(plan->name);
	if (plan->stage_fd >= 0)
		(void)close(plan->stage_fd);
	free(plan->st_root);
	free(plan->st_upper);
	free(plan->st_work);
	free(plan->ovl_data);
	free(plan->ovl_buf);
	free(plan);
}

void rootfs_cleanup(const struct rootfs_plan *plan)
{
	if (!plan || plan->stage_fd < 0)
		return;
	/* the tmpfs and all below it lived in the child's namespace only:
	 * on the host, staging is an empty directory (unless another
	 * instance is still starting in it) */
	if (unlinkat(plan->stage_fd, plan->name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		log_debug("rootfs: cannot remove %s: %s", plan->staging, strerror(errno));
}

/* ---- child side: system calls only ---------------------------------------- */

/* "/proc/self/fd/N" into buf (at least 32 bytes) */
static void fd_path(int fd, char *buf)
{
	static const char pre[] = "/proc/self/fd/";
	char digits[12];
	size_t n = 0, i;
	unsigned v = (unsigned)fd;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(digits));
	for (i = 0; pre[i]; i++)
		buf[i] = pre[i];
	while (n)
		buf[i++] = digits[--n];
	buf[i] = '\0';
}

static size_t s_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static void close_keep_errno(int fd)
{
	int e = errno;

	(void)close(fd);
	errno = e;
}

/* open rel inside the new root: symlinks and ".." cannot leave it */
static int root_open(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	for (int i = 0; i < 16; i++) {
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno == EAGAIN || errno == EINTR)
			continue;
		if (errno != ENOSYS)
			return -errno;
		/* before 5.6: plain openat, symlinks resolved on the host */
		fd = openat(rootfd, rel, flags | O_CLOEXEC, mode);
		return fd < 0 ? -errno : (int)fd;
	}
	return -EAGAIN;
}

/* Create one missing component path (a prefix of a rel path in buf). */
static int create_one(int rootfd, char *path, bool dir)
{
	char *slash = NULL;
	const char *name = path;
	int pfd = rootfd, fd, r = 0;

	fd = root_open(rootfd, path, O_PATH, 0);
	if (fd >= 0) {
		(void)close(fd);
		return 0;
	}
	if (fd != -ENOENT)
		return fd;
	for (char *c = path; *c; c++)
		if (*c == '/')
			slash = c;
	if (slash) {
		*slash = '\0';
		pfd = root_open(rootfd, path, O_PATH | O_DIRECTORY, 0);
		*slash = '/';
		if (pfd < 0)
			return pfd;
		name = slash + 1;
	}
	/* a single component: mkdirat and O_EXCL do not follow a symlink */
	if (dir) {
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST)
			r = -errno;
	} else {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0644);
		if (fd >= 0)
			(void)close(fd);
		else if (errno != EEXIST)
			r = -errno;
	}
	if (pfd != rootfd)
		(void)close(pfd);
	return r;
}

/* mkdir -p rel inside the new root (the last component a directory, or an
 * empty file); returns an O_PATH fd of it or -errno. */
static int root_mkpath(int rootfd, const char *rel, bool dir)
{
	char buf[PATH_MAX];
	size_t len = s_len(rel);
	int fd, r;

	fd = root_open(rootfd, rel, O_PATH | (dir ? O_DIRECTORY : 0), 0);
	if (fd != -ENOENT)
		return fd;
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	for (size_t i = 0; i <= len; i++)
		buf[i] = rel[i];
	for (size_t i = 0; i <= len; i++) {
		bool last = buf[i] == '\0';

		if (buf[i] != '/' && !last)
			continue;
		buf[i] = '\0';
		r = create_one(rootfd, buf, last ? dir : true);
		if (!last)
			buf[i] = '/';
		if (r < 0)
			return r;
	}
	return root_open(rootfd, rel, O_PATH | (dir ? O_DIRECTORY : 0), 0);
}

static int mount_on(int fd, const char *src, const char *fstype, unsigned long flags, const void *data)
{
	char p[32];

	fd_path(fd, p);
	return mount(src, p, fstype, flags, data) < 0 ? -errno : 0;
}

/* Set and clear MOUNT_ATTR_RDONLY / _NOEXEC on the mount at rel (with every
 * mount below it when rec). Before 5.12 (no mount_setattr): a remount of the
 * top mount, keeping its locked flags. */
static int set_attr_fd(int fd, uint64_t set, uint64_t clr, bool rec)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };
	struct statfs sf;
	unsigned long keep = 0;
	int r;

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	if (fstatfs(fd, &sf) == 0) {
		if (sf.f_flags & ST_NOSUID)
			keep |= MS_NOSUID;
		if (sf.f_flags & ST_NODEV)
			keep |= MS_NODEV;
		if (sf.f_flags & ST_NOEXEC)
			keep |= MS_NOEXEC;
		if (sf.f_flags & ST_RDONLY)
			keep |= MS_RDONLY;
		if (sf.f_flags & ST_NOATIME)
			keep |= MS_NOATIME;
		if (sf.f_flags & ST_NODIRATIME)
			keep |= MS_NODIRATIME;
		if (sf.f_flags & ST_RELATIME)
			keep |= MS_RELATIME;
	}
	if (set & MOUNT_ATTR_RDONLY)
		keep |= MS_RDONLY;
	if (clr & MOUNT_ATTR_RDONLY)
		keep &= ~(unsigned long)MS_RDONLY;
	if (set & MOUNT_ATTR_NOEXEC)
		keep |= MS_NOEXEC;
	if (clr & MOUNT_ATTR_NOEXEC)
		keep &= ~(unsigned long)MS_NOEXEC;
	r = mount_on(fd, NULL, NULL, MS_BIND | MS_REMOUNT | keep, NULL);
	return r;
}

static int set_attr(int rootfd, const char *rel, uint64_t set, uint64_t clr, bool rec)
{
	int fd = root_open(rootfd, rel, O_PATH, 0), r;   /* now the new mount's root */

	if (fd < 0)
		return fd;
	r = set_attr_fd(fd, set, clr, rec);
	(void)close(fd);
	return r;
}

/* Make the mount at rel (and every mount below it) read-only. */
static int make_ro(int rootfd, const char *rel)
{
	return set_attr(rootfd, rel, MOUNT_ATTR_RDONLY, 0, true);
}

/* dst = a + b (async-signal-safe strcat within RP_OPTS_MAX) */
static int opts_add(char *dst, size_t *len, const char *a)
{
	size_t n = s_len(a);

	if (*len + n > RP_OPTS_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++)
		dst[(*len)++] = a[i];
	dst[*len] = '\0';
	return 0;
}

/* A path of the plan opened again in the child, with no symlink anywhere
 * (it was resolved by the parent), as the unit's user when id is given:
 * what is mounted is this very object, whatever was swapped since. */
static int reopen(const struct path_ident *id, const char *path, int flags)
{
	return path_open_as(id, AT_FDCWD, path, O_PATH | flags, 0, RESOLVE_NO_SYMLINKS);
}

/* The child's descriptors while it builds the new root. */
struct rp_ctx {
	int rootfd;
	int mask_dir, mask_reg;  /* the inaccessible nodes (O_PATH), -1: none */
};

/* The target of a sandboxing entry inside the new root. One that loosens
 * (writable, executable again) is looked up as the unit's user: a symlink
 * that user planted in a directory of its own leads only where it could go
 * anyway; one that restricts may follow it (it restricts something else of
 * the unit's own view, no more). */
static int target_open(const struct rootfs_plan *p, int rootfd, const struct rp_step *s)
{
	if (s->attr == RA_RW || s->attr == RA_EXEC)
		return path_open_as(&p->id, rootfd, s->rel, O_PATH, 0, RESOLVE_IN_ROOT);
	return root_open(rootfd, s->rel, O_PATH, 0);
}

static int do_step(const struct rootfs_plan *p, const struct rp_ctx *x, const struct rp_step *s,
		   const char **ret_step)
{
	int rootfd = x->rootfd, fd, r;

	*ret_step = s->what;
	switch (s->op) {
	case RP_SELF:
	case RP_MASK: {
		char tp[32], mp[32];
		struct stat st;
		int mfd;

		fd = target_open(p, rootfd, s);
		if (fd == -ENOENT && s->optional)
			return 0;
		if (fd < 0)
			return fd;
		fd_path(fd, tp);
		if (s->op == RP_SELF) {
			r = mount(tp, tp, NULL, MS_BIND | MS_REC, NULL) < 0 ? -errno : 0;
			(void)close(fd);
			return r;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			(void)close(fd);
			return r;
		}
		mfd = S_ISDIR(st.st_mode) ? x->mask_dir : x->mask_reg;
		if (mfd < 0) {
			(void)close(fd);
			return -EBADF;
		}
		fd_path(mfd, mp);
		r = mount(mp, tp, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
		(void)close(fd);
		return r;
	}
	case RP_MOUNT:
		if (s->optional) {
			fd = root_open(rootfd, s->rel, O_PATH | O_DIRECTORY, 0);
			if (fd == -ENOENT || fd == -ENOTDIR)
				return 0;
		} else {
			fd = root_mkpath(rootfd, s->rel, true);
		}
		if (fd < 0)
			return fd;
		r = mount_on(fd, s->src, s->fstype, s->flags, s->data);
		if (r == -EINVAL && s->proc_opts)   /* hidepid=/subset= unknown: as systemd, without */
			r = mount_on(fd, s->src, s->fstype, s->flags, NULL);
		if (r < 0 && s->sysfs) {
			/* sysfs refuses a net namespace the mounter does not
			 * own: show the host's, read-only */
			r = mount_on(fd, "/sys", NULL, MS_BIND | MS_REC, NULL);
			if (r == 0)
				r = make_ro(rootfd, s->rel);
		}
		(void)close(fd);
		return r;
	case RP_BIND: {
		char src[32];
		int sfd = -1;

		if (s->as_unit) {
			sfd = reopen(&p->id, s->src, 0);
			if (sfd == -ENOENT && s->optional)
				return 0;
			if (sfd < 0)
				return sfd;
			fd_path(sfd, src);
		}
		fd = root_mkpath(rootfd, s->rel, s->dir);
		if (fd < 0) {
			if (sfd >= 0)
				(void)close(sfd);
			return fd;
		}
		r = mount_on(fd, sfd >= 0 ? src : s->src, NULL, s->flags, NULL);
		(void)close(fd);
		if (sfd >= 0)
			(void)close(sfd);
		if (r == 0 && s->rdonly) {
			*ret_step = s->what_ro;
			r = make_ro(rootfd, s->rel);
		}
		return r;
	}
	case RP_MKNOD:
		fd = root_mkpath(rootfd, s->parent, true);
		if (fd < 0)
			return fd;
		r = 0;
		if (mknodat(fd, s->name, S_IFCHR | 0666, s->dev) < 0 && errno != EEXIST)
			r = -errno;
		else if (fchmodat(fd, s->name, 0666, 0) < 0)   /* past the umask */
			r = -errno;
		(void)close(fd);
		return r;
	case RP_SYMLINK:
		fd = root_mkpath(rootfd, s->parent, true);
		if (fd < 0)
			return fd;
		r = 0;
		if (symlinkat(s->src, fd, s->name) < 0 && errno != EEXIST)
			r = -errno;
		(void)close(fd);
		return r;
	}
	return -EINVAL;
}

static int loopback_up(void)
{
	struct ifreq ifr = { 0 };
	int fd, r = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ifr.ifr_name[0] = 'l';
	ifr.ifr_name[1] = 'o';
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close_keep_errno(fd);
	return r;
}

/* chroot into cwd when pivot_root cannot be used (the initramfs rootfs) */
static int move_root(void)
{
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return -errno;
	if (chroot(".") < 0)
		return -errno;
	return 0;
}

/* The staging directory again, in the child's own mount namespace (a
 * descriptor from the parent's would name the parent's mounts), walked the
 * way plan_staging made it; a fresh tmpfs (mode 0700) mounted on it by
 * descriptor. Returns the tmpfs's root (O_PATH) or -errno. */
static int staging_mount(const struct rootfs_plan *p, const char **ret_step)
{
	int runfd, sfd, nfd, fsfd = -1, mfd = -1, r;

	*ret_step = "open staging directory";
	runfd = open(p->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (runfd < 0)
		return -errno;
	sfd = path_private_dir(runfd, ".stage", 0, false, p->owner);
	(void)close(runfd);
	if (sfd < 0)
		return sfd;
	nfd = path_private_dir(sfd, p->name, 0, false, p->owner);
	(void)close(sfd);
	if (nfd < 0)
		return nfd;
	*ret_step = "mount staging tmpfs";
	fsfd = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fsfd < 0 ||
	    syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail_errno;
	mfd = (int)syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0)
		goto fail_errno;
	if (syscall(SYS_move_mount, mfd, "", nfd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		goto fail_errno;
	(void)close(fsfd);
	(void)close(nfd);
	return mfd;   /* the root of the tmpfs, now attached */
fail_errno:
	r = -errno;
	if (mfd >= 0)
		(void)close(mfd);
	if (fsfd >= 0)
		(void)close(fsfd);
	(void)close(nfd);
	return r;
}

/* mkdir NAME in the staging tmpfs (fresh, the child's alone) and open it */
static int staging_subdir(int stfd, const char *name)
{
	int fd;

	if (mkdirat(stfd, name, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(stfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool below(const char *rel, const char *anc)
{
	size_t n = s_len(anc);

	for (size_t i = 0; i < n; i++)
		if (rel[i] != anc[i])
			return false;
	return rel[n] == '/';
}

/* The inaccessible nodes in the staging tmpfs (the child's own): an empty
 * directory and an empty file, mode 0000, bound read-only over what
 * InaccessiblePaths= and its kin mask. */
static int make_masks(int stfd, struct rp_ctx *x)
{
	int fd;

	if (mkdirat(stfd, "mask-dir", 0) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(stfd, "mask-reg", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)close(fd);
	x->mask_dir = openat(stfd, "mask-dir", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	x->mask_reg = openat(stfd, "mask-reg", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return x->mask_dir < 0 || x->mask_reg < 0 ? -errno : 0;
}

/* Inside the new root, in systemd's order: mount points made while all is
 * writable; "/" read-only or noexec; every mount; the attributes (read-only,
 * noexec, ...); then a writable mount of its own (a bind, a tmpfs) below a
 * read-only entry is made writable again, its top only. */
static int build_root(const struct rootfs_plan *p, int stfd, int rootfd, const char **ret_step)
{
	struct rp_ctx x = { rootfd, -1, -1 };
	unsigned char was_ro[RP_STEPS_MAX / 8] = { 0 };
	int r = 0;

	for (size_t i = 0; i < p->n_steps; i++) {
		const struct rp_step *s = &p->steps[i];
		int fd;

		if (!s->premake)
			continue;
		fd = root_mkpath(rootfd, s->rel, s->dir);   /* a failure shows at the step */
		if (fd >= 0)
			(void)close(fd);
	}
	if (p->masks) {
		*ret_step = "make inaccessible nodes";
		r = make_masks(stfd, &x);
		if (r < 0)
			goto out;
	}
	if (p->root_attr[0] == RA_RO || p->root_attr[1] == RA_NOEXEC) {
		*ret_step = p->root_attr[0] == RA_RO ? "make / read-only" : "make / noexec";
		r = set_attr(rootfd, ".", (p->root_attr[0] == RA_RO ? MOUNT_ATTR_RDONLY : 0) |
			     (p->root_attr[1] == RA_NOEXEC ? MOUNT_ATTR_NOEXEC : 0), 0, true);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct rp_step *s = &p->steps[i];

		r = do_step(p, &x, s, ret_step);
		if (r < 0)
			goto out;
		if (s->keep_rw) {
			struct statfs sf;
			int fd = root_open(rootfd, s->rel, O_PATH, 0);

			if (fd >= 0 && fstatfs(fd, &sf) == 0 && (sf.f_flags & ST_RDONLY))
				was_ro[i / 8] |= (unsigned char)(1u << (i % 8));
			if (fd >= 0)
				(void)close(fd);
		}
	}
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct rp_step *s = &p->steps[i];
		uint64_t set = 0, clr = 0;
		int fd;

		if (s->attr == RA_NONE)
			continue;
		*ret_step = s->what_ro ? s->what_ro : s->what;
		fd = target_open(p, rootfd, s);
		if (fd == -ENOENT && s->optional)
			continue;
		if (fd < 0) {
			r = fd;
			goto out;
		}
		switch (s->attr) {
		case RA_RO: case RA_RO_TOP: set = MOUNT_ATTR_RDONLY; break;
		case RA_RW: clr = MOUNT_ATTR_RDONLY; break;
		case RA_EXEC: clr = MOUNT_ATTR_NOEXEC; break;
		case RA_NOEXEC: set = MOUNT_ATTR_NOEXEC; break;
		case RA_NONE: break;
		}
		r = set_attr_fd(fd, set, clr, s->attr != RA_RO_TOP);
		(void)close(fd);
		if (r < 0)
			goto out;
	}
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct rp_step *s = &p->steps[i];
		bool under_ro = false;

		if (!s->keep_rw || (was_ro[i / 8] & (1u << (i % 8))))
			continue;
		for (size_t j = 0; j < p->n_steps && !under_ro; j++)
			under_ro = p->steps[j].attr == RA_RO && below(s->rel, p->steps[j].rel);
		if (!under_ro)
			continue;
		*ret_step = s->what;
		r = set_attr(rootfd, s->rel, 0, MOUNT_ATTR_RDONLY, false);
		if (r == -ENOENT && s->optional)
			r = 0;
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	if (x.mask_dir >= 0)
		(void)close(x.mask_dir);
	if (x.mask_reg >= 0)
		(void)close(x.mask_reg);
	return r;
}

static int enter_root(const struct rootfs_plan *p, const char **ret_step)
{
	int stfd, rootfd = -1, r, lowfd = -1, upfd = -1, workfd = -1, mpfd = -1;
	char fdp[32];

	*ret_step = "make mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	stfd = staging_mount(p, ret_step);
	if (stfd < 0)
		return stfd;
	*ret_step = "mkdir root";
	r = mpfd = staging_subdir(stfd, "root");
	if (r < 0)
		goto out;
	*ret_step = "open RootDirectory";
	r = lowfd = reopen(&p->id, p->root_src, O_DIRECTORY);
	if (r < 0)
		goto out;
	fd_path(lowfd, fdp);
	if (p->overlay) {
		size_t len = 0;

		if (!p->upper_on_host) {
			*ret_step = "mkdir overlay upper";
			r = upfd = staging_subdir(stfd, "upper");
			if (r >= 0)
				r = workfd = staging_subdir(stfd, "work");
		} else {
			*ret_step = "open OverlayUpper= upper";
			r = upfd = reopen(NULL, p->st_upper, O_DIRECTORY);
			if (r >= 0) {
				*ret_step = "open OverlayUpper= work";
				r = workfd = reopen(NULL, p->st_work, O_DIRECTORY);
			}
		}
		if (r < 0)
			goto out;
		*ret_step = "mount overlay";
		r = opts_add(p->ovl_buf, &len, "lowerdir=");
		if (r == 0)
			r = opts_add(p->ovl_buf, &len, fdp);
		if (r == 0)
			r = opts_add(p->ovl_buf, &len, ",upperdir=");
		if (r == 0) {
			fd_path(upfd, fdp);
			r = opts_add(p->ovl_buf, &len, fdp);
		}
		if (r == 0)
			r = opts_add(p->ovl_buf, &len, ",workdir=");
		if (r == 0) {
			fd_path(workfd, fdp);
			r = opts_add(p->ovl_buf, &len, fdp);
		}
		if (r == 0)
			r = mount_on(mpfd, "overlay", "overlay", 0, p->ovl_buf);
	} else {
		*ret_step = "bind root";
		r = mount_on(mpfd, fdp, NULL, MS_BIND | MS_REC, NULL);
	}
	if (r < 0)
		goto out;
	*ret_step = "open root";
	/* the lookup of "root" crosses the mount just made on it */
	rootfd = openat(stfd, "root", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0) {
		r = -errno;
		goto out;
	}
	r = build_root(p, stfd, rootfd, ret_step);
	if (r < 0)
		goto out;
	*ret_step = "chdir new root";
	r = 0;
	if (fchdir(rootfd) < 0) {
		r = -errno;
		goto out;
	}
	*ret_step = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		/* the old root is stacked on the new one: detach it */
		*ret_step = "unmount old root";
		if (umount2(".", MNT_DETACH) < 0) {
			r = -errno;
			goto out;
		}
	} else if (errno == EINVAL) {
		r = move_root();
		if (r < 0)
			goto out;
	} else {
		r = -errno;
		goto out;
	}
	*ret_step = "chdir /";
	if (chdir("/") < 0)
		r = -errno;
out:
	{
		int fds[] = { rootfd, mpfd, lowfd, upfd, workfd, stfd };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			if (fds[i] >= 0)
				(void)close(fds[i]);
	}
	return r;
}

int rootfs_enter(const struct rootfs_plan *plan, const char **ret_step)
{
	int r;

	*ret_step = NULL;
	if (!plan)
		return 0;
	if (plan->ns & UNIT_NS_CGROUP) {
		/* here, not at clone: the child is in its v1 cgroups only now */
		*ret_step = "unshare cgroup namespace";
		if (unshare(CLONE_NEWCGROUP) < 0)
			return -errno;
	}
	if (plan->set_hostname) {
		*ret_step = "sethostname";
		if (sethostname(plan->hostname, s_len(plan->hostname)) < 0)
			return -errno;
	}
	if (plan->ns & UNIT_NS_NET) {
		*ret_step = "loopback up";
		r = loopback_up();
		if (r < 0)
			return r;
	}
	if (plan->mnt) {
		r = enter_root(plan, ret_step);
		if (r < 0)
			return r;
	}
	*ret_step = NULL;
	return 0;
}
