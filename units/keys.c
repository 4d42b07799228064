/* SPDX-License-Identifier: MIT */
/*
 * keys.c: the keys of unit files. One table, keys[], says for every key its
 * sections, its parser and the field of struct unit_spec it fills; the
 * parsers check and copy a value into the spec, and unit_spec_equal() is
 * derived from the same table. Pure: no I/O; errors go to the load's
 * diagnostics as "FILE:LINE: KEY=: what is wrong".
 *
 * Semantics where the SPEC is silent (systemd's, unless said otherwise):
 *  - Section and key names are case-sensitive; a section may appear more
 *    than once. [Unit], [Service] and [Install] are read. A key or section
 *    systemd 252 documents (systemd-keys.inc, from systemd.directives(7), and
 *    systemd_compat[]) that svcinit does not implement is a warning
 *    "FILE:LINE: KEY= is not supported: ignored", kept in spec->warnings;
 *    any other key is an error; X- keys and X- sections are ignored.
 *  - A key given twice: the later assignment wins for scalars; list keys
 *    (After= Requires= Wants= Environment= EnvironmentFile=
 *    SupplementaryGroups= BindPaths= BindReadOnlyPaths=) accumulate, and an
 *    empty assignment resets the list. An empty assignment to a scalar resets
 *    it to its default. Exception: Namespaces= needs a value ("none").
 *    BindPaths= or BindReadOnlyPaths= empty resets both (as systemd).
 *    Environment= with a NAME given before replaces that entry in place.
 *    CapabilityBoundingSet=/AmbientCapabilities=: the first assignment sets,
 *    later ones OR in, "~" ones AND out (as systemd).
 *  - Missing ExecStart= is reported at the first [Service] line; when there is
 *    no [Service] at all, "missing [Service] section" is reported at line 0
 *    (the file as a whole).
 *  - ExecStart= appends commands (a bare ";" separates several on one line),
 *    empty resets; more than one needs Type=oneshot (checked at the end, a
 *    drop-in may set it). Prefix ':' is read; - @ + ! are errors still.
 *    Specifiers (units/specifier.c) are expanded where systemd does (.spec);
 *    $VAR at start (units/exec.c). argv[0] is absolute or a bare name.
 *  - TimeoutStartSec=0 / TimeoutStopSec=0 mean infinity (systemd does so).
 *    RestartSec= and RestartMaxDelaySec= must be finite.
 *  - After=/Requires=/Wants= take NAME or NAME.service; stored without the
 *    suffix, so they compare equal to unit_spec.name.
 *  - RootDirectory=, OverlayUpper=, BindPaths= need the mnt namespace and
 *    Hostname= the uts one; OverlayUpper= needs Overlay=yes.
 *  - systemd's sandboxing keys (units/sandbox.c) add the namespaces they need
 *    whatever Namespaces= says (PrivateTmp= mnt, PrivateNetwork= net,
 *    PrivateIPC= ipc, ProtectHostname= uts, PrivateUsers= user), remembered
 *    in sandbox.ns_added; ReadWriteDirectories= & co. are their old names.
 *  - DeviceAllow= keeps one "SPECIFIER ACCESS" entry per device (the same
 *    one again ORs its access in); IPAddressAllow=/IPAddressDeny= keep the
 *    words (units/ipaddr.c checks them). What they allow: units/devices.c,
 *    units/ipaddr.c; enforced by services/cgroup-bpf.c.
 *  - CPUQuota= is an integer percentage (1%..1000000%). "~CAP_X" sets every
 *    bit but X (all 64, so capabilities newer than libcap are kept in a
 *    bounding set). The syntax of times, sizes, CPU lists, escapes, users,
 *    groups and hostnames is in units/value.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <sys/capability.h>
#include <sys/socket.h>
#include <sys/resource.h>

#include "units/attrs.h"
#include "units/devices.h"
#include "units/ipaddr.h"
#include "units/keys.h"
#include "units/specifier.h"
#include "units/sandbox.h"
#include "units/syscall.h"
#include "units/trigger.h"
#include "units/value.h"

#define SEC_UNIT       (1u << 0)
#define SEC_SERVICE    (1u << 1)
#define SEC_INSTALL    (1u << 2)
#define SEC_SYSTEMD    (1u << 3)   /* documented by systemd, not implemented here */
#define SEC_X          (1u << 4)   /* X-...: ignored */

#define SPEC_MAX       32768       /* bytes of one value after specifiers */

/* systemd.directives(7), generated (scripts/gen-systemd-keys.py) */
struct systemd_key {
	const char *section, *key, *page;
};
static const struct systemd_key systemd_keys[] = {
#include "units/systemd-keys.inc"
};

/* Names systemd 252 still accepts that its man pages no longer list
 * (load-fragment-gperf.gperf.in: deprecated or renamed). Those that name a
 * key svcinit implements are mapped onto it (compat_alias below). */
static const struct systemd_key systemd_compat[] = {
	{ "Service", "BlockIOAccounting", NULL }, { "Service", "BlockIODeviceWeight", NULL },
	{ "Service", "BlockIOReadBandwidth", NULL }, { "Service", "BlockIOWeight", NULL },
	{ "Service", "BlockIOWriteBandwidth", NULL }, { "Service", "CPUShares", NULL },
	{ "Service", "FailureAction", NULL }, { "Service", "MemoryLimit", NULL },
	{ "Service", "PermissionsStartOnly", NULL }, { "Service", "RebootArgument", NULL },
	{ "Service", "StartLimitAction", NULL }, { "Service", "StartLimitBurst", NULL },
	{ "Service", "StartLimitInterval", NULL }, { "Service", "StartupBlockIOWeight", NULL },
	{ "Service", "StartupCPUShares", NULL }, { "Service", "SuccessAction", NULL },
	{ "Service", "SysVStartPriority", NULL }, { "Unit", "BindTo", NULL },
	{ "Unit", "IgnoreOnSnapshot", NULL }, { "Unit", "OnFailureIsolate", NULL },
	{ "Unit", "PropagateReloadFrom", NULL }, { "Unit", "PropagateReloadTo", NULL },
	{ "Unit", "RequiresOverridable", NULL }, { "Unit", "RequisiteOverridable", NULL },
	{ "Unit", "StartLimitInterval", NULL },
};

static int systemd_key_cmp(const void *a, const void *b)
{
	const struct systemd_key *x = a, *y = b;
	int r = strcmp(x->section, y->section);

	return r ? r : strcmp(x->key, y->key);
}

bool keys_systemd_known(const char *section, const char *key)
{
	struct systemd_key k = { section, key, NULL };

	if (bsearch(&k, systemd_keys, N_ELEM(systemd_keys), sizeof(k), systemd_key_cmp))
		return true;
	for (size_t i = 0; i < N_ELEM(systemd_compat); i++)
		if (systemd_key_cmp(&k, &systemd_compat[i]) == 0)
			return true;
	return false;
}

bool keys_systemd_section(const char *section)
{
	for (size_t i = 0; i < N_ELEM(systemd_keys); i++)
		if (strcmp(systemd_keys[i].section, section) == 0)
			return true;
	return false;
}

static bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Replace *field by a copy of s (NULL: set NULL). */
static int set_str(char **field, const char *s)
{
	char *n = NULL;

	if (s) {
		n = strdup(s);
		if (!n)
			return -ENOMEM;
	}
	free(*field);
	*field = n;
	return 0;
}

struct key_def;

typedef int (*key_parser)(struct key_ctx *c, const struct key_def *k, const char *v);

/* How a field of struct unit_spec compares (unit_spec_equal). */
enum field_kind {
	FK_NONE,                   /* no field */
	FK_SCALAR,                 /* a number, enum or bool: its bytes */
	FK_STR,                    /* char *, NULL allowed */
	FK_STRV,                   /* char **, NULL allowed */
	FK_OUTPUT,                 /* struct unit_output_spec */
	FK_BINDS,                  /* binds[n_binds] */
	FK_CMDS,                   /* exec_start[n_exec_start] */
	FK_CMDLIST,                /* struct unit_cmdlist */
};

struct key_field {
	size_t off, size;          /* in struct unit_spec */
	enum field_kind kind;
};

struct key_def {
	const char *name;
	unsigned sections;
	key_parser parse;
	struct key_field field;    /* the field the key fills (FIELD() in its parser) */
	struct key_field also;     /* another field it changes (limits_set, ...) */
	unsigned flags;            /* parser specific: KF_* or a UNIT_LIM_* bit */
	unsigned spec;             /* KF_SPEC, KF_SPEC_WORDS or 0 */
	uint64_t min, max, dflt;
	const char *const *names;  /* p_enum: the words, indexed by value */
	size_t n_names;
};

enum {
	KF_TIME_FINITE = 1 << 0,   /* no "infinity" */
	KF_TIME_ZERO_INF = 1 << 1, /* 0 means infinity */
	KF_BOUNDING = 1 << 2,
	KF_READ_ONLY = 1 << 3,
	KF_SC_LOG = 1 << 4,        /* SystemCallLog=: no ":ERRNO", no @default */
	KF_COND_PATH = 1 << 5,     /* a Condition/Assert that takes an absolute path */
	KF_COND_BOOL = 1 << 6,     /* ... that takes a boolean */
	KF_SB_BOOL = 1 << 7,       /* p_sb_enum: a boolean too */
};

/* key_def.spec: where specifiers are expanded (as systemd does for the key) */
enum {
	KF_SPEC = 1 << 0,          /* in the whole value */
	KF_SPEC_WORDS = 1 << 1,    /* in each word, after unquoting */
};

#define FIELD(c, k, type) ((type *)(void *)((char *)(c)->spec + (k)->field.off))
#define ALSO(c, k, type) ((type *)(void *)((char *)(c)->spec + (k)->also.off))

void keys_error(struct key_ctx *c, unsigned line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->errors++;
	unit_diag_add(c->diag, "%s:%u: %s", c->path, line, buf);
}

void keys_warn(struct key_ctx *c, unsigned line, const char *fmt, ...)
{
	char buf[1024], *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	unit_diag_warn(c->diag, "%s:%u: %s", c->path, line, buf);
	if (unit_strv_len(c->spec->warnings) >= UNIT_DIAG_MAX ||
	    asprintf(&m, "%s:%u: %s", c->path, line, buf) < 0)
		return;
	(void)unit_strv_push(&c->spec->warnings, m);
}

/* Specifiers in v (the whole of it, or one word): *ret is v itself when it
 * has no '%', else a new string (free it when != v). */
static int spec_expand(struct key_ctx *c, const struct key_def *k, const char *v, char **ret);

/* "FILE:LINE: KEY=: what"; returns -EINVAL for the parser to pass on. */
static int kerr(struct key_ctx *c, const struct key_def *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int kerr(struct key_ctx *c, const struct key_def *k, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->errors++;
	unit_diag_add(c->diag, "%s:%u: %s=: %s", c->path, c->lineno, k->name, buf);
	return -EINVAL;
}

/* Specifiers in every word of v (KF_SPEC_WORDS), in place. */
static int expand_words(struct key_ctx *c, const struct key_def *k, char **v)
{
	for (size_t i = 0; v && v[i]; i++) {
		char *x;
		int r = spec_expand(c, k, v[i], &x);

		if (r < 0)
			return r;
		if (x != v[i]) {
			free(v[i]);
			v[i] = x;
		}
	}
	return 0;
}

/* Split a list value; reports the error itself. */
static int split_list(struct key_ctx *c, const struct key_def *k, const char *v, char ***ret)
{
	const char *err = NULL;
	int r;

	r = unit_split_words(v, ret, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG)
		(void)kerr(c, k, "too many entries (max %d) in \"%s\"", UNIT_LIST_MAX, v);
	else if (r < 0)
		(void)kerr(c, k, "%s in \"%s\"", err, v);
	if (r < 0)
		return -EINVAL;
	r = (k->spec & KF_SPEC_WORDS) ? expand_words(c, k, *ret) : 0;
	if (r < 0) { /* the caller owns *ret only on success */
		unit_strv_free(*ret);
		*ret = NULL;
	}
	return r;
}

static int p_string(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return set_str(FIELD(c, k, char *), v);
}

static int p_path(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!unit_path_abs_valid(v))
		return kerr(c, k, "not an absolute path \"%s\"", v);
	return set_str(FIELD(c, k, char *), v);
}

static int p_bus_name(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!unit_bus_name_valid(v) || v[0] == ':')
		return kerr(c, k, "invalid D-Bus name \"%s\" (expected a well-known name such "
			    "as org.example.Service)", v);
	return set_str(FIELD(c, k, char *), v);
}

static int p_ident(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!unit_ident_valid(v))
		return kerr(c, k, "invalid user or group name \"%s\"", v);
	return set_str(FIELD(c, k, char *), v);
}

/* Append the words of v that pass check (after map) to a list field. */
static int p_list(struct key_ctx *c, const struct key_def *k, const char *v,
		  bool (*check)(const char *), const char *what, bool unit_names)
{
	char ***field = FIELD(c, k, char **), **words = NULL;
	size_t n;
	int r;

	if (!*v) {
		char **e = unit_strv_new();

		if (!e)
			return -ENOMEM;
		unit_strv_free(*field);
		*field = e;
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		size_t len = strlen(words[i]);

		if (unit_names && len > 8 && strcmp(words[i] + len - 8, ".service") == 0)
			words[i][len - 8] = '\0';
		if (!check(words[i])) {
			r = kerr(c, k, "invalid %s \"%s\"", what, words[i]);
			goto out;
		}
	}
	n = unit_strv_len(*field);
	for (size_t i = 0; words[i]; i++) {
		char *w;

		if (unit_strv_contains(*field, words[i]))
			continue;
		if (n >= UNIT_LIST_MAX) {
			r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
			goto out;
		}
		w = strdup(words[i]);
		if (!w) {
			r = -ENOMEM;
			goto out;
		}
		r = unit_strv_push(field, w);
		if (r < 0)
			goto out;
		n++;
	}
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_units(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, unit_name_valid, "unit name", true);
}

/* Condition*= and Assert*=: "KEY=VALUE" appended as written (systemd.unit(5)
 * "Conditions and Asserts"); an empty value resets every condition (or
 * every assert), of any kind. "|" then "!" may prefix the value. A path
 * check with a relative path is ignored with a warning, as systemd does. */
