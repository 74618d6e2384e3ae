/* Symlink-safe path resolution inside the container root.  Every component is
 * opened with O_PATH|O_NOFOLLOW relative to the previous one, so a symlink in
 * the image can never lead a mount or mknod outside the rootfs: absolute links
 * restart at the root and ".." stops at it, as in a chroot (the container
 * escape class of CVE-2021-30465).  Mounts then target "/proc/self/fd/N" so
 * the kernel does not walk the path a second time. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "rootfs-internal.h"

#define MAX_LINKS 40

struct walk {
  int rootfd;
  int curfd;            /* O_PATH fd of res, -1 once past a missing component */
  char res[PATH_MAX];   /* resolved so far, "" = the root */
  char todo[PATH_MAX * 2];
  int links;
  bool strict;          /* report escapes instead of clamping (validation) */
  char *escape;         /* strict: where the escape is described */
  size_t escape_len;
  char lastlink[PATH_MAX * 2 + NAME_MAX + 8]; /* strict: the last symlink followed, for the message */
};

/* Reopen res after a "..": it holds no symlinks, so refuse any the kernel
 * meets on the way (something swapped a directory under us). */
static int reopen_res(struct walk *w, struct rt_err *err) {
  if (w->curfd >= 0 && w->curfd != w->rootfd) close(w->curfd);
  w->curfd = -1;
  if (w->res[0] == '\0') {
    w->curfd = fcntl(w->rootfd, F_DUPFD_CLOEXEC, 3);
    if (w->curfd < 0) return rt_failerrno(err, "dup root fd");
    return 0;
  }
  struct open_how how = {
      .flags = O_PATH | O_CLOEXEC | O_DIRECTORY,
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  w->curfd = (int)syscall(SYS_openat2, w->rootfd, w->res + 1, &how, sizeof how);
  if (w->curfd < 0) return rt_failerrno(err, "open %s", w->res);
  return 0;
}

/* Take the next component of todo into comp; false when none is left. */
static bool next_component(struct walk *w, char *comp, size_t len) {
  char *p = w->todo;
  while (*p == '/') p++;
  if (*p == '\0') {
    w->todo[0] = '\0';
    return false;
  }
  size_t n = strcspn(p, "/");
  if (n >= len) n = len - 1;
  memcpy(comp, p, n);
  comp[n] = '\0';
  memmove(w->todo, p + n, strlen(p + n) + 1);
  return true;
}

static bool todo_empty(const struct walk *w) { return w->todo[strspn(w->todo, "/")] == '\0'; }

static int go_up(struct walk *w, struct rt_err *err) {
  char *slash = strrchr(w->res, '/');
  if (slash == NULL) {
    /* ".." at the root: a chroot stays there; validation calls it an escape. */
    if (w->strict && w->escape[0] == '\0')
      snprintf(w->escape, w->escape_len, "%s%s", w->lastlink[0] ? "through symlink " : "",
               w->lastlink[0] ? w->lastlink : "\"..\" above the root");
    return 0;
  }
  *slash = '\0';
  return w->curfd >= 0 ? reopen_res(w, err) : 0;
}

/* Replace the current component by the link target read from fd. */
static int follow_link(struct walk *w, int fd, const char *comp, struct rt_err *err) {
  char target[PATH_MAX];
  if (++w->links > MAX_LINKS) return rt_fail(err, ELOOP, "resolve %s/%s", w->res, comp);
  ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
  if (n < 0) return rt_failerrno(err, "readlink %s/%s", w->res, comp);
  target[n] = '\0';
  if (w->strict) snprintf(w->lastlink, sizeof w->lastlink, "%s/%s -> %s", w->res, comp, target);
  if (strlen(target) + 1 + strlen(w->todo) + 1 > sizeof w->todo)
    return rt_fail(err, ENAMETOOLONG, "resolve %s/%s", w->res, comp);
  /* todo = target + "/" + todo, shifted in place (lengths checked above). */
  size_t tl = strlen(target);
  memmove(w->todo + tl + 1, w->todo, strlen(w->todo) + 1);
  memcpy(w->todo, target, tl);
  w->todo[tl] = '/';
  if (target[0] == '/') {
    /* A chroot restarts absolute links at its root. */
    w->res[0] = '\0';
    if (w->curfd >= 0) return reopen_res(w, err);
  }
  return 0;
}

static int create_missing(struct walk *w, const char *comp, bool last, enum path_create create,
                          mode_t mode, struct rt_err *err) {
  if (last && create == PATH_MKFILE) {
    int fd = openat(w->curfd, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno != EEXIST) return rt_failerrno(err, "create %s/%s", w->res, comp);
    if (fd >= 0) close(fd);
    return 0;
  }
  if (mkdirat(w->curfd, comp, last ? mode : 0755) < 0 && errno != EEXIST)
    return rt_failerrno(err, "mkdir %s/%s", w->res, comp);
  return 0;
}

/* One regular component: open it, follow it when it is a symlink, create it
 * when it is missing and creation was asked for. */
static int step(struct walk *w, const char *comp, enum path_create create, mode_t mode,
                struct rt_err *err) {
  bool last = todo_empty(w);
  if (strlen(w->res) + 1 + strlen(comp) + 1 > sizeof w->res)
    return rt_fail(err, ENAMETOOLONG, "resolve %s/%s", w->res, comp);
  if (w->curfd < 0) goto append; /* past a missing dir (validation only) */
  autoclose int fd = openat(w->curfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create != PATH_NO_CREATE) {
    if (create_missing(w, comp, last, create, mode, err) < 0) return -1;
    fd = openat(w->curfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0 && errno == ENOENT && w->strict) {
    close(w->curfd);
    w->curfd = -1;
    goto append;
  }
  if (fd < 0) return rt_failerrno(err, "open %s/%s", w->res, comp);
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) return rt_failerrno(err, "stat %s/%s", w->res, comp);
  if (S_ISLNK(st.st_mode)) return follow_link(w, fd, comp, err);
  if (!last && !S_ISDIR(st.st_mode)) return rt_fail(err, ENOTDIR, "open %s/%s", w->res, comp);
  if (w->curfd != w->rootfd) close(w->curfd);
  w->curfd = take_fd(fd);
append:
  strcat(w->res, "/");
  strcat(w->res, comp);
  return 0;
}

static int walk(struct walk *w, const char *path, enum path_create create, mode_t mode,
                struct rt_err *err) {
  if (strlen(path) >= sizeof w->todo) return rt_fail(err, ENAMETOOLONG, "resolve %s", path);
  snprintf(w->todo, sizeof w->todo, "%s", path);
  w->res[0] = '\0';
  w->links = 0;
  w->curfd = -1;
  if (reopen_res(w, err) < 0) return -1;
  char comp[NAME_MAX + 1];
  while (next_component(w, comp, sizeof comp)) {
    int rc = 0;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0)
      rc = go_up(w, err);
    else
      rc = step(w, comp, create, mode, err);
    if (rc < 0) {
      if (w->curfd >= 0) close(w->curfd);
      return -1;
    }
  }
  return 0;
}

