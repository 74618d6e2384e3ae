/* container_delete: the teardown shared by `delete` and `run` (see state.h).
 * Order as runc's destroy(): kill, cgroup, poststop hooks, state dir; each
 * step runs even when an earlier one failed, and the first error is returned,
 * so a half-made container is always removable. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "security.h"
#include "state.h"

#define KILL_WAIT_MS 10000

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

/* True once the init is gone: reaped by us when it is our child, otherwise
 * absent from /proc, a zombie, or a recycled pid. */
static bool init_gone(const char *root, const struct rt_state *st) {
  if (st->pid <= 0) return true;
  pid_t r = waitpid(st->pid, NULL, WNOHANG);
  if (r == st->pid) return true;
  if (r == 0) return false; /* our child, still running */
  return state_status(root, st) == ST_STOPPED;
}

static int kill_and_wait(const char *root, struct rt_state *st, enum rt_status status,
                         struct rt_err *err) {
  if (st->cg) {
    struct rt_err ignored = {0};
    /* A frozen task cannot act on SIGKILL on cgroup v1 until thawed. */
    if (status == ST_PAUSED && cg_freeze(st->cg, false, &ignored) < 0)
      log_debug("thaw `%s`: %s", st->id, ignored.msg);
    if (cg_signal_all(st->cg, SIGKILL, err) < 0) rt_wrap(err, "kill container `%s`", st->id);
  }
  /* The init too, in case it never made it into the cgroup; init_gone()
   * checked its start time, so the pid is still ours. */
  if (!init_gone(root, st) && kill(st->pid, SIGKILL) < 0 && errno != ESRCH)
    rt_failerrno(err, "kill init `%d`", (int)st->pid);
  for (long waited = 0; !init_gone(root, st); waited += 10) {
    if (waited >= KILL_WAIT_MS)
      return rt_fail(err, ETIMEDOUT, "wait for init `%d` of `%s` to exit", (int)st->pid, st->id);
    sleep_ms(10);
  }
  return rt_err_set(err) ? -1 : 0;
}

static void run_poststop(struct rt_state *st) {
  json_t *hooks = st->config ? json_object_get(st->config, "hooks") : NULL;
  if (!json_is_object(hooks) || json_object_get(hooks, "poststop") == NULL) return;
  json_t *state = state_to_json(st, ST_STOPPED);
  char *text = state ? json_dumps(state, JSON_COMPACT) : NULL;
  json_decref(state);
  struct rt_err herr = {0};
  /* runc only warns: the container is gone either way. */
  if (text == NULL || hooks_run(hooks, "poststop", text, &herr) < 0) {
    char buf[4096];
    log_warn("poststop hook of `%s`: %s", st->id,
             text ? rt_err_text(&herr, buf, sizeof buf) : "out of memory");
  }
  free(text);
}

int container_delete(const char *root, struct rt_state *st, bool force, struct rt_err *err) {
  enum rt_status status = state_status(root, st);
  /* runc also deletes a created container without --force (containerd relies
   * on that after a failed start): nothing of the user's has run yet. */
  if (status != ST_STOPPED && status != ST_CREATED && !force)
    return rt_fail(err, 0, "cannot delete container %s that is not stopped: %s", st->id,
                   state_status_name(status));
  if (status != ST_STOPPED) kill_and_wait(root, st, status, err);
  if (st->cg && cg_destroy(st->cg, err) < 0) rt_wrap(err, "destroy cgroup of `%s`", st->id);
  run_poststop(st);
  if (state_remove(root, st->id, err) < 0) return -1;
  return rt_err_set(err) ? -1 : 0;
}
