/* SPDX-License-Identifier: MIT */
/*
 * attrs.c: a unit's process attributes (attrs.h). attrs_plan runs in the
 * parent and turns the spec into numbers; the attrs_child_* functions run
 * between clone and exec and make system calls only (no allocation, no
 * locks, no stdio): setrlimit, umask, setpriority, ioprio_set,
 * sched_setscheduler, sched_setaffinity, open/write/ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "services/attrs.h"
#include "services/plan.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

static rlim_t rlim_of(uint64_t v)
{
	return v == UNIT_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

/* "0-1,3" (normalised by units/value.c) into a bit mask. */
static size_t cpus_to_mask(const char *s, unsigned long *mask, size_t words)
{
	size_t top = 0;

	memset(mask, 0, words * sizeof(*mask));
	while (s && *s) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (unsigned long i = a; i <= b && i < words * 64; i++) {
			mask[i / 64] |= 1UL << (i % 64);
			if (i / 64 + 1 > top)
				top = i / 64 + 1;
		}
		s = *end == ',' ? end + 1 : end + strlen(end);
	}
	return top * sizeof(*mask);
}

void attrs_plan(const struct unit_spec *spec, struct exec_attrs *a)
{
	const struct unit_attrs *u = &spec->attrs;
	int cls;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < UNIT_RLIMIT_N; i++) {
		a->rlimit_set[i] = u->rlimits[i].set;
		a->rlimit[i].rlim_cur = rlim_of(u->rlimits[i].cur);
		a->rlimit[i].rlim_max = rlim_of(u->rlimits[i].max);
	}
	a->umask = (mode_t)u->umask;
	a->nice_set = u->nice_set;
	a->nice = u->nice;
	(void)snprintf(a->oom, sizeof(a->oom), "%d", u->oom_set ? u->oom_score_adjust : 0);
	/* as systemd: a priority alone is best-effort, a class alone priority 4 */
	if (u->io_class >= 0 || u->io_prio >= 0) {
		cls = u->io_class >= 0 ? u->io_class : 2;
		a->ioprio_set = true;
		a->ioprio = cls << IOPRIO_CLASS_SHIFT |
			    (cls == 0 || cls == 3 ? 0 : u->io_prio >= 0 ? u->io_prio : 4);
	}
	if (u->cpu_policy >= 0 || u->cpu_prio >= 0 || u->cpu_reset_on_fork) {
		int pol = u->cpu_policy >= 0 ? u->cpu_policy : SCHED_OTHER;
		bool rt = pol == SCHED_FIFO || pol == SCHED_RR;

		a->sched_set = true;
		a->sched_policy = pol | (u->cpu_reset_on_fork ? SCHED_RESET_ON_FORK : 0);
		/* the real-time policies take 1..99, the others only 0 */
		a->sched_prio = rt ? (u->cpu_prio > 0 ? u->cpu_prio : 1) : 0;
	}
	if (u->cpu_affinity)
		a->affinity_size = cpus_to_mask(u->cpu_affinity, a->affinity, ATTRS_CPU_WORDS);
	if (u->std_input == UNIT_INPUT_TTY || u->std_input == UNIT_INPUT_TTY_FORCE ||
	    u->std_input == UNIT_INPUT_TTY_FAIL) {
		a->tty_path = u->tty_path ? u->tty_path : "/dev/console";
		a->tty_mode = (int)u->std_input;
	}
	a->tty_out = spec->std_output.kind == UNIT_OUTPUT_TTY;
	a->tty_err = spec->std_error.kind == UNIT_OUTPUT_TTY;
	if ((a->tty_out || a->tty_err) && !a->tty_path) {
		a->tty_path = u->tty_path ? u->tty_path : "/dev/console";
		a->tty_mode = 0;   /* output only: no controlling terminal */
	}
	a->tty_reset = u->tty_reset;
	a->tty_vhangup = u->tty_vhangup;
}

/* ---- child side: system calls only ------------------------------------ */

static const char *const rlimit_steps[UNIT_RLIMIT_N] = {
	"set LimitCPU=", "set LimitFSIZE=", "set LimitDATA=", "set LimitSTACK=",
	"set LimitCORE=", "set LimitRSS=", "set LimitNPROC=", "set LimitNOFILE=",
	"set LimitMEMLOCK=", "set LimitAS=", "set LimitLOCKS=", "set LimitSIGPENDING=",
	"set LimitMSGQUEUE=", "set LimitNICE=", "set LimitRTPRIO=", "set LimitRTTIME=",
};

/* setrlimit, or as close as it can get (systemd's setrlimit_closest): a
 * hard limit above the one svcinit has cannot be raised without
 * CAP_SYS_RESOURCE (an unprivileged container), nor LimitNOFILE= above
 * fs.nr_open: then both sides are capped at the current hard limit. */
