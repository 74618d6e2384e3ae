/* Logging the way runc does, because callers parse it: containerd's shim reads
 * the msg of the last level=error line of --log (json) and matches phrases
 * such as "container not running" and "does not exist".
 *   text: time="2026-11-23T10:00:00Z" level=error msg="container does not exist"
 *   json: {"level":"error","msg":"container does not exist","time":"2026-11-23T10:00:00Z"}
 * Errors also go to stderr as "strata-runtime: <message>". Owner: log.c. */
#ifndef STRATA_LOG_H
#define STRATA_LOG_H

#include "../common/error.h"
#include "cmd.h"

void log_init(const struct global_opts *g);
/* Report err (message plus strerror) at level error. */
void log_error(const struct rt_err *err);
void log_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with --debug. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
