/* OCI hooks: validate the "hooks" object and run one kind in order.  Each
 * hook is posix_spawn()ed (vfork speed) with the state JSON on its stdin, its
 * stdout sent to our stderr and its stderr captured (the tail goes into the
 * error message when it fails, else it is copied to our stderr).  The wait is
 * a poll() on a pidfd (Linux 5.3) so a timeout needs no SIGCHLD handler. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "security.h"

static const char *const hook_kinds[] = {"prestart",       "createRuntime", "createContainer",
                                         "startContainer", "poststart",     "poststop"};

/* ---- validation ---- */

static int validate_strings(json_t *arr, const char *what, const char *kind, size_t i,
                            bool need_eq, struct rt_err *err) {
  if (arr == NULL || json_is_null(arr)) return 0;
  if (!json_is_array(arr))
    return rt_fail(err, 0, "hooks.%s[%zu].%s: must be an array of strings", kind, i, what);
  size_t j;
  json_t *v;
  json_array_foreach(arr, j, v) {
    if (!json_is_string(v))
      return rt_fail(err, 0, "hooks.%s[%zu].%s[%zu]: must be a string", kind, i, what, j);
    if (need_eq && strchr(json_string_value(v), '=') == NULL)
      return rt_fail(err, 0, "hooks.%s[%zu].%s[%zu]: \"%s\" is not of the form KEY=VALUE", kind,
                     i, what, j, json_string_value(v));
  }
  return 0;
}

static int validate_hook(json_t *h, const char *kind, size_t i, struct rt_err *err) {
  if (!json_is_object(h)) return rt_fail(err, 0, "hooks.%s[%zu]: must be an object", kind, i);
  json_t *path = json_object_get(h, "path");
  if (!json_is_string(path))
    return rt_fail(err, 0, "hooks.%s[%zu].path: required string is missing", kind, i);
  if (json_string_value(path)[0] != '/')
    return rt_fail(err, 0, "hooks.%s[%zu].path: must be an absolute path", kind, i);
  if (validate_strings(json_object_get(h, "args"), "args", kind, i, false, err) < 0 ||
      validate_strings(json_object_get(h, "env"), "env", kind, i, true, err) < 0)
    return -1;
  json_t *t = json_object_get(h, "timeout");
  if (t != NULL && !json_is_null(t) && (!json_is_integer(t) || json_integer_value(t) <= 0))
    return rt_fail(err, 0, "hooks.%s[%zu].timeout: must be a positive integer", kind, i);
  return 0;
}

/* Unknown keys are ignored, as the runtime-spec allows. */
int hooks_validate(json_t *hooks, struct rt_err *err) {
  if (hooks == NULL || json_is_null(hooks)) return 0;
  if (!json_is_object(hooks)) return rt_fail(err, 0, "hooks: must be an object");
  for (size_t k = 0; k < sizeof hook_kinds / sizeof *hook_kinds; k++) {
    json_t *arr = json_object_get(hooks, hook_kinds[k]);
    if (arr == NULL || json_is_null(arr)) continue;
    if (!json_is_array(arr)) return rt_fail(err, 0, "hooks.%s: must be an array", hook_kinds[k]);
    size_t i;
    json_t *h;
    json_array_foreach(arr, i, h) {
      if (validate_hook(h, hook_kinds[k], i, err) < 0) return -1;
    }
  }
  return 0;
}

/* ---- running ---- */

struct hook_run {
  const char *kind;
  size_t index;
  const char *path;
  pid_t pid;
  int pidfd;       /* -1 when pidfd_open is unavailable: poll waitpid instead */
  int in_fd;       /* write end of the hook's stdin, -1 once done */
  int err_fd;      /* read end of the hook's stderr, -1 at EOF */
  const char *in;  /* state JSON still to write */
  size_t in_left;
  char tail[2048]; /* last bytes of the hook's stderr */
  size_t tail_len;
  int status;
  bool exited;
};

