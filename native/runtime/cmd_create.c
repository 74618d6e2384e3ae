/* `create [--bundle|-b DIR] [--pid-file F] [--console-socket PATH] [--no-pivot]
 * [--no-new-keyring] [--preserve-fds N] ID`, and the flag parser shared by
 * the lifecycle verbs (runc's urfave/cli style: -flag, --flag, --flag=value,
 * flags before the ID). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_util.h"
#include "container.h"

enum { C = 1, R = 2, E = 4 }; /* create, run, exec */

static const struct flag {
  const char *name;
  char shrt;
  bool value;
  int verbs;
} flags[] = {
    {"bundle", 'b', true, C | R},       {"pid-file", 0, true, C | R | E},
    {"console-socket", 0, true, C | R | E}, {"no-pivot", 0, false, C | R},
    {"no-new-keyring", 0, false, C | R}, {"preserve-fds", 0, true, C | R | E},
    {"detach", 'd', false, C | R | E},  {"keep", 0, false, R},
    {"no-subreaper", 0, false, R},      {"process", 'p', true, E},
    {"tty", 't', false, E},             {"cwd", 0, true, E},
    {"env", 'e', true, E},              {"user", 'u', true, E},
    {"additional-gids", 'g', true, E},  {"cap", 'c', true, E},
    {"no-new-privs", 0, false, E},      {"ignore-paused", 0, false, E},
    {"process-label", 0, true, E},      {"apparmor", 0, true, E},
    {"cgroup", 0, true, E},
};

static const struct flag *find_flag(const char *name, size_t len, int verb) {
  for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    const struct flag *f = &flags[i];
    if (!(f->verbs & verb)) continue;
    if ((strlen(f->name) == len && strncmp(f->name, name, len) == 0) ||
        (len == 1 && f->shrt == name[0]))
      return f;
  }
  return NULL;
}

static int set_flag(struct lc_opts *o, const struct flag *f, const char *val, struct rt_err *err) {
  const char *n = f->name;
  bool on = !val || strcmp(val, "true") == 0 || strcmp(val, "1") == 0;
  if (!f->value && val && !on && strcmp(val, "false") != 0 && strcmp(val, "0") != 0)
    return rt_fail(err, 0, "invalid boolean value \"%s\" for -%s", val, n);
#define ADD(arr, cnt)                                                              \
  do {                                                                             \
    if (o->cnt >= (int)(sizeof o->arr / sizeof o->arr[0]))                         \
      return rt_fail(err, 0, "too many --%s flags", n);                            \
    o->arr[o->cnt++] = val;                                                        \
  } while (0)
  if (!strcmp(n, "bundle")) o->bundle = val;
  else if (!strcmp(n, "pid-file")) o->pid_file = val;
  else if (!strcmp(n, "console-socket")) o->console_socket = val;
  else if (!strcmp(n, "no-pivot")) o->no_pivot = on;
  else if (!strcmp(n, "no-new-keyring")) o->no_new_keyring = on;
  else if (!strcmp(n, "detach")) o->detach = on;
  else if (!strcmp(n, "keep")) o->keep = on;
  else if (!strcmp(n, "no-subreaper")) o->no_subreaper = on;
  else if (!strcmp(n, "process")) o->process_file = val;
  else if (!strcmp(n, "tty")) o->tty = on;
  else if (!strcmp(n, "cwd")) o->cwd = val;
  else if (!strcmp(n, "user")) o->user = val;
  else if (!strcmp(n, "no-new-privs")) o->no_new_privs = on;
  else if (!strcmp(n, "ignore-paused")) o->ignore_paused = on;
  else if (!strcmp(n, "env")) ADD(env, n_env);
  else if (!strcmp(n, "cap")) ADD(caps, n_caps);
  else if (!strcmp(n, "additional-gids")) ADD(gids, n_gids);
  else if (!strcmp(n, "preserve-fds")) {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || *end || end == val || v < 0 || v > 65536)
      return rt_fail(err, 0, "invalid value \"%s\" for flag -preserve-fds", val);
    o->preserve_fds = (int)v;
  }
  return 0; /* process-label, apparmor, cgroup: accepted, not used */
#undef ADD
}

int lc_parse_opts(const char *verb, int argc, char **argv, struct lc_opts *o, struct rt_err *err) {
  int v = !strcmp(verb, "create") ? C : !strcmp(verb, "run") ? R : !strcmp(verb, "exec") ? E : 0;
  memset(o, 0, sizeof *o);
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0') break;
    const char *name = a + (a[1] == '-' ? 2 : 1), *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct flag *f = find_flag(name, len, v);
    if (f == NULL) return rt_fail(err, 0, "flag provided but not defined: -%.*s", (int)len, name);
    const char *val = eq ? eq + 1 : NULL;
    if (f->value && val == NULL) {
      if (i + 1 >= argc) return rt_fail(err, 0, "flag needs an argument: -%s", f->name);
      val = argv[++i];
    }
    if (set_flag(o, f, val, err) < 0) return -1;
  }
  if (i >= argc) return rt_fail(err, 0, "\"%s\" requires at least 1 argument", verb);
  o->id = argv[i++];
  o->args = argv + i;
  o->n_args = argc - i;
  if (v != E && o->n_args > 0)
    return rt_fail(err, 0, "\"%s\" requires exactly 1 argument", verb);
  if (o->bundle == NULL) o->bundle = ".";
  return 0;
}

void lc_reserve_fds(int n) {
  for (int fd = 3; fd < 3 + n; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0 && nul != fd) {
      dup2(nul, fd);
      close(nul);
    }
  }
}

/* Shared by create and run: options, config, create. */
int lc_create(const struct global_opts *g, const struct lc_opts *o, struct rt_state *st,
              struct rt_err *err) {
  struct rt_config cfg;
  struct config_opts copts = {.console_socket = o->console_socket != NULL};
  if (state_validate_id(o->id, err) < 0) return -1;
  if (config_load(o->bundle, &copts, &cfg, err) < 0) return -1;
  int rc = container_create(g, o, &cfg, st, err);
  config_free(&cfg);
  return rc;
}

int cmd_create(const struct global_opts *g, int argc, char **argv) {
  struct rt_err err = {0};
  struct lc_opts o;
  struct rt_state st;
  memset(&st, 0, sizeof st);
  int rc = lc_parse_opts("create", argc, argv, &o, &err);
  if (rc == 0) {
    lc_reserve_fds(o.preserve_fds);
    rc = lc_create(g, &o, &st, &err);
  }
  return cmd_done(&st, rc, &err);
}
