/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h: systemd's sandboxing keys (systemd.exec(5): PrivateTmp=,
 * ProtectSystem=, ProtectHome=, ReadWritePaths=, ...) as svcinit stores them
 * and the mount plan they mean. Pure: the parser fills struct unit_sandbox,
 * unit_sandbox_plan() turns it into an ordered list of path entries (what
 * becomes read-only, writable, masked, a tmpfs) that services/rootfs.c
 * carries out with svcinit's own steps (binds, tmpfs, mount_setattr).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum unit_protect_system { UNIT_PS_NO, UNIT_PS_YES, UNIT_PS_FULL, UNIT_PS_STRICT };
enum unit_protect_home { UNIT_PH_NO, UNIT_PH_YES, UNIT_PH_READ_ONLY, UNIT_PH_TMPFS };
enum unit_protect_proc { UNIT_PP_DEFAULT, UNIT_PP_NOACCESS, UNIT_PP_INVISIBLE, UNIT_PP_PTRACEABLE };
enum unit_proc_subset { UNIT_PROC_ALL, UNIT_PROC_PID };

/* The keys as given. Path lists keep systemd's "-" and "+" prefixes. */
struct unit_sandbox {
	bool private_tmp, private_devices, private_network, private_ipc, private_mounts;
	bool private_users;
	bool protect_kernel_tunables, protect_kernel_modules, protect_kernel_logs;
	bool protect_control_groups, protect_clock, protect_hostname;
	int protect_system;             /* UNIT_PS_* */
	int protect_home;               /* UNIT_PH_* */
	int protect_proc;               /* UNIT_PP_* */
	int proc_subset;                /* UNIT_PROC_* */
	char **read_write_paths, **read_only_paths, **inaccessible_paths;
	char **exec_paths, **no_exec_paths;
	char **temporary_filesystem;    /* "PATH[:OPTIONS]" */
	/* not parsed: set by keys_check */
	unsigned ns_added;              /* UNIT_NS_* bits the keys added to Namespaces= */
	bool namespaces_given;          /* Namespaces= was written (explicit isolation) */
};

/* The entries of a mount plan, applied in order (parents before children;
 * for one path: tmpfs, host bind, self bind, mask). */
enum unit_sb_kind {
	UNIT_SB_TMPFS,     /* a tmpfs (flags, data), made read-only at the end with "ro" */
	UNIT_SB_RW,        /* writable: host: a bind of the host's path; else the root's own */
	UNIT_SB_RO,        /* read-only, with everything below it */
	UNIT_SB_EXEC,      /* executable again, with everything below it */
	UNIT_SB_NOEXEC,    /* not executable, with everything below it */
	UNIT_SB_MASK,      /* an empty, inaccessible node over it (mode 0000, read-only) */
};

struct unit_sb_entry {
	char *path;                     /* absolute, normalized ("/" is "/") */
	enum unit_sb_kind kind;
	bool optional;                  /* "-", or svcinit's own entries: skipped when missing */
	bool host;                      /* RW: the host's path (no "+") */
	unsigned long flags;            /* TMPFS: MS_* */
	char *data;                     /* TMPFS: mount(2) options ("mode=0755") */
	const char *key;                /* the key it comes from (messages) */
	size_t seq;                     /* the order it was added in */
};

struct unit_sb_plan {
	struct unit_sb_entry *e;
	size_t n;
};

/* A path of ReadWritePaths= and its kin: "-" first, then "+", then an
 * absolute path (unit_path_abs_valid, no "." or ".." component). Returns 0
 * and the path (a pointer into entry), or -EINVAL. */
int unit_sandbox_path(const char *entry, const char **ret_path, bool *ret_optional,
		      bool *ret_in_root);

/* TemporaryFileSystem= options ("ro,size=10%,mode=0700"): systemd's default
 * "nodev,strictatime,mode=0755", then each option: the flag ones
 * (ro rw dev nodev exec noexec suid nosuid strictatime nostrictatime) change
 * *ret_flags, the others (size= nr_inodes= mode= uid= gid=) go to data. 0,
 * or -EINVAL with *ret_bad the option refused (a pointer into opts). */
int unit_tmpfs_options(const char *opts, unsigned long *ret_flags, char *data, size_t len,
		       const char **ret_bad);

struct unit_spec;
/* The mount plan of spec's sandboxing keys (empty when it has none). 0 or
 * -ENOMEM/-EINVAL (err says what). */
int unit_sandbox_plan(const struct unit_spec *spec, struct unit_sb_plan *ret, char *err,
		      size_t errlen);
void unit_sandbox_plan_free(struct unit_sb_plan *p);

/* Does any key need a mount namespace? */
bool unit_sandbox_wants_mnt(const struct unit_spec *spec);
/* The capabilities the keys take out of the bounding set (bit n: cap n). */
uint64_t unit_sandbox_caps_dropped(const struct unit_spec *spec);
/* Do the keys imply NoNewPrivileges= (systemd: for a unit without
 * CAP_SYS_ADMIN, i.e. with a User= other than root)? */
bool unit_sandbox_implies_nnp(const struct unit_spec *spec);
/* procfs options ("hidepid=invisible,subset=pid") of ProtectProc= and
 * ProcSubset= into buf ("" for none); returns buf. */
char *unit_sandbox_proc_options(const struct unit_spec *spec, char *buf, size_t len);

/* What confinement the keys give, one "KEY=VALUE" per item, in *ret (a
 * NULL-terminated list, unit_strv_free; the sandboxing keys given, the
 * namespaces they added, the capabilities they took). 0 or -ENOMEM. */
int unit_sandbox_describe(const struct unit_spec *spec, char ***ret);

/* Does a write to path (absolute) reach the host: no overlay, or
 * OverlayUpper=, or path at or below a BindPaths= destination or a
 * ReadWritePaths= host path? For svcinit --check's warning about a native
 * unit's data that its overlay would discard (WorkingDirectory=, and the
 * *Directory= keys). */
bool unit_sandbox_path_persistent(const struct unit_spec *spec, const char *path);
