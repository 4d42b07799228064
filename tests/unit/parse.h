/* SPDX-License-Identifier: MIT */
/*
 * parse.h: the cmocka tests' way to load a unit body: parse_ok() (no
 * error, the spec returned) and expect_error() (refused, a diagnostic
 * containing the needle). Include after <cmocka.h> and units/unit.h.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define HEAD "[Service]\nExecStart=/bin/true\n"

static inline void diag_print(const struct unit_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag: %s\n", d->msgs[i]);
}

static inline struct unit_spec *parse_ok(const char *body)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	char text[4096];
	int r;

	snprintf(text, sizeof(text), HEAD "%s", body);
	r = unit_load_string(text, strlen(text), "t.service", "t", &d, &s);
	if (r != 0 || d.n) {
		diag_print(&d);
		fail_msg("unexpected failure %d for:\n%s", r, text);
	}
	unit_diag_free(&d);
	return s;
}

static inline void expect_error(const char *body, const char *needle)
{
	struct unit_diag d = { 0 };
	struct unit_spec *s = NULL;
	char text[4096];
	bool found = false;

	snprintf(text, sizeof(text), HEAD "%s", body);
	assert_int_equal(unit_load_string(text, strlen(text), "t.service", "t", &d, &s), -EINVAL);
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.msgs[i], needle) != NULL;
	if (!found) {
		diag_print(&d);
		fail_msg("missing diagnostic: %s", needle);
	}
	unit_diag_free(&d);
}
