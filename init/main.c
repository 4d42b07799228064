/* SPDX-License-Identifier: MIT */
/*
 * svcinit: a container-aware init and process supervisor.
 *
 * main() reads as a boot script: options, mode, mounts, cgroups, units,
 * control socket, signals, then the event loop. From the moment the loop
 * runs nothing here exits except the planned end of shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <time.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef WITH_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "init/init.h"
#include "init/log.h"
#include "init/proto.h"
#include "services/cgroup.h"
#include "services/spawn.h"
#include "services/svc.h"

#define INIT_FINAL_KILL_SEC 10.0   /* SIGTERM to SIGKILL for what is left */
#define PROC_PID_INIT_INO   0xEFFFFFFCU

enum init_mode init_mode;

static struct {
	struct ev_loop *loop;
	const char *units_dir;
	const char *socket_path;
	const char *cgroup_base;
	size_t log_size;
	bool check;
	char **command;
	struct cg_ctx *cg;
	char run_dir[256];
	char sock_dir[256];

	/* shutdown */
	enum { PHASE_RUN, PHASE_UNITS, PHASE_REST, PHASE_DONE } phase;
	enum init_end end;
	int exit_code;
	ev_timer final_timer;
	bool rest_killed;

	bool notified_ready;
	char notify_socket[108];
	bool command_started;
} I = { .exit_code = 0 };

const char *init_mode_name(void)
{
	switch (init_mode) {
	case INIT_MACHINE: return "machine";
	case INIT_CONTAINER: return "container";
	case INIT_SUBREAPER: return "subreaper";
	}
	return "?";
}

bool init_shutting_down(void)
{
	return I.phase != PHASE_RUN;
}

/* ---- the outer supervisor (systemd) --------------------------------------- */

static void notify_outer(const char *msg)
{
	if (!I.notify_socket[0])
		return;
#ifdef WITH_SYSTEMD
	/* sd_notify reads $NOTIFY_SOCKET, which we took out of our environment */
	(void)setenv("NOTIFY_SOCKET", I.notify_socket, 1);
	(void)sd_notify(0, msg);
	(void)unsetenv("NOTIFY_SOCKET");
#else
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		socklen_t len;
		int fd;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", I.notify_socket);
		if (sa.sun_path[0] == '@')
			sa.sun_path[0] = '\0';   /* abstract namespace */
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(I.notify_socket));
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return;
		(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
		(void)close(fd);
	}
#endif
}

/* ---- the entrypoint COMMAND ------------------------------------------------ */

static void start_command(void)
{
	extern char **environ;
	struct exec_plan plan = {
		.argv = I.command, .envp = environ,
		.fd_in = STDIN_FILENO, .fd_out = STDOUT_FILENO, .fd_err = STDERR_FILENO,
		.cgroup_fd = -1, .foreground = true,
	};
	struct spawn_result res;
	const char *step = NULL;
	char *path = NULL;
	int r;

	I.command_started = true;
	r = spawn_find_exec(I.command[0], environ, NULL, &path);
	if (r < 0) {
		log_err("%s: %s", I.command[0], r == -ENOENT ? "command not found" : strerror(-r));
		init_shutdown(INIT_END_EXIT, r == -ENOENT ? 127 : 126);
		return;
	}
	plan.path = path;
	r = spawn_start(&plan, &res, &step);
	free(path);
	if (r < 0) {
		log_err("%s: unable to %s: %s", I.command[0], step ? step : "start", strerror(-r));
		init_shutdown(INIT_END_EXIT, r == -ENOENT ? 127 : 126);
		return;
	}
	loop_set_command(res.pid);
	log_debug("command started, pid %d", (int)res.pid);
}

/* ---- hooks from services/ ---------------------------------------------------- */

