/* `delete [--force|-f] ID`.  With --force a missing container is not an
 * error (runc), and a half-made state dir (no state.json) is removed. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "state.h"

int cmd_delete(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0, 0, 0, 0}};
  bool force = false;
  if (cmd_bool_flag(argc, argv, opts, &force) < 0 || cmd_want_one_arg("delete", argc) < 0)
    return 1;
  const char *id = argv[optind];
  struct rt_err err = {0};
  struct rt_state st;
  if (state_load(g->root, id, &st, &err) < 0) {
    if (force && strcmp(err.msg, "container does not exist") == 0) {
      rt_err_clear(&err);
      if (state_remove(g->root, id, &err) == 0) return 0;
    }
    log_error(&err);
    return 1;
  }
  return cmd_done(&st, container_delete(g->root, &st, force, &err), &err);
}
