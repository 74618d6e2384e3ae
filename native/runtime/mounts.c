/* config.mounts: option parsing and mounting each entry inside the rootfs.
 * Bind mounts are remounted afterwards because the kernel ignores ro, nosuid,
 * nodev and noexec on the first MS_BIND; propagation changes come last. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "rootfs-internal.h"

struct flag_opt {
  const char *name;
  bool clear; /* the option removes the flag (rw, suid, ...) */
  unsigned long flag;
};

static const struct flag_opt flag_opts[] = {
    {"ro", false, MS_RDONLY},        {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},    {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},      {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},    {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS}, {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},  {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},     {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME}, {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME}, {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},        {"rbind", false, MS_BIND | MS_REC},
    {"nosymfollow", false, MS_NOSYMFOLLOW}, {"symfollow", true, MS_NOSYMFOLLOW},
    {"lazytime", false, MS_LAZYTIME}, {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},    {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION}, {"noiversion", true, MS_I_VERSION},
};

static const struct {
  const char *name;
  unsigned long flag;
} prop_opts[] = {
    {"private", MS_PRIVATE},        {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},          {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},            {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE},  {"runbindable", MS_UNBINDABLE | MS_REC},
};

/* runc's recursive options, applied with mount_setattr(AT_RECURSIVE). */
static const struct {
  const char *name;
  bool clear;
  unsigned int attr;
} rattr_opts[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},         {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},     {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},       {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},     {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME}, {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW}, {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
};

/* Filesystem data words that carry no '=' (passed through as data). */
static const char *const data_words[] = {
    "newinstance", "userxattr", "user_xattr", "nouser_xattr", "acl", "noacl",
    "inode32", "inode64", "noswap", "volatile", "metacopy", "nfs_export", NULL,
};

unsigned long mount_propagation_flag(const char *word) {
  for (size_t i = 0; i < sizeof prop_opts / sizeof prop_opts[0]; i++)
    if (strcmp(word, prop_opts[i].name) == 0) return prop_opts[i].flag;
  return 0;
}

static bool parse_flag(const char *o, struct mount_opts *out) {
  for (size_t i = 0; i < sizeof flag_opts / sizeof flag_opts[0]; i++) {
    if (strcmp(o, flag_opts[i].name) != 0) continue;
    if (flag_opts[i].clear) {
      out->flags &= ~flag_opts[i].flag;
      out->clear |= flag_opts[i].flag;
    } else {
      out->flags |= flag_opts[i].flag;
      out->clear &= ~flag_opts[i].flag;
    }
    return true;
  }
  return false;
}

static bool parse_rattr(const char *o, struct mount_opts *out) {
  for (size_t i = 0; i < sizeof rattr_opts / sizeof rattr_opts[0]; i++) {
    if (strcmp(o, rattr_opts[i].name) != 0) continue;
    if (rattr_opts[i].clear)
      out->rattr_clr |= rattr_opts[i].attr, out->rattr_set &= ~rattr_opts[i].attr;
    else
      out->rattr_set |= rattr_opts[i].attr, out->rattr_clr &= ~rattr_opts[i].attr;
    return true;
  }
  return false;
}

static int add_data(const char *o, struct mount_opts *out, struct rt_err *err) {
  size_t used = strlen(out->data);
  if (used + strlen(o) + 2 > sizeof out->data) return rt_fail(err, 0, "mount data too long");
  snprintf(out->data + used, sizeof out->data - used, "%s%s", used ? "," : "", o);
  return 0;
}

static bool is_data_word(const char *o) {
  if (strchr(o, '=') != NULL) return true;
  for (size_t i = 0; data_words[i]; i++)
    if (strcmp(o, data_words[i]) == 0) return true;
  return false;
}

