/* SPDX-License-Identifier: MIT */
/*
 * spawn-vm.h: a spawn that does not copy PID 1.
 *
 * A fork of svcinit copies its page tables (and every page it writes until
 * the child's exec faults): with 1000 units that is most of what a start
 * costs PID 1. A child cloned with CLONE_VM shares svcinit's memory instead,
 * until its exec. It must then neither use nor change anything svcinit's
 * main thread uses: it runs on a stack of its own, on a copy of the plan
 * made for it, and on the thread-local storage (errno) of a donor thread
 * that only sleeps. The clone returns at once, as a fork does: nothing
 * waits for the child's setup or exec, and a child stuck before its exec
 * (a hung file system) holds one donor, not PID 1; the next start takes
 * another donor or the plain fork.
 *
 * Only for plans without namespaces, root or terminal (spawn_vm_eligible):
 * their setup is a few system calls. And only for a child whose OOM score
 * is svcinit's own: the kernel gives a write to oom_score_adj to every
 * process sharing the writer's memory, so a child that set another would
 * set svcinit's too. Where svcinit holds its -1000 shield, a unit with the
 * default OOMScoreAdjust= (0) therefore forks. Also a uid switch forks where
 * fs.suid_dumpable is not 0. The others fork as before.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct exec_plan;

/* The child's work: never returns (exec or _exit). chan is its end of the
 * channel, parent_chan svcinit's (to close), in_cgroup whether the clone
 * put it into plan->cgroup_fd already. Runs on its own stack with every
 * signal blocked. */
typedef void (*spawn_vm_fn)(const struct exec_plan *plan, int chan, int parent_chan,
			    bool in_cgroup);

/* May p be started this way (no namespaces, root, terminal, user namespace;
 * a supported architecture; not switched off)? */
bool spawn_vm_eligible(const struct exec_plan *p);

/* Start fn(copy of p, ...) in a CLONE_VM child. Returns its pid (it is
 * svcinit's child, reaped by the caller's SIGCHLD handling; the copy is freed
 * once it exec'ed), -EBUSY when every donor is lent to a child that has
 * not exec'ed yet, -ENOSYS where the kernel refuses (the path is then off
 * for good), or another -errno of clone. On any error no child exists and
 * the caller forks instead. */
pid_t spawn_vm_start(const struct exec_plan *p, int chan, int parent_chan, spawn_vm_fn fn);

/* Switch the path off (tests). */
void spawn_vm_disable(void);
