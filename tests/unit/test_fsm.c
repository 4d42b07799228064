/* SPDX-License-Identifier: MIT */
/* The service state machine: restarts, backoff, start limit, stop, pause. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "services/fsm.h"
#include "services/pidfile.h"

#define MS 1000ULL
#define SEC 1000000ULL

static char *empty[] = { NULL };

static void spec_defaults(struct unit_spec *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, "t");
	s->after = s->requires = s->wants = empty;
	s->type = UNIT_SIMPLE;
	s->restart = UNIT_RESTART_ON_FAILURE;
	s->restart_usec = 100 * MS;
	s->restart_steps = 8;
	s->restart_max_usec = 30 * SEC;
	s->start_limit_burst = 5;
	s->start_limit_interval_usec = 10 * SEC;
	s->timeout_start_usec = 90 * SEC;
	s->timeout_stop_usec = 10 * SEC;
	s->kill_signal = SIGTERM;
	s->final_kill_signal = SIGKILL;
	s->send_sigkill = true;
	s->guess_main_pid = true;
}

static struct fsm_actions step(struct fsm *f, const struct unit_spec *s, enum fsm_event ev,
			       uint64_t now, int status)
{
	struct fsm_input in = { .event = ev, .now_usec = now, .status = status };
	struct fsm_actions a;

	fsm_step(f, s, &in, &a);
	return a;
}

static int exit_status(int code)
{
	return (code & 0xff) << 8;   /* W_EXITCODE(code, 0) */
}

static void test_simple_start_is_ready(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	a = step(&f, &s, FSM_START, 1 * SEC, 0);
	assert_true(a.spawn);
	assert_int_equal(f.state, SVC_STARTING);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_true(f.ready);
}

static void test_failure_restarts_with_backoff(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;
	uint64_t now = 1 * SEC, last = 0;

	spec_defaults(&s);
	s.start_limit_burst = 100;
	s.restart_usec = 100 * MS;
	s.restart_steps = 4;
	s.restart_max_usec = 1600 * MS;
	fsm_init(&f);
	step(&f, &s, FSM_START, now, 0);
	step(&f, &s, FSM_SPAWNED, now, 0);
	for (int i = 0; i < 6; i++) {
		a = step(&f, &s, FSM_EXITED, now, exit_status(1));
		assert_int_equal(f.state, SVC_RESTARTING);
		assert_true(a.arm);
		assert_true(a.counted_restart);
		assert_true(a.kill_all);
		/* 100 200 400 800 1600 1600 ms: doubling, capped */
		if (i == 0)
			assert_int_equal(a.arm_usec, 100 * MS);
		else if (i < 5)
			assert_int_equal(a.arm_usec, last * 2);
		else
			assert_int_equal(a.arm_usec, 1600 * MS);
		last = a.arm_usec;
		a = step(&f, &s, FSM_TIMEOUT, now, 0);
		assert_true(a.spawn);
		step(&f, &s, FSM_SPAWNED, now, 0);
		now += 10 * MS;
	}
}

static void test_backoff_resets_after_long_run(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.restart_steps = 4;
	s.restart_max_usec = 1600 * MS;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 1 * SEC, exit_status(1));
	step(&f, &s, FSM_TIMEOUT, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 2 * SEC, 0);
	/* up for 100 s, far longer than the longest delay */
	a = step(&f, &s, FSM_EXITED, 102 * SEC, exit_status(1));
	assert_int_equal(a.arm_usec, 100 * MS);
}

static void test_start_limit_fails(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;
	uint64_t now = 5 * SEC;

	spec_defaults(&s);
	s.start_limit_burst = 3;
	s.failure_action = UNIT_ACTION_EXIT;
	fsm_init(&f);
	step(&f, &s, FSM_START, now, 0);
	step(&f, &s, FSM_SPAWNED, now, 0);
	for (int i = 0; i < 3; i++) {
		a = step(&f, &s, FSM_EXITED, now, exit_status(2));
		assert_int_equal(f.state, SVC_RESTARTING);
		assert_int_equal(a.action, UNIT_ACTION_NONE);
		step(&f, &s, FSM_TIMEOUT, now, 0);
		step(&f, &s, FSM_SPAWNED, now, 0);
		now += 100 * MS;
	}
	/* one restart more than the burst */
	a = step(&f, &s, FSM_EXITED, now, exit_status(2));
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_START_LIMIT);
	assert_int_equal(a.action, UNIT_ACTION_EXIT);
	assert_false(a.arm);

	/* only start takes it out of failed, with a fresh limit */
	a = step(&f, &s, FSM_START, now, 0);
	assert_true(a.spawn);
	step(&f, &s, FSM_SPAWNED, now, 0);
	step(&f, &s, FSM_EXITED, now, exit_status(2));
	assert_int_equal(f.state, SVC_RESTARTING);
}

static void test_start_limit_window_slides(void **state)
{
	struct unit_spec s;
	struct fsm f;
	uint64_t now = 1 * SEC;

	spec_defaults(&s);
	s.start_limit_burst = 2;
	s.start_limit_interval_usec = 1 * SEC;
	fsm_init(&f);
	step(&f, &s, FSM_START, now, 0);
	step(&f, &s, FSM_SPAWNED, now, 0);
	/* a failure every 2 s never reaches 3 in one 1 s window */
	for (int i = 0; i < 10; i++) {
		step(&f, &s, FSM_EXITED, now, exit_status(1));
		assert_int_equal(f.state, SVC_RESTARTING);
		step(&f, &s, FSM_TIMEOUT, now, 0);
		step(&f, &s, FSM_SPAWNED, now, 0);
		now += 2 * SEC;
	}
}

static void test_restart_policies(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.restart = UNIT_RESTART_NO;
	s.failure_action = UNIT_ACTION_REBOOT;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_EXITED, 0, exit_status(3));
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_EXIT_CODE);
	assert_int_equal(a.action, UNIT_ACTION_REBOOT);

	/* on-failure: a clean exit is the end */
	spec_defaults(&s);
	s.success_action = UNIT_ACTION_POWEROFF;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_EXITED, 0, exit_status(0));
	assert_int_equal(f.state, SVC_EXITED);
	assert_int_equal(a.action, UNIT_ACTION_POWEROFF);

	/* killed by SIGKILL is a failure, by SIGTERM is clean */
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 0, SIGKILL);
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_int_equal(f.result, FSM_RESULT_SIGNAL);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 0, SIGTERM);
	assert_int_equal(f.state, SVC_EXITED);

	/* always: even a clean exit restarts */
	s.restart = UNIT_RESTART_ALWAYS;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_EXITED, 0, exit_status(0));
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_int_equal(a.action, UNIT_ACTION_NONE);
}

static void test_oneshot(void **state)
{
	struct unit_spec s;
	struct fsm f;

	spec_defaults(&s);
	s.type = UNIT_ONESHOT;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_STARTING);
	assert_false(f.ready);
	step(&f, &s, FSM_EXITED, 0, exit_status(0));
	assert_int_equal(f.state, SVC_EXITED);
	assert_true(f.ready);

	/* a oneshot killed by SIGTERM did not succeed */
	fsm_init(&f);
	s.restart = UNIT_RESTART_NO;
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 0, SIGTERM);
	assert_int_equal(f.state, SVC_FAILED);
}

static void test_stop_escalates(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.timeout_stop_usec = 2 * SEC;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_STOP, 0, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(a.kill);
	assert_false(a.kill_all);
	assert_true(a.arm);
	assert_int_equal(a.arm_usec, 2 * SEC);
	a = step(&f, &s, FSM_TIMEOUT, 2 * SEC, 0);
	/* stop-sigkill: FinalKillSignal= to the main process and the rest */
	assert_true(a.kill);
	assert_int_equal(a.kill_plan.main_sig, SIGKILL);
	assert_int_equal(a.kill_plan.group_sig, SIGKILL);
	assert_int_equal(f.sub, FSM_SUB_STOP_SIGKILL);
	assert_int_equal(f.state, SVC_STOPPING);
	a = step(&f, &s, FSM_EXITED, 2 * SEC, SIGKILL);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_false(a.spawn);
	assert_int_equal(a.action, UNIT_ACTION_NONE);   /* a stop is not a failure */
}

static void test_stop_while_restarting(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 0, exit_status(1));
	assert_int_equal(f.state, SVC_RESTARTING);
	a = step(&f, &s, FSM_STOP, 0, 0);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_true(a.disarm);
	/* a late timer does nothing */
	a = step(&f, &s, FSM_TIMEOUT, 0, 0);
	assert_false(a.spawn);
	assert_int_equal(f.state, SVC_STOPPED);
}

static void test_restart_command(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_RESTART, 0, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(a.kill);
	a = step(&f, &s, FSM_EXITED, 0, SIGTERM);
	assert_true(a.spawn);
	assert_int_equal(f.state, SVC_STARTING);
}