static int p_cond(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***field = FIELD(c, k, char **), *e = NULL;
	const char *p = v;

	if (!*v) {
		char **n = unit_strv_new();

		if (!n)
			return -ENOMEM;
		unit_strv_free(*field);
		*field = n;
		return 0;
	}
	if (*p == '|')
		p++;
	if (*p == '!')
		p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return kerr(c, k, "missing value after \"%.*s\"", (int)(p - v), v);
	if ((k->flags & KF_COND_PATH) && *p != '/') {
		keys_warn(c, c->lineno, "%s=: path \"%s\" is not absolute: ignored", k->name, p);
		return 0;
	}
	if (k->flags & KF_COND_BOOL) {
		bool b;

		if (unit_parse_bool(p, &b) < 0)
			return kerr(c, k, "not a boolean \"%s\"", p);
	}
	if (unit_strv_len(*field) >= UNIT_LIST_MAX)
		return kerr(c, k, "too many conditions (max %d)", UNIT_LIST_MAX);
	if (asprintf(&e, "%s=%s", k->name, v) < 0)
		return -ENOMEM;
	return unit_strv_push(field, e);
}

/* RequiresMountsFor=: absolute paths. */
static bool abs_path_ok(const char *v)
{
	return unit_path_abs_valid(v);
}

static int p_paths(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, abs_path_ok, "absolute path", false);
}

static int p_groups(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, unit_ident_valid, "group name", false);
}

