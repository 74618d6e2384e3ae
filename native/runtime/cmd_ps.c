/* `ps [--format|-f table|json] ID [ps args]`.  json: the host pids in the
 * container's cgroup.  table: run ps(1) with the args (default -ef) and keep
 * the header plus the rows whose PID column is one of those pids (runc). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "state.h"

static int container_pids(const char *root, struct rt_state *st, pid_t **pids, size_t *n,
                          struct rt_err *err) {
  *pids = NULL;
  *n = 0;
  if (st->cg) return cg_pids(st->cg, pids, n, err);
  /* No cgroup recorded: the init is all we know of. */
  if (state_status(root, st) == ST_STOPPED) return 0;
  if ((*pids = malloc(sizeof **pids)) == NULL) return rt_fail(err, ENOMEM, "list pids");
  (*pids)[0] = st->pid;
  *n = 1;
  return 0;
}

/* Run ps with args (argv[0] = "ps"), its whole stdout into a malloc'd string. */
static char *run_ps(char **args, struct rt_err *err) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return rt_failerrno(err, "pipe for ps"), NULL;
  pid_t child = fork();
  if (child < 0) {
    rt_failerrno(err, "fork ps");
    close(fds[0]);
    close(fds[1]);
    return NULL;
  }
  if (child == 0) {
    if (dup2(fds[1], STDOUT_FILENO) < 0) _exit(127);
    execvp("ps", args);
    _exit(127);
  }
  close(fds[1]);
  autofclose FILE *f = fdopen(fds[0], "r");
  char *out = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&out, &len);
  char buf[4096];
  size_t n;
  while (f && mem && (n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, mem);
  if (f == NULL) close(fds[0]);
  if (mem) fclose(mem);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      status = W_EXITCODE(127, 0);
      break;
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    rt_fail(err, 0, "run `ps`: exit status %d: %s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            out ? out : "");
    free(out);
    return NULL;
  }
  if (out == NULL) rt_fail(err, ENOMEM, "read ps output");
  return out;
}

static bool has_pid(const pid_t *pids, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid) return true;
  return false;
}

static int print_table(int argc, char **argv, const pid_t *pids, size_t n, struct rt_err *err) {
  char *args[argc + 3];
  args[0] = "ps";
  int k = 1;
  if (argc == 0) args[k++] = "-ef";
  for (int i = 0; i < argc; i++) args[k++] = argv[i];
  args[k] = NULL;
  autofree char *out = run_ps(args, err);
  if (out == NULL) return -1;
  char *save = NULL, *line = strtok_r(out, "\n", &save);
  if (line == NULL) return 0;
  int pid_col = -1, col = 0;
  char hdr[4096];
  snprintf(hdr, sizeof hdr, "%s", line);
  for (char *s2, *t = strtok_r(hdr, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2), col++)
    if (strcmp(t, "PID") == 0) pid_col = col;
  if (pid_col < 0) return rt_fail(err, 0, "couldn't find PID field in ps output");
  printf("%s\n", line);
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    char row[4096], *s2;
    snprintf(row, sizeof row, "%s", line);
    char *t = strtok_r(row, " \t", &s2);
    for (int i = 0; t && i < pid_col; i++) t = strtok_r(NULL, " \t", &s2);
    if (t && has_pid(pids, n, strtol(t, NULL, 10))) printf("%s\n", line);
  }
  return 0;
}

static void print_json(const pid_t *pids, size_t n) {
  printf("[");
  for (size_t i = 0; i < n; i++) printf(i ? ",%d" : "%d", (int)pids[i]);
  printf("]\n");
}

int cmd_ps(const struct global_opts *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'}, {0, 0, 0, 0}};
  const char *format = "table";
  int c;
  cmd_getopt_reset();
  while ((c = getopt_long_only(argc, argv, "+f:", opts, NULL)) != -1) {
    if (c != 'f') return cmd_bad_flag(argv);
    format = optarg;
  }
  if (argc - optind < 1) {
    log_errorf("\"ps\" requires a minimum of 1 argument(s)");
    return 1;
  }
  bool json = strcmp(format, "json") == 0;
  if (!json && strcmp(format, "table") != 0) {
    log_errorf("invalid format option");
    return 1;
  }
  struct rt_err err = {0};
  struct rt_state st;
  autofree pid_t *pids = NULL;
  size_t n = 0;
  if (cmd_load(g, argv[optind], &st) < 0) return 1;
  int rc = container_pids(g->root, &st, &pids, &n, &err);
  state_free(&st);
  if (rc == 0 && json) print_json(pids, n);
  if (rc == 0 && !json) {
    fflush(stdout);
    rc = print_table(argc - optind - 1, argv + optind + 1, pids, n, &err);
  }
  if (rc < 0) {
    log_error(&err);
    return 1;
  }
  return 0;
}
