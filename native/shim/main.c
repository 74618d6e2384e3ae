/* strata-shim: argument parsing; everything else starts in daemon.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

static const char usage[] =
    "usage: strata-shim --id ID --bundle DIR --state-dir DIR [--runtime PATH] [--runtime-root DIR]\n"
    "       [--log-path FILE] [--log-max-size BYTES] [--log-max-file N] [--terminal] [--stdin]\n"
    "       [--console-width N --console-height N]\n";

static int parse_number(const char *name, const char *text, long long min, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min) {
    fprintf(stdout, "{\"ok\":false,\"error\":\"strata-shim: bad --%s `%s`\"}\n", name, text);
    return -1;
  }
  *out = v;
  return 0;
}

static int parse_args(int argc, char **argv, struct options *o) {
  enum { ID = 1, BUNDLE, STATE, RUNTIME, RTROOT, LOGP, LOGSZ, LOGN, TERM, STDIN, CW, CH };
  static const struct option longs[] = {
      {"id", required_argument, 0, ID},           {"bundle", required_argument, 0, BUNDLE},
      {"state-dir", required_argument, 0, STATE}, {"runtime", required_argument, 0, RUNTIME},
      {"runtime-root", required_argument, 0, RTROOT}, {"log-path", required_argument, 0, LOGP},
      {"log-max-size", required_argument, 0, LOGSZ}, {"log-max-file", required_argument, 0, LOGN},
      {"terminal", no_argument, 0, TERM},         {"stdin", no_argument, 0, STDIN},
      {"console-width", required_argument, 0, CW}, {"console-height", required_argument, 0, CH},
      {0, 0, 0, 0}};
  long long v;
  int c;
  o->log_max_file = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (c) {
    case ID: o->id = optarg; break;
    case BUNDLE: o->bundle = optarg; break;
    case STATE: o->state_dir = optarg; break;
    case RUNTIME: o->runtime = optarg; break;
    case RTROOT: o->runtime_root = optarg; break;
    case LOGP: o->log_path = optarg; break;
    case TERM: o->terminal = 1; break;
    case STDIN: o->stdin_open = 1; break;
    case LOGSZ:
      if (parse_number("log-max-size", optarg, 0, &v) < 0) return -1;
      o->log_max_size = v;
      break;
    case LOGN:
      if (parse_number("log-max-file", optarg, 1, &v) < 0 || v > 100) return -1;
      o->log_max_file = (int)v;
      break;
    case CW:
    case CH:
      if (parse_number(c == CW ? "console-width" : "console-height", optarg, 0, &v) < 0 || v > 65535)
        return -1;
      *(c == CW ? &o->console_width : &o->console_height) = (int)v;
      break;
    default:
      fprintf(stdout, "{\"ok\":false,\"error\":\"strata-shim: unknown argument `%s`\"}\n", argv[optind - 1]);
      fputs(usage, stderr);
      return -1;
    }
  }
  if (!o->id || !o->bundle || !o->state_dir || optind != argc) {
    fputs("{\"ok\":false,\"error\":\"strata-shim: --id, --bundle and --state-dir are required\"}\n", stdout);
    fputs(usage, stderr);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  struct options opt = {0};
  if (parse_args(argc, argv, &opt) < 0) return 2;
  return shim_daemonize(&opt);
}
