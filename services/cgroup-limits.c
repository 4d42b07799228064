/* SPDX-License-Identifier: MIT */
/*
 * cgroup-limits.c: a unit's limits (cg_unit_apply). Each is written to its
 * v2 file when v2 has the controller, else translated to the v1 one (the
 * conversions are systemd's); a limit the spec does not set is reset to the
 * kernel default, so a reused cgroup serves a changed spec.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/cgroup-internal.h"

static int warn_add(char **warnings, size_t *n, const char *key, const char *reason)
{
	char *w;

	if (*n >= CG_WARN_MAX)
		return 0;
	if (asprintf(&w, "%s=: %s", key, reason) < 0)
		return -ENOMEM;
	warnings[(*n)++] = w;
	return 0;
}

/* systemd's conversions (cgroup-util.h) */
static uint64_t weight_to_shares(uint64_t w)
{
	uint64_t s = w * 1024 / 100;

	return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

static uint64_t weight_to_blkio(uint64_t w)
{
	uint64_t b = w * 500 / 100;

	return b < 10 ? 10 : b > 1000 ? 1000 : b;
}

static uint64_t weight_to_bfq(uint64_t w)
{
	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	if (w <= 100)
		return 1 + (w - 1) * 99 / 99;
	return 100 + (w - 100) * 900 / 9900;
}

/* One limit: the v2 file when the v2 controller is there, else the v1 file.
 * set == false resets a reused cgroup to the default, silently. Returns the
 * reason it could not be applied, or NULL. */
struct limit {
	const char *key;
	int ctl;
	const char *v2_file, *v2_val, *v2_alt_file, *v2_alt_val;
	const char *v1_pre_file, *v1_pre_val;
	const char *v1_file, *v1_val, *v1_alt_file, *v1_alt_val;
};

static int limit_apply(struct cg_unit *cg, const struct limit *l, bool set, char *errbuf, size_t errlen)
{
	const char *d1;
	int r;

	if (cg_v2_has(cg, l->ctl)) {
		r = cg_write(cg->v2_dir, l->v2_file, l->v2_val);
		if (r == -ENOENT && l->v2_alt_file)
			r = cg_write(cg->v2_dir, l->v2_alt_file, l->v2_alt_val);
	} else if ((d1 = cg_v1_dir_of(cg, l->ctl)) && l->v1_file) {
		r = 0;
		if (l->v1_pre_file)
			r = cg_write(d1, l->v1_pre_file, l->v1_pre_val);
		if (r == 0)
			r = cg_write(d1, l->v1_file, l->v1_val);
		if (r == -ENOENT && l->v1_alt_file)
			r = cg_write(d1, l->v1_alt_file, l->v1_alt_val);
	} else {
		if (set)
			(void)snprintf(errbuf, errlen, "no %s controller",
				       l->ctl == CTL_IO ? "io" : cg_ctl_v1_name[l->ctl]);
		return set ? -EOPNOTSUPP : 0;
	}
	if (r < 0 && set)
		(void)snprintf(errbuf, errlen, "%s", strerror(-r));
	return r;
}

static void fmt_u64(char *buf, size_t len, uint64_t v, const char *inf)
{
	if (v == UNIT_INFINITY)
		(void)snprintf(buf, len, "%s", inf);
	else
		(void)snprintf(buf, len, "%" PRIu64, v);
}

int cg_unit_apply(struct cg_ctx *ctx, struct cg_unit *cg, const struct unit_spec *spec,
		  char **warnings, size_t *n_warnings)
{
	char mm2[32], mm1[32], mh2[32], mh1[32], cw2[32], cw1[32], cq2[48], cq1[32];
	char tm[32], io2[32], io2b[32], io1[32], io1b[32], cpus_parent[4096];
	const char *cpus = spec->allowed_cpus ? spec->allowed_cpus : "";
	unsigned set = spec->limits_set;
	const char *cpuset_v1;
	int r = 0;

	if (!ctx || !cg)
		return -EINVAL;
	{
		static const struct { unsigned bit, ctls; } need[] = {
			{ UNIT_LIM_MEMORY_MAX, CTL_BIT(CTL_MEMORY) },
			{ UNIT_LIM_MEMORY_HIGH, CTL_BIT(CTL_MEMORY) },
			{ UNIT_LIM_CPU_WEIGHT, CTL_BIT(CTL_CPU) },
			{ UNIT_LIM_CPU_QUOTA, CTL_BIT(CTL_CPU) },
			{ UNIT_LIM_TASKS_MAX, CTL_BIT(CTL_PIDS) },
			{ UNIT_LIM_IO_WEIGHT, CTL_BIT(CTL_IO) },
			{ UNIT_LIM_ALLOWED_CPUS, CTL_BIT(CTL_CPUSET) },
		};
		unsigned ctls = 0;

		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (set & need[i].bit)
				ctls |= need[i].ctls;
		/* a hierarchy that cannot be joined: its limits warn below
		 * ("no ... controller") */
		(void)cg_unit_need(cg, ctls);
	}

	fmt_u64(mm2, sizeof(mm2), spec->memory_max, "max");
	fmt_u64(mm1, sizeof(mm1), spec->memory_max, "-1");
	fmt_u64(mh2, sizeof(mh2), spec->memory_high, "max");
	fmt_u64(mh1, sizeof(mh1), spec->memory_high, "-1");
	(void)snprintf(cw2, sizeof(cw2), "%" PRIu64, spec->cpu_weight);
	(void)snprintf(cw1, sizeof(cw1), "%" PRIu64, weight_to_shares(spec->cpu_weight));
	if (spec->cpu_quota_percent == UNIT_INFINITY || spec->cpu_quota_percent == 0) {
		(void)snprintf(cq2, sizeof(cq2), "max 100000");
		(void)snprintf(cq1, sizeof(cq1), "-1");
	} else {
		/* percent of one CPU per 100 ms period; v1 wants >= 1000 us */
		uint64_t q = spec->cpu_quota_percent > UINT64_MAX / 1000 ? UINT64_MAX / 1000 :
			     spec->cpu_quota_percent;

		(void)snprintf(cq2, sizeof(cq2), "%" PRIu64 " 100000", q * 1000);
		(void)snprintf(cq1, sizeof(cq1), "%" PRIu64, q * 1000);
	}
	fmt_u64(tm, sizeof(tm), spec->tasks_max, "max");
	(void)snprintf(io2, sizeof(io2), "default %" PRIu64, spec->io_weight);
	(void)snprintf(io2b, sizeof(io2b), "default %" PRIu64, weight_to_bfq(spec->io_weight));
	(void)snprintf(io1, sizeof(io1), "%" PRIu64, weight_to_blkio(spec->io_weight));
	(void)snprintf(io1b, sizeof(io1b), "%" PRIu64, weight_to_bfq(spec->io_weight));

	/* v1 cpuset.cpus reset: the parent's set */
	cpuset_v1 = cpus;
	if (!(set & UNIT_LIM_ALLOWED_CPUS) && (cg->dirty & UNIT_LIM_ALLOWED_CPUS)) {
		const char *d1 = cg_v1_dir_of(cg, CTL_CPUSET);

		cpus_parent[0] = '\0';
		if (d1 && !cg_v2_has(cg, CTL_CPUSET)) {
			char *parent = strdup(d1), *slash;

			if (parent && (slash = strrchr(parent, '/'))) {
				*slash = '\0';
				(void)cg_read(parent, "cpuset.cpus", cpus_parent, sizeof(cpus_parent));
			}
			free(parent);
		}
		cpuset_v1 = cpus_parent;
	}

	{
		const struct {
			unsigned bit;
			struct limit on, off;
		} t[] = {
			{ UNIT_LIM_MEMORY_MAX,
			  { "MemoryMax", CTL_MEMORY, "memory.max", mm2, NULL, NULL, NULL, NULL,
			    "memory.limit_in_bytes", mm1, NULL, NULL },
			  { "MemoryMax", CTL_MEMORY, "memory.max", "max", NULL, NULL, NULL, NULL,
			    "memory.limit_in_bytes", "-1", NULL, NULL } },
			/* v1 has no throttling limit: the soft limit is the
			 * closest (reclaim pressure under contention) */
			{ UNIT_LIM_MEMORY_HIGH,
			  { "MemoryHigh", CTL_MEMORY, "memory.high", mh2, NULL, NULL, NULL, NULL,
			    "memory.soft_limit_in_bytes", mh1, NULL, NULL },
			  { "MemoryHigh", CTL_MEMORY, "memory.high", "max", NULL, NULL, NULL, NULL,
			    "memory.soft_limit_in_bytes", "-1", NULL, NULL } },
			{ UNIT_LIM_CPU_WEIGHT,
			  { "CPUWeight", CTL_CPU, "cpu.weight", cw2, NULL, NULL, NULL, NULL,
			    "cpu.shares", cw1, NULL, NULL },
			  { "CPUWeight", CTL_CPU, "cpu.weight", "100", NULL, NULL, NULL, NULL,
			    "cpu.shares", "1024", NULL, NULL } },
			{ UNIT_LIM_CPU_QUOTA,
			  { "CPUQuota", CTL_CPU, "cpu.max", cq2, NULL, NULL,
			    "cpu.cfs_period_us", "100000", "cpu.cfs_quota_us", cq1, NULL, NULL },
			  { "CPUQuota", CTL_CPU, "cpu.max", "max 100000", NULL, NULL,
			    NULL, NULL, "cpu.cfs_quota_us", "-1", NULL, NULL } },
			{ UNIT_LIM_TASKS_MAX,
			  { "TasksMax", CTL_PIDS, "pids.max", tm, NULL, NULL, NULL, NULL,
			    "pids.max", tm, NULL, NULL },
			  { "TasksMax", CTL_PIDS, "pids.max", "max", NULL, NULL, NULL, NULL,
			    "pids.max", "max", NULL, NULL } },
			/* io.weight needs the io cost model; BFQ has its own file */
			{ UNIT_LIM_IO_WEIGHT,
			  { "IOWeight", CTL_IO, "io.weight", io2, "io.bfq.weight", io2b, NULL, NULL,
			    "blkio.weight", io1, "blkio.bfq.weight", io1b },
			  { "IOWeight", CTL_IO, "io.weight", "default 100", "io.bfq.weight", "default 100",
			    NULL, NULL, "blkio.weight", "500", "blkio.bfq.weight", "100" } },
			{ UNIT_LIM_ALLOWED_CPUS,
			  { "AllowedCPUs", CTL_CPUSET, "cpuset.cpus", cpus, NULL, NULL, NULL, NULL,
			    "cpuset.cpus", cpuset_v1, NULL, NULL },
			  /* v1 reset: the parent's set; never an empty one
			   * (no task could join) */
			  { "AllowedCPUs", CTL_CPUSET, "cpuset.cpus", "\n", NULL, NULL, NULL, NULL,
			    cpuset_v1[0] ? "cpuset.cpus" : NULL, cpuset_v1, NULL, NULL } },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			bool on = (set & t[i].bit) != 0;
			char why[128];

			if (!on && !(cg->dirty & t[i].bit))
				continue;   /* the kernel's default is there */
			if (on)
				cg->dirty |= t[i].bit;
			if (limit_apply(cg, on ? &t[i].on : &t[i].off, on, why, sizeof(why)) < 0) {
				if (!on)
					continue;   /* still dirty: reset again next time */
				r = warn_add(warnings, n_warnings, t[i].on.key, why);
				if (r < 0)
					return r;
			} else if (!on) {
				cg->dirty &= ~t[i].bit;
			}
		}
	}
	return 0;
}
