/* `events [--stats] [--interval D] ID`: with --stats one stats event and exit;
 * otherwise a stats event every interval (Go duration, default 5s) until the
 * container stops.  Each event is one JSON line:
 *   {"type":"stats","id":ID,"data":<cg_stats()>} */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "state.h"

/* Go time.ParseDuration subset: "5s", "500ms", "1.5s", "2m", "1h30m". */
static int parse_duration(const char *s, double *secs) {
  static const struct { const char *unit; double mult; } units[] = {
      {"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
  *secs = 0;
  if (*s == '\0') return -1;
  while (*s) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    size_t best = 0, best_len = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t l = strlen(units[i].unit);
      if (strncmp(end, units[i].unit, l) == 0 && l > best_len) best = i, best_len = l;
    }
    if (best_len == 0) return -1;
    *secs += v * units[best].mult;
    s = end + best_len;
  }
  return 0;
}

static int print_stats(struct rt_state *st, struct rt_err *err) {
  json_t *data = NULL;
  if (st->cg == NULL) data = json_object();
  else if (cg_stats(st->cg, &data, err) < 0) return -1;
  json_t *ev = json_pack("{s:s, s:s, s:o}", "type", "stats", "id", st->id, "data", data);
  char *text = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
  json_decref(ev);
  if (text == NULL) return rt_fail(err, ENOMEM, "encode stats");
  printf("%s\n", text);
  fflush(stdout);
  free(text);
  return 0;
}

static int stream(const char *root, struct rt_state *st, double interval, bool once,
                  struct rt_err *err) {
  struct timespec ts = {(time_t)interval, (long)((interval - (double)(time_t)interval) * 1e9)};
  for (bool first = true;; first = false) {
    if (state_status(root, st) == ST_STOPPED) {
      if (first) return rt_fail(err, 0, "container with id %s is not running", st->id);
      return 0;
    }
    if (print_stats(st, err) < 0) {
      if (once) return -1;
      /* runc logs a failed sample and keeps going. */
      log_error(err);
      rt_err_clear(err);
    }
    if (once) return 0;
    struct timespec left = ts;
    while (nanosleep(&left, &left) < 0 && errno == EINTR) {
    }
  }
}

int cmd_events(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{"stats", no_argument, NULL, 's'},
                                       {"interval", required_argument, NULL, 'i'},
                                       {0, 0, 0, 0}};
  bool once = false;
  double interval = 5;
  int c;
  cmd_getopt_reset();
  while ((c = getopt_long_only(argc, argv, "+", opts, NULL)) != -1) {
    if (c == 's') {
      once = true;
    } else if (c == 'i') {
      if (parse_duration(optarg, &interval) < 0 || interval <= 0) {
        log_errorf("invalid value \"%s\" for flag -interval: duration must be greater than 0",
                   optarg);
        return 1;
      }
    } else {
      return cmd_bad_flag(argv);
    }
  }
  if (cmd_want_one_arg("events", argc) < 0) return 1;
  struct rt_err err = {0};
  struct rt_state st;
  if (cmd_load(g, argv[optind], &st) < 0) return 1;
  return cmd_done(&st, stream(g->root, &st, interval, once, &err), &err);
}
