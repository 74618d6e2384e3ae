/* strata-runtime's spans (trace.h).  A failure to trace never fails the
 * container: it is logged once as a warning and tracing stops. */
#include "trace.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/trace-span.h"
#include "log.h"

static struct {
  bool on;
  int fd;
  const char *file;
  char trace_id[TRACE_ID_MAX + 1];
  char parent[TRACE_SPAN_ID_LEN * 2 + 1];
  char self[TRACE_SPAN_ID_LEN + 1];
  unsigned long long t0;
} T = {.fd = -1};

void trace_init(void) {
  const char *file = getenv("STRATA_TRACE_FILE");
  if (!file || !*file) return;
  const char *id = getenv("STRATA_TRACE_ID"), *parent = getenv("STRATA_TRACE_PARENT");
  if (!trace_valid_hex(id, 16, TRACE_ID_MAX)) return;
  T.t0 = trace_now_us();
  T.file = file;
  snprintf(T.trace_id, sizeof T.trace_id, "%s", id);
  if (trace_valid_hex(parent, 1, sizeof T.parent - 1)) snprintf(T.parent, sizeof T.parent, "%s", parent);
  trace_new_span_id(T.self);
  T.on = true;
}

void trace_open(void) {
  if (!T.on || T.fd >= 0) return;
  T.fd = open(T.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (T.fd < 0) {
    log_warn("open trace file `%s`: %m (tracing off)", T.file);
    T.on = false;
  }
}

static void write_span(const char *id, const char *parent, const char *name, unsigned long long start) {
  trace_open();
  if (!T.on) return;
  if (trace_write_span(T.fd, T.trace_id, id, parent, "strata-runtime", name, start, trace_now_us()) < 0) {
    log_warn("write trace file `%s`: %m (tracing off)", T.file);
    T.on = false;
  }
}

void trace_begin(struct trace_span *s) {
  if (T.on) s->start_us = trace_now_us();
}

void trace_end(struct trace_span *s, const char *name) {
  if (!T.on) return;
  char id[TRACE_SPAN_ID_LEN + 1];
  trace_new_span_id(id);
  write_span(id, T.self, name, s->start_us);
}

void trace_finish(const char *verb) {
  if (T.on) write_span(T.self, T.parent, verb, T.t0);
}
