/* Spawning the OCI runtime (strata-runtime, runc or crun: the runc command
 * line is the contract) and reading its error.
 *
 * Every call is `<runtime> --root R --log <state>/runtime.log --log-format json
 * VERB ...`.  On failure the message is the last `"level":"error"` record the
 * runtime appended to that log during this call (what containerd's
 * getLastRuntimeError does), else "exited with status N".
 *
 * Calls are synchronous: the runtime verbs the shim uses return quickly (create
 * and exec are --detach), and the shim is single-threaded.  Only this pid is
 * waited for; the container's processes are reaped by exit.c. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"
#include "shim.h"

#define MAX_ARGS 32

static off_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : 0;
}

/* The msg of the last error record appended to the runtime log after offset. */
static int last_runtime_error(struct shim *s, off_t from, char *out, size_t len) {
  autoclose int fd = open(s->runtime_log, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || lseek(fd, from, SEEK_SET) < 0) return -1;
  autofree char *text = NULL;
  size_t n;
  if (io_read_all(fd, &text, &n) < 0) return -1;
  int found = -1;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    json_t *rec = json_loads(line, 0, NULL);
    if (!rec) continue;
    const char *level = json_string_value(json_object_get(rec, "level"));
    const char *msg = json_string_value(json_object_get(rec, "msg"));
    if (level && msg && strcmp(level, "error") == 0) {
      snprintf(out, len, "%s", msg);
      found = 0;
    }
    json_decref(rec);
  }
  return found;
}

static void child_exec(const char *argv[], int in, int out, int err) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL); /* SIGCHLD is blocked for our signalfd */
  signal(SIGPIPE, SIG_DFL);
  int null = open("/dev/null", O_RDWR);
  int fds[3] = {in >= 0 ? in : null, out >= 0 ? out : null, err >= 0 ? err : null};
  /* Move them above 2 first so a dup2 never overwrites a source still needed. */
  for (int i = 0; i < 3; i++) fds[i] = fcntl(fds[i], F_DUPFD, 3);
  for (int i = 0; i < 3; i++)
    if (fds[i] < 0 || dup2(fds[i], i) < 0) _exit(126);
  close_range(3, ~0U, 0);
  execvp(argv[0], (char *const *)argv);
  dprintf(2, "strata-shim: exec `%s`: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int runtime_run(struct shim *s, const char *const args[], int in, int outfd, int errfd,
                struct buf *out, struct rt_err *err) {
  const char *argv[MAX_ARGS + 8] = {s->runtime_path, "--root", s->runtime_root,
                                    "--log", s->runtime_log, "--log-format", "json"};
  int argc = 7;
  for (int i = 0; args[i]; i++) {
    if (i >= MAX_ARGS) return rt_fail(err, E2BIG, "too many runtime arguments");
    argv[argc++] = args[i];
  }
  argv[argc] = NULL;
  int cap[2] = {-1, -1};
  if (out && pipe2(cap, O_CLOEXEC) < 0) return rt_failerrno(err, "create pipe for runtime %s", args[0]);
  off_t log_from = file_size(s->runtime_log);
  char span[TRACE_SPAN_ID_LEN + 1] = "";
  unsigned long long t0 = 0;
  if (s->trace.id[0]) {
    trace_new_span_id(span);
    t0 = trace_now_us();
  }
  pid_t pid = fork();
  if (pid < 0) {
    rt_failerrno(err, "fork runtime %s", args[0]);
    if (out) close(cap[0]), close(cap[1]);
    return -1;
  }
  if (pid == 0) {
    shim_trace_child_env(&s->trace, span);
    child_exec(argv, in, out ? cap[1] : outfd, errfd);
  }
  if (out) {
    close(cap[1]);
    char chunk[4096];
    ssize_t n;
    while ((n = read(cap[0], chunk, sizeof(chunk))) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      buf_append(out, chunk, (size_t)n);
    }
    close(cap[0]);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return rt_failerrno(err, "wait for runtime %s", args[0]);
  if (span[0]) {
    char name[64];
    snprintf(name, sizeof name, "runtime %s", args[0]); /* fork, exec and wait */
    shim_trace_child(&s->trace, span, name, t0);
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
  char msg[1024];
  if (last_runtime_error(s, log_from, msg, sizeof(msg)) == 0) return rt_fail(err, 0, "%s", msg);
  if (WIFSIGNALED(st)) return rt_fail(err, 0, "%s killed by signal %d", s->runtime_path, WTERMSIG(st));
  if (WEXITSTATUS(st) == 127) return rt_fail(err, ENOENT, "run `%s`", s->runtime_path);
  return rt_fail(err, 0, "%s %s exited with status %d", s->runtime_path, args[0], WEXITSTATUS(st));
}

int runtime_simple(struct shim *s, struct rt_err *err, const char *verb, ...) {
  const char *args[MAX_ARGS + 1] = {verb};
  int n = 1;
  va_list ap;
  va_start(ap, verb);
  const char *a;
  while ((a = va_arg(ap, const char *)) != NULL && n < MAX_ARGS) args[n++] = a;
  va_end(ap);
  args[n] = NULL;
  return runtime_run(s, args, -1, -1, -1, NULL, err);
}

pid_t read_pid_file(const char *path) {
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  char text[32];
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof(text) - 1);
  if (n <= 0) return -1;
  text[n] = '\0';
  long v = strtol(text, NULL, 10);
  return v > 0 ? (pid_t)v : -1;
}
