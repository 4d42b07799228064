/* SPDX-License-Identifier: MIT */
/*
 * outer.c: svcinit's own readiness for the supervisor above it.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef WITH_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "init/outer.h"

static char notify_socket[sizeof(((struct sockaddr_un *)0)->sun_path)];

void outer_init(void)
{
	const char *ns = getenv("NOTIFY_SOCKET");

	if (ns && strlen(ns) < sizeof(notify_socket))
		snprintf(notify_socket, sizeof(notify_socket), "%s", ns);
	/* never handed down to units or COMMAND */
	(void)unsetenv("NOTIFY_SOCKET");
}

void outer_notify(const char *msg)
{
	if (!notify_socket[0])
		return;
#ifdef WITH_SYSTEMD
	/* sd_notify reads $NOTIFY_SOCKET, which we took out of our environment */
	(void)setenv("NOTIFY_SOCKET", notify_socket, 1);
	(void)sd_notify(0, msg);
	(void)unsetenv("NOTIFY_SOCKET");
#else
	/* the protocol is one datagram (sd_notify(3), "interface stability"):
	 * no library needed for it, which is the default build */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		socklen_t len;
		int fd;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify_socket);
		if (sa.sun_path[0] == '@')
			sa.sun_path[0] = '\0';   /* abstract namespace */
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(notify_socket));
		/* non-blocking: an outer manager that does not read its queue
		 * must not stall PID 1 */
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return;
		(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
			     (struct sockaddr *)&sa, len);
		(void)close(fd);
	}
#endif
}
