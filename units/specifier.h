/* SPDX-License-Identifier: MIT */
/*
 * specifier.h: systemd's "%" specifiers (systemd.unit(5), SPECIFIERS), as
 * systemd 252 resolves them for the system manager.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "units/unit.h"

/* The facts about the host and the manager that specifiers name, read once
 * (unit_host_load) and passed in: expansion itself is pure. An unknown fact
 * is "" (systemd's os-release fields do the same). */
struct unit_host {
	char machine_id[33];            /* %m: /etc/machine-id */
	char boot_id[33];               /* %b: /proc/sys/kernel/random/boot_id, no dashes */
	char hostname[65];              /* %H, and %l up to the first dot */
	char pretty_hostname[256];      /* %q: PRETTY_HOSTNAME= of /etc/machine-info, or %H */
	char kernel_release[65];        /* %v */
	char arch[16];                  /* %a: systemd's name (x86-64, arm64, ...) */
	char os_id[64];                 /* %o ID= of os-release */
	char os_version_id[64];         /* %w VERSION_ID= */
	char os_variant_id[64];         /* %W VARIANT_ID= */
	char os_build_id[64];           /* %B BUILD_ID= */
	char os_image_id[64];           /* %M IMAGE_ID= */
	char os_image_version[64];      /* %A IMAGE_VERSION= */
	char user[64];                  /* %u: the manager's user (svcinit's: root) */
	char group[64];                 /* %g */
	uid_t uid;                      /* %U */
	gid_t gid;                      /* %G */
	char home[256];                 /* %h */
	char shell[128];                /* %s */
	char tmp_dir[256];              /* %T: /tmp, or $TMPDIR/$TEMP/$TMP if absolute */
	char var_tmp_dir[256];          /* %V: /var/tmp, or the same variables */
};

/* Read the facts from root ("" or "/": the host's own files). Never fails:
 * what cannot be read stays "". */
void unit_host_load(struct unit_host *h, const char *root);

/* The host's facts, read on first use (not thread-safe, as nothing is). */
const struct unit_host *unit_host_default(void);

/* Expand the specifiers of s for unit n into *ret (malloc'd). Returns 0,
 * -EBADSLT for an unknown specifier (*ret_error names it, in a static
 * buffer), -EINVAL for a specifier that does not apply (e.g. an invalid
 * escape in %I), -E2BIG beyond max bytes, or -ENOMEM. A '%' at the end of s
 * is kept, as systemd does. */
int unit_specifier_expand(const struct unit_names *n, const char *s, size_t max, char **ret,
			  const char **ret_error);

/* The first specifier of s that expands to nothing for unit n ('i' for
 * "%i" of a unit that is no instance), 0 if none does ("%%" never). */
int unit_specifier_first_empty(const struct unit_names *n, const char *s);

/* systemd's unit name unescaping ("-" is "/", "\xNN" a byte): 0 or -EINVAL. */
int unit_name_unescape(const char *s, char **ret);
