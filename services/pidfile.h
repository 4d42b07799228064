/* SPDX-License-Identifier: MIT */
/*
 * pidfile.h: PIDFile= of a Type=forking unit, read as systemd reads it but
 * without following what the unit's user could have planted: no symlink
 * anywhere on the path, a regular file only, a bounded read, never a
 * blocking open.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PIDFILE_MAX 64   /* bytes read: a pid, whitespace, a newline */

/* "1234\n" -> 1234. 0, or -EINVAL (not one positive decimal number,
 * optionally surrounded by whitespace). Pure. */
int pidfile_parse(const char *buf, size_t len, pid_t *ret_pid);

/* systemd's rewrite of a legacy path: "/var/run/X" is "/run/X". Returns
 * path or a pointer into buf. */
const char *pidfile_path(const char *path, char *buf, size_t len);

/* Read and parse path, resolved inside root_fd (>= 0: a directory taken as
 * "/", e.g. /proc/PID/root of the unit; -1: the host's root). 0 and
 * *ret_pid, or -errno (-ELOOP: a symlink on the way, -EINVAL: not a regular
 * file or no pid in it). */
int pidfile_read(int root_fd, const char *path, pid_t *ret_pid);
