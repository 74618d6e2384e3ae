/* `list [--format|-f table|json] [--quiet|-q]`: every container under --root.
 * Table laid out like Go's tabwriter as runc uses it (min width 12, padding 3,
 * last column unpadded); json is an array of state objects, `null` when empty
 * (runc encodes a nil slice).  owner is the state dir's owner, as in runc. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "state.h"

#define NCOLS 6

static void owner_name(const char *root, const char *id, char *out, size_t len) {
  char dir[4352];
  struct stat sb;
  struct rt_err err = {0};
  out[0] = '\0';
  if (state_path(root, id, NULL, dir, sizeof dir, &err) < 0 || stat(dir, &sb) < 0) return;
  struct passwd *pw = getpwuid(sb.st_uid);
  if (pw)
    snprintf(out, len, "%s", pw->pw_name);
  else
    snprintf(out, len, "#%u", (unsigned)sb.st_uid);
}

/* The state objects of every loadable container; unloadable ones are
 * reported and skipped, as runc does. */
static json_t *collect(const char *root, struct rt_err *err) {
  char **ids;
  size_t n;
  if (state_list(root, &ids, &n, err) < 0) return NULL;
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    struct rt_state st;
    struct rt_err lerr = {0};
    if (state_load(root, ids[i], &st, &lerr) < 0) {
      char buf[4096];
      log_warn("load container %s: %s", ids[i], rt_err_text(&lerr, buf, sizeof buf));
    } else {
      json_t *o = state_to_json(&st, state_status(root, &st));
      char owner[256];
      owner_name(root, ids[i], owner, sizeof owner);
      if (o) json_object_set_new(o, "owner", json_string(owner));
      if (o) json_array_append_new(arr, o);
      state_free(&st);
    }
    free(ids[i]);
  }
  free(ids);
  return arr;
}

static void print_table(json_t *arr) {
  static const char *cols[NCOLS] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  static const char *keys[NCOLS] = {"id", "pid", "status", "bundle", "created", "owner"};
  size_t rows = json_array_size(arr), width[NCOLS];
  char(*cells)[NCOLS][512] = calloc(rows + 1, sizeof *cells);
  if (cells == NULL) return;
  for (int c = 0; c < NCOLS; c++) snprintf(cells[0][c], sizeof cells[0][c], "%s", cols[c]);
  for (size_t r = 0; r < rows; r++)
    for (int c = 0; c < NCOLS; c++) {
      json_t *v = json_object_get(json_array_get(arr, r), keys[c]);
      char *cell = cells[r + 1][c];
      if (json_is_integer(v))
        snprintf(cell, sizeof cells[0][0], "%lld", (long long)json_integer_value(v));
      else
        snprintf(cell, sizeof cells[0][0], "%s", json_is_string(v) ? json_string_value(v) : "");
    }
  for (int c = 0; c < NCOLS; c++) {
    width[c] = 12;
    for (size_t r = 0; r <= rows; r++)
      if (strlen(cells[r][c]) + 3 > width[c]) width[c] = strlen(cells[r][c]) + 3;
  }
  for (size_t r = 0; r <= rows; r++) {
    for (int c = 0; c < NCOLS - 1; c++) printf("%-*s", (int)width[c], cells[r][c]);
    printf("%s\n", cells[r][NCOLS - 1]);
  }
  free(cells);
}

int cmd_list(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {
      {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'}, {0, 0, 0, 0}};
  const char *format = "table";
  bool quiet = false;
  int c;
  cmd_getopt_reset();
  while ((c = getopt_long_only(argc, argv, "+f:q", opts, NULL)) != -1) {
    if (c == 'f') format = optarg;
    else if (c == 'q') quiet = true;
    else return cmd_bad_flag(argv);
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
    log_errorf("invalid format option");
    return 1;
  }
  struct rt_err err = {0};
  json_t *arr = collect(g->root, &err);
  if (arr == NULL) {
    log_error(&err);
    return 1;
  }
  if (quiet) {
    for (size_t i = 0; i < json_array_size(arr); i++)
      printf("%s\n", json_string_value(json_object_get(json_array_get(arr, i), "id")));
  } else if (strcmp(format, "json") == 0) {
    char *text = json_array_size(arr) ? json_dumps(arr, JSON_COMPACT) : NULL;
    printf("%s\n", text ? text : "null");
    free(text);
  } else {
    print_table(arr);
  }
  json_decref(arr);
  return 0;
}
