/* Process setup shared by the container's init and `exec`: fds, rlimits,
 * oom score, no_new_privs, seccomp, capabilities, user, umask, cwd, the PATH
 * lookup and execve.  Order and seccomp placement follow runc
 * (standard_init_linux.go, OCI-RUNTIME.md 5.1). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "container.h"
#include "security.h"

const char *process_strerror(int errnum, char *buf, size_t len) {
  snprintf(buf, len, "%s", strerror(errnum));
  if (buf[0] && buf[1] && !isupper((unsigned char)buf[1])) buf[0] = (char)tolower((unsigned char)buf[0]);
  return buf;
}

int process_fds(int preserve, struct rt_err *err) {
  if (close_range(3 + (unsigned)preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return rt_failerrno(err, "mark fds close-on-exec");
  for (int fd = 3; fd < 3 + preserve; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && (fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
      return rt_failerrno(err, "keep fd %d open", fd);
  }
  return 0;
}

static int set_rlimits(json_t *rl, struct rt_err *err) {
  size_t i;
  json_t *r;
  json_array_foreach(rl, i, r) {
    const char *type = json_string_value(json_object_get(r, "type"));
    struct rlimit lim = {(rlim_t)json_integer_value(json_object_get(r, "soft")),
                         (rlim_t)json_integer_value(json_object_get(r, "hard"))};
    if (setrlimit(config_rlimit_from_name(type), &lim) < 0)
      return rt_failerrno(err, "set rlimit %s", type);
  }
  return 0;
}

static int write_oom(json_t *adj, struct rt_err *err) {
  char buf[16];
  int len = snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(adj));
  autoclose int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)len) != len)
    return rt_failerrno(err, "write `/proc/self/oom_score_adj`");
  return 0;
}

/* gids first: after setuid we could no longer change them.  KEEPCAPS so the
 * permitted set survives the uid change and caps_apply can pick from it. */
