/* SPDX-License-Identifier: MIT */
/*
 * failmalloc.so: an LD_PRELOAD shim that makes malloc, calloc, realloc (and
 * what glibc builds on them: strdup, asprintf, fopen, opendir, ...) fail with
 * ENOMEM on purpose, to drive svcinit through its allocation-failure paths.
 *
 * It is active only in a process whose /proc/self/exe ends in
 * FAILMALLOC_TARGET ("/svcinit" by default), so `unshare ... svcinit` can run
 * with it in the environment: unshare ignores it. In the target it removes
 * LD_PRELOAD and every FAILMALLOC_* variable from the environment at load
 * time, so nothing svcinit executes inherits it (units get an environment
 * of their own anyway; an entrypoint COMMAND gets svcinit's).
 *
 *   FAILMALLOC_TARGET=/svcinit  suffix of /proc/self/exe that activates it
 *   FAILMALLOC_AFTER=N          the first N calls never fail (default 0)
 *   FAILMALLOC_EVERY=M          then every M-th call fails (0: not by count)
 *   FAILMALLOC_PROB=P           ... or each call fails with probability P
 *                               (0 to 1, e.g. 0.05)
 *   FAILMALLOC_SEED=S           seed of the generator (default 1)
 *   FAILMALLOC_ARM=PATH         fail only while PATH exists (looked at on
 *                               every call while it exists, every 64 calls
 *                               while it does not): a test boots cleanly, creates
 *                               PATH, drives requests, removes it, checks
 *                               the recovery. PATH may hold "every=M" and/or
 *                               "prob=P" (a decimal 0.xxx or 1): they
 *                               replace the environment's while it exists
 *   FAILMALLOC_STATS=PATH       rewritten on every injected failure:
 *                               "calls N failed N\n" (opened close-on-exec)
 *
 * Only system calls, dladdr(3) and our own code run inside the wrappers (no
 * stdio, no allocation): they sit under every allocation of the process.
 * Build: make build/fault/failmalloc.so (mk/fault.mk); used by
 * tests/integration/test_faults.py::test_malloc_failures.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The allocator underneath: the next one in the lookup order, so that under
 * ASan (svcinit built with SANITIZE=1, run with
 * ASAN_OPTIONS=verify_asan_link_order=0) it is ASan's, else glibc's. */
static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);

static struct {
	int active;
	int armed;                /* the ARM file exists (or none is used) */
	unsigned long after, every, env_every;
	uint32_t prob, env_prob;  /* out of 2^32-1; 0: not by chance */
	uint64_t rng;
	char arm[512];
	char stats[512];
	int stats_fd;
	unsigned long calls, failed, since_check;
} F = { .stats_fd = -1, .armed = 1, .rng = 1 };

static unsigned long env_ul(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return dflt;
	n = strtoul(v, &end, 10);
	return *end ? dflt : n;
}

static void env_copy(const char *name, char *buf, size_t len)
{
	const char *v = getenv(name);
	size_t n;

	buf[0] = '\0';
	if (!v)
		return;
	n = strlen(v);
	if (n >= len)
		return;
	memcpy(buf, v, n + 1);
}

static int exe_matches(const char *suffix)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t s = strlen(suffix);

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	/* a binary replaced on disk reads "PATH (deleted)" */
	if ((size_t)n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
		exe[n -= 10] = '\0';
	return (size_t)n >= s && strcmp(exe + n - s, suffix) == 0;
}

static uint32_t rng_next(void)
{
	/* xorshift64*, plenty for picking calls */
	F.rng ^= F.rng >> 12;
	F.rng ^= F.rng << 25;
	F.rng ^= F.rng >> 27;
	return (uint32_t)((F.rng * 2685821657736338717ULL) >> 32);
}

/* dlsym may allocate before the pointers are known: serve that from here
 * (never freed: the lookup's own buffers live as long as the process). */
static char boot_arena[8192] __attribute__((aligned(16)));
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t size)
{
	size_t n = (size + 15) & ~(size_t)15;

	if (boot_used + n > sizeof(boot_arena))
		return NULL;
	boot_used += n;
	return memset(boot_arena + boot_used - n, 0, n);
}

static int resolve(void)
{
	if (next_malloc && next_calloc && next_realloc)
		return 0;
	if (resolving)
		return -1;
	resolving = 1;
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	resolving = 0;
	return next_malloc && next_calloc && next_realloc ? 0 : -1;
}

/* "0.25" / "1" / ".5" into a probability out of 2^32-1; no libc
 * conversion (it might allocate). */
static uint32_t parse_prob(const char *s, const char *end)
{
	double v = 0, scale = 1;
	int frac = 0;

	for (; s < end && ((*s >= '0' && *s <= '9') || *s == '.'); s++) {
		if (*s == '.') {
			frac = 1;
			continue;
		}
		if (frac) {
			scale /= 10;
			v += (*s - '0') * scale;
		} else {
			v = v * 10 + (*s - '0');
		}
	}
	if (v <= 0)
		return 0;
	return v >= 1 ? UINT32_MAX : (uint32_t)(v * 4294967295.0);
}

