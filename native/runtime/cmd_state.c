/* `state ID`: the OCI state object, as runc prints it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "state.h"

int cmd_state(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{0, 0, 0, 0}};
  opterr = 0;
  optind = 0;
  if (getopt_long_only(argc, argv, "+", opts, NULL) != -1) {
    log_errorf("flag provided but not defined: %s", argv[optind - 1]);
    return 1;
  }
  if (argc - optind != 1) {
    log_errorf("\"state\" requires exactly 1 argument(s)");
    return 1;
  }
  struct rt_err err = {0};
  struct rt_state st;
  if (state_load(g->root, argv[optind], &st, &err) < 0) {
    log_error(&err);
    return 1;
  }
  json_t *o = state_to_json(&st, state_status(g->root, &st));
  state_free(&st);
  char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
  json_decref(o);
  if (text == NULL) {
    log_errorf("encode state: out of memory");
    return 1;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}
