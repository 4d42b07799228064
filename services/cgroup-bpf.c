/* SPDX-License-Identifier: MIT */
/*
 * cgroup-bpf.c: the programs on a unit's cgroup (cg_unit_bpf_apply, see
 * cgroup.h): DevicePolicy=/DeviceAllow= as a BPF device program, else the
 * v1 devices controller; IPAddressAllow=/IPAddressDeny= as ingress and
 * egress filters. The rules of units/devices.c become device numbers here:
 * the standard pseudo devices by their fixed numbers (no stat), other paths
 * by stat(2), char-GROUP and block-GROUP by /proc/devices (read once, only
 * when a group is named).
 *
 * Run in the parent before the child is cloned into the cgroup, so the
 * unit's first instruction is already filtered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "lib/log.h"
#include "services/bpf.h"
#include "services/cgroup-internal.h"
#include "units/devices.h"
#include "units/ipaddr.h"
#include "units/value.h"

#define DEV_RULES_MAX 1024      /* after char-GROUP globs expand */
#define DEV_MAJORS_MAX 64       /* majors one glob may match */

void cg_unit_bpf_release(struct cg_unit *cg)
{
	for (size_t i = 0; i < N_ELEM(cg->bpf_fd); i++) {
		if (cg->bpf_fd[i] >= 0)
			(void)close(cg->bpf_fd[i]);
		cg->bpf_fd[i] = -1;
	}
}

static bool ip_wanted(const struct unit_spec *s)
{
	/* without a deny entry nothing can be denied: no program */
	return s->ip_address_deny && s->ip_address_deny[0];
}

bool cg_unit_bpf_wanted(const struct cg_unit *cg, const struct unit_spec *s)
{
	if (unit_device_restricted(s) || ip_wanted(s))
		return true;
	if (!cg)
		return false;
	for (size_t i = 0; i < N_ELEM(cg->bpf_fd); i++)
		if (cg->bpf_fd[i] >= 0)
			return true;
	return cg->v1_devices;
}

static void warn_add(char **warnings, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn_add(char **warnings, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (*n >= CG_WARN_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) >= 0)
		warnings[(*n)++] = m;
	va_end(ap);
}

/* the fixed numbers of the pseudo devices (Linux's devices.txt) */
static const struct { const char *path; int major, minor; } fixed[] = {
	{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
	{ "/dev/ptmx", 5, 2 },
};

struct dev_build {
	struct bpf_dev_rule *r;
	size_t n;
	char *proc_devices;     /* read on first use */
	bool proc_read;
	bool full;              /* a rule did not fit (DEV_RULES_MAX) */
};

static void dev_add(struct dev_build *b, char type, int major, int minor, unsigned access)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->r[i].type == type && b->r[i].major == major && b->r[i].minor == minor) {
			b->r[i].access |= access;   /* "/dev/x r" and "/dev/x w" are "rw" */
			return;
		}
	if (b->n < DEV_RULES_MAX)
		b->r[b->n++] = (struct bpf_dev_rule){ type, major, minor, access };
	else
		b->full = true;
}

/* One rule into device numbers; 0, or a warning's reason. */
static const char *dev_resolve(struct dev_build *b, const struct unit_dev_rule *u)
{
	char spec[256];

	if (u->len >= sizeof(spec))
		return "name too long";
	memcpy(spec, u->spec, u->len);
	spec[u->len] = '\0';
	if (spec[0] == '/') {
		struct stat st;

		for (size_t i = 0; i < N_ELEM(fixed); i++)
			if (strcmp(spec, fixed[i].path) == 0) {
				dev_add(b, 'c', fixed[i].major, fixed[i].minor, u->access);
				return NULL;
			}
		if (stat(spec, &st) < 0)
			return strerror(errno);
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			return "not a device node";
		dev_add(b, S_ISCHR(st.st_mode) ? 'c' : 'b', (int)major(st.st_rdev),
			(int)minor(st.st_rdev), u->access);
		return NULL;
	} else {
		bool chr = strncmp(spec, "char-", 5) == 0;
		const char *glob = spec + (chr ? 5 : 6);
		unsigned majors[DEV_MAJORS_MAX];
		int n;

		if (!b->proc_read) {
			b->proc_read = true;
			if (cg_read_alloc("/proc/devices", &b->proc_devices) < 0)
				b->proc_devices = NULL;
		}
		if (!b->proc_devices)
			return "cannot read /proc/devices";
		n = unit_proc_devices_match(b->proc_devices, chr ? 'c' : 'b', glob, strlen(glob),
					    majors, DEV_MAJORS_MAX);
		if (n <= 0)
			return "no such device group in /proc/devices";
		if (n > DEV_MAJORS_MAX)
			b->full = true;
		for (int i = 0; i < n && i < DEV_MAJORS_MAX; i++)
			dev_add(b, chr ? 'c' : 'b', (int)majors[i], -1, u->access);
		return NULL;
	}
}

