/* SPDX-License-Identifier: MIT */
/*
 * test_isolation: services/cgroup*.c and services/rootfs.c against the real
 * kernel (the kernel tier, `make test-kernel`). Needs root, cgroups and mount
 * namespaces: it fails (never skips) where it cannot run.
 *
 * cgroups: a base /svcinit-test-<pid> in every hierarchy, removed at the end
 * (also after a failed assertion). rootfs: children in fresh namespaces
 * check their view and report by exit code; the host's mount table must be
 * the same before and after.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <mntent.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/cgroup.h"
#include "services/cgroup-internal.h"
#include "services/rootfs.h"
#include "units/devices.h"

#define TMPFS_MAGIC_ 0x01021994

static char base[64];            /* "/svcinit-test-<pid>" */
static char orig_v2[PATH_MAX];   /* our v2 cgroup before the test */
static char v2_mount[PATH_MAX];  /* "" without cgroup2 */
static pid_t children[8];
static size_t n_children;

/* ---- helpers -------------------------------------------------------------- */

/* snprintf for paths: truncation cannot happen with the sizes used here */
static int xsnprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int xsnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static uint64_t read_u64(const char *dir, const char *file)
{
	char p[PATH_MAX], buf[128];

	xsnprintf(p, sizeof(p), "%s/%s", dir, file);
	if (read_text(p, buf, sizeof(buf)) < 0)
		return UINT64_MAX - 1;
	if (strncmp(buf, "max", 3) == 0)
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* the mount point of the v1 hierarchy with controller ctl, "" if none */
static void v1_mount(const char *ctl, char *out, size_t len)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;

	out[0] = '\0';
	if (!f)
		return;
	while ((m = getmntent(f)))
		if (strcmp(m->mnt_type, "cgroup") == 0 && hasmntopt(m, ctl)) {
			xsnprintf(out, len, "%s", m->mnt_dir);
			break;
		}
	endmntent(f);
}

static void find_v2(void)
{
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;

	v2_mount[0] = '\0';
	if (!f)
		return;
	while ((m = getmntent(f)))
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			xsnprintf(v2_mount, sizeof(v2_mount), "%s", m->mnt_dir);
			break;
		}
	endmntent(f);
}

/* our path in the v2 hierarchy ("0::PATH") */
static void self_v2(char *out, size_t len)
{
	char buf[4096], *p;

	out[0] = '\0';
	if (read_text("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "0::");
	if (!p || (p != buf && p[-1] != '\n'))
		return;
	p += 3;
	xsnprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* v2 controllers available to the base's children */
static bool v2_has_ctl(const char *ctl)
{
	char p[PATH_MAX], buf[512];

	if (!v2_mount[0])
		return false;
	xsnprintf(p, sizeof(p), "%s%s/cgroup.subtree_control", v2_mount, base);
	if (read_text(p, buf, sizeof(buf)) < 0)
		return false;
	for (char *t = strtok(buf, " \n"); t; t = strtok(NULL, " \n"))
		if (strcmp(t, ctl) == 0)
			return true;
	return false;
}

static int rm_cg(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		(void)rmdir(path);
	return 0;
}

/* Remove every trace of the test in every hierarchy; move back first. */
static void cg_scrub(void)
{
	DIR *d;
	struct dirent *e;
	char p[PATH_MAX];

	for (size_t i = 0; i < n_children; i++) {
		(void)kill(children[i], SIGKILL);
		(void)waitpid(children[i], NULL, 0);
	}
	n_children = 0;
	if (v2_mount[0] && orig_v2[0]) {
		xsnprintf(p, sizeof(p), "%s%s/cgroup.procs", v2_mount, strcmp(orig_v2, "/") ? orig_v2 : "");
		(void)write_text(p, "0");
	}
	d = opendir("/sys/fs/cgroup");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		xsnprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", e->d_name, base);
		for (int tries = 0; exists(p) && tries < 100; tries++) {
			(void)nftw(p, rm_cg, 16, FTW_DEPTH | FTW_PHYS);
			if (exists(p))
				usleep(10000);
		}
	}
	closedir(d);
}

/* nothing named base left in any hierarchy */
static int cg_leftovers(void)
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	char p[PATH_MAX];
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		xsnprintf(p, sizeof(p), "/sys/fs/cgroup/%s%s", e->d_name, base);
		if (exists(p)) {
			fprintf(stderr, "left over: %s\n", p);
			n++;
		}
	}
	closedir(d);
	return n;
}

static int setup_cg(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_isolation must run as root\n");
		return -1;
	}
	xsnprintf(base, sizeof(base), "/svcinit-test-%d", (int)getpid());
	find_v2();
	self_v2(orig_v2, sizeof(orig_v2));
	return 0;
}

