/* /dev inside the container: the default nodes every runtime supplies, the
 * config's linux.devices, the /proc/self/fd links and /dev/ptmx.  Nodes are
 * made with mknod; in a user namespace (where mknod is refused) the host node
 * is bind-mounted onto an empty file instead, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "rootfs-internal.h"

struct device {
  const char *path;
  char type; /* c b u p */
  long long major, minor;
  mode_t mode;
  uid_t uid;
  gid_t gid;
};

static const struct device default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static const struct {
  const char *target, *path;
} dev_links[] = {
    {"/proc/self/fd", "/dev/fd"},
    {"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"},
    {"/proc/self/fd/2", "/dev/stderr"},
};

static mode_t type_bits(char type) {
  switch (type) {
    case 'c':
    case 'u':
      return S_IFCHR;
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      return 0;
  }
}

static int parse_device(json_t *d, struct device *out, struct rt_err *err) {
  const char *path = json_string_value(json_object_get(d, "path"));
  const char *type = json_string_value(json_object_get(d, "type"));
  if (path == NULL || path[0] != '/') return rt_fail(err, 0, "path: must be an absolute path");
  if (strncmp(path, "/dev/", 5) != 0 || strstr(path, "/../") || strcmp(path + strlen(path) - 3, "/..") == 0)
    return rt_fail(err, 0, "path: %s is not under /dev", path);
  if (type == NULL || strlen(type) != 1 || type_bits(type[0]) == 0)
    return rt_fail(err, 0, "type: must be one of c, b, u, p");
  out->path = path;
  out->type = type[0];
  json_t *maj = json_object_get(d, "major"), *min = json_object_get(d, "minor");
  if (out->type != 'p' && (!json_is_integer(maj) || !json_is_integer(min)))
    return rt_fail(err, 0, "major, minor: required for type %c", out->type);
  out->major = json_integer_value(maj);
  out->minor = json_integer_value(min);
  if (out->major < 0 || out->minor < 0) return rt_fail(err, 0, "major, minor: must not be negative");
  json_t *mode = json_object_get(d, "fileMode"), *uid = json_object_get(d, "uid"),
         *gid = json_object_get(d, "gid");
  if ((mode && !json_is_integer(mode)) || (uid && !json_is_integer(uid)) ||
      (gid && !json_is_integer(gid)))
    return rt_fail(err, 0, "fileMode, uid, gid: must be integers");
  out->mode = mode ? (mode_t)json_integer_value(mode) & 07777 : 0666;
  out->uid = uid ? (uid_t)json_integer_value(uid) : 0;
  out->gid = gid ? (gid_t)json_integer_value(gid) : 0;
  return 0;
}

int devices_validate(json_t *devices, struct rt_err *err) {
  if (devices == NULL || json_is_null(devices)) return 0;
  if (!json_is_array(devices)) return rt_fail(err, 0, "linux.devices: must be an array");
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d) {
    struct device dev;
    if (parse_device(d, &dev, err) < 0) return rt_wrap(err, "linux.devices[%zu]", i);
  }
  return 0;
}

/* In a user namespace: an empty file with the host node bound onto it. */
static int bind_device(int rootfd, const struct device *d, struct rt_err *err) {
  char shown[PATH_MAX], target[64];
  autoclose int fd = path_open_in_root(rootfd, d->path, PATH_MKFILE, 0000, shown, sizeof shown, err);
  if (fd < 0) return -1;
  return do_mount(d->path, path_fd_name(fd, target, sizeof target), shown, "bind", MS_BIND, NULL,
                  err);
}

static int mknod_device(int rootfd, const struct device *d, struct rt_err *err) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", d->path);
  char *base = strrchr(dir, '/');
  *base++ = '\0';
  autoclose int dfd = path_open_in_root(rootfd, dir[0] ? dir : "/", PATH_MKDIR, 0755, NULL, 0, err);
  if (dfd < 0) return -1;
  /* O_PATH fds do not take mknodat; open the directory for real. */
  autoclose int real = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (real < 0) return rt_failerrno(err, "open %s", dir);
  if (mknodat(real, base, type_bits(d->type) | d->mode, makedev(d->major, d->minor)) < 0) {
    if (errno == EEXIST) return 0; /* the image or a mount already has it */
    return rt_failerrno(err, "mknod %s", d->path);
  }
  /* mknod applied the umask; the config's mode is exact. */
  if (fchmodat(real, base, d->mode, 0) < 0) return rt_failerrno(err, "chmod %s", d->path);
  if (fchownat(real, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return rt_failerrno(err, "chown %s", d->path);
  return 0;
}

static int create_device(int rootfd, const struct device *d, bool userns, struct rt_err *err) {
  if (userns) return bind_device(rootfd, d, err);
  struct rt_err tmp = {0};
  if (mknod_device(rootfd, d, &tmp) == 0) return 0;
  /* Without CAP_MKNOD (or on a nodev-locked /dev) fall back to a bind. */
  if (tmp.errnum == EPERM) return bind_device(rootfd, d, err);
  *err = tmp;
  return -1;
}

static bool overridden(json_t *devices, const char *path) {
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d) {
    const char *p = json_string_value(json_object_get(d, "path"));
    if (p && strcmp(p, path) == 0) return true;
  }
  return false;
}

static int symlink_in_dev(int rootfd, const char *target, const char *path, bool replace,
                          struct rt_err *err) {
  autoclose int dfd = path_open_in_root(rootfd, "/dev", PATH_MKDIR, 0755, NULL, 0, err);
  if (dfd < 0) return -1;
  autoclose int real = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (real < 0) return rt_failerrno(err, "open /dev");
  const char *base = path + strlen("/dev/");
  if (replace && unlinkat(real, base, 0) < 0 && errno != ENOENT)
    return rt_failerrno(err, "remove %s", path);
  if (symlinkat(target, real, base) < 0 && errno != EEXIST)
    return rt_failerrno(err, "symlink %s -> %s", path, target);
  return 0;
}

int devices_setup(json_t *config, int rootfd, struct rt_err *err) {
  json_t *devices = json_object_get(json_object_get(config, "linux"), "devices");
  bool userns = in_user_ns();
  mode_t old = umask(0);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof default_devices / sizeof default_devices[0]; i++)
    if (!overridden(devices, default_devices[i].path))
      rc = create_device(rootfd, &default_devices[i], userns, err);
  size_t i;
  json_t *d;
  json_array_foreach(devices, i, d) {
    struct device dev;
    if (rc == 0 && (parse_device(d, &dev, err) < 0 || create_device(rootfd, &dev, userns, err) < 0))
      rc = rt_wrap(err, "linux.devices[%zu]", i);
  }
  umask(old);
  if (rc < 0) return -1;
  for (size_t k = 0; k < sizeof dev_links / sizeof dev_links[0]; k++)
    if (symlink_in_dev(rootfd, dev_links[k].target, dev_links[k].path, false, err) < 0) return -1;
  /* runc adds /dev/core when the kernel has /proc/kcore. */
  if (access("/proc/kcore", F_OK) == 0 &&
      symlink_in_dev(rootfd, "/proc/kcore", "/dev/core", false, err) < 0)
    return -1;
  /* /dev/ptmx must be the devpts instance's own ptmx (newinstance). */
  return symlink_in_dev(rootfd, "pts/ptmx", "/dev/ptmx", true, err);
}
