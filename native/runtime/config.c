/* Load and validate config.json.  Every check runs before the first syscall
 * that changes anything; each error names the field ("config.json:
 * process.cwd: must be an absolute path").  The module validators (cgroups,
 * capabilities, seccomp, hooks, rootfs) are called from here too. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"
#include "cgroup.h"
#include "rootfs.h"
#include "security.h"

#define PFX "config.json: "

static const struct {
  const char *name;
  int res;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

int config_rlimit_from_name(const char *name) {
  for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
    if (strcmp(rlimits[i].name, name) == 0) return rlimits[i].res;
  return -1;
}

/* Module validators may or may not say where they are; say it once. */
static int wrap_module(struct rt_err *err) {
  if (strncmp(err->msg, PFX, strlen(PFX)) == 0) return -1;
  return rt_wrap(err, "config.json");
}

/* ---- typed field helpers: absent is fine, the wrong type is not ---- */

static int want(json_t *v, json_type type, const char *field, const char *what, struct rt_err *err) {
  if (v == NULL || json_typeof(v) == type) return 0;
  return rt_fail(err, 0, PFX "%s: must be %s", field, what);
}

static int check_bool(json_t *obj, const char *key, const char *field, struct rt_err *err) {
  json_t *v = json_object_get(obj, key);
  if (v && !json_is_boolean(v)) return rt_fail(err, 0, PFX "%s.%s: must be a boolean", field, key);
  return 0;
}

/* An integer in [lo, hi] when present; *out untouched when absent. */
static int check_int(json_t *obj, const char *key, const char *field, long long lo, long long hi,
                     struct rt_err *err) {
  json_t *v = json_object_get(obj, key);
  if (v == NULL) return 0;
  if (!json_is_integer(v)) return rt_fail(err, 0, PFX "%s.%s: must be an integer", field, key);
  long long n = json_integer_value(v);
  if (n < lo || n > hi)
    return rt_fail(err, 0, PFX "%s.%s: %lld out of range [%lld, %lld]", field, key, n, lo, hi);
  return 0;
}

static int check_string_array(json_t *v, const char *field, struct rt_err *err) {
  size_t i;
  json_t *s;
  if (v == NULL) return 0;
  if (!json_is_array(v)) return rt_fail(err, 0, PFX "%s: must be an array of strings", field);
  json_array_foreach(v, i, s) {
    if (!json_is_string(s)) return rt_fail(err, 0, PFX "%s[%zu]: must be a string", field, i);
  }
  return 0;
}

/* ---- process ---- */

static int check_user(json_t *user, const char *field, struct rt_err *err) {
  char f[128];
  snprintf(f, sizeof f, "%s.user", field);
  if (want(user, JSON_OBJECT, f, "an object", err) < 0) return -1;
  if (user == NULL) return 0;
  if (check_int(user, "uid", f, 0, UINT32_MAX - 1, err) < 0 ||
      check_int(user, "gid", f, 0, UINT32_MAX - 1, err) < 0 ||
      check_int(user, "umask", f, 0, 0777, err) < 0)
    return -1;
  json_t *gids = json_object_get(user, "additionalGids"), *g;
  size_t i;
  if (gids == NULL) return 0;
  if (!json_is_array(gids)) return rt_fail(err, 0, PFX "%s.additionalGids: must be an array", f);
  json_array_foreach(gids, i, g) {
    if (!json_is_integer(g) || json_integer_value(g) < 0 ||
        json_integer_value(g) > (long long)UINT32_MAX - 1)
      return rt_fail(err, 0, PFX "%s.additionalGids[%zu]: must be a gid", f, i);
  }
  return 0;
}

static int check_rlimits(json_t *rl, const char *field, struct rt_err *err) {
  size_t i;
  json_t *r;
  bool seen[RLIM_NLIMITS] = {false};
  if (rl == NULL) return 0;
  if (!json_is_array(rl)) return rt_fail(err, 0, PFX "%s.rlimits: must be an array", field);
  json_array_foreach(rl, i, r) {
    char f[128];
    snprintf(f, sizeof f, "%s.rlimits[%zu]", field, i);
    const char *type = json_string_value(json_object_get(r, "type"));
    if (type == NULL) return rt_fail(err, 0, PFX "%s.type: required string", f);
    int res = config_rlimit_from_name(type);
    if (res < 0) return rt_fail(err, 0, PFX "%s.type: unknown rlimit \"%s\"", f, type);
    if (seen[res]) return rt_fail(err, 0, PFX "%s.type: duplicate rlimit \"%s\"", f, type);
    seen[res] = true;
    json_t *hard = json_object_get(r, "hard"), *soft = json_object_get(r, "soft");
    if (!json_is_integer(hard) || json_integer_value(hard) < 0)
      return rt_fail(err, 0, PFX "%s.hard: must be a non-negative integer", f);
    if (!json_is_integer(soft) || json_integer_value(soft) < 0)
      return rt_fail(err, 0, PFX "%s.soft: must be a non-negative integer", f);
    if (json_integer_value(soft) > json_integer_value(hard))
      return rt_fail(err, 0, PFX "%s: soft limit above the hard limit", f);
  }
  return 0;
}

