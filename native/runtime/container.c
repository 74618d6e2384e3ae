/* The parent side of create: cgroup, exec fifo, console connection, clone of
 * the init with its new namespaces, uid/gid maps and cgroup membership before
 * the init does anything, the runtime hooks, pid file and state.  On any
 * failure: kill the init, destroy the cgroup, remove the state dir.  Also
 * `start`'s half: release the init through the exec fifo. */
#include <errno.h>
#include <linux/sched.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

int lc_write_pid_file(const char *path, pid_t pid, struct rt_err *err) {
  char tmp[PATH_MAX + 16], buf[32];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
  int len = snprintf(buf, sizeof buf, "%d", (int)pid);
  autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return rt_failerrno(err, "create pid file `%s`", tmp);
  if (write(fd, buf, (size_t)len) != len) {
    unlink(tmp);
    return rt_failerrno(err, "write pid file `%s`", tmp);
  }
  if (rename(tmp, path) < 0) {
    unlink(tmp);
    return rt_failerrno(err, "rename pid file to `%s`", path);
  }
  return 0;
}

char *container_state_json(const struct rt_state *st, enum rt_status status) {
  json_t *j = state_to_json(st, status);
  char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return s;
}

static void now_rfc3339(char *out, size_t len) {
  struct timespec ts;
  struct tm tm;
  char base[32];
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, len, "%s.%09ldZ", base, ts.tv_nsec);
}

/* pid and time namespaces apply to children: the parent joins (or makes)
 * them just for the clone and returns to its own afterwards. */
struct for_children {
  int pid_fd, time_fd;
};

static int enter_for_children(struct rt_config *cfg, struct for_children *fc, struct rt_err *err) {
  fc->pid_fd = fc->time_fd = -1;
  bool new_time = cfg->has_ns[NS_TIME] && !cfg->ns_path[NS_TIME];
  if (cfg->ns_path[NS_PID]) {
    fc->pid_fd = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
    if (fc->pid_fd < 0) return rt_failerrno(err, "open `/proc/self/ns/pid_for_children`");
    if (ns_join_path(cfg->ns_path[NS_PID], NS_PID, err) < 0) return -1;
  }
  if (cfg->ns_path[NS_TIME] || new_time) {
    fc->time_fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fc->time_fd < 0) return rt_failerrno(err, "open `/proc/self/ns/time_for_children`");
    if (new_time && unshare(CLONE_NEWTIME) < 0) return rt_failerrno(err, "create time namespace");
    if (cfg->ns_path[NS_TIME] && ns_join_path(cfg->ns_path[NS_TIME], NS_TIME, err) < 0) return -1;
  }
  return 0;
}

static void leave_for_children(struct for_children *fc) {
  if (fc->pid_fd >= 0 && setns(fc->pid_fd, CLONE_NEWPID) < 0) log_warn("restore pid namespace: %m");
  if (fc->time_fd >= 0 && setns(fc->time_fd, CLONE_NEWTIME) < 0) log_warn("restore time namespace: %m");
  if (fc->pid_fd >= 0) close(fc->pid_fd);
  if (fc->time_fd >= 0) close(fc->time_fd);
  fc->pid_fd = fc->time_fd = -1;
}

static int make_fifo(const char *root, const char *id, struct rt_err *err) {
  char path[PATH_MAX];
  if (state_path(root, id, "exec.fifo", path, sizeof path, err) < 0) return -1;
  if (mkfifo(path, 0622) < 0) return rt_failerrno(err, "create exec fifo `%s`", path);
  /* 0622 whatever the umask: a user-namespaced init must be able to open it. */
  if (chmod(path, 0622) < 0) return rt_failerrno(err, "chmod exec fifo `%s`", path);
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open exec fifo `%s`", path);
  return fd;
}

/* clone3 with CLONE_INTO_CGROUP starts the init inside its cgroup2 dir:
 * moving it there afterwards (cgroup.procs) waits out an RCU grace period,
 * most of a container's start time on a cgroup2 host.  Kernels before 5.7
 * (ENOSYS, E2BIG) or a refused cgroup fall back to clone + joining. */