static const char *find_key(const char *buf, const char *end, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = buf; p + k <= end; p++)
		if ((p == buf || p[-1] == ' ' || p[-1] == '\n') && memcmp(p, key, k) == 0)
			return p + k;
	return NULL;
}

/* Is the ARM file there? If it holds settings, take them. */
static void arm_check(void)
{
	char buf[128];
	const char *v, *end;
	ssize_t n;
	int fd = open(F.arm, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	F.armed = fd >= 0;
	F.every = F.env_every;
	F.prob = F.env_prob;
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	if (n <= 0)
		return;
	end = buf + n;
	if ((v = find_key(buf, end, "every="))) {
		F.every = 0;
		for (; v < end && *v >= '0' && *v <= '9'; v++)
			F.every = F.every * 10 + (unsigned long)(*v - '0');
		F.prob = 0;
	}
	if ((v = find_key(buf, end, "prob="))) {
		F.prob = parse_prob(v, end);
		if (!find_key(buf, end, "every="))
			F.every = 0;
	}
}

__attribute__((constructor)) static void failmalloc_init(void)
{
	static const char *const vars[] = {
		"LD_PRELOAD", "FAILMALLOC_TARGET", "FAILMALLOC_AFTER", "FAILMALLOC_EVERY",
		"FAILMALLOC_PROB", "FAILMALLOC_SEED", "FAILMALLOC_ARM", "FAILMALLOC_STATS",
	};
	const char *target = getenv("FAILMALLOC_TARGET");
	const char *prob = getenv("FAILMALLOC_PROB");

	(void)resolve();
	if (!exe_matches(target && *target ? target : "/svcinit"))
		return;
	F.after = env_ul("FAILMALLOC_AFTER", 0);
	F.env_every = F.every = env_ul("FAILMALLOC_EVERY", 0);
	if (prob && *prob)
		F.env_prob = F.prob = parse_prob(prob, prob + strlen(prob));
	F.rng = env_ul("FAILMALLOC_SEED", 1) * 0x9E3779B97F4A7C15ULL + 1;
	env_copy("FAILMALLOC_ARM", F.arm, sizeof(F.arm));
	env_copy("FAILMALLOC_STATS", F.stats, sizeof(F.stats));
	if (F.arm[0])
		arm_check();
	/* nothing started from here inherits the shim */
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		(void)unsetenv(vars[i]);
	F.active = 1;
}

static void stats_write(void)
{
	char buf[96], num[24];
	size_t len = 0;
	unsigned long v[2] = { F.calls, F.failed };
	const char *label[2] = { "calls ", " failed " };

	if (!F.stats[0])
		return;
	if (F.stats_fd < 0) {
		F.stats_fd = open(F.stats, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (F.stats_fd < 0) {
			F.stats[0] = '\0';
			return;
		}
	}
	for (int k = 0; k < 2; k++) {
		size_t n = 0, l = strlen(label[k]);
		unsigned long x = v[k];

		memcpy(buf + len, label[k], l);
		len += l;
		do {
			num[n++] = (char)('0' + x % 10);
			x /= 10;
		} while (x);
		while (n)
			buf[len++] = num[--n];
	}
	buf[len++] = '\n';
	(void)ftruncate(F.stats_fd, 0);
	(void)pwrite(F.stats_fd, buf, len, 0);
}

/* Should this call fail? */
static int fail_now(size_t size)
{
	int fail = 0;

	if (!F.active || size == 0)
		return 0;
	F.calls++;
	/* armed: look every call, so that removing ARM stops the failures at
	 * once; disarmed: every 64 calls is soon enough */
	if (F.arm[0] && (F.armed || ++F.since_check >= 64)) {
		int saved = errno;

		F.since_check = 0;
		arm_check();
		errno = saved;
	}
	if (!F.armed || F.calls <= F.after)
		return 0;
	if (F.every && (F.calls - F.after) % F.every == 0)
		fail = 1;
	if (F.prob && rng_next() <= F.prob)
		fail = 1;
	if (fail) {
		int saved = errno;

		F.failed++;
		stats_write();
		errno = saved;
	}
	return fail;
}

/* glibc 2.36's vasprintf writes one byte past its 100-byte buffer when its
 * final realloc fails (libio/vasprintf.c: it falls back to the old buffer
 * and stores the NUL at [needed - 1]; rewritten in 2.37): an overflow of
 * glibc's, not of the program's, and under ASan it ends the program. So a
 * realloc called from inside libc itself is never failed; its mallocs are. */
static int from_libc(void *caller)
{
	Dl_info info;
	const char *f, *base;

	if (!caller || !dladdr(caller, &info) || !info.dli_fname)
		return 0;
	f = info.dli_fname;
	base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0;
}

void *malloc(size_t size)
{
	if (resolve() < 0)
		return boot_alloc(size);
	if (fail_now(size)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		total = 1;   /* calloc itself fails it; counting it is harmless */
	if (resolve() < 0)
		return boot_alloc(total);
	if (fail_now(total)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (resolve() < 0)
		return p ? NULL : boot_alloc(size);
	/* realloc(p, 0) frees: never "fails"; nor does one of glibc's own (see
	 * from_libc) */
	if (!from_libc(__builtin_return_address(0)) && fail_now(size)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_realloc(p, size);
}

void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}