static char **strv_from_json(json_t *arr, const char *fallback) {
  size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
  char **v = calloc(n + 2, sizeof *v);
  if (v == NULL) return NULL;
  for (size_t i = 0; i < n; i++) v[i] = (char *)json_string_value(json_array_get(arr, i));
  if (n == 0 && fallback != NULL) v[0] = (char *)fallback;
  return v;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tail_add(struct hook_run *r, const char *buf, size_t n) {
  size_t cap = sizeof r->tail - 1;
  if (n >= cap) {
    memcpy(r->tail, buf + n - cap, cap);
    r->tail_len = cap;
    return;
  }
  if (r->tail_len + n > cap) {
    size_t drop = r->tail_len + n - cap;
    memmove(r->tail, r->tail + drop, r->tail_len - drop);
    r->tail_len -= drop;
  }
  memcpy(r->tail + r->tail_len, buf, n);
  r->tail_len += n;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static int hook_spawn(struct hook_run *r, json_t *h, struct rt_err *err) {
  int in[2], errp[2];
  if (pipe2(in, O_CLOEXEC) < 0) return rt_failerrno(err, "create stdin pipe for hook %s", r->path);
  if (pipe2(errp, O_CLOEXEC) < 0) {
    close(in[0]);
    close(in[1]);
    return rt_failerrno(err, "create stderr pipe for hook %s", r->path);
  }
  autofree char **argv = strv_from_json(json_object_get(h, "args"), r->path);
  autofree char **envp = strv_from_json(json_object_get(h, "env"), NULL);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  int rc = (argv == NULL || envp == NULL) ? ENOMEM
                                          : posix_spawn(&r->pid, r->path, &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(errp[1]);
  r->in_fd = in[1];
  r->err_fd = errp[0];
  if (rc != 0) {
    close_fd(&r->in_fd);
    close_fd(&r->err_fd);
    return rt_fail(err, rc, "running hook %s[%zu] %s: spawn", r->kind, r->index, r->path);
  }
  r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  /* Nonblocking: a hook that never reads stdin must not stall our timeout. */
  if (fcntl(r->in_fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(r->err_fd, F_SETFL, O_NONBLOCK) < 0)
    return rt_failerrno(err, "set hook pipes nonblocking");
  return 0;
}

static void hook_write_stdin(struct hook_run *r) {
  while (r->in_left > 0) {
    ssize_t n = write(r->in_fd, r->in, r->in_left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) break; /* EPIPE: the hook does not read its stdin, fine */
    r->in += n;
    r->in_left -= (size_t)n;
  }
  close_fd(&r->in_fd); /* EOF for the hook */
}

static void hook_read_stderr(struct hook_run *r) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(r->err_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) break;
    tail_add(r, buf, (size_t)n);
  }
  close_fd(&r->err_fd);
}

static void hook_try_reap(struct hook_run *r, bool block) {
  pid_t p;
  do p = waitpid(r->pid, &r->status, block ? 0 : WNOHANG);
  while (p < 0 && errno == EINTR);
  if (p == r->pid || (p < 0 && errno == ECHILD)) r->exited = true;
}

/* Feed stdin, collect stderr, wait for exit; false on timeout. */
static bool hook_wait(struct hook_run *r, int64_t deadline) {
  while (!r->exited) {
    struct pollfd p[3];
    nfds_t n = 0;
    int timeout = -1;
    if (r->in_fd >= 0) p[n++] = (struct pollfd){.fd = r->in_fd, .events = POLLOUT};
    if (r->err_fd >= 0) p[n++] = (struct pollfd){.fd = r->err_fd, .events = POLLIN};
    if (r->pidfd >= 0) p[n++] = (struct pollfd){.fd = r->pidfd, .events = POLLIN};
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0) return false;
      timeout = (int)left;
    }
    if (r->pidfd < 0 && (timeout < 0 || timeout > 10)) timeout = 10;
    (void)poll(p, n, timeout); /* EINTR or worse: the checks below still run */
    if (r->in_fd >= 0) hook_write_stdin(r);
    if (r->err_fd >= 0) hook_read_stderr(r);
    hook_try_reap(r, false);
  }
  if (r->err_fd >= 0) hook_read_stderr(r); /* what is already buffered; never block */
  return true;
}

