/* `delete [--force|-f] ID`.  With --force a missing container is not an
 * error (runc), and a half-made state dir (no state.json) is removed. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "state.h"

int cmd_delete(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0, 0, 0, 0}};
  bool force = false;
  int c;
  opterr = 0;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, "+f", opts, NULL)) != -1) {
    if (c != 'f') {
      log_errorf("flag provided but not defined: %s", argv[optind - 1]);
      return 1;
    }
    force = true;
  }
  if (argc - optind != 1) {
    log_errorf("\"delete\" requires exactly 1 argument(s)");
    return 1;
  }
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
  int rc = container_delete(g->root, &st, force, &err);
  state_free(&st);
  if (rc < 0) {
    log_error(&err);
    return 1;
  }
  return 0;
}
