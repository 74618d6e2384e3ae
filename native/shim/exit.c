/* Reaping and exit status.
 *
 * SIGCHLD is blocked and read from a signalfd in the event loop (no handler,
 * so no self-pipe and no global).  The shim is child subreaper: the init and
 * every exec'd process become its children when the runtime exits; orphans
 * of the container are reaped and ignored.
 *
 * Order on an exit (the contract in PROTOCOL.md):
 *   1. the output left in the pipes is read into the log and to readers,
 *   2. OOM: the container cgroup's oom_kill counter (init only),
 *   3. the status is written to <state>/exit or exec-<id>.exit: temp file,
 *      fsync, rename, fsync of the dir,
 *   4. only then are waiters answered. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"
#include "shim.h"

int exit_setup(struct shim *s, struct rt_err *err) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return rt_failerrno(err, "block SIGCHLD");
  s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (s->sigfd < 0) return rt_failerrno(err, "signalfd SIGCHLD");
  s->w_sig = (struct watch){W_SIGNAL, s};
  if (shim_watch(s, s->sigfd, &s->w_sig, EPOLLIN, 1) < 0) return rt_failerrno(err, "watch signalfd");
  return 0;
}

static struct proc *proc_by_pid(struct shim *s, pid_t pid) {
  if (s->init.pid == pid && s->init.status < P_STOPPED) return &s->init;
  for (struct proc *p = s->execs; p; p = p->next)
    if (p->pid == pid && p->status == P_RUNNING) return p;
  return NULL;
}

void exit_on_signal(struct shim *s) {
  struct signalfd_siginfo si;
  while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
  }
  int st;
  pid_t pid;
  while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
    struct proc *p = proc_by_pid(s, pid);
    if (p) exit_process(p, st);
  }
}

/* Which file counts the container's OOM kills, found while the init lives:
 * v1 memory.oom_control ("oom_kill N", kernel >= 4.13), v2 memory.events. */
void exit_record_cgroup(struct shim *s) {
  char path[64], line[4096];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)s->init.pid);
  autofclose FILE *f = fopen(path, "re");
  if (f == NULL) return;
  char v2[PATH_MAX] = "";
  while (fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    char *ctrl = strchr(line, ':');
    char *cg = ctrl ? strchr(ctrl + 1, ':') : NULL;
    if (cg == NULL) continue;
    *cg++ = '\0';
    ctrl++;
    if (*ctrl == '\0') {
      snprintf(v2, sizeof(v2), "%s", cg);
      continue;
    }
    for (char *tok = strtok(ctrl, ","); tok; tok = strtok(NULL, ","))
      if (strcmp(tok, "memory") == 0) {
        snprintf(s->oom_file, sizeof(s->oom_file), "/sys/fs/cgroup/memory%s/memory.oom_control", cg);
        return;
      }
  }
  if (v2[0] == '\0') return;
  const char *mnt = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  snprintf(s->oom_file, sizeof(s->oom_file), "%s%s/memory.events", mnt, strcmp(v2, "/") == 0 ? "" : v2);
}

static long read_oom_kills(struct shim *s) {
  if (s->oom_file[0] == '\0') return 0;
  autofclose FILE *f = fopen(s->oom_file, "re");
  char line[256];
  long n;
  while (f && fgets(line, sizeof(line), f))
    if (sscanf(line, "oom_kill %ld", &n) == 1) return n;
  return 0;
}

void exit_status_fields(const struct proc *p, struct buf *b) {
  char when[40];
  format_time(&p->exit.at, when);
  buf_printf(b, "\"pid\":%d,\"code\":%d,\"signal\":%d,\"oom\":%s,\"exited_at\":\"%s\"", (int)p->exit.pid,
             p->exit.code, p->exit.signal, p->exit.oom ? "true" : "false", when);
}

void exit_status_json(const struct proc *p, struct buf *b) {
  buf_printf(b, "{");
  exit_status_fields(p, b);
  buf_printf(b, "}");
}

int exit_file_path(struct proc *p, char *out, size_t len, int tmp) {
  struct shim *s = p->shim;
  const char *suffix = tmp ? ".tmp" : "";
  if (p->exec_id[0] == '\0') return state_path(s, out, len, "exit%s", suffix);
  return state_path(s, out, len, "exec-%s.exit%s", p->exec_id, suffix);
}

/* Temp file, fsync, rename, fsync of the directory: the status is on disk
 * before anyone hears of it, and a reader never sees half of it. */
static void write_exit_file(struct proc *p) {
  char tmp[PATH_MAX], final[PATH_MAX];
  if (exit_file_path(p, tmp, sizeof(tmp), 1) < 0 || exit_file_path(p, final, sizeof(final), 0) < 0) return;
  struct buf b = {0};
  exit_status_json(p, &b);
  buf_append(&b, "\n", 1);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    int ok = b.data && io_write_all(fd, b.data, b.len) == 0 && fsync(fd) == 0;
    close(fd);
    if (ok && rename(tmp, final) == 0) {
      int dir = open(p->shim->opt.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0) fsync(dir), close(dir);
    }
  }
  buf_free(&b);
}

static void answer_waiters(struct proc *p) {
  for (struct client *c = p->shim->clients; c; c = c->next) {
    if (c->mode != C_WAIT || c->proc != p) continue;
    struct buf b = {0};
    buf_printf(&b, "{\"ok\":true,");
    exit_status_fields(p, &b);
    buf_printf(&b, "}\n");
    c->mode = C_CLOSING;
    if (b.data) client_send(c, b.data, b.len);
    buf_free(&b);
    client_update_events(c);
  }
}

void exit_process(struct proc *p, int st) {
  struct shim *s = p->shim;
  clock_gettime(CLOCK_REALTIME, &p->exit.at);
  p->exit.exited = 1;
  p->exit.pid = p->pid;
  if (WIFSIGNALED(st)) {
    p->exit.signal = WTERMSIG(st);
    p->exit.code = 128 + p->exit.signal;
  } else {
    p->exit.signal = 0;
    p->exit.code = WEXITSTATUS(st);
  }
  stdio_drain(p);
  if (p == &s->init) p->exit.oom = read_oom_kills(s) > 0;
  if (p == &s->init) s->paused = 0; /* a frozen init can still die (SIGKILL on cgroup v2) */
  p->status = P_STOPPED;
  write_exit_file(p);
  answer_waiters(p);
  if (stdio_done(p)) attach_end(p);
}
