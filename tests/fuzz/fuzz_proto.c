/* SPDX-License-Identifier: MIT */
/*
 * fuzz_proto: the control-protocol decoder, proto_split().
 *
 * Two ways in. (1) As the server uses it (init/ctl.c, client_read_cb): the
 * bytes a client sends land in a PROTO_REQ_MAX buffer (at most
 * PROTO_REQ_MAX - 1 of them), the request is what precedes the first '\n',
 * a NUL in it is refused, and the rest is split into at most PROTO_ARGS_MAX
 * words. (2) Directly, on the first PROTO_REQ_MAX bytes, with a word limit
 * taken from the first byte (0..PROTO_ARGS_MAX + 1).
 *
 * The line is copied into an exactly sized heap buffer of len + 1 bytes (the
 * documented room), so a write or read one byte too far is an ASan report.
 * The result is compared with a reference split.
 *
 * The dispatch behind the decoder (client_dispatch() and the do_* handlers
 * in ctl.c) is static and runs against live services and the event loop: it
 * is not reachable from here.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "init/proto.h"
#include "services/passfd.h"
#include "tests/fuzz/ancillary.h"
#include "tests/fuzz/fuzz.h"

static bool allowed(unsigned char ch)
{
	return ch == ' ' || (ch >= 0x21 && ch <= 0x7e);
}

/* The reference: words are maximal runs of non-space bytes. */
static int ref_count(const uint8_t *p, size_t len, bool *ret_bad)
{
	int n = 0;

	*ret_bad = false;
	for (size_t i = 0; i < len; i++) {
		if (!allowed(p[i]))
			*ret_bad = true;
		if (p[i] != ' ' && (i == 0 || p[i - 1] == ' '))
			n++;
	}
	return n;
}

static void split_and_check(const uint8_t *data, size_t len, size_t max)
{
	char **args, *line;
	bool bad;
	int want, r;
	const uint8_t *src;
	size_t pos = 0;

	line = malloc(len + 1);
	args = malloc((max ? max : 1) * sizeof(*args));
	FUZZ_CHECK(line && args);
	memcpy(line, data, len);
	line[len] = 'Z';   /* not a terminator: proto_split must add its own */
	r = proto_split(line, len, args, max);
	want = ref_count(data, len, &bad);
	if (bad) {
		FUZZ_CHECK(r == -EINVAL);
		goto out;
	}
	if (want == 0) {
		FUZZ_CHECK(r == -ENODATA);
		goto out;
	}
	if ((size_t)want > max) {
		FUZZ_CHECK(r == -E2BIG);
		goto out;
	}
	FUZZ_CHECK(r == want);
	/* each word: inside the buffer, in order, NUL-terminated, equal to the
	 * next run of non-space bytes of the input */
	src = data;
	for (int i = 0; i < r; i++) {
		size_t wl;

		while (pos < len && src[pos] == ' ')
			pos++;
		FUZZ_CHECK(args[i] == line + pos);
		wl = strnlen(args[i], len + 1 - pos);
		FUZZ_CHECK(wl > 0 && pos + wl <= len && args[i][wl] == '\0');
		FUZZ_CHECK(memcmp(args[i], src + pos, wl) == 0);
		FUZZ_CHECK(pos + wl == len || src[pos + wl] == ' ');
		for (size_t k = 0; k < wl; k++)
			FUZZ_CHECK(args[i][k] >= 0x21 && args[i][k] <= 0x7e);
		pos += wl;
	}
out:
	free(args);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n, max;
	const uint8_t *nl;

	/* (1) as the server reads a request */
	n = size < PROTO_REQ_MAX - 1 ? size : PROTO_REQ_MAX - 1;
	nl = memchr(data, '\n', n);
	if (nl && !memchr(data, '\0', (size_t)(nl - data)))
		split_and_check(data, (size_t)(nl - data), PROTO_ARGS_MAX);

	/* (2) directly, any bytes, a limit from the first byte */
	if (size == 0) {
		split_and_check(data, 0, PROTO_ARGS_MAX);
		return 0;
	}
	max = data[0] % (PROTO_ARGS_MAX + 2);
	n = size - 1 < PROTO_REQ_MAX ? size - 1 : PROTO_REQ_MAX;
	split_and_check(data + 1, n, max);

	/* (3) through a real stream socketpair, as ctl.c reads a request, with
	 * descriptors and credentials riding along (ancillary.h) */
	{
		struct fuzz_anc a;
		char buf[PROTO_REQ_MAX];
		size_t got = 0;

		if (fuzz_anc_begin(&a, SOCK_STREAM, data[0], data + 1, n) < 0)
			return 0;
		while (got < sizeof(buf) - 1) {
			ssize_t k = passfd_recv(a.rx, buf + got, sizeof(buf) - 1 - got, 0, NULL, NULL);

			if (k <= 0)
				break;
			got += (size_t)k;
		}
		FUZZ_CHECK(got <= n);
		nl = memchr(buf, '\n', got);
		if (nl && !memchr(buf, '\0', (size_t)(nl - (const uint8_t *)buf)))
			split_and_check((const uint8_t *)buf, (size_t)(nl - (const uint8_t *)buf), PROTO_ARGS_MAX);
		fuzz_anc_end(&a);
	}
	return 0;
}