static void on_changed(struct svc *s)
{
	ctl_changed();
	/* the boot is complete once: no need to look at every unit on every
	 * later change (a crash loop makes many) */
	if (I.phase == PHASE_RUN && !(I.notified_ready && (!I.command || I.command_started)) &&
	    svc_all_settled()) {
		if (I.command && !I.command_started)
			start_command();
		if (!I.notified_ready) {
			struct timespec up;

			I.notified_ready = true;
			clock_gettime(CLOCK_BOOTTIME, &up);
			log_info("all units up (%zu) at %.3fs since boot", svc_count(),
				 (double)up.tv_sec + (double)up.tv_nsec / 1e9);
			notify_outer("READY=1");
		}
	}
	if (I.phase == PHASE_UNITS)
		init_shutdown(I.end, -1);   /* re-check progress */
}

static void on_action(struct svc *s, enum unit_action a, int code)
{
	switch (a) {
	case UNIT_ACTION_NONE:
		break;
	case UNIT_ACTION_EXIT:
		log_info("%s: %s, exiting with code %d", s->spec->name, svc_state_name(s), code);
		init_shutdown(INIT_END_EXIT, code);
		break;
	case UNIT_ACTION_POWEROFF:
		init_shutdown(init_mode == INIT_MACHINE ? INIT_END_POWEROFF : INIT_END_EXIT, code);
		break;
	case UNIT_ACTION_REBOOT:
		init_shutdown(init_mode == INIT_MACHINE ? INIT_END_REBOOT : INIT_END_EXIT, code);
		break;
	}
}

/* ---- shutdown --------------------------------------------------------------------- */

static void final_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (I.phase == PHASE_REST && !I.rest_killed) {
		log_warn("processes left after %.0fs: killing them", INIT_FINAL_KILL_SEC);
		loop_kill_rest(SIGKILL);
		I.rest_killed = true;
		ev_timer_set(&I.final_timer, 5., 0.);
		ev_timer_start(loop, &I.final_timer);
		return;
	}
	/* what SIGKILL cannot end (uninterruptible sleep) must not hold us */
	I.phase = PHASE_DONE;
	ev_break(loop, EVBREAK_ALL);
}

void init_shutdown(enum init_end how, int exit_code)
{
	if (I.phase == PHASE_RUN) {
		static const char *const names[] = { "exit", "poweroff", "reboot", "halt" };

		log_info("shutting down (%s)", names[how]);
		I.end = how;
		I.exit_code = exit_code >= 0 ? exit_code : 0;
		I.phase = PHASE_UNITS;
		notify_outer("STOPPING=1");
		svc_stop_all();
		ctl_changed();
	} else if (exit_code >= 0 && how == INIT_END_EXIT && I.end == INIT_END_EXIT) {
		/* the COMMAND's code wins over a plain signal-triggered end */
		I.exit_code = exit_code;
	}
	if (I.phase == PHASE_UNITS && svc_all_down()) {
		I.phase = PHASE_REST;
		loop_kill_rest(SIGTERM);
		loop_kill_rest(SIGCONT);
		ev_timer_init(&I.final_timer, final_timer_cb, INIT_FINAL_KILL_SEC, 0.);
		ev_timer_start(I.loop, &I.final_timer);
	}
	if (I.phase == PHASE_REST && !loop_have_children()) {
		I.phase = PHASE_DONE;
		ev_timer_stop(I.loop, &I.final_timer);
		ev_break(I.loop, EVBREAK_ALL);
	}
}

/* ---- machine mode ------------------------------------------------------------------ */

/* Is something mounted on path? (A directory of the initramfs is on a tmpfs
 * too, so the file system type alone does not tell.) */
static bool mounted(const char *path)
{
	struct statx sx;
	struct stat st, parent;
	char up[PATH_MAX];

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx) == 0 &&
	    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	snprintf(up, sizeof(up), "%s/..", path);
	return stat(path, &st) == 0 && stat(up, &parent) == 0 && st.st_dev != parent.st_dev;
}

