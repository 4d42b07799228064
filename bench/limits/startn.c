/* SPDX-License-Identifier: MIT */
/*
 * bench-startn: the physical limit of starting N services and of stopping
 * them. It forks and execs N services one after the other, then waits; on
 * SIGTERM it sends SIGTERM to each, waits for all and exits.
 *
 *   bench-startn [-i STAGE -c CGROUP -b BIND] N FILE STAMP [ARG...]
 *   bench-startn -c CGROUP [-m V1DIR]... N FILE STAMP [ARG...]
 *
 * With -i each service gets what svcinit gives by default, done the
 * simplest way: a cgroup v2 directory CGROUP/sN joined at clone
 * (CLONE_INTO_CGROUP), new pid, mount, uts, ipc and net namespaces,
 * loopback up, a hostname, a tmpfs at STAGE/N holding the upper layer of an
 * overlay over /, a fresh /proc, BIND bound in (the harness' stamp
 * directory, as the svcinit units get it with BindPaths=), pivot_root,
 * exec. No /dev, /sys or /tmp of its own and no reaper process: those are
 * svcinit's extras.
 *
 * With -c alone each service gets a cgroup and no namespace: CGROUP/sN
 * (cgroup v2) joined at clone, and on a hybrid host V1DIR/sN in each v1
 * hierarchy given with -m (svcinit's memory and pids accounting there),
 * joined by the child before it execs; all removed at stop. The kernel's
 * own cost of a cgroup per service, against which svcinit's plain units
 * (a cgroup each, no namespace) compare.
 */
#include "common.h"

#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define V1_MAX 4

static const char *stage, *cgroup, *bind_dir, *v1_dirs[V1_MAX];
static int n_v1;
static char **svc_argv;
static pid_t *pids;
static int n;

static __attribute__((noreturn)) void fail(const char *what)
{
	fprintf(stderr, "bench-startn: %s: %s\n", what, strerror(errno));
	_exit(127);
}

static void child_isolated(int i)
{
	char dir[4096], buf[4096 + 64];
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	snprintf(dir, sizeof(dir), "%s/%d", stage, i);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail("make / private");
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		fail("mount tmpfs");
	snprintf(buf, sizeof(buf), "%s/u", dir);
	if (mkdir(buf, 0755) < 0)
		fail("mkdir upper");
	snprintf(buf, sizeof(buf), "%s/w", dir);
	if (mkdir(buf, 0755) < 0)
		fail("mkdir work");
	snprintf(buf, sizeof(buf), "%s/r", dir);
	if (mkdir(buf, 0755) < 0)
		fail("mkdir root");
	snprintf(buf, sizeof(buf), "lowerdir=/,upperdir=%s/u,workdir=%s/w", dir, dir);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/r");
	if (mount("overlay", dir, "overlay", 0, buf) < 0)
		fail("mount overlay");
	snprintf(buf, sizeof(buf), "%s/proc", dir);
	if (mount("proc", buf, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail("mount proc");
	snprintf(buf, sizeof(buf), "%s%s", dir, bind_dir);
	if (mount(bind_dir, buf, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail("bind");
	if (sethostname("svc", 3) < 0)
		fail("sethostname");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		fail("loopback");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		fail("loopback up");
	close(fd);
	if (chdir(dir) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		fail("pivot_root");
}

static pid_t start_one(int i)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	char path[4096];
	int cfd = -1;
	pid_t pid;

	if (stage) {
		snprintf(path, sizeof(path), "%s/s%d", cgroup, i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir cgroup");
		cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			die("open cgroup");
		snprintf(path, sizeof(path), "%s/%d", stage, i);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			die("mkdir stage");
		args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
			     CLONE_NEWNET | CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cfd;
	}
	int v1fd[V1_MAX];

	if (!stage && cgroup) {
		snprintf(path, sizeof(path), "%s/s%d", cgroup, i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir cgroup");
		cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfd < 0)
			die("open cgroup");
		args.flags = CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cfd;
	}
	for (int h = 0; h < n_v1; h++) {
		snprintf(path, sizeof(path), "%s/s%d", v1_dirs[h], i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir v1 cgroup");
		snprintf(path, sizeof(path), "%s/s%d/cgroup.procs", v1_dirs[h], i);
		v1fd[h] = open(path, O_WRONLY | O_CLOEXEC);
		if (v1fd[h] < 0)
			die("open v1 cgroup.procs");
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int h = 0; h < n_v1; h++)
			if (write(v1fd[h], "0", 1) != 1)
				fail("join v1 cgroup");
		if (stage)
			child_isolated(i);
		execv(svc_argv[0], svc_argv);
		fail("exec");
	}
	if (cfd >= 0)
		close(cfd);
	for (int h = 0; h < n_v1; h++)
		close(v1fd[h]);
	return pid;
}

static void stop_all(void)
{
	int left = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], SIGTERM) == 0)
			left++;
	while (left > 0) {
		pid_t p = wait(NULL);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			break;
		for (int i = 0; i < n; i++)
			if (pids[i] == p) {
				pids[i] = 0;
				left--;
			}
	}
	if (!cgroup)
		return;
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/s%d", cgroup, i);
		for (int t = 0; t < 1000 && rmdir(path) < 0 && errno == EBUSY; t++)
			usleep(1000);
		for (int h = 0; h < n_v1; h++) {
			snprintf(path, sizeof(path), "%s/s%d", v1_dirs[h], i);
			(void)rmdir(path);
		}
		if (!stage)
			continue;
		snprintf(path, sizeof(path), "%s/%d", stage, i);
		(void)rmdir(path);
	}
}

int main(int argc, char **argv)
{
	sigset_t set;
	int c;

	while ((c = getopt(argc, argv, "+i:c:b:m:")) != -1) {
		switch (c) {
		case 'm':
			if (n_v1 == V1_MAX)
				return 2;
			v1_dirs[n_v1++] = optarg;
			break;
		case 'i': stage = optarg; break;
		case 'c': cgroup = optarg; break;
		case 'b': bind_dir = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 3 || (stage && (!cgroup || !bind_dir))) {
		fprintf(stderr, "usage: bench-startn [-i STAGE -c CGROUP -b BIND | -c CGROUP [-m V1DIR]...] "
			"N STAMP ARG...\n");
		return 2;
	}
	n = atoi(argv[optind]);
	svc_argv = argv + optind + 1;
	pids = calloc((size_t)n + 1, sizeof(*pids));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < n; i++)
		pids[i] = start_one(i);
	for (;;) {
		int sig;

		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			pid_t p;

			while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
				for (int i = 0; i < n; i++)
					if (pids[i] == p)
						pids[i] = 0;
			continue;
		}
		stop_all();
		return 0;
	}
}
