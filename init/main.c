/* SPDX-License-Identifier: MIT */
/*
 * svcinit: a container-aware init and process supervisor.
 *
 * main() reads as a boot script: options, mode, mounts, cgroups, units,
 * control socket, signals, then the event loop. This file is the one place
 * that wires the modules together (the hooks below); from the moment the
 * loop runs nothing here exits except the planned end (shutdown.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "init/calendar-cli.h"
#include "init/ctl.h"
#include "init/loop.h"
#include "init/machine.h"
#include "init/outer.h"
#include "init/proto.h"
#include "init/shutdown.h"
#include "lib/log.h"
#include "services/userns.h"
#include "services/cgroup.h"
#include "services/reaper.h"
#include "services/spawn.h"
#include "services/svc.h"
#include "services/trig.h"
#include "units/value.h"

static struct {
	struct ev_loop *loop;
	const char *units_dir;        /* the first -u DIR (messages) */
	struct unit_load_config load; /* every -u DIR, --systemd, --root, --target */
	size_t n_dirs;
	bool units_given;
	bool strict;
	const char *socket_path;
	const char *cgroup_base;
	size_t log_size;
	bool check;
	bool calendar;                /* --calendar EXPR...: print, exit */
	const char *timer_dir;        /* Persistent= timers' stamps */
	unsigned iterations;
	uint64_t base_usec;
	char **command;
	struct cg_ctx *cg;
	char run_dir[256];
	char sock_dir[256];
	bool notified_ready;
	bool command_started;
} I;

/* ---- the entrypoint COMMAND ------------------------------------------------ */

static void start_command(void)
{
	extern char **environ;
	struct exec_plan plan = {
		.argv = I.command, .envp = environ,
		.fd_in = STDIN_FILENO, .fd_out = STDOUT_FILENO, .fd_err = STDERR_FILENO,
		.cgroup_fd = -1, .join_pidfd = -1, .foreground = true,
	};
	struct spawn_result res;
	const char *step = NULL;
	char *path = NULL;
	int r;

	I.command_started = true;
	r = spawn_find_exec(I.command[0], environ, -1, &path);
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
	if (s)
		trig_svc_changed(s);   /* sockets watch again, timers count from it */
	ctl_changed();
	/* the boot is complete once: no need to look at every unit on every
	 * later change (a crash loop makes many) */
	if (!init_shutting_down() && !(I.notified_ready && (!I.command || I.command_started)) &&
	    svc_all_settled()) {
		if (I.command && !I.command_started)
			start_command();
		if (!I.notified_ready) {
			struct timespec up;

			I.notified_ready = true;
			clock_gettime(CLOCK_BOOTTIME, &up);
			log_info("all units up (%zu) at %.3fs since boot", svc_count(),
				 (double)up.tv_sec + (double)up.tv_nsec / 1e9);
			outer_notify("READY=1");
		}
	}
	shutdown_progress();
}

/* A line of a unit's output on svcinit's console, prefixed with the unit's
 * name; a console that does not take it loses it (log.h), PID 1 never waits. */
