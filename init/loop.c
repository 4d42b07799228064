/* SPDX-License-Identifier: MIT */
/*
 * loop.c: signal watchers and the one reaper.
 *
 * Signals arrive through libev (signalfd), never through handlers of our
 * own. One ev_child watcher for pid 0 reaps every child, whoever it was
 * started by, and hands each exit to the unit that owns it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/loop.h"
#include "init/shutdown.h"
#include "lib/log.h"
#include "services/svc.h"

static struct {
	struct ev_loop *loop;
	ev_child reaper;
	ev_signal sigs[NSIG];
	pid_t command;          /* the entrypoint COMMAND, 0 when none */
	bool forward;           /* forward signals to COMMAND */
} L;

/* Signals that are never forwarded or handled: faults belong to the process
 * that caused them, and job control stops make no sense for PID 1 (as tini). */
static bool signal_synchronous(int sig)
{
	switch (sig) {
	case SIGFPE: case SIGILL: case SIGSEGV: case SIGBUS: case SIGABRT: case SIGTRAP:
	case SIGSYS: case SIGTTIN: case SIGTTOU: case SIGKILL: case SIGSTOP: case SIGCHLD:
		return true;
	}
	return false;
}

void loop_set_command(pid_t pid)
{
	L.command = pid;
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	pid_t pid = w->rpid;
	int status = w->rstatus;

	if (WIFSTOPPED(status) || WIFCONTINUED(status))
		return;   /* libev reports these too; only ends matter */
	if (pid == L.command && pid > 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

		log_debug("command exited, code %d", code);
		L.command = 0;
		init_shutdown(INIT_END_EXIT, code);
		return;
	}
	if (!svc_child_exited(pid, status))
		log_debug("reaped orphan %d", (int)pid);
	shutdown_progress();
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	int sig = w->signum;

	/* a machine's PID 1 keeps busybox's reboot/poweroff/halt (and
	 * ctrl-alt-del) for itself, COMMAND or not */
	bool machine_sig = init_mode == INIT_MACHINE &&
			   (sig == SIGINT || sig == SIGTERM || sig == SIGUSR1 || sig == SIGUSR2 ||
			    sig == SIGPWR);

	if (L.forward && L.command > 0 && !machine_sig) {
		(void)kill(L.command, sig);
		return;
	}
	switch (sig) {
	case SIGHUP: {
		struct unit_diag diag = { .n = 0 };

		if (init_shutting_down())
			break;
		log_info("SIGHUP: reloading units");
		(void)svc_reload(&diag);
		unit_diag_free(&diag);
		break;
	}
	case SIGTERM:
	case SIGINT:
		if (init_mode == INIT_MACHINE)
			init_shutdown(INIT_END_REBOOT, 0);
		else
			init_shutdown(INIT_END_EXIT, 0);
		break;
	case SIGPWR:
		init_shutdown(init_mode == INIT_MACHINE ? INIT_END_POWEROFF : INIT_END_EXIT, 0);
		break;
	case SIGUSR2:
		if (init_mode == INIT_MACHINE)
			init_shutdown(INIT_END_POWEROFF, 0);
		break;
	case SIGUSR1:
		if (init_mode == INIT_MACHINE)
			init_shutdown(INIT_END_HALT, 0);
		break;
	default:
		log_debug("ignoring signal %d (%s)", sig, strsignal(sig));
		break;
	}
}

void loop_init(struct ev_loop *loop, bool forward_signals)
{
	static const int handled[] = { SIGHUP, SIGTERM, SIGINT, SIGPWR, SIGUSR1, SIGUSR2 };

	L.loop = loop;
	L.forward = forward_signals;

	ev_child_init(&L.reaper, child_cb, 0, 0);
	ev_child_start(loop, &L.reaper);

	for (int sig = 1; sig < NSIG && sig < 32; sig++) {
		bool want = forward_signals && !signal_synchronous(sig) && sig != SIGPIPE;

		for (size_t i = 0; !want && i < sizeof(handled) / sizeof(handled[0]); i++)
			want = handled[i] == sig;
		if (!want)
			continue;
		ev_signal_init(&L.sigs[sig], signal_cb, sig);
		ev_signal_start(loop, &L.sigs[sig]);
	}
}
