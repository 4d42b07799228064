/* SPDX-License-Identifier: MIT */
/*
 * keys.h: the keys of unit files (units/keys.c), for the INI adapter and the
 * loader. The adapter (units/ini.c) knows the syntax and hands every
 * KEY=VALUE to keys_apply(); keys.c knows which sections and keys exist, what
 * their values mean and which field of struct unit_spec each one fills.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "units/unit.h"

/* One unit: what the key parsers fill and where they report. It lives from
 * unit_parse_new() to unit_parse_finish(), across the main file and its
 * drop-ins; path is the file being read (a string of spec->sources, so the
 * per-key locations stay valid). */
struct key_loc {
	const char *path;          /* NULL: none */
	unsigned line;
};

struct key_ctx {
	const char *path;          /* the current file, for messages */
	struct unit_diag *diag;
	struct unit_spec *spec;    /* being filled */
	struct unit_names names;   /* for specifiers (name and path owned by ctx) */
	char *names_buf[2];
	unsigned errors;           /* errors reported so far (every file) */
	unsigned lineno;           /* line of the assignment being applied */
	struct key_loc service;    /* first [Service] header, path NULL: none */
	struct key_loc exec_more;  /* where a second ExecStart= command came from */
	bool exec_bad;             /* ExecStart= had an error (no "missing") */
	bool ambient_given;
	struct key_loc *key_loc;   /* per key: the last non-empty assignment */
};

/* 0 or -ENOMEM; keys_ctx_fini() frees what init allocated (not spec). n
 * gives the unit's full name and main path for specifiers. */
int keys_ctx_init(struct key_ctx *c, const struct unit_names *n, struct unit_spec *spec);
void keys_ctx_fini(struct key_ctx *c);

/* "FILE:LINE: what is wrong", counted in c->errors. */
void keys_error(struct key_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE:LINE: what", a warning: kept in spec->warnings and diag->warns. */
void keys_warn(struct key_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A well-formed header [section] at line: unknown sections are reported. */
void keys_section_begin(struct key_ctx *c, const char *section, unsigned line);

/* name=value at line in [section] (a non-empty name and section): 0, -EINVAL
 * (reported), or -ENOMEM (not reported). Keys of an unknown section are
 * ignored (reported at its header). */
int keys_apply(struct key_ctx *c, unsigned line, const char *section, const char *name,
	       const char *value);

/* The checks that need the whole file, after the last key. */
void keys_check(struct key_ctx *c);

/* For tests: the names of the keys, in table order (NULL past the end). */
const char *keys_name(size_t i);

/* Does systemd 252 document KEY= in [section] (systemd.directives(7), or a
 * compatibility name it still accepts)? */
bool keys_systemd_known(const char *section, const char *key);
bool keys_systemd_section(const char *section);

void keys_cmds_free(struct unit_cmd *cmds, size_t n);
