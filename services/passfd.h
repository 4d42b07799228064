/* SPDX-License-Identifier: MIT */
/*
 * passfd.h: descriptors a peer passes with SCM_RIGHTS never reach PID 1.
 *
 * A passed descriptor is a reference the sender gives away: when svcinit
 * holds the last one, its close(2) runs that file's release, which can sleep
 * as long as the sender likes (a TCP socket with SO_LINGER and a stuck FIN,
 * a FUSE file, ...). PID 1 must never sleep there. So:
 *
 * - passfd_refuse() turns SO_PASSRIGHTS off (Linux 6.16): the kernel then
 *   refuses SCM_RIGHTS to this socket with EPERM at the sender's sendmsg();
 *   nothing is ever queued. Set on a listening socket, accepted sockets
 *   inherit it from the moment of connect().
 * - On older kernels passfd_recv() receives explicitly with recvmsg() and a
 *   control buffer big enough for SCM_MAX_FD descriptors (plain recv(), or a
 *   short buffer, lets the kernel drop them, and the release then runs in
 *   PID 1's context). What comes is handed to one closer thread over a pipe:
 *   its close may sleep, the loop's never does. Should the closer be stuck
 *   and its pipe full (16384 descriptors waiting), further descriptors are
 *   kept open and counted (passfd_leaked()): a leak is better than a hang.
 *   Sockets peers send to are closed through the closer too
 *   (passfd_close_socket()): descriptors queued and never read are dropped
 *   by that close.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

/* SO_PASSRIGHTS off on fd. 0, or -errno (-ENOPROTOOPT before Linux 6.16:
 * passfd_recv() is then what keeps descriptors away). */
int passfd_refuse(int fd);

/* recvmsg(fd, buf, size, flags | MSG_DONTWAIT | MSG_CMSG_CLOEXEC). Any
 * descriptor that came is disposed of off the loop (see above). When
 * ret_cred is not NULL it gets SCM_CREDENTIALS (pid 0 and *ret_have false
 * when none came). Returns the byte count (as recvmsg: with MSG_TRUNC the
 * datagram's full length), or -errno. */
ssize_t passfd_recv(int fd, void *buf, size_t size, int flags, struct ucred *ret_cred,
		    bool *ret_have_cred);

/* Close fd where a sleeping close cannot stall the caller. */
void passfd_close(int fd);

/* Close a socket of ours that peers send to: directly when the kernel
 * refuses descriptors to it (passfd_refuse() worked once), else through the
 * closer: descriptors still queued in it, never read, are dropped by the
 * close. */
void passfd_close_socket(int fd);

/* Descriptors received (so not refused by the kernel) and kept open because
 * the closer was stuck; for tests: passfd_received() counts every one. */
size_t passfd_received(void);
size_t passfd_leaked(void);

/* Tests and fuzzers: wait until the closer has closed all it was given. */
void passfd_drain(void);
