/* `pause ID` / `resume ID`: freeze or thaw the container's cgroup.  Like
 * runc, a created or running container can be paused; only a paused one
 * resumed. */
#include "cmd.h"
#include "cmd_util.h"
#include "state.h"

static int set_frozen(const struct global_opts *g, int argc, char **argv, bool freeze) {
  const char *verb = freeze ? "pause" : "resume";
  const char *id = cmd_only_id(verb, argc, argv);
  struct rt_err err = {0};
  struct rt_state st;
  if (id == NULL || cmd_load(g, id, &st) < 0) return 1;
  enum rt_status status = state_status(g->root, &st);
  int rc = 0;
  if (freeze && status != ST_RUNNING && status != ST_CREATED)
    rc = rt_fail(&err, 0, "container not running");
  else if (!freeze && status != ST_PAUSED)
    rc = rt_fail(&err, 0, "container not paused");
  else if (st.cg == NULL)
    rc = rt_fail(&err, 0, "%s container `%s`: it has no cgroup", verb, st.id);
  else if (cg_freeze(st.cg, freeze, &err) < 0)
    rc = rt_wrap(&err, "%s container `%s`", verb, st.id);
  return cmd_done(&st, rc, &err);
}

int cmd_pause(const struct global_opts *g, int argc, char **argv) {
  return set_frozen(g, argc, argv, true);
}

int cmd_resume(const struct global_opts *g, int argc, char **argv) {
  return set_frozen(g, argc, argv, false);
}
