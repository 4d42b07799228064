/* SPDX-License-Identifier: MIT */
/*
 * spawn-vm.c: a spawn that does not copy PID 1 (spawn-vm.h says why).
 *
 * svcinit's main thread clones the child itself, with clone3(CLONE_VM),
 * on a stack of the child's own and with the thread-local storage (errno,
 * glibc's thread state) of a *donor*: a thread of svcinit's that does
 * nothing but sleep in a raw futex wait, so that no code of svcinit's ever
 * runs on that storage while a child uses it. The kernel tells when the
 * child is done with it: CLONE_CHILD_CLEARTID clears the donor's word at the
 * child's exec or exit. The main thread then frees the child's copy of the
 * plan and may lend the donor again; until then it takes another donor (made
 * on demand, at most VM_DONORS) or forks. No thread hands anything to
 * another, nobody waits for anybody: the clone returns as a fork's does.
 * Signals are blocked around the clone (the child resets them before its
 * exec), so that no handler of svcinit's runs in the child.
 */
#include <errno.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

#include "lib/log.h"
#include "services/spawn.h"
#include "services/spawn-vm.h"
#include "units/unit.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(VM_ASAN)
#include <sanitizer/asan_interface.h>
#define VM_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define VM_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#if defined(__x86_64__) || defined(__aarch64__)
#define VM_ARCH 1
#else
#define VM_ARCH 0
#endif

#define VM_DONORS 16
#define VM_CHILD_STACK (256 * 1024)

struct donor {
	pthread_t thread;
	bool made;
	void *tp;                  /* its thread pointer: the child's CLONE_SETTLS */
	_Atomic int ready;         /* tp is set */
	_Atomic int park;          /* the word it sleeps on, never woken */
	_Atomic int ctid;          /* nonzero while a child runs on its storage:
				      the kernel zeroes it at that child's exec or
				      exit (CLONE_CHILD_CLEARTID) */
	void *stack;               /* the child's, VM_CHILD_STACK above a guard page */
	/* the child's request, valid while ctid != 0 */
	struct exec_plan *plan;    /* one malloc'ed block */
	int chan, parent_chan;
	spawn_vm_fn fn;
	bool in_cgroup;
};

static struct donor donors[VM_DONORS];
static bool vm_off, probed;
static _Atomic int sharing;   /* donors made that still share the descriptor table */

/* futex(2) without the C library: the donor must not write its errno
 * (a child may be using it) */
static long raw_futex(_Atomic int *w, int op, int val)
{
#if defined(__x86_64__)
	long r;
	register long r10 __asm__("r10") = 0;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "0"((long)SYS_futex), "D"(w), "S"((long)op), "d"((long)val), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = SYS_futex;
	register long x0 __asm__("x0") = (long)w;
	register long x1 __asm__("x1") = op;
	register long x2 __asm__("x2") = val;
	register long x3 __asm__("x3") = 0;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
#else
	(void)w;
	(void)op;
	(void)val;
	return -ENOSYS;
#endif
}

static void *thread_pointer(void)
{
	void *tp = NULL;

#if defined(__x86_64__)
	__asm__("mov %%fs:0, %0" : "=r"(tp));   /* the TCB points at itself */
#elif defined(__aarch64__)
	__asm__("mrs %0, tpidr_el0" : "=r"(tp));
#endif
	return tp;
}

/* clone3 on a stack of the caller's: in the child, fn(arg) on that stack,
 * then exit(2) with its value (fn never returns here). In the parent the
 * pid, or -errno. No C library wrapper makes clone3 with a stack. */