int mount_parse_options(json_t *options, struct mount_opts *out, struct rt_err *err) {
  memset(out, 0, sizeof *out);
  if (options == NULL || json_is_null(options)) return 0;
  if (!json_is_array(options)) return rt_fail(err, 0, "options: must be an array of strings");
  size_t i;
  json_t *v;
  json_array_foreach(options, i, v) {
    const char *o = json_string_value(v);
    if (o == NULL) return rt_fail(err, 0, "options[%zu]: must be a string", i);
    unsigned long p = mount_propagation_flag(o);
    if (p != 0) {
      if (out->nprop == sizeof out->prop / sizeof out->prop[0])
        return rt_fail(err, 0, "options: too many propagation options");
      out->prop[out->nprop++] = p;
    } else if (strcmp(o, "tmpcopyup") == 0) {
      out->copyup = true;
    } else if (parse_flag(o, out) || parse_rattr(o, out)) {
      continue;
    } else if (is_data_word(o)) {
      if (add_data(o, out, err) < 0) return -1;
    } else {
      return rt_fail(err, 0, "options[%zu]: unknown mount option \"%s\"", i, o);
    }
  }
  return 0;
}

int do_mount(const char *src, const char *target, const char *shown, const char *type,
             unsigned long flags, const char *data, struct rt_err *err) {
  if (mount(src, target, type, flags, data && *data ? data : NULL) == 0) return 0;
  const char *t = type && *type ? type : (flags & MS_BIND ? "bind" : "none");
  if (flags & MS_REMOUNT) return rt_failerrno(err, "remount %s (type %s)", shown, t);
  if (src == NULL || *src == '\0') return rt_failerrno(err, "mount on %s (type %s)", shown, t);
  if (data && *data) return rt_failerrno(err, "mount %s on %s (type %s, data %s)", src, shown, t, data);
  return rt_failerrno(err, "mount %s on %s (type %s)", src, shown, t);
}

