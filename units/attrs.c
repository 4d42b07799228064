/* SPDX-License-Identifier: MIT */
/*
 * attrs.c: the values of the process attribute keys (attrs.h), and the
 * defaults of struct unit_attrs. Pure but for unit_host_memory() and
 * unit_host_tasks_max(), which read the host's totals once.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include "units/attrs.h"
#include "units/value.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static const char *const rlimit_keys[UNIT_RLIMIT_N] = {
	[RLIMIT_CPU] = "LimitCPU", [RLIMIT_FSIZE] = "LimitFSIZE", [RLIMIT_DATA] = "LimitDATA",
	[RLIMIT_STACK] = "LimitSTACK", [RLIMIT_CORE] = "LimitCORE", [RLIMIT_RSS] = "LimitRSS",
	[RLIMIT_NOFILE] = "LimitNOFILE", [RLIMIT_AS] = "LimitAS", [RLIMIT_NPROC] = "LimitNPROC",
	[RLIMIT_MEMLOCK] = "LimitMEMLOCK", [RLIMIT_LOCKS] = "LimitLOCKS",
	[RLIMIT_SIGPENDING] = "LimitSIGPENDING", [RLIMIT_MSGQUEUE] = "LimitMSGQUEUE",
	[RLIMIT_NICE] = "LimitNICE", [RLIMIT_RTPRIO] = "LimitRTPRIO", [RLIMIT_RTTIME] = "LimitRTTIME",
};

const char *unit_rlimit_key(int resource)
{
	return resource >= 0 && resource < UNIT_RLIMIT_N ? rlimit_keys[resource] : NULL;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

/* One side of a Limit*= value. */
static int rlimit_one(int res, const char *s, uint64_t *ret)
{
	uint64_t v;
	int r;

	if (strcmp(s, "infinity") == 0) {
		*ret = UNIT_INFINITY;
		return 0;
	}
	switch (res) {
	case RLIMIT_CPU:        /* seconds, rounded up */
		r = unit_parse_time(s, &v);
		if (r < 0)
			return r;
		*ret = v / USEC_PER_SEC + (v % USEC_PER_SEC != 0);
		return 0;
	case RLIMIT_RTTIME:     /* microseconds; a bare number is microseconds */
		if (all_digits(s))
			return unit_parse_u64(s, ret);
		return unit_parse_time(s, ret);
	case RLIMIT_FSIZE: case RLIMIT_DATA: case RLIMIT_STACK: case RLIMIT_CORE:
	case RLIMIT_RSS: case RLIMIT_AS: case RLIMIT_MEMLOCK: case RLIMIT_MSGQUEUE:
		return unit_parse_size(s, ret);
	case RLIMIT_NICE:
		if (s[0] == '-' || s[0] == '+') {
			r = unit_parse_u64(s + 1, &v);
			if (r < 0)
				return r;
			if ((s[0] == '-' && v > 20) || (s[0] == '+' && v > 19))
				return -ERANGE;
			*ret = s[0] == '-' ? 20 + v : 20 - v;
			return 0;
		}
		r = unit_parse_u64(s, &v);
		if (r < 0)
			return r;
		if (v > 40)
			return -ERANGE;
		*ret = v;
		return 0;
	default:
		return unit_parse_u64(s, ret);
	}
}

int unit_parse_rlimit(int resource, const char *s, uint64_t *ret_cur, uint64_t *ret_max)
{
	char buf[128];
	const char *colon;
	uint64_t cur, max;
	int r;

	if (!s || resource < 0 || resource >= UNIT_RLIMIT_N || strlen(s) >= sizeof(buf))
		return -EINVAL;
	colon = strchr(s, ':');
	if (!colon) {
		r = rlimit_one(resource, s, &cur);
		max = cur;
	} else {
		memcpy(buf, s, (size_t)(colon - s));
		buf[colon - s] = '\0';
		r = rlimit_one(resource, buf, &cur);
		if (r == 0)
			r = rlimit_one(resource, colon + 1, &max);
	}
	if (r < 0)
		return r;
	if (cur > max)
		return -ERANGE;
	*ret_cur = cur;
	*ret_max = max;
	return 0;
}

int unit_parse_umask(const char *s, unsigned *ret)
{
	return unit_parse_mode(s, 0777, ret);
}

