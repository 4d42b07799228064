/* SPDX-License-Identifier: MIT */
/*
 * dbus.c: the D-Bus wire format, as little of it as watching a bus name
 * takes (dbus.h). Written from the D-Bus Specification: a message is a
 * fixed 12-byte start (endianness, type, flags, version, body length,
 * serial), an array of (code, variant) header fields, padding to 8, and the
 * body; every value is aligned to its size from the start of the message.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "services/dbus.h"

#define HDR_PATH        1
#define HDR_INTERFACE   2
#define HDR_MEMBER      3
#define HDR_ERROR_NAME  4
#define HDR_REPLY_SERIAL 5
#define HDR_DESTINATION 6
#define HDR_SENDER      7
#define HDR_SIGNATURE   8

#define DRIVER_NAME  "org.freedesktop.DBus"
#define DRIVER_PATH  "/org/freedesktop/DBus"

ssize_t dbus_auth_begin(uid_t uid, char *buf, size_t size)
{
	char dec[16];
	int n = snprintf(dec, sizeof(dec), "%u", (unsigned)uid);
	size_t len = 1;

	if (size < 1)
		return -ENOBUFS;
	buf[0] = '\0';
	n = snprintf(buf + 1, size - 1, "AUTH EXTERNAL ");
	if (n < 0 || (size_t)n >= size - 1)
		return -ENOBUFS;
	len += (size_t)n;
	for (const char *d = dec; *d; d++) {
		if (len + 3 > size)
			return -ENOBUFS;
		snprintf(buf + len, 3, "%02x", (unsigned char)*d);
		len += 2;
	}
	if (len + 3 > size)
		return -ENOBUFS;
	memcpy(buf + len, "\r\n", 3);
	return (ssize_t)(len + 2);
}

int dbus_auth_reply(const char *line)
{
	if (strncmp(line, "OK ", 3) == 0 && line[3])
		return 0;
	if (strncmp(line, "REJECTED", 8) == 0 && (line[8] == '\0' || line[8] == ' '))
		return -EACCES;
	return -EPROTO;
}

int dbus_match_owner(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "type='signal',sender='" DRIVER_NAME "',interface='"
			 DRIVER_NAME "',member='NameOwnerChanged',path='" DRIVER_PATH
			 "',arg0='%s'", name);

	return n < 0 || (size_t)n >= size ? -ENOBUFS : 0;
}

/* ---- writing -------------------------------------------------------------- */

struct wbuf {
	uint8_t *p;
	size_t size, len;
	bool full;
};

static void w_pad(struct wbuf *w, size_t align)
{
	while (w->len % align) {
		if (w->len >= w->size) {
			w->full = true;
			return;
		}
		w->p[w->len++] = 0;
	}
}

