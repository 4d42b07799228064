/* SPDX-License-Identifier: MIT */
/*
 * condition.c: Condition*= and Assert*=, as systemd.unit(5) documents them.
 * See condition.h for the rules and why svc.c runs this in a child.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "services/condition.h"
#include "units/value.h"

extern char **environ;

/* ---- small helpers --------------------------------------------------------- */

/* root + path into buf */
static const char *sys_path(const struct cond_env *env, const char *path, char *buf, size_t len)
{
	const char *root = env && env->root ? env->root : "";

	if ((size_t)snprintf(buf, len, "%s%s", root, path) >= len)
		return NULL;
	return buf;
}

/* The whole of a small system file (at most len-1 bytes), NUL-terminated;
 * -errno. */
static int read_sys(const struct cond_env *env, const char *path, char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n;
	size_t off = 0;
	int fd;

	if (!sys_path(env, path, p, sizeof(p)))
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (off < len - 1 && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	(void)close(fd);
	buf[off] = '\0';
	return (int)off;
}

static bool sys_exists(const struct cond_env *env, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	return sys_path(env, path, p, sizeof(p)) && stat(p, &st) == 0;
}

static void strip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* ---- splitting and operators ----------------------------------------------- */

int condition_split(const char *entry, struct cond_item *ret)
{
	const char *eq = strchr(entry, '='), *k;
	size_t n;

	memset(ret, 0, sizeof(*ret));
	if (!eq)
		return -EINVAL;
	if (strncmp(entry, "Condition", 9) == 0)
		k = entry + 9;
	else if (strncmp(entry, "Assert", 6) == 0) {
		k = entry + 6;
		ret->assert = true;
	} else
		return -EINVAL;
	n = (size_t)(eq - k);
	if (n == 0 || n >= sizeof(ret->kind))
		return -EINVAL;
	memcpy(ret->kind, k, n);
	ret->kind[n] = '\0';
	k = eq + 1;
	if (*k == '|') {
		ret->trigger = true;
		k++;
	}
	if (*k == '!') {
		ret->negate = true;
		k++;
	}
	while (*k == ' ' || *k == '\t')
		k++;
	ret->param = k;
	return 0;
}

int condition_op(const char *s, bool string_ops, const char **ret_rest)
{
	static const struct { const char *op; int v; bool str; } ops[] = {
		{ "!$=", COND_OP_NOT_GLOB, true }, { "<=", COND_OP_LE, false },
		{ ">=", COND_OP_GE, false }, { "==", COND_OP_EQ, false },
		{ "<>", COND_OP_NE, false }, { "!=", COND_OP_STR_NE, true },
		{ "$=", COND_OP_GLOB, true }, { "<", COND_OP_LT, false },
		{ ">", COND_OP_GT, false }, { "=", COND_OP_STR_EQ, true },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].op);

		if (strncmp(s, ops[i].op, n) != 0)
			continue;
		*ret_rest = s + n;
		while (**ret_rest == ' ' || **ret_rest == '\t')
			(*ret_rest)++;
		if (!string_ops && ops[i].str) {
			/* the numeric kinds read "=" and "!=" as numbers */
			if (ops[i].v == COND_OP_STR_EQ)
				return COND_OP_EQ;
			if (ops[i].v == COND_OP_STR_NE)
				return COND_OP_NE;
			return -1;
		}
		return ops[i].v;
	}
	*ret_rest = s;
	return -1;
}

static bool cmp_holds(int op, int c)
{
	switch (op) {
	case COND_OP_LT: return c < 0;
	case COND_OP_LE: return c <= 0;
	case COND_OP_EQ: case COND_OP_STR_EQ: return c == 0;
	case COND_OP_NE: case COND_OP_STR_NE: return c != 0;
	case COND_OP_GE: return c >= 0;
	case COND_OP_GT: return c > 0;
	}
	return false;
}

/* systemd's strverscmp_improved, in short: runs of digits compare as
 * numbers, runs of letters as strings, '~' sorts before everything (even
 * the end), '-' and '^' separate, other characters are skipped. */
int condition_version_cmp(const char *a, const char *b)
{
	for (;;) {
		while (*a && !isalnum((unsigned char)*a) && *a != '~' && *a != '-' && *a != '^')
			a++;
		while (*b && !isalnum((unsigned char)*b) && *b != '~' && *b != '-' && *b != '^')
			b++;
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		if (!*a || !*b)
			return (*a != '\0') - (*b != '\0');
		if (*a == '-' || *b == '-') {
			if (*a != '-')
				return 1;
			if (*b != '-')
				return -1;
			a++, b++;
			continue;
		}
		if (*a == '^' || *b == '^') {
			if (*a != '^')
				return 1;
			if (*b != '^')
				return -1;
			a++, b++;
			continue;
		}
		if (isdigit((unsigned char)*a) || isdigit((unsigned char)*b)) {
			size_t na, nb;
			int r;

			if (!isdigit((unsigned char)*a))
				return -1;   /* letters before digits, as rpm */
			if (!isdigit((unsigned char)*b))
				return 1;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (na = 0; isdigit((unsigned char)a[na]); na++)
				;
			for (nb = 0; isdigit((unsigned char)b[nb]); nb++)
				;
			if (na != nb)
				return na < nb ? -1 : 1;
			r = strncmp(a, b, na);
			if (r)
				return r < 0 ? -1 : 1;
			a += na, b += nb;
			continue;
		}
		{
			size_t na, nb, m;
			int r;

			for (na = 0; isalpha((unsigned char)a[na]); na++)
				;
			for (nb = 0; isalpha((unsigned char)b[nb]); nb++)
				;
			m = na < nb ? na : nb;
			r = strncmp(a, b, m);
			if (r)
				return r < 0 ? -1 : 1;
			if (na != nb)
				return na < nb ? -1 : 1;
			a += na, b += nb;
		}
	}
}

