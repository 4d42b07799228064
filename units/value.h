/* SPDX-License-Identifier: MIT */
/*
 * value.h: the values of unit files (units/value.c), for the rest of units/
 * and its tests. The parsers that other rooms use (unit_parse_time/size/bool/
 * signal, unit_utf8_span, unit_name_valid, unit_ns_to_string, the string
 * lists) are declared in units/unit.h; this header adds the ones only the
 * key parsers need. Each returns 0 or -EINVAL (-ERANGE on overflow), or a
 * bool, and never logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units/unit.h"

#define USEC_PER_MSEC  UINT64_C(1000)
#define USEC_PER_SEC   UINT64_C(1000000)
#define UNIT_CPU_MAX   8192          /* AllowedCPUs= numbers are < UNIT_CPU_MAX */

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ASCII classes (never the locale's) */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* String lists: NULL-terminated; unit_strv_new() is the empty list {NULL}. */
char **unit_strv_new(void);
int unit_strv_push(char ***v, char *s);          /* takes s (freed on failure) */
bool unit_strv_contains(char *const *v, const char *s);
bool unit_strv_equal(char *const *a, char *const *b);   /* NULL == NULL only */

/* Decimal digits only, at least one; -ERANGE on overflow. */
int unit_parse_u64(const char *s, uint64_t *ret);

/* The one word splitter of unit files (ExecStart=, Environment= and every
 * list), as systemd's extract_first_word(UNQUOTE|CUNESCAPE): blanks separate
 * words; "..." and '...' quote; the escapes \a \b \f \n \r \t \v \s \\ \" \'
 * \; \<space> and \xNN (not \x00) are decoded inside and outside quotes.
 * Returns 0 and a NULL-terminated list (possibly empty); -EINVAL with
 * *ret_error a static description ("unbalanced quotes", ...); -E2BIG beyond
 * UNIT_LIST_MAX words ("too many words"); -ENOMEM ("out of memory"). */
int unit_split_words(const char *s, char ***ret, const char **ret_error);

/* The same, for Exec lines: a bare ";" word (unquoted, unescaped) separates
 * commands. *ret: a NULL-terminated list of at least one non-empty argv
 * (free with unit_cmds_free); an empty command ("a ; ; b", a leading ";") is
 * -EINVAL "empty command before ';'", a trailing ";" is ignored. */
int unit_split_commands(const char *s, char ****ret, const char **ret_error);

bool unit_env_assignment_valid(const char *s);   /* NAME=VALUE, NAME [A-Za-z_][A-Za-z0-9_]* */
bool unit_ident_valid(const char *s);            /* a user or group (see value.c) */
bool unit_bus_name_valid(const char *s);         /* a D-Bus name "org.example.Svc" */
bool unit_path_abs_valid(const char *s);         /* "/..." shorter than PATH_MAX */
bool unit_hostname_valid(const char *s);         /* RFC 1123, <= 64 bytes */

/* "pid" "net" ... "user" -> UNIT_NS_* bit, 0 for anything else. */
unsigned unit_ns_from_name(const char *name);

/* "0-1,3" or "0 1 3" (CPUs < UNIT_CPU_MAX) -> *ret normalised "0-1,3" (malloc'd);
 * -EINVAL, -ERANGE or -ENOMEM. */
int unit_parse_cpus(const char *s, char **ret);
