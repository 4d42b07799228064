/* SPDX-License-Identifier: MIT */
/*
 * plan.h: the exec plan of a unit, built in the parent: environment,
 * identity, capabilities, the program's path. No event loop, no svc: a
 * unit_spec in, a struct exec_plan (spawn.h) out.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "services/path.h"
#include "services/rootfs.h"
#include "services/spawn.h"
#include "units/unit.h"

#define PLAN_ENV_MAX 512

struct plan_env {
	char *v[PLAN_ENV_MAX + 1];    /* NULL-terminated "K=V" */
	size_t n;
};

/* At load and reload: resolve User=, Group=, SupplementaryGroups= (the name
 * service lookups happen here, never at a start) into spec->ident, or its
 * error, which is logged here and becomes the unit's start error. */
void plan_ident_load(struct unit_spec *spec);
/* The identity paths are opened with on the unit's behalf. */
void plan_ident_paths(const struct unit_ident *id, struct path_ident *ret);

/* How svcinit opens a path a unit chose (StandardOutput=file:, EnvironmentFile=):
 * with the unit's file-system identity, non-blocking, of one of the types
 * (S_IF* bits). Returns the fd or -errno (-EINVAL: a wrong type). */
int plan_open(const struct unit_spec *spec, const char *path, int flags, unsigned types);

/* The environment, in systemd's order: plan_env_init puts PATH, the user's,
 * PassEnvironment= and EnvironmentFile=; the caller may add its own
 * (NOTIFY_SOCKET); plan_env_add_unit puts Environment= and applies
 * UnsetEnvironment=. On error err says what ("unable to " goes before it). */
int plan_env_init(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen);
int plan_env_add_unit(const struct unit_spec *spec, struct plan_env *env, char *err, size_t errlen);
void plan_env_fini(struct plan_env *e);
/* Set "K=V" (copied), replacing an earlier K. 0 or -errno. */
int plan_env_put(struct plan_env *e, const char *kv);
int plan_env_putf(struct plan_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The program's path of ExecStart= number cmd (PATH of env, inside
 * RootDirectory= when it has one). */
int plan_exec_find(const struct unit_spec *spec, size_t cmd, const struct plan_env *env,
		   char **ret_path, char *err, size_t errlen);

/* The same for any command of the unit (ExecStart=, a hook): its '@' path,
 * its prefixes ('+' runs as root outside the sandbox: no namespaces, root,
 * capability or seccomp limits; '!'/'!!' without User=/Group=). */
int plan_cmd_find(const struct unit_spec *spec, const struct unit_cmd *c,
		  const struct plan_env *env, char **ret_path, char *err, size_t errlen);
/* AppArmor is enabled in the kernel (systemd's mac_apparmor_use): read once. */
bool plan_apparmor_enabled(void);

int plan_cmd_init(const struct unit_spec *spec, const struct unit_cmd *c,
		  const struct plan_env *env, char *path, struct exec_plan *plan, char ***ret_xargv,
		  char *err, size_t errlen);

/* Fill plan from spec: argv of ExecStart= number cmd (expanded into *ret_xargv, freed by the caller),
 * envp (env, which must outlive plan), ids, namespaces' clone flags,
 * capabilities. The caller adds root, cgroup and fds. */
int plan_exec_init(const struct unit_spec *spec, size_t cmd, const struct plan_env *env,
		   char *path, struct exec_plan *plan, char ***ret_xargv, char *err, size_t errlen);
