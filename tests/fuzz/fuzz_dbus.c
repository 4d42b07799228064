/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dbus: services/dbus.c, what the Type=dbus watcher reads from a bus.
 * The input is a stream of bytes as the socket gives them: it is cut into
 * messages as the watcher cuts them (dbus_msg_size(), skipping one longer
 * than DBUS_MSG_MAX), each parsed in an exactly sized heap copy (ASan sees
 * any read past it). Checked: sizes are 0, -EBADMSG or at least 16; a parse
 * gives 0 or -EBADMSG; every string is NUL-terminated inside its field; at
 * most DBUS_ARGS_MAX arguments. The same bytes, from byte 0, also go to
 * dbus_address_path() and as member/argument of dbus_call(), whose message
 * must parse back to what was put in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "services/dbus.h"
#include "tests/fuzz/fuzz.h"

static void check_msg(const struct dbus_msg *m)
{
	const char *f[] = { m->path, m->interface, m->member, m->error_name, m->sender,
			    m->signature, m->args[0], m->args[1], m->args[2] };

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		FUZZ_CHECK(memchr(f[i], '\0', DBUS_STR_MAX + 1) != NULL);
	FUZZ_CHECK(m->n_args <= DBUS_ARGS_MAX);
	FUZZ_CHECK(m->type >= DBUS_METHOD_CALL && m->type <= DBUS_SIGNAL);
	FUZZ_CHECK(!m->have_bool || strcmp(m->signature, "b") == 0);
}

static void stream(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while (pos < size) {
		ssize_t n = dbus_msg_size(data + pos, size - pos);
		struct dbus_msg m;
		uint8_t *copy;
		int r;

		FUZZ_CHECK(n == 0 || n == -EBADMSG || n >= 16);
		if (n <= 0)
			return;
		if (n > DBUS_MSG_MAX) {   /* skipped whole, as the watcher does */
			pos += (size_t)n > size - pos ? size - pos : (size_t)n;
			continue;
		}
		if ((size_t)n > size - pos)
			return;   /* the rest has not come yet */
		copy = malloc((size_t)n);
		if (!copy)
			return;
		memcpy(copy, data + pos, (size_t)n);
		r = dbus_msg_parse(copy, (size_t)n, &m);
		FUZZ_CHECK(r == 0 || r == -EBADMSG);
		if (r == 0)
			check_msg(&m);
		free(copy);
		pos += (size_t)n;
	}
}

static void roundtrip(const uint8_t *data, size_t size)
{
	char member[DBUS_STR_MAX + 1], arg[DBUS_STR_MAX + 1], path[108];
	size_t split = size ? data[0] % (size < 64 ? size : 64) : 0;
	uint8_t buf[1024];
	struct dbus_msg m;
	bool abs;
	ssize_t n;
	int r;

	/* member: bytes 1..split, argument: the rest (no NUL inside: C strings) */
	memset(member, 0, sizeof(member));
	memset(arg, 0, sizeof(arg));
	for (size_t i = 1; i < split && i - 1 < DBUS_STR_MAX; i++)
		member[i - 1] = data[i] ? (char)data[i] : 'x';
	for (size_t i = split ? split : 1; i < size && i - split < DBUS_STR_MAX - 1; i++)
		arg[i - (split ? split : 1)] = data[i] ? (char)data[i] : 'y';
	if (!member[0])
		member[0] = 'M';
	n = dbus_call(7, member, arg, buf, sizeof(buf));
	FUZZ_CHECK(n == -ENOBUFS || n == -EINVAL || (n >= 16 && (size_t)n <= sizeof(buf)));
	if (n > 0) {
		FUZZ_CHECK(dbus_msg_size(buf, (size_t)n) == n);
		r = dbus_msg_parse(buf, (size_t)n, &m);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(strcmp(m.member, member) == 0);
		FUZZ_CHECK(m.n_args == 1 && strcmp(m.args[0], arg) == 0);
		FUZZ_CHECK(m.serial == 7);
	}
	r = dbus_address_path(arg, path, sizeof(path), &abs);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENAMETOOLONG);
	if (r == 0)
		FUZZ_CHECK(memchr(path, '\0', sizeof(path)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream(data, size);
	roundtrip(data, size);
	return 0;
}
