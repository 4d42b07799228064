/* SPDX-License-Identifier: MIT */
/*
 * seccomp.h: the seccomp keys of a unit compiled into BPF programs (parent,
 * libseccomp, once per load or reload) and loaded by the child as its last
 * step before exec (raw seccomp(2): async-signal-safe, no libseccomp).
 *
 * SystemCallFilter=, SystemCallLog=, SystemCallArchitectures=,
 * SystemCallErrorNumber=, RestrictAddressFamilies=, RestrictNamespaces=,
 * MemoryDenyWriteExecute=, RestrictRealtime=, RestrictSUIDSGID= and
 * LockPersonality= each give programs of their own, one per architecture,
 * as systemd builds them; the kernel runs them all and the strictest answer
 * wins. SystemCallFilter='s come last, so that an allow-list without
 * seccomp() itself cannot refuse the programs loaded after it.
 */
#pragma once

#include <stdbool.h>

#include "units/unit.h"

struct exec_plan;

/* Does the unit ask for any seccomp filter? */
bool seccomp_unit_wanted(const struct unit_spec *spec);

/* At load and reload: compile spec's keys into spec->seccomp, or its error
 * (spec->seccomp.error, logged here; the unit's start fails with it). A key
 * the kernel cannot enforce (SystemCallLog= without SECCOMP_RET_LOG) is a
 * warning in spec->warnings. */
void seccomp_unit_compile(struct unit_spec *spec);

/* Put spec's programs into plan (after plan_exec_init filled ids and
 * capabilities) and imply no_new_privs as systemd does: a filter needs it
 * unless the process keeps CAP_SYS_ADMIN when it loads it. 0, or -EINVAL
 * with err saying why (a compile error). */
int seccomp_unit_plan(const struct unit_spec *spec, struct exec_plan *plan, char *err, size_t errlen);

/* Child side, async-signal-safe: load plan's programs in order. 0 or
 * -errno. */
int seccomp_child_load(const struct exec_plan *plan);
