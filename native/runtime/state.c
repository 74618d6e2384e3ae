/* The container state directory <root>/<id>/ (see state.h).  state.json is
 * ours alone, so its keys are our choice; only `state`'s output is a contract:
 *   {"id", "init_process_pid", "init_process_start", "bundle", "rootfs",
 *    "created", "config": <config.json at create>, "cgroup": <cg_save()>|null} */
#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"

#define STATE_FILE "state.json"
#define FIFO_FILE "exec.fifo"
#define DEFAULT_OCI_VERSION "1.2.0"

int state_validate_id(const char *id, struct rt_err *err) {
  size_t len = id ? strlen(id) : 0;
  bool ok = len > 0 && len <= 255 && isalnum((unsigned char)id[0]);
  for (size_t i = 1; ok && i < len; i++)
    ok = isalnum((unsigned char)id[i]) || id[i] == '_' || id[i] == '.' || id[i] == '-';
  if (!ok) return rt_fail(err, 0, "invalid container id format: %s", id ? id : "");
  return 0;
}

int state_path(const char *root, const char *id, const char *file, char *out, size_t len,
               struct rt_err *err) {
  int n = file ? snprintf(out, len, "%s/%s/%s", root, id, file)
               : snprintf(out, len, "%s/%s", root, id);
  if (n < 0 || (size_t)n >= len) return rt_fail(err, ENAMETOOLONG, "build state path for `%s`", id);
  return 0;
}

static int mkdir_p(const char *path, mode_t mode, struct rt_err *err) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return rt_fail(err, ENAMETOOLONG, "mkdir `%s`", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return rt_failerrno(err, "mkdir `%s`", buf);
    *p = saved;
    if (saved == '\0') break;
  }
  return 0;
}

int state_create_dir(const char *root, const char *id, struct rt_err *err) {
  char dir[PATH_MAX];
  if (state_validate_id(id, err) < 0) return -1;
  if (mkdir_p(root, 0700, err) < 0) return rt_wrap(err, "create state root");
  if (state_path(root, id, NULL, dir, sizeof dir, err) < 0) return -1;
  if (mkdir(dir, 0711) < 0) {
    if (errno == EEXIST) return rt_fail(err, 0, "container with given ID already exists");
    return rt_failerrno(err, "mkdir `%s`", dir);
  }
  return 0;
}

static json_t *state_file_json(const struct rt_state *st) {
  json_t *cg = st->cg ? cg_save(st->cg) : json_null();
  return json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:O, s:o}", "id", st->id,
                   "init_process_pid", (int)st->pid, "init_process_start",
                   (json_int_t)st->start_time, "bundle", st->bundle, "rootfs", st->rootfs,
                   "created", st->created, "config", st->config ? st->config : json_null(),
                   "cgroup", cg ? cg : json_null());
}

/* Temp file in the same directory, then rename: a reader sees the old or the
 * new state, never a torn one, even when we are killed half way.  No fsync:
 * the state root is runtime state (tmpfs by convention, gone at reboot), and
 * an fsync cost a millisecond of every `run`. */
int state_save(const char *root, const struct rt_state *st, struct rt_err *err) {
  char path[PATH_MAX], tmp[PATH_MAX];
  if (state_path(root, st->id, STATE_FILE, path, sizeof path, err) < 0) return -1;
  if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
    return rt_fail(err, ENAMETOOLONG, "build temp path for `%s`", path);
  json_t *doc = state_file_json(st);
  autofree char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  if (text == NULL) return rt_fail(err, ENOMEM, "encode state of `%s`", st->id);

  autoclose int fd = mkstemp(tmp);
  if (fd < 0) return rt_failerrno(err, "create `%s`", tmp);
  if (fchmod(fd, 0600) < 0) {
    rt_failerrno(err, "chmod `%s`", tmp);
    goto fail;
  }
  if (io_write_all(fd, text, strlen(text)) < 0) {
    rt_failerrno(err, "write `%s`", tmp);
    goto fail;
  }
  if (rename(tmp, path) < 0) {
    rt_failerrno(err, "rename `%s` to `%s`", tmp, path);
    goto fail;
  }
  return 0;
fail:
  unlink(tmp);
  return -1;
}