static int lookup(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

static const char *const type_names[] = {
	[UNIT_SIMPLE] = "simple", [UNIT_NOTIFY] = "notify", [UNIT_ONESHOT] = "oneshot",
	[UNIT_EXEC] = "exec", [UNIT_FORKING] = "forking", [UNIT_IDLE] = "idle",
	[UNIT_DBUS] = "dbus", [UNIT_NOTIFY_RELOAD] = "notify-reload",
};
static const char *const restart_names[] = {
	[UNIT_RESTART_NO] = "no", [UNIT_RESTART_ON_FAILURE] = "on-failure",
	[UNIT_RESTART_ALWAYS] = "always", [UNIT_RESTART_ON_SUCCESS] = "on-success",
	[UNIT_RESTART_ON_ABNORMAL] = "on-abnormal", [UNIT_RESTART_ON_WATCHDOG] = "on-watchdog",
	[UNIT_RESTART_ON_ABORT] = "on-abort",
};
static const char *const kill_mode_names[] = {
	[UNIT_KILL_CONTROL_GROUP] = "control-group", [UNIT_KILL_MIXED] = "mixed",
	[UNIT_KILL_PROCESS] = "process", [UNIT_KILL_NONE] = "none",
};
static const char *const notify_access_names[] = {
	[UNIT_NOTIFY_DEFAULT] = NULL, [UNIT_NOTIFY_NONE] = "none", [UNIT_NOTIFY_MAIN] = "main",
	[UNIT_NOTIFY_EXEC] = "exec", [UNIT_NOTIFY_ALL] = "all",
};
static const char *const action_names[] = {
	[UNIT_ACTION_NONE] = "none", [UNIT_ACTION_EXIT] = "exit",
	[UNIT_ACTION_POWEROFF] = "poweroff", [UNIT_ACTION_REBOOT] = "reboot",
};

const char *unit_type_to_string(enum unit_type t)
{
	return t < UNIT_TYPE_MAX ? type_names[t] : "unknown";
}

const char *unit_restart_to_string(enum unit_restart r)
{
	return r < UNIT_RESTART_MAX ? restart_names[r] : "unknown";
}

const char *unit_kill_mode_to_string(enum unit_kill_mode m)
{
	return m < UNIT_KILL_MODE_MAX ? kill_mode_names[m] : "unknown";
}

static const char *const hook_keys[UNIT_HOOK_MAX] = {
	[UNIT_HOOK_CONDITION] = "ExecCondition", [UNIT_HOOK_START_PRE] = "ExecStartPre",
	[UNIT_HOOK_START_POST] = "ExecStartPost", [UNIT_HOOK_RELOAD] = "ExecReload",
	[UNIT_HOOK_STOP] = "ExecStop", [UNIT_HOOK_STOP_POST] = "ExecStopPost",
};

const char *unit_hook_key(enum unit_hook h)
{
	return h < UNIT_HOOK_MAX ? hook_keys[h] : "Exec";
}

/* Type= Restart= SuccessAction= FailureAction=: one word of k->names; empty
 * is the default (k->dflt). */
/* Values systemd 252 documents that svcinit does not implement (yet): a
 * warning, and the nearest value svcinit has. */
static const struct { const char *key, *value, *as; } systemd_values[] = {
	{ "SuccessAction", "poweroff-force", "poweroff" },
	{ "FailureAction", "poweroff-force", "poweroff" },
	{ "SuccessAction", "reboot-force", "reboot" },
	{ "FailureAction", "reboot-force", "reboot" },
};

static int p_enum(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int i = *v ? lookup(k->names, k->n_names, v) : (int)k->dflt;

	for (size_t j = 0; i < 0 && j < N_ELEM(systemd_values); j++)
		if (strcmp(systemd_values[j].key, k->name) == 0 &&
		    strcmp(systemd_values[j].value, v) == 0) {
			i = lookup(k->names, k->n_names, systemd_values[j].as);
			keys_warn(c, c->lineno, "%s=%s is not supported: taken as %s", k->name, v,
				  systemd_values[j].as);
		}
	if (i < 0) {
		char expected[128] = "";
		size_t off = 0, first = 0;

		while (first < k->n_names && !k->names[first])
			first++;   /* a "not given" value has no name */
		for (size_t j = first; j < k->n_names && off < sizeof(expected); j++)
			off += (size_t)snprintf(expected + off, sizeof(expected) - off, "%s%s",
						j == first ? "" : j + 1 == k->n_names ? " or " : ", ",
						k->names[j]);
		return kerr(c, k, "invalid value \"%s\" (expected %s)", v, expected);
	}
	*FIELD(c, k, int) = i;
	return 0;
}

static int p_time(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t t;
	int r;

	if (!*v) {
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	r = unit_parse_time(v, &t);
	if (r == -ERANGE)
		return kerr(c, k, "time out of range \"%s\"", v);
	if (r < 0)
		return kerr(c, k, "invalid time \"%s\"", v);
	if (t == UNIT_INFINITY && (k->flags & KF_TIME_FINITE))
		return kerr(c, k, "must be finite, not \"%s\"", v);
	if (t == 0 && (k->flags & KF_TIME_ZERO_INF))
		t = UNIT_INFINITY;
	*FIELD(c, k, uint64_t) = t;
	return 0;
}

static int p_unsigned(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;

	if (!*v) {
		*FIELD(c, k, unsigned) = (unsigned)k->dflt;
		return 0;
	}
	if (unit_parse_u64(v, &n) < 0 || n < k->min || n > k->max)
		return kerr(c, k, "invalid number \"%s\" (expected %llu..%llu)", v,
			    (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(c, k, unsigned) = (unsigned)n;
	return 0;
}

static int p_bool(struct key_ctx *c, const struct key_def *k, const char *v)
{
	bool b;

	if (!*v) {
		*FIELD(c, k, bool) = k->dflt != 0;
		return 0;
	}
	if (unit_parse_bool(v, &b) < 0)
		return kerr(c, k, "invalid boolean \"%s\" (expected yes or no)", v);
	*FIELD(c, k, bool) = b;
	return 0;
}

void keys_cmds_free(struct unit_cmd *cmds, size_t n)
{
	for (size_t i = 0; cmds && i < n; i++) {
		unit_strv_free(cmds[i].argv);
		free(cmds[i].path);
	}
	free(cmds);
}

/* systemd's prefixes of an Exec line, in any order (systemd.service(5)
 * "COMMAND LINES"): '-' '@' ':' '+' '!' "!!". Returns their length and
 * *ret_flags, or -1 when they do not go together ('+' with '!'). */
static int exec_prefix(const char *w, unsigned *ret_flags)
{
	unsigned f = 0;
	size_t i = 0;

	for (;; i++) {
		unsigned bit;

		switch (w[i]) {
		case '-': bit = UNIT_CMD_IGNORE; break;
		case '@': bit = UNIT_CMD_ARGV0; break;
		case ':': bit = UNIT_CMD_NO_EXPAND; break;
		case '+': bit = UNIT_CMD_PRIVILEGED; break;
		case '!':
			bit = w[i + 1] == '!' ? UNIT_CMD_AMBIENT : UNIT_CMD_NO_SETUID;
			if (w[i + 1] == '!')
				i++;
			break;
		default:
			*ret_flags = f;
			if ((f & UNIT_CMD_PRIVILEGED) && (f & (UNIT_CMD_NO_SETUID | UNIT_CMD_AMBIENT)))
				return -1;
			return (int)i;
		}
		if (f & bit)
			return -1;   /* twice: systemd refuses it too */
		f |= bit;
	}
}

/* ExecStart= and the other Exec*= keys (k->flags: 0 ExecStart, else the
 * unit_hook + 1): one or more commands (a bare ";" separates them),
 * appended; empty resets. Several ExecStart= commands are checked in
 * keys_check (they need Type=oneshot, which a later line or drop-in may
 * set). */
static int p_exec(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_spec *s = c->spec;
	bool start = k->flags == 0;
	struct unit_cmdlist *hook = start ? NULL : &s->hooks[k->flags - 1];
	struct unit_cmd **list = start ? &s->exec_start : &hook->v;
	size_t *count = start ? &s->n_exec_start : &hook->n;
	char ***cmds = NULL, **paths = NULL;
	unsigned *flags = NULL;
	struct unit_cmd *nc;
	const char *err = NULL;
	size_t n = 0;
	int r;

	if (start)
		c->exec_bad = true;
	if (!*v) {
		keys_cmds_free(*list, *count);
		*list = NULL;
		*count = 0;
		if (start) {
			s->argv = NULL;
			c->exec_more.path = NULL;
			c->exec_bad = false;
		}
		return 0;
	}
	r = unit_split_commands(v, &cmds, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG)
		return kerr(c, k, "too many words (max %d)", UNIT_LIST_MAX);
	if (r < 0)
		return kerr(c, k, "%s in \"%s\"", err, v);
	while (cmds[n])
		n++;
	flags = calloc(n, sizeof(*flags));
	paths = calloc(n + 1, sizeof(*paths));
	if (!flags || !paths) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		char **argv = cmds[i];
		int np = exec_prefix(argv[0], &flags[i]);

		if (np < 0) {
			r = kerr(c, k, "invalid prefix in \"%s\" ('+' does not go with '!', and "
				 "none may be given twice)", argv[0]);
			goto out;
		}
		memmove(argv[0], argv[0] + np, strlen(argv[0] + np) + 1);
		r = expand_words(c, k, argv);
		if (r < 0)
			goto out;
		if (!argv[0][0]) {
			r = kerr(c, k, "empty program name in \"%s\"", v);
			goto out;
		}
		if (argv[0][0] != '/' && strchr(argv[0], '/')) {
			r = kerr(c, k, "relative path \"%s\" (use an absolute path, or a bare name "
				 "looked up in PATH)", argv[0]);
			goto out;
		}
		if (flags[i] & UNIT_CMD_ARGV0) {
			/* '@': the program, then argv[0] as the process sees it */
			if (!argv[1]) {
				r = kerr(c, k, "'@' needs the program and then argv[0] in \"%s\"", v);
				goto out;
			}
			paths[i] = argv[0];
			memmove(&argv[0], &argv[1], unit_strv_len(argv) * sizeof(*argv));
		}
	}
	if (*count + n > UNIT_LIST_MAX) {
		r = kerr(c, k, "too many commands (max %d)", UNIT_LIST_MAX);
		goto out;
	}
	nc = realloc(*list, (*count + n) * sizeof(*nc));
	if (!nc) {
		r = -ENOMEM;
		goto out;
	}
	*list = nc;
	if (start && *count + n > 1 && !c->exec_more.path) {
		c->exec_more.path = c->path;
		c->exec_more.line = c->lineno;
	}
	for (size_t i = 0; i < n; i++) {
		nc[*count].flags = flags[i];
		nc[*count].argv = cmds[i];
		nc[*count].path = paths[i];
		(*count)++;
		cmds[i] = NULL;
		paths[i] = NULL;
	}
	if (start) {
		s->argv = s->exec_start[0].argv;
		c->exec_bad = false;
	}
	r = 0;
out:
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	unit_cmds_free(cmds);
	free(flags);
	return r;
}

/* SuccessExitStatus= RestartPreventExitStatus= RestartForceExitStatus=:
 * exit codes 0..255 and signal names (or numbers with SIG prefix), added
 * up; empty resets. */
static int p_exit_status(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_status_set *set = FIELD(c, k, struct unit_status_set), add = { { 0 }, 0 };
	char **words = NULL;
	int r;

	if (!*v) {
		memset(set, 0, sizeof(*set));
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		uint64_t n;
		int sig;

		if (unit_parse_u64(words[i], &n) == 0) {
			if (n > 255) {
				r = kerr(c, k, "exit status out of range \"%s\" (expected 0..255)",
					 words[i]);
				goto out;
			}
			add.codes[n / 64] |= UINT64_C(1) << (n % 64);
		} else if (!is_digit(words[i][0]) && unit_parse_signal(words[i], &sig) == 0 &&
			   sig >= 1 && sig <= 64) {
			add.signals |= UINT64_C(1) << (sig - 1);
		} else {
			r = kerr(c, k, "invalid exit status \"%s\" (expected 0..255 or a signal "
				 "name)", words[i]);
			goto out;
		}
	}
	for (int i = 0; i < 4; i++)
		set->codes[i] |= add.codes[i];
	set->signals |= add.signals;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

/* A signal; empty: k->dflt (KillSignal= SIGTERM, RestartKillSignal= 0, that
 * is KillSignal=, FinalKillSignal= SIGKILL). */
static int p_signal(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int sig;

	if (!*v) {
		*FIELD(c, k, int) = (int)k->dflt;
		return 0;
	}
	if (unit_parse_signal(v, &sig) < 0)
		return kerr(c, k, "invalid signal \"%s\"", v);
	*FIELD(c, k, int) = sig;
	return 0;
}

/* TimeoutSec=: TimeoutStartSec= and TimeoutStopSec= at once. */
static int p_timeout_both(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_spec *s = c->spec;
	uint64_t t;
	int r;

	if (!*v) {
		s->timeout_start_usec = 90 * USEC_PER_SEC;
		s->timeout_stop_usec = 10 * USEC_PER_SEC;
		return 0;
	}
	r = unit_parse_time(v, &t);
	if (r < 0)
		return kerr(c, k, "invalid time \"%s\"", v);
	if (t == 0)
		t = UNIT_INFINITY;
	s->timeout_start_usec = s->timeout_stop_usec = t;
	return 0;
}

static int p_env(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***env = FIELD(c, k, char **), **words = NULL;
	size_t n = 0;
	int r;

	if (!*v)
		return p_list(c, k, v, NULL, NULL, false); /* reset */
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	n = unit_strv_len(words);
	for (size_t i = 0; i < n; i++) {
		if (!unit_env_assignment_valid(words[i])) {
			r = kerr(c, k, "invalid assignment \"%s\" (expected NAME=VALUE)", words[i]);
			goto out;
		}
	}
	/* words[i] moves into the list (NULL here once moved) */
	for (size_t i = 0; i < n; i++) {
		size_t nlen = (size_t)(strchr(words[i], '=') - words[i]) + 1, j;

		for (j = 0; (*env)[j]; j++)
			if (strncmp((*env)[j], words[i], nlen) == 0)
				break;
		if ((*env)[j]) { /* NAME given before: replaced in place */
			free((*env)[j]);
			(*env)[j] = words[i];
			words[i] = NULL;
			continue;
		}
		if (j >= UNIT_LIST_MAX) {
			r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
			goto out;
		}
		r = unit_strv_push(env, words[i]);
		words[i] = NULL;
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	for (size_t i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

static int p_env_file(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***field = FIELD(c, k, char **), *w;

	if (!*v)
		return p_list(c, k, v, NULL, NULL, false); /* reset */
	if (!unit_path_abs_valid(v[0] == '-' ? v + 1 : v))
		return kerr(c, k, "not an absolute path \"%s\"", v);
	if (unit_strv_len(*field) >= UNIT_LIST_MAX)
		return kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
	w = strdup(v);
	if (!w)
		return -ENOMEM;
	return unit_strv_push(field, w);
}

/* CapabilityBoundingSet= / AmbientCapabilities=: libcap names, "~" inverts.
 * First assignment sets, later ones OR in (or AND out with "~"). */
static int p_caps(struct key_ctx *c, const struct key_def *k, const char *v)
{
	bool bounding = k->flags & KF_BOUNDING;
	bool *given = bounding ? &c->spec->capability_bounding_set_given : &c->ambient_given;
	uint64_t *set = FIELD(c, k, uint64_t), sum = 0;
	bool invert = v[0] == '~';
	char **words = NULL;
	int r;

	if (!*v) {
		/* as systemd: an empty bounding set drops every capability, an
		 * empty ambient set raises none; later lines add to it */
		*given = bounding;
		*set = 0;
		return 0;
	}
	r = split_list(c, k, v + invert, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		cap_value_t cap;
		bool ok = words[i][0] != '\0';

		/* cap_from_name() stops at a ',' and ignores the rest: check first */
		for (const char *q = words[i]; *q; q++)
			if (!is_alpha(*q) && !is_digit(*q) && *q != '_')
				ok = false;
		if (!ok || cap_from_name(words[i], &cap) < 0 || cap < 0 || cap > 63) {
			r = kerr(c, k, "unknown capability \"%s\"", words[i]);
			goto out;
		}
		sum |= UINT64_C(1) << cap;
	}
	if (!*given)
		*set = invert ? ~sum : sum;
	else if (invert)
		*set &= ~sum;
	else
		*set |= sum;
	*given = true;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_output(struct key_ctx *c, const struct key_def *k, const char *v)
{
	static const char *const simple[] = {
		[UNIT_OUTPUT_LOG] = "log", [UNIT_OUTPUT_CONSOLE] = "console",
		[UNIT_OUTPUT_NULL] = "null", [UNIT_OUTPUT_INHERIT] = "inherit",
		[UNIT_OUTPUT_TTY] = "tty",
	};
	struct unit_output_spec *o = FIELD(c, k, struct unit_output_spec);
	enum unit_output kind;
	const char *path = NULL;
	char *copy = NULL;
	int i;

	if (!*v) {
		i = UNIT_OUTPUT_LOG;
	} else {
		i = lookup(simple, N_ELEM(simple), v);
	}
	if (i >= 0) {
		kind = (enum unit_output)i;
	} else if (strncmp(v, "file:", 5) == 0) {
		kind = UNIT_OUTPUT_FILE;
		path = v + 5;
	} else if (strncmp(v, "append:", 7) == 0) {
		kind = UNIT_OUTPUT_APPEND;
		path = v + 7;
	} else {
		return kerr(c, k, "invalid value \"%s\" (expected log, console, null, inherit, "
			    "tty, file:PATH or append:PATH)", v);
	}
	if (path) {
		if (!unit_path_abs_valid(path))
			return kerr(c, k, "not an absolute path \"%s\"", path);
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(o->path);
	o->path = copy;
	o->kind = kind;
	return 0;
}

static int p_namespaces(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char **words = NULL;
	unsigned ns = 0;
	bool none = false;
	int r;

	if (!*v)
		return kerr(c, k, "empty value (use \"none\" for the host's namespaces)");
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		unsigned bit;

		if (strcmp(words[i], "none") == 0) {
			none = true;
			continue;
		}
		bit = unit_ns_from_name(words[i]);
		if (!bit) {
			r = kerr(c, k, "unknown namespace \"%s\" (expected pid, net, ipc, mnt, "
				 "uts, cgroup, user or none)", words[i]);
			goto out;
		}
		ns |= bit;
	}
	if (none && (ns || unit_strv_len(words) > 1)) {
		r = kerr(c, k, "\"none\" cannot be combined with other namespaces in \"%s\"", v);
		goto out;
	}
	*FIELD(c, k, unsigned) = ns;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_hostname(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (*v && !unit_hostname_valid(v))
		return kerr(c, k, "invalid hostname \"%s\"", v);
	return set_str(FIELD(c, k, char *), *v ? v : NULL);
}

static void binds_free(struct unit_spec *s)
{
	for (size_t i = 0; i < s->n_binds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
	}
	free(s->binds);
	s->binds = NULL;
	s->n_binds = 0;
}

static int p_binds(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_spec *s = c->spec;
	struct unit_bind *nb;
	char **words = NULL;
	size_t n;
	int r;

	if (!*v) {
		binds_free(s);
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (n = 0; words[n]; n++) {
		char *w = words[n] + (words[n][0] == '-'), *colon = strchr(w, ':');

		if (colon)
			*colon = '\0';
		if (!unit_path_abs_valid(w) || (colon && (!unit_path_abs_valid(colon + 1) ||
						     strchr(colon + 1, ':')))) {
			if (colon)
				*colon = ':';
			r = kerr(c, k, "invalid bind \"%s\" (expected [-]SRC[:DST], absolute paths)",
				 words[n]);
			goto out;
		}
		if (colon)
			*colon = ':';
	}
	if (s->n_binds + n > UNIT_LIST_MAX) {
		r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
		goto out;
	}
	nb = realloc(s->binds, (s->n_binds + n + 1) * sizeof(*nb));
	if (!nb) {
		r = -ENOMEM;
		goto out;
	}
	s->binds = nb;
	for (size_t i = 0; words[i]; i++) {
		struct unit_bind *b = &s->binds[s->n_binds];
		bool optional = words[i][0] == '-';
		char *src = words[i] + optional, *colon = strchr(src, ':');

		b->read_only = k->flags & KF_READ_ONLY;
		b->optional = optional;
		b->src = strndup(src, colon ? (size_t)(colon - src) : strlen(src));
		b->dst = strdup(colon ? colon + 1 : src);
		if (!b->src || !b->dst) {
			free(b->src);
			free(b->dst);
			r = -ENOMEM;
			goto out;
		}
		s->n_binds++;
	}
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

/* MemoryMax= MemoryHigh=: size or infinity. */
static int p_mem(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;
	int r;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	if (strpbrk(v, "%\xe2")) {   /* N% of physical memory, at load (as systemd) */
		unsigned pm;

		if (unit_parse_permyriad(v, &pm) < 0)
			return kerr(c, k, "invalid percentage \"%s\" (expected 0%%..100%%)", v);
		n = unit_scale_permyriad(unit_host_memory(), pm);
		r = 0;
	} else {
		r = unit_parse_size(v, &n);
	}
	if (r == -ERANGE)
		return kerr(c, k, "size out of range \"%s\"", v);
	if (r < 0)
		return kerr(c, k, "invalid size \"%s\" (expected bytes, K, M, G, T or infinity)", v);
	*FIELD(c, k, uint64_t) = n;
	c->spec->limits_set |= k->flags;
	return 0;
}

/* CPUWeight= IOWeight= TasksMax=: a number in min..max ("infinity" when
 * dflt is UNIT_INFINITY). */
static int p_limit_num(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	if (k->dflt == UNIT_INFINITY && strcmp(v, "infinity") == 0) {
		n = UNIT_INFINITY;
	} else if (k->flags == UNIT_LIM_TASKS_MAX && strpbrk(v, "%\xe2")) {
		unsigned pm;

		/* TasksMax=N%: of the kernel's task limit (at load, as systemd) */
		if (unit_parse_permyriad(v, &pm) < 0)
			return kerr(c, k, "invalid percentage \"%s\" (expected 0%%..100%%)", v);
		n = unit_scale_permyriad(unit_host_tasks_max(), pm);
		if (n < 1)
			n = 1;
	} else if (unit_parse_u64(v, &n) < 0 || n < k->min || n > k->max)
		return k->dflt == UNIT_INFINITY ?
			kerr(c, k, "invalid value \"%s\" (expected a number >= %llu, or infinity)",
			     v, (unsigned long long)k->min) :
			kerr(c, k, "invalid value \"%s\" (expected %llu..%llu)", v,
			     (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(c, k, uint64_t) = n;
	c->spec->limits_set |= k->flags;
	return 0;
}

static int p_quota(struct key_ctx *c, const struct key_def *k, const char *v)
{
	size_t len = strlen(v);
	char num[32];
	uint64_t n;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		*FIELD(c, k, uint64_t) = 0;
		return 0;
	}
	if (len < 2 || len >= sizeof(num) || v[len - 1] != '%')
		return kerr(c, k, "invalid quota \"%s\" (expected a percentage, e.g. 50%%)", v);
	memcpy(num, v, len - 1);
	num[len - 1] = '\0';
	if (unit_parse_u64(num, &n) < 0 || n < k->min || n > k->max)
		return kerr(c, k, "invalid quota \"%s\" (expected %llu%%..%llu%%)", v,
			    (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(c, k, uint64_t) = n;
	c->spec->limits_set |= k->flags;
	return 0;
}

static int p_cpus(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char *cpus = NULL;
	int r;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		return set_str(FIELD(c, k, char *), NULL);
	}
	r = unit_parse_cpus(v, &cpus);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kerr(c, k, "invalid CPU list \"%s\" (expected e.g. 0-1,3; CPUs < %d)",
			    v, UNIT_CPU_MAX);
	free(*FIELD(c, k, char *));
	*FIELD(c, k, char *) = cpus;
	c->spec->limits_set |= k->flags;
	return 0;
}

static bool env_name_valid(const char *s)
{
	if (!*s || is_digit(*s))
		return false;
	for (; *s; s++)
		if (!(*s == '_' || is_alpha(*s) || is_digit(*s)))
			return false;
	return true;
}

static bool unset_valid(const char *s)
{
	return env_name_valid(s) || unit_env_assignment_valid(s);
}

/* [Install] names: full unit names as systemd's (escapes allowed). */
static bool install_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255 || strchr(s, '/') || !strchr(s, '.'))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int p_env_names(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, env_name_valid, "variable name", false);
}

static int p_unset(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, unset_valid, "variable name or NAME=VALUE", false);
}

static int p_install(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, install_name_valid, "unit name", false);
}

static int p_instance(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (*v && (strlen(v) > UNIT_NAME_MAX || strpbrk(v, "/ \t")))
		return kerr(c, k, "invalid instance name \"%s\"", v);
	return set_str(FIELD(c, k, char *), *v ? v : NULL);
}

/* ---- seccomp keys (units/syscall.h; services/seccomp.c compiles them) ---- */

/* Every member of group (NUL-separated) libseccomp knows, into *set. */
static int syscall_group_apply(struct key_ctx *c, const struct key_def *k, char ***set,
			       const char *members, int err, bool add)
{
	for (const char *m = members; *m; m += strlen(m) + 1) {
		int r;

		if (!unit_syscall_known(m))
			continue;   /* another architecture's (as systemd, silently) */
		r = unit_syscall_set_apply(set, m, err, add);
		if (r == -E2BIG)
			return kerr(c, k, "too many system calls (max %d)", UNIT_SYSCALLS_MAX);
		if (r < 0)
			return r;
	}
	return 0;
}

/* SystemCallFilter= and SystemCallLog= (KF_SC_LOG), as systemd reads them:
 * the first non-empty assignment decides the mode (allow-list, or "~"
 * deny-list) and an allow-list starts with @default; a later line of the
 * same kind adds its names, one of the other kind removes them; empty
 * resets. NAME:ERRNO (deny-list only) returns ERRNO ("kill": SIGSYS). An
 * unknown @group is an error, an unknown system call name a warning (systemd
 * ignores it). */
static int p_syscalls(struct key_ctx *c, const struct key_def *k, const char *v)
{
	bool log = k->flags & KF_SC_LOG, invert = v[0] == '~', add;
	char ***set = FIELD(c, k, char **), **words = NULL;
	unsigned *flags = ALSO(c, k, unsigned);
	int r;

	if (!*v) {
		unit_strv_free(*set);
		*set = NULL;
		*flags = 0;
		return 0;
	}
	r = split_list(c, k, v + invert, &words);
	if (r < 0)
		return r;
	if (!(*flags & UNIT_SC_GIVEN)) {
		*flags = UNIT_SC_GIVEN | (invert ? 0 : UNIT_SC_ALLOW);
		if (!*set && !(*set = unit_strv_new())) {
			r = -ENOMEM;
			goto out;
		}
		if (!invert && !log) {
			r = syscall_group_apply(c, k, set, unit_syscall_group("@default", NULL),
						UNIT_SC_NONE, true);
			if (r < 0)
				goto out;
		}
	}
	add = !invert == !!(*flags & UNIT_SC_ALLOW);
	for (size_t i = 0; words[i]; i++) {
		char *w = words[i], *colon = log ? NULL : strchr(w, ':');
		const char *members;
		int err = UNIT_SC_NONE;

		if (colon) {
			*colon = '\0';
			if (unit_syscall_errno(colon + 1, false, &err) < 0) {
				r = kerr(c, k, "invalid error number \"%s\" in \"%s:%s\" (expected "
					 "an errno name such as EPERM, 0..%d, or kill)", colon + 1, w,
					 colon + 1, UNIT_SC_ERRNO_MAX);
				goto out;
			}
			if (!invert) {   /* as systemd */
				keys_warn(c, c->lineno, "%s=: an allow-listed system call takes no "
					  "error number: \"%s:%s\" ignored", k->name, w, colon + 1);
				continue;
			}
		}
		if (w[0] == '@') {
			members = unit_syscall_group(w, NULL);
			if (!members) {
				r = kerr(c, k, "unknown system call group \"%s\" (systemd %s's "
					 "groups: see systemd.exec(5))", w,
					 unit_syscall_groups_version());
				goto out;
			}
			r = syscall_group_apply(c, k, set, members, err, add);
		} else if (!unit_syscall_known(w)) {
			keys_warn(c, c->lineno, "%s=: unknown system call \"%s\": ignored", k->name, w);
			r = 0;
		} else {
			r = unit_syscall_set_apply(set, w, err, add);
			if (r == -E2BIG)
				r = kerr(c, k, "too many system calls (max %d)", UNIT_SYSCALLS_MAX);
		}
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

/* SystemCallErrorNumber=: an errno name or 1..4095; "kill" or empty: SIGSYS
 * (0); "log": logged and allowed. */
static int p_syscall_errno(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int e = 0;

	if (*v && (unit_syscall_errno(v, true, &e) < 0 || e == 0))
		return kerr(c, k, "invalid value \"%s\" (expected an errno name such as EPERM, "
			    "1..%d, kill or log)", v, UNIT_SC_ERRNO_MAX);
	*FIELD(c, k, int) = e == UNIT_SC_KILL ? 0 : e;
	return 0;
}

/* SystemCallArchitectures=: names accumulate, empty resets; an unknown one
 * is a warning (as systemd). */
static int p_syscall_archs(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***set = FIELD(c, k, char **), **words = NULL;
	int r;

	if (!*v) {
		unit_strv_free(*set);
		*set = NULL;
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		char *w;

		if (!unit_arch_token(words[i])) {
			keys_warn(c, c->lineno, "%s=: unknown architecture \"%s\": ignored", k->name,
				  words[i]);
			continue;
		}
		if (unit_strv_contains(*set, words[i]))
			continue;
		if (!(w = strdup(words[i])) || unit_strv_push(set, w) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (!*set && !(*set = unit_strv_new()))
		r = -ENOMEM;
out:
	unit_strv_free(words);
	return r;
}

/* RestrictAddressFamilies=: "none" (nothing allowed), AF_ names to allow or
 * "~" ones to deny; the first assignment decides the mode and later ones add
 * or remove, as SystemCallFilter=; empty resets. An unknown name is a
 * warning (as systemd). */
static int p_address_families(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t *set = FIELD(c, k, uint64_t);
	unsigned *flags = ALSO(c, k, unsigned);
	bool invert = v[0] == '~', add;
	char **words = NULL;
	int r;

	if (!*v || strcmp(v, "none") == 0) {
		*set = 0;
		*flags = *v ? UNIT_SC_ALLOW : 0;   /* none: an allow-list of nothing */
		return 0;
	}
	r = split_list(c, k, v + invert, &words);
	if (r < 0)
		return r;
	if (!(*flags & UNIT_SC_GIVEN)) {
		*flags = UNIT_SC_GIVEN | (invert ? 0 : UNIT_SC_ALLOW);
		*set = 0;
	}
	add = !invert == !!(*flags & UNIT_SC_ALLOW);
	for (size_t i = 0; words[i]; i++) {
		int af = unit_af_from_name(words[i]);

		if (af < 0 || af > 63) {
			keys_warn(c, c->lineno, "%s=: unknown address family \"%s\": ignored",
				  k->name, words[i]);
			continue;
		}
		if (add)
			*set |= UINT64_C(1) << af;
		else
			*set &= ~(UINT64_C(1) << af);
	}
	unit_strv_free(words);
	return 0;
}

/* RestrictNamespaces=: yes (none allowed), no (all), a list of names to
 * allow or "~" ones to forbid. The first list sets, later ones OR in (or
 * with "~" take out), as systemd; yes/no replace; empty resets. */
static int p_restrict_ns(struct key_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t *allowed = FIELD(c, k, uint64_t), fl = 0;
	unsigned *flags = ALSO(c, k, unsigned);
	bool invert = v[0] == '~', b;
	char **words = NULL;
	int r;

	if (!*v) {
		*allowed = 0;
		*flags = 0;
		return 0;
	}
	if (unit_parse_bool(v, &b) == 0) {
		*allowed = b ? 0 : UNIT_NS_FLAGS_ALL;
		*flags = UNIT_SC_GIVEN;
		return 0;
	}
	r = split_list(c, k, v + invert, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		unsigned long f = unit_ns_flag(words[i]);

		if (!f) {
			r = kerr(c, k, "unknown namespace type \"%s\" (expected yes, no, or cgroup, "
				 "ipc, net, mnt, pid, user, uts)", words[i]);
			goto out;
		}
		fl |= f;
	}
	if (!(*flags & UNIT_SC_GIVEN))
		*allowed = invert ? ~fl & UNIT_NS_FLAGS_ALL : fl;
	else if (invert)
		*allowed &= ~fl;
	else
		*allowed |= fl;
	*flags = UNIT_SC_GIVEN;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

/* ---- systemd's sandboxing keys (units/sandbox.h) ---- */

static const char *const ps_names[] = {
	[UNIT_PS_NO] = "no", [UNIT_PS_YES] = "yes", [UNIT_PS_FULL] = "full",
	[UNIT_PS_STRICT] = "strict",
};
static const char *const ph_names[] = {
	[UNIT_PH_NO] = "no", [UNIT_PH_YES] = "yes", [UNIT_PH_READ_ONLY] = "read-only",
	[UNIT_PH_TMPFS] = "tmpfs",
};
static const char *const pp_names[] = {
	[UNIT_PP_DEFAULT] = "default", [UNIT_PP_NOACCESS] = "noaccess",
	[UNIT_PP_INVISIBLE] = "invisible", [UNIT_PP_PTRACEABLE] = "ptraceable",
};
static const char *const subset_names[] = { [UNIT_PROC_ALL] = "all", [UNIT_PROC_PID] = "pid" };

/* ProtectSystem= ProtectHome= (a boolean too: yes is 1) ProtectProc=
 * ProcSubset=: one of k->names; empty is the default (0). */
static int p_sb_enum(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int i = *v ? lookup(k->names, k->n_names, v) : 0;
	bool b;

	if (i < 0 && (k->flags & KF_SB_BOOL) && unit_parse_bool(v, &b) == 0)
		i = b;
	if (i < 0) {
		char expected[128] = "";
		size_t off = 0;

		for (size_t j = 0; j < k->n_names && off < sizeof(expected); j++)
			off += (size_t)snprintf(expected + off, sizeof(expected) - off, "%s%s",
						j == 0 ? "" : j + 1 == k->n_names ? " or " : ", ",
						k->names[j]);
		return kerr(c, k, "invalid value \"%s\" (expected %s)", v, expected);
	}
	*FIELD(c, k, int) = i;
	return 0;
}

static bool sb_path_ok(const char *w)
{
	const char *p;
	bool opt, in_root;

	return unit_sandbox_path(w, &p, &opt, &in_root) == 0;
}

static bool sb_tmpfs_ok(const char *w)
{
	const char *colon = strchr(w, ':'), *bad;
	char path[4096], data[256];
	unsigned long flags;
	size_t n = colon ? (size_t)(colon - w) : strlen(w);

	if (n >= sizeof(path))
		return false;
	memcpy(path, w, n);
	path[n] = '\0';
	return sb_path_ok(path) && path[0] == '/' &&
	       unit_tmpfs_options(colon ? colon + 1 : NULL, &flags, data, sizeof(data), &bad) == 0;
}

/* ReadWritePaths= and its kin: "-" and "+" prefixes, absolute paths;
 * accumulate, empty resets. */
static int p_sb_paths(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, sb_path_ok, "path (expected [-][+]/ABSOLUTE)", false);
}

/* TemporaryFileSystem=PATH[:OPTIONS] */
static int p_sb_tmpfs(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, sb_tmpfs_ok, "mount point or option (expected /PATH[:OPTIONS], "
		      "options ro rw dev nodev exec noexec suid nosuid strictatime "
		      "nostrictatime size= nr_inodes= mode= uid= gid=)", false);
}

/* ---- BPF programs on the unit's cgroup (services/cgroup-bpf.c) ---------- */

static const char *const devpol_names[] = {
	[UNIT_DEVPOL_AUTO] = "auto", [UNIT_DEVPOL_CLOSED] = "closed",
	[UNIT_DEVPOL_STRICT] = "strict",
};

/* DeviceAllow=SPECIFIER [ACCESS]: one entry per assignment, kept as
 * "SPECIFIER ACCESS"; the same specifier again adds its access (as
 * systemd); empty resets. */
static int p_device_allow(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***field = FIELD(c, k, char **), *m, acc[4];
	const char *sp, *why;
	unsigned access;
	size_t len, n;

	if (!*v) {
		char **e = unit_strv_new();

		if (!e)
			return -ENOMEM;
		unit_strv_free(*field);
		*field = e;
		return 0;
	}
	if (unit_device_allow_parse(v, &sp, &len, &access, &why) < 0)
		return kerr(c, k, "invalid value \"%s\": %s", v, why);
	n = unit_strv_len(*field);
	for (size_t i = 0; i < n; i++) {
		const char *osp, *owhy;
		size_t olen;
		unsigned oacc;

		if (unit_device_allow_parse((*field)[i], &osp, &olen, &oacc, &owhy) == 0 &&
		    olen == len && strncmp(osp, sp, len) == 0) {
			if (asprintf(&m, "%.*s %s", (int)len, sp,
				     unit_device_access_str(access | oacc, acc)) < 0)
				return -ENOMEM;
			free((*field)[i]);
			(*field)[i] = m;
			return 0;
		}
	}
	if (n >= UNIT_LIST_MAX)
		return kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
	if (asprintf(&m, "%.*s %s", (int)len, sp, unit_device_access_str(access, acc)) < 0)
		return -ENOMEM;
	return unit_strv_push(field, m);
}

static bool ip_word_ok(const char *w)
{
	struct unit_ip_prefix p[2];

	return unit_ip_prefix_parse(w, p) > 0;
}

/* IPAddressAllow= IPAddressDeny=: words of units/ipaddr.h; accumulate,
 * empty resets. */
static int p_ip_list(struct key_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, ip_word_ok, "address (expected ADDRESS[/PREFIXLENGTH], any, "
		      "localhost, link-local or multicast)", false);
}

/* ---- health checks (svcinit's own keys) ---------------------------------- */

static const struct key_def *key_find(const char *name);

static const char *const health_action_names[] = {
	[UNIT_HEALTH_RESTART] = "restart", [UNIT_HEALTH_STOP] = "stop",
	[UNIT_HEALTH_IGNORE] = "none", [UNIT_HEALTH_EXIT] = "exit",
	[UNIT_HEALTH_POWEROFF] = "poweroff", [UNIT_HEALTH_REBOOT] = "reboot",
};

static void health_check_reset(struct unit_health *h)
{
	free(h->text);
	h->text = NULL;
	unit_strv_free(h->cmd.argv);
	h->cmd.argv = NULL;
	h->cmd.flags = 0;
	h->kind = UNIT_HEALTH_NONE;
	h->family = 0;
	memset(h->addr, 0, sizeof(h->addr));
	h->port = 0;
	h->host[0] = h->path[0] = '\0';
}

/* "exec:COMMAND" is an ExecStart= line: p_exec itself splits, expands the
 * specifiers and checks it, into a scratch spec (it fills a spec's
 * exec_start), under the name HealthCheck= for its messages. One command. */
static int health_exec(struct key_ctx *c, const struct key_def *k, const char *cmd)
{
	const struct key_def *ek = key_find("ExecStart");
	struct key_def hk = *ek;
	struct unit_spec scratch;
	struct unit_spec *real = c->spec;
	struct key_loc more = c->exec_more;
	bool bad = c->exec_bad;
	int r;

	memset(&scratch, 0, sizeof(scratch));
	scratch.warnings = real->warnings;   /* p_exec's warnings are the unit's */
	hk.name = k->name;
	c->spec = &scratch;
	r = p_exec(c, &hk, cmd);
	c->spec = real;
	real->warnings = scratch.warnings;
	c->exec_more = more;
	c->exec_bad = bad;
	if (r == 0 && scratch.n_exec_start != 1)
		r = kerr(c, k, "exec: takes one command, not %zu", scratch.n_exec_start);
	if (r == 0) {
		real->health.cmd = scratch.exec_start[0];
		scratch.exec_start[0].argv = NULL;
	}
	keys_cmds_free(scratch.exec_start, scratch.n_exec_start);
	return r;
}

/* HOST:PORT of http:// and tcp:, HOST an address (IPv4, [IPv6]) or
 * "localhost": no name is looked up, inside the unit or out. */
static int health_hostport(struct key_ctx *c, const struct key_def *k, const char *v,
			   size_t len, unsigned dflt_port, struct unit_health *h)
{
	char host[64], port[8];
	const char *colon;
	size_t hl;
	uint64_t n;

	if (len && v[0] == '[') {
		const char *end = memchr(v, ']', len);

		if (!end)
			return kerr(c, k, "missing ']' in \"%.*s\"", (int)len, v);
		hl = (size_t)(end - v - 1);
		colon = end + 1 < v + len ? end + 1 : NULL;
		if (colon && *colon != ':')
			return kerr(c, k, "expected ':PORT' after ']' in \"%.*s\"", (int)len, v);
		if (hl >= sizeof(host))
			return kerr(c, k, "address too long in \"%.*s\"", (int)len, v);
		memcpy(host, v + 1, hl);
	} else {
		colon = memchr(v, ':', len);
		hl = colon ? (size_t)(colon - v) : len;
		if (hl >= sizeof(host))
			return kerr(c, k, "address too long in \"%.*s\"", (int)len, v);
		memcpy(host, v, hl);
	}
	host[hl] = '\0';
	if (colon) {
		size_t pl = (size_t)(v + len - colon - 1);

		if (pl == 0 || pl >= sizeof(port))
			return kerr(c, k, "invalid port in \"%.*s\"", (int)len, v);
		memcpy(port, colon + 1, pl);
		port[pl] = '\0';
		if (unit_parse_u64(port, &n) < 0 || n < 1 || n > 65535)
			return kerr(c, k, "invalid port \"%s\" (expected 1..65535)", port);
		h->port = (unsigned)n;
	} else if (dflt_port) {
		h->port = dflt_port;
	} else {
		return kerr(c, k, "missing port in \"%.*s\" (expected HOST:PORT)", (int)len, v);
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, h->addr) == 1)
		h->family = AF_INET;
	else if (inet_pton(AF_INET6, host, h->addr) == 1)
		h->family = AF_INET6;
	else
		return kerr(c, k, "\"%s\" is not an IP address (or localhost): no name is looked "
			    "up for a check", host);
	snprintf(h->host, sizeof(h->host), "%.*s", (int)(colon ? colon - v : (ptrdiff_t)len), v);
	return 0;
}

/* HealthCheck=exec:COMMAND | http://HOST[:PORT][/PATH] | tcp:HOST:PORT;
 * empty: no check. */
static int p_health_check(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_health *h = &c->spec->health;
	int r;

	health_check_reset(h);
	if (!*v)
		return 0;
	if (strncmp(v, "exec:", 5) == 0) {
		if (!v[5 + strspn(v + 5, " \t")])
			return kerr(c, k, "exec: needs a command");
		r = health_exec(c, k, v + 5);
		if (r < 0)
			return r;
		h->kind = UNIT_HEALTH_EXEC;
	} else if (strncmp(v, "http://", 7) == 0) {
		const char *hp = v + 7, *slash = strchr(hp, '/');
		size_t hl = slash ? (size_t)(slash - hp) : strlen(hp);
		const char *path = slash ? slash : "/";

		if (strlen(path) >= sizeof(h->path))
			return kerr(c, k, "path too long (max %zu bytes)", sizeof(h->path) - 1);
		for (const char *p = path; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				return kerr(c, k, "invalid character in the path of \"%s\" (use %%20 "
					    "for a space)", v);
		r = health_hostport(c, k, hp, hl, 80, h);
		if (r < 0)
			return r;
		snprintf(h->path, sizeof(h->path), "%s", path);
		h->kind = UNIT_HEALTH_HTTP;
	} else if (strncmp(v, "tcp:", 4) == 0) {
		r = health_hostport(c, k, v + 4, strlen(v + 4), 0, h);
		if (r < 0)
			return r;
		h->kind = UNIT_HEALTH_TCP;
	} else {
		return kerr(c, k, "invalid value \"%s\" (expected exec:COMMAND, "
			    "http://HOST:PORT/PATH or tcp:HOST:PORT)", v);
	}
	h->text = strdup(v);
	if (!h->text) {
		health_check_reset(h);
		return -ENOMEM;
	}
	return 0;
}

/* HealthIntervalSec=, HealthTimeoutSec=: a finite time, more than 0 when
 * k->min says so. */
static int p_health_time(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int r = p_time(c, k, v);

	if (r == 0 && k->min && *FIELD(c, k, uint64_t) == 0)
		return kerr(c, k, "must be more than 0, not \"%s\"", v);
	return r;
}

/* ---------------------------------------------------------------------- */
/* process attributes (units/attrs.h; planned by services/attrs.c)          */

/* Limit*=: k->flags is the RLIMIT_* resource; empty: not set. */
static int p_rlimit(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_rlimit *l = FIELD(c, k, struct unit_rlimit);
	uint64_t cur, max;
	int r;

	if (!*v) {
		memset(l, 0, sizeof(*l));
		return 0;
	}
	r = unit_parse_rlimit((int)k->flags, v, &cur, &max);
	if (r == -ERANGE)
		return kerr(c, k, "out of range or soft limit above the hard one \"%s\"", v);
	if (r < 0)
		return kerr(c, k, "invalid limit \"%s\" (expected VALUE or SOFT:HARD, each %s or "
			    "infinity)", v, k->flags == RLIMIT_CPU || k->flags == RLIMIT_RTTIME ?
			    "a time" : k->flags == RLIMIT_NICE ? "0..40 or a nice value -20..+19" :
			    strstr("FSIZE DATA STACK CORE RSS AS MEMLOCK MSGQUEUE", k->name + 5) ?
			    "a size (K, M, G, T)" : "a number");
	l->set = true;
	l->cur = cur;
	l->max = max;
	return 0;
}

/* An int in k->min..k->max (as signed: min is stored + 1000 below),
 * empty: k->dflt; a set flag in .also when there is one. */
static int p_int(struct key_ctx *c, const struct key_def *k, const char *v)
{
	long lo = (long)k->min - 1000, hi = (long)k->max - 1000, n;
	bool *set = k->also.kind == FK_SCALAR ? ALSO(c, k, bool) : NULL;
	char *end;

	if (!*v) {
		*FIELD(c, k, int) = (int)((long)k->dflt - 1000);
		if (set)
			*set = false;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi || is_blank(*v))
		return kerr(c, k, "invalid number \"%s\" (expected %ld..%ld)", v, lo, hi);
	*FIELD(c, k, int) = (int)n;
	if (set)
		*set = true;
	return 0;
}

/* UMask= and the *DirectoryMode= keys: octal. */
static int p_mode(struct key_ctx *c, const struct key_def *k, const char *v)
{
	bool dir = strstr(k->name, "DirectoryMode") != NULL;   /* 2755, 1777: as systemd */
	unsigned m;

	if (!*v) {
		*FIELD(c, k, unsigned) = (unsigned)k->dflt;
		return 0;
	}
	if (unit_parse_mode(v, dir ? 07777 : 0777, &m) < 0)
		return kerr(c, k, "invalid mode \"%s\" (expected octal 0000..%s)", v,
			    dir ? "7777" : "0777");
	*FIELD(c, k, unsigned) = m;
	return 0;
}

static int p_io_class(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int n;

	if (!*v) {
		*FIELD(c, k, int) = -1;
		return 0;
	}
	if (unit_parse_io_class(v, &n) < 0)
		return kerr(c, k, "invalid class \"%s\" (expected realtime, best-effort, idle, "
			    "none or 0..3)", v);
	*FIELD(c, k, int) = n;
	return 0;
}

static int p_cpu_policy(struct key_ctx *c, const struct key_def *k, const char *v)
{
	int n;

	if (!*v) {
		*FIELD(c, k, int) = -1;
		return 0;
	}
	if (unit_parse_cpu_policy(v, &n) < 0)
		return kerr(c, k, "invalid policy \"%s\" (expected other, batch, idle, fifo or rr)",
			    v);
	*FIELD(c, k, int) = n;
	return 0;
}

/* CPUAffinity=: lists merge, empty resets (as systemd). */
static int p_affinity(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char **field = FIELD(c, k, char *), *all = NULL, *cpus = NULL;
	int r;

	if (!*v)
		return set_str(field, NULL);
	if (asprintf(&all, "%s%s%s", *field ? *field : "", *field ? "," : "", v) < 0)
		return -ENOMEM;
	r = unit_parse_cpus(all, &cpus);
	free(all);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kerr(c, k, "invalid CPU list \"%s\" (expected e.g. 0-1,3 or 0 1 3; CPUs < %d)",
			    v, UNIT_CPU_MAX);
	free(*field);
	*field = cpus;
	return 0;
}

static int p_input(struct key_ctx *c, const struct key_def *k, const char *v)
{
	static const char *const names[] = {
		[UNIT_INPUT_NULL] = "null", [UNIT_INPUT_TTY] = "tty",
		[UNIT_INPUT_TTY_FORCE] = "tty-force", [UNIT_INPUT_TTY_FAIL] = "tty-fail",
		[UNIT_INPUT_DATA] = "data", [UNIT_INPUT_SOCKET] = "socket",
	};
	struct unit_attrs *a = &c->spec->attrs;
	int i = *v ? lookup(names, N_ELEM(names), v) : UNIT_INPUT_NULL;

	if (i < 0 && strncmp(v, "file:", 5) == 0) {
		if (!unit_path_abs_valid(v + 5))
			return kerr(c, k, "not an absolute path \"%s\"", v + 5);
		i = UNIT_INPUT_FILE;
		if (set_str(&a->input_path, v + 5) < 0)
			return -ENOMEM;
	}
	if (i < 0)
		return kerr(c, k, "invalid value \"%s\" (expected null, tty, tty-force, tty-fail, "
			    "data, socket or file:PATH)", v);
	if (i != UNIT_INPUT_FILE && set_str(&a->input_path, NULL) < 0)
		return -ENOMEM;
	a->std_input = (enum unit_input)i;
	return 0;
}

/* StandardInputText= (k->flags 0: C escapes, a newline added) and
 * StandardInputData= (1: base64): appended; empty resets. */
static int p_input_data(struct key_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_attrs *a = &c->spec->attrs;
	char *d = NULL, *n;
	size_t len = 0;
	int r;

	if (!*v) {
		free(a->input_data);
		a->input_data = NULL;
		a->input_data_len = 0;
		return 0;
	}
	r = k->flags ? unit_base64_decode(v, &d, &len) : unit_cunescape(v, &d, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kerr(c, k, "invalid %s \"%s\"", k->flags ? "base64" : "escape in", v);
	if (a->input_data_len + len + 2 > 64 * 1024 * 1024) {
		free(d);
		return kerr(c, k, "more than 64M of data");
	}
	n = realloc(a->input_data, a->input_data_len + len + 2);
	if (!n) {
		free(d);
		return -ENOMEM;
	}
	memcpy(n + a->input_data_len, d, len);
	a->input_data_len += len;
	if (!k->flags)
		n[a->input_data_len++] = '\n';
	n[a->input_data_len] = '\0';
	a->input_data = n;
	free(d);
	return 0;
}

static int p_syslog_ident(struct key_ctx *c, const struct key_def *k, const char *v)
{
	if (strlen(v) > 64 || unit_utf8_span(v, strlen(v)) != strlen(v) || strchr(v, '\n'))
		return kerr(c, k, "invalid identifier \"%s\" (at most 64 bytes of UTF-8)", v);
	return set_str(FIELD(c, k, char *), *v ? v : NULL);
}

/* RuntimeDirectory= ...: relative paths, appended; empty resets. */
static bool dir_entry_valid(const char *s)
{
	/* systemd 250's NAME:LINK (a symlink beside it) is not done here */
	return unit_dir_name_valid(s) && !strchr(s, ':');
}

/* svcinit's own directories (/run/svcinit: the control and notify sockets;
 * /var/lib/svcinit: Persistent= timers) are never a unit's: chowned to its
 * user, it could replace the control socket; removed at its stop, svcinit
 * would lose them. */
static bool dir_is_svcinits(const struct key_def *k, const char *name)
{
	size_t n = strcspn(name, "/");

	return (strcmp(k->name, "RuntimeDirectory") == 0 || strcmp(k->name, "StateDirectory") == 0) &&
	       n == strlen("svcinit") && strncmp(name, "svcinit", n) == 0;
}

static int p_dirs(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char **field;
	int r = p_list(c, k, v, dir_entry_valid, "relative directory (no \".\", \"..\", "
		       "leading '/' or NAME:LINK form)", false);

	if (r < 0)
		return r;
	field = *FIELD(c, k, char **);
	for (size_t i = 0; field && field[i]; i++)
		if (dir_is_svcinits(k, field[i]))
			return kerr(c, k, "\"%s\" is svcinit's own directory", field[i]);
	return 0;
}

static int p_preserve(struct key_ctx *c, const struct key_def *k, const char *v)
{
	bool b;

	if (!*v) {
		*FIELD(c, k, enum unit_preserve) = UNIT_PRESERVE_NO;
		return 0;
	}
	if (strcmp(v, "restart") == 0)
		*FIELD(c, k, enum unit_preserve) = UNIT_PRESERVE_RESTART;
	else if (unit_parse_bool(v, &b) == 0)
		*FIELD(c, k, enum unit_preserve) = b ? UNIT_PRESERVE_YES : UNIT_PRESERVE_NO;
	else
		return kerr(c, k, "invalid value \"%s\" (expected no, yes or restart)", v);
	return 0;
}

/* ---- issue 16: Delegate=, AppArmorProfile=, OOMPolicy= ---------------- */

/* The controllers systemd 252 knows (cgroup_controller_table). */
static const char *const delegate_names[] = {
	"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	"bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind",
	"bpf-restrict-network-interfaces",
};

/* Delegate=: a boolean, or controller names (which mean yes and add up, as
 * systemd's config_parse_delegate); empty resets to no. A name systemd does
 * not know is a warning, ignored, as there. */
static int p_delegate(struct key_ctx *c, const struct key_def *k, const char *v)
{
	char ***field = FIELD(c, k, char **), **words = NULL;
	bool b;
	int r;

	if (!*v || unit_parse_bool(v, &b) == 0) {
		char **e = unit_strv_new();

		if (!e)
			return -ENOMEM;
		unit_strv_free(*field);
		*field = e;
		c->spec->delegate = *v && b;
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		char *w;

		if (lookup(delegate_names, N_ELEM(delegate_names), words[i]) < 0) {
			keys_warn(c, c->lineno, "%s=: unknown cgroup controller \"%s\": ignored",
				  k->name, words[i]);
			continue;
		}
		if (unit_strv_contains(*field, words[i]))
			continue;
		w = strdup(words[i]);
		if (!w || (r = unit_strv_push(field, w)) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	unit_strv_free(words);
	if (r == 0)
		c->spec->delegate = true;
	return r;
}

/* AppArmorProfile=: one profile name, a leading '-' (kept) makes it
 * optional; empty resets. The kernel takes any printable name without
 * blanks, up to a page; svcinit bounds it lower. */
static int p_apparmor(struct key_ctx *c, const struct key_def *k, const char *v)
{
	const char *n = *v == '-' ? v + 1 : v;

	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!*n || strlen(n) > 255)
		return kerr(c, k, "invalid profile name \"%s\" (1 to 255 characters)", v);
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return kerr(c, k, "invalid profile name \"%s\" (no blanks or control "
				    "characters)", v);
	return set_str(FIELD(c, k, char *), v);
}

static const char *const oom_policy_names[] = {
	[UNIT_OOM_STOP] = "stop", [UNIT_OOM_CONTINUE] = "continue", [UNIT_OOM_KILL] = "kill",
};

const char *unit_oom_policy_to_string(enum unit_oom_policy p)
{
	return p < UNIT_OOM_POLICY_MAX ? oom_policy_names[p] : "unknown";
}

/* The field f of struct unit_spec, compared as kind. */
#define F(f, kind) { offsetof(struct unit_spec, f), sizeof(((struct unit_spec *)0)->f), kind }
#define SCALAR(f) F(f, FK_SCALAR)
#define STR(f) F(f, FK_STR)
#define STRV(f) F(f, FK_STRV)
#define OUTPUT(f) F(f, FK_OUTPUT)
#define BINDS(f) F(f, FK_BINDS)
#define CMDS(f) F(f, FK_CMDS)
#define CMDLIST(f) F(f, FK_CMDLIST)
#define NAMES(a) .names = a, .n_names = N_ELEM(a)
#define ANY (SEC_UNIT | SEC_SERVICE)
#define SVC SEC_SERVICE
#define INST SEC_INSTALL
#define SP KF_SPEC
#define SPW KF_SPEC_WORDS
#define IV(x) ((uint64_t)((x) + 1000))   /* p_int: a signed bound */

static const struct key_def keys[] = {
	{ "Description", SEC_UNIT, p_string, .field = STR(description), .spec = SP },
	{ "After", SEC_UNIT, p_units, .field = STRV(after), .spec = SPW },
	{ "Requires", SEC_UNIT, p_units, .field = STRV(requires), .spec = SPW },
	{ "Wants", SEC_UNIT, p_units, .field = STRV(wants), .spec = SPW },
	{ "Before", SEC_UNIT, p_units, .field = STRV(before), .spec = SPW },
	{ "BindsTo", SEC_UNIT, p_units, .field = STRV(binds_to), .spec = SPW },
	{ "PartOf", SEC_UNIT, p_units, .field = STRV(part_of), .spec = SPW },
	{ "Conflicts", SEC_UNIT, p_units, .field = STRV(conflicts), .spec = SPW },
	{ "Requisite", SEC_UNIT, p_units, .field = STRV(requisite), .spec = SPW },
	{ "Upholds", SEC_UNIT, p_units, .field = STRV(upholds), .spec = SPW },
	{ "OnFailure", SEC_UNIT, p_units, .field = STRV(on_failure), .spec = SPW },
	{ "OnSuccess", SEC_UNIT, p_units, .field = STRV(on_success), .spec = SPW },
	{ "PropagatesReloadTo", SEC_UNIT, p_units, .field = STRV(propagates_reload_to), .spec = SPW },
	{ "ReloadPropagatedFrom", SEC_UNIT, p_units, .field = STRV(reload_propagated_from),
	  .spec = SPW },
	{ "StopWhenUnneeded", SEC_UNIT, p_bool, .field = SCALAR(stop_when_unneeded) },
	{ "RequiresMountsFor", SEC_UNIT, p_paths, .field = STRV(requires_mounts_for), .spec = SPW },
	/* Condition*= and Assert*= (one field each; COND() in svcinit.service.5 order) */
#define COND(kind, fl) \
	{ "Condition" #kind, SEC_UNIT, p_cond, .field = STRV(conditions), .flags = fl, .spec = SP }, \
	{ "Assert" #kind, SEC_UNIT, p_cond, .field = STRV(asserts), .flags = fl, .spec = SP }
	COND(ACPower, KF_COND_BOOL),
	COND(Architecture, 0),
	COND(CPUFeature, 0),
	COND(CPUPressure, 0),
	COND(CPUs, 0),
	COND(Capability, 0),
	COND(ControlGroupController, 0),
	COND(Credential, 0),
	COND(DirectoryNotEmpty, KF_COND_PATH),
	COND(Environment, 0),
	COND(FileIsExecutable, KF_COND_PATH),
	COND(FileNotEmpty, KF_COND_PATH),
	COND(Firmware, 0),
	COND(FirstBoot, KF_COND_BOOL),
	COND(Group, 0),
	COND(Host, 0),
	COND(IOPressure, 0),
	COND(KernelCommandLine, 0),
	COND(KernelVersion, 0),
	COND(Memory, 0),
	COND(MemoryPressure, 0),
	COND(NeedsUpdate, KF_COND_PATH),
	COND(OSRelease, 0),
	COND(PathExists, KF_COND_PATH),
	COND(PathExistsGlob, KF_COND_PATH),
	COND(PathIsDirectory, KF_COND_PATH),
	COND(PathIsEncrypted, KF_COND_PATH),
	COND(PathIsMountPoint, KF_COND_PATH),
	COND(PathIsReadWrite, KF_COND_PATH),
	COND(PathIsSymbolicLink, KF_COND_PATH),
	COND(Security, 0),
	COND(User, 0),
	COND(Virtualization, 0),
#undef COND
	{ "StartLimitBurst", ANY, p_unsigned, .field = SCALAR(start_limit_burst), .max = 1000000,
	  .dflt = 5 },
	{ "StartLimitIntervalSec", ANY, p_time, .field = SCALAR(start_limit_interval_usec),
	  .dflt = 10 * USEC_PER_SEC },
	{ "StartLimitInterval", ANY, p_time, .field = SCALAR(start_limit_interval_usec),
	  .dflt = 10 * USEC_PER_SEC },   /* systemd's old name, still accepted */

	{ "Type", SVC, p_enum, .field = SCALAR(type), .dflt = UNIT_SIMPLE, NAMES(type_names) },
	{ "ExecStart", SVC, p_exec, .field = CMDS(exec_start), .spec = SPW },
	{ "Environment", SVC, p_env, .field = STRV(environment), .spec = SPW },
	{ "EnvironmentFile", SVC, p_env_file, .field = STRV(environment_files), .spec = SP },
	{ "PassEnvironment", SVC, p_env_names, .field = STRV(pass_environment), .spec = SPW },
	{ "UnsetEnvironment", SVC, p_unset, .field = STRV(unset_environment), .spec = SPW },
	{ "WorkingDirectory", SVC, p_path, .field = STR(working_directory), .spec = SP },
	{ "User", SVC, p_ident, .field = STR(user), .spec = SP },
	{ "Group", SVC, p_ident, .field = STR(group), .spec = SP },
	{ "SupplementaryGroups", SVC, p_groups, .field = STRV(supplementary_groups),
	  .spec = SPW },
	{ "Restart", SVC, p_enum, .field = SCALAR(restart), .dflt = UNIT_RESTART_ON_FAILURE,
	  NAMES(restart_names) },
	{ "RestartSec", SVC, p_time, .field = SCALAR(restart_usec), .flags = KF_TIME_FINITE,
	  .dflt = 100 * USEC_PER_MSEC },
	{ "RestartSteps", SVC, p_unsigned, .field = SCALAR(restart_steps), .max = 1000, .dflt = 8 },
	{ "RestartMaxDelaySec", SVC, p_time, .field = SCALAR(restart_max_usec),
	  .flags = KF_TIME_FINITE, .dflt = 30 * USEC_PER_SEC },
	{ "SuccessAction", ANY, p_enum, .field = SCALAR(success_action), .dflt = UNIT_ACTION_NONE,
	  NAMES(action_names) },
	{ "FailureAction", ANY, p_enum, .field = SCALAR(failure_action), .dflt = UNIT_ACTION_NONE,
	  NAMES(action_names) },
	{ "TimeoutStartSec", SVC, p_time, .field = SCALAR(timeout_start_usec),
	  .flags = KF_TIME_ZERO_INF, .dflt = 90 * USEC_PER_SEC },
	{ "TimeoutStopSec", SVC, p_time, .field = SCALAR(timeout_stop_usec),
	  .flags = KF_TIME_ZERO_INF, .dflt = 10 * USEC_PER_SEC },
	{ "KillSignal", SVC, p_signal, .field = SCALAR(kill_signal), .dflt = SIGTERM },
	{ "ExecCondition", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_CONDITION]), .spec = SPW,
	  .flags = UNIT_HOOK_CONDITION + 1 },
	{ "ExecStartPre", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_START_PRE]), .spec = SPW,
	  .flags = UNIT_HOOK_START_PRE + 1 },
	{ "ExecStartPost", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_START_POST]),
	  .spec = SPW, .flags = UNIT_HOOK_START_POST + 1 },
	{ "ExecReload", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_RELOAD]), .spec = SPW,
	  .flags = UNIT_HOOK_RELOAD + 1 },
	{ "ExecStop", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_STOP]), .spec = SPW,
	  .flags = UNIT_HOOK_STOP + 1 },
	{ "ExecStopPost", SVC, p_exec, .field = CMDLIST(hooks[UNIT_HOOK_STOP_POST]), .spec = SPW,
	  .flags = UNIT_HOOK_STOP_POST + 1 },
	{ "RemainAfterExit", SVC, p_bool, .field = SCALAR(remain_after_exit) },
	{ "PIDFile", SVC, p_path, .field = STR(pid_file), .spec = SP },
	{ "GuessMainPID", SVC, p_bool, .field = SCALAR(guess_main_pid), .dflt = 1 },
	{ "KillMode", SVC, p_enum, .field = SCALAR(kill_mode), .dflt = UNIT_KILL_CONTROL_GROUP,
	  NAMES(kill_mode_names) },
	{ "RestartKillSignal", SVC, p_signal, .field = SCALAR(restart_kill_signal) },
	{ "FinalKillSignal", SVC, p_signal, .field = SCALAR(final_kill_signal),
	  .dflt = SIGKILL },
	{ "SendSIGKILL", SVC, p_bool, .field = SCALAR(send_sigkill), .dflt = 1 },
	{ "SendSIGHUP", SVC, p_bool, .field = SCALAR(send_sighup) },
	{ "TimeoutSec", SVC, p_timeout_both, .field = SCALAR(timeout_start_usec),
	  .also = SCALAR(timeout_stop_usec) },
	{ "TimeoutAbortSec", SVC, p_time, .field = SCALAR(timeout_abort_usec),
	  .flags = KF_TIME_ZERO_INF },
	{ "SuccessExitStatus", SVC, p_exit_status, .field = SCALAR(success_status) },
	{ "RestartPreventExitStatus", SVC, p_exit_status, .field = SCALAR(restart_prevent) },
	{ "RestartForceExitStatus", SVC, p_exit_status, .field = SCALAR(restart_force) },
	{ "WatchdogSec", SVC, p_time, .field = SCALAR(watchdog_usec) },
	{ "NotifyAccess", SVC, p_enum, .field = SCALAR(notify_access), .dflt = UNIT_NOTIFY_DEFAULT,
	  NAMES(notify_access_names) },
	{ "BusName", SVC, p_bus_name, .field = STR(bus_name), .spec = SP },
	{ "DynamicUser", SVC, p_bool, .field = SCALAR(dynamic_user) },
	{ "NoNewPrivileges", SVC, p_bool, .field = SCALAR(no_new_privileges) },
	{ "CapabilityBoundingSet", SVC, p_caps, .field = SCALAR(capability_bounding_set),
	  .also = SCALAR(capability_bounding_set_given), .flags = KF_BOUNDING },
	{ "AmbientCapabilities", SVC, p_caps, .field = SCALAR(ambient_capabilities) },
	{ "StandardOutput", SVC, p_output, .field = OUTPUT(std_output), .spec = SP },
	{ "StandardError", SVC, p_output, .field = OUTPUT(std_error), .spec = SP },

	/* health checks (services/health.c) */
	{ "HealthCheck", SVC, p_health_check, .field = STR(health.text) },
	{ "HealthIntervalSec", SVC, p_health_time, .field = SCALAR(health.interval_usec),
	  .flags = KF_TIME_FINITE, .min = 1, .dflt = 30 * USEC_PER_SEC },
	{ "HealthTimeoutSec", SVC, p_health_time, .field = SCALAR(health.timeout_usec),
	  .flags = KF_TIME_FINITE, .min = 1, .dflt = 10 * USEC_PER_SEC },
	{ "HealthStartPeriodSec", SVC, p_health_time, .field = SCALAR(health.start_period_usec),
	  .flags = KF_TIME_FINITE, .dflt = 0 },
	{ "HealthRetries", SVC, p_unsigned, .field = SCALAR(health.retries), .min = 1,
	  .max = 1000, .dflt = 3 },
	{ "OnHealthFailure", SVC, p_enum, .field = SCALAR(health.on_failure),
	  .dflt = UNIT_HEALTH_RESTART, NAMES(health_action_names) },
	{ "ReadyWhenHealthy", SVC, p_bool, .field = SCALAR(health.ready_when_healthy) },

	/* seccomp (services/seccomp.c) */
	{ "SystemCallFilter", SVC, p_syscalls, .field = STRV(syscall_filter),
	  .also = SCALAR(syscall_filter_flags) },
	{ "SystemCallLog", SVC, p_syscalls, .field = STRV(syscall_log),
	  .also = SCALAR(syscall_log_flags), .flags = KF_SC_LOG },
	{ "SystemCallErrorNumber", SVC, p_syscall_errno, .field = SCALAR(syscall_errno) },
	{ "SystemCallArchitectures", SVC, p_syscall_archs, .field = STRV(syscall_archs) },
	{ "RestrictAddressFamilies", SVC, p_address_families, .field = SCALAR(restrict_af),
	  .also = SCALAR(restrict_af_flags) },
	{ "RestrictNamespaces", SVC, p_restrict_ns, .field = SCALAR(restrict_ns),
	  .also = SCALAR(restrict_ns_flags) },
	{ "MemoryDenyWriteExecute", SVC, p_bool, .field = SCALAR(memory_deny_write_execute) },
	{ "RestrictRealtime", SVC, p_bool, .field = SCALAR(restrict_realtime) },
	{ "RestrictSUIDSGID", SVC, p_bool, .field = SCALAR(restrict_suid_sgid) },
	{ "LockPersonality", SVC, p_bool, .field = SCALAR(lock_personality) },

	{ "Namespaces", SVC, p_namespaces, .field = SCALAR(namespaces) },
	{ "Hostname", SVC, p_hostname, .field = STR(hostname) },
	{ "RootDirectory", SVC, p_path, .field = STR(root_directory), .spec = SP },
	{ "Overlay", SVC, p_bool, .field = SCALAR(overlay), .dflt = 1 },
	{ "OverlayUpper", SVC, p_path, .field = STR(overlay_upper), .spec = SP },
	{ "BindPaths", SVC, p_binds, .field = BINDS(binds), .spec = SPW },
	{ "BindReadOnlyPaths", SVC, p_binds, .field = BINDS(binds),
	  .flags = KF_READ_ONLY, .spec = SPW },

	/* systemd's sandboxing keys (units/sandbox.c, services/rootfs.c) */
	{ "PrivateTmp", SVC, p_bool, .field = SCALAR(sandbox.private_tmp) },
	{ "PrivateDevices", SVC, p_bool, .field = SCALAR(sandbox.private_devices) },
	{ "PrivateNetwork", SVC, p_bool, .field = SCALAR(sandbox.private_network) },
	{ "PrivateIPC", SVC, p_bool, .field = SCALAR(sandbox.private_ipc) },
	{ "PrivateMounts", SVC, p_bool, .field = SCALAR(sandbox.private_mounts) },
	{ "PrivateUsers", SVC, p_bool, .field = SCALAR(sandbox.private_users) },
	{ "ProtectSystem", SVC, p_sb_enum, .field = SCALAR(sandbox.protect_system),
	  .flags = KF_SB_BOOL, NAMES(ps_names) },
	{ "ProtectHome", SVC, p_sb_enum, .field = SCALAR(sandbox.protect_home),
	  .flags = KF_SB_BOOL, NAMES(ph_names) },
	{ "ProtectProc", SVC, p_sb_enum, .field = SCALAR(sandbox.protect_proc), NAMES(pp_names) },
	{ "ProcSubset", SVC, p_sb_enum, .field = SCALAR(sandbox.proc_subset), NAMES(subset_names) },
	{ "ProtectKernelTunables", SVC, p_bool, .field = SCALAR(sandbox.protect_kernel_tunables) },
	{ "ProtectKernelModules", SVC, p_bool, .field = SCALAR(sandbox.protect_kernel_modules) },
	{ "ProtectKernelLogs", SVC, p_bool, .field = SCALAR(sandbox.protect_kernel_logs) },
	{ "ProtectControlGroups", SVC, p_bool, .field = SCALAR(sandbox.protect_control_groups) },
	{ "ProtectClock", SVC, p_bool, .field = SCALAR(sandbox.protect_clock) },
	{ "ProtectHostname", SVC, p_bool, .field = SCALAR(sandbox.protect_hostname) },
	{ "ReadWritePaths", SVC, p_sb_paths, .field = STRV(sandbox.read_write_paths), .spec = SPW },
	{ "ReadOnlyPaths", SVC, p_sb_paths, .field = STRV(sandbox.read_only_paths), .spec = SPW },
	{ "InaccessiblePaths", SVC, p_sb_paths, .field = STRV(sandbox.inaccessible_paths),
	  .spec = SPW },
	{ "ExecPaths", SVC, p_sb_paths, .field = STRV(sandbox.exec_paths), .spec = SPW },
	{ "NoExecPaths", SVC, p_sb_paths, .field = STRV(sandbox.no_exec_paths), .spec = SPW },
	{ "TemporaryFileSystem", SVC, p_sb_tmpfs, .field = STRV(sandbox.temporary_filesystem),
	  .spec = SPW },
	/* systemd's old names, still accepted */
	{ "ReadWriteDirectories", SVC, p_sb_paths, .field = STRV(sandbox.read_write_paths),
	  .spec = SPW },
	{ "ReadOnlyDirectories", SVC, p_sb_paths, .field = STRV(sandbox.read_only_paths),
	  .spec = SPW },
	{ "InaccessibleDirectories", SVC, p_sb_paths, .field = STRV(sandbox.inaccessible_paths),
	  .spec = SPW },

	{ "MemoryMax", SVC, p_mem, .field = SCALAR(memory_max), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_MEMORY_MAX, .dflt = UNIT_INFINITY },
	{ "MemoryHigh", SVC, p_mem, .field = SCALAR(memory_high), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_MEMORY_HIGH, .dflt = UNIT_INFINITY },
	{ "CPUWeight", SVC, p_limit_num, .field = SCALAR(cpu_weight), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_CPU_WEIGHT, .min = 1, .max = 10000 },
	{ "CPUQuota", SVC, p_quota, .field = SCALAR(cpu_quota_percent), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_CPU_QUOTA, .min = 1, .max = 1000000 },
	{ "TasksMax", SVC, p_limit_num, .field = SCALAR(tasks_max), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_TASKS_MAX, .min = 1, .max = UINT64_MAX - 1, .dflt = UNIT_INFINITY },
	{ "IOWeight", SVC, p_limit_num, .field = SCALAR(io_weight), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_IO_WEIGHT, .min = 1, .max = 10000 },
	{ "AllowedCPUs", SVC, p_cpus, .field = STR(allowed_cpus), .also = SCALAR(limits_set),
	  .flags = UNIT_LIM_ALLOWED_CPUS },

	/* BPF programs on the unit's cgroup (services/cgroup-bpf.c) */
	{ "DevicePolicy", SVC, p_enum, .field = SCALAR(device_policy), .dflt = UNIT_DEVPOL_AUTO,
	  NAMES(devpol_names) },
	{ "DeviceAllow", SVC, p_device_allow, .field = STRV(device_allow), .spec = SP },
	{ "IPAddressAllow", SVC, p_ip_list, .field = STRV(ip_address_allow) },
	{ "IPAddressDeny", SVC, p_ip_list, .field = STRV(ip_address_deny) },

	/* process attributes (units/attrs.h, services/attrs.c, services/dirs.c) */
	{ "LimitCPU", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_CPU]), .flags = RLIMIT_CPU },
	{ "LimitFSIZE", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_FSIZE]), .flags = RLIMIT_FSIZE },
	{ "LimitDATA", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_DATA]), .flags = RLIMIT_DATA },
	{ "LimitSTACK", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_STACK]), .flags = RLIMIT_STACK },
	{ "LimitCORE", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_CORE]), .flags = RLIMIT_CORE },
	{ "LimitRSS", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_RSS]), .flags = RLIMIT_RSS },
	{ "LimitNOFILE", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_NOFILE]), .flags = RLIMIT_NOFILE },
	{ "LimitAS", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_AS]), .flags = RLIMIT_AS },
	{ "LimitNPROC", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_NPROC]), .flags = RLIMIT_NPROC },
	{ "LimitMEMLOCK", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_MEMLOCK]), .flags = RLIMIT_MEMLOCK },
	{ "LimitLOCKS", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_LOCKS]), .flags = RLIMIT_LOCKS },
	{ "LimitSIGPENDING", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_SIGPENDING]), .flags = RLIMIT_SIGPENDING },
	{ "LimitMSGQUEUE", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_MSGQUEUE]), .flags = RLIMIT_MSGQUEUE },
	{ "LimitNICE", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_NICE]), .flags = RLIMIT_NICE },
	{ "LimitRTPRIO", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_RTPRIO]), .flags = RLIMIT_RTPRIO },
	{ "LimitRTTIME", SVC, p_rlimit, .field = SCALAR(attrs.rlimits[RLIMIT_RTTIME]), .flags = RLIMIT_RTTIME },
	{ "UMask", SVC, p_mode, .field = SCALAR(attrs.umask), .dflt = 0022 },
	{ "Nice", SVC, p_int, .field = SCALAR(attrs.nice), .also = SCALAR(attrs.nice_set),
	  .min = IV(-20), .max = IV(19), .dflt = IV(0) },
	{ "OOMScoreAdjust", SVC, p_int, .field = SCALAR(attrs.oom_score_adjust),
	  .also = SCALAR(attrs.oom_set), .min = IV(-1000), .max = IV(1000), .dflt = IV(0) },
	{ "IOSchedulingClass", SVC, p_io_class, .field = SCALAR(attrs.io_class) },
	{ "IOSchedulingPriority", SVC, p_int, .field = SCALAR(attrs.io_prio),
	  .min = IV(0), .max = IV(7), .dflt = IV(-1) },
	{ "CPUSchedulingPolicy", SVC, p_cpu_policy, .field = SCALAR(attrs.cpu_policy) },
	{ "CPUSchedulingPriority", SVC, p_int, .field = SCALAR(attrs.cpu_prio),
	  .min = IV(0), .max = IV(99), .dflt = IV(-1) },
	{ "CPUSchedulingResetOnFork", SVC, p_bool, .field = SCALAR(attrs.cpu_reset_on_fork) },
	{ "CPUAffinity", SVC, p_affinity, .field = STR(attrs.cpu_affinity) },
	{ "StandardInput", SVC, p_input, .field = SCALAR(attrs.std_input),
	  .also = STR(attrs.input_path), .spec = SP },
	{ "StandardInputText", SVC, p_input_data, .field = STR(attrs.input_data),
	  .also = SCALAR(attrs.input_data_len), .spec = SP },
	{ "StandardInputData", SVC, p_input_data, .field = STR(attrs.input_data),
	  .also = SCALAR(attrs.input_data_len), .flags = 1 },
	{ "TTYPath", SVC, p_path, .field = STR(attrs.tty_path), .spec = SP },
	{ "TTYReset", SVC, p_bool, .field = SCALAR(attrs.tty_reset) },
	{ "TTYVHangup", SVC, p_bool, .field = SCALAR(attrs.tty_vhangup) },
	{ "SyslogIdentifier", SVC, p_syslog_ident, .field = STR(attrs.syslog_identifier),
	  .spec = SP },
	{ "RuntimeDirectory", SVC, p_dirs, .field = STRV(attrs.dirs[UNIT_DIR_RUNTIME]), .spec = SPW },
	{ "RuntimeDirectoryMode", SVC, p_mode, .field = SCALAR(attrs.dir_mode[UNIT_DIR_RUNTIME]), .dflt = 0755 },
	{ "StateDirectory", SVC, p_dirs, .field = STRV(attrs.dirs[UNIT_DIR_STATE]), .spec = SPW },
	{ "StateDirectoryMode", SVC, p_mode, .field = SCALAR(attrs.dir_mode[UNIT_DIR_STATE]), .dflt = 0755 },
	{ "CacheDirectory", SVC, p_dirs, .field = STRV(attrs.dirs[UNIT_DIR_CACHE]), .spec = SPW },
	{ "CacheDirectoryMode", SVC, p_mode, .field = SCALAR(attrs.dir_mode[UNIT_DIR_CACHE]), .dflt = 0755 },
	{ "LogsDirectory", SVC, p_dirs, .field = STRV(attrs.dirs[UNIT_DIR_LOGS]), .spec = SPW },
	{ "LogsDirectoryMode", SVC, p_mode, .field = SCALAR(attrs.dir_mode[UNIT_DIR_LOGS]), .dflt = 0755 },
	{ "ConfigurationDirectory", SVC, p_dirs, .field = STRV(attrs.dirs[UNIT_DIR_CONFIGURATION]), .spec = SPW },
	{ "ConfigurationDirectoryMode", SVC, p_mode, .field = SCALAR(attrs.dir_mode[UNIT_DIR_CONFIGURATION]), .dflt = 0755 },
	{ "RuntimeDirectoryPreserve", SVC, p_preserve, .field = SCALAR(attrs.runtime_preserve) },

	{ "Alias", INST, p_install, .field = STRV(alias), .spec = SPW },
	{ "WantedBy", INST, p_install, .field = STRV(wanted_by), .spec = SPW },
	{ "RequiredBy", INST, p_install, .field = STRV(required_by), .spec = SPW },
	{ "Also", INST, p_install, .field = STRV(also), .spec = SPW },
	{ "DefaultInstance", INST, p_instance, .field = STR(default_instance), .spec = SP },
	/* issue 16 */
	{ "DefaultDependencies", SEC_UNIT, p_bool, .field = SCALAR(default_dependencies), .dflt = 1 },
	{ "PermissionsStartOnly", SVC, p_bool, .field = SCALAR(permissions_start_only) },
	{ "IgnoreSIGPIPE", SVC, p_bool, .field = SCALAR(ignore_sigpipe), .dflt = 1 },
	{ "RemoveIPC", SVC, p_bool, .field = SCALAR(remove_ipc) },
	{ "Delegate", SVC, p_delegate, .field = STRV(delegate_controllers),
	  .also = SCALAR(delegate) },
	{ "AppArmorProfile", SVC, p_apparmor, .field = STR(apparmor_profile), .spec = SP },
	{ "OOMPolicy", SVC, p_enum, .field = SCALAR(oom_policy), .dflt = UNIT_OOM_STOP,
	  NAMES(oom_policy_names) },
};

