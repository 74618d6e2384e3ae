/* `state ID`: the OCI state object, as runc prints it. */
#include "cmd.h"
#include "cmd_util.h"
#include "state.h"

int cmd_state(const struct global_opts *g, int argc, char **argv) {
  const char *id = cmd_only_id("state", argc, argv);
  struct rt_state st;
  if (id == NULL || cmd_load(g, id, &st) < 0) return 1;
  json_t *o = state_to_json(&st, state_status(g->root, &st));
  state_free(&st);
  return cmd_print_json(o, 2, "state");
}
