/* SPDX-License-Identifier: MIT */
/*
 * value.c: the values of unit files, each parsed or checked on its own:
 * times, sizes, booleans, signals, names, paths, CPU lists, namespaces, UTF-8
 * and the one word splitter (quotes and escapes). Pure: no I/O, no logging.
 *
 * Syntax (systemd's, unless said otherwise):
 *  - Times take us ms s sec min h, combined ("1min 30s"), decimals ("0.5s"),
 *    a bare number alone = seconds, "infinity". Sizes: bytes or K M G T
 *    (1024-based, "1.5G" ok), "infinity"; no percentages.
 *  - CPU lists ("0-1,3" or "0 1 3", CPUs < 8192) are stored normalised
 *    ("0-1,3").
 *  - Escapes in quoted lists: \a \b \f \n \r \t \v \s \\ \" \' \; \<space>
 *    \xNN (not \x00); any other escape is an error.
 *  - Users and groups: a number < 2^32-1 or a name [A-Za-z_][A-Za-z0-9_.-]*$?
 *    (<= 256); resolved at start, not here. Hostnames: RFC 1123 labels, <= 64
 *    bytes.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units/value.h"

/* ---------------------------------------------------------------------- */
/* string lists and numbers                                                 */

size_t unit_strv_len(char *const *v)
{
	size_t n = 0;

	if (!v)
		return 0;
	while (v[n])
		n++;
	return n;
}

void unit_strv_free(char **v)
{
	if (!v)
		return;
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

char **unit_strv_new(void)
{
	return calloc(1, sizeof(char *));
}

/* Append s (ownership taken, freed on failure). */
int unit_strv_push(char ***v, char *s)
{
	size_t n = unit_strv_len(*v);
	char **nv;

	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*v = nv;
	return 0;
}

bool unit_strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

bool unit_strv_equal(char *const *a, char *const *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == b[i];
}

/* Decimal digits only, at least one; -ERANGE on overflow. */
int unit_parse_u64(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "12", "12.5", ".5" at *p: integer part and up to 6 fraction digits
 * (further digits are accepted and ignored). Advances *p. */
static int parse_decimal(const char **p, uint64_t *ret_int, uint64_t *ret_frac,
			 uint64_t *ret_frac_div)
{
	const char *s = *p;
	uint64_t v = 0, frac = 0, div = 1;
	bool digits = false;

	for (; is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
		digits = true;
	}
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return -EINVAL;
		for (; is_digit(*s); s++) {
			if (div < 1000000) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				div *= 10;
			}
			digits = true;
		}
	}
	if (!digits)
		return -EINVAL;
	*p = s;
	*ret_int = v;
	*ret_frac = frac;
	*ret_frac_div = div;
	return 0;
}