static void test_notify_timeout_fails(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.type = UNIT_NOTIFY;
	s.restart = UNIT_RESTART_NO;
	s.timeout_start_usec = 3 * SEC;
	fsm_init(&f);
	a = step(&f, &s, FSM_START, 0, 0);
	assert_true(a.arm);   /* TimeoutStartSec= runs from the spawn, for every type */
	assert_int_equal(a.arm_usec, 3 * SEC);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_STARTING);
	a = step(&f, &s, FSM_TIMEOUT, 3 * SEC, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(a.kill);
	step(&f, &s, FSM_EXITED, 3 * SEC, SIGTERM);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_START_TIMEOUT);

	/* READY=1 in time */
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_READY, 1 * SEC, 0);
	assert_true(a.disarm);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_true(f.ready);
}

/* Type=dbus: ready once BusName= has an owner (FSM_BUS 1), not at the
 * exec; stopped when it is released (FSM_BUS 0); an exit 0 before the
 * name is a protocol failure; without a bus (bus_absent) as simple. */
static void test_dbus_type(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	(void)state;
	spec_defaults(&s);
	s.type = UNIT_DBUS;
	s.restart = UNIT_RESTART_NO;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_STARTING);   /* the exec is not enough */
	a = step(&f, &s, FSM_BUS, 1 * SEC, 1);
	assert_true(a.disarm);
	assert_int_equal(f.state, SVC_RUNNING);
	a = step(&f, &s, FSM_BUS, 2 * SEC, 1);       /* said again: nothing */
	assert_int_equal(f.state, SVC_RUNNING);
	a = step(&f, &s, FSM_BUS, 3 * SEC, 0);       /* released: stopped */
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(a.kill);
	step(&f, &s, FSM_EXITED, 3 * SEC, SIGTERM);
	assert_int_not_equal(f.state, SVC_FAILED);

	/* gone with 0 before its name: protocol */
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	step(&f, &s, FSM_EXITED, 1 * SEC, 0);
	assert_int_equal(f.result, FSM_RESULT_PROTOCOL);

	/* no bus at the spawn: as simple, up at the exec, an exit 0 is fine */
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	f.bus_absent = true;
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	step(&f, &s, FSM_BUS, 1 * SEC, 0);          /* no watch: nothing to release */
	assert_int_equal(f.state, SVC_RUNNING);

	/* the bus went away while it was starting (bus_absent, FSM_BUS 1) */
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	f.bus_absent = true;
	step(&f, &s, FSM_BUS, 1 * SEC, 1);
	assert_int_equal(f.state, SVC_RUNNING);
}

static void test_pause_holds_timers(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_PAUSE, 0, 0);
	assert_int_equal(f.state, SVC_PAUSED);
	assert_true(a.freeze);
	assert_true(a.disarm);
	/* no timeout acts on a paused unit */
	a = step(&f, &s, FSM_TIMEOUT, 0, 0);
	assert_false(a.kill || a.kill_all || a.spawn);
	assert_int_equal(f.state, SVC_PAUSED);
	a = step(&f, &s, FSM_RESUME, 0, 0);
	assert_true(a.thaw);
	assert_int_equal(f.state, SVC_RUNNING);
	/* stop of a paused unit thaws it first */
	step(&f, &s, FSM_PAUSE, 0, 0);
	a = step(&f, &s, FSM_STOP, 0, 0);
	assert_true(a.thaw);
	assert_true(a.kill);
	assert_int_equal(f.state, SVC_STOPPING);
}

static void test_spawn_failure_goes_through_policy(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_SPAWN_FAILED, 0, 0);
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_int_equal(f.result, FSM_RESULT_SPAWN);
	assert_true(a.arm);
}

static void test_late_reap_of_a_failed_start(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_SPAWN_FAILED, 0, 0);
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_true(a.arm);
	/* the child that failed is reaped afterwards: the restart stays armed */
	a = step(&f, &s, FSM_EXITED, 0, exit_status(127));
	assert_false(a.disarm);
	assert_false(a.spawn);
	assert_int_equal(f.state, SVC_RESTARTING);
	a = step(&f, &s, FSM_TIMEOUT, 1 * SEC, 0);
	assert_true(a.spawn);
}

static void test_delay_curve(void **state)
{
	struct unit_spec s;

	spec_defaults(&s);   /* 100ms .. 30s over 8 steps */
	assert_int_equal(fsm_restart_delay(&s, 0), 100 * MS);
	assert_int_equal(fsm_restart_delay(&s, 8), 30 * SEC);
	assert_int_equal(fsm_restart_delay(&s, 50), 30 * SEC);
	for (unsigned i = 1; i <= 8; i++)
		assert_true(fsm_restart_delay(&s, i) > fsm_restart_delay(&s, i - 1));
	s.restart_usec = 0;   /* RestartSec=0: no delay at all */
	assert_int_equal(fsm_restart_delay(&s, 5), 0);
	s.restart_usec = 100 * MS;
	s.restart_steps = 0;  /* no backoff */
	assert_int_equal(fsm_restart_delay(&s, 5), 100 * MS);
}

/* ---- the sweep: every reachable (state, want) cell x every event ---------- */

#define SWEEP_MAX 8192
#define T(x) (1u << SVC_##x)

/*
 * The transition table: for each (state, event) the states it may move to
 * (staying is always allowed, and is all an empty cell allows). The sweep
 * checks that every step lands in its cell and that every entry of the
 * table is taken by some step: the table is the state machine's map.
 */
static const unsigned targets[SVC_STATE_MAX][FSM_EVENT_MAX] = {
	[SVC_STOPPED] = {
		[FSM_START] = T(STARTING),
		[FSM_RESTART] = T(STARTING),
	},
	[SVC_STARTING] = {
		[FSM_RESTART] = T(STOPPING),
		/* STOPPED: while its conditions are checked, it has no process */
		[FSM_STOP] = T(STOPPING) | T(STOPPED),
		[FSM_REMOVE] = T(STOPPING) | T(STOPPED),
		[FSM_DEP_FAILED] = T(STOPPING) | T(STOPPED),
		[FSM_CONDITION] = T(STARTING) | T(CONDITION_FAILED) | T(FAILED),
		[FSM_SPAWNED] = T(STARTING) | T(RUNNING),
		[FSM_SPAWN_FAILED] = T(STOPPING) | T(RESTARTING) | T(FAILED),
		[FSM_READY] = T(STARTING) | T(RUNNING),
		[FSM_EXITED] = T(STARTING) | T(RUNNING) | T(STOPPING) | T(RESTARTING) | T(EXITED) | T(FAILED),
		[FSM_CONTROL_EXITED] = T(STARTING) | T(RUNNING) | T(STOPPING) | T(EXITED),
		[FSM_TIMEOUT] = T(STOPPING),
		[FSM_PAUSE] = T(PAUSED),
		[FSM_WATCHDOG] = T(STOPPING),
		[FSM_HEALTH_OK] = T(RUNNING), [FSM_HEALTH_FAIL] = T(STOPPING),
		[FSM_OOM] = T(STOPPING),
		[FSM_BUS] = T(STARTING) | T(RUNNING) | T(STOPPING),
	},
	[SVC_RUNNING] = {
		[FSM_RESTART] = T(STARTING) | T(STOPPING),
		[FSM_STOP] = T(STOPPED) | T(STOPPING),
		[FSM_REMOVE] = T(STOPPED) | T(STOPPING),
		[FSM_DEP_FAILED] = T(STOPPED) | T(STOPPING),
		[FSM_READY] = T(RUNNING),
		[FSM_EXITED] = T(STOPPING) | T(RESTARTING) | T(EXITED) | T(FAILED),
		[FSM_CONTROL_EXITED] = T(RUNNING) | T(STOPPING),
		[FSM_TIMEOUT] = T(RUNNING),
		[FSM_PAUSE] = T(PAUSED),
		[FSM_RELOAD] = T(RUNNING),
		[FSM_WATCHDOG] = T(STOPPING),
		[FSM_HEALTH_FAIL] = T(STOPPING),
		/* FAILED: nothing of it was alive any more */
		[FSM_OOM] = T(STOPPING) | T(FAILED) | T(RESTARTING),
		[FSM_BUS] = T(STOPPING),
	},
	[SVC_PAUSED] = {
		[FSM_RESTART] = T(STARTING) | T(STOPPING),
		[FSM_STOP] = T(STOPPED) | T(STOPPING),
		[FSM_REMOVE] = T(STOPPED) | T(STOPPING),
		[FSM_DEP_FAILED] = T(STOPPED) | T(STOPPING),
		[FSM_READY] = T(PAUSED),
		[FSM_EXITED] = T(STARTING) | T(RUNNING) | T(STOPPING) | T(RESTARTING) | T(EXITED) | T(FAILED),
		[FSM_RESUME] = T(STARTING) | T(RUNNING),
	},
	[SVC_STOPPING] = {
		/* EXITED: Type=dbus released its name (a stop not asked for) with
		 * RemainAfterExit=yes */
		[FSM_EXITED] = T(STOPPED) | T(STARTING) | T(STOPPING) | T(RESTARTING) | T(EXITED) |
			       T(FAILED),
		[FSM_CONTROL_EXITED] = T(STOPPED) | T(STARTING) | T(STOPPING) | T(RESTARTING) | T(EXITED) | T(FAILED),
		[FSM_TIMEOUT] = T(STOPPED) | T(STARTING) | T(STOPPING) | T(RESTARTING) | T(FAILED),
	},
	[SVC_RESTARTING] = {
		[FSM_START] = T(STARTING),
		[FSM_RESTART] = T(STARTING),
		[FSM_STOP] = T(STOPPED),
		[FSM_REMOVE] = T(STOPPED),
		[FSM_DEP_FAILED] = T(STOPPED),
		[FSM_TIMEOUT] = T(STARTING),
	},
	[SVC_EXITED] = {
		[FSM_START] = T(STARTING),
		[FSM_RESTART] = T(STARTING) | T(STOPPING),
		[FSM_STOP] = T(STOPPING),
		[FSM_REMOVE] = T(STOPPING),
		[FSM_DEP_FAILED] = T(STOPPING),
	},
	[SVC_FAILED] = {
		[FSM_START] = T(STARTING),
		[FSM_RESTART] = T(STARTING),
	},
	[SVC_CONDITION_FAILED] = {
		[FSM_START] = T(STARTING), [FSM_RESTART] = T(STARTING),
	},
};

