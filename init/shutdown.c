/* SPDX-License-Identifier: MIT */
/*
 * shutdown.c: the phases of the end. First the units stop (in dependency
 * order, svc.c), then what is left of the namespace gets SIGTERM and, after
 * INIT_FINAL_KILL_SEC, SIGKILL; then the loop ends and svcinit exits, or a
 * machine's PID 1 calls reboot(2). Nothing here waits: each phase is left
 * when a change (a unit's state, a reaped child) or a timer says it is over.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/outer.h"
#include "init/shutdown.h"
#include "lib/log.h"
#include "services/svc.h"

#define INIT_FINAL_KILL_SEC 10.0   /* SIGTERM to SIGKILL for what is left */
#define INIT_UNKILLABLE_SEC 5.0    /* after SIGKILL: what cannot die does not hold us */

enum init_mode init_mode;

static struct {
	struct ev_loop *loop;
	enum { PHASE_RUN, PHASE_UNITS, PHASE_REST, PHASE_DONE } phase;
	enum init_end end;
	int exit_code;
	ev_timer final_timer;
	bool rest_killed;
} D;

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
	return D.phase != PHASE_RUN;
}

bool shutdown_done(void)
{
	return D.phase == PHASE_DONE;
}

/* ---- the rest: every process that is not a unit's ------------------------ */

static bool have_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Our own children, as /proc/self/task/ * /children lists them (orphans
 * re-parented to a subreaper are among them). */
static void kill_children(int sig)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[320], buf[4096];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%4095s", buf) == 1) {
			long pid = strtol(buf, NULL, 10);
			if (pid > 1)
				(void)kill((pid_t)pid, sig);
		}
		fclose(f);
	}
	closedir(d);
}

/* every process left (PID 1: the whole namespace; else our descendants) */
static void kill_rest(int sig)
{
	if (getpid() == 1) {
		/* kill(-1) reaches every process of the namespace but us */
		(void)kill(-1, sig);
		return;
	}
	kill_children(sig);
}

/* ---- the phases ------------------------------------------------------------ */

static void end_loop(void)
{
	D.phase = PHASE_DONE;
	ev_timer_stop(D.loop, &D.final_timer);
	ev_break(D.loop, EVBREAK_ALL);
}

static void final_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	if (D.phase == PHASE_REST && !D.rest_killed) {
		log_warn("processes left after %.0fs: killing them", INIT_FINAL_KILL_SEC);
		kill_rest(SIGKILL);
		D.rest_killed = true;
		ev_timer_set(&D.final_timer, INIT_UNKILLABLE_SEC, 0.);
		ev_timer_start(loop, &D.final_timer);
		return;
	}
	/* what SIGKILL cannot end (uninterruptible sleep) must not hold us */
	end_loop();
}

void shutdown_progress(void)
{
	if (D.phase == PHASE_UNITS && svc_all_down()) {
		D.phase = PHASE_REST;
		kill_rest(SIGTERM);
		kill_rest(SIGCONT);
		ev_timer_set(&D.final_timer, INIT_FINAL_KILL_SEC, 0.);
		ev_timer_start(D.loop, &D.final_timer);
	}
	if (D.phase == PHASE_REST && !have_children())
		end_loop();
}

void init_shutdown(enum init_end how, int exit_code)
{
	if (D.phase == PHASE_RUN) {
		static const char *const names[] = { "exit", "poweroff", "reboot", "halt" };

		log_info("shutting down (%s)", names[how]);
		D.end = how;
		D.exit_code = exit_code >= 0 ? exit_code : 0;
		D.phase = PHASE_UNITS;
		outer_notify("STOPPING=1");
		/* each unit's change re-checks waiting clients (the changed hook) */
		svc_stop_all();
	} else if (exit_code >= 0 && how == INIT_END_EXIT && D.end == INIT_END_EXIT) {
		/* the COMMAND's code wins over a plain signal-triggered end */
		D.exit_code = exit_code;
	}
	shutdown_progress();
}

void shutdown_init(struct ev_loop *loop)
{
	D.loop = loop;
	ev_timer_init(&D.final_timer, final_timer_cb, INIT_FINAL_KILL_SEC, 0.);
}

int shutdown_final(void)
{
	int cmd = D.end == INIT_END_POWEROFF ? RB_POWER_OFF :
		  D.end == INIT_END_HALT ? RB_HALT_SYSTEM : RB_AUTOBOOT;

	if (init_mode != INIT_MACHINE)
		return D.exit_code;
	log_info("%s", D.end == INIT_END_POWEROFF ? "powering off" :
		 D.end == INIT_END_HALT ? "halting" : "rebooting");
	sync();
	(void)reboot(cmd);
	/* PID 1 must not return: the kernel would panic */
	log_err("reboot(2) failed: %s", strerror(errno));
	for (;;)
		pause();
}
