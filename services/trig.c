/* SPDX-License-Identifier: MIT */
/*
 * trig.c: the .socket and .timer units that run: their table, their
 * states, the timers (services/socket.c has the sockets' own part) and the
 * descriptors a service gets from its sockets.
 *
 * Timers as systemd.timer(5): OnActiveSec= counts from the timer's start,
 * OnBootSec= from the boot (container and subreaper mode: from svcinit's
 * start), OnStartupSec= from svcinit's start; these three fire once each.
 * OnUnitActiveSec=/OnUnitInactiveSec= count from the last time the unit
 * became active (or was triggered) / inactive, and fire again each time.
 * OnCalendar= is the next elapse after the last trigger (Persistent=: kept
 * across restarts as the mtime of TIMER_DIR/stamp-NAME.timer, so a missed
 * elapse fires at the next start), else after the timer's start.
 * RandomizedDelaySec= adds a random delay to each elapse; AccuracySec= is
 * the slack systemd allows: svcinit fires at the elapse itself. One
 * ev_timer (monotonic) and one ev_periodic (wall clock) per timer: nothing
 * runs between two elapses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/path.h"
#include "services/plan.h"
#include "services/svc.h"
#include "services/trig.h"
#include "units/specifier.h"
#include "units/trigger.h"
#include "units/value.h"

#define USEC 1000000ULL

static struct {
	struct ev_loop *loop;
	struct trig_config cfg;
	struct trig **v;
	size_t n;
	uint64_t rnd;
} T;

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * USEC + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t rnd_below(uint64_t n)
{
	if (n == 0)
		return 0;
	if (!T.rnd && getrandom(&T.rnd, sizeof(T.rnd), GRND_NONBLOCK) != sizeof(T.rnd))
		T.rnd = real_now() ^ (uint64_t)getpid();
	/* xorshift64 */
	T.rnd ^= T.rnd << 13;
	T.rnd ^= T.rnd >> 7;
	T.rnd ^= T.rnd << 17;
	return T.rnd % n;
}

static void set_state(struct trig *t, enum trig_state st)
{
	if (t->state == st)
		return;
	t->state = st;
	t->since = (int64_t)time(NULL);
	log_debug("%s: %s", t->spec->name, trig_state_name(t));
}

const char *trig_state_name(const struct trig *t)
{
	switch (t->state) {
	case TRIG_STOPPED: return "stopped";
	case TRIG_LISTENING: return "listening";
	case TRIG_WAITING: return "waiting";
	case TRIG_RUNNING: return "running";
	case TRIG_ELAPSED: return "elapsed";
	case TRIG_FAILED: return "failed";
	}
	return "stopped";
}

const char *trig_type_name(const struct trig *t)
{
	return t->spec->trigger->kind == TRIG_SOCKET ? "socket" : "timer";
}

size_t trig_count(void)
{
	return T.n;
}

struct trig *trig_at(size_t i)
{
	return i < T.n ? T.v[i] : NULL;
}

struct trig *trig_find(const char *name)
{
	for (size_t i = 0; i < T.n; i++)
		if (strcmp(T.v[i]->spec->name, name) == 0 ||
		    unit_strv_contains(T.v[i]->spec->alias, name))
			return T.v[i];
	return NULL;
}

/* "web.service" -> the loaded service, or loaded from the search path now. */
static struct svc *target_svc(const char *full, bool load, int *ret_err)
{
	char bare[UNIT_NAME_MAX + 16];
	struct svc *s;
	size_t n = strlen(full);

	*ret_err = 0;
	snprintf(bare, sizeof(bare), "%.*s", (int)(n > 8 && strcmp(full + n - 8, ".service") == 0 ?
						   n - 8 : n), full);
	s = svc_find(bare);
	if (s || !load)
		return s;
	*ret_err = svc_instantiate(full, &s);
	return *ret_err < 0 ? NULL : s;
}

/* ---- timers ---------------------------------------------------------------- */

static void stamp_path(const struct trig *t, char *buf, size_t len)
{
	snprintf(buf, len, "%s/stamp-%s", T.cfg.timer_dir ? T.cfg.timer_dir :
		 "/var/lib/svcinit/timers", t->spec->name);
}

