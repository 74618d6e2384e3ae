/* Attach streams: any number of readers per process, at most one stdin.
 *
 * Without a terminal every chunk goes out as a Docker multiplexed frame:
 *   [stream (1 stdout, 2 stderr), 0, 0, 0, size uint32 BE] + size bytes
 * With a terminal the bytes go out raw.  A reader that does not keep up has
 * its output dropped past 1 MiB pending (whole frames, so the framing stays
 * intact); the process and the log never wait for it. */
#include <errno.h>
#include <string.h>

#include "shim.h"

#define READER_PENDING_MAX (1024 * 1024)

static int has_stdin(const struct proc *p) { return p->in_fd >= 0; }

int attach_begin(struct client *c, int want_in, int want_out, int want_err, struct rt_err *err) {
  struct proc *p = c->proc;
  if (want_in && !has_stdin(p)) return rt_fail(err, EINVAL, "the process has no stdin to attach (not started with stdin, or closed)");
  if (want_in && p->stdin_owner) return rt_fail(err, EBUSY, "stdin is already attached");
  if (want_in) p->stdin_owner = c;
  c->has_stdin = want_in;
  c->want_out = want_out;
  c->want_err = want_err;
  static const char ok[] = "{\"ok\":true}\n";
  /* An attach after the end gets the answer and an empty stream. */
  c->mode = stdio_done(p) ? C_CLOSING : C_ATTACH;
  client_send(c, ok, sizeof(ok) - 1);
  if (c->fd >= 0) client_update_events(c);
  return 0;
}

static void send_frame(struct client *c, int stream, int raw, const char *data, size_t n) {
  size_t size = n + (raw ? 0 : 8);
  if (c->out.len + size > READER_PENDING_MAX) {
    c->dropped += n;
    return;
  }
  if (!raw) {
    unsigned char hdr[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    if (buf_append(&c->out, hdr, sizeof(hdr)) < 0) return;
  }
  client_send(c, data, n);
  if (c->fd >= 0) client_update_events(c);
}

void attach_output(struct proc *p, int stream, const char *data, size_t n) {
  struct client *next;
  for (struct client *c = p->shim->clients; c; c = next) {
    next = c->next; /* send_frame may close c */
    if (c->mode != C_ATTACH || c->proc != p) continue;
    if (!(stream == STREAM_STDOUT ? c->want_out : c->want_err)) continue;
    send_frame(c, stream, p->terminal, data, n);
  }
}

void attach_input(struct client *c, const char *data, size_t n) {
  struct proc *p = c->proc;
  if (!c->has_stdin || p->stdin_owner != c) return;
  if (stdio_write_stdin(p, data, n) < 0) c->has_stdin = 0; /* stdin is gone: drop the rest */
}

void attach_input_closed(struct client *c) {
  struct proc *p = c->proc;
  if (c->has_stdin && p->stdin_owner == c) {
    stdio_close_stdin(p);
    p->stdin_owner = NULL;
  }
  c->has_stdin = 0;
}

void attach_end(struct proc *p) {
  struct client *next;
  for (struct client *c = p->shim->clients; c; c = next) {
    next = c->next;
    if (c->mode != C_ATTACH || c->proc != p) continue;
    c->mode = C_CLOSING;
    client_update_events(c); /* closes now, or once its pending output is out */
  }
}

void attach_forget(struct client *c) {
  if (c->proc && c->proc->stdin_owner == c) c->proc->stdin_owner = NULL;
}
