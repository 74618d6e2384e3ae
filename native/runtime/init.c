/* The container's init: the child side of create, from clone to execve.
 * Steps in runc's order: wait for the parent (maps, cgroup), join namespaces,
 * mounts (rootfs_prepare), hooks, pivot_root, finalize, hostname, sysctls,
 * console, process setup, then report ready and park on the exec fifo until
 * `start`.  Any error goes back to the parent as text over the sync socket. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "container.h"
#include "rootfs.h"
#include "security.h"
#include "sync.h"
#include "trace.h"

static char state_json[SYNC_MAX + 1];

static int join_namespaces(struct rt_config *cfg, struct rt_err *err) {
  /* pid and time apply to children only: the parent joined them before clone. */
  for (int ns = 0; ns < NS_COUNT; ns++) {
    if (!cfg->ns_path[ns] || ns == NS_PID || ns == NS_TIME) continue;
    if (ns_join_path(cfg->ns_path[ns], ns, err) < 0) return -1;
  }
  if (cfg->has_ns[NS_USER]) {
    /* Become root of the user namespace; root must be mapped (as runc requires). */
    if (setresgid(0, 0, 0) < 0) return rt_failerrno(err, "setgid 0 in the user namespace");
    if (setresuid(0, 0, 0) < 0) return rt_failerrno(err, "setuid 0 in the user namespace");
  }
  return 0;
}

static int set_names(json_t *cfg, struct rt_err *err) {
  const char *host = json_string_value(json_object_get(cfg, "hostname"));
  const char *dom = json_string_value(json_object_get(cfg, "domainname"));
  if (host && *host && sethostname(host, strlen(host)) < 0)
    return rt_failerrno(err, "set hostname `%s`", host);
  if (dom && *dom && setdomainname(dom, strlen(dom)) < 0)
    return rt_failerrno(err, "set domainname `%s`", dom);
  return 0;
}

static int set_sysctls(json_t *sysctl, struct rt_err *err) {
  const char *key;
  json_t *v;
  json_object_foreach(sysctl, key, v) {
    char path[512];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
    for (char *c = path + 10; c < path + n; c++)
      if (*c == '.') *c = '/';
    const char *val = json_string_value(v);
    autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, val, strlen(val)) < 0) return rt_failerrno(err, "write sysctl `%s`", key);
  }
  return 0;
}

/* runc gives each container its own session keyring unless --no-new-keyring. */
static int join_keyring(const char *id, struct rt_err *err) {
  char name[300];
  snprintf(name, sizeof name, "_ses.%s", id);
  if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS)
    return rt_failerrno(err, "join session keyring");
  return 0;
}

static int hooks_in_parent(json_t *hooks) {
  return json_array_size(json_object_get(hooks, "prestart")) ||
         json_array_size(json_object_get(hooks, "createRuntime"));
}

static int setup(struct init_ctx *c, struct proc_setup *ps, struct rt_err *err) {
  struct rt_config *cfg = c->cfg;
  struct trace_span span;
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return rt_failerrno(err, "set parent death signal");
  if (process_fds(c->o->preserve_fds, err) < 0) return -1;
  /* Join the cgroup first, before anything observable and while the parent
   * writes the maps.  A process moving itself can take the kernel's cheap
   * path; the parent moving another pid waits for an RCU grace period. */
  trace_begin(&span);
  if ((c->in_v2_cgroup ? cg_enter_v1(c->cg, err) : cg_enter(c->cg, err)) < 0) return -1;
  trace_end(&span, "cgroup join");
  /* A cgroup namespace is rooted where we are when it is made: after joining. */
  if (c->cfg->has_ns[NS_CGROUP] && !c->cfg->ns_path[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
    return rt_failerrno(err, "create cgroup namespace");
  if (sync_expect(c->sync_fd, SYNC_GO, state_json, sizeof state_json, err) < 0) return -1;
  trace_begin(&span);
  if (join_namespaces(cfg, err) < 0) return -1;
  trace_end(&span, "namespaces (join)");
  if (!c->o->no_new_keyring && join_keyring(c->id, err) < 0) return -1;
  trace_begin(&span);
  if (rootfs_prepare(cfg->json, cfg->rootfs, c->cg, err) < 0) return -1;
  trace_end(&span, "mounts");
  if (hooks_in_parent(cfg->hooks)) {
    if (sync_send(c->sync_fd, SYNC_HOOKS, 0, NULL, err) < 0 ||
        sync_expect(c->sync_fd, SYNC_HOOKS_DONE, NULL, 0, err) < 0)
      return -1;
  }
  if (hooks_run(cfg->hooks, "createContainer", state_json, err) < 0) return -1;
  trace_begin(&span);
  if (rootfs_pivot(cfg->rootfs, c->o->no_pivot, err) < 0) return -1;
  trace_end(&span, "pivot_root");
  trace_begin(&span);
  if (rootfs_finalize(cfg->json, err) < 0) return -1;
  trace_end(&span, "masked and read-only paths");
  if (set_names(cfg->json, err) < 0) return -1;
  if (set_sysctls(json_object_get(cfg->linux_, "sysctl"), err) < 0) return -1;
  if (cfg->terminal &&
      console_setup(c->console_fd, json_object_get(cfg->process, "consoleSize"), true, err) < 0)
    return -1;
  if (c->console_fd >= 0) close(c->console_fd);
  trace_begin(&span);
  if (process_prepare(ps, err) < 0) return -1;
  trace_end(&span, "capabilities/seccomp");
  /* The user switch cleared the death signal; keep it until the parent saved the state. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) return rt_failerrno(err, "set parent death signal");
  if (sync_send(c->sync_fd, SYNC_READY, 0, NULL, err) < 0 ||
      sync_expect(c->sync_fd, SYNC_DONE, NULL, 0, err) < 0)
    return -1;
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) return rt_failerrno(err, "clear parent death signal");
  return 0;
}

/* Blocks until `start` opens the fifo for reading. */
static int wait_start(int fifo_fd, struct rt_err *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open exec fifo");
  if (write(fd, "0", 1) != 1) return rt_failerrno(err, "write exec fifo");
  close(fd);
  close(fifo_fd);
  return 0;
}

void init_main(struct init_ctx *c) {
  struct rt_err err = {0};
  struct proc_setup ps = {.process = c->cfg->process,
                          .seccomp = json_object_get(c->cfg->linux_, "seccomp"),
                          .preserve_fds = c->o->preserve_fds, .bpf = c->bpf};
  sigprocmask(SIG_SETMASK, &c->sigmask, NULL);
  if (setup(c, &ps, &err) < 0) {
    sync_send(c->sync_fd, SYNC_ERROR, err.errnum, err.msg, NULL);
    _exit(1);
  }
  close(c->sync_fd);
  struct trace_span span;
  trace_begin(&span);
  if (wait_start(c->fifo_fd, &err) < 0) goto fail;
  trace_end(&span, "wait for start");
  trace_begin(&span);
  if (hooks_run(c->cfg->hooks, "startContainer", state_json, &err) < 0) goto fail;
  trace_end(&span, "exec"); /* the last thing before execve: its end is the container's start */
  process_exec(&ps, &err);
fail: {
  char buf[4096];
  dprintf(2, "strata-runtime: %s\n", rt_err_text(&err, buf, sizeof buf));
  _exit(127);
}
}
