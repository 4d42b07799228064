/* SPDX-License-Identifier: MIT */
/*
 * unit.h: describing a unit. Unit files are parsed with inih into validated
 * `struct unit_spec` records; nothing at run time sees the parser.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNIT_NAME_MAX     64          /* [A-Za-z0-9_.@-]{1,64} */
#define UNIT_MAX          4096        /* units in one directory */
#define UNIT_FILE_MAX     (256 * 1024) /* bytes in one unit file */
#define UNIT_LIST_MAX     256         /* words in one list value */
#define UNIT_DIAG_MAX     256         /* diagnostics kept per load */
#define UNIT_INFINITY     UINT64_MAX

enum unit_type { UNIT_SIMPLE, UNIT_NOTIFY, UNIT_ONESHOT };
enum unit_restart { UNIT_RESTART_NO, UNIT_RESTART_ON_FAILURE, UNIT_RESTART_ALWAYS };
enum unit_action { UNIT_ACTION_NONE, UNIT_ACTION_EXIT, UNIT_ACTION_POWEROFF, UNIT_ACTION_REBOOT };
enum unit_output {
	UNIT_OUTPUT_LOG,     /* ring buffer + console with "NAME: " prefix (default) */
	UNIT_OUTPUT_CONSOLE, /* svcinit's console, unprefixed */
	UNIT_OUTPUT_FILE,    /* file:PATH, truncated */
	UNIT_OUTPUT_APPEND,  /* append:PATH */
	UNIT_OUTPUT_NULL,
	UNIT_OUTPUT_INHERIT, /* svcinit's own fd */
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

/* All strings are owned by the spec; string lists are NULL-terminated and
 * never NULL themselves (an empty list is a one-element array {NULL}). */
struct unit_spec {
	char name[UNIT_NAME_MAX + 1];   /* file name without ".service" */
	char *path;                     /* the file it came from */

	/* [Unit] */
	char *description;              /* "" when not given */
	char **after;                   /* unit names, any ".service" suffix removed */
	char **requires;
	char **wants;

	/* [Service] */
	enum unit_type type;
	char **argv;                    /* ExecStart, split; argv[0] as written */
	char **environment;             /* "K=V" in file order */
	char **environment_files;       /* paths; a leading '-' means optional (kept) */
	char *working_directory;        /* NULL: "/" */
	char *user;                     /* NULL: none (stay root) */
	char *group;
	char **supplementary_groups;

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

	bool no_new_privileges;
	bool capability_bounding_set_given;
	uint64_t capability_bounding_set; /* bit n = capability n (libcap numbering) */
	uint64_t ambient_capabilities;

	struct unit_output_spec std_output;
	struct unit_output_spec std_error;

	/* isolation */
	unsigned namespaces;            /* UNIT_NS_* bits; default UNIT_NS_DEFAULT; 0 = none */
	char *hostname;                 /* NULL: the unit name */
	char *root_directory;           /* NULL: "/" */
	bool overlay;                   /* default true */
	char *overlay_upper;            /* NULL: fresh tmpfs */
	struct unit_bind *binds;
	size_t n_binds;

	/* cgroup */
	unsigned limits_set;            /* UNIT_LIM_* bits */
	uint64_t memory_max;            /* bytes or UNIT_INFINITY */
	uint64_t memory_high;
	uint64_t cpu_weight;            /* 1..10000 */
	uint64_t cpu_quota_percent;     /* percent of one CPU, 1..(100*ncpus*..) */
	uint64_t tasks_max;             /* count or UNIT_INFINITY */
	uint64_t io_weight;             /* 1..10000 */
	char *allowed_cpus;             /* cpuset list "0-1,3" */
};

/* Diagnostics of one load: "FILE:LINE: what is wrong", at most UNIT_DIAG_MAX. */
struct unit_diag {
	char *msgs[UNIT_DIAG_MAX];
	size_t n;
	size_t dropped;                 /* messages beyond UNIT_DIAG_MAX */
};

/* A loaded directory: the valid units, sorted by name. */
struct unit_set {
	struct unit_spec **units;
	size_t n;
	char **failed;                  /* names of unit files that had errors (NULL-terminated) */
};

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
void unit_set_free(struct unit_set *set);   /* frees the specs it still holds */
void unit_diag_free(struct unit_diag *diag);
void unit_diag_add(struct unit_diag *diag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Two specs mean the same (for reload: unchanged units are left alone). */
bool unit_spec_equal(const struct unit_spec *a, const struct unit_spec *b);

bool unit_name_valid(const char *name);

/* How many bytes from the start of s are well-formed UTF-8. */
size_t unit_utf8_span(const char *s, size_t n);

/* Value parsers; each returns 0 or -EINVAL (-ERANGE on overflow). */
int unit_parse_time(const char *s, uint64_t *ret_usec);   /* "100ms" "5s" "2min" "3" "infinity" */
int unit_parse_size(const char *s, uint64_t *ret_bytes);  /* "512" "64K" "2M" "1G" "1T" (1024-based), "infinity" */
int unit_parse_bool(const char *s, bool *ret);            /* yes/no true/false on/off 1/0 */
int unit_parse_signal(const char *s, int *ret_signo);     /* "SIGTERM" "TERM" "15" */

/* Split a command line as systemd does: whitespace separates words; "..." and
 * '...' quote; backslash escapes (\n \t \\ \" \' \xNN, and \<space>) inside and
 * outside quotes. Returns 0 and a NULL-terminated argv (at least one word), or
 * -EINVAL with *ret_error a static description ("unbalanced quotes", ...). */
int unit_split_exec(const char *s, char ***ret_argv, const char **ret_error);

/* Same rules for Environment= ("A=1" B=2): each word must be NAME=VALUE with a
 * valid variable name. */
int unit_split_env(const char *s, char ***ret_env, const char **ret_error);

void unit_strv_free(char **v);
size_t unit_strv_len(char *const *v);

const char *unit_type_to_string(enum unit_type t);
const char *unit_action_to_string(enum unit_action a);
const char *unit_restart_to_string(enum unit_restart r);
/* "pid net ipc mnt uts" into buf ("" for 0; whole names only if buf is
 * short); returns buf */
char *unit_ns_to_string(unsigned ns, char *buf, size_t len);
