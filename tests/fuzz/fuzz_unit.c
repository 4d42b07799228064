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
#include "units/specifier.h"
#include "units/unit.h"
#include "units/value.h"

#define DROPIN_MARK "\n--8<--\n"   /* splits the input: main file, then drop-ins */

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

/* Unit files must be UTF-8 (ini.c rejects other lines), and what is kept
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
	FUZZ_CHECK(s->n_exec_start >= 1 && s->argv == s->exec_start[0].argv);
	FUZZ_CHECK(s->n_exec_start == 1 || s->type == UNIT_ONESHOT);
	for (size_t i = 0; i < s->n_exec_start; i++)
		FUZZ_CHECK(s->exec_start[i].argv[0] && s->exec_start[i].argv[0][0]);
	FUZZ_CHECK(s->sources && s->sources[0] && s->warnings && !s->parse);
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
	FUZZ_CHECK(s->type < UNIT_TYPE_MAX && s->restart < UNIT_RESTART_MAX);
	FUZZ_CHECK(s->success_action <= UNIT_ACTION_REBOOT &&
		   s->failure_action <= UNIT_ACTION_REBOOT);
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
		FUZZ_CHECK(strncmp(m, PATH, sizeof(PATH) - 1) == 0);
		m += sizeof(PATH) - 1;
		if (strncmp(m, ".d/", 3) == 0) {   /* a drop-in: fuzz.service.d/N.conf */
			m = strchr(m, ':');
			FUZZ_CHECK(m != NULL);
		}
		FUZZ_CHECK(*m == ':');
		m++;
		if (*m == ' ')
			continue;
		line = strtoul(m, &end, 10);
		FUZZ_CHECK(end > m && end[0] == ':' && end[1] == ' ');
		FUZZ_CHECK(line <= lines);
	}
}

static bool diag_equal(const struct unit_diag *a, const struct unit_diag *b)
{
	if (a->n != b->n || a->dropped != b->dropped || a->n_warns != b->n_warns)
		return false;
	for (size_t i = 0; i < a->n_warns; i++)
		if (strcmp(a->warns[i], b->warns[i]) != 0)
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
	if (s1) {
		char *envp[] = { "X=a b", NULL }, **out = NULL;
		int r = unit_exec_expand(s1->argv, envp, &out);

		FUZZ_CHECK(r == 0 || r == -E2BIG || r == -ENOMEM);
		unit_strv_free(out);
	}

	unit_spec_free(s1);
	unit_spec_free(s2);
	unit_diag_free(&d1);
	unit_diag_free(&d2);
	FUZZ_CHECK(d1.n == 0);
}

/* The input as a stack: main file, then drop-ins, at DROPIN_MARK; with a
 * fixed host, so specifiers are deterministic. Twice: the same result. */
static int stack(const uint8_t *data, size_t size, struct unit_diag *d, struct unit_spec **ret)
{
	static struct unit_host host;
	struct unit_names n = { .name = "fuzz@inst.service", .host = &host };
	const char *p = (const char *)data, *end = p + size;
	struct unit_spec *s = NULL;
	unsigned i = 0;
	int r;

	strcpy(host.hostname, "fuzz.example");
	strcpy(host.user, "root");
	*ret = NULL;
	r = unit_parse_new(&n, &s);
	if (r < 0)
		return r;
	while (p <= end && i < 16) {
		const char *m = memmem(p, (size_t)(end - p), DROPIN_MARK, sizeof(DROPIN_MARK) - 1);
		size_t len = m ? (size_t)(m - p) : (size_t)(end - p);
		char path[64];

		if (i == 0)
			snprintf(path, sizeof(path), "%s", PATH);
		else
			snprintf(path, sizeof(path), "%s.d/%02u.conf", PATH, i);
		r = unit_parse_text(s, p, len, path, d);
		FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EFBIG || r == -ENOMEM);
		i++;
		if (!m)
			break;
		p = m + sizeof(DROPIN_MARK) - 1;
	}
	r = unit_parse_finish(s, d);
	FUZZ_CHECK(s->parse == NULL);
	FUZZ_CHECK(unit_strv_len(s->sources) == i);
	if (r < 0) {
		FUZZ_CHECK(d->n > 0);
		unit_spec_free(s);
		return r;
	}
	FUZZ_CHECK(d->n == 0);
	FUZZ_CHECK(unit_strv_len(s->warnings) == d->n_warns || d->n_warns >= UNIT_DIAG_MAX);
	*ret = s;
	return 0;
}

static void load_stack(const uint8_t *data, size_t size)
{
	struct unit_diag d1 = { .n = 0 }, d2 = { .n = 0 };
	struct unit_spec *s1 = NULL, *s2 = NULL;
	int r1, r2;

	r1 = stack(data, size, &d1, &s1);
	r2 = stack(data, size, &d2, &s2);
	FUZZ_CHECK(r1 == r2);
	FUZZ_CHECK(unit_spec_equal(s1, s2));
	FUZZ_CHECK(diag_equal(&d1, &d2));
	if (s1) {
		char **out = NULL;
		char *envp[] = { "A=1 2", "B='x y' z", NULL };
		int r;

		/* the fuzz unit is not "fuzz": check_spec's name test does not apply */
		FUZZ_CHECK(strcmp(s1->name, "fuzz@inst") == 0);
		r = unit_exec_expand(s1->argv, s1->environment, &out);
		FUZZ_CHECK(r == 0 || r == -E2BIG || r == -ENOMEM);
		if (r == 0)
			FUZZ_CHECK(out[0] && strcmp(out[0], s1->argv[0]) == 0);
		unit_strv_free(out);
		r = unit_exec_expand(s1->argv, envp, &out);
		FUZZ_CHECK(r == 0 || r == -E2BIG || r == -ENOMEM);
		unit_strv_free(out);
	}
	unit_spec_free(s1);
	unit_spec_free(s2);
	unit_diag_free(&d1);
	unit_diag_free(&d2);
}

static void values(const char *s)
{
	const char *err = NULL;
	char **v = NULL;
	uint64_t u;
	bool b;
	int r, sig;

	r = unit_split_words(s, &v, &err);   /* the one splitter ExecStart= and lists use */
	if (r == 0) {
		FUZZ_CHECK(v && unit_strv_len(v) <= UNIT_LIST_MAX);
		unit_strv_free(v);
	} else {
		FUZZ_CHECK((r == -EINVAL || r == -E2BIG || r == -ENOMEM) && err && *err);
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
	load_stack(data, size);

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
