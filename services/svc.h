/* SPDX-License-Identifier: MIT */
/*
 * svc.h: running units. One `struct svc` per unit: its spec, its state
 * machine (fsm.h), its processes, timer, output pipes and cgroup.
 *
 * init/ drives this module (start, stop, reload, the reaper hands over exit
 * statuses) and is told back through `struct svc_hooks`.
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "services/fsm.h"
#include "services/logbuf.h"
#include "units/unit.h"

#define SVC_WARN_MAX   24
#define SVC_LINE_MAX   1024      /* a longer output line is split */
#define SVC_ERROR_MAX  256

struct cg_ctx;
struct cg_unit;
struct rootfs_plan;
struct svc;

struct svc_output {
	struct svc *svc;
	ev_io io;
	int fd;                       /* read end, -1 when closed */
	int console_fd;               /* where prefixed lines are copied */
	size_t len;
	char line[SVC_LINE_MAX];
};

struct svc {
	struct unit_spec *spec;
	struct unit_spec *next_spec;  /* reload: the definition to use after the stop */
	struct fsm fsm;

	pid_t pid;                    /* svcinit's child (the reaper with a PID ns) */
	pid_t main_pid;               /* the service, in svcinit's PID namespace */
	int reaper_fd;                /* reaper's status channel, -1 */

	unsigned restarts;
	bool have_exit;
	int exit_code;                /* of the last exit, -1: none */
	int exit_signal;              /* of the last exit, 0: none */
	int64_t since;                /* unix time of the last state change */
	bool removed;                 /* reload: gone from the directory; freed once down */
	bool waiting;                 /* wanted up, waiting for After=/Requires= units */
	bool in_cycle;                /* part of a dependency cycle: never started */
	bool reload_start;            /* reload: new or changed, to be started */

	ev_timer timer;
	struct svc_output out[2];     /* stdout, stderr */

	struct logbuf log;            /* the unit's output, for svcctl logs */
	int notify_fd;                /* Type=notify: the unit's NOTIFY_SOCKET, -1 */
	ev_io notify_io;
	char notify_path[108];

	/* freezer: watch the kernel until it reports the state asked for */
	ev_io freeze_io;              /* cgroup.events (v2) through inotify */
	ev_timer freeze_poll;         /* v1 freezer.state has no events */
	int freeze_want;              /* 1 frozen, 0 thawed, -1 not watching */

	struct cg_unit *cg;
	const struct unit_spec *cg_applied;   /* the spec whose limits cg has */
	struct rootfs_plan *root;

	char *warnings[SVC_WARN_MAX];
	size_t n_warnings;
	char error[SVC_ERROR_MAX];    /* the last start error, "" if none */
	char status_text[256];        /* sd_notify STATUS= */
};

struct svc_hooks {
	/* every state change */
	void (*changed)(struct svc *s);
	/* SuccessAction= / FailureAction=; code is the unit's exit code */
	void (*action)(struct svc *s, enum unit_action a, int code);
	/* a line of output was kept in s->log (for followers) */
	void (*output)(struct svc *s, const char *line, size_t len);
	/* the unit is about to be freed (removed by a reload, or at exit) */
	void (*gone)(struct svc *s);
};

struct svc_config {
	const char *units_dir;
	const char *run_dir;          /* e.g. /run/svcinit: per-unit staging dirs live below */
	const char *const *keep_paths;/* bound into every unit's root (control socket dir) */
	struct cg_ctx *cg;            /* may be NULL: no cgroups */
	size_t log_size;              /* ring buffer bytes per unit */
};

int svc_init(struct ev_loop *loop, const struct svc_config *cfg, const struct svc_hooks *hooks);

/* Load the unit directory. Errors are appended to diag; units with errors
 * are not loaded. Returns 0 or -errno if the directory cannot be read. */
int svc_load(struct unit_diag *diag);

/* After svc_load(): the dependency errors (a Requires= unit that does not
 * exist, cycles) as "FILE: ..." messages in diag. Returns how many. */
size_t svc_verify(struct unit_diag *diag);

/* Re-read the directory: start new units, stop removed ones, restart
 * changed ones, leave unchanged ones alone; a file with errors keeps the old
 * definition. Returns 0, -EINVAL if some file had errors (see diag). */
int svc_reload(struct unit_diag *diag);

size_t svc_count(void);
struct svc *svc_at(size_t i);
struct svc *svc_find(const char *name);

/* The unit whose cgroup holds pid (as /proc/PID/cgroup shows it), or NULL. */
struct svc *svc_of_pid(pid_t pid);

int svc_start(struct svc *s);
int svc_stop(struct svc *s);
int svc_restart(struct svc *s);
int svc_pause(struct svc *s);    /* -EINVAL when not running */
int svc_resume(struct svc *s);

void svc_start_all(void);
/* Stop every unit (shutdown). */
void svc_stop_all(void);
/* true when no unit has a process any more */
bool svc_all_down(void);
/* true when every wanted unit is ready, exited or failed */
bool svc_all_settled(void);

/* The reaper hands every exit over here. Returns true if pid was a unit's. */
bool svc_child_exited(pid_t pid, int status);

/* Free everything (after the loop ended), removing the cgroups. */
void svc_free_all(void);

const char *svc_state_name(const struct svc *s);

/* The kernel reports the unit's cgroup frozen (and no change is pending). */
bool svc_frozen(struct svc *s);
/* A freeze or thaw was asked and the kernel has not finished it yet. */
static inline bool svc_freeze_pending(const struct svc *s)
{
	return s->freeze_want >= 0;
}