int config_validate_process(json_t *p, const char *field, bool console_socket,
                            struct rt_err *err) {
  if (!json_is_object(p)) return rt_fail(err, 0, PFX "%s: required object", field);
  if (check_bool(p, "terminal", field, err) < 0 || check_bool(p, "noNewPrivileges", field, err) < 0)
    return -1;
  if (json_is_true(json_object_get(p, "terminal")) && !console_socket)
    return rt_fail(err, 0, PFX "%s.terminal: a terminal needs --console-socket", field);
  json_t *cs = json_object_get(p, "consoleSize");
  char f[128];
  snprintf(f, sizeof f, "%s.consoleSize", field);
  if (want(cs, JSON_OBJECT, f, "an object", err) < 0 ||
      (cs && (check_int(cs, "height", f, 0, UINT16_MAX, err) < 0 ||
              check_int(cs, "width", f, 0, UINT16_MAX, err) < 0)))
    return -1;
  if (check_user(json_object_get(p, "user"), field, err) < 0) return -1;

  json_t *args = json_object_get(p, "args");
  snprintf(f, sizeof f, "%s.args", field);
  if (check_string_array(args, f, err) < 0) return -1;
  if (json_array_size(args) == 0) return rt_fail(err, 0, PFX "%s: must not be empty", f);
  if (json_string_length(json_array_get(args, 0)) == 0)
    return rt_fail(err, 0, PFX "%s[0]: must not be empty", f);

  json_t *env = json_object_get(p, "env"), *e;
  size_t i;
  snprintf(f, sizeof f, "%s.env", field);
  if (check_string_array(env, f, err) < 0) return -1;
  json_array_foreach(env, i, e) {
    const char *s = json_string_value(e);
    if (strchr(s, '=') == NULL || s[0] == '=')
      return rt_fail(err, 0, PFX "%s[%zu]: \"%s\" is not KEY=VALUE", f, i, s);
  }

  json_t *cwd = json_object_get(p, "cwd");
  if (cwd == NULL) return rt_fail(err, 0, PFX "%s.cwd: required", field);
  if (!json_is_string(cwd) || json_string_value(cwd)[0] != '/')
    return rt_fail(err, 0, PFX "%s.cwd: must be an absolute path", field);

  snprintf(f, sizeof f, "%s.capabilities", field);
  json_t *caps = json_object_get(p, "capabilities");
  if (want(caps, JSON_OBJECT, f, "an object", err) < 0) return -1;
  if (caps && caps_validate(caps, f, err) < 0) return wrap_module(err);
  if (check_rlimits(json_object_get(p, "rlimits"), field, err) < 0) return -1;
  if (check_int(p, "oomScoreAdj", field, -1000, 1000, err) < 0) return -1;
  return 0;
}

/* ---- linux ---- */

static int check_namespaces(json_t *nss, struct rt_config *cfg, struct rt_err *err) {
  size_t i;
  json_t *n;
  if (nss == NULL) return 0;
  if (!json_is_array(nss)) return rt_fail(err, 0, PFX "linux.namespaces: must be an array");
  json_array_foreach(nss, i, n) {
    const char *type = json_string_value(json_object_get(n, "type"));
    if (type == NULL) return rt_fail(err, 0, PFX "linux.namespaces[%zu].type: required string", i);
    int ns = ns_from_name(type);
    if (ns < 0)
      return rt_fail(err, 0, PFX "linux.namespaces[%zu].type: unknown namespace \"%s\"", i, type);
    if (cfg->has_ns[ns])
      return rt_fail(err, 0, PFX "linux.namespaces[%zu].type: duplicate namespace \"%s\"", i, type);
    cfg->has_ns[ns] = true;
    json_t *path = json_object_get(n, "path");
    const char *p = json_string_value(path);
    if (path && !json_is_string(path))
      return rt_fail(err, 0, PFX "linux.namespaces[%zu].path: must be a string", i);
    if (p && p[0] != '\0') {
      struct stat sb;
      if (p[0] != '/')
        return rt_fail(err, 0, PFX "linux.namespaces[%zu].path: must be an absolute path", i);
      if (stat(p, &sb) < 0)
        return rt_failerrno(err, PFX "linux.namespaces[%zu].path: stat `%s`", i, p);
      cfg->ns_path[ns] = p;
    } else {
      cfg->clone_flags |= ns_clone_flag(ns);
    }
  }
  return 0;
}

