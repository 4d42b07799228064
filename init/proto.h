/* SPDX-License-Identifier: MIT */
/*
 * proto.h: the control socket's wire format, shared by svcinit and svcctl.
 *
 * Stream socket (AF_UNIX, SOCK_STREAM). The client sends ONE request line:
 *
 *     WORD [WORD...]\n
 *
 * words separated by single spaces, at most PROTO_REQ_MAX bytes including
 * the newline, at most PROTO_ARGS_MAX words. Words are printable ASCII
 * without spaces. The first word is the command, the rest its arguments
 * (unit names and options, e.g. "status --json web", "logs -n 50 -f web",
 * "wait --timeout 5 db web").
 *
 * The server answers with a header line "CODE\n", CODE being the svcctl exit
 * code (PROTO_OK ... PROTO_ENOENT), followed by a body and then closes the
 * connection. With CODE 0 the body is meant for stdout, otherwise it is an
 * error message for stderr. `logs -f` streams its body until the client
 * leaves. Blocking commands (start, stop, wait, ...) send nothing until done.
 * The client must not shut down its sending side after the request: end of
 * file from a client means it left, and a pending command is dropped.
 */
#pragma once

#define PROTO_REQ_MAX   4096
#define PROTO_ARGS_MAX  256
#define PROTO_SOCKET_DEFAULT "/run/svcinit/control"

/* reply codes = svcctl exit codes (SPEC) */
enum proto_code {
	PROTO_OK = 0,          /* done */
	PROTO_FAILED = 1,      /* the operation failed */
	PROTO_USAGE = 2,       /* usage error / malformed request */
	PROTO_ENOENT = 3,      /* no such unit (or not active, for status and is-active) */
	PROTO_EPERM = 4,       /* permission denied */
	PROTO_UNREACHABLE = 5, /* svcctl only: svcinit cannot be reached */
};

#include <stddef.h>

/* Decode one request line (without its newline; len bytes, no NUL needed):
 * split it into at most max words, in place (line must have room for len+1
 * bytes). Returns the number of words (>= 1), -EINVAL for a byte that is not
 * printable ASCII or space, -ENODATA for an empty line, -E2BIG for too many
 * words. */
int proto_split(char *line, size_t len, char **args, size_t max);

/* The body of a PROTO_ENOENT reply about a missing unit is "NAME: " this
 * "\n"; svcctl tells it from an inactive unit's status by it (stderr vs stdout). */
#define PROTO_MSG_NO_UNIT "no such unit"
