/* SPDX-License-Identifier: MIT */
/*
 * status.c: what `svcctl status` shows: the table of all units, the details
 * of some, or JSON. It renders into whatever sink it is given (ctl.c gives a
 * client's reply buffer) and knows nothing about clients or sockets.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "init/status.h"
#include "services/cgroup.h"
#include "services/svc.h"
#include "units/sandbox.h"
#include "services/trig.h"


static void status_sandbox(const struct status_out *o, const struct svc *s, bool json);





/* ---- log records --------------------------------------------------------------- */

void status_log_record(const struct status_out *o, const char *unit, const struct logrec *r,
		       unsigned flags)
{
	char when[48];
	time_t secs = (time_t)(r->usec / 1000000);
	struct tm tm;

	if (flags & (STATUS_LOG_TIME | STATUS_LOG_JSON)) {
		(void)gmtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%06dZ",
			 (int)(r->usec % 1000000));
	}
	if (flags & STATUS_LOG_JSON) {
		status_out_add(o, "{\"unit\":", 8);
		status_json_str(o, unit);
		status_printf(o, ",\"time\":\"%s\",\"stream\":\"%s\",\"line\":", when,
			   r->stream == LOGREC_STDERR ? "stderr" : r->stream == LOGREC_MARK ? "svcinit" : "stdout");
		status_json_strn(o, r->text, r->len);
		status_out_add(o, "}\n", 2);
		return;
	}
	if (flags & STATUS_LOG_TIME) {
		status_out_add(o, when, strlen(when));
		status_out_add(o, " ", 1);
	}
	if (flags & STATUS_LOG_UNIT) {
		status_out_add(o, unit, strlen(unit));
		status_out_add(o, ": ", 2);
	}
	status_out_add(o, r->text, r->len);
	status_out_add(o, "\n", 1);
}


/* ---- status ---------------------------------------------------------------- */