static bool in_body(enum svc_state st)   /* has a process, on its way up or up */
{
	return st == SVC_STARTING || st == SVC_RUNNING || st == SVC_PAUSED;
}

static bool same_cell(const struct fsm *a, const struct fsm *b)
{
	return a->state == b->state && a->want == b->want && a->ready == b->ready &&
	       a->result == b->result && a->sub == b->sub && a->main_alive == b->main_alive &&
	       a->ctl_alive == b->ctl_alive && a->stop_asked == b->stop_asked &&
	       a->started == b->started && a->hook == b->hook && a->hook_idx == b->hook_idx &&
	       a->restarting == b->restarting && a->have_main_status == b->have_main_status &&
	       (!a->have_main_status || a->main_status == b->main_status) &&
	       a->health == b->health &&
	       a->checking == b->checking;
}

/* The invariants every transition keeps, whatever the cell and the event. */
static void check_step(const struct fsm *old, const struct fsm *f, const struct unit_spec *s,
		       enum fsm_event ev, bool changed, const struct fsm_actions *a)
{
	/* no transition to an undefined state or want */
	assert_true(f->state < SVC_STATE_MAX);
	assert_true(f->want < FSM_WANT_MAX);
	assert_true(f->sub < FSM_SUB_MAX);
	assert_int_equal(changed, f->state != old->state || f->sub != old->sub);
	/* the sub-state belongs to its state */
	switch (f->sub) {
	case FSM_SUB_CONDITION: case FSM_SUB_START_PRE: case FSM_SUB_START:
	case FSM_SUB_START_POST:
		assert_true(f->state == SVC_STARTING || f->state == SVC_PAUSED);
		break;
	case FSM_SUB_RUNNING: case FSM_SUB_RELOAD:
		/* ReadyWhenHealthy=: running, but starting until a check passed */
		assert_true(f->state == SVC_RUNNING || f->state == SVC_PAUSED ||
			    (f->state == SVC_STARTING && f->sub == FSM_SUB_RUNNING &&
			     s->health.ready_when_healthy && !f->ready));
		break;
	case FSM_SUB_STOP: case FSM_SUB_STOP_SIGTERM: case FSM_SUB_STOP_SIGKILL:
	case FSM_SUB_STOP_POST: case FSM_SUB_FINAL_SIGTERM: case FSM_SUB_FINAL_SIGKILL:
		assert_int_equal(f->state, SVC_STOPPING);
		break;
	case FSM_SUB_EXITED:
		assert_int_equal(f->state, SVC_EXITED);
		break;
	case FSM_SUB_FAILED:
		assert_int_equal(f->state, SVC_FAILED);
		break;
	case FSM_SUB_AUTO_RESTART:
		assert_int_equal(f->state, SVC_RESTARTING);
		break;
	case FSM_SUB_DEAD:
		assert_true(f->state == SVC_STOPPED || f->state == SVC_EXITED ||
			    f->state == SVC_CONDITION_FAILED);
		break;
	case FSM_SUB_MAX:
		break;
	}
	/* a hook runs in its phase only, one at a time */
	if (a->run_hook) {
		assert_true(a->hook_idx < s->hooks[a->hook].n);
		assert_false(a->spawn);
	}
	if (f->ctl_alive)
		assert_true(f->sub == FSM_SUB_CONDITION || f->sub == FSM_SUB_START_PRE ||
			    f->sub == FSM_SUB_START_POST || f->sub == FSM_SUB_RELOAD ||
			    f->sub == FSM_SUB_STOP || f->sub == FSM_SUB_STOP_POST ||
			    f->sub == FSM_SUB_STOP_SIGTERM || f->sub == FSM_SUB_STOP_SIGKILL);
	/* nothing runs in a state that has no process */
	if (f->state == SVC_STOPPED || f->state == SVC_FAILED || f->state == SVC_RESTARTING ||
	    (f->state == SVC_EXITED))
		assert_false(f->main_alive || f->ctl_alive);
	/* the step lands in its cell of the table */
	if (changed)
		assert_true(targets[old->state][ev] & (1u << f->state));
	/* a process on its way up, up or paused is one that is wanted up */
	if (in_body(f->state))
		assert_int_equal(f->want, FSM_WANT_UP);
	/* and one that is down with nothing to restart it is not */
	if (f->state == SVC_STOPPED)
		assert_int_not_equal(f->want, FSM_WANT_UP);
	/* the actions fit the target state */
	if (a->spawn || a->check)
		assert_int_equal(f->state, SVC_STARTING);
	assert_false(a->spawn && a->check);
	/* a unit with conditions checks them before each start; without, spawns */
	if (f->state == SVC_STARTING && old->state != SVC_STARTING && old->state != SVC_PAUSED)
		assert_true(s->conditions ? a->check && f->checking : (a->spawn || a->run_hook));
	if (f->checking)
		assert_int_equal(f->state, SVC_STARTING);
	if (old->checking && f->state != SVC_STARTING)
		assert_true(ev == FSM_CONDITION || a->cancel_check);
	if (old->checking && f->checking && ev != FSM_RESTART)
		assert_false(a->spawn || a->kill || a->freeze || a->arm);
	if (a->freeze)
		assert_int_equal(f->state, SVC_PAUSED);
	if (f->state == SVC_PAUSED && old->state != SVC_PAUSED)
		assert_true(a->freeze);
	if (a->thaw)
		assert_int_equal(old->state, SVC_PAUSED);
	if (old->state == SVC_PAUSED && f->state != SVC_PAUSED)
		assert_true(a->thaw);
	assert_false(a->freeze && a->thaw);
	if (a->kill)
		assert_true(f->state == SVC_STOPPING ||
			    (a->kill_plan.main_sig == 0 && a->kill_plan.group_sig == 0));
	if (f->state == SVC_STOPPING && old->state != SVC_STOPPING)
		assert_true(a->kill || a->run_hook || !f->main_alive);
	if (a->arm)
		assert_true(f->state == SVC_STARTING || f->state == SVC_STOPPING ||
			    f->state == SVC_RESTARTING || f->sub == FSM_SUB_RELOAD);
	if (f->state == SVC_RESTARTING && old->state != SVC_RESTARTING)
		assert_true(a->arm && a->counted_restart);
	if (a->counted_restart)
		assert_int_equal(f->state, SVC_RESTARTING);
	/* a late timer in a state that arms none does nothing */
	if (ev == FSM_TIMEOUT && old->state != SVC_STARTING && old->state != SVC_STOPPING &&
	    old->state != SVC_RESTARTING && old->sub != FSM_SUB_RELOAD)
		assert_true(!changed && !a->spawn && !a->kill && !a->kill_all && !a->arm);
	/* a timer runs only where one is wanted */
	if (f->state != old->state && f->state != SVC_STARTING && f->state != SVC_STOPPING &&
	    f->state != SVC_RESTARTING && (old->state == SVC_STOPPING || old->state == SVC_RESTARTING ||
					   old->state == SVC_STARTING))
		assert_true(a->disarm);
	if (a->action != UNIT_ACTION_NONE && !a->action_code)
		assert_true(changed && (f->state == SVC_EXITED || f->state == SVC_FAILED));
	/* an exit code of its own: OnHealthFailure=exit, poweroff, reboot */
	if (a->action_code)
		assert_true(ev == FSM_HEALTH_FAIL && !changed && a->action != UNIT_ACTION_NONE);
	/* health verdicts only with a check, and only for a unit with a process */
	if (s->health.kind == UNIT_HEALTH_NONE)
		assert_int_equal(f->health, FSM_HEALTH_NONE);
	if ((ev == FSM_HEALTH_OK || ev == FSM_HEALTH_FAIL) && !in_body(old->state))
		assert_true(!changed && !a->kill && !a->spawn);
	/* ready only where it means something; running means ready */
	if (f->ready)
		assert_true(f->state == SVC_RUNNING || f->state == SVC_EXITED ||
			    f->state == SVC_PAUSED);
	if (f->state == SVC_RUNNING)
		assert_true(f->ready);
	/* a stop's reason: asked for, or the first failure of the run */
	if (f->state == SVC_STOPPING && f->stop_asked && old->state != SVC_STOPPING &&
	    ev != FSM_DEP_FAILED)
		assert_true(f->result == FSM_RESULT_NONE || f->result == old->result);
	if (changed && (f->state == SVC_EXITED || f->state == SVC_FAILED))
		assert_int_not_equal(f->result, FSM_RESULT_NONE);
	/* the want is respected */
	switch (ev) {
	case FSM_STOP:
	case FSM_REMOVE:
	case FSM_DEP_FAILED:
		assert_true(f->want != FSM_WANT_UP && f->want != FSM_WANT_QUEUED);
		assert_true(f->state != SVC_RESTARTING && !in_body(f->state));
		assert_false(a->spawn);
		if (ev == FSM_STOP)
			assert_true(f->want == FSM_WANT_DOWN || f->want == FSM_WANT_REMOVE);
		if (ev == FSM_REMOVE)
			assert_int_equal(f->want, FSM_WANT_REMOVE);
		if (ev == FSM_DEP_FAILED)
			assert_int_equal(f->result, FSM_RESULT_DEPENDENCY);
		break;
	case FSM_START:
	case FSM_RESTART:
		if (old->want != FSM_WANT_REMOVE)
			assert_int_equal(f->want, FSM_WANT_UP);
		break;
	case FSM_QUEUE:
		if (old->want != FSM_WANT_REMOVE)
			assert_true(fsm_wants_up(f));
		assert_false(changed);
		break;
	default:
		break;
	}
	if (old->want == FSM_WANT_REMOVE && ev != FSM_KEEP)
		assert_int_equal(f->want, FSM_WANT_REMOVE);
	if (f->want == FSM_WANT_REMOVE)
		assert_false(a->spawn);
	/* only the admin's and the graph's events change the want, and start
	 * and the end of a stop on the way back up */
	if (f->want != old->want)
		assert_true(ev == FSM_START || ev == FSM_STOP || ev == FSM_RESTART ||
			    ev == FSM_DEP_FAILED || ev == FSM_QUEUE || ev == FSM_REMOVE ||
			    ev == FSM_KEEP || ((a->spawn || a->run_hook || a->check) && f->want == FSM_WANT_UP) ||
			    (f->result == FSM_RESULT_EXEC_CONDITION && f->want == FSM_WANT_NONE));
	/* the predicates agree with each other */
	assert_false(fsm_is_ready(f) && fsm_is_done(f));
	if (fsm_is_done(f))
		assert_true(f->state == SVC_STOPPED || f->state == SVC_EXITED ||
			    f->state == SVC_FAILED || f->state == SVC_CONDITION_FAILED);
	if (fsm_is_waiting(f))
		assert_false(fsm_is_settled(f) || fsm_is_done(f));
	if (fsm_is_ready(f) && !fsm_is_waiting(f))
		assert_true(fsm_is_settled(f));
}

