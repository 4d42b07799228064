/* SPDX-License-Identifier: MIT */
/*
 * svc-internal.h: what the pieces of services/svc*.c share. The interface
 * for the rest of svcinit is svc.h.
 *
 *   svc.c         the unit table, the state machine's actions carried out
 *                 (kill, freezer, timers, watchdog), the public verbs, the
 *                 reaper's exits, creation and teardown
 *   svc-notify.c  a peer's identity (which unit a pid is in) and sd_notify
 *   svc-spawn.c   starting a unit's main and control processes, the spawn
 *                 channels, Type=forking's PIDFile=
 *   svc-cond.c    Condition*=/Assert*= through a checking child
 *   svc-oom.c     OOMPolicy=: the OOM killer's kills in the unit's cgroup
 *   svc-ipc.c     RemoveIPC=: the user's IPC objects removed by a child at stop
 *   svc-bus.c     Type=dbus: BusName= watched on the system bus by a child
 *   svc-dyn.c     DynamicUser=: the uid/gid a unit holds while it runs
 *   svc-deps.c    the dependency graph as it moves units (ordering,
 *                 requirement, Conflicts=, Upholds=), svc_verify
 *   svc-load.c    loading, on-demand instances, svc_reload()
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "services/deps.h"
#include "services/svc.h"

struct svc_mgr {
	struct ev_loop *loop;
	struct svc_config cfg;
	struct svc_hooks hooks;
	struct svc **v;
	size_t n;
	bool stopping_all;        /* shutdown: stop in reverse dependency order */
	bool in_deps;             /* svc_deps_update() is running */
	bool deps_held;           /* svc_reload(): no moves until the new graph */
	struct deps_graph *g;     /* of the definitions that will run */
	struct svc **node_svc;    /* graph node -> unit; NULL once the unit is freed */
	bool graph_dirty;         /* units or definitions changed since g was built */
	struct svc **by_name;     /* every unit, open addressing over deps_hash() */
	size_t by_name_mask;      /* its capacity - 1 */
	ev_timer uphold_w;        /* Upholds= restarts, at the next loop iteration */
};

extern struct svc_mgr svc_mgr;

static inline uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* svc.c */
void svc_warnings_clear(struct svc *s);
void svc_warn_add(struct svc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void svc_warnings_from_spec(struct svc *s);
void svc_warn_limits(struct svc *s, const char *why);
void svc_root_release(struct svc *s);
void svc_cg_watch_update(struct svc *s);
void svc_empty_check(struct svc *s);
void svc_event_in(struct svc *s, enum fsm_event ev, int status, bool main_known);
void svc_event(struct svc *s, enum fsm_event ev, int status);
void svc_want(struct svc *s);
int svc_start_names(struct svc *s, enum deps_kind kind);
ssize_t svc_part_of(struct svc *s, struct svc ***ret);
struct svc *svc_new(struct unit_spec *spec);
int svc_add(struct svc *s);
void svc_free(struct svc *s);

/* svc-notify.c */
bool svc_pid_in_cgroup(struct svc *s, pid_t pid);
void svc_mainpid_forget(struct svc *s);
void svc_mainpid_accept(struct svc *s, pid_t pid);
int svc_notify_open(struct svc *s);
void svc_notify_close(struct svc *s);

/* svc-spawn.c */
void svc_set_error(struct svc *s, const char *what, int err);
int svc_spawn_proc(struct svc *s, size_t cmd, bool control, enum unit_hook hook);
int svc_spawn_cmd(struct svc *s, size_t cmd);
void svc_spawn_close(struct svc *s);
bool svc_spawn_poll(struct svc *s);
void svc_ctl_spawn_close(struct svc *s);
bool svc_ctl_spawn_poll(struct svc *s);
int svc_forking_main(struct svc *s, pid_t *ret);
void svc_spawn_setup(struct svc *s);

/* svc-oom.c */
void svc_oom_setup(struct svc *s);
void svc_oom_watch(struct svc *s);
void svc_oom_unwatch(struct svc *s);
bool svc_oom_killed(struct svc *s);

/* svc-ipc.c */
void svc_ipc_changed(struct svc *s, enum svc_state old);
bool svc_ipc_reaped(pid_t pid, int status);

/* svc-cond.c */
void svc_cond_cancel(struct svc *s);
void svc_cond_verdict(struct svc *s, int verdict, const char *msg);
void svc_cond_start(struct svc *s);
bool svc_cond_reaped(pid_t pid);
void svc_cond_setup(struct svc *s);

/* svc-bus.c */
int svc_bus_start(struct svc *s);
void svc_bus_cancel(struct svc *s);
void svc_bus_sync(struct svc *s);
bool svc_bus_reaped(pid_t pid);
void svc_bus_setup(struct svc *s);

/* svc-dyn.c */
int svc_dyn_acquire(struct svc *s, char *err, size_t errlen);
void svc_dyn_release(struct svc *s);

/* svc-deps.c */
const struct unit_spec *svc_def(const struct svc *s);
struct svc *svc_node_svc(uint32_t v);
bool svc_has_node(const struct svc *s);
int svc_deps_ensure(void);
void svc_log_deps_failed(int r);
void svc_deps_touch(struct svc *s);
void svc_deps_touch_more(uint32_t node);
void svc_deps_touch_gone(uint32_t node);
void svc_deps_touch_all(bool reverse);
void svc_deps_step(struct svc *s);
void svc_deps_update(void);
void svc_deps_init(void);
