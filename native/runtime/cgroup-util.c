/* Small file helpers for cgroup dirs.  In a fake v2 tree (tests) interface
 * files do not appear by themselves, so writes create them there. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"
#include "cgroup-internal.h"

int cg_write(const struct cg_manager *cg, const char *dir, const char *file, const char *value,
             struct rt_err *err) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int flags = O_WRONLY | O_CLOEXEC | (cg != NULL && cg->fake ? O_CREAT | O_TRUNC : 0);
  autoclose int fd = open(path, flags, 0644);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  size_t len = strlen(value);
  ssize_t w = write(fd, value, len);
  if (w < 0) return rt_failerrno(err, "write `%s` to `%s`", value, path);
  if ((size_t)w != len) return rt_fail(err, EIO, "short write of `%s` to `%s`", value, path);
  return 0;
}

int cg_writef(const struct cg_manager *cg, const char *dir, const char *file,
              struct rt_err *err, const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return cg_write(cg, dir, file, buf, err);
}

int cg_read(const char *dir, const char *file, char **out, struct rt_err *err) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  autofree char *buf = NULL;
  size_t len;
  if (io_read_all(fd, &buf, &len) < 0) return rt_failerrno(err, "read `%s`", path);
  while (len > 0 && buf[len - 1] == '\n') len--;
  buf[len] = '\0';
  *out = take_ptr(buf);
  return 0;
}

bool cg_file_exists(const char *dir, const char *file) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  return access(path, F_OK) == 0;
}

bool cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *val) {
  struct rt_err e = {0};
  autofree char *buf = NULL;
  if (cg_read(dir, file, &buf, &e) < 0) return false;
  size_t klen = strlen(key);
  for (char *line = buf; line != NULL && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
      *val = strtoull(line + klen + 1, NULL, 10);
      return true;
    }
    line = nl ? nl + 1 : NULL;
  }
  return false;
}

bool cg_read_u64(const char *dir, const char *file, uint64_t max_value, uint64_t *val) {
  struct rt_err e = {0};
  autofree char *buf = NULL;
  if (cg_read(dir, file, &buf, &e) < 0) return false;
  if (strncmp(buf, "max", 3) == 0) {
    *val = max_value;
    return true;
  }
  char *end;
  errno = 0;
  long long v = strtoll(buf, &end, 10);
  if (errno != 0 || end == buf) return false;
  *val = v < 0 ? max_value : (uint64_t)v;
  return true;
}

int cg_read_procs(const char *dir, pid_t **pids, size_t *n, struct rt_err *err) {
  autofree char *buf = NULL;
  if (cg_read(dir, "cgroup.procs", &buf, err) < 0) return -1;
  for (char *p = buf; *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) break;
    pid_t *np = realloc(*pids, (*n + 1) * sizeof **pids);
    if (np == NULL) return rt_fail(err, ENOMEM, "read `%s/cgroup.procs`", dir);
    *pids = np;
    (*pids)[(*n)++] = (pid_t)v;
    p = end;
    while (*p == '\n') p++;
  }
  return 0;
}

void cg_sleep_ms(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

static bool has_controller(const char *list, const char *want) {
  size_t wl = strlen(want);
  for (const char *p = list; *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == wl && strncmp(p, want, wl) == 0) return true;
    if (c == NULL) break;
    p = c + 1;
  }
  return false;
}

struct cg_hier *cg_find_v1(struct cg_manager *cg, const char *controller) {
  for (size_t i = 0; i < cg->n; i++)
    if (!cg->h[i].v2 && has_controller(cg->h[i].controllers, controller)) return &cg->h[i];
  return NULL;
}

struct cg_hier *cg_find_v2(struct cg_manager *cg) {
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].v2) return &cg->h[i];
  return NULL;
}
