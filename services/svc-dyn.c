/* SPDX-License-Identifier: MIT */
/*
 * svc-dyn.c: DynamicUser= (systemd.exec(5)). A unit whose user is not a
 * static one gets a uid, and the same number as gid unless Group= names a
 * static group, from 61184..65519 when it starts, and gives it back once it
 * is down for good (a restart after RestartSec= keeps it). No NSS entry is
 * made: the name is only $USER/$LOGNAME.
 *
 * Which id: a hash of the user's name first (so that a unit usually gets
 * the same id again and its StateDirectory= needs no chown), then the next
 * free one; free means held by no other unit and named by no line of
 * /etc/passwd (uid) or /etc/group (gid). The two files are local and read
 * whole, bounded; no name service is asked at start.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

#include "services/svc-internal.h"

#define DYN_FIRST   61184u
#define DYN_LAST    65519u
#define DYN_N       (DYN_LAST - DYN_FIRST + 1)
#define DYN_FILE_LINES 100000    /* lines of /etc/passwd or /etc/group read at most */

/* Mark in used[] every id of the range that field 3 of path names. */
static void ids_of_file(const char *path, unsigned char *used)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return;
	for (int n = 0; n < DYN_FILE_LINES && fgets(line, sizeof(line), f); n++) {
		char *p = strchr(line, ':');
		unsigned long id;

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p || sscanf(p + 1, "%lu", &id) != 1)
			continue;
		if (id >= DYN_FIRST && id <= DYN_LAST)
			used[(id - DYN_FIRST) / 8] |= (unsigned char)(1u << ((id - DYN_FIRST) % 8));
	}
	(void)fclose(f);
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int svc_dyn_acquire(struct svc *s, char *err, size_t errlen)
{
	struct unit_ident *id = &s->spec->ident;

	if (!s->spec->dynamic_user || !id->dynamic)
		return 0;
	if (!s->dyn_uid) {
		unsigned char used[(DYN_N + 7) / 8] = { 0 };
		uint32_t h = name_hash(id->user);

		ids_of_file("/etc/passwd", used);
		ids_of_file("/etc/group", used);
		for (size_t i = 0; i < svc_mgr.n; i++) {
			uid_t u = svc_mgr.v[i]->dyn_uid;

			if (u >= DYN_FIRST && u <= DYN_LAST)
				used[(u - DYN_FIRST) / 8] |= (unsigned char)(1u << ((u - DYN_FIRST) % 8));
		}
		for (uint32_t i = 0; i < DYN_N; i++) {
			uint32_t k = (h + i) % DYN_N;

			if (!(used[k / 8] & (1u << (k % 8)))) {
				s->dyn_uid = (uid_t)(DYN_FIRST + k);
				break;
			}
		}
		if (!s->dyn_uid) {
			snprintf(err, errlen, "allocate a DynamicUser=: every uid of %u..%u is taken",
				 DYN_FIRST, DYN_LAST);
			return -EUSERS;
		}
		log_info("%s: DynamicUser=: %s is uid %u", s->spec->name, id->user,
			 (unsigned)s->dyn_uid);
	}
	id->uid = s->dyn_uid;
	if (id->dynamic_gid)
		id->gid = (gid_t)s->dyn_uid;
	return 0;
}

void svc_dyn_release(struct svc *s)
{
	if (!s->dyn_uid)
		return;
	log_debug("%s: DynamicUser=: uid %u released", s->spec->name, (unsigned)s->dyn_uid);
	s->dyn_uid = 0;
}