/* int.frac * mult, -ERANGE when it reaches UINT64_MAX (the infinity mark). */
static int scale(uint64_t i, uint64_t frac, uint64_t div, uint64_t mult, uint64_t *ret)
{
	uint64_t v, f;

	if (mult && i > (UINT64_MAX - 1) / mult)
		return -ERANGE;
	v = i * mult;
	/* frac < div <= 10^6 and mult up to a year in usec: the product
	 * needs more than 64 bits */
	f = (uint64_t)((unsigned __int128)frac * mult / div);
	if (f > UINT64_MAX - 1 - v)
		return -ERANGE;
	*ret = v + f;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* value parsers                                                            */

static const struct {
	const char *suffix;
	uint64_t usec;
} time_units[] = {
	/* systemd.time(7)'s every spelling; "m" is a minute, "M" a month
	 * (30.44 days), a year 365.25 days */
	{ "usec", 1 }, { "us", 1 }, { "\xc2\xb5s", 1 }, { "\xce\xbcs", 1 },
	{ "msec", USEC_PER_MSEC }, { "ms", USEC_PER_MSEC },
	{ "seconds", USEC_PER_SEC }, { "second", USEC_PER_SEC },
	{ "sec", USEC_PER_SEC }, { "s", USEC_PER_SEC },
	{ "minutes", 60 * USEC_PER_SEC }, { "minute", 60 * USEC_PER_SEC },
	{ "min", 60 * USEC_PER_SEC }, { "m", 60 * USEC_PER_SEC },
	{ "hours", 3600 * USEC_PER_SEC }, { "hour", 3600 * USEC_PER_SEC },
	{ "hr", 3600 * USEC_PER_SEC }, { "h", 3600 * USEC_PER_SEC },
	{ "days", 86400 * USEC_PER_SEC }, { "day", 86400 * USEC_PER_SEC },
	{ "d", 86400 * USEC_PER_SEC },
	{ "weeks", 7 * 86400 * USEC_PER_SEC }, { "week", 7 * 86400 * USEC_PER_SEC },
	{ "w", 7 * 86400 * USEC_PER_SEC },
	{ "months", 2629800 * USEC_PER_SEC }, { "month", 2629800 * USEC_PER_SEC },
	{ "M", 2629800 * USEC_PER_SEC },
	{ "years", 31557600 * USEC_PER_SEC }, { "year", 31557600 * USEC_PER_SEC },
	{ "y", 31557600 * USEC_PER_SEC },
};

int unit_parse_time(const char *s, uint64_t *ret_usec)
{
	uint64_t total = 0;
	bool any = false;
	const char *p = s;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "infinity") == 0) {
		*ret_usec = UNIT_INFINITY;
		return 0;
	}
	while (is_blank(*p))
		p++;
	if (!*p)
		return -EINVAL;
	/* "5min 30s", "1.5s", "100ms"; a bare number is seconds, alone only */
	while (*p) {
		uint64_t i, frac, div, mult = 0, v;
		const char *u;
		size_t ulen;
		int r;

		r = parse_decimal(&p, &i, &frac, &div);
		if (r < 0)
			return r;
		while (*p == ' ' || *p == '\t')
			p++;
		for (u = p; is_alpha(*p) || (unsigned char)*p >= 0x80; p++)
			;   /* a letter, or a byte of "\xc2\xb5" (micro sign) */
		ulen = (size_t)(p - u);
		if (ulen == 0) {
			while (is_blank(*p))
				p++;
			if (any || *p)
				return -EINVAL;
			mult = USEC_PER_SEC;
		} else {
			for (size_t k = 0; k < sizeof(time_units) / sizeof(time_units[0]); k++)
				if (strlen(time_units[k].suffix) == ulen &&
				    strncmp(time_units[k].suffix, u, ulen) == 0)
					mult = time_units[k].usec;
			if (!mult)
				return -EINVAL;
		}
		r = scale(i, frac, div, mult, &v);
		if (r < 0)
			return r;
		if (v > UINT64_MAX - 1 - total)
			return -ERANGE;
		total += v;
		any = true;
		while (is_blank(*p))
			p++;
	}
	*ret_usec = total;
	return 0;
}

int unit_parse_size(const char *s, uint64_t *ret_bytes)
{
	static const char suffixes[] = "KMGT";
	uint64_t i, frac, div, mult = 1;
	const char *p = s, *sfx;
	int r;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "infinity") == 0) {
		*ret_bytes = UNIT_INFINITY;
		return 0;
	}
	r = parse_decimal(&p, &i, &frac, &div);
	if (r < 0)
		return r;
	if (*p) {
		sfx = strchr(suffixes, *p);
		if (!sfx || p[1])
			return -EINVAL;
		mult = UINT64_C(1) << (10 * (sfx - suffixes + 1));
	} else if (div > 1) {
		return -EINVAL; /* "1.5" bytes */
	}
	return scale(i, frac, div, mult, ret_bytes);
}