/* Breadth first from fsm_init over every event (and for FSM_EXITED every
 * kind of end): each reachable cell is stepped with each event once. */
static unsigned sweep_spec(const struct unit_spec *s, bool seen[SVC_STATE_MAX][FSM_WANT_MAX],
			   unsigned taken[SVC_STATE_MAX][FSM_EVENT_MAX])
{
	static struct fsm cells[SWEEP_MAX];
	static const int statuses[] = { 0, 1 << 8, SIGTERM, SIGKILL, 255 << 8 };
	size_t n = 1, done = 0;
	unsigned steps = 0;
	uint64_t now = 1 * SEC;

	fsm_init(&cells[0]);
	while (done < n) {
		struct fsm from = cells[done++];

		seen[from.state][from.want] = true;
		for (int e = 0; e < FSM_EVENT_MAX; e++) {
			bool many = e == FSM_EXITED || e == FSM_CONTROL_EXITED;

			for (size_t k = 0; k < (many ? 5u : e == FSM_CONDITION ? 3u :
						e == FSM_BUS ? 2u : 1u); k++) {
				struct fsm f = from;
				struct fsm_input in = { .event = (enum fsm_event)e,
							.now_usec = now += 1 * MS,
							.status = e == FSM_CONDITION || e == FSM_BUS ? (int)k :
								  statuses[k],
							.main_known = k % 2 == 0 };
				struct fsm_actions a;
				bool changed = fsm_step(&f, s, &in, &a), known = false;

				steps++;
				check_step(&from, &f, s, (enum fsm_event)e, changed, &a);
				if (changed)
					taken[from.state][e] |= 1u << f.state;
				for (size_t j = 0; j < n && !known; j++)
					known = same_cell(&cells[j], &f);
				if (!known) {
					assert_true(n < SWEEP_MAX);
					cells[n++] = f;
				}
			}
		}
	}
	return steps;
}

static void test_sweep_every_cell(void **state)
{
	static const enum unit_type types[] = { UNIT_SIMPLE, UNIT_NOTIFY, UNIT_ONESHOT,
						UNIT_FORKING, UNIT_NOTIFY_RELOAD, UNIT_DBUS };
	static const enum unit_restart restarts[] = { UNIT_RESTART_NO, UNIT_RESTART_ON_FAILURE,
						      UNIT_RESTART_ALWAYS };
	static char *argv[] = { "true", NULL };
	static struct unit_cmd plain = { argv, NULL, 0 }, ignore = { argv, NULL, UNIT_CMD_IGNORE };
	bool seen[SVC_STATE_MAX][FSM_WANT_MAX] = { { false } };
	unsigned taken[SVC_STATE_MAX][FSM_EVENT_MAX] = { { 0 } };
	unsigned steps = 0, states = 0;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t r = 0; r < 3; r++) {
			for (int burst = 0; burst < 2; burst++) {
				for (int variant = 0; variant < 3; variant++) {
					struct unit_spec s;

					spec_defaults(&s);
					s.type = types[t];
					s.restart = restarts[r];
					s.start_limit_burst = burst ? 1 : 0;
					s.failure_action = UNIT_ACTION_EXIT;
					/* 1: one of every hook; 2: ignored failures,
					 * RemainAfterExit=, KillMode=process, no SIGKILL */
					for (int h = 0; variant && h < UNIT_HOOK_MAX; h++) {
						s.hooks[h].v = variant == 1 ? &plain : &ignore;
						s.hooks[h].n = 1;
					}
					if (variant == 2) {
						s.remain_after_exit = true;
						s.kill_mode = UNIT_KILL_PROCESS;
						s.send_sigkill = false;
					}
					steps += sweep_spec(&s, seen, taken);
					/* with a health check: each OnHealthFailure=,
					 * gated or not */
					for (int h = 0; variant == 0 && h <= UNIT_HEALTH_REBOOT; h++) {
						s.health.kind = UNIT_HEALTH_EXEC;
						s.health.retries = 1;
						s.health.on_failure = (enum unit_health_action)h;
						s.health.ready_when_healthy = h % 2;
						steps += sweep_spec(&s, seen, taken);
					}
					/* with a Condition*= */
					if (variant != 2) {
						static char *conds[] = { "ConditionPathExists=/x", NULL };

						s.health.kind = UNIT_HEALTH_NONE;
						s.conditions = conds;
						steps += sweep_spec(&s, seen, taken);
						s.conditions = NULL;
					}
				}
			}
		}
	}
	/* every state is reached, and with each want it may have (STOPPED is
	 * never wanted up: that is RESTARTING or STARTING) */
	for (int st = 0; st < SVC_STATE_MAX; st++) {
		bool any = false;

		for (int w = 0; w < FSM_WANT_MAX; w++)
			any = any || seen[st][w];
		states += any;
		if (in_body((enum svc_state)st))
			for (int w = 0; w < FSM_WANT_MAX; w++)
				assert_true(!seen[st][w] || w == FSM_WANT_UP);
	}
	assert_int_equal(states, SVC_STATE_MAX);
	for (int w = 0; w < FSM_WANT_MAX; w++) {
		assert_true(seen[SVC_STOPPED][w] || w == FSM_WANT_UP);
		assert_true(seen[SVC_STOPPING][w]);
	}
	assert_true(seen[SVC_RESTARTING][FSM_WANT_QUEUED]);
	/* every entry of the table is a transition some step takes */
	unsigned wrong = 0;

	for (int st = 0; st < SVC_STATE_MAX; st++)
		for (int e = 0; e < FSM_EVENT_MAX; e++) {
			if (taken[st][e] != targets[st][e]) {
				print_message("cell %s x %s: table %#x, taken %#x\n",
					      fsm_state_to_string((enum svc_state)st),
					      fsm_event_to_string((enum fsm_event)e), targets[st][e],
					      taken[st][e]);
				wrong++;
			}
		}
	assert_int_equal(wrong, 0);
	assert_true(steps > 1000);
}

