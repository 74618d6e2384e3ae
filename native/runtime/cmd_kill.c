/* `kill [--all|-a] ID [SIGNAL]`: signal the init (or, with --all, every
 * process in the container's cgroup).  SIGNAL is a number or a name with or
 * without "SIG", any case (runc's parseSignal). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "state.h"

static int parse_signal(const char *raw, struct rt_err *err) {
  char *end;
  long n = strtol(raw, &end, 10);
  if (*raw != '\0' && *end == '\0') {
    if (n < 0 || n >= NSIG) return rt_fail(err, 0, "unknown signal \"%s\"", raw);
    return (int)n;
  }
  char name[32];
  size_t i = 0;
  for (; raw[i] && i < sizeof name - 1; i++) name[i] = (char)toupper((unsigned char)raw[i]);
  name[i] = '\0';
  const char *bare = strncmp(name, "SIG", 3) == 0 ? name + 3 : name;
  for (int sig = 1; sig < NSIG; sig++) {
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev && strcmp(abbrev, bare) == 0) return sig;
  }
  return rt_fail(err, 0, "unknown signal \"%s\"", raw);
}

static int kill_container(const char *root, struct rt_state *st, int sig, bool all,
                          struct rt_err *err) {
  enum rt_status status = state_status(root, st);
  if (status == ST_STOPPED) {
    /* runc swallows "not running" with --all: the processes are gone anyway. */
    return all ? 0 : rt_fail(err, 0, "container not running");
  }
  if (all && st->cg) return cg_signal_all(st->cg, sig, err);
  if (kill(st->pid, sig) < 0) {
    if (errno == ESRCH) return all ? 0 : rt_fail(err, 0, "container not running");
    return rt_failerrno(err, "kill `%d` with signal %d", (int)st->pid, sig);
  }
  return 0;
}

int cmd_kill(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0, 0, 0, 0}};
  bool all = false;
  if (cmd_bool_flag(argc, argv, opts, &all) < 0) return 1;
  int nargs = argc - optind;
  if (nargs < 1 || nargs > 2) {
    log_errorf("\"kill\" requires a minimum of 1 and a maximum of 2 argument(s)");
    return 1;
  }
  struct rt_err err = {0};
  struct rt_state st;
  int sig = parse_signal(nargs == 2 ? argv[optind + 1] : "SIGTERM", &err);
  if (sig < 0) {
    log_error(&err);
    return 1;
  }
  if (cmd_load(g, argv[optind], &st) < 0) return 1;
  return cmd_done(&st, kill_container(g->root, &st, sig, all, &err), &err);
}