/* Last line(s) of the hook's stderr, trimmed, for the error message. */
static const char *hook_tail_text(struct hook_run *r) {
  while (r->tail_len > 0 && (r->tail[r->tail_len - 1] == '\n' || r->tail[r->tail_len - 1] == ' '))
    r->tail_len--;
  r->tail[r->tail_len] = '\0';
  return r->tail;
}

static int hook_result(struct hook_run *r, struct rt_err *err) {
  int st = r->status;
  const char *tail = hook_tail_text(r);
  const char *sep = tail[0] ? ": stderr: " : "";
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    if (r->tail_len > 0 && write(STDERR_FILENO, r->tail, r->tail_len) < 0) {
      /* our stderr is gone; nothing better to do with the hook's output */
    }
    if (r->tail_len > 0 && write(STDERR_FILENO, "\n", 1) < 0) {
    }
    return 0;
  }
  if (WIFSIGNALED(st))
    return rt_fail(err, 0, "running hook %s[%zu] %s: killed by signal %d%s%s", r->kind, r->index,
                   r->path, WTERMSIG(st), sep, tail);
  return rt_fail(err, 0, "running hook %s[%zu] %s: exit status %d%s%s", r->kind, r->index,
                 r->path, WEXITSTATUS(st), sep, tail);
}

static int hook_run_one(json_t *h, const char *kind, size_t index, const char *state,
                        struct rt_err *err) {
  struct hook_run r = {.kind = kind, .index = index, .pid = -1, .pidfd = -1, .in_fd = -1,
                       .err_fd = -1, .in = state ? state : "", .in_left = state ? strlen(state) : 0};
  r.path = json_string_value(json_object_get(h, "path"));
  json_t *t = json_object_get(h, "timeout");
  int64_t secs = json_is_integer(t) ? json_integer_value(t) : 0;
  int ret = -1;
  if (hook_spawn(&r, h, err) < 0) goto out;
  if (!hook_wait(&r, secs > 0 ? now_ms() + secs * 1000 : -1)) {
    kill(r.pid, SIGKILL);
    hook_try_reap(&r, true);
    rt_fail(err, 0, "running hook %s[%zu] %s: timed out after %llds", kind, index, r.path,
            (long long)secs);
    goto out;
  }
  ret = hook_result(&r, err);
out:
  if (r.pid > 0 && !r.exited) {
    kill(r.pid, SIGKILL);
    hook_try_reap(&r, true);
  }
  close_fd(&r.pidfd);
  close_fd(&r.in_fd);
  close_fd(&r.err_fd);
  return ret;
}

int hooks_run(json_t *hooks, const char *kind, const char *state_json, struct rt_err *err) {
  json_t *arr = hooks ? json_object_get(hooks, kind) : NULL;
  if (!json_is_array(arr) || json_array_size(arr) == 0) return 0;
  /* A hook that exits without reading stdin gives EPIPE; SIGPIPE must not
   * kill the runtime.  Block it meanwhile and discard one we caused. */
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigemptyset(&pending);
  if (sigprocmask(SIG_BLOCK, &pipe_set, &old) < 0) return rt_failerrno(err, "block SIGPIPE");
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  int ret = 0;
  size_t i;
  json_t *h;
  json_array_foreach(arr, i, h) {
    if ((ret = hook_run_one(h, kind, i, state_json, err)) < 0) break;
  }
  struct timespec zero = {0, 0};
  if (!was_pending) sigtimedwait(&pipe_set, NULL, &zero);
  sigprocmask(SIG_SETMASK, &old, NULL);
  return ret;
}