static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sf;

	return mounted(path) && statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static void mount_one(const char *src, const char *dst, const char *type, unsigned long flags,
		      const char *data)
{
	(void)mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		log_warn("unable to mount %s on %s: %s", type, dst, strerror(errno));
}

static void machine_mounts(void)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV;

	if (!fs_is("/proc", PROC_SUPER_MAGIC))
		mount_one("proc", "/proc", "proc", nsd | MS_NOEXEC, NULL);
	if (!fs_is("/sys", SYSFS_MAGIC))
		mount_one("sysfs", "/sys", "sysfs", nsd | MS_NOEXEC, NULL);
	if (!mounted("/dev"))
		mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	if (!fs_is("/dev/pts", DEVPTS_SUPER_MAGIC))
		mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			  "gid=5,mode=620,ptmxmode=0666");
	if (!fs_is("/dev/shm", TMPFS_MAGIC))
		mount_one("tmpfs", "/dev/shm", "tmpfs", nsd, "mode=1777");
	if (!fs_is("/run", TMPFS_MAGIC))
		mount_one("tmpfs", "/run", "tmpfs", nsd, "mode=0755");
	if (!fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) && !fs_is("/sys/fs/cgroup", TMPFS_MAGIC))
		mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", nsd | MS_NOEXEC, "nsdelegate");
}

static void machine_hostname(void)
{
	char name[65] = "";
	ssize_t n;
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, name, sizeof(name) - 1);
	(void)close(fd);
	if (n <= 0)
		return;
	name[n] = '\0';
	name[strcspn(name, " \t\r\n")] = '\0';
	if (name[0] && sethostname(name, strlen(name)) < 0)
		log_warn("unable to set hostname %s: %s", name, strerror(errno));
}

static void machine_end(void)
{
	int cmd = I.end == INIT_END_POWEROFF ? RB_POWER_OFF :
		  I.end == INIT_END_HALT ? RB_HALT_SYSTEM : RB_AUTOBOOT;

	log_info("%s", I.end == INIT_END_POWEROFF ? "powering off" :
		 I.end == INIT_END_HALT ? "halting" : "rebooting");
	sync();
	(void)reboot(cmd);
	/* PID 1 must not return: the kernel would panic */
	log_err("reboot(2) failed: %s", strerror(errno));
	for (;;)
		pause();
}

/* A unit that eats all memory must not take PID 1 with it: the OOM killer
 * leaves svcinit alone (units start at 0 again, see spawn.c). Busy units must
 * not starve it either: it runs a little above them (units get the nice value
 * svcinit started with). */
static void protect_self(void)
{
	int fd, prio;

	errno = 0;
	prio = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && setpriority(PRIO_PROCESS, 0, prio - 5) == 0) {
		spawn_nice = prio;
		spawn_nice_set = true;
	}
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "-1000", 5) != 5)
		log_debug("unable to set oom_score_adj: %s", strerror(errno));
	(void)close(fd);
}

static enum init_mode detect_mode(void)
{
	struct stat st;

	if (getpid() != 1)
		return INIT_SUBREAPER;
	if (stat("/proc/self/ns/pid", &st) < 0) {
		/* no /proc yet: mount it to look (a booting machine has none) */
		(void)mkdir("/proc", 0755);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
		    stat("/proc/self/ns/pid", &st) < 0)
			return INIT_CONTAINER;
	}
	return st.st_ino == PROC_PID_INIT_INO ? INIT_MACHINE : INIT_CONTAINER;
}

