/* SPDX-License-Identifier: MIT */
/*
 * status-trig.c: .socket and .timer units in svcctl status (table, details,
 * JSON) and svcctl list-sockets / list-timers, as systemctl shows them.
 * Their names keep their suffix (web.socket, backup.timer).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "init/calendar-cli.h"
#include "init/status.h"
#include "services/fsm.h"
#include "services/trig.h"
#include "units/unit.h"

static const char *const listen_keys[] = {
	"ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenFIFO",
};
static const char *const listen_types[] = { "Stream", "Datagram", "SequentialPacket", "FIFO" };

bool status_trig_shown(const struct trig *t, unsigned states)
{
	unsigned st;

	if (!states)
		return true;
	switch (t->state) {
	case TRIG_FAILED: st = SVC_FAILED; break;
	case TRIG_STOPPED: st = SVC_STOPPED; break;
	case TRIG_ELAPSED: st = SVC_EXITED; break;
	default: st = SVC_RUNNING; break;   /* listening, waiting, running: active */
	}
	return states & (1u << st);
}

static void fmt_stamp(char *buf, size_t len, uint64_t usec)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (!usec || !localtime_r(&t, &tm) || !strftime(buf, len, "%a %Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "-");
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void status_trig_table(const struct status_out *o, unsigned states)
{
	for (size_t i = 0; i < trig_count(); i++) {
		const struct trig *t = trig_at(i);
		char since[32];

		if (!status_trig_shown(t, states))
			continue;
		status_fmt_ago(since, sizeof(since), t->since);
		status_printf(o, "%-24s %-10s %8s %8u %8s %8s  %s\n", t->spec->name,
			      trig_state_name(t), "-", 0u, since, "-", t->spec->description);
	}
}

void status_trig_detail(const struct status_out *o, const struct trig *t)
{
	const struct unit_trigger *tr = t->spec->trigger;
	char since[32], buf[128];

	status_fmt_ago(since, sizeof(since), t->since);
	status_printf(o, "%s - %s\n", t->spec->name, t->spec->description);
	status_printf(o, "      state: %s (since %s)\n", trig_state_name(t), since);
	status_printf(o, "       file: %s\n", t->spec->path ? t->spec->path : "");
	status_printf(o, "   triggers: %s\n", t->target);
	if (tr->kind == TRIG_SOCKET) {
		for (size_t i = 0; i < tr->sock.n_listen; i++)
			status_printf(o, "     listen: %s (%s)\n", tr->sock.listen[i].addr,
				      listen_types[tr->sock.listen[i].kind]);
		if (tr->sock.accept)
			status_printf(o, "   accepted: %u, connected: %u\n", t->n_accepted, t->n_conn);
	} else {
		uint64_t next = trig_next_usec(t);

		for (size_t i = 0; i < tr->timer.n_cal; i++)
			status_printf(o, "   calendar: %s\n", tr->timer.cal_src[i]);
		fmt_stamp(buf, sizeof(buf), next);
		status_printf(o, "    trigger: %s\n", next ? buf : "n/a");
		fmt_stamp(buf, sizeof(buf), t->last_real);
		status_printf(o, "  triggered: %s\n", t->last_real ? buf : "n/a");
	}
	if (t->error[0])
		status_printf(o, "      error: %s\n", t->error);
	for (char **w = t->spec->warnings; w && *w; w++)
		status_printf(o, "    warning: %s\n", *w);
}

static void json_u64(const struct status_out *o, const char *key, uint64_t v)
{
	if (v)
		status_printf(o, ",\"%s\":%" PRIu64, key, v);
	else
		status_printf(o, ",\"%s\":null", key);
}

void status_trig_json(const struct status_out *o, const struct trig *t)
{
	const struct unit_trigger *tr = t->spec->trigger;

	status_printf(o, "{\"name\":");
	status_json_str(o, t->spec->name);
	status_printf(o, ",\"description\":");
	status_json_str(o, t->spec->description);
	status_printf(o, ",\"state\":\"%s\",\"unit_type\":\"%s\"", trig_state_name(t),
		      trig_type_name(t));
	/* the fields every unit has, as a unit without processes has them */
	status_printf(o, ",\"pid\":null,\"ready\":%s,\"waiting\":false,\"restarts\":0,"
		      "\"exit_code\":null,\"exit_signal\":null,\"since\":%" PRId64 ",\"cgroup\":null,"
		      "\"memory_bytes\":null,\"tasks\":null,\"cpu_usec\":null,\"namespaces\":[],"
		      "\"root\":\"/\",\"status_text\":\"\",\"result\":\"%s\"",
		      t->state != TRIG_FAILED && t->state != TRIG_STOPPED ? "true" : "false",
		      t->since, t->state == TRIG_FAILED ? "resources" : "success");
	status_printf(o, ",\"triggers\":");
	status_json_str(o, t->target);
	if (tr->kind == TRIG_SOCKET) {
		status_printf(o, ",\"listen\":[");
		for (size_t i = 0; i < tr->sock.n_listen; i++) {
			status_printf(o, "%s{\"type\":\"%s\",\"address\":", i ? "," : "",
				      listen_types[tr->sock.listen[i].kind]);
			status_json_str(o, tr->sock.listen[i].addr);
			status_printf(o, "}");
		}
		status_printf(o, "],\"accept\":%s,\"accepted\":%u,\"connections\":%u",
			      tr->sock.accept ? "true" : "false", t->n_accepted, t->n_conn);
	} else {
		json_u64(o, "next_elapse_usec", trig_next_usec(t));
		json_u64(o, "last_trigger_usec", t->last_real);
		status_printf(o, ",\"persistent\":%s", tr->timer.persistent ? "true" : "false");
	}
	status_printf(o, ",\"error\":");
	status_json_str(o, t->error);
	status_printf(o, ",\"warnings\":[");
	for (size_t i = 0; t->spec->warnings && t->spec->warnings[i]; i++) {
		if (i)
			status_printf(o, ",");
		status_json_str(o, t->spec->warnings[i]);
	}
	status_printf(o, "],\"source\":[");
	for (size_t i = 0; t->spec->sources && t->spec->sources[i]; i++) {
		if (i)
			status_printf(o, ",");
		status_json_str(o, t->spec->sources[i]);
	}
	status_printf(o, "]}");
}

void status_list_sockets(const struct status_out *o, bool json)
{
	size_t n = 0;

	if (json)
		status_printf(o, "[");
	else
		status_printf(o, "%-40s %-18s %-24s %s\n", "LISTEN", "TYPE", "UNIT", "ACTIVATES");
	for (size_t i = 0; i < trig_count(); i++) {
		const struct trig *t = trig_at(i);
		const struct trig_socket *ts = &t->spec->trigger->sock;

		if (t->spec->trigger->kind != TRIG_SOCKET)
			continue;
		for (size_t k = 0; k < ts->n_listen; k++, n++) {
			if (json) {
				status_printf(o, "%s\n{\"listen\":", n ? "," : "");
				status_json_str(o, ts->listen[k].addr);
				status_printf(o, ",\"type\":\"%s\",\"unit\":", listen_types[ts->listen[k].kind]);
				status_json_str(o, t->spec->name);
				status_printf(o, ",\"activates\":");
				status_json_str(o, t->target);
				status_printf(o, ",\"state\":\"%s\"}", trig_state_name(t));
			} else {
				status_printf(o, "%-40s %-18s %-24s %s\n", ts->listen[k].addr,
					      listen_types[ts->listen[k].kind], t->spec->name, t->target);
			}
		}
	}
	if (json)
		status_printf(o, "\n]\n");
	else
		status_printf(o, "\n%zu socket%s listed.\n", n, n == 1 ? "" : "s");
	(void)listen_keys;
}

void status_list_timers(const struct status_out *o, bool json)
{
	uint64_t now = now_usec();
	size_t n = 0;

	if (json)
		status_printf(o, "[");
	else
		status_printf(o, "%-28s %-16s %-28s %-16s %-24s %s\n", "NEXT", "LEFT", "LAST", "PASSED",
			      "UNIT", "ACTIVATES");
	for (size_t i = 0; i < trig_count(); i++) {
		const struct trig *t = trig_at(i);
		uint64_t next = trig_next_usec(t);
		char nb[64], lb[64], left[64], passed[64];

		if (t->spec->trigger->kind != TRIG_TIMER)
			continue;
		if (json) {
			status_printf(o, "%s\n{\"unit\":", n ? "," : "");
			status_json_str(o, t->spec->name);
			status_printf(o, ",\"activates\":");
			status_json_str(o, t->target);
			json_u64(o, "next", next);
			json_u64(o, "left", next > now ? next - now : 0);
			json_u64(o, "last", t->last_real);
			json_u64(o, "passed", t->last_real && now > t->last_real ? now - t->last_real : 0);
			status_printf(o, ",\"state\":\"%s\"}", trig_state_name(t));
		} else {
			fmt_stamp(nb, sizeof(nb), next);
			fmt_stamp(lb, sizeof(lb), t->last_real);
			if (next)
				calendar_fmt_relative(next > now ? next - now : 0, left, sizeof(left));
			else
				snprintf(left, sizeof(left), "-");
			if (t->last_real) {
				char *p;

				calendar_fmt_relative(now > t->last_real ? now - t->last_real : 0, passed,
						      sizeof(passed));
				p = strstr(passed, " left");
				if (p)
					snprintf(p, sizeof(passed) - (size_t)(p - passed), " ago");
			} else {
				snprintf(passed, sizeof(passed), "-");
			}
			status_printf(o, "%-28s %-16s %-28s %-16s %-24s %s\n", nb, left, lb, passed,
				      t->spec->name, t->target);
		}
		n++;
	}
	if (json)
		status_printf(o, "\n]\n");
	else
		status_printf(o, "\n%zu timer%s listed.\n", n, n == 1 ? "" : "s");
}