int path_open_in_root(int rootfd, const char *path, enum path_create create, mode_t mode,
                      char *resolved, size_t resolved_len, struct rt_err *err) {
  struct walk w = {.rootfd = rootfd};
  if (walk(&w, path, create, mode, err) < 0) return -1;
  if (resolved) snprintf(resolved, resolved_len, "%s", w.res[0] ? w.res : "/");
  return w.curfd;
}

int path_check_escape(const char *root, const char *path, char *escape, size_t len,
                      struct rt_err *err) {
  autoclose int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return rt_failerrno(err, "open %s", root);
  escape[0] = '\0';
  struct walk w = {.rootfd = rootfd, .strict = true, .escape = escape, .escape_len = len};
  if (walk(&w, path, PATH_NO_CREATE, 0, err) < 0) return -1;
  if (w.curfd >= 0) close(w.curfd);
  return 0;
}

const char *path_fd_name(int fd, char *buf, size_t len) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
  return buf;
}

bool in_user_ns(void) {
  autofclose FILE *f = fopen("/proc/self/uid_map", "re");
  if (f == NULL) return false;
  unsigned long inside, outside, count;
  if (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) != 3) return false;
  /* The initial namespace maps the whole range onto itself. */
  return !(inside == 0 && outside == 0 && count == 4294967295UL);
}
