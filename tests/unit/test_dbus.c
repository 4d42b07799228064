/* SPDX-License-Identifier: MIT */
/*
 * test_dbus: services/dbus.c, the D-Bus wire format of Type=dbus's watch:
 * the AUTH line, a method call as the D-Bus Specification lays it out byte
 * by byte, parsing what a bus sends (replies, errors, NameOwnerChanged,
 * big-endian too), malformed and oversized messages, and addresses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "services/dbus.h"
#include "units/value.h"

static void test_auth(void **state)
{
	char buf[64];
	ssize_t n = dbus_auth_begin(0, buf, sizeof(buf));

	(void)state;
	assert_int_equal(n, 1 + strlen("AUTH EXTERNAL 30\r\n"));
	assert_int_equal(buf[0], '\0');
	assert_memory_equal(buf + 1, "AUTH EXTERNAL 30\r\n", (size_t)n - 1);
	n = dbus_auth_begin(1000, buf, sizeof(buf));
	assert_memory_equal(buf + 1, "AUTH EXTERNAL 31303030\r\n", (size_t)n - 1);
	assert_int_equal(dbus_auth_begin(1000, buf, 10), -ENOBUFS);
	assert_int_equal(dbus_auth_reply("OK 1234deadbeef"), 0);
	assert_int_equal(dbus_auth_reply("REJECTED EXTERNAL"), -EACCES);
	assert_int_equal(dbus_auth_reply("ERROR"), -EPROTO);
	assert_int_equal(dbus_auth_reply("OK "), -EPROTO);
}

/* A call is a valid message: its own parser reads it back. */
static void test_call_roundtrip(void **state)
{
	uint8_t buf[512];
	struct dbus_msg m;
	ssize_t n = dbus_call(3, "NameHasOwner", "org.example.Svc", buf, sizeof(buf));

	(void)state;
	assert_true(n > 16);
	assert_int_equal(n % 4, 0);
	assert_int_equal(buf[0], 'l');
	assert_int_equal(buf[1], DBUS_METHOD_CALL);
	assert_int_equal(buf[3], 1);
	assert_int_equal(dbus_msg_size(buf, (size_t)n), n);
	assert_int_equal(dbus_msg_parse(buf, (size_t)n, &m), 0);
	assert_int_equal(m.serial, 3);
	assert_string_equal(m.member, "NameHasOwner");
	assert_string_equal(m.interface, "org.freedesktop.DBus");
	assert_string_equal(m.path, "/org/freedesktop/DBus");
	assert_string_equal(m.signature, "s");
	assert_int_equal(m.n_args, 1);
	assert_string_equal(m.args[0], "org.example.Svc");
	/* no argument: no body, no signature */
	n = dbus_call(1, "Hello", NULL, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(buf[4] | buf[5] | buf[6] | buf[7], 0);
	assert_int_equal(dbus_msg_parse(buf, (size_t)n, &m), 0);
	assert_string_equal(m.member, "Hello");
	assert_int_equal(m.n_args, 0);
	assert_int_equal(dbus_call(1, "Hello", NULL, buf, 40), -ENOBUFS);
	assert_int_equal(dbus_call(0, "Hello", NULL, buf, sizeof(buf)), -EINVAL);
}

/* Hand-made messages as a bus sends them. */
struct mk {
	uint8_t b[1024];
	size_t len;
	bool big;
};

static void pad(struct mk *k, size_t a)
{
	while (k->len % a)
		k->b[k->len++] = 0;
}

static void u32(struct mk *k, uint32_t v)
{
	pad(k, 4);
	if (k->big) {
		k->b[k->len++] = (uint8_t)(v >> 24);
		k->b[k->len++] = (uint8_t)(v >> 16);
		k->b[k->len++] = (uint8_t)(v >> 8);
		k->b[k->len++] = (uint8_t)v;
	} else {
		for (int i = 0; i < 4; i++)
			k->b[k->len++] = (uint8_t)(v >> (8 * i));
	}
}

static void str(struct mk *k, const char *s)
{
	u32(k, (uint32_t)strlen(s));
	memcpy(k->b + k->len, s, strlen(s) + 1);
	k->len += strlen(s) + 1;
}

static void field(struct mk *k, uint8_t code, char t, const char *s, uint32_t u)
{
	pad(k, 8);
	k->b[k->len++] = code;
	k->b[k->len++] = 1;
	k->b[k->len++] = (uint8_t)t;
	k->b[k->len++] = 0;
	if (t == 'u') {
		u32(k, u);
	} else if (t == 'g') {
		k->b[k->len++] = (uint8_t)strlen(s);
		memcpy(k->b + k->len, s, strlen(s) + 1);
		k->len += strlen(s) + 1;
	} else {
		str(k, s);
	}
}

/* type, reply serial (0: none), member (NULL: none), signature, then the
 * body's strings (or "TRUE"/"FALSE" for a "b"). */
static void build(struct mk *k, bool big, uint8_t type, uint32_t reply, const char *member,
		  const char *err, const char *sig, const char *a0, const char *a1, const char *a2)
{
	size_t body_at, fields_at;

	memset(k, 0, sizeof(*k));
	k->big = big;
	k->b[0] = big ? 'B' : 'l';
	k->b[1] = type;
	k->b[3] = 1;
	k->len = 4;
	u32(k, 0);
	u32(k, 7);
	u32(k, 0);
	fields_at = k->len;
	field(k, 7, 's', "org.freedesktop.DBus", 0);
	if (reply)
		field(k, 5, 'u', NULL, reply);
	if (member) {
		field(k, 1, 'o', "/org/freedesktop/DBus", 0);
		field(k, 2, 's', "org.freedesktop.DBus", 0);
		field(k, 3, 's', member, 0);
	}
	if (err)
		field(k, 4, 's', err, 0);
	if (sig && *sig)
		field(k, 8, 'g', sig, 0);
	{
		size_t flen = k->len - fields_at, save = k->len;

		k->len = 12;
		u32(k, (uint32_t)flen);
		k->len = save;
	}
	pad(k, 8);
	body_at = k->len;
	if (sig && strcmp(sig, "b") == 0) {
		u32(k, strcmp(a0, "TRUE") == 0);
	} else {
		if (a0)
			str(k, a0);
		if (a1)
			str(k, a1);
		if (a2)
			str(k, a2);
	}
	{
		size_t save = k->len;

		k->len = 4;
		u32(k, (uint32_t)(save - body_at));
		k->len = save;
	}
}

static void test_parse_replies(void **state)
{
	struct mk k;
	struct dbus_msg m;

	(void)state;
	build(&k, false, DBUS_METHOD_RETURN, 3, NULL, NULL, "b", "TRUE", NULL, NULL);
	assert_int_equal(dbus_msg_size(k.b, k.len), (ssize_t)k.len);
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), 0);
	assert_int_equal(m.type, DBUS_METHOD_RETURN);
	assert_int_equal(m.reply_serial, 3);
	assert_true(m.have_bool);
	assert_true(m.boolean);
	build(&k, true, DBUS_METHOD_RETURN, 3, NULL, NULL, "b", "FALSE", NULL, NULL);
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), 0);
	assert_int_equal(m.reply_serial, 3);
	assert_false(m.boolean);
	build(&k, false, DBUS_ERROR, 2, NULL, "org.freedesktop.DBus.Error.AccessDenied", "s",
	      "no", NULL, NULL);
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), 0);
	assert_int_equal(m.type, DBUS_ERROR);
	assert_string_equal(m.error_name, "org.freedesktop.DBus.Error.AccessDenied");
	build(&k, true, DBUS_SIGNAL, 0, "NameOwnerChanged", NULL, "sss", "org.example.Svc", "",
	      ":1.7");
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), 0);
	assert_int_equal(m.type, DBUS_SIGNAL);
	assert_string_equal(m.member, "NameOwnerChanged");
	assert_string_equal(m.sender, "org.freedesktop.DBus");
	assert_int_equal(m.n_args, 3);
	assert_string_equal(m.args[0], "org.example.Svc");
	assert_string_equal(m.args[1], "");
	assert_string_equal(m.args[2], ":1.7");
}

