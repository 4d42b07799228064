/* SPDX-License-Identifier: MIT */
/*
 * test_cgfilter.c: DevicePolicy=, DeviceAllow=, IPAddressAllow= and
 * IPAddressDeny= as the parser reads them (units/keys.c), the allow list a
 * policy means (units/devices.c), /proc/devices groups, and the prefixes
 * and symbolic names of the IP lists with systemd's verdict (units/ipaddr.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "units/devices.h"
#include "units/ipaddr.h"
#include "units/unit.h"

#include "tests/unit/parse.h"

static void test_device_allow_parse(void **state)
{
	const char *sp, *why;
	size_t len;
	unsigned acc;

	(void)state;
	assert_int_equal(unit_device_allow_parse("/dev/null", &sp, &len, &acc, &why), 0);
	assert_int_equal(len, 9);
	assert_int_equal(acc, UNIT_DEV_ALL);   /* no access: rwm, as systemd */
	assert_int_equal(unit_device_allow_parse("/dev/fuse r", &sp, &len, &acc, &why), 0);
	assert_int_equal(acc, UNIT_DEV_READ);
	assert_int_equal(unit_device_allow_parse("char-pts  wm", &sp, &len, &acc, &why), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(sp, "char-pts", 8);
	assert_int_equal(acc, UNIT_DEV_WRITE | UNIT_DEV_MKNOD);
	assert_int_equal(unit_device_allow_parse("block-loop rw", &sp, &len, &acc, &why), 0);
	assert_int_equal(unit_device_allow_parse("char-cpu/* r", &sp, &len, &acc, &why), 0);
	/* refused */
	assert_int_equal(unit_device_allow_parse("/dev/sd* r", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("/dev/null x", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("/dev/null r w", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("null r", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("char- r", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("/dev/", &sp, &len, &acc, &why), -EINVAL);
	assert_int_equal(unit_device_allow_parse("", &sp, &len, &acc, &why), -EINVAL);
}

static void test_device_keys(void **state)
{
	struct unit_spec *s;

	(void)state;
	/* one entry per specifier, access merged; empty resets */
	s = parse_ok("DeviceAllow=/dev/fuse r\nDeviceAllow=/dev/fuse w\nDeviceAllow=char-pts\n");
	assert_int_equal(unit_strv_len(s->device_allow), 2);
	assert_string_equal(s->device_allow[0], "/dev/fuse rw");
	assert_string_equal(s->device_allow[1], "char-pts rwm");
	assert_int_equal(s->device_policy, UNIT_DEVPOL_AUTO);
	unit_spec_free(s);
	s = parse_ok("DeviceAllow=/dev/fuse r\nDeviceAllow=\nDevicePolicy=strict\n");
	assert_int_equal(unit_strv_len(s->device_allow), 0);
	assert_int_equal(s->device_policy, UNIT_DEVPOL_STRICT);
	assert_true(unit_device_restricted(s));
	unit_spec_free(s);
	expect_error("DevicePolicy=open\n", "DevicePolicy=: ");
	expect_error("DeviceAllow=/dev/null rx\n", "DeviceAllow=: invalid value");
	expect_error("DeviceAllow=sda r\n", "DeviceAllow=: invalid value");
	/* not warnings any more */
	s = parse_ok("DevicePolicy=closed\nDeviceAllow=/dev/null r\n"
		     "IPAddressDeny=any\nIPAddressAllow=localhost\n");
	assert_int_equal(unit_strv_len(s->warnings), 0);
	unit_spec_free(s);
}

/* the rules as "SPEC ACCESS" strings */
static char *rules_str(const char *body)
{
	struct unit_spec *s = parse_ok(body);
	struct unit_dev_rule *r;
	char *out = calloc(1, 4096), acc[4];
	size_t n, off = 0;

	assert_non_null(out);
	assert_int_equal(unit_device_rules(s, &r, &n), 0);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(out + off, 4096 - off, "%s%.*s %s%s", i ? "; " : "",
					(int)r[i].len, r[i].spec,
					unit_device_access_str(r[i].access, acc),
					r[i].implied ? "*" : "");
	free(r);
	unit_spec_free(s);
	return out;
}

#define assert_rules(body, want) do { \
		char *got_ = rules_str(body); \
		if (strcmp(got_, want) != 0) \
			fail_msg("rules of\n%s\n  got:  %s\n  want: %s", body, got_, want); \
		free(got_); \
	} while (0)

#define PSEUDO "/dev/null rwm*; /dev/zero rwm*; /dev/full rwm*; /dev/random rwm*; " \
	"/dev/urandom rwm*; /dev/tty rwm*; /dev/ptmx rwm*; char-pts rw*"

static void test_device_rules(void **state)
{
	struct unit_spec *s;

	(void)state;
	/* auto without a list: nothing restricted, no rule */
	s = parse_ok("");
	assert_false(unit_device_restricted(s));
	unit_spec_free(s);
	assert_rules("", "");
	assert_rules("DevicePolicy=auto\n", "");
	/* closed: the pseudo devices */
	assert_rules("DevicePolicy=closed\n", PSEUDO);
	/* DeviceAllow= alone: closed with the list */
	assert_rules("DeviceAllow=/dev/fuse r\n", PSEUDO "; /dev/fuse r");
	/* strict: only the list (none: everything denied) */
	assert_rules("DevicePolicy=strict\nDeviceAllow=/dev/fuse rw\n", "/dev/fuse rw");
	assert_rules("DevicePolicy=strict\n", "");
	/* PrivateDevices= makes auto closed, leaves strict */
	assert_rules("PrivateDevices=yes\n", PSEUDO);
	assert_rules("PrivateDevices=yes\nDevicePolicy=strict\n", "");
	/* ProtectClock= adds char-rtc r, which with auto means closed */
	assert_rules("ProtectClock=yes\n", PSEUDO "; char-rtc r*");
	assert_rules("ProtectClock=yes\nDevicePolicy=strict\nDeviceAllow=block-loop rwm\n",
		     "char-rtc r*; block-loop rwm");
	/* explicit or implied */
	s = parse_ok("PrivateDevices=yes\n");
	assert_true(unit_device_restricted(s));
	assert_false(unit_device_explicit(s));
	unit_spec_free(s);
	s = parse_ok("DeviceAllow=/dev/null r\n");
	assert_true(unit_device_explicit(s));
	unit_spec_free(s);
}

static const char proc_devices[] =
	"Character devices:\n"
	"  1 mem\n"
	"  4 /dev/vc/0\n"
	"  4 tty\n"
	"  5 /dev/tty\n"
	"  5 ptmx\n"
	"136 pts\n"
	"202 cpu/msr\n"
	"203 cpu/cpuid\n"
	"254 rtc\n"
	"\n"
	"Block devices:\n"
	"  7 loop\n"
	"  8 sd\n"
	"253 device-mapper\n"
	"259 blkext\n";

static void test_proc_devices(void **state)
{
	unsigned m[8];

	(void)state;
	assert_int_equal(unit_proc_devices_match(proc_devices, 'c', "pts", 3, m, 8), 1);
	assert_int_equal(m[0], 136);
	assert_int_equal(unit_proc_devices_match(proc_devices, 'c', "cpu/*", 5, m, 8), 2);
	assert_int_equal(m[0], 202);
	assert_int_equal(m[1], 203);
	assert_int_equal(unit_proc_devices_match(proc_devices, 'b', "loop", 4, m, 8), 1);
	assert_int_equal(m[0], 7);
	/* the type's own section only */
	assert_int_equal(unit_proc_devices_match(proc_devices, 'b', "pts", 3, m, 8), 0);
	assert_int_equal(unit_proc_devices_match(proc_devices, 'c', "loop", 4, m, 8), 0);
	assert_int_equal(unit_proc_devices_match(proc_devices, 'c', "rt?", 3, m, 8), 1);
	assert_int_equal(m[0], 254);
	/* more matches than room: counted */
	assert_int_equal(unit_proc_devices_match(proc_devices, 'c', "*", 1, m, 2), 9);
	assert_int_equal(unit_proc_devices_match(proc_devices, 'x', "*", 1, m, 2), -EINVAL);
}

static void prefix_is(const char *word, int idx, int family, const char *addr, unsigned len)
{
	struct unit_ip_prefix p[2];
	uint8_t want[16] = { 0 };
	int n = unit_ip_prefix_parse(word, p);

	assert_true(n > idx);
	assert_int_equal(p[idx].family, family);
	assert_int_equal(inet_pton(family, addr, want), 1);
	assert_memory_equal(p[idx].addr, want, family == AF_INET ? 4 : 16);
	assert_int_equal(p[idx].prefixlen, len);
}

static void test_ip_prefix(void **state)
{
	struct unit_ip_prefix p[2];

	(void)state;
	prefix_is("10.1.2.3", 0, AF_INET, "10.1.2.3", 32);
	prefix_is("10.1.2.3/8", 0, AF_INET, "10.0.0.0", 8);   /* host bits cleared */
	prefix_is("192.168.7.130/25", 0, AF_INET, "192.168.7.128", 25);
	prefix_is("0.0.0.0/0", 0, AF_INET, "0.0.0.0", 0);
	prefix_is("::1", 0, AF_INET6, "::1", 128);
	prefix_is("fe80::1234/64", 0, AF_INET6, "fe80::", 64);
	prefix_is("2001:db8:ffff::/33", 0, AF_INET6, "2001:db8:8000::", 33);
	assert_int_equal(unit_ip_prefix_parse("any", p), 2);
	prefix_is("any", 0, AF_INET, "0.0.0.0", 0);
	prefix_is("any", 1, AF_INET6, "::", 0);
	prefix_is("localhost", 0, AF_INET, "127.0.0.0", 8);
	prefix_is("localhost", 1, AF_INET6, "::1", 128);
	prefix_is("link-local", 0, AF_INET, "169.254.0.0", 16);
	prefix_is("link-local", 1, AF_INET6, "fe80::", 64);
	prefix_is("multicast", 0, AF_INET, "224.0.0.0", 4);
	prefix_is("multicast", 1, AF_INET6, "ff00::", 8);
	/* refused */
	assert_int_equal(unit_ip_prefix_parse("10.0.0.0/33", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("::/129", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("10.0.0/8", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("10.0.0.1/", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("10.0.0.1/-1", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("localhost6", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("example.com", p), -EINVAL);
	assert_int_equal(unit_ip_prefix_parse("", p), -EINVAL);
}

static bool allowed(char *const *allow, char *const *deny, const char *addr)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return unit_ip_allowed(allow, deny, family, a);
}

static void test_ip_verdict(void **state)
{
	char *any[] = { "any", NULL }, *lo[] = { "localhost", NULL };
	char *net[] = { "10.0.0.0/8", "2001:db8::/32", NULL };
	char *host[] = { "10.11.12.13", NULL };
	struct unit_spec *s;

	(void)state;
	/* deny any, allow localhost: the allow list wins */
	assert_true(allowed(lo, any, "127.0.0.1"));
	assert_true(allowed(lo, any, "127.255.0.9"));
	assert_true(allowed(lo, any, "::1"));
	assert_false(allowed(lo, any, "10.11.12.13"));
	assert_false(allowed(lo, any, "::2"));
	assert_false(allowed(lo, any, "fe80::1"));
	/* no entry matching: granted */
	assert_true(allowed(NULL, host, "10.11.12.14"));
	assert_false(allowed(NULL, host, "10.11.12.13"));
	assert_true(allowed(NULL, NULL, "10.11.12.13"));
	/* prefixes */
	assert_false(allowed(NULL, net, "10.200.0.1"));
	assert_true(allowed(NULL, net, "11.0.0.1"));
	assert_false(allowed(NULL, net, "2001:db8:1::1"));
	assert_true(allowed(NULL, net, "2001:db9::1"));
	assert_true(allowed(host, net, "10.11.12.13"));
	/* the keys: accumulate, empty resets, bad words are errors */
	s = parse_ok("IPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.0/8\n"
		     "IPAddressAllow=::1/128\n");
	assert_int_equal(unit_strv_len(s->ip_address_allow), 3);
	assert_int_equal(unit_strv_len(s->ip_address_deny), 1);
	unit_spec_free(s);
	s = parse_ok("IPAddressDeny=any\nIPAddressDeny=\n");
	assert_int_equal(unit_strv_len(s->ip_address_deny), 0);
	unit_spec_free(s);
	expect_error("IPAddressDeny=10.0.0.0/40\n", "IPAddressDeny=: invalid address");
	expect_error("IPAddressAllow=everything\n", "IPAddressAllow=: invalid address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_allow_parse),
		cmocka_unit_test(test_device_keys),
		cmocka_unit_test(test_device_rules),
		cmocka_unit_test(test_proc_devices),
		cmocka_unit_test(test_ip_prefix),
		cmocka_unit_test(test_ip_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