static int rlimit_closest(int res, const struct rlimit *want)
{
	struct rlimit have, fixed;

	if (setrlimit(res, want) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	if (getrlimit(res, &have) < 0)
		return -errno;
	if (have.rlim_max == RLIM_INFINITY)
		return -EPERM;   /* not the hard limit: something else refused */
	fixed.rlim_cur = want->rlim_cur < have.rlim_max ? want->rlim_cur : have.rlim_max;
	fixed.rlim_max = want->rlim_max < have.rlim_max ? want->rlim_max : have.rlim_max;
	if (fixed.rlim_cur == have.rlim_cur && fixed.rlim_max == have.rlim_max)
		return 0;
	return setrlimit(res, &fixed) == 0 ? 0 : -errno;
}

int attrs_child_apply(const struct exec_attrs *a, const char **ret_step)
{
	for (int i = 0; i < UNIT_RLIMIT_N; i++) {
		int r;

		if (!a->rlimit_set[i])
			continue;
		r = rlimit_closest(i, &a->rlimit[i]);
		if (r < 0) {
			*ret_step = rlimit_steps[i];
			return r;
		}
	}
	(void)umask(a->umask);
	if (a->nice_set && setpriority(PRIO_PROCESS, 0, a->nice) < 0) {
		*ret_step = "set Nice=";
		return -errno;
	}
	if (a->ioprio_set && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, a->ioprio) < 0) {
		*ret_step = "set IOSchedulingClass=";
		return -errno;
	}
	if (a->sched_set) {
		struct sched_param sp = { .sched_priority = a->sched_prio };

		if (syscall(SYS_sched_setscheduler, 0, a->sched_policy, &sp) < 0) {
			*ret_step = "set CPUSchedulingPolicy=";
			return -errno;
		}
	}
	if (a->affinity_size &&
	    syscall(SYS_sched_setaffinity, 0, a->affinity_size, a->affinity) < 0) {
		*ret_step = "set CPUAffinity=";
		return -errno;
	}
	return 0;
}

void attrs_child_oom(const struct exec_attrs *a)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return;
	while (a->oom[n])
		n++;
	if (write(fd, a->oom[0] ? a->oom : "0", n ? n : 1) < 0) {
		/* an unprivileged svcinit cannot lower it: the unit runs on */
	}
	(void)close(fd);
}

static int tty_open(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	int fl;

	if (fd < 0)
		return -errno;
	if (!isatty(fd)) {
		(void)close(fd);
		return -ENOTTY;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/* A sane line discipline, as systemd's TTYReset= (reset_terminal_fd). */
static void tty_reset(int fd)
{
	struct termios t;

	if (ioctl(fd, TCGETS, &t) < 0)
		return;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | ISTRIP | INLCR | IGNCR | IUCLC);
	t.c_iflag |= ICRNL | IMAXBEL | IUTF8;
	t.c_oflag |= ONLCR | OPOST;
	t.c_cflag |= CREAD;
	t.c_lflag = ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE;
	t.c_cc[VINTR] = 03;
	t.c_cc[VQUIT] = 034;
	t.c_cc[VERASE] = 0177;
	t.c_cc[VKILL] = 025;
	t.c_cc[VEOF] = 04;
	t.c_cc[VSTART] = 021;
	t.c_cc[VSTOP] = 023;
	t.c_cc[VSUSP] = 032;
	t.c_cc[VLNEXT] = 026;
	t.c_cc[VWERASE] = 027;
	t.c_cc[VREPRINT] = 022;
	t.c_cc[VEOL] = 0;
	t.c_cc[VEOL2] = 0;
	t.c_cc[VTIME] = 0;
	t.c_cc[VMIN] = 1;
	(void)ioctl(fd, TCSETS, &t);
	(void)ioctl(fd, TCFLSH, TCIOFLUSH);
}

int attrs_child_tty(const struct exec_attrs *a, const char **ret_step)
{
	int fd, r;

	*ret_step = "open TTYPath=";
	fd = tty_open(a->tty_path);
	if (fd < 0)
		return fd;
	if (a->tty_mode) {
		/* tty-force takes it from another session; tty and tty-fail
		 * only a free one (svcinit never waits: tty goes on without
		 * a controlling terminal, tty-fail fails) */
		r = ioctl(fd, TIOCSCTTY, a->tty_mode == UNIT_INPUT_TTY_FORCE ? 1 : 0);
		if (r < 0 && a->tty_mode != UNIT_INPUT_TTY) {
			r = -errno;
			(void)close(fd);
			*ret_step = "acquire the terminal";
			return r;
		}
		if (r == 0 && a->tty_vhangup) {
			/* hang up whoever had it open, then open it anew; the
			 * hangup's SIGHUP reaches this session too: ignored */
			struct sigaction ign = { .sa_handler = SIG_IGN }, old;

			(void)sigaction(SIGHUP, &ign, &old);
			(void)syscall(SYS_vhangup);
			(void)sigaction(SIGHUP, &old, NULL);
			(void)close(fd);
			fd = tty_open(a->tty_path);
			if (fd < 0)
				return fd;
			(void)ioctl(fd, TIOCSCTTY, 1);
		}
	}
	if (a->tty_reset)
		tty_reset(fd);
	return fd;
}

/* ---- parent side ------------------------------------------------------ */

int attrs_input_open(const struct unit_spec *spec, int *ret_fd, const char **ret_what)
{
	const struct unit_attrs *u = &spec->attrs;
	int fd;

	*ret_fd = -1;
	switch (u->std_input) {
	case UNIT_INPUT_FILE:
		/* with the unit's identity, as StandardOutput=file: */
		fd = plan_open(spec, u->input_path, O_RDONLY, S_IFREG | S_IFIFO | S_IFCHR | S_IFSOCK);
		if (fd < 0) {
			*ret_what = "open StandardInput=file:";
			return fd;
		}
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		*ret_fd = fd;
		return 0;
	case UNIT_INPUT_DATA: {
		size_t off = 0;

		/* a memfd: the data is in memory already, no pipe to keep fed */
		fd = (int)syscall(SYS_memfd_create, "StandardInputData", MFD_CLOEXEC);
		if (fd < 0) {
			*ret_what = "create StandardInputData= file";
			return -errno;
		}
		while (off < u->input_data_len) {
			ssize_t n = write(fd, u->input_data + off, u->input_data_len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				int e = n < 0 ? -errno : -EIO;

				(void)close(fd);
				*ret_what = "write StandardInputData=";
				return e;
			}
			off += (size_t)n;
		}
		(void)lseek(fd, 0, SEEK_SET);
		*ret_fd = fd;
		return 0;
	}
	default:
		return 0;   /* null: /dev/null; tty: the child opens it */
	}
}
