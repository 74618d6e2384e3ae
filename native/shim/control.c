/* The control socket (<state-dir>/shim.sock, mode 0600): one JSON request
 * line per connection, one JSON answer line (PROTOCOL.md).
 *
 *   client                      shim
 *     {"method":"wait"}\n  -->
 *                          <--  (when the process has exited and its status is on disk)
 *                               {"ok":true,"pid":..,"code":..,...}\n   then close
 *     {"method":"attach",..}\n -->
 *                          <--  {"ok":true}\n  then the stream (attach.c)
 *
 * Connections are non-blocking; answers wait in the client's out buffer. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

#define MAX_REQUEST (1024 * 1024)

int control_listen(struct shim *s, struct rt_err *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (state_path(s, addr.sun_path, sizeof(addr.sun_path), "shim.sock") < 0)
    return rt_fail(err, ENAMETOOLONG, "socket path `%s/shim.sock` is longer than %zu bytes", s->opt.state_dir,
                   sizeof(addr.sun_path) - 1);
  unlink(addr.sun_path);
  s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->listen_fd < 0) return rt_failerrno(err, "create control socket");
  mode_t old = umask(0077); /* 0600 from the start, no window where others may connect */
  int rc = bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
  umask(old);
  if (rc < 0) return rt_failerrno(err, "bind `%s`", addr.sun_path);
  if (listen(s->listen_fd, 64) < 0) return rt_failerrno(err, "listen on `%s`", addr.sun_path);
  s->w_listen = (struct watch){W_LISTEN, s};
  if (shim_watch(s, s->listen_fd, &s->w_listen, EPOLLIN, 1) < 0) return rt_failerrno(err, "watch control socket");
  return 0;
}

void control_accept(struct shim *s) {
  for (;;) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; /* EAGAIN, or a transient error: epoll tells us again */
    struct client *c = calloc(1, sizeof(*c));
    if (c == NULL) {
      close(fd);
      return;
    }
    c->shim = s;
    c->fd = fd;
    c->mode = C_REQUEST;
    c->w = (struct watch){W_CLIENT, c};
    if (shim_watch(s, fd, &c->w, EPOLLIN, 1) < 0) {
      close(fd);
      free(c);
      continue;
    }
    c->next = s->clients;
    s->clients = c;
  }
}

void client_close(struct client *c) {
  struct shim *s = c->shim;
  if (c->fd < 0) return;
  shim_unwatch(s, c->fd);
  close(c->fd);
  c->fd = -1;
  attach_forget(c);
  for (struct client **pp = &s->clients; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  c->next = s->dead_clients;
  s->dead_clients = c;
}

static int client_flush(struct client *c) {
  while (c->out.len > 0) {
    ssize_t n = write(c->fd, c->out.data, c->out.len);
    if (n > 0) {
      buf_consume(&c->out, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    return -1;
  }
  return 0;
}

void client_update_events(struct client *c) {
  if (c->fd < 0) return;
  if (c->mode == C_CLOSING && c->out.len == 0) {
    client_close(c);
    return;
  }
  uint32_t ev = 0;
  int paused = c->has_stdin && c->proc && stdio_stdin_blocked(c->proc);
  if (!c->rd_closed && !paused) ev |= EPOLLIN;
  if (c->out.len > 0) ev |= EPOLLOUT;
  shim_watch(c->shim, c->fd, &c->w, ev, 0);
}

void client_send(struct client *c, const void *data, size_t n) {
  if (c->fd < 0) return;
  if (buf_append(&c->out, data, n) < 0 || client_flush(c) < 0) client_close(c);
}

static void reply(struct client *c, struct buf *b, enum client_mode next) {
  c->mode = next;
  if (b->data) client_send(c, b->data, b->len);
  buf_free(b);
  client_update_events(c);
}

void client_reply_error(struct client *c, const char *msg) {
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":false,\"error\":");
  buf_json_str(&b, msg, strlen(msg));
  buf_printf(&b, "}\n");
  reply(c, &b, C_CLOSING);
}

static void reply_rt_error(struct client *c, const struct rt_err *err) {
  char text[2300];
  client_reply_error(c, rt_err_text(err, text, sizeof(text)));
}

static void reply_ok(struct client *c) {
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":true}\n");
  reply(c, &b, C_CLOSING);
}

struct proc *shim_find_proc(struct shim *s, const char *exec_id) {
  if (exec_id == NULL) return &s->init;
  for (struct proc *p = s->execs; p; p = p->next)
    if (strcmp(p->exec_id, exec_id) == 0) return p;
  return NULL;
}

static const char *status_name(const struct proc *p) {
  switch (p->status) {
  case P_REGISTERED:
  case P_CREATED: return "created";
  case P_RUNNING: return p == &p->shim->init && p->shim->paused ? "paused" : "running";
  default: return "stopped";
  }
}

static void proc_fields(const struct proc *p, struct buf *b) {
  buf_printf(b, "\"pid\":%d,\"status\":\"%s\",\"exit\":", (int)p->pid, status_name(p));
  if (p->exit.exited) exit_status_json(p, b);
  else buf_printf(b, "null");
}

static void do_state(struct client *c) {
  struct shim *s = c->shim;
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":true,\"id\":");
  buf_json_str(&b, s->opt.id, strlen(s->opt.id));
  buf_printf(&b, ",");
  proc_fields(&s->init, &b);
  buf_printf(&b, ",\"execs\":[");
  for (struct proc *p = s->execs; p; p = p->next) {
    buf_printf(&b, "%s{\"exec_id\":", p == s->execs ? "" : ",");
    buf_json_str(&b, p->exec_id, strlen(p->exec_id));
    buf_printf(&b, ",");
    proc_fields(p, &b);
    buf_printf(&b, "}");
  }
  buf_printf(&b, "]}\n");
  reply(c, &b, C_CLOSING);
}