static void fmt_bytes(char *buf, size_t len, uint64_t b)
{
	static const char units[] = "BKMGT";
	double v = (double)b;
	int u = 0;

	if (b == UINT64_MAX) {
		snprintf(buf, len, "-");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void stats_of(struct svc *s, struct cg_stats *st)
{
	st->memory_bytes = st->tasks = st->cpu_usec = UINT64_MAX;
	if (s->cg)
		cg_unit_stats(s->cg, st);
}

static bool shown(const struct svc *s, unsigned states);

static void status_table(const struct status_out *o, unsigned states)
{
	status_printf(o, "%-24s %-10s %8s %8s %8s %8s %-9s  %s\n", "UNIT", "STATE", "PID", "RESTARTS",
		   "SINCE", "MEMORY", "HEALTH", "DESCRIPTION");
	for (size_t i = 0; i < svc_count(); i++) {
		struct svc *s = svc_at(i);
		char pid[16] = "-", since[32], mem[32];
		const char *health;

		if (!shown(s, states))
			continue;
		if (s->main_pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)s->main_pid);
		status_fmt_ago(since, sizeof(since), s->since);
		/* the table shows memory only: one file a unit, not three */
		fmt_bytes(mem, sizeof(mem), s->cg ? cg_unit_memory(s->cg) : UINT64_MAX);
		health = fsm_health_to_string(s->fsm.health);
		status_printf(o, "%-24s %-10s %8s %8u %8s %8s %-9s  %s\n", s->spec->name,
			   svc_state_name(s), pid, s->restarts, since, mem, health ? health : "-",
			   s->spec->description);
	}
	status_trig_table(o, states);
}

static void status_detail(const struct status_out *o, struct svc *s)
{
	struct cg_stats st;
	char ns[128], mem[32], since[32];

	stats_of(s, &st);
	fmt_bytes(mem, sizeof(mem), st.memory_bytes);
	status_fmt_ago(since, sizeof(since), s->since);
	status_printf(o, "%s - %s\n", s->spec->name, s->spec->description);
	status_printf(o, "      state: %s (%s)%s%s (since %s)\n", svc_state_name(s),
		   fsm_sub_to_string(s->fsm.sub),
		   svc_is_ready(s) ? ", ready" : "", svc_is_waiting(s) ? ", waiting for dependencies" : "",
		   since);
	if (s->main_pid > 0)
		status_printf(o, "        pid: %d\n", (int)s->main_pid);
	status_printf(o, "       file: %s\n", s->spec->path ? s->spec->path : "");
	status_printf(o, "   restarts: %u\n", s->restarts);
	if (s->have_exit) {
		if (s->exit_signal)
			status_printf(o, "  last exit: signal %d (%s)\n", s->exit_signal,
				   strsignal(s->exit_signal));
		else
			status_printf(o, "  last exit: code %d\n", s->exit_code);
	}
	if (s->fsm.result != FSM_RESULT_NONE)
		status_printf(o, "     result: %s\n", fsm_result_to_string(s->fsm.result));
	if (s->error[0])
		status_printf(o, "      error: %s\n", s->error);
	if (s->condition[0])
		status_printf(o, "  condition: %s\n", s->condition);
	if (s->status_text[0])
		status_printf(o, "     status: %s\n", s->status_text);
	if (fsm_health_to_string(s->fsm.health)) {
		status_printf(o, "     health: %s", fsm_health_to_string(s->fsm.health));
		if (s->fsm.health_failures)
			status_printf(o, " (%u failed in a row)", s->fsm.health_failures);
		status_printf(o, ", %s\n", s->spec->health.text);
		if (s->health.seq) {
			size_t n = s->health.output_len;

			while (n > 0 && s->health.output[n - 1] == '\n')
				n--;
			/* the first line of the last check's output, printable */
			status_printf(o, " last check: %s: ", s->health.last_ok ? "passed" : "failed");
			for (size_t i = 0; i < n && i < 200 && s->health.output[i] != '\n'; i++) {
				unsigned char ch = (unsigned char)s->health.output[i];

				status_out_add(o, ch >= 0x20 && ch != 0x7f ? (const char *)&ch : "?", 1);
			}
			status_out_add(o, "\n", 1);
		}
	}
	status_printf(o, " namespaces: %s\n",
		   s->spec->namespaces ? unit_ns_to_string(s->spec->namespaces, ns, sizeof(ns)) : "none");
	status_printf(o, "       root: %s\n", s->spec->root_directory ? s->spec->root_directory : "/");
	if (s->cg)
		status_printf(o, "     cgroup: %s\n", cg_unit_path(s->cg));
	if (st.memory_bytes != UINT64_MAX)
		status_printf(o, "     memory: %s\n", mem);
	if (st.tasks != UINT64_MAX)
		status_printf(o, "      tasks: %" PRIu64 "\n", st.tasks);
	if (st.cpu_usec != UINT64_MAX)
		status_printf(o, "        cpu: %.3fs\n", (double)st.cpu_usec / 1e6);
	status_sandbox(o, s, false);
	for (size_t i = 0; i < s->n_warnings; i++)
		status_printf(o, "    warning: %s\n", s->warnings[i]);
}

/* The confinement the unit got, key by key (units/sandbox.c), and whether
 * svcinit's default namespaces were left out (not permitted here). */
static void status_sandbox(const struct status_out *o, const struct svc *s, bool json)
{
	char **v = NULL;
	size_t n = 0;

	if (unit_sandbox_describe(s->spec, &v) < 0)
		return;
	for (char **p = v; *p; p++, n++) {
		if (json) {
			if (n)
				status_out_add(o, ",", 1);
			status_json_str(o, *p);
		} else {
			status_printf(o, "    sandbox: %s\n", *p);
		}
	}
	if (s->ns_degraded) {
		if (json)
			status_printf(o, "%s\"Namespaces=none (not permitted here)\"", n ? "," : "");
		else
			status_printf(o, "    sandbox: Namespaces=none (not permitted here)\n");
	}
	unit_strv_free(v);
}

static void json_u64_or_null(const struct status_out *o, const char *key, uint64_t v)
{
	if (v == UINT64_MAX)
		status_printf(o, ",\"%s\":null", key);
	else
		status_printf(o, ",\"%s\":%" PRIu64, key, v);
}

static void status_json_one(const struct status_out *o, struct svc *s)
{
	static const char *const ns_names[] = { "pid", "net", "ipc", "mnt", "uts", "cgroup", "user" };
	struct cg_stats st;
	bool first = true;

	stats_of(s, &st);
	status_printf(o, "{\"name\":");
	status_json_str(o, s->spec->name);
	status_printf(o, ",\"description\":");
	status_json_str(o, s->spec->description);
	status_printf(o, ",\"state\":\"%s\"", svc_state_name(s));
	status_printf(o, ",\"sub_state\":\"%s\",\"type\":\"%s\",\"unit_type\":\"service\"",
		   fsm_sub_to_string(s->fsm.sub), unit_type_to_string(s->spec->type));
	if (s->main_pid > 0)
		status_printf(o, ",\"pid\":%d,\"main_pid\":%d", (int)s->main_pid, (int)s->main_pid);
	else
		status_printf(o, ",\"pid\":null,\"main_pid\":null");
	/* DynamicUser=: the uid it holds while it runs, null when none */
	if (s->dyn_uid)
		status_printf(o, ",\"dynamic_uid\":%u", (unsigned)s->dyn_uid);
	else
		status_printf(o, ",\"dynamic_uid\":null");
	status_printf(o, ",\"ready\":%s,\"waiting\":%s,\"restarts\":%u", svc_is_ready(s) ? "true" : "false",
		   svc_is_waiting(s) ? "true" : "false", s->restarts);
	if (s->have_exit && !s->exit_signal)
		status_printf(o, ",\"exit_code\":%d,\"exit_signal\":null", s->exit_code);
	else if (s->have_exit)
		status_printf(o, ",\"exit_code\":null,\"exit_signal\":%d", s->exit_signal);
	else
		status_printf(o, ",\"exit_code\":null,\"exit_signal\":null");
	status_printf(o, ",\"since\":%" PRId64 ",\"cgroup\":", s->since);
	if (s->cg)
		status_json_str(o, cg_unit_path(s->cg));
	else
		status_printf(o, "null");
	json_u64_or_null(o, "memory_bytes", st.memory_bytes);
	json_u64_or_null(o, "tasks", st.tasks);
	json_u64_or_null(o, "cpu_usec", st.cpu_usec);
	status_printf(o, ",\"namespaces\":[");
	for (unsigned i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		if (!(s->spec->namespaces & (1u << i)))
			continue;
		status_printf(o, "%s\"%s\"", first ? "" : ",", ns_names[i]);
		first = false;
	}
	status_printf(o, "],\"root\":");
	status_json_str(o, s->spec->root_directory ? s->spec->root_directory : "/");
	status_printf(o, ",\"status_text\":");
	status_json_str(o, s->status_text);
	if (fsm_health_to_string(s->fsm.health)) {
		status_printf(o, ",\"health\":\"%s\",\"health_failures\":%u,\"health_output\":",
			   fsm_health_to_string(s->fsm.health), s->fsm.health_failures);
		if (s->health.seq)
			status_json_strn(o, s->health.output, s->health.output_len);
		else
			status_printf(o, "null");
	} else {
		status_printf(o, ",\"health\":null,\"health_failures\":0,\"health_output\":null");
	}
	status_printf(o, ",\"result\":");
	status_json_str(o, fsm_result_to_string(s->fsm.result));
	status_printf(o, ",\"error\":");
	status_json_str(o, s->error);
	status_printf(o, ",\"condition_result\":%s,\"assert_result\":%s,\"condition\":",
		   s->condition_result < 0 ? "null" : s->condition_result ? "true" : "false",
		   s->assert_result < 0 ? "null" : s->assert_result ? "true" : "false");
	status_json_str(o, s->condition);
	status_printf(o, ",\"warnings\":[");
	for (size_t i = 0; i < s->n_warnings; i++) {
		if (i)
			status_out_add(o, ",", 1);
		status_json_str(o, s->warnings[i]);
	}
	status_printf(o, "],\"sandbox\":[");
	status_sandbox(o, s, true);
	status_printf(o, "],\"source\":[");
	for (size_t i = 0; s->spec->sources && s->spec->sources[i]; i++) {
		if (i)
			status_out_add(o, ",", 1);
		status_json_str(o, s->spec->sources[i]);
	}
	status_printf(o, "]}");
}

/* systemd's ActiveState= of a unit */
const char *status_active_state(const struct svc *s)
{
	switch (s->fsm.state) {
	case SVC_STARTING:
	case SVC_RESTARTING:
		return "activating";
	case SVC_RUNNING:
		return s->fsm.sub == FSM_SUB_RELOAD ? "reloading" : "active";
	case SVC_PAUSED:
		return "active";
	case SVC_STOPPING:
		return "deactivating";
	case SVC_EXITED:
		return s->fsm.sub == FSM_SUB_EXITED ? "active" : "inactive";
	case SVC_FAILED:
		return "failed";
	default:
		return "inactive";
	}
}

/* A time span as systemd prints one ("1min 30s", "100ms", "infinity"). */
static void fmt_timespan(char *buf, size_t len, uint64_t usec)
{
	static const struct { const char *unit; uint64_t usec; } units[] = {
		{ "d", 86400000000ULL }, { "h", 3600000000ULL }, { "min", 60000000ULL },
		{ "s", 1000000ULL }, { "ms", 1000ULL }, { "us", 1ULL },
	};
	size_t off = 0;

	if (usec == UINT64_MAX) {
		snprintf(buf, len, "infinity");
		return;
	}
	if (usec == 0) {
		snprintf(buf, len, "0");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && usec && off < len; i++) {
		uint64_t n = usec / units[i].usec;

		if (!n)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%" PRIu64 "%s", off ? " " : "", n,
					units[i].unit);
		usec -= n * units[i].usec;
	}
}

