/* SPDX-License-Identifier: MIT */
/*
 * test_load.c: units/load.c on temporary trees: drop-in order and masking,
 * aliases (symlinks and [Install] Alias=), masks, templates and instances,
 * the boot set of a target, systemd's defaults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "units/load.h"
#include "units/unit.h"
#include "units/value.h"

static char root[256];

static void put(const char *rel, const char *text)
{
	char p[512], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(p, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[512], *slash;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(p, 0755);
		*slash = '/';
	}
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/svcinit-test-load.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/systemd/system %s/lib/systemd/system", root,
		 root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct unit_spec *find(struct unit_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->units[i]->name, name) == 0)
			return set->units[i];
	return NULL;
}

static void load(struct unit_set *set, struct unit_diag *d, bool all)
{
	struct unit_load_config c = { .systemd = true, .root = root, .all = all };

	memset(d, 0, sizeof(*d));
	assert_int_equal(unit_load_all(&c, d, set), 0);
	for (size_t i = 0; i < d->n; i++)
		print_message("diag: %s\n", d->msgs[i]);
}

static bool has_note(struct unit_set *set, const char *needle)
{
	for (char **n = set->notes; n && *n; n++)
		if (strstr(*n, needle))
			return true;
	return false;
}

static void test_dropin_order(void **state)
{
	struct unit_set set;
	struct unit_diag d;
	struct unit_spec *s;
	size_t n;

	(void)state;
	put("lib/systemd/system/web.service", "[Service]\nExecStart=/bin/web a\n"
	    "Environment=A=lib\n[Install]\nWantedBy=multi-user.target\n");
	link_("/lib/systemd/system/web.service", "etc/systemd/system/multi-user.target.wants/web.service");
	/* 10 in /etc masks 10 in /lib; 20 in /lib applies; order by file name */
	put("lib/systemd/system/web.service.d/10-x.conf", "[Service]\nEnvironment=B=masked\n");
	put("etc/systemd/system/web.service.d/10-x.conf", "[Service]\nEnvironment=B=etc10\n");
	put("lib/systemd/system/web.service.d/20-y.conf", "[Service]\nExecStart=\nExecStart=/bin/web b\n");
	put("lib/systemd/system/service.d/05-all.conf", "[Service]\nEnvironment=C=all\n");
	put("lib/systemd/system/web.service.d/ignored.txt", "garbage\n");
	load(&set, &d, false);
	assert_int_equal(d.n, 0);
	s = find(&set, "web");
	assert_non_null(s);
	n = unit_strv_len(s->sources);
	assert_int_equal(n, 4);
	assert_non_null(strstr(s->sources[0], "/lib/systemd/system/web.service"));
	assert_non_null(strstr(s->sources[1], "/service.d/05-all.conf"));
	assert_non_null(strstr(s->sources[2], "/etc/systemd/system/web.service.d/10-x.conf"));
	assert_non_null(strstr(s->sources[3], "/lib/systemd/system/web.service.d/20-y.conf"));
	assert_true(unit_strv_contains(s->environment, "B=etc10"));
	assert_false(unit_strv_contains(s->environment, "B=masked"));
	assert_true(unit_strv_contains(s->environment, "C=all"));
	assert_string_equal(s->argv[1], "b");
	/* systemd's defaults */
	assert_int_equal(s->namespaces, 0);
	assert_int_equal(s->restart, UNIT_RESTART_NO);
	assert_true(has_note(&set, "drop-in"));
	unit_set_free(&set);
	unit_diag_free(&d);
}

