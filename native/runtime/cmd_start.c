/* `start ID`: release a created container's init through the exec fifo. */
#include <string.h>

#include "cmd_util.h"
#include "container.h"

static int start(const struct global_opts *g, int argc, char **argv, struct rt_state *st,
                 struct rt_err *err) {
  if (argc != 2 || argv[1][0] == '-')
    return rt_fail(err, 0, "\"start\" requires exactly 1 argument");
  if (state_load(g->root, argv[1], st, err) < 0) return -1;
  enum rt_status s = state_status(g->root, st);
  switch (s) {
  case ST_CREATED: return container_start(g->root, st, err);
  case ST_STOPPED: return rt_fail(err, 0, "cannot start a container that has stopped");
  case ST_RUNNING: return rt_fail(err, 0, "cannot start an already running container");
  default:
    return rt_fail(err, 0, "cannot start a container in the %s state", state_status_name(s));
  }
}

int cmd_start(const struct global_opts *g, int argc, char **argv) {
  struct rt_err err = {0};
  struct rt_state st;
  memset(&st, 0, sizeof st);
  return cmd_done(&st, start(g, argc, argv, &st, &err), &err);
}
