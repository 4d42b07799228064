/* SPDX-License-Identifier: MIT */
/*
 * syscall.c: the names of the seccomp keys (see syscall.h). The groups are
 * systemd's own table (units/seccomp-groups.inc, generated from
 * `systemd-analyze syscall-filter`); nothing here is typed by hand but the
 * short lists of architecture and namespace names systemd documents.
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "units/syscall.h"
#include "units/value.h"

struct sc_group {
	const char *name, *help;
	size_t n;
	const char *members;       /* NUL-separated, ends with an empty string */
};

#define SECCOMP_GROUP(name, help, n, members) { name, help, n, members },
static const struct sc_group groups[] = {
#include "units/seccomp-groups.inc"
};
#undef SECCOMP_GROUP

const char *unit_syscall_group(const char *name, size_t *ret_n)
{
	for (size_t i = 0; i < N_ELEM(groups); i++)
		if (strcmp(groups[i].name, name) == 0) {
			if (ret_n)
				*ret_n = groups[i].n;
			return groups[i].members;
		}
	return NULL;
}

const char *unit_syscall_group_name(size_t i)
{
	return i < N_ELEM(groups) ? groups[i].name : NULL;
}

const char *unit_syscall_groups_version(void)
{
	return SECCOMP_GROUPS_SYSTEMD;
}

