/* SPDX-License-Identifier: MIT */
/*
 * svcctl-exec.c: svcctl exec NAME -- COMMAND [ARG...], as docker exec.
 *
 * svcinit runs nothing for it: it hands the administrator a pidfd of the
 * unit's main process (SCM_RIGHTS on the reply). From the pidfd svcctl
 * learns the process's pid in its own PID namespace (fdinfo), reads what
 * the process is (environment, ids, capabilities, no_new_privs, working
 * directory, cgroups). A first child joins its cgroups and enters every
 * namespace it has that svcctl's differ from with one setns(pidfd) (no pid
 * that could be reused in between), and forks (a PID namespace takes effect
 * for children): that second child becomes the unit's user with the unit's
 * capabilities and runs COMMAND on the caller's terminal. svcctl itself
 * stays in its own namespaces and cgroup, waits, and exits with COMMAND's
 * status.
 *
 * Not copied: the unit's seccomp filter and rlimits (as nsenter(1)).
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "init/proto.h"
#include "init/svcctl-exec.h"
#include "services/nsenter.h"

#define REPLY_MAX     4096
#define PROC_FILE_MAX (1u << 20)   /* environ, status, cgroup, mountinfo */
#define ENV_MAX       4096
#define GROUPS_MAX    256
#define REPLY_TIMEOUT_S 30

extern char **environ;

/* ---- the reply and its descriptor ------------------------------------------ */

/* "exec NAME\n" out; "CODE\nBODY" and one pidfd back. *ret_fd -1 if none. */
static int ask(int fd, const char *name, char *body, size_t size, int *ret_fd)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	char req[128];
	size_t len = 0;
	int n = snprintf(req, sizeof(req), "exec %s\n", name);

	*ret_fd = -1;
	if (n < 0 || (size_t)n >= sizeof(req))
		return -E2BIG;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return -errno;
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = body + len, .iov_len = size - 1 - len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		ssize_t r;

		if (len >= size - 1)
			break;
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < nfd; i++) {
				int got;

				memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (*ret_fd < 0)
					*ret_fd = got;
				else
					(void)close(got);
			}
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	body[len] = '\0';
	if (len < 2 || body[1] != '\n' || body[0] < '0' || body[0] > '5')
		return -EBADMSG;
	return body[0] - '0';
}

/* ---- what the process is -------------------------------------------------- */

static char *read_file(const char *path, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			(void)close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *p;

			if (cap >= PROC_FILE_MAX)
				break;
			p = realloc(buf, cap * 2);
			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

/* The value after "KEY:" on its line of a /proc status-like text, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ':')
			return l + kl + 1;
	return NULL;
}

/* The pid of a pidfd in svcctl's PID namespace: 0 if not visible, -1 exited */
static long pidfd_pid(int pidfd)
{
	char path[64], *text;
	const char *v;
	long pid = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	text = read_file(path, NULL);
	v = text ? field(text, "Pid") : NULL;
	if (v)
		pid = strtol(v, NULL, 10);
	free(text);
	return pid;
}

struct target {
	long pid;
	char *environ_buf;
	char *env[ENV_MAX + 1];
	uid_t uid;
	gid_t gid;
	gid_t groups[GROUPS_MAX];
	int n_groups;
	bool no_new_privs;
	uint64_t cap_bnd, cap_prm, cap_eff, cap_inh, cap_amb;
	char cwd[PATH_MAX];
	int ns_flags;
};

static int read_ids(struct target *t, const char *status)
{
	const char *u = field(status, "Uid"), *g = field(status, "Gid"), *gr = field(status, "Groups");
	const char *nnp = field(status, "NoNewPrivs");
	struct { const char *key; uint64_t *v; } caps[] = {
		{ "CapBnd", &t->cap_bnd }, { "CapPrm", &t->cap_prm }, { "CapEff", &t->cap_eff },
		{ "CapInh", &t->cap_inh }, { "CapAmb", &t->cap_amb },
	};

	if (!u || !g)
		return -EINVAL;
	t->uid = (uid_t)strtoul(u, NULL, 10);
	t->gid = (gid_t)strtoul(g, NULL, 10);
	for (char *end; gr && t->n_groups < GROUPS_MAX; gr = end) {
		unsigned long v = strtoul(gr, &end, 10);

		if (end == gr)
			break;
		t->groups[t->n_groups++] = (gid_t)v;
	}
	t->no_new_privs = nnp && strtol(nnp, NULL, 10) == 1;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		const char *v = field(status, caps[i].key);

		*caps[i].v = v ? strtoull(v, NULL, 16) : 0;
	}
	return 0;
}

