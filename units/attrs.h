/* SPDX-License-Identifier: MIT */
/*
 * attrs.h: the values of the process attribute keys of systemd.exec(5) and
 * systemd.resource-control(5) (units/attrs.c): resource limits, umask,
 * percentages, scheduling names, base64. Pure: each returns 0 or -EINVAL
 * (-ERANGE when out of range) and never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units/unit.h"

/* The systemd key of rlimit resource r (0 .. UNIT_RLIMIT_N-1): "LimitCPU". */
const char *unit_rlimit_key(int resource);
/* Limit*= of resource: "VALUE" (soft and hard) or "SOFT:HARD", each a number
 * in the resource's unit or "infinity" (systemd.exec(5)): LimitCPU= a time
 * (a bare number is seconds, rounded up to whole seconds), LimitRTTIME= a
 * time (a bare number is microseconds), the sizes (FSIZE DATA STACK CORE
 * RSS AS MEMLOCK MSGQUEUE) with K M G T (1024-based), LimitNICE= a raw
 * 0..40 or a nice value with its sign (-20..+19, stored as 20 - nice), the
 * rest plain numbers. A soft limit above the hard one is -ERANGE. */
int unit_parse_rlimit(int resource, const char *s, uint64_t *ret_cur, uint64_t *ret_max);

/* UMask=: octal 0..0777. */
int unit_parse_umask(const char *s, unsigned *ret);
/* Octal, at most 4 digits, at most max (07777 for a directory's mode: setgid and sticky). */
int unit_parse_mode(const char *s, unsigned max, unsigned *ret);

/* "50%", "12.5%", "0.01%", "5‰" (systemd's parse_permyriad): 0..10000
 * parts of ten thousand; -EINVAL without a '%' or '‰'. */
int unit_parse_permyriad(const char *s, unsigned *ret);
/* total * permyriad / 10000, without overflow. */
uint64_t unit_scale_permyriad(uint64_t total, unsigned permyriad);

/* The host's totals percentages are taken of: physical memory (bytes) and
 * the most tasks the kernel allows (min of kernel.pid_max and
 * kernel.threads-max), read once. */
uint64_t unit_host_memory(void);
uint64_t unit_host_tasks_max(void);

/* IOSchedulingClass= (realtime best-effort idle none, or 0..3),
 * CPUSchedulingPolicy= (other batch idle fifo rr): the kernel's numbers. */
int unit_parse_io_class(const char *s, int *ret);
int unit_parse_cpu_policy(const char *s, int *ret);

/* RFC 4648 base64, blanks ignored: *ret malloc'ed (len bytes, plus a 0). */
int unit_base64_decode(const char *s, char **ret, size_t *ret_len);
/* C escapes of StandardInputText= (\n \t \\ \xNN ... as systemd's cunescape). */
int unit_cunescape(const char *s, char **ret, size_t *ret_len);

/* The directory keys: "RuntimeDirectory" ... by enum unit_dir, and the base
 * each is relative to ("/run", "/var/lib", "/var/cache", "/var/log", "/etc")
 * and its environment variable ("RUNTIME_DIRECTORY"). */
const char *unit_dir_key(enum unit_dir d);
const char *unit_dir_base(enum unit_dir d);
const char *unit_dir_env(enum unit_dir d);
/* One entry: a relative path, no "." or ".." component, no "//", not empty,
 * below PATH_MAX. */
bool unit_dir_name_valid(const char *s);
