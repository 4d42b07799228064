/* SPDX-License-Identifier: MIT */
/*
 * output.h: a unit's output (output.c): pipes, the log ring, the console.
 */
#pragma once

#include <ev.h>

#include "services/svc.h"

/* Once, before any unit starts: the loop the pipes are read on, the hooks
 * (output: a line was kept) told of each line. hooks must outlive the loop. */
void output_init(struct ev_loop *loop, const struct svc_hooks *hooks);

/* The fds the child gets as stdout (child_fds[1]) and stderr ([2]) as the
 * unit file says, and the read ends svcinit keeps in s->out. Returns 0 or
 * -errno; *ret_what names the step that failed. */
int output_open(struct svc *s, int child_fds[3], const char **ret_what);
/* The same into other pipes of the unit (its control process's). */
int output_open_set(struct svc *s, struct svc_output out[2], int child_fds[3],
		    const char **ret_what);
/* Close the child's ends (those >= 0) once it has them. */
void output_fds_close(int fds[3]);
/* Read what is there (bounded: a unit that writes without pause cannot keep
 * svcinit from its other work). */
void output_read(struct svc_output *o);
/* Stop reading; a last line without its newline is kept. */
void output_close(struct svc_output *o);
/* svcinit's own record in the unit's log (svcctl logs shows it as a marker
 * line), e.g. where the unit started again. */
void output_mark(struct svc *s, const char *text);
