/* SPDX-License-Identifier: MIT */
/*
 * attrs.h: a unit's process attributes (systemd.exec(5): Limit*=, UMask=,
 * Nice=, OOMScoreAdjust=, IO and CPU scheduling, CPUAffinity=, the terminal
 * of StandardInput=tty), planned in the parent into plain numbers and
 * applied in the child between clone and exec with system calls only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "units/unit.h"

#define ATTRS_CPU_WORDS (8192 / 64)     /* UNIT_CPU_MAX bits */

struct exec_attrs {
	bool rlimit_set[UNIT_RLIMIT_N];
	struct rlimit rlimit[UNIT_RLIMIT_N];
	mode_t umask;
	bool nice_set;
	int nice;
	char oom[8];                    /* written to /proc/self/oom_score_adj ("0" default) */
	bool ioprio_set;
	int ioprio;                     /* class << 13 | data */
	bool sched_set;
	int sched_policy;               /* with SCHED_RESET_ON_FORK */
	int sched_prio;
	size_t affinity_size;           /* bytes of affinity[] given, 0: not set */
	unsigned long affinity[ATTRS_CPU_WORDS];
	/* StandardInput=tty*: the child opens tty_path and makes it fd 0 */
	const char *tty_path;           /* NULL: no terminal */
	int tty_mode;                   /* UNIT_INPUT_TTY, _TTY_FORCE, _TTY_FAIL */
	bool tty_reset, tty_vhangup;
	bool tty_out, tty_err;          /* StandardOutput=/StandardError= tty too */
};

/* Fill a from spec (pointers into spec: it must outlive the start). */
void attrs_plan(const struct unit_spec *spec, struct exec_attrs *a);

/* Child side, before the switch of ids (raising limits and priorities
 * needs root's capabilities): everything but the OOM score and the
 * terminal. 0 or -errno with *ret_step naming the step. */
int attrs_child_apply(const struct exec_attrs *a, const char **ret_step);
/* Child side, as early as possible: the OOM score (svcinit's own shield is
 * never inherited). */
void attrs_child_oom(const struct exec_attrs *a);
/* Child side, after setsid and before the root changes: open tty_path
 * (the host's), make it the controlling terminal as tty_mode says, reset
 * and hang it up as asked. Returns the fd (the caller puts it on 0, and on
 * 1 and 2 when tty_out/tty_err) or -errno with *ret_step. */
int attrs_child_tty(const struct exec_attrs *a, const char **ret_step);

/* Parent: the descriptor StandardInput= gives the child as fd 0 (file:,
 * data), -1 for /dev/null or a terminal the child opens itself; 0 or
 * -errno with *ret_what naming the step. */
int attrs_input_open(const struct unit_spec *spec, int *ret_fd, const char **ret_what);