static void w_bytes(struct wbuf *w, const void *b, size_t n)
{
	if (w->full || w->size - w->len < n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void w_u8(struct wbuf *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_u32_at(struct wbuf *w, size_t at, uint32_t v)
{
	if (w->full || at + 4 > w->len)
		return;
	w->p[at] = (uint8_t)v;
	w->p[at + 1] = (uint8_t)(v >> 8);
	w->p[at + 2] = (uint8_t)(v >> 16);
	w->p[at + 3] = (uint8_t)(v >> 24);
}

static void w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	w_pad(w, 4);
	w_bytes(w, b, 4);
}

static void w_string(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	w_u32(w, (uint32_t)n);
	w_bytes(w, s, n + 1);
}

/* A header field whose value is a string-like type ('s', 'o', 'g'). */
static void w_field(struct wbuf *w, uint8_t code, char type, const char *s)
{
	uint8_t sig[3] = { 1, (uint8_t)type, 0 };

	w_pad(w, 8);
	w_u8(w, code);
	w_bytes(w, sig, 3);
	if (type == 'g') {
		size_t n = strlen(s);

		w_u8(w, (uint8_t)n);
		w_bytes(w, s, n + 1);
	} else {
		w_string(w, s);
	}
}

ssize_t dbus_call(uint32_t serial, const char *member, const char *arg, uint8_t *buf,
		  size_t size)
{
	struct wbuf w = { buf, size, 0, false };
	size_t fields_at, fields_start, body_start;

	if (!member || strlen(member) > DBUS_STR_MAX || (arg && strlen(arg) > DBUS_MSG_MAX / 2) ||
	    serial == 0)
		return -EINVAL;
	w_u8(&w, 'l');
	w_u8(&w, DBUS_METHOD_CALL);
	w_u8(&w, 0);
	w_u8(&w, 1);
	w_u32(&w, 0);          /* body length, below */
	w_u32(&w, serial);
	fields_at = w.len;
	w_u32(&w, 0);          /* header fields' length, below */
	fields_start = w.len;
	w_field(&w, HDR_PATH, 'o', DRIVER_PATH);
	w_field(&w, HDR_DESTINATION, 's', DRIVER_NAME);
	w_field(&w, HDR_INTERFACE, 's', DRIVER_NAME);
	w_field(&w, HDR_MEMBER, 's', member);
	if (arg)
		w_field(&w, HDR_SIGNATURE, 'g', "s");
	w_u32_at(&w, fields_at, (uint32_t)(w.len - fields_start));
	w_pad(&w, 8);
	body_start = w.len;
	if (arg)
		w_string(&w, arg);
	if (w.full)
		return -ENOBUFS;
	w_u32_at(&w, 4, (uint32_t)(w.len - body_start));
	return (ssize_t)w.len;
}

/* ---- reading -------------------------------------------------------------- */

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	bool big;              /* 'B': big-endian */
};

static uint32_t get_u32(const uint8_t *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] :
		     (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int r_align(struct rbuf *r, size_t align)
{
	size_t to = (r->pos + align - 1) / align * align;

	if (to > r->len)
		return -EBADMSG;
	for (; r->pos < to; r->pos++)
		if (r->p[r->pos] != 0)
			return -EBADMSG;   /* padding is zero */
	return 0;
}

static int r_u8(struct rbuf *r, uint8_t *ret)
{
	if (r->pos >= r->len)
		return -EBADMSG;
	*ret = r->p[r->pos++];
	return 0;
}

static int r_u32(struct rbuf *r, uint32_t *ret)
{
	if (r_align(r, 4) < 0 || r->len - r->pos < 4)
		return -EBADMSG;
	*ret = get_u32(r->p + r->pos, r->big);
	r->pos += 4;
	return 0;
}

/* A string ('s', 'o') or, sig, a signature ('g'): into out (NULL: skipped)
 * when it fits, else -EBADMSG (every string the bus sends us is short). */
static int r_str(struct rbuf *r, bool sig, char *out, size_t size)
{
	uint32_t n;
	uint8_t b;

	if (sig) {
		if (r_u8(r, &b) < 0)
			return -EBADMSG;
		n = b;
	} else if (r_u32(r, &n) < 0) {
		return -EBADMSG;
	}
	if (n > r->len - r->pos || r->len - r->pos - n < 1 || r->p[r->pos + n] != '\0' ||
	    memchr(r->p + r->pos, '\0', n))
		return -EBADMSG;
	if (out) {
		if (n >= size)
			return -EBADMSG;
		memcpy(out, r->p + r->pos, n);
		out[n] = '\0';
	}
	r->pos += n + 1;
	return 0;
}

/* One value of a basic type (what header fields hold), kept when it is a
 * string and out is given, or a uint32 and u is. */
static int r_basic(struct rbuf *r, char type, char *out, size_t size, uint32_t *u)
{
	static const struct { char t; size_t n; } fixed[] = {
		{ 'y', 1 }, { 'b', 4 }, { 'n', 2 }, { 'q', 2 }, { 'i', 4 }, { 'u', 4 },
		{ 'x', 8 }, { 't', 8 }, { 'd', 8 }, { 'h', 4 },
	};

	if (type == 's' || type == 'o')
		return r_str(r, false, out, size);
	if (type == 'g')
		return r_str(r, true, out, size);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (fixed[i].t != type)
			continue;
		if (r_align(r, fixed[i].n) < 0 || r->len - r->pos < fixed[i].n)
			return -EBADMSG;
		if (u && fixed[i].n == 4)
			*u = get_u32(r->p + r->pos, r->big);
		r->pos += fixed[i].n;
		return 0;
	}
	return -EBADMSG;   /* a container in a header field: not from a bus */
}

ssize_t dbus_msg_size(const uint8_t *buf, size_t len)
{
	bool big;
	uint64_t fields, body, total;

	if (len < 16)
		return 0;
	if ((buf[0] != 'l' && buf[0] != 'B') || buf[3] != 1)
		return -EBADMSG;
	big = buf[0] == 'B';
	body = get_u32(buf + 4, big);
	fields = get_u32(buf + 12, big);
	if (fields > (1u << 26) || body > (1u << 27))   /* the specification's limits */
		return -EBADMSG;
	total = (16 + fields + 7) / 8 * 8 + body;
	return (ssize_t)total;
}

int dbus_msg_parse(const uint8_t *buf, size_t len, struct dbus_msg *m)
{
	struct rbuf r = { buf, len, 0, false };
	ssize_t total = dbus_msg_size(buf, len);
	uint32_t fields, body_len, end;
	char sigbuf[DBUS_STR_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (total <= 0 || (size_t)total != len || len > DBUS_MSG_MAX)
		return -EBADMSG;
	r.big = buf[0] == 'B';
	m->type = (enum dbus_type)buf[1];
	if (m->type < DBUS_METHOD_CALL || m->type > DBUS_SIGNAL)
		return -EBADMSG;
	body_len = get_u32(buf + 4, r.big);
	m->serial = get_u32(buf + 8, r.big);
	fields = get_u32(buf + 12, r.big);
	if (m->serial == 0)
		return -EBADMSG;
	r.pos = 16;
	end = 16 + fields;
	r.len = end;   /* the fields alone */
	while (r.pos < end) {
		uint8_t code;
		char type;
		char *out = NULL;
		size_t size = DBUS_STR_MAX + 1;
		uint32_t u = 0;

		if (r_align(&r, 8) < 0 || r_u8(&r, &code) < 0 ||
		    r_str(&r, true, sigbuf, sizeof(sigbuf)) < 0 || strlen(sigbuf) != 1)
			return -EBADMSG;
		type = sigbuf[0];
		switch (code) {
		case HDR_PATH: out = m->path; break;
		case HDR_INTERFACE: out = m->interface; break;
		case HDR_MEMBER: out = m->member; break;
		case HDR_ERROR_NAME: out = m->error_name; break;
		case HDR_SENDER: out = m->sender; break;
		case HDR_SIGNATURE: out = m->signature; break;
		default: break;
		}
		if (r_basic(&r, type, out, size, &u) < 0)
			return -EBADMSG;
		if (code == HDR_REPLY_SERIAL) {
			if (type != 'u')
				return -EBADMSG;
			m->reply_serial = u;
		}
	}
	r.len = len;
	if (r_align(&r, 8) < 0 || r.len - r.pos != body_len)
		return -EBADMSG;
	/* the body: leading strings (NameOwnerChanged "sss", a name "s", an
	 * error's message) or one boolean (NameHasOwner) */
	if (strcmp(m->signature, "b") == 0) {
		uint32_t b;

		if (r_u32(&r, &b) < 0 || b > 1)
			return -EBADMSG;
		m->have_bool = true;
		m->boolean = b == 1;
		return 0;
	}
	for (const char *t = m->signature; *t == 's' && m->n_args < DBUS_ARGS_MAX; t++) {
		if (r_str(&r, false, m->args[m->n_args], sizeof(m->args[0])) < 0) {
			if (m->type == DBUS_ERROR)
				break;   /* an error's long message: its name says enough */
			return -EBADMSG;
		}
		m->n_args++;
	}
	return 0;
}

/* ---- addresses ------------------------------------------------------------ */

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int dbus_address_path(const char *address, char *buf, size_t size, bool *ret_abstract)
{
	const char *a = address;

	*ret_abstract = false;
	if (!a || !*a) {
		if (strlen(DBUS_SYSTEM_BUS_DEFAULT) >= size)
			return -ENAMETOOLONG;
		snprintf(buf, size, "%s", DBUS_SYSTEM_BUS_DEFAULT);
		return 0;
	}
	while (*a) {
		const char *end = strchr(a, ';');
		size_t alen = end ? (size_t)(end - a) : strlen(a);

		if (alen > 5 && strncmp(a, "unix:", 5) == 0) {
			/* key=value pairs separated by ',' */
			for (const char *k = a + 5; k < a + alen;) {
				const char *kend = memchr(k, ',', (size_t)(a + alen - k));
				size_t klen = kend ? (size_t)(kend - k) : (size_t)(a + alen - k);
				bool path = klen > 5 && strncmp(k, "path=", 5) == 0;
				bool abs = klen > 9 && strncmp(k, "abstract=", 9) == 0;

				if (path || abs) {
					const char *v = k + (path ? 5 : 9), *vend = k + klen;
					size_t n = 0;

					for (; v < vend; v++) {
						char c = *v;

						if (c == '%') {
							int hi, lo;

							if (vend - v < 3 || (hi = unhex(v[1])) < 0 ||
							    (lo = unhex(v[2])) < 0)
								return -EINVAL;
							c = (char)(hi << 4 | lo);
							v += 2;
						}
						if (c == '\0')
							return -EINVAL;
						if (n + 1 >= size)
							return -ENAMETOOLONG;
						buf[n++] = c;
					}
					buf[n] = '\0';
					*ret_abstract = abs;
					return 0;
				}
				k += klen + (kend ? 1 : 0);
			}
		}
		a += alen + (end ? 1 : 0);
	}
	return -EINVAL;
}