static void stamp_load(struct trig *t)
{
	char p[512];
	struct stat st;

	stamp_path(t, p, sizeof(p));
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	t->last_real = (uint64_t)st.st_mtim.tv_sec * USEC + (uint64_t)st.st_mtim.tv_nsec / 1000;
}

static void stamp_save(struct trig *t)
{
	const char *dir = T.cfg.timer_dir ? T.cfg.timer_dir : "/var/lib/svcinit/timers";
	struct timespec ts[2];
	char p[512];
	int fd, r;

	r = path_mkdir_p(dir, 0755);
	if (r < 0) {
		log_warn("%s: unable to create %s: %s", t->spec->name, dir, strerror(-r));
		return;
	}
	stamp_path(t, p, sizeof(p));
	fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0644);
	if (fd < 0) {
		log_warn("%s: unable to write %s: %s", t->spec->name, p, strerror(errno));
		return;
	}
	ts[0].tv_sec = ts[1].tv_sec = (time_t)(t->last_real / USEC);
	ts[0].tv_nsec = ts[1].tv_nsec = (long)(t->last_real % USEC) * 1000;
	if (futimens(fd, ts) < 0)
		log_warn("%s: unable to set the time of %s: %s", t->spec->name, p, strerror(errno));
	(void)close(fd);
}

static void timer_arm(struct trig *t);

static void timer_fire(struct trig *t)
{
	struct svc *s;
	int err;

	ev_timer_stop(T.loop, &t->mono);
	ev_periodic_stop(T.loop, &t->cal);
	t->last_real = real_now();
	t->last_mono = mono_now();
	if (t->spec->trigger->timer.persistent)
		stamp_save(t);
	s = target_svc(t->target, true, &err);
	if (!s) {
		snprintf(t->error, sizeof(t->error), "%s: %s", t->target,
			 err == -ENOENT || !err ? "no such unit" : strerror(-err));
		log_err("%s: unable to start %s", t->spec->name, t->error);
		set_state(t, TRIG_FAILED);
		return;
	}
	log_info("%s: elapsed, starting %s", t->spec->name, s->spec->name);
	t->error[0] = '\0';
	(void)svc_start(s);
	timer_arm(t);
}

static void mono_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct trig *t = w->data;

	if (mono_now() + 1000 < t->next_mono) {   /* early (clock granularity): again */
		ev_timer_set(w, (double)(t->next_mono - mono_now()) / 1e6, 0.);
		ev_timer_start(loop, w);
		return;
	}
	timer_fire(t);
}

static void cal_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	timer_fire(w->data);
}

/* The next monotonic elapse, 0: none. */
static uint64_t mono_next(struct trig *t)
{
	const struct trig_timer *tm = &t->spec->trigger->timer;
	uint64_t best = 0;

	for (size_t i = 0; i < tm->n_mono; i++) {
		uint64_t base = 0, at;
		bool once = true;

		switch (tm->mono[i].base) {
		case TRIG_ON_ACTIVE: base = t->activated_mono; break;
		case TRIG_ON_BOOT: base = T.cfg.boot_is_startup ? T.cfg.startup_mono : 0; break;
		case TRIG_ON_STARTUP: base = T.cfg.startup_mono; break;
		case TRIG_ON_UNIT_ACTIVE:
			base = t->unit_active_mono > t->last_mono ? t->unit_active_mono : t->last_mono;
			once = false;
			break;
		case TRIG_ON_UNIT_INACTIVE:
			base = t->unit_inactive_mono;
			once = false;
			break;
		default:
			break;
		}
		if (!once && base == 0)
			continue;   /* the unit was never active (inactive): nothing to count from */
		at = base + tm->mono[i].usec;
		if (once && t->last_mono && at <= t->last_mono && t->last_mono >= t->activated_mono)
			continue;   /* fired already in this run */
		if (!best || at < best)
			best = at;
	}
	return best;
}

