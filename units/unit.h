/* SPDX-License-Identifier: MIT */
/*
 * unit.h: describing a unit. Unit files are parsed with inih into validated
 * `struct unit_spec` records; nothing at run time sees the parser.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "units/sandbox.h"

/* User=, Group=, SupplementaryGroups= resolved to numbers once per load or
 * reload (services/svc.c fills it; the parser leaves it zeroed): no name
 * service lookup happens when the unit starts. */
#define UNIT_IDENT_GROUPS_MAX 64
struct unit_ident {
	bool resolved;                  /* the lookup was done (error[] says if it failed) */
	bool set;                       /* switch ids (any of the three keys given) */
	bool dynamic;                   /* DynamicUser=: uid (and gid unless Group= is a static
					   group) allocated at each start (services/svc-dyn.c) */
	bool dynamic_gid;               /* ... gid follows the allocated uid */
	uid_t uid;
	gid_t gid;
	int n_groups;
	gid_t groups[UNIT_IDENT_GROUPS_MAX];
	char user[64], home[256], shell[128];
	char error[192];                /* "User=x: no such user", "" when resolved */
};

/* The seccomp programs of a unit (struct sock_filter, one program after the
 * other), compiled at load and reload by services/seccomp.c (the parser
 * leaves it zeroed); the child loads them before exec. */
#define UNIT_SECCOMP_PROGS_MAX 32
struct unit_seccomp {
	bool compiled;                  /* done (error[] says if it failed) */
	unsigned n_progs;
	uint16_t len[UNIT_SECCOMP_PROGS_MAX];   /* instructions of each */
	void *insns;                    /* struct sock_filter[sum of len], malloc'ed */
	char error[192];                /* "SystemCallFilter=: ...", "" when compiled */
};

#define UNIT_NAME_MAX     64          /* [A-Za-z0-9_.@-]{1,64} */
#define UNIT_MAX          4096        /* units in one directory */
#define UNIT_FILE_MAX     (256 * 1024) /* bytes in one unit file */
#define UNIT_LIST_MAX     256         /* words in one list value */
#define UNIT_DIAG_MAX     256         /* diagnostics kept per load */
#define UNIT_INFINITY     UINT64_MAX

/* Type= (the first three keep their values: status and tests know them) */
enum unit_type {
	UNIT_SIMPLE, UNIT_NOTIFY, UNIT_ONESHOT, UNIT_EXEC, UNIT_FORKING, UNIT_IDLE, UNIT_DBUS,
	UNIT_NOTIFY_RELOAD, UNIT_TYPE_MAX,
};
enum unit_restart {
	UNIT_RESTART_NO, UNIT_RESTART_ON_FAILURE, UNIT_RESTART_ALWAYS, UNIT_RESTART_ON_SUCCESS,
	UNIT_RESTART_ON_ABNORMAL, UNIT_RESTART_ON_WATCHDOG, UNIT_RESTART_ON_ABORT,
	UNIT_RESTART_MAX,
};
/* KillMode= */
enum unit_kill_mode {
	UNIT_KILL_CONTROL_GROUP, UNIT_KILL_MIXED, UNIT_KILL_PROCESS, UNIT_KILL_NONE,
	UNIT_KILL_MODE_MAX,
};
/* NotifyAccess= (UNIT_NOTIFY_DEFAULT: not given, svcinit's "all") */
enum unit_notify_access {
	UNIT_NOTIFY_DEFAULT, UNIT_NOTIFY_NONE, UNIT_NOTIFY_MAIN, UNIT_NOTIFY_EXEC, UNIT_NOTIFY_ALL,
	UNIT_NOTIFY_ACCESS_MAX,
};
/* The Exec*= lists beside ExecStart=, in the order systemd runs them. */
enum unit_hook {
	UNIT_HOOK_CONDITION,    /* ExecCondition= */
	UNIT_HOOK_START_PRE,    /* ExecStartPre= */
	UNIT_HOOK_START_POST,   /* ExecStartPost= */
	UNIT_HOOK_RELOAD,       /* ExecReload= */
	UNIT_HOOK_STOP,         /* ExecStop= */
	UNIT_HOOK_STOP_POST,    /* ExecStopPost= */
	UNIT_HOOK_MAX,
};
/* An exit-status set (SuccessExitStatus=, RestartPreventExitStatus=,
 * RestartForceExitStatus=): exit codes 0..255 and signals 1..64. */
