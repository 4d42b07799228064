/* SPDX-License-Identifier: MIT */
/* proto.c: decoding the control protocol's request line (pure; fuzzed). */
#include <errno.h>
#include <string.h>

#include "init/proto.h"

int proto_split(char *line, size_t len, char **args, size_t max)
{
	size_t n = 0, i = 0;

	for (size_t k = 0; k < len; k++) {
		unsigned char ch = (unsigned char)line[k];

		if (ch != ' ' && (ch < 0x21 || ch > 0x7e))
			return -EINVAL;
	}
	line[len] = '\0';
	while (i < len) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		line[i++] = '\0';   /* i == len writes the terminator again */
		if (n == max)
			return -E2BIG;
		args[n++] = line + start;
	}
	return n > 0 ? (int)n : -ENODATA;
}