static void reply_status(struct client *c, struct proc *p) {
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":true,");
  exit_status_fields(p, &b);
  buf_printf(&b, "}\n");
  reply(c, &b, C_CLOSING);
}

static void do_start(struct client *c, struct proc *p, json_t *req) {
  struct rt_err err = {0};
  int init = p == &c->shim->init;
  shim_trace_from_request(&c->shim->trace, req);
  int rc = init ? init_start(c->shim, &err) : exec_start(p, &err);
  shim_trace_end(&c->shim->trace, init ? "start" : "start exec");
  if (rc < 0) return reply_rt_error(c, &err);
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":true,\"pid\":%d}\n", (int)p->pid);
  reply(c, &b, C_CLOSING);
}

static void do_exec(struct client *c, json_t *req) {
  struct rt_err err = {0};
  const char *exec_id = json_string_value(json_object_get(req, "exec_id"));
  json_t *process = json_object_get(req, "process");
  if (exec_id == NULL || !json_is_object(process)) return client_reply_error(c, "exec needs exec_id and a process object");
  int terminal = json_is_true(json_object_get(req, "terminal"));
  int want_stdin = json_is_true(json_object_get(req, "stdin"));
  json_object_set_new(process, "terminal", json_boolean(terminal)); /* the flag wins over the spec */
  char *text = json_dumps(process, JSON_COMPACT);
  int rc = text ? exec_register(c->shim, exec_id, text, terminal, want_stdin, &err) : rt_fail(&err, ENOMEM, "encode process");
  free(text);
  if (rc < 0) return reply_rt_error(c, &err);
  reply_ok(c);
}

static void do_kill(struct client *c, struct proc *p, json_t *req) {
  struct rt_err err = {0};
  json_t *sigv = json_object_get(req, "signal");
  int sig = sigv ? (int)json_integer_value(sigv) : SIGTERM;
  if (sig <= 0 || sig > 64) return client_reply_error(c, "kill: signal must be a number 1..64");
  if (p == &c->shim->init) {
    if (init_kill(c->shim, sig, json_is_true(json_object_get(req, "all")), &err) < 0) return reply_rt_error(c, &err);
  } else if (p->status != P_RUNNING) {
    return client_reply_error(c, "process already finished");
  } else if (kill(p->pid, sig) < 0) {
    rt_failerrno(&err, "kill exec `%s` (pid %d)", p->exec_id, (int)p->pid);
    return reply_rt_error(c, &err);
  }
  reply_ok(c);
}