static void show_cmds(const struct status_out *o, const char *key, const struct unit_cmd *v,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		status_printf(o, "%s={ path=%s ; argv[]=", key, v[i].path ? v[i].path : v[i].argv[0]);
		for (char **a = v[i].argv; a && *a; a++)
			status_printf(o, "%s%s", a == v[i].argv ? "" : " ", *a);
		status_printf(o, " ; ignore_errors=%s }\n", (v[i].flags & UNIT_CMD_IGNORE) ? "yes" : "no");
	}
}

void status_show(const struct status_out *o, const struct svc *s)
{
	const struct unit_spec *sp = s->spec;
	char t[64];
	int st = s->exec_main_status;

	status_printf(o, "Id=%s.service\n", sp->name);
	status_printf(o, "Names=%s.service", sp->name);
	for (char **a = sp->alias; a && *a; a++)
		status_printf(o, " %s", *a);
	status_printf(o, "\nDescription=%s\n", sp->description);
	status_printf(o, "LoadState=loaded\n");
	status_printf(o, "UnitFileState=%s\n", s->on_demand ? "disabled" : "enabled");
	status_printf(o, "ActiveState=%s\n", status_active_state(s));
	status_printf(o, "SubState=%s\n", fsm_sub_to_string(s->fsm.sub));
	status_printf(o, "Result=%s\n", fsm_result_to_string(s->fsm.result));
	status_printf(o, "Type=%s\n", unit_type_to_string(sp->type));
	status_printf(o, "Restart=%s\n", unit_restart_to_string(sp->restart));
	fmt_timespan(t, sizeof(t), sp->restart_usec);
	status_printf(o, "RestartUSec=%s\n", t);
	status_printf(o, "MainPID=%d\n", s->main_pid > 0 ? (int)s->main_pid : 0);
	status_printf(o, "ControlPID=%d\n", s->ctl.pid > 0 ? (int)s->ctl.pid : 0);
	if (s->dyn_uid) {   /* systemd's UID=/GID= of a unit with a dynamic user */
		status_printf(o, "UID=%u\n", (unsigned)s->dyn_uid);
		status_printf(o, "GID=%u\n", (unsigned)s->spec->ident.gid);
	} else if (sp->dynamic_user) {
		status_printf(o, "UID=[not set]\nGID=[not set]\n");
	}
	if (sp->bus_name)
		status_printf(o, "BusName=%s\n", sp->bus_name);
	if (sp->dynamic_user)
		status_printf(o, "DynamicUser=yes\n");
	status_printf(o, "NRestarts=%u\n", s->restarts);
	status_printf(o, "ExecMainPID=%d\n", (int)s->exec_main_pid);
	/* CLD_EXITED 1, CLD_KILLED 2, CLD_DUMPED 3; 0: none yet */
	status_printf(o, "ExecMainCode=%d\n", st < 0 ? 0 : WIFEXITED(st) ? 1 : WCOREDUMP(st) ? 3 : 2);
	status_printf(o, "ExecMainStatus=%d\n", st < 0 ? 0 : WIFEXITED(st) ? WEXITSTATUS(st) :
		   WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	status_printf(o, "FragmentPath=%s\n", sp->path ? sp->path : "");
	status_printf(o, "DropInPaths=");
	for (size_t i = 1; sp->sources && sp->sources[0] && sp->sources[i]; i++)
		status_printf(o, "%s%s", i > 1 ? " " : "", sp->sources[i]);
	status_printf(o, "\n");
	fmt_timespan(t, sizeof(t), sp->timeout_start_usec);
	status_printf(o, "TimeoutStartUSec=%s\n", t);
	fmt_timespan(t, sizeof(t), sp->timeout_stop_usec);
	status_printf(o, "TimeoutStopUSec=%s\n", t);
	fmt_timespan(t, sizeof(t), sp->timeout_abort_usec ? sp->timeout_abort_usec :
		     sp->timeout_stop_usec);
	status_printf(o, "TimeoutAbortUSec=%s\n", t);
	status_printf(o, "KillMode=%s\n", unit_kill_mode_to_string(sp->kill_mode));
	status_printf(o, "KillSignal=%d\n", sp->kill_signal);
	status_printf(o, "RestartKillSignal=%d\n",
		   sp->restart_kill_signal ? sp->restart_kill_signal : sp->kill_signal);
	status_printf(o, "FinalKillSignal=%d\n", sp->final_kill_signal);
	status_printf(o, "SendSIGKILL=%s\n", sp->send_sigkill ? "yes" : "no");
	status_printf(o, "SendSIGHUP=%s\n", sp->send_sighup ? "yes" : "no");
	status_printf(o, "RemainAfterExit=%s\n", sp->remain_after_exit ? "yes" : "no");
	status_printf(o, "GuessMainPID=%s\n", sp->guess_main_pid ? "yes" : "no");
	status_printf(o, "PIDFile=%s\n", sp->pid_file ? sp->pid_file : "");
	status_printf(o, "User=%s\n", sp->user ? sp->user : "");
	status_printf(o, "Group=%s\n", sp->group ? sp->group : "");
	status_printf(o, "WorkingDirectory=%s\n", sp->working_directory ? sp->working_directory : "");
	status_printf(o, "StatusText=%s\n", s->status_text);
	show_cmds(o, "ExecCondition", sp->hooks[UNIT_HOOK_CONDITION].v, sp->hooks[UNIT_HOOK_CONDITION].n);
	show_cmds(o, "ExecStartPre", sp->hooks[UNIT_HOOK_START_PRE].v, sp->hooks[UNIT_HOOK_START_PRE].n);
	show_cmds(o, "ExecStart", sp->exec_start, sp->n_exec_start);
	show_cmds(o, "ExecStartPost", sp->hooks[UNIT_HOOK_START_POST].v, sp->hooks[UNIT_HOOK_START_POST].n);
	show_cmds(o, "ExecReload", sp->hooks[UNIT_HOOK_RELOAD].v, sp->hooks[UNIT_HOOK_RELOAD].n);
	show_cmds(o, "ExecStop", sp->hooks[UNIT_HOOK_STOP].v, sp->hooks[UNIT_HOOK_STOP].n);
	show_cmds(o, "ExecStopPost", sp->hooks[UNIT_HOOK_STOP_POST].v, sp->hooks[UNIT_HOOK_STOP_POST].n);
}

static bool shown(const struct svc *s, unsigned states)
{
	return !states || (states & (1u << s->fsm.state));
}

void status_render(const struct status_out *o, bool json, unsigned states, char **names, size_t n)
{
	size_t shown_n = 0;

	if (json) {
		status_out_add(o, "[", 1);
		for (size_t i = 0; i < (n ? n : svc_count()); i++) {
			struct svc *s = n ? svc_find(names[i]) : svc_at(i);

			if (!s) {   /* a socket or timer */
				struct trig *t = trig_find(names[i]);

				if (!t || !status_trig_shown(t, states))
					continue;
				status_out_add(o, shown_n ? ",\n" : "\n", shown_n ? 2 : 1);
				status_trig_json(o, t);
				shown_n++;
				continue;
			}
			if (!shown(s, states))
				continue;
			status_out_add(o, shown_n ? ",\n" : "\n", shown_n ? 2 : 1);
			status_json_one(o, s);
			shown_n++;
		}
		for (size_t i = 0; !n && i < trig_count(); i++) {
			if (!status_trig_shown(trig_at(i), states))
				continue;
			status_out_add(o, shown_n ? ",\n" : "\n", shown_n ? 2 : 1);
			status_trig_json(o, trig_at(i));
			shown_n++;
		}
		status_out_add(o, "\n]\n", 3);
	} else if (n == 0) {
		status_table(o, states);
	} else {
		for (size_t i = 0; i < n; i++) {
			struct svc *s = svc_find(names[i]);

			if (!s) {   /* a socket or timer */
				struct trig *t = trig_find(names[i]);

				if (!t || !status_trig_shown(t, states))
					continue;
				if (shown_n++ > 0)
					status_out_add(o, "\n", 1);
				status_trig_detail(o, t);
				continue;
			}
			if (!shown(s, states))
				continue;
			if (shown_n++ > 0)
				status_out_add(o, "\n", 1);
			status_detail(o, s);
		}
	}
}

/* A label value in the text exposition format: \ " and newline escaped. */
static void out_label(const struct status_out *o, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;

		if (!esc)
			continue;
		status_out_add(o, run, (size_t)(s - run));
		status_out_add(o, esc, 2);
		run = s + 1;
	}
	status_out_add(o, run, (size_t)(s - run));
}

