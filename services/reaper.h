/* SPDX-License-Identifier: MIT */
/*
 * reaper.h: the program that is PID 1 of a unit's PID namespace.
 *
 * svcinit-reaper (services/reaper-prog.c) is built with the tree and
 * embedded in svcinit; at start PID 1 copies it into a sealed memfd (no
 * path to install or to find under a unit's root, nothing anyone can
 * rewrite), and a unit's first child executes it from there with
 * execveat(AT_EMPTY_PATH) once it has forked the service. Where there is no
 * program (another architecture, `make REAPER=0`) or the memfd cannot be
 * made executable (vm.memfd_noexec=2), or the exec fails, the child stays
 * what it is and reaps in process (spawn.c's child_reaper), as before.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* PID 1, once at start: the program into its memfd. 0, or -errno with
 * *ret_step naming what failed (units then get the in-process reaper). */
int reaper_init(const char **ret_step);

/* Is there a program to execute (reaper_init succeeded)? */
bool reaper_available(void);

/* The memfd holding the program, -1 (tests, diagnostics). */
int reaper_fd(void);

/* The program's bytes as embedded (size 0: none on this architecture). */
const unsigned char *reaper_program(size_t *ret_size);

/* Child side, async-signal-safe: status_fd becomes fd 3, every other
 * descriptor above 2 closes, and this process becomes the reaper of
 * main_pid (its signal mask and pending signals kept). Returns only on
 * failure: -errno (-ENOEXEC when there is no program); the descriptors are
 * then as they were, but fd 3 is status_fd. */
int reaper_exec(pid_t main_pid, int status_fd);

void reaper_free(void);
