/* SPDX-License-Identifier: MIT */
/*
 * devices.h: DevicePolicy= and DeviceAllow= (systemd.resource-control(5)) as
 * svcinit stores them, and the list of allowed devices they mean. Pure: the
 * parser checks "SPECIFIER [ACCESS]", unit_device_rules() says which
 * specifiers a unit may use with which access; services/cgroup-bpf.c turns
 * them into device numbers and a BPF device program (or v1 devices lines).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum unit_device_policy { UNIT_DEVPOL_AUTO, UNIT_DEVPOL_CLOSED, UNIT_DEVPOL_STRICT };

/* access bits, the values of the kernel's BPF_DEVCG_ACC_* */
#define UNIT_DEV_MKNOD 1u
#define UNIT_DEV_READ  2u
#define UNIT_DEV_WRITE 4u
#define UNIT_DEV_ALL   7u

/* One DeviceAllow= value: "/dev/PATH", "char-GLOB" or "block-GLOB", then
 * optionally a non-empty combination of r w m (default rwm, as systemd).
 * Returns 0 with *ret_spec a pointer into value and its length, and the
 * access; -EINVAL with *ret_why what is wrong. */
int unit_device_allow_parse(const char *value, const char **ret_spec, size_t *ret_len,
			    unsigned *ret_access, const char **ret_why);

/* "rwm" letters of access into buf (4 bytes); returns buf. */
char *unit_device_access_str(unsigned access, char *buf);

struct unit_spec;

/* Do the keys restrict devices at all: DevicePolicy=closed or strict,
 * DeviceAllow= given, or PrivateDevices=/ProtectClock= (which imply a
 * policy, as in systemd)? No allocation, no system call. */
bool unit_device_restricted(const struct unit_spec *spec);
/* Did the unit file ask for it itself (DevicePolicy= other than auto, or a
 * DeviceAllow= line), rather than through PrivateDevices=/ProtectClock=? */
bool unit_device_explicit(const struct unit_spec *spec);

struct unit_dev_rule {
	const char *spec;               /* "/dev/null", "char-pts", ... (static or in spec) */
	size_t len;
	unsigned access;                /* UNIT_DEV_* */
	bool implied;                   /* not from DeviceAllow= (the pseudo devices, char-rtc) */
};

/* The allow list in force, as systemd builds it: with DevicePolicy=closed,
 * or auto with a DeviceAllow= (or PrivateDevices=, which makes auto
 * closed), first the standard pseudo devices (/dev/null zero full random
 * urandom tty ptmx rwm, char-pts rw), then ProtectClock='s char-rtc r, then
 * each DeviceAllow=; strict has only the last two. *ret (free()) holds
 * *ret_n rules; 0, or -ENOMEM. Not restricted: 0 rules, *ret NULL. */
int unit_device_rules(const struct unit_spec *spec, struct unit_dev_rule **ret, size_t *ret_n);

/* Majors of /proc/devices (its text) in the section of type ('c': the
 * "Character devices:" one, 'b': "Block devices:") whose name matches glob
 * (fnmatch(3)): at most max into majors; returns how many matched (also
 * those beyond max are counted), -EINVAL for another type. */
int unit_proc_devices_match(const char *text, char type, const char *glob, size_t glob_len,
			    unsigned *majors, size_t max);