static int parse_state(json_t *doc, const char *id, struct rt_state *st, struct rt_err *err) {
  const char *sid = NULL, *bundle = "", *rootfs = "", *created = "";
  json_int_t pid = 0, start = 0;
  json_t *config = NULL, *cg = NULL;
  json_error_t jerr;
  if (json_unpack_ex(doc, &jerr, 0, "{s:s, s?I, s?I, s?s, s?s, s?s, s?o, s?o}", "id", &sid,
                     "init_process_pid", &pid, "init_process_start", &start, "bundle", &bundle,
                     "rootfs", &rootfs, "created", &created, "config", &config, "cgroup",
                     &cg) < 0)
    return rt_fail(err, 0, "parse state of `%s`: %s", id, jerr.text);
  if (strcmp(sid, id) != 0) return rt_fail(err, 0, "state of `%s` names container `%s`", id, sid);
  snprintf(st->id, sizeof st->id, "%s", sid);
  st->pid = (pid_t)pid;
  st->start_time = (unsigned long long)start;
  snprintf(st->bundle, sizeof st->bundle, "%s", bundle);
  snprintf(st->rootfs, sizeof st->rootfs, "%s", rootfs);
  snprintf(st->created, sizeof st->created, "%s", created);
  if (json_is_object(config)) st->config = json_incref(config);
  if (cg != NULL && !json_is_null(cg) && cg_load(cg, &st->cg, err) < 0)
    return rt_wrap(err, "load cgroup of `%s`", id);
  return 0;
}

int state_load(const char *root, const char *id, struct rt_state *st, struct rt_err *err) {
  char path[PATH_MAX];
  memset(st, 0, sizeof *st);
  if (state_validate_id(id, err) < 0) return -1;
  if (state_path(root, id, STATE_FILE, path, sizeof path, err) < 0) return -1;
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    /* A dir without state.json is a create that never finished: also absent. */
    if (errno == ENOENT || errno == ENOTDIR) return rt_fail(err, 0, "container does not exist");
    return rt_failerrno(err, "open `%s`", path);
  }
  /* One read, not jansson's json_loadfd (a read(2) per byte: 10k+ syscalls
   * for a state holding Docker's seccomp profile). */
  autofree char *text = NULL;
  size_t len = 0;
  if (io_read_all(fd, &text, &len) < 0) return rt_failerrno(err, "read `%s`", path);
  json_error_t jerr;
  json_t *doc = json_loadb(text, len, 0, &jerr);
  if (doc == NULL) return rt_fail(err, 0, "parse `%s`: %s", path, jerr.text);
  int rc = parse_state(doc, id, st, err);
  json_decref(doc);
  if (rc < 0) state_free(st);
  return rc;
}

void state_free(struct rt_state *st) {
  json_decref(st->config);
  st->config = NULL;
  if (st->cg) cg_free(st->cg);
  st->cg = NULL;
}

/* /proc/<pid>/stat: the state letter (field 3) and start time (field 22).
 * comm (field 2) may hold spaces and ')', so parse from the last ')'. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ') return -1;
  p += 2;
  *state = *p;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (p == NULL) return -1;
    p++;
  }
  *start = strtoull(p, NULL, 10);
  return 0;
}

unsigned long long state_proc_start_time(pid_t pid) {
  char s;
  unsigned long long start;
  if (pid <= 0 || proc_stat(pid, &s, &start) < 0) return 0;
  return start;
}

/* Alive, not a zombie, and the same process we started (pids get recycled). */
static bool init_alive(const struct rt_state *st) {
  char s;
  unsigned long long start;
  if (st->pid <= 0 || proc_stat(st->pid, &s, &start) < 0) return false;
  if (s == 'Z' || s == 'X' || s == 'x') return false;
  return st->start_time == 0 || st->start_time == start;
}

