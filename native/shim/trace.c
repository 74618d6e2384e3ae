/* The shim's spans (trace.h).  Tracing never fails a request: a trace file
 * that cannot be written is skipped. */
#include "trace.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void begin(struct shim_trace *t, const char *id, const char *file, const char *parent) {
  memset(t, 0, sizeof *t);
  if (!trace_valid_hex(id, 16, TRACE_ID_MAX) || !file || file[0] != '/' ||
      strlen(file) >= sizeof t->file)
    return;
  snprintf(t->id, sizeof t->id, "%s", id);
  snprintf(t->file, sizeof t->file, "%s", file);
  if (trace_valid_hex(parent, 1, sizeof t->parent - 1)) snprintf(t->parent, sizeof t->parent, "%s", parent);
  trace_new_span_id(t->span);
  t->start_us = trace_now_us();
}

void shim_trace_from_env(struct shim_trace *t) {
  begin(t, getenv("STRATA_TRACE_ID"), getenv("STRATA_TRACE_FILE"), getenv("STRATA_TRACE_PARENT"));
  unsetenv("STRATA_TRACE_ID");
  unsetenv("STRATA_TRACE_FILE");
  unsetenv("STRATA_TRACE_PARENT");
}

void shim_trace_from_request(struct shim_trace *t, json_t *req) {
  begin(t, json_string_value(json_object_get(req, "trace_id")),
        json_string_value(json_object_get(req, "trace_file")),
        json_string_value(json_object_get(req, "trace_parent")));
}

static void write_span(const struct shim_trace *t, const char *id, const char *parent,
                       const char *name, unsigned long long start_us) {
  int fd = open(t->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  (void)trace_write_span(fd, t->id, id, parent, "strata-shim", name, start_us, trace_now_us());
  close(fd);
}

void shim_trace_end(struct shim_trace *t, const char *name) {
  if (t->id[0]) write_span(t, t->span, t->parent, name, t->start_us);
  memset(t, 0, sizeof *t);
}

void shim_trace_child(const struct shim_trace *t, const char *span_id, const char *name,
                      unsigned long long start_us) {
  if (t->id[0]) write_span(t, span_id, t->span, name, start_us);
}

void shim_trace_child_env(const struct shim_trace *t, const char *parent_span) {
  if (!t->id[0]) return;
  setenv("STRATA_TRACE_ID", t->id, 1);
  setenv("STRATA_TRACE_FILE", t->file, 1);
  setenv("STRATA_TRACE_PARENT", parent_span, 1);
}
