/* SPDX-License-Identifier: MIT */
/*
 * svcctl-top.h: svcctl top, a live view of every unit (systemd-cgtop).
 */
#pragma once

/* fetch: one `status --json` reply into *ret_json (malloc'ed), returning a
 * PROTO_* code, or -1 when interrupted (top then ends with 0). Refreshes
 * every interval seconds; iterations > 0 ends after that many. Returns the
 * exit code. */
int svcctl_top(int (*fetch)(void *ctx, char **ret_json, size_t *ret_len), void *ctx,
	       double interval, long iterations);
