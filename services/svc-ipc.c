/* SPDX-License-Identifier: MIT */
/*
 * svc-ipc.c: RemoveIPC= (systemd.exec(5)). When a unit with RemoveIPC=yes
 * and a User= or Group= other than root stops (stopped, failed, or exited
 * and not kept active by RemainAfterExit=; not on its way to a restart), the
 * IPC objects its user and group own are removed (services/ipc.c) by a
 * short-lived child: reading /proc/sysvipc and walking /dev/shm may take a
 * while, PID 1's loop does not wait for it. As systemd counts the units of
 * a user, nothing is removed while another RemoveIPC= unit of the same user
 * is up. The child is bounded by alarm(); at most IPC_CLEANERS_MAX run.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lib/log.h"
#include "services/ipc.h"
#include "services/spawn.h"

#include "services/svc-internal.h"

#define IPC_CLEANERS_MAX 16
#define IPC_CLEAN_SEC 30       /* the child's own deadline (SIGALRM ends it) */

static pid_t cleaners[IPC_CLEANERS_MAX];

static bool up(enum svc_state st)
{
	return st == SVC_STARTING || st == SVC_RUNNING || st == SVC_PAUSED || st == SVC_STOPPING;
}

/* Another unit that keeps the user's objects: RemoveIPC= too, same user or
 * group, and up (or active: RemainAfterExit=). */
static bool still_used(const struct svc *s, uid_t uid, gid_t gid)
{
	for (size_t i = 0; i < svc_mgr.n; i++) {
		const struct svc *o = svc_mgr.v[i];
		const struct unit_ident *id = &o->spec->ident;

		if (o == s || !o->spec->remove_ipc || !id->set)
			continue;
		if ((id->uid == uid || id->gid == gid) &&
		    (up(o->fsm.state) || fsm_is_active(&o->fsm)))
			return true;
	}
	return false;
}

void svc_ipc_changed(struct svc *s, enum svc_state old)
{
	const struct unit_spec *spec = s->spec;
	const struct unit_ident *id = &spec->ident;
	enum svc_state st = s->fsm.state;
	uid_t uid;
	gid_t gid;
	size_t slot;
	pid_t pid;

	if (!spec->remove_ipc || !id->set || !up(old) || fsm_is_active(&s->fsm) ||
	    (st != SVC_STOPPED && st != SVC_FAILED && st != SVC_EXITED))
		return;   /* (skipped by a condition: nothing of it ran) */
	uid = id->uid;
	gid = id->gid;
	if (uid == 0 && gid == 0)
		return;   /* root's objects stay, as systemd */
	if (still_used(s, uid, gid)) {
		log_debug("%s: RemoveIPC=: another unit of uid %u is up: its IPC objects stay",
			  spec->name, (unsigned)uid);
		return;
	}
	for (slot = 0; slot < IPC_CLEANERS_MAX && cleaners[slot] > 0; slot++)
		;
	if (slot == IPC_CLEANERS_MAX) {
		log_warn("%s: RemoveIPC=: %d cleanings run already: not now", spec->name,
			 IPC_CLEANERS_MAX);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("%s: RemoveIPC=: unable to fork: %s", spec->name, strerror(errno));
		return;
	}
	if (pid == 0) {
		spawn_child_reset();
		(void)alarm(IPC_CLEAN_SEC);
		(void)ipc_clean(uid, gid);
		_exit(0);
	}
	cleaners[slot] = pid;
	log_debug("%s: RemoveIPC=: removing the IPC objects of uid %u gid %u (pid %d)",
		  spec->name, (unsigned)uid, (unsigned)gid, (int)pid);
}

bool svc_ipc_reaped(pid_t pid, int status)
{
	for (size_t i = 0; i < IPC_CLEANERS_MAX; i++) {
		if (cleaners[i] != pid || pid <= 0)
			continue;
		cleaners[i] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			log_warn("RemoveIPC=: the cleaning (pid %d) did not finish", (int)pid);
		return true;
	}
	return false;
}