/* The MS_* flags a mount has now, from statvfs. */
unsigned long mount_current_flags(const char *target) {
  struct statvfs sv;
  if (statvfs(target, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

int mount_remount_bind(const char *target, const char *shown, unsigned long flags,
                       struct rt_err *err) {
  unsigned long f = MS_BIND | MS_REMOUNT | (flags & ~(MS_REC | MS_BIND | MS_REMOUNT));
  if (mount(NULL, target, NULL, f, NULL) == 0) return 0;
  /* In a user namespace the kernel locks nosuid/nodev/noexec/ro/atime flags
   * inherited from the source mount; keep them and try again. */
  if (errno == EPERM) {
    unsigned long locked = mount_current_flags(target) & ~MS_RDONLY;
    if (mount(NULL, target, NULL, f | locked, NULL) == 0) return 0;
  }
  return rt_failerrno(err, "remount %s (type bind)", shown);
}

static int apply_propagation(const char *target, const char *shown, const struct mount_opts *o,
                             struct rt_err *err) {
  for (size_t i = 0; i < o->nprop; i++)
    if (mount(NULL, target, NULL, o->prop[i], NULL) < 0)
      return rt_failerrno(err, "set propagation of %s", shown);
  if (o->rattr_set || o->rattr_clr) {
    struct mount_attr attr = {.attr_set = o->rattr_set, .attr_clr = o->rattr_clr};
    if (syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof attr) < 0)
      return rt_failerrno(err, "set recursive attributes of %s", shown);
  }
  return 0;
}

static const char *str_field(json_t *m, const char *key) {
  const char *s = json_string_value(json_object_get(m, key));
  return s ? s : "";
}

static bool is_bind(json_t *m, const struct mount_opts *o) {
  const char *type = str_field(m, "type");
  return (o->flags & MS_BIND) || strcmp(type, "bind") == 0 || strcmp(type, "rbind") == 0;
}

/* Create the destination (a file when binding a non-directory) and open it. */
static int open_destination(int rootfd, json_t *m, bool bind, char *shown, size_t len,
                            struct rt_err *err) {
  const char *dest = str_field(m, "destination");
  enum path_create create = PATH_MKDIR;
  if (bind) {
    struct stat st;
    if (stat(str_field(m, "source"), &st) < 0)
      return rt_failerrno(err, "stat %s", str_field(m, "source"));
    if (!S_ISDIR(st.st_mode)) create = PATH_MKFILE;
  }
  return path_open_in_root(rootfd, dest, create, create == PATH_MKFILE ? 0644 : 0755, shown, len,
                           err);
}

int mount_copyup(int rootfd, const char *dest, int olddir, unsigned long flags, const char *data,
                 struct rt_err *err);
int mount_cgroup(json_t *config, int rootfd, const char *dest, unsigned long flags,
                 struct cg_manager *cg, struct rt_err *err);

/* An fd opened before a mount still names the covered directory; open the
 * path again to reach the new mount (for remounts and propagation). */
static int reopen_target(int rootfd, const char *dest, char *target, size_t len,
                         struct rt_err *err) {
  int fd = path_open_in_root(rootfd, dest, PATH_NO_CREATE, 0, NULL, 0, err);
  if (fd >= 0) path_fd_name(fd, target, len);
  return fd;
}

/* Files in /proc a container may have replaced (lxcfs style); anything else
 * under /proc could hide masked paths or fool the kernel (runc's
 * checkProcMount, CVE-2019-19921). */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
    "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid", NULL,
};

bool proc_file_allowed(const char *dest) {
  for (size_t i = 0; proc_allowed[i]; i++)
    if (strcmp(dest, proc_allowed[i]) == 0) return true;
  return false;
}

static int check_proc_dest(const char *dest, const char *type, bool bind, const char *src,
                           struct rt_err *err) {
  if (strcmp(dest, "/proc") == 0) {
    struct statfs sfs;
    if (strcmp(type, "proc") == 0) return 0;
    if (bind && statfs(src, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC) return 0;
    return rt_fail(err, 0, "%s cannot be mounted because it is not of type proc", dest);
  }
  if (strncmp(dest, "/proc/", 6) != 0 || proc_file_allowed(dest)) return 0;
  return rt_fail(err, 0, "%s cannot be mounted because it is inside /proc", dest);
}

/* In a user namespace without its own network (or ipc) namespace the kernel
 * refuses a fresh sysfs (mqueue); bind the host's instead, as runc does.
 * Returns 1 when it did. */
static int mount_fs(const char *src, const char *target, const char *shown, const char *type,
                    const struct mount_opts *o, struct rt_err *err) {
  struct rt_err first = {0};
  if (do_mount(src, target, shown, type, o->flags, o->data, &first) == 0) return 0;
  const char *host = strcmp(type, "sysfs") == 0 ? "/sys" : strcmp(type, "mqueue") == 0 ? "/dev/mqueue" : NULL;
  if (first.errnum != EPERM || host == NULL || !in_user_ns()) {
    *err = first;
    return -1;
  }
  if (do_mount(host, target, shown, "bind", MS_BIND | MS_REC, NULL, err) < 0) return -1;
  return 1;
}

static int mount_one(json_t *config, json_t *m, int rootfd, struct cg_manager *cg,
                     struct rt_err *err) {
  struct mount_opts o;
  if (mount_parse_options(json_object_get(m, "options"), &o, err) < 0) return -1;
  bool bind = is_bind(m, &o);
  char shown[PATH_MAX], target[64];
  autoclose int fd = open_destination(rootfd, m, bind, shown, sizeof shown, err);
  if (fd < 0) return -1;
  path_fd_name(fd, target, sizeof target);
  const char *type = str_field(m, "type"), *src = str_field(m, "source");
  if (check_proc_dest(shown, type, bind, src, err) < 0) return -1;
  /* /dev stays writable until its nodes exist; rootfs_finalize makes it ro. */
  if (strcmp(shown, "/dev") == 0) o.flags &= ~MS_RDONLY;
  bool rebind = bind;
  if (bind) {
    if (do_mount(src, target, shown, "bind", MS_BIND | (o.flags & MS_REC), NULL, err) < 0) return -1;
  } else if (strcmp(type, "cgroup") == 0) {
    if (mount_cgroup(config, rootfd, shown, o.flags, cg, err) < 0) return -1;
  } else if (o.copyup) {
    if (mount_copyup(rootfd, shown, fd, o.flags, o.data, err) < 0) return -1;
  } else {
    int rc = mount_fs(src[0] ? src : type, target, shown, type, &o, err);
    if (rc < 0) return -1;
    rebind = rc == 1; /* the host's instance was bound: flags need a remount */
  }
  autoclose int mfd = reopen_target(rootfd, shown, target, sizeof target, err);
  if (mfd < 0) return -1;
  /* Bind ignores the other flags: they take effect on a remount. */
  if (rebind && (o.flags & ~(MS_BIND | MS_REC)) != 0 &&
      mount_remount_bind(target, shown, o.flags, err) < 0)
    return -1;
  return apply_propagation(target, shown, &o, err);
}

int mounts_setup(json_t *config, int rootfd, struct cg_manager *cg, struct rt_err *err) {
  json_t *mounts = json_object_get(config, "mounts");
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    if (mount_one(config, m, rootfd, cg, err) < 0) return rt_wrap(err, "mounts[%zu]", i);
  }
  return 0;
}

/* ---- tmpcopyup: a tmpfs that starts with the directory's old contents ---- */

static int copy_tree(int src, int dst, int depth, struct rt_err *err);

static int copy_file(int src, int dst, const char *name, const struct stat *st,
                     struct rt_err *err) {
  autoclose int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return rt_failerrno(err, "open %s", name);
  autoclose int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             st->st_mode & 07777);
  if (out < 0) return rt_failerrno(err, "create %s", name);
  char buf[65536];
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0) return rt_failerrno(err, "read %s", name);
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0) return rt_failerrno(err, "write %s", name);
      off += w;
    }
  }
}