#define N_KEYS N_ELEM(keys)

static const struct key_def *key_find(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static struct key_loc key_loc(const struct key_ctx *c, const char *name)
{
	const struct key_def *k = key_find(name);
	struct key_loc none = { NULL, 0 };

	return k ? c->key_loc[k - keys] : none;
}

static int spec_expand(struct key_ctx *c, const struct key_def *k, const char *v, char **ret)
{
	const char *err = NULL;
	int r;

	*ret = (char *)v;
	if (!strchr(v, '%'))
		return 0;
	r = unit_specifier_expand(&c->names, v, SPEC_MAX, ret, &err);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		*ret = NULL;
		return kerr(c, k, "%s in \"%s\"", err, v);
	}
	r = c->names.name && !strstr(c->names.name, "@.") ?   /* a template's %i is empty */
	    unit_specifier_first_empty(&c->names, v) : 0;
	if (r)
		keys_warn(c, c->lineno, "%s=: %%%c expands to nothing in \"%s\"", k->name, r, v);
	return 0;
}

/* SEC_* of a section name, 0 for one neither svcinit nor systemd knows. */
static unsigned keys_section(const char *section)
{
	if (strcmp(section, "Unit") == 0)
		return SEC_UNIT;
	if (strcmp(section, "Service") == 0)
		return SEC_SERVICE;
	if (strcmp(section, "Install") == 0)
		return SEC_INSTALL;
	if (strncmp(section, "X-", 2) == 0)
		return SEC_X;
	if (keys_systemd_section(section))
		return SEC_SYSTEMD;
	return 0;
}

