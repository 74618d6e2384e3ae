/* Detaching, the start-up report and the event loop.
 *
 *   caller ── fork ──> shim child: setsid(), PR_SET_CHILD_SUBREAPER, stdio -> /dev/null,
 *     │                  shim.pid, shim.sock, `runtime create`
 *     │ <──── one JSON line on a CLOEXEC pipe ────┘
 *   prints it on its stdout and exits (0 ok, 1 failed)
 *
 * The child never belongs to the caller: it has its own session, is reparented
 * as soon as the caller exits, and no longer holds the caller's stdio, so a
 * SIGKILL of the caller at any point leaves it running (an unread report is
 * simply lost: EPIPE is ignored). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/io.h"
#include "shim.h"

int state_path(struct shim *s, char *out, size_t len, const char *fmt, ...) {
  int n = snprintf(out, len, "%s/", s->opt.state_dir);
  if (n < 0 || (size_t)n >= len) return -1;
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(out + n, len - (size_t)n, fmt, ap);
  va_end(ap);
  return m < 0 || (size_t)(n + m) >= len ? -1 : 0;
}

int shim_watch(struct shim *s, int fd, struct watch *w, uint32_t events, int add) {
  struct epoll_event ev = {.events = events, .data.ptr = w};
  return epoll_ctl(s->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
}

void shim_unwatch(struct shim *s, int fd) {
  if (fd >= 0) epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static int reopen_null_stdio(void) {
  int fd = open("/dev/null", O_RDWR);
  if (fd < 0) return -1;
  for (int i = 0; i < 3; i++)
    if (dup2(fd, i) < 0) return -1;
  if (fd > 2) close(fd);
  return 0;
}

/* mkdir -p, 0700 for what it makes. */
static int make_dirs(const char *path, struct rt_err *err) {
  char p[PATH_MAX];
  if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) return rt_fail(err, ENAMETOOLONG, "state dir `%s`", path);
  for (char *slash = strchr(p + 1, '/');; slash = strchr(slash + 1, '/')) {
    if (slash) *slash = '\0';
    if (mkdir(p, 0700) < 0 && errno != EEXIST) return rt_failerrno(err, "create state dir `%s`", p);
    if (!slash) return 0;
    *slash = '/';
  }
}

static int resolve_paths(struct shim *s, struct rt_err *err) {
  static char state[PATH_MAX], bundle[PATH_MAX];
  if (make_dirs(s->opt.state_dir, err) < 0) return -1;
  if (realpath(s->opt.state_dir, state) == NULL) return rt_failerrno(err, "resolve state dir `%s`", s->opt.state_dir);
  if (realpath(s->opt.bundle, bundle) == NULL) return rt_failerrno(err, "resolve bundle `%s`", s->opt.bundle);
  s->opt.state_dir = state;
  s->opt.bundle = bundle;
  if (s->opt.runtime && strchr(s->opt.runtime, '/') == NULL) {
    snprintf(s->runtime_path, sizeof(s->runtime_path), "%s", s->opt.runtime); /* found on PATH */
  } else if (s->opt.runtime) {
    if (realpath(s->opt.runtime, s->runtime_path) == NULL) return rt_failerrno(err, "resolve runtime `%s`", s->opt.runtime);
  } else {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0) return rt_failerrno(err, "readlink `/proc/self/exe`");
    self[n] = '\0';
    snprintf(s->runtime_path, sizeof(s->runtime_path), "%s/strata-runtime", dirname(self));
  }
  if (s->opt.runtime_root) snprintf(s->runtime_root, sizeof(s->runtime_root), "%s", s->opt.runtime_root);
  else if (state_path(s, s->runtime_root, sizeof(s->runtime_root), "runtime") < 0)
    return rt_fail(err, ENAMETOOLONG, "runtime root under `%s`", state);
  if (state_path(s, s->runtime_log, sizeof(s->runtime_log), "runtime.log") < 0)
    return rt_fail(err, ENAMETOOLONG, "runtime log under `%s`", state);
  return 0;
}

static int write_pid_file(struct shim *s, struct rt_err *err) {
  char path[PATH_MAX], text[32];
  if (state_path(s, path, sizeof(path), "shim.pid") < 0) return rt_fail(err, ENAMETOOLONG, "shim.pid path");
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  int n = snprintf(text, sizeof(text), "%d", (int)getpid());
  int rc = io_write_all(fd, text, (size_t)n);
  close(fd);
  return rc < 0 ? rt_failerrno(err, "write `%s`", path) : 0;
}