static pid_t clone_init(struct init_ctx *ctx, int flags, struct rt_err *err) {
  autoclose int cgfd = cg_open_v2(ctx->cg);
  if (cgfd >= 0) {
    struct clone_args args = {.flags = (uint64_t)flags | CLONE_INTO_CGROUP,
                              .exit_signal = SIGCHLD,
                              .cgroup = (uint64_t)cgfd};
    ctx->in_v2_cgroup = true;
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) init_main(ctx);
    if (pid > 0) return pid;
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EBUSY && errno != EOPNOTSUPP)
      return rt_failerrno(err, "clone3 init");
    ctx->in_v2_cgroup = false;
  }
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, 0);
  if (pid < 0) return rt_failerrno(err, "clone init");
  if (pid == 0) init_main(ctx);
  return pid;
}

static int write_oom(pid_t pid, json_t *adj, struct rt_err *err) {
  char path[64], buf[16];
  snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)pid);
  int len = snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(adj));
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)len) != len) return rt_failerrno(err, "write `%s`", path);
  return 0;
}

/* The init's messages until it is ready: hooks requests, errors, or EOF. */
static int drive_init(int sock, struct rt_config *cfg, const char *state_json, struct rt_err *err) {
  char text[4096];
  for (;;) {
    uint32_t type;
    int errnum;
    if (sync_recv(sock, &type, &errnum, text, sizeof text, err) < 0) return -1;
    switch (type) {
    case SYNC_READY:
      return 0;
    case SYNC_ERROR:
      return rt_fail(err, errnum, "%s", text);
    case SYNC_HOOKS:
      if (hooks_run(cfg->hooks, "prestart", state_json, err) < 0 ||
          hooks_run(cfg->hooks, "createRuntime", state_json, err) < 0 ||
          sync_send(sock, SYNC_HOOKS_DONE, 0, NULL, err) < 0)
        return -1;
      break;
    default:
      return rt_fail(err, EPROTO, "unexpected message %u from init", type);
    }
  }
}

static int init_state(const struct lc_opts *o, struct rt_config *cfg, struct rt_state *st) {
  memset(st, 0, sizeof *st);
  snprintf(st->id, sizeof st->id, "%s", o->id);
  snprintf(st->bundle, sizeof st->bundle, "%s", cfg->bundle);
  snprintf(st->rootfs, sizeof st->rootfs, "%s", cfg->rootfs);
  now_rfc3339(st->created, sizeof st->created);
  st->config = json_incref(cfg->json);
  return 0;
}