static void do_resize(struct client *c, struct proc *p, json_t *req) {
  struct rt_err err = {0};
  json_int_t w = json_integer_value(json_object_get(req, "width"));
  json_int_t h = json_integer_value(json_object_get(req, "height"));
  if (w <= 0 || h <= 0 || w > 65535 || h > 65535) return client_reply_error(c, "resize: width and height must be 1..65535");
  if (stdio_resize(p, (int)w, (int)h, &err) < 0) return reply_rt_error(c, &err);
  reply_ok(c);
}

static void do_wait(struct client *c, struct proc *p) {
  if (p->exit.exited) return reply_status(c, p);
  c->mode = C_WAIT; /* answered by exit.c once the status is on disk */
  c->proc = p;
  client_update_events(c);
}

static void do_pids(struct client *c) {
  struct rt_err err = {0};
  struct buf out = {0};
  const char *args[] = {"ps", "--format", "json", c->shim->opt.id, NULL};
  if (runtime_run(c->shim, args, -1, -1, -1, &out, &err) < 0) {
    buf_free(&out);
    rt_wrap(&err, "runtime ps");
    return reply_rt_error(c, &err);
  }
  json_t *pids = out.data ? json_loadb(out.data, out.len, 0, NULL) : NULL;
  buf_free(&out);
  if (!json_is_array(pids)) {
    json_decref(pids);
    return client_reply_error(c, "runtime ps: output is not a JSON array");
  }
  struct buf b = {0};
  buf_printf(&b, "{\"ok\":true,\"pids\":[");
  for (size_t i = 0; i < json_array_size(pids); i++)
    buf_printf(&b, "%s%lld", i ? "," : "", (long long)json_integer_value(json_array_get(pids, i)));
  buf_printf(&b, "]}\n");
  json_decref(pids);
  reply(c, &b, C_CLOSING);
}

static void do_pause(struct client *c, struct proc *p, int pause) {
  struct rt_err err = {0};
  if (p != &c->shim->init) return client_reply_error(c, "bad request: pause and resume are about the container, not an exec");
  if (init_pause(c->shim, pause, &err) < 0) return reply_rt_error(c, &err);
  reply_ok(c);
}

static void do_update(struct client *c, struct proc *p, json_t *req) {
  struct rt_err err = {0};
  json_t *res = json_object_get(req, "resources");
  if (p != &c->shim->init) return client_reply_error(c, "bad request: update is about the container, not an exec");
  if (!json_is_object(res)) return client_reply_error(c, "bad request: update needs a resources object");
  char *text = json_dumps(res, JSON_COMPACT);
  if (text == NULL) return client_reply_error(c, "update: cannot encode the resources");
  int rc = init_update(c->shim, text, &err);
  free(text);
  if (rc < 0) return reply_rt_error(c, &err);
  reply_ok(c);
}

static void do_delete(struct client *c, struct proc *p) {
  struct rt_err err = {0};
  if (p == &c->shim->init) {
    if (init_delete(c->shim, &err) < 0) return reply_rt_error(c, &err);
    return reply_status(c, p);
  }
  if (p->status == P_RUNNING) return client_reply_error(c, "cannot delete an exec that is running");
  if (p->exit.exited) reply_status(c, p);
  else reply_ok(c); /* registered, never started */
  exec_delete(p);
}

static void do_shutdown(struct client *c, json_t *req) {
  struct shim *s = c->shim;
  struct rt_err err = {0};
  int live = s->init.status == P_CREATED || s->init.status == P_RUNNING;
  if (live && !json_is_true(json_object_get(req, "force")))
    return client_reply_error(c, "cannot shut down: the container is still running (use force)");
  init_kill_and_reap(s);
  if (init_delete(s, &err) < 0) return reply_rt_error(c, &err);
  reply_ok(c);
  s->quit = 1;
}

static void do_attach(struct client *c, struct proc *p, json_t *req) {
  struct rt_err err = {0};
  json_t *out = json_object_get(req, "stdout"), *errv = json_object_get(req, "stderr");
  c->proc = p;
  /* stdout and stderr default to on: attaching is for reading */
  if (attach_begin(c, json_is_true(json_object_get(req, "stdin")), out ? json_is_true(out) : 1,
                   errv ? json_is_true(errv) : 1, &err) < 0)
    return reply_rt_error(c, &err);
}

