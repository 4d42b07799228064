/* SPDX-License-Identifier: MIT */
/*
 * status.h: rendering the units' status (svcctl status): a table, details,
 * JSON. Output goes to a sink, a function that takes bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "init/status-out.h"


/* names: n existing unit names, or n == 0 for every unit. Not JSON: the
 * table of every unit, or the details of each named one. states: a mask of
 * (1 << enum svc_state) to show, 0 for all. */
void status_render(const struct status_out *o, bool json, unsigned states, char **names, size_t n);

struct logrec;

#define STATUS_LOG_TIME 1u   /* each line after its time of capture, RFC 3339 */
#define STATUS_LOG_UNIT 2u   /* each line after "UNIT: " (several units merged) */
#define STATUS_LOG_JSON 4u   /* one object a line: unit, time, stream, line */

/* One record of a unit's log, as svcctl logs prints it. */
void status_log_record(const struct status_out *o, const char *unit, const struct logrec *r,
		       unsigned flags);

/* Every unit's figures in the Prometheus text exposition format 0.0.4. */
void status_metrics(const struct status_out *o);
/* svcctl show NAME: systemd's properties of the unit, KEY=VALUE lines. */
struct svc;
void status_show(const struct status_out *o, const struct svc *s);
/* systemd's ActiveState= (active, reloading, inactive, failed, activating,
 * deactivating). */
const char *status_active_state(const struct svc *s);

/* init/status-trig.c: sockets and timers in the status views, and
 * svcctl list-sockets / list-timers. */
struct trig;
bool status_trig_shown(const struct trig *t, unsigned states);
void status_trig_table(const struct status_out *o, unsigned states);
void status_trig_detail(const struct status_out *o, const struct trig *t);
void status_trig_json(const struct status_out *o, const struct trig *t);
void status_list_sockets(const struct status_out *o, bool json);
void status_list_timers(const struct status_out *o, bool json);
