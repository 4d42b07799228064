/* SPDX-License-Identifier: MIT */
/*
 * spawn-vm.c: a spawn that does not copy PID 1 (spawn-vm.h says why).
 *
 * A few spawner threads, made on demand, each with all signals blocked and a
 * stack for its child. The main thread copies the plan into one block, hands
 * it to an idle spawner and sleeps on a futex until the clone has happened
 * (the kernel writes the child's pid before either side runs on). The
 * spawner makes the child with clone3(CLONE_VM | CLONE_VFORK, and
 * CLONE_INTO_CGROUP where the plan has a v2 cgroup) and sleeps in it until
 * the child has exec'ed or exited; then it frees the copy and is idle again.
 * The child is the spawner's vfork child: it runs on the spawner's errno and
 * on a stack of its own, and writes nothing of svcinit's but its copy of the
 * plan (LISTEN_PID) and the spawner's handshake word.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

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

#define VM_SPAWNERS 4
#define VM_CHILD_STACK (256 * 1024)

enum { SP_IDLE, SP_REQ, SP_BUSY };

struct spawner {
	pthread_t thread;
	bool made;
	_Atomic int state;         /* SP_*: the main thread posts, the spawner takes */
	_Atomic int done;          /* 0 until the clone happened (1) or failed (2) */
	pid_t pid;                 /* the kernel writes it (CLONE_PARENT_SETTID) */
	int err;                   /* clone's errno when done == 2 */
	void *stack;               /* the child's, VM_CHILD_STACK below a guard page */
	/* the request, valid while state != SP_IDLE */
	struct exec_plan *plan;    /* one malloc'ed block, freed by the spawner */
	int chan, parent_chan;
	spawn_vm_fn fn;
	bool in_cgroup;
};

static struct spawner spawners[VM_SPAWNERS];
static bool vm_off;

static long futex(_Atomic int *w, int op, int val)
{
	return syscall(SYS_futex, (int *)w, op, val, NULL, NULL, 0);
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

bool spawn_vm_eligible(const struct exec_plan *p)
{
	return VM_ARCH && !vm_off && p->clone_flags == 0 && p->join_pidfd < 0 && !p->root &&
	       !p->userns && !p->attrs.tty_path;
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

static char **arena_strv(struct arena *a, char *const *v, const char *mark, char **ret_mark)
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
		if (ret_mark && v[i] == mark)
			*ret_mark = c;
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
	char *const *argv = arena_strv(a, p->argv, NULL, NULL);
	char *const *envp = arena_strv(a, p->envp, p->listen_pid_env, &listen_pid);
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
	for (size_t i = 0; p->listen_pid_env && !listen_pid && envp[i]; i++)
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

/* ---- the spawners ---------------------------------------------------- */

/* The child, first: the handshake (the main thread may go on), then the
 * plan. Signals are blocked (the spawner's mask); the child's work resets
 * them before its exec. */
static int vm_child(void *arg)
{
	struct spawner *sp = arg;

	atomic_store(&sp->done, 1);
	(void)futex(&sp->done, FUTEX_WAKE_PRIVATE, 1);
	sp->fn(sp->plan, sp->chan, sp->parent_chan, sp->in_cgroup);
	return 127;   /* not reached: fn execs or exits */
}

static void *spawner_main(void *arg)
{
	struct spawner *sp = arg;

	for (;;) {
		while (atomic_load(&sp->state) == SP_IDLE)
			(void)futex(&sp->state, FUTEX_WAIT_PRIVATE, SP_IDLE);
		atomic_store(&sp->state, SP_BUSY);

		struct clone_args ca = {
			.flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID,
			.exit_signal = SIGCHLD,
			.stack = (uint64_t)(uintptr_t)sp->stack,
			.stack_size = VM_CHILD_STACK,
			.parent_tid = (uint64_t)(uintptr_t)&sp->pid,
		};
		if (sp->plan->cgroup_fd >= 0 && !sp->plan->cgroup_join) {
			ca.flags |= CLONE_INTO_CGROUP;
			ca.cgroup = (uint64_t)sp->plan->cgroup_fd;
		}
		sp->in_cgroup = ca.flags & CLONE_INTO_CGROUP;
		/* under AddressSanitizer: the last child never returned from its
		 * frames, their redzones are still marked on this stack */
		VM_UNPOISON(sp->stack, VM_CHILD_STACK);
		long r = spawn_vm_clone3(&ca, sizeof(ca), vm_child, sp);

		/* here the child has exec'ed or exited (or never was) */
		if (r < 0) {
			sp->err = (int)-r;
			atomic_store(&sp->done, 2);
			(void)futex(&sp->done, FUTEX_WAKE_PRIVATE, 1);
		}
		free(sp->plan);
		sp->plan = NULL;
		atomic_store(&sp->state, SP_IDLE);
	}
	return NULL;
}

static int spawner_make(struct spawner *sp)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int r;

	sp->stack = mmap(NULL, VM_CHILD_STACK + 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (sp->stack == MAP_FAILED) {
		sp->stack = NULL;
		return -errno;
	}
	(void)mprotect(sp->stack, 4096, PROT_NONE);   /* the guard below it */
	sp->stack = (char *)sp->stack + 4096;
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	/* the thread and its children start with every signal blocked: no
	 * handler of svcinit's may run on them */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&sp->thread, &attr, spawner_main, sp);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (r != 0) {
		(void)munmap((char *)sp->stack - 4096, VM_CHILD_STACK + 4096);
		sp->stack = NULL;
		return -r;
	}
	sp->made = true;
	return 0;
}

pid_t spawn_vm_start(const struct exec_plan *p, int chan, int parent_chan, spawn_vm_fn fn)
{
	struct spawner *sp = NULL;
	struct arena a = { 0 };
	struct exec_plan *copy;

	if (!VM_ARCH || vm_off)
		return -ENOSYS;
	for (int i = 0; i < VM_SPAWNERS && !sp; i++) {
		if (spawners[i].made && atomic_load(&spawners[i].state) == SP_IDLE)
			sp = &spawners[i];
		else if (!spawners[i].made) {
			int r = spawner_make(&spawners[i]);

			if (r < 0) {
				log_debug("spawn: no spawner thread: %s; units fork", strerror(-r));
				return r;
			}
			sp = &spawners[i];
		}
	}
	if (!sp)
		return -EBUSY;

	(void)plan_copy(p, &a);
	a.size = a.used;
	a.used = 0;
	a.base = malloc(a.size);
	if (!a.base)
		return -ENOMEM;
	copy = plan_copy(p, &a);

	sp->plan = copy;
	sp->chan = chan;
	sp->parent_chan = parent_chan;
	sp->fn = fn;
	sp->pid = 0;
	sp->err = 0;
	atomic_store(&sp->done, 0);
	atomic_store(&sp->state, SP_REQ);
	(void)futex(&sp->state, FUTEX_WAKE_PRIVATE, 1);

	/* until the clone: the child's descriptor table is a copy of ours as
	 * it is now, its pid written; never until its exec */
	while (atomic_load(&sp->done) == 0)
		(void)futex(&sp->done, FUTEX_WAIT_PRIVATE, 0);
	if (atomic_load(&sp->done) == 2) {
		int e = sp->err;

		/* the spawner frees the copy; a kernel without clone3's
		 * CLONE_VM stack (or a seccomp filter on it): fork from now on */
		if (e == ENOSYS || e == EPERM || e == E2BIG) {
			log_debug("spawn: clone3 with CLONE_VM: %s; units fork", strerror(e));
			vm_off = true;
			return -ENOSYS;
		}
		return -e;
	}
	return sp->pid;
}