struct unit_status_set {
	uint64_t codes[4];              /* bit n%64 of codes[n/64]: exit code n */
	uint64_t signals;               /* bit n-1: signal n */
};
enum unit_action { UNIT_ACTION_NONE, UNIT_ACTION_EXIT, UNIT_ACTION_POWEROFF, UNIT_ACTION_REBOOT };
enum unit_output {
	UNIT_OUTPUT_LOG,     /* ring buffer + console with "NAME: " prefix (default) */
	UNIT_OUTPUT_CONSOLE, /* svcinit's console, unprefixed */
	UNIT_OUTPUT_FILE,    /* file:PATH, truncated */
	UNIT_OUTPUT_APPEND,  /* append:PATH */
	UNIT_OUTPUT_NULL,
	UNIT_OUTPUT_INHERIT, /* svcinit's own fd */
	UNIT_OUTPUT_TTY,     /* TTYPath= (services/attrs.c) */
};

/* Namespaces= bits */
enum {
	UNIT_NS_PID = 1 << 0,
	UNIT_NS_NET = 1 << 1,
	UNIT_NS_IPC = 1 << 2,
	UNIT_NS_MNT = 1 << 3,
	UNIT_NS_UTS = 1 << 4,
	UNIT_NS_CGROUP = 1 << 5,
	UNIT_NS_USER = 1 << 6,
	UNIT_NS_DEFAULT = UNIT_NS_PID | UNIT_NS_NET | UNIT_NS_IPC | UNIT_NS_MNT | UNIT_NS_UTS,
};

/* Which cgroup limits were given (bit set in unit_spec.limits_set). */
enum {
	UNIT_LIM_MEMORY_MAX = 1 << 0,
	UNIT_LIM_MEMORY_HIGH = 1 << 1,
	UNIT_LIM_CPU_WEIGHT = 1 << 2,
	UNIT_LIM_CPU_QUOTA = 1 << 3,
	UNIT_LIM_TASKS_MAX = 1 << 4,
	UNIT_LIM_IO_WEIGHT = 1 << 5,
	UNIT_LIM_ALLOWED_CPUS = 1 << 6,
};

struct unit_bind {
	char *src;
	char *dst;      /* == src when no ":DST" was given (own allocation) */
	bool read_only;
	bool optional;  /* "-SRC": ignored if SRC is missing (as systemd) */
};

struct unit_output_spec {
	enum unit_output kind;
	char *path;     /* file: and append: only */
};

/* One command of ExecStart= (a line may hold several, separated by a bare
 * ";"). */
enum {
	UNIT_CMD_NO_EXPAND = 1 << 0,    /* ':' prefix: no $VAR expansion at start */
	UNIT_CMD_IGNORE = 1 << 1,       /* '-': a failure counts as success */
	UNIT_CMD_ARGV0 = 1 << 2,        /* '@': path holds the program, argv[0] is the 2nd word */
	UNIT_CMD_PRIVILEGED = 1 << 3,   /* '+': root, outside the sandbox */
	UNIT_CMD_NO_SETUID = 1 << 4,    /* '!': User=/Group= not applied */
	UNIT_CMD_AMBIENT = 1 << 5,      /* '!!': as '!' (no ambient-capability fallback needed) */
};
struct unit_cmd {
	char **argv;                    /* argv[0] as written (specifiers expanded) */
	char *path;                     /* '@': the program; NULL: argv[0] */
	unsigned flags;                 /* UNIT_CMD_* */
};
struct unit_cmdlist {
	struct unit_cmd *v;
	size_t n;
};

/* Process attributes of systemd.exec(5) (units/keys.c parses them,
 * services/attrs.c plans and applies them, services/dirs.c makes the
 * directories). */
