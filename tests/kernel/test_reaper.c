/* SPDX-License-Identifier: MIT */
/*
 * test_reaper: services/reaper.c and the program it embeds
 * (services/reaper-prog.c) against the real kernel. Needs root (PID
 * namespaces): it fails, never skips, where it cannot run.
 *
 * The program is checked as an ELF file (static, no interpreter, nothing
 * writable to dirty), its memfd as sealed, and then at work: PID 1 of a
 * fresh PID namespace whose service ended before the exec, whose signals
 * (one of them pending across the exec) reach the service, with its
 * descriptors in the way of fd 3. And what the design rests on: execve keeps
 * the signal mask and the pending signals.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "services/reaper.h"

#define DEADLINE_MS 20000

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* waitpid with a deadline: the exit status, or -1 (the child is killed) */
static int wait_child(pid_t pid)
{
	int64_t end = now_ms() + DEADLINE_MS;
	int st;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return st;
		if (w < 0 || now_ms() > end) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &st, 0);
			return -1;
		}
		sleep_ms(5);
	}
}

/* One int from a SOCK_SEQPACKET socket, within the deadline; -1: none. */
static int recv_status(int fd, int *ret)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, DEADLINE_MS) != 1)
		return -1;
	return recv(fd, ret, sizeof(*ret), MSG_DONTWAIT) == (ssize_t)sizeof(*ret) ? 0 : -1;
}

static bool is_program(pid_t pid)
{
	char p[64], buf[128];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/exe", (int)pid);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, "/memfd:svcinit-reaper (deleted)") == 0;
}

static bool wait_program(pid_t pid)
{
	int64_t end = now_ms() + DEADLINE_MS;

	while (!is_program(pid)) {
		if (now_ms() > end)
			return false;
		sleep_ms(2);
	}
	return true;
}

/* ---- the program as a file ------------------------------------------------ */

static void test_program_is_small_static_and_writes_nothing(void **state)
{
	size_t size;
	const unsigned char *prog = reaper_program(&size);
	Elf64_Ehdr eh;
	int loads = 0;

	(void)state;
	assert_non_null(prog);
	assert_true(size > sizeof(eh));
	assert_true(size <= 4096);   /* a few hundred bytes, one page at most */
	memcpy(&eh, prog, sizeof(eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_type, ET_EXEC);   /* no relocation to do at start */
#if defined(__x86_64__)
	assert_int_equal(eh.e_machine, EM_X86_64);
#elif defined(__aarch64__)
	assert_int_equal(eh.e_machine, EM_AARCH64);
#endif
	assert_true(eh.e_phoff + (size_t)eh.e_phnum * sizeof(Elf64_Phdr) <= size);
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, prog + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		assert_int_not_equal(ph.p_type, PT_INTERP);   /* static */
		if (ph.p_type == PT_LOAD) {
			loads++;
			/* no data, no bss: no page of its own to dirty */
			assert_false(ph.p_flags & PF_W);
			assert_int_equal(ph.p_filesz, ph.p_memsz);
		}
		if (ph.p_type == PT_GNU_STACK)
			assert_false(ph.p_flags & PF_X);
	}
	assert_true(loads >= 1 && loads <= 2);
}

