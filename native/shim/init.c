/* The container's init: `runtime create` (at start-up), start, kill,
 * pause/resume, update, delete.
 *
 *   created --start--> running --(reaped, exit.c)--> stopped --delete--> deleted
 *      │            pause │ ^ resume
 *      │                running, paused
 *      └──────────────delete (killed first)──────────────┘
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/io.h"
#include "shim.h"

/* `runtime update --resources -` reads the JSON from a pipe we fill first:
 * more than a pipe's default buffer would block us before the runtime runs. */
#define MAX_RESOURCES (60 * 1024)

static void remove_file(struct shim *s, const char *name) {
  char path[PATH_MAX];
  if (state_path(s, path, sizeof(path), "%s", name) == 0) unlink(path);
}

static void undo_create(struct shim *s) {
  struct rt_err ignored = {0};
  runtime_simple(s, &ignored, "delete", "--force", s->opt.id, NULL);
  stdio_release(&s->init);
  remove_file(s, "init.pid");
}

int init_create(struct shim *s, struct rt_err *err) {
  struct proc *p = &s->init;
  char console[PATH_MAX], pidfile[PATH_MAX];
  int child[3], console_fd;
  p->shim = s;
  p->terminal = s->opt.terminal;
  p->want_stdin = s->opt.stdin_open;
  if (state_path(s, console, sizeof(console), "console.sock") < 0 || state_path(s, pidfile, sizeof(pidfile), "init.pid") < 0)
    return rt_fail(err, ENAMETOOLONG, "state dir `%s` is too long", s->opt.state_dir);
  if (stdio_prepare(p, child, &console_fd, console, err) < 0) return -1;
  const char *args[] = {"create", "--bundle", s->opt.bundle, "--pid-file", pidfile,
                        p->terminal ? "--console-socket" : s->opt.id, p->terminal ? console : NULL, s->opt.id, NULL};
  int rc = runtime_run(s, args, child[0], child[1], child[2], NULL, err);
  if (rc == 0) rc = stdio_attach_process(p, child, console_fd, s->opt.console_width, s->opt.console_height, err);
  stdio_close_child(child);
  if (console_fd >= 0) close(console_fd), unlink(console);
  if (rc == 0 && (p->pid = read_pid_file(pidfile)) <= 0) rc = rt_fail(err, EBADMSG, "the runtime wrote no pid to `%s`", pidfile);
  if (rc < 0) {
    undo_create(s);
    return rt_wrap(err, "runtime create");
  }
  p->status = P_CREATED;
  exit_record_cgroup(s); /* the init lives now: its cgroup is readable in /proc */
  return 0;
}

int init_start(struct shim *s, struct rt_err *err) {
  if (s->init.status != P_CREATED)
    return rt_fail(err, EINVAL, "cannot start a container that is %s", s->init.status == P_RUNNING ? "running" : "stopped");
  if (runtime_simple(s, err, "start", s->opt.id, NULL) < 0) return rt_wrap(err, "runtime start");
  s->init.status = P_RUNNING;
  return 0;
}

int init_kill(struct shim *s, int sig, int all, struct rt_err *err) {
  char num[16];
  snprintf(num, sizeof(num), "%d", sig);
  int rc = all ? runtime_simple(s, err, "kill", "--all", s->opt.id, num, NULL)
               : runtime_simple(s, err, "kill", s->opt.id, num, NULL);
  return rc < 0 ? rt_wrap(err, "runtime kill") : 0;
}

void init_kill_and_reap(struct shim *s) {
  struct proc *p = &s->init;
  for (struct proc *e = s->execs; e; e = e->next)
    if (e->status == P_RUNNING) kill(e->pid, SIGKILL);
  if (p->status != P_CREATED && p->status != P_RUNNING) return;
  /* Our own child: kill(2) works even when the runtime's state is damaged. */
  kill(p->pid, SIGKILL);
  int st;
  while (waitpid(p->pid, &st, 0) < 0)
    if (errno != EINTR) return;
  exit_process(p, st);
}

int init_delete(struct shim *s, struct rt_err *err) {
  struct proc *p = &s->init;
  if (p->status == P_DELETED) return 0;
  if (p->status == P_RUNNING) return rt_fail(err, EBUSY, "cannot delete a container that is running");
  int force = p->status == P_CREATED;
  if (force) init_kill_and_reap(s);
  if (runtime_simple(s, err, "delete", "--force", s->opt.id, NULL) < 0) return rt_wrap(err, "runtime delete");
  p->status = P_DELETED;
  return 0;
}

int init_pause(struct shim *s, int pause, struct rt_err *err) {
  const char *verb = pause ? "pause" : "resume";
  if (s->init.status != P_RUNNING)
    return rt_fail(err, 0, "cannot %s a container that is %s", verb, s->init.status == P_CREATED ? "created" : "stopped");
  if (pause && s->paused) return rt_fail(err, 0, "cannot pause a container that is paused");
  if (!pause && !s->paused) return rt_fail(err, 0, "cannot resume a container that is not paused");
  if (runtime_simple(s, err, verb, s->opt.id, NULL) < 0) return rt_wrap(err, "runtime %s", verb);
  s->paused = pause;
  return 0;
}

int init_update(struct shim *s, const char *resources, struct rt_err *err) {
  if (s->init.status != P_CREATED && s->init.status != P_RUNNING)
    return rt_fail(err, 0, "cannot update a container that is stopped");
  size_t n = strlen(resources);
  if (n > MAX_RESOURCES) return rt_fail(err, 0, "bad resources: %zu bytes, at most %d", n, MAX_RESOURCES);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return rt_failerrno(err, "create pipe for runtime update");
  int rc = io_write_all(fds[1], resources, n);
  close(fds[1]);
  if (rc < 0) {
    rt_failerrno(err, "write resources for runtime update");
    close(fds[0]);
    return -1;
  }
  const char *args[] = {"update", "--resources", "-", s->opt.id, NULL};
  rc = runtime_run(s, args, fds[0], -1, -1, NULL, err);
  close(fds[0]);
  return rc < 0 ? rt_wrap(err, "runtime update") : 0;
}