static int check_maps(json_t *maps, const char *field, struct rt_err *err) {
  size_t i;
  json_t *m;
  if (maps == NULL) return 0;
  if (!json_is_array(maps)) return rt_fail(err, 0, PFX "linux.%s: must be an array", field);
  json_array_foreach(maps, i, m) {
    char f[64];
    snprintf(f, sizeof f, "linux.%s[%zu]", field, i);
    if (!json_is_object(m)) return rt_fail(err, 0, PFX "%s: must be an object", f);
    const char *keys[] = {"containerID", "hostID", "size"};
    for (int k = 0; k < 3; k++) {
      json_t *v = json_object_get(m, keys[k]);
      if (!json_is_integer(v) || json_integer_value(v) < (k == 2 ? 1 : 0) ||
          json_integer_value(v) > UINT32_MAX)
        return rt_fail(err, 0, PFX "%s.%s: must be %s integer", f, keys[k],
                       k == 2 ? "a positive" : "a non-negative");
    }
  }
  return 0;
}

/* Only sysctls that live in a namespace the container owns may be set (runc's list). */
static int check_sysctl(json_t *sysctl, const struct rt_config *cfg, struct rt_err *err) {
  const char *key;
  json_t *v;
  if (sysctl == NULL) return 0;
  if (!json_is_object(sysctl)) return rt_fail(err, 0, PFX "linux.sysctl: must be an object");
  json_object_foreach(sysctl, key, v) {
    char k[256];
    snprintf(k, sizeof k, "%s", key);
    for (char *c = k; *c; c++)
      if (*c == '/') *c = '.';
    if (!json_is_string(v)) return rt_fail(err, 0, PFX "linux.sysctl.%s: must be a string", key);
    static const char *ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                     "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                     "kernel.shmmni", "kernel.shm_rmid_forced"};
    int need = -1;
    for (size_t i = 0; i < sizeof ipc_keys / sizeof ipc_keys[0]; i++)
      if (strcmp(k, ipc_keys[i]) == 0) need = NS_IPC;
    if (strncmp(k, "fs.mqueue.", 10) == 0) need = NS_IPC;
    if (strncmp(k, "net.", 4) == 0) need = NS_NET;
    if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0) need = NS_UTS;
    if (need < 0)
      return rt_fail(err, 0, PFX "linux.sysctl.%s: not a namespaced sysctl, refusing to set it on the host", key);
    if (!cfg->has_ns[need])
      return rt_fail(err, 0, PFX "linux.sysctl.%s: requires a %s namespace", key, ns_config_name(need));
  }
  return 0;
}

