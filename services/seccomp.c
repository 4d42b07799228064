/* SPDX-License-Identifier: MIT */
/*
 * seccomp.c: a unit's seccomp keys as BPF programs. The parent compiles
 * them with libseccomp once per load or reload (seccomp_unit_compile) and keeps the
 * instructions in the spec; the plan points at them (seccomp_unit_plan) and the
 * child loads them with the raw seccomp(2) call just before exec
 * (seccomp_child_load): no libseccomp, no allocation there.
 *
 * How each key maps (systemd.exec(5); systemd builds the same filters):
 *  - SystemCallFilter=: allow-list, default action SIGSYS (SECCOMP_RET_KILL_PROCESS)
 *    or SystemCallErrorNumber='s errno or "log"; deny-list: the listed calls
 *    get it, or their own ":ERRNO" / ":kill".
 *  - SystemCallLog=: the listed calls (or all others with "~") logged.
 *  - SystemCallArchitectures=: calls of any other architecture than the
 *    native one and the listed ones kill the process.
 *  - RestrictAddressFamilies=: socket(2) with another family fails with
 *    EAFNOSUPPORT (not on x86-32, whose socketcall(2) hides the family).
 *  - RestrictNamespaces=: unshare(2), clone(2), setns(2) with a forbidden
 *    CLONE_NEW* flag (and setns with 0) fail with EPERM; clone3(2) fails
 *    with ENOSYS (its flags are in memory, a filter cannot see them), so the
 *    C library falls back to clone(2).
 *  - MemoryDenyWriteExecute=: mmap(2) with PROT_WRITE|PROT_EXEC,
 *    mprotect(2)/pkey_mprotect(2) with PROT_EXEC, shmat(2) with SHM_EXEC:
 *    EPERM (x86-32: mmap2, and the old mmap refused whole).
 *  - RestrictRealtime=: sched_setscheduler(2) to SCHED_FIFO, SCHED_RR or
 *    any policy above SCHED_IDLE (SCHED_DEADLINE): EPERM. sched_setattr(2)
 *    passes the policy in memory: refused whole (systemd leaves it open).
 *  - RestrictSUIDSGID=: chmod, fchmod, fchmodat(2), fchmodat2, mkdir(at),
 *    mknod(at) with S_ISUID or S_ISGID, open/openat/creat creating a file
 *    with them: EPERM; openat2(2) (how in memory): ENOSYS.
 *  - LockPersonality=: personality(2) with another value than svcinit's
 *    own: EPERM.
 * Each gives a program per architecture the process can call (x86-64, x86,
 * x32 on an x86-64 build; only those SystemCallArchitectures= allows when
 * given), the other architectures passing through (SECCOMP_RET_ALLOW for a
 * foreign arch; the architecture program kills them when asked).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/seccomp.h"
#include "services/spawn.h"
#include "units/syscall.h"
#include "units/value.h"

/* The kernel's limits: BPF_MAXINSNS per program, 32768 instructions over
 * every program of a process (each counts 4 more). */
#define SECCOMP_TOTAL_MAX 32768

#define MASKED(arg, mask, val) SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, val)

/* The architectures a process may call on this build, the native one last
 * (as systemd: an allow-list of the native arch is the last one loaded). */
static const uint32_t local_archs[] = {
#if defined(__x86_64__) && !defined(__ILP32__)
	SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_X86_64,
#elif defined(__x86_64__)
	SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32,
#elif defined(__aarch64__)
	SCMP_ARCH_ARM, SCMP_ARCH_AARCH64,
#else
	SCMP_ARCH_NATIVE,
#endif
};

struct build {
	struct unit_spec *spec;
	uint32_t archs[N_ELEM(local_archs)];
	size_t n_archs;
	struct sock_filter *insns;
	size_t n_insns;
	unsigned n_progs;
	uint16_t len[UNIT_SECCOMP_PROGS_MAX];
	char err[160];
};

static int fail(struct build *b, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct build *b, int r, const char *fmt, ...)
{
	va_list ap;

	if (!b->err[0]) {
		va_start(ap, fmt);
		(void)vsnprintf(b->err, sizeof(b->err), fmt, ap);
		va_end(ap);
	}
	return r < 0 ? r : -EINVAL;
}

