/* SPDX-License-Identifier: MIT */
/*
 * ini.c: the inih adapter. It turns the text of a unit file into calls of
 * keys_apply() (one per KEY=VALUE, with its line number) and reports every
 * syntax error as "FILE:LINE: what is wrong"; what sections and keys exist
 * and what values mean is units/keys.c's business.
 *
 * The INI layer is inih (Debian's libinih, 55). We feed it through
 * ini_parse_stream() with our own reader over an in-memory copy of the file,
 * one logical line per reader call. That is how line numbers are kept (the
 * Debian library is built with INI_HANDLER_LINENO=0), and it lets us neutralise
 * the inih options that do not fit systemd-style unit files. Gotchas, each one
 * checked against the Debian build:
 *
 *  - Values never pass through inih. For every KEY=VALUE line the reader
 *    hands inih "KEY=\x02" and the handler takes VALUE from our own copy of
 *    the logical line (blanks around it trimmed, as inih and systemd do).
 *    This is how systemd's rule "comments only at the start of a line" is
 *    kept with Debian's inih, which is built with INI_ALLOW_INLINE_COMMENTS
 *    (";" after whitespace ends a value: "ExecStart=sh -c 'a ; b'" would be
 *    cut to "sh -c 'a"). We chose this over rebuilding inih with its options
 *    off: the distribution's library stays as it is, and the same trick
 *    lifts inih's line length limit (ini_max_line, 200 bytes in Debian's
 *    build, its stack buffer): values up to LINE_BUF - 1 bytes, continuations
 *    included. Only "KEY=" must fit inih's buffer (a longer key or section
 *    header is "FILE:LINE: line too long"). So "Description=a ; b" is "a ; b"
 *    and "ExecStart=/bin/sh -c 'x ; y'" keeps its quotes, as in systemd.
 *  - Multi-line values. inih (INI_ALLOW_MULTILINE) treats an indented line as
 *    a continuation of the previous value (one more handler call with the same
 *    key): "ExecStart=a" + "   --flag" would silently *replace* the command
 *    with "--flag". systemd ignores indentation and continues lines that end
 *    in a backslash. We do what systemd does: the reader strips leading
 *    whitespace (so inih never sees a continuation) and joins lines ending in
 *    '\' (the backslash becomes a space; comment lines inside a continuation
 *    are skipped). The joined line is reported under its first line number,
 *    and its total length counts against the limit above.
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
 */
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "units/ini.h"
#include "units/keys.h"
#include "units/value.h"

#define LINE_BUF       32768         /* our copy of one logical line */
#define VALUE_MARK     "\x02"        /* stands in for every value, see above */
#define RESET_LINE     "[\x01]"     /* synthetic lines, see the top comment */
#define RESET_SECTION  "\x01"
#define PROBE_LINE     "\x01="
#define PROBE_NAME     "\x01"

/* ---------------------------------------------------------------------- */
/* the reader and the handler                                               */

struct key_def;

struct parse_ctx {
	struct key_ctx *kc;        /* where keys go and errors are counted */
	bool oom;

	/* reader */
	const char *p, *end;
	unsigned lineno;           /* first line of the current logical line */
	unsigned next_lineno;
	enum { PEND_NONE, PEND_HEADER, PEND_PROBE } pending;
	bool expect_key;           /* the current line must reach the handler */
	bool handler_called;
	char line[LINE_BUF];       /* the current logical line, as given to inih */
	const char *value;         /* the real value behind VALUE_MARK, in line */
	bool buf_error;            /* inih's line buffer is unusable */
};

