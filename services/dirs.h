/* SPDX-License-Identifier: MIT */
/*
 * dirs.h: the directories a unit asks for (RuntimeDirectory=,
 * StateDirectory=, CacheDirectory=, LogsDirectory=, ConfigurationDirectory=,
 * systemd.exec(5)), made by svcinit before the start below /run, /var/lib,
 * /var/cache, /var/log and /etc, and RuntimeDirectory= removed at the stop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "services/plan.h"
#include "units/unit.h"

/* Make every directory of spec (its base first, when missing, as root
 * 0755), component by component with mkdirat and openat(O_NOFOLLOW |
 * O_DIRECTORY) from a descriptor of the base: a symlink anywhere below the
 * base, the unit's user's or anyone's, is never followed (the start fails
 * naming it). The innermost component gets *DirectoryMode= and, except for
 * ConfigurationDirectory=, User=/Group= as its owner (fchown, fchmod on
 * the descriptor); the ones above it are root's, 0755, when made here.
 * Puts $RUNTIME_DIRECTORY ... (the full paths, ':'-separated) into env.
 * Returns 0 or -errno with err saying what ("unable to " goes before it). */
int dirs_prepare(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen);

/* DynamicUser= (a uid allocated, not a static user): StateDirectory=,
 * CacheDirectory= and LogsDirectory= live in BASE/private/NAME (BASE/private
 * root's, 0700, so that a later owner of a recycled uid cannot reach them),
 * BASE/NAME a symlink to it; the unit's tree is chowned to the uid of this
 * start when its owner differs. */
static inline bool dirs_private(const struct unit_spec *spec, enum unit_dir d)
{
	return spec->ident.dynamic &&
	       (d == UNIT_DIR_STATE || d == UNIT_DIR_CACHE || d == UNIT_DIR_LOGS);
}

/* At the stop (when not preserved): the RuntimeDirectory= entries of spec
 * are renamed away at once (a start right after makes fresh ones) and
 * removed through descriptors only (never following a symlink, never
 * leaving the file system): up to a few thousand entries by svcinit
 * itself, the rest of a huge tree by a short-lived child, so that it
 * cannot keep PID 1 busy. */
void dirs_remove_runtime(const struct unit_spec *spec);
