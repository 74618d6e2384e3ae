/* strata-shim: one process per container (see PROTOCOL.md for the contract).
 *
 * Single-threaded and epoll-driven.  One `struct shim` is handed to every
 * callback; there are no globals.  Files, one job each:
 *   main.c     argument parsing
 *   daemon.c   detach (fork, setsid, subreaper), start-up report, event loop
 *   init.c     the container init: runtime create, start, kill, delete
 *   runtime.c  spawning the OCI runtime and reading its --log json error
 *   stdio.c    pipes / pty (console socket), reading the process output
 *   log.c      Docker json-file writer with size rotation
 *   exit.c     signalfd SIGCHLD reaping, exit files, OOM counter
 *   control.c  the control socket: one JSON request per connection
 *   attach.c   attach streams: readers, one stdin, Docker mux frames
 *   exec.c     exec'd processes
 *   buf.c      byte buffers and the tiny JSON encoder
 *   trace.c    spans for the workbench trace (trace.h) */
#ifndef STRATA_SHIM_H
#define STRATA_SHIM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../common/error.h"
#include "trace.h"

/* ---- buf.c ---- */
struct buf {
  char *data;
  size_t len, cap;
};
int buf_append(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n bytes of s as a quoted JSON string; invalid UTF-8 becomes U+FFFD. */
int buf_json_str(struct buf *b, const char *s, size_t n);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);
/* RFC 3339 UTC time with nanoseconds: 2026-11-23T10:00:00.123456789Z */
void format_time(const struct timespec *ts, char out[40]);

/* ---- the objects ---- */
enum watch_kind { W_SIGNAL, W_LISTEN, W_CLIENT, W_OUT, W_ERR, W_STDIN };
/* What an epoll event is about: its data.ptr points at one of these. */
struct watch {
  enum watch_kind kind;
  void *obj;
};

struct exit_status {
  int exited;
  pid_t pid;
  int code, signal, oom;
  struct timespec at;
};

enum proc_status { P_REGISTERED, P_CREATED, P_RUNNING, P_STOPPED, P_DELETED };

#define STREAM_STDOUT 1
#define STREAM_STDERR 2

struct shim;
struct client;

struct proc {
  struct shim *shim;
  struct proc *next;
  char exec_id[65]; /* "" for the init */
  pid_t pid;
  enum proc_status status;
  int terminal, want_stdin;
  int master;         /* pty master, -1 without a terminal */
  int in_fd;          /* our end of the process's stdin, -1 when closed */
  int out_fd, err_fd; /* our read ends (out_fd is a dup of master with a terminal) */
  struct watch w_out, w_err, w_in;
  int in_watched;
  int close_in_when_flushed;
  struct buf in_pending; /* stdin bytes the process has not taken yet */
  struct client *stdin_owner;
  struct buf partial[3]; /* log line assembly, indexed by stream */
  struct exit_status exit;
  char *process_json; /* exec: the OCI process object */
};

enum client_mode { C_REQUEST, C_WAIT, C_ATTACH, C_CLOSING };

struct client {
  struct shim *shim;
  struct client *next;
  int fd;
  struct watch w;
  enum client_mode mode;
  struct buf in, out;
  struct proc *proc;
  int want_out, want_err, has_stdin, rd_closed;
  unsigned long long dropped;
};

struct log {
  int fd;
  const char *path;
  long long size, max_size;
  int max_file;
  struct buf pending;
};

struct options {
  const char *id, *bundle, *state_dir, *runtime, *runtime_root, *log_path;
  long long log_max_size;
  int log_max_file;
  int terminal, stdin_open;
  int console_width, console_height;
};

struct shim {
  struct options opt;
  char runtime_path[PATH_MAX], runtime_root[PATH_MAX], runtime_log[PATH_MAX];
  int epfd, sigfd, listen_fd;
  struct watch w_sig, w_listen;
  struct proc init;
  struct proc *execs;
  struct client *clients;
  struct log log;
  char oom_file[PATH_MAX]; /* memory.oom_control (v1) or memory.events (v2) */
  int paused;              /* the init's cgroup is frozen (pause, until resume) */
  int quit;
  /* Freed after each epoll batch, so later events of the batch never touch freed memory. */
  struct client *dead_clients;
  struct proc *dead_procs;
  /* The trace of the request being served (empty id: none). */
  struct shim_trace trace;
};