#define UNIT_RLIMIT_N     16          /* RLIMIT_CPU .. RLIMIT_RTTIME */
struct unit_rlimit {
	bool set;
	uint64_t cur, max;              /* UNIT_INFINITY: unlimited */
};
enum unit_input {
	UNIT_INPUT_NULL,                /* default */
	UNIT_INPUT_TTY,                 /* TTYPath=, made the controlling terminal if free */
	UNIT_INPUT_TTY_FORCE,           /* taken from another session if needed */
	UNIT_INPUT_TTY_FAIL,            /* the start fails if it is not free */
	UNIT_INPUT_FILE,                /* file:PATH, read-only */
	UNIT_INPUT_DATA,                /* StandardInputText=/StandardInputData= */
	UNIT_INPUT_SOCKET,              /* the sockets' part (not here) */
};
enum unit_dir {
	UNIT_DIR_RUNTIME, UNIT_DIR_STATE, UNIT_DIR_CACHE, UNIT_DIR_LOGS, UNIT_DIR_CONFIGURATION,
	UNIT_DIR_N,
};
enum unit_preserve { UNIT_PRESERVE_NO, UNIT_PRESERVE_YES, UNIT_PRESERVE_RESTART };
/* OOMPolicy= (systemd.service(5)) */
enum unit_oom_policy { UNIT_OOM_STOP, UNIT_OOM_CONTINUE, UNIT_OOM_KILL, UNIT_OOM_POLICY_MAX };
struct unit_attrs {
	struct unit_rlimit rlimits[UNIT_RLIMIT_N];   /* indexed by RLIMIT_* */
	int umask;                      /* UMask=, default 0022 */
	bool nice_set;
	int nice;                       /* Nice=: -20..19 */
	bool oom_set;
	int oom_score_adjust;           /* OOMScoreAdjust=: -1000..1000 */
	int io_class;                   /* IOSchedulingClass=: IOPRIO_CLASS_*, -1: not set */
	int io_prio;                    /* IOSchedulingPriority=: 0..7, -1: not set */
	int cpu_policy;                 /* CPUSchedulingPolicy=: SCHED_*, -1: not set */
	int cpu_prio;                   /* CPUSchedulingPriority=: -1: not set */
	bool cpu_reset_on_fork;         /* CPUSchedulingResetOnFork= */
	char *cpu_affinity;             /* CPUAffinity=: normalised "0-1,3", NULL: not set */
	enum unit_input std_input;
	char *input_path;               /* StandardInput=file:PATH */
	char *input_data;               /* StandardInputText=/Data=, decoded, NULL: none */
	size_t input_data_len;
	char *tty_path;                 /* TTYPath=, NULL: /dev/console */
	bool tty_reset, tty_vhangup;
	char *syslog_identifier;        /* SyslogIdentifier=, NULL: the unit's name */
	char **dirs[UNIT_DIR_N];        /* RuntimeDirectory= ...: relative paths */
	unsigned dir_mode[UNIT_DIR_N];  /* *DirectoryMode=, default 0755 */
	enum unit_preserve runtime_preserve;
};

struct unit_parse_state;             /* units/unit.c: between parse_new and parse_finish */
struct unit_trigger;                 /* units/trigger.h: what a .socket or .timer says */

/* HealthCheck= and its keys (svcinit's own; services/health.c runs it). */
enum unit_health_kind { UNIT_HEALTH_NONE, UNIT_HEALTH_EXEC, UNIT_HEALTH_HTTP, UNIT_HEALTH_TCP };
enum unit_health_action {
	UNIT_HEALTH_RESTART,            /* default */
	UNIT_HEALTH_STOP,               /* failed, result "unhealthy", no restart */
	UNIT_HEALTH_IGNORE,             /* "none": reported only */
	UNIT_HEALTH_EXIT,               /* svcinit stops everything, exits 1 */
	UNIT_HEALTH_POWEROFF,
	UNIT_HEALTH_REBOOT,
};
struct unit_health {
	enum unit_health_kind kind;
	char *text;                     /* HealthCheck= as given: what reload compares */
	struct unit_cmd cmd;            /* exec: split as ExecStart= (argv NULL otherwise) */
	int family;                     /* http/tcp: AF_INET or AF_INET6 */
	unsigned char addr[16];         /* http/tcp: the address, network order */
	unsigned port;
	char host[64];                  /* as written (the Host: header) */
	char path[256];                 /* http: "/..." */
	uint64_t interval_usec;         /* HealthIntervalSec=, default 30s */
	uint64_t timeout_usec;          /* HealthTimeoutSec=, default 10s */
	uint64_t start_period_usec;     /* HealthStartPeriodSec=, default 0 */
	unsigned retries;               /* HealthRetries=, default 3 */
	enum unit_health_action on_failure;   /* OnHealthFailure=, default restart */
	bool ready_when_healthy;        /* ReadyWhenHealthy=, default no */
};

