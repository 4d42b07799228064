/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "services/path.h"

/* Normalize a cgroup path: "/a//b/" -> "/a/b", "/" -> "". Rejects relative
 * paths and "." or ".." components. Returns a malloc'ed string or NULL with
 * errno set. */
char *path_normalize(const char *in)
{
	size_t len = strlen(in);
	char *out, *o;
	const char *p = in;

	if (in[0] != '/' || len >= PATH_MAX) {
		errno = EINVAL;
		return NULL;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	o = out;
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		*o++ = '/';
		memcpy(o, p, n);
		o += n;
		p += n;
	}
	*o = '\0';
	return out;
}
