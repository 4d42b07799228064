/* SPDX-License-Identifier: MIT */
/*
 * test_passfd: services/passfd.c, both of its paths, with the descriptor
 * that hangs a close: a TCP socket with SO_LINGER of an hour whose data
 * cannot leave (the peer never reads, its window is closed). Its last
 * close(2) sleeps in the kernel until the peer reads.
 *
 * - SO_PASSRIGHTS (Linux 6.16): passfd_refuse() makes the kernel refuse the
 *   descriptor at the sender's sendmsg(); nothing reaches the receiver.
 * - The fallback for older kernels, forced here by not calling
 *   passfd_refuse(): passfd_recv() takes the descriptor and hands it to the
 *   closer thread; the caller returns while that close sleeps. A child that
 *   receives and closes it itself shows the close does sleep.
 *
 * Every test is bounded by alarm(): a hang is a failure, not a stall.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/passfd.h"

#define BOUND_S 60   /* no test may take longer: a hang fails it */

struct lingering {
	int sock;     /* the one whose last close sleeps */
	int peer;     /* the accepted end: reading it lets the close finish */
	int listener;
};

static void lingering_make(struct lingering *l)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct linger lg = { .l_onoff = 1, .l_linger = 3600 };
	int small = 4096, fl;
	char chunk[65536];

	memset(chunk, 'x', sizeof(chunk));
	l->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l->listener >= 0);
	assert_int_equal(setsockopt(l->listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	assert_int_equal(bind(l->listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(l->listener, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(listen(l->listener, 1), 0);
	l->sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l->sock >= 0);
	assert_int_equal(setsockopt(l->sock, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(connect(l->sock, (struct sockaddr *)&a, sizeof(a)), 0);
	l->peer = accept4(l->listener, NULL, NULL, SOCK_CLOEXEC);
	assert_true(l->peer >= 0);
	fl = fcntl(l->sock, F_GETFL);
	assert_int_equal(fcntl(l->sock, F_SETFL, fl | O_NONBLOCK), 0);
	while (send(l->sock, chunk, sizeof(chunk), MSG_NOSIGNAL) > 0)
		;
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	assert_int_equal(setsockopt(l->sock, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
}

/* Read the peer dry until the sender's data and FIN are through: a close
 * sleeping on the lingering socket returns then. */
static void lingering_release(struct lingering *l)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(l->peer, buf, sizeof(buf), 0)) > 0)
		;
	assert_int_equal(n, 0);   /* the FIN came: the lingering close is done */
	close(l->peer);
	close(l->listener);
}

static int send_fd(int via, int fd)
{
	char data = '.';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);

	memset(&c, 0, sizeof(c));
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(via, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_passfd: hung in a close (the descriptor reached the caller)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static int setup(void **state)
{
	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(BOUND_S);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

/* The control: a receiver that closes the descriptor itself sleeps. */
static void test_inline_close_sleeps(void **state)
{
	struct lingering l;
	int sv[2], status;
	pid_t pid;

	(void)state;
	lingering_make(&l);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send_fd(sv[0], l.sock), 0);
	close(l.sock);   /* the queued copy is the only reference left */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		struct iovec iov = { .iov_base = &b, .iov_len = 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
				    .msg_controllen = sizeof(c.buf) };
		int fd;

		if (recvmsg(sv[1], &m, 0) != 1 || !CMSG_FIRSTHDR(&m))
			_exit(2);
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));
		close(sv[0]);
		close(sv[1]);
		close(fd);   /* sleeps until the peer reads */
		_exit(0);
	}
	close(sv[0]);
	close(sv[1]);
	/* it is still in close(2) after a second and a half: the kernel holds
	 * it there (lingering up to an hour), not the machine's load */
	for (int i = 0; i < 30; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
		nanosleep(&ts, NULL);
	}
	lingering_release(&l);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The fallback (no SO_PASSRIGHTS): passfd_recv() returns at once, the
 * closer thread sleeps in the close instead. */
static void test_fallback_recv_hands_the_close_over(void **state)
{
	struct lingering l;
	size_t before = passfd_received();
	char buf[16];
	int sv[2];

	(void)state;
	lingering_make(&l);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send_fd(sv[0], l.sock), 0);
	close(l.sock);
	assert_int_equal(passfd_recv(sv[1], buf, sizeof(buf), 0, NULL, NULL), 1);
	assert_int_equal(buf[0], '.');
	assert_int_equal(passfd_received(), before + 1);
	/* back here while the closer sleeps: the caller goes on (a second
	 * message is read while the first descriptor is still being closed) */
	assert_int_equal(send(sv[0], "y", 1, 0), 1);
	assert_int_equal(passfd_recv(sv[1], buf, sizeof(buf), 0, NULL, NULL), 1);
	assert_int_equal(buf[0], 'y');
	lingering_release(&l);
	passfd_drain();
	assert_int_equal(passfd_leaked(), 0);
	close(sv[0]);
	close(sv[1]);
}

/* A socket of ours closed with a lingering descriptor still queued in it,
 * never read: passfd_close_socket() returns at once. */
static void test_fallback_close_socket_with_a_queued_descriptor(void **state)
{
	struct lingering l;
	int sv[2];

	(void)state;
	lingering_make(&l);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(send_fd(sv[0], l.sock), 0);
	close(l.sock);
	close(sv[0]);
	passfd_close_socket(sv[1]);   /* the queued descriptor dies with it */
	lingering_release(&l);
	passfd_drain();
	assert_int_equal(passfd_leaked(), 0);
}

/* Linux 6.16 and later: the kernel refuses the descriptor at sendmsg(). */
static void test_refused_by_the_kernel(void **state)
{
	struct lingering l;
	size_t before = passfd_received();
	char buf[16];
	int sv[2], r;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	r = passfd_refuse(sv[1]);
	if (r == -ENOPROTOOPT || r == -EINVAL) {
		close(sv[0]);
		close(sv[1]);
		skip();   /* an older kernel: the fallback above is what runs */
	}
	assert_int_equal(r, 0);
	lingering_make(&l);
	assert_int_equal(send_fd(sv[0], l.sock), -EPERM);
	assert_int_equal(send(sv[0], "z", 1, 0), 1);   /* plain data still goes */
	assert_int_equal(passfd_recv(sv[1], buf, sizeof(buf), 0, NULL, NULL), 1);
	assert_int_equal(passfd_received(), before);
	close(sv[0]);
	close(sv[1]);
	{
		struct linger off = { 0, 0 };

		/* ours is the last reference: closed without lingering */
		assert_int_equal(setsockopt(l.sock, SOL_SOCKET, SO_LINGER, &off, sizeof(off)), 0);
	}
	close(l.sock);
	lingering_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inline_close_sleeps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_recv_hands_the_close_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_close_socket_with_a_queued_descriptor,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_by_the_kernel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