static uint64_t cal_next(struct trig *t)
{
	const struct trig_timer *tm = &t->spec->trigger->timer;
	uint64_t base = t->last_real ? t->last_real : real_now(), best = 0;

	for (size_t i = 0; i < tm->n_cal; i++) {
		uint64_t n;

		if (calendar_next(&tm->cal[i], base, &n) == 0 && (!best || n < best))
			best = n;
	}
	return best;
}

/* FixedRandomDelay=: as systemd, a delay derived from the machine ID, the
 * manager's user (root) and the timer's name, the same at every elapse and
 * every boot (FNV-1a over them). */
static uint64_t fixed_delay(const struct trig *t, uint64_t n)
{
	const char *parts[] = { unit_host_default()->machine_id, "0", t->spec->name };
	uint64_t h = 0xcbf29ce484222325ULL;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *c = parts[i]; ; c++) {
			h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
			if (!*c)
				break;
		}
	return h % n;
}

static void timer_arm(struct trig *t)
{
	const struct trig_timer *tm = &t->spec->trigger->timer;
	uint64_t delay = tm->fixed_random_delay ? fixed_delay(t, tm->randomized_delay_usec) :
			 rnd_below(tm->randomized_delay_usec), now;

	ev_timer_stop(T.loop, &t->mono);
	ev_periodic_stop(T.loop, &t->cal);
	if (!t->wanted)
		return;
	t->next_mono = mono_next(t);
	t->next_real = cal_next(t);
	if (t->next_mono) {
		t->next_mono += delay;
		now = mono_now();
		ev_timer_set(&t->mono, t->next_mono > now ? (double)(t->next_mono - now) / 1e6 : 0., 0.);
		ev_timer_start(T.loop, &t->mono);
	}
	if (t->next_real) {
		t->next_real += delay;
		ev_periodic_set(&t->cal, (double)t->next_real / 1e6, 0., NULL);
		ev_periodic_start(T.loop, &t->cal);
	}
	if (t->state != TRIG_RUNNING && t->state != TRIG_FAILED)
		set_state(t, t->next_mono || t->next_real ? TRIG_WAITING : TRIG_ELAPSED);
}

uint64_t trig_next_usec(const struct trig *t)
{
	uint64_t best = ev_is_active(&t->cal) ? t->next_real : 0;

	if (ev_is_active(&t->mono)) {
		uint64_t now = mono_now(), r = real_now();
		uint64_t m = t->next_mono > now ? r + (t->next_mono - now) : r;

		if (!best || m < best)
			best = m;
	}
	return best;
}

/* ---- the table ----------------------------------------------------------------- */

void trig_init(struct ev_loop *loop, const struct trig_config *cfg)
{
	T.loop = loop;
	T.cfg = *cfg;
	if (!T.cfg.startup_mono)
		T.cfg.startup_mono = mono_now();
}

static struct trig *trig_new(struct unit_spec *spec)
{
	struct trig *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->spec = spec;
	trigger_target(spec->trigger, spec->name, t->target, sizeof(t->target));
	sock_owner_load(t);
	t->since = (int64_t)time(NULL);
	for (size_t i = 0; i < TRIG_LISTEN_MAX; i++) {
		t->fds[i] = -1;
		ev_io_init(&t->io[i], NULL, -1, EV_READ);
		t->io[i].data = t;
	}
	ev_timer_init(&t->mono, mono_cb, 0., 0.);
	t->mono.data = t;
	ev_periodic_init(&t->cal, cal_cb, 0., 0., NULL);
	t->cal.data = t;
	return t;
}

int trig_add(struct unit_spec *spec)
{
	struct trig **v, *t;

	if (T.n >= UNIT_MAX || !(t = trig_new(spec))) {
		unit_spec_free(spec);
		return -ENOMEM;
	}
	v = realloc(T.v, (T.n + 1) * sizeof(*v));
	if (!v) {
		free(t);
		unit_spec_free(spec);
		return -ENOMEM;
	}
	T.v = v;
	T.v[T.n++] = t;
	return 0;
}