static int switch_user(json_t *user, bool caps, struct rt_err *err) {
  uid_t uid = (uid_t)json_integer_value(json_object_get(user, "uid"));
  gid_t gid = (gid_t)json_integer_value(json_object_get(user, "gid"));
  json_t *add = json_object_get(user, "additionalGids"), *g;
  gid_t gids[256];
  size_t n = 0, i;
  json_array_foreach(add, i, g) {
    if (n < sizeof gids / sizeof gids[0]) gids[n++] = (gid_t)json_integer_value(g);
  }
  /* Clearing the host's groups fails in a user ns with setgroups denied; harmless then. */
  if (setgroups(n, gids) < 0 && !(n == 0 && errno == EPERM))
    return rt_failerrno(err, "setgroups");
  if (caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return rt_failerrno(err, "set keepcaps");
  if (setresgid(gid, gid, gid) < 0) return rt_failerrno(err, "setgid %u", gid);
  if (setresuid(uid, uid, uid) < 0) return rt_failerrno(err, "setuid %u", uid);
  if (caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return rt_failerrno(err, "clear keepcaps");
  return 0;
}

static const char *env_get(json_t *env, const char *key) {
  size_t i, klen = strlen(key);
  json_t *e;
  json_array_foreach(env, i, e) {
    const char *s = json_string_value(e);
    if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') return s + klen + 1;
  }
  return NULL;
}

/* Go's exec.LookPath: a name with a slash is stat'ed as is; otherwise the
 * first executable regular file along $PATH. */
static int executable(const char *path, int *why) {
  struct stat sb;
  if (stat(path, &sb) < 0) return *why = errno, -1;
  if (S_ISDIR(sb.st_mode)) return *why = EISDIR, -1;
  if (!(sb.st_mode & 0111)) return *why = EACCES, -1;
  return 0;
}

int process_lookup(const char *arg0, json_t *env, char *out, size_t len, struct rt_err *err) {
  char eb[128];
  int why = 0;
  if (strchr(arg0, '/')) {
    if (executable(arg0, &why) == 0) return snprintf(out, len, "%s", arg0), 0;
    if (why == EACCES || why == EISDIR)
      return rt_fail(err, 0, "exec: \"%s\": %s", arg0, process_strerror(why, eb, sizeof eb));
    return rt_fail(err, 0, "exec: \"%s\": stat %s: %s", arg0, arg0,
                   process_strerror(why, eb, sizeof eb));
  }
  const char *path = env_get(env, "PATH");
  while (path && *path) {
    const char *end = strchrnul(path, ':');
    int dlen = (int)(end - path);
    snprintf(out, len, "%.*s%s%s", dlen, path, dlen ? "/" : "", arg0);
    if (executable(out, &why) == 0) return 0;
    path = *end ? end + 1 : end;
  }
  return rt_fail(err, 0, "exec: \"%s\": executable file not found in $PATH", arg0);
}

/* HOME from the container's /etc/passwd when env lacks it, as runc does. */
static const char *passwd_home(uid_t uid, char *buf, size_t len) {
  autofclose FILE *f = fopen("/etc/passwd", "re");
  char line[1024];
  while (f && fgets(line, sizeof line, f)) {
    char *fields[7], *p = line;
    int n = 0;
    for (char *t; n < 7 && (t = strsep(&p, ":\n")) != NULL;) fields[n++] = t;
    if (n >= 6 && strtoul(fields[2], NULL, 10) == uid && fields[2][0]) {
      snprintf(buf, len, "%s", fields[5]);
      return buf;
    }
  }
  return "/";
}

static int build_vectors(struct proc_setup *ps, struct rt_err *err) {
  json_t *args = json_object_get(ps->process, "args"), *env = json_object_get(ps->process, "env");
  size_t na = json_array_size(args), ne = json_array_size(env), i;
  ps->argv = calloc(na + 1, sizeof(char *));
  ps->envp = calloc(ne + 2, sizeof(char *));
  if (!ps->argv || !ps->envp) return rt_failerrno(err, "allocate argv");
  for (i = 0; i < na; i++) ps->argv[i] = (char *)json_string_value(json_array_get(args, i));
  for (i = 0; i < ne; i++) ps->envp[i] = (char *)json_string_value(json_array_get(env, i));
  if (env_get(env, "HOME") == NULL) {
    static char home[PATH_MAX + 8];
    char dir[PATH_MAX];
    uid_t uid = (uid_t)json_integer_value(json_object_get(json_object_get(ps->process, "user"), "uid"));
    snprintf(home, sizeof home, "HOME=%s", passwd_home(uid, dir, sizeof dir));
    ps->envp[ne] = home;
  }
  return 0;
}

/* The program the parent compiled, else libseccomp's compile-and-load. */
static int load_seccomp(const struct proc_setup *ps, struct rt_err *err) {
  if (ps->seccomp == NULL) return 0;
  if (ps->bpf != NULL && ps->bpf->filter != NULL) return seccomp_install(ps->bpf, err);
  return seccomp_load(ps->seccomp, err);
}

int process_prepare(struct proc_setup *ps, struct rt_err *err) {
  json_t *p = ps->process, *caps = json_object_get(p, "capabilities");
  json_t *user = json_object_get(p, "user");
  bool nnp = json_is_true(json_object_get(p, "noNewPrivileges"));
  json_t *umask_v = json_object_get(user, "umask");
  const char *cwd = json_string_value(json_object_get(p, "cwd"));

  if (set_rlimits(json_object_get(p, "rlimits"), err) < 0) return -1;
  if (ps->write_oom && json_object_get(p, "oomScoreAdj") &&
      write_oom(json_object_get(p, "oomScoreAdj"), err) < 0)
    return -1;
  if (build_vectors(ps, err) < 0) return -1; /* reads /etc/passwd: before dropping privileges */
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return rt_failerrno(err, "set no_new_privs");
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we have it. */
  if (!nnp && load_seccomp(ps, err) < 0) return -1;
  if (caps && caps_drop_bounding(caps, err) < 0) return -1;
  if (switch_user(user, caps != NULL, err) < 0) return -1;
  if (caps && caps_apply(caps, err) < 0) return -1;
  umask(umask_v ? (mode_t)json_integer_value(umask_v) : 022);
  if (chdir(cwd) < 0) {
    char eb[128];
    return rt_fail(err, 0, "chdir to cwd (\"%s\") set in config.json failed: %s", cwd,
                   process_strerror(errno, eb, sizeof eb));
  }
  if (process_lookup(ps->argv[0], json_object_get(p, "env"), ps->exe, sizeof ps->exe, err) < 0)
    return -1;
  /* With no_new_privs, as late as possible: the profile need not allow the setup. */
  if (nnp && load_seccomp(ps, err) < 0) return -1;
  return 0;
}

int process_exec(struct proc_setup *ps, struct rt_err *err) {
  char eb[128];
  execve(ps->exe, ps->argv, ps->envp);
  return rt_fail(err, 0, "exec: \"%s\": %s", ps->argv[0], process_strerror(errno, eb, sizeof eb));
}