/* "OP VALUE" against have; no operator: default_op. */
static bool version_matches(const char *have, const char *expr, int default_op)
{
	const char *v;
	int op = condition_op(expr, true, &v);

	if (op < 0)
		op = default_op;
	switch (op) {
	case COND_OP_STR_EQ: return strcmp(have, v) == 0;
	case COND_OP_STR_NE: return strcmp(have, v) != 0;
	case COND_OP_GLOB: return fnmatch(v, have, 0) == 0;
	case COND_OP_NOT_GLOB: return fnmatch(v, have, 0) != 0;
	default: return cmp_holds(op, condition_version_cmp(have, v));
	}
}

/* ---- the tests, kind by kind ------------------------------------------------ */

static int test_path(const struct cond_item *c)
{
	const char *p = c->param;
	struct stat st;

	if (strcmp(c->kind, "PathExists") == 0)
		return stat(p, &st) == 0;
	if (strcmp(c->kind, "PathExistsGlob") == 0) {
		glob_t g;
		int r = glob(p, GLOB_NOSORT | GLOB_BRACE, NULL, &g);

		globfree(&g);
		return r == 0;
	}
	if (strcmp(c->kind, "PathIsSymbolicLink") == 0)
		return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
	if (stat(p, &st) < 0)
		return 0;
	if (strcmp(c->kind, "PathIsDirectory") == 0)
		return S_ISDIR(st.st_mode);
	if (strcmp(c->kind, "FileNotEmpty") == 0)
		return S_ISREG(st.st_mode) && st.st_size > 0;
	if (strcmp(c->kind, "FileIsExecutable") == 0)
		return S_ISREG(st.st_mode) && (st.st_mode & 0111);
	if (strcmp(c->kind, "PathIsReadWrite") == 0) {
		struct statvfs vfs;

		if (statvfs(p, &vfs) < 0)
			return -errno;
		return !(vfs.f_flag & ST_RDONLY);
	}
	if (strcmp(c->kind, "DirectoryNotEmpty") == 0) {
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
		DIR *d;
		struct dirent *e;
		int r = 0;

		if (fd < 0)
			return 0;   /* not a directory (or none): not met */
		d = fdopendir(fd);
		if (!d) {
			(void)close(fd);
			return -errno;
		}
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				r = 1;
				break;
			}
		(void)closedir(d);
		return r;
	}
	if (strcmp(c->kind, "PathIsMountPoint") == 0) {
		struct statx sx;
		struct stat up;
		char parent[PATH_MAX];

		if (statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx) == 0 &&
		    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
			return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
		if ((size_t)snprintf(parent, sizeof(parent), "%s/..", p) >= sizeof(parent))
			return -ENAMETOOLONG;
		if (stat(parent, &up) < 0)
			return -errno;
		return st.st_dev != up.st_dev || st.st_ino == up.st_ino;
	}
	if (strcmp(c->kind, "PathIsEncrypted") == 0) {
		char sysp[128], uuid[128];
		int fd;
		ssize_t n;

		if (major(st.st_dev) == 0)
			return 0;   /* no block device (tmpfs, overlay, ...) */
		snprintf(sysp, sizeof(sysp), "/sys/dev/block/%u:%u/dm/uuid", major(st.st_dev),
			 minor(st.st_dev));
		fd = open(sysp, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		n = read(fd, uuid, sizeof(uuid) - 1);
		(void)close(fd);
		return n > 6 && strncmp(uuid, "CRYPT-", 6) == 0;
	}
	return -EOPNOTSUPP;
}

static bool is_path_kind(const char *k)
{
	return strncmp(k, "Path", 4) == 0 || strcmp(k, "DirectoryNotEmpty") == 0 ||
	       strcmp(k, "FileNotEmpty") == 0 || strcmp(k, "FileIsExecutable") == 0;
}

/* /proc/cmdline, or PID 1's in a container (as systemd). The words in
 * words[] point into buf. */
