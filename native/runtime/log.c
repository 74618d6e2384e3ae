/* runc-compatible logging (see log.h).  Every record is formatted into one
 * buffer and written with a single write(): the --log file is opened O_APPEND
 * and shared with forked children, so lines must not interleave. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/io.h"

static struct {
  int fd; /* --log file, -1 when none */
  bool json;
  bool debug;
} log_cfg = {.fd = -1};

void log_init(const struct global_opts *g) {
  log_cfg.json = g->log_json;
  log_cfg.debug = g->debug;
  if (g->log_path == NULL || g->log_path[0] == '\0') return;
  int fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    /* Not fatal: the verb still runs and errors still reach stderr. */
    fprintf(stderr, "strata-runtime: open log file `%s`: %s\n", g->log_path, strerror(errno));
    return;
  }
  log_cfg.fd = fd;
}

static void now_rfc3339(char *out, size_t len) {
  time_t t = time(NULL);
  struct tm tm;
  if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(out, len, "1970-01-01T00:00:00Z");
}

/* Go's %q as logrus prints msg: backslash escapes for quotes and controls. */
static void quote_text(const char *in, char *out, size_t len) {
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 5 < len; p++) {
    switch (*p) {
    case '"': o += (size_t)snprintf(out + o, len - o, "\\\""); break;
    case '\\': o += (size_t)snprintf(out + o, len - o, "\\\\"); break;
    case '\n': o += (size_t)snprintf(out + o, len - o, "\\n"); break;
    case '\t': o += (size_t)snprintf(out + o, len - o, "\\t"); break;
    case '\r': o += (size_t)snprintf(out + o, len - o, "\\r"); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
      else
        out[o++] = (char)*p;
    }
  }
  out[o] = '\0';
}

static void write_file_record(const char *level, const char *msg) {
  char ts[40], line[8192];
  now_rfc3339(ts, sizeof ts);
  int n;
  if (log_cfg.json) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", ts);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL) return;
    n = snprintf(line, sizeof line, "%s\n", s);
    free(s);
  } else {
    char q[6144];
    quote_text(msg, q, sizeof q);
    n = snprintf(line, sizeof line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, q);
  }
  if (n < 0) return;
  if ((size_t)n >= sizeof line) {
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  (void)io_write_all(log_cfg.fd, line, (size_t)n); /* nowhere to report a failure */
}

/* Errors always reach stderr; other levels only when there is no log file. */
static void emit(const char *level, const char *msg) {
  bool is_error = strcmp(level, "error") == 0;
  if (log_cfg.fd >= 0) write_file_record(level, msg);
  if (is_error || log_cfg.fd < 0) {
    char line[4200];
    int n = is_error ? snprintf(line, sizeof line, "strata-runtime: %s\n", msg)
                     : snprintf(line, sizeof line, "strata-runtime: %s: %s\n", level, msg);
    if (n > 0)
      (void)io_write_all(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

static void vemit(const char *level, const char *fmt, va_list ap) {
  char msg[4096];
  vsnprintf(msg, sizeof msg, fmt, ap);
  emit(level, msg);
}

void log_error(const struct rt_err *err) {
  char buf[4096];
  emit("error", rt_err_text(err, buf, sizeof buf));
}

void log_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vemit("error", fmt, ap);
  va_end(ap);
}

void log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vemit("warning", fmt, ap);
  va_end(ap);
}

void log_debug(const char *fmt, ...) {
  if (!log_cfg.debug) return;
  va_list ap;
  va_start(ap, fmt);
  vemit("debug", fmt, ap);
  va_end(ap);
}
