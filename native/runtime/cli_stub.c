/* STUB: replaced by the CLI and state work (log.c, state.c, delete.c, cmd_*.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "state.h"
#define STUB(name) int name(const struct global_opts *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; log_errorf(#name " not implemented"); return 1; }
STUB(cmd_state) STUB(cmd_kill) STUB(cmd_delete) STUB(cmd_list) STUB(cmd_ps) STUB(cmd_pause)
STUB(cmd_resume) STUB(cmd_update) STUB(cmd_events) STUB(cmd_features) STUB(cmd_spec)
void log_init(const struct global_opts *g) { (void)g; }
void log_error(const struct rt_err *err) { char b[4096]; fprintf(stderr, "strata-runtime: %s\n", rt_err_text(err, b, sizeof b)); }
void log_errorf(const char *fmt, ...) { va_list ap; va_start(ap, fmt); fputs("strata-runtime: ", stderr); vfprintf(stderr, fmt, ap); fputc('\n', stderr); va_end(ap); }
void log_debug(const char *fmt, ...) { (void)fmt; }
void log_warn(const char *fmt, ...) { (void)fmt; }
int state_validate_id(const char *id, struct rt_err *err) { (void)id; (void)err; return 0; }
int state_path(const char *root, const char *id, const char *file, char *out, size_t len, struct rt_err *err) { (void)err; snprintf(out, len, "%s/%s%s%s", root, id, file ? "/" : "", file ? file : ""); return 0; }
int state_create_dir(const char *root, const char *id, struct rt_err *err) { (void)root; (void)id; (void)err; return 0; }
int state_save(const char *root, const struct rt_state *st, struct rt_err *err) { (void)root; (void)st; (void)err; return 0; }
int state_load(const char *root, const char *id, struct rt_state *st, struct rt_err *err) { (void)root; (void)id; (void)st; return rt_fail(err, 0, "container does not exist"); }
void state_free(struct rt_state *st) { (void)st; }
enum rt_status state_status(const char *root, const struct rt_state *st) { (void)root; (void)st; return ST_STOPPED; }
const char *state_status_name(enum rt_status s) { (void)s; return "stopped"; }
json_t *state_to_json(const struct rt_state *st, enum rt_status s) { (void)st; (void)s; return json_object(); }
int state_remove(const char *root, const char *id, struct rt_err *err) { (void)root; (void)id; (void)err; return 0; }
int state_list(const char *root, char ***ids, size_t *n, struct rt_err *err) { (void)root; (void)err; *ids = NULL; *n = 0; return 0; }
unsigned long long state_proc_start_time(pid_t pid) { (void)pid; return 0; }
int container_delete(const char *root, struct rt_state *st, bool force, struct rt_err *err) { (void)root; (void)st; (void)force; (void)err; return 0; }
