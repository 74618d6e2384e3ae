/* The container's filesystem, front door: validation of every filesystem
 * field, then the steps the init runs in its new mount namespace:
 *   rootfs_prepare  "/" rslave, rootfs bound onto itself, config.mounts, /dev
 *   rootfs_pivot    pivot_root(".", ".") and the old root detached
 *   rootfs_finalize maskedPaths, readonlyPaths, root.readonly, propagation
 * Nothing here runs in the host mount namespace. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "rootfs-internal.h"
#include "rootfs.h"

/* ---- validation ---- */

static const char *const known_types[] = {
    "bind", "rbind", "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2",
    "overlay", "none", "ramfs", "securityfs", "debugfs", "tracefs", "fuse", "hugetlbfs",
    "binfmt_misc", "configfs", "pstore", "bpf", "nfs", "nfs4", "xfs", "ext4", "btrfs", NULL,
};

/* A type we know, or one the kernel lists in /proc/filesystems. */
static bool fs_type_known(const char *type) {
  for (size_t i = 0; known_types[i]; i++)
    if (strcmp(type, known_types[i]) == 0) return true;
  autofclose FILE *f = fopen("/proc/filesystems", "re");
  char line[256];
  while (f && fgets(line, sizeof line, f)) {
    char *name = strrchr(line, '\t');
    name = name ? name + 1 : line;
    name[strcspn(name, "\n")] = '\0';
    if (strcmp(name, type) == 0) return true;
  }
  return false;
}

static int validate_destination(const char *rootfs, const char *dest, size_t i,
                                struct rt_err *err) {
  char escape[PATH_MAX * 2];
  if (path_check_escape(rootfs, dest, escape, sizeof escape, err) < 0)
    return rt_wrap(err, "config.json: mounts[%zu].destination", i);
  if (escape[0] != '\0')
    return rt_fail(err, 0,
                   "config.json: mounts[%zu].destination: %s resolves outside the container "
                   "root (%s)",
                   i, dest, escape);
  return 0;
}

static int validate_mount(json_t *m, size_t i, const char *rootfs, struct rt_err *err) {
  if (!json_is_object(m)) return rt_fail(err, 0, "config.json: mounts[%zu]: must be an object", i);
  const char *dest = json_string_value(json_object_get(m, "destination"));
  json_t *jtype = json_object_get(m, "type"), *jsrc = json_object_get(m, "source");
  if (dest == NULL) return rt_fail(err, 0, "config.json: mounts[%zu].destination: required", i);
  if (dest[0] != '/')
    return rt_fail(err, 0, "config.json: mounts[%zu].destination: must be an absolute path", i);
  if ((jtype && !json_is_string(jtype)) || (jsrc && !json_is_string(jsrc)))
    return rt_fail(err, 0, "config.json: mounts[%zu]: type and source must be strings", i);
  struct mount_opts o;
  if (mount_parse_options(json_object_get(m, "options"), &o, err) < 0)
    return rt_wrap(err, "config.json: mounts[%zu]", i);
  const char *type = jtype ? json_string_value(jtype) : "";
  const char *src = jsrc ? json_string_value(jsrc) : "";
  bool bind = (o.flags & MS_BIND) || strcmp(type, "bind") == 0 || strcmp(type, "rbind") == 0;
  if (bind) {
    struct stat st;
    if (src[0] == '\0') return rt_fail(err, 0, "config.json: mounts[%zu].source: required for a bind mount", i);
    if (stat(src, &st) < 0) return rt_failerrno(err, "config.json: mounts[%zu].source: stat %s", i, src);
  } else if (type[0] == '\0') {
    return rt_fail(err, 0, "config.json: mounts[%zu].type: required unless the mount is a bind", i);
  } else if (!fs_type_known(type)) {
    return rt_fail(err, 0, "config.json: mounts[%zu].type: unknown filesystem type \"%s\"", i, type);
  }
  /* Mounting over /proc files is checked again on the resolved path. */
  if (strncmp(dest, "/proc/", 6) == 0 && strcmp(type, "proc") != 0 &&
      !proc_file_allowed(dest))
    return rt_fail(err, 0, "config.json: mounts[%zu].destination: %s cannot be mounted because it is inside /proc", i, dest);
  return validate_destination(rootfs, dest, i, err);
}

