/* SPDX-License-Identifier: MIT */
/*
 * reaper-prog.c: svcinit-reaper, PID 1 of a unit's PID namespace.
 *
 * A program of its own, not a part of svcinit: freestanding C (no libc, no
 * headers), built -nostdlib -static (mk/reaper.mk), a few hundred bytes
 * that services/reaper.c embeds in svcinit and executes from a sealed
 * memfd. A fork of svcinit kept svcinit's page tables and every page it
 * dirtied after the fork (about 110 KB PSS a unit); this one maps one page
 * of text, shared by every reaper, and its stack.
 *
 *     svcinit-reaper MAINPID        fd 3: the status socket
 *
 * It does what the in-process child_reaper (services/spawn.c) does, and
 * nothing more: reap every process of the namespace; forward every signal
 * it gets to MAINPID; when MAINPID ends, send its wait status (an int) on
 * fd 3 and exit with its code (128 + N for signal N), which kills what is
 * left in the namespace. Every signal is blocked when it starts: the mask
 * and the pending signals survive execve, so a SIGCHLD of a service that
 * ended before the exec waits here (and the first round reaps without
 * waiting anyway). It uses the raw system calls of x86_64 and aarch64.
 */

#if !(defined(__x86_64__) || defined(__aarch64__)) || !defined(__LP64__)
#error "svcinit-reaper: x86_64 or aarch64 only (build with REAPER=0 elsewhere)"
#endif

#if defined(__x86_64__)
#define NR_WAIT4            61
#define NR_KILL             62
#define NR_SENDTO           44
#define NR_RT_SIGTIMEDWAIT 128
#define NR_PRCTL           157
#define NR_EXIT_GROUP      231
#else   /* aarch64: asm-generic/unistd.h */
#define NR_WAIT4           260
#define NR_KILL            129
#define NR_SENDTO          206
#define NR_RT_SIGTIMEDWAIT 137
#define NR_PRCTL           167
#define NR_EXIT_GROUP       94
#endif

#define SIGCHLD_      17            /* the same on both */
#define WNOHANG_       1
#define MSG_NOSIGNAL_  0x4000
#define PR_SET_NAME_  15
#define STATUS_FD      3

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#else
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory", "cc");
	return x0;
#endif
}

static __attribute__((noreturn)) void reaper_exit(int code)
{
	for (;;)
		(void)sys6(NR_EXIT_GROUP, code, 0, 0, 0, 0, 0);
}

/* The kernel enters here (_start below) with the stack as execve left it:
 * argc, argv[], NULL, envp[], NULL, auxv. */
__attribute__((noreturn, used)) void reaper_main(long *sp);
__attribute__((noreturn, used)) void reaper_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	unsigned long all = ~0UL;   /* the kernel's sigset: 64 bits */
	long main_pid = 0;
	const char *s;

	(void)sys6(NR_PRCTL, PR_SET_NAME_, (long)"svcinit-reaper", 0, 0, 0, 0);
	if (sp[0] < 2 || !argv[1][0])
		reaper_exit(127);
	for (s = argv[1]; *s; s++) {
		if (*s < '0' || *s > '9' || main_pid > 99999999)
			reaper_exit(127);
		main_pid = main_pid * 10 + (*s - '0');
	}
	if (main_pid <= 0)   /* kill(0, ...) would reach the whole group */
		reaper_exit(127);

	for (;;) {
		long sig;

		/* reap everything there is; the main process's end ends us */
		for (;;) {
			int st = 0;
			long w = sys6(NR_WAIT4, -1, (long)&st, WNOHANG_, 0, 0, 0);

			if (w <= 0)
				break;
			if (w == main_pid) {
				(void)sys6(NR_SENDTO, STATUS_FD, (long)&st, sizeof(st), MSG_NOSIGNAL_, 0, 0);
				/* leaving kills whatever is left in the namespace */
				reaper_exit((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f));
			}
		}
		/* every other signal goes to the service; SIGCHLD: reap again */
		do {
			sig = sys6(NR_RT_SIGTIMEDWAIT, (long)&all, 0, 0, sizeof(all), 0, 0);
			if (sig > 0 && sig != SIGCHLD_)
				(void)sys6(NR_KILL, main_pid, sig, 0, 0, 0, 0);
		} while (sig != SIGCHLD_);
	}
}

#if defined(__x86_64__)
__asm__(".text\n"
	".globl _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call reaper_main\n"
	"	hlt\n");
#else
__asm__(".text\n"
	".globl _start\n"
	".type _start, %function\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, sp\n"
	"	bl reaper_main\n"
	"	b .\n");
#endif
