/* SPDX-License-Identifier: MIT */
/* path.h: absolute paths, normalized (shared by cgroup.c and rootfs.c). */
#pragma once

/* "/a//b/" -> "/a/b", "/" -> "". Rejects relative paths and "." or ".."
 * components. Returns a malloc'ed string, or NULL with errno set. */
char *path_normalize(const char *in);
