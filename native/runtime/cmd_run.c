/* `run`: create + start; in the foreground also wait, forwarding signals to
 * the init, delete the container (unless --keep) and exit with its status.
 * Also the wait/forward helpers `exec` shares. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "cmd_util.h"
#include "container.h"
#include "log.h"

static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGALRM,
                                SIGWINCH, SIGCONT};

static void wait_set(sigset_t *set) {
  sigemptyset(set);
  sigaddset(set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(set, forwarded[i]);
}

void lc_block_signals(sigset_t *old) {
  sigset_t set;
  wait_set(&set);
  sigprocmask(SIG_BLOCK, &set, old);
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

int lc_wait_forward(pid_t pid) {
  sigset_t set;
  wait_set(&set);
  for (;;) {
    int status;
    pid_t p;
    /* Reap everything: as a subreaper, orphans of the container land here. */
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
      if (p == pid) return exit_code(status);
    if (p < 0 && errno == ECHILD) return 255;
    siginfo_t si;
    int sig = sigwaitinfo(&set, &si);
    if (sig < 0 || sig == SIGCHLD) continue;
    kill(pid, sig);
  }
}

int cmd_run(const struct global_opts *g, int argc, char **argv) {
  struct rt_err err = {0};
  struct lc_opts o;
  struct rt_state st;
  sigset_t old;
  memset(&st, 0, sizeof st);
  if (lc_parse_opts("run", argc, argv, &o, &err) < 0) goto fail;
  lc_reserve_fds(o.preserve_fds);
  if (!o.detach) {
    lc_block_signals(&old);
    if (!o.no_subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
      rt_failerrno(&err, "become child subreaper");
      goto fail;
    }
  }
  if (lc_create(g, &o, &st, &err) < 0) goto fail;
  if (container_start(g->root, &st, &err) < 0) {
    struct rt_err e2 = {0};
    container_delete(g->root, &st, true, &e2);
    goto fail;
  }
  if (o.detach) return cmd_done(&st, 0, &err);
  int code = lc_wait_forward(st.pid);
  if (!o.keep && container_delete(g->root, &st, true, &err) < 0) log_error(&err);
  state_free(&st);
  return code;
fail:
  return cmd_done(&st, -1, &err);
}