/* The probe after a header line: section is what inih made of it. */
static void section_begin(struct parse_ctx *c, const char *section)
{
	size_t n = strlen(section);
	const char *rest;

	if (strcmp(section, RESET_SECTION) == 0 || strncmp(c->line + 1, section, n) != 0 ||
	    c->line[n + 1] != ']') {
		keys_error(c->kc, c->lineno, "invalid section header \"%s\"", c->line);
		return;
	}
	for (rest = c->line + n + 2; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest && *rest != ';') {
		keys_error(c->kc, c->lineno, "invalid section header \"%s\" (text after ']')",
			   c->line);
		return;
	}
	keys_section_begin(c->kc, section, c->lineno);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	const char *sep;

	c->handler_called = true;
	if (strcmp(name, PROBE_NAME) == 0) {
		section_begin(c, section);
		return 1;
	}
	if (strcmp(section, RESET_SECTION) == 0)
		return 1; /* after a bad header line (reported) */
	if (c->value && strcmp(value, VALUE_MARK) == 0)
		value = c->value;        /* the value as written, ';' and '#' included */
	sep = strpbrk(c->line, "=:");
	if (sep && *sep == ':') {
		keys_error(c->kc, c->lineno, "expected KEY=VALUE, found ':' in \"%s\"", c->line);
		return 1;
	}
	if (!*name) {
		keys_error(c->kc, c->lineno, "missing key name before '=' in \"%s\"", c->line);
		return 1;
	}
	if (!*section) {
		keys_error(c->kc, c->lineno, "%s=: outside of any section (expected [Unit] or "
			   "[Service] first)", name);
		return 1;
	}
	if (keys_apply(c->kc, c->lineno, section, name, value) == -ENOMEM)
		c->oom = true;
	return 1;
}

/* After inih processed a line that had to be KEY=VALUE. */
static void finish_line(struct parse_ctx *c)
{
	if (c->expect_key && !c->handler_called)
		keys_error(c->kc, c->lineno, "expected KEY=VALUE or [Section], got \"%s\"", c->line);
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
				keys_error(c->kc, phys, "invalid character 0x%02x (not a text file?)", ch);
				bad = true;
			}
		}
		if (!bad && !utf8_valid(s, (size_t)(e - s))) {
			keys_error(c->kc, phys, "invalid UTF-8 (unit files are UTF-8 text)");
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
		keys_error(c->kc, c->lineno, "line too long (max %zu bytes, continuations included)",
			   limit);
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
			keys_error(c->kc, c->next_lineno, "inih line buffer too small (%d bytes)", num);
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
	c->value = NULL;
	if (c->line[0] == '#' || c->line[0] == ';') {
		c->expect_key = false;   /* a comment, of any length: nothing for inih */
		return copy_out(str, num, "");
	}
	if (c->line[0] != '[' && strchr(c->line, '=')) {
		/* KEY=VALUE: inih gets "KEY=" VALUE_MARK, the handler our copy */
		char *eq = strchr(c->line, '=');
		char *v = eq + 1;

		if ((size_t)(eq - c->line) + sizeof(VALUE_MARK) + 1 > (size_t)num) {
			keys_error(c->kc, c->lineno, "line too long");
			return copy_out(str, num, "");
		}
		while (*v == ' ' || *v == '\t')
			v++;
		c->value = v;
		c->expect_key = true;
		c->handler_called = false;
		memcpy(str, c->line, (size_t)(eq - c->line) + 1);
		memcpy(str + (eq - c->line) + 1, VALUE_MARK, sizeof(VALUE_MARK));
		return str;
	}
	if (strlen(c->line) > (size_t)num - 1) {
		keys_error(c->kc, c->lineno, "line too long");
		return copy_out(str, num, "");
	}
	if (c->line[0] == '[') {
		c->pending = PEND_HEADER;
		return copy_out(str, num, RESET_LINE);
	}
	c->expect_key = c->line[0] && !strchr(";#", c->line[0]);
	c->handler_called = false;
	return copy_out(str, num, c->line);
}

int unit_ini_parse(struct key_ctx *kc, const char *text, size_t len)
{
	struct parse_ctx *c;
	int ir, r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->kc = kc;
	c->p = text ? text : "";
	c->end = c->p + len;
	c->next_lineno = 1;
	ir = ini_parse_stream(reader, c, handler, c);
	finish_line(c);
	if (ir == -2) {
		c->oom = true;
	} else if (ir != 0 && kc->errors == 0) {
		/* every syntax error inih can find is reported above: a safety net */
		keys_error(kc, 0, "syntax error");
	}
	r = c->oom ? -ENOMEM : 0;
	free(c);
	return r;
}
