/* strata-runtime: runc's command line.  Global flags, then one verb from the
 * table below; each verb parses its own flags (cmd.h).  Like runc (Go's flag
 * package) long flags may be written -flag or --flag, with "=value" or
 * " value"; flags stop at the first non-flag argument. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "security.h"
#include "trace.h"
#include "version.h"

struct verb {
  const char *name;
  int (*fn)(const struct global_opts *, int, char **);
  const char *help;
  bool makes_cgroup; /* refused with --systemd-cgroup */
};

static const struct verb verbs[] = {
    {"create", cmd_create, "create a container", true},
    {"start", cmd_start, "executes the user defined process in a created container", false},
    {"run", cmd_run, "create and run a container", true},
    {"exec", cmd_exec, "execute new process inside the container", false},
    {"state", cmd_state, "output the state of a container", false},
    {"kill", cmd_kill, "send a signal (default: SIGTERM) to the container's init process", false},
    {"delete", cmd_delete, "delete any resources held by the container", false},
    {"list", cmd_list, "lists containers started by strata-runtime with the given root", false},
    {"ps", cmd_ps, "ps displays the processes running inside a container", false},
    {"pause", cmd_pause, "pause suspends all processes inside the container", false},
    {"resume", cmd_resume, "resumes all processes that have been previously paused", false},
    {"update", cmd_update, "update container resource constraints", false},
    {"events", cmd_events, "display container statistics", false},
    {"features", cmd_features, "show the enabled features", false},
    {"spec", cmd_spec, "create a new specification file", false},
};

static void print_version(void) {
  printf("strata-runtime version %s\ncommit: %s\nspec: %s\nlibseccomp: %s\n", STRATA_VERSION,
         STRATA_COMMIT, SPEC_VERSION, seccomp_version());
}

static void print_help(void) {
  printf("strata-runtime - an OCI runtime (runc-compatible command line)\n\n"
         "USAGE:\n   strata-runtime [global options] command [command options] [arguments...]\n\n"
         "COMMANDS:\n");
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    printf("   %-10s %s\n", verbs[i].name, verbs[i].help);
  printf("\nGLOBAL OPTIONS:\n"
         "   --debug                 enable debug logging\n"
         "   --log value             set the log file to write logs to (default: stderr)\n"
         "   --log-format value      set the log format ('text' (default), or 'json')\n"
         "   --root value            root directory for storage of container state "
         "(default: \"/run/strata-runtime\")\n"
         "   --systemd-cgroup        accepted; refused at create (cgroupfs only)\n"
         "   --rootless value        accepted and ignored\n"
         "   --help, -h              show help\n"
         "   --version, -v           print the version\n");
}

enum { OPT_ROOT = 1000, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };

/* Returns the index of the verb in argv, 0 when done (help/version), -1 on error. */
static int parse_globals(int argc, char **argv, struct global_opts *g) {
  static const struct option opts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"criu", required_argument, NULL, OPT_CRIU},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'v'},
      {0, 0, 0, 0},
  };
  opterr = 0;
  optind = 0;
  int c;
  while ((c = getopt_long_only(argc, argv, "+hv", opts, NULL)) != -1) {
    switch (c) {
    case OPT_ROOT: g->root = optarg; break;
    case OPT_LOG: g->log_path = optarg; break;
    case OPT_LOG_FORMAT:
      if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
        log_errorf("invalid log-format: %s", optarg);
        return -1;
      }
      g->log_json = strcmp(optarg, "json") == 0;
      break;
    case OPT_DEBUG: g->debug = true; break;
    case OPT_SYSTEMD: g->systemd_cgroup = true; break;
    case OPT_ROOTLESS: case OPT_CRIU: break;
    case 'h': print_help(); return 0;
    case 'v': print_version(); return 0;
    default:
      log_errorf("flag provided but not defined: %s", argv[optind - 1]);
      return -1;
    }
  }
  return optind;
}

int main(int argc, char **argv) {
  struct global_opts g = {.root = "/run/strata-runtime"};
  trace_init();
  int at = parse_globals(argc, argv, &g);
  if (at <= 0) return at == 0 ? 0 : 1;
  log_init(&g);
  if (at >= argc) {
    print_help();
    return 0;
  }
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    if (strcmp(argv[at], verbs[i].name) != 0) continue;
    if (verbs[i].makes_cgroup && g.systemd_cgroup) {
      log_errorf("--systemd-cgroup is not supported: strata-runtime manages cgroups through "
                 "cgroupfs only");
      return 1;
    }
    log_debug("%s: root %s", verbs[i].name, g.root);
    int rc = verbs[i].fn(&g, argc - at, argv + at);
    trace_finish(verbs[i].name);
    return rc;
  }
  if (strcmp(argv[at], "help") == 0) {
    print_help();
    return 0;
  }
  log_errorf("unknown command '%s'", argv[at]);
  return 1;
}