/* All strings are owned by the spec; string lists are NULL-terminated and
 * never NULL themselves (an empty list is a one-element array {NULL}). */
struct unit_spec {
	char name[UNIT_NAME_MAX + 1];   /* file name without ".service" */
	char *path;                     /* the file it came from */
	char **sources;                 /* path, then each drop-in applied, in order */
	char **warnings;                /* "FILE:LINE: KEY= is not supported: ignored", ... */

	/* [Unit] */
	char *description;              /* "" when not given */
	char **after;                   /* unit names, any ".service" suffix removed */
	char **requires;
	char **wants;
	/* Condition*= and Assert*= as written, one entry per assignment in file
	 * order: "ConditionPathExists=|!/x" (the whole key, then the value with
	 * its prefixes, specifiers expanded). services/condition.c evaluates
	 * them when the unit is about to start. An empty assignment of any
	 * Condition*= resets conditions, of any Assert*= the asserts. */
	char **conditions;
	char **asserts;
	/* the other dependency keys (systemd.unit(5)), names as in after */
	char **before;
	char **binds_to;
	char **part_of;
	char **conflicts;
	char **requisite;
	char **upholds;
	char **on_failure;
	char **on_success;
	char **propagates_reload_to;
	char **reload_propagated_from;
	bool stop_when_unneeded;
	char **requires_mounts_for;     /* absolute paths */

	/* [Service] */
	enum unit_type type;
	char **argv;                    /* == exec_start[0].argv (not owned), NULL: none */
	struct unit_cmd *exec_start;    /* ExecStart=: several for Type=oneshot only */
	size_t n_exec_start;
	char **environment;             /* "K=V" in file order */
	char **environment_files;       /* paths; a leading '-' means optional (kept) */
	char *working_directory;        /* NULL: "/" */
	char *user;                     /* NULL: none (stay root) */
	char *group;
	char **supplementary_groups;
	char **pass_environment;        /* names taken from svcinit's own environment */
	char **unset_environment;       /* NAME or NAME=VALUE removed at the end */

	enum unit_restart restart;      /* default on-failure */
	uint64_t restart_usec;          /* default 100ms */
	unsigned restart_steps;         /* default 8 */
	uint64_t restart_max_usec;      /* default 30s */
	unsigned start_limit_burst;     /* default 5 */
	uint64_t start_limit_interval_usec; /* default 10s */
	enum unit_action success_action;
	enum unit_action failure_action;
	uint64_t timeout_start_usec;    /* default 90s; UNIT_INFINITY allowed */
	uint64_t timeout_stop_usec;     /* default 10s; UNIT_INFINITY allowed */
	int kill_signal;                /* default SIGTERM */