static int validate_path_list(json_t *linux, const char *field, struct rt_err *err) {
  json_t *list = json_object_get(linux, field);
  if (list == NULL || json_is_null(list)) return 0;
  if (!json_is_array(list)) return rt_fail(err, 0, "config.json: linux.%s: must be an array", field);
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    const char *p = json_string_value(v);
    if (p == NULL || p[0] != '/')
      return rt_fail(err, 0, "config.json: linux.%s[%zu]: must be an absolute path", field, i);
  }
  return 0;
}

static int validate_root(json_t *config, const char *rootfs, struct rt_err *err) {
  json_t *root = json_object_get(config, "root");
  if (root && !json_is_object(root)) return rt_fail(err, 0, "config.json: root: must be an object");
  json_t *ro = json_object_get(root, "readonly");
  if (ro && !json_is_boolean(ro)) return rt_fail(err, 0, "config.json: root.readonly: must be a boolean");
  struct stat st;
  if (stat(rootfs, &st) < 0) return rt_failerrno(err, "config.json: root.path: stat %s", rootfs);
  if (!S_ISDIR(st.st_mode))
    return rt_fail(err, ENOTDIR, "config.json: root.path: %s is not a directory", rootfs);
  return 0;
}

int rootfs_validate(json_t *config, const char *rootfs, struct rt_err *err) {
  if (validate_root(config, rootfs, err) < 0) return -1;
  json_t *mounts = json_object_get(config, "mounts");
  if (mounts && !json_is_null(mounts) && !json_is_array(mounts))
    return rt_fail(err, 0, "config.json: mounts: must be an array");
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    if (validate_mount(m, i, rootfs, err) < 0) return -1;
  }
  json_t *linux = json_object_get(config, "linux");
  if (devices_validate(json_object_get(linux, "devices"), err) < 0) return rt_wrap(err, "config.json");
  if (validate_path_list(linux, "maskedPaths", err) < 0) return -1;
  if (validate_path_list(linux, "readonlyPaths", err) < 0) return -1;
  json_t *prop = json_object_get(linux, "rootfsPropagation");
  if (prop && !json_is_null(prop) &&
      (!json_is_string(prop) || mount_propagation_flag(json_string_value(prop)) == 0))
    return rt_fail(err, 0,
                   "config.json: linux.rootfsPropagation: must be one of shared, slave, private, "
                   "unbindable (or the r* forms)");
  return 0;
}

/* ---- prepare ---- */

static unsigned long root_propagation(json_t *config) {
  const char *p =
      json_string_value(json_object_get(json_object_get(config, "linux"), "rootfsPropagation"));
  return p ? mount_propagation_flag(p) : 0;
}

/* pivot_root refuses a shared parent mount; make the mount holding the rootfs
 * private (only that one, so nothing else changes; runc does the same). */
static int parent_mount_private(const char *rootfs, struct rt_err *err) {
  autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return rt_failerrno(err, "open /proc/self/mountinfo");
  char line[8192], best[PATH_MAX] = "", mp[PATH_MAX];
  bool best_shared = false;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1) continue;
    size_t n = strlen(mp);
    bool under = strcmp(mp, "/") == 0 ||
                 (strncmp(rootfs, mp, n) == 0 && (rootfs[n] == '/' || rootfs[n] == '\0'));
    if (under && n >= strlen(best)) {
      snprintf(best, sizeof best, "%s", mp);
      char *sep = strstr(line, " - ");
      char *shared = strstr(line, " shared:");
      best_shared = shared != NULL && (sep == NULL || shared < sep);
    }
  }
  if (best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    return rt_failerrno(err, "make %s private", best);
  return 0;
}

/* The next config mount at /dev from *i on whose options parse (bad ones
 * fail later, in the mount itself), with those options in *o; NULL at the end. */
