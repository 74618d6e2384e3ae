/* Exec'd processes: `exec` registers one (exec_id + OCI process), `start`
 * runs `runtime exec --detach --process <file> --pid-file <file>
 * [--console-socket <sock>] ID` with fresh pipes or a pty.  The process is
 * reparented to the shim (subreaper) when the runtime exits, reaped by exit.c,
 * and its status is written to exec-<id>.exit. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/io.h"
#include "shim.h"

static int valid_exec_id(const char *id) {
  size_t n = strlen(id);
  if (n == 0 || n > 64 || id[0] == '.' || id[0] == '-') return 0;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-' && id[i] != '.') return 0;
  return 1;
}

int exec_register(struct shim *s, const char *exec_id, const char *process_json, int terminal,
                  int want_stdin, struct rt_err *err) {
  if (!valid_exec_id(exec_id)) return rt_fail(err, EINVAL, "bad exec_id `%.80s` (1-64 of [A-Za-z0-9_.-])", exec_id);
  if (shim_find_proc(s, exec_id)) return rt_fail(err, EEXIST, "exec `%s` already exists", exec_id);
  struct proc *p = calloc(1, sizeof(*p));
  if (p == NULL || (p->process_json = strdup(process_json)) == NULL) {
    free(p);
    return rt_fail(err, ENOMEM, "register exec `%s`", exec_id);
  }
  p->shim = s;
  strcpy(p->exec_id, exec_id);
  p->terminal = terminal;
  p->want_stdin = want_stdin;
  p->in_fd = p->out_fd = p->err_fd = p->master = -1;
  p->status = P_REGISTERED;
  p->next = s->execs;
  s->execs = p;
  return 0;
}

static int write_process_file(const char *path, const char *json, struct rt_err *err) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  int rc = io_write_all(fd, json, strlen(json));
  close(fd);
  return rc < 0 ? rt_failerrno(err, "write `%s`", path) : 0;
}

int exec_start(struct proc *p, struct rt_err *err) {
  struct shim *s = p->shim;
  char spec[PATH_MAX], pidfile[PATH_MAX], console[PATH_MAX];
  int child[3], console_fd;
  if (p->status != P_REGISTERED) return rt_fail(err, EINVAL, "exec `%s` was already started", p->exec_id);
  if (s->init.status != P_RUNNING) return rt_fail(err, EINVAL, "cannot exec in a container that is not running");
  if (state_path(s, spec, sizeof(spec), "exec-%s.json", p->exec_id) < 0 ||
      state_path(s, pidfile, sizeof(pidfile), "exec-%s.pid", p->exec_id) < 0 ||
      state_path(s, console, sizeof(console), "exec-%s.sock", p->exec_id) < 0)
    return rt_fail(err, ENAMETOOLONG, "exec paths under `%s`", s->opt.state_dir);
  if (write_process_file(spec, p->process_json, err) < 0) return -1;
  if (stdio_prepare(p, child, &console_fd, console, err) < 0) return unlink(spec), -1;
  const char *args[] = {"exec", "--detach", "--process", spec, "--pid-file", pidfile,
                        p->terminal ? "--console-socket" : s->opt.id, p->terminal ? console : NULL, s->opt.id, NULL};
  int rc = runtime_run(s, args, child[0], child[1], child[2], NULL, err);
  if (rc == 0) rc = stdio_attach_process(p, child, console_fd, 0, 0, err);
  stdio_close_child(child);
  if (console_fd >= 0) close(console_fd), unlink(console);
  unlink(spec);
  if (rc == 0 && (p->pid = read_pid_file(pidfile)) <= 0) rc = rt_fail(err, EBADMSG, "the runtime wrote no pid to `%s`", pidfile);
  unlink(pidfile);
  if (rc < 0) {
    stdio_release(p);
    return rt_wrap(err, "runtime exec");
  }
  p->status = P_RUNNING;
  return 0;
}

void exec_delete(struct proc *p) {
  struct shim *s = p->shim;
  char path[PATH_MAX];
  if (exit_file_path(p, path, sizeof(path), 0) == 0) unlink(path); /* collected */
  struct client *next;
  for (struct client *c = s->clients; c; c = next) {
    next = c->next;
    if (c->proc == p) client_close(c); /* they must not outlive the process they point at */
  }
  stdio_release(p);
  p->status = P_DELETED;
  for (struct proc **pp = &s->execs; *pp; pp = &(*pp)->next)
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  p->next = s->dead_procs;
  s->dead_procs = p;
}
