/* Internals of the lifecycle verbs (create, start, run, exec): option parsing
 * shared by the verbs, the parent side of create (container.c), the init
 * (init.c), process setup shared by the init and exec (process.c), and the
 * console socket (console.c). */
#ifndef STRATA_CONTAINER_H
#define STRATA_CONTAINER_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/types.h>

#include "../common/error.h"
#include "cmd.h"
#include "config.h"
#include "state.h"

struct seccomp_bpf; /* security.h */

/* Flags of create / run / exec (runc's names). */
struct lc_opts {
  const char *bundle, *pid_file, *console_socket, *process_file, *cwd, *user;
  bool no_pivot, no_new_keyring, detach, keep, no_subreaper, tty, no_new_privs, ignore_paused;
  int preserve_fds;
  const char *env[256], *caps[64], *gids[64];
  int n_env, n_caps, n_gids;
  const char *id;
  char **args;  /* exec: the rest of argv after ID */
  int n_args;
};

/* Parse argv[1..] (runc style: -flag, --flag, --flag=value, -b).  verb picks
 * the accepted flags.  Returns 0 or -1 with err filled. */
int lc_parse_opts(const char *verb, int argc, char **argv, struct lc_opts *o, struct rt_err *err);
/* Make sure fds 3..3+n-1 are open, so the runtime's own fds land above them. */
void lc_reserve_fds(int n);
/* Write the pid file atomically (temp + rename), host pid, no newline. */
int lc_write_pid_file(const char *path, pid_t pid, struct rt_err *err);
/* Block the signals `run`/`exec` forward, and SIGCHLD; old mask in *old. */
void lc_block_signals(sigset_t *old);
/* Wait for child pid, forwarding signals to it and reaping others; returns the
 * exit code (status, or 128+signal). */
int lc_wait_forward(pid_t pid);

/* Validate the id and config.json, then container_create (create and run). */
int lc_create(const struct global_opts *g, const struct lc_opts *o, struct rt_state *st,
              struct rt_err *err);

/* ---- container.c ---- */
/* Everything of `create`: on success the init is parked on the exec fifo and
 * the state is saved in st (caller frees).  On failure nothing is left. */
int container_create(const struct global_opts *g, const struct lc_opts *o, struct rt_config *cfg,
                     struct rt_state *st, struct rt_err *err);
/* Release the parked init (exec fifo), delete the fifo, run poststart hooks. */
int container_start(const char *root, struct rt_state *st, struct rt_err *err);
/* State JSON string for hooks (malloc'd), or NULL. */
char *container_state_json(const struct rt_state *st, enum rt_status status);

/* ---- init.c: the container's init after clone; never returns ---- */
struct init_ctx {
  struct rt_config *cfg;
  const struct lc_opts *o;
  struct cg_manager *cg;
  const char *id;
  int sync_fd, fifo_fd, console_fd;
  bool in_v2_cgroup; /* cloned into its cgroup2 dir: join only the v1 hierarchies */
  sigset_t sigmask;  /* restore before exec */
  const struct seccomp_bpf *bpf; /* linux.seccomp compiled by the parent */
};
__attribute__((noreturn)) void init_main(struct init_ctx *ctx);

/* ---- process.c: setup shared by the init and exec ---- */
struct proc_setup {
  json_t *process;  /* OCI process object */
  json_t *seccomp;  /* linux.seccomp or NULL */
  const struct seccomp_bpf *bpf; /* seccomp compiled before the clone/fork, or NULL */
  bool write_oom;   /* exec: set own oom_score_adj (the init's is set by the parent) */
  int preserve_fds;
  char exe[PATH_MAX]; /* out: resolved args[0] */
  char **argv, **envp; /* out: for execve (malloc'd; the process execs or exits) */
};
/* fds: >= 3+preserve close on exec, 3..3+preserve-1 inherited. */
int process_fds(int preserve_fds, struct rt_err *err);
/* rlimits, oom, no_new_privs, seccomp, bounding set, user, caps, umask, cwd,
 * PATH lookup; order and seccomp placement as runc. */
int process_prepare(struct proc_setup *ps, struct rt_err *err);
/* Look args[0] up in the PATH of env with runc's (Go's) messages. */
int process_lookup(const char *arg0, json_t *env, char *out, size_t len, struct rt_err *err);
/* execve; only returns on failure. */
int process_exec(struct proc_setup *ps, struct rt_err *err);
/* Go-style lower-case strerror ("no such file or directory"). */
const char *process_strerror(int errnum, char *buf, size_t len);

/* ---- console.c ---- */
/* Connect to the caller's console socket (done before clone/setns: the path
 * is unreachable from inside the container). */
int console_connect(const char *path, struct rt_err *err);
/* Open a pty from the container's /dev/ptmx, send the master over sock
 * (runc's protocol), bind the slave onto /dev/console when bind_console, make
 * the slave the controlling terminal and fds 0-2.  size: consoleSize or NULL. */
int console_setup(int sock, json_t *size, bool bind_console, struct rt_err *err);

#endif