int keys_ctx_init(struct key_ctx *c, const struct unit_names *n, struct unit_spec *spec)
{
	memset(c, 0, sizeof(*c));
	c->key_loc = calloc(N_KEYS, sizeof(*c->key_loc));
	c->names_buf[0] = strdup(n && n->name ? n->name : "");
	c->names_buf[1] = n && n->path ? strdup(n->path) : NULL;
	if (!c->key_loc || !c->names_buf[0] || (n && n->path && !c->names_buf[1])) {
		keys_ctx_fini(c);
		return -ENOMEM;
	}
	c->names.name = c->names_buf[0];
	c->names.path = c->names_buf[1];
	c->names.host = n ? n->host : NULL;
	c->path = c->names.path ? c->names.path : "<string>";
	c->spec = spec;
	return 0;
}

void keys_ctx_fini(struct key_ctx *c)
{
	free(c->key_loc);
	c->key_loc = NULL;
	free(c->names_buf[0]);
	free(c->names_buf[1]);
	c->names_buf[0] = c->names_buf[1] = NULL;
}

const char *keys_name(size_t i)
{
	return i < N_KEYS ? keys[i].name : NULL;
}

void keys_section_begin(struct key_ctx *c, const char *section, unsigned line)
{
	if (trigger_section(c->spec->trigger, section))
		return;   /* [Socket] of a .socket, [Timer] of a .timer: units/trigger.c */
	switch (keys_section(section)) {
	case SEC_SERVICE:
		if (!c->service.path) {
			c->service.path = c->path;
			c->service.line = line;
		}
		break;
	case SEC_UNIT:
	case SEC_INSTALL:
	case SEC_X:
	case SEC_SYSTEMD:   /* its keys are warnings or errors, one by one */
		break;
	default:
		keys_error(c, line, "unknown section [%s] (expected [Unit], [Service] or "
			   "[Install])", section);
	}
}