static void test_parse_malformed(void **state)
{
	struct mk k;
	struct dbus_msg m;
	uint8_t big[16] = { 'l', 2, 0, 1, 0, 0, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	build(&k, false, DBUS_SIGNAL, 0, "NameOwnerChanged", NULL, "sss", "a.b", "", ":1.7");
	assert_int_equal(dbus_msg_size(k.b, 15), 0);   /* not enough to tell */
	/* every truncation is refused, never read past */
	for (size_t n = 16; n < k.len; n++)
		assert_int_equal(dbus_msg_parse(k.b, n, &m), -EBADMSG);
	/* a string without its NUL */
	k.b[k.len - 1] = 'x';
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), -EBADMSG);
	/* bad endianness, version */
	build(&k, false, DBUS_SIGNAL, 0, "X", NULL, "", NULL, NULL, NULL);
	k.b[0] = 'x';
	assert_int_equal(dbus_msg_size(k.b, k.len), -EBADMSG);
	k.b[0] = 'l';
	k.b[3] = 2;
	assert_int_equal(dbus_msg_size(k.b, k.len), -EBADMSG);
	/* longer than kept: its size is told (the watcher skips it), not parsed */
	assert_true(dbus_msg_size(big, sizeof(big)) > DBUS_MSG_MAX);
	assert_int_equal(dbus_msg_parse(big, sizeof(big), &m), -EBADMSG);
	/* a length beyond the specification's limit */
	big[7] = 0x40;
	assert_int_equal(dbus_msg_size(big, sizeof(big)), -EBADMSG);
	/* a boolean that is neither 0 nor 1 */
	build(&k, false, DBUS_METHOD_RETURN, 3, NULL, NULL, "b", "TRUE", NULL, NULL);
	k.b[k.len - 4] = 2;
	assert_int_equal(dbus_msg_parse(k.b, k.len, &m), -EBADMSG);
}

