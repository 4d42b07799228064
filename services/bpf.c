/* SPDX-License-Identifier: MIT */
/*
 * bpf.c: assembling and loading the unit's cgroup programs (see bpf.h).
 *
 * The device program reads the context (struct bpf_cgroup_dev_ctx: the
 * access bits << 16 | the type, major, minor), then tries each rule in turn:
 * type, the access asked for within the rule's, major and minor unless the
 * rule takes any; the first that matches returns 1 (allow); past the last
 * it returns 0 (the kernel then fails the open or mknod with EPERM).
 *
 * The IP filter checks skb->protocol, copies the address it checks
 * (ingress: the source, egress: the destination) onto the stack with the
 * skb_load_bytes helper, then compares it with each allow prefix (a match
 * returns 1), then each deny prefix (a match returns 0), and returns 1.
 * 32-bit operations (BPF_ALU, BPF_JMP32) throughout: the address words are
 * compared as the bytes lie in the packet, whatever their top bit.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "lib/log.h"
#include "services/bpf.h"

#define INSNS_MAX 32768          /* jump offsets are 16 bits */
#define VLOG_SIZE (256 * 1024)   /* the verifier's log, on failure only */

struct asm_buf {
	struct bpf_insn *i;
	size_t n, cap;
	int err;
	/* forward jumps to the two exits, patched at the end */
	size_t *to_accept, n_accept, *to_drop, n_drop;
};

static void emit(struct asm_buf *a, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (a->err)
		return;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct bpf_insn *i = cap > INSNS_MAX ? NULL : realloc(a->i, cap * sizeof(*i));

		if (!i) {
			a->err = cap > INSNS_MAX ? -E2BIG : -ENOMEM;
			return;
		}
		a->i = i;
		a->cap = cap;
	}
	a->i[a->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					   .off = off, .imm = imm };
}

/* remember the jump just emitted as one to patch to an exit */
static void to_exit(struct asm_buf *a, bool accept)
{
	size_t **v = accept ? &a->to_accept : &a->to_drop, *n = accept ? &a->n_accept : &a->n_drop;
	size_t *m;

	if (a->err)
		return;
	m = realloc(*v, (*n + 1) * sizeof(**v));
	if (!m) {
		a->err = -ENOMEM;
		return;
	}
	*v = m;
	m[(*n)++] = a->n - 1;
}

static void patch(struct asm_buf *a, size_t at, size_t target)
{
	a->i[at].off = (int16_t)(target - at - 1);
}

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R4 BPF_REG_4
#define R5 BPF_REG_5
#define R6 BPF_REG_6
#define R7 BPF_REG_7
#define R10 BPF_REG_10

static void ret(struct asm_buf *a, int v)
{
	emit(a, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v);
	emit(a, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int prog_load(enum bpf_prog_type type, enum bpf_attach_type expected,
		     const struct bpf_insn *insns, size_t n)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = expected;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"MIT";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0 && (errno == EINVAL || errno == EACCES)) {
		/* the verifier refused it: load again for its reason (debug log) */
		int e = errno;
		char *vlog = malloc(VLOG_SIZE);

		if (vlog) {
			vlog[0] = '\0';
			attr.log_buf = (uint64_t)(uintptr_t)vlog;
			attr.log_size = VLOG_SIZE;
			attr.log_level = 1;
			if (syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) < 0) {
				size_t l = strnlen(vlog, VLOG_SIZE - 1);
				const char *last;

				vlog[l] = '\0';
				while (l > 0 && vlog[l - 1] == '\n')
					vlog[--l] = '\0';
				last = strrchr(vlog, '\n');
				while (last && last > vlog && last[-1] != '\n')
					last--;   /* the line before the statistics */
				log_debug("bpf: the verifier refused a program: %s", last ? last + 1 : vlog);
			}
			free(vlog);
		}
		errno = e;
	}
	return fd < 0 ? -errno : fd;
}

static void asm_free(struct asm_buf *a)
{
	free(a->i);
	free(a->to_accept);
	free(a->to_drop);
}

