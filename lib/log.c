/* SPDX-License-Identifier: MIT */
/*
 * log.c: svcinit's own messages and the copies of unit output go to the
 * console (fd 1 and 2). A console that stops reading (a paused terminal, a
 * stuck log collector) must never stop PID 1: writes go through non-blocking
 * descriptors of their own, and what does not fit is dropped and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int log_max_level = LOG_LEVEL_INFO;

static struct console {
	int fd;            /* where to write: our own non-blocking open, or fd itself */
	bool sock;         /* a socket: send(MSG_DONTWAIT) */
	size_t dropped;    /* bytes dropped since the last successful write */
} consoles[3] = { { -1, false, 0 }, { 1, false, 0 }, { 2, false, 0 } };

static const char *const level_names[] = {
	[LOG_LEVEL_ERR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_console_init(void)
{
	for (int i = 1; i <= 2; i++) {
		struct console *c = &consoles[i];
		char path[32];
		struct stat st;
		int fd;

		if (fstat(i, &st) < 0)
			continue;
		if (S_ISSOCK(st.st_mode)) {
			c->sock = true;
			continue;
		}
		if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
			continue;   /* a regular file never blocks */
		/* the same pipe or terminal, but a file description of our own, so
		 * that O_NONBLOCK does not reach COMMAND or units sharing fd i */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0)
			c->fd = fd;
	}
}

static ssize_t console_write(struct console *c, const char *buf, size_t len)
{
	if (c->sock)
		return send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(c->fd, buf, len);
}

void log_write_raw(int fd, const char *buf, size_t len)
{
	struct console *c = fd == 1 || fd == 2 ? &consoles[fd] : NULL;
	struct console plain = { .fd = fd };

	if (!c)
		c = &plain;
	if (c->dropped) {
		char note[64];
		int n = snprintf(note, sizeof(note), "svcinit: [%zu bytes of output dropped]\n",
				 c->dropped);

		if (console_write(c, note, (size_t)n) != n) {
			c->dropped += len;
			return;
		}
		c->dropped = 0;
	}
	while (len > 0) {
		ssize_t n = console_write(c, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* full (EAGAIN) or gone: drop, never wait */
		c->dropped += len;
		return;
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