bool unit_syscall_known(const char *name)
{
	for (const char *p = name; *p; p++)   /* libseccomp's names: [a-z0-9_] */
		if (!(is_alpha(*p) || is_digit(*p) || *p == '_'))
			return false;
	return *name && seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int unit_syscall_errno(const char *s, bool allow_log, int *ret)
{
	uint64_t n;

	if (strcmp(s, "kill") == 0) {
		*ret = UNIT_SC_KILL;
		return 0;
	}
	if (allow_log && strcmp(s, "log") == 0) {
		*ret = UNIT_SC_LOG;
		return 0;
	}
	if (is_digit(*s)) {
		if (unit_parse_u64(s, &n) < 0 || n > UNIT_SC_ERRNO_MAX)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	if (s[0] != 'E' || !s[1])
		return -EINVAL;
	for (int e = 1; e <= UNIT_SC_ERRNO_MAX; e++) {
		const char *nm = strerrorname_np(e);

		if (nm && strcmp(nm, s) == 0) {
			*ret = e;
			return 0;
		}
	}
	return -EINVAL;
}

void unit_syscall_entry(const char *entry, size_t *ret_len, int *ret_err)
{
	const char *colon = strchr(entry, ':');

	*ret_len = colon ? (size_t)(colon - entry) : strlen(entry);
	*ret_err = UNIT_SC_NONE;
	if (colon)
		*ret_err = strcmp(colon + 1, "kill") == 0 ? UNIT_SC_KILL : atoi(colon + 1);
}

/* entry ("name" or "name:x") against name[0..len): as strcmp of the names */
static int entry_cmp(const char *entry, const char *name, size_t len)
{
	size_t el = strcspn(entry, ":");
	int r = memcmp(entry, name, el < len ? el : len);

	return r ? r : (el > len) - (el < len);
}

/* Sets are kept sorted by name: a lookup is a binary search. */
int unit_syscall_set_apply(char ***set, const char *name, int err, bool add)
{
	size_t len = strlen(name), n = unit_strv_len(*set), lo = 0, hi = n;
	bool found = false;
	char *e, **nv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = entry_cmp((*set)[mid], name, len);

		if (c == 0) {
			lo = mid;
			found = true;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!add) {
		if (found) {
			free((*set)[lo]);
			memmove(&(*set)[lo], &(*set)[lo + 1], (n - lo) * sizeof(char *));
		}
		return 0;
	}
	e = malloc(len + 16);   /* ":kill", ":4095" */
	if (!e)
		return -ENOMEM;
	if (err == UNIT_SC_KILL)
		snprintf(e, len + 16, "%s:kill", name);
	else if (err >= 0)
		snprintf(e, len + 16, "%s:%d", name, err);
	else
		memcpy(e, name, len + 1);
	if (found) {   /* given before: the later errno wins (as systemd) */
		free((*set)[lo]);
		(*set)[lo] = e;
		return 0;
	}
	if (n >= UNIT_SYSCALLS_MAX) {
		free(e);
		return -E2BIG;
	}
	nv = realloc(*set, (n + 2) * sizeof(char *));
	if (!nv) {
		free(e);
		return -ENOMEM;
	}
	memmove(&nv[lo + 1], &nv[lo], (n - lo) * sizeof(char *));
	nv[lo] = e;
	nv[n + 1] = NULL;
	*set = nv;
	return 0;
}

/* ---- address families ------------------------------------------------- */

struct af_name {
	const char *name;
	int af;
};

#define SECCOMP_AF(x) { #x, x },
static const struct af_name afs[] = {
#include "units/seccomp-groups.inc"
};
#undef SECCOMP_AF

int unit_af_from_name(const char *name)
{
	for (size_t i = 0; i < N_ELEM(afs); i++)
		if (strcmp(afs[i].name, name) == 0)
			return afs[i].af;
	return -1;
}

const char *unit_af_name(int af)
{
	for (size_t i = 0; i < N_ELEM(afs); i++)   /* the first name: AF_LOCAL before AF_UNIX */
		if (afs[i].af == af && strcmp(afs[i].name, "AF_LOCAL") != 0 &&
		    strcmp(afs[i].name, "AF_FILE") != 0 && strcmp(afs[i].name, "AF_ROUTE") != 0)
			return afs[i].name;
	return NULL;
}

/* ---- architectures (systemd.exec(5), ConditionArchitecture=) ----------- */

static const struct { const char *name; uint32_t token; } archs[] = {
	{ "native", SCMP_ARCH_NATIVE }, { "x86", SCMP_ARCH_X86 }, { "x86-64", SCMP_ARCH_X86_64 },
	{ "x32", SCMP_ARCH_X32 }, { "arm", SCMP_ARCH_ARM }, { "arm64", SCMP_ARCH_AARCH64 },
	{ "mips", SCMP_ARCH_MIPS }, { "mips64", SCMP_ARCH_MIPS64 },
	{ "mips64-n32", SCMP_ARCH_MIPS64N32 }, { "mips-le", SCMP_ARCH_MIPSEL },
	{ "mips64-le", SCMP_ARCH_MIPSEL64 }, { "mips64-le-n32", SCMP_ARCH_MIPSEL64N32 },
	{ "ppc", SCMP_ARCH_PPC }, { "ppc64", SCMP_ARCH_PPC64 }, { "ppc64-le", SCMP_ARCH_PPC64LE },
	{ "s390", SCMP_ARCH_S390 }, { "s390x", SCMP_ARCH_S390X },
	{ "parisc", SCMP_ARCH_PARISC }, { "parisc64", SCMP_ARCH_PARISC64 },
	{ "riscv64", SCMP_ARCH_RISCV64 },
};

uint32_t unit_arch_token(const char *name)
{
	for (size_t i = 0; i < N_ELEM(archs); i++)
		if (strcmp(archs[i].name, name) == 0)
			return archs[i].token ? archs[i].token : seccomp_arch_native();
	return 0;
}

/* ---- namespaces ------------------------------------------------------- */

static const struct { const char *name; unsigned long flag; } nss[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET },
	{ "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "user", CLONE_NEWUSER },
	{ "uts", CLONE_NEWUTS },
};

const unsigned long UNIT_NS_FLAGS_ALL = CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNET |
	CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWUTS;

unsigned long unit_ns_flag(const char *name)
{
	for (size_t i = 0; i < N_ELEM(nss); i++)
		if (strcmp(nss[i].name, name) == 0)
			return nss[i].flag;
	return 0;
}

const char *unit_ns_flag_name(unsigned long flag)
{
	for (size_t i = 0; i < N_ELEM(nss); i++)
		if (nss[i].flag == flag)
			return nss[i].name;
	return NULL;
}
