/* SPDX-License-Identifier: MIT */
/*
 * ancillary.h: real socketpairs for the fuzzers. A control byte chooses what
 * rides along with the payload: 0..7 descriptors (SCM_RIGHTS, of /dev/null
 * and of a socketpair end with a descriptor queued in it), SCM_CREDENTIALS,
 * SO_PASSRIGHTS off on the receiver (then the send of descriptors must fail
 * with EPERM), the payload split over two sends. The receiver must come out
 * with every passed descriptor closed (checked by fuzz_anc_end()).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct fuzz_anc {
	int rx, tx;
	int low_fd;             /* lowest free descriptor before */
	unsigned ctl;
};

/* A socketpair of type (SOCK_STREAM, SOCK_DGRAM) with SO_PASSCRED on the
 * receiver; sends data as ctl says. 0, or -errno (socketpair failed: skip). */
int fuzz_anc_begin(struct fuzz_anc *a, int type, unsigned ctl, const uint8_t *data, size_t size);
/* Close both ends, wait for the closer, and check that no descriptor leaked. */
void fuzz_anc_end(struct fuzz_anc *a);
