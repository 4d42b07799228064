/* SPDX-License-Identifier: MIT */
/*
 * ctl.h: the control socket's server (the wire format is proto.h).
 */
#pragma once

#include <ev.h>
#include <stddef.h>

struct svc;

/* Listen on path (its directories created). Returns 0 or -errno, and the
 * step that failed in *ret_step. */
int ctl_init(struct ev_loop *loop, const char *path, const char **ret_step);
void ctl_changed(void);   /* a unit's state changed: re-check waiting clients */
struct logrec;
void ctl_output(struct svc *s, const struct logrec *r);   /* to logs -f */
void ctl_forget(struct svc *s);   /* the unit is going away */
void ctl_free(void);
