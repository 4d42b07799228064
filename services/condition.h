/* SPDX-License-Identifier: MIT */
/*
 * condition.h: Condition*= and Assert*= (systemd.unit(5), "Conditions and
 * Asserts"), evaluated when a unit is about to start.
 *
 * The evaluator is pure in what it decides: every fact it reads from the
 * system (/proc, /sys, /etc, /run, the environment) goes through a
 * struct cond_env, so that tests can point it at a directory of their own.
 * The paths a unit names (ConditionPathExists=/x, ...) are tested as
 * given. Some of those tests can block (stat(2) on a hung NFS or FUSE
 * path): svc.c never runs the evaluator in PID 1 itself, but in a
 * short-lived child (condition_spawn) with a deadline.
 *
 * The rules, as systemd's: each entry "KEY=VALUE" with VALUE optionally
 * prefixed by "|" (triggering) then "!" (negated). A unit starts when every
 * non-triggering condition holds and, if there are triggering ones, at
 * least one of them holds. A test that cannot be decided (an error) counts
 * as not met, negated or not. Asserts follow the same rules, after the
 * conditions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "units/unit.h"

#define COND_MSG_MAX     256
#define COND_DEADLINE_S  10.0    /* the checking child is killed after this long */

struct cond_env {
	const char *root;            /* prefix for the system's own files ("" : /) */
	char *const *envp;           /* the manager's environment (ConditionEnvironment=) */
	const char *hostname;        /* NULL: gethostname() */
};

/* One entry, split. kind points into the entry ("PathExists"), param too. */
struct cond_item {
	bool assert;                 /* Assert*= */
	bool trigger;                /* "|" */
	bool negate;                 /* "!" */
	char kind[40];
	const char *param;
};

/* Split "ConditionPathExists=|!/x". 0 or -EINVAL. */
int condition_split(const char *entry, struct cond_item *ret);

/* Whether the test of one item holds, before negation: 1 yes, 0 no,
 * -errno when it cannot be told (-EOPNOTSUPP: an unknown kind). */
int condition_test_raw(const struct cond_item *c, const struct cond_env *env);

/* The item with its negation applied: 1 met, 0 not met (errors count as
 * not met). */
bool condition_test(const struct cond_item *c, const struct cond_env *env);

/* A list of entries (spec->conditions or ->asserts): true when met. When
 * not, ret_msg (COND_MSG_MAX) names what failed: "ConditionPathExists=/x
 * failed" or, for triggering ones, "none of ConditionPathExists=|/a ... was
 * met". */
bool condition_list(char *const *list, const struct cond_env *env, char *ret_msg, size_t len);

/* The verdict of a unit: conditions first, then asserts. */
enum cond_verdict {
	COND_OK,                     /* both met (or none given) */
	COND_CONDITION_FAILED,       /* a condition was not met: the unit is skipped */
	COND_ASSERT_FAILED,          /* an assert was not met: the start fails */
	COND_ERROR,                  /* the check itself failed (timed out, died) */
};
enum cond_verdict condition_eval(const struct unit_spec *spec, const struct cond_env *env,
				 char *ret_msg, size_t len);

/* Versions compared as systemd's strverscmp_improved: <0, 0, >0. */
int condition_version_cmp(const char *a, const char *b);

/* "OP VALUE" for the comparing kinds: the operator at the start of s
 * (<, <=, =, ==, !=, <>, >=, >, $=, !$=), *ret_rest after it; -1 none. */
enum cond_op {
	COND_OP_LT, COND_OP_LE, COND_OP_EQ, COND_OP_NE, COND_OP_GE, COND_OP_GT,
	COND_OP_STR_EQ, COND_OP_STR_NE, COND_OP_GLOB, COND_OP_NOT_GLOB,
};
int condition_op(const char *s, bool string_ops, const char **ret_rest);

/* The unit's verdict (and condition_mounts()) computed in a child: *ret_pid
 * (reaped by the one reaper) and *ret_fd, the non-blocking read
 * end where the child writes one struct cond_report. 0 or -errno. */
struct cond_report {
	int verdict;                 /* enum cond_verdict */
	char msg[COND_MSG_MAX];
	char warn[COND_MSG_MAX];     /* "RequiresMountsFor=/x: No such file or directory", "" */
};

/* RequiresMountsFor=: svcinit has no mount units to wait for (in a
 * container nothing mounts later); a path that is not there is a warning,
 * written into warn (len bytes), "" when all are there. */
void condition_mounts(const struct unit_spec *spec, char *warn, size_t len);
int condition_spawn(const struct unit_spec *spec, pid_t *ret_pid, int *ret_fd);
/* Read the report: 1 read, 0 not yet (EAGAIN), -EIO (the child died
 * without one). */
int condition_read(int fd, struct cond_report *ret);
