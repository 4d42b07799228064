/* SPDX-License-Identifier: MIT */
/*
 * fuzz_unit: the unit-file loader (inih, our reader and handler, validation,
 * ExecStart= splitting) and the value parsers.
 *
 * Beyond "no sanitizer report", it checks what the rest of svcinit relies on:
 * a load either gives a spec and no diagnostics, or no spec and at least one
 * "fuzz.service:LINE: ..." diagnostic with a real line number; a spec is
 * internally valid and equal to itself; loading the same text twice gives
 * equal specs and the same messages (reload leaves unchanged units alone).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "units/unit.h"

#define PATH "fuzz.service"

static bool word_ok_list(char *const *v, bool (*check)(const char *))
{
	size_t n = 0;

	if (!v)
		return false;
	for (; v[n]; n++) {
		if (check && !check(v[n]))
			return false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(v[j], v[n]) == 0)
				return false;   /* lists hold each entry once */
	}
	return n <= UNIT_LIST_MAX;
}

static bool env_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq > s;
}

static bool abs_ok(const char *s)
{
	return s && s[0] == '/';
}

/* Unit files must be UTF-8 (unit.c rejects other lines), and what is kept
 * verbatim from them ends up in JSON status: it must still be UTF-8. (Words
 * of ExecStart= and other quoted lists may carry \xNN escapes: any byte.) */
static bool utf8_ok(const char *s)
{
	return !s || unit_utf8_span(s, strlen(s)) == strlen(s);
}

