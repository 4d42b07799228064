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

#include "init/log.h"
#include "services/path.h"
#include "services/rootfs.h"

#define RP_HOSTNAME_MAX 64            /* HOST_NAME_MAX */
#define RP_OPTS_MAX     4000          /* mount data fits in a page */

enum rp_op { RP_MOUNT, RP_BIND, RP_MKNOD, RP_SYMLINK };

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
};

struct rootfs_plan {
	unsigned ns;
	char hostname[RP_HOSTNAME_MAX + 1];
	bool mnt;
	bool overlay;
	bool upper_on_host;      /* OverlayUpper=: upper/work exist on the host */
	char *root_src;          /* RootDirectory= (resolved) */
	char *staging;           /* rundir: a tmpfs in the child's namespace */
	char *st_root;           /* staging/root: the new root's mount point */
	char *st_upper, *st_work;
	char *ovl_data;
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
	 * its cgroups; UNIT_NS_USER: rejected by rootfs_plan_new(). */
	return f;
}

/* ---- parent side ---------------------------------------------------------- */

static char errbuf[PATH_MAX + 256];

#define PLAN_ERR(...) ((void)snprintf(errbuf, sizeof(errbuf), __VA_ARGS__), *ret_error = errbuf)

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = i == len ? '\0' : '/';
	}
	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

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

static int plan_binds(struct rootfs_plan *p, const struct unit_spec *spec, const char **ret_error)
{
	for (size_t i = 0; i < spec->n_binds; i++) {
		const struct unit_bind *b = &spec->binds[i];
		const char *key = b->read_only ? "BindReadOnlyPaths" : "BindPaths";
		const char *dst = b->dst ? b->dst : b->src;
		struct stat st;
		char *rel = NULL;
		int r;

		if (!b->src || b->src[0] != '/') {
			PLAN_ERR("%s=%s: not an absolute path", key, b->src ? b->src : "");
			return -EINVAL;
		}
		if (stat(b->src, &st) < 0) {
			r = -errno;
			if (r == -ENOENT && b->optional)
				continue;
			PLAN_ERR("%s=%s: %s", key, b->src, strerror(-r));
			return r;
		}
		r = rel_of(dst, &rel);
		if (r == -EINVAL) {
			PLAN_ERR("%s=%s:%s: the destination must be an absolute path below /", key,
				 b->src, dst);
			return r;
		}
		if (r < 0)
			return r;
		r = add_bind(p, b->src, rel, S_ISDIR(st.st_mode), b->read_only, true);
		free(rel);
		if (r < 0)
			return r;
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
		/* not recursive: the staging directory may lie below it */
		r = add_bind(p, keep_paths[i], rel, S_ISDIR(st.st_mode), false, false);
		free(rel);
		if (r < 0)
			return r;
	}
	return 0;
}

/* overlayfs splits its options at ',' and lowerdir at ':' */
static bool ovl_path_ok(const char *s)
{
	return !strpbrk(s, ",:\\");
}