static void test_alias_and_mask(void **state)
{
	struct unit_set set;
	struct unit_diag d;
	struct unit_spec *s;

	(void)state;
	put("lib/systemd/system/db.service", "[Service]\nExecStart=/bin/db\n[Install]\nAlias=database.service\n");
	link_("db.service", "lib/systemd/system/sql.service");
	put("lib/systemd/system/app.service", "[Unit]\nRequires=sql.service\nWants=gone.service\n"
	    "After=network.target sql.service\n[Service]\nExecStart=/bin/app\n");
	put("lib/systemd/system/gone.service", "[Service]\nExecStart=/bin/gone\n");
	link_("/dev/null", "etc/systemd/system/gone.service");
	link_("/lib/systemd/system/app.service", "etc/systemd/system/multi-user.target.wants/app.service");
	load(&set, &d, false);
	assert_int_equal(d.n, 0);
	assert_int_equal(set.n, 2);     /* app and db once, no gone, no sql copy */
	s = find(&set, "db");
	assert_non_null(s);
	assert_true(unit_strv_contains(s->alias, "sql.service"));
	assert_true(unit_strv_contains(s->alias, "database.service"));
	assert_null(find(&set, "sql"));
	assert_null(find(&set, "gone"));
	s = find(&set, "app");
	assert_true(unit_strv_contains(s->requires, "db"));     /* the alias resolved */
	assert_true(unit_strv_contains(s->after, "db"));
	assert_false(unit_strv_contains(s->after, "network.target"));
	assert_true(has_note(&set, "gone.service: masked"));
	assert_true(has_note(&set, "sql.service: alias of db.service"));
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* A link whose target's name is longer than any unit name: the link's own
 * name stands (never a cut target name, which could be another unit's). */
static void test_alias_to_an_overlong_name(void **state)
{
	char longname[128], target[160];
	struct unit_set set;
	struct unit_diag d;
	struct unit_spec *s;

	(void)state;
	memset(longname, 'x', 90);
	longname[90] = '\0';
	snprintf(target, sizeof(target), "lib/systemd/system/%s.service", longname);
	put(target, "[Service]\nExecStart=/bin/long\n");
	snprintf(target, sizeof(target), "%s.service", longname);
	link_(target, "etc/systemd/system/multi-user.target.wants/short.service");
	link_(target, "lib/systemd/system/short.service");
	load(&set, &d, false);
	s = find(&set, "short");
	assert_non_null(s);
	assert_string_equal(s->argv[0], "/bin/long");
	for (size_t i = 0; i < set.n; i++)
		assert_true(strlen(set.units[i]->name) <= UNIT_NAME_MAX);
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* A masked target pulls nothing in: neither its Wants= nor its .wants/
 * directories (as systemd: the job for a masked unit fails before its
 * dependencies are looked at). Debian ships getty.target.wants/ in
 * /lib/systemd/system; masking getty.target must keep getty-static out. */
static void test_masked_target_pulls_nothing(void **state)
{
	struct unit_set set;
	struct unit_diag d;
	char p[512];

	(void)state;
	put("lib/systemd/system/getty.target", "[Unit]\nWants=tty.service\n");
	put("lib/systemd/system/getty-static.service", "[Service]\nExecStart=/bin/getty-static\n");
	put("lib/systemd/system/tty.service", "[Service]\nExecStart=/bin/tty\n");
	put("lib/systemd/system/web.service", "[Service]\nExecStart=/bin/web\n");
	link_("../getty-static.service", "lib/systemd/system/getty.target.wants/getty-static.service");
	link_("/lib/systemd/system/getty.target", "lib/systemd/system/multi-user.target.wants/getty.target");
	link_("/lib/systemd/system/web.service", "etc/systemd/system/multi-user.target.wants/web.service");
	/* no file at all: a well-known target's .wants/ still count */
	link_("/lib/systemd/system/tty.service", "etc/systemd/system/nofile.target.wants/tty.service");
	link_("/lib/systemd/system/nofile.target", "etc/systemd/system/multi-user.target.wants/nofile.target");
	load(&set, &d, false);
	assert_non_null(find(&set, "tty"));
	assert_non_null(find(&set, "getty-static"));
	unit_set_free(&set);
	unit_diag_free(&d);
	snprintf(p, sizeof(p), "%s/etc/systemd/system/nofile.target.wants/tty.service", root);
	assert_int_equal(unlink(p), 0);
	link_("/dev/null", "etc/systemd/system/getty.target");
	load(&set, &d, false);
	assert_non_null(find(&set, "web"));
	assert_null(find(&set, "getty-static"));
	assert_null(find(&set, "tty"));
	assert_int_equal(set.n, 1);
	assert_true(has_note(&set, "getty.target: masked"));
	unit_set_free(&set);
	unit_diag_free(&d);
}

static void test_template_instances(void **state)
{
	struct unit_load_config c = { .systemd = true, .root = root };
	struct unit_set set;
	struct unit_diag d;
	struct unit_spec *s;

	(void)state;
	put("lib/systemd/system/getty@.service", "[Service]\nExecStart=/sbin/agetty %i %I %p\n");
	put("lib/systemd/system/getty@.service.d/t.conf", "[Service]\nEnvironment=T=%i\n");
	put("lib/systemd/system/getty@tty2.service.d/own.conf", "[Service]\nEnvironment=OWN=1\n");
	link_("/lib/systemd/system/getty@.service", "etc/systemd/system/multi-user.target.wants/getty@tty1.service");
	put("lib/systemd/system/tgt.target", "[Unit]\nWants=getty@tty2.service\n");
	link_("/lib/systemd/system/tgt.target", "etc/systemd/system/multi-user.target.wants/tgt.target");
	load(&set, &d, false);
	assert_int_equal(d.n, 0);
	assert_null(find(&set, "getty@"));          /* a template does not run */
	s = find(&set, "getty@tty1");
	assert_non_null(s);
	assert_string_equal(s->argv[1], "tty1");
	assert_string_equal(s->argv[3], "getty");
	assert_true(unit_strv_contains(s->environment, "T=tty1"));
	assert_false(unit_strv_contains(s->environment, "OWN=1"));
	s = find(&set, "getty@tty2");          /* pulled in through a target's Wants= */
	assert_non_null(s);
	assert_true(unit_strv_contains(s->environment, "OWN=1"));
	assert_int_equal(unit_strv_len(s->sources), 3);
	unit_set_free(&set);
	unit_diag_free(&d);
	/* on demand, and --check reads the template itself */
	assert_int_equal(unit_load_one(&c, "getty@ttyS0", &d, &s), 0);
	assert_string_equal(s->name, "getty@ttyS0");
	assert_string_equal(s->argv[1], "ttyS0");
	unit_spec_free(s);
	assert_int_equal(unit_load_one(&c, "nope", &d, &s), -ENOENT);
	load(&set, &d, true);
	assert_non_null(find(&set, "getty@"));
	unit_set_free(&set);
	unit_diag_free(&d);
}

static void test_native_dirs(void **state)
{
	char a[300], b[300];
	struct unit_load_config c = { .systemd = false };
	struct unit_set set;
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	put("a/x.service", "[Service]\nExecStart=/bin/x a\n");
	put("b/x.service", "[Service]\nExecStart=/bin/x b\n");
	put("b/y.service", "[Service]\nExecStart=/bin/y\n");
	put("b/t@.service", "[Service]\nExecStart=/bin/t %i\n");
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	c.dirs[0] = a;
	c.dirs[1] = b;
	assert_int_equal(unit_load_all(&c, &d, &set), 0);
	assert_int_equal(set.n, 2);
	s = find(&set, "x");
	assert_string_equal(s->argv[1], "a");    /* the earlier directory wins */
	assert_int_equal(s->namespaces, UNIT_NS_DEFAULT);   /* svcinit's defaults */
	assert_int_equal(s->restart, UNIT_RESTART_ON_FAILURE);
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* A -u directory that does not exist is an error, reported; every other
 * source still loads: the other -u directories and systemd's boot set. */
static void test_missing_native_dir(void **state)
{
	struct unit_load_config c = { .systemd = true, .root = root };
	char a[300], b[300];
	struct unit_set set;
	struct unit_diag d = { .n = 0 };

	(void)state;
	put("b/y.service", "[Service]\nExecStart=/bin/y\n");
	put("lib/systemd/system/s.service", "[Service]\nExecStart=/bin/s\n");
	link_("/lib/systemd/system/s.service", "etc/systemd/system/multi-user.target.wants/s.service");
	snprintf(a, sizeof(a), "%s/missing", root);
	snprintf(b, sizeof(b), "%s/b", root);
	c.dirs[0] = a;
	c.dirs[1] = b;
	assert_int_equal(unit_load_all(&c, &d, &set), 0);
	assert_int_equal(set.n, 2);
	assert_non_null(find(&set, "y"));
	assert_non_null(find(&set, "s"));
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msgs[0], a));
	assert_non_null(strstr(d.msgs[0], strerror(ENOENT)));
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* --target NAME: the boot set is what that target pulls in (.wants/ and
 * .requires/ links, its Wants=/Requires=), not multi-user.target's; the
 * four directories of the search path are all read; a target with no file
 * is reached, a dependency on it dropped, not an error. */
static void test_target_option_and_requires_links(void **state)
{
	struct unit_load_config c = { .systemd = true, .root = root, .target = "rescue.target" };
	struct unit_set set;
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	put("lib/systemd/system/multi.service", "[Service]\nExecStart=/bin/multi\n");
	link_("/lib/systemd/system/multi.service",
	      "etc/systemd/system/multi-user.target.wants/multi.service");
	put("usr/lib/systemd/system/req.service",
	    "[Unit]\nRequires=network-online.target\nAfter=network-online.target sysinit.target\n"
	    "[Service]\nExecStart=/bin/req\n");
	link_("/usr/lib/systemd/system/req.service",
	      "etc/systemd/system/rescue.target.requires/req.service");
	put("run/systemd/system/rescue.target", "[Unit]\nWants=pulled.service basic.target\n");
	put("lib/systemd/system/pulled.service", "[Service]\nExecStart=/bin/pulled\n");
	assert_int_equal(unit_load_all(&c, &d, &set), 0);
	for (size_t i = 0; i < d.n; i++)
		print_message("diag: %s\n", d.msgs[i]);
	assert_int_equal(d.n, 0);
	assert_int_equal(set.n, 2);
	assert_null(find(&set, "multi"));       /* another target's */
	s = find(&set, "req");                  /* .requires/, from /usr/lib */
	assert_non_null(s);
	assert_int_equal(unit_strv_len(s->requires), 0);   /* targets: reached */
	assert_int_equal(unit_strv_len(s->after), 0);
	assert_non_null(find(&set, "pulled"));  /* the target's file, from /run */
	unit_set_free(&set);
	unit_diag_free(&d);
}

/* A service's own NAME.wants/ and NAME.requires/ links are its Wants= and
 * Requires= (systemd.unit(5)), not only units pulled into the boot set. */
static void test_a_units_own_wants_and_requires_links(void **state)
{
	struct unit_load_config c = { .systemd = true, .root = root };
	struct unit_set set;
	struct unit_diag d = { .n = 0 };
	struct unit_spec *s;

	(void)state;
	put("lib/systemd/system/app.service", "[Unit]\nWants=side.service\n[Service]\nExecStart=/bin/app\n");
	link_("/lib/systemd/system/app.service", "etc/systemd/system/multi-user.target.wants/app.service");
	put("lib/systemd/system/db.service", "[Service]\nExecStart=/bin/db\n");
	put("lib/systemd/system/side.service", "[Service]\nExecStart=/bin/side\n");
	put("lib/systemd/system/extra.service", "[Service]\nExecStart=/bin/extra\n");
	link_("/lib/systemd/system/db.service", "etc/systemd/system/app.service.requires/db.service");
	link_("/lib/systemd/system/side.service", "etc/systemd/system/app.service.wants/side.service");
	link_("/lib/systemd/system/extra.service", "lib/systemd/system/app.service.wants/extra.service");
	assert_int_equal(unit_load_all(&c, &d, &set), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(set.n, 4);
	s = find(&set, "app");
	assert_non_null(s);
	assert_int_equal(unit_strv_len(s->requires), 1);
	assert_string_equal(s->requires[0], "db");
	assert_int_equal(unit_strv_len(s->wants), 2);   /* side once, though twice named */
	assert_true(unit_strv_contains(s->wants, "side"));
	assert_true(unit_strv_contains(s->wants, "extra"));
	assert_int_equal(unit_strv_len(find(&set, "db")->requires), 0);
	unit_set_free(&set);
	unit_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dropin_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_and_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_to_an_overlong_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked_target_pulls_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_instances, setup, teardown),
		cmocka_unit_test_setup_teardown(test_native_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_native_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_option_and_requires_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_units_own_wants_and_requires_links, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
