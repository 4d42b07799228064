/* SPDX-License-Identifier: MIT */
/*
 * userns.h: the uid and gid ranges of units' user namespaces.
 *
 * Namespaces=user maps a unit's ids 0..size-1 onto a range of the host's
 * that no other unit shares: range N is base + N * size (default base
 * 100000, size 65536, svcinit --userns-range BASE:SIZE), given to a unit at
 * its first start and kept for svcinit's life (a restart, a reload keep the
 * files the unit owns its own). PrivateUsers= (systemd's) maps root and the
 * unit's own user and group to themselves, nothing else.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define USERNS_MAP_MAX 96

extern unsigned long userns_base;   /* first host id of range 0 */
extern unsigned long userns_size;   /* ids per unit */

/* "BASE:SIZE" (or "BASE"): 0, or -EINVAL for a range that leaves the 32-bit
 * id space or overlaps the host's usual ids (BASE below 65536), SIZE 1..2^24. */
int userns_parse_range(const char *s);

/* The first host id of unit name's range (given now if it has none).
 * 0 or -ENOSPC (every range given out). */
int userns_range(const char *name, unsigned long *ret_first);

/* uid_map and gid_map text ("0 100000 65536\n") for a unit. private_users:
 * systemd's PrivateUsers= (0 and uid/gid to themselves). */
int userns_maps(const char *name, bool private_users, uid_t uid, gid_t gid, char *uid_map,
		char *gid_map, size_t len);
