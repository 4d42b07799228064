/* SPDX-License-Identifier: MIT */
/*
 * machine.c: being the PID 1 of a machine: mount what a booting kernel
 * leaves empty, set the hostname. (The end, reboot(2), is in shutdown.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "init/machine.h"
#include "lib/log.h"

#define PROC_PID_INIT_INO   0xEFFFFFFCU

/* Is something mounted on path? (A directory of the initramfs is on a tmpfs
 * too, so the file system type alone does not tell.) */
static bool mounted(const char *path)
{
	struct statx sx;
	struct stat st, parent;
	char up[PATH_MAX];

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx) == 0 &&
	    (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return sx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	snprintf(up, sizeof(up), "%s/..", path);
	return stat(path, &st) == 0 && stat(up, &parent) == 0 && st.st_dev != parent.st_dev;
}

static bool fs_is(const char *path, unsigned long magic)
{
	struct statfs sf;

	return mounted(path) && statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
}

static void mount_one(const char *src, const char *dst, const char *type, unsigned long flags,
		      const char *data)
{
	(void)mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		log_warn("unable to mount %s on %s: %s", type, dst, strerror(errno));
}

static void machine_mounts(void)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV;

	if (!fs_is("/proc", PROC_SUPER_MAGIC))
		mount_one("proc", "/proc", "proc", nsd | MS_NOEXEC, NULL);
	if (!fs_is("/sys", SYSFS_MAGIC))
		mount_one("sysfs", "/sys", "sysfs", nsd | MS_NOEXEC, NULL);
	if (!mounted("/dev"))
		mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	if (!fs_is("/dev/pts", DEVPTS_SUPER_MAGIC))
		mount_one("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
			  "gid=5,mode=620,ptmxmode=0666");
	if (!fs_is("/dev/shm", TMPFS_MAGIC))
		mount_one("tmpfs", "/dev/shm", "tmpfs", nsd, "mode=1777");
	if (!fs_is("/run", TMPFS_MAGIC))
		mount_one("tmpfs", "/run", "tmpfs", nsd, "mode=0755");
	if (!fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) && !fs_is("/sys/fs/cgroup", TMPFS_MAGIC))
		mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", nsd | MS_NOEXEC, "nsdelegate");
}

static void machine_hostname(void)
{
	char name[65] = "";
	ssize_t n;
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, name, sizeof(name) - 1);
	(void)close(fd);
	if (n <= 0)
		return;
	name[n] = '\0';
	name[strcspn(name, " \t\r\n")] = '\0';
	if (name[0] && sethostname(name, strlen(name)) < 0)
		log_warn("unable to set hostname %s: %s", name, strerror(errno));
}

void machine_init(void)
{
	machine_mounts();
	machine_hostname();
	(void)reboot(RB_DISABLE_CAD);   /* ctrl-alt-del becomes SIGINT */
}

enum init_mode machine_detect_mode(void)
{
	struct stat st;

	if (getpid() != 1)
		return INIT_SUBREAPER;
	if (stat("/proc/self/ns/pid", &st) < 0) {
		/* no /proc yet: mount it to look (a booting machine has none) */
		(void)mkdir("/proc", 0755);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
		    stat("/proc/self/ns/pid", &st) < 0)
			return INIT_CONTAINER;
	}
	return st.st_ino == PROC_PID_INIT_INO ? INIT_MACHINE : INIT_CONTAINER;
}