static int shim_setup(struct shim *s, struct rt_err *err) {
  signal(SIGPIPE, SIG_IGN); /* a vanished client or caller is an EPIPE, not a death */
  if (resolve_paths(s, err) < 0) return -1;
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (s->epfd < 0) return rt_failerrno(err, "epoll_create1");
  if (exit_setup(s, err) < 0) return -1;
  if (write_pid_file(s, err) < 0) return -1;
  if (control_listen(s, err) < 0) return -1;
  if (s->opt.log_path && log_open(s, err) < 0) return -1;
  return init_create(s, err);
}

static void remove_state_file(struct shim *s, const char *name) {
  char path[PATH_MAX];
  if (state_path(s, path, sizeof(path), "%s", name) == 0) unlink(path);
}

static void shim_teardown(struct shim *s) {
  log_close(s);
  remove_state_file(s, "shim.sock");
  remove_state_file(s, "shim.pid");
}

static void reap_graveyard(struct shim *s) {
  while (s->dead_clients) {
    struct client *c = s->dead_clients;
    s->dead_clients = c->next;
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
  }
  while (s->dead_procs) {
    struct proc *p = s->dead_procs;
    s->dead_procs = p->next;
    free(p->process_json);
    for (int i = 0; i < 3; i++) buf_free(&p->partial[i]);
    buf_free(&p->in_pending);
    free(p);
  }
}

static void dispatch(struct shim *s, struct epoll_event *ev) {
  struct watch *w = ev->data.ptr;
  switch (w->kind) {
  case W_SIGNAL: exit_on_signal(s); break;
  case W_LISTEN: control_accept(s); break;
  case W_CLIENT: control_on_client(w->obj, ev->events); break;
  case W_OUT: stdio_on_output(w->obj, STREAM_STDOUT, ev->events); break;
  case W_ERR: stdio_on_output(w->obj, STREAM_STDERR, ev->events); break;
  case W_STDIN: stdio_on_stdin_writable(w->obj); break;
  }
}

static void shim_loop(struct shim *s) {
  struct epoll_event evs[32];
  while (!s->quit) {
    int n = epoll_wait(s->epfd, evs, 32, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break; /* cannot happen with a valid epfd; never spin */
    for (int i = 0; i < n && !s->quit; i++) dispatch(s, &evs[i]);
    reap_graveyard(s);
  }
  /* Answers already queued (shutdown's) get one last chance to go out. */
  for (struct client *c = s->clients; c; c = c->next)
    if (c->out.len) (void)!write(c->fd, c->out.data, c->out.len);
}

static void report(int fd, struct shim *s, const struct rt_err *err) {
  struct buf b = {0};
  if (err) {
    char text[2300];
    buf_printf(&b, "{\"ok\":false,\"error\":");
    rt_err_text(err, text, sizeof(text));
    buf_json_str(&b, text, strlen(text));
    buf_printf(&b, "}\n");
  } else {
    char sock[PATH_MAX];
    state_path(s, sock, sizeof(sock), "shim.sock");
    buf_printf(&b, "{\"ok\":true,\"shim_pid\":%d,\"pid\":%d,\"socket\":", (int)getpid(), (int)s->init.pid);
    buf_json_str(&b, sock, strlen(sock));
    buf_printf(&b, "}\n");
  }
  if (b.data) (void)io_write_all(fd, b.data, b.len); /* the caller may be gone: fine */
  buf_free(&b);
}

static int shim_main(struct options *opt, int report_fd) {
  struct shim s = {.opt = *opt, .epfd = -1, .sigfd = -1, .listen_fd = -1};
  struct rt_err err = {0};
  s.log.fd = -1;
  shim_trace_from_env(&s.trace);
  int rc = shim_setup(&s, &err);
  shim_trace_end(&s.trace, "shim start-up");
  if (rc < 0) {
    report(report_fd, &s, &err);
    shim_teardown(&s);
    return 1;
  }
  report(report_fd, &s, NULL);
  close(report_fd);
  shim_loop(&s);
  shim_teardown(&s);
  return 0;
}

int shim_daemonize(struct options *opt) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    printf("{\"ok\":false,\"error\":\"strata-shim: create report pipe: %s\"}\n", strerror(errno));
    return 1;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("{\"ok\":false,\"error\":\"strata-shim: fork: %s\"}\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(p[0]);
    if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || reopen_null_stdio() < 0) {
      struct rt_err err = {0};
      rt_failerrno(&err, "strata-shim: detach (setsid, subreaper, stdio)");
      report(p[1], NULL, &err);
      _exit(1);
    }
    _exit(shim_main(opt, p[1]));
  }
  close(p[1]);
  char *line = NULL;
  size_t len = 0;
  if (io_read_all(p[0], &line, &len) < 0 || len == 0) {
    printf("{\"ok\":false,\"error\":\"strata-shim: the shim exited before its report\"}\n");
    free(line);
    return 1;
  }
  int ok = strncmp(line, "{\"ok\":true", 10) == 0;
  (void)io_write_all(1, line, len);
  free(line);
  return ok ? 0 : 1;
}
