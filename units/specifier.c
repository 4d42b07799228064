/* SPDX-License-Identifier: MIT */
/*
 * specifier.c: systemd's "%" specifiers (systemd.unit(5), SPECIFIERS), as
 * systemd 252 resolves them in the system manager. Expansion is a pure
 * function of the unit's names and a struct unit_host read once; which keys
 * expand them is units/keys.c's business (KF_SPEC).
 *
 * As systemd: %h %u %U %g %G %s are the manager's user (svcinit runs as
 * root: /root, root, 0), not User=; %t %S %C %L %E are the system manager's
 * /run /var/lib /var/cache /var/log /etc; %T %V are /tmp and /var/tmp unless
 * svcinit's own $TMPDIR/$TEMP/$TMP name an absolute path; %d is
 * /run/credentials/%n; an unknown specifier is an error (systemd ignores
 * the whole assignment with a warning: a typo should not go unnoticed); a
 * lone '%' at the end is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "units/specifier.h"
#include "units/value.h"

/* ---------------------------------------------------------------------- */
/* host facts                                                               */

/* The first line of root/path into buf (blanks trimmed), "" on error. */
static void read_line_file(const char *root, const char *path, char *buf, size_t len)
{
	char full[512];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(full, sizeof(full), "%s%s", root, path);
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	(void)close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= len)
		n = len - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* KEY= of an env-style file (os-release, machine-info): quotes removed. */
static void env_file_get(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);

	buf[0] = '\0';
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *v, *e;

		while (*l == ' ' || *l == '\t')
			l++;
		if (strncmp(l, key, klen) != 0 || l[klen] != '=')
			continue;
		v = l + klen + 1;
		e = v + strcspn(v, "\n");
		while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e - v >= 2 && (*v == '"' || *v == '\'') && e[-1] == *v) {
			v++;
			e--;
		}
		snprintf(buf, len, "%.*s", (int)(e - v), v);
	}
}

static void read_text(const char *root, const char *path, char *buf, size_t len)
{
	char full[512];
	size_t off = 0;
	int fd;

	buf[0] = '\0';
	snprintf(full, sizeof(full), "%s%s", root, path);
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	while (off < len - 1) {
		ssize_t n = read(fd, buf + off, len - 1 - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	(void)close(fd);
}

static const char *arch_name(const char *machine)
{
	static const struct {
		const char *uname, *systemd;
	} map[] = {
		{ "x86_64", "x86-64" }, { "i386", "x86" }, { "i486", "x86" }, { "i586", "x86" },
		{ "i686", "x86" }, { "aarch64", "arm64" }, { "aarch64_be", "arm64-be" },
		{ "armv7l", "arm" }, { "armv6l", "arm" }, { "armv8l", "arm" }, { "ppc64le", "ppc64-le" },
		{ "ppc64", "ppc64" }, { "ppc", "ppc" }, { "s390x", "s390x" }, { "s390", "s390" },
		{ "riscv64", "riscv64" }, { "mips64", "mips64" }, { "loongarch64", "loongarch64" },
	};

	for (size_t i = 0; i < N_ELEM(map); i++)
		if (strcmp(map[i].uname, machine) == 0)
			return map[i].systemd;
	return machine;
}

static void tmp_dir(char *buf, size_t len, const char *dflt)
{
	static const char *const vars[] = { "TMPDIR", "TEMP", "TMP" };

	for (size_t i = 0; i < N_ELEM(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && v[0] == '/' && strlen(v) < len) {
			copy_str(buf, len, v);
			return;
		}
	}
	copy_str(buf, len, dflt);
}

void unit_host_load(struct unit_host *h, const char *root)
{
	char text[4096], id[64];
	struct utsname u;
	size_t j = 0;

	memset(h, 0, sizeof(*h));
	if (!root || strcmp(root, "/") == 0)
		root = "";
	read_line_file(root, "/etc/machine-id", h->machine_id, sizeof(h->machine_id));
	read_line_file("", "/proc/sys/kernel/random/boot_id", id, sizeof(id));
	for (size_t i = 0; id[i] && j < sizeof(h->boot_id) - 1; i++)
		if (id[i] != '-')
			h->boot_id[j++] = id[i];
	h->boot_id[j] = '\0';
	if (uname(&u) == 0) {
		copy_str(h->hostname, sizeof(h->hostname), u.nodename);
		copy_str(h->kernel_release, sizeof(h->kernel_release), u.release);
		copy_str(h->arch, sizeof(h->arch), arch_name(u.machine));
	}
	read_text(root, "/etc/machine-info", text, sizeof(text));
	env_file_get(text, "PRETTY_HOSTNAME", h->pretty_hostname, sizeof(h->pretty_hostname));
	if (!h->pretty_hostname[0])
		copy_str(h->pretty_hostname, sizeof(h->pretty_hostname), h->hostname);
	read_text(root, "/etc/os-release", text, sizeof(text));
	if (!text[0])
		read_text(root, "/usr/lib/os-release", text, sizeof(text));
	env_file_get(text, "ID", h->os_id, sizeof(h->os_id));
	env_file_get(text, "VERSION_ID", h->os_version_id, sizeof(h->os_version_id));
	env_file_get(text, "VARIANT_ID", h->os_variant_id, sizeof(h->os_variant_id));
	env_file_get(text, "BUILD_ID", h->os_build_id, sizeof(h->os_build_id));
	env_file_get(text, "IMAGE_ID", h->os_image_id, sizeof(h->os_image_id));
	env_file_get(text, "IMAGE_VERSION", h->os_image_version, sizeof(h->os_image_version));
	/* the manager's user: svcinit is PID 1, root (systemd answers root
	 * without a name service lookup, and so do we) */
	h->uid = geteuid();
	h->gid = getegid();
	if (h->uid == 0) {
		copy_str(h->user, sizeof(h->user), "root");
		copy_str(h->home, sizeof(h->home), "/root");
		copy_str(h->shell, sizeof(h->shell), "/bin/sh");
	} else {
		snprintf(h->user, sizeof(h->user), "%u", (unsigned)h->uid);
		copy_str(h->home, sizeof(h->home), getenv("HOME") ? getenv("HOME") : "/");
		copy_str(h->shell, sizeof(h->shell), "/bin/sh");
	}
	if (h->gid == 0)
		copy_str(h->group, sizeof(h->group), "root");
	else
		snprintf(h->group, sizeof(h->group), "%u", (unsigned)h->gid);
	tmp_dir(h->tmp_dir, sizeof(h->tmp_dir), "/tmp");
	tmp_dir(h->var_tmp_dir, sizeof(h->var_tmp_dir), "/var/tmp");
}

const struct unit_host *unit_host_default(void)
{
	static struct unit_host host;
	static bool loaded;

	if (!loaded) {
		unit_host_load(&host, "/");
		loaded = true;
	}
	return &host;
}

/* ---------------------------------------------------------------------- */
/* names                                                                    */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int unit_name_unescape(const char *s, char **ret)
{
	char *r = malloc(strlen(s) + 1), *t = r;

	if (!r)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s == '-') {
			*t++ = '/';
		} else if (*s == '\\') {
			int a, b;

			if (s[1] != 'x' || (a = hexval(s[2])) < 0 || (b = hexval(s[3])) < 0 ||
			    (a == 0 && b == 0)) {
				free(r);
				return -EINVAL;
			}
			*t++ = (char)(a * 16 + b);
			s += 3;
		} else {
			*t++ = *s;
		}
	}
	*t = '\0';
	*ret = r;
	return 0;
}