/* A start that timed out ends failed once its stop is over; an admin's
 * stop in between makes it end stopped, and the result is still the first
 * failure of the run (systemd's Result=timeout). */
static void test_timeout_stop_reason(void **state)
{
	struct unit_spec s;
	struct fsm f;

	spec_defaults(&s);
	s.type = UNIT_NOTIFY;
	s.restart = UNIT_RESTART_NO;
	fsm_init(&f);
	step(&f, &s, FSM_START, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	step(&f, &s, FSM_TIMEOUT, 100 * SEC, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(f.want, FSM_WANT_UP);
	step(&f, &s, FSM_STOP, 101 * SEC, 0);
	assert_int_equal(f.want, FSM_WANT_DOWN);
	step(&f, &s, FSM_EXITED, 102 * SEC, SIGTERM);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.result, FSM_RESULT_START_TIMEOUT);
	assert_true(fsm_is_done(&f));
}

/* Queued units wait; removed units never come up; a kept one may again. */
static void test_want_queue_remove_keep(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	fsm_init(&f);
	a = step(&f, &s, FSM_QUEUE, 1 * SEC, 0);
	assert_false(a.spawn);
	assert_true(fsm_is_waiting(&f));
	assert_false(fsm_is_settled(&f));
	assert_false(fsm_is_done(&f));
	step(&f, &s, FSM_START, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	assert_true(fsm_is_ready(&f) && fsm_is_settled(&f));
	step(&f, &s, FSM_REMOVE, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	a = step(&f, &s, FSM_START, 2 * SEC, 0);
	a = step(&f, &s, FSM_EXITED, 3 * SEC, SIGTERM);
	assert_false(a.spawn);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.want, FSM_WANT_REMOVE);
	step(&f, &s, FSM_KEEP, 4 * SEC, 0);
	assert_int_equal(f.want, FSM_WANT_NONE);
	a = step(&f, &s, FSM_START, 5 * SEC, 0);
	assert_true(a.spawn);
}


/* ---- systemd's life cycle (issue 16) ---------------------------------- */

static char *hook_argv[] = { "true", NULL };
static struct unit_cmd hook_plain[2] = { { hook_argv, NULL, 0 }, { hook_argv, NULL, 0 } };
static struct unit_cmd hook_ignore = { hook_argv, NULL, UNIT_CMD_IGNORE };

/* Restart= x the kind of end: the table of systemd.service(5). */
static void test_restart_table(void **state)
{
	static const enum unit_restart values[] = {
		UNIT_RESTART_NO, UNIT_RESTART_ALWAYS, UNIT_RESTART_ON_SUCCESS,
		UNIT_RESTART_ON_FAILURE, UNIT_RESTART_ON_ABNORMAL, UNIT_RESTART_ON_ABORT,
		UNIT_RESTART_ON_WATCHDOG,
	};
	/* columns: no always on-success on-failure on-abnormal on-abort on-watchdog */
	static const struct { enum fsm_result r; int code, sig; bool want[7]; } rows[] = {
		{ FSM_RESULT_SUCCESS, 0, 0,          { 0, 1, 1, 0, 0, 0, 0 } },
		{ FSM_RESULT_EXIT_CODE, 1, 0,        { 0, 1, 0, 1, 0, 0, 0 } },
		{ FSM_RESULT_SIGNAL, -1, SIGSEGV,    { 0, 1, 0, 1, 1, 1, 0 } },
		{ FSM_RESULT_CORE_DUMP, -1, SIGABRT, { 0, 1, 0, 1, 1, 1, 0 } },
		{ FSM_RESULT_TIMEOUT, -1, 0,         { 0, 1, 0, 1, 1, 0, 0 } },
		{ FSM_RESULT_START_TIMEOUT, -1, 0,   { 0, 1, 0, 1, 1, 0, 0 } },
		{ FSM_RESULT_WATCHDOG, -1, SIGABRT,  { 0, 1, 0, 1, 1, 0, 1 } },
	};
	struct unit_spec s;

	spec_defaults(&s);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (size_t j = 0; j < 7; j++) {
			s.restart = values[j];
			if (fsm_restart_wanted(&s, rows[i].r, rows[i].code, rows[i].sig) !=
			    rows[i].want[j])
				fail_msg("Restart= value %d, result %s: expected %d", (int)values[j],
					 fsm_result_to_string(rows[i].r), rows[i].want[j]);
		}
	/* the sets: prevent wins over Restart=always, force restarts even no */
	s.restart = UNIT_RESTART_ALWAYS;
	s.restart_prevent.codes[0] = 1u << 3;
	assert_false(fsm_restart_wanted(&s, FSM_RESULT_EXIT_CODE, 3, 0));
	assert_true(fsm_restart_wanted(&s, FSM_RESULT_EXIT_CODE, 4, 0));
	s.restart = UNIT_RESTART_NO;
	s.restart_force.signals = 1ull << (SIGUSR1 - 1);
	assert_true(fsm_restart_wanted(&s, FSM_RESULT_SIGNAL, -1, SIGUSR1));
	assert_false(fsm_restart_wanted(&s, FSM_RESULT_SIGNAL, -1, SIGUSR2));
	/* SuccessExitStatus=: an exit code, a signal, counted clean */
	s.success_status.codes[42 / 64] = 1ull << 42;
	s.success_status.signals = 1ull << (SIGUSR2 - 1);
	assert_int_equal(fsm_result_of(&s, exit_status(42)), FSM_RESULT_SUCCESS);
	assert_int_equal(fsm_result_of(&s, exit_status(41)), FSM_RESULT_EXIT_CODE);
	assert_int_equal(fsm_result_of(&s, SIGUSR2), FSM_RESULT_SUCCESS);
	assert_int_equal(fsm_result_of(&s, SIGTERM), FSM_RESULT_SUCCESS);
	assert_int_equal(fsm_result_of(&s, SIGSEGV), FSM_RESULT_SIGNAL);
	s.type = UNIT_ONESHOT;
	assert_int_equal(fsm_result_of(&s, SIGTERM), FSM_RESULT_SIGNAL);
}

/* KillMode= x the phase of a stop: who gets which signal. */
static void test_kill_mode_plan(void **state)
{
	struct unit_spec s;
	struct fsm_kill_plan p;

	spec_defaults(&s);
	s.kill_signal = SIGINT;
	s.restart_kill_signal = SIGUSR1;
	s.final_kill_signal = SIGQUIT;
	p = fsm_kill_plan(&s, FSM_KILL_TERM, false);
	assert_true(p.main_sig == SIGINT && p.group_sig == SIGINT && p.control_sig == SIGINT);
	assert_true(p.wait && !p.sighup);
	p = fsm_kill_plan(&s, FSM_KILL_TERM, true);
	assert_int_equal(p.main_sig, SIGUSR1);   /* RestartKillSignal= */
	p = fsm_kill_plan(&s, FSM_KILL_KILL, false);
	assert_true(p.main_sig == SIGQUIT && p.group_sig == SIGQUIT);

	s.kill_mode = UNIT_KILL_MIXED;
	p = fsm_kill_plan(&s, FSM_KILL_TERM, false);
	assert_true(p.main_sig == SIGINT && p.group_sig == 0);
	p = fsm_kill_plan(&s, FSM_KILL_KILL, false);
	assert_true(p.main_sig == SIGQUIT && p.group_sig == SIGQUIT);

	s.kill_mode = UNIT_KILL_PROCESS;
	s.send_sighup = true;
	p = fsm_kill_plan(&s, FSM_KILL_TERM, false);
	assert_true(p.main_sig == SIGINT && p.group_sig == 0 && p.sighup);
	p = fsm_kill_plan(&s, FSM_KILL_KILL, false);
	assert_true(p.main_sig == SIGQUIT && p.group_sig == 0 && !p.sighup);

	s.kill_mode = UNIT_KILL_NONE;
	p = fsm_kill_plan(&s, FSM_KILL_TERM, false);
	assert_true(!p.main_sig && !p.group_sig && !p.control_sig && !p.wait && !p.sighup);

	s.kill_mode = UNIT_KILL_CONTROL_GROUP;
	s.send_sigkill = false;
	p = fsm_kill_plan(&s, FSM_KILL_KILL, false);
	assert_true(!p.main_sig && !p.group_sig && !p.wait);
}

/* The order of a whole life: condition, pre, main, post, running, reload,
 * stop, kill, stop-post, dead; $MAINPID's hooks see the main process. */
static void test_hook_order(void **state)
{
	static const struct { enum fsm_sub sub; enum unit_hook hook; } want[] = {
		{ FSM_SUB_CONDITION, UNIT_HOOK_CONDITION }, { FSM_SUB_START_PRE, UNIT_HOOK_START_PRE },
		{ FSM_SUB_START_PRE, UNIT_HOOK_START_PRE },
	};
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	for (int h = 0; h < UNIT_HOOK_MAX; h++) {
		s.hooks[h].v = hook_plain;
		s.hooks[h].n = 1;
	}
	s.hooks[UNIT_HOOK_START_PRE].n = 2;
	fsm_init(&f);
	a = step(&f, &s, FSM_START, 0, 0);
	for (size_t i = 0; i < 3; i++) {
		assert_true(a.run_hook && !a.spawn);
		assert_int_equal(a.hook, want[i].hook);
		assert_int_equal(f.sub, want[i].sub);
		assert_int_equal(f.state, SVC_STARTING);
		a = step(&f, &s, FSM_CONTROL_EXITED, 0, 0);
	}
	assert_true(a.spawn && !a.run_hook);
	assert_int_equal(f.sub, FSM_SUB_START);
	a = step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_true(a.run_hook && a.hook == UNIT_HOOK_START_POST);
	assert_int_equal(f.state, SVC_STARTING);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_int_equal(f.sub, FSM_SUB_RUNNING);
	assert_true(f.ready);

	a = step(&f, &s, FSM_RELOAD, 0, 0);
	assert_true(a.run_hook && a.hook == UNIT_HOOK_RELOAD);
	assert_int_equal(f.sub, FSM_SUB_RELOAD);
	assert_int_equal(f.state, SVC_RUNNING);   /* a reload keeps it running */
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, exit_status(1));
	assert_int_equal(f.sub, FSM_SUB_RUNNING);
	assert_true(f.reload_failed);   /* failed: it stays running */

	a = step(&f, &s, FSM_STOP, 0, 0);
	assert_true(a.run_hook && a.hook == UNIT_HOOK_STOP && !a.kill);
	assert_int_equal(f.sub, FSM_SUB_STOP);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, 0);
	assert_true(a.kill && a.kill_plan.main_sig == SIGTERM);
	assert_int_equal(f.sub, FSM_SUB_STOP_SIGTERM);
	a = step(&f, &s, FSM_EXITED, 0, SIGTERM);
	assert_true(a.run_hook && a.hook == UNIT_HOOK_STOP_POST);
	assert_true(a.kill_all);   /* what the main process left behind */
	assert_int_equal(f.sub, FSM_SUB_STOP_POST);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, 0);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.sub, FSM_SUB_DEAD);
	assert_int_equal(f.result, FSM_RESULT_SUCCESS);
}