/* ---- options ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: svcinit [-u DIR] [-s PATH] [--cgroup PATH] [-v] [-- COMMAND [ARG...]]\n"
		"\n"
		"A container-aware init and process supervisor.\n"
		"\n"
		"  -u, --units DIR     unit directory (default /etc/svcinit, env SVCINIT_UNITS)\n"
		"  -s, --socket PATH   control socket (default %s, env SVCINIT_SOCKET)\n"
		"      --cgroup PATH   cgroup under which units are placed (default: svcinit's own)\n"
		"      --log-buffer SIZE  output kept per unit for svcctl logs (default 64K)\n"
		"      --check[=DIR]   validate the unit directory and exit (0 valid, 1 errors)\n"
		"  -v, --verbose       more log\n"
		"      --version       print the version\n"
		"  -h, --help          this help\n"
		"\n"
		"With -- COMMAND, svcinit starts its units, then runs COMMAND, forwards signals\n"
		"to it, and exits with its exit code when it ends.\n", PROTO_SOCKET_DEFAULT);
}

static int parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "units", required_argument, NULL, 'u' },
		{ "socket", required_argument, NULL, 's' },
		{ "cgroup", required_argument, NULL, 'C' },
		{ "log-buffer", required_argument, NULL, 'L' },
		{ "check", optional_argument, NULL, 'K' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	I.units_dir = getenv("SVCINIT_UNITS") ? getenv("SVCINIT_UNITS") : "/etc/svcinit";
	I.socket_path = getenv("SVCINIT_SOCKET") ? getenv("SVCINIT_SOCKET") : PROTO_SOCKET_DEFAULT;
	while ((c = getopt_long(argc, argv, "+u:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'u': I.units_dir = optarg; break;
		case 's': I.socket_path = optarg; break;
		case 'C': I.cgroup_base = optarg; break;
		case 'K':
			I.check = true;
			if (optarg)
				I.units_dir = optarg;
			break;
		case 'L': {
			uint64_t sz;

			if (unit_parse_size(optarg, &sz) < 0 || sz < LOGBUF_MIN || sz > LOGBUF_MAX) {
				fprintf(stderr, "svcinit: --log-buffer %s: a size from 1K to 64M\n", optarg);
				return -1;
			}
			I.log_size = (size_t)sz;
			break;
		}
		case 'v': log_max_level = LOG_LEVEL_DEBUG; break;
		case 'V': printf("svcinit %s\n", SVCINIT_VERSION); return 1;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		I.command = argv + optind;
	if (I.cgroup_base && I.cgroup_base[0] != '/') {
		fprintf(stderr, "svcinit: --cgroup %s: must be an absolute cgroup path\n", I.cgroup_base);
		return -1;
	}
	return 0;
}

static void take_notify_socket(void)
{
	const char *ns = getenv("NOTIFY_SOCKET");

	if (ns && strlen(ns) < sizeof(I.notify_socket))
		snprintf(I.notify_socket, sizeof(I.notify_socket), "%s", ns);
	/* never handed down to units or COMMAND */
	(void)unsetenv("NOTIFY_SOCKET");
}

static void run_dir_init(void)
{
	const char *slash;

	/* runtime state lives beside the control socket */
	slash = strrchr(I.socket_path, '/');
	if (slash && slash != I.socket_path)
		snprintf(I.sock_dir, sizeof(I.sock_dir), "%.*s", (int)(slash - I.socket_path),
			 I.socket_path);
	else
		snprintf(I.sock_dir, sizeof(I.sock_dir), "/");
	snprintf(I.run_dir, sizeof(I.run_dir), "%s", I.sock_dir);
}

/* libev aborts when its allocator fails: PID 1 must not. Wait for memory
 * instead (the OOM killer leaves svcinit alone, so it comes back). */
static void *loop_alloc(void *ptr, long size)
{
	static bool told;

	if (size == 0) {
		free(ptr);
		return NULL;
	}
	for (;;) {
		void *p = realloc(ptr, (size_t)size);
		struct timespec ts = { .tv_nsec = 10 * 1000 * 1000 };

		if (p) {
			told = false;
			return p;
		}
		if (!told)
			log_err("out of memory for the event loop (%ld bytes): waiting", size);
		told = true;
		(void)nanosleep(&ts, NULL);
	}
}