	/* what the life-cycle keys say (services/fsm.c, services/life.c) */
	struct unit_cmdlist hooks[UNIT_HOOK_MAX];   /* ExecCondition= ... ExecStopPost= */
	bool remain_after_exit;         /* RemainAfterExit= */
	char *pid_file;                 /* PIDFile=, NULL: none */
	bool guess_main_pid;            /* GuessMainPID=, default yes */
	enum unit_kill_mode kill_mode;  /* KillMode=, default control-group */
	int restart_kill_signal;        /* RestartKillSignal=, 0: KillSignal= */
	int final_kill_signal;          /* FinalKillSignal=, default SIGKILL */
	bool send_sigkill;              /* SendSIGKILL=, default yes */
	bool send_sighup;               /* SendSIGHUP=, default no */
	uint64_t timeout_abort_usec;    /* TimeoutAbortSec=, 0: TimeoutStopSec= */
	struct unit_status_set success_status;   /* SuccessExitStatus= */
	struct unit_status_set restart_prevent;  /* RestartPreventExitStatus= */
	struct unit_status_set restart_force;    /* RestartForceExitStatus= */
	uint64_t watchdog_usec;         /* WatchdogSec=, 0: none */
	enum unit_notify_access notify_access;   /* NotifyAccess= */
	char *bus_name;                 /* BusName=: Type=dbus is ready once it has an owner */
	bool dynamic_user;              /* DynamicUser=: a uid/gid of 61184..65519 while it runs */

	bool no_new_privileges;
	bool capability_bounding_set_given;
	uint64_t capability_bounding_set; /* bit n = capability n (libcap numbering) */
	uint64_t ambient_capabilities;

	struct unit_output_spec std_output;
	struct unit_output_spec std_error;

	struct unit_health health;      /* HealthCheck= and the Health*= keys */

	/* seccomp (units/syscall.h): what the keys said, compiled at load into
	 * .seccomp by services/seccomp.c */
	char **syscall_filter;          /* SystemCallFilter=: "name", "name:ERRNO", "name:kill"; NULL: none */
	unsigned syscall_filter_flags;  /* UNIT_SC_GIVEN, UNIT_SC_ALLOW */
	char **syscall_log;             /* SystemCallLog=: names */
	unsigned syscall_log_flags;
	char **syscall_archs;           /* SystemCallArchitectures=: systemd's names */
	int syscall_errno;              /* SystemCallErrorNumber=: 0 kill (default), 1..4095, UNIT_SC_LOG */
	uint64_t restrict_af;           /* RestrictAddressFamilies=: bit n is family n */
	unsigned restrict_af_flags;     /* UNIT_SC_GIVEN (a set), UNIT_SC_ALLOW */
	uint64_t restrict_ns;           /* RestrictNamespaces=: the CLONE_NEW* flags allowed */
	unsigned restrict_ns_flags;     /* UNIT_SC_GIVEN: restrict_ns is set */
	bool memory_deny_write_execute;
	bool restrict_realtime;
	bool restrict_suid_sgid;
	bool lock_personality;
	struct unit_seccomp seccomp;    /* not parsed: compiled at load (see above) */

	/* isolation */
	unsigned namespaces;            /* UNIT_NS_* bits; default UNIT_NS_DEFAULT; 0 = none */
	char *hostname;                 /* NULL: the unit name */
	char *root_directory;           /* NULL: "/" */
	bool overlay;                   /* default true */
	char *overlay_upper;            /* NULL: fresh tmpfs */
	struct unit_bind *binds;
	size_t n_binds;
	struct unit_sandbox sandbox;    /* systemd's sandboxing keys (units/sandbox.h) */

	/* cgroup */
	unsigned limits_set;            /* UNIT_LIM_* bits */
	uint64_t memory_max;            /* bytes or UNIT_INFINITY */
	uint64_t memory_high;
	uint64_t cpu_weight;            /* 1..10000 */
	uint64_t cpu_quota_percent;     /* percent of one CPU, 1..(100*ncpus*..) */
	uint64_t tasks_max;             /* count or UNIT_INFINITY */
	uint64_t io_weight;             /* 1..10000 */
	char *allowed_cpus;             /* cpuset list "0-1,3" */
	/* BPF programs on the unit's cgroup (services/cgroup-bpf.c) */
	int device_policy;              /* DevicePolicy=: UNIT_DEVPOL_* (units/devices.h) */
	char **device_allow;            /* DeviceAllow=: "SPECIFIER ACCESS", as checked */
	char **ip_address_allow;        /* IPAddressAllow=: words (units/ipaddr.h) */
	char **ip_address_deny;         /* IPAddressDeny= */

	struct unit_attrs attrs;        /* process attributes (see above) */