static int check_linux(struct rt_config *cfg, struct rt_err *err) {
  json_t *lx = cfg->linux_;
  if (want(lx, JSON_OBJECT, "linux", "an object", err) < 0) return -1;
  if (check_namespaces(json_object_get(lx, "namespaces"), cfg, err) < 0) return -1;
  if (!cfg->has_ns[NS_MNT])
    return rt_fail(err, 0, PFX "linux.namespaces: a mount namespace is required");
  json_t *um = json_object_get(lx, "uidMappings"), *gm = json_object_get(lx, "gidMappings");
  if (check_maps(um, "uidMappings", err) < 0 || check_maps(gm, "gidMappings", err) < 0) return -1;
  bool maps = json_array_size(um) || json_array_size(gm);
  if (maps && !cfg->has_ns[NS_USER])
    return rt_fail(err, 0, PFX "linux.uidMappings: mappings need a user namespace");
  if (cfg->has_ns[NS_USER] && !cfg->ns_path[NS_USER] &&
      (!json_array_size(um) || !json_array_size(gm)))
    return rt_fail(err, 0, PFX "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
  if (check_sysctl(json_object_get(lx, "sysctl"), cfg, err) < 0) return -1;
  json_t *cgp = json_object_get(lx, "cgroupsPath");
  if (want(cgp, JSON_STRING, "linux.cgroupsPath", "a string", err) < 0) return -1;
  json_t *res = json_object_get(lx, "resources");
  if (want(res, JSON_OBJECT, "linux.resources", "an object", err) < 0) return -1;
  if (cg_validate_resources(res, err) < 0 || seccomp_validate(json_object_get(lx, "seccomp"), err) < 0)
    return wrap_module(err);
  return 0;
}

/* ---- top level ---- */

static int check_root(struct rt_config *cfg, struct rt_err *err) {
  json_t *root = json_object_get(cfg->json, "root");
  if (!json_is_object(root)) return rt_fail(err, 0, PFX "root: required object");
  const char *path = json_string_value(json_object_get(root, "path"));
  if (path == NULL || path[0] == '\0') return rt_fail(err, 0, PFX "root.path: required string");
  if (check_bool(root, "readonly", "root", err) < 0) return -1;
  char joined[PATH_MAX * 2 + 2];
  snprintf(joined, sizeof joined, "%s%s%s", path[0] == '/' ? "" : cfg->bundle,
           path[0] == '/' ? "" : "/", path);
  if (realpath(joined, cfg->rootfs) == NULL)
    return rt_failerrno(err, PFX "root.path: resolve `%s`", joined);
  struct stat sb;
  if (stat(cfg->rootfs, &sb) < 0) return rt_failerrno(err, PFX "root.path: stat `%s`", cfg->rootfs);
  if (!S_ISDIR(sb.st_mode))
    return rt_fail(err, 0, PFX "root.path: `%s` is not a directory", cfg->rootfs);
  return 0;
}

static int validate(struct rt_config *cfg, const struct config_opts *opts, struct rt_err *err) {
  json_t *j = cfg->json;
  if (!json_is_object(j)) return rt_fail(err, 0, PFX "must be a JSON object");
  json_t *ver = json_object_get(j, "ociVersion");
  if (want(ver, JSON_STRING, "ociVersion", "a string", err) < 0) return -1;
  if (check_root(cfg, err) < 0) return -1;
  if (config_validate_process(cfg->process, "process", opts && opts->console_socket, err) < 0)
    return -1;
  if (check_linux(cfg, err) < 0) return -1;
  const char *names[] = {"hostname", "domainname"};
  for (int i = 0; i < 2; i++) {
    json_t *h = json_object_get(j, names[i]);
    if (want(h, JSON_STRING, names[i], "a string", err) < 0) return -1;
    if (json_string_length(h) > 0 && !cfg->has_ns[NS_UTS])
      return rt_fail(err, 0, PFX "%s: setting it needs a uts namespace", names[i]);
  }
  if (want(cfg->hooks, JSON_OBJECT, "hooks", "an object", err) < 0) return -1;
  if (want(json_object_get(j, "annotations"), JSON_OBJECT, "annotations", "an object", err) < 0)
    return -1;
  if (hooks_validate(cfg->hooks, err) < 0 || rootfs_validate(j, cfg->rootfs, err) < 0)
    return wrap_module(err);
  return 0;
}

static int fill(struct rt_config *cfg, const char *bundle, bool resolve, struct rt_err *err) {
  if (!resolve)
    snprintf(cfg->bundle, sizeof cfg->bundle, "%s", bundle);
  else if (realpath(bundle, cfg->bundle) == NULL)
    return rt_failerrno(err, "bundle `%s`", bundle);
  cfg->process = json_object_get(cfg->json, "process");
  cfg->linux_ = json_object_get(cfg->json, "linux");
  cfg->hooks = json_object_get(cfg->json, "hooks");
  cfg->terminal = json_is_true(json_object_get(cfg->process, "terminal"));
  return 0;
}

int config_from_string(const char *text, const char *bundle, const struct config_opts *opts,
                       struct rt_config *cfg, struct rt_err *err) {
  json_error_t jerr;
  memset(cfg, 0, sizeof *cfg);
  cfg->json = json_loads(text, 0, &jerr);
  if (cfg->json == NULL)
    return rt_fail(err, 0, PFX "parse error at line %d: %s", jerr.line, jerr.text);
  if (fill(cfg, bundle, true, err) < 0 || validate(cfg, opts, err) < 0) {
    config_free(cfg);
    return -1;
  }
  return 0;
}

int config_load(const char *bundle, const struct config_opts *opts, struct rt_config *cfg,
                struct rt_err *err) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/config.json", bundle);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "open `%s`", path);
  autofree char *text = NULL;
  size_t len;
  if (io_read_all(fd, &text, &len) < 0) return rt_failerrno(err, "read `%s`", path);
  return config_from_string(text, bundle, opts, cfg, err);
}

int config_from_json(json_t *json, const char *bundle, struct rt_config *cfg, struct rt_err *err) {
  memset(cfg, 0, sizeof *cfg);
  cfg->json = json_incref(json);
  if (fill(cfg, bundle, false, err) < 0) goto fail;
  json_t *rootp = json_object_get(json_object_get(json, "root"), "path");
  const char *p = json_string_value(rootp) ? json_string_value(rootp) : "rootfs";
  char joined[PATH_MAX * 2 + 2];
  snprintf(joined, sizeof joined, "%s%s%s", p[0] == '/' ? "" : cfg->bundle, p[0] == '/' ? "" : "/", p);
  snprintf(cfg->rootfs, sizeof cfg->rootfs, "%.*s", (int)sizeof cfg->rootfs - 1, joined);
  if (check_namespaces(json_object_get(cfg->linux_, "namespaces"), cfg, err) < 0) goto fail;
  return 0;
fail:
  config_free(cfg);
  return -1;
}

void config_free(struct rt_config *cfg) {
  json_decref(cfg->json);
  cfg->json = NULL;
}
