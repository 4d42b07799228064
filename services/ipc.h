/* SPDX-License-Identifier: MIT */
/*
 * ipc.h: RemoveIPC= (systemd.exec(5)): the System V IPC objects (shared
 * memory, semaphores, message queues) and the POSIX ones (/dev/shm,
 * /dev/mqueue) owned by a user or a group, removed. ipc_clean runs in a
 * short-lived child of svcinit's (services/svc-ipc.c): it reads /proc and
 * walks directories, which PID 1's loop must not wait for.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* One line of /proc/sysvipc/{shm,sem,msg} read with the file's header line
 * (the columns are found by name: the id is the second, "uid" and "gid" the
 * owner's). True, and *ret_id, when the object is owned by uid or by gid
 * ((uid_t)-1 / (gid_t)-1: not matched). Pure. */
bool ipc_sysv_match(const char *header, const char *line, uid_t uid, gid_t gid, int *ret_id);

/* Remove every IPC object owned by uid or gid, in svcinit's IPC namespace.
 * uid 0 and gid 0 are never matched (as systemd: root's objects stay).
 * Returns how many were removed (best effort: one that cannot be is left). */
int ipc_clean(uid_t uid, gid_t gid);