static int cmdline_words(const struct cond_env *env, char *buf, size_t len, char **words,
			 size_t max)
{
	size_t n = 0;
	char *save = NULL;
	int r = read_sys(env, "/proc/cmdline", buf, len);

	if (r < 0)
		return r;
	for (char *w = strtok_r(buf, " \t\n", &save); w && n < max; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	return (int)n;
}

/* The value of systemd.KEY= on the kernel command line: 1/0, -ENOENT. */
static int cmdline_bool(const struct cond_env *env, const char *key)
{
	char buf[4096], *w[256];
	int n = cmdline_words(env, buf, sizeof(buf), w, 256), r = -ENOENT;
	size_t kl = strlen(key);

	for (int i = 0; i < n; i++) {
		bool b;

		if (strncmp(w[i], key, kl) == 0 && w[i][kl] == '=' &&
		    unit_parse_bool(w[i] + kl + 1, &b) == 0)
			r = b;   /* the last one wins */
	}
	return r;
}

static int test_cmdline(const struct cond_item *c, const struct cond_env *env)
{
	char buf[4096], *w[256];
	int n = cmdline_words(env, buf, sizeof(buf), w, 256);
	bool assign = strchr(c->param, '=') != NULL;
	size_t pl = strlen(c->param);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (assign ? strcmp(w[i], c->param) == 0 :
			     strncmp(w[i], c->param, pl) == 0 && (w[i][pl] == '\0' || w[i][pl] == '='))
			return 1;
	}
	return 0;
}

static int test_kernel_version(const struct cond_item *c)
{
	struct utsname u;
	char **words = NULL;
	const char *err;
	int r;

	if (uname(&u) < 0)
		return -errno;
	r = unit_split_words(c->param, &words, &err);
	if (r < 0)
		return r;
	r = 1;
	for (size_t i = 0; words[i]; i++)
		if (!version_matches(u.release, words[i], COND_OP_GLOB)) {
			r = 0;
			break;
		}
	unit_strv_free(words);
	return r;
}

static int test_environment(const struct cond_item *c, const struct cond_env *env)
{
	char *const *e = env && env->envp ? env->envp : environ;
	const char *eq = strchr(c->param, '=');
	size_t n = eq ? strlen(c->param) : strlen(c->param);

	for (size_t i = 0; e && e[i]; i++) {
		if (eq ? strcmp(e[i], c->param) == 0 :
			 strncmp(e[i], c->param, n) == 0 && e[i][n] == '=')
			return 1;
	}
	return 0;
}

static const char *native_arch(void)
{
#if defined(__x86_64__)
	return "x86-64";
#elif defined(__i386__)
	return "x86";
#elif defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return "arm64-be";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return "arm-be";
#elif defined(__arm__)
	return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64-le";
#elif defined(__powerpc64__)
	return "ppc64";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__loongarch64)
	return "loongarch64";
#else
	return "unknown";
#endif
}

/* uname's machine in systemd's words. */
static const char *uname_arch(const char *m)
{
	static const struct { const char *m, *a; } map[] = {
		{ "x86_64", "x86-64" }, { "i386", "x86" }, { "i486", "x86" }, { "i586", "x86" },
		{ "i686", "x86" }, { "aarch64", "arm64" }, { "aarch64_be", "arm64-be" },
		{ "ppc64le", "ppc64-le" }, { "ppc64", "ppc64" }, { "ppcle", "ppc-le" },
		{ "ppc", "ppc" }, { "s390x", "s390x" }, { "s390", "s390" }, { "riscv64", "riscv64" },
		{ "riscv32", "riscv32" }, { "mips64", "mips64" }, { "mips", "mips" },
		{ "loongarch64", "loongarch64" }, { "alpha", "alpha" }, { "ia64", "ia64" },
		{ "parisc64", "parisc64" }, { "parisc", "parisc" }, { "sparc64", "sparc64" },
		{ "sparc", "sparc" }, { "m68k", "m68k" }, { "sh", "sh" }, { "sh64", "sh64" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(m, map[i].m) == 0)
			return map[i].a;
	if (strncmp(m, "arm", 3) == 0)
		return m[strlen(m) - 1] == 'b' ? "arm-be" : "arm";
	return m;
}

static int test_architecture(const struct cond_item *c)
{
	struct utsname u;
	const char *want = strcmp(c->param, "native") == 0 ? native_arch() : c->param;

	if (uname(&u) < 0)
		return -errno;
	return strcmp(uname_arch(u.machine), want) == 0;
}

/* The container manager, as systemd-detect-virt --container: "" for none. */
static void detect_container(const struct cond_env *env, char *buf, size_t len)
{
	char b[4096];
	int n;

	buf[0] = '\0';
	if (read_sys(env, "/run/systemd/container", b, sizeof(b)) > 0) {
		strip(b);
		snprintf(buf, len, "%.63s", b);
		return;
	}
	n = read_sys(env, "/proc/1/environ", b, sizeof(b));
	for (int i = 0; i < n; i += (int)strlen(b + i) + 1)
		if (strncmp(b + i, "container=", 10) == 0) {
			snprintf(buf, len, "%.63s", b + i + 10);
			return;
		}
	if (sys_exists(env, "/.dockerenv"))
		snprintf(buf, len, "docker");
	else if (sys_exists(env, "/run/.containerenv"))
		snprintf(buf, len, "podman");
	else if (read_sys(env, "/proc/vz/version", b, sizeof(b)) < 0 && sys_exists(env, "/proc/vz"))
		snprintf(buf, len, "openvz");
	else if (read_sys(env, "/proc/sys/kernel/osrelease", b, sizeof(b)) > 0 &&
		 (strstr(b, "Microsoft") || strstr(b, "WSL")))
		snprintf(buf, len, "wsl");
}

/* The hypervisor, as systemd-detect-virt --vm (DMI and CPUID's flag): "" for none. */
static void detect_vm(const struct cond_env *env, char *buf, size_t len)
{
	static const struct { const char *needle, *id; } dmi[] = {
		{ "KVM", "kvm" }, { "OpenStack", "kvm" }, { "KubeVirt", "kvm" },
		{ "Amazon EC2", "amazon" }, { "QEMU", "qemu" }, { "VMware", "vmware" },
		{ "VMW", "vmware" }, { "innotek GmbH", "oracle" }, { "VirtualBox", "oracle" },
		{ "Oracle Corporation", "oracle" }, { "Xen", "xen" }, { "Bochs", "bochs" },
		{ "Parallels", "parallels" }, { "BHYVE", "bhyve" }, { "Hyper-V", "microsoft" },
		{ "Apple Virtualization", "apple" }, { "Google Compute Engine", "google" },
	};
	static const char *const files[] = {
		"/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor",
		"/sys/class/dmi/id/board_vendor", "/sys/class/dmi/id/bios_vendor",
		"/sys/class/dmi/id/product_version",
	};
	char b[8192];

	buf[0] = '\0';
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		if (read_sys(env, files[f], b, sizeof(b)) <= 0)
			continue;
		for (size_t i = 0; i < sizeof(dmi) / sizeof(dmi[0]); i++)
			if (strncmp(b, dmi[i].needle, strlen(dmi[i].needle)) == 0) {
				snprintf(buf, len, "%s", dmi[i].id);
				return;
			}
	}
	if (read_sys(env, "/sys/hypervisor/type", b, sizeof(b)) > 0 && strncmp(b, "xen", 3) == 0) {
		snprintf(buf, len, "xen");
		return;
	}
	if (read_sys(env, "/proc/cpuinfo", b, sizeof(b)) > 0) {
		const char *fl = strstr(b, "\nflags");
		const char *end = fl ? strchr(fl + 1, '\n') : NULL;
		const char *h = fl ? strstr(fl, " hypervisor") : NULL;

		if (h && (!end || h < end))
			snprintf(buf, len, "vm-other");
	}
}