static int copy_entry(int src, int dst, const char *name, int depth, struct rt_err *err) {
  struct stat st;
  if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return rt_failerrno(err, "stat %s", name);
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(dst, name, st.st_mode & 07777) < 0) return rt_failerrno(err, "mkdir %s", name);
    autoclose int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    autoclose int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || d < 0) return rt_failerrno(err, "open %s", name);
    if (copy_tree(s, d, depth + 1, err) < 0) return rt_wrap(err, "%s", name);
  } else if (S_ISREG(st.st_mode)) {
    if (copy_file(src, dst, name, &st, err) < 0) return -1;
  } else if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(src, name, target, sizeof target - 1);
    if (n < 0) return rt_failerrno(err, "readlink %s", name);
    target[n] = '\0';
    if (symlinkat(target, dst, name) < 0) return rt_failerrno(err, "symlink %s", name);
  } else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
    return rt_failerrno(err, "mknod %s", name);
  }
  if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return rt_failerrno(err, "chown %s", name);
  /* mkdir/open/mknod applied the umask; set the exact mode. */
  if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
    return rt_failerrno(err, "chmod %s", name);
  return 0;
}

static int copy_tree(int src, int dst, int depth, struct rt_err *err) {
  if (depth > 128) return rt_fail(err, ELOOP, "copy: tree too deep");
  int dup_fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
  if (dup_fd < 0) return rt_failerrno(err, "dup dir fd");
  autoclosedir DIR *d = fdopendir(dup_fd);
  if (d == NULL) {
    close(dup_fd);
    return rt_failerrno(err, "read dir");
  }
  struct dirent *e;
  while ((errno = 0, e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (copy_entry(src, dst, e->d_name, depth, err) < 0) return -1;
  }
  if (errno != 0) return rt_failerrno(err, "read dir");
  return 0;
}

int mount_copyup(int rootfd, const char *dest, int olddir_path, unsigned long flags,
                 const char *data, struct rt_err *err) {
  /* Opened before the mount, this fd keeps naming the covered directory. */
  autoclose int old = openat(olddir_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (old < 0) return rt_failerrno(err, "open %s", dest);
  char target[64];
  path_fd_name(olddir_path, target, sizeof target);
  if (do_mount("tmpfs", target, dest, "tmpfs", flags & ~MS_RDONLY, data, err) < 0) return -1;
  autoclose int newfd = path_open_in_root(rootfd, dest, PATH_NO_CREATE, 0, NULL, 0, err);
  if (newfd < 0) return -1;
  autoclose int newdir = openat(newfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (newdir < 0) return rt_failerrno(err, "open %s", dest);
  if (copy_tree(old, newdir, 0, err) < 0) return rt_wrap(err, "copy up %s", dest);
  if (flags & MS_RDONLY) {
    path_fd_name(newfd, target, sizeof target);
    if (do_mount("tmpfs", target, dest, "tmpfs", flags | MS_REMOUNT, data, err) < 0) return -1;
  }
  return 0;
}

/* ---- cgroup: the container's own hierarchies ---- */

static bool new_cgroup_ns(json_t *config) {
  json_t *ns, *nss = json_object_get(json_object_get(config, "linux"), "namespaces");
  size_t i;
  json_array_foreach(nss, i, ns) {
    const char *type = json_string_value(json_object_get(ns, "type"));
    const char *path = json_string_value(json_object_get(ns, "path"));
    if (type && strcmp(type, "cgroup") == 0 && (path == NULL || *path == '\0')) return true;
  }
  return false;
}

/* Bind one hierarchy's container dir at dest/<sub> (sub "" = dest itself). */
static int bind_hierarchy(int rootfd, const char *dest, const char *sub, const char *host,
                          unsigned long flags, struct rt_err *err) {
  char path[PATH_MAX], shown[PATH_MAX], target[64];
  snprintf(path, sizeof path, "%s/%s", dest, sub);
  autoclose int fd = path_open_in_root(rootfd, path, PATH_MKDIR, 0755, shown, sizeof shown, err);
  if (fd < 0) return -1;
  if (do_mount(host, path_fd_name(fd, target, sizeof target), shown, "bind", MS_BIND | MS_REC,
               NULL, err) < 0)
    return -1;
  autoclose int mfd = reopen_target(rootfd, shown, target, sizeof target, err);
  if (mfd < 0) return -1;
  return mount_remount_bind(target, shown, flags, err);
}

/* "cpu,cpuacct" mounted together: add cpu and cpuacct links to it. */
static int comount_links(int rootfd, const char *dest, const char *dir, struct rt_err *err) {
  if (strchr(dir, ',') == NULL) return 0;
  autoclose int dfd = path_open_in_root(rootfd, dest, PATH_NO_CREATE, 0, NULL, 0, err);
  if (dfd < 0) return -1;
  char names[64];
  snprintf(names, sizeof names, "%s", dir);
  for (char *save, *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save))
    if (symlinkat(dir, dfd, n) < 0 && errno != EEXIST)
      return rt_failerrno(err, "symlink %s/%s", dest, n);
  return 0;
}

static int mount_cgroup_v1(int rootfd, const char *dest, unsigned long flags,
                           struct cg_mount *ms, size_t n, struct rt_err *err) {
  char target[64];
  autoclose int fd = path_open_in_root(rootfd, dest, PATH_NO_CREATE, 0, NULL, 0, err);
  if (fd < 0) return -1;
  if (do_mount("tmpfs", path_fd_name(fd, target, sizeof target), dest, "tmpfs", flags & ~MS_RDONLY,
               "mode=755", err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    const char *dir = ms[i].v2 ? "unified" : ms[i].name;
    if (strncmp(dir, "name=", 5) == 0) dir += 5; /* name=systemd -> systemd */
    if (bind_hierarchy(rootfd, dest, dir, ms[i].host_path, flags, err) < 0) return -1;
    if (comount_links(rootfd, dest, dir, err) < 0) return -1;
  }
  /* Like runc 1.1 the tmpfs itself stays writable; the hierarchies are ro. */
  return 0;
}

int mount_cgroup(json_t *config, int rootfd, const char *dest, unsigned long flags,
                 struct cg_manager *cg, struct rt_err *err) {
  struct cg_mount *ms = NULL;
  size_t n = 0;
  if (cg != NULL && cg_mounts(cg, &ms, &n, err) < 0) return rt_wrap(err, "cgroup mount %s", dest);
  autofree struct cg_mount *owned = ms;
  if (cg == NULL || !cg_is_v2(cg)) return mount_cgroup_v1(rootfd, dest, flags, ms, n, err);
  if (new_cgroup_ns(config) || n == 0) {
    /* In its own cgroup namespace the container's cgroup is the fs root. */
    char target[64];
    autoclose int fd = path_open_in_root(rootfd, dest, PATH_NO_CREATE, 0, NULL, 0, err);
    if (fd < 0) return -1;
    return do_mount("cgroup2", path_fd_name(fd, target, sizeof target), dest, "cgroup2", flags,
                    NULL, err);
  }
  return bind_hierarchy(rootfd, dest, "", ms[0].host_path, flags, err);
}