int unit_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	int signo;
} signal_names[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },     { "IOT", SIGIOT },   { "BUS", SIGBUS },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL },     { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },       { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int unit_parse_signal(const char *s, int *ret_signo)
{
	uint64_t n;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	if (is_digit(*s)) {
		int r = unit_parse_u64(s, &n);

		if (r < 0)
			return -EINVAL;
		if (n < 1 || n > 64 || n >= (uint64_t)_NSIG)
			return -ERANGE;
		*ret_signo = (int)n;
		return 0;
	}
	p = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++) {
		if (strcmp(p, signal_names[i].name) == 0) {
			*ret_signo = signal_names[i].signo;
			return 0;
		}
	}
	/* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
	if (strncmp(p, "RTMIN", 5) == 0 || strncmp(p, "RTMAX", 5) == 0) {
		bool min = p[4] == 'N';
		int base = min ? SIGRTMIN : SIGRTMAX, v;

		p += 5;
		if (!*p) {
			*ret_signo = base;
			return 0;
		}
		if (*p != (min ? '+' : '-') || unit_parse_u64(p + 1, &n) < 0 ||
		    n > (uint64_t)(SIGRTMAX - SIGRTMIN))
			return -EINVAL;
		v = min ? base + (int)n : base - (int)n;
		*ret_signo = v;
		return 0;
	}
	return -EINVAL;
}

size_t unit_utf8_span(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *end = s + n;

	while (s < end) {
		unsigned char b = *s;
		size_t k;
		uint32_t cp;

		if (b < 0x80) {
			s++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf) {
			k = 1;
			cp = b & 0x1f;
		} else if (b >= 0xe0 && b <= 0xef) {
			k = 2;
			cp = b & 0x0f;
		} else if (b >= 0xf0 && b <= 0xf4) {
			k = 3;
			cp = b & 0x07;
		} else {
			break;
		}
		if ((size_t)(end - s) <= k)
			break;
		for (size_t i = 1; i <= k; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return (size_t)(s - (const unsigned char *)p);
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			break;
		s += k + 1;
	}
	return (size_t)(s - (const unsigned char *)p);
}

bool unit_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	for (n = 0; name[n]; n++) {
		char c = name[n];

		if (n >= UNIT_NAME_MAX)
			return false;
		if (!is_alpha(c) && !is_digit(c) && !strchr("_.@-", c))
			return false;
	}
	/* "." and ".." would become path components (sockets, cgroups) */
	return n > 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* [A-Za-z_][A-Za-z0-9_]* */
static bool env_name_valid(const char *s, size_t len)
{
	if (len == 0 || is_digit(s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return false;
	return true;
}

bool unit_env_assignment_valid(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && env_name_valid(s, (size_t)(eq - s));
}

/* A user or group: a number below 2^32-1, or a name
 * [A-Za-z_][A-Za-z0-9_.-]* with an optional final '$' (at most 256). */
bool unit_ident_valid(const char *s)
{
	size_t n = strlen(s);
	uint64_t id;

	if (n == 0 || n > 256)
		return false;
	if (is_digit(s[0]))
		return unit_parse_u64(s, &id) == 0 && id < UINT32_MAX;
	if (!is_alpha(s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (c == '$' && i == n - 1)
			break;
		if (!is_alpha(c) && !is_digit(c) && !strchr("_.-", c))
			return false;
	}
	return true;
}

/* A D-Bus bus name (the D-Bus Specification, "Bus names"): a well-known
 * "a.b[.c...]" or a unique ":1.2", at most 255 characters, at least two
 * elements of [A-Za-z0-9_-], none empty; a well-known name's elements do
 * not start with a digit. */
bool unit_bus_name_valid(const char *s)
{
	size_t n = strlen(s), elements = 0, elen = 0;
	bool unique = s[0] == ':';

	if (n == 0 || n > 255)
		return false;
	for (const char *p = s + unique; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (elen == 0)
				return false;
			elements++;
			elen = 0;
			if (*p == '\0')
				break;
			continue;
		}
		if (!is_alpha(*p) && !is_digit(*p) && *p != '_' && *p != '-')
			return false;
		if (!unique && elen == 0 && is_digit(*p))
			return false;
		elen++;
	}
	return elements >= 2;
}

bool unit_path_abs_valid(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX;
}

/* RFC 1123 labels: [A-Za-z0-9-], 1..63 each, no '-' at either end, <= 64. */
bool unit_hostname_valid(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/* ---------------------------------------------------------------------- */
/* word splitting, as systemd's extract_first_word(UNQUOTE|CUNESCAPE)       */

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* *p points at a backslash; decode one escape into *ret, advance *p. */
static int unescape(const char **p, char *ret, const char **ret_error)
{
	const char *s = *p + 1;
	int hi, lo;

	switch (*s) {
	case 'a': *ret = '\a'; break;
	case 'b': *ret = '\b'; break;
	case 'f': *ret = '\f'; break;
	case 'n': *ret = '\n'; break;
	case 'r': *ret = '\r'; break;
	case 't': *ret = '\t'; break;
	case 'v': *ret = '\v'; break;
	case 's': *ret = ' '; break;
	case ' ': case '\\': case '"': case '\'': case ';':
		*ret = *s;
		break;
	case 'x':
		hi = hexval(s[1]);
		lo = hi < 0 ? -1 : hexval(s[2]);
		if (hi < 0 || lo < 0) {
			*ret_error = "invalid \\x escape (expected two hex digits)";
			return -EINVAL;
		}
		if (hi == 0 && lo == 0) {
			*ret_error = "\\x00 is not allowed";
			return -EINVAL;
		}
		*ret = (char)(hi * 16 + lo);
		s += 2;
		break;
	case '\0':
		*ret_error = "trailing backslash";
		return -EINVAL;
	default:
		*ret_error = "invalid escape sequence";
		return -EINVAL;
	}
	*p = s + 1;
	return 0;
}

/* The one splitter (value.h). sep (UNIT_LIST_MAX + 1 entries, or NULL)
 * marks the words that were a bare ";" as written: no quotes, no escape. */
static int split_words(const char *s, char ***ret, bool *sep, const char **ret_error)
{
	char **v = NULL, *word = NULL;
	const char *p = s;
	size_t n = 0;
	int r;

	*ret_error = NULL;
	v = unit_strv_new();
	word = malloc(strlen(s) + 1);
	if (!v || !word) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t len = 0;
		char quote = 0, *w;
		const char *start;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		start = p;
		for (;;) {
			char ch = *p;

			if (!ch) {
				if (quote) {
					*ret_error = "unbalanced quotes";
					r = -EINVAL;
					goto out;
				}
				break;
			}
			if (quote && ch == quote) {
				quote = 0;
				p++;
				continue;
			}
			if (!quote && is_blank(ch))
				break;
			if (!quote && (ch == '"' || ch == '\'')) {
				quote = ch;
				p++;
				continue;
			}
			if (ch == '\\') {
				r = unescape(&p, &word[len], ret_error);
				if (r < 0)
					goto out;
				len++;
				continue;
			}
			word[len++] = ch;
			p++;
		}
		if (n >= UNIT_LIST_MAX) {
			*ret_error = "too many words";
			r = -E2BIG;
			goto out;
		}
		w = strndup(word, len);
		if (!w) {
			r = -ENOMEM;
			goto out;
		}
		r = unit_strv_push(&v, w);
		if (r < 0)
			goto out;
		if (sep)
			sep[n] = p - start == 1 && *start == ';';
		n++;
	}
	*ret = v;
	v = NULL;
	r = 0;
out:
	if (r == -ENOMEM)
		*ret_error = "out of memory";
	free(word);
	unit_strv_free(v);
	return r;
}

int unit_split_words(const char *s, char ***ret, const char **ret_error)
{
	return split_words(s, ret, NULL, ret_error);
}

int unit_split_commands(const char *s, char ****ret, const char **ret_error)
{
	bool *sep = NULL;
	char **words = NULL, ***cmds = NULL;
	size_t n = 0, nc = 0, start = 0;
	int r;

	*ret_error = NULL;
	sep = calloc(UNIT_LIST_MAX + 1, sizeof(*sep));
	if (!sep) {
		r = -ENOMEM;
		goto out;
	}
	r = split_words(s, &words, sep, ret_error);
	if (r < 0)
		goto out;
	n = unit_strv_len(words);
	cmds = calloc(n + 2, sizeof(*cmds));
	if (!cmds) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i <= n; i++) {
		char **argv;

		if (i < n && !sep[i])
			continue;
		if (i == start) {   /* ";" first, ";;", or a trailing ";" */
			if (i < n) {
				*ret_error = "empty command before ';'";
				r = -EINVAL;
				goto out;
			}
			break;
		}
		argv = calloc(i - start + 1, sizeof(*argv));
		if (!argv) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t j = start; j < i; j++) {
			argv[j - start] = words[j];
			words[j] = NULL;
		}
		cmds[nc++] = argv;
		start = i + 1;
	}
	if (nc == 0) {
		*ret_error = "no command";
		r = -EINVAL;
		goto out;
	}
	*ret = cmds;
	cmds = NULL;
	r = 0;
out:
	if (r == -ENOMEM)
		*ret_error = "out of memory";
	for (size_t i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
	unit_cmds_free(cmds);
	free(sep);
	return r;
}

void unit_cmds_free(char ***cmds)
{
	for (size_t i = 0; cmds && cmds[i]; i++)
		unit_strv_free(cmds[i]);
	free(cmds);
}

/* ---------------------------------------------------------------------- */
/* namespaces and CPU lists                                                */

static const struct {
	const char *name;
	unsigned bit;
} ns_names[] = {
	{ "pid", UNIT_NS_PID }, { "net", UNIT_NS_NET }, { "ipc", UNIT_NS_IPC },
	{ "mnt", UNIT_NS_MNT }, { "uts", UNIT_NS_UTS }, { "cgroup", UNIT_NS_CGROUP },
	{ "user", UNIT_NS_USER },
};

unsigned unit_ns_from_name(const char *name)
{
	for (size_t i = 0; i < N_ELEM(ns_names); i++)
		if (strcmp(name, ns_names[i].name) == 0)
			return ns_names[i].bit;
	return 0;
}

char *unit_ns_to_string(unsigned ns, char *buf, size_t len)
{
	size_t used = 0;

	if (!buf || len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < N_ELEM(ns_names); i++) {
		int n;

		if (!(ns & ns_names[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", ns_names[i].name);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0'; /* no partial names */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

/* "0-1,3" or "0 1 3": validated and normalised to merged ranges "0-1,3". */
int unit_parse_cpus(const char *s, char **ret)
{
	unsigned char bits[UNIT_CPU_MAX / 8];
	const char *p = s;
	size_t nranges = 0, used = 0;
	bool any = false;
	char *out;

	memset(bits, 0, sizeof(bits));
	while (is_blank(*p))
		p++;
	while (*p) {
		uint64_t a = 0, b;
		bool sep = false;

		if (!is_digit(*p))
			return -EINVAL;
		for (; is_digit(*p); p++) {
			a = a * 10 + (uint64_t)(*p - '0');
			if (a >= UNIT_CPU_MAX)
				return -ERANGE;
		}
		b = a;
		if (*p == '-') {
			p++;
			if (!is_digit(*p))
				return -EINVAL;
			for (b = 0; is_digit(*p); p++) {
				b = b * 10 + (uint64_t)(*p - '0');
				if (b >= UNIT_CPU_MAX)
					return -ERANGE;
			}
			if (b < a)
				return -EINVAL;
		}
		for (uint64_t i = a; i <= b; i++)
			bits[i / 8] |= (unsigned char)(1u << (i % 8));
		any = true;
		while (is_blank(*p)) {
			p++;
			sep = true;
		}
		if (*p == ',') {
			p++;
			while (is_blank(*p))
				p++;
			if (!*p)
				return -EINVAL; /* trailing ',' */
			sep = true;
		}
		if (*p && !sep)
			return -EINVAL;
	}
	if (!any)
		return -EINVAL;
	for (unsigned i = 0; i < UNIT_CPU_MAX; i++)
		if ((bits[i / 8] >> (i % 8) & 1) && (i == 0 || !(bits[(i - 1) / 8] >> ((i - 1) % 8) & 1)))
			nranges++;
	out = malloc(nranges * 12 + 1);
	if (!out)
		return -ENOMEM;
	for (unsigned i = 0; i < UNIT_CPU_MAX; i++) {
		unsigned j = i;

		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		while (j + 1 < UNIT_CPU_MAX && (bits[(j + 1) / 8] >> ((j + 1) % 8) & 1))
			j++;
		if (j == i)
			used += (size_t)sprintf(out + used, "%s%u", used ? "," : "", i);
		else
			used += (size_t)sprintf(out + used, "%s%u-%u", used ? "," : "", i, j);
		i = j;
	}
	out[used] = '\0';
	*ret = out;
	return 0;
}
