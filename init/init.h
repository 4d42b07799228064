/* SPDX-License-Identifier: MIT */
/*
 * init.h: what the parts of init/ share: the mode svcinit runs in and the
 * shutdown it can be asked for.
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

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

/* main.c */
extern enum init_mode init_mode;
const char *init_mode_name(void);
/* Begin the graceful end: stop units, then the rest, then exit or reboot(2).
 * exit_code is used when svcinit exits. Asking twice is harmless. */
void init_shutdown(enum init_end how, int exit_code);
bool init_shutting_down(void);

/* loop.c: signals and the one reaper */
int loop_init(struct ev_loop *loop, bool forward_signals);
/* the entrypoint COMMAND, whose exit ends svcinit; 0: none */
void loop_set_command(pid_t pid);
/* every process left (PID 1: the whole namespace; else our descendants) */
void loop_kill_rest(int sig);
bool loop_have_children(void);

/* ctl.c: the control socket */
int ctl_init(struct ev_loop *loop, const char *path);
void ctl_changed(void);   /* a unit's state changed: re-check waiting clients */
struct svc;
void ctl_output(struct svc *s, const char *line, size_t len);   /* to logs -f */
void ctl_forget(struct svc *s);   /* the unit is going away */
void ctl_free(void);
