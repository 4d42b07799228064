/* SPDX-License-Identifier: MIT */
/* The service state machine: restarts, backoff, start limit, stop, pause. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "services/fsm.h"

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
	assert_true(a.kill_all);
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
	step(&f, &s, FSM_START, 0, 0);
	a = step(&f, &s, FSM_SPAWNED, 0, 0);
	assert_int_equal(f.state, SVC_STARTING);
	assert_true(a.arm);
	assert_int_equal(a.arm_usec, 3 * SEC);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_start_is_ready),
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
		cmocka_unit_test(test_pause_holds_timers),
		cmocka_unit_test(test_spawn_failure_goes_through_policy),
		cmocka_unit_test(test_late_reap_of_a_failed_start),
		cmocka_unit_test(test_delay_curve),
	};

	return cmocka_run_group_tests_name("fsm", tests, NULL, NULL);
}