static uint32_t native(void)
{
	return seccomp_arch_native();
}

static bool af_enforced(const struct unit_spec *s)
{
	return (s->restrict_af_flags & UNIT_SC_ALLOW) || s->restrict_af;
}

static bool ns_enforced(const struct unit_spec *s)
{
	return (s->restrict_ns_flags & UNIT_SC_GIVEN) &&
		(s->restrict_ns & UNIT_NS_FLAGS_ALL) != UNIT_NS_FLAGS_ALL;
}

bool seccomp_unit_wanted(const struct unit_spec *s)
{
	return (s->syscall_filter_flags & UNIT_SC_GIVEN) || (s->syscall_log_flags & UNIT_SC_GIVEN) ||
		unit_strv_len(s->syscall_archs) > 0 || af_enforced(s) || ns_enforced(s) ||
		s->memory_deny_write_execute || s->restrict_realtime || s->restrict_suid_sgid ||
		s->lock_personality;
}

/* A filter for one architecture with default action def; foreign
 * architectures pass. */
static scmp_filter_ctx ctx_new(uint32_t arch, uint32_t def)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (!ctx)
		return NULL;
	if ((arch != native() && (seccomp_arch_remove(ctx, native()) < 0 ||
				  seccomp_arch_add(ctx, arch) < 0)) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);   /* a binary tree */
	return ctx;
}

/* ctx's program appended to b (and ctx released). */
static int export(struct build *b, scmp_filter_ctx ctx, const char *key)
{
	struct sock_filter *ni;
	size_t n, total;
	off_t size;
	int fd, r;

	fd = memfd_create("svcinit-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		seccomp_release(ctx);
		return fail(b, r, "%s=: unable to export the filter: %s", key, strerror(-r));
	}
	r = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (r < 0) {
		(void)close(fd);
		return fail(b, r, "%s=: unable to export the filter: %s", key, strerror(-r));
	}
	size = lseek(fd, 0, SEEK_END);
	n = size > 0 ? (size_t)size / sizeof(struct sock_filter) : 0;
	total = b->n_insns + n + 4 * (b->n_progs + 1);
	if (n == 0 || (size_t)size % sizeof(struct sock_filter) || n > BPF_MAXINSNS ||
	    b->n_progs >= UNIT_SECCOMP_PROGS_MAX || total > SECCOMP_TOTAL_MAX) {
		(void)close(fd);
		return fail(b, -E2BIG, "%s=: the filters are too large (%zu instructions in %u "
			    "programs, at most %d in each, %d in all)", key, n, b->n_progs + 1,
			    BPF_MAXINSNS, SECCOMP_TOTAL_MAX);
	}
	ni = realloc(b->insns, (b->n_insns + n) * sizeof(*ni));
	if (!ni) {
		(void)close(fd);
		return fail(b, -ENOMEM, "%s=: %s", key, strerror(ENOMEM));
	}
	b->insns = ni;
	if (pread(fd, ni + b->n_insns, n * sizeof(*ni), 0) != (ssize_t)(n * sizeof(*ni))) {
		r = errno ? -errno : -EIO;
		(void)close(fd);
		return fail(b, r, "%s=: unable to read the filter back: %s", key, strerror(-r));
	}
	(void)close(fd);
	b->len[b->n_progs++] = (uint16_t)n;
	b->n_insns += n;
	return 0;
}

/* A rule for the system call name (known to libseccomp, on some arch); one
 * the filter's architecture does not have is skipped. */
static int rule(struct build *b, scmp_filter_ctx ctx, const char *key, uint32_t action,
		const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name), r;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	r = seccomp_rule_add_exact_array(ctx, action, nr, n, cmp);
	if (r == -EDOM)
		return 0;   /* not on this architecture */
	if (r < 0)
		return fail(b, r, "%s=: unable to add a rule for %s(): %s", key, name, strerror(-r));
	return 0;
}

static int rule0(struct build *b, scmp_filter_ctx ctx, const char *key, uint32_t action,
		 const char *name)
{
	return rule(b, ctx, key, action, name, 0, NULL);
}

static int rule1(struct build *b, scmp_filter_ctx ctx, const char *key, uint32_t action,
		 const char *name, struct scmp_arg_cmp c0)
{
	return rule(b, ctx, key, action, name, 1, &c0);
}