static void check_spec(const struct unit_spec *s)
{
	char ns[64], tiny[6];

	FUZZ_CHECK(strcmp(s->name, "fuzz") == 0);
	FUZZ_CHECK(s->path && strcmp(s->path, PATH) == 0);
	FUZZ_CHECK(s->description != NULL);
	FUZZ_CHECK(utf8_ok(s->description) && utf8_ok(s->working_directory) &&
		   utf8_ok(s->root_directory) && utf8_ok(s->overlay_upper) &&
		   utf8_ok(s->std_output.path) && utf8_ok(s->std_error.path) &&
		   utf8_ok(s->user) && utf8_ok(s->group) && utf8_ok(s->hostname));
	FUZZ_CHECK(word_ok_list(s->after, unit_name_valid));
	FUZZ_CHECK(word_ok_list(s->requires, unit_name_valid));
	FUZZ_CHECK(word_ok_list(s->wants, unit_name_valid));
	/* ExecStart: at least a program, absolute or a bare name */
	FUZZ_CHECK(s->argv && s->argv[0] && s->argv[0][0]);
	FUZZ_CHECK(s->argv[0][0] == '/' || !strchr(s->argv[0], '/'));
	FUZZ_CHECK(unit_strv_len(s->argv) <= UNIT_LIST_MAX);
	FUZZ_CHECK(s->environment && unit_strv_len(s->environment) <= UNIT_LIST_MAX);
	for (size_t i = 0; s->environment[i]; i++) {
		size_t k = (size_t)(strchr(s->environment[i], '=') - s->environment[i]);

		FUZZ_CHECK(env_ok(s->environment[i]));
		for (size_t j = 0; j < i; j++)   /* one entry per NAME */
			FUZZ_CHECK(strncmp(s->environment[j], s->environment[i], k + 1) != 0);
	}
	FUZZ_CHECK(s->environment_files &&
		   unit_strv_len(s->environment_files) <= UNIT_LIST_MAX);
	FUZZ_CHECK(word_ok_list(s->supplementary_groups, NULL));
	FUZZ_CHECK(!s->working_directory || abs_ok(s->working_directory));
	FUZZ_CHECK(s->kill_signal >= 1 && s->kill_signal <= 64);
	FUZZ_CHECK(s->restart_usec != UNIT_INFINITY && s->restart_max_usec != UNIT_INFINITY);
	FUZZ_CHECK(s->type <= UNIT_ONESHOT && s->restart <= UNIT_RESTART_ALWAYS);
	FUZZ_CHECK(s->success_action <= UNIT_ACTION_REBOOT &&
		   s->failure_action <= UNIT_ACTION_REBOOT);
	FUZZ_CHECK(strcmp(unit_type_to_string(s->type), "unknown") != 0);
	FUZZ_CHECK(strcmp(unit_restart_to_string(s->restart), "unknown") != 0);
	FUZZ_CHECK(strcmp(unit_action_to_string(s->failure_action), "unknown") != 0);
	FUZZ_CHECK((s->std_output.path != NULL) == (s->std_output.kind == UNIT_OUTPUT_FILE ||
						    s->std_output.kind == UNIT_OUTPUT_APPEND));
	FUZZ_CHECK((s->std_error.path != NULL) == (s->std_error.kind == UNIT_OUTPUT_FILE ||
						   s->std_error.kind == UNIT_OUTPUT_APPEND));
	FUZZ_CHECK(!s->std_output.path || abs_ok(s->std_output.path));
	FUZZ_CHECK(!s->std_error.path || abs_ok(s->std_error.path));
	FUZZ_CHECK((s->namespaces & ~0x7fu) == 0);
	FUZZ_CHECK(!s->hostname || (strlen(s->hostname) >= 1 && strlen(s->hostname) <= 64));
	FUZZ_CHECK(!s->hostname || (s->namespaces & UNIT_NS_UTS));
	FUZZ_CHECK(!s->root_directory || abs_ok(s->root_directory));
	FUZZ_CHECK(!s->overlay_upper || (abs_ok(s->overlay_upper) && s->overlay));
	FUZZ_CHECK(s->n_binds <= UNIT_LIST_MAX);
	FUZZ_CHECK(s->n_binds == 0 || s->binds);
	for (size_t i = 0; i < s->n_binds; i++) {
		FUZZ_CHECK(abs_ok(s->binds[i].src) && abs_ok(s->binds[i].dst));
		FUZZ_CHECK(s->namespaces & UNIT_NS_MNT);
	}
	if (s->root_directory || s->overlay_upper)
		FUZZ_CHECK(s->namespaces & UNIT_NS_MNT);
	if (s->limits_set & UNIT_LIM_CPU_WEIGHT)
		FUZZ_CHECK(s->cpu_weight >= 1 && s->cpu_weight <= 10000);
	if (s->limits_set & UNIT_LIM_IO_WEIGHT)
		FUZZ_CHECK(s->io_weight >= 1 && s->io_weight <= 10000);
	if (s->limits_set & UNIT_LIM_CPU_QUOTA)
		FUZZ_CHECK(s->cpu_quota_percent >= 1 && s->cpu_quota_percent <= 1000000);
	if (s->limits_set & UNIT_LIM_TASKS_MAX)
		FUZZ_CHECK(s->tasks_max >= 1);
	FUZZ_CHECK(((s->limits_set & UNIT_LIM_ALLOWED_CPUS) != 0) == (s->allowed_cpus != NULL));
	if (s->allowed_cpus)
		FUZZ_CHECK(s->allowed_cpus[0] >= '0' && s->allowed_cpus[0] <= '9');

	unit_ns_to_string(s->namespaces, ns, sizeof(ns));
	FUZZ_CHECK(strlen(ns) < sizeof(ns));
	unit_ns_to_string(s->namespaces, tiny, sizeof(tiny));
	FUZZ_CHECK(strlen(tiny) < sizeof(tiny));
	FUZZ_CHECK(unit_spec_equal(s, s));
}

/* "fuzz.service:LINE: ..." with 0 <= LINE <= lines, or "fuzz.service: ..." */
static void check_diag(const struct unit_diag *d, unsigned long lines)
{
	FUZZ_CHECK(d->n <= UNIT_DIAG_MAX);
	for (size_t i = 0; i < d->n; i++) {
		const char *m = d->msgs[i];
		char *end;
		unsigned long line;

		FUZZ_CHECK(m != NULL);
		FUZZ_CHECK(strncmp(m, PATH ":", sizeof(PATH)) == 0);
		m += sizeof(PATH);
		if (*m == ' ')
			continue;
		line = strtoul(m, &end, 10);
		FUZZ_CHECK(end > m && end[0] == ':' && end[1] == ' ');
		FUZZ_CHECK(line <= lines);
	}
}