static int teardown_cg(void **state)
{
	cg_scrub();
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- cgroups ---------------------------------------------------------------- */

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_ 0x200000000ULL

/* A child in cg (clone3 CLONE_INTO_CGROUP, then the v1 joins) that forks
 * two more; all three sleep. */
static pid_t spawn_into(struct cg_unit *cg)
{
	struct clone_args_v2 a = { .exit_signal = SIGCHLD };
	int fds[16], n = cg_unit_v1_procs_fds(cg, fds, 16), dir = cg_unit_v2_open(cg);
	long pid;

	/* as spawn.c does: into the cgroup at clone, or (once cgroup.kill was
	 * written) by writing cgroup.procs first thing */
	if (cg_unit_clone_into(cg)) {
		a.flags = CLONE_INTO_CGROUP_;
		a.cgroup = (uint64_t)dir;
	}
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid != 0 && dir >= 0)
		close(dir);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (dir >= 0 && !cg_unit_clone_into(cg)) {
			int pfd = openat(dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);

			if (pfd < 0 || write(pfd, "0", 1) != 1)
				_exit(3);
		}
		if (cg_child_join_v1(fds, n) < 0)
			_exit(3);
		for (int i = 0; i < 2; i++)
			if (fork() == 0)
				for (;;)
					pause();
		for (;;)
			pause();
	}
	children[n_children++] = (pid_t)pid;
	return (pid_t)pid;
}

static uint64_t wait_tasks(struct cg_unit *cg, uint64_t want)
{
	struct cg_stats st;

	for (int i = 0; i < 200; i++) {
		cg_unit_stats(cg, &st);
		if (st.tasks == want)
			break;
		sleep_ms(10);
	}
	return st.tasks;
}

static bool wait_empty(struct cg_unit *cg)
{
	for (int i = 0; i < 200; i++) {
		if (cg_unit_empty(cg))
			return true;
		sleep_ms(10);
	}
	return false;
}

static void reap(pid_t pid)
{
	for (size_t i = 0; i < n_children; i++)
		if (children[i] == pid) {
			(void)waitpid(pid, NULL, 0);
			children[i] = children[--n_children];
			return;
		}
}

/* the directory of the unit in the hierarchy that carries ctl (v2 if it
 * has it enabled for the base's children, else v1), "" if none */
static void unit_dir(const char *v2ctl, const char *v1ctl, const char *leaf, char *out, size_t len)
{
	char m[PATH_MAX];

	if (v2ctl && v2_has_ctl(v2ctl)) {
		xsnprintf(out, len, "%s%s/%s", v2_mount, base, leaf);
		return;
	}
	v1_mount(v1ctl, m, sizeof(m));
	if (m[0])
		xsnprintf(out, len, "%s%s/%s", m, base, leaf);
	else
		out[0] = '\0';
}

static void test_cg_bad_base(void **state)
{
	struct cg_ctx *ctx = (void *)1;

	assert_int_equal(cg_init("relative/path", &ctx), -EINVAL);
	assert_null(ctx);
	assert_int_equal(cg_init("/a/../b", &ctx), -EINVAL);
	cg_free(NULL);
	cg_unit_free(NULL);
}