enum rt_status state_status(const char *root, const struct rt_state *st) {
  char fifo[PATH_MAX];
  struct rt_err err = {0};
  if (!init_alive(st)) return ST_STOPPED;
  if (state_path(root, st->id, FIFO_FILE, fifo, sizeof fifo, &err) == 0 && access(fifo, F_OK) == 0)
    return ST_CREATED;
  bool frozen = false;
  if (st->cg && cg_is_frozen(st->cg, &frozen, &err) == 0 && frozen) return ST_PAUSED;
  return ST_RUNNING;
}

const char *state_status_name(enum rt_status status) {
  switch (status) {
  case ST_CREATING: return "creating";
  case ST_CREATED: return "created";
  case ST_RUNNING: return "running";
  case ST_PAUSED: return "paused";
  case ST_STOPPED: return "stopped";
  }
  return "unknown";
}

json_t *state_to_json(const struct rt_state *st, enum rt_status status) {
  json_t *ver = st->config ? json_object_get(st->config, "ociVersion") : NULL;
  json_t *ann = st->config ? json_object_get(st->config, "annotations") : NULL;
  json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "ociVersion",
                        json_is_string(ver) ? json_string_value(ver) : DEFAULT_OCI_VERSION, "id",
                        st->id, "pid", status == ST_STOPPED ? 0 : (int)st->pid, "status",
                        state_status_name(status), "bundle", st->bundle, "rootfs", st->rootfs,
                        "created", st->created);
  if (o == NULL) return NULL;
  /* runc: annotations omitempty, then owner. */
  if (json_is_object(ann) && json_object_size(ann) > 0)
    json_object_set_new(o, "annotations", json_deep_copy(ann));
  json_object_set_new(o, "owner", json_string(""));
  return o;
}

/* rm -rf below an open directory fd; ENOENT anywhere is success. */
static int remove_tree_at(int parent, const char *name, struct rt_err *err) {
  if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return rt_failerrno(err, "unlink `%s`", name);
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : rt_failerrno(err, "open `%s`", name);
  autoclosedir DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return rt_failerrno(err, "opendir `%s`", name);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    if (remove_tree_at(dirfd(d), de->d_name, err) < 0) return rt_wrap(err, "remove `%s`", name);
  }
  if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return rt_failerrno(err, "rmdir `%s`", name);
  return 0;
}

int state_remove(const char *root, const char *id, struct rt_err *err) {
  if (state_validate_id(id, err) < 0) return -1;
  autoclose int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return errno == ENOENT ? 0 : rt_failerrno(err, "open state root `%s`", root);
  if (remove_tree_at(rootfd, id, err) < 0) return rt_wrap(err, "remove state of `%s`", id);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *root, char ***ids, size_t *n, struct rt_err *err) {
  *ids = NULL;
  *n = 0;
  autoclosedir DIR *d = opendir(root);
  if (d == NULL) return errno == ENOENT ? 0 : rt_failerrno(err, "open state root `%s`", root);
  size_t cap = 0;
  struct dirent *de;
  struct rt_err ignored = {0};
  while ((de = readdir(d)) != NULL) {
    struct stat sb;
    if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
      continue;
    if (state_validate_id(de->d_name, &ignored) < 0) {
      rt_err_clear(&ignored);
      continue;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      char **grown = realloc(*ids, cap * sizeof **ids);
      if (grown == NULL) goto oom;
      *ids = grown;
    }
    if (((*ids)[*n] = strdup(de->d_name)) == NULL) goto oom;
    (*n)++;
  }
  if (*n > 0) qsort(*ids, *n, sizeof **ids, cmp_str);
  return 0;
oom:
  for (size_t i = 0; i < *n; i++) free((*ids)[i]);
  free(*ids);
  *ids = NULL;
  *n = 0;
  return rt_fail(err, ENOMEM, "list state root `%s`", root);
}