static int rule2(struct build *b, scmp_filter_ctx ctx, const char *key, uint32_t action,
		 const char *name, struct scmp_arg_cmp c0, struct scmp_arg_cmp c1)
{
	struct scmp_arg_cmp c[2] = { c0, c1 };

	return rule(b, ctx, key, action, name, 2, c);
}

/* SIGSYS for the whole process; before Linux 4.14 (API level 3) only the
 * thread can be killed (as systemd falls back). */
static uint32_t act_kill(void)
{
	return seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL;
}

static uint32_t negative_action(int e)
{
	if (e == UNIT_SC_LOG)
		return SCMP_ACT_LOG;
	return e > 0 ? SCMP_ACT_ERRNO((uint16_t)e) : act_kill();
}

/* SystemCallFilter= (log false) or SystemCallLog= (log true). */
static int build_set(struct build *b, bool log)
{
	const struct unit_spec *s = b->spec;
	const char *key = log ? "SystemCallLog" : "SystemCallFilter";
	char **set = log ? s->syscall_log : s->syscall_filter;
	unsigned flags = log ? s->syscall_log_flags : s->syscall_filter_flags;
	bool allow = flags & UNIT_SC_ALLOW;
	uint32_t def, act, neg = negative_action(s->syscall_errno);
	int r;

	if (!(flags & UNIT_SC_GIVEN) || (!allow && !unit_strv_len(set)))
		return 0;
	if (log) {
		def = allow ? SCMP_ACT_ALLOW : SCMP_ACT_LOG;
		act = allow ? SCMP_ACT_LOG : SCMP_ACT_ALLOW;
	} else {
		def = allow ? neg : SCMP_ACT_ALLOW;
		act = allow ? SCMP_ACT_ALLOW : neg;
	}
	for (size_t a = 0; a < b->n_archs; a++) {
		scmp_filter_ctx ctx = ctx_new(b->archs[a], def);

		if (!ctx)
			return fail(b, -ENOMEM, "%s=: unable to create a filter", key);
		for (size_t i = 0; set && set[i]; i++) {
			char name[64];
			uint32_t x = act;
			size_t len;
			int e;

			unit_syscall_entry(set[i], &len, &e);
			if (len >= sizeof(name))
				continue;
			memcpy(name, set[i], len);
			name[len] = '\0';
			if (!allow && !log && e != UNIT_SC_NONE)
				x = e == UNIT_SC_KILL ? act_kill() : SCMP_ACT_ERRNO((uint16_t)e);
			if (x == def)
				continue;
			r = rule0(b, ctx, key, x, name);
			if (r < 0) {
				seccomp_release(ctx);
				return r;
			}
		}
		r = export(b, ctx, key);
		if (r < 0)
			return r;
	}
	return 0;
}

/* SystemCallArchitectures=: one program, any other architecture killed. */
static int build_archs(struct build *b)
{
	scmp_filter_ctx ctx;

	if (!unit_strv_len(b->spec->syscall_archs))
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return fail(b, -ENOMEM, "SystemCallArchitectures=: unable to create a filter");
	for (size_t a = 0; a < b->n_archs; a++) {
		int r = b->archs[a] == native() ? 0 : seccomp_arch_add(ctx, b->archs[a]);

		if (r < 0 && r != -EEXIST) {
			seccomp_release(ctx);
			return fail(b, r, "SystemCallArchitectures=: unable to add an architecture: %s",
				    strerror(-r));
		}
	}
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, act_kill()) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		seccomp_release(ctx);
		return fail(b, -EINVAL, "SystemCallArchitectures=: unable to set up the filter");
	}
	return export(b, ctx, "SystemCallArchitectures");
}

/* The rule-only filters: every call passes but what the key refuses. */
typedef int (*rules_fn)(struct build *b, scmp_filter_ctx ctx, uint32_t arch);

