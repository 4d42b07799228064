/* SPDX-License-Identifier: MIT */
/* ancillary.c: see ancillary.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "services/passfd.h"
#include "tests/fuzz/ancillary.h"
#include "tests/fuzz/fuzz.h"

static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		(void)close(fd);
	return fd;
}

static int send_part(int tx, const uint8_t *p, size_t n, const int *fds, size_t nfds, bool cred)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	size_t len = 0;

	memset(&cbuf, 0, sizeof(cbuf));
	if (nfds || cred) {
		mh.msg_control = cbuf.b;
		mh.msg_controllen = sizeof(cbuf.b);
		c = CMSG_FIRSTHDR(&mh);
		if (nfds) {
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
			len += CMSG_SPACE(sizeof(int) * nfds);
			c = CMSG_NXTHDR(&mh, c);
		}
		if (cred && c) {
			struct ucred u = { .pid = getpid(), .uid = getuid(), .gid = getgid() };

			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_CREDENTIALS;
			c->cmsg_len = CMSG_LEN(sizeof(u));
			memcpy(CMSG_DATA(c), &u, sizeof(u));
			len += CMSG_SPACE(sizeof(u));
		}
		mh.msg_controllen = len;
	}
	return sendmsg(tx, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int fuzz_anc_begin(struct fuzz_anc *a, int type, unsigned ctl, const uint8_t *data, size_t size)
{
	int sv[2], fds[8], one = 1, pair[2] = { -1, -1 };
	size_t nfds = ctl & 7, cut;
	bool refuse = ctl & 0x10, cred = ctl & 0x08;
	int r;

	a->ctl = ctl;
	a->low_fd = lowest_free_fd();
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a->rx = sv[0];
	a->tx = sv[1];
	(void)setsockopt(a->rx, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	(void)setsockopt(a->rx, SOL_SOCKET, SO_SNDBUF, &(int){ 65536 }, sizeof(int));
	if (refuse)
		(void)passfd_refuse(a->rx);
	/* descriptors: /dev/null, and (bit 5) a socketpair end holding one */
	if ((ctl & 0x20) && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (devnull >= 0) {
			(void)send_part(pair[0], (const uint8_t *)".", 1, &devnull, 1, false);
			(void)close(devnull);
		}
	}
	for (size_t i = 0; i < nfds; i++)
		fds[i] = i == 0 && pair[1] >= 0 ? pair[1] : open("/dev/null", O_RDONLY | O_CLOEXEC);
	cut = ctl & 0x40 ? size / 2 : size;
	r = send_part(a->tx, data, cut, fds, nfds, cred);
	if (r == -EPERM)
		FUZZ_CHECK(refuse && nfds > 0);   /* only SO_PASSRIGHTS refuses */
	if (cut < size)
		(void)send_part(a->tx, data + cut, size - cut, fds, nfds, cred);
	for (size_t i = 0; i < nfds; i++)
		(void)close(fds[i]);
	if (pair[0] >= 0)
		(void)close(pair[0]);
	if (pair[1] >= 0 && nfds == 0)
		(void)close(pair[1]);
	return 0;
}

void fuzz_anc_end(struct fuzz_anc *a)
{
	(void)close(a->tx);
	(void)close(a->rx);
	passfd_drain();
	FUZZ_CHECK(passfd_leaked() == 0);
	FUZZ_CHECK(lowest_free_fd() == a->low_fd);   /* every passed descriptor closed */
}
