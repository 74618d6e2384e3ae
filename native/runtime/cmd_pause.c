/* `pause ID` / `resume ID`: freeze or thaw the container's cgroup.  Like
 * runc, a created or running container can be paused; only a paused one
 * resumed. */
#include <getopt.h>

#include "cmd.h"
#include "log.h"
#include "state.h"

static int set_frozen(const struct global_opts *g, int argc, char **argv, bool freeze) {
  static const struct option opts[] = {{0, 0, 0, 0}};
  const char *verb = freeze ? "pause" : "resume";
  opterr = 0;
  optind = 0;
  if (getopt_long_only(argc, argv, "+", opts, NULL) != -1) {
    log_errorf("flag provided but not defined: %s", argv[optind - 1]);
    return 1;
  }
  if (argc - optind != 1) {
    log_errorf("\"%s\" requires exactly 1 argument(s)", verb);
    return 1;
  }
  struct rt_err err = {0};
  struct rt_state st;
  if (state_load(g->root, argv[optind], &st, &err) < 0) {
    log_error(&err);
    return 1;
  }
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
  state_free(&st);
  if (rc < 0) {
    log_error(&err);
    return 1;
  }
  return 0;
}

int cmd_pause(const struct global_opts *g, int argc, char **argv) {
  return set_frozen(g, argc, argv, true);
}

int cmd_resume(const struct global_opts *g, int argc, char **argv) {
  return set_frozen(g, argc, argv, false);
}
