/* SPDX-License-Identifier: MIT */
/*
 * shutdown.h: the mode svcinit runs in, and the phases of its end: the
 * units, then the rest of the namespace (or of our descendants), then exit
 * or reboot(2).
 */
#pragma once

#include <ev.h>
#include <stdbool.h>

enum init_mode {
	INIT_MACHINE,     /* PID 1 of the initial PID namespace */
	INIT_CONTAINER,   /* PID 1 of another PID namespace */
	INIT_SUBREAPER,   /* not PID 1 */
};

enum init_end {
	INIT_END_EXIT,    /* stop everything and exit (container, subreaper) */
	INIT_END_POWEROFF,
	INIT_END_REBOOT,
	INIT_END_HALT,
};

extern enum init_mode init_mode;   /* set once, before the loop */
const char *init_mode_name(void);

void shutdown_init(struct ev_loop *loop);

/* Begin the graceful end: stop units, then the rest, then exit or reboot(2).
 * exit_code is used when svcinit exits (-1: keep the one given before).
 * Asking twice is harmless; the COMMAND's code wins over a plain end. */
void init_shutdown(enum init_end how, int exit_code);
bool init_shutting_down(void);
/* Something changed (a unit's state, a child reaped): move on to the next
 * phase if this one is over. */
void shutdown_progress(void);
/* The end is reached: the loop is (or is to be) left. */
bool shutdown_done(void);
/* After the loop, with everything freed: a machine is rebooted or powered
 * off (never returns); otherwise the exit code. */
int shutdown_final(void);
