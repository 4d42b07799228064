/* SPDX-License-Identifier: MIT */
/* userns.c: the uid and gid ranges of units' user namespaces (userns.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/userns.h"
#include "units/unit.h"

unsigned long userns_base = 100000;
unsigned long userns_size = 65536;

#define USERNS_RANGES_MAX (2 * UNIT_MAX)

/* range N belongs to names[N]: given in order, never taken back */
static char (*names)[UNIT_NAME_MAX + 1];
static size_t n_names;

static unsigned long ranges_max(void)
{
	unsigned long n = (UINT32_MAX - 1 - userns_base) / userns_size;

	return n < USERNS_RANGES_MAX ? n : USERNS_RANGES_MAX;
}

int userns_parse_range(const char *s)
{
	unsigned long long base, size = 65536;
	char *end;

	errno = 0;
	base = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == ':') {
		const char *p = end + 1;

		size = strtoull(p, &end, 10);
		if (errno || end == p)
			return -EINVAL;
	}
	if (*end || base < 65536 || size < 1 || size > (1ULL << 24) ||
	    base + size >= UINT32_MAX)
		return -EINVAL;
	userns_base = (unsigned long)base;
	userns_size = (unsigned long)size;
	return 0;
}

int userns_range(const char *name, unsigned long *ret_first)
{
	size_t i;

	for (i = 0; i < n_names; i++)
		if (strcmp(names[i], name) == 0)
			break;
	if (i == n_names) {
		if (!names) {
			names = calloc(USERNS_RANGES_MAX, sizeof(*names));
			if (!names)
				return -ENOMEM;
		}
		if (n_names >= ranges_max())
			return -ENOSPC;
		(void)snprintf(names[n_names], sizeof(names[0]), "%s", name);
		n_names++;
	}
	*ret_first = userns_base + i * userns_size;
	return 0;
}

int userns_maps(const char *name, bool private_users, uid_t uid, gid_t gid, char *uid_map,
		char *gid_map, size_t len)
{
	unsigned long first;
	int r;

	if (private_users) {
		/* systemd.exec(5): root and the unit's own ids to themselves */
		if (uid == 0)
			(void)snprintf(uid_map, len, "0 0 1\n");
		else
			(void)snprintf(uid_map, len, "0 0 1\n%u %u 1\n", (unsigned)uid, (unsigned)uid);
		if (gid == 0)
			(void)snprintf(gid_map, len, "0 0 1\n");
		else
			(void)snprintf(gid_map, len, "0 0 1\n%u %u 1\n", (unsigned)gid, (unsigned)gid);
		return 0;
	}
	r = userns_range(name, &first);
	if (r < 0)
		return r;
	(void)snprintf(uid_map, len, "0 %lu %lu\n", first, userns_size);
	(void)snprintf(gid_map, len, "0 %lu %lu\n", first, userns_size);
	return 0;
}