/* systemd's unit_name_path_unescape: "-" is "/", else "/" + unescaped,
 * which must not start or end with a slash. */
static int path_unescape(const char *s, char **ret)
{
	char *w = NULL, *p;
	size_t n;
	int r;

	if (!*s)
		return -EINVAL;
	if (strcmp(s, "-") == 0) {
		*ret = strdup("/");
		return *ret ? 0 : -ENOMEM;
	}
	r = unit_name_unescape(s, &w);
	if (r < 0)
		return r;
	n = strlen(w);
	if (w[0] == '/' || w[n - 1] == '/') {
		free(w);
		return -EINVAL;
	}
	p = malloc(n + 2);
	if (!p) {
		free(w);
		return -ENOMEM;
	}
	p[0] = '/';
	memcpy(p + 1, w, n + 1);
	free(w);
	*ret = p;
	return 0;
}

/* The parts of a unit name: "foo-bar@baz.service" has prefix "foo-bar",
 * instance "baz" (NULL when there is no '@'), base "foo-bar@baz". */
struct name_parts {
	char base[UNIT_NAME_MAX + 16];
	char prefix[UNIT_NAME_MAX + 16];
	char instance[UNIT_NAME_MAX + 16];
	bool has_instance;
};

static void name_split(const char *name, struct name_parts *p)
{
	const char *dot = strrchr(name, '.'), *at = strchr(name, '@');
	size_t blen = dot ? (size_t)(dot - name) : strlen(name);

	memset(p, 0, sizeof(*p));
	snprintf(p->base, sizeof(p->base), "%.*s", (int)blen, name);
	if (at && (size_t)(at - name) < blen) {
		snprintf(p->prefix, sizeof(p->prefix), "%.*s", (int)(at - name), name);
		snprintf(p->instance, sizeof(p->instance), "%.*s", (int)(blen - (size_t)(at - name) - 1),
			 at + 1);
		p->has_instance = p->instance[0] != '\0';
	} else {
		snprintf(p->prefix, sizeof(p->prefix), "%s", p->base);
	}
}

/* ---------------------------------------------------------------------- */
/* expansion                                                                */

struct buf {
	char *p;
	size_t n, max;
	bool oom, big;
};

