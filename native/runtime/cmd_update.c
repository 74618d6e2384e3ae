/* `update [--resources|-r FILE|-] [limit flags] ID`: rewrite the cgroup limits
 * of a live container, then record them in the saved config so later reads
 * (and a restart of the caller) see them.  With -r the flags are ignored, as
 * in runc; "-" reads LinuxResources JSON from stdin. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "state.h"

enum kind { K_SIZE, K_INT, K_STR };

struct flag {
  const char *name;
  const char *group; /* LinuxResources member */
  const char *key;
  enum kind kind;
};

static const struct flag flags[] = {
    {"memory", "memory", "limit", K_SIZE},
    {"memory-reservation", "memory", "reservation", K_SIZE},
    {"memory-swap", "memory", "swap", K_SIZE},
    {"kernel-memory", "memory", "kernel", K_SIZE},
    {"kernel-memory-tcp", "memory", "kernelTCP", K_SIZE},
    {"cpu-share", "cpu", "shares", K_INT},
    {"cpu-shares", "cpu", "shares", K_INT},
    {"cpu-quota", "cpu", "quota", K_INT},
    {"cpu-period", "cpu", "period", K_INT},
    {"cpu-burst", "cpu", "burst", K_INT},
    {"cpu-rt-period", "cpu", "realtimePeriod", K_INT},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", K_INT},
    {"cpuset-cpus", "cpu", "cpus", K_STR},
    {"cpuset-mems", "cpu", "mems", K_STR},
    {"pids-limit", "pids", "limit", K_INT},
    {"blkio-weight", "blockIO", "weight", K_INT},
};
#define NFLAGS (sizeof flags / sizeof flags[0])

/* docker/go-units RAMInBytes: "512", "64m", "1.5GiB"; binary multiples; -1 = unlimited. */
static int parse_size(const char *s, long long *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || errno != 0) return -1;
  while (*end == ' ') end++;
  long long mult = 1;
  switch (tolower((unsigned char)*end)) {
  case '\0': break;
  case 'b': mult = 1; break;
  case 'k': mult = 1LL << 10; break;
  case 'm': mult = 1LL << 20; break;
  case 'g': mult = 1LL << 30; break;
  case 't': mult = 1LL << 40; break;
  case 'p': mult = 1LL << 50; break;
  default: return -1;
  }
  if (*end) {
    const char *rest = end + 1;
    if (tolower((unsigned char)*end) != 'b' && (*rest == 'i' || *rest == 'I')) rest++;
    if (tolower((unsigned char)*end) != 'b' && (*rest == 'b' || *rest == 'B')) rest++;
    if (*rest != '\0') return -1;
  }
  *out = (long long)(v * (double)mult);
  return 0;
}

static int set_flag(json_t *res, const struct flag *f, const char *val, struct rt_err *err) {
  json_t *v;
  long long n;
  char *end;
  if (f->kind == K_STR) {
    v = json_string(val);
  } else if (f->kind == K_SIZE) {
    if (parse_size(val, &n) < 0) return rt_fail(err, 0, "invalid value for --%s: %s", f->name, val);
    v = json_integer(n);
  } else {
    errno = 0;
    n = strtoll(val, &end, 10);
    if (*val == '\0' || *end != '\0' || errno != 0)
      return rt_fail(err, 0, "invalid value for --%s: %s", f->name, val);
    v = json_integer(n);
  }
  json_t *group = json_object_get(res, f->group);
  if (group == NULL) json_object_set_new(res, f->group, group = json_object());
  json_object_set_new(group, f->key, v);
  return 0;
}

static json_t *read_resources(const char *path, struct rt_err *err) {
  json_error_t jerr;
  json_t *r = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(path, 0, &jerr);
  if (r == NULL) return rt_fail(err, 0, "parse resources `%s`: %s", path, jerr.text), NULL;
  if (!json_is_object(r)) {
    json_decref(r);
    return rt_fail(err, 0, "parse resources `%s`: not a JSON object", path), NULL;
  }
  return r;
}

static int apply(const char *root, const char *id, json_t *res, struct rt_err *err) {
  struct rt_state st;
  if (state_load(root, id, &st, err) < 0) return -1;
  int rc = -1;
  if (state_status(root, &st) == ST_STOPPED) {
    state_free(&st);
    return rt_fail(err, 0, "container not running"); /* runc's phrase, unprefixed */
  }
  if (st.cg == NULL) {
    rt_fail(err, 0, "update container `%s`: it has no cgroup", id);
  } else if (cg_validate_resources(res, err) == 0 && cg_update(st.cg, res, err) == 0) {
    if (st.config == NULL) st.config = json_object();
    json_t *linux = json_object_get(st.config, "linux");
    if (!json_is_object(linux)) json_object_set_new(st.config, "linux", linux = json_object());
    json_t *saved = json_object_get(linux, "resources");
    if (!json_is_object(saved)) json_object_set_new(linux, "resources", saved = json_object());
    json_object_update_recursive(saved, res);
    rc = state_save(root, &st, err);
  }
  if (rc < 0) rt_wrap(err, "update container `%s`", id);
  state_free(&st);
  return rc;
}

int cmd_update(const struct global_opts *g, int argc, char **argv) {
  struct option opts[NFLAGS + 4];
  for (size_t i = 0; i < NFLAGS; i++)
    opts[i] = (struct option){flags[i].name, required_argument, NULL, 1000 + (int)i};
  opts[NFLAGS] = (struct option){"resources", required_argument, NULL, 'r'};
  opts[NFLAGS + 1] = (struct option){"l3-cache-schema", required_argument, NULL, 'L'};
  opts[NFLAGS + 2] = (struct option){"mem-bw-schema", required_argument, NULL, 'L'};
  opts[NFLAGS + 3] = (struct option){0, 0, 0, 0};
  struct rt_err err = {0};
  const char *file = NULL;
  json_t *res = json_object();
  int c, rc = 1;
  opterr = 0;
  optind = 0;
  while ((c = getopt_long_only(argc, argv, "+r:", opts, NULL)) != -1) {
    if (c == 'r') file = optarg;
    else if (c >= 1000) set_flag(res, &flags[c - 1000], optarg, &err);
    else if (c == 'L') rt_fail(&err, 0, "intel RDT is not supported");
    else rt_fail(&err, 0, "flag provided but not defined: %s", argv[optind - 1]);
  }
  if (!rt_err_set(&err) && argc - optind != 1)
    rt_fail(&err, 0, "\"update\" requires exactly 1 argument(s)");
  if (!rt_err_set(&err) && file) {
    json_decref(res);
    res = read_resources(file, &err);
  }
  if (!rt_err_set(&err) && apply(g->root, argv[optind], res, &err) == 0) rc = 0;
  if (rc != 0) log_error(&err);
  json_decref(res);
  return rc;
}
