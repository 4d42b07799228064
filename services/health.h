/* SPDX-License-Identifier: MIT */
/*
 * health.h: a unit's health checks (HealthCheck=). A check is a child of
 * svcinit that joins the unit's cgroup and namespaces and runs the exec:
 * command as the unit's user, or makes the http:// or tcp: connection
 * itself from inside the unit's network namespace. Its output is read on the
 * loop (bounded), its time is bounded by HealthTimeoutSec= (then SIGKILL),
 * and it is reaped by the one reaper (svc_child_exited hands it over). Each
 * verdict goes to the unit's state machine (FSM_HEALTH_OK, FSM_HEALTH_FAIL).
 */
#pragma once

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HEALTH_OUTPUT_MAX 1024   /* bytes of a check's output kept; the rest is dropped */

struct svc;

struct svc_health {
	pid_t pid;                    /* the check running, 0: none */
	int out_fd;                   /* its stdout+stderr, -1 */
	ev_io out_io;
	ev_timer every;               /* HealthIntervalSec=, the first at once */
	ev_timer deadline;            /* HealthTimeoutSec= */
	bool timed_out;               /* the deadline killed it */
	bool discard;                 /* the unit went down meanwhile: no verdict */
	size_t len;                   /* of buf */
	char buf[HEALTH_OUTPUT_MAX];  /* output of the check running */
	/* the last verdict */
	bool last_ok;
	size_t output_len;
	char output[HEALTH_OUTPUT_MAX];   /* its output, or what went wrong */
	unsigned seq;                 /* verdicts so far (svcctl health waits for the next) */
};

void health_init(struct ev_loop *loop);
/* Part of svc_new() and svc_free(). */
void health_setup(struct svc *s);
void health_free(struct svc *s);

/* After every state change: checks run while the unit is starting or
 * running with its process started, not otherwise (a paused unit is left
 * alone; a check running when the unit goes down is killed). */
void health_sync(struct svc *s);

/* svcctl health: a check now (or the one running). 0, -ENOENT (no
 * HealthCheck=), -ESRCH (the unit is not up). The verdict is the one
 * after s->health.seq as it was before the call. */
int health_run_now(struct svc *s);

/* The reaper's: true if pid was a check (its verdict is taken). */
bool health_child_exited(pid_t pid, int status);