static void test_cg_lifecycle(void **state)
{
	struct unit_spec spec = { 0 };
	struct cg_ctx *ctx = NULL;
	struct cg_unit *cg = NULL, *cg2 = NULL;
	struct cg_stats st;
	char *warn[CG_WARN_MAX];
	size_t n_warn = 0;
	char want[PATH_MAX], dir[PATH_MAX], self[PATH_MAX], buf[4096];
	pid_t pid;
	int efd, r;

	if (v2_mount[0])
		self_v2(want, sizeof(want));
	assert_int_equal(cg_init(base, &ctx), 0);
	assert_non_null(ctx);

	/* svcinit (we) is not in <base>: it stays where it is (a move is a
	 * migration, needed only to let <base> enable controllers; the VM
	 * tier, svcinit at its own root, shows the move into init.scope) */
	if (v2_mount[0]) {
		self_v2(self, sizeof(self));
		assert_string_equal(self, want);
		xsnprintf(dir, sizeof(dir), "%s%s/init.scope", v2_mount, base);
		assert_true(exists(dir));   /* made: the freezer is probed on it */
	}

	assert_int_equal(cg_unit_create(ctx, "t1", &cg), 0);
	xsnprintf(want, sizeof(want), "%s/t1.service", base);
	assert_string_equal(cg_unit_path(cg), want);
	/* v2 used exactly when cgroup2 is mounted */
	{
		int v2dir = cg_unit_v2_open(cg);

		assert_int_equal(v2dir >= 0, v2_mount[0] != '\0');
		if (v2dir >= 0)
			close(v2dir);
	}
	assert_int_equal(cg_unit_create(ctx, "../x", &cg2), -EINVAL);

	/* a directory for the unit where each accounting controller lives
	 * (memory, pids); beside v2, the others only once a limit needs them */
	{
		static const char *const pairs[][2] = {
			{ "memory", "memory" }, { "pids", "pids" }, { "cpu", "cpu" },
			{ "cpuset", "cpuset" }, { "io", "blkio" },
		};

		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			bool joined = i < 2 || !v2_mount[0];

			unit_dir(pairs[i][0], pairs[i][1], "t1.service", dir, sizeof(dir));
			if (dir[0] && exists(dir) != joined)
				fail_msg("%s %s before any limit", dir, joined ? "missing" : "made");
		}
		/* never in name=systemd; in devices only for a device policy
		 * that no BPF program can enforce (test_cg_devices_v1) */
		xsnprintf(dir, sizeof(dir), "/sys/fs/cgroup/devices%s/t1.service", base);
		assert_false(exists(dir));
		xsnprintf(dir, sizeof(dir), "/sys/fs/cgroup/systemd%s", base);
		assert_false(exists(dir));
	}

	/* limits */
	spec.limits_set = UNIT_LIM_MEMORY_MAX | UNIT_LIM_MEMORY_HIGH | UNIT_LIM_CPU_WEIGHT |
			  UNIT_LIM_CPU_QUOTA | UNIT_LIM_TASKS_MAX | UNIT_LIM_IO_WEIGHT |
			  UNIT_LIM_ALLOWED_CPUS;
	spec.memory_max = 64 << 20;
	spec.memory_high = 48 << 20;
	spec.cpu_weight = 200;
	spec.cpu_quota_percent = 50;
	spec.tasks_max = 100;
	spec.io_weight = 200;
	spec.allowed_cpus = (char *)"0";
	assert_int_equal(cg_unit_apply(ctx, cg, &spec, warn, &n_warn), 0);
	for (size_t i = 0; i < n_warn; i++) {
		fprintf(stderr, "  warning: %s\n", warn[i]);
		assert_non_null(strstr(warn[i], "=: "));
		/* on this kind of host only IO may be missing (no blkio weight) */
		assert_true(strncmp(warn[i], "IOWeight=", 9) == 0);
	}
	/* every controller's hierarchy now holds the unit */
	{
		static const char *const pairs[][2] = {
			{ "memory", "memory" }, { "pids", "pids" }, { "cpu", "cpu" },
			{ "cpuset", "cpuset" }, { "io", "blkio" },
		};

		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			unit_dir(pairs[i][0], pairs[i][1], "t1.service", dir, sizeof(dir));
			if (dir[0] && !exists(dir))
				fail_msg("no %s after its limit", dir);
		}
	}

	unit_dir("memory", "memory", "t1.service", dir, sizeof(dir));
	assert_true(dir[0]);
	if (v2_has_ctl("memory")) {
		assert_int_equal(read_u64(dir, "memory.max"), 64 << 20);
		assert_int_equal(read_u64(dir, "memory.high"), 48 << 20);
	} else {
		assert_int_equal(read_u64(dir, "memory.limit_in_bytes"), 64 << 20);
		assert_int_equal(read_u64(dir, "memory.soft_limit_in_bytes"), 48 << 20);
	}
	unit_dir("pids", "pids", "t1.service", dir, sizeof(dir));
	assert_int_equal(read_u64(dir, "pids.max"), 100);
	unit_dir("cpu", "cpu", "t1.service", dir, sizeof(dir));
	if (v2_has_ctl("cpu")) {
		xsnprintf(want, sizeof(want), "%s/cpu.max", dir);
		read_text(want, buf, sizeof(buf));
		assert_string_equal(buf, "50000 100000\n");
		assert_int_equal(read_u64(dir, "cpu.weight"), 200);
	} else {
		assert_int_equal(read_u64(dir, "cpu.cfs_quota_us"), 50000);
		assert_int_equal(read_u64(dir, "cpu.cfs_period_us"), 100000);
		assert_int_equal(read_u64(dir, "cpu.shares"), 2048);
	}
	unit_dir("cpuset", "cpuset", "t1.service", dir, sizeof(dir));
	xsnprintf(want, sizeof(want), "%s/cpuset.cpus", dir);
	read_text(want, buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	for (size_t i = 0; i < n_warn; i++)
		free(warn[i]);
	n_warn = 0;

	/* a process in it, in every hierarchy */
	pid = spawn_into(cg);
	assert_true(pid > 0);
	assert_int_equal(wait_tasks(cg, 3), 3);
	xsnprintf(want, sizeof(want), "/proc/%d/cgroup", (int)pid);
	read_text(want, buf, sizeof(buf));
	{
		/* every line but name=systemd and devices ends in t1.service */
		char *save = NULL;

		for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (strstr(l, ":name=") || strstr(l, ":devices:") || strstr(l, ":freezer:") ||
			    strstr(l, ":cpuacct:"))
				continue;
			if (!strstr(l, "/t1.service"))
				fail_msg("not in the unit: %s", l);
		}
	}
	cg_unit_stats(cg, &st);
	assert_int_equal(st.tasks, 3);
	assert_true(st.memory_bytes != UINT64_MAX);
	assert_true(st.cpu_usec != UINT64_MAX);
	assert_false(cg_unit_empty(cg));

	/* freeze, reported through the events fd */
	efd = cg_unit_events_fd(cg);
	if (v2_mount[0])
		assert_true(efd >= 0);
	assert_int_equal(cg_unit_freeze(cg, true), 0);
	for (int i = 0; i < 100 && cg_unit_frozen(cg) != 1; i++) {
		if (efd >= 0) {
			struct pollfd p = { .fd = efd, .events = POLLIN };

			if (poll(&p, 1, 20) > 0)
				while (read(efd, buf, sizeof(buf)) > 0)
					;
		} else {
			sleep_ms(20);
		}
	}
	assert_int_equal(cg_unit_frozen(cg), 1);
	assert_int_equal(cg_unit_freeze(cg, false), 0);
	for (int i = 0; i < 100 && cg_unit_frozen(cg) != 0; i++)
		sleep_ms(10);
	assert_int_equal(cg_unit_frozen(cg), 0);

	/* a harmless signal reaches all three */
	assert_int_equal(cg_unit_kill(cg, SIGCONT), 3);
	/* SIGKILL empties it: cgroup.kill (0) or one round (3) */
	r = cg_unit_kill(cg, SIGKILL);
	assert_true(r == 0 || r == 3);
	reap(pid);
	assert_true(wait_empty(cg));
	/* pids.current drops when the zombies are reaped (by our init) */
	assert_int_equal(wait_tasks(cg, 0), 0);

	/* the same cgroup takes a new run after a SIGKILL (after cgroup.kill
	 * the kernel SIGKILLs every CLONE_INTO_CGROUP child: cg_unit_clone_into
	 * says to join through cgroup.procs instead), and SIGTERM reaches all */
	pid = spawn_into(cg);
	assert_true(pid > 0);
	assert_int_equal(wait_tasks(cg, 3), 3);
	assert_int_equal(cg_unit_kill(cg, SIGTERM), 3);
	reap(pid);
	assert_true(wait_empty(cg));

	/* a reused cgroup gets the defaults back for the limits not given */
	spec.limits_set = 0;
	assert_int_equal(cg_unit_apply(ctx, cg, &spec, warn, &n_warn), 0);
	assert_int_equal(n_warn, 0);
	unit_dir("pids", "pids", "t1.service", dir, sizeof(dir));
	assert_int_equal(read_u64(dir, "pids.max"), UINT64_MAX);
	unit_dir("cpu", "cpu", "t1.service", dir, sizeof(dir));
	if (!v2_has_ctl("cpu"))
		assert_int_equal(read_u64(dir, "cpu.cfs_quota_us"), UINT64_MAX);   /* "-1" */

	/* a populated leftover is killed when the unit is created again */
	pid = spawn_into(cg);
	assert_int_equal(wait_tasks(cg, 3), 3);
	assert_int_equal(cg_unit_create(ctx, "t1", &cg2), 0);
	reap(pid);
	assert_true(wait_empty(cg2));
	/* and the recreated (or reused) one takes a new run */
	pid = spawn_into(cg2);
	assert_int_equal(wait_tasks(cg2, 3), 3);
	r = cg_unit_kill(cg2, SIGKILL);
	assert_true(r == 0 || r == 3);
	reap(pid);
	assert_true(wait_empty(cg2));
	cg_unit_free(cg2);
	cg_unit_free(cg);   /* already gone: no harm */

	unit_dir("memory", "memory", "t1.service", dir, sizeof(dir));
	assert_false(exists(dir));
	xsnprintf(dir, sizeof(dir), "%s%s/t1.service", v2_mount, base);
	assert_false(exists(dir));

	/* a unit freed while it still runs is killed (cg_unit_free never
	 * waits: the directory goes when the caller frees an empty cgroup) */
	assert_int_equal(cg_unit_create(ctx, "t2", &cg), 0);
	pid = spawn_into(cg);
	assert_int_equal(wait_tasks(cg, 3), 3);
	cg_unit_free(cg);
	reap(pid);
	/* what is left is an empty leftover: the next create takes it over */
	assert_int_equal(cg_unit_create(ctx, "t2", &cg), 0);
	assert_true(wait_empty(cg));
	cg_unit_free(cg);
	xsnprintf(dir, sizeof(dir), "%s%s/t2.service", v2_mount, base);
	assert_false(exists(dir));
	/* a unit freed once empty is removed at once */
	assert_int_equal(cg_unit_create(ctx, "t3", &cg), 0);
	pid = spawn_into(cg);
	assert_int_equal(wait_tasks(cg, 3), 3);
	r = cg_unit_kill(cg, SIGKILL);
	assert_true(r == 0 || r == 3);
	reap(pid);
	assert_true(wait_empty(cg));
	cg_unit_free(cg);
	xsnprintf(dir, sizeof(dir), "%s%s/t3.service", v2_mount, base);
	assert_false(exists(dir));

	cg_free(ctx);
	self_v2(self, sizeof(self));
	assert_string_equal(self, orig_v2);
	assert_int_equal(cg_leftovers(), 0);
}

