/* SPDX-License-Identifier: MIT */
/*
 * load.h: where units come from (systemd.unit(5) "UNIT FILE LOAD PATH"):
 * svcinit's own -u directories and systemd's search path, with templates
 * and instances, drop-ins, aliases, masks and the default target's boot
 * set. Pure file system reading; the specs are parsed by units/unit.c.
 */
#pragma once

#include <stdbool.h>

#include "units/unit.h"

#define UNIT_LOAD_DIRS_MAX 16

struct unit_load_config {
	const char *dirs[UNIT_LOAD_DIRS_MAX + 1]; /* -u DIR..., earlier wins; NULL-terminated */
	bool systemd;                   /* systemd's search path and boot set too */
	const char *root;               /* NULL or "": "/"; prefixes the systemd search path */
	const char *target;             /* NULL: "multi-user.target" */
	bool all;                       /* --check: every unit file of the search path */
};

/* The units to run: every .service of the -u directories (templates
 * excepted), and with cfg->systemd what cfg->target pulls in, recursively.
 * Units from the systemd search path get systemd's defaults. Dependencies
 * on aliases are rewritten to the unit's name; dependencies on targets and
 * on unit types svcinit does not run are dropped (a target is reached).
 * Errors and warnings go to diag, units with errors to ret_set->failed,
 * and what --check reports besides (aliases, masks, drop-ins applied) to
 * ret_set->notes as "FILE: ..." lines. A -u directory that does not exist
 * is an error in diag, and the rest loads. Returns 0 or -errno when a -u
 * directory cannot be read otherwise (reported). */
int unit_load_all(const struct unit_load_config *cfg, struct unit_diag *diag,
		  struct unit_set *ret_set);

/* One unit by name ("foo@bar", "web.service", an alias): found on the
 * search paths of cfg (an instance from its template), with its drop-ins.
 * Returns 0 and *ret_spec, -ENOENT (not found), -ESHUTDOWN (masked), or
 * -EINVAL (errors in diag). */
int unit_load_one(const struct unit_load_config *cfg, const char *name, struct unit_diag *diag,
		  struct unit_spec **ret_spec);

/* The search path directories of cfg, with the root prefix, in order (for
 * svcctl cat and messages): *ret is a NULL-terminated list (unit_strv_free). */
int unit_load_dirs(const struct unit_load_config *cfg, char ***ret);
