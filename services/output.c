/* SPDX-License-Identifier: MIT */
/*
 * output.c: a unit's stdout and stderr: the pipes svcinit reads, split into
 * lines that go to the unit's log ring, to the followers (the output hook)
 * and to the console; or the files, the console or nothing the unit file
 * asks for instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "services/attrs.h"
#include "services/output.h"
#include "services/plan.h"

#define OUTPUT_READ_CHUNK 8192   /* bytes read per wakeup and stream: fairness */

static struct {
	struct ev_loop *loop;
	const struct svc_hooks *hooks;
} O;

void output_init(struct ev_loop *loop, const struct svc_hooks *hooks)
{
	O.loop = loop;
	O.hooks = hooks;
}

/* One line of a unit's output: into its ring, to followers, to the console
 * (through the hooks: PID 1's console is init/'s). */
static void output_emit(struct svc_output *o)
{
	struct logrec r = { .usec = logbuf_now(), .stream = o->stream == STDERR_FILENO ?
			    LOGREC_STDERR : LOGREC_STDOUT, .text = o->line, .len = o->len };

	logbuf_append(&o->svc->log, r.usec, r.stream, o->line, o->len);
	if (O.hooks->output)
		O.hooks->output(o->svc, &r);
	if (O.hooks->console)
		O.hooks->console(o->svc, o->stream, o->line, o->len);
	o->len = 0;
}

void output_mark(struct svc *s, const char *text)
{
	struct logrec r = { .usec = logbuf_now(), .stream = LOGREC_MARK, .text = text,
			    .len = strlen(text) };

	logbuf_append(&s->log, r.usec, r.stream, r.text, r.len);
	if (O.hooks->output)
		O.hooks->output(s, &r);
}

void output_close(struct svc_output *o)
{
	if (o->fd < 0)
		return;
	ev_io_stop(O.loop, &o->io);
	if (o->len > 0)
		output_emit(o);   /* a last line without its newline */
	(void)close(o->fd);
	o->fd = -1;
}

/* Read what is there, at most OUTPUT_READ_CHUNK: a unit that writes without
 * pause cannot keep svcinit from its other work. */
void output_read(struct svc_output *o)
{
	char buf[OUTPUT_READ_CHUNK];
	ssize_t n = read(o->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		output_close(o);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			output_emit(o);
			continue;
		}
		if (o->len == sizeof(o->line))
			output_emit(o);   /* an overlong line is split */
		o->line[o->len++] = buf[i];
	}
}

static void output_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	output_read(w->data);
}


/* The fds the child gets as stdout (i=1) and stderr (i=2), and the read
 * ends svcinit keeps. Returns 0 or -errno; *ret_step names the failure. */
int output_open(struct svc *s, int child_fds[3], const char **ret_what)
{
	return output_open_set(s, s->out, child_fds, ret_what);
}

int output_open_set(struct svc *s, struct svc_output out[2], int child_fds[3],
		    const char **ret_what)
{
	const struct unit_output_spec *os[2] = { &s->spec->std_output, &s->spec->std_error };
	int r;

	child_fds[0] = -1;
	child_fds[1] = child_fds[2] = -1;
	r = attrs_input_open(s->spec, &child_fds[0], ret_what);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		struct svc_output *o = &out[i];
		int p[2], fd;

		switch (os[i]->kind) {
		case UNIT_OUTPUT_LOG:
			/* an old pipe still open (quick restart): take what it holds */
			if (o->fd >= 0) {
				output_read(o);
				output_close(o);
			}
			if (i == 1 && os[0]->kind == UNIT_OUTPUT_LOG) {
				/* both to the log: one pipe, so that their order is
				 * kept (as under journald); its lines are stdout's */
				child_fds[2] = child_fds[1];   /* closed once */
				break;
			}
			if (pipe2(p, O_CLOEXEC) < 0) {
				*ret_what = "create output pipe";
				return -errno;
			}
			(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
			o->fd = p[0];
			o->len = 0;
			o->stream = i == 0 ? STDOUT_FILENO : STDERR_FILENO;
			ev_io_init(&o->io, output_cb, o->fd, EV_READ);
			o->io.data = o;
			ev_io_start(O.loop, &o->io);
			child_fds[i + 1] = p[1];
			break;
		case UNIT_OUTPUT_CONSOLE:
		case UNIT_OUTPUT_INHERIT:
			child_fds[i + 1] = fcntl(i == 0 ? STDOUT_FILENO : STDERR_FILENO,
						 F_DUPFD_CLOEXEC, 3);
			break;
		case UNIT_OUTPUT_FILE:
		case UNIT_OUTPUT_APPEND:
			/* with the unit's identity (a symlink its user planted
			 * leads nowhere that user cannot write) and O_NONBLOCK (a
			 * FIFO nobody reads fails with ENXIO instead of hanging
			 * PID 1); the unit gets a blocking descriptor */
			fd = plan_open(s->spec, os[i]->path, O_WRONLY | O_CREAT |
				       (os[i]->kind == UNIT_OUTPUT_FILE ? O_TRUNC : O_APPEND),
				       S_IFREG | S_IFIFO | S_IFCHR);
			if (fd < 0) {
				static char what[300];

				snprintf(what, sizeof(what), "open %s=%s:%s",
					 i == 0 ? "StandardOutput" : "StandardError",
					 os[i]->kind == UNIT_OUTPUT_FILE ? "file" : "append", os[i]->path);
				*ret_what = what;
				return fd;
			}
			(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			child_fds[i + 1] = fd;
			break;
		case UNIT_OUTPUT_NULL:
		case UNIT_OUTPUT_TTY:   /* the child opens it (services/attrs.c) */
			break;
		}
	}
	return 0;
}

void output_fds_close(int fds[3])
{
	for (int i = 0; i < 3; i++) {
		/* stdout and stderr may share the log pipe's end */
		if (fds[i] >= 0 && !(i == 2 && fds[2] == fds[1]))
			(void)close(fds[i]);
	}
	for (int i = 0; i < 3; i++)
		fds[i] = -1;
}
