/* SPDX-License-Identifier: MIT */
/*
 * svcctl-exec.h: svcctl exec NAME -- COMMAND, as docker exec: COMMAND runs
 * inside the unit's namespaces, root, cgroup, user and environment, on the
 * caller's terminal.
 */
#pragma once

/* fd: connected to svcinit's control socket. Sends "exec NAME", takes the
 * pidfd of the unit's main process from the reply and runs argv there.
 * Returns svcctl's exit code: COMMAND's status (128+N for signal N), or a
 * PROTO_* code when it could not be run. */
int svcctl_exec(int fd, const char *name, char **argv);