/* The v1 devices fallback of cg_unit_bpf_apply, where no BPF device
 * program can be attached: the unit's cgroup is taken as one without v2
 * (its v2 directory hidden from cgroup-bpf.c), so DevicePolicy=closed goes
 * to the v1 devices controller; a child in that cgroup is refused what
 * the list does not allow. IPAddressDeny= has no fallback: an error. */
static void test_cg_devices_v1(void **state)
{
	char *allow[] = { "/dev/loop-control r", NULL }, *deny[] = { "any", NULL };
	struct unit_spec spec = { 0 };
	struct cg_ctx *ctx = NULL;
	struct cg_unit *cg = NULL;
	char *warn[CG_WARN_MAX], err[256], dev[PATH_MAX], p[PATH_MAX], buf[4096];
	size_t n_warn = 0;
	char *v2;
	int fds[16], n, st;
	pid_t pid;

	(void)state;
	v1_mount("devices", dev, sizeof(dev));
	if (!dev[0]) {
		print_message("no v1 devices controller here: nothing to test\n");
		return;
	}
	assert_int_equal(cg_init(base, &ctx), 0);
	assert_int_equal(cg_unit_create(ctx, "dv", &cg), 0);
	v2 = cg->v2_dir;
	cg->v2_dir = NULL;
	spec.device_policy = UNIT_DEVPOL_CLOSED;
	spec.device_allow = allow;
	assert_int_equal(cg_unit_bpf_apply(cg, &spec, err, sizeof(err), warn, &n_warn), 0);
	assert_int_equal(n_warn, 0);
	xsnprintf(p, sizeof(p), "%s%s/dv.service/devices.list", dev, base);
	assert_true(read_text(p, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "c 1:3 rwm"));
	assert_non_null(strstr(buf, "c 136:* rw"));
	assert_non_null(strstr(buf, "c 10:237 r\n"));
	assert_null(strstr(buf, "a *:* rwm"));

	n = cg_unit_v1_procs_fds(cg, fds, 16);
	assert_true(n > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd;

		if (cg_child_join_v1(fds, n) < 0)
			_exit(10);
		if ((fd = open("/dev/null", O_RDWR)) < 0)
			_exit(11);
		close(fd);
		if ((fd = open("/dev/loop-control", O_RDONLY)) < 0)
			_exit(12);
		close(fd);
		if (open("/dev/loop-control", O_WRONLY) >= 0 || errno != EPERM)
			_exit(13);
		if (open("/dev/loop0", O_RDONLY) >= 0 || errno != EPERM)
			_exit(14);
		_exit(0);
	}
	while (n > 0)
		close(fds[--n]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	/* the IP lists need cgroup v2: the key and the reason */
	spec.device_policy = UNIT_DEVPOL_AUTO;
	spec.device_allow = NULL;
	spec.ip_address_deny = deny;
	assert_true(cg_unit_bpf_apply(cg, &spec, err, sizeof(err), warn, &n_warn) < 0);
	assert_non_null(strstr(err, "IPAddressDeny="));
	/* and the devices policy was lifted from the v1 cgroup */
	assert_true(read_text(p, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "a *:* rwm"));

	cg->v2_dir = v2;
	cg_unit_free(cg);
	cg_free(ctx);
	assert_int_equal(cg_leftovers(), 0);
}

/* ---- rootfs ------------------------------------------------------------------ */

static char tdir[PATH_MAX];   /* host scratch directory */
static char *mounts_before;

static char *slurp(const char *path)
{
	static char big[1 << 20];
	int n = read_text(path, big, sizeof(big));

	return n < 0 ? NULL : strdup(big);
}

/* mountinfo without the mount ids (which the kernel may reuse) is enough:
 * compare whole text */
static int setup_root(void **state)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_isolation must run as root\n");
		return -1;
	}
	xsnprintf(tdir, sizeof(tdir), "/tmp/svcinit-test-XXXXXX");
	if (!mkdtemp(tdir))
		return -1;
	for (size_t i = 0; i < 3; i++) {
		static const char *const sub[] = { "rw", "ro", "keep" };
		char p[PATH_MAX];

		xsnprintf(p, sizeof(p), "%s/%s", tdir, sub[i]);
		if (mkdir(p, 0755) < 0)
			return -1;
	}
	mounts_before = slurp("/proc/self/mountinfo");
	return mounts_before ? 0 : -1;
}