static void on_console(struct svc *s, int stream, const char *line, size_t len)
{
	char buf[64 + UNIT_NAME_MAX + 3 + SVC_LINE_MAX + 1];
	const char *id = s->spec->attrs.syslog_identifier;   /* SyslogIdentifier= */
	int n = snprintf(buf, sizeof(buf), "%s: %.*s\n", id ? id : s->spec->name, (int)len, line);

	if (n > 0)
		log_write_raw(stream, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
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

/* ---- options ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: svcinit [-u DIR] [-s PATH] [--cgroup PATH] [-v] [-- COMMAND [ARG...]]\n"
		"\n"
		"A container-aware init and process supervisor.\n"
		"\n"
		"  -u, --units DIR     unit directory (default /etc/svcinit, env SVCINIT_UNITS);\n"
		"                      repeatable, the first holding a name wins\n"
		"      --systemd       systemd's unit search path too (env SVCINIT_SYSTEMD=1)\n"
		"      --root DIR      read the systemd search path below DIR\n"
		"      --target NAME   the target whose units start (default multi-user.target)\n"
		"  -s, --socket PATH   control socket (default %s, env SVCINIT_SOCKET)\n"
		"      --cgroup PATH   cgroup under which units are placed (default: svcinit's own)\n"
		"      --log-buffer SIZE  output kept per unit for svcctl logs (default 64K)\n"
		"      --userns-range BASE:SIZE  host ids of Namespaces=user (default 100000:65536:\n"
		"                      unit N gets BASE+N*SIZE..; env SVCINIT_USERNS_RANGE)\n"
		"      --timer-dir DIR where Persistent= timers keep their last trigger\n"
		"                      (default /var/lib/svcinit/timers, env SVCINIT_TIMER_DIR)\n"
		"      --check[=DIR]   validate the units and exit (0 valid, 1 errors; also --check DIR)\n"
		"      --strict        with --check: warnings are errors\n"
		"      --calendar EXPR...  print the normalized form and next elapse of each\n"
		"                      calendar expression (as systemd-analyze calendar), exit\n"
		"      --iterations N  with --calendar: the next N elapses\n"
		"      --base-time @T  with --calendar: count from unix time T, not now\n"
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
		{ "userns-range", required_argument, NULL, 'N' },
		{ "check", optional_argument, NULL, 'K' },
		{ "strict", no_argument, NULL, 'S' },
		{ "systemd", no_argument, NULL, 'Y' },
		{ "root", required_argument, NULL, 'R' },
		{ "target", required_argument, NULL, 'T' },
		{ "calendar", no_argument, NULL, 'A' },
		{ "timer-dir", required_argument, NULL, 'D' },
		{ "iterations", required_argument, NULL, 'I' },
		{ "base-time", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	I.load.dirs[I.n_dirs++] = getenv("SVCINIT_UNITS") ? getenv("SVCINIT_UNITS") : "/etc/svcinit";
	I.socket_path = getenv("SVCINIT_SOCKET") ? getenv("SVCINIT_SOCKET") : PROTO_SOCKET_DEFAULT;
	if (getenv("SVCINIT_USERNS_RANGE") && userns_parse_range(getenv("SVCINIT_USERNS_RANGE")) < 0) {
		fprintf(stderr, "svcinit: SVCINIT_USERNS_RANGE=%s: expected BASE:SIZE\n",
			getenv("SVCINIT_USERNS_RANGE"));
		return -1;
	}
	I.timer_dir = getenv("SVCINIT_TIMER_DIR");
	while ((c = getopt_long(argc, argv, "+u:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			if (I.n_dirs >= UNIT_LOAD_DIRS_MAX) {
				fprintf(stderr, "svcinit: at most %d -u directories\n", UNIT_LOAD_DIRS_MAX);
				return -1;
			}
			if (!I.units_given)
				I.n_dirs = 0;   /* SVCINIT_UNITS is replaced, not added to */
			I.units_given = true;
			I.load.dirs[I.n_dirs++] = optarg;
			break;
		case 'S': I.strict = true; break;
		case 'A': I.calendar = true; break;
		case 'D': I.timer_dir = optarg; break;
		case 'I': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 1000) {
				fprintf(stderr, "svcinit: --iterations %s: a count from 1 to 1000\n", optarg);
				return -1;
			}
			I.iterations = (unsigned)n;
			break;
		}
		case 'B': {
			char *end;
			unsigned long long t;

			errno = 0;
			t = strtoull(optarg[0] == '@' ? optarg + 1 : optarg, &end, 10);
			if (errno || *end || optarg[0] != '@' || t > 7258118400ULL) {
				fprintf(stderr, "svcinit: --base-time %s: expected @UNIXTIME\n", optarg);
				return -1;
			}
			I.base_usec = t * 1000000ULL;
			break;
		}
		case 'Y': I.load.systemd = true; break;
		case 'R': I.load.root = optarg; break;
		case 'T': I.load.target = optarg; break;
		case 's': I.socket_path = optarg; break;
		case 'C': I.cgroup_base = optarg; break;
		case 'K':
			I.check = true;
			/* "--check DIR" as well as "--check=DIR" */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg) {
				if (!I.units_given)
					I.n_dirs = 0;
				I.units_given = true;
				I.load.dirs[I.n_dirs++] = optarg;
			}
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
		case 'N':
			if (userns_parse_range(optarg) < 0) {
				fprintf(stderr, "svcinit: --userns-range %s: BASE:SIZE with BASE at least "
					"65536, SIZE 1..16777216, within 32-bit ids\n", optarg);
				return -1;
			}
			break;
		case 'v': log_max_level = LOG_LEVEL_DEBUG; break;
		case 'V': printf("svcinit %s\n", SVCINIT_VERSION); return 1;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc)
		I.command = argv + optind;
	if (getenv("SVCINIT_SYSTEMD") && strcmp(getenv("SVCINIT_SYSTEMD"), "1") == 0)
		I.load.systemd = true;
	if (I.n_dirs == 1 && !I.units_given && I.load.systemd && access(I.load.dirs[0], F_OK) < 0)
		I.n_dirs = 0;   /* with --systemd a missing default directory is no error */
	I.load.dirs[I.n_dirs] = NULL;
	I.units_dir = I.n_dirs ? I.load.dirs[0] : "systemd";
	if ((I.load.root || I.load.target) && !I.load.systemd) {
		fprintf(stderr, "svcinit: --root and --target need --systemd\n");
		return -1;
	}
	if (I.cgroup_base && I.cgroup_base[0] != '/') {
		fprintf(stderr, "svcinit: --cgroup %s: must be an absolute cgroup path\n", I.cgroup_base);
		return -1;
	}
	return 0;
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

/* What --check finds past the UNIT_DIAG_MAX messages a load keeps: every
 * one is printed (the Debian tier counts them all). */
static char **check_more[2];

static void check_overflow(bool warning, const char *msg)
{
	char *c = strdup(msg);

	if (c && !check_more[warning])
		check_more[warning] = unit_strv_new();
	if (c && check_more[warning])
		(void)unit_strv_push(&check_more[warning], c);
	else
		free(c);
}

