/* One span of the workbench's trace (engine/daemon/STRATA-API.md) as one JSON
 * line, shared by strata-shim and strata-runtime:
 *   {"traceId":"9f3c…","spanId":"a1b2…","parentId":"c3d4…","layer":"strata-runtime",
 *    "name":"pivot_root","startUs":1763924400123456,"durationUs":42,"pid":4242}
 * Times are CLOCK_REALTIME microseconds.  A line is written with one write(2)
 * on an O_APPEND fd, so lines of concurrent writers never interleave. */
#ifndef STRATA_TRACE_SPAN_H
#define STRATA_TRACE_SPAN_H

#include <stdbool.h>

#define TRACE_ID_MAX 32   /* hex digits of a trace id (16..32) */
#define TRACE_SPAN_ID_LEN 16

/* CLOCK_REALTIME in microseconds. */
unsigned long long trace_now_us(void);
/* A random span id: 16 hex digits and a NUL. */
void trace_new_span_id(char out[TRACE_SPAN_ID_LEN + 1]);
/* s is min..max hex digits. */
bool trace_valid_hex(const char *s, unsigned min, unsigned max);
/* Append one span line to fd; -1 (errno set) when the write failed. */
int trace_write_span(int fd, const char *trace_id, const char *span_id, const char *parent_id,
                     const char *layer, const char *name, unsigned long long start_us,
                     unsigned long long end_us);

#endif
