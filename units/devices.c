/* SPDX-License-Identifier: MIT */
/*
 * devices.c: DevicePolicy= and DeviceAllow= (see devices.h), as
 * systemd.resource-control(5) defines them: auto allows everything until a
 * DeviceAllow= appears, then behaves as closed; closed allows the standard
 * pseudo devices and the list; strict only the list. PrivateDevices= turns
 * auto into closed and ProtectClock= adds "char-rtc r", as systemd's
 * unit_patch_contexts() does.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "units/devices.h"
#include "units/unit.h"
#include "units/value.h"

int unit_device_allow_parse(const char *value, const char **ret_spec, size_t *ret_len,
			    unsigned *ret_access, const char **ret_why)
{
	const char *p = value, *s, *a;
	unsigned access = 0;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	s = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	n = (size_t)(p - s);
	while (*p == ' ' || *p == '\t')
		p++;
	a = p;
	if (n == 0) {
		*ret_why = "no device given";
		return -EINVAL;
	}
	if (n > 5 && strncmp(s, "/dev/", 5) == 0) {
		for (size_t i = 0; i < n; i++)
			if (s[i] == '*' || s[i] == '?' || s[i] == '[') {
				*ret_why = "a device path takes no wildcards (use char-GROUP or block-GROUP)";
				return -EINVAL;
			}
	} else if (!((n > 5 && strncmp(s, "char-", 5) == 0) ||
		     (n > 6 && strncmp(s, "block-", 6) == 0))) {
		*ret_why = "expected a /dev/ path, char-GROUP or block-GROUP";
		return -EINVAL;
	}
	if (!*a) {
		access = UNIT_DEV_ALL;
	} else {
		for (; *a && *a != ' ' && *a != '\t'; a++) {
			switch (*a) {
			case 'r': access |= UNIT_DEV_READ; break;
			case 'w': access |= UNIT_DEV_WRITE; break;
			case 'm': access |= UNIT_DEV_MKNOD; break;
			default:
				*ret_why = "access is a combination of r, w and m";
				return -EINVAL;
			}
		}
		while (*a == ' ' || *a == '\t')
			a++;
		if (*a) {
			*ret_why = "expected DEVICE [ACCESS]";
			return -EINVAL;
		}
	}
	*ret_spec = s;
	*ret_len = n;
	*ret_access = access;
	return 0;
}

char *unit_device_access_str(unsigned access, char *buf)
{
	char *b = buf;

	if (access & UNIT_DEV_READ)
		*b++ = 'r';
	if (access & UNIT_DEV_WRITE)
		*b++ = 'w';
	if (access & UNIT_DEV_MKNOD)
		*b++ = 'm';
	*b = '\0';
	return buf;
}

static bool has_allow(const struct unit_spec *s)
{
	return s->device_allow && s->device_allow[0];
}

bool unit_device_explicit(const struct unit_spec *s)
{
	return s->device_policy != UNIT_DEVPOL_AUTO || has_allow(s);
}

bool unit_device_restricted(const struct unit_spec *s)
{
	return unit_device_explicit(s) || s->sandbox.private_devices || s->sandbox.protect_clock;
}

static const struct unit_dev_rule pseudo[] = {
	{ "/dev/null", 9, UNIT_DEV_ALL, true }, { "/dev/zero", 9, UNIT_DEV_ALL, true },
	{ "/dev/full", 9, UNIT_DEV_ALL, true }, { "/dev/random", 11, UNIT_DEV_ALL, true },
	{ "/dev/urandom", 12, UNIT_DEV_ALL, true }, { "/dev/tty", 8, UNIT_DEV_ALL, true },
	{ "/dev/ptmx", 9, UNIT_DEV_ALL, true },
	{ "char-pts", 8, UNIT_DEV_READ | UNIT_DEV_WRITE, true },
};

int unit_device_rules(const struct unit_spec *s, struct unit_dev_rule **ret, size_t *ret_n)
{
	struct unit_dev_rule *v;
	size_t n = 0, max;
	bool closed;

	*ret = NULL;
	*ret_n = 0;
	if (!unit_device_restricted(s))
		return 0;
	/* auto with a list (ProtectClock='s char-rtc is one) is closed */
	closed = s->device_policy != UNIT_DEVPOL_STRICT;
	max = N_ELEM(pseudo) + 1 + unit_strv_len(s->device_allow);
	v = calloc(max, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (closed)
		for (size_t i = 0; i < N_ELEM(pseudo); i++)
			v[n++] = pseudo[i];
	if (s->sandbox.protect_clock)
		v[n++] = (struct unit_dev_rule){ "char-rtc", 8, UNIT_DEV_READ, true };
	for (size_t i = 0; s->device_allow && s->device_allow[i]; i++) {
		const char *why, *sp;
		size_t len;
		unsigned acc;

		if (unit_device_allow_parse(s->device_allow[i], &sp, &len, &acc, &why) == 0)
			v[n++] = (struct unit_dev_rule){ sp, len, acc, false };
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int unit_proc_devices_match(const char *text, char type, const char *glob, size_t glob_len,
			    unsigned *majors, size_t max)
{
	const char *head = type == 'c' ? "Character devices:" : type == 'b' ? "Block devices:" : NULL;
	char pat[128];
	bool in = false;
	int found = 0;

	if (!head || glob_len >= sizeof(pat))
		return -EINVAL;
	memcpy(pat, glob, glob_len);
	pat[glob_len] = '\0';
	for (const char *l = text; l && *l; ) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n && l[n - 1] == ':') {
			in = n == strlen(head) && strncmp(l, head, n) == 0;
		} else if (in && n) {
			char name[128];
			char *end;
			unsigned long major = strtoul(l, &end, 10);
			size_t k;

			while (end < l + n && *end == ' ')
				end++;
			k = (size_t)(l + n - end);
			if (end > l && k && k < sizeof(name) && major < (1u << 12)) {
				memcpy(name, end, k);
				name[k] = '\0';
				if (fnmatch(pat, name, 0) == 0) {
					if ((size_t)found < max)
						majors[found] = (unsigned)major;
					found++;
				}
			}
		}
		l = e ? e + 1 : NULL;
	}
	return found;
}