static bool diag_equal(const struct unit_diag *a, const struct unit_diag *b)
{
	if (a->n != b->n || a->dropped != b->dropped)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->msgs[i], b->msgs[i]) != 0)
			return false;
	return true;
}

static void load(const uint8_t *data, size_t size)
{
	struct unit_diag d1 = { .n = 0 }, d2 = { .n = 0 };
	struct unit_spec *s1 = NULL, *s2 = NULL;
	unsigned long lines = 1;
	int r1, r2;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	r1 = unit_load_string((const char *)data, size, PATH, "fuzz", &d1, &s1);
	FUZZ_CHECK((r1 == 0) == (s1 != NULL));
	if (r1 == 0) {
		FUZZ_CHECK(d1.n == 0 && d1.dropped == 0);
		check_spec(s1);
	} else {
		FUZZ_CHECK(r1 == -EINVAL || r1 == -EFBIG || r1 == -ENOMEM);
		FUZZ_CHECK(d1.n > 0);   /* every rejection says why */
	}
	check_diag(&d1, lines);

	r2 = unit_load_string((const char *)data, size, PATH, "fuzz", &d2, &s2);
	FUZZ_CHECK(r1 == r2);
	FUZZ_CHECK(unit_spec_equal(s1, s2));
	FUZZ_CHECK(diag_equal(&d1, &d2));

	unit_spec_free(s1);
	unit_spec_free(s2);
	unit_diag_free(&d1);
	unit_diag_free(&d2);
	FUZZ_CHECK(d1.n == 0);
}

static void values(const char *s)
{
	const char *err = NULL;
	char **v = NULL;
	uint64_t u;
	bool b;
	int r, sig;

	r = unit_split_exec(s, &v, &err);
	if (r == 0) {
		FUZZ_CHECK(v && v[0] && unit_strv_len(v) <= UNIT_LIST_MAX);
		unit_strv_free(v);
	} else {
		FUZZ_CHECK((r == -EINVAL || r == -ENOMEM) && err && *err);
	}
	v = NULL;
	err = NULL;
	r = unit_split_env(s, &v, &err);
	if (r == 0) {
		FUZZ_CHECK(v && unit_strv_len(v) <= UNIT_LIST_MAX);
		for (size_t i = 0; v[i]; i++)
			FUZZ_CHECK(env_ok(v[i]));
		unit_strv_free(v);
	} else {
		FUZZ_CHECK((r == -EINVAL || r == -ENOMEM) && err && *err);
	}
	r = unit_parse_time(s, &u);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	r = unit_parse_size(s, &u);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	r = unit_parse_bool(s, &b);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	r = unit_parse_signal(s, &sig);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
	if (r == 0)
		FUZZ_CHECK(sig >= 1 && sig <= 64);
	(void)unit_name_valid(s);
}

#ifdef FUZZ_SKIP_KNOWN_BUGS
/* Finding 1 (tests/fuzz/regress/fuzz_unit/long-comment-*): a comment line
 * longer than inih's buffer overflows it. While it is open, a long run that
 * should look for other bugs skips such inputs (make FUZZ_SKIP_KNOWN=1). */
static bool known_bug(const uint8_t *p, size_t size)
{
	for (size_t i = 0; i < size;) {
		const uint8_t *nl = memchr(p + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - p) : size, k = i;

		while (k < end && (p[k] == ' ' || p[k] == '\t' || p[k] >= 0x80))
			k++;
		if (k < end && (p[k] == '#' || p[k] == ';') && end - k >= 150)
			return true;
		i = end + 1;
	}
	return false;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *line, *next;
	unsigned n = 0;

#ifdef FUZZ_SKIP_KNOWN_BUGS
	if (known_bug(data, size))
		return 0;
#endif
	load(data, size);

	/* the value parsers: on the whole text, then on each VALUE of KEY=VALUE */
	copy = malloc(size + 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	copy[size] = '\0';
	values(copy);
	for (line = copy; line && n < 64; line = next, n++) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		values(eq ? eq + 1 : line);
	}
	free(copy);
	return 0;
}