static json_t *next_dev_mount(json_t *config, size_t *i, struct mount_opts *o) {
  json_t *mounts = json_object_get(config, "mounts");
  while (*i < json_array_size(mounts)) {
    json_t *m = json_array_get(mounts, (*i)++);
    const char *dest = json_string_value(json_object_get(m, "destination"));
    struct rt_err ignored = {0};
    if (dest && strcmp(dest, "/dev") == 0 &&
        mount_parse_options(json_object_get(m, "options"), o, &ignored) == 0)
      return m;
  }
  return NULL;
}

/* runc leaves /dev alone when the config binds a host /dev there. */
static bool dev_is_bound(json_t *config) {
  struct mount_opts o;
  json_t *m;
  for (size_t i = 0; (m = next_dev_mount(config, &i, &o)) != NULL;) {
    const char *type = json_string_value(json_object_get(m, "type"));
    if ((o.flags & MS_BIND) || (type && strcmp(type, "bind") == 0)) return true;
  }
  return false;
}

int rootfs_prepare(json_t *config, const char *rootfs, struct cg_manager *cg,
                   struct rt_err *err) {
  unsigned long prop = root_propagation(config);
  /* Default rslave: host mounts still reach us, ours never reach the host. */
  if (mount(NULL, "/", NULL, prop ? prop : MS_SLAVE | MS_REC, NULL) < 0)
    return rt_failerrno(err, "set propagation of /");
  if (parent_mount_private(rootfs, err) < 0) return -1;
  /* pivot_root needs the new root to be a mount point. */
  if (do_mount(rootfs, rootfs, rootfs, "bind", MS_BIND | MS_REC, NULL, err) < 0) return -1;
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return rt_failerrno(err, "open %s", rootfs);
  if (mounts_setup(config, rootfd, cg, err) < 0) return -1;
  if (!dev_is_bound(config) && devices_setup(config, rootfd, err) < 0) return rt_wrap(err, "/dev");
  return 0;
}

/* ---- pivot ---- */

static int move_root(const char *rootfs, struct rt_err *err) {
  if (chdir(rootfs) < 0) return rt_failerrno(err, "chdir %s", rootfs);
  if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0) return rt_failerrno(err, "move %s to /", rootfs);
  if (chroot(".") < 0) return rt_failerrno(err, "chroot %s", rootfs);
  if (chdir("/") < 0) return rt_failerrno(err, "chdir /");
  return 0;
}

int rootfs_pivot(const char *rootfs, bool no_pivot, struct rt_err *err) {
  if (no_pivot) return move_root(rootfs, err);
  autoclose int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) return rt_failerrno(err, "open /");
  autoclose int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) return rt_failerrno(err, "open %s", rootfs);
  if (fchdir(newroot) < 0) return rt_failerrno(err, "chdir %s", rootfs);
  /* pivot_root(".", ".") stacks the old root on top of the new one, so no
   * directory for it is needed inside the rootfs. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) return rt_failerrno(err, "pivot_root %s", rootfs);
  if (fchdir(oldroot) < 0) return rt_failerrno(err, "chdir old root");
  /* rslave first so detaching the old root cannot propagate to the host. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return rt_failerrno(err, "make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) return rt_failerrno(err, "detach old root");
  if (chdir("/") < 0) return rt_failerrno(err, "chdir /");
  return 0;
}

/* ---- finalize (after pivot: "/" is the container's root) ---- */

/* Mount targets by fd when the container has /proc, else by resolved path. */
static const char *target_of(int fd, const char *resolved, char *buf, size_t len) {
  if (access("/proc/self/fd", F_OK) == 0) return path_fd_name(fd, buf, len);
  snprintf(buf, len, "%s", resolved);
  return buf;
}

/* Open path in the container root; 1 when it is missing (skipped). */
static int open_existing(int rootfd, const char *path, int *fd, char *resolved, size_t len,
                         struct rt_err *err) {
  struct rt_err tmp = {0};
  *fd = path_open_in_root(rootfd, path, PATH_NO_CREATE, 0, resolved, len, &tmp);
  if (*fd >= 0) return 0;
  if (tmp.errnum == ENOENT) return 1;
  *err = tmp;
  return -1;
}