long spawn_vm_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
	".globl spawn_vm_clone3\n"
	".type spawn_vm_clone3,@function\n"
	"spawn_vm_clone3:\n"
	"	mov %rdx, %r9\n"           /* fn: preserved across the system call */
	"	mov %rcx, %r8\n"           /* arg */
	"	mov $435, %eax\n"          /* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"           /* the child: its own stack, 16-aligned */
	"	mov %r8, %rdi\n"
	"	call *%r9\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"           /* __NR_exit */
	"	syscall\n"
	"	hlt\n"
	".size spawn_vm_clone3, .-spawn_vm_clone3\n");
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl spawn_vm_clone3\n"
	".type spawn_vm_clone3,%function\n"
	"spawn_vm_clone3:\n"
	"	mov x9, x2\n"
	"	mov x10, x3\n"
	"	mov x8, #435\n"
	"	svc #0\n"
	"	cbz x0, 1f\n"
	"	ret\n"
	"1:	mov x29, #0\n"
	"	mov x30, #0\n"
	"	mov x0, x10\n"
	"	blr x9\n"
	"	mov x8, #93\n"
	"	svc #0\n"
	"	brk #0\n"
	".size spawn_vm_clone3, .-spawn_vm_clone3\n");
#endif

/* A small number from a /proc file kept open (pread: one system call), or
 * INT_MIN. */
static int proc_int(int *fd, const char *path)
{
	char buf[24];
	ssize_t n;

	if (*fd < 0)
		*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0 || (n = pread(*fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return INT_MIN;
	buf[n] = '\0';
	return atoi(buf);
}

bool spawn_vm_eligible(const struct exec_plan *p)
{
	static int oom_fd = -1, dump_fd = -1;

	if (!VM_ARCH || vm_off || p->clone_flags != 0 || p->join_pidfd >= 0 || p->root ||
	    p->userns || p->attrs.tty_path)
		return false;
	/* The kernel gives a write to oom_score_adj to every process that
	 * shares the writer's memory (fs/proc/base.c, __set_oom_adj): a child
	 * that set its OOMScoreAdjust= would set svcinit's (its -1000 shield
	 * lost) and its siblings' before their exec. Only a child whose score
	 * is svcinit's own, which it then need not change, shares it. */
	if (proc_int(&oom_fd, "/proc/self/oom_score_adj") != atoi(p->attrs.oom[0] ? p->attrs.oom : "0"))
		return false;
	/* A uid switch makes the memory dumpable as fs.suid_dumpable says:
	 * where that is not 0, a core-dump signal from the unit's user could
	 * dump svcinit's memory (and zap it, before Linux 5.16). */
	if (p->set_ids && proc_int(&dump_fd, "/proc/sys/fs/suid_dumpable") != 0)
		return false;
	return true;
}

void spawn_vm_disable(void)
{
	vm_off = true;
}

/* ---- the copy of the plan -------------------------------------------- */

struct arena {
	char *base;
	size_t used, size;         /* size 0: only count */
};

static void *arena_put(struct arena *a, const void *src, size_t n, size_t align)
{
	void *dst;

	a->used = (a->used + align - 1) & ~(align - 1);
	dst = a->base ? a->base + a->used : NULL;
	if (dst && src)
		memcpy(dst, src, n);
	a->used += n;
	return dst;
}

static char *arena_str(struct arena *a, const char *s)
{
	return s ? arena_put(a, s, strlen(s) + 1, 1) : NULL;
}

static char **arena_strv(struct arena *a, char *const *v)
{
	size_t n = 0;
	char **out;

	while (v && v[n])
		n++;
	out = arena_put(a, NULL, (n + 1) * sizeof(char *), sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char *c = arena_str(a, v[i]);

		if (out)
			out[i] = c;
	}
	if (out)
		out[n] = NULL;
	return v ? out : NULL;
}

/* Everything the child reads, in one block (a counting pass, then the copy). */
static struct exec_plan *plan_copy(const struct exec_plan *p, struct arena *a)
{
	struct exec_plan *c = arena_put(a, p, sizeof(*p), _Alignof(struct exec_plan));
	const char *path = arena_str(a, p->path), *cwd = arena_str(a, p->cwd);
	char *listen_pid = NULL;
	char *const *argv = arena_strv(a, p->argv);
	char *const *envp = arena_strv(a, p->envp);
	const gid_t *groups = p->n_groups ?
		arena_put(a, p->groups, p->n_groups * sizeof(gid_t), _Alignof(gid_t)) : NULL;
	const int *lfds = p->n_listen_fds ?
		arena_put(a, p->listen_fds, p->n_listen_fds * sizeof(int), _Alignof(int)) : NULL;
	const int *v1 = p->n_v1_procs_fds > 0 ?
		arena_put(a, p->v1_procs_fds, (size_t)p->n_v1_procs_fds * sizeof(int),
			  _Alignof(int)) : NULL;
	const char *aa = arena_str(a, p->apparmor_profile);
	struct unit_seccomp *sc = NULL;

	if (p->seccomp) {
		size_t n = 0;

		for (unsigned i = 0; i < p->seccomp->n_progs; i++)
			n += p->seccomp->len[i];
		sc = arena_put(a, p->seccomp, sizeof(*sc), _Alignof(struct unit_seccomp));
		void *insns = arena_put(a, p->seccomp->insns, n * sizeof(struct sock_filter),
					_Alignof(struct sock_filter));

		if (sc)
			sc->insns = insns;
	}
	if (!c)
		return NULL;
	/* LISTEN_PID= is one of envp's strings: the copy of it, filled there */
	for (size_t i = 0; p->listen_pid_env && envp && !listen_pid && envp[i]; i++)
		if (strncmp(envp[i], "LISTEN_PID=", 11) == 0)
			listen_pid = envp[i];
	c->path = path;
	c->cwd = cwd;
	c->argv = argv;
	c->envp = envp;
	c->listen_pid_env = p->listen_pid_env ? listen_pid : NULL;
	c->groups = groups;
	c->listen_fds = lfds;
	c->v1_procs_fds = v1;
	c->apparmor_profile = aa;
	c->seccomp = sc;
	return c;
}

/* ---- the donors ------------------------------------------------------ */

/* The child: the plan, on the donor's storage and its own stack. */
static int vm_child(void *arg)
{
	struct donor *d = arg;

	d->fn(d->plan, d->chan, d->parent_chan, d->in_cgroup);
	return 127;   /* not reached: fn execs or exits */
}

/* A donor: publish the thread pointer, then sleep for good. Every signal is
 * blocked (from its creation), the wait is a raw system call. */
static void *donor_main(void *arg)
{
	struct donor *d = arg;

	/* a descriptor table of its own, empty: while a thread shares the
	 * main thread's, every growth of that table waits out an RCU grace
	 * period (expand_fdtable), tens of milliseconds in a burst of starts;
	 * and a copy would hold the units' pipes open. Where this fails
	 * (before Linux 5.9) the table stays shared: slower, not wrong. */
	(void)syscall(SYS_close_range, 0U, ~0U, CLOSE_RANGE_UNSHARE);
	atomic_fetch_sub(&sharing, 1);
	d->tp = thread_pointer();
	atomic_store(&d->ready, 1);
	for (;;)
		(void)raw_futex(&d->park, FUTEX_WAIT_PRIVATE, 0);
	return NULL;
}

/* Twice the highest descriptor in use (at least 256), below the limit. */
static int table_room(void)
{
	struct rlimit rl;
	int hi = -1, want;

	for (int fd = 0; fd < 3 && hi < 0; fd++)   /* the lowest free slot */
		hi = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (hi >= 0)
		(void)close(hi);
	want = hi < 128 ? 256 : 2 * hi;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)want >= rl.rlim_cur)
		want = (int)rl.rlim_cur - 1;
	return want;
}