/* ---- daemon.c ---- */
int shim_daemonize(struct options *opt);
/* Add, change or remove an fd in the epoll set (events 0 = remove). */
int shim_watch(struct shim *s, int fd, struct watch *w, uint32_t events, int add);
void shim_unwatch(struct shim *s, int fd);
/* "<state-dir>/<name>" into out; -1 when too long. */
int state_path(struct shim *s, char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- runtime.c ---- */
/* Run `<runtime> --root R --log L --log-format json <args...>` with the given
 * stdio (-1 = /dev/null), waiting for it; with `out`, its stdout is captured.
 * A failure carries the runtime's own last error message. */
int runtime_run(struct shim *s, const char *const args[], int in, int outfd, int errfd,
                struct buf *out, struct rt_err *err);
int runtime_simple(struct shim *s, struct rt_err *err, const char *verb, ...);
/* The pid in a --pid-file, or -1. */
pid_t read_pid_file(const char *path);

/* ---- stdio.c ---- */
/* Make the stdio of a process about to be created: fds[3] for the runtime
 * child; with a terminal, a console socket listening at console_path. */
int stdio_prepare(struct proc *p, int child_fds[3], int *console_fd, const char *console_path,
                  struct rt_err *err);
/* After the runtime returned: receive the pty master, close the child's ends, watch ours. */
int stdio_attach_process(struct proc *p, int child_fds[3], int console_fd, int width, int height,
                         struct rt_err *err);
void stdio_close_child(int child_fds[3]);
void stdio_on_output(struct proc *p, int stream, uint32_t events);
void stdio_on_stdin_writable(struct proc *p);
/* Read everything the process left in its pipes (at exit, before reporting). */
void stdio_drain(struct proc *p);
int stdio_done(const struct proc *p);
void stdio_close_stdin(struct proc *p);
int stdio_write_stdin(struct proc *p, const char *data, size_t n);
int stdio_resize(struct proc *p, int width, int height, struct rt_err *err);
void stdio_release(struct proc *p);
int stdio_stdin_blocked(const struct proc *p);

/* ---- log.c ---- */
int log_open(struct shim *s, struct rt_err *err);
/* Feed bytes of one stream of the init; records go out per line (16 KiB max). */
void log_feed(struct shim *s, struct proc *p, int stream, const char *data, size_t n);
void log_flush_partial(struct shim *s, struct proc *p, int stream);
void log_flush(struct shim *s);
void log_close(struct shim *s);

/* ---- exit.c ---- */
int exit_setup(struct shim *s, struct rt_err *err);
void exit_on_signal(struct shim *s);
void exit_record_cgroup(struct shim *s);
/* The process p is gone with wait status st: record, persist, tell waiters. */
void exit_process(struct proc *p, int st);
void exit_status_json(const struct proc *p, struct buf *b);
/* `"pid":N,"code":C,...` without braces, to merge into an answer. */
void exit_status_fields(const struct proc *p, struct buf *b);
int exit_file_path(struct proc *p, char *out, size_t len, int tmp);

/* ---- control.c ---- */
int control_listen(struct shim *s, struct rt_err *err);
void control_accept(struct shim *s);
void control_on_client(struct client *c, uint32_t events);
void client_send(struct client *c, const void *data, size_t n);
void client_reply_error(struct client *c, const char *msg);
void client_close(struct client *c);
void client_update_events(struct client *c);
struct proc *shim_find_proc(struct shim *s, const char *exec_id);

/* ---- attach.c ---- */
int attach_begin(struct client *c, int want_in, int want_out, int want_err, struct rt_err *err);
void attach_output(struct proc *p, int stream, const char *data, size_t n);
void attach_input(struct client *c, const char *data, size_t n);
void attach_input_closed(struct client *c);
void attach_end(struct proc *p);
void attach_forget(struct client *c);

/* ---- exec.c ---- */
int exec_register(struct shim *s, const char *exec_id, const char *process_json, int terminal,
                  int want_stdin, struct rt_err *err);
int exec_start(struct proc *p, struct rt_err *err);
void exec_delete(struct proc *p);

/* ---- init.c ---- */
int init_create(struct shim *s, struct rt_err *err);
int init_start(struct shim *s, struct rt_err *err);
int init_kill(struct shim *s, int sig, int all, struct rt_err *err);
/* The init must have exited (a created one is killed first): `runtime delete`. */
int init_delete(struct shim *s, struct rt_err *err);
/* SIGKILL the init (and every exec) and reap it now. */
void init_kill_and_reap(struct shim *s);
/* `runtime pause` (pause != 0) or `runtime resume`; only a running init. */
int init_pause(struct shim *s, int pause, struct rt_err *err);
/* `runtime update --resources -` with LinuxResources JSON; created or running. */
int init_update(struct shim *s, const char *resources, struct rt_err *err);

#endif
