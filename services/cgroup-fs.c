/* SPDX-License-Identifier: MIT */
/*
 * cgroup-fs.c: reading and writing cgroup files. Every call is one open,
 * read or write and close: nothing here sleeps, waits or logs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/cgroup-internal.h"

char *cg_path_join(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

/* Read a whole (small or large) file into a malloc'ed NUL-terminated buffer. */
int cg_read_alloc(const char *path, char **ret)
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
int cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	char *p = cg_path_join(dir, file);
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

/* val in one write to fd, which is closed. 0 or -errno. */
static int write_close(int fd, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return fd;
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

int cg_write(const char *dir, const char *file, const char *val)
{
	char *p = cg_path_join(dir, file);
	int fd;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	free(p);
	return write_close(fd < 0 ? -errno : fd, val);
}

bool cg_exists(const char *dir, const char *file)
{
	char *p = cg_path_join(dir, file);
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

int cg_read_kv(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096];
	int r = cg_read(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	return kv_get(buf, key, ret);
}

static int cg_hier_fd(struct cg_hier *h)
{
	if (!h->have_fd) {
		h->base_fd = open(h->base_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (h->base_fd < 0)
			return -errno;
		h->have_fd = true;
	}
	return h->base_fd;
}

int cg_unit_openat(const struct cg_unit *cg, struct cg_hier *h, const char *file, int flags)
{
	char rel[PATH_MAX];
	int dfd = cg_hier_fd(h), fd;

	if (dfd < 0)
		return dfd;
	if (snprintf(rel, sizeof(rel), "%s%s%s", cg->leaf, file ? "/" : "", file ? file : "") >=
	    (int)sizeof(rel))
		return -ENAMETOOLONG;
	fd = openat(dfd, rel, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One read: a kernfs file comes whole when the buffer holds it. */
static int unit_read(const struct cg_unit *cg, struct cg_hier *h, const char *file, char *buf,
		     size_t size)
{
	int fd = cg_unit_openat(cg, h, file, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return fd;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	(void)close(fd);
	if (n <= 0)
		return n < 0 ? (int)n : -EINVAL;
	buf[n] = '\0';
	return 0;
}

int cg_unit_write(const struct cg_unit *cg, struct cg_hier *h, const char *file, const char *val)
{
	return write_close(cg_unit_openat(cg, h, file, O_WRONLY), val);
}

int cg_parse_u64(const char *buf, uint64_t *ret)
{
	char *end;

	errno = 0;
	*ret = strtoull(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

int cg_unit_read_u64(const struct cg_unit *cg, struct cg_hier *h, const char *file, uint64_t *ret)
{
	char buf[64];
	int r = unit_read(cg, h, file, buf, sizeof(buf));

	return r < 0 ? r : cg_parse_u64(buf, ret);
}

int cg_unit_read_kv(const struct cg_unit *cg, struct cg_hier *h, const char *file, const char *key,
		    uint64_t *ret)
{
	char buf[4096];
	int r = unit_read(cg, h, file, buf, sizeof(buf));

	return r < 0 ? r : kv_get(buf, key, ret);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64];
	int r = cg_read(dir, file, buf, sizeof(buf));

	return r < 0 ? r : cg_parse_u64(buf, ret);
}

/* v1 cpuset: a new cgroup has empty cpuset.cpus/mems and no task may join
 * until they are set: copy the parent's. */
int cg_cpuset_v1_fill(const char *dir, bool fresh)
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
		if (!fresh) {
			r = cg_read(dir, files[i], buf, sizeof(buf));
			if (r < 0)
				return r;
			if (buf[strspn(buf, " \n")] != '\0')
				continue;   /* already set */
		}
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

/* rmdir dir after its sub-cgroups (depth-bounded). */
int cg_rmdir_tree(const char *dir, int depth)
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
		sub = cg_path_join(dir, e->d_name);
		if (sub)
			(void)cg_rmdir_tree(sub, depth - 1);
		free(sub);
	}
	closedir(d);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