static int mask_path(int rootfd, const char *path, struct rt_err *err) {
  char resolved[PATH_MAX], target[PATH_MAX];
  autoclose int fd = -1;
  int rc = open_existing(rootfd, path, &fd, resolved, sizeof resolved, err);
  if (rc != 0) return rc < 0 ? -1 : 0;
  struct stat st;
  if (fstatat(fd, "", &st, AT_EMPTY_PATH) < 0) return rt_failerrno(err, "stat %s", resolved);
  target_of(fd, resolved, target, sizeof target);
  /* A directory gets an empty read-only tmpfs, anything else /dev/null. */
  if (S_ISDIR(st.st_mode))
    return do_mount("tmpfs", target, resolved, "tmpfs", MS_RDONLY, NULL, err);
  return do_mount("/dev/null", target, resolved, "bind", MS_BIND, NULL, err);
}

static int readonly_path(int rootfd, const char *path, struct rt_err *err) {
  char resolved[PATH_MAX], target[PATH_MAX];
  autoclose int fd = -1;
  int rc = open_existing(rootfd, path, &fd, resolved, sizeof resolved, err);
  if (rc != 0) return rc < 0 ? -1 : 0;
  target_of(fd, resolved, target, sizeof target);
  if (do_mount(target, target, resolved, "bind", MS_BIND | MS_REC, NULL, err) < 0) return -1;
  autoclose int mfd = path_open_in_root(rootfd, resolved, PATH_NO_CREATE, 0, NULL, 0, err);
  if (mfd < 0) return -1;
  target_of(mfd, resolved, target, sizeof target);
  /* Keep nosuid/nodev/noexec the path already had (e.g. /proc/sys). */
  unsigned long keep = mount_current_flags(target) & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
  return mount_remount_bind(target, resolved, MS_RDONLY | keep, err);
}

static int for_each_path(json_t *linux, const char *field, int rootfd,
                         int (*fn)(int, const char *, struct rt_err *), struct rt_err *err) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(linux, field), i, v) {
    const char *p = json_string_value(v);
    if (p && fn(rootfd, p, err) < 0) return rt_wrap(err, "linux.%s[%zu]", field, i);
  }
  return 0;
}

/* The first /dev mount decides. */
static bool dev_mount_readonly(json_t *config) {
  struct mount_opts o;
  size_t i = 0;
  return next_dev_mount(config, &i, &o) != NULL && (o.flags & MS_RDONLY) != 0;
}

static int remount_readonly(const char *path, struct rt_err *err) {
  unsigned long keep = mount_current_flags(path) & ~MS_RDONLY;
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
    return rt_failerrno(err, "remount %s read-only", path);
  return 0;
}

int rootfs_finalize(json_t *config, struct rt_err *err) {
  json_t *linux = json_object_get(config, "linux");
  autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return rt_failerrno(err, "open /");
  /* runc's order: read-only paths first, so a masked path under one still works. */
  if (for_each_path(linux, "readonlyPaths", rootfd, readonly_path, err) < 0) return -1;
  if (for_each_path(linux, "maskedPaths", rootfd, mask_path, err) < 0) return -1;
  /* A read-only /dev had to stay writable until its nodes existed (runc). */
  if (dev_mount_readonly(config) && remount_readonly("/dev", err) < 0) return -1;
  if (json_is_true(json_object_get(json_object_get(config, "root"), "readonly")) &&
      remount_readonly("/", err) < 0)
    return -1;
  /* Only now is the rootfs "/": propagation set earlier applied to the host's. */
  unsigned long prop = root_propagation(config);
  if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
    return rt_failerrno(err, "set propagation of /");
  return 0;
}

int rootfs_bind_console(const char *slave_path, struct rt_err *err) {
  autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return rt_failerrno(err, "open /");
  char resolved[PATH_MAX], target[PATH_MAX];
  mode_t old = umask(0);
  autoclose int fd =
      path_open_in_root(rootfd, "/dev/console", PATH_MKFILE, 0600, resolved, sizeof resolved, err);
  umask(old);
  if (fd < 0) return rt_wrap(err, "console");
  target_of(fd, resolved, target, sizeof target);
  return do_mount(slave_path, target, resolved, "bind", MS_BIND, NULL, err);
}
