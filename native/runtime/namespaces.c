/* Namespace names <-> clone flags, joining by path, user namespace maps. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "config.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *config, *proc;
  int flag;
} ns_table[NS_COUNT] = {
    [NS_USER] = {"user", "user", CLONE_NEWUSER},
    [NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [NS_NET] = {"network", "net", CLONE_NEWNET},
    [NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [NS_TIME] = {"time", "time", CLONE_NEWTIME},
    [NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
};

int ns_from_name(const char *name) {
  for (int i = 0; i < NS_COUNT; i++)
    if (strcmp(ns_table[i].config, name) == 0) return i;
  return -1;
}

const char *ns_config_name(int ns) { return ns >= 0 && ns < NS_COUNT ? ns_table[ns].config : NULL; }
const char *ns_proc_name(int ns) { return ns >= 0 && ns < NS_COUNT ? ns_table[ns].proc : NULL; }
int ns_clone_flag(int ns) { return ns >= 0 && ns < NS_COUNT ? ns_table[ns].flag : 0; }

int ns_join_path(const char *path, int ns, struct rt_err *err) {
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open %s namespace `%s`", ns_config_name(ns), path);
  if (setns(fd, ns_clone_flag(ns)) < 0)
    return rt_failerrno(err, "join %s namespace `%s`", ns_config_name(ns), path);
  return 0;
}

/* One write of every line: the kernel accepts a map file only once. */
static int write_map(int pid, const char *file, json_t *maps, struct rt_err *err) {
  char buf[4096], path[64];
  size_t len = 0, i;
  json_t *m;
  json_array_foreach(maps, i, m) {
    int n = snprintf(buf + len, sizeof buf - len, "%lld %lld %lld\n",
                     (long long)json_integer_value(json_object_get(m, "containerID")),
                     (long long)json_integer_value(json_object_get(m, "hostID")),
                     (long long)json_integer_value(json_object_get(m, "size")));
    if (n < 0 || (size_t)n >= sizeof buf - len) return rt_fail(err, E2BIG, "write %s", file);
    len += (size_t)n;
  }
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  if (write(fd, buf, len) != (ssize_t)len) return rt_failerrno(err, "write `%s`", path);
  return 0;
}

int ns_write_maps(int pid, json_t *uid_maps, json_t *gid_maps, struct rt_err *err) {
  if (uid_maps && json_array_size(uid_maps) && write_map(pid, "uid_map", uid_maps, err) < 0)
    return -1;
  if (gid_maps && json_array_size(gid_maps)) {
    if (geteuid() != 0) {
      char path[64];
      snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
      autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "deny", 4) != 4) return rt_failerrno(err, "write `%s`", path);
    }
    if (write_map(pid, "gid_map", gid_maps, err) < 0) return -1;
  }
  return 0;
}