/* the v1 devices controller: deny all, then each rule */
static int dev_v1(struct cg_unit *cg, const struct dev_build *b)
{
	const char *d;
	int r;

	r = cg_unit_need(cg, CTL_BIT(CTL_DEVICES));
	if (r < 0)
		return r;
	d = cg_v1_dir_of(cg, CTL_DEVICES);
	if (!d)
		return -ENODEV;
	cg->v1_devices = true;
	r = cg_write(d, "devices.deny", "a");
	for (size_t i = 0; r == 0 && i < b->n; i++) {
		char line[64], maj[16], min[16], acc[4];
		const struct bpf_dev_rule *x = &b->r[i];

		(void)snprintf(maj, sizeof(maj), x->major < 0 ? "*" : "%d", x->major);
		(void)snprintf(min, sizeof(min), x->minor < 0 ? "*" : "%d", x->minor);
		(void)snprintf(line, sizeof(line), "%c %s:%s %s", x->type, maj, min,
			       unit_device_access_str(x->access, acc));
		r = cg_write(d, "devices.allow", line);
	}
	return r;
}

static int devices_apply(struct cg_unit *cg, int cgfd, const struct unit_spec *s, char *err,
			 size_t errlen, char **warnings, size_t *n_warnings)
{
	const char *key = s->device_policy != UNIT_DEVPOL_AUTO ? "DevicePolicy" :
			  s->device_allow && s->device_allow[0] ? "DeviceAllow" :
			  s->sandbox.private_devices ? "PrivateDevices" : "ProtectClock";
	struct unit_dev_rule *rules = NULL;
	struct dev_build b = { 0 };
	size_t n = 0;
	int r, fd = -ENOENT, rv1 = 0;

	r = unit_device_rules(s, &rules, &n);
	if (r == 0 && !(b.r = calloc(DEV_RULES_MAX, sizeof(*b.r))))
		r = -ENOMEM;
	if (r < 0) {
		(void)snprintf(err, errlen, "%s=: %s", key, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = dev_resolve(&b, &rules[i]);

		if (why && !rules[i].implied)
			warn_add(warnings, n_warnings, "DeviceAllow=%.*s: %s: ignored",
				 (int)rules[i].len, rules[i].spec, why);
	}
	if (b.full)   /* fewer devices allowed than asked: never more */
		warn_add(warnings, n_warnings, "DeviceAllow=: more than %d devices (or %d majors "
			 "in one group): the rest left out", DEV_RULES_MAX, DEV_MAJORS_MAX);
	if (cgfd >= 0) {
		fd = bpf_dev_prog_load(b.r, b.n);
		if (fd >= 0) {
			r = bpf_prog_attach(fd, cgfd, BPF_AT_DEVICE);
			if (r == 0) {
				cg->bpf_fd[BPF_AT_DEVICE] = fd;
				goto out;
			}
			(void)close(fd);
			fd = r;
		}
	}
	/* no device program: the v1 controller, where it is mounted */
	rv1 = cg->ctx->v1_of[CTL_DEVICES] >= 0 ? dev_v1(cg, &b) : -ENODEV;
	if (rv1 == 0) {
		if (cgfd >= 0)
			log_debug("%s: BPF device program not attached (%s): v1 devices used",
				  cg->leaf, strerror(-fd));
		r = 0;
		goto out;
	}
	(void)snprintf(err, errlen, "%s=: cannot enforce the device policy: BPF device program: %s; "
		       "v1 devices controller: %s", key,
		       cgfd >= 0 ? strerror(-fd) : "no cgroup v2 for the unit",
		       rv1 == -ENODEV ? "not mounted" : strerror(-rv1));
	r = rv1 == -ENODEV ? (fd < 0 ? fd : -ENODEV) : rv1;
	if (!unit_device_explicit(s)) {
		/* implied by PrivateDevices=/ProtectClock=: its /dev or missing
		 * capabilities still stand; say so and go on */
		warn_add(warnings, n_warnings, "%s", err);
		err[0] = '\0';
		r = 0;
	}
out:
	free(b.proc_devices);
	free(b.r);
	free(rules);
	return r;
}

/* the words of a list as prefixes: *ret (free()) of *ret_n */
static int prefixes(char *const *list, struct unit_ip_prefix **ret, size_t *ret_n)
{
	size_t n = unit_strv_len(list), k = 0;
	struct unit_ip_prefix *p = calloc(2 * n + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int m = unit_ip_prefix_parse(list[i], p + k);

		if (m > 0)
			k += (size_t)m;
	}
	*ret = p;
	*ret_n = k;
	return 0;
}

static int ip_apply(struct cg_unit *cg, int cgfd, const struct unit_spec *s, char *err,
		    size_t errlen)
{
	struct unit_ip_prefix *allow = NULL, *deny = NULL;
	size_t na = 0, nd = 0;
	const char *what = "load the filter";
	int r;

	r = prefixes(s->ip_address_allow, &allow, &na);
	if (r == 0)
		r = prefixes(s->ip_address_deny, &deny, &nd);
	if (r == 0 && cgfd < 0)
		r = -ENOENT, what = "no cgroup v2 for the unit";
	for (int at = BPF_AT_INGRESS; r == 0 && at <= BPF_AT_EGRESS; at++) {
		int fd = bpf_ip_prog_load(allow, na, deny, nd, at == BPF_AT_INGRESS);

		if (fd < 0) {
			r = fd;
			break;
		}
		r = bpf_prog_attach(fd, cgfd, (enum bpf_attach)at);
		if (r < 0) {
			what = "attach the filter";
			(void)close(fd);
			break;
		}
		cg->bpf_fd[at] = fd;
	}
	if (r < 0)
		(void)snprintf(err, errlen, "IPAddressDeny=: unable to %s: %s", what,
			       r == -ENOENT && cgfd < 0 ? "no cgroup v2 hierarchy" : strerror(-r));
	free(allow);
	free(deny);
	return r;
}

int cg_unit_bpf_apply(struct cg_unit *cg, const struct unit_spec *s, char *err, size_t errlen,
		      char **warnings, size_t *n_warnings)
{
	int cgfd = -1, r = 0;

	if (errlen)
		err[0] = '\0';
	if (!cg_unit_bpf_wanted(cg, s))
		return 0;
	if (cg->v2_dir) {
		cgfd = open(cg->v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgfd < 0) {
			r = -errno;
			(void)snprintf(err, errlen, "%s=: unable to open %s: %s",
				       unit_device_restricted(s) ? "DevicePolicy" : "IPAddressDeny",
				       cg->v2_dir, strerror(-r));
			return r;
		}
	}
	/* an earlier spec's programs go first */
	for (int at = 0; at < (int)N_ELEM(cg->bpf_fd); at++)
		if (cg->bpf_fd[at] >= 0 && cgfd >= 0) {
			int e = bpf_prog_detach(cg->bpf_fd[at], cgfd, (enum bpf_attach)at);

			log_debug("%s: BPF program %d of the earlier definition detached: %s", cg->leaf,
				  at, e < 0 ? strerror(-e) : "ok");
		}
	cg_unit_bpf_release(cg);
	if (cg->v1_devices) {
		const char *d = cg_v1_dir_of(cg, CTL_DEVICES);

		if (d)
			(void)cg_write(d, "devices.allow", "a");
		cg->v1_devices = false;
	}
	if (unit_device_restricted(s))
		r = devices_apply(cg, cgfd, s, err, errlen, warnings, n_warnings);
	if (r == 0 && ip_wanted(s))
		r = ip_apply(cg, cgfd, s, err, errlen);
	if (cgfd >= 0)
		(void)close(cgfd);
	return r;
}