	/* systemd's keys of issue 16 (units/keys.c; each says where it acts) */
	bool permissions_start_only;    /* PermissionsStartOnly=: control commands as with '+' */
	bool ignore_sigpipe;            /* IgnoreSIGPIPE=, default yes */
	bool default_dependencies;      /* DefaultDependencies=, default yes */
	bool remove_ipc;                /* RemoveIPC=: the user's IPC objects go at stop */
	bool delegate;                  /* Delegate=: yes or a controller list */
	char **delegate_controllers;    /* Delegate=LIST (empty for yes) */
	char *apparmor_profile;         /* AppArmorProfile=, "-NAME": optional; NULL: none */
	enum unit_oom_policy oom_policy;   /* OOMPolicy=, default stop */

	/* [Install]: read, stored, acted on by the loader */
	char **alias;                   /* Alias=: full names ("web.service") */
	char **wanted_by;
	char **required_by;
	char **also;
	char *default_instance;         /* DefaultInstance=, NULL: none */

	struct unit_ident ident;        /* not parsed: filled at load (see above) */
	struct unit_trigger *trigger;   /* a .socket or .timer unit (units/trigger.h); NULL: a service */
	bool systemd;                   /* from systemd's search path (its defaults), not a -u DIR */
	struct unit_parse_state *parse; /* only between unit_parse_new and _finish */
};

/* Diagnostics of one load: "FILE:LINE: what is wrong", at most UNIT_DIAG_MAX.
 * msgs[] are errors (a unit with one is rejected); warns[] are warnings (the
 * unit loads; each is also kept in its spec's warnings). */
struct unit_diag {
	char *msgs[UNIT_DIAG_MAX];
	size_t n;
	size_t dropped;                 /* messages beyond UNIT_DIAG_MAX */
	char *warns[UNIT_DIAG_MAX];
	size_t n_warns;
	size_t warns_dropped;
	/* Optional: each message beyond UNIT_DIAG_MAX is handed here (and still
	 * counted as dropped), so that svcinit --check can print them all. */
	void (*overflow)(bool warning, const char *msg);
};

/* A loaded directory: the valid units, sorted by name. */
struct unit_set {
	struct unit_spec **units;
	size_t n;
	char **failed;                  /* names of unit files that had errors (NULL-terminated) */
	char **notes;                   /* units/load.c: "FILE: alias of X", masks, drop-ins; or NULL */
};

/* What specifiers (units/specifier.c) know about the unit being parsed. */
struct unit_host;
struct unit_names {
	const char *name;               /* full unit name: "foo@bar.service" */
	const char *path;               /* its main file (%y), NULL: none */
	const struct unit_host *host;   /* NULL: unit_host_default() */
};

/* Parse in steps, as systemd does: a spec with defaults for n->name (a full
 * name; a bare "web" is taken as "web.service"), then its main file and its
 * drop-ins in order, each with the same rules and diagnostics naming its own
 * FILE:LINE (a later assignment wins, an empty one resets a list), then the
 * checks of the whole unit. unit_parse_file/_text return 0, -EINVAL
 * (reported), or another -errno when the file cannot be read (reported as
 * "FILE: strerror"); each file applied is appended to spec->sources.
 * unit_parse_finish returns 0, or -EINVAL if any step had an error: the
 * caller then frees the spec. */
int unit_parse_new(const struct unit_names *n, struct unit_spec **ret_spec);
int unit_parse_file(struct unit_spec *s, const char *path, struct unit_diag *diag);
int unit_parse_text(struct unit_spec *s, const char *text, size_t len, const char *path,
		    struct unit_diag *diag);
int unit_parse_finish(struct unit_spec *s, struct unit_diag *diag);

/* $VAR and ${VAR} in a command, as systemd.service(5) "COMMAND LINES", from
 * envp ("K=V", the unit's final environment): a word "$NAME" is replaced by
 * the value split at whitespace (quotes respected, then removed: zero or
 * more words), "${NAME}" anywhere in a word by the exact value, "$$" by "$";
 * an unset variable is empty. argv[0] is not expanded. *ret_argv is a new
 * list (unit_strv_free). 0, -E2BIG (too many words) or -ENOMEM. */
