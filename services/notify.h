/* SPDX-License-Identifier: MIT */
/*
 * notify.h: the sd_notify protocol. Each Type=notify unit gets its own
 * datagram socket; the kernel attaches the sender's credentials, and a
 * message counts only when the sender is a process of that unit.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define NOTIFY_MSG_MAX    4096
#define NOTIFY_STATUS_MAX 256

struct notify_msg {
	bool ready;                     /* READY=1 */
	bool stopping;                  /* STOPPING=1 */
	bool reloading;                 /* RELOADING=1 */
	bool have_status;
	char status[NOTIFY_STATUS_MAX]; /* STATUS=, truncated, control characters replaced */
	bool have_mainpid;
	pid_t mainpid;                  /* MAINPID= */
	bool watchdog;                  /* WATCHDOG=1 */
	bool watchdog_trigger;          /* WATCHDOG=trigger */
	bool have_extend;
	uint64_t extend_usec;           /* EXTEND_TIMEOUT_USEC= */
	unsigned ignored;               /* assignments not understood (ignored, as systemd) */
};

/* Parse one datagram: newline-separated VAR=VALUE assignments. Returns 0
 * (lines that are not VAR=VALUE, or not understood, are counted in
 * `ignored`), or -EINVAL for a message that is not text (a NUL byte) or has
 * no line at all. */
int notify_parse(const char *buf, size_t len, struct notify_msg *ret);

/* A non-blocking, close-on-exec datagram socket bound at path (replacing a
 * stale one), passing credentials, writable by every user. */
int notify_open(const char *path, int *ret_fd);

/* Receive one datagram (NUL-terminated in buf) with its sender. Returns the
 * length, -EAGAIN when none is waiting, or another -errno. */
ssize_t notify_recv(int fd, char *buf, size_t size, struct ucred *ret_cred);
