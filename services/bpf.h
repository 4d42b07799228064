/* SPDX-License-Identifier: MIT */
/*
 * bpf.h: the unit's cgroup BPF programs, assembled here from raw
 * instructions and loaded with bpf(2) itself (no libbpf): a device program
 * (BPF_PROG_TYPE_CGROUP_DEVICE) from a list of allowed devices, and IP
 * filters (BPF_PROG_TYPE_CGROUP_SKB, one for ingress, one for egress) from
 * the allow and deny prefix lists. No maps: each list is compiled into
 * inline compares, so a unit costs one program load and one attach per
 * program, and the lists (fixed for a start) need no update path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "units/ipaddr.h"

struct bpf_dev_rule {
	char type;                      /* 'c' or 'b' */
	int major, minor;               /* -1: any */
	unsigned access;                /* UNIT_DEV_* (the kernel's BPF_DEVCG_ACC_*) */
};

enum bpf_attach { BPF_AT_DEVICE, BPF_AT_INGRESS, BPF_AT_EGRESS };

/* Load a device program that allows an access when one rule covers the
 * device and every access bit asked for, and denies it otherwise. Returns
 * the program fd (close-on-exec) or -errno. */
int bpf_dev_prog_load(const struct bpf_dev_rule *rules, size_t n);

/* Load an IP filter for ingress (checks the source address) or egress (the
 * destination): an address in allow passes, else one in deny is dropped,
 * else it passes; packets other than IPv4 and IPv6 pass. fd or -errno. */
int bpf_ip_prog_load(const struct unit_ip_prefix *allow, size_t n_allow,
		     const struct unit_ip_prefix *deny, size_t n_deny, bool ingress);

/* Attach prog to the cgroup directory fd with BPF_F_ALLOW_MULTI (with the
 * programs of the cgroups above, which must all allow), or detach it.
 * 0 or -errno. */
int bpf_prog_attach(int prog_fd, int cgroup_fd, enum bpf_attach at);
int bpf_prog_detach(int prog_fd, int cgroup_fd, enum bpf_attach at);