/* An id as the host sees it to the id inside the process's user namespace */
static bool map_id(const char *map, unsigned long outside, unsigned long *ret)
{
	for (const char *l = map; l && *l;) {
		unsigned long in, out, count;

		if (sscanf(l, "%lu %lu %lu", &in, &out, &count) == 3 && outside >= out &&
		    outside - out < count) {
			*ret = in + (outside - out);
			return true;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return false;
}

static int map_ids(struct target *t)
{
	char path[64], *umap, *gmap;
	unsigned long v;
	int r = 0;

	snprintf(path, sizeof(path), "/proc/%ld/uid_map", t->pid);
	umap = read_file(path, NULL);
	snprintf(path, sizeof(path), "/proc/%ld/gid_map", t->pid);
	gmap = read_file(path, NULL);
	if (!umap || !gmap) {
		r = -errno;
		goto out;
	}
	if (!map_id(umap, t->uid, &v) || (t->uid = (uid_t)v, !map_id(gmap, t->gid, &v))) {
		r = -ERANGE;
		goto out;
	}
	t->gid = (gid_t)v;
	for (int i = 0; i < t->n_groups; i++)
		t->groups[i] = map_id(gmap, t->groups[i], &v) ? (gid_t)v : (gid_t)65534;
out:
	free(umap);
	free(gmap);
	return r;
}

static int read_env(struct target *t)
{
	char path[64];
	size_t len, n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/environ", t->pid);
	t->environ_buf = read_file(path, &len);
	if (!t->environ_buf)
		return -errno;
	for (size_t i = 0; i < len && n < ENV_MAX; i += strlen(t->environ_buf + i) + 1)
		if (t->environ_buf[i])
			t->env[n++] = t->environ_buf + i;
	t->env[n] = NULL;
	return 0;
}

/* ---- joining the cgroups -------------------------------------------------- */

/* Does the comma list `opts` hold every word of the comma list `want`? */
static bool opts_have_all(const char *opts, size_t olen, const char *want, size_t wlen)
{
	while (wlen > 0) {
		size_t w = 0;
		bool found = false;

		while (w < wlen && want[w] != ',')
			w++;
		for (size_t o = 0; o < olen;) {
			size_t e = o;

			while (e < olen && opts[e] != ',')
				e++;
			if (e - o == w && memcmp(opts + o, want, w) == 0)
				found = true;
			o = e + 1;
		}
		if (!found)
			return false;
		want += w + (w < wlen);
		wlen -= w + (w < wlen);
	}
	return true;
}

/* Where the hierarchy of one /proc/PID/cgroup line is mounted here */
static bool hierarchy_mount(const char *mountinfo, const char *ctrls, size_t clen, char *ret, size_t size)
{
	for (const char *l = mountinfo; l && *l;) {
		const char *nl = strchr(l, '\n'), *sep = strstr(l, " - ");
		char root[PATH_MAX], point[PATH_MAX], type[32], super[512];

		if (sep && (!nl || sep < nl) &&
		    sscanf(l, "%*s %*s %*s %4095s %4095s", root, point) == 2 &&
		    sscanf(sep + 3, "%31s %*s %511s", type, super) == 2 && strcmp(root, "/") == 0) {
			bool v2 = clen == 0 && strcmp(type, "cgroup2") == 0;
			bool v1 = clen > 0 && strcmp(type, "cgroup") == 0 &&
				  opts_have_all(super, strlen(super), ctrls, clen);

			if (v2 || v1) {
				snprintf(ret, size, "%s", point);
				return true;
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Moves svcctl into every cgroup of the process that is mounted here. */
static int join_cgroups(long pid)
{
	char path[PATH_MAX + 64], mnt[PATH_MAX], me[32], *cg, *mi;
	int r = 0, joined = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
	cg = read_file(path, NULL);
	mi = read_file("/proc/self/mountinfo", NULL);
	if (!cg || !mi) {
		r = -errno;
		goto out;
	}
	snprintf(me, sizeof(me), "%ld", (long)getpid());
	for (char *l = cg, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		char *c1, *c2;
		int fd;

		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		c1 = strchr(l, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		if (!hierarchy_mount(mi, c1 + 1, (size_t)(c2 - c1 - 1), mnt, sizeof(mnt)))
			continue;
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, c2 + 1);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, me, strlen(me)) < 0) {
			r = -errno;
			fprintf(stderr, "svcctl: exec: cannot join %s: %s\n", path, strerror(errno));
		} else {
			joined++;
		}
		if (fd >= 0)
			(void)close(fd);
		if (r < 0)
			break;
	}
	if (r == 0 && joined == 0)
		r = -ENOENT;
out:
	free(cg);
	free(mi);
	return r;
}

/* ---- becoming the unit's process ------------------------------------------ */

/* Needs CAP_SETPCAP: before the uid changes */
static int drop_bounding(const struct target *t)
{
	for (int c = 0; c < 64; c++)
		if (!(t->cap_bnd & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

static int set_caps(const struct target *t)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)t->cap_eff, .permitted = (uint32_t)t->cap_prm,
		  .inheritable = (uint32_t)t->cap_inh },
		{ .effective = (uint32_t)(t->cap_eff >> 32), .permitted = (uint32_t)(t->cap_prm >> 32),
		  .inheritable = (uint32_t)(t->cap_inh >> 32) },
	};

	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	for (int c = 0; c < 64; c++)
		if ((t->cap_amb & (1ull << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	return 0;
}

static __attribute__((noreturn)) void child(const struct target *t, char **argv)
{
	const char *step;

	/* keep the permitted set across the uid change, then set it exactly */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		step = "keepcaps";
		goto fail;
	}
	if (drop_bounding(t) < 0) {
		step = "capability bounding set";
		goto fail;
	}
	if (setgroups((size_t)t->n_groups, t->groups) < 0 && errno != EPERM) {
		step = "setgroups";
		goto fail;
	}
	if (setresgid(t->gid, t->gid, t->gid) < 0) {
		step = "setresgid";
		goto fail;
	}
	if (setresuid(t->uid, t->uid, t->uid) < 0) {
		step = "setresuid";
		goto fail;
	}
	if (set_caps(t) < 0) {
		step = "capabilities";
		goto fail;
	}
	if (t->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		step = "no_new_privs";
		goto fail;
	}
	if (chdir(t->cwd[0] ? t->cwd : "/") < 0 && chdir("/") < 0) {
		step = "chdir";
		goto fail;
	}
	environ = (char **)t->env;
	execvp(argv[0], argv);
	fprintf(stderr, "svcctl: exec: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
fail:
	fprintf(stderr, "svcctl: exec: %s: %s\n", step, strerror(errno));
	_exit(126);
}

/* The first child: into the unit's cgroups and namespaces, then COMMAND in
 * a child of its own; exits with COMMAND's status. */
static __attribute__((noreturn)) void enter(const struct target *t, int pidfd, char **argv)
{
	int r = join_cgroups(t->pid), wstatus;
	pid_t kid;

	if (r < 0) {
		fprintf(stderr, "svcctl: exec: cannot join the unit's cgroup: %s\n", strerror(-r));
		_exit(PROTO_FAILED);
	}
	if ((r = nsenter_join(pidfd, t->ns_flags)) < 0) {
		fprintf(stderr, "svcctl: exec: cannot enter the unit's namespaces: %s\n", strerror(-r));
		_exit(PROTO_FAILED);
	}
	kid = fork();
	if (kid < 0) {
		fprintf(stderr, "svcctl: exec: fork: %s\n", strerror(errno));
		_exit(PROTO_FAILED);
	}
	if (kid == 0)
		child(t, argv);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	while (waitpid(kid, &wstatus, 0) < 0)
		if (errno != EINTR)
			_exit(PROTO_FAILED);
	_exit(WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus));
}

int svcctl_exec(int fd, const char *name, char **argv)
{
	char body[REPLY_MAX], path[64], *status = NULL;
	struct target *t = calloc(1, sizeof(*t));
	struct pollfd pfd;
	int pidfd = -1, code, r, wstatus;
	pid_t kid;
	ssize_t n;

	if (!t) {
		fprintf(stderr, "svcctl: exec: out of memory\n");
		(void)close(fd);
		return PROTO_FAILED;
	}
	code = ask(fd, name, body, sizeof(body), &pidfd);
	(void)close(fd);
	if (code < 0) {
		fprintf(stderr, "svcctl: exec: no answer from svcinit: %s\n", strerror(-code));
		code = PROTO_UNREACHABLE;
		goto out;
	}
	if (code != PROTO_OK) {
		fputs(body + 2, stderr);
		goto out;
	}
	code = PROTO_FAILED;
	if (pidfd < 0) {
		fprintf(stderr, "svcctl: exec: svcinit passed no process descriptor\n");
		goto out;
	}
	t->pid = pidfd_pid(pidfd);
	if (t->pid <= 0) {
		fprintf(stderr, "svcctl: exec: %s: its process %s\n", name,
			t->pid < 0 ? "has exited" : "is not visible from this PID namespace");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", t->pid);
	status = read_file(path, NULL);
	t->ns_flags = nsenter_differ((pid_t)t->pid);
	snprintf(path, sizeof(path), "/proc/%ld/cwd", t->pid);
	n = readlink(path, t->cwd, sizeof(t->cwd) - 1);
	t->cwd[n > 0 ? n : 0] = '\0';
	if (!status || read_ids(t, status) < 0 || read_env(t) < 0) {
		fprintf(stderr, "svcctl: exec: cannot read /proc/%ld: %s\n", t->pid, strerror(errno));
		goto out;
	}
	if ((t->ns_flags & CLONE_NEWUSER) && (r = map_ids(t)) < 0) {
		fprintf(stderr, "svcctl: exec: the unit's ids are not mapped in its user namespace: %s\n",
			strerror(-r));
		goto out;
	}
	/* still the same process? (what was read is its, not a successor's) */
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (poll(&pfd, 1, 0) != 0) {
		fprintf(stderr, "svcctl: exec: %s: its process exited meanwhile\n", name);
		goto out;
	}
	/* svcctl itself stays where it is (its own namespaces and cgroup: a
	 * sanitizer's exit-time helpers then still find it); a first child
	 * joins the unit, a second one, born in its PID namespace, runs COMMAND */
	kid = fork();
	if (kid < 0) {
		fprintf(stderr, "svcctl: exec: fork: %s\n", strerror(errno));
		goto out;
	}
	if (kid == 0)
		enter(t, pidfd, argv);
	/* the terminal's signals reach COMMAND; svcctl only waits for it */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	while (waitpid(kid, &wstatus, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "svcctl: exec: waitpid: %s\n", strerror(errno));
			goto out;
		}
	code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
out:
	if (pidfd >= 0)
		(void)close(pidfd);
	free(status);
	free(t->environ_buf);
	free(t);
	return code;
}