int bpf_dev_prog_load(const struct bpf_dev_rule *rules, size_t n)
{
	struct asm_buf a = { 0 };
	int r;

	emit(&a, BPF_LDX | BPF_W | BPF_MEM, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
	emit(&a, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
	emit(&a, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);               /* access */
	emit(&a, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);           /* type */
	emit(&a, BPF_LDX | BPF_W | BPF_MEM, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(&a, BPF_LDX | BPF_W | BPF_MEM, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t k = 0; k < n; k++) {
		const struct bpf_dev_rule *d = &rules[k];
		size_t jumps[4], nj = 0;

		emit(&a, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0,
		     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		jumps[nj++] = a.n - 1;
		emit(&a, BPF_ALU | BPF_MOV | BPF_X, R1, R3, 0, 0);
		emit(&a, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)(~d->access & 0xffffu));
		emit(&a, BPF_JMP32 | BPF_JNE | BPF_K, R1, 0, 0, 0);
		jumps[nj++] = a.n - 1;
		if (d->major >= 0) {
			emit(&a, BPF_JMP32 | BPF_JNE | BPF_K, R4, 0, 0, d->major);
			jumps[nj++] = a.n - 1;
		}
		if (d->minor >= 0) {
			emit(&a, BPF_JMP32 | BPF_JNE | BPF_K, R5, 0, 0, d->minor);
			jumps[nj++] = a.n - 1;
		}
		ret(&a, 1);
		for (size_t j = 0; !a.err && j < nj; j++)
			patch(&a, jumps[j], a.n);
	}
	ret(&a, 0);
	r = a.err ? a.err : prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, a.i, a.n);
	asm_free(&a);
	return r;
}

/* the words of a prefix (as loaded from the packet bytes) and their masks */
static void prefix_words(const struct unit_ip_prefix *p, uint32_t *net, uint32_t *mask, size_t nw)
{
	for (size_t w = 0; w < nw; w++) {
		uint8_t m[4];

		for (size_t b = 0; b < 4; b++) {
			size_t bit = (w * 4 + b) * 8;
			unsigned keep = p->prefixlen >= bit + 8 ? 8 :
					p->prefixlen > bit ? p->prefixlen - (unsigned)bit : 0;

			m[b] = (uint8_t)(keep ? 0xffu << (8 - keep) : 0);
		}
		memcpy(&mask[w], m, 4);
		memcpy(&net[w], p->addr + w * 4, 4);
		net[w] &= mask[w];
	}
}

/* compare the loaded words (R2.. for v4 one, v6 four) with each prefix of
 * family in list; a match jumps to accept or drop. true when a prefix
 * matched every address (::/0): what would follow is unreachable, which
 * the verifier refuses. */
static bool ip_list(struct asm_buf *a, const struct unit_ip_prefix *list, size_t n, int family,
		    bool accept)
{
	size_t nw = family == AF_INET ? 1 : 4;

	for (size_t k = 0; k < n; k++) {
		uint32_t net[4], mask[4];
		size_t jumps[4], nj = 0;

		if (list[k].family != family)
			continue;
		prefix_words(&list[k], net, mask, nw);
		for (size_t w = 0; w < nw; w++) {
			if (mask[w] == 0)
				continue;
			emit(a, BPF_ALU | BPF_MOV | BPF_X, R7, (uint8_t)(R2 + w), 0, 0);
			if (mask[w] != UINT32_MAX)
				emit(a, BPF_ALU | BPF_AND | BPF_K, R7, 0, 0, (int32_t)mask[w]);
			emit(a, BPF_JMP32 | BPF_JNE | BPF_K, R7, 0, 0, (int32_t)net[w]);
			jumps[nj++] = a->n - 1;
		}
		emit(a, BPF_JMP | BPF_JA, 0, 0, 0, 0);
		to_exit(a, accept);
		if (nj == 0)
			return true;
		for (size_t j = 0; !a->err && j < nj; j++)
			patch(a, jumps[j], a->n);
	}
	return false;
}

static void ip_family(struct asm_buf *a, const struct unit_ip_prefix *allow, size_t n_allow,
		      const struct unit_ip_prefix *deny, size_t n_deny, int family, bool ingress)
{
	int off = family == AF_INET ? (ingress ? 12 : 16) : (ingress ? 8 : 24);
	int len = family == AF_INET ? 4 : 16;

	/* skb_load_bytes(skb, off, fp - 16, len) */
	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R1, R6, 0, 0);
	emit(a, BPF_ALU64 | BPF_MOV | BPF_K, R2, 0, 0, off);
	emit(a, BPF_ALU64 | BPF_MOV | BPF_X, R3, R10, 0, 0);
	emit(a, BPF_ALU64 | BPF_ADD | BPF_K, R3, 0, 0, -16);
	emit(a, BPF_ALU64 | BPF_MOV | BPF_K, R4, 0, 0, len);
	emit(a, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
	emit(a, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, 0);   /* no address to check: drop */
	to_exit(a, false);
	for (int w = 0; w < len / 4; w++)
		emit(a, BPF_LDX | BPF_W | BPF_MEM, (uint8_t)(R2 + w), R10, (int16_t)(-16 + 4 * w), 0);
	if (ip_list(a, allow, n_allow, family, true) || ip_list(a, deny, n_deny, family, false))
		return;
	emit(a, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	to_exit(a, true);
}

int bpf_ip_prog_load(const struct unit_ip_prefix *allow, size_t n_allow,
		     const struct unit_ip_prefix *deny, size_t n_deny, bool ingress)
{
	struct asm_buf a = { 0 };
	size_t j_v6, v6_at, accept_at;
	int r;

	emit(&a, BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0);
	emit(&a, BPF_LDX | BPF_W | BPF_MEM, R2, R6, offsetof(struct __sk_buff, protocol), 0);
	emit(&a, BPF_JMP32 | BPF_JEQ | BPF_K, R2, 0, 0, htons(ETH_P_IPV6));
	j_v6 = a.n - 1;
	emit(&a, BPF_JMP32 | BPF_JNE | BPF_K, R2, 0, 0, htons(ETH_P_IP));
	to_exit(&a, true);   /* neither: pass */
	ip_family(&a, allow, n_allow, deny, n_deny, AF_INET, ingress);
	v6_at = a.n;
	ip_family(&a, allow, n_allow, deny, n_deny, AF_INET6, ingress);
	accept_at = a.n;
	ret(&a, 1);
	if (!a.err) {
		size_t drop_at = a.n;

		ret(&a, 0);
		if (!a.err) {
			patch(&a, j_v6, v6_at);
			for (size_t k = 0; k < a.n_accept; k++)
				patch(&a, a.to_accept[k], accept_at);
			for (size_t k = 0; k < a.n_drop; k++)
				patch(&a, a.to_drop[k], drop_at);
		}
	}
	r = a.err ? a.err : prog_load(BPF_PROG_TYPE_CGROUP_SKB,
				      ingress ? BPF_CGROUP_INET_INGRESS : BPF_CGROUP_INET_EGRESS,
				      a.i, a.n);
	asm_free(&a);
	return r;
}

static const enum bpf_attach_type attach_types[] = {
	[BPF_AT_DEVICE] = BPF_CGROUP_DEVICE, [BPF_AT_INGRESS] = BPF_CGROUP_INET_INGRESS,
	[BPF_AT_EGRESS] = BPF_CGROUP_INET_EGRESS,
};

static int attach_op(int cmd, int prog_fd, int cgroup_fd, enum bpf_attach at)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = attach_types[at];
	attr.attach_flags = cmd == BPF_PROG_ATTACH ? BPF_F_ALLOW_MULTI : 0;
	return syscall(SYS_bpf, cmd, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

int bpf_prog_attach(int prog_fd, int cgroup_fd, enum bpf_attach at)
{
	return attach_op(BPF_PROG_ATTACH, prog_fd, cgroup_fd, at);
}

int bpf_prog_detach(int prog_fd, int cgroup_fd, enum bpf_attach at)
{
	return attach_op(BPF_PROG_DETACH, prog_fd, cgroup_fd, at);
}
