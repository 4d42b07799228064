/* SPDX-License-Identifier: MIT */
/*
 * inih_guard.c: linked into fuzz_unit with -Wl,--wrap=ini_parse_stream.
 *
 * Debian's libinih is not instrumented: the line buffer it hands our reader
 * lives on its own stack, so a reader that writes past `num` bytes corrupts
 * inih's frame silently unless the overflow is large enough to reach an
 * instrumented frame. This wrapper interposes a reader that gives the real
 * one an exactly sized heap buffer (ASan has a redzone right after it), then
 * copies the line to inih. Any write beyond `num` bytes, however small, is a
 * heap-buffer-overflow report naming the reader.
 */
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

int __real_ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user);
int __wrap_ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user);

struct guard {
	ini_reader reader;
	void *stream;
};

static char *guard_reader(char *str, int num, void *stream)
{
	struct guard *g = stream;
	char *tmp, *r;
	size_t n;

	FUZZ_CHECK(num > 0);
	tmp = malloc((size_t)num);
	FUZZ_CHECK(tmp != NULL);
	memset(tmp, 0xa5, (size_t)num);
	r = g->reader(tmp, num, g->stream);
	if (r) {
		/* fgets() semantics: the same buffer, NUL-terminated within num */
		FUZZ_CHECK(r == tmp);
		n = strnlen(tmp, (size_t)num);
		FUZZ_CHECK(n < (size_t)num);
		memcpy(str, tmp, n + 1);
		r = str;
	}
	free(tmp);
	return r;
}

int __wrap_ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user)
{
	struct guard g = { reader, stream };

	return __real_ini_parse_stream(guard_reader, &g, handler, user);
}
