/* SPDX-License-Identifier: MIT */
/*
 * ipaddr.h: IPAddressAllow= and IPAddressDeny= (systemd.resource-control(5)):
 * addresses with an optional prefix length, v4 and v6, and the symbolic
 * names any, localhost, link-local, multicast. Pure: a word becomes one or
 * two prefixes; services/cgroup-bpf.c compiles the lists into the unit's
 * ingress and egress programs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct unit_ip_prefix {
	int family;                     /* AF_INET or AF_INET6 */
	uint8_t addr[16];               /* network order; bits past prefixlen are zero */
	unsigned prefixlen;             /* 0..32 or 0..128 */
};

/* One word of the lists: "ADDRESS[/PREFIXLENGTH]" (no prefix: the whole
 * address) or a symbolic name ("any" is 0.0.0.0/0 and ::/0, "localhost"
 * 127.0.0.0/8 and ::1/128, "link-local" 169.254.0.0/16 and fe80::/64,
 * "multicast" 224.0.0.0/4 and ff00::/8). Up to two prefixes into ret[];
 * returns how many, or -EINVAL. The host bits of an address with a
 * shorter prefix are cleared (10.1.2.3/8 is 10.0.0.0/8), as systemd does. */
int unit_ip_prefix_parse(const char *word, struct unit_ip_prefix ret[2]);

/* Does addr (network order, 4 or 16 bytes of family) lie in p? */
bool unit_ip_prefix_match(const struct unit_ip_prefix *p, int family, const uint8_t *addr);

/* The verdict of the lists for one address, as systemd applies them: an
 * allow entry matching grants, else a deny entry matching denies, else it
 * is granted. The lists are words as unit_ip_prefix_parse reads them
 * (NULL-terminated, NULL: empty). */
bool unit_ip_allowed(char *const *allow, char *const *deny, int family, const uint8_t *addr);