int unit_exec_expand(char *const *argv, char *const *envp, char ***ret_argv);

/* Each variable that unit_exec_expand would look up in argv, in order:
 * fn(NAME, its length, data). */
void unit_exec_refs(char *const *argv, void (*fn)(const char *name, size_t len, void *data),
		    void *data);

/* Parse one file. name is the unit name (basename without .service).
 * Returns 0 and *ret_spec, or -EINVAL (diagnostics appended to diag; a unit
 * with any error is rejected whole), or another -errno if it cannot be read
 * (also appended to diag as "FILE: strerror"). */
int unit_load_file(const char *path, const char *name, struct unit_diag *diag,
		   struct unit_spec **ret_spec);

/* Same from memory (for tests and the fuzzer); path is used in messages. */
int unit_load_string(const char *text, size_t len, const char *path, const char *name,
		     struct unit_diag *diag, struct unit_spec **ret_spec);

/* Load every DIR/NAME.service (regular files only, no symlink loops, bounded
 * size and count). Files with errors are listed in ret_set->failed and their
 * messages appended to diag. Returns 0, or -errno if DIR cannot be read. */
int unit_load_dir(const char *dir, struct unit_diag *diag, struct unit_set *ret_set);

void unit_spec_free(struct unit_spec *spec);
/* The defaults of struct unit_attrs (0 or -ENOMEM), and its strings freed. */
int unit_attrs_init(struct unit_attrs *a);
void unit_attrs_free(struct unit_attrs *a);
void unit_set_free(struct unit_set *set);   /* frees the specs it still holds */
void unit_diag_free(struct unit_diag *diag);
void unit_diag_add(struct unit_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void unit_diag_warn(struct unit_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Two specs mean the same (for reload: unchanged units are left alone):
 * every field a key of units/keys.c fills, name and path. */
bool unit_spec_equal(const struct unit_spec *a, const struct unit_spec *b);

bool unit_name_valid(const char *name);

/* How many bytes from the start of s are well-formed UTF-8. */
size_t unit_utf8_span(const char *s, size_t n);

/* Value parsers (units/value.c): 0 or -EINVAL (-ERANGE on overflow). */
int unit_parse_time(const char *s, uint64_t *ret_usec);   /* "100ms" "5s" "2min" "3" "infinity" */
int unit_parse_size(const char *s, uint64_t *ret_bytes);  /* "512" "64K" "2M" "1G" "1T" (1024-based), "infinity" */
int unit_parse_bool(const char *s, bool *ret);            /* yes/no true/false on/off 1/0 */
int unit_parse_signal(const char *s, int *ret_signo);     /* "SIGTERM" "TERM" "15" */

/* Is an exit code (code >= 0) or a signal (sig > 0) in the set? */
static inline bool unit_status_set_has(const struct unit_status_set *set, int code, int sig)
{
	if (sig > 0)
		return sig <= 64 && (set->signals & (UINT64_C(1) << (sig - 1)));
	return code >= 0 && code <= 255 && (set->codes[code / 64] & (UINT64_C(1) << (code % 64)));
}
const char *unit_type_to_string(enum unit_type t);
const char *unit_restart_to_string(enum unit_restart r);
const char *unit_kill_mode_to_string(enum unit_kill_mode m);
const char *unit_oom_policy_to_string(enum unit_oom_policy p);
const char *unit_hook_key(enum unit_hook h);   /* "ExecStartPre" */
/* Type=notify or notify-reload: the unit says READY=1 */
static inline bool unit_type_notifies(enum unit_type t)
{
	return t == UNIT_NOTIFY || t == UNIT_NOTIFY_RELOAD;
}

void unit_strv_free(char **v);
void unit_cmds_free(char ***cmds);      /* a NULL-terminated list of argv */
size_t unit_strv_len(char *const *v);

/* "pid net ipc mnt uts" into buf ("" for 0; whole names only if buf is
 * short); returns buf */
char *unit_ns_to_string(unsigned ns, char *buf, size_t len);
