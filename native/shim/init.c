/* The container's init: `runtime create` (at start-up), start, kill, delete.
 *
 *   created --start--> running --(reaped, exit.c)--> stopped --delete--> deleted
 *      └──────────────delete (killed first)──────────────┘
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

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