int unit_parse_mode(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (!s || !*s || strlen(s) > 4)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int unit_parse_permyriad(const char *s, unsigned *ret)
{
	size_t len = s ? strlen(s) : 0, digits_max;
	uint64_t i = 0, frac = 0, scale_int;
	unsigned nfrac = 0;
	const char *p = s, *end;

	if (len >= 2 && s[len - 1] == '%') {
		end = s + len - 1;
		digits_max = 2;           /* 12.34%: ten-thousandths */
		scale_int = 100;
	} else if (len >= 4 && strcmp(s + len - 3, "\xe2\x80\xb0") == 0) {   /* ‰ */
		end = s + len - 3;
		digits_max = 1;           /* 12.3‰ */
		scale_int = 10;
	} else {
		return -EINVAL;
	}
	if (!is_digit(*p))
		return -EINVAL;
	for (; p < end && is_digit(*p); p++) {
		i = i * 10 + (uint64_t)(*p - '0');
		if (i > 1000)
			return -ERANGE;
	}
	if (p < end && *p == '.') {
		p++;
		if (p == end)
			return -EINVAL;
		for (; p < end && is_digit(*p); p++) {
			if (nfrac >= digits_max)
				return -EINVAL;   /* finer than systemd takes */
			frac = frac * 10 + (uint64_t)(*p - '0');
			nfrac++;
		}
	}
	if (p != end)
		return -EINVAL;
	for (; nfrac < digits_max; nfrac++)
		frac *= 10;
	i = i * scale_int + frac;
	if (i > 10000)
		return -ERANGE;
	*ret = (unsigned)i;
	return 0;
}

uint64_t unit_scale_permyriad(uint64_t total, unsigned permyriad)
{
	return total / 10000 * permyriad + total % 10000 * permyriad / 10000;
}

uint64_t unit_host_memory(void)
{
	static uint64_t mem;
	struct sysinfo si;

	if (!mem && sysinfo(&si) == 0)
		mem = (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
	return mem;
}

static uint64_t read_u64_file(const char *path)
{
	char buf[32] = "";
	uint64_t v = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	(void)fclose(f);
	return unit_parse_u64(buf, &v) == 0 ? v : 0;
}

uint64_t unit_host_tasks_max(void)
{
	static uint64_t n;

	if (!n) {
		uint64_t pid = read_u64_file("/proc/sys/kernel/pid_max");
		uint64_t thr = read_u64_file("/proc/sys/kernel/threads-max");

		n = pid && thr ? (pid < thr ? pid : thr) : pid ? pid : thr;
		if (!n)
			n = 4194304;      /* the kernel's own PID_MAX_LIMIT */
	}
	return n;
}

static int name_or_number(const char *const *names, size_t n, const char *s, int *ret)
{
	uint64_t v;

	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	if (unit_parse_u64(s, &v) == 0 && v < n && names[v]) {
		*ret = (int)v;
		return 0;
	}
	return -EINVAL;
}

int unit_parse_io_class(const char *s, int *ret)
{
	/* IOPRIO_CLASS_NONE .. IOPRIO_CLASS_IDLE */
	static const char *const names[] = { "none", "realtime", "best-effort", "idle" };

	return name_or_number(names, N_ELEM(names), s, ret);
}

int unit_parse_cpu_policy(const char *s, int *ret)
{
	static const char *const names[] = {
		[SCHED_OTHER] = "other", [SCHED_FIFO] = "fifo", [SCHED_RR] = "rr",
		[SCHED_BATCH] = "batch", [SCHED_IDLE] = "idle",
	};
	for (size_t i = 0; i < N_ELEM(names); i++)
		if (names[i] && strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int unit_base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = 0, pad = 0, len = strlen(s);
	uint32_t acc = 0;
	unsigned bits = 0;
	char *out = malloc(len / 4 * 3 + 4);

	if (!out)
		return -ENOMEM;
	for (; *s; s++) {
		int v;

		if (is_blank(*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64val(*s);
		if (v < 0 || pad) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* leftover bits must be zero and fewer than a byte */
	if (pad > 2 || (acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return -EINVAL;
	}
	out[n] = '\0';
	*ret = out;
	*ret_len = n;
	return 0;
}

static int hexv(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int unit_cunescape(const char *s, char **ret, size_t *ret_len)
{
	char *out = malloc(strlen(s) + 1);
	size_t n = 0;

	if (!out)
		return -ENOMEM;
	for (; *s; s++) {
		if (*s != '\\') {
			out[n++] = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 'a': out[n++] = '\a'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'v': out[n++] = '\v'; break;
		case 's': out[n++] = ' '; break;
		case '\\': case '"': case '\'': out[n++] = *s; break;
		case 'x': {
			int hi = hexv(s[1]), lo = hi < 0 ? -1 : hexv(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return -EINVAL;
			}
			out[n++] = (char)(hi * 16 + lo);
			s += 2;
			break;
		}
		default:
			free(out);
			return -EINVAL;
		}
	}
	out[n] = '\0';
	*ret = out;
	*ret_len = n;
	return 0;
}

static const struct {
	const char *key, *base, *env;
} dirs[UNIT_DIR_N] = {
	[UNIT_DIR_RUNTIME] = { "RuntimeDirectory", "/run", "RUNTIME_DIRECTORY" },
	[UNIT_DIR_STATE] = { "StateDirectory", "/var/lib", "STATE_DIRECTORY" },
	[UNIT_DIR_CACHE] = { "CacheDirectory", "/var/cache", "CACHE_DIRECTORY" },
	[UNIT_DIR_LOGS] = { "LogsDirectory", "/var/log", "LOGS_DIRECTORY" },
	[UNIT_DIR_CONFIGURATION] = { "ConfigurationDirectory", "/etc", "CONFIGURATION_DIRECTORY" },
};

const char *unit_dir_key(enum unit_dir d)
{
	return dirs[d].key;
}

const char *unit_dir_base(enum unit_dir d)
{
	return dirs[d].base;
}

const char *unit_dir_env(enum unit_dir d)
{
	return dirs[d].env;
}

bool unit_dir_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= PATH_MAX - 32 || s[0] == '/' || s[len - 1] == '/')
		return false;
	for (const char *c = s; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
	}
	return true;
}

int unit_attrs_init(struct unit_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->umask = 0022;
	a->io_class = -1;
	a->io_prio = -1;
	a->cpu_policy = -1;
	a->cpu_prio = -1;
	for (int d = 0; d < UNIT_DIR_N; d++) {
		a->dirs[d] = unit_strv_new();
		a->dir_mode[d] = 0755;
		if (!a->dirs[d]) {
			unit_attrs_free(a);
			return -ENOMEM;
		}
	}
	return 0;
}

void unit_attrs_free(struct unit_attrs *a)
{
	free(a->cpu_affinity);
	free(a->input_path);
	free(a->input_data);
	free(a->tty_path);
	free(a->syslog_identifier);
	for (int d = 0; d < UNIT_DIR_N; d++) {
		unit_strv_free(a->dirs[d]);
		a->dirs[d] = NULL;
	}
	a->cpu_affinity = a->input_path = a->input_data = a->tty_path = NULL;
	a->syslog_identifier = NULL;
}