/* ExecStartPre failing: the start fails, ExecStopPost runs, ExecStop not;
 * with '-' it goes on. ExecCondition 1..254 skips, 255 fails. */
static void test_hook_failures(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.restart = UNIT_RESTART_NO;
	s.hooks[UNIT_HOOK_START_PRE].v = hook_plain;
	s.hooks[UNIT_HOOK_START_PRE].n = 1;
	s.hooks[UNIT_HOOK_STOP].v = hook_plain;
	s.hooks[UNIT_HOOK_STOP].n = 1;
	s.hooks[UNIT_HOOK_STOP_POST].v = hook_plain;
	s.hooks[UNIT_HOOK_STOP_POST].n = 1;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, exit_status(2));
	assert_false(a.spawn);
	assert_true(a.run_hook && a.hook == UNIT_HOOK_STOP_POST);   /* not ExecStop */
	step(&f, &s, FSM_CONTROL_EXITED, 0, 0);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_EXIT_CODE);

	s.hooks[UNIT_HOOK_START_PRE].v = &hook_ignore;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, exit_status(2));
	assert_true(a.spawn);   /* '-': the failure is ignored */

	spec_defaults(&s);
	s.restart = UNIT_RESTART_ALWAYS;
	s.hooks[UNIT_HOOK_CONDITION].v = hook_plain;
	s.hooks[UNIT_HOOK_CONDITION].n = 1;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_CONTROL_EXITED, 0, exit_status(1));
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.result, FSM_RESULT_EXEC_CONDITION);
	assert_false(a.arm && a.counted_restart);   /* skipped: never restarted */
	assert_true(fsm_is_done(&f));
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_CONTROL_EXITED, 0, exit_status(255));
	assert_int_equal(f.state, SVC_RESTARTING);   /* a failure: Restart= applies */
}

/* Type=forking and oneshot with RemainAfterExit=. */
static void test_forking_and_remain(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_input in = { .event = FSM_EXITED, .status = 0, .main_known = true };
	struct fsm_actions a;

	spec_defaults(&s);
	s.type = UNIT_FORKING;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_STARTING);   /* not until the first process exits */
	fsm_step(&f, &s, &in, &a);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_true(f.main_alive);
	/* without a daemon found: the start fails */
	fsm_init(&f);
	s.restart = UNIT_RESTART_NO;
	step(&f, &s, FSM_START, 0, 0);
	in.main_known = false;
	fsm_step(&f, &s, &in, &a);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_RESOURCES);

	spec_defaults(&s);
	s.type = UNIT_ONESHOT;
	s.remain_after_exit = true;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_EXITED, 0, 0);
	assert_int_equal(f.state, SVC_EXITED);
	assert_int_equal(f.sub, FSM_SUB_EXITED);
	assert_true(fsm_is_active(&f) && fsm_is_ready(&f));
	a = step(&f, &s, FSM_STOP, 0, 0);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_false(fsm_is_active(&f));
}

/* WatchdogSec= missed: SIGABRT, result watchdog, Restart=on-watchdog. */
static void test_watchdog(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_defaults(&s);
	s.restart = UNIT_RESTART_ON_WATCHDOG;
	s.timeout_abort_usec = 3 * SEC;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	a = step(&f, &s, FSM_WATCHDOG, 1 * SEC, 0);
	assert_true(a.kill && a.kill_plan.main_sig == SIGABRT);
	assert_int_equal(a.arm_usec, 3 * SEC);   /* TimeoutAbortSec= */
	assert_int_equal(f.result, FSM_RESULT_WATCHDOG);
	a = step(&f, &s, FSM_EXITED, 2 * SEC, SIGABRT);
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_true(a.counted_restart);
	/* a clean exit is not restarted by on-watchdog */
	step(&f, &s, FSM_TIMEOUT, 3 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 3 * SEC, 0);
	step(&f, &s, FSM_EXITED, 4 * SEC, exit_status(0));
	assert_int_equal(f.state, SVC_EXITED);
}

/* OOMPolicy=: an OOM kill of another process stops the unit (stop, kill)
 * with result oom-kill, or changes nothing (continue); the main process's
 * own SIGKILL from the OOM killer is that result too. */
