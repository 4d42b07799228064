/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "services/notify.h"
#include "services/passfd.h"
#include "units/unit.h"

static bool starts(const char *p, size_t n, const char *key, const char **ret_val)
{
	size_t k = strlen(key);

	if (n < k || memcmp(p, key, k) != 0)
		return false;
	*ret_val = p + k;
	return true;
}

int notify_parse(const char *buf, size_t len, struct notify_msg *m)
{
	const char *p = buf, *end = buf + len;
	bool any = false;

	memset(m, 0, sizeof(*m));
	if (memchr(buf, '\0', len))
		return -EINVAL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *v;

		if (n == 0) {
			p++;
			continue;
		}
		if (!memchr(p, '=', n)) {
			m->ignored++;
		} else if (starts(p, n, "READY=", &v)) {
			any = true;
			m->ready = (size_t)(p + n - v) == 1 && *v == '1';
		} else if (starts(p, n, "STOPPING=", &v)) {
			any = true;
			m->stopping = (size_t)(p + n - v) == 1 && *v == '1';
		} else if (starts(p, n, "WATCHDOG=", &v)) {
			size_t k = (size_t)(p + n - v);

			any = true;
			if (k == 1 && *v == '1')
				m->watchdog = true;
			else if (k == 7 && memcmp(v, "trigger", 7) == 0)
				m->watchdog_trigger = true;
			else
				m->ignored++;
		} else if (starts(p, n, "EXTEND_TIMEOUT_USEC=", &v)) {
			size_t k = (size_t)(p + n - v);
			uint64_t x = 0;
			bool okn = k > 0 && k <= 19;

			any = true;
			for (size_t i = 0; okn && i < k; i++) {
				if (v[i] < '0' || v[i] > '9')
					okn = false;
				else
					x = x * 10 + (uint64_t)(v[i] - '0');
			}
			if (okn) {
				m->have_extend = true;
				m->extend_usec = x;
			} else {
				m->ignored++;
			}
		} else if (starts(p, n, "RELOADING=", &v)) {
			any = true;
			m->reloading = (size_t)(p + n - v) == 1 && *v == '1';
		} else if (starts(p, n, "STATUS=", &v)) {
			size_t k = (size_t)(p + n - v);

			any = true;
			if (k >= sizeof(m->status))
				k = sizeof(m->status) - 1;
			for (size_t i = 0; i < k; i++) {
				unsigned char c = (unsigned char)v[i];
				m->status[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
			}
			/* status goes into JSON: bytes that are not UTF-8 become '?'
			 * (a sequence cut by the length limit too) */
			for (size_t i = 0; i < k;) {
				size_t ok = unit_utf8_span(m->status + i, k - i);

				i += ok;
				if (i < k)
					m->status[i++] = '?';
			}
			m->status[k] = '\0';
			m->have_status = true;
		} else if (starts(p, n, "MAINPID=", &v)) {
			char num[16];
			size_t k = (size_t)(p + n - v);
			char *e;
			long pid;

			any = true;
			if (k == 0 || k >= sizeof(num) || v[0] < '0' || v[0] > '9') {
				m->ignored++;
			} else {
				memcpy(num, v, k);
				num[k] = '\0';
				errno = 0;
				pid = strtol(num, &e, 10);
				if (*e || errno || pid <= 0 || pid > 4194304)
					m->ignored++;
				else {
					m->have_mainpid = true;
					m->mainpid = (pid_t)pid;
				}
			}
		} else {
			any = true;   /* well-formed, just not ours (WATCHDOG=, ...) */
			m->ignored++;
		}
		p += n + 1;
	}
	return any || m->ignored ? 0 : -EINVAL;
}

int notify_open(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, one = 1, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* no descriptor a sender passes ever reaches PID 1 (passfd.h); before
	 * Linux 6.16 notify_recv() keeps them away */
	(void)passfd_refuse(fd);
	(void)unlink(path);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

ssize_t notify_recv(int fd, char *buf, size_t size, struct ucred *ret_cred)
{
	bool have = false;
	ssize_t n;

	/* descriptors (FDSTORE is not supported) are closed off the loop */
	n = passfd_recv(fd, buf, size - 1, MSG_TRUNC, ret_cred, &have);
	if (n < 0)
		return n;
	if (!have)
		return -EPERM;   /* no credentials: cannot tell who sent it */
	if ((size_t)n >= size)   /* truncated: too long to be a notification */
		return -EMSGSIZE;
	buf[n] = '\0';
	return n;
}