static const char *section_of(unsigned sections)
{
	return (sections & SEC_SERVICE) ? "Service" : (sections & SEC_UNIT) ? "Unit" : "Install";
}

int keys_apply(struct key_ctx *c, unsigned line, const char *section, const char *name,
	       const char *value)
{
	unsigned sec = keys_section(section);
	const struct key_def *k;
	char *x = NULL;
	int r;

	if (trigger_section(c->spec->trigger, section))
		return trigger_key_apply(c, c->spec->trigger, line, name, value);
	if (!sec || sec == SEC_X)
		return 0; /* unknown section (reported at its header), or X-: ignored */
	c->lineno = line;
	if (strncmp(name, "X-", 2) == 0)
		return 0; /* as systemd: extension keys are ignored */
	k = sec == SEC_SYSTEMD ? NULL : key_find(name);
	if (!k || !(k->sections & sec)) {
		if (keys_systemd_known(section, name) ||
		    (sec == SEC_SERVICE && (strcmp(name, "ReadWriteDirectories") == 0 ||
					    strcmp(name, "ReadOnlyDirectories") == 0 ||
					    strcmp(name, "InaccessibleDirectories") == 0))) {
			/* the last three: systemd's old names, still accepted */
			keys_warn(c, line, "%s= is not supported: ignored", name);
			return 0;
		}
		if (!k)
			keys_error(c, line, "%s=: unknown key in [%s]", name, section);
		else
			keys_error(c, line, "%s=: not allowed in [%s] (it belongs in [%s])", name,
				   section, section_of(k->sections));
		return -EINVAL;
	}
	if (k->spec & KF_SPEC) {
		r = spec_expand(c, k, value, &x);
		if (r < 0)
			return r;
	}
	r = k->parse(c, k, x ? x : value);
	if (r == 0) {
		c->key_loc[k - keys].path = *value ? c->path : NULL;
		c->key_loc[k - keys].line = *value ? line : 0;
	}
	if (x != value)
		free(x);
	return r;
}