static void test_oom_policy(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;
	struct fsm_input in = { .event = FSM_EXITED, .status = SIGKILL, .oom = true };

	(void)state;
	spec_defaults(&s);
	s.restart = UNIT_RESTART_NO;
	s.oom_policy = UNIT_OOM_CONTINUE;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	step(&f, &s, FSM_OOM, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_int_equal(f.result, FSM_RESULT_NONE);

	s.oom_policy = UNIT_OOM_STOP;
	a = step(&f, &s, FSM_OOM, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_true(a.kill && a.kill_plan.main_sig == SIGTERM);
	step(&f, &s, FSM_EXITED, 3 * SEC, SIGTERM);
	assert_int_equal(f.state, SVC_FAILED);
	assert_string_equal(fsm_result_to_string(f.result), "oom-kill");

	/* the main process itself: oom-kill rather than signal, and Restart=
	 * on-failure restarts it (on-abort would not) */
	s.oom_policy = UNIT_OOM_KILL;
	s.restart = UNIT_RESTART_ON_FAILURE;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	in.now_usec = 1 * SEC;
	fsm_step(&f, &s, &in, &a);
	assert_int_equal(f.result, FSM_RESULT_OOM_KILL);
	assert_int_equal(f.state, SVC_RESTARTING);
	assert_false(fsm_restart_wanted(&s, FSM_RESULT_OOM_KILL, -1, SIGKILL) == false);
	s.restart = UNIT_RESTART_ON_ABORT;
	assert_false(fsm_restart_wanted(&s, FSM_RESULT_OOM_KILL, -1, SIGKILL));
	/* with continue, the same SIGKILL is a plain signal */
	s.oom_policy = UNIT_OOM_CONTINUE;
	s.restart = UNIT_RESTART_NO;
	fsm_init(&f);
	step(&f, &s, FSM_START, 0, 0);
	step(&f, &s, FSM_SPAWNED, 0, 0);
	fsm_step(&f, &s, &in, &a);
	assert_int_equal(f.result, FSM_RESULT_SIGNAL);
}

static void test_pidfile_parse(void **state)
{
	pid_t p = 0;
	char buf[64];

	assert_int_equal(pidfile_parse("1234\n", 5, &p), 0);
	assert_int_equal(p, 1234);
	assert_int_equal(pidfile_parse("  77 ", 5, &p), 0);
	assert_int_equal(p, 77);
	assert_int_equal(pidfile_parse("", 0, &p), -EINVAL);
	assert_int_equal(pidfile_parse("0\n", 2, &p), -EINVAL);
	assert_int_equal(pidfile_parse("-5\n", 3, &p), -EINVAL);
	assert_int_equal(pidfile_parse("12 34", 5, &p), -EINVAL);
	assert_int_equal(pidfile_parse("99999999999", 11, &p), -EINVAL);
	assert_int_equal(pidfile_parse("12\0", 3, &p), -EINVAL);
	assert_string_equal(pidfile_path("/var/run/nginx.pid", buf, sizeof(buf)), "/run/nginx.pid");
	assert_string_equal(pidfile_path("/run/x.pid", buf, sizeof(buf)), "/run/x.pid");
}

/* ---- health checks ------------------------------------------------------ */

static void spec_health(struct unit_spec *s, enum unit_health_action on_failure)
{
	spec_defaults(s);
	s->health.kind = UNIT_HEALTH_TCP;
	s->health.interval_usec = 1 * SEC;
	s->health.timeout_usec = 1 * SEC;
	s->health.retries = 3;
	s->health.on_failure = on_failure;
}

static void start_running(struct fsm *f, const struct unit_spec *s, uint64_t now)
{
	fsm_init(f);
	step(f, s, FSM_START, now, 0);
	step(f, s, FSM_SPAWNED, now, 0);
}

static void test_health_unhealthy_after_retries(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_health(&s, UNIT_HEALTH_IGNORE);
	start_running(&f, &s, 1 * SEC);
	assert_int_equal(f.health, FSM_HEALTH_STARTING);
	assert_int_equal(f.state, SVC_RUNNING);   /* not gated: ready as a simple unit is */
	step(&f, &s, FSM_HEALTH_OK, 2 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_HEALTHY);
	a = step(&f, &s, FSM_HEALTH_FAIL, 3 * SEC, 0);
	a = step(&f, &s, FSM_HEALTH_FAIL, 4 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_HEALTHY);   /* two of three: still healthy */
	assert_int_equal(f.health_failures, 2);
	a = step(&f, &s, FSM_HEALTH_FAIL, 5 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_UNHEALTHY);
	assert_int_equal(f.health_failures, 3);
	/* none: reported only */
	assert_false(a.kill);
	assert_int_equal(a.action, UNIT_ACTION_NONE);
	assert_int_equal(f.state, SVC_RUNNING);
	/* a pass in between starts the count again */
	step(&f, &s, FSM_HEALTH_OK, 6 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_HEALTHY);
	assert_int_equal(f.health_failures, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 7 * SEC, 0);
	step(&f, &s, FSM_HEALTH_OK, 8 * SEC, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 9 * SEC, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 10 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_HEALTHY);
}

static void test_health_start_period(void **state)
{
	struct unit_spec s;
	struct fsm f;

	spec_health(&s, UNIT_HEALTH_IGNORE);
	s.health.retries = 1;
	s.health.start_period_usec = 5 * SEC;
	start_running(&f, &s, 10 * SEC);
	step(&f, &s, FSM_HEALTH_FAIL, 11 * SEC, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 14 * SEC + 999 * MS, 0);
	assert_int_equal(f.health, FSM_HEALTH_STARTING);
	assert_int_equal(f.health_failures, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 15 * SEC, 0);
	assert_int_equal(f.health, FSM_HEALTH_UNHEALTHY);
}

static void test_health_restart_counts_as_failure(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;
	uint64_t now = 1 * SEC;

	spec_health(&s, UNIT_HEALTH_RESTART);
	s.health.retries = 1;
	s.restart = UNIT_RESTART_NO;   /* OnHealthFailure=restart restarts all the same */
	s.start_limit_burst = 2;
	fsm_init(&f);
	step(&f, &s, FSM_START, now, 0);
	for (int round = 0; round < 3; round++) {
		step(&f, &s, FSM_SPAWNED, now, 0);
		a = step(&f, &s, FSM_HEALTH_FAIL, now += SEC, 0);
		assert_true(a.kill);
		assert_int_equal(f.state, SVC_STOPPING);
		assert_int_equal(f.result, FSM_RESULT_UNHEALTHY);
		/* SIGTERM, a clean end: still a failure */
		a = step(&f, &s, FSM_EXITED, now += 10 * MS, W_EXITCODE(0, SIGTERM) | SIGTERM);
		if (round < 2) {
			assert_int_equal(f.state, SVC_RESTARTING);
			assert_true(a.counted_restart);
			step(&f, &s, FSM_TIMEOUT, now += SEC, 0);
			assert_int_equal(f.state, SVC_STARTING);
			assert_int_equal(f.health, FSM_HEALTH_STARTING);   /* a new start, no verdict */
			assert_int_equal(f.health_failures, 0);
		}
	}
	/* the third one within the interval hits StartLimitBurst=2 */
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_START_LIMIT);
}

static void test_health_stop_fails_for_good(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_health(&s, UNIT_HEALTH_STOP);
	s.restart = UNIT_RESTART_ALWAYS;
	s.failure_action = UNIT_ACTION_REBOOT;
	start_running(&f, &s, 1 * SEC);
	step(&f, &s, FSM_HEALTH_FAIL, 2 * SEC, 0);
	step(&f, &s, FSM_HEALTH_FAIL, 3 * SEC, 0);
	a = step(&f, &s, FSM_HEALTH_FAIL, 4 * SEC, 0);
	assert_true(a.kill);
	assert_int_equal(f.state, SVC_STOPPING);
	a = step(&f, &s, FSM_EXITED, 5 * SEC, SIGTERM);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_UNHEALTHY);
	assert_false(a.counted_restart);
	assert_int_equal(a.action, UNIT_ACTION_REBOOT);   /* FailureAction=: it failed for good */
	assert_true(fsm_is_done(&f));
	assert_int_equal(f.health, FSM_HEALTH_UNHEALTHY);
}

static void test_health_exit_actions(void **state)
{
	static const struct { enum unit_health_action h; enum unit_action a; } map[] = {
		{ UNIT_HEALTH_EXIT, UNIT_ACTION_EXIT },
		{ UNIT_HEALTH_POWEROFF, UNIT_ACTION_POWEROFF },
		{ UNIT_HEALTH_REBOOT, UNIT_ACTION_REBOOT },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct unit_spec s;
		struct fsm f;
		struct fsm_actions a;

		spec_health(&s, map[i].h);
		s.health.retries = 2;
		start_running(&f, &s, 1 * SEC);
		a = step(&f, &s, FSM_HEALTH_FAIL, 2 * SEC, 0);
		assert_int_equal(a.action, UNIT_ACTION_NONE);
		a = step(&f, &s, FSM_HEALTH_FAIL, 3 * SEC, 0);
		assert_int_equal(a.action, map[i].a);
		assert_int_equal(a.action_code, 1);
		assert_false(a.kill);   /* svcinit's end stops it with the rest */
		/* once: a further failure asks nothing more */
		a = step(&f, &s, FSM_HEALTH_FAIL, 4 * SEC, 0);
		assert_int_equal(a.action, UNIT_ACTION_NONE);
	}
}

