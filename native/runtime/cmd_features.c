/* `features`: the runtime-spec features document (features.md), so callers
 * such as dockerd can see what this runtime supports. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "cmd_util.h"
#include "log.h"
#include "security.h"
#include "version.h"

/* Exactly the options rootfs.c understands. */
static const char *const mount_options[] = {
    "async",    "atime",      "bind",       "dev",       "diratime",  "dirsync",    "exec",
    "mand",     "noatime",    "nodev",      "nodiratime", "noexec",   "nomand",     "norelatime",
    "nostrictatime", "nosuid", "private",   "rbind",     "relatime",  "remount",    "ro",
    "rprivate", "rshared",    "rslave",     "runbindable", "rw",      "shared",     "slave",
    "strictatime", "suid",    "sync",       "tmpcopyup", "unbindable",
};

static json_t *string_array(const char *const *items, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_string(items[i]));
  return a;
}

static json_t *features(void) {
  static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop"};
  static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network",
                                           "pid",    "user",   "uts"};
  json_t *seccomp = seccomp_features(), *caps = caps_known();
  return json_pack(
      "{s:s, s:s, s:o, s:o,"
      " s:{s:o, s:o, s:{s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}},"
      " s:{s:s, s:s, s:s, s:s}}",
      "ociVersionMin", "1.0.0", "ociVersionMax", SPEC_VERSION, "hooks",
      string_array(hooks, sizeof hooks / sizeof hooks[0]), "mountOptions",
      string_array(mount_options, sizeof mount_options / sizeof mount_options[0]), "linux",
      "namespaces", string_array(namespaces, sizeof namespaces / sizeof namespaces[0]),
      "capabilities", caps ? caps : json_array(), "cgroup", "v1", 1, "v2", 1, "systemd", 0,
      "systemdUser", 0, "seccomp", seccomp ? seccomp : json_object(), "apparmor", "enabled", 0,
      "selinux", "enabled", 0, "annotations", "io.github.seccomp.libseccomp.version",
      seccomp_version(), "org.opencontainers.runc.checkpoint.enabled", "false",
      "dev.strata.runtime.version", STRATA_VERSION, "dev.strata.runtime.commit", STRATA_COMMIT);
}

int cmd_features(const struct global_opts *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {{0, 0, 0, 0}};
  cmd_getopt_reset();
  if (getopt_long_only(argc, argv, "+", opts, NULL) != -1 || optind != argc) {
    log_errorf("\"features\" takes no arguments");
    return 1;
  }
  return cmd_print_json(features(), 4, "features");
}
