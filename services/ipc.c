/* SPDX-License-Identifier: MIT */
/*
 * ipc.c: RemoveIPC='s cleaning (see ipc.h), as systemd's clean-ipc: SysV
 * shared memory, semaphore sets and message queues from /proc/sysvipc,
 * POSIX shared memory (files in /dev/shm, and their directories) and POSIX
 * message queues (/dev/mqueue), where the owner is the unit's user or group.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "services/ipc.h"

#define IPC_LINE_MAX 512
#define IPC_DEPTH 8            /* /dev/shm directories walked this deep */

/* The index of column name in a header line of blank-separated names, -1. */
static int column_of(const char *header, const char *name)
{
	size_t len = strlen(name);
	int i = 0;

	for (const char *p = header; *p; i++) {
		const char *e;

		p += strspn(p, " \t");
		if (!*p || *p == '\n')
			break;
		e = p + strcspn(p, " \t\n");
		if ((size_t)(e - p) == len && strncmp(p, name, len) == 0)
			return i;
		p = e;
	}
	return -1;
}

/* Column i of line as a number; false when it is missing or no number. */
static bool column_num(const char *line, int i, long long *ret)
{
	const char *p = line;

	for (int c = 0; ; c++) {
		char *end;

		p += strspn(p, " \t");
		if (!*p || *p == '\n')
			return false;
		if (c == i) {
			errno = 0;
			*ret = strtoll(p, &end, 10);
			return end != p && errno == 0 && (*end == ' ' || *end == '\t' ||
							  *end == '\n' || !*end);
		}
		p += strcspn(p, " \t\n");
	}
}

bool ipc_sysv_match(const char *header, const char *line, uid_t uid, gid_t gid, int *ret_id)
{
	int cu = column_of(header, "uid"), cg = column_of(header, "gid");
	long long id, ou, og;

	if (cu < 0 || cg < 0 || !column_num(line, 1, &id) || id < 0 || id > 0x7fffffff ||
	    !column_num(line, cu, &ou) || !column_num(line, cg, &og))
		return false;
	if (!((uid != (uid_t)-1 && uid != 0 && ou == (long long)uid) ||
	      (gid != (gid_t)-1 && gid != 0 && og == (long long)gid)))
		return false;
	*ret_id = (int)id;
	return true;
}

enum sysv_kind { SYSV_SHM, SYSV_SEM, SYSV_MSG };

static int clean_sysv(const char *path, enum sysv_kind kind, uid_t uid, gid_t gid)
{
	char header[IPC_LINE_MAX], line[IPC_LINE_MAX];
	FILE *f = fopen(path, "re");
	int n = 0, id;

	if (!f)
		return 0;
	if (!fgets(header, sizeof(header), f)) {
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		int r;

		if (!ipc_sysv_match(header, line, uid, gid, &id))
			continue;
		r = kind == SYSV_SHM ? shmctl(id, IPC_RMID, NULL) :
		    kind == SYSV_SEM ? semctl(id, 0, IPC_RMID) : msgctl(id, IPC_RMID, NULL);
		if (r == 0)
			n++;
	}
	fclose(f);
	return n;
}

static bool owned(const struct stat *st, uid_t uid, gid_t gid)
{
	return (uid != (uid_t)-1 && uid != 0 && st->st_uid == uid) ||
	       (gid != (gid_t)-1 && gid != 0 && st->st_gid == gid);
}

/* Files of dir owned by uid/gid, and directories (emptied first, as far
 * as depth goes) that are theirs; never following a symbolic link. */
static int clean_dir(int dfd, uid_t uid, gid_t gid, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int n = 0;

	if (!d) {
		(void)close(dfd);
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = depth > 0 ? openat(dirfd(d), e->d_name,
						     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;

			if (sub >= 0)
				n += clean_dir(sub, uid, gid, depth - 1);
			if (owned(&st, uid, gid) && unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
				n++;
		} else if (owned(&st, uid, gid) && unlinkat(dirfd(d), e->d_name, 0) == 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static int clean_path(const char *path, uid_t uid, gid_t gid, int depth)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return dfd < 0 ? 0 : clean_dir(dfd, uid, gid, depth);
}

int ipc_clean(uid_t uid, gid_t gid)
{
	int n = 0;

	if ((uid == (uid_t)-1 || uid == 0) && (gid == (gid_t)-1 || gid == 0))
		return 0;
	n += clean_sysv("/proc/sysvipc/shm", SYSV_SHM, uid, gid);
	n += clean_sysv("/proc/sysvipc/sem", SYSV_SEM, uid, gid);
	n += clean_sysv("/proc/sysvipc/msg", SYSV_MSG, uid, gid);
	n += clean_path("/dev/shm", uid, gid, IPC_DEPTH);
	n += clean_path("/dev/mqueue", uid, gid, 0);   /* unlinking there is mq_unlink */
	return n;
}
