/* The shim's spans for the workbench trace (engine/daemon/STRATA-API.md).
 *
 *   lifecycled ── launch, env STRATA_TRACE_ID/FILE/PARENT ──> "shim start-up"
 *                                                               └ "runtime create" ─> runtime's spans
 *   lifecycled ── {"method":"start","trace_id","trace_file","trace_parent"} ──> "start"
 *                                                               └ "runtime start"  ─> runtime's spans
 *
 * A span is one JSON line appended to the trace file (common/trace-span.h);
 * the runtime gets the same id and file, and the runtime call's span as its
 * parent.  Without a trace id nothing is written and the runtime's
 * environment carries no STRATA_TRACE_* (they are removed at start-up). */
#ifndef STRATA_SHIM_TRACE_H
#define STRATA_SHIM_TRACE_H

#include <jansson.h>
#include <limits.h>

#include "../common/trace-span.h"

struct shim_trace {
  char id[TRACE_ID_MAX + 1]; /* empty: not traced */
  char parent[TRACE_SPAN_ID_LEN * 2 + 1];
  char span[TRACE_SPAN_ID_LEN + 1];
  char file[PATH_MAX];
  unsigned long long start_us;
};

/* At start-up: the launch's trace from the environment, which is then cleared. */
void shim_trace_from_env(struct shim_trace *t);
/* A request's trace fields (start). */
void shim_trace_from_request(struct shim_trace *t, json_t *req);
/* Write the current span (if any) under name and stop tracing. */
void shim_trace_end(struct shim_trace *t, const char *name);
/* A child span of the current one, ended now. */
void shim_trace_child(const struct shim_trace *t, const char *span_id, const char *name,
                      unsigned long long start_us);
/* In a forked child about to exec the runtime: its STRATA_TRACE_* environment. */
void shim_trace_child_env(const struct shim_trace *t, const char *parent_span);

#endif
