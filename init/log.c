/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int log_max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_write_raw(int fd, const char *buf, size_t len)
{
	int tries = 0;

	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && tries++ < 3) {
			/* a console that is slow, not gone: give it a moment */
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			(void)poll(&p, 1, 10);
			continue;
		}
		return; /* console gone or stuck: drop, never block PID 1 */
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	int n, m;

	if ((int)level > log_max_level)
		return;
	n = snprintf(buf, sizeof(buf), "svcinit: %s: ", level_names[level]);
	if (n < 0)
		return;
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	log_write_raw(STDERR_FILENO, buf, (size_t)n);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