static int rm_any(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static int teardown_root(void **state)
{
	char *after = slurp("/proc/self/mountinfo");
	int r = 0;

	if (!after || strcmp(after, mounts_before) != 0) {
		fprintf(stderr, "host mount table changed\n--- before\n%s--- after\n%s",
			mounts_before, after ? after : "");
		r = -1;
	}
	(void)nftw(tdir, rm_any, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	(void)unlink("/etc/svcinit-test-x");
	free(after);
	free(mounts_before);
	return r;
}

static void mkfile(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	int fd;

	xsnprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void mkdirf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirf(const char *fmt, ...)
{
	char p[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(p), fmt, ap);
	va_end(ap);
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

#define CHECK(code, cond)                                                         \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "inside: check %d failed: %s (%s)\n", code, \
				#cond, strerror(errno));                          \
			return code;                                              \
		}                                                                 \
	} while (0)

enum { CHK_DEFAULT, CHK_UPPER, CHK_NO_OVERLAY, CHK_FAIL_BIND };

static char expect_step[PATH_MAX];   /* CHK_FAIL_BIND: the step that must fail */

/* Runs inside the new namespaces and root. 0 when all is well. */
static int inside_checks(int kind)
{
	char buf[8192], p[PATH_MAX];
	struct statvfs sv;
	struct statfs sf;
	struct stat st;
	int fd, n = 0;

	CHECK(10, gethostname(buf, sizeof(buf)) == 0 && strcmp(buf, "isotest") == 0);
	CHECK(11, getpid() == 1);
	CHECK(12, readlink("/proc/self", buf, sizeof(buf)) == 1 && buf[0] == '1');
	/* only lo, and it is up */
	CHECK(13, read_text("/proc/net/dev", buf, sizeof(buf)) > 0);
	for (char *l = strchr(strchr(buf, '\n') + 1, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
		char *name = l + 1 + strspn(l + 1, " ");

		CHECK(14, strncmp(name, "lo:", 3) == 0);
		n++;
	}
	CHECK(15, n == 1);
	CHECK(16, read_text("/sys/class/net/lo/flags", buf, sizeof(buf)) > 0 &&
		   (strtoul(buf, NULL, 16) & 1));
	/* /sys read-only */
	CHECK(17, statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY));
	CHECK(18, mkdir("/sys/svcinit-x", 0755) < 0 && errno == EROFS);
	/* /dev minimal */
	CHECK(19, !exists("/dev/sda") && !exists("/dev/vda") && !exists("/dev/mem"));
	CHECK(20, stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	fd = open("/dev/null", O_WRONLY);
	CHECK(21, fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	CHECK(22, fd >= 0 && read(fd, buf, 16) == 16);
	close(fd);
	CHECK(23, readlink("/dev/ptmx", buf, sizeof(buf)) == 8 && strncmp(buf, "pts/ptmx", 8) == 0);
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	CHECK(24, fd >= 0);
	close(fd);
	CHECK(25, statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC_);
	CHECK(26, readlink("/dev/fd", buf, sizeof(buf)) > 0);
	CHECK(27, statfs("/tmp", &sf) == 0 && sf.f_type == TMPFS_MAGIC_);
	CHECK(28, stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777);
	CHECK(29, stat("/dev", &st) == 0 && (st.st_mode & 0777) == 0755);

	/* binds */
	CHECK(30, read_text("/mnt/svcinit-ro/data", buf, sizeof(buf)) == 2 && strcmp(buf, "ro") == 0);
	fd = open("/mnt/svcinit-ro/new", O_WRONLY | O_CREAT, 0644);
	CHECK(31, fd < 0 && errno == EROFS);
	fd = open("/mnt/svcinit-rw/fromchild", O_WRONLY | O_CREAT, 0644);
	CHECK(32, fd >= 0);
	close(fd);
	/* the kept path is there, at the same place */
	xsnprintf(p, sizeof(p), "%s/keep/k", tdir);
	CHECK(33, read_text(p, buf, sizeof(buf)) == 1);
	/* the rest of the host's /tmp is not */
	xsnprintf(p, sizeof(p), "%s/rw", tdir);
	CHECK(34, !exists(p));

	if (kind == CHK_NO_OVERLAY) {
		/* the root is the empty directory: nothing of the host */
		CHECK(40, !exists("/etc") && !exists("/usr"));
		/* Namespaces=cgroup: its cgroups are the roots */
		CHECK(43, read_text("/proc/self/cgroup", buf, sizeof(buf)) > 0);
		for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
			CHECK(44, strcmp(strrchr(l, ':'), ":/") == 0);
		return 0;
	}
	/* writes land in the overlay's upper layer only */
	fd = open(kind == CHK_UPPER ? "/etc/svcinit-test-y" : "/etc/svcinit-test-x",
		  O_WRONLY | O_CREAT, 0644);
	CHECK(41, fd >= 0);
	close(fd);
	/* a destination below a symlink of the root (/var/run -> /run) */
	if (lstat("/var/run", &st) == 0 && S_ISLNK(st.st_mode))
		CHECK(42, read_text("/var/run/svcinit-sym/hello", buf, sizeof(buf)) == 2);
	return 0;
}

/* Fork a child that unshares like the spawner's clone, then a PID 1 that
 * enters the root and checks. Returns the check's exit code. */
static int run_inside(const struct rootfs_plan *plan, int kind)
{
	pid_t pid = fork(), w;
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		pid_t c;
		int st;

		if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID) < 0)
			_exit(2);
		c = fork();
		if (c < 0)
			_exit(3);
		if (c == 0) {
			const char *step = NULL;
			int r = rootfs_enter(plan, &step);

			if (r < 0 && kind == CHK_FAIL_BIND)
				_exit(r == -ENOENT && step && strcmp(step, expect_step) == 0 ? 0 : 7);
			if (r < 0) {
				fprintf(stderr, "rootfs_enter: %s: %s\n", step ? step : "?", strerror(-r));
				_exit(4);
			}
			if (kind == CHK_FAIL_BIND)
				_exit(8);
			_exit(inside_checks(kind));
		}
		if (waitpid(c, &st, 0) < 0)
			_exit(5);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 6);
	}
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	assert_int_equal(w, pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void rootfs_spec(struct unit_spec *spec, struct unit_bind *binds, size_t *n_binds,
			char paths[][PATH_MAX])
{
	struct stat st;
	size_t n = 0;

	memset(spec, 0, sizeof(*spec));
	xsnprintf(spec->name, sizeof(spec->name), "isotest");
	spec->namespaces = UNIT_NS_DEFAULT;
	spec->overlay = true;

	xsnprintf(paths[0], PATH_MAX, "%s/rw", tdir);
	xsnprintf(paths[1], PATH_MAX, "%s/ro", tdir);
	binds[n++] = (struct unit_bind){ paths[0], (char *)"/mnt/svcinit-rw", false, false };
	binds[n++] = (struct unit_bind){ paths[1], (char *)"/mnt/svcinit-ro", true, false };
	binds[n++] = (struct unit_bind){ (char *)"/nonexistent-svcinit", (char *)"/x", false, true };
	if (lstat("/var/run", &st) == 0 && S_ISLNK(st.st_mode))
		binds[n++] = (struct unit_bind){ paths[0], (char *)"/var/run/svcinit-sym", false, false };
	spec->binds = binds;
	spec->n_binds = n;
	*n_binds = n;
}

static void test_rootfs_flags(void **state)
{
	assert_int_equal(rootfs_clone_flags(0), 0);
	assert_int_equal(rootfs_clone_flags(UNIT_NS_DEFAULT),
			 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWUTS);
	assert_int_equal(rootfs_clone_flags(UNIT_NS_NET), CLONE_NEWNET);
	/* cgroup: unshared in rootfs_enter; user: rejected by the plan */
	assert_int_equal(rootfs_clone_flags(UNIT_NS_CGROUP | UNIT_NS_USER), 0);
}

static void test_rootfs_plan_errors(void **state)
{
	struct unit_spec spec;
	struct unit_bind binds[4];
	char paths[2][PATH_MAX], rundir[PATH_MAX], stage[PATH_MAX];
	struct rootfs_plan *plan = (void *)1;
	const char *err = NULL;
	size_t nb;

	rootfs_spec(&spec, binds, &nb, paths);
	xsnprintf(rundir, sizeof(rundir), "%s/run", tdir);
	mkdirf("%s", rundir);

	spec.root_directory = (char *)"/nope-svcinit";
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -ENOENT);
	assert_null(plan);
	assert_string_equal(err, "RootDirectory=/nope-svcinit: No such file or directory");

	spec.root_directory = (char *)"/etc/passwd";
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -ENOTDIR);

	spec.root_directory = NULL;
	binds[0].src = (char *)"/nope-svcinit-src";
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -ENOENT);
	assert_string_equal(err, "BindPaths=/nope-svcinit-src: No such file or directory");
	binds[0].src = paths[0];

	binds[0].dst = (char *)"/a/../b";
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -EINVAL);
	binds[0].dst = (char *)"/mnt/svcinit-rw";

	/* Namespaces=user: planned as any other (the service enters it last),
	 * the paths it names opened as its range's uid 100000+, not as root:
	 * the bind source lies below a directory only root may enter */
	spec.namespaces = UNIT_NS_DEFAULT | UNIT_NS_USER;
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -EACCES);
	assert_non_null(strstr(err, "Permission denied"));
	{
		size_t saved = spec.n_binds;

		spec.n_binds = 0;
		assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), 0);
		rootfs_cleanup(plan);
		rootfs_plan_free(plan);
		plan = NULL;
		spec.n_binds = saved;
	}

	spec.namespaces = UNIT_NS_NET;
	spec.root_directory = (char *)"/";
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), -EINVAL);
	assert_string_equal(err, "RootDirectory= needs Namespaces=mnt");

	/* the staging directory is never made through a symlink */
	spec.namespaces = UNIT_NS_DEFAULT;
	spec.n_binds = 0;
	xsnprintf(stage, sizeof(stage), "%s/run-linked", tdir);
	mkdirf("%s", stage);
	xsnprintf(stage, sizeof(stage), "%s/run-linked/.stage", tdir);
	assert_int_equal(symlink(tdir, stage), 0);
	xsnprintf(stage, sizeof(stage), "%s/run-linked", tdir);
	assert_int_equal(rootfs_plan_new(&spec, NULL, stage, NULL, &plan, &err), -ENOTDIR);
	assert_non_null(strstr(err, "/.stage: Not a directory"));
	xsnprintf(stage, sizeof(stage), "%s/isotest", tdir);
	assert_false(exists(stage));

	/* no mnt, nothing to mount: a plan of hostname and lo only */
	spec.root_directory = NULL;
	spec.n_binds = 0;
	spec.namespaces = UNIT_NS_NET | UNIT_NS_UTS;
	assert_int_equal(rootfs_plan_new(&spec, NULL, rundir, NULL, &plan, &err), 0);
	rootfs_plan_free(plan);
	rootfs_plan_free(NULL);
	rootfs_cleanup(NULL);
}