static bool private_users(const struct cond_env *env)
{
	char b[512];
	unsigned long inside, outside, count;

	if (read_sys(env, "/proc/self/uid_map", b, sizeof(b)) <= 0 ||
	    sscanf(b, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return false;
	/* the initial namespace maps everything: "0 0 4294967295" */
	return !(inside == 0 && outside == 0 && count == 4294967295UL);
}

static int test_virtualization(const struct cond_item *c, const struct cond_env *env)
{
	char ct[64], vm[64];
	bool b;

	if (strcmp(c->param, "private-users") == 0)
		return private_users(env);
	detect_container(env, ct, sizeof(ct));
	if (strcmp(c->param, "container") == 0)
		return ct[0] != '\0';
	if (ct[0]) {
		/* nested: only the innermost counts */
		if (strcmp(c->param, "vm") == 0)
			return 0;
		if (unit_parse_bool(c->param, &b) == 0)
			return b;
		return strcmp(c->param, ct) == 0;
	}
	detect_vm(env, vm, sizeof(vm));
	if (strcmp(c->param, "vm") == 0)
		return vm[0] != '\0';
	if (unit_parse_bool(c->param, &b) == 0)
		return b == (vm[0] != '\0');
	return vm[0] && strcmp(c->param, vm) == 0;
}

static int test_host(const struct cond_item *c, const struct cond_env *env)
{
	char host[256], id[64];
	size_t n = strlen(c->param);
	bool is_id = n == 32;

	for (size_t i = 0; is_id && i < n; i++)
		is_id = isxdigit((unsigned char)c->param[i]);
	if (is_id && read_sys(env, "/etc/machine-id", id, sizeof(id)) > 0) {
		strip(id);
		if (strcasecmp(id, c->param) == 0)
			return 1;
	}
	if (env && env->hostname)
		snprintf(host, sizeof(host), "%s", env->hostname);
	else if (gethostname(host, sizeof(host)) < 0)
		return -errno;
	host[sizeof(host) - 1] = '\0';
	return fnmatch(c->param, host, FNM_CASEFOLD) == 0;
}

static int test_user(const struct cond_item *c)
{
	char *end;
	unsigned long id;
	struct passwd *pw;

	if (strcmp(c->param, "@system") == 0)
		return getuid() <= 999 && geteuid() <= 999;
	errno = 0;
	id = strtoul(c->param, &end, 10);
	if (!errno && end != c->param && !*end)
		return id == getuid() || id == geteuid();
	pw = getpwnam(c->param);   /* in the checking child only */
	if (!pw)
		return 0;
	return pw->pw_uid == getuid() || pw->pw_uid == geteuid();
}

static int test_group(const struct cond_item *c)
{
	char *end;
	unsigned long id;
	gid_t g, list[256];
	int n;

	errno = 0;
	id = strtoul(c->param, &end, 10);
	if (!errno && end != c->param && !*end) {
		g = (gid_t)id;
	} else {
		struct group *gr = getgrnam(c->param);   /* in the checking child only */

		if (!gr)
			return 0;
		g = gr->gr_gid;
	}
	if (g == getgid() || g == getegid())
		return 1;
	n = getgroups(256, list);
	for (int i = 0; i < n; i++)
		if (list[i] == g)
			return 1;
	return 0;
}

static int test_capability(const struct cond_item *c)
{
	cap_value_t v;

	if (cap_from_name(c->param, &v) < 0)
		return -EINVAL;
	return prctl(PR_CAPBSET_READ, (unsigned long)v, 0, 0, 0) == 1;
}

static int test_cgroup_controller(const struct cond_item *c, const struct cond_env *env)
{
	static const char *const known[] = {
		"cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids",
	};
	char have[1024], **words = NULL;
	const char *err;
	bool v2 = read_sys(env, "/sys/fs/cgroup/cgroup.controllers", have, sizeof(have)) >= 0;
	int r;

	if (strcmp(c->param, "v2") == 0)
		return v2;
	if (strcmp(c->param, "v1") == 0)
		return !v2;
	if (!v2) {
		char b[4096];

		if (read_sys(env, "/proc/cgroups", b, sizeof(b)) < 0)
			return -ENOENT;
		/* "name hierarchy num_cgroups enabled" lines: keep the enabled names */
		have[0] = '\0';
		for (char *save = NULL, *l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char name[64];
			int h, num, en;

			if (sscanf(l, "%63s %d %d %d", name, &h, &num, &en) == 4 && en &&
			    strlen(have) + strlen(name) + 2 < sizeof(have)) {
				strcat(have, " ");
				strcat(have, name);
			}
		}
	}
	r = unit_split_words(c->param, &words, &err);
	if (r < 0)
		return r;
	r = 1;
	for (size_t i = 0; words[i] && r; i++) {
		bool is_known = false, found = false;
		char h[sizeof(have)], *save = NULL;

		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			is_known = is_known || strcmp(words[i], known[k]) == 0;
		if (!is_known)
			continue;   /* controllers systemd does not know are ignored */
		snprintf(h, sizeof(h), "%s", have);
		for (char *w = strtok_r(h, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
			found = found || strcmp(w, words[i]) == 0;
		r = found;
	}
	unit_strv_free(words);
	return r;
}

static int test_security(const struct cond_item *c, const struct cond_env *env)
{
	const char *p = c->param;
	char b[64];

	if (strcmp(p, "selinux") == 0)
		return sys_exists(env, "/sys/fs/selinux/enforce");
	if (strcmp(p, "apparmor") == 0)
		return read_sys(env, "/sys/module/apparmor/parameters/enabled", b, sizeof(b)) > 0 &&
		       b[0] == 'Y';
	if (strcmp(p, "tomoyo") == 0)
		return sys_exists(env, "/sys/kernel/security/tomoyo/version");
	if (strcmp(p, "ima") == 0)
		return sys_exists(env, "/sys/kernel/security/ima/");
	if (strcmp(p, "smack") == 0)
		return sys_exists(env, "/sys/fs/smackfs/");
	if (strcmp(p, "audit") == 0)
		return sys_exists(env, "/proc/self/loginuid");
	if (strcmp(p, "uefi-secureboot") == 0) {
		char path[PATH_MAX], v[16];
		glob_t g;
		int r, n = 0;

		if (!sys_path(env, "/sys/firmware/efi/efivars/SecureBoot-*", path, sizeof(path)))
			return 0;
		r = glob(path, GLOB_NOSORT, NULL, &g);
		if (r == 0 && g.gl_pathc > 0) {
			int fd = open(g.gl_pathv[0], O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				n = (int)read(fd, v, sizeof(v));
				(void)close(fd);
			}
		}
		globfree(&g);
		return n >= 5 && v[4] == 1;   /* 4 bytes of attributes, then the value */
	}
	if (strcmp(p, "tpm2") == 0)
		return sys_exists(env, "/sys/class/tpmrm/tpmrm0");
	return 0;   /* a technology systemd does not know either */
}

static int test_ac_power(const struct cond_item *c, const struct cond_env *env)
{
	char dir[PATH_MAX], p[PATH_MAX + 300], b[64];
	bool want, mains = false, online = false;
	DIR *d;
	struct dirent *e;

	if (unit_parse_bool(c->param, &want) < 0)
		return -EINVAL;
	if (!sys_path(env, "/sys/class/power_supply", dir, sizeof(dir)))
		return -ENAMETOOLONG;
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/class/power_supply/%s/type", e->d_name);
		if (read_sys(env, p, b, sizeof(b)) <= 0 || strncmp(b, "Mains", 5) != 0)
			continue;
		mains = true;
		snprintf(p, sizeof(p), "/sys/class/power_supply/%s/online", e->d_name);
		if (read_sys(env, p, b, sizeof(b)) > 0 && b[0] == '1')
			online = true;
	}
	if (d)
		(void)closedir(d);
	/* true: some AC connected, or none known; false: some known, none connected */
	return (online || !mains) == want;
}

static int test_first_boot(const struct cond_item *c, const struct cond_env *env)
{
	char id[64];
	bool want;
	int r, fb;

	if (unit_parse_bool(c->param, &want) < 0)
		return -EINVAL;
	fb = cmdline_bool(env, "systemd.condition-first-boot");
	if (fb < 0) {
		r = read_sys(env, "/etc/machine-id", id, sizeof(id));
		strip(id);
		fb = r <= 0 || strcmp(id, "") == 0 || strcmp(id, "uninitialized") == 0;
	}
	return fb == want;
}

static int test_needs_update(const struct cond_item *c, const struct cond_env *env)
{
	char dir[PATH_MAX], stamp[PATH_MAX + 16], usr[PATH_MAX];
	struct stat u, s;
	struct statvfs vfs;
	size_t n;
	int r;

	snprintf(dir, sizeof(dir), "%s", c->param);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if (strcmp(dir, "/etc") != 0 && strcmp(dir, "/var") != 0)
		return -EINVAL;
	r = cmdline_bool(env, "systemd.condition-needs-update");
	if (r >= 0)
		return r;
	if (!sys_path(env, dir, stamp, sizeof(stamp)))
		return -ENAMETOOLONG;
	if (statvfs(stamp, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return 0;   /* cannot be updated anyway */
	strcat(stamp, "/.updated");
	if (!sys_path(env, "/usr", usr, sizeof(usr)) || stat(usr, &u) < 0)
		return 0;
	if (stat(stamp, &s) < 0)
		return 1;
	return u.st_mtim.tv_sec > s.st_mtim.tv_sec ||
	       (u.st_mtim.tv_sec == s.st_mtim.tv_sec && u.st_mtim.tv_nsec > s.st_mtim.tv_nsec);
}

/* "<=2G", ">1", "4": the count against have (default >=). */
static int compare_number(const char *param, uint64_t have, bool size)
{
	const char *v;
	int op = condition_op(param, false, &v);
	uint64_t want;
	char *end;

	if (op < 0)
		op = COND_OP_GE;
	if (size) {
		if (unit_parse_size(v, &want) < 0)
			return -EINVAL;
	} else {
		errno = 0;
		want = strtoull(v, &end, 10);
		if (errno || end == v || *end)
			return -EINVAL;
	}
	return cmp_holds(op, have < want ? -1 : have > want ? 1 : 0);
}

static int test_cpus(const struct cond_item *c)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return compare_number(c->param, (uint64_t)CPU_COUNT(&set), false);
}

static int test_memory(const struct cond_item *c, const struct cond_env *env)
{
	char b[4096], *m;
	unsigned long long kb;

	if (read_sys(env, "/proc/meminfo", b, sizeof(b)) < 0)
		return -ENOENT;
	m = strstr(b, "MemTotal:");
	if (!m || sscanf(m, "MemTotal: %llu", &kb) != 1)
		return -EIO;
	return compare_number(c->param, (uint64_t)kb * 1024, true);
}

static int test_cpu_feature(const struct cond_item *c, const struct cond_env *env)
{
	static char b[65536];
	const char *want = c->param, *fl, *end;
	size_t wl;

	if (strcmp(want, "pclmul") == 0)
		want = "pclmulqdq";
	else if (strcmp(want, "fma3") == 0)
		want = "fma";
	if (read_sys(env, "/proc/cpuinfo", b, sizeof(b)) < 0)
		return 0;
	fl = strstr(b, "\nflags");
	if (!fl)
		return 0;   /* not x86: no CPUID features */
	fl = strchr(fl, ':');
	end = fl ? strchr(fl, '\n') : NULL;
	wl = strlen(want);
	for (const char *p = fl; p && *p && (!end || p < end); p++) {
		if (*p == ' ' && strncmp(p + 1, want, wl) == 0 &&
		    (p[1 + wl] == ' ' || p[1 + wl] == '\n' || p[1 + wl] == '\0'))
			return 1;
	}
	return 0;
}

/* os-release's value of key into val ("" when absent). */
static void os_release(const struct cond_env *env, const char *key, char *val, size_t len)
{
	char b[8192], *save = NULL;
	size_t kl = strlen(key);

	val[0] = '\0';
	if (read_sys(env, "/etc/os-release", b, sizeof(b)) < 0 &&
	    read_sys(env, "/usr/lib/os-release", b, sizeof(b)) < 0)
		return;
	for (char *l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v;
		size_t n;

		if (strncmp(l, key, kl) != 0 || l[kl] != '=')
			continue;
		v = l + kl + 1;
		n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		snprintf(val, len, "%s", v);
	}
}

static int test_os_release(const struct cond_item *c, const struct cond_env *env)
{
	char **words = NULL, key[128], have[512];
	const char *err;
	int r;

	r = unit_split_words(c->param, &words, &err);
	if (r < 0)
		return r;
	r = 1;
	for (size_t i = 0; words[i] && r == 1; i++) {
		size_t kl = strcspn(words[i], "<>=!$");
		const char *rest;
		int op;

		if (kl == 0 || kl >= sizeof(key) || !words[i][kl]) {
			r = -EINVAL;
			break;
		}
		memcpy(key, words[i], kl);
		key[kl] = '\0';
		op = condition_op(words[i] + kl, true, &rest);
		if (op < 0) {
			r = -EINVAL;
			break;
		}
		os_release(env, key, have, sizeof(have));
		r = version_matches(have, words[i] + kl, COND_OP_STR_EQ);
	}
	unit_strv_free(words);
	return r;
}

/* "10%" or "10%/1min": the average of "full" (else "some") at most that. */
static int test_pressure(const struct cond_item *c, const struct cond_env *env)
{
	const char *res = strncmp(c->kind, "Memory", 6) == 0 ? "memory" :
			  strncmp(c->kind, "CPU", 3) == 0 ? "cpu" : "io";
	const char *span = "avg300", *slash = strchr(c->param, '/');
	char path[64], b[512], *line;
	double limit, have;
	char *end;

	if (strchr(c->param, ':'))
		return -EOPNOTSUPP;   /* a slice's own pressure: svcinit has no slices */
	limit = strtod(c->param, &end);
	if (end == c->param || *end != '%' || limit < 0 || limit > 100)
		return -EINVAL;
	if (slash) {
		if (strcmp(slash + 1, "10sec") == 0)
			span = "avg10";
		else if (strcmp(slash + 1, "1min") == 0)
			span = "avg60";
		else if (strcmp(slash + 1, "5min") == 0)
			span = "avg300";
		else
			return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/pressure/%s", res);
	if (read_sys(env, path, b, sizeof(b)) < 0)
		return 1;   /* no PSI: systemd takes it as met */
	line = strstr(b, "full ");
	if (!line)
		line = strstr(b, "some ");
	if (!line || !(line = strstr(line, span)) || sscanf(line + strlen(span), "=%lf", &have) != 1)
		return -EIO;
	return have <= limit;
}

static int test_firmware(const struct cond_item *c, const struct cond_env *env)
{
	if (strcmp(c->param, "uefi") == 0)
		return sys_exists(env, "/sys/firmware/efi/");
	if (strcmp(c->param, "device-tree") == 0)
		return sys_exists(env, "/sys/firmware/devicetree/base/");
	if (strncmp(c->param, "device-tree-compatible(", 23) == 0) {
		char b[4096], want[256];
		size_t n = strlen(c->param + 23);
		int len;

		if (n == 0 || c->param[23 + n - 1] != ')' || n > sizeof(want))
			return -EINVAL;
		snprintf(want, sizeof(want), "%.*s", (int)(n - 1), c->param + 23);
		len = read_sys(env, "/proc/device-tree/compatible", b, sizeof(b));
		for (int i = 0; i < len; i += (int)strlen(b + i) + 1)
			if (strcmp(b + i, want) == 0)
				return 1;
		return 0;
	}
	if (strncmp(c->param, "smbios-field(", 13) == 0) {
		char field[64], have[512], p[128];
		const char *e = c->param + 13, *close = strrchr(e, ')');
		size_t fl = strcspn(e, "<>=!$ ");
		char expr[256];

		if (!close || close[1] || fl == 0 || fl >= sizeof(field))
			return -EINVAL;
		memcpy(field, e, fl);
		field[fl] = '\0';
		snprintf(expr, sizeof(expr), "%.*s", (int)(close - e - (long)fl), e + fl);
		while (expr[0] == ' ')
			memmove(expr, expr + 1, strlen(expr));
		snprintf(p, sizeof(p), "/sys/class/dmi/id/%s", field);
		if (read_sys(env, p, have, sizeof(have)) < 0)
			return 0;
		strip(have);
		return version_matches(have, expr, COND_OP_STR_EQ);
	}
	return -EINVAL;
}

static int test_credential(const struct cond_item *c, const struct cond_env *env)
{
	char *const *e = env && env->envp ? env->envp : environ;
	char p[PATH_MAX];
	struct stat st;

	if (!*c->param || strchr(c->param, '/'))
		return -EINVAL;
	for (size_t i = 0; e && e[i]; i++)
		if (strncmp(e[i], "CREDENTIALS_DIRECTORY=", 22) == 0 &&
		    (size_t)snprintf(p, sizeof(p), "%s/%s", e[i] + 22, c->param) < sizeof(p))
			return stat(p, &st) == 0;
	return 0;   /* no credentials were passed to svcinit */
}

int condition_test_raw(const struct cond_item *c, const struct cond_env *env)
{
	const char *k = c->kind;

	if (is_path_kind(k))
		return c->param[0] == '/' ? test_path(c) : -EINVAL;
	if (strcmp(k, "KernelCommandLine") == 0)
		return test_cmdline(c, env);
	if (strcmp(k, "KernelVersion") == 0)
		return test_kernel_version(c);
	if (strcmp(k, "Environment") == 0)
		return test_environment(c, env);
	if (strcmp(k, "Architecture") == 0)
		return test_architecture(c);
	if (strcmp(k, "Virtualization") == 0)
		return test_virtualization(c, env);
	if (strcmp(k, "Host") == 0)
		return test_host(c, env);
	if (strcmp(k, "User") == 0)
		return test_user(c);
	if (strcmp(k, "Group") == 0)
		return test_group(c);
	if (strcmp(k, "Capability") == 0)
		return test_capability(c);
	if (strcmp(k, "ControlGroupController") == 0)
		return test_cgroup_controller(c, env);
	if (strcmp(k, "Security") == 0)
		return test_security(c, env);
	if (strcmp(k, "ACPower") == 0)
		return test_ac_power(c, env);
	if (strcmp(k, "FirstBoot") == 0)
		return test_first_boot(c, env);
	if (strcmp(k, "NeedsUpdate") == 0)
		return test_needs_update(c, env);
	if (strcmp(k, "CPUs") == 0)
		return test_cpus(c);
	if (strcmp(k, "Memory") == 0)
		return test_memory(c, env);
	if (strcmp(k, "CPUFeature") == 0)
		return test_cpu_feature(c, env);
	if (strcmp(k, "OSRelease") == 0)
		return test_os_release(c, env);
	if (strcmp(k, "MemoryPressure") == 0 || strcmp(k, "CPUPressure") == 0 ||
	    strcmp(k, "IOPressure") == 0)
		return test_pressure(c, env);
	if (strcmp(k, "Firmware") == 0)
		return test_firmware(c, env);
	if (strcmp(k, "Credential") == 0)
		return test_credential(c, env);
	return -EOPNOTSUPP;
}

bool condition_test(const struct cond_item *c, const struct cond_env *env)
{
	int r = condition_test_raw(c, env);

	if (r < 0)
		return false;   /* as systemd: cannot be told, assumed failed */
	return (r > 0) != c->negate;
}

bool condition_list(char *const *list, const struct cond_env *env, char *msg, size_t len)
{
	const char *first_trigger = NULL;
	size_t n_trigger = 0;
	bool triggered = false;

	if (msg && len)
		msg[0] = '\0';
	for (size_t i = 0; list && list[i]; i++) {
		struct cond_item c;
		bool ok;

		if (condition_split(list[i], &c) < 0) {
			if (msg)
				snprintf(msg, len, "%s: not a condition", list[i]);
			return false;
		}
		if (c.trigger && triggered)
			continue;   /* one is enough */
		ok = condition_test(&c, env);
		if (c.trigger) {
			triggered = ok;
			if (!first_trigger)
				first_trigger = list[i];
			n_trigger++;
			continue;
		}
		if (!ok) {
			if (msg)
				snprintf(msg, len, "%s failed", list[i]);
			return false;
		}
	}
	if (first_trigger && !triggered) {
		if (msg && n_trigger > 1)
			snprintf(msg, len, "%s and %zu other triggering conditions failed",
				 first_trigger, n_trigger - 1);
		else if (msg)
			snprintf(msg, len, "%s failed", first_trigger);
		return false;
	}
	return true;
}

enum cond_verdict condition_eval(const struct unit_spec *spec, const struct cond_env *env,
				 char *msg, size_t len)
{
	if (!condition_list(spec->conditions, env, msg, len))
		return COND_CONDITION_FAILED;
	if (!condition_list(spec->asserts, env, msg, len))
		return COND_ASSERT_FAILED;
	return COND_OK;
}

void condition_mounts(const struct unit_spec *spec, char *warn, size_t len)
{
	struct stat st;

	warn[0] = '\0';
	for (char **p = spec->requires_mounts_for; p && *p; p++)
		if (stat(*p, &st) < 0) {
			snprintf(warn, len, "RequiresMountsFor=%s: %s", *p, strerror(errno));
			return;
		}
}

/* ---- the checking child ------------------------------------------------------ */

int condition_spawn(const struct unit_spec *spec, pid_t *ret_pid, int *ret_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		(void)close(p[0]);
		(void)close(p[1]);
		return -e;
	}
	if (pid == 0) {
		/* the child: decide, write one record, end. It may block on a
		 * path a unit controls; the parent kills it at its deadline. */
		struct cond_report rep;
		sigset_t all;

		(void)close(p[0]);
		sigemptyset(&all);
		(void)sigprocmask(SIG_SETMASK, &all, NULL);
		(void)signal(SIGTERM, SIG_DFL);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		memset(&rep, 0, sizeof(rep));
		condition_mounts(spec, rep.warn, sizeof(rep.warn));
		rep.verdict = (int)condition_eval(spec, NULL, rep.msg, sizeof(rep.msg));
		(void)fcntl(p[1], F_SETFL, 0);
		if (write(p[1], &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
			_exit(1);
		_exit(0);
	}
	(void)close(p[1]);
	*ret_pid = pid;
	*ret_fd = p[0];
	return 0;
}

int condition_read(int fd, struct cond_report *ret)
{
	ssize_t n = read(fd, ret, sizeof(*ret));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof(*ret))
		return -EIO;   /* one write of less than PIPE_BUF: whole or nothing */
	ret->msg[sizeof(ret->msg) - 1] = '\0';
	ret->warn[sizeof(ret->warn) - 1] = '\0';
	if (ret->verdict < COND_OK || ret->verdict > COND_ERROR)
		return -EIO;
	return 1;
}