static int build_rules(struct build *b, const char *key, rules_fn fn)
{
	for (size_t a = 0; a < b->n_archs; a++) {
		scmp_filter_ctx ctx;
		int r;

		ctx = ctx_new(b->archs[a], SCMP_ACT_ALLOW);
		if (!ctx)
			return fail(b, -ENOMEM, "%s=: unable to create a filter", key);
		r = fn(b, ctx, b->archs[a]);
		if (r > 0) {   /* nothing for this architecture */
			seccomp_release(ctx);
			continue;
		}
		if (r < 0) {
			seccomp_release(ctx);
			return r;
		}
		r = export(b, ctx, key);
		if (r < 0)
			return r;
	}
	return 0;
}

static int rules_af(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	const char *k = "RestrictAddressFamilies";
	uint32_t no = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	uint64_t set = b->spec->restrict_af;
	int r = 0;

	if (arch == SCMP_ARCH_X86)
		return 1;   /* socketcall(2): the family is in memory */
	if (!(b->spec->restrict_af_flags & UNIT_SC_ALLOW)) {
		for (int af = 0; af < 64 && r >= 0; af++)
			if (set & (UINT64_C(1) << af))
				r = rule1(b, ctx, k, no, "socket", MASKED(0, 0xffffffffu, (unsigned)af));
		return r;
	}
	if (!set)
		return rule0(b, ctx, k, no, "socket");
	int first = __builtin_ctzll(set), last = 63 - __builtin_clzll(set);

	r = rule1(b, ctx, k, no, "socket", SCMP_A0(SCMP_CMP_LT, (unsigned)first));
	for (int af = first + 1; af < last && r >= 0; af++)
		if (!(set & (UINT64_C(1) << af)))
			r = rule1(b, ctx, k, no, "socket", SCMP_A0(SCMP_CMP_EQ, (unsigned)af));
	if (r >= 0)
		r = rule1(b, ctx, k, no, "socket", SCMP_A0(SCMP_CMP_GT, (unsigned)last));
	return r;
}

static int rules_ns(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	static const unsigned long all[] = {
		CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID,
		CLONE_NEWUSER, CLONE_NEWUTS,
	};
	const char *k = "RestrictNamespaces";
	uint32_t no = SCMP_ACT_ERRNO(EPERM);
	uint64_t allowed = b->spec->restrict_ns & UNIT_NS_FLAGS_ALL;
	/* clone(2)'s flags: the second argument on s390 */
	unsigned clone_arg = (arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X) ? 1 : 0;
	int r;

	r = rule0(b, ctx, k, SCMP_ACT_ERRNO(ENOSYS), "clone3");
	if (r >= 0)
		r = allowed ? rule1(b, ctx, k, no, "setns", MASKED(1, 0xffffffffu, 0))
			    : rule0(b, ctx, k, no, "setns");
	for (size_t i = 0; i < N_ELEM(all) && r >= 0; i++) {
		if (allowed & all[i])
			continue;
		r = rule1(b, ctx, k, no, "unshare", MASKED(0, all[i], all[i]));
		if (r >= 0)
			r = rule1(b, ctx, k, no, "clone", MASKED(clone_arg, all[i], all[i]));
		if (r >= 0 && allowed)
			r = rule1(b, ctx, k, no, "setns", MASKED(1, all[i], all[i]));
	}
	return r;
}

static int rules_mdwe(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	const char *k = "MemoryDenyWriteExecute";
	uint32_t no = SCMP_ACT_ERRNO(EPERM);
	bool x86 = arch == SCMP_ARCH_X86;
	int r = 0;

	if (x86)   /* the old mmap takes its arguments in memory */
		r = rule0(b, ctx, k, no, "mmap");
	if (r >= 0)
		r = rule1(b, ctx, k, no, x86 ? "mmap2" : "mmap",
			  MASKED(2, PROT_EXEC | PROT_WRITE, PROT_EXEC | PROT_WRITE));
	if (r >= 0)
		r = rule1(b, ctx, k, no, "mprotect", MASKED(2, PROT_EXEC, PROT_EXEC));
	if (r >= 0)
		r = rule1(b, ctx, k, no, "pkey_mprotect", MASKED(2, PROT_EXEC, PROT_EXEC));
	if (r >= 0 && !x86)   /* x86-32: shmat through ipc(2) */
		r = rule1(b, ctx, k, no, "shmat", MASKED(2, SHM_EXEC, SHM_EXEC));
	return r;
}

