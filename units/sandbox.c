/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c: the mount plan of systemd's sandboxing keys (see sandbox.h).
 *
 * Each key becomes path entries, as systemd's namespace.c turns them into
 * mount entries: ProtectSystem=yes is /usr /boot /efi read-only, full adds
 * /etc, strict is / read-only with /home /root /run/user left to
 * ProtectHome=; ProtectHome=yes masks /home /root /run/user, read-only makes
 * them read-only, tmpfs mounts an empty read-only tmpfs on each;
 * ProtectKernelTunables= makes /proc/sys, /sys and the /proc files systemd
 * names read-only and masks /proc/kallsyms and /proc/kcore;
 * ProtectKernelModules= masks /lib/modules and /usr/lib/modules;
 * ProtectKernelLogs= masks /proc/kmsg and /dev/kmsg; ProtectControlGroups=
 * makes /sys/fs/cgroup read-only; PrivateTmp= mounts a tmpfs on /var/tmp
 * (and on /tmp where svcinit's own isolation does not already). The
 * entries are sorted by path (a parent before what lies below it), and for
 * one path in the order of enum unit_sb_kind, so that the more restrictive
 * entry is applied last and wins.
 *
 * Other keys that need a bind of a host directory into the unit's root
 * (StateDirectory=, LogsDirectory=, CacheDirectory=) add UNIT_SB_RW entries
 * with host set: the rest is done by services/rootfs.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "units/devices.h"
#include "units/sandbox.h"
#include "units/unit.h"
#include "units/value.h"

#define SB_ENTRIES_MAX (6 * UNIT_LIST_MAX + 64)

/* "/a//b/" -> "/a/b"; "/" stays "/" */
static char *sb_normalize(const char *in)
{
	char *out = malloc(strlen(in) + 2), *o = out;

	if (!out)
		return NULL;
	for (const char *c = in; *c; c++) {
		if (*c == '/' && o > out && o[-1] == '/')
			continue;
		*o++ = *c;
	}
	if (o > out + 1 && o[-1] == '/')
		o--;
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

int unit_sandbox_path(const char *entry, const char **ret_path, bool *ret_optional,
		      bool *ret_in_root)
{
	const char *p = entry;
	bool opt = false, in_root = false;

	if (*p == '-') {
		opt = true;
		p++;
	}
	if (*p == '+') {
		in_root = true;
		p++;
	}
	if (!unit_path_abs_valid(p))
		return -EINVAL;
	/* no "." or ".." component: the path means what it says */
	for (const char *c = p; *c; ) {
		const char *e = strchr(c, '/');
		size_t n = e ? (size_t)(e - c) : strlen(c);

		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		c += n;
		while (*c == '/')
			c++;
	}
	*ret_path = p;
	*ret_optional = opt;
	*ret_in_root = in_root;
	return 0;
}

static const struct {
	const char *name;
	unsigned long set, clear;
} tmpfs_flags[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "nodev", MS_NODEV, 0 }, { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
	{ "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
	{ "strictatime", MS_STRICTATIME, 0 }, { "nostrictatime", 0, MS_STRICTATIME },
};

static const char *const tmpfs_data_opts[] = { "size=", "nr_inodes=", "mode=", "uid=", "gid=" };

static int data_add(char *data, size_t len, const char *opt, size_t n)
{
	size_t used = strlen(data);

	if (used + (used ? 1 : 0) + n + 1 > len)
		return -EINVAL;
	if (used)
		data[used++] = ',';
	memcpy(data + used, opt, n);
	data[used + n] = '\0';
	return 0;
}

int unit_tmpfs_options(const char *opts, unsigned long *ret_flags, char *data, size_t len,
		       const char **ret_bad)
{
	unsigned long flags = MS_NODEV | MS_STRICTATIME;
	bool mode = false;
	const char *o = opts ? opts : "";

	*ret_bad = NULL;
	if (len == 0)
		return -EINVAL;
	data[0] = '\0';
	while (*o) {
		const char *e = strchr(o, ',');
		size_t n = e ? (size_t)(e - o) : strlen(o);
		bool known = false;

		for (size_t i = 0; n && i < N_ELEM(tmpfs_flags); i++)
			if (strlen(tmpfs_flags[i].name) == n && strncmp(o, tmpfs_flags[i].name, n) == 0) {
				flags = (flags | tmpfs_flags[i].set) & ~tmpfs_flags[i].clear;
				known = true;
			}
		for (size_t i = 0; n && !known && i < N_ELEM(tmpfs_data_opts); i++) {
			size_t pl = strlen(tmpfs_data_opts[i]);

			if (n > pl && strncmp(o, tmpfs_data_opts[i], pl) == 0) {
				for (size_t j = pl; j < n; j++)   /* digits, %, k m g */
					if (!(is_digit(o[j]) || o[j] == '%' || strchr("kKmMgG", o[j])))
						goto bad;
				if (data_add(data, len, o, n) < 0)
					goto bad;
				mode |= i == 2;
				known = true;
			}
		}
		if (n && !known)
			goto bad;
		o += n;
		if (*o == ',')
			o++;
	}
	if (!mode && data_add(data, len, "mode=0755", 9) < 0)
		goto bad;
	*ret_flags = flags;
	return 0;
bad:
	*ret_bad = o;
	return -EINVAL;
}

bool unit_sandbox_wants_mnt(const struct unit_spec *s)
{
	const struct unit_sandbox *b = &s->sandbox;
	char *const *lists[] = { b->read_write_paths, b->read_only_paths, b->inaccessible_paths,
				 b->exec_paths, b->no_exec_paths, b->temporary_filesystem };

	if (b->private_tmp || b->private_devices || b->private_mounts ||
	    b->protect_kernel_tunables || b->protect_kernel_modules || b->protect_kernel_logs ||
	    b->protect_control_groups || b->protect_system || b->protect_home || b->protect_proc ||
	    b->proc_subset)
		return true;
	for (size_t i = 0; i < N_ELEM(lists); i++)
		if (lists[i] && lists[i][0])
			return true;
	return false;
}

/* capability numbers (linux/capability.h), not to pull in libcap here */
#define SB_CAP_MKNOD       27
#define SB_CAP_SYS_RAWIO   17
#define SB_CAP_SYS_MODULE  16
#define SB_CAP_SYSLOG      34
#define SB_CAP_SYS_TIME    25
#define SB_CAP_WAKE_ALARM  35
#define BIT(n) (UINT64_C(1) << (n))

uint64_t unit_sandbox_caps_dropped(const struct unit_spec *s)
{
	const struct unit_sandbox *b = &s->sandbox;
	uint64_t d = 0;

	if (b->private_devices)
		d |= BIT(SB_CAP_MKNOD) | BIT(SB_CAP_SYS_RAWIO);
	if (b->protect_kernel_modules)
		d |= BIT(SB_CAP_SYS_MODULE);
	if (b->protect_kernel_logs)
		d |= BIT(SB_CAP_SYSLOG);
	if (b->protect_clock)
		d |= BIT(SB_CAP_SYS_TIME) | BIT(SB_CAP_WAKE_ALARM);
	return d;
}

bool unit_sandbox_implies_nnp(const struct unit_spec *s)
{
	const struct unit_sandbox *b = &s->sandbox;

	if (!s->user || strcmp(s->user, "root") == 0 || strcmp(s->user, "0") == 0)
		return false;
	return b->private_devices || b->protect_kernel_tunables || b->protect_kernel_modules ||
	       b->protect_kernel_logs || b->protect_clock || b->protect_hostname;
}

char *unit_sandbox_proc_options(const struct unit_spec *s, char *buf, size_t len)
{
	static const char *const hide[] = {
		[UNIT_PP_DEFAULT] = NULL, [UNIT_PP_NOACCESS] = "hidepid=noaccess",
		[UNIT_PP_INVISIBLE] = "hidepid=invisible", [UNIT_PP_PTRACEABLE] = "hidepid=ptraceable",
	};
	const struct unit_sandbox *b = &s->sandbox;
	const char *h = b->protect_proc >= 0 && b->protect_proc < (int)N_ELEM(hide) ?
			hide[b->protect_proc] : NULL;
	const char *sub = b->proc_subset == UNIT_PROC_PID ? "subset=pid" : NULL;

	(void)snprintf(buf, len, "%s%s%s", h ? h : "", h && sub ? "," : "", sub ? sub : "");
	return buf;
}

struct sb_build {
	struct unit_sb_plan *p;
	char *err;
	size_t errlen;
};

static int add(struct sb_build *b, const char *key, const char *path, enum unit_sb_kind kind,
	       bool optional, bool host, unsigned long flags, const char *data)
{
	struct unit_sb_plan *p = b->p;
	struct unit_sb_entry *e;
	char *n;

	if (p->n >= SB_ENTRIES_MAX) {
		(void)snprintf(b->err, b->errlen, "%s=: too many paths", key);
		return -EINVAL;
	}
	n = sb_normalize(path);
	if (!n)
		return -ENOMEM;
	if (strcmp(n, "/") == 0 && (kind == UNIT_SB_MASK || kind == UNIT_SB_TMPFS ||
				    (kind == UNIT_SB_RW && host))) {
		(void)snprintf(b->err, b->errlen, "%s=%s: not possible for the root directory",
			       key, path);
		free(n);
		return -EINVAL;
	}
	e = realloc(p->e, (p->n + 1) * sizeof(*e));
	if (!e) {
		free(n);
		return -ENOMEM;
	}
	p->e = e;
	e = &p->e[p->n];
	memset(e, 0, sizeof(*e));
	e->path = n;
	e->kind = kind;
	e->optional = optional;
	e->host = host;
	e->flags = flags;
	e->key = key;
	e->seq = p->n;
	if (data && !(e->data = strdup(data))) {
		free(n);
		return -ENOMEM;
	}
	p->n++;
	return 0;
}

static int add_list(struct sb_build *b, const char *key, char *const *list, enum unit_sb_kind kind)
{
	for (size_t i = 0; list && list[i]; i++) {
		const char *path;
		bool opt, in_root;
		int r;

		if (unit_sandbox_path(list[i], &path, &opt, &in_root) < 0) {
			(void)snprintf(b->err, b->errlen, "%s=%s: not an absolute path", key, list[i]);
			return -EINVAL;
		}
		r = add(b, key, path, kind, opt, kind == UNIT_SB_RW && !in_root, 0, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_fixed(struct sb_build *b, const char *key, const char *const *paths,
		     enum unit_sb_kind kind)
{
	for (size_t i = 0; paths[i]; i++) {
		int r = add(b, key, paths[i], kind, true, false, 0, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct unit_sb_entry *a = x, *b = y;
	int r = strcmp(a->path, b->path);

	if (r)
		return r;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return a->seq < b->seq ? -1 : a->seq > b->seq;   /* qsort is not stable */
}

int unit_sandbox_plan(const struct unit_spec *s, struct unit_sb_plan *ret, char *err,
		      size_t errlen)
{
	static const char *const ps_yes[] = { "/usr", "/boot", "/efi", NULL };
	static const char *const ps_full[] = { "/etc", NULL };
	static const char *const homes[] = { "/home", "/root", "/run/user", NULL };
	static const char *const kt_ro[] = {
		"/proc/sys", "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/acpi",
		"/proc/timer_stats", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/sys",
		NULL,
	};
	static const char *const kt_mask[] = { "/proc/kallsyms", "/proc/kcore", NULL };
	static const char *const km_mask[] = { "/lib/modules", "/usr/lib/modules", NULL };
	static const char *const kl_mask[] = { "/proc/kmsg", "/dev/kmsg", NULL };
	static const char *const cg_ro[] = { "/sys/fs/cgroup", NULL };
	const struct unit_sandbox *sb = &s->sandbox;
	struct sb_build b = { ret, err, errlen };
	bool own_tmp = (s->namespaces & UNIT_NS_MNT) && !(sb->ns_added & UNIT_NS_MNT);
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (errlen)
		err[0] = '\0';
	switch (sb->protect_system) {
	case UNIT_PS_STRICT:
		r = add(&b, "ProtectSystem", "/", UNIT_SB_RO, false, false, 0, NULL);
		if (r == 0 && sb->protect_home == UNIT_PH_NO)   /* left to ProtectHome= */
			r = add_fixed(&b, "ProtectSystem", homes, UNIT_SB_RW);
		break;
	case UNIT_PS_FULL:
		r = add_fixed(&b, "ProtectSystem", ps_full, UNIT_SB_RO);
		/* fall through */
	case UNIT_PS_YES:
		if (r == 0)
			r = add_fixed(&b, "ProtectSystem", ps_yes, UNIT_SB_RO);
		break;
	}
	if (r == 0) {
		switch (sb->protect_home) {
		case UNIT_PH_YES:
			r = add_fixed(&b, "ProtectHome", homes, UNIT_SB_MASK);
			break;
		case UNIT_PH_READ_ONLY:
			r = add_fixed(&b, "ProtectHome", homes, UNIT_SB_RO);
			break;
		case UNIT_PH_TMPFS:
			for (size_t i = 0; r == 0 && homes[i]; i++)
				r = add(&b, "ProtectHome", homes[i], UNIT_SB_TMPFS, true, false,
					MS_RDONLY | MS_NODEV | MS_NOSUID | MS_STRICTATIME, "mode=0755");
			break;
		}
	}
	if (r == 0 && sb->private_tmp) {
		if (!own_tmp)
			r = add(&b, "PrivateTmp", "/tmp", UNIT_SB_TMPFS, false, false,
				MS_NODEV | MS_NOSUID | MS_STRICTATIME, "mode=1777");
		if (r == 0)
			r = add(&b, "PrivateTmp", "/var/tmp", UNIT_SB_TMPFS, false, false,
				MS_NODEV | MS_NOSUID | MS_STRICTATIME, "mode=1777");
	}
	if (r == 0 && sb->protect_kernel_tunables)
		r = add_fixed(&b, "ProtectKernelTunables", kt_ro, UNIT_SB_RO);
	if (r == 0 && sb->protect_kernel_tunables)
		r = add_fixed(&b, "ProtectKernelTunables", kt_mask, UNIT_SB_MASK);
	if (r == 0 && sb->protect_kernel_modules)
		r = add_fixed(&b, "ProtectKernelModules", km_mask, UNIT_SB_MASK);
	if (r == 0 && sb->protect_kernel_logs)
		r = add_fixed(&b, "ProtectKernelLogs", kl_mask, UNIT_SB_MASK);
	if (r == 0 && sb->protect_control_groups)
		r = add_fixed(&b, "ProtectControlGroups", cg_ro, UNIT_SB_RO);
	if (r == 0)
		r = add_list(&b, "ReadWritePaths", sb->read_write_paths, UNIT_SB_RW);
	if (r == 0)
		r = add_list(&b, "ReadOnlyPaths", sb->read_only_paths, UNIT_SB_RO);
	if (r == 0)
		r = add_list(&b, "InaccessiblePaths", sb->inaccessible_paths, UNIT_SB_MASK);
	if (r == 0)
		r = add_list(&b, "ExecPaths", sb->exec_paths, UNIT_SB_EXEC);
	if (r == 0)
		r = add_list(&b, "NoExecPaths", sb->no_exec_paths, UNIT_SB_NOEXEC);
	for (size_t i = 0; r == 0 && sb->temporary_filesystem && sb->temporary_filesystem[i]; i++) {
		const char *v = sb->temporary_filesystem[i], *colon = strchr(v, ':'), *bad;
		char path[4096], data[256];
		unsigned long flags;
		size_t n = colon ? (size_t)(colon - v) : strlen(v);

		if (n >= sizeof(path) || (memcpy(path, v, n), path[n] = '\0', !unit_path_abs_valid(path))) {
			(void)snprintf(err, errlen, "TemporaryFileSystem=%s: not an absolute path", v);
			r = -EINVAL;
			break;
		}
		if (unit_tmpfs_options(colon ? colon + 1 : NULL, &flags, data, sizeof(data), &bad) < 0) {
			(void)snprintf(err, errlen, "TemporaryFileSystem=%s: unsupported option at \"%s\"",
				       v, bad ? bad : "");
			r = -EINVAL;
			break;
		}
		r = add(&b, "TemporaryFileSystem", path, UNIT_SB_TMPFS, false, false, flags, data);
	}
	if (r < 0) {
		if (r == -ENOMEM && errlen)
			(void)snprintf(err, errlen, "%s", strerror(ENOMEM));
		unit_sandbox_plan_free(ret);
		return r;
	}
	if (ret->n)
		qsort(ret->e, ret->n, sizeof(*ret->e), entry_cmp);
	return 0;
}

void unit_sandbox_plan_free(struct unit_sb_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->e[i].path);
		free(p->e[i].data);
	}
	free(p->e);
	p->e = NULL;
	p->n = 0;
}

static int push(char ***v, const char *key, const char *value)
{
	char *m;

	if (asprintf(&m, "%s=%s", key, value) < 0)
		return -ENOMEM;
	return unit_strv_push(v, m);
}

static int push_list(char ***v, const char *key, char *const *list)
{
	for (size_t i = 0; list && list[i]; i++)
		if (push(v, key, list[i]) < 0)
			return -ENOMEM;
	return 0;
}

int unit_sandbox_describe(const struct unit_spec *s, char ***ret)
{
	static const char *const ps[] = { "no", "yes", "full", "strict" };
	static const char *const ph[] = { "no", "yes", "read-only", "tmpfs" };
	static const char *const pp[] = { "default", "noaccess", "invisible", "ptraceable" };
	const struct unit_sandbox *b = &s->sandbox;
	const struct { const char *key; bool on; } bools[] = {
		{ "PrivateTmp", b->private_tmp }, { "PrivateDevices", b->private_devices },
		{ "PrivateNetwork", b->private_network }, { "PrivateIPC", b->private_ipc },
		{ "PrivateMounts", b->private_mounts }, { "PrivateUsers", b->private_users },
		{ "ProtectKernelTunables", b->protect_kernel_tunables },
		{ "ProtectKernelModules", b->protect_kernel_modules },
		{ "ProtectKernelLogs", b->protect_kernel_logs },
		{ "ProtectControlGroups", b->protect_control_groups },
		{ "ProtectClock", b->protect_clock }, { "ProtectHostname", b->protect_hostname },
	};
	char **v = unit_strv_new(), nsb[96];
	int r = 0;

	if (!v)
		return -ENOMEM;
	if (b->protect_system)
		r = push(&v, "ProtectSystem", ps[b->protect_system & 3]);
	if (r == 0 && b->protect_home)
		r = push(&v, "ProtectHome", ph[b->protect_home & 3]);
	for (size_t i = 0; r == 0 && i < N_ELEM(bools); i++)
		if (bools[i].on)
			r = push(&v, bools[i].key, "yes");
	if (r == 0 && b->protect_proc)
		r = push(&v, "ProtectProc", pp[b->protect_proc & 3]);
	if (r == 0 && b->proc_subset)
		r = push(&v, "ProcSubset", "pid");
	if (r == 0)
		r = push_list(&v, "ReadWritePaths", b->read_write_paths);
	if (r == 0)
		r = push_list(&v, "ReadOnlyPaths", b->read_only_paths);
	if (r == 0)
		r = push_list(&v, "InaccessiblePaths", b->inaccessible_paths);
	if (r == 0)
		r = push_list(&v, "ExecPaths", b->exec_paths);
	if (r == 0)
		r = push_list(&v, "NoExecPaths", b->no_exec_paths);
	if (r == 0)
		r = push_list(&v, "TemporaryFileSystem", b->temporary_filesystem);
	if (r == 0 && unit_device_restricted(s))   /* the policy in force (auto with a list is closed) */
		r = push(&v, "DevicePolicy", s->device_policy == UNIT_DEVPOL_STRICT ? "strict" : "closed");
	if (r == 0)
		r = push_list(&v, "DeviceAllow", s->device_allow);
	if (r == 0)
		r = push_list(&v, "IPAddressAllow", s->ip_address_allow);
	if (r == 0)
		r = push_list(&v, "IPAddressDeny", s->ip_address_deny);
	if (r == 0 && b->ns_added)
		r = push(&v, "NamespacesAdded", unit_ns_to_string(b->ns_added, nsb, sizeof(nsb)));
	if (r == 0 && unit_sandbox_caps_dropped(s)) {
		char hex[24];

		(void)snprintf(hex, sizeof(hex), "0x%llx",
			       (unsigned long long)unit_sandbox_caps_dropped(s));
		r = push(&v, "CapabilitiesDropped", hex);
	}
	if (r == 0 && unit_sandbox_implies_nnp(s))
		r = push(&v, "NoNewPrivileges", "yes (implied)");
	if (r < 0) {
		unit_strv_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

static bool at_or_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool unit_sandbox_path_persistent(const struct unit_spec *s, const char *path)
{
	char *const *rw = s->sandbox.read_write_paths;

	if (!(s->namespaces & UNIT_NS_MNT) || (s->sandbox.ns_added & UNIT_NS_MNT) || !s->overlay ||
	    s->overlay_upper)
		return true;
	for (size_t i = 0; i < s->n_binds; i++)
		if (!s->binds[i].read_only &&
		    at_or_below(path, s->binds[i].dst ? s->binds[i].dst : s->binds[i].src))
			return true;
	for (size_t i = 0; rw && rw[i]; i++) {
		const char *p;
		bool opt, in_root;

		if (unit_sandbox_path(rw[i], &p, &opt, &in_root) == 0 && !in_root &&
		    at_or_below(path, p))
			return true;
	}
	return false;
}
