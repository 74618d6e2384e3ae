/* `exec [flags] ID [ARGS...]`: run another process in a running container.
 * The process is --process (an OCI process object) or ARGS with the init's
 * process settings as defaults, overridden by flags (runc's getProcess).
 * The child joins the init's cgroup, then its namespaces (user first, mount
 * last; pid by the parent, since it applies to children), then the same
 * process setup as the init.  A close-on-exec socket tells exec success
 * (EOF) from failure (an error message). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "container.h"
#include "log.h"
#include "security.h"
#include "sync.h"
#include "trace.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void cleanup_json(json_t **j) { json_decref(*j); }
#define autojson __attribute__((cleanup(cleanup_json)))

static int set_env(json_t *env, const char *kv) {
  size_t klen = strcspn(kv, "="), i;
  json_t *e;
  json_array_foreach(env, i, e) {
    const char *s = json_string_value(e);
    if (s && strncmp(s, kv, klen) == 0 && s[klen] == '=') return json_array_set_new(env, i, json_string(kv));
  }
  return json_array_append_new(env, json_string(kv));
}

static int parse_id(const char *s, long long *out) {
  char *end;
  errno = 0;
  *out = strtoll(s, &end, 10);
  return (errno || end == s || *out < 0 || *out > 4294967294LL) ? -1 : (int)(end - s);
}

/* Flags over the config's process (runc exec without --process). */
static int apply_flags(json_t *p, const struct lc_opts *o, struct rt_err *err) {
  json_t *args = json_array();
  for (int i = 0; i < o->n_args; i++) json_array_append_new(args, json_string(o->args[i]));
  json_object_set_new(p, "args", args);
  json_object_set_new(p, "terminal", json_boolean(o->tty));
  if (o->cwd) json_object_set_new(p, "cwd", json_string(o->cwd));
  json_t *env = json_object_get(p, "env");
  if (!json_is_array(env)) json_object_set_new(p, "env", env = json_array());
  for (int i = 0; i < o->n_env; i++) set_env(env, o->env[i]);
  json_t *user = json_object_get(p, "user");
  if (!json_is_object(user)) json_object_set_new(p, "user", user = json_object());
  if (o->user) {
    long long uid, gid;
    int n = parse_id(o->user, &uid);
    if (n < 0 || (o->user[n] && (o->user[n] != ':' || parse_id(o->user + n + 1, &gid) < 0)))
      return rt_fail(err, 0, "--user: \"%s\" is not UID[:GID]", o->user);
    json_object_set_new(user, "uid", json_integer(uid));
    json_object_set_new(user, "gid", json_integer(o->user[n] ? gid : 0));
  }
  if (o->n_gids) {
    json_t *gids = json_array();
    for (int i = 0; i < o->n_gids; i++) {
      long long gid;
      if (parse_id(o->gids[i], &gid) < 0 || o->gids[i][strspn(o->gids[i], "0123456789")])
        return rt_fail(err, 0, "--additional-gids: \"%s\" is not a gid", o->gids[i]);
      json_array_append_new(gids, json_integer(gid));
    }
    json_object_set_new(user, "additionalGids", gids);
  }
  if (o->n_caps) {
    json_t *caps = json_object_get(p, "capabilities");
    if (!json_is_object(caps)) json_object_set_new(p, "capabilities", caps = json_object());
    const char *sets[] = {"bounding", "effective", "permitted"};
    for (int s = 0; s < 3; s++) {
      json_t *set = json_object_get(caps, sets[s]);
      if (!json_is_array(set)) json_object_set_new(caps, sets[s], set = json_array());
      for (int i = 0; i < o->n_caps; i++) json_array_append_new(set, json_string(o->caps[i]));
    }
  }
  if (o->no_new_privs) json_object_set_new(p, "noNewPrivileges", json_true());
  return 0;
}

static json_t *exec_process(const struct lc_opts *o, json_t *config_process, struct rt_err *err) {
  autojson json_t *p = NULL;
  if (o->process_file) {
    json_error_t jerr;
    p = json_load_file(o->process_file, 0, &jerr);
    if (p == NULL)
      return rt_fail(err, 0, "process file `%s`: parse error at line %d: %s", o->process_file,
                     jerr.line, jerr.text), NULL;
  } else {
    if (o->n_args == 0) return rt_fail(err, 0, "exec args cannot be empty"), NULL;
    p = config_process ? json_deep_copy(config_process) : json_object();
    if (apply_flags(p, o, err) < 0) return NULL;
  }
  if (config_validate_process(p, "process", o->console_socket != NULL, err) < 0) return NULL;
  return take_ptr(p);
}

struct exec_ctx {
  int ns_fd[NS_COUNT];
  int sock, console;
};

static void close_ns(struct exec_ctx *x) {
  for (int i = 0; i < NS_COUNT; i++)
    if (x->ns_fd[i] >= 0) close(x->ns_fd[i]);
}

/* The init's namespaces that differ from ours. */
static int open_namespaces(pid_t pid, struct rt_config *cfg, struct exec_ctx *x, struct rt_err *err) {
  for (int ns = 0; ns < NS_COUNT; ns++) {
    char path[64], self[64];
    struct stat a, b;
    x->ns_fd[ns] = -1;
    if (!cfg->has_ns[ns]) continue;
    snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns_proc_name(ns));
    snprintf(self, sizeof self, "/proc/self/ns/%s", ns_proc_name(ns));
    if (stat(path, &a) < 0) return rt_failerrno(err, "stat `%s`", path);
    if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
    if ((x->ns_fd[ns] = open(path, O_RDONLY | O_CLOEXEC)) < 0) return rt_failerrno(err, "open `%s`", path);
  }
  return 0;
}

