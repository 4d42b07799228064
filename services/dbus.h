/* SPDX-License-Identifier: MIT */
/*
 * dbus.h: the few pieces of the D-Bus wire protocol (D-Bus Specification,
 * "Message Protocol" and "Authentication Protocol") that Type=dbus needs to
 * watch a BusName= on the system bus without libsystemd: the SASL EXTERNAL
 * exchange, method calls to the bus driver with at most one string
 * argument, and the parsing of what the bus sends back (method returns,
 * errors, NameOwnerChanged). Pure: no I/O, every length bounded.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DBUS_MSG_MAX      65536       /* a longer message is skipped, never buffered */
#define DBUS_STR_MAX      255         /* bus names, members, error names */
#define DBUS_ARGS_MAX     3           /* string arguments of a body kept */
#define DBUS_AUTH_LINE_MAX 512

#define DBUS_SYSTEM_BUS_DEFAULT "/run/dbus/system_bus_socket"

enum dbus_type {
	DBUS_INVALID = 0, DBUS_METHOD_CALL = 1, DBUS_METHOD_RETURN = 2, DBUS_ERROR = 3,
	DBUS_SIGNAL = 4,
};

/* What a received message says, the strings copied (NUL-terminated). */
struct dbus_msg {
	enum dbus_type type;
	uint32_t serial;
	uint32_t reply_serial;            /* 0: none */
	char path[DBUS_STR_MAX + 1];
	char interface[DBUS_STR_MAX + 1];
	char member[DBUS_STR_MAX + 1];
	char error_name[DBUS_STR_MAX + 1];
	char sender[DBUS_STR_MAX + 1];
	char signature[DBUS_STR_MAX + 1];
	/* the body, when its signature starts with strings or a boolean */
	size_t n_args;                    /* leading 's' arguments read */
	char args[DBUS_ARGS_MAX][DBUS_STR_MAX + 1];
	bool have_bool;                   /* signature "b" */
	bool boolean;
};

/* The client's first bytes: a NUL, then "AUTH EXTERNAL <uid as hex of its
 * decimal digits>\r\n". Returns the length (the NUL included), -ENOBUFS. */
ssize_t dbus_auth_begin(uid_t uid, char *buf, size_t size);

/* The server's answer line (without "\r\n"): 0 "OK <guid>", -EACCES
 * "REJECTED ...", -EPROTO anything else. */
int dbus_auth_reply(const char *line);

/* A method call to the bus driver (org.freedesktop.DBus at
 * /org/freedesktop/DBus) of member with one string argument (NULL: none),
 * little-endian, serial as given. Returns its length, -ENOBUFS, -EINVAL (a
 * string too long). */
ssize_t dbus_call(uint32_t serial, const char *member, const char *arg, uint8_t *buf,
		  size_t size);

/* The match rule for NameOwnerChanged of one name, into buf. 0, -ENOBUFS. */
int dbus_match_owner(const char *name, char *buf, size_t size);

/* How long the message at the start of buf is: 0 (not enough bytes to
 * tell: at least 16 are needed), the total length (which may exceed
 * DBUS_MSG_MAX: the caller skips it), or -EBADMSG. */
ssize_t dbus_msg_size(const uint8_t *buf, size_t len);

/* Parse one whole message (len from dbus_msg_size, at most DBUS_MSG_MAX):
 * 0, -EBADMSG (malformed: the connection is not to be trusted further). */
int dbus_msg_parse(const uint8_t *buf, size_t len, struct dbus_msg *ret);

/* The socket path of a D-Bus address ("unix:path=/x" or
 * "unix:abstract=x", the first of a ';'-separated list that has one;
 * "%xx" escapes decoded) into buf, with *ret_abstract. NULL or "": the
 * system bus default. 0, -EINVAL (no unix address), -ENAMETOOLONG. */
int dbus_address_path(const char *address, char *buf, size_t size, bool *ret_abstract);