/* svcinit --check: the units as svcinit would load them, nothing run.
 * Errors on stderr, warnings, notes and the summary on stdout. */
static int check_units(void)
{
	struct unit_diag diag = { .overflow = check_overflow };
	size_t more[2];
	char **notes = NULL;
	size_t bad, warns;
	int r;

	log_max_level = -1;   /* the messages are printed below, once, without prefix */
	I.load.all = true;
	(void)svc_init(NULL, &(struct svc_config){ .units_dir = I.units_dir, .load = &I.load,
						   .notes = &notes },
		       &(struct svc_hooks){ 0 });
	r = svc_load(&diag);
	if (r >= 0)
		(void)svc_verify(&diag);
	more[0] = unit_strv_len(check_more[0]);
	more[1] = unit_strv_len(check_more[1]);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	for (size_t i = 0; i < more[0]; i++)
		fprintf(stderr, "%s\n", check_more[0][i]);
	if (diag.dropped > more[0])
		fprintf(stderr, "... and %zu more errors\n", diag.dropped - more[0]);
	for (size_t i = 0; i < diag.n_warns; i++)
		printf("%s%s\n", I.strict ? "error: " : "", diag.warns[i]);
	for (size_t i = 0; i < more[1]; i++)
		printf("%s%s\n", I.strict ? "error: " : "", check_more[1][i]);
	if (diag.warns_dropped > more[1])
		printf("... and %zu more warnings\n", diag.warns_dropped - more[1]);
	for (char **n = notes; n && *n; n++)
		printf("%s\n", *n);
	bad = diag.n + diag.dropped;
	warns = diag.n_warns + diag.warns_dropped;
	if (r < 0)
		fprintf(stderr, "%s: %s\n", I.units_dir, strerror(-r));
	else
		printf("%s: %zu unit%s loaded, %zu error%s, %zu warning%s\n", I.units_dir,
		       svc_count() + trig_count(), svc_count() + trig_count() == 1 ? "" : "s",
		       bad, bad == 1 ? "" : "s",
		       warns, warns == 1 ? "" : "s");
	unit_strv_free(notes);
	unit_strv_free(check_more[0]);
	unit_strv_free(check_more[1]);
	unit_diag_free(&diag);
	svc_free_all();
	trig_free_all();
	return r < 0 || bad || (I.strict && warns) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct unit_diag diag = { .n = 0 };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	const char *keep[2] = { NULL, NULL };
	const char *step = NULL;
	int r;

	r = parse_options(argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (I.check)
		return check_units();
	if (I.calendar)
		return calendar_cli(I.command, I.iterations, I.base_usec);

	init_mode = machine_detect_mode();
	(void)sigaction(SIGPIPE, &ign, NULL);
	protect_self();
	outer_init();
	if (init_mode == INIT_MACHINE) {
		machine_init();
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
	shutdown_init(I.loop);

	r = cg_init(I.cgroup_base, &I.cg);
	if (r < 0)
		log_warn("cgroups: %s; units run without them", strerror(-r));

	run_dir_init();
	/* PID 1 of each unit's PID namespace: the small program, from a memfd */
	r = reaper_init(&step);
	if (r < 0)
		log_debug("reaper program: unable to %s: %s; units reap in process (a fork of svcinit)",
			  step, strerror(-r));
	/* the control socket itself, read-only: not its directory, where a unit
	 * could replace it or reach other units' notify sockets */
	keep[0] = I.socket_path;
	r = svc_init(I.loop, &(struct svc_config){
		.units_dir = I.units_dir, .load = &I.load, .run_dir = I.run_dir,
		.keep_paths = keep, .cg = I.cg,
		.log_size = I.log_size,
	}, &(struct svc_hooks){ .changed = on_changed, .action = on_action,
				.output = ctl_output, .console = on_console,
				.gone = ctl_forget });
	if (r < 0)
		log_err("unable to set up services: %s", strerror(-r));
	r = svc_load(&diag);
	if (r < 0)
		log_err("%s: unable to read units: %s", I.units_dir, strerror(-r));
	unit_diag_free(&diag);

	r = ctl_init(I.loop, I.socket_path, &step);
	if (r < 0)   /* svcinit runs on without it */
		log_err("control socket %s: unable to %s: %s", I.socket_path, step, strerror(-r));
	loop_init(I.loop, I.command != NULL);

	trig_init(I.loop, &(struct trig_config){
		.timer_dir = I.timer_dir, .boot_is_startup = init_mode != INIT_MACHINE,
	});
	/* From here on PID 1 must not die. */
	trig_start_all();   /* every socket bound before any service starts */
	svc_start_all();
	on_changed(NULL);

	if (!shutdown_done())   /* the end may come before the loop (COMMAND not found) */
		ev_run(I.loop, 0);

	log_info("all stopped");
	ctl_free();
	svc_free_all();
	trig_free_all();
	cg_free(I.cg);
	reaper_free();
	return shutdown_final();   /* a machine: reboot(2), no return */
}