static int child_setup(struct exec_ctx *x, struct rt_state *st, struct proc_setup *ps, bool tty,
                       struct rt_err *err) {
  struct trace_span span, all;
  trace_begin(&all);
  if (process_fds(ps->preserve_fds, err) < 0) return -1;
  trace_begin(&span);
  if (st->cg && cg_enter(st->cg, err) < 0) return -1;
  for (int ns = 0; ns < NS_COUNT; ns++) {
    if (x->ns_fd[ns] < 0 || ns == NS_PID || ns == NS_TIME) continue;
    if (setns(x->ns_fd[ns], ns_clone_flag(ns)) < 0)
      return rt_failerrno(err, "join %s namespace of the container", ns_config_name(ns));
  }
  if (tty && console_setup(x->console, json_object_get(ps->process, "consoleSize"), false, err) < 0)
    return -1;
  trace_end(&span, "namespaces (join)");
  trace_begin(&span);
  if (process_prepare(ps, err) < 0) return -1;
  trace_end(&span, "capabilities/seccomp");
  trace_end(&all, "exec"); /* the child from fork to execve */
  return process_exec(ps, err);
}

static int run_exec(const char *root, const struct lc_opts *o, struct rt_state *st, struct rt_config *cfg,
                    json_t *proc, pid_t *out, struct rt_err *err) {
  struct exec_ctx x = {.sock = -1, .console = -1};
  struct seccomp_bpf bpf = {0};
  int socks[2], rc = -1;
  bool tty = json_is_true(json_object_get(proc, "terminal"));
  pid_t pid = -1;
  /* Compiled before the fork, through the runtime root's cache (see seccomp.c). */
  if (seccomp_compile(json_object_get(cfg->linux_, "seccomp"), root, &bpf, err) < 0) goto out;
  if (open_namespaces(st->pid, cfg, &x, err) < 0) goto out;
  if (tty && (x.console = console_connect(o->console_socket, err)) < 0) goto out;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
    rt_failerrno(err, "create sync socket");
    goto out;
  }
  /* Only this process's children see these; it forks nothing else. */
  if (x.ns_fd[NS_PID] >= 0 && setns(x.ns_fd[NS_PID], CLONE_NEWPID) < 0) {
    rt_failerrno(err, "join pid namespace of the container");
    goto out_sock;
  }
  if (x.ns_fd[NS_TIME] >= 0 && setns(x.ns_fd[NS_TIME], CLONE_NEWTIME) < 0) {
    rt_failerrno(err, "join time namespace of the container");
    goto out_sock;
  }
  pid = fork();
  if (pid < 0) {
    rt_failerrno(err, "fork");
    goto out_sock;
  }
  if (pid == 0) {
    struct rt_err cerr = {0};
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close(socks[0]);
    struct proc_setup ps = {.process = proc, .seccomp = json_object_get(cfg->linux_, "seccomp"),
                            .write_oom = true, .preserve_fds = o->preserve_fds, .bpf = &bpf};
    child_setup(&x, st, &ps, tty, &cerr);
    sync_send(socks[1], SYNC_ERROR, cerr.errnum, cerr.msg, NULL);
    _exit(255);
  }
  close(socks[1]);
  socks[1] = -1;
  if (sync_wait_exec(socks[0], err) < 0) {
    waitpid(pid, NULL, 0);
    goto out_sock;
  }
  *out = pid;
  rc = 0;
out_sock:
  close(socks[0]);
  if (socks[1] >= 0) close(socks[1]);
out:
  close_ns(&x);
  if (x.console >= 0) close(x.console);
  seccomp_bpf_free(&bpf);
  return rc;
}

int cmd_exec(const struct global_opts *g, int argc, char **argv) {
  struct rt_err err = {0};
  struct lc_opts o;
  struct rt_state st;
  struct rt_config cfg = {0};
  autojson json_t *proc = NULL;
  sigset_t old;
  pid_t pid = -1;
  memset(&st, 0, sizeof st);
  if (lc_parse_opts("exec", argc, argv, &o, &err) < 0) goto fail;
  lc_reserve_fds(o.preserve_fds);
  trace_open(); /* before the fork: the child writes through this fd */
  if (state_load(g->root, o.id, &st, &err) < 0) goto fail;
  enum rt_status s = state_status(g->root, &st);
  if (s == ST_STOPPED) {
    rt_fail(&err, 0, "cannot exec in a stopped container");
    goto fail;
  }
  if (s == ST_PAUSED && !o.ignore_paused) {
    rt_fail(&err, 0, "cannot exec in a paused container (use --ignore-paused to override)");
    goto fail;
  }
  if (config_from_json(st.config, st.bundle, &cfg, &err) < 0) goto fail;
  if ((proc = exec_process(&o, cfg.process, &err)) == NULL) goto fail;
  if (!o.detach) lc_block_signals(&old);
  if (run_exec(g->root, &o, &st, &cfg, proc, &pid, &err) < 0) goto fail;
  if (o.pid_file && lc_write_pid_file(o.pid_file, pid, &err) < 0) {
    kill(pid, SIGKILL);
    goto fail;
  }
  int code = o.detach ? 0 : lc_wait_forward(pid);
  config_free(&cfg);
  state_free(&st);
  return code;
fail:
  config_free(&cfg);
  state_free(&st);
  rt_wrap(&err, "exec failed");
  log_error(&err);
  return 255;
}