static void test_memfd_is_sealed_and_executable(void **state)
{
	const char *step = NULL;
	size_t size;
	const unsigned char *prog = reaper_program(&size);
	unsigned char *back = malloc(size + 1);
	struct stat st;
	int fd, seals;

	(void)state;
	assert_non_null(back);
	assert_int_equal(reaper_init(&step), 0);
	assert_true(reaper_available());
	fd = reaper_fd();
	assert_true(fd >= 0);
	assert_int_equal(reaper_init(&step), 0);   /* once */
	assert_int_equal(reaper_fd(), fd);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals >= 0);
	assert_int_equal(seals & (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
			 F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	assert_int_equal(pwrite(fd, "x", 1, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(fd, 0), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);

	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(st.st_mode & S_IXUSR);
	assert_int_equal((size_t)st.st_size, size);
	assert_int_equal(pread(fd, back, size + 1, 0), (ssize_t)size);
	assert_memory_equal(back, prog, size);
	free(back);
}

/* ---- what the design rests on --------------------------------------------- */

/* Every signal blocked, SIGCHLD (a child that ended) and SIGUSR1 pending,
 * then execveat(AT_EMPTY_PATH) of /bin/cat /proc/self/status: the new
 * program starts with that mask and those pending signals. */
static void test_execve_keeps_the_mask_and_pending_signals(void **state)
{
	int out[2];
	pid_t pid;
	char buf[8192];
	size_t len = 0;
	unsigned long long blk = 0, shd = 0;
	int st;

	(void)state;
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *const argv[] = { (char *)"cat", (char *)"/proc/self/status", NULL };
		char *const envp[] = { NULL };
		sigset_t all;
		siginfo_t si;
		pid_t g;
		int exe = open("/bin/cat", O_PATH | O_CLOEXEC);

		sigfillset(&all);
		if (exe < 0 || sigprocmask(SIG_SETMASK, &all, NULL) < 0)
			_exit(2);
		g = fork();
		if (g == 0)
			_exit(0);
		/* until it is a zombie (not reaped): its SIGCHLD is pending */
		if (g < 0 || waitid(P_PID, (id_t)g, &si, WEXITED | WNOWAIT) < 0)
			_exit(3);
		(void)kill(getpid(), SIGUSR1);
		if (dup2(out[1], 1) < 0)
			_exit(4);
		syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
		_exit(5);
	}
	(void)close(out[1]);
	for (;;) {
		ssize_t n = read(out[0], buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	(void)close(out[0]);
	st = wait_child(pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	{
		char *b = strstr(buf, "\nSigBlk:"), *s = strstr(buf, "\nShdPnd:");

		assert_non_null(b);
		assert_non_null(s);
		blk = strtoull(b + 8, NULL, 16);
		shd = strtoull(s + 8, NULL, 16);
	}
	assert_true(blk & (1ULL << (SIGCHLD - 1)));
	assert_true(blk & (1ULL << (SIGUSR1 - 1)));
	assert_true(blk & (1ULL << (SIGTERM - 1)));
	assert_true(shd & (1ULL << (SIGCHLD - 1)));
	assert_true(shd & (1ULL << (SIGUSR1 - 1)));
}

/* ---- the program at work -------------------------------------------------- */

enum service_kind {
	SVC_EXIT_AT_ONCE,   /* _exit(7) before the reaper executes the program */
	SVC_SIGNALS,        /* waits for SIGUSR1, SIGUSR2, SIGTERM: exits 64 + bits seen */
};

/* PID 1 of a fresh PID namespace: every signal blocked, fork the service,
 * tell the test (ready), wait for its go, become the program. */
static __attribute__((noreturn)) void ns_init(enum service_kind kind, int status_fd, int ready_fd,
					      int go_fd, int fds_in_the_way)
{
	sigset_t all;
	siginfo_t si;
	const char *step;
	char c = 0;
	pid_t svc;

	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	svc = fork();
	if (svc < 0)
		_exit(90);
	if (svc == 0) {
		sigset_t want;
		int seen = 0;

		(void)close(status_fd);
		if (kind == SVC_EXIT_AT_ONCE)
			_exit(7);
		sigemptyset(&want);
		sigaddset(&want, SIGUSR1);
		sigaddset(&want, SIGUSR2);
		sigaddset(&want, SIGTERM);
		for (;;) {
			int sig = sigwaitinfo(&want, &si);

			if (sig == SIGUSR1)
				seen |= 1;
			else if (sig == SIGUSR2)
				seen |= 2;
			else if (sig == SIGTERM)
				_exit(64 + seen);
		}
	}
	if (kind == SVC_EXIT_AT_ONCE &&
	    waitid(P_PID, (id_t)svc, &si, WEXITED | WNOWAIT) < 0)   /* ended, not reaped */
		_exit(91);
	if (fds_in_the_way == 1) {
		/* the program's memfd made again on fd 0, the status socket
		 * on fd 3 already (close-on-exec) */
		reaper_free();
		(void)close(0);
		if (reaper_init(&step) < 0 || reaper_fd() != 0)
			_exit(92);
		if (dup3(status_fd, 3, O_CLOEXEC) < 0)
			_exit(93);
		(void)close(status_fd);
		status_fd = 3;
	} else if (fds_in_the_way == 2) {
		/* the memfd on fd 3, where the status socket must go */
		reaper_free();
		(void)close(3);
		if (reaper_init(&step) < 0 || reaper_fd() != 3)
			_exit(94);
	}
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) != 1)
		_exit(95);
	(void)reaper_exec(svc, status_fd);
	_exit(96);
}

struct ns_run {
	pid_t pid;        /* PID 1 of the namespace, as the test sees it */
	int status_fd;    /* the other end of its status socket */
	int ready_fd, go_fd;
};

static void ns_start(struct ns_run *run, enum service_kind kind, int fds_in_the_way)
{
	int st[2], ready[2], go[2];
	char c;
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, st), 0);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)close(st[0]);
		(void)close(ready[0]);
		(void)close(go[1]);
		ns_init(kind, st[1], ready[1], go[0], fds_in_the_way);
	}
	(void)close(st[1]);
	(void)close(ready[1]);
	(void)close(go[0]);
	run->pid = pid;
	run->status_fd = st[0];
	run->ready_fd = ready[0];
	run->go_fd = go[1];
	assert_int_equal(read(run->ready_fd, &c, 1), 1);
}