int trig_start(struct trig *t)
{
	int r = 0;

	t->wanted = true;
	t->error[0] = '\0';
	t->limit_count = 0;
	if (t->spec->trigger->kind == TRIG_SOCKET) {
		if (t->n_fds == 0) {
			r = sock_bind_all(t);
			if (r < 0) {
				set_state(t, TRIG_FAILED);
				return r;
			}
		}
		{
			int err;
			struct svc *s = target_svc(t->target, false, &err);

			if (s && !t->spec->trigger->sock.accept && !svc_is_down(s)) {
				set_state(t, TRIG_RUNNING);
				return 0;
			}
		}
		sock_watch(t, true);
		set_state(t, TRIG_LISTENING);
		return 0;
	}
	t->activated_mono = mono_now();
	if (t->spec->trigger->timer.persistent)
		stamp_load(t);
	if (t->state == TRIG_FAILED || t->state == TRIG_STOPPED || t->state == TRIG_ELAPSED)
		set_state(t, TRIG_WAITING);
	timer_arm(t);
	return 0;
}

int trig_stop(struct trig *t)
{
	t->wanted = false;
	if (t->spec->trigger->kind == TRIG_SOCKET) {
		sock_watch(t, false);
		sock_close_all(t);
	} else {
		ev_timer_stop(T.loop, &t->mono);
		ev_periodic_stop(T.loop, &t->cal);
		t->next_mono = t->next_real = 0;
		t->last_mono = 0;
	}
	set_state(t, TRIG_STOPPED);
	return 0;
}

void trig_start_all(void)
{
	/* every socket bound first, then the timers */
	for (size_t i = 0; i < T.n; i++)
		if (T.v[i]->spec->trigger->kind == TRIG_SOCKET)
			(void)trig_start(T.v[i]);
	for (size_t i = 0; i < T.n; i++)
		if (T.v[i]->spec->trigger->kind == TRIG_TIMER)
			(void)trig_start(T.v[i]);
}

void trig_stop_all(void)
{
	for (size_t i = 0; i < T.n; i++)
		if (T.v[i]->spec->trigger->kind == TRIG_TIMER)
			(void)trig_stop(T.v[i]);
	for (size_t i = 0; i < T.n; i++)
		if (T.v[i]->spec->trigger->kind == TRIG_SOCKET) {
			sock_watch(T.v[i], false);   /* the fds stay until the end */
			T.v[i]->wanted = false;      /* a service going down does not re-arm it */
		}
}

static void trig_free(struct trig *t)
{
	(void)trig_stop(t);
	unit_spec_free(t->spec);
	free(t);
}

void trig_free_all(void)
{
	for (size_t i = 0; i < T.n; i++)
		trig_free(T.v[i]);
	free(T.v);
	T.v = NULL;
	T.n = 0;
}

void trig_reload_begin(void)
{
	for (size_t i = 0; i < T.n; i++)
		T.v[i]->keep = false;
}

void trig_reload_spec(struct unit_spec *spec)
{
	struct trig *t = trig_find(spec->name);

	if (t && unit_spec_equal(t->spec, spec)) {
		t->keep = true;
		unit_spec_free(spec);
		return;
	}
	if (t) {
		bool wanted = t->wanted || t->state != TRIG_STOPPED;

		log_info("%s: changed", spec->name);
		(void)trig_stop(t);
		unit_spec_free(t->spec);
		t->spec = spec;
		trigger_target(spec->trigger, spec->name, t->target, sizeof(t->target));
		sock_owner_load(t);
		t->keep = true;
		if (wanted)
			(void)trig_start(t);
		return;
	}
	log_info("%s: new unit", spec->name);
	if (trig_add(spec) == 0) {
		T.v[T.n - 1]->keep = true;
		(void)trig_start(T.v[T.n - 1]);
	}
}

void trig_reload_end(void)
{
	size_t n = 0;

	for (size_t i = 0; i < T.n; i++) {
		if (T.v[i]->keep) {
			T.v[n++] = T.v[i];
			continue;
		}
		log_info("%s: removed", T.v[i]->spec->name);
		trig_free(T.v[i]);
	}
	T.n = n;
}

/* ---- what services see ------------------------------------------------------- */

