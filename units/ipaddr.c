/* SPDX-License-Identifier: MIT */
/*
 * ipaddr.c: the words of IPAddressAllow= and IPAddressDeny= (see ipaddr.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "units/ipaddr.h"

static const struct {
	const char *name;
	const char *v4, *v6;
} names[] = {
	{ "any", "0.0.0.0/0", "::/0" },
	{ "localhost", "127.0.0.0/8", "::1/128" },
	{ "link-local", "169.254.0.0/16", "fe80::/64" },
	{ "multicast", "224.0.0.0/4", "ff00::/8" },
};

static void clear_host_bits(struct unit_ip_prefix *p)
{
	size_t bytes = p->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		unsigned keep = p->prefixlen >= (i + 1) * 8 ? 8 :
				p->prefixlen > i * 8 ? p->prefixlen - (unsigned)i * 8 : 0;

		p->addr[i] &= (uint8_t)(keep ? 0xffu << (8 - keep) : 0);
	}
}

static int parse_one(const char *word, struct unit_ip_prefix *p)
{
	const char *slash = strchr(word, '/');
	char buf[INET6_ADDRSTRLEN + 8];
	size_t n = slash ? (size_t)(slash - word) : strlen(word);
	unsigned max;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, word, n);
	buf[n] = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = AF_INET6;
	else
		return -EINVAL;
	max = p->family == AF_INET ? 32 : 128;
	p->prefixlen = max;
	if (slash) {
		char *end;
		unsigned long l;

		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		l = strtoul(slash + 1, &end, 10);
		if (*end || l > max)
			return -EINVAL;
		p->prefixlen = (unsigned)l;
	}
	clear_host_bits(p);
	return 0;
}

int unit_ip_prefix_parse(const char *word, struct unit_ip_prefix ret[2])
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i].name) == 0) {
			if (parse_one(names[i].v4, &ret[0]) < 0 || parse_one(names[i].v6, &ret[1]) < 0)
				return -EINVAL;
			return 2;
		}
	return parse_one(word, &ret[0]) < 0 ? -EINVAL : 1;
}

bool unit_ip_prefix_match(const struct unit_ip_prefix *p, int family, const uint8_t *addr)
{
	struct unit_ip_prefix a;

	if (p->family != family)
		return false;
	memset(&a, 0, sizeof(a));
	a.family = family;
	a.prefixlen = p->prefixlen;
	memcpy(a.addr, addr, family == AF_INET ? 4 : 16);
	clear_host_bits(&a);
	return memcmp(a.addr, p->addr, sizeof(a.addr)) == 0;
}

static bool list_match(char *const *list, int family, const uint8_t *addr)
{
	for (size_t i = 0; list && list[i]; i++) {
		struct unit_ip_prefix p[2];
		int n = unit_ip_prefix_parse(list[i], p);

		for (int j = 0; j < n; j++)
			if (unit_ip_prefix_match(&p[j], family, addr))
				return true;
	}
	return false;
}

bool unit_ip_allowed(char *const *allow, char *const *deny, int family, const uint8_t *addr)
{
	if (list_match(allow, family, addr))
		return true;
	return !list_match(deny, family, addr);
}
