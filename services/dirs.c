/* SPDX-License-Identifier: MIT */
/*
 * dirs.c: RuntimeDirectory= and friends (dirs.h). The bases are root's;
 * below them every component is opened with O_NOFOLLOW from its parent's
 * descriptor, so a symlink planted by the unit's user (who owns the
 * innermost directories) leads nowhere.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/dirs.h"
#include "units/attrs.h"

#define DIR_OPEN (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
#define DIRS_REMOVE_BUDGET 4096   /* entries PID 1 removes itself at a stop */

/* Open (making it first when create) one component below dfd. */
static int open_component(int dfd, const char *name, mode_t mode, bool create)
{
	int fd;

	if (create && mkdirat(dfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(dfd, name, DIR_OPEN);
	if (fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;   /* ELOOP: a symlink */
	return fd;
}

/* The base (/run, /var/lib, ...): made by root when missing (a minimal
 * container image may lack /var/cache), never through a symlink below /. */
static int open_base(const char *base)
{
	int fd = open("/", DIR_OPEN), nfd;
	char buf[64];
	char *save = NULL;

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", base + 1);
	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		nfd = openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
		if (nfd < 0 && errno == ENOENT) {
			/* a root-owned path: symlinks here are root's own
			 * (/var/run -> /run), followed as any root path */
			nfd = open_component(fd, c, 0755, true);
		}
		(void)close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
	}
	return fd;
}

/* Make base/name; the innermost component chowned and chmoded. */
static int make_one(const char *base, const char *name, mode_t mode, bool chown_it, uid_t uid,
		    gid_t gid, const char **ret_what)
{
	char buf[PATH_MAX];
	char *c, *next;
	int fd, r = 0;

	*ret_what = "open";
	fd = open_base(base);
	if (fd < 0)
		return fd;
	snprintf(buf, sizeof(buf), "%s", name);
	for (c = buf; c; c = next) {
		int nfd;

		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		*ret_what = "create";
		nfd = open_component(fd, c, next ? 0755 : mode, true);
		(void)close(fd);
		if (nfd < 0)
			return nfd;
		fd = nfd;
	}
	/* only the innermost is the unit's, as systemd.exec(5) says */
	if (chown_it && fchown(fd, uid, gid) < 0) {
		*ret_what = "chown";
		r = -errno;
	} else if (fchmod(fd, mode) < 0) {
		*ret_what = "chmod";
		r = -errno;
	}
	(void)close(fd);
	return r;
}

/* ---- DynamicUser= -------------------------------------------------------- */

#define DIRS_CHOWN_BUDGET 100000  /* entries chowned at one start, at most */

/* Every entry below the directory fd (depth bounded, never a symlink
 * followed, never another file system) owned by uid:gid. false when the
 * budget ran out. */
static bool chown_contents(int fd, dev_t dev, uid_t uid, gid_t gid, int depth, long *budget)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	bool done = true;

	if (!d) {
		(void)close(fd);
		return true;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (--*budget < 0) {
			done = false;
			break;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if ((st.st_uid != uid || st.st_gid != gid) &&
		    fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			continue;   /* e.g. a read-only mount below: left as it is */
		if (S_ISDIR(st.st_mode) && st.st_dev == dev && depth < 256) {
			int sub = openat(dirfd(d), e->d_name, DIR_OPEN);

			if (sub >= 0 && !chown_contents(sub, dev, uid, gid, depth + 1, budget)) {
				done = false;
				break;
			}
		}
	}
	(void)closedir(d);
	return done;
}

/* base/private, root's and 0700: what a recycled uid cannot reach. */
static int open_private(const char *base)
{
	int fd = open_base(base), pfd;

	if (fd < 0)
		return fd;
	pfd = open_component(fd, "private", 0700, true);
	(void)close(fd);
	if (pfd < 0)
		return pfd;
	if (fchown(pfd, 0, 0) < 0 || fchmod(pfd, 0700) < 0) {
		int r = -errno;

		(void)close(pfd);
		return r;
	}
	return pfd;
}

/* StateDirectory=NAME of a DynamicUser= (systemd.exec(5)): the directory is
 * base/private/NAME, and base/NAME a symlink to it ("private/NAME", with a
 * "../" per component of a nested NAME). A real directory base/NAME of an
 * earlier static run is moved there first. Its tree is chowned to the uid
 * it runs as now when the directory's owner differs (another uid last
 * time). */
static int make_private(const struct unit_spec *spec, const char *base, const char *name,
			mode_t mode, const char **ret_what)
{
	const struct unit_ident *id = &spec->ident;
	char priv[PATH_MAX], target[PATH_MAX], buf[PATH_MAX], *leaf, *c, *next;
	int fd, pfd, lfd, r = 0;
	size_t depth = 0;
	struct stat st;

	*ret_what = "create";
	snprintf(priv, sizeof(priv), "%s/private", base);
	pfd = open_private(base);
	if (pfd < 0)
		return pfd;
	(void)close(pfd);
	/* the symlink's directory: base/<all but the last component> */
	fd = open_base(base);
	if (fd < 0)
		return fd;
	snprintf(buf, sizeof(buf), "%s", name);
	leaf = strrchr(buf, '/');
	if (leaf) {
		*leaf++ = '\0';
		for (c = buf; c; c = next) {
			int nfd;

			next = strchr(c, '/');
			if (next)
				*next++ = '\0';
			nfd = open_component(fd, c, 0755, true);
			(void)close(fd);
			if (nfd < 0)
				return nfd;
			fd = nfd;
			depth++;
		}
	} else {
		leaf = buf;
	}
	/* a real directory from a run without DynamicUser=: moved into private/ */
	if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		char dst[PATH_MAX];
		int bfd = open_base(priv), dfd = -1;

		snprintf(dst, sizeof(dst), "%s", name);
		if (bfd >= 0) {
			char *slash = strrchr(dst, '/');

			if (slash) {   /* private/<parents> first */
				*slash = '\0';
				(void)make_one(priv, dst, 0755, false, 0, 0, ret_what);
				dfd = openat(bfd, dst, DIR_OPEN);
				*slash = '/';
			} else {
				dfd = fcntl(bfd, F_DUPFD_CLOEXEC, 3);
			}
		}
		*ret_what = "move into private/";
		if (dfd < 0 || renameat(fd, leaf, dfd, strrchr(dst, '/') ? strrchr(dst, '/') + 1 : dst) < 0)
			r = -errno;
		if (bfd >= 0)
			(void)close(bfd);
		if (dfd >= 0)
			(void)close(dfd);
		if (r < 0) {
			(void)close(fd);
			return r;
		}
	}
	/* the directory itself, below private/ */
	r = make_one(priv, name, mode, false, 0, 0, ret_what);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	*ret_what = "chown";
	pfd = open_base(priv);
	lfd = pfd >= 0 ? openat(pfd, name, DIR_OPEN) : -1;
	if (pfd >= 0)
		(void)close(pfd);
	if (lfd < 0 || fstat(lfd, &st) < 0) {
		r = -errno;
		if (lfd >= 0)
			(void)close(lfd);
		(void)close(fd);
		return r;
	}
	if (st.st_uid != id->uid || st.st_gid != id->gid) {
		long budget = DIRS_CHOWN_BUDGET;
		int dup;

		if (fchown(lfd, id->uid, id->gid) < 0) {
			r = -errno;
		} else if ((dup = fcntl(lfd, F_DUPFD_CLOEXEC, 3)) >= 0 &&
			   !chown_contents(dup, st.st_dev, id->uid, id->gid, 0, &budget)) {
			/* chown_contents closed dup */
			log_warn("%s: %s/%s: more than %d entries: not all chowned to uid %u",
				 spec->name, priv, name, DIRS_CHOWN_BUDGET, (unsigned)id->uid);
		}
	}
	(void)close(lfd);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	/* base/NAME -> [../]private/NAME */
	target[0] = '\0';
	for (size_t i = 0; i < depth; i++)
		strcat(target, "../");
	if (strlen(target) + strlen("private/") + strlen(name) >= sizeof(target)) {
		(void)close(fd);
		return -ENAMETOOLONG;
	}
	strcat(target, "private/");
	strcat(target, name);
	*ret_what = "symlink";
	if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		char cur[PATH_MAX];
		ssize_t n = S_ISLNK(st.st_mode) ? readlinkat(fd, leaf, cur, sizeof(cur) - 1) : -1;

		if (n >= 0 && (size_t)n == strlen(target) && memcmp(cur, target, (size_t)n) == 0) {
			(void)close(fd);
			return 0;
		}
		if (!S_ISLNK(st.st_mode)) {
			(void)close(fd);
			return -EEXIST;
		}
		(void)unlinkat(fd, leaf, 0);
	}
	if (symlinkat(target, fd, leaf) < 0)
		r = -errno;
	(void)close(fd);
	return r;
}

int dirs_prepare(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen)
{
	const struct unit_attrs *a = &spec->attrs;
	const struct unit_ident *id = &spec->ident;
	char *val = NULL;
	int r = 0;

	for (int d = 0; d < UNIT_DIR_N; d++) {
		const char *base = unit_dir_base((enum unit_dir)d);
		size_t len = 0;

		if (!a->dirs[d] || !a->dirs[d][0])
			continue;
		for (char **n = a->dirs[d]; *n; n++)
			len += strlen(base) + 1 + strlen(*n) + 1;
		val = malloc(strlen(unit_dir_env((enum unit_dir)d)) + 1 + len + 1);
		if (!val) {
			r = -ENOMEM;
			snprintf(err, errlen, "prepare: %s", strerror(-r));
			return r;
		}
		len = (size_t)sprintf(val, "%s=", unit_dir_env((enum unit_dir)d));
		for (char **n = a->dirs[d]; *n; n++) {
			const char *what;

			if (dirs_private(spec, (enum unit_dir)d))
				r = make_private(spec, base, *n, (mode_t)a->dir_mode[d], &what);
			else
				r = make_one(base, *n, (mode_t)a->dir_mode[d],
					     d != UNIT_DIR_CONFIGURATION && id->set, id->uid, id->gid,
					     &what);
			if (r < 0) {
				snprintf(err, errlen, "%s %s %s/%s: %s", what,
					 unit_dir_key((enum unit_dir)d), base, *n,
					 r == -ELOOP || r == -ENOTDIR ?
					 "a symlink or not a directory (not followed)" : strerror(-r));
				free(val);
				return r;
			}
			len += (size_t)sprintf(val + len, "%s%s/%s", n == a->dirs[d] ? "" : ":",
					       base, *n);
		}
		r = plan_env_put(env, val);
		free(val);
		if (r < 0) {
			snprintf(err, errlen, "prepare: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

/* ---- removal ------------------------------------------------------------ */

/* Remove everything in the directory fd (depth bounded), through
 * descriptors only: never a symlink followed, never another file system.
 * At most *budget entries (NULL: no bound); false when it ran out. */
static bool remove_contents(int fd, dev_t dev, int depth, long *budget)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	bool done = true;

	if (!d) {
		(void)close(fd);
		return true;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (budget && --*budget < 0) {
			done = false;
			break;
		}
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub;

			if (st.st_dev != dev || depth > 256)
				continue;   /* a mount point, or too deep: left */
			sub = openat(dirfd(d), e->d_name, DIR_OPEN);
			if (sub < 0)
				continue;
			if (!remove_contents(sub, dev, depth + 1, budget)) {
				done = false;
				break;
			}
			(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		} else {
			(void)unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	(void)closedir(d);
	return done;
}

/* The renamed directory gone below parent: false if it is not done yet. */
static bool remove_tree(int parent, const char *name, long *budget)
{
	struct stat st;
	int fd = openat(parent, name, DIR_OPEN);

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			(void)close(fd);
		return true;
	}
	if (!remove_contents(fd, st.st_dev, 0, budget))
		return false;
	(void)unlinkat(parent, name, AT_REMOVEDIR);
	return true;
}

void dirs_remove_runtime(const struct unit_spec *spec)
{
	char *const *names = spec->attrs.dirs[UNIT_DIR_RUNTIME];
	char gone[UNIT_LIST_MAX][48];
	int parent[UNIT_LIST_MAX];
	long budget = DIRS_REMOVE_BUDGET;
	size_t n = 0;
	pid_t pid;

	for (size_t i = 0; names && names[i] && n < UNIT_LIST_MAX; i++) {
		char buf[PATH_MAX], *leaf;
		int fd = open_base("/run"), nfd;
		struct stat st;

		if (fd < 0)
			return;
		/* walk to the innermost's parent, as when it was made */
		snprintf(buf, sizeof(buf), "%s", names[i]);
		leaf = strrchr(buf, '/');
		if (leaf) {
			char *c = buf, *next;

			*leaf++ = '\0';
			for (; c && fd >= 0; c = next) {
				next = strchr(c, '/');
				if (next)
					*next++ = '\0';
				nfd = open_component(fd, c, 0, false);
				(void)close(fd);
				fd = nfd;
			}
			if (fd < 0)
				continue;
		} else {
			leaf = buf;
		}
		if (fstatat(fd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
			(void)close(fd);
			continue;
		}
		/* renamed away now: the next start makes a fresh one */
		snprintf(gone[n], sizeof(gone[n]), ".svcinit-gone-%d-%zu-%lx", (int)getpid(), n,
			 (unsigned long)st.st_ino);
		if (renameat(fd, leaf, fd, gone[n]) < 0) {
			log_warn("%s: unable to remove RuntimeDirectory= /run/%s: %s", spec->name,
				 names[i], strerror(errno));
			(void)close(fd);
			continue;
		}
		/* the usual few entries at once; a huge tree in a child */
		if (remove_tree(fd, gone[n], &budget)) {
			(void)close(fd);
			continue;
		}
		parent[n++] = fd;
	}
	if (n == 0)
		return;
	pid = fork();
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)prctl(PR_SET_NAME, "svcinit-rmdir", 0, 0, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		(void)setpriority(PRIO_PROCESS, 0, 10);
		for (size_t i = 0; i < n; i++)
			(void)remove_tree(parent[i], gone[i], NULL);
		_exit(0);
	}
	if (pid < 0)
		log_warn("%s: unable to remove RuntimeDirectory=: fork: %s", spec->name,
			 strerror(errno));
	for (size_t i = 0; i < n; i++)
		(void)close(parent[i]);
}