static void put(struct buf *b, const char *s, size_t len)
{
	char *np;

	if (b->oom || b->big)
		return;
	if (b->n + len > b->max) {
		b->big = true;
		return;
	}
	np = realloc(b->p, b->n + len + 1);
	if (!np) {
		b->oom = true;
		return;
	}
	b->p = np;
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

int unit_specifier_expand(const struct unit_names *n, const char *s, size_t max, char **ret,
			  const char **ret_error)
{
	static char err[64];
	const struct unit_host *h = n->host ? n->host : unit_host_default();
	const char *name = n->name ? n->name : "";
	struct buf b = { .max = max };
	struct name_parts np;
	char num[32];
	int r = 0;

	*ret = NULL;
	*ret_error = NULL;
	name_split(name, &np);
	put(&b, "", 0);
	for (const char *p = s; *p; p++) {
		char *tmp = NULL;
		const char *last;

		if (*p != '%') {
			const char *e = strchr(p, '%');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			put(&b, p, len);
			p += len - 1;
			continue;
		}
		if (!p[1]) {           /* a lone '%' at the end: kept */
			puts_(&b, "%");
			break;
		}
		p++;
		switch (*p) {
		case '%': puts_(&b, "%"); break;
		case 'a': puts_(&b, h->arch); break;
		case 'A': puts_(&b, h->os_image_version); break;
		case 'b': puts_(&b, h->boot_id); break;
		case 'B': puts_(&b, h->os_build_id); break;
		case 'C': puts_(&b, "/var/cache"); break;
		case 'd': puts_(&b, "/run/credentials/"); puts_(&b, name); break;
		case 'E': puts_(&b, "/etc"); break;
		case 'f':
			r = path_unescape(np.has_instance ? np.instance : np.prefix, &tmp);
			break;
		case 'g': puts_(&b, h->group); break;
		case 'G': snprintf(num, sizeof(num), "%u", (unsigned)h->gid); puts_(&b, num); break;
		case 'h': puts_(&b, h->home); break;
		case 'H': puts_(&b, h->hostname); break;
		case 'i': puts_(&b, np.instance); break;
		case 'I': r = unit_name_unescape(np.instance, &tmp); break;
		case 'j':
			last = strrchr(np.prefix, '-');
			puts_(&b, last ? last + 1 : np.prefix);
			break;
		case 'J':
			last = strrchr(np.prefix, '-');
			r = unit_name_unescape(last ? last + 1 : np.prefix, &tmp);
			break;
		case 'l': put(&b, h->hostname, strcspn(h->hostname, ".")); break;
		case 'L': puts_(&b, "/var/log"); break;
		case 'm': puts_(&b, h->machine_id); break;
		case 'M': puts_(&b, h->os_image_id); break;
		case 'n': puts_(&b, name); break;
		case 'N': puts_(&b, np.base); break;
		case 'o': puts_(&b, h->os_id); break;
		case 'p': puts_(&b, np.prefix); break;
		case 'P': r = unit_name_unescape(np.prefix, &tmp); break;
		case 'q': puts_(&b, h->pretty_hostname); break;
		case 's': puts_(&b, h->shell); break;
		case 'S': puts_(&b, "/var/lib"); break;
		case 't': puts_(&b, "/run"); break;
		case 'T': puts_(&b, h->tmp_dir); break;
		case 'u': puts_(&b, h->user); break;
		case 'U': snprintf(num, sizeof(num), "%u", (unsigned)h->uid); puts_(&b, num); break;
		case 'v': puts_(&b, h->kernel_release); break;
		case 'V': puts_(&b, h->var_tmp_dir); break;
		case 'w': puts_(&b, h->os_version_id); break;
		case 'W': puts_(&b, h->os_variant_id); break;
		case 'y': puts_(&b, n->path ? n->path : ""); break;
		case 'Y':
			if (n->path && strrchr(n->path, '/')) {
				size_t dl = (size_t)(strrchr(n->path, '/') - n->path);

				put(&b, n->path, dl ? dl : 1);
			} else {
				puts_(&b, n->path ? "." : "");
			}
			break;
		default:
			if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f)
				snprintf(err, sizeof(err), "unknown specifier %%%c", *p);
			else
				snprintf(err, sizeof(err), "unknown specifier after '%%'");
			*ret_error = err;
			r = -EBADSLT;
		}
		if (r == -EINVAL) {
			snprintf(err, sizeof(err), "%%%c: invalid escape in the unit name", *p);
			*ret_error = err;
		}
		if (r < 0)
			goto out;
		if (tmp) {
			puts_(&b, tmp);
			free(tmp);
		}
	}
	if (b.oom) {
		r = -ENOMEM;
	} else if (b.big) {
		*ret_error = "too long after specifier expansion";
		r = -E2BIG;
	}
out:
	if (r < 0) {
		free(b.p);
		if (r == -ENOMEM)
			*ret_error = "out of memory";
		return r;
	}
	*ret = b.p;
	return 0;
}

int unit_specifier_first_empty(const struct unit_names *n, const char *s)
{
	for (const char *p = strchr(s, '%'); p && p[1]; p = strchr(p + 2, '%')) {
		char one[3] = { '%', p[1], '\0' }, *x = NULL;
		const char *err;
		bool empty;

		if (p[1] == '%')
			continue;
		if (unit_specifier_expand(n, one, 64, &x, &err) < 0)
			continue;
		empty = !*x;
		free(x);
		if (empty)
			return (unsigned char)p[1];
	}
	return 0;
}