static void test_health_gates_readiness(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_health(&s, UNIT_HEALTH_RESTART);
	s.health.ready_when_healthy = true;
	fsm_init(&f);
	step(&f, &s, FSM_QUEUE, 1 * SEC, 0);
	step(&f, &s, FSM_START, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	assert_false(fsm_is_ready(&f));
	assert_false(fsm_is_settled(&f));
	assert_false(fsm_is_done(&f));
	step(&f, &s, FSM_HEALTH_FAIL, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	step(&f, &s, FSM_HEALTH_OK, 3 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	assert_true(fsm_is_ready(&f));
	/* failing later does not take readiness back, it takes the action */
	step(&f, &s, FSM_HEALTH_FAIL, 4 * SEC, 0);
	assert_true(fsm_is_ready(&f));

	/* TimeoutStartSec= holds for a check that never passes */
	uint64_t saved_timeout = s.timeout_start_usec;

	s.timeout_start_usec = 10 * SEC;
	fsm_init(&f);
	step(&f, &s, FSM_START, 1 * SEC, 0);
	a = step(&f, &s, FSM_SPAWNED, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	assert_true(a.arm);
	assert_int_equal(a.arm_usec, 10 * SEC);
	a = step(&f, &s, FSM_TIMEOUT, 12 * SEC, 0);
	assert_int_equal(f.state, SVC_STOPPING);
	assert_int_equal(f.result, FSM_RESULT_START_TIMEOUT);
	assert_true(a.kill);
	s.timeout_start_usec = saved_timeout;

	/* notify: READY=1 and a passed check, in either order */
	s.type = UNIT_NOTIFY;
	fsm_init(&f);
	step(&f, &s, FSM_START, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	step(&f, &s, FSM_READY, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	step(&f, &s, FSM_HEALTH_OK, 3 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);
	fsm_init(&f);
	step(&f, &s, FSM_START, 1 * SEC, 0);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	step(&f, &s, FSM_HEALTH_OK, 2 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	step(&f, &s, FSM_READY, 3 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);

	/* without ReadyWhenHealthy= a simple unit is ready at once */
	s.type = UNIT_SIMPLE;
	s.health.ready_when_healthy = false;
	start_running(&f, &s, 1 * SEC);
	assert_true(fsm_is_ready(&f));
}

static void test_health_ignored_when_paused_or_down(void **state)
{
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	spec_health(&s, UNIT_HEALTH_RESTART);
	s.health.retries = 1;
	start_running(&f, &s, 1 * SEC);
	step(&f, &s, FSM_PAUSE, 2 * SEC, 0);
	a = step(&f, &s, FSM_HEALTH_FAIL, 3 * SEC, 0);
	assert_false(a.kill);
	assert_int_equal(f.state, SVC_PAUSED);
	assert_int_equal(f.health_failures, 0);
	step(&f, &s, FSM_RESUME, 4 * SEC, 0);
	step(&f, &s, FSM_STOP, 5 * SEC, 0);
	a = step(&f, &s, FSM_HEALTH_FAIL, 6 * SEC, 0);
	assert_false(a.kill);
	step(&f, &s, FSM_EXITED, 7 * SEC, SIGTERM);
	assert_int_equal(f.state, SVC_STOPPED);
	assert_int_equal(f.result, FSM_RESULT_SUCCESS);
}

/* Condition*=/Assert*=: a check before the process, each start. */
static void test_conditions(void **state)
{
	char *conds[] = { "ConditionPathExists=/x", NULL };
	struct unit_spec s;
	struct fsm f;
	struct fsm_actions a;

	(void)state;
	spec_defaults(&s);
	s.conditions = conds;
	s.restart = UNIT_RESTART_ALWAYS;
	fsm_init(&f);
	a = step(&f, &s, FSM_START, 1 * SEC, 0);
	assert_true(a.check);
	assert_false(a.spawn);
	assert_int_equal(f.state, SVC_STARTING);
	assert_true(f.checking);
	/* nothing of a process happens while checking */
	a = step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	a = step(&f, &s, FSM_PAUSE, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	a = step(&f, &s, FSM_TIMEOUT, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_STARTING);
	assert_false(a.kill);
	/* met: the process starts */
	a = step(&f, &s, FSM_CONDITION, 1 * SEC, FSM_COND_OK);
	assert_true(a.spawn);
	assert_false(f.checking);
	step(&f, &s, FSM_SPAWNED, 1 * SEC, 0);
	assert_int_equal(f.state, SVC_RUNNING);

	/* not met: skipped, no error, no restart (even Restart=always), done */
	fsm_init(&f);
	step(&f, &s, FSM_START, 2 * SEC, 0);
	a = step(&f, &s, FSM_CONDITION, 2 * SEC, FSM_COND_SKIP);
	assert_int_equal(f.state, SVC_CONDITION_FAILED);
	assert_false(a.spawn);
	assert_false(a.arm);
	assert_int_equal(a.action, UNIT_ACTION_NONE);
	assert_int_equal(f.result, FSM_RESULT_SUCCESS);
	assert_true(fsm_is_done(&f));
	assert_true(fsm_is_settled(&f));
	assert_false(fsm_is_ready(&f));
	assert_string_equal(fsm_state_to_string(f.state), "condition-failed");
	/* a start later checks again */
	a = step(&f, &s, FSM_START, 3 * SEC, 0);
	assert_true(a.check);
	assert_int_equal(f.state, SVC_STARTING);
	/* a late verdict for a check that was stopped is moot */
	a = step(&f, &s, FSM_STOP, 3 * SEC, 0);
	assert_true(a.cancel_check);
	assert_false(a.kill);
	assert_int_equal(f.state, SVC_STOPPED);
	a = step(&f, &s, FSM_CONDITION, 3 * SEC, FSM_COND_OK);
	assert_false(a.spawn);
	assert_int_equal(f.state, SVC_STOPPED);

	/* an assert: the start fails, result "assert", not restarted */
	fsm_init(&f);
	step(&f, &s, FSM_START, 4 * SEC, 0);
	a = step(&f, &s, FSM_CONDITION, 4 * SEC, FSM_COND_ASSERT);
	assert_int_equal(f.state, SVC_FAILED);
	assert_int_equal(f.result, FSM_RESULT_ASSERT);
	assert_string_equal(fsm_result_to_string(f.result), "assert");
	assert_false(a.arm);

	/* restart while checking: check again */
	fsm_init(&f);
	step(&f, &s, FSM_START, 5 * SEC, 0);
	a = step(&f, &s, FSM_RESTART, 5 * SEC, 0);
	assert_true(a.cancel_check);
	assert_true(a.check);
	assert_int_equal(f.state, SVC_STARTING);

	/* a restart after an exit checks again too (systemd: each start job) */
	fsm_init(&f);
	step(&f, &s, FSM_START, 6 * SEC, 0);
	step(&f, &s, FSM_CONDITION, 6 * SEC, FSM_COND_OK);
	step(&f, &s, FSM_SPAWNED, 6 * SEC, 0);
	a = step(&f, &s, FSM_EXITED, 7 * SEC, exit_status(1));
	assert_int_equal(f.state, SVC_RESTARTING);
	a = step(&f, &s, FSM_TIMEOUT, 8 * SEC, 0);
	assert_true(a.check);
	assert_false(a.spawn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_start_is_ready),
		cmocka_unit_test(test_health_unhealthy_after_retries),
		cmocka_unit_test(test_health_start_period),
		cmocka_unit_test(test_health_restart_counts_as_failure),
		cmocka_unit_test(test_health_stop_fails_for_good),
		cmocka_unit_test(test_health_exit_actions),
		cmocka_unit_test(test_health_gates_readiness),
		cmocka_unit_test(test_health_ignored_when_paused_or_down),
		cmocka_unit_test(test_failure_restarts_with_backoff),
		cmocka_unit_test(test_backoff_resets_after_long_run),
		cmocka_unit_test(test_start_limit_fails),
		cmocka_unit_test(test_start_limit_window_slides),
		cmocka_unit_test(test_restart_policies),
		cmocka_unit_test(test_oneshot),
		cmocka_unit_test(test_stop_escalates),
		cmocka_unit_test(test_stop_while_restarting),
		cmocka_unit_test(test_restart_command),
		cmocka_unit_test(test_notify_timeout_fails),
		cmocka_unit_test(test_dbus_type),
		cmocka_unit_test(test_pause_holds_timers),
		cmocka_unit_test(test_spawn_failure_goes_through_policy),
		cmocka_unit_test(test_late_reap_of_a_failed_start),
		cmocka_unit_test(test_delay_curve),
		cmocka_unit_test(test_sweep_every_cell),
		cmocka_unit_test(test_timeout_stop_reason),
		cmocka_unit_test(test_want_queue_remove_keep),
		cmocka_unit_test(test_restart_table),
		cmocka_unit_test(test_kill_mode_plan),
		cmocka_unit_test(test_hook_order),
		cmocka_unit_test(test_hook_failures),
		cmocka_unit_test(test_forking_and_remain),
		cmocka_unit_test(test_pidfile_parse),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_oom_policy),
		cmocka_unit_test(test_conditions),
	};

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