static int rules_realtime(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	const char *k = "RestrictRealtime";
	uint32_t no = SCMP_ACT_ERRNO(EPERM);
	int r;

	r = rule1(b, ctx, k, no, "sched_setscheduler", MASKED(1, 0xffffffffu, SCHED_FIFO));
	if (r >= 0)
		r = rule1(b, ctx, k, no, "sched_setscheduler", MASKED(1, 0xffffffffu, SCHED_RR));
	if (r >= 0)   /* SCHED_DEADLINE and what comes after; SCHED_IDLE is the highest allowed */
		r = rule1(b, ctx, k, no, "sched_setscheduler", SCMP_A1(SCMP_CMP_GT, SCHED_IDLE));
	if (r >= 0)
		r = rule0(b, ctx, k, no, "sched_setattr");
	return r;
}

static int rules_suid(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	const char *k = "RestrictSUIDSGID";
	static const struct { const char *name; unsigned mode_arg; int flags_arg; } calls[] = {
		{ "chmod", 1, -1 }, { "fchmod", 1, -1 }, { "fchmodat", 2, -1 },
		{ "fchmodat2", 2, -1 }, { "mkdir", 1, -1 }, { "mkdirat", 2, -1 },
		{ "mknod", 1, -1 }, { "mknodat", 2, -1 }, { "creat", 1, -1 },
		{ "open", 2, 1 }, { "openat", 3, 2 },
	};
	static const unsigned creating[] = { O_CREAT, O_TMPFILE & ~O_DIRECTORY };
	static const unsigned bits[] = { S_ISUID, S_ISGID };
	uint32_t no = SCMP_ACT_ERRNO(EPERM);
	int r = 0;

	for (size_t i = 0; i < N_ELEM(calls) && r >= 0; i++)
		for (size_t m = 0; m < N_ELEM(bits) && r >= 0; m++) {
			struct scmp_arg_cmp mode = MASKED(calls[i].mode_arg, bits[m], bits[m]);

			if (calls[i].flags_arg < 0) {
				r = rule1(b, ctx, k, no, calls[i].name, mode);
				continue;
			}
			for (size_t f = 0; f < N_ELEM(creating) && r >= 0; f++)
				r = rule2(b, ctx, k, no, calls[i].name,
					  MASKED((unsigned)calls[i].flags_arg, creating[f], creating[f]),
					  mode);
		}
	if (r >= 0)
		r = rule0(b, ctx, k, SCMP_ACT_ERRNO(ENOSYS), "openat2");
	return r;
}

static int rules_personality(struct build *b, scmp_filter_ctx ctx, uint32_t arch)
{
	int cur = personality(0xffffffff);

	return rule1(b, ctx, "LockPersonality", SCMP_ACT_ERRNO(EPERM), "personality",
		     SCMP_A0(SCMP_CMP_NE, (unsigned)(cur < 0 ? PER_LINUX : cur)));
}

/* The architectures to filter: this build's, only those allowed when
 * SystemCallArchitectures= is given (the native one always, x32 brings
 * x86-64, as systemd.exec(5) says). */
static void build_archs_list(struct build *b)
{
	char **want = b->spec->syscall_archs;
	bool x32 = false;

	for (size_t i = 0; want && want[i]; i++)
		if (unit_arch_token(want[i]) == SCMP_ARCH_X32)
			x32 = true;
	for (size_t i = 0; i < N_ELEM(local_archs); i++) {
		uint32_t a = local_archs[i] == SCMP_ARCH_NATIVE ? native() : local_archs[i];
		bool ok = !unit_strv_len(want) || a == native() || (x32 && a == SCMP_ARCH_X86_64);

		for (size_t j = 0; !ok && want[j]; j++)
			ok = unit_arch_token(want[j]) == a;
		if (ok)
			b->archs[b->n_archs++] = a;
	}
}