static void test_rootfs_enter(void **state)
{
	struct unit_spec spec;
	struct unit_bind binds[4];
	char paths[2][PATH_MAX], rundir[PATH_MAX], stage[PATH_MAX], keep[PATH_MAX], p[PATH_MAX];
	const char *keep_paths[2] = { keep, NULL };
	struct rootfs_plan *plan = NULL;
	const char *err = NULL;
	size_t nb;
	int r;

	rootfs_spec(&spec, binds, &nb, paths);
	mkfile(paths[0], "hello", "hi");
	mkfile(paths[1], "data", "ro");
	xsnprintf(keep, sizeof(keep), "%s/keep", tdir);
	mkfile(keep, "k", "k");
	xsnprintf(rundir, sizeof(rundir), "%s/run", tdir);
	mkdirf("%s", rundir);
	xsnprintf(stage, sizeof(stage), "%s/.stage/isotest", rundir);

	/* default: overlay on /, fresh upper */
	r = rootfs_plan_new(&spec, NULL, rundir, keep_paths, &plan, &err);
	if (r < 0)
		fail_msg("plan: %s", err);
	assert_true(exists(stage));
	assert_int_equal(run_inside(plan, CHK_DEFAULT), 0);
	assert_false(exists("/etc/svcinit-test-x"));          /* stayed in the overlay */
	xsnprintf(p, sizeof(p), "%s/fromchild", paths[0]);
	assert_true(exists(p));                               /* rw bind wrote through */
	assert_false(exists("/run/svcinit-sym"));            /* bound inside the root only */
	rootfs_cleanup(plan);
	assert_false(exists(stage));
	rootfs_plan_free(plan);
	plan = NULL;

	/* OverlayUpper= keeps the upper layer on the host */
	xsnprintf(p, sizeof(p), "%s/upperdir", tdir);
	spec.overlay_upper = p;
	r = rootfs_plan_new(&spec, NULL, rundir, keep_paths, &plan, &err);
	if (r < 0)
		fail_msg("plan: %s", err);
	assert_int_equal(run_inside(plan, CHK_UPPER), 0);
	assert_false(exists("/etc/svcinit-test-y"));
	xsnprintf(p, sizeof(p), "%s/upperdir/upper/etc/svcinit-test-y", tdir);
	assert_true(exists(p));
	rootfs_cleanup(plan);
	rootfs_plan_free(plan);
	plan = NULL;
	spec.overlay_upper = NULL;

	/* Overlay=no on an empty RootDirectory= */
	xsnprintf(p, sizeof(p), "%s/emptyroot", tdir);
	mkdirf("%s", p);
	spec.root_directory = p;
	spec.overlay = false;
	spec.n_binds = 2;
	spec.namespaces |= UNIT_NS_CGROUP;
	r = rootfs_plan_new(&spec, NULL, rundir, keep_paths, &plan, &err);
	if (r < 0)
		fail_msg("plan: %s", err);
	assert_int_equal(run_inside(plan, CHK_NO_OVERLAY), 0);
	rootfs_cleanup(plan);
	rootfs_plan_free(plan);
	plan = NULL;

	/* a step that fails in the child names itself */
	spec.root_directory = NULL;
	spec.overlay = true;
	spec.namespaces = UNIT_NS_DEFAULT;
	xsnprintf(p, sizeof(p), "%s/vanishing", tdir);
	mkdirf("%s", p);
	binds[0].src = p;
	spec.n_binds = 1;
	r = rootfs_plan_new(&spec, NULL, rundir, keep_paths, &plan, &err);
	if (r < 0)
		fail_msg("plan: %s", err);
	assert_int_equal(rmdir(p), 0);
	xsnprintf(expect_step, sizeof(expect_step), "bind %s", p);
	assert_int_equal(run_inside(plan, CHK_FAIL_BIND), 0);
	rootfs_cleanup(plan);
	rootfs_plan_free(plan);
	assert_false(exists(stage));
}

int main(void)
{
	const struct CMUnitTest cg_tests[] = {
		cmocka_unit_test(test_cg_bad_base),
		cmocka_unit_test(test_cg_lifecycle),
		cmocka_unit_test(test_cg_devices_v1),
	};
	const struct CMUnitTest root_tests[] = {
		cmocka_unit_test(test_rootfs_flags),
		cmocka_unit_test(test_rootfs_plan_errors),
		cmocka_unit_test(test_rootfs_enter),
	};
	int r;

	/* output of the children goes out in order */
	setvbuf(stdout, NULL, _IONBF, 0);
	r = cmocka_run_group_tests_name("cgroup", cg_tests, setup_cg, teardown_cg);
	r += cmocka_run_group_tests_name("rootfs", root_tests, setup_root, teardown_root);
	return r ? 1 : 0;
}
