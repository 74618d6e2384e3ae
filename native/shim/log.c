/* The container log in Docker's json-file format, written by the shim itself
 * so that it never waits for, and is never lost with, an absent daemon.
 *
 *   {"log":"text\n","stream":"stdout","time":"2026-11-23T10:00:00.123456789Z"}
 *
 * One record per line of output; a line longer than 16 KiB is split into
 * records of 16 KiB without the newline (Docker's maximum message size), and
 * a line still unterminated when its stream ends is written as it is.
 * Records are batched in memory and written once per read of the process's
 * output.  Rotation (--log-max-size, --log-max-file): before a record would
 * make FILE larger than max-size, FILE.<n-2> -> FILE.<n-1> ... FILE -> FILE.1 and
 * a new FILE is started (with max-file 1, FILE is truncated). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/io.h"
#include "shim.h"

#define MAX_LINE (16 * 1024)
#define FLUSH_AT (64 * 1024)

static int open_log(struct log *l, int truncate) {
  l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
  if (l->fd < 0) return -1;
  struct stat st;
  l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

int log_open(struct shim *s, struct rt_err *err) {
  s->log.path = s->opt.log_path;
  s->log.max_size = s->opt.log_max_size;
  s->log.max_file = s->opt.log_max_file > 0 ? s->opt.log_max_file : 1;
  if (open_log(&s->log, 0) < 0) return rt_failerrno(err, "open log file `%s`", s->log.path);
  return 0;
}

static void write_out(struct log *l, size_t n) {
  if (l->fd >= 0 && n > 0 && io_write_all(l->fd, l->pending.data, n) == 0) l->size += (long long)n;
  /* A failed write (disk full) drops these records: the container must never block on its log. */
  buf_consume(&l->pending, n);
}

static void rotate(struct log *l) {
  char from[PATH_MAX], to[PATH_MAX];
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
  if (l->max_file > 1) {
    for (int i = l->max_file - 1; i >= 2; i--) {
      snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
      snprintf(to, sizeof(to), "%s.%d", l->path, i);
      if (rename(from, to) < 0 && errno != ENOENT) break;
    }
    snprintf(to, sizeof(to), "%s.1", l->path);
    rename(l->path, to);
  }
  if (open_log(l, 1) < 0) l->fd = -1; /* retried at the next rotation; records are dropped meanwhile */
}

/* Lines from one read arrived together: they share one timestamp, which
 * saves a clock read and a time format per record on chatty containers. */
static void now_text(char when[40]) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  format_time(&now, when);
}

static void emit(struct log *l, int stream, const char *text, size_t n, const char *when) {
  static const char mid_out[] = ",\"stream\":\"stdout\",\"time\":\"";
  static const char mid_err[] = ",\"stream\":\"stderr\",\"time\":\"";
  size_t before = l->pending.len;
  buf_append(&l->pending, "{\"log\":", 7);
  buf_json_str(&l->pending, text, n);
  if (stream == STREAM_STDERR)
    buf_append(&l->pending, mid_err, sizeof mid_err - 1);
  else
    buf_append(&l->pending, mid_out, sizeof mid_out - 1);
  buf_append(&l->pending, when, strlen(when));
  buf_append(&l->pending, "\"}\n", 3);
  if (l->max_size > 0 && l->size + (long long)l->pending.len > l->max_size && l->size + (long long)before > 0) {
    write_out(l, before);
    rotate(l);
  }
  if (l->pending.len >= FLUSH_AT) write_out(l, l->pending.len);
}

void log_feed(struct shim *s, struct proc *p, int stream, const char *data, size_t n) {
  struct buf *part = &p->partial[stream];
  if (s->log.path == NULL) return;
  char when[40];
  now_text(when);
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t room = MAX_LINE - part->len;
    size_t take = nl ? (size_t)(nl - data) + 1 : n;
    int complete = nl != NULL && take <= room;
    if (take >= room) take = room, complete = 1; /* too long: a 16 KiB record without newline */
    if (complete && part->len == 0) {
      emit(&s->log, stream, data, take, when);
    } else {
      buf_append(part, data, take);
      if (complete) {
        emit(&s->log, stream, part->data, part->len, when);
        part->len = 0;
      }
    }
    data += take;
    n -= take;
  }
}

void log_flush_partial(struct shim *s, struct proc *p, int stream) {
  struct buf *part = &p->partial[stream];
  if (s->log.path != NULL && part->len > 0) {
    char when[40];
    now_text(when);
    emit(&s->log, stream, part->data, part->len, when);
  }
  part->len = 0;
}

void log_flush(struct shim *s) { write_out(&s->log, s->log.pending.len); }

void log_close(struct shim *s) {
  if (s->log.path == NULL) return;
  log_flush_partial(s, &s->init, STREAM_STDOUT);
  log_flush_partial(s, &s->init, STREAM_STDERR);
  log_flush(s);
  if (s->log.fd >= 0) close(s->log.fd);
  s->log.fd = -1;
  buf_free(&s->log.pending);
}
