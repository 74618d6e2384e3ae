/* `spec [--bundle|-b DIR] [--rootless]`: write runc's default config.json
 * (same content, our ociVersion and hostname), tab-indented like runc's. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "cmd.h"
#include "cmd_util.h"
#include "log.h"

static json_t *caps_list(void) {
  return json_pack("[s, s, s]", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
}

static json_t *process(void) {
  return json_pack(
      "{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:{s:o, s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], s:b}",
      "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "cwd",
      "/", "capabilities", "bounding", caps_list(), "effective", caps_list(), "permitted",
      caps_list(), "ambient", caps_list(), "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024,
      "soft", 1024, "noNewPrivileges", 1);
}

static json_t *mounts(bool rootless) {
  json_t *m = json_pack(
      "[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s, s, s, s]}, {s:s, s:s, s:s, s:[s, s, s, s, s]},"
      " {s:s, s:s, s:s, s:[s, s, s, s, s]}, {s:s, s:s, s:s, s:[s, s, s]}]",
      "destination", "/proc", "type", "proc", "source", "proc", "destination", "/dev", "type",
      "tmpfs", "source", "tmpfs", "options", "nosuid", "strictatime", "mode=755", "size=65536k",
      "destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", "nosuid",
      "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "destination", "/dev/shm", "type",
      "tmpfs", "source", "shm", "options", "nosuid", "noexec", "nodev", "mode=1777",
      "size=65536k", "destination", "/dev/mqueue", "type", "mqueue", "source", "mqueue",
      "options", "nosuid", "noexec", "nodev");
  if (m == NULL) return NULL;
  /* A user namespace cannot own a devpts gid 5 or mount a fresh sysfs. */
  if (!rootless)
    json_array_append_new(json_object_get(json_array_get(m, 2), "options"), json_string("gid=5"));
  json_array_append_new(
      m, rootless ? json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination", "/sys", "type",
                              "none", "source", "/sys", "options", "rbind", "nosuid", "noexec",
                              "nodev", "ro")
                  : json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", "/sys", "type",
                              "sysfs", "source", "sysfs", "options", "nosuid", "noexec", "nodev",
                              "ro"));
  json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s]}", "destination",
                                     "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
                                     "options", "nosuid", "noexec", "nodev", "relatime", "ro"));
  return m;
}

static json_t *linux_section(bool rootless) {
  json_t *l = json_object();
  if (l == NULL) return NULL;
  if (rootless) {
    json_object_set_new(l, "uidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0,
                                                    "hostID", (int)getuid(), "size", 1));
    json_object_set_new(l, "gidMappings", json_pack("[{s:i, s:i, s:i}]", "containerID", 0,
                                                    "hostID", (int)getgid(), "size", 1));
    json_object_set_new(l, "namespaces", json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type",
                                                   "pid", "type", "ipc", "type", "uts", "type",
                                                   "mount", "type", "user"));
  } else {
    json_object_set_new(l, "resources",
                        json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
    json_object_set_new(l, "namespaces", json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type",
                                                   "pid", "type", "network", "type", "ipc",
                                                   "type", "uts", "type", "mount"));
  }
  json_object_set_new(l, "maskedPaths",
                      json_pack("[s, s, s, s, s, s, s, s, s, s]", "/proc/acpi", "/proc/asound",
                                "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                "/sys/firmware", "/proc/scsi"));
  json_object_set_new(l, "readonlyPaths",
                      json_pack("[s, s, s, s, s]", "/proc/bus", "/proc/fs", "/proc/irq",
                                "/proc/sys", "/proc/sysrq-trigger"));
  return l;
}

static json_t *default_spec(bool rootless) {
  return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0", "process",
                   process(), "root", "path", "rootfs", "readonly", 1, "hostname", "strata",
                   "mounts", mounts(rootless), "linux", linux_section(rootless));
}

/* Leading spaces of a JSON_INDENT(1) dump are depth: turn them into tabs. */
static int write_tabbed(FILE *f, const char *text) {
  bool bol = true;
  for (const char *p = text; *p; p++) {
    if (bol && *p == ' ') {
      if (fputc('\t', f) == EOF) return -1;
      continue;
    }
    bol = *p == '\n';
    if (fputc(*p, f) == EOF) return -1;
  }
  return 0;
}

static int write_spec(const char *bundle, bool rootless, struct rt_err *err) {
  if (bundle && chdir(bundle) < 0) return rt_failerrno(err, "chdir %s", bundle);
  if (access("config.json", F_OK) == 0)
    return rt_fail(err, 0, "File config.json exists. Remove it first");
  json_t *spec = default_spec(rootless);
  autofree char *text = spec ? json_dumps(spec, JSON_INDENT(1)) : NULL;
  json_decref(spec);
  if (text == NULL) return rt_fail(err, ENOMEM, "encode default spec");
  int fd = open("config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return rt_failerrno(err, "create `config.json`");
  FILE *f = fdopen(fd, "w");
  if (f == NULL) {
    close(fd);
    return rt_failerrno(err, "open `config.json`");
  }
  int wrc = write_tabbed(f, text);
  if (fclose(f) != 0 || wrc < 0) return rt_failerrno(err, "write `config.json`");
  return 0;
}

int cmd_spec(const struct global_opts *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{"bundle", required_argument, NULL, 'b'},
                                       {"rootless", no_argument, NULL, 'R'},
                                       {0, 0, 0, 0}};
  const char *bundle = NULL;
  bool rootless = false;
  int c;
  cmd_getopt_reset();
  while ((c = getopt_long_only(argc, argv, "+b:", opts, NULL)) != -1) {
    if (c == 'b') bundle = optarg;
    else if (c == 'R') rootless = true;
    else return cmd_bad_flag(argv);
  }
  struct rt_err err = {0};
  if (write_spec(bundle, rootless, &err) < 0) {
    log_error(&err);
    return 1;
  }
  return 0;
}