static void test_match_and_names(void **state)
{
	char rule[512];

	(void)state;
	assert_int_equal(dbus_match_owner("org.example.Svc", rule, sizeof(rule)), 0);
	assert_non_null(strstr(rule, "member='NameOwnerChanged'"));
	assert_non_null(strstr(rule, "arg0='org.example.Svc'"));
	assert_int_equal(dbus_match_owner("org.example.Svc", rule, 20), -ENOBUFS);
	assert_true(unit_bus_name_valid("org.example.Svc"));
	assert_true(unit_bus_name_valid("a-b._c"));
	assert_true(unit_bus_name_valid(":1.42"));
	assert_false(unit_bus_name_valid("org"));
	assert_false(unit_bus_name_valid("org..x"));
	assert_false(unit_bus_name_valid("org.3x"));
	assert_false(unit_bus_name_valid("org.x'y"));
	assert_false(unit_bus_name_valid(""));
}

static void test_address(void **state)
{
	char p[108];
	bool abs;

	(void)state;
	assert_int_equal(dbus_address_path(NULL, p, sizeof(p), &abs), 0);
	assert_string_equal(p, "/run/dbus/system_bus_socket");
	assert_false(abs);
	assert_int_equal(dbus_address_path("unix:path=/tmp/x%2cy", p, sizeof(p), &abs), 0);
	assert_string_equal(p, "/tmp/x,y");
	assert_int_equal(dbus_address_path("tcp:host=a,port=1;unix:guid=9,abstract=bus", p,
					   sizeof(p), &abs), 0);
	assert_string_equal(p, "bus");
	assert_true(abs);
	assert_int_equal(dbus_address_path("tcp:host=a", p, sizeof(p), &abs), -EINVAL);
	assert_int_equal(dbus_address_path("unix:path=/%zz", p, sizeof(p), &abs), -EINVAL);
	assert_int_equal(dbus_address_path("unix:path=/a/very/long/path", p, 8, &abs),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_call_roundtrip),
		cmocka_unit_test(test_parse_replies),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_match_and_names),
		cmocka_unit_test(test_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