static bool targets(const struct trig *t, const struct svc *s)
{
	size_t n = strlen(t->target);

	return n > 8 && strncmp(t->target, s->spec->name, n - 8) == 0 &&
	       s->spec->name[n - 8] == '\0' && strcmp(t->target + n - 8, ".service") == 0;
}

bool trig_activated_only(const struct svc *s)
{
	if (s->spec->systemd)
		return false;
	for (size_t i = 0; i < T.n; i++)
		if (!T.v[i]->spec->systemd && targets(T.v[i], s))
			return true;
	return false;
}

void trig_svc_changed(struct svc *s)
{
	bool active = !svc_is_down(s) && s->fsm.state != SVC_EXITED && s->fsm.state != SVC_FAILED;

	sock_conn_gone(s);
	for (size_t i = 0; i < T.n; i++) {
		struct trig *t = T.v[i];

		if (!targets(t, s))
			continue;
		if (t->spec->trigger->kind == TRIG_SOCKET) {
			if (t->spec->trigger->sock.accept || !t->wanted)
				continue;
			if (active && t->state == TRIG_LISTENING) {
				sock_watch(t, false);   /* started by other means: its own now */
				set_state(t, TRIG_RUNNING);
			} else if (!active && t->state == TRIG_RUNNING && svc_is_down(s)) {
				if (s->fsm.state == SVC_FAILED &&
				    s->fsm.result == FSM_RESULT_START_LIMIT) {
					snprintf(t->error, sizeof(t->error), "%s hit its start limit",
						 s->spec->name);
					set_state(t, TRIG_FAILED);
				} else {
					sock_watch(t, true);
					set_state(t, TRIG_LISTENING);
				}
			}
			continue;
		}
		if (active && !t->unit_was_active)
			t->unit_active_mono = mono_now();
		else if (!active && t->unit_was_active)
			t->unit_inactive_mono = mono_now();
		t->unit_was_active = active;
		if (!t->wanted)
			continue;
		if (active && t->state == TRIG_WAITING)
			set_state(t, TRIG_RUNNING);
		else if (!active && t->state == TRIG_RUNNING)
			set_state(t, TRIG_WAITING);
		timer_arm(t);
	}
}

int trig_service_fds(const struct svc *s, struct plan_env *env, int *fds, size_t *ret_n,
		     char **ret_pid_env)
{
	char *names[TRIG_FDS_MAX], *e_fds = NULL, *e_names = NULL;
	size_t n = 0;
	char addr[64] = "";
	unsigned port = 0;
	int conn = sock_conn_info(s, addr, sizeof(addr), &port), r;

	*ret_n = 0;
	*ret_pid_env = NULL;
	if (conn >= 0) {
		fds[n] = conn;
		names[n++] = (char *)"connection";
		if (addr[0] && ((r = plan_env_putf(env, "REMOTE_ADDR=%s", addr)) < 0 ||
				(r = plan_env_putf(env, "REMOTE_PORT=%u", port)) < 0))
			return r;
	}
	for (size_t i = 0; conn < 0 && i < T.n; i++) {
		struct trig *t = T.v[i];
		const char *nm;

		if (t->spec->trigger->kind != TRIG_SOCKET || t->spec->trigger->sock.accept ||
		    !targets(t, s))
			continue;
		nm = t->spec->trigger->sock.fdname ? t->spec->trigger->sock.fdname : t->spec->name;
		for (size_t k = 0; k < t->n_fds && n < TRIG_FDS_MAX; k++) {
			if (t->fds[k] < 0)
				continue;
			fds[n] = t->fds[k];
			names[n++] = (char *)nm;
		}
	}
	if (n == 0)
		return 0;
	names[n] = NULL;
	r = trigger_listen_env(names, n, &e_fds, &e_names);
	if (r == 0)
		r = plan_env_put(env, e_fds);
	if (r == 0)
		r = plan_env_put(env, e_names);
	if (r == 0)
		r = plan_env_put(env, TRIGGER_LISTEN_PID_PLACEHOLDER);
	free(e_fds);
	free(e_names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], "LISTEN_PID=", 11) == 0)
			*ret_pid_env = env->v[i];
	*ret_n = n;
	return 0;
}
