/* SPDX-License-Identifier: MIT */
/*
 * calendar-cli.h: svcinit --calendar (init/calendar-cli.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Print each expression as systemd-analyze calendar does; the exit code:
 * 0, 1 when one could not be parsed, 2 without any. base_usec 0: now. */
int calendar_cli(char *const *exprs, unsigned iterations, uint64_t base_usec);

/* "3 days left", "1h 5min left", "now": as systemd's relative timestamps. */
void calendar_fmt_relative(uint64_t d, char *buf, size_t len);