/* A sandboxing key that needs a namespace adds it, whatever Namespaces=
 * said (systemd.exec(5): "sets up a new ... namespace"); what was added is
 * remembered: svcinit's own full isolation is not what the key asked for. */
static void sandbox_namespaces(struct unit_spec *s)
{
	struct unit_sandbox *b = &s->sandbox;
	unsigned want = 0;

	if (unit_sandbox_wants_mnt(s))
		want |= UNIT_NS_MNT;
	if (b->private_network)
		want |= UNIT_NS_NET;
	if (b->private_ipc)
		want |= UNIT_NS_IPC;
	if (b->protect_hostname)
		want |= UNIT_NS_UTS;
	if (b->private_users)
		want |= UNIT_NS_USER;
	b->ns_added = want & ~s->namespaces;
	s->namespaces |= b->ns_added;
}

/* BusName= without Type= makes it Type=dbus; Type=dbus needs BusName=
 * (systemd.service(5): "mandatory"; systemd refuses such a unit). */
static void bus_check(struct key_ctx *c)
{
	struct unit_spec *s = c->spec;
	struct key_loc l = key_loc(c, "Type");

	if (s->bus_name && !l.path)
		s->type = UNIT_DBUS;
	if (s->type == UNIT_DBUS && !s->bus_name) {
		c->path = l.path ? l.path : c->service.path;
		keys_error(c, l.path ? l.line : c->service.line, "Type=dbus: needs BusName= (the "
			   "name the service takes on the system bus)");
	}
}

