/* SPDX-License-Identifier: MIT */
/*
 * targets.h: ordering through targets. svcinit runs no target units (a
 * target is reached when nothing orders against it), so an order through
 * a target is resolved at load into orders between the units themselves:
 * a unit After=T.target is After= every loaded unit that is Before=T.target,
 * as systemd's job ordering makes it. DefaultDependencies=yes (the default,
 * systemd.unit(5)) adds a service's After=sysinit.target basic.target and a
 * timer's After=sysinit.target time-sync.target time-set.target, and
 * basic.target stands for what it is After= in systemd 252 (sysinit.target,
 * sockets.target, paths.target, slices.target): a service with the default
 * dependencies starts after the early-boot units (DefaultDependencies=no,
 * Before=sysinit.target or basic.target), one with DefaultDependencies=no
 * does not wait for them. Sockets get no edges: svcinit binds every socket
 * before any unit starts. Pure.
 */
#pragma once

#include <stddef.h>

#include "units/unit.h"

/* Add the After= edges (names as the loader keeps them) to every spec of
 * v[0..n); at most UNIT_LIST_MAX After= entries per unit (more are left
 * out, *ret_dropped counts them). 0 or -ENOMEM. */
int unit_targets_order(struct unit_spec **v, size_t n, size_t *ret_dropped);
