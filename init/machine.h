/* SPDX-License-Identifier: MIT */
/*
 * machine.h: what only the PID 1 of a machine does (the initial PID
 * namespace): the API file systems, the hostname; and telling which mode
 * svcinit runs in.
 */
#pragma once

#include "init/shutdown.h"

/* PID 1 of the initial PID namespace, of another one, or not PID 1 (mounts
 * /proc to look when there is none yet). */
enum init_mode machine_detect_mode(void);
/* /proc, /sys, /dev, /run, cgroup2 where nothing is mounted yet; the
 * hostname from /etc/hostname; ctrl-alt-del to SIGINT. Failures are logged
 * and the boot goes on. */
void machine_init(void);