static int build_all(struct build *b, bool log)
{
	const struct unit_spec *s = b->spec;
	int r;

	build_archs_list(b);
	if ((r = build_archs(b)) < 0)
		return r;
	if (af_enforced(s) && (r = build_rules(b, "RestrictAddressFamilies", rules_af)) < 0)
		return r;
	if (ns_enforced(s) && (r = build_rules(b, "RestrictNamespaces", rules_ns)) < 0)
		return r;
	if (s->memory_deny_write_execute &&
	    (r = build_rules(b, "MemoryDenyWriteExecute", rules_mdwe)) < 0)
		return r;
	if (s->restrict_realtime && (r = build_rules(b, "RestrictRealtime", rules_realtime)) < 0)
		return r;
	if (s->restrict_suid_sgid && (r = build_rules(b, "RestrictSUIDSGID", rules_suid)) < 0)
		return r;
	if (s->lock_personality && (r = build_rules(b, "LockPersonality", rules_personality)) < 0)
		return r;
	if (log && (r = build_set(b, true)) < 0)
		return r;
	/* last: an allow-list without seccomp() must not refuse the others */
	return build_set(b, false);
}

static void spec_warn(struct unit_spec *spec, const char *msg)
{
	char *m;

	log_warn("%s: %s", spec->name, msg);
	if (unit_strv_contains(spec->warnings, msg) || !(m = strdup(msg)) ||
	    unit_strv_push(&spec->warnings, m) < 0)
		return;
}

/* Units often ask for the same filters (@system-service and the usual
 * Restrict*= set): compiled programs are kept by what they were compiled
 * from, so that a load of many alike units, or a reload, compiles each set
 * once. Bounded; the least recently used entry goes. */
#define SECCOMP_CACHE_MAX 32

struct cache_entry {
	char *key;                 /* the keys' values, canonical (cache_key) */
	size_t key_len;
	unsigned n_progs;
	uint16_t len[UNIT_SECCOMP_PROGS_MAX];
	struct sock_filter *insns;
	size_t n_insns;
	uint64_t used;
};

static struct cache_entry cache[SECCOMP_CACHE_MAX];
static uint64_t cache_clock;

struct keybuf {
	char *p;
	size_t len, size;
	bool oom;
};

static void kb_add(struct keybuf *k, const char *s, size_t n)
{
	if (k->oom)
		return;
	if (k->len + n + 1 > k->size) {
		size_t ns = (k->len + n + 1) * 2;
		char *np = realloc(k->p, ns);

		if (!np) {
			k->oom = true;
			return;
		}
		k->p = np;
		k->size = ns;
	}
	memcpy(k->p + k->len, s, n);
	k->len += n;
	k->p[k->len] = '\0';
}

static void kb_strv(struct keybuf *k, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++) {
		kb_add(k, v[i], strlen(v[i]));
		kb_add(k, " ", 1);
	}
	kb_add(k, "|", 1);
}

/* Everything the programs depend on, as one string (NULL: no memory). */
static char *cache_key(const struct unit_spec *s, bool log, size_t *ret_len)
{
	struct keybuf k = { 0 };
	char num[160];

	snprintf(num, sizeof(num), "%u %u %d %llx %u %llx %u %d%d%d%d %d|",
		 s->syscall_filter_flags, log ? s->syscall_log_flags : 0, s->syscall_errno,
		 (unsigned long long)s->restrict_af, s->restrict_af_flags,
		 (unsigned long long)s->restrict_ns, s->restrict_ns_flags,
		 s->memory_deny_write_execute, s->restrict_realtime, s->restrict_suid_sgid,
		 s->lock_personality, personality(0xffffffff));
	kb_add(&k, num, strlen(num));
	kb_strv(&k, s->syscall_filter);
	kb_strv(&k, log ? s->syscall_log : NULL);
	kb_strv(&k, s->syscall_archs);
	if (k.oom) {
		free(k.p);
		return NULL;
	}
	*ret_len = k.len;
	return k.p;
}

static int prog_copy(struct unit_seccomp *dst, unsigned n_progs, const uint16_t *len,
		     const struct sock_filter *insns, size_t n_insns)
{
	if (!n_progs)
		return 0;   /* the keys filter nothing (a deny-list emptied again) */
	dst->insns = malloc(n_insns * sizeof(*insns));
	if (!dst->insns)
		return -ENOMEM;
	memcpy(dst->insns, insns, n_insns * sizeof(*insns));
	memcpy(dst->len, len, n_progs * sizeof(*len));
	dst->n_progs = n_progs;
	return 0;
}

