/* `start ID`: release a created container's init through the exec fifo. */
#include <string.h>

#include "container.h"
#include "log.h"

int cmd_start(const struct global_opts *g, int argc, char **argv) {
  struct rt_err err = {0};
  struct rt_state st;
  memset(&st, 0, sizeof st);
  if (argc != 2 || argv[1][0] == '-') {
    rt_fail(&err, 0, "\"start\" requires exactly 1 argument");
    goto fail;
  }
  if (state_load(g->root, argv[1], &st, &err) < 0) goto fail;
  enum rt_status s = state_status(g->root, &st);
  switch (s) {
  case ST_CREATED:
    if (container_start(g->root, &st, &err) < 0) goto fail;
    break;
  case ST_STOPPED:
    rt_fail(&err, 0, "cannot start a container that has stopped");
    goto fail;
  case ST_RUNNING:
    rt_fail(&err, 0, "cannot start an already running container");
    goto fail;
  default:
    rt_fail(&err, 0, "cannot start a container in the %s state", state_status_name(s));
    goto fail;
  }
  state_free(&st);
  return 0;
fail:
  state_free(&st);
  log_error(&err);
  return 1;
}