static int plan_root(struct rootfs_plan *p, const struct unit_spec *spec, const char *rundir,
		     const char **ret_error)
{
	const char *root = spec->root_directory ? spec->root_directory : "/";
	struct stat st;
	int r;

	p->root_src = realpath(root, NULL);
	if (!p->root_src) {
		r = -errno;
		PLAN_ERR("RootDirectory=%s: %s", root, strerror(-r));
		return r;
	}
	if (stat(p->root_src, &st) < 0 || !S_ISDIR(st.st_mode)) {
		PLAN_ERR("RootDirectory=%s: %s", root, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (!rundir || rundir[0] != '/') {
		PLAN_ERR("%s: the staging directory must be an absolute path", rundir ? rundir : "");
		return -EINVAL;
	}
	r = mkdir_p(rundir, 0700);
	if (r < 0) {
		PLAN_ERR("%s: %s", rundir, strerror(-r));
		return r;
	}
	p->staging = strdup(rundir);
	if (!p->staging || asprintf(&p->st_root, "%s/root", rundir) < 0) {
		p->st_root = NULL;
		return -ENOMEM;
	}

	p->overlay = spec->overlay;
	if (!p->overlay)
		return 0;   /* OverlayUpper= without an overlay means nothing */
	if (spec->overlay_upper) {
		if (spec->overlay_upper[0] != '/') {
			PLAN_ERR("OverlayUpper=%s: not an absolute path", spec->overlay_upper);
			return -EINVAL;
		}
		r = mkdir_p(spec->overlay_upper, 0755);
		if (r < 0) {
			PLAN_ERR("OverlayUpper=%s: %s", spec->overlay_upper, strerror(-r));
			return r;
		}
		p->upper_on_host = true;
		if (asprintf(&p->st_upper, "%s/upper", spec->overlay_upper) < 0) {
			p->st_upper = NULL;
			return -ENOMEM;
		}
		if (asprintf(&p->st_work, "%s/work", spec->overlay_upper) < 0) {
			p->st_work = NULL;
			return -ENOMEM;
		}
		if ((r = mkdir_p(p->st_upper, 0755)) < 0 || (r = mkdir_p(p->st_work, 0755)) < 0) {
			PLAN_ERR("OverlayUpper=%s: %s", spec->overlay_upper, strerror(-r));
			return r;
		}
	} else {
		if (asprintf(&p->st_upper, "%s/upper", rundir) < 0) {
			p->st_upper = NULL;
			return -ENOMEM;
		}
		if (asprintf(&p->st_work, "%s/work", rundir) < 0) {
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
	return 0;
}

int rootfs_plan_new(const struct unit_spec *spec, const char *rundir,
		    const char *const *keep_paths, struct rootfs_plan **ret_plan,
		    const char **ret_error)
{
	const char *host = spec->hostname ? spec->hostname : spec->name;
	struct rootfs_plan *p;
	size_t hl = strlen(host);
	int r;

	*ret_plan = NULL;
	*ret_error = NULL;
	if (spec->namespaces & UNIT_NS_USER) {
		*ret_error = "Namespaces=user: not supported (no uid mapping)";
		return -EOPNOTSUPP;
	}
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
	p->ns = spec->namespaces;
	memcpy(p->hostname, host, hl + 1);
	p->mnt = (spec->namespaces & UNIT_NS_MNT) != 0;
	if (!p->mnt)
		goto done;

	r = plan_root(p, spec, rundir, ret_error);
	if (r < 0)
		goto fail;
	/* fresh /proc, with or without a pid namespace: the host's would
	 * not be reachable after pivot_root */
	r = add_mount(p, "mount /proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (r == 0) {
		r = add_mount(p, "mount /sys", "sysfs", "sys",
			      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (r == 0)
			p->steps[p->n_steps - 1].sysfs = true;
	}
	if (r == 0)
		r = plan_dev(p);
	if (r == 0)
		r = add_mount(p, "mount /tmp", "tmpfs", "tmp", MS_NOSUID | MS_NODEV, "mode=1777");
	if (r == 0)
		r = plan_binds(p, spec, ret_error);
	if (r == 0)
		r = plan_keep(p, keep_paths);
	if (r < 0)
		goto fail;
done:
	*ret_plan = p;
	return 0;
fail:
	if (r == -ENOMEM && !*ret_error)
		*ret_error = strerror(ENOMEM);
	rootfs_plan_free(p);
	return r;
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
	}
	free(plan->steps);
	free(plan->root_src);
	free(plan->staging);
	free(plan->st_root);
	free(plan->st_upper);
	free(plan->st_work);
	free(plan->ovl_data);
	free(plan);
}

void rootfs_cleanup(const struct rootfs_plan *plan)
{
	if (!plan || !plan->staging)
		return;
	/* the tmpfs and all below it lived in the child's namespace only:
	 * on the host, staging is an empty directory (unless another
	 * instance is still starting in it) */
	if (rmdir(plan->staging) < 0 && errno != ENOENT)
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

/* Make the mount at rel (and every mount below it) read-only. */
static int make_ro(int rootfd, const char *rel)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	struct statfs sf;
	unsigned long keep = 0;
	int fd, r;

	fd = root_open(rootfd, rel, O_PATH, 0);   /* now the new mount's root */
	if (fd < 0)
		return fd;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0) {
		(void)close(fd);
		return 0;
	}
	if (errno != ENOSYS) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	/* before 5.12: the top mount only, keeping its locked flags */
	if (fstatfs(fd, &sf) == 0) {
		if (sf.f_flags & ST_NOSUID)
			keep |= MS_NOSUID;
		if (sf.f_flags & ST_NODEV)
			keep |= MS_NODEV;
		if (sf.f_flags & ST_NOEXEC)
			keep |= MS_NOEXEC;
		if (sf.f_flags & ST_NOATIME)
			keep |= MS_NOATIME;
		if (sf.f_flags & ST_NODIRATIME)
			keep |= MS_NODIRATIME;
		if (sf.f_flags & ST_RELATIME)
			keep |= MS_RELATIME;
	}
	r = mount_on(fd, NULL, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL);
	(void)close(fd);
	return r;
}

static int do_step(int rootfd, const struct rp_step *s, const char **ret_step)
{
	int fd, r;

	*ret_step = s->what;
	switch (s->op) {
	case RP_MOUNT:
		fd = root_mkpath(rootfd, s->rel, true);
		if (fd < 0)
			return fd;
		r = mount_on(fd, s->src, s->fstype, s->flags, s->data);
		if (r < 0 && s->sysfs) {
			/* sysfs refuses a net namespace the mounter does not
			 * own: show the host's, read-only */
			r = mount_on(fd, "/sys", NULL, MS_BIND | MS_REC, NULL);
			if (r == 0)
				r = make_ro(rootfd, s->rel);
		}
		(void)close(fd);
		return r;
	case RP_BIND:
		fd = root_mkpath(rootfd, s->rel, s->dir);
		if (fd < 0)
			return fd;
		r = mount_on(fd, s->src, NULL, s->flags, NULL);
		(void)close(fd);
		if (r == 0 && s->rdonly) {
			*ret_step = s->what_ro;
			r = make_ro(rootfd, s->rel);
		}
		return r;
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

static int enter_root(const struct rootfs_plan *p, const char **ret_step)
{
	int rootfd, r;

	*ret_step = "make mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	*ret_step = "mount staging tmpfs";
	if (mount("tmpfs", p->staging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return -errno;
	*ret_step = "mkdir root";
	if (mkdir(p->st_root, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (p->overlay) {
		if (!p->upper_on_host) {
			*ret_step = "mkdir overlay upper";
			if (mkdir(p->st_upper, 0755) < 0 && errno != EEXIST)
				return -errno;
			if (mkdir(p->st_work, 0755) < 0 && errno != EEXIST)
				return -errno;
		}
		*ret_step = "mount overlay";
		if (mount("overlay", p->st_root, "overlay", 0, p->ovl_data) < 0)
			return -errno;
	} else {
		*ret_step = "bind root";
		if (mount(p->root_src, p->st_root, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -errno;
	}
	*ret_step = "open root";
	rootfd = open(p->st_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	for (size_t i = 0; i < p->n_steps; i++) {
		r = do_step(rootfd, &p->steps[i], ret_step);
		if (r < 0)
			goto out;
	}
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
	(void)close(rootfd);
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
	if (plan->ns & UNIT_NS_UTS) {
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
