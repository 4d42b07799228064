/* SPDX-License-Identifier: MIT */
/*
 * reaper.c: svcinit-reaper, embedded, in a sealed memfd, executed by a
 * unit's first child.
 *
 * Why a memfd and not a file beside svcinit: the program then needs no
 * install path (make install, the Debian packages, `make static` for the VM
 * and OCI images, tests running build/svcinit all carry it inside svcinit);
 * it is reachable from any unit root (after pivot_root onto an overlay, with
 * or without a /proc), since execveat needs only the descriptor; and nobody
 * can replace it: it is not on any file system, and the seals forbid every
 * write, shrink and growth. The cost is its size, once, in PID 1.
 *
 * The exec bits are not sealed (F_SEAL_EXEC): only a process holding all of
 * PID 1's capabilities can reach the memfd (a reaper's /proc/PID/exe, PID
 * 1's /proc/PID/fd), which could ptrace svcinit anyway, and the worst a
 * chmod does is make reapers fall back to forks of svcinit; the tests use
 * that to reach the fallback.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "services/reaper.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U       /* Linux 6.3: executable whatever vm.memfd_noexec=1 says */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define REAPER_STATUS_FD 3

/* The program, embedded at build time (the Makefile's REAPER_PROG: built
 * from services/reaper-prog.c; not defined where it cannot be built). */
#ifdef SVCINIT_REAPER_PROG
__asm__(".section .rodata.svcinit_reaper,\"a\"\n"
	".balign 16\n"
	".globl svcinit_reaper_prog\n"
	".hidden svcinit_reaper_prog\n"
	"svcinit_reaper_prog:\n"
	".incbin \"" SVCINIT_REAPER_PROG "\"\n"
	".globl svcinit_reaper_prog_end\n"
	".hidden svcinit_reaper_prog_end\n"
	"svcinit_reaper_prog_end:\n"
	".previous\n");
extern const unsigned char svcinit_reaper_prog[] __attribute__((visibility("hidden")));
extern const unsigned char svcinit_reaper_prog_end[] __attribute__((visibility("hidden")));
#endif

static int prog_fd = -1;

const unsigned char *reaper_program(size_t *ret_size)
{
#ifdef SVCINIT_REAPER_PROG
	*ret_size = (size_t)(svcinit_reaper_prog_end - svcinit_reaper_prog);
	return svcinit_reaper_prog;
#else
	*ret_size = 0;
	return NULL;
#endif
}

int reaper_init(const char **ret_step)
{
	const unsigned char *prog;
	size_t size, off = 0;
	struct stat st;
	int fd, r = 0;

	if (prog_fd >= 0)
		return 0;
	prog = reaper_program(&size);
	*ret_step = "find it (not built: another architecture, or REAPER=0)";
	if (size == 0)
		return -ENOEXEC;

	*ret_step = "create its memfd";
	fd = memfd_create("svcinit-reaper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)   /* before Linux 6.3: executable anyway */
		fd = memfd_create("svcinit-reaper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;   /* EACCES: vm.memfd_noexec=2 */

	*ret_step = "write it";
	while (off < size) {
		ssize_t n = write(fd, prog + off, size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)n;
	}
	*ret_step = "seal it";
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		r = -errno;
		goto out;
	}
	*ret_step = "make it executable";
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!(st.st_mode & S_IXUSR)) {
		r = -EACCES;   /* sealed noexec */
		goto out;
	}
	*ret_step = NULL;
	prog_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
}

bool reaper_available(void)
{
	return prog_fd >= 0;
}

int reaper_fd(void)
{
	return prog_fd;
}

/* ---- child side: async-signal-safe only ------------------------------- */

int reaper_exec(pid_t main_pid, int status_fd)
{
	char num[24], digits[24];
	char *const argv[] = { (char *)"svcinit-reaper", num, NULL };
	char *const envp[] = { NULL };
	int exe = prog_fd, n = 0, i = 0;
	unsigned long v = (unsigned long)main_pid;

	if (exe < 0)
		return -ENOEXEC;
	if (main_pid <= 0 || status_fd < 0)
		return -EINVAL;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(digits));
	while (n)
		num[i++] = digits[--n];
	num[i] = '\0';

	/* the program's descriptor out of the way of fd 3 */
	if (exe <= REAPER_STATUS_FD) {
		exe = fcntl(exe, F_DUPFD_CLOEXEC, REAPER_STATUS_FD + 1);
		if (exe < 0)
			return -errno;
	}
	if (status_fd == REAPER_STATUS_FD) {
		int fl = fcntl(status_fd, F_GETFD);

		if (fl < 0 || fcntl(status_fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return -errno;
	} else if (dup2(status_fd, REAPER_STATUS_FD) < 0) {
		return -errno;
	}
	/* nothing of svcinit's above 3 reaches the program (all of it is
	 * close-on-exec already; this makes sure) */
	(void)syscall(SYS_close_range, REAPER_STATUS_FD + 1U, ~0U, CLOSE_RANGE_CLOEXEC);
	(void)syscall(SYS_execveat, exe, "", argv, envp, AT_EMPTY_PATH);
	return -errno;
}

void reaper_free(void)
{
	if (prog_fd >= 0)
		(void)close(prog_fd);
	prog_fd = -1;
}