static void metric_head(const struct status_out *o, const char *name, const char *type,
			const char *help)
{
	status_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{unit="U"} value, or nothing when the value is unknown */
static void metric_unit(const struct status_out *o, const char *name, struct svc *s,
			int decimals, double v, bool known)
{
	if (!known)
		return;
	status_printf(o, "%s{unit=\"", name);
	out_label(o, s->spec->name);
	status_out_add(o, "\"} ", 3);
	status_printf(o, "%.*f\n", decimals, v);
}

/* Every unit's figures in the Prometheus text exposition format 0.0.4, one
 * metric family at a time (the format wants a family's samples together). */
void status_metrics(const struct status_out *o)
{
	size_t n = svc_count();

	metric_head(o, "svcinit_up", "gauge", "svcinit answers (always 1).");
	status_printf(o, "svcinit_up 1\n");
	metric_head(o, "svcinit_units", "gauge", "Units loaded.");
	status_printf(o, "svcinit_units %zu\n", n);
	metric_head(o, "svcinit_unit_state", "gauge", "1 for the unit's current state, 0 for the others.");
	for (size_t i = 0; i < n; i++) {
		struct svc *s = svc_at(i);

		for (int st = 0; st < SVC_STATE_MAX; st++) {
			status_printf(o, "svcinit_unit_state{unit=\"");
			out_label(o, s->spec->name);
			status_printf(o, "\",state=\"%s\"} %d\n", fsm_state_to_string((enum svc_state)st),
				   s->fsm.state == (enum svc_state)st);
		}
	}
	metric_head(o, "svcinit_unit_restarts_total", "counter", "Restarts of the unit since it was loaded.");
	for (size_t i = 0; i < n; i++)
		metric_unit(o, "svcinit_unit_restarts_total", svc_at(i), 0, svc_at(i)->restarts, true);
	metric_head(o, "svcinit_unit_start_time_seconds", "gauge",
		    "When the unit entered its current state, seconds since the epoch.");
	for (size_t i = 0; i < n; i++)
		metric_unit(o, "svcinit_unit_start_time_seconds", svc_at(i), 0,
			    (double)svc_at(i)->since, svc_at(i)->since > 0);
	metric_head(o, "svcinit_unit_health", "gauge",
		    "1 when the unit's last health verdict is healthy, 0 otherwise; no sample without HealthCheck=.");
	for (size_t i = 0; i < n; i++) {
		enum fsm_health h = svc_at(i)->fsm.health;

		metric_unit(o, "svcinit_unit_health", svc_at(i), 0, h == FSM_HEALTH_HEALTHY,
			    h != FSM_HEALTH_NONE);
	}
	/* the cgroup figures: read once a unit, kept for the three families */
	{
		static struct cg_stats st[UNIT_MAX];
		size_t m = n < UNIT_MAX ? n : UNIT_MAX;

		for (size_t i = 0; i < m; i++)
			stats_of(svc_at(i), &st[i]);
		metric_head(o, "svcinit_unit_cpu_seconds_total", "counter", "CPU time of the unit's cgroup.");
		for (size_t i = 0; i < m; i++)
			metric_unit(o, "svcinit_unit_cpu_seconds_total", svc_at(i), 6,
				    (double)st[i].cpu_usec / 1e6, st[i].cpu_usec != UINT64_MAX);
		metric_head(o, "svcinit_unit_memory_bytes", "gauge", "Memory charged to the unit's cgroup.");
		for (size_t i = 0; i < m; i++)
			metric_unit(o, "svcinit_unit_memory_bytes", svc_at(i), 0,
				    (double)st[i].memory_bytes, st[i].memory_bytes != UINT64_MAX);
		metric_head(o, "svcinit_unit_tasks", "gauge", "Processes and threads in the unit's cgroup.");
		for (size_t i = 0; i < m; i++)
			metric_unit(o, "svcinit_unit_tasks", svc_at(i), 0, (double)st[i].tasks,
				    st[i].tasks != UINT64_MAX);
	}
}
