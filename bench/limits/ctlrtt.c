/* SPDX-License-Identifier: MIT */
/*
 * bench-ctlrtt: control socket round trips, measured in-process (no exec
 * of a client in the figure).
 *
 *   bench-ctlrtt SOCKET ROUNDS OUT REQUEST [-- REQUEST...]
 *       ROUNDS times: connect, send "REQUEST\n", read to end of file; with
 *       several requests (e.g. "pause x -- resume x") they take turns.
 *       OUT gets {"rtt_ns":[..],"bytes":B,"code":"C"}: rtt_ns in round
 *       order, B and C of the last reply (C: its first byte, the code).
 *   bench-ctlrtt -serve SOCKET BYTES
 *       the physical limit: a server that answers every request line with
 *       "0\n" and BYTES bytes, then closes (one client at a time).
 */
#include "common.h"

#include <sys/socket.h>
#include <sys/un.h>

static __attribute__((noreturn)) void serve(const char *path, size_t bytes)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *reply = malloc(bytes + 2), req[4096];
	int s;

	memset(reply, 'x', bytes + 2);
	reply[0] = '0';
	reply[1] = '\n';
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	(void)unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0)
		die("listen");
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		size_t got = 0;

		if (c < 0)
			continue;
		while (got < sizeof(req)) {
			ssize_t r = read(c, req + got, sizeof(req) - got);

			if (r <= 0)
				break;
			got += (size_t)r;
			if (memchr(req, '\n', got))
				break;
		}
		write_all(c, reply, bytes + 2);
		close(c);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[4096] = "", code[8] = "";
	static char buf[1 << 16];
	size_t len = 0, bytes = 0, off[9], reqlen[9];
	int rounds, nreq = 0;
	int64_t *rtt;
	FILE *out;

	if (argc == 4 && strcmp(argv[1], "-serve") == 0)
		serve(argv[2], (size_t)atol(argv[3]));
	if (argc < 5) {
		fprintf(stderr, "usage: bench-ctlrtt SOCKET ROUNDS OUT REQUEST...\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	rounds = atoi(argv[2]);
	off[0] = 0;
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			if (nreq < 8 && len < sizeof(req) - 1) {
				req[len++] = '\n';
				reqlen[nreq] = len - off[nreq];
				off[++nreq] = len;
			}
			continue;
		}
		len += (size_t)snprintf(req + len, sizeof(req) - len, "%s%s",
					len > off[nreq] ? " " : "", argv[i]);
	}
	len += (size_t)snprintf(req + len, sizeof(req) - len, "\n");
	reqlen[nreq] = len - off[nreq];
	nreq++;
	rtt = calloc((size_t)rounds, sizeof(*rtt));
	for (int r = 0; r < rounds; r++) {
		int q = r % nreq;
		int64_t t0 = now_ns();
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ssize_t n;

		if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("connect");
		write_all(s, req + off[q], reqlen[q]);
		bytes = 0;
		while ((n = read(s, buf, sizeof(buf))) > 0) {
			if (bytes == 0)
				snprintf(code, sizeof(code), "%c", buf[0]);
			bytes += (size_t)n;
		}
		close(s);
		rtt[r] = now_ns() - t0;
	}
	out = fopen(argv[3], "we");
	if (!out)
		die(argv[3]);
	fprintf(out, "{\"rtt_ns\":[");
	for (int r = 0; r < rounds; r++)
		fprintf(out, "%s%lld", r ? "," : "", (long long)rtt[r]);
	fprintf(out, "],\"bytes\":%zu,\"code\":\"%s\"}\n", bytes, code);
	fclose(out);
	return 0;
}