/* A booting machine starts with a soft limit of 1024 descriptors, and
 * svcinit keeps a few per unit: take what the hard limit allows (as systemd
 * does). Units get the original soft limit back (spawn.c). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	spawn_nofile_soft = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_debug("unable to raise the descriptor limit: %s", strerror(errno));
	}
}

/* svcinit --check: the unit directory as svcinit would load it, nothing run. */
static int check_units(void)
{
	struct unit_diag diag = { .n = 0 };
	size_t bad;
	int r;

	log_max_level = -1;   /* the messages are printed below, once, without prefix */
	(void)svc_init(NULL, &(struct svc_config){ .units_dir = I.units_dir },
		       &(struct svc_hooks){ 0 });
	r = svc_load(&diag);
	if (r >= 0)
		(void)svc_verify(&diag);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	if (diag.dropped)
		fprintf(stderr, "... and %zu more errors\n", diag.dropped);
	bad = diag.n + diag.dropped;
	if (r < 0)
		fprintf(stderr, "%s: %s\n", I.units_dir, strerror(-r));
	else
		printf("%s: %zu unit%s loaded, %zu error%s\n", I.units_dir, svc_count(),
		       svc_count() == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
	unit_diag_free(&diag);
	svc_free_all();
	return r < 0 || bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct unit_diag diag = { .n = 0 };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	const char *keep[2] = { NULL, NULL };
	int r;

	r = parse_options(argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (I.check)
		return check_units();

	init_mode = detect_mode();
	(void)sigaction(SIGPIPE, &ign, NULL);
	protect_self();
	take_notify_socket();
	if (init_mode == INIT_MACHINE) {
		machine_mounts();
		machine_hostname();
		(void)reboot(RB_DISABLE_CAD);   /* ctrl-alt-del becomes SIGINT */
	} else if (init_mode == INIT_SUBREAPER &&
		   prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		log_warn("unable to become a subreaper: %s", strerror(errno));
	}
	log_console_init();
	log_info("svcinit %s starting in %s mode, units from %s", SVCINIT_VERSION,
		 init_mode_name(), I.units_dir);

	ev_set_allocator(loop_alloc);
	raise_fd_limit();
	I.loop = ev_default_loop(EVFLAG_SIGNALFD | EVFLAG_NOENV);
	if (!I.loop) {
		log_err("unable to create the event loop");
		if (init_mode == INIT_MACHINE)
			for (;;)
				pause();
		return 1;
	}

	r = cg_init(I.cgroup_base, &I.cg);
	if (r < 0)
		log_warn("cgroups: %s; units run without them", strerror(-r));

	run_dir_init();
	keep[0] = I.sock_dir;
	r = svc_init(I.loop, &(struct svc_config){
		.units_dir = I.units_dir, .run_dir = I.run_dir, .keep_paths = keep, .cg = I.cg,
		.log_size = I.log_size,
	}, &(struct svc_hooks){ .changed = on_changed, .action = on_action,
				.output = ctl_output, .gone = ctl_forget });
	if (r < 0)
		log_err("unable to set up services: %s", strerror(-r));
	r = svc_load(&diag);
	if (r < 0)
		log_err("%s: unable to read units: %s", I.units_dir, strerror(-r));
	unit_diag_free(&diag);

	(void)ctl_init(I.loop, I.socket_path);   /* logged; svcinit runs on without it */
	loop_init(I.loop, I.command != NULL);

	/* From here on PID 1 must not die. */
	svc_start_all();
	on_changed(NULL);

	if (I.phase != PHASE_DONE)   /* the end may come before the loop (COMMAND not found) */
		ev_run(I.loop, 0);

	log_info("all stopped");
	ctl_free();
	svc_free_all();
	cg_free(I.cg);
	if (init_mode == INIT_MACHINE)
		machine_end();
	return I.exit_code;
}