static void handle_request(struct client *c, const char *line, size_t len) {
  json_error_t jerr;
  json_t *req = json_loadb(line, len, 0, &jerr);
  if (!json_is_object(req)) {
    json_decref(req);
    char msg[300];
    snprintf(msg, sizeof(msg), "bad request: %s", jerr.text);
    return client_reply_error(c, msg);
  }
  const char *method = json_string_value(json_object_get(req, "method"));
  json_t *idv = json_object_get(req, "exec_id");
  const char *exec_id = json_string_value(idv);
  struct proc *p = shim_find_proc(c->shim, idv && !json_is_null(idv) ? exec_id : NULL);
  char msg[300];
  if (method == NULL) {
    client_reply_error(c, "bad request: no method");
  } else if (strcmp(method, "exec") == 0) {
    do_exec(c, req);
  } else if (p == NULL) {
    snprintf(msg, sizeof(msg), "exec `%s` not found", exec_id ? exec_id : "?");
    client_reply_error(c, msg);
  } else if (strcmp(method, "state") == 0) do_state(c);
  else if (strcmp(method, "start") == 0) do_start(c, p, req);
  else if (strcmp(method, "kill") == 0) do_kill(c, p, req);
  else if (strcmp(method, "resize") == 0) do_resize(c, p, req);
  else if (strcmp(method, "close_stdin") == 0) stdio_close_stdin(p), reply_ok(c);
  else if (strcmp(method, "wait") == 0) do_wait(c, p);
  else if (strcmp(method, "pids") == 0) do_pids(c);
  else if (strcmp(method, "attach") == 0) do_attach(c, p, req);
  else if (strcmp(method, "delete") == 0) do_delete(c, p);
  else if (strcmp(method, "pause") == 0) do_pause(c, p, 1);
  else if (strcmp(method, "resume") == 0) do_pause(c, p, 0);
  else if (strcmp(method, "update") == 0) do_update(c, p, req);
  else if (strcmp(method, "shutdown") == 0) do_shutdown(c, req);
  else {
    snprintf(msg, sizeof(msg), "unknown method `%.100s`", method);
    client_reply_error(c, msg);
  }
  json_decref(req);
}

static void read_request(struct client *c) {
  char chunk[4096];
  ssize_t n = read(c->fd, chunk, sizeof(chunk));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return client_close(c); /* gone before asking */
  if (buf_append(&c->in, chunk, (size_t)n) < 0) return client_close(c);
  char *nl = memchr(c->in.data, '\n', c->in.len);
  if (nl == NULL) {
    if (c->in.len > MAX_REQUEST) client_reply_error(c, "request too long");
    return;
  }
  size_t line = (size_t)(nl - c->in.data);
  handle_request(c, c->in.data, line);
  /* Bytes after the request line are the first stdin of an attach. */
  if (c->fd >= 0 && c->mode == C_ATTACH && c->in.len > line + 1) attach_input(c, nl + 1, c->in.len - line - 1);
  buf_free(&c->in);
}

static void read_stream(struct client *c) {
  char chunk[16384];
  ssize_t n = read(c->fd, chunk, sizeof(chunk));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n < 0) return client_close(c);
  if (n == 0) { /* half-close: for an attach with stdin, the process's stdin ends */
    c->rd_closed = 1;
    if (c->mode == C_ATTACH) attach_input_closed(c);
    else if (c->mode == C_WAIT) client_close(c); /* the waiter left */
    return;
  }
  if (c->mode == C_ATTACH) attach_input(c, chunk, (size_t)n);
}

void control_on_client(struct client *c, uint32_t events) {
  if (c->fd < 0) return; /* closed earlier in this epoll batch */
  if ((events & EPOLLOUT) && client_flush(c) < 0) return client_close(c);
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
    if (c->rd_closed && (events & (EPOLLHUP | EPOLLERR))) return client_close(c);
    if (c->mode == C_REQUEST) read_request(c);
    else read_stream(c);
  }
  if (c->fd >= 0) client_update_events(c);
}
