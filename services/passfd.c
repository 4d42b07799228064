/* SPDX-License-Identifier: MIT */
/* passfd.c: refuse passed descriptors, or close them off the loop (passfd.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "services/passfd.h"

#define PASSFD_SCM_MAX 253   /* SCM_MAX_FD: the most one message carries */

static struct {
	pthread_once_t once;
	int wr;                 /* to the closer; -1: no closer (then leak) */
	atomic_size_t given, closed;
	size_t received, leaked;
	bool kernel_refuses;    /* SO_PASSRIGHTS worked */
} P = { .once = PTHREAD_ONCE_INIT, .wr = -1 };

static int rd_fd = -1;

static void *closer_main(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		ssize_t n = read(rd_fd, &fd, sizeof(fd));

		if (n == (ssize_t)sizeof(fd)) {
			(void)close(fd);   /* may sleep: only this thread waits */
			atomic_fetch_add(&P.closed, 1);
		} else if (n < 0 && errno != EINTR) {
			return NULL;
		}
	}
}

static void closer_start(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	(void)fcntl(p[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(p[1], F_SETPIPE_SZ, 64 * 1024);
	rd_fd = p[0];
	/* the thread takes no signal: they stay with the loop's signalfd */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, closer_main, NULL) == 0) {
		P.wr = p[1];
	} else {
		(void)close(p[0]);
		(void)close(p[1]);
		rd_fd = -1;
	}
	(void)pthread_attr_destroy(&attr);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void passfd_close(int fd)
{
	if (fd < 0)
		return;
	(void)pthread_once(&P.once, closer_start);
	if (P.wr >= 0 && write(P.wr, &fd, sizeof(fd)) == (ssize_t)sizeof(fd)) {
		atomic_fetch_add(&P.given, 1);
		return;
	}
	P.leaked++;   /* the closer is stuck (or missing): keep it, never block */
}

int passfd_refuse(int fd)
{
	int off = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) < 0)
		return -errno;
	P.kernel_refuses = true;
	return 0;
}

void passfd_close_socket(int fd)
{
	if (fd < 0)
		return;
	if (P.kernel_refuses)
		(void)close(fd);
	else
		passfd_close(fd);
}

ssize_t passfd_recv(int fd, void *buf, size_t size, int flags, struct ucred *ret_cred,
		    bool *ret_have_cred)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * PASSFD_SCM_MAX) + 64];
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.b, .msg_controllen = sizeof(cbuf.b),
	};
	bool have = false;
	ssize_t n;

	if (ret_cred)
		memset(ret_cred, 0, sizeof(*ret_cred));
	n = recvmsg(fd, &mh, flags | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			if (ret_cred)
				memcpy(ret_cred, CMSG_DATA(c), sizeof(*ret_cred));
			have = true;
		} else if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(0)) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int pfd;

				memcpy(&pfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				P.received++;
				passfd_close(pfd);
			}
		}
	}
	if (ret_have_cred)
		*ret_have_cred = have;
	return n;
}

size_t passfd_received(void)
{
	return P.received;
}

size_t passfd_leaked(void)
{
	return P.leaked;
}

void passfd_drain(void)
{
	struct timespec ts = { .tv_nsec = 1000 * 1000 };

	while (atomic_load(&P.closed) < atomic_load(&P.given))
		(void)nanosleep(&ts, NULL);
}
