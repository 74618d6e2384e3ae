/* The verbs of strata-runtime's command line (runc's).  main.c parses the
 * global flags and dispatches; each cmd_* parses its own flags and returns the
 * process exit code.  Owners: main.c and cmd_{state,kill,delete,list,ps,pause,
 * update,events,features,spec}.c (CLI and state); cmd_{create,start,run,exec}.c
 * (lifecycle). */
#ifndef STRATA_CMD_H
#define STRATA_CMD_H

#include <stdbool.h>

struct global_opts {
  const char *root;      /* --root, default /run/strata-runtime */
  const char *log_path;  /* --log, NULL = stderr only */
  bool log_json;         /* --log-format json */
  bool debug;            /* --debug */
  bool systemd_cgroup;   /* --systemd-cgroup (refused: cgroupfs only) */
};

/* argv[0] is the verb; returns the exit code.  Errors are reported through
 * log_error() before returning non-zero. */
int cmd_create(const struct global_opts *g, int argc, char **argv);
int cmd_start(const struct global_opts *g, int argc, char **argv);
int cmd_run(const struct global_opts *g, int argc, char **argv);
int cmd_exec(const struct global_opts *g, int argc, char **argv);
int cmd_state(const struct global_opts *g, int argc, char **argv);
int cmd_kill(const struct global_opts *g, int argc, char **argv);
int cmd_delete(const struct global_opts *g, int argc, char **argv);
int cmd_list(const struct global_opts *g, int argc, char **argv);
int cmd_ps(const struct global_opts *g, int argc, char **argv);
int cmd_pause(const struct global_opts *g, int argc, char **argv);
int cmd_resume(const struct global_opts *g, int argc, char **argv);
int cmd_update(const struct global_opts *g, int argc, char **argv);
int cmd_events(const struct global_opts *g, int argc, char **argv);
int cmd_features(const struct global_opts *g, int argc, char **argv);
int cmd_spec(const struct global_opts *g, int argc, char **argv);

#endif