/* A new donor thread, not waited for: it is lent once it said where its
 * storage is (the main thread never sleeps on a thread being scheduled). */
static int donor_make(struct donor *d)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	if (!d->stack) {
		void *m = mmap(NULL, VM_CHILD_STACK + 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);

		if (m == MAP_FAILED)
			return -errno;
		(void)mprotect(m, 4096, PROT_NONE);   /* the guard below it */
		d->stack = (char *)m + 4096;
	}
	/* no core dump of this memory: a child shares it until its exec, and
	 * after its switch to the unit's user that user may signal it (a core
	 * dump of a shared mm zapped every process sharing it before Linux
	 * 5.16, PID 1 too, where fs.suid_dumpable=2 let it dump at all); also
	 * what keeps the child out of that user's ptrace and /proc/PID/mem */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	/* room in the descriptor table before a thread shares it (it grows
	 * without a grace period only while nobody does) */
	if (atomic_load(&sharing) > 0)
		return -EBUSY;
	r = -1;
	for (int fd = 0; fd < 3 && r < 0; fd++)   /* any descriptor svcinit has open */
		r = fcntl(fd, F_DUPFD_CLOEXEC, table_room());
	if (r >= 0)
		(void)close(r);
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_fetch_add(&sharing, 1);
	r = pthread_create(&d->thread, &attr, donor_main, d);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (r != 0) {
		atomic_fetch_sub(&sharing, 1);
		return -r;
	}
	d->made = true;
	return 0;
}

