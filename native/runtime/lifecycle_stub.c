/* STUB: replaced by the lifecycle work (cmd_create/start/run/exec, container.c, init.c ...). */
#include "cmd.h"
#include "log.h"
#define STUB(name) int name(const struct global_opts *g, int argc, char **argv) { (void)g; (void)argc; (void)argv; log_errorf(#name " not implemented"); return 1; }
STUB(cmd_create)
STUB(cmd_start)
STUB(cmd_run)
STUB(cmd_exec)
