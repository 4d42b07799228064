/* SPDX-License-Identifier: MIT */
/*
 * loop.h: the signal watchers and the one reaper on the libev default loop.
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <sys/types.h>

/* forward_signals: every signal that may be goes to the COMMAND */
void loop_init(struct ev_loop *loop, bool forward_signals);
/* the entrypoint COMMAND, whose exit ends svcinit; 0: none */
void loop_set_command(pid_t pid);
