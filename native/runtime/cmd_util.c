#include "cmd_util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

void cmd_getopt_reset(void) {
  opterr = 0;
  optind = 0;
}

int cmd_bad_flag(char **argv) {
  log_errorf("flag provided but not defined: %s", argv[optind - 1]);
  return 1;
}

int cmd_bool_flag(int argc, char **argv, const struct option *opts, bool *set) {
  const char shortopts[] = {'+', (char)opts[0].val, '\0'};
  int c;
  cmd_getopt_reset();
  while ((c = getopt_long_only(argc, argv, shortopts, opts, NULL)) != -1) {
    if (c != opts[0].val) {
      cmd_bad_flag(argv);
      return -1;
    }
    *set = true;
  }
  return 0;
}

int cmd_want_one_arg(const char *verb, int argc) {
  if (argc - optind == 1) return 0;
  log_errorf("\"%s\" requires exactly 1 argument(s)", verb);
  return -1;
}

const char *cmd_only_id(const char *verb, int argc, char **argv) {
  static const struct option opts[] = {{0, 0, 0, 0}};
  cmd_getopt_reset();
  if (getopt_long_only(argc, argv, "+", opts, NULL) != -1) {
    cmd_bad_flag(argv);
    return NULL;
  }
  return cmd_want_one_arg(verb, argc) < 0 ? NULL : argv[optind];
}

int cmd_load(const struct global_opts *g, const char *id, struct rt_state *st) {
  struct rt_err err = {0};
  if (state_load(g->root, id, st, &err) == 0) return 0;
  log_error(&err);
  return -1;
}

int cmd_done(struct rt_state *st, int rc, const struct rt_err *err) {
  state_free(st);
  if (rc >= 0) return 0;
  log_error(err);
  return 1;
}

int cmd_print_json(json_t *doc, size_t indent, const char *what) {
  char *text = doc ? json_dumps(doc, JSON_INDENT(indent)) : NULL;
  json_decref(doc);
  if (text == NULL) {
    log_errorf("encode %s: out of memory", what);
    return 1;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}
