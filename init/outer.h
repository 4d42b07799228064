/* SPDX-License-Identifier: MIT */
/*
 * outer.h: the supervisor svcinit itself runs under (systemd, or anything
 * that speaks sd_notify(3)): told READY=1 once the units are up, STOPPING=1
 * when the end begins.
 */
#pragma once

/* Take $NOTIFY_SOCKET out of the environment (units and COMMAND never see
 * it) and keep it for outer_notify(). */
void outer_init(void);
/* One datagram, never blocking; nothing when there is no outer supervisor. */
void outer_notify(const char *msg);