/* An idle donor (its last child exec'ed or exited: that child's copy is
 * freed now), or NULL. When it was the last idle one, another donor is made
 * for the next start (up to VM_DONORS). */
static struct donor *donor_get(void)
{
	struct donor *idle = NULL, *fresh = NULL;
	bool spare = false;

	for (int i = 0; i < VM_DONORS && !spare; i++) {
		struct donor *d = &donors[i];

		if (!d->made) {
			if (!fresh)
				fresh = d;
			continue;
		}
		if (!atomic_load(&d->ready) || atomic_load(&d->ctid) != 0)
			continue;
		if (d->plan) {
			free(d->plan);
			d->plan = NULL;
		}
		if (idle)
			spare = true;
		else
			idle = d;
	}
	if (!spare && fresh && !(idle && !idle->tp)) {
		int r = donor_make(fresh);

		if (r < 0)
			log_debug("spawn: no new donor thread: %s", strerror(-r));
	}
	return idle && idle->tp ? idle : NULL;
}

pid_t spawn_vm_start(const struct exec_plan *p, int chan, int parent_chan, spawn_vm_fn fn)
{
	struct arena a = { 0 };
	struct donor *d;
	sigset_t all, old;
	long r;

	if (!VM_ARCH || vm_off)
		return -ENOSYS;
	if (!probed) {
		/* clone3 itself, before any donor thread is made: a kernel says
		 * EINVAL to an empty call; an emulator (valgrind) or a seccomp
		 * profile (a container's) that refuses clone3 says ENOSYS or
		 * EPERM, and then units fork */
		probed = true;
		if (syscall(SYS_clone3, NULL, 0) < 0 && errno != EINVAL) {
			log_debug("spawn: no clone3 (%s); units fork", strerror(errno));
			vm_off = true;
			return -ENOSYS;
		}
	}
	d = donor_get();
	if (!d)
		return -EBUSY;

	(void)plan_copy(p, &a);
	a.size = a.used;
	a.used = 0;
	a.base = malloc(a.size);
	if (!a.base)
		return -ENOMEM;
	d->plan = plan_copy(p, &a);
	d->chan = chan;
	d->parent_chan = parent_chan;
	d->fn = fn;

	struct clone_args ca = {
		.flags = CLONE_VM | CLONE_SETTLS | CLONE_CHILD_CLEARTID,
		.exit_signal = SIGCHLD,
		.stack = (uint64_t)(uintptr_t)d->stack,
		.stack_size = VM_CHILD_STACK,
		.tls = (uint64_t)(uintptr_t)d->tp,
		.child_tid = (uint64_t)(uintptr_t)&d->ctid,
	};
	if (p->cgroup_fd >= 0 && !p->cgroup_join) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)p->cgroup_fd;
	}
	d->in_cgroup = ca.flags & CLONE_INTO_CGROUP;
	/* under AddressSanitizer: the last child never returned from its
	 * frames, their redzones are still marked on this stack */
	VM_UNPOISON(d->stack, VM_CHILD_STACK);
	atomic_store(&d->ctid, 1);

	/* no handler of svcinit's may run in the child before it resets them */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = spawn_vm_clone3(&ca, sizeof(ca), vm_child, d);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		atomic_store(&d->ctid, 0);   /* freed at its next use */
		/* a kernel, an emulator (valgrind) or a seccomp filter that
		 * refuses this clone: fork from now on */
		if (r == -ENOSYS || r == -EPERM || r == -EINVAL || r == -E2BIG) {
			log_debug("spawn: clone3 with CLONE_VM: %s; units fork", strerror((int)-r));
			vm_off = true;
			return -ENOSYS;
		}
		return (pid_t)r;
	}
	return (pid_t)r;
}
