/* SPDX-License-Identifier: MIT */
/*
 * exec.c: $VAR and ${VAR} in Exec lines, at start time, as systemd 252's
 * replace_env_argv() (systemd.service(5), "COMMAND LINES"). Pure.
 *
 *  - a word "$NAME" (a '$' not followed by '{' or '$') is replaced by NAME's
 *    value split at whitespace, quotes respected and removed (relaxed: an
 *    unbalanced quote runs to the end), giving zero or more words;
 *  - in any other word, "${NAME}" is replaced by the exact value (one word
 *    in, one word out), "$$" by "$"; "$NAME" inside a word, and "${" with
 *    no closing brace or an invalid name, are kept as written;
 *  - an unset variable is the empty string; argv[0] (the program) is never
 *    expanded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "units/unit.h"
#include "units/value.h"

static bool name_char(char c, bool first)
{
	return c == '_' || is_alpha(c) || (!first && is_digit(c));
}

static const char *env_get(char *const *envp, const char *name, size_t len)
{
	const char *v = NULL;

	for (size_t i = 0; envp && envp[i]; i++)   /* the last one wins */
		if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
			v = envp[i] + len + 1;
	return v;
}

struct words {
	char **v;
	size_t n;
};

static int words_push(struct words *w, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	if (w->n >= UNIT_LIST_MAX * 4) {
		free(s);
		return -E2BIG;
	}
	nv = realloc(w->v, (w->n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	w->v = nv;
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	return 0;
}

/* "${NAME}" and "$$" in one word. */
static char *expand_word(const char *s, char *const *envp)
{
	size_t cap = strlen(s) + 1, n = 0;
	char *r = malloc(cap);

	if (!r)
		return NULL;
	for (const char *p = s; *p;) {
		const char *add = p;
		size_t alen = 1, skip = 1;

		if (p[0] == '$' && p[1] == '$') {
			skip = 2;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *q = p + 2;

			while (name_char(*q, q == p + 2))
				q++;
			if (*q == '}' && q > p + 2) {
				add = env_get(envp, p + 2, (size_t)(q - p - 2));
				alen = add ? strlen(add) : 0;
				skip = (size_t)(q - p) + 1;
			}
		}
		if (n + alen + 1 > cap) {
			char *nr;

			cap = (n + alen + 1) * 2;
			nr = realloc(r, cap);
			if (!nr) {
				free(r);
				return NULL;
			}
			r = nr;
		}
		if (alen)
			memcpy(r + n, add, alen);
		n += alen;
		p += skip;
	}
	r[n] = '\0';
	return r;
}

/* A value split at whitespace, quotes respected and removed. */
static int split_value(struct words *w, const char *v)
{
	size_t len = strlen(v);

	for (const char *p = v;;) {
		char *word, quote = 0;
		int r;
		size_t n = 0;

		while (is_blank(*p))
			p++;
		if (!*p)
			return 0;
		word = malloc(len + 1);
		if (!word)
			return -ENOMEM;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else
					word[n++] = *p;
			} else if (*p == '"' || *p == '\'') {
				quote = *p;
			} else if (is_blank(*p)) {
				break;
			} else {
				word[n++] = *p;
			}
		}
		word[n] = '\0';
		r = words_push(w, word);
		if (r < 0)
			return r;
	}
}

int unit_exec_expand(char *const *argv, char *const *envp, char ***ret_argv)
{
	struct words w = { NULL, 0 };
	int r;

	*ret_argv = NULL;
	for (size_t i = 0; argv && argv[i]; i++) {
		const char *a = argv[i];

		if (i > 0 && a[0] == '$' && a[1] != '{' && a[1] != '$') {
			const char *v = env_get(envp, a + 1, strlen(a + 1));

			r = v ? split_value(&w, v) : 0;
		} else {
			r = words_push(&w, i == 0 ? strdup(a) : expand_word(a, envp));
		}
		if (r < 0)
			goto fail;
	}
	if (!w.v) {
		w.v = calloc(1, sizeof(*w.v));
		if (!w.v)
			return -ENOMEM;
	}
	*ret_argv = w.v;
	return 0;
fail:
	unit_strv_free(w.v);
	return r;
}

void unit_exec_refs(char *const *argv, void (*fn)(const char *name, size_t len, void *data),
		    void *data)
{
	for (size_t i = 1; argv && argv[0] && argv[i]; i++) {
		const char *a = argv[i];

		if (a[0] == '$' && a[1] != '{' && a[1] != '$') {
			fn(a + 1, strlen(a + 1), data);
			continue;
		}
		for (const char *p = a; *p; p++) {
			const char *q;

			if (p[0] == '$' && p[1] == '$') {
				p++;
				continue;
			}
			if (p[0] != '$' || p[1] != '{')
				continue;
			for (q = p + 2; name_char(*q, q == p + 2); q++)
				;
			if (*q == '}' && q > p + 2) {
				fn(p + 2, (size_t)(q - p - 2), data);
				p = q;
			}
		}
	}
}
