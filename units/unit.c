/* SPDX-License-Identifier: MIT */
/*
 * unit.c: unit files -> validated struct unit_spec. Parse first, act later:
 * nothing here touches the system beyond reading the files.
 *
 * The INI layer is inih (Debian's libinih, 55). We feed it through
 * ini_parse_stream() with our own reader over an in-memory copy of the file,
 * one logical line per reader call. That is how line numbers are kept (the
 * Debian library is built with INI_HANDLER_LINENO=0), and it lets us neutralise
 * the inih options that do not fit systemd-style unit files. Gotchas, each one
 * checked against the Debian build:
 *
 *  - Line length. inih hands the reader a buffer of `num` bytes (ini_max_line,
 *    200 in Debian's build, stack-allocated). We never let inih split a line:
 *    a KEY=VALUE line longer than that reaches inih as "KEY=\x02" and the
 *    handler takes the value from our own copy (up to LINE_BUF - 1 bytes),
 *    trimmed and cut at an inline comment as inih would have done. Longer
 *    lines, and overlong section headers, are "FILE:LINE: line too long".
 *  - Multi-line values. inih (INI_ALLOW_MULTILINE) treats an indented line as
 *    a continuation of the previous value (one more handler call with the same
 *    key): "ExecStart=a" + "   --flag" would silently *replace* the command
 *    with "--flag". systemd ignores indentation and continues lines that end
 *    in a backslash. We do what systemd does: the reader strips leading
 *    whitespace (so inih never sees a continuation) and joins lines ending in
 *    '\' (the backslash becomes a space; comment lines inside a continuation
 *    are skipped). The joined line is reported under its first line number,
 *    and its total length counts against the limit above.
 *  - Inline comments. inih (INI_ALLOW_INLINE_COMMENTS, prefix ";") ends a
 *    value at a ';' that follows whitespace: "Description=a ; b" gives "a",
 *    and "ExecStart=/bin/sh -c 'x ; y'" gives "/bin/sh -c 'x" (then an
 *    "unbalanced quotes" error). systemd has no inline comments. Write ';'
 *    without a space before it, or "\;" / "\x3b" in ExecStart=, Environment=
 *    and other quoted lists. Start-of-line comments are '#' and ';'.
 *  - "KEY: VALUE" is accepted by inih (configparser style); systemd does not
 *    accept it and neither do we (the raw line is checked in the handler).
 *  - Syntax errors. inih only returns the first bad line, and it does not call
 *    the handler for section headers. So, for every header line, the reader
 *    first sends a synthetic header "[\x01]", then the real line, then a
 *    synthetic key "\x01=": the key's section tells whether inih accepted the
 *    header and what it was called (a valid header with no keys, e.g. an
 *    empty [Install], is still seen). A non-blank, non-comment, non-header
 *    line for which the handler was not called is "expected KEY=VALUE". The
 *    synthetic lines cannot be forged: control characters in a file are
 *    errors, and such a line never reaches inih.
 *  - inih truncates section names to 49 characters (MAX_SECTION); such a
 *    section is unknown anyway. inih ignores text after "[Section]"; we
 *    report it. The UTF-8 BOM is stripped by the reader.
 *  - Debian's build exports its options as variables (ini_max_line,
 *    ini_allow_multiline, ...). We never touch them: they are process-wide and
 *    not upstream API; everything above works with the compiled defaults.
 *
 * Semantics where the SPEC is silent (systemd's, unless said otherwise):
 *  - Section and key names are case-sensitive. [Unit] and [Service] may appear
 *    more than once. Any other section ([Install] too) is an error.
 *  - A key given twice: the later assignment wins for scalars; list keys
 *    (After= Requires= Wants= Environment= EnvironmentFile=
 *    SupplementaryGroups= BindPaths= BindReadOnlyPaths=) accumulate, and an
 *    empty assignment resets the list. An empty assignment to a scalar resets
 *    it to its default. Exception: Namespaces= needs a value ("none").
 *    BindPaths= or BindReadOnlyPaths= empty resets both (as systemd).
 *    Environment= with a NAME given before replaces that entry in place.
 *    CapabilityBoundingSet=/AmbientCapabilities=: the first assignment sets,
 *    later ones OR in, "~" ones AND out (as systemd).
 *  - Missing ExecStart= is reported at the first [Service] line; when there is
 *    no [Service] at all, "missing [Service] section" is reported at line 0
 *    (the file as a whole).
 *  - ExecStart= prefixes (- @ : + !) are not supported (error), nor specifiers
 *    (%n...) or $VAR expansion (kept literally), nor several commands.
 *    argv[0] is absolute or a bare name (looked up in PATH at start).
 *  - TimeoutStartSec=0 / TimeoutStopSec=0 mean infinity (systemd does so).
 *    RestartSec= and RestartMaxDelaySec= must be finite.
 *  - After=/Requires=/Wants= take NAME or NAME.service; stored without the
 *    suffix, so they compare equal to unit_spec.name.
 *  - RootDirectory=, OverlayUpper=, BindPaths= need the mnt namespace and
 *    Hostname= the uts one; OverlayUpper= needs Overlay=yes.
 *  - Values: times take us ms s sec min h, combined ("1min 30s"), decimals
 *    ("0.5s"), a bare number alone = seconds, "infinity". Sizes: bytes or
 *    K M G T (1024-based, "1.5G" ok), "infinity"; no percentages. CPUQuota=
 *    is an integer percentage (1%..1000000%). AllowedCPUs= ("0-1,3" or
 *    "0 1 3", CPUs < 8192) is stored normalised ("0-1,3"). Escapes in quoted
 *    lists: \a \b \f \n \r \t \v \s \\ \" \' \; \<space> \xNN (not
 *    \x00); any other escape is an error. "~CAP_X" sets every bit but X (all
 *    64, so capabilities newer than libcap are kept in a bounding set).
 *  - User=, Group=, SupplementaryGroups=: a number < 2^32-1 or a name
 *    [A-Za-z_][A-Za-z0-9_.-]*$? (<= 256); resolved at start, not here.
 *    Hostname=: RFC 1123 labels, <= 64 bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "units/unit.h"

#define USEC_PER_MSEC  UINT64_C(1000)
#define USEC_PER_SEC   UINT64_C(1000000)

#define LINE_BUF       32768         /* our copy of one logical line */
#define LONG_VALUE     "\x02"        /* stands in for a value too long for inih */
#define CPU_MAX        8192          /* AllowedCPUs= numbers are < CPU_MAX */
#define RESET_LINE     "[\x01]"     /* synthetic lines, see the top comment */
#define RESET_SECTION  "\x01"
#define PROBE_LINE     "\x01="
#define PROBE_NAME     "\x01"

#define SEC_UNIT       (1u << 0)
#define SEC_SERVICE    (1u << 1)

/* ---------------------------------------------------------------------- */
/* small helpers                                                            */

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

static char **strv_new(void)
{
	return calloc(1, sizeof(char *));
}

/* Append s (ownership taken, freed on failure). */
static int strv_push(char ***v, char *s)
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

static bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static bool strv_equal(char *const *a, char *const *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == b[i];
}

static bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Replace *field by a copy of s (NULL: set NULL). */
static int set_str(char **field, const char *s)
{
	char *n = NULL;

	if (s) {
		n = strdup(s);
		if (!n)
			return -ENOMEM;
	}
	free(*field);
	*field = n;
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decimal digits only, at least one; -ERANGE on overflow. */
static int parse_u64(const char *s, uint64_t *ret)
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
	f = frac * mult / div;  /* frac < 10^6, mult <= 2^40: no overflow */
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
	{ "us", 1 },
	{ "ms", USEC_PER_MSEC },
	{ "s", USEC_PER_SEC },
	{ "sec", USEC_PER_SEC },
	{ "min", 60 * USEC_PER_SEC },
	{ "h", 3600 * USEC_PER_SEC },
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
		for (u = p; is_alpha(*p); p++)
			;
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
		int r = parse_u64(s, &n);

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
		if (*p != (min ? '+' : '-') || parse_u64(p + 1, &n) < 0 ||
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

static bool env_assignment_valid(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && env_name_valid(s, (size_t)(eq - s));
}

/* A user or group: a number below 2^32-1, or a name
 * [A-Za-z_][A-Za-z0-9_.-]* with an optional final '$' (at most 256). */
static bool ident_valid(const char *s)
{
	size_t n = strlen(s);
	uint64_t id;

	if (n == 0 || n > 256)
		return false;
	if (is_digit(s[0]))
		return parse_u64(s, &id) == 0 && id < UINT32_MAX;
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

static bool path_abs_valid(const char *s)
{
	return s[0] == '/' && strlen(s) < PATH_MAX;
}

/* RFC 1123 labels: [A-Za-z0-9-], 1..63 each, no '-' at either end, <= 64. */
static bool hostname_valid(const char *s)
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

/* Split s into words (possibly none). At most UNIT_LIST_MAX words. */
static int split_words(const char *s, char ***ret, const char **ret_error)
{
	char **v = NULL, *word = NULL;
	const char *p = s;
	size_t n = 0;
	int r;

	*ret_error = NULL;
	v = strv_new();
	word = malloc(strlen(s) + 1);
	if (!v || !word) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t len = 0;
		char quote = 0, *w;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
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
		r = strv_push(&v, w);
		if (r < 0)
			goto out;
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

int unit_split_exec(const char *s, char ***ret_argv, const char **ret_error)
{
	const char *dummy;
	char **v = NULL;
	int r;

	if (!ret_error)
		ret_error = &dummy;
	if (!s) {
		*ret_error = "empty command line";
		return -EINVAL;
	}
	r = split_words(s, &v, ret_error);
	if (r < 0)
		return r == -E2BIG ? -EINVAL : r;
	if (!v[0]) {
		unit_strv_free(v);
		*ret_error = "empty command line";
		return -EINVAL;
	}
	*ret_argv = v;
	return 0;
}

int unit_split_env(const char *s, char ***ret_env, const char **ret_error)
{
	const char *dummy;
	char **v = NULL;
	int r;

	if (!ret_error)
		ret_error = &dummy;
	if (!s)
		s = "";
	r = split_words(s, &v, ret_error);
	if (r < 0)
		return r == -E2BIG ? -EINVAL : r;
	for (size_t i = 0; v[i]; i++) {
		if (!env_assignment_valid(v[i])) {
			*ret_error = strchr(v[i], '=') ? "invalid variable name" :
							 "expected NAME=VALUE";
			unit_strv_free(v);
			return -EINVAL;
		}
	}
	*ret_env = v;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* diagnostics                                                              */

void unit_diag_add(struct unit_diag *diag, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;
	int n;

	if (!diag)
		return;
	if (diag->n >= UNIT_DIAG_MAX) {
		diag->dropped++;
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0) {
		diag->dropped++;
		return;
	}
	diag->msgs[diag->n++] = m;
}

void unit_diag_free(struct unit_diag *diag)
{
	if (!diag)
		return;
	for (size_t i = 0; i < diag->n && i < UNIT_DIAG_MAX; i++)
		free(diag->msgs[i]);
	memset(diag, 0, sizeof(*diag));
}

static int too_big(const char *path, struct unit_diag *diag)
{
	unit_diag_add(diag, "%s: file too large (more than %d bytes)", path, UNIT_FILE_MAX);
	return -EFBIG;
}

/* ---------------------------------------------------------------------- */
/* specs                                                                    */

void unit_spec_free(struct unit_spec *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->description);
	unit_strv_free(s->after);
	unit_strv_free(s->requires);
	unit_strv_free(s->wants);
	unit_strv_free(s->argv);
	unit_strv_free(s->environment);
	unit_strv_free(s->environment_files);
	free(s->working_directory);
	free(s->user);
	free(s->group);
	unit_strv_free(s->supplementary_groups);
	free(s->std_output.path);
	free(s->std_error.path);
	free(s->hostname);
	free(s->root_directory);
	free(s->overlay_upper);
	for (size_t i = 0; i < s->n_binds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
	}
	free(s->binds);
	free(s->allowed_cpus);
	free(s);
}

static int spec_new(const char *name, const char *path, struct unit_spec **ret)
{
	struct unit_spec *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->path = strdup(path);
	s->description = strdup("");
	s->after = strv_new();
	s->requires = strv_new();
	s->wants = strv_new();
	s->environment = strv_new();
	s->environment_files = strv_new();
	s->supplementary_groups = strv_new();
	if (!s->path || !s->description || !s->after || !s->requires || !s->wants ||
	    !s->environment || !s->environment_files || !s->supplementary_groups) {
		unit_spec_free(s);
		return -ENOMEM;
	}
	s->type = UNIT_SIMPLE;
	s->restart = UNIT_RESTART_ON_FAILURE;
	s->restart_usec = 100 * USEC_PER_MSEC;
	s->restart_steps = 8;
	s->restart_max_usec = 30 * USEC_PER_SEC;
	s->start_limit_burst = 5;
	s->start_limit_interval_usec = 10 * USEC_PER_SEC;
	s->success_action = UNIT_ACTION_NONE;
	s->failure_action = UNIT_ACTION_NONE;
	s->timeout_start_usec = 90 * USEC_PER_SEC;
	s->timeout_stop_usec = 10 * USEC_PER_SEC;
	s->kill_signal = SIGTERM;
	s->capability_bounding_set = UINT64_MAX; /* not given: unchanged (full) */
	s->std_output.kind = UNIT_OUTPUT_LOG;
	s->std_error.kind = UNIT_OUTPUT_LOG;
	s->namespaces = UNIT_NS_DEFAULT;
	s->overlay = true;
	s->memory_max = UNIT_INFINITY;
	s->memory_high = UNIT_INFINITY;
	s->tasks_max = UNIT_INFINITY;
	*ret = s;
	return 0;
}

static bool output_equal(const struct unit_output_spec *a, const struct unit_output_spec *b)
{
	return a->kind == b->kind && streq_ptr(a->path, b->path);
}

bool unit_spec_equal(const struct unit_spec *a, const struct unit_spec *b)
{
	if (!a || !b)
		return a == b;
	if (strcmp(a->name, b->name) != 0 || !streq_ptr(a->path, b->path) ||
	    !streq_ptr(a->description, b->description) || !strv_equal(a->after, b->after) ||
	    !strv_equal(a->requires, b->requires) || !strv_equal(a->wants, b->wants))
		return false;
	if (a->type != b->type || !strv_equal(a->argv, b->argv) ||
	    !strv_equal(a->environment, b->environment) ||
	    !strv_equal(a->environment_files, b->environment_files) ||
	    !streq_ptr(a->working_directory, b->working_directory) ||
	    !streq_ptr(a->user, b->user) || !streq_ptr(a->group, b->group) ||
	    !strv_equal(a->supplementary_groups, b->supplementary_groups))
		return false;
	if (a->restart != b->restart || a->restart_usec != b->restart_usec ||
	    a->restart_steps != b->restart_steps || a->restart_max_usec != b->restart_max_usec ||
	    a->start_limit_burst != b->start_limit_burst ||
	    a->start_limit_interval_usec != b->start_limit_interval_usec ||
	    a->success_action != b->success_action || a->failure_action != b->failure_action ||
	    a->timeout_start_usec != b->timeout_start_usec ||
	    a->timeout_stop_usec != b->timeout_stop_usec || a->kill_signal != b->kill_signal)
		return false;
	if (a->no_new_privileges != b->no_new_privileges ||
	    a->capability_bounding_set_given != b->capability_bounding_set_given ||
	    a->capability_bounding_set != b->capability_bounding_set ||
	    a->ambient_capabilities != b->ambient_capabilities ||
	    !output_equal(&a->std_output, &b->std_output) ||
	    !output_equal(&a->std_error, &b->std_error))
		return false;
	if (a->namespaces != b->namespaces || !streq_ptr(a->hostname, b->hostname) ||
	    !streq_ptr(a->root_directory, b->root_directory) || a->overlay != b->overlay ||
	    !streq_ptr(a->overlay_upper, b->overlay_upper) || a->n_binds != b->n_binds)
		return false;
	for (size_t i = 0; i < a->n_binds; i++) {
		const struct unit_bind *x = &a->binds[i], *y = &b->binds[i];

		if (!streq_ptr(x->src, y->src) || !streq_ptr(x->dst, y->dst) ||
		    x->read_only != y->read_only || x->optional != y->optional)
			return false;
	}
	return a->limits_set == b->limits_set && a->memory_max == b->memory_max &&
	       a->memory_high == b->memory_high && a->cpu_weight == b->cpu_weight &&
	       a->cpu_quota_percent == b->cpu_quota_percent && a->tasks_max == b->tasks_max &&
	       a->io_weight == b->io_weight && streq_ptr(a->allowed_cpus, b->allowed_cpus);
}

/* ---------------------------------------------------------------------- */
/* the parse context, the reader and the handler                            */

struct key_def;

struct parse_ctx {
	const char *path;
	struct unit_diag *diag;
	struct unit_spec *spec;
	unsigned errors;
	bool oom;

	/* reader */
	const char *p, *end;
	unsigned lineno;           /* first line of the current logical line */
	unsigned next_lineno;
	enum { PEND_NONE, PEND_HEADER, PEND_PROBE } pending;
	bool expect_key;           /* the current line must reach the handler */
	bool handler_called;
	char line[LINE_BUF];       /* the current logical line, as given to inih */
	const char *long_value;    /* the real value behind LONG_VALUE, in line */

	/* what was seen */
	unsigned service_line;     /* first [Service] header, 0: none */
	bool exec_bad;             /* ExecStart= had an error (no "missing") */
	bool ambient_given;
	bool buf_error;            /* inih's line buffer is unusable */
	unsigned *key_line;        /* per key: line of the last non-empty assignment */
};

typedef int (*key_parser)(struct parse_ctx *c, const struct key_def *k, const char *v);

struct key_def {
	const char *name;
	unsigned sections;
	key_parser parse;
	size_t off;                /* field in struct unit_spec */
	unsigned flags;            /* parser specific: KF_* or a UNIT_LIM_* bit */
	uint64_t min, max, dflt;
	const char *const *names;  /* p_enum: the words, indexed by value */
	size_t n_names;
};

enum {
	KF_TIME_FINITE = 1 << 0,   /* no "infinity" */
	KF_TIME_ZERO_INF = 1 << 1, /* 0 means infinity */
	KF_BOUNDING = 1 << 2,
	KF_READ_ONLY = 1 << 3,
};

#define FIELD(c, k, type) ((type *)(void *)((char *)(c)->spec + (k)->off))

static void perr(struct parse_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void perr(struct parse_ctx *c, unsigned line, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->errors++;
	unit_diag_add(c->diag, "%s:%u: %s", c->path, line, buf);
}

/* "FILE:LINE: KEY=: what"; returns -EINVAL for the parser to pass on. */
static int kerr(struct parse_ctx *c, const struct key_def *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int kerr(struct parse_ctx *c, const struct key_def *k, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->errors++;
	unit_diag_add(c->diag, "%s:%u: %s=: %s", c->path, c->lineno, k->name, buf);
	return -EINVAL;
}

/* Split a list value; reports the error itself. */
static int split_list(struct parse_ctx *c, const struct key_def *k, const char *v, char ***ret)
{
	const char *err = NULL;
	int r;

	r = split_words(v, ret, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG)
		(void)kerr(c, k, "too many entries (max %d) in \"%s\"", UNIT_LIST_MAX, v);
	else if (r < 0)
		(void)kerr(c, k, "%s in \"%s\"", err, v);
	return r < 0 ? -EINVAL : 0;
}

static int p_string(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	return set_str(FIELD(c, k, char *), v);
}

static int p_path(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!path_abs_valid(v))
		return kerr(c, k, "not an absolute path \"%s\"", v);
	return set_str(FIELD(c, k, char *), v);
}

static int p_ident(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	if (!*v)
		return set_str(FIELD(c, k, char *), NULL);
	if (!ident_valid(v))
		return kerr(c, k, "invalid user or group name \"%s\"", v);
	return set_str(FIELD(c, k, char *), v);
}

/* Append the words of v that pass check (after map) to a list field. */
static int p_list(struct parse_ctx *c, const struct key_def *k, const char *v,
		  bool (*check)(const char *), const char *what, bool unit_names)
{
	char ***field = FIELD(c, k, char **), **words = NULL;
	size_t n;
	int r;

	if (!*v) {
		char **e = strv_new();

		if (!e)
			return -ENOMEM;
		unit_strv_free(*field);
		*field = e;
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		size_t len = strlen(words[i]);

		if (unit_names && len > 8 && strcmp(words[i] + len - 8, ".service") == 0)
			words[i][len - 8] = '\0';
		if (!check(words[i])) {
			r = kerr(c, k, "invalid %s \"%s\"", what, words[i]);
			goto out;
		}
	}
	n = unit_strv_len(*field);
	for (size_t i = 0; words[i]; i++) {
		char *w;

		if (strv_contains(*field, words[i]))
			continue;
		if (n >= UNIT_LIST_MAX) {
			r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
			goto out;
		}
		w = strdup(words[i]);
		if (!w) {
			r = -ENOMEM;
			goto out;
		}
		r = strv_push(field, w);
		if (r < 0)
			goto out;
		n++;
	}
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_units(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, unit_name_valid, "unit name", true);
}

static int p_groups(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	return p_list(c, k, v, ident_valid, "group name", false);
}

static int lookup(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

static const char *const type_names[] = {
	[UNIT_SIMPLE] = "simple", [UNIT_NOTIFY] = "notify", [UNIT_ONESHOT] = "oneshot",
};
static const char *const restart_names[] = {
	[UNIT_RESTART_NO] = "no", [UNIT_RESTART_ON_FAILURE] = "on-failure",
	[UNIT_RESTART_ALWAYS] = "always",
};
static const char *const action_names[] = {
	[UNIT_ACTION_NONE] = "none", [UNIT_ACTION_EXIT] = "exit",
	[UNIT_ACTION_POWEROFF] = "poweroff", [UNIT_ACTION_REBOOT] = "reboot",
};
#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))
#define ENUM(a) a, N_ELEM(a)

const char *unit_type_to_string(enum unit_type t)
{
	return (size_t)t < N_ELEM(type_names) ? type_names[t] : "unknown";
}

const char *unit_restart_to_string(enum unit_restart r)
{
	return (size_t)r < N_ELEM(restart_names) ? restart_names[r] : "unknown";
}

const char *unit_action_to_string(enum unit_action a)
{
	return (size_t)a < N_ELEM(action_names) ? action_names[a] : "unknown";
}

/* Type= Restart= SuccessAction= FailureAction=: one word of k->names; empty
 * is the default (k->dflt). */
static int p_enum(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	int i = *v ? lookup(k->names, k->n_names, v) : (int)k->dflt;

	if (i < 0) {
		char expected[128] = "";
		size_t off = 0;

		for (size_t j = 0; j < k->n_names && off < sizeof(expected); j++)
			off += (size_t)snprintf(expected + off, sizeof(expected) - off, "%s%s",
						j == 0 ? "" : j + 1 == k->n_names ? " or " : ", ",
						k->names[j]);
		return kerr(c, k, "invalid value \"%s\" (expected %s)", v, expected);
	}
	*FIELD(c, k, int) = i;
	return 0;
}

static int p_time(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t t;
	int r;

	if (!*v) {
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	r = unit_parse_time(v, &t);
	if (r == -ERANGE)
		return kerr(c, k, "time out of range \"%s\"", v);
	if (r < 0)
		return kerr(c, k, "invalid time \"%s\"", v);
	if (t == UNIT_INFINITY && (k->flags & KF_TIME_FINITE))
		return kerr(c, k, "must be finite, not \"%s\"", v);
	if (t == 0 && (k->flags & KF_TIME_ZERO_INF))
		t = UNIT_INFINITY;
	*FIELD(c, k, uint64_t) = t;
	return 0;
}

static int p_unsigned(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;

	if (!*v) {
		*FIELD(c, k, unsigned) = (unsigned)k->dflt;
		return 0;
	}
	if (parse_u64(v, &n) < 0 || n < k->min || n > k->max)
		return kerr(c, k, "invalid number \"%s\" (expected %llu..%llu)", v,
			    (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(c, k, unsigned) = (unsigned)n;
	return 0;
}

static int p_bool(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	bool b;

	if (!*v) {
		*FIELD(c, k, bool) = k->dflt != 0;
		return 0;
	}
	if (unit_parse_bool(v, &b) < 0)
		return kerr(c, k, "invalid boolean \"%s\" (expected yes or no)", v);
	*FIELD(c, k, bool) = b;
	return 0;
}

static int p_signal(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	int sig;

	if (!*v) {
		c->spec->kill_signal = SIGTERM;
		return 0;
	}
	if (unit_parse_signal(v, &sig) < 0)
		return kerr(c, k, "invalid signal \"%s\"", v);
	c->spec->kill_signal = sig;
	return 0;
}

static int p_exec(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	const char *err = NULL;
	char **argv = NULL;
	int r;

	c->exec_bad = true;
	if (!*v) {
		unit_strv_free(c->spec->argv);
		c->spec->argv = NULL;
		c->exec_bad = false;
		return 0;
	}
	if (strchr("-@:+!", v[0]))
		return kerr(c, k, "prefix '%c' is not supported in \"%s\"", v[0], v);
	r = split_words(v, &argv, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG)
		return kerr(c, k, "too many words (max %d)", UNIT_LIST_MAX);
	if (r < 0)
		return kerr(c, k, "%s in \"%s\"", err, v);
	if (!argv[0][0]) {
		r = kerr(c, k, "empty program name in \"%s\"", v);
		goto out;
	}
	if (argv[0][0] != '/' && strchr(argv[0], '/')) {
		r = kerr(c, k, "relative path \"%s\" (use an absolute path, or a bare name "
			 "looked up in PATH)", argv[0]);
		goto out;
	}
	unit_strv_free(c->spec->argv);
	c->spec->argv = argv;
	argv = NULL;
	c->exec_bad = false;
	r = 0;
out:
	unit_strv_free(argv);
	return r;
}

static int p_env(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	char ***env = &c->spec->environment, **words = NULL;
	size_t n = 0;
	int r;

	if (!*v)
		return p_list(c, k, v, NULL, NULL, false); /* reset */
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	n = unit_strv_len(words);
	for (size_t i = 0; i < n; i++) {
		if (!env_assignment_valid(words[i])) {
			r = kerr(c, k, "invalid assignment \"%s\" (expected NAME=VALUE)", words[i]);
			goto out;
		}
	}
	/* words[i] moves into the list (NULL here once moved) */
	for (size_t i = 0; i < n; i++) {
		size_t nlen = (size_t)(strchr(words[i], '=') - words[i]) + 1, j;

		for (j = 0; (*env)[j]; j++)
			if (strncmp((*env)[j], words[i], nlen) == 0)
				break;
		if ((*env)[j]) { /* NAME given before: replaced in place */
			free((*env)[j]);
			(*env)[j] = words[i];
			words[i] = NULL;
			continue;
		}
		if (j >= UNIT_LIST_MAX) {
			r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
			goto out;
		}
		r = strv_push(env, words[i]);
		words[i] = NULL;
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	for (size_t i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

static int p_env_file(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	char ***field = &c->spec->environment_files, *w;

	if (!*v)
		return p_list(c, k, v, NULL, NULL, false); /* reset */
	if (!path_abs_valid(v[0] == '-' ? v + 1 : v))
		return kerr(c, k, "not an absolute path \"%s\"", v);
	if (unit_strv_len(*field) >= UNIT_LIST_MAX)
		return kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
	w = strdup(v);
	if (!w)
		return -ENOMEM;
	return strv_push(field, w);
}

/* CapabilityBoundingSet= / AmbientCapabilities=: libcap names, "~" inverts.
 * First assignment sets, later ones OR in (or AND out with "~"). */
static int p_caps(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	bool bounding = k->flags & KF_BOUNDING;
	bool *given = bounding ? &c->spec->capability_bounding_set_given : &c->ambient_given;
	uint64_t *set = FIELD(c, k, uint64_t), sum = 0;
	bool invert = v[0] == '~';
	char **words = NULL;
	int r;

	if (!*v) {
		/* as systemd: an empty bounding set drops every capability, an
		 * empty ambient set raises none; later lines add to it */
		*given = bounding;
		*set = 0;
		return 0;
	}
	r = split_list(c, k, v + invert, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		cap_value_t cap;
		bool ok = words[i][0] != '\0';

		/* cap_from_name() stops at a ',' and ignores the rest: check first */
		for (const char *q = words[i]; *q; q++)
			if (!is_alpha(*q) && !is_digit(*q) && *q != '_')
				ok = false;
		if (!ok || cap_from_name(words[i], &cap) < 0 || cap < 0 || cap > 63) {
			r = kerr(c, k, "unknown capability \"%s\"", words[i]);
			goto out;
		}
		sum |= UINT64_C(1) << cap;
	}
	if (!*given)
		*set = invert ? ~sum : sum;
	else if (invert)
		*set &= ~sum;
	else
		*set |= sum;
	*given = true;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_output(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	static const char *const simple[] = {
		[UNIT_OUTPUT_LOG] = "log", [UNIT_OUTPUT_CONSOLE] = "console",
		[UNIT_OUTPUT_NULL] = "null", [UNIT_OUTPUT_INHERIT] = "inherit",
	};
	struct unit_output_spec *o = FIELD(c, k, struct unit_output_spec);
	enum unit_output kind;
	const char *path = NULL;
	char *copy = NULL;
	int i;

	if (!*v) {
		i = UNIT_OUTPUT_LOG;
	} else {
		i = lookup(simple, N_ELEM(simple), v);
	}
	if (i >= 0) {
		kind = (enum unit_output)i;
	} else if (strncmp(v, "file:", 5) == 0) {
		kind = UNIT_OUTPUT_FILE;
		path = v + 5;
	} else if (strncmp(v, "append:", 7) == 0) {
		kind = UNIT_OUTPUT_APPEND;
		path = v + 7;
	} else {
		return kerr(c, k, "invalid value \"%s\" (expected log, console, null, inherit, "
			    "file:PATH or append:PATH)", v);
	}
	if (path) {
		if (!path_abs_valid(path))
			return kerr(c, k, "not an absolute path \"%s\"", path);
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
	}
	free(o->path);
	o->path = copy;
	o->kind = kind;
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} ns_names[] = {
	{ "pid", UNIT_NS_PID }, { "net", UNIT_NS_NET }, { "ipc", UNIT_NS_IPC },
	{ "mnt", UNIT_NS_MNT }, { "uts", UNIT_NS_UTS }, { "cgroup", UNIT_NS_CGROUP },
	{ "user", UNIT_NS_USER },
};

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

static int p_namespaces(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	char **words = NULL;
	unsigned ns = 0;
	bool none = false;
	int r;

	if (!*v)
		return kerr(c, k, "empty value (use \"none\" for the host's namespaces)");
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (size_t i = 0; words[i]; i++) {
		size_t j;

		if (strcmp(words[i], "none") == 0) {
			none = true;
			continue;
		}
		for (j = 0; j < N_ELEM(ns_names); j++)
			if (strcmp(words[i], ns_names[j].name) == 0)
				break;
		if (j == N_ELEM(ns_names)) {
			r = kerr(c, k, "unknown namespace \"%s\" (expected pid, net, ipc, mnt, "
				 "uts, cgroup, user or none)", words[i]);
			goto out;
		}
		ns |= ns_names[j].bit;
	}
	if (none && (ns || unit_strv_len(words) > 1)) {
		r = kerr(c, k, "\"none\" cannot be combined with other namespaces in \"%s\"", v);
		goto out;
	}
	c->spec->namespaces = ns;
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

static int p_hostname(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	if (*v && !hostname_valid(v))
		return kerr(c, k, "invalid hostname \"%s\"", v);
	return set_str(&c->spec->hostname, *v ? v : NULL);
}

static void binds_free(struct unit_spec *s)
{
	for (size_t i = 0; i < s->n_binds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
	}
	free(s->binds);
	s->binds = NULL;
	s->n_binds = 0;
}

static int p_binds(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	struct unit_spec *s = c->spec;
	struct unit_bind *nb;
	char **words = NULL;
	size_t n;
	int r;

	if (!*v) {
		binds_free(s);
		return 0;
	}
	r = split_list(c, k, v, &words);
	if (r < 0)
		return r;
	for (n = 0; words[n]; n++) {
		char *w = words[n] + (words[n][0] == '-'), *colon = strchr(w, ':');

		if (colon)
			*colon = '\0';
		if (!path_abs_valid(w) || (colon && (!path_abs_valid(colon + 1) ||
						     strchr(colon + 1, ':')))) {
			if (colon)
				*colon = ':';
			r = kerr(c, k, "invalid bind \"%s\" (expected [-]SRC[:DST], absolute paths)",
				 words[n]);
			goto out;
		}
		if (colon)
			*colon = ':';
	}
	if (s->n_binds + n > UNIT_LIST_MAX) {
		r = kerr(c, k, "too many entries (max %d)", UNIT_LIST_MAX);
		goto out;
	}
	nb = realloc(s->binds, (s->n_binds + n + 1) * sizeof(*nb));
	if (!nb) {
		r = -ENOMEM;
		goto out;
	}
	s->binds = nb;
	for (size_t i = 0; words[i]; i++) {
		struct unit_bind *b = &s->binds[s->n_binds];
		bool optional = words[i][0] == '-';
		char *src = words[i] + optional, *colon = strchr(src, ':');

		b->read_only = k->flags & KF_READ_ONLY;
		b->optional = optional;
		b->src = strndup(src, colon ? (size_t)(colon - src) : strlen(src));
		b->dst = strdup(colon ? colon + 1 : src);
		if (!b->src || !b->dst) {
			free(b->src);
			free(b->dst);
			r = -ENOMEM;
			goto out;
		}
		s->n_binds++;
	}
	r = 0;
out:
	unit_strv_free(words);
	return r;
}

/* MemoryMax= MemoryHigh=: size or infinity. */
static int p_mem(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;
	int r;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	r = unit_parse_size(v, &n);
	if (r == -ERANGE)
		return kerr(c, k, "size out of range \"%s\"", v);
	if (r < 0)
		return kerr(c, k, "invalid size \"%s\" (expected bytes, K, M, G, T or infinity)", v);
	*FIELD(c, k, uint64_t) = n;
	c->spec->limits_set |= k->flags;
	return 0;
}

/* CPUWeight= IOWeight= TasksMax=: a number in min..max ("infinity" when
 * dflt is UNIT_INFINITY). */
static int p_limit_num(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	uint64_t n;

	if (!*v) {
		c->spec->limits_set &= ~k->flags;
		*FIELD(c, k, uint64_t) = k->dflt;
		return 0;
	}
	if (k->dflt == UNIT_INFINITY && strcmp(v, "infinity") == 0)
		n = UNIT_INFINITY;
	else if (parse_u64(v, &n) < 0 || n < k->min || n > k->max)
		return k->dflt == UNIT_INFINITY ?
			kerr(c, k, "invalid value \"%s\" (expected a number >= %llu, or infinity)",
			     v, (unsigned long long)k->min) :
			kerr(c, k, "invalid value \"%s\" (expected %llu..%llu)", v,
			     (unsigned long long)k->min, (unsigned long long)k->max);
	*FIELD(c, k, uint64_t) = n;
	c->spec->limits_set |= k->flags;
	return 0;
}

static int p_quota(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	size_t len = strlen(v);
	char num[32];
	uint64_t n;

	if (!*v) {
		c->spec->limits_set &= ~UNIT_LIM_CPU_QUOTA;
		c->spec->cpu_quota_percent = 0;
		return 0;
	}
	if (len < 2 || len >= sizeof(num) || v[len - 1] != '%')
		return kerr(c, k, "invalid quota \"%s\" (expected a percentage, e.g. 50%%)", v);
	memcpy(num, v, len - 1);
	num[len - 1] = '\0';
	if (parse_u64(num, &n) < 0 || n < k->min || n > k->max)
		return kerr(c, k, "invalid quota \"%s\" (expected %llu%%..%llu%%)", v,
			    (unsigned long long)k->min, (unsigned long long)k->max);
	c->spec->cpu_quota_percent = n;
	c->spec->limits_set |= UNIT_LIM_CPU_QUOTA;
	return 0;
}

/* "0-1,3" or "0 1 3": validated and normalised to merged ranges "0-1,3". */
static int parse_cpus(const char *s, char **ret)
{
	unsigned char bits[CPU_MAX / 8];
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
			if (a >= CPU_MAX)
				return -ERANGE;
		}
		b = a;
		if (*p == '-') {
			p++;
			if (!is_digit(*p))
				return -EINVAL;
			for (b = 0; is_digit(*p); p++) {
				b = b * 10 + (uint64_t)(*p - '0');
				if (b >= CPU_MAX)
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
	for (unsigned i = 0; i < CPU_MAX; i++)
		if ((bits[i / 8] >> (i % 8) & 1) && (i == 0 || !(bits[(i - 1) / 8] >> ((i - 1) % 8) & 1)))
			nranges++;
	out = malloc(nranges * 12 + 1);
	if (!out)
		return -ENOMEM;
	for (unsigned i = 0; i < CPU_MAX; i++) {
		unsigned j = i;

		if (!(bits[i / 8] >> (i % 8) & 1))
			continue;
		while (j + 1 < CPU_MAX && (bits[(j + 1) / 8] >> ((j + 1) % 8) & 1))
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

static int p_cpus(struct parse_ctx *c, const struct key_def *k, const char *v)
{
	char *cpus = NULL;
	int r;

	if (!*v) {
		c->spec->limits_set &= ~UNIT_LIM_ALLOWED_CPUS;
		return set_str(&c->spec->allowed_cpus, NULL);
	}
	r = parse_cpus(v, &cpus);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return kerr(c, k, "invalid CPU list \"%s\" (expected e.g. 0-1,3; CPUs < %d)",
			    v, CPU_MAX);
	free(c->spec->allowed_cpus);
	c->spec->allowed_cpus = cpus;
	c->spec->limits_set |= UNIT_LIM_ALLOWED_CPUS;
	return 0;
}

#define OFF(f) offsetof(struct unit_spec, f)
#define ANY (SEC_UNIT | SEC_SERVICE)
#define SVC SEC_SERVICE

static const struct key_def keys[] = {
	{ "Description", SEC_UNIT, p_string, OFF(description), 0, 0, 0, 0, NULL, 0 },
	{ "After", SEC_UNIT, p_units, OFF(after), 0, 0, 0, 0, NULL, 0 },
	{ "Requires", SEC_UNIT, p_units, OFF(requires), 0, 0, 0, 0, NULL, 0 },
	{ "Wants", SEC_UNIT, p_units, OFF(wants), 0, 0, 0, 0, NULL, 0 },
	{ "StartLimitBurst", ANY, p_unsigned, OFF(start_limit_burst), 0, 0, 1000000, 5, NULL, 0 },
	{ "StartLimitIntervalSec", ANY, p_time, OFF(start_limit_interval_usec), 0, 0, 0,
	  10 * USEC_PER_SEC, NULL, 0 },

	{ "Type", SVC, p_enum, OFF(type), 0, 0, 0, UNIT_SIMPLE, ENUM(type_names) },
	{ "ExecStart", SVC, p_exec, OFF(argv), 0, 0, 0, 0, NULL, 0 },
	{ "Environment", SVC, p_env, OFF(environment), 0, 0, 0, 0, NULL, 0 },
	{ "EnvironmentFile", SVC, p_env_file, OFF(environment_files), 0, 0, 0, 0, NULL, 0 },
	{ "WorkingDirectory", SVC, p_path, OFF(working_directory), 0, 0, 0, 0, NULL, 0 },
	{ "User", SVC, p_ident, OFF(user), 0, 0, 0, 0, NULL, 0 },
	{ "Group", SVC, p_ident, OFF(group), 0, 0, 0, 0, NULL, 0 },
	{ "SupplementaryGroups", SVC, p_groups, OFF(supplementary_groups), 0, 0, 0, 0, NULL, 0 },
	{ "Restart", SVC, p_enum, OFF(restart), 0, 0, 0, UNIT_RESTART_ON_FAILURE,
	  ENUM(restart_names) },
	{ "RestartSec", SVC, p_time, OFF(restart_usec), KF_TIME_FINITE, 0, 0,
	  100 * USEC_PER_MSEC, NULL, 0 },
	{ "RestartSteps", SVC, p_unsigned, OFF(restart_steps), 0, 0, 1000, 8, NULL, 0 },
	{ "RestartMaxDelaySec", SVC, p_time, OFF(restart_max_usec), KF_TIME_FINITE, 0, 0,
	  30 * USEC_PER_SEC, NULL, 0 },
	{ "SuccessAction", SVC, p_enum, OFF(success_action), 0, 0, 0, UNIT_ACTION_NONE,
	  ENUM(action_names) },
	{ "FailureAction", SVC, p_enum, OFF(failure_action), 0, 0, 0, UNIT_ACTION_NONE,
	  ENUM(action_names) },
	{ "TimeoutStartSec", SVC, p_time, OFF(timeout_start_usec), KF_TIME_ZERO_INF, 0, 0,
	  90 * USEC_PER_SEC, NULL, 0 },
	{ "TimeoutStopSec", SVC, p_time, OFF(timeout_stop_usec), KF_TIME_ZERO_INF, 0, 0,
	  10 * USEC_PER_SEC, NULL, 0 },
	{ "KillSignal", SVC, p_signal, OFF(kill_signal), 0, 0, 0, 0, NULL, 0 },
	{ "NoNewPrivileges", SVC, p_bool, OFF(no_new_privileges), 0, 0, 0, 0, NULL, 0 },
	{ "CapabilityBoundingSet", SVC, p_caps, OFF(capability_bounding_set), KF_BOUNDING,
	  0, 0, 0, NULL, 0 },
	{ "AmbientCapabilities", SVC, p_caps, OFF(ambient_capabilities), 0, 0, 0, 0, NULL, 0 },
	{ "StandardOutput", SVC, p_output, OFF(std_output), 0, 0, 0, 0, NULL, 0 },
	{ "StandardError", SVC, p_output, OFF(std_error), 0, 0, 0, 0, NULL, 0 },

	{ "Namespaces", SVC, p_namespaces, OFF(namespaces), 0, 0, 0, 0, NULL, 0 },
	{ "Hostname", SVC, p_hostname, OFF(hostname), 0, 0, 0, 0, NULL, 0 },
	{ "RootDirectory", SVC, p_path, OFF(root_directory), 0, 0, 0, 0, NULL, 0 },
	{ "Overlay", SVC, p_bool, OFF(overlay), 0, 0, 0, 1, NULL, 0 },
	{ "OverlayUpper", SVC, p_path, OFF(overlay_upper), 0, 0, 0, 0, NULL, 0 },
	{ "BindPaths", SVC, p_binds, OFF(binds), 0, 0, 0, 0, NULL, 0 },
	{ "BindReadOnlyPaths", SVC, p_binds, OFF(binds), KF_READ_ONLY, 0, 0, 0, NULL, 0 },

	{ "MemoryMax", SVC, p_mem, OFF(memory_max), UNIT_LIM_MEMORY_MAX, 0, 0, UNIT_INFINITY, NULL, 0 },
	{ "MemoryHigh", SVC, p_mem, OFF(memory_high), UNIT_LIM_MEMORY_HIGH, 0, 0,
	  UNIT_INFINITY, NULL, 0 },
	{ "CPUWeight", SVC, p_limit_num, OFF(cpu_weight), UNIT_LIM_CPU_WEIGHT, 1, 10000, 0, NULL, 0 },
	{ "CPUQuota", SVC, p_quota, OFF(cpu_quota_percent), UNIT_LIM_CPU_QUOTA, 1, 1000000, 0, NULL, 0 },
	{ "TasksMax", SVC, p_limit_num, OFF(tasks_max), UNIT_LIM_TASKS_MAX, 1,
	  UINT64_MAX - 1, UNIT_INFINITY, NULL, 0 },
	{ "IOWeight", SVC, p_limit_num, OFF(io_weight), UNIT_LIM_IO_WEIGHT, 1, 10000, 0, NULL, 0 },
	{ "AllowedCPUs", SVC, p_cpus, OFF(allowed_cpus), UNIT_LIM_ALLOWED_CPUS, 0, 0, 0, NULL, 0 },
};

#define N_KEYS N_ELEM(keys)

static const struct key_def *key_find(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static unsigned key_line(const struct parse_ctx *c, const char *name)
{
	const struct key_def *k = key_find(name);

	return k ? c->key_line[k - keys] : 0;
}

static unsigned section_bit(const char *section)
{
	if (strcmp(section, "Unit") == 0)
		return SEC_UNIT;
	if (strcmp(section, "Service") == 0)
		return SEC_SERVICE;
	return 0;
}

/* The probe after a header line: section is what inih made of it. */
static void section_begin(struct parse_ctx *c, const char *section)
{
	size_t n = strlen(section);
	const char *rest;

	if (strcmp(section, RESET_SECTION) == 0 || strncmp(c->line + 1, section, n) != 0 ||
	    c->line[n + 1] != ']') {
		perr(c, c->lineno, "invalid section header \"%s\"", c->line);
		return;
	}
	for (rest = c->line + n + 2; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest && *rest != ';') {
		perr(c, c->lineno, "invalid section header \"%s\" (text after ']')", c->line);
		return;
	}
	switch (section_bit(section)) {
	case SEC_SERVICE:
		if (!c->service_line)
			c->service_line = c->lineno;
		break;
	case SEC_UNIT:
		break;
	default:
		if (strcmp(section, "Install") == 0)
			perr(c, c->lineno, "unknown section [Install] (every unit starts at "
			     "boot: remove it)");
		else
			perr(c, c->lineno, "unknown section [%s] (expected [Unit] or [Service])",
			     section);
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	const struct key_def *k;
	const char *sep;
	unsigned sec;
	int r;

	c->handler_called = true;
	if (strcmp(name, PROBE_NAME) == 0) {
		section_begin(c, section);
		return 1;
	}
	if (strcmp(section, RESET_SECTION) == 0)
		return 1; /* after a bad header line (reported) */
	if (c->long_value && strcmp(value, LONG_VALUE) == 0)
		value = c->long_value;   /* the line was longer than inih's buffer */
	sep = strpbrk(c->line, "=:");
	if (sep && *sep == ':') {
		perr(c, c->lineno, "expected KEY=VALUE, found ':' in \"%s\"", c->line);
		return 1;
	}
	if (!*name) {
		perr(c, c->lineno, "missing key name before '=' in \"%s\"", c->line);
		return 1;
	}
	if (!*section) {
		perr(c, c->lineno, "%s=: outside of any section (expected [Unit] or [Service] "
		     "first)", name);
		return 1;
	}
	sec = section_bit(section);
	if (!sec)
		return 1; /* unknown section, reported at its header */
	k = key_find(name);
	if (!k) {
		perr(c, c->lineno, "%s=: unknown key in [%s]", name, section);
		return 1;
	}
	if (!(k->sections & sec)) {
		perr(c, c->lineno, "%s=: not allowed in [%s] (it belongs in [%s])", name, section,
		     (k->sections & SEC_SERVICE) ? "Service" : "Unit");
		return 1;
	}
	r = k->parse(c, k, value);
	if (r == -ENOMEM)
		c->oom = true;
	if (r == 0)
		c->key_line[k - keys] = *value ? c->lineno : 0;
	return 1;
}

/* After inih processed a line that had to be KEY=VALUE. */
static void finish_line(struct parse_ctx *c)
{
	if (c->expect_key && !c->handler_called)
		perr(c, c->lineno, "expected KEY=VALUE or [Section], got \"%s\"", c->line);
	c->expect_key = false;
}

/* Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF):
 * whatever a unit file says ends up in JSON status. */
static bool utf8_valid(const char *p, size_t n)
{
	return unit_utf8_span(p, n) == n;
}

/* Read one logical line into c->line: leading/trailing blanks stripped,
 * backslash continuations joined. Returns false if it must not reach inih
 * (reported). */
static bool read_line(struct parse_ctx *c, size_t limit)
{
	bool first = true, cont = false, too_long = false, bad = false;
	size_t len = 0;

	c->lineno = c->next_lineno;
	do {
		const char *s = c->p, *nl = memchr(s, '\n', (size_t)(c->end - s));
		const char *e = nl ? nl : c->end;
		unsigned phys = c->next_lineno++;
		size_t n;

		c->p = nl ? nl + 1 : c->end;
		if (e > s && e[-1] == '\r')
			e--;
		for (const char *q = s; q < e && !bad; q++) {
			unsigned char ch = (unsigned char)*q;

			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				perr(c, phys, "invalid character 0x%02x (not a text file?)", ch);
				bad = true;
			}
		}
		if (!bad && !utf8_valid(s, (size_t)(e - s))) {
			perr(c, phys, "invalid UTF-8 (unit files are UTF-8 text)");
			bad = true;
		}
		if (phys == 1 && e - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
			s += 3;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (!first && s < e && (*s == '#' || *s == ';'))
			continue; /* comment inside a continuation: skipped, cont stays */
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		cont = false;
		if (!(first && s < e && (*s == '#' || *s == ';')) && e > s && e[-1] == '\\') {
			cont = true;
			e--;
		}
		n = (size_t)(e - s);
		if (too_long || len + n + cont > limit) {
			too_long = true;
		} else {
			memcpy(c->line + len, s, n);
			len += n;
			if (cont)
				c->line[len++] = ' ';
		}
		first = false;
	} while (cont && c->p < c->end);
	c->line[len] = '\0';
	if (too_long && !bad) {
		perr(c, c->lineno, "line too long (max %zu bytes, continuations included)", limit);
		bad = true;
	}
	if (bad)
		c->line[0] = '\0';
	return !bad;
}

/* inih's buffer is num bytes: never more (a header line longer than that
 * was reported by reader() and is not given to inih). */
static char *copy_out(char *str, int num, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, s, n);
	str[n] = '\0';
	return str;
}

static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	size_t limit;

	if (num < (int)sizeof(RESET_LINE)) { /* not with any sane inih build */
		if (!c->buf_error)
			perr(c, c->next_lineno, "inih line buffer too small (%d bytes)", num);
		c->buf_error = true;
		return NULL;
	}
	if (c->pending == PEND_HEADER) {
		c->pending = PEND_PROBE;
		return copy_out(str, num, c->line);
	}
	if (c->pending == PEND_PROBE) {
		c->pending = PEND_NONE;
		return copy_out(str, num, PROBE_LINE);
	}
	finish_line(c);
	if (c->p >= c->end)
		return NULL;
	limit = sizeof(c->line) - 1;
	if (!read_line(c, limit))
		return copy_out(str, num, "");
	c->long_value = NULL;
	if (c->line[0] == '#' || c->line[0] == ';') {
		c->expect_key = false;   /* a comment, of any length: nothing for inih */
		return copy_out(str, num, "");
	}
	if (strlen(c->line) > (size_t)num - 1 && !strchr(";#", c->line[0])) {
		/* Longer than inih's line buffer: inih gets "KEY=" LONG_VALUE and
		 * the handler takes the value from our copy, cut at an inline
		 * comment and trimmed the way inih would have done it. */
		char *eq = strchr(c->line, '=');
		char *v, *e;

		if (c->line[0] == '[' || !eq || (size_t)(eq - c->line) + 2 > (size_t)num - 1) {
			perr(c, c->lineno, "line too long");
			return copy_out(str, num, "");
		}
		v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		for (e = v; *e; e++)
			if (*e == ';' && e > v && (e[-1] == ' ' || e[-1] == '\t'))
				break;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		c->long_value = v;
		c->expect_key = true;
		c->handler_called = false;
		memcpy(str, c->line, (size_t)(eq - c->line) + 1);
		memcpy(str + (eq - c->line) + 1, LONG_VALUE, sizeof(LONG_VALUE));
		return str;
	}
	if (c->line[0] == '[') {
		c->pending = PEND_HEADER;
		return copy_out(str, num, RESET_LINE);
	}
	c->expect_key = c->line[0] && !strchr(";#", c->line[0]);
	c->handler_called = false;
	return copy_out(str, num, c->line);
}

/* Checks that need the whole file. */
static void check_spec(struct parse_ctx *c)
{
	static const char *const need_mnt[] = {
		"RootDirectory", "OverlayUpper", "BindPaths", "BindReadOnlyPaths",
	};
	struct unit_spec *s = c->spec;
	unsigned line;

	if (!c->service_line) {
		perr(c, 0, "missing [Service] section with ExecStart=");
		return;
	}
	if (!s->argv && !c->exec_bad)
		perr(c, c->service_line, "[Service]: missing ExecStart=");
	if (!(s->namespaces & UNIT_NS_MNT)) {
		bool given[N_ELEM(need_mnt)] = {
			s->root_directory != NULL, s->overlay_upper != NULL, false, false,
		};

		for (size_t i = 0; i < s->n_binds; i++)
			given[s->binds[i].read_only ? 3 : 2] = true;
		for (size_t i = 0; i < N_ELEM(need_mnt); i++) {
			line = key_line(c, need_mnt[i]);
			if (line && given[i])
				perr(c, line, "%s=: needs the mnt namespace (see Namespaces=)",
				     need_mnt[i]);
		}
	}
	line = key_line(c, "Hostname");
	if (line && s->hostname && !(s->namespaces & UNIT_NS_UTS))
		perr(c, line, "Hostname=: needs the uts namespace (see Namespaces=)");
	line = key_line(c, "OverlayUpper");
	if (line && s->overlay_upper && !s->overlay)
		perr(c, line, "OverlayUpper=: needs Overlay=yes");
}

int unit_load_string(const char *text, size_t len, const char *path, const char *name,
		     struct unit_diag *diag, struct unit_spec **ret_spec)
{
	struct parse_ctx *c = NULL;
	int r, ir;

	if (!ret_spec)
		return -EINVAL;
	*ret_spec = NULL;
	if (!path)
		path = "<string>";
	if (!text && len) {
		unit_diag_add(diag, "%s: no text", path);
		return -EINVAL;
	}
	if (!unit_name_valid(name)) {
		unit_diag_add(diag, "%s: invalid unit name \"%s\" (expected [A-Za-z0-9_.@-]{1,%d})",
			      path, name ? name : "", UNIT_NAME_MAX);
		return -EINVAL;
	}
	if (len > UNIT_FILE_MAX)
		return too_big(path, diag);
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	c->key_line = calloc(N_KEYS, sizeof(*c->key_line));
	if (!c->key_line) {
		r = -ENOMEM;
		goto out;
	}
	c->path = path;
	c->diag = diag;
	c->p = text ? text : "";
	c->end = c->p + len;
	c->next_lineno = 1;
	r = spec_new(name, path, &c->spec);
	if (r < 0)
		goto out;

	ir = ini_parse_stream(reader, c, handler, c);
	finish_line(c);
	if (ir == -2) {
		c->oom = true;
	} else if (ir != 0 && c->errors == 0) {
		/* every syntax error inih can find is reported above: a safety net */
		perr(c, 0, "syntax error");
	}
	if (!c->oom)
		check_spec(c);
	if (c->oom) {
		unit_diag_add(diag, "%s: %s", path, strerror(ENOMEM));
		r = -ENOMEM;
		goto out;
	}
	if (c->errors) {
		r = -EINVAL;
		goto out;
	}
	*ret_spec = c->spec;
	c->spec = NULL;
	r = 0;
out:
	if (r == -ENOMEM && !(c && c->oom))
		unit_diag_add(diag, "%s: %s", path, strerror(ENOMEM));
	if (c) {
		unit_spec_free(c->spec);
		free(c->key_line);
		free(c);
	}
	return r;
}

/* ---------------------------------------------------------------------- */
/* files and directories                                                    */

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Open dirfd/fname (symlinks followed, regular files only), read at most
 * UNIT_FILE_MAX bytes and parse them; display is the path in messages. */
static int load_at(int dirfd, const char *fname, const char *display, const char *name,
		   struct unit_diag *diag, struct unit_spec **ret_spec)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd = -1, r;

	*ret_spec = NULL;
	/* look before opening: a FIFO or a device is never opened */
	if (fstatat(dirfd, fname, &st, 0) < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		unit_diag_add(diag, "%s: is %s, not a regular file", display, file_kind(st.st_mode));
		r = -EINVAL;
		goto out;
	}
	fd = openat(dirfd, fname, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) { /* replaced since fstatat */
		unit_diag_add(diag, "%s: is %s, not a regular file", display, file_kind(st.st_mode));
		r = -EINVAL;
		goto out;
	}
	if (st.st_size > UNIT_FILE_MAX) {
		r = too_big(display, diag);
		goto out;
	}
	/* as large as the file, not as the limit: a reload reads every file */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		unit_diag_add(diag, "%s: %s", display, strerror(-r));
		goto out;
	}
	while (len < UNIT_FILE_MAX + 1) {
		ssize_t n;

		if (len == cap) {   /* it grew while we read: up to the limit */
			char *nb = realloc(buf, UNIT_FILE_MAX + 1);

			if (!nb) {
				r = -ENOMEM;
				unit_diag_add(diag, "%s: %s", display, strerror(-r));
				goto out;
			}
			buf = nb;
			cap = UNIT_FILE_MAX + 1;
		}
		n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			unit_diag_add(diag, "%s: %s", display, strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > UNIT_FILE_MAX) {
		r = too_big(display, diag);
		goto out;
	}
	r = unit_load_string(buf, len, display, name, diag, ret_spec);
out:
	free(buf);
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int unit_load_file(const char *path, const char *name, struct unit_diag *diag,
		   struct unit_spec **ret_spec)
{
	if (!ret_spec)
		return -EINVAL;
	*ret_spec = NULL;
	if (!path)
		return -EINVAL;
	if (!unit_name_valid(name)) {
		unit_diag_add(diag, "%s: invalid unit name \"%s\" (expected [A-Za-z0-9_.@-]{1,%d})",
			      path, name ? name : "", UNIT_NAME_MAX);
		return -EINVAL;
	}
	return load_at(AT_FDCWD, path, path, name, diag, ret_spec);
}

void unit_set_free(struct unit_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		unit_spec_free(set->units ? set->units[i] : NULL);
	free(set->units);
	unit_strv_free(set->failed);
	memset(set, 0, sizeof(*set));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort names and keep the UNIT_MAX first; counts what was dropped. */
static void names_trim(char **names, size_t *n, size_t *dropped)
{
	qsort(names, *n, sizeof(char *), cmp_str);
	while (*n > UNIT_MAX) {
		free(names[--*n]);
		(*dropped)++;
	}
}

int unit_load_dir(const char *dir, struct unit_diag *diag, struct unit_set *ret_set)
{
	static const char suffix[] = ".service";
	const size_t slen = sizeof(suffix) - 1;
	struct unit_set set = { 0 };
	char **names = NULL;
	size_t n_names = 0, dropped = 0, n_failed = 0;
	bool reported = false;          /* an -ENOMEM already in diag */
	struct dirent *de;
	DIR *d = NULL;
	int dfd = -1, r;

	if (!ret_set)
		return -EINVAL;
	memset(ret_set, 0, sizeof(*ret_set));
	if (!dir)
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", dir, strerror(-r));
		goto out;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		unit_diag_add(diag, "%s: %s", dir, strerror(-r));
		goto out;
	}
	dfd = -1; /* owned by d now */
	/* Collect valid names; at most 2 * UNIT_MAX are held at a time, and the
	 * UNIT_MAX first in name order survive: deterministic and bounded. */
	names = malloc(2 * UNIT_MAX * sizeof(char *));
	if (!names) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		size_t len;
		char *name;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno) {
				r = -errno;
				unit_diag_add(diag, "%s: %s", dir, strerror(-r));
				goto out;
			}
			break;
		}
		len = strlen(de->d_name);
		if (len < slen || strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		name = strndup(de->d_name, len - slen);
		if (!name) {
			r = -ENOMEM;
			goto out;
		}
		if (!unit_name_valid(name)) {
			unit_diag_add(diag, "%s/%s: invalid unit name \"%s\" (expected "
				      "[A-Za-z0-9_.@-]{1,%d}), ignored", dir, de->d_name, name,
				      UNIT_NAME_MAX);
			free(name);
			continue;
		}
		names[n_names++] = name;
		if (n_names == 2 * UNIT_MAX)
			names_trim(names, &n_names, &dropped);
	}
	names_trim(names, &n_names, &dropped);
	if (dropped)
		unit_diag_add(diag, "%s: more than %d unit files: the last %zu in name order "
			      "are ignored", dir, UNIT_MAX, dropped);

	set.units = calloc(n_names ? n_names : 1, sizeof(*set.units));
	set.failed = calloc(n_names + 1, sizeof(*set.failed));
	if (!set.units || !set.failed) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		char fname[UNIT_NAME_MAX + sizeof(suffix)], *display = NULL;
		struct unit_spec *spec = NULL;

		snprintf(fname, sizeof(fname), "%s%s", names[i], suffix);
		if (asprintf(&display, "%s%s%s", dir,
			     dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", fname) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = load_at(dirfd(d), fname, display, names[i], diag, &spec);
		free(display);
		if (r == -ENOMEM) {
			reported = true;
			goto out;
		}
		if (r == 0) {
			set.units[set.n++] = spec;
		} else {
			set.failed[n_failed++] = names[i];
			names[i] = NULL;
		}
	}
	*ret_set = set;
	memset(&set, 0, sizeof(set));
	r = 0;
out:
	if (r == -ENOMEM && !reported)
		unit_diag_add(diag, "%s: %s", dir, strerror(ENOMEM));
	unit_set_free(&set);
	for (size_t i = 0; names && i < n_names; i++)
		free(names[i]);
	free(names);
	if (d)
		(void)closedir(d);
	if (dfd >= 0)
		(void)close(dfd);
	return r;
}