void seccomp_unit_compile(struct unit_spec *spec)
{
	struct build b = { .spec = spec };
	struct cache_entry *victim = &cache[0];
	bool log = spec->syscall_log_flags & UNIT_SC_GIVEN;
	size_t key_len = 0;
	char *key;

	free(spec->seccomp.insns);
	memset(&spec->seccomp, 0, sizeof(spec->seccomp));
	spec->seccomp.compiled = true;
	if (!seccomp_unit_wanted(spec))
		return;
	if (log && seccomp_api_get() < 3) {
		/* no SECCOMP_RET_LOG: the calls are not logged, nothing else changes */
		spec_warn(spec, "SystemCallLog=: the kernel cannot log system calls: ignored");
		log = false;
	}
	key = cache_key(spec, log, &key_len);
	for (size_t i = 0; key && i < SECCOMP_CACHE_MAX; i++) {
		struct cache_entry *e = &cache[i];

		if (e->key && e->key_len == key_len && memcmp(e->key, key, key_len) == 0) {
			e->used = ++cache_clock;
			free(key);
			if (prog_copy(&spec->seccomp, e->n_progs, e->len, e->insns, e->n_insns) < 0)
				goto oom;
			return;
		}
		if (!e->key || e->used < victim->used)
			victim = e;
		if (!e->key)
			break;
	}
	if (build_all(&b, log) < 0) {
		snprintf(spec->seccomp.error, sizeof(spec->seccomp.error), "seccomp: %s", b.err);
		log_warn("%s: %s", spec->name, spec->seccomp.error);
		free(b.insns);
		free(key);
		return;
	}
	if (prog_copy(&spec->seccomp, b.n_progs, b.len, b.insns, b.n_insns) < 0) {
		free(b.insns);
		free(key);
		goto oom;
	}
	log_debug("%s: seccomp: %u programs, %zu instructions", spec->name, b.n_progs, b.n_insns);
	if (!key) {
		free(b.insns);
		return;
	}
	free(victim->key);
	free(victim->insns);
	*victim = (struct cache_entry){
		.key = key, .key_len = key_len, .n_progs = b.n_progs, .insns = b.insns,
		.n_insns = b.n_insns, .used = ++cache_clock,
	};
	memcpy(victim->len, b.len, sizeof(b.len));
	return;
oom:
	snprintf(spec->seccomp.error, sizeof(spec->seccomp.error), "seccomp: %s", strerror(ENOMEM));
	log_warn("%s: %s", spec->name, spec->seccomp.error);
}

/* Does svcinit itself have CAP_SYS_ADMIN in its effective set? */
static bool self_has_sys_admin(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		if (cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v) < 0)
			v = CAP_CLEAR;
		cap_free(caps);
	}
	return v == CAP_SET;
}

int seccomp_unit_plan(const struct unit_spec *spec, struct exec_plan *plan, char *err, size_t errlen)
{
	bool keeps_admin;

	if (!spec->seccomp.compiled)
		return 0;   /* not loaded through seccomp_unit_compile: no filter */
	if (spec->seccomp.error[0]) {
		snprintf(err, errlen, "%s", spec->seccomp.error);
		return -EINVAL;
	}
	if (!spec->seccomp.n_progs)
		return 0;
	plan->seccomp = &spec->seccomp;
	/* as systemd: no_new_privs unless the process holds CAP_SYS_ADMIN
	 * when it loads the filters, after the switch to the unit's ids */
	if (plan->set_caps)
		keeps_admin = plan->cap_effective & (UINT64_C(1) << CAP_SYS_ADMIN);
	else if (plan->set_ids && plan->uid != 0)
		keeps_admin = false;
	else
		keeps_admin = self_has_sys_admin();
	if (!keeps_admin)
		plan->no_new_privs = true;
	return 0;
}

int seccomp_child_load(const struct exec_plan *plan)
{
	const struct unit_seccomp *s = plan->seccomp;
	const struct sock_filter *f;

	if (!s)
		return 0;
	f = s->insns;
	for (unsigned i = 0; i < s->n_progs; i++) {
		struct sock_fprog prog = { .len = s->len[i], .filter = (struct sock_filter *)f };

		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
		    (errno != ENOSYS || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0))
			return -errno;
		f += s->len[i];
	}
	return 0;
}