int container_create(const struct global_opts *g, const struct lc_opts *o, struct rt_config *cfg,
                     struct rt_state *st, struct rt_err *err) {
  autoclose int fifo = -1, console = -1, sock_parent = -1, sock_child = -1;
  autofree char *state_json = NULL;
  struct for_children fc = {-1, -1};
  pid_t pid = -1;
  int socks[2];
  struct trace_span span;
  struct seccomp_bpf bpf = {0};
  init_state(o, cfg, st);
  trace_open(); /* before clone: the init writes through this fd */
  json_t *lx = cfg->linux_;
  /* Compiled here, first, so a bad profile changes nothing; the cloned init
   * inherits a copy of the program. */
  if (seccomp_compile(json_object_get(lx, "seccomp"), g->root, &bpf, err) < 0) {
    rt_wrap(err, "create container");
    return -1;
  }
  if (state_create_dir(g->root, o->id, err) < 0) {
    seccomp_bpf_free(&bpf);
    return -1;
  }
  trace_begin(&span);
  if (cg_create(json_string_value(json_object_get(lx, "cgroupsPath")), o->id,
                json_object_get(lx, "resources"), &st->cg, err) < 0)
    goto fail;
  trace_end(&span, "cgroup");
  if ((fifo = make_fifo(g->root, o->id, err)) < 0) goto fail;
  if (cfg->terminal && (console = console_connect(o->console_socket, err)) < 0) goto fail;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0) {
    rt_failerrno(err, "create sync socket");
    goto fail;
  }
  sock_parent = socks[0];
  sock_child = socks[1];

  struct init_ctx ctx = {.cfg = cfg, .o = o, .cg = st->cg, .id = o->id, .sync_fd = sock_child,
                         .fifo_fd = fifo, .console_fd = console, .bpf = &bpf};
  sigemptyset(&ctx.sigmask); /* the container starts with nothing blocked */
  trace_begin(&span);
  if (enter_for_children(cfg, &fc, err) < 0) goto fail;
  /* time: made above; cgroup: made by the init once it is in its cgroup. */
  pid = clone_init(&ctx, cfg->clone_flags & ~(CLONE_NEWTIME | CLONE_NEWCGROUP), err);
  leave_for_children(&fc);
  if (pid < 0) goto fail;
  trace_end(&span, "namespaces (clone)");
  close(take_fd(sock_child));
  st->pid = pid;

  /* Before the init goes on (it joins its cgroup itself, first thing): maps, oom score. */
  if ((cfg->clone_flags & CLONE_NEWUSER) &&
      ns_write_maps(pid, json_object_get(lx, "uidMappings"), json_object_get(lx, "gidMappings"),
                    err) < 0)
    goto fail;
  json_t *oom = json_object_get(cfg->process, "oomScoreAdj");
  if (oom && write_oom(pid, oom, err) < 0) goto fail;
  st->start_time = state_proc_start_time(pid);
  if (cfg->hooks) state_json = container_state_json(st, ST_CREATING);
  if (sync_send(sock_parent, SYNC_GO, 0, state_json, err) < 0) goto fail;
  if (drive_init(sock_parent, cfg, state_json, err) < 0) goto fail;
  if (o->pid_file && lc_write_pid_file(o->pid_file, pid, err) < 0) goto fail;
  if (state_save(g->root, st, err) < 0) goto fail;
  if (sync_send(sock_parent, SYNC_DONE, 0, NULL, err) < 0) goto fail;
  /* The init still carries PDEATHSIG until it has read DONE; leaving before
   * it closes its end would kill it.  Its close (EOF here) says it cleared it. */
  char eof;
  while (recv(sock_parent, &eof, 1, 0) < 0 && errno == EINTR) {
  }
  seccomp_bpf_free(&bpf);
  return 0;

fail:
  leave_for_children(&fc);
  rt_wrap(err, "create container");
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
  }
  if (st->cg) {
    struct rt_err e2 = {0};
    cg_destroy(st->cg, &e2);
  }
  struct rt_err e3 = {0};
  state_remove(g->root, o->id, &e3);
  if (o->pid_file && pid > 0) unlink(o->pid_file);
  seccomp_bpf_free(&bpf);
  return -1;
}

/* Wait for the fifo to become readable, or for the init to die (pidfd). */
static int wait_fifo(int fifo, pid_t pid, struct rt_err *err) {
  autoclose int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  struct pollfd pf[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
  for (;;) {
    int n = poll(pf, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return rt_failerrno(err, "wait for exec fifo");
    if (pf[0].revents) return 0;
    if ((pidfd >= 0 && pf[1].revents) || (pidfd < 0 && kill(pid, 0) < 0))
      return rt_fail(err, 0, "container process is already dead");
  }
}

int container_start(const char *root, struct rt_state *st, struct rt_err *err) {
  char path[PATH_MAX], byte;
  if (state_path(root, st->id, "exec.fifo", path, sizeof path, err) < 0) return -1;
  autoclose int fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fifo < 0) return rt_failerrno(err, "open exec fifo `%s`", path);
  if (wait_fifo(fifo, st->pid, err) < 0) return -1;
  ssize_t n;
  do n = read(fifo, &byte, 1);
  while (n < 0 && errno == EINTR);
  if (n < 0) return rt_failerrno(err, "read exec fifo");
  if (n == 0) return rt_fail(err, 0, "cannot start an already running container");
  if (unlink(path) < 0) return rt_failerrno(err, "remove exec fifo `%s`", path);
  json_t *hooks = json_object_get(st->config, "hooks");
  if (json_array_size(json_object_get(hooks, "poststart"))) {
    autofree char *sj = container_state_json(st, ST_RUNNING);
    if (hooks_run(hooks, "poststart", sj, err) < 0) {
      struct rt_err e2 = {0};
      kill(st->pid, SIGKILL);
      if (st->cg) cg_signal_all(st->cg, SIGKILL, &e2);
      return rt_wrap(err, "poststart hook");
    }
  }
  return 0;
}