static void ns_go(struct ns_run *run)
{
	assert_int_equal(write(run->go_fd, "g", 1), 1);
}

/* the service's wait status as the program reports it, and its own exit */
static void ns_end(struct ns_run *run, int want_code)
{
	int status = -1, st;

	assert_int_equal(recv_status(run->status_fd, &status), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), want_code);
	st = wait_child(run->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), want_code);
	(void)close(run->status_fd);
	(void)close(run->ready_fd);
	(void)close(run->go_fd);
}

static void test_service_ended_before_the_exec(void **state)
{
	struct ns_run run;

	(void)state;
	ns_start(&run, SVC_EXIT_AT_ONCE, 0);   /* its service is a zombie already */
	ns_go(&run);
	ns_end(&run, 7);
}

static void test_signals_reach_the_service(void **state)
{
	struct ns_run run;

	(void)state;
	ns_start(&run, SVC_SIGNALS, 0);
	/* blocked and pending in PID 1 when it executes the program */
	assert_int_equal(kill(run.pid, SIGUSR1), 0);
	ns_go(&run);
	assert_true(wait_program(run.pid));
	assert_int_equal(kill(run.pid, SIGUSR2), 0);
	assert_int_equal(kill(run.pid, SIGTERM), 0);
	ns_end(&run, 64 + 3);
}

static void test_descriptors_in_the_way_of_fd_3(void **state)
{
	struct ns_run run;

	(void)state;
	ns_start(&run, SVC_EXIT_AT_ONCE, 1);
	ns_go(&run);
	ns_end(&run, 7);
	ns_start(&run, SVC_EXIT_AT_ONCE, 2);
	ns_go(&run);
	ns_end(&run, 7);
}

static void test_exec_refuses_what_it_cannot_run(void **state)
{
	const char *step;

	(void)state;
	assert_int_equal(reaper_exec(0, 3), -EINVAL);
	assert_int_equal(reaper_exec(2, -1), -EINVAL);
	reaper_free();
	assert_false(reaper_available());
	assert_int_equal(reaper_exec(2, 3), -ENOEXEC);
	assert_int_equal(reaper_init(&step), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_is_small_static_and_writes_nothing),
		cmocka_unit_test(test_memfd_is_sealed_and_executable),
		cmocka_unit_test(test_execve_keeps_the_mask_and_pending_signals),
		cmocka_unit_test(test_service_ended_before_the_exec),
		cmocka_unit_test(test_signals_reach_the_service),
		cmocka_unit_test(test_descriptors_in_the_way_of_fd_3),
		cmocka_unit_test(test_exec_refuses_what_it_cannot_run),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_reaper: needs root (PID namespaces)\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	return cmocka_run_group_tests_name("reaper", tests, NULL, NULL) ? 1 : 0;
}