/* DynamicUser=yes implies, and cannot be turned off (systemd.exec(5)):
 * PrivateTmp=yes, NoNewPrivileges=yes, RestrictSUIDSGID=yes, RemoveIPC=yes
 * (RemoveIPC= is not implemented here yet), ProtectSystem=strict, and
 * ProtectHome=read-only unless it was given (yes, tmpfs: stronger). */
static void dynamic_user_implies(struct unit_spec *s)
{
	if (!s->dynamic_user)
		return;
	s->sandbox.private_tmp = true;
	s->remove_ipc = true;
	s->no_new_privileges = true;
	s->restrict_suid_sgid = true;
	s->sandbox.protect_system = UNIT_PS_STRICT;
	if (s->sandbox.protect_home == UNIT_PH_NO)
		s->sandbox.protect_home = UNIT_PH_READ_ONLY;
}

/* Variables a unit's commands get besides its Environment= (systemd.exec(5),
 * "Environment Variables in Spawned Processes"): naming one is no mistake. */
static const char *const env_known[] = {
	"PATH", "LANG", "USER", "LOGNAME", "HOME", "SHELL", "INVOCATION_ID", "XDG_RUNTIME_DIR",
	"RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY", "LOGS_DIRECTORY",
	"CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY", "MAINPID", "MANAGERPID",
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_PID",
	"WATCHDOG_USEC", "SYSTEMD_EXEC_PID", "TERM", "JOURNAL_STREAM", "SERVICE_RESULT",
	"EXIT_CODE", "EXIT_STATUS", "PIDFILE", "REMOTE_ADDR", "REMOTE_PORT", "TRIGGER_UNIT",
	"TRIGGER_PATH", "TRIGGER_TIMER_REALTIME_USEC", "TRIGGER_TIMER_MONOTONIC_USEC",
	"MONITOR_SERVICE_RESULT", "MONITOR_EXIT_CODE", "MONITOR_EXIT_STATUS",
	"MONITOR_INVOCATION_ID", "MONITOR_UNIT",
};

struct env_refs {
	struct key_ctx *c;
	const char *key;
	unsigned line;
};

static bool env_named(char *const *list, const char *name, size_t len, bool assignments)
{
	for (size_t i = 0; list && list[i]; i++)
		if (strncmp(list[i], name, len) == 0 &&
		    (assignments ? list[i][len] == '=' : !list[i][len]))
			return true;
	return false;
}

static void env_ref(const char *name, size_t len, void *data)
{
	struct env_refs *e = data;
	const struct unit_spec *s = e->c->spec;

	for (size_t i = 0; i < N_ELEM(env_known); i++)
		if (strlen(env_known[i]) == len && strncmp(env_known[i], name, len) == 0)
			return;
	if (env_named(s->environment, name, len, true) ||
	    env_named(s->pass_environment, name, len, false))
		return;
	keys_warn(e->c, e->line, "%s=: $%.*s expands to nothing (no Environment= or "
		  "PassEnvironment= sets it)", e->key, (int)len, name);
}

/* $VAR in the commands that no line of the unit sets: said once per use. A
 * unit with an EnvironmentFile= may set anything: nothing to say. */
static void check_cmd_refs(struct key_ctx *c, const char *key, const struct unit_cmd *cmds,
			   size_t n)
{
	struct key_loc l = key_loc(c, key);
	struct env_refs e = { c, key, l.line };

	if (!l.path)
		return;
	c->path = l.path;
	for (size_t i = 0; i < n; i++)
		if (!(cmds[i].flags & UNIT_CMD_NO_EXPAND))
			unit_exec_refs(cmds[i].argv, env_ref, &e);
}

static void check_env_refs(struct key_ctx *c)
{
	const struct unit_spec *s = c->spec;

	if (unit_strv_len(s->environment_files))
		return;
	check_cmd_refs(c, "ExecStart", s->exec_start, s->n_exec_start);
	for (int h = 0; h < UNIT_HOOK_MAX; h++)
		check_cmd_refs(c, unit_hook_key((enum unit_hook)h), s->hooks[h].v, s->hooks[h].n);
}

void keys_check(struct key_ctx *c)
{
	static const char *const need_mnt[] = {
		"RootDirectory", "OverlayUpper", "BindPaths", "BindReadOnlyPaths",
	};
	struct unit_spec *s = c->spec;
	struct key_loc l;

	if (s->trigger) {
		trigger_check(c, s->trigger);   /* a socket or timer: no [Service] */
		return;
	}
	if (!c->service.path) {
		keys_error(c, 0, "missing [Service] section with ExecStart=");
		return;
	}
	c->path = c->service.path;
	if (!s->argv && !c->exec_bad)
		keys_error(c, c->service.line, "[Service]: missing ExecStart=");
	if (s->n_exec_start > 1 && s->type != UNIT_ONESHOT && c->exec_more.path) {
		c->path = c->exec_more.path;
		keys_error(c, c->exec_more.line, "ExecStart=: more than one command is only "
			   "allowed with Type=oneshot");
	}
	bus_check(c);
	dynamic_user_implies(s);
	sandbox_namespaces(s);
	s->sandbox.namespaces_given = key_loc(c, "Namespaces").path != NULL;
	check_env_refs(c);
	if (!(s->namespaces & UNIT_NS_MNT) && !key_loc(c, "Namespaces").path &&
	    (s->root_directory || s->overlay_upper || s->n_binds))
		s->namespaces |= UNIT_NS_MNT;   /* systemd's defaults: the key adds what it needs */
	if (!(s->namespaces & UNIT_NS_MNT)) {
		bool given[N_ELEM(need_mnt)] = {
			s->root_directory != NULL, s->overlay_upper != NULL, false, false,
		};

		for (size_t i = 0; i < s->n_binds; i++)
			given[s->binds[i].read_only ? 3 : 2] = true;
		for (size_t i = 0; i < N_ELEM(need_mnt); i++) {
			l = key_loc(c, need_mnt[i]);
			if (l.path && given[i]) {
				c->path = l.path;
				keys_error(c, l.line, "%s=: needs the mnt namespace (see Namespaces=)",
					   need_mnt[i]);
			}
		}
	}
	l = key_loc(c, "Hostname");
	if (l.path && s->hostname && !(s->namespaces & UNIT_NS_UTS)) {
		c->path = l.path;
		keys_error(c, l.line, "Hostname=: needs the uts namespace (see Namespaces=)");
	}
	l = key_loc(c, "WorkingDirectory");
	if (l.path && s->working_directory && !unit_sandbox_path_persistent(s, s->working_directory)) {
		c->path = l.path;
		keys_warn(c, l.line, "WorkingDirectory=%s: in the unit's overlay root, what is "
			  "written there is lost when it stops (BindPaths=, ReadWritePaths= or "
			  "OverlayUpper= keep it)", s->working_directory);
	}
	l = key_loc(c, "OverlayUpper");
	if (l.path && s->overlay_upper && !s->overlay) {
		c->path = l.path;
		keys_error(c, l.line, "OverlayUpper=: needs Overlay=yes");
	}
	/* PermissionsStartOnly=yes: every control command (all but ExecStart=)
	 * runs as with '+', full privileges outside User= and the sandbox; as
	 * systemd 252, which clears EXEC_APPLY_SANDBOXING for every control
	 * process, ExecCondition= included. A drop-in may set it after the
	 * commands: applied here, at the end. */
	if (s->permissions_start_only)
		for (int h = 0; h < UNIT_HOOK_MAX; h++)
			for (size_t i = 0; i < s->hooks[h].n; i++)
				s->hooks[h].v[i].flags = (s->hooks[h].v[i].flags &
							  ~(unsigned)(UNIT_CMD_NO_SETUID |
								      UNIT_CMD_AMBIENT)) |
							 UNIT_CMD_PRIVILEGED;
	/* StandardInput=tty*: output follows it unless said otherwise (systemd's
	 * StandardOutput=inherit, StandardError=inherit) */
	if (s->attrs.std_input >= UNIT_INPUT_TTY && s->attrs.std_input <= UNIT_INPUT_TTY_FAIL) {
		if (!key_loc(c, "StandardOutput").path)
			s->std_output.kind = UNIT_OUTPUT_TTY;
		if (!key_loc(c, "StandardError").path)
			s->std_error.kind = s->std_output.kind == UNIT_OUTPUT_TTY ?
					    UNIT_OUTPUT_TTY : s->std_error.kind;
	}
}

/* ---------------------------------------------------------------------- */
/* equality                                                                 */

static bool output_equal(const struct unit_output_spec *a, const struct unit_output_spec *b)
{
	return a->kind == b->kind && streq_ptr(a->path, b->path);
}

static bool binds_equal(const struct unit_spec *a, const struct unit_spec *b)
{
	if (a->n_binds != b->n_binds)
		return false;
	for (size_t i = 0; i < a->n_binds; i++) {
		const struct unit_bind *x = &a->binds[i], *y = &b->binds[i];

		if (!streq_ptr(x->src, y->src) || !streq_ptr(x->dst, y->dst) ||
		    x->read_only != y->read_only || x->optional != y->optional)
			return false;
	}
	return true;
}

static bool field_equal(const struct unit_spec *a, const struct unit_spec *b,
			const struct key_field *f)
{
	const void *x = (const char *)a + f->off, *y = (const char *)b + f->off;

	switch (f->kind) {
	case FK_NONE:
		return true;
	case FK_SCALAR:
		return memcmp(x, y, f->size) == 0;
	case FK_STR:
		return streq_ptr(*(char *const *)x, *(char *const *)y);
	case FK_STRV:
		return unit_strv_equal(*(char **const *)x, *(char **const *)y);
	case FK_OUTPUT:
		return output_equal(x, y);
	case FK_BINDS:
		return binds_equal(a, b);
	case FK_CMDS:
		if (a->n_exec_start != b->n_exec_start)
			return false;
		for (size_t i = 0; i < a->n_exec_start; i++)
			if (a->exec_start[i].flags != b->exec_start[i].flags ||
			    !streq_ptr(a->exec_start[i].path, b->exec_start[i].path) ||
			    !unit_strv_equal(a->exec_start[i].argv, b->exec_start[i].argv))
				return false;
		return true;
	case FK_CMDLIST: {
		const struct unit_cmdlist *p = x, *q = y;

		if (p->n != q->n)
			return false;
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].flags != q->v[i].flags || !streq_ptr(p->v[i].path, q->v[i].path) ||
			    !unit_strv_equal(p->v[i].argv, q->v[i].argv))
				return false;
		return true;
	}
	}
	return false;
}

/* Derived from keys[]: every field a key fills, and the unit's identity
 * (name and path, which no key sets). */
bool unit_spec_equal(const struct unit_spec *a, const struct unit_spec *b)
{
	if (!a || !b)
		return a == b;
	if (strcmp(a->name, b->name) != 0 || !streq_ptr(a->path, b->path) ||
	    !unit_strv_equal(a->sources, b->sources))
		return false;
	if ((a->trigger || b->trigger) && !trigger_equal(a->trigger, b->trigger))
		return false;
	for (size_t i = 0; i < N_KEYS; i++)
		if (!field_equal(a, b, &keys[i].field) || !field_equal(a, b, &keys[i].also))
			return false;
	return true;
}
