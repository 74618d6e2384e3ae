/* linux.seccomp: validate the OCI profile, compile it with libseccomp and
 * load it.  Behaviour follows runc: syscall names this libseccomp does not
 * know are skipped (profiles list syscalls of every arch and kernel), rules
 * whose action equals the default are dropped, and when several args of one
 * rule share an index each becomes a rule of its own (an OR, not an AND).
 * NO_NEW_PRIVS is the caller's decision, so libseccomp must not set it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/io.h"
#include "security.h"
/* From here on seccomp_load/seccomp_version are libseccomp's; ours are
 * defined as rt_seccomp_load/rt_seccomp_version (see security.h). */
#undef seccomp_load
#undef seccomp_version
#include <seccomp.h>

struct name_val {
  const char *name;
  uint32_t val;
};

/* Tables sorted by name, as `runc features` prints them.  Actions that take
 * an errno get it added in action_value(). */
static const struct name_val actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
};

static const struct name_val operators[] = {
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    {"SCMP_CMP_NE", SCMP_CMP_NE},
};

static const struct name_val archs[] = {
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
};

/* OCI flag -> filter attribute; 0 = known but this libseccomp lacks it
 * (WAIT_KILLABLE_RECV needs libseccomp 2.6).  min_api: seccomp_api_get()
 * level the attribute needs. */
static const struct {
  const char *name;
  int attr;
  unsigned min_api;
} flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, 2},
    {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, 3},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, 4},
#ifdef SCMP_FLTATR_CTL_WAITKILL
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL, 7},
#else
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0, 0},
#endif
};

#define N(a) (sizeof(a) / sizeof *(a))

static const struct name_val *lookup(const struct name_val *t, size_t n, const char *name) {
  for (size_t i = 0; name != NULL && i < n; i++)
    if (strcmp(t[i].name, name) == 0) return &t[i];
  return NULL;
}

static int flag_index(const char *name) {
  for (size_t i = 0; name != NULL && i < N(flags); i++)
    if (strcmp(flags[i].name, name) == 0) return (int)i;
  return -1;
}

static bool flag_supported(size_t i) {
  return flags[i].attr != 0 && seccomp_api_get() >= flags[i].min_api;
}

/* ---- validation ---- */

static int check_errno_ret(json_t *v, const char *action, const char *field,
                           struct rt_err *err) {
  if (v == NULL || json_is_null(v)) return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 0xffff)
    return rt_fail(err, 0, "%s: must be an integer from 0 to 65535", field);
  if (action && strcmp(action, "SCMP_ACT_ERRNO") != 0 && strcmp(action, "SCMP_ACT_TRACE") != 0)
    return rt_fail(err, 0, "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", field,
                   action);
  return 0;
}

static int check_action(json_t *v, const char *field, bool is_default, struct rt_err *err) {
  if (!json_is_string(v)) return rt_fail(err, 0, "%s: required string is missing", field);
  const char *name = json_string_value(v);
  if (lookup(actions, N(actions), name) == NULL)
    return rt_fail(err, 0, "%s: unknown action \"%s\"", field, name);
  if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
    return rt_fail(err, 0, "%s: %s", field,
                   is_default ? "SCMP_ACT_NOTIFY cannot be the default action"
                              : "SCMP_ACT_NOTIFY needs listenerPath, which is not supported");
  return 0;
}

static int check_strings(json_t *arr, const char *field, const struct name_val *t, size_t n,
                         const char *what, struct rt_err *err) {
  if (arr == NULL || json_is_null(arr)) return 0;
  if (!json_is_array(arr)) return rt_fail(err, 0, "%s: must be an array of strings", field);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (!json_is_string(v)) return rt_fail(err, 0, "%s[%zu]: must be a string", field, i);
    if (what == NULL) continue;
    bool known = t ? lookup(t, n, json_string_value(v)) != NULL
                   : flag_index(json_string_value(v)) >= 0;
    if (!known)
      return rt_fail(err, 0, "%s[%zu]: unknown %s \"%s\"", field, i, what, json_string_value(v));
  }
  return 0;
}

static int check_arg(json_t *a, const char *field, struct rt_err *err) {
  if (!json_is_object(a)) return rt_fail(err, 0, "%s: must be an object", field);
  json_t *idx = json_object_get(a, "index"), *op = json_object_get(a, "op");
  if (!json_is_integer(idx) || json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
    return rt_fail(err, 0, "%s.index: must be an integer from 0 to 5", field);
  json_t *val = json_object_get(a, "value"), *two = json_object_get(a, "valueTwo");
  if (!json_is_integer(val)) return rt_fail(err, 0, "%s.value: must be an integer", field);
  if (two != NULL && !json_is_null(two) && !json_is_integer(two))
    return rt_fail(err, 0, "%s.valueTwo: must be an integer", field);
  if (!json_is_string(op)) return rt_fail(err, 0, "%s.op: required string is missing", field);
  if (lookup(operators, N(operators), json_string_value(op)) == NULL)
    return rt_fail(err, 0, "%s.op: unknown operator \"%s\"", field, json_string_value(op));
  return 0;
}

static int check_syscall(json_t *s, size_t i, struct rt_err *err) {
  char field[96];
  snprintf(field, sizeof field, "linux.seccomp.syscalls[%zu]", i);
  if (!json_is_object(s)) return rt_fail(err, 0, "%s: must be an object", field);
  json_t *names = json_object_get(s, "names");
  if (!json_is_array(names)) return rt_fail(err, 0, "%s.names: must be an array of strings", field);
  char sub[128];
  snprintf(sub, sizeof sub, "%s.names", field);
  if (check_strings(names, sub, NULL, 0, NULL, err) < 0) return -1;
  json_t *action = json_object_get(s, "action");
  snprintf(sub, sizeof sub, "%s.action", field);
  if (check_action(action, sub, false, err) < 0) return -1;
  snprintf(sub, sizeof sub, "%s.errnoRet", field);
  if (check_errno_ret(json_object_get(s, "errnoRet"), json_string_value(action), sub, err) < 0)
    return -1;
  json_t *args = json_object_get(s, "args");
  if (args == NULL || json_is_null(args)) return 0;
  if (!json_is_array(args)) return rt_fail(err, 0, "%s.args: must be an array", field);
  if (json_array_size(args) > 6) return rt_fail(err, 0, "%s.args: more than 6 conditions", field);
  size_t j;
  json_t *a;
  json_array_foreach(args, j, a) {
    snprintf(sub, sizeof sub, "%s.args[%zu]", field, j);
    if (check_arg(a, sub, err) < 0) return -1;
  }
  return 0;
}

int seccomp_validate(json_t *sc, struct rt_err *err) {
  if (sc == NULL || json_is_null(sc)) return 0;
  if (!json_is_object(sc)) return rt_fail(err, 0, "linux.seccomp: must be an object");
  json_t *def = json_object_get(sc, "defaultAction");
  if (check_action(def, "linux.seccomp.defaultAction", true, err) < 0 ||
      check_errno_ret(json_object_get(sc, "defaultErrnoRet"), json_string_value(def),
                      "linux.seccomp.defaultErrnoRet", err) < 0 ||
      check_strings(json_object_get(sc, "architectures"), "linux.seccomp.architectures", archs,
                    N(archs), "architecture", err) < 0 ||
      check_strings(json_object_get(sc, "flags"), "linux.seccomp.flags", NULL, 0, "flag", err) < 0)
    return -1;
  json_t *fl = json_object_get(sc, "flags");
  size_t i;
  json_t *v;
  json_array_foreach(fl, i, v) {
    if (!flag_supported((size_t)flag_index(json_string_value(v))))
      return rt_fail(err, 0, "linux.seccomp.flags[%zu]: %s is not supported by libseccomp %s", i,
                     json_string_value(v), rt_seccomp_version());
  }
  json_t *lp = json_object_get(sc, "listenerPath");
  if (json_is_string(lp) && json_string_value(lp)[0] != '\0')
    return rt_fail(err, 0, "linux.seccomp.listenerPath: seccomp notify is not supported");
  json_t *calls = json_object_get(sc, "syscalls");
  if (calls == NULL || json_is_null(calls)) return 0;
  if (!json_is_array(calls)) return rt_fail(err, 0, "linux.seccomp.syscalls: must be an array");
  json_array_foreach(calls, i, v) {
    if (check_syscall(v, i, err) < 0) return -1;
  }
  return 0;
}

/* ---- compile and load ---- */

static uint32_t action_value(const char *name, json_t *errno_ret) {
  uint32_t v = lookup(actions, N(actions), name)->val;
  int e = json_is_integer(errno_ret) ? (int)json_integer_value(errno_ret) : EPERM;
  if (strcmp(name, "SCMP_ACT_ERRNO") == 0) return SCMP_ACT_ERRNO(e);
  if (strcmp(name, "SCMP_ACT_TRACE") == 0) return SCMP_ACT_TRACE(e);
  return v;
}

static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const char *name, json_t *args,
                    struct rt_err *err) {
  struct scmp_arg_cmp conds[6];
  unsigned n = 0, per_index[6] = {0};
  bool shared = false;
  size_t i;
  json_t *a;
  json_array_foreach(args, i, a) {
    unsigned idx = (unsigned)json_integer_value(json_object_get(a, "index"));
    json_t *two = json_object_get(a, "valueTwo");
    conds[n++] = (struct scmp_arg_cmp){
        .arg = idx,
        .op = lookup(operators, N(operators), json_string_value(json_object_get(a, "op")))->val,
        .datum_a = (scmp_datum_t)json_integer_value(json_object_get(a, "value")),
        .datum_b = json_is_integer(two) ? (scmp_datum_t)json_integer_value(two) : 0,
    };
    if (++per_index[idx] > 1) shared = true;
  }
  int rc = 0;
  if (!shared) {
    rc = seccomp_rule_add_array(ctx, act, nr, n, conds);
  } else {
    for (unsigned c = 0; c < n && rc == 0; c++) rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[c]);
  }
  if (rc < 0) return rt_fail(err, -rc, "add seccomp rule for syscall %s", name);
  return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, json_t *call, uint32_t def_act, struct rt_err *err) {
  uint32_t act = action_value(json_string_value(json_object_get(call, "action")),
                             json_object_get(call, "errnoRet"));
  if (act == def_act) return 0; /* redundant, and libseccomp refuses it */
  json_t *args = json_object_get(call, "args");
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(call, "names"), i, v) {
    int nr = seccomp_syscall_resolve_name(json_string_value(v));
    if (nr == __NR_SCMP_ERROR) continue; /* not known to this libseccomp */
    if (add_rule(ctx, act, nr, json_string_value(v), args, err) < 0) return -1;
  }
  return 0;
}

static int configure(scmp_filter_ctx ctx, json_t *sc, struct rt_err *err) {
  int rc;
  if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
      (rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
    return rt_fail(err, -rc, "set seccomp filter attributes");
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(sc, "flags"), i, v) {
    int f = flag_index(json_string_value(v));
    if ((rc = seccomp_attr_set(ctx, flags[f].attr, 1)) < 0)
      return rt_fail(err, -rc, "set seccomp flag %s", flags[f].name);
  }
  json_array_foreach(json_object_get(sc, "architectures"), i, v) {
    rc = seccomp_arch_add(ctx, lookup(archs, N(archs), json_string_value(v))->val);
    if (rc < 0 && rc != -EEXIST) /* the native arch is already there */
      return rt_fail(err, -rc, "add seccomp architecture %s", json_string_value(v));
  }
  return 0;
}

/* The filter for a profile, or NULL with err set. */
static scmp_filter_ctx build(json_t *sc, struct rt_err *err) {
  uint32_t def = action_value(json_string_value(json_object_get(sc, "defaultAction")),
                              json_object_get(sc, "defaultErrnoRet"));
  scmp_filter_ctx ctx = seccomp_init(def);
  if (ctx == NULL) {
    rt_fail(err, EINVAL, "initialise seccomp filter");
    return NULL;
  }
  int ret = configure(ctx, sc, err);
  size_t i;
  json_t *call;
  json_array_foreach(json_object_get(sc, "syscalls"), i, call) {
    if (ret < 0) break;
    ret = add_syscalls(ctx, call, def, err);
  }
  if (ret < 0) {
    seccomp_release(ctx);
    return NULL;
  }
  return ctx;
}

int rt_seccomp_load(json_t *sc, struct rt_err *err) {
  if (sc == NULL || json_is_null(sc)) return 0;
  scmp_filter_ctx ctx = build(sc, err);
  if (ctx == NULL) return -1;
  int ret = 0, rc = seccomp_load(ctx);
  if (rc < 0) ret = rt_fail(err, -rc, "load seccomp filter");
  seccomp_release(ctx);
  return ret;
}

/* ---- compiled programs and their cache ---- */

#define CACHE_MAGIC "strata-seccomp-bpf 1\n"

/* FNV-1a, 64 bits: names the cache file; the stored text decides a hit. */
static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

/* File layout: magic, u64 text length, text, u64 program length, program. */
static bool cache_read(const char *path, const char *text, size_t text_len, struct seccomp_bpf *out) {
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  autofree char *buf = NULL;
  size_t n = 0, m = strlen(CACHE_MAGIC);
  if (io_read_all(fd, &buf, &n) < 0) return false;
  uint64_t tl, pl;
  if (n < m + 8 || memcmp(buf, CACHE_MAGIC, m) != 0) return false;
  memcpy(&tl, buf + m, 8);
  if (tl != text_len || n < m + 8 + tl + 8 || memcmp(buf + m + 8, text, text_len) != 0) return false;
  memcpy(&pl, buf + m + 8 + tl, 8);
  size_t at = m + 8 + tl + 8;
  if (pl == 0 || pl % sizeof(struct sock_filter) != 0 || n != at + pl) return false;
  if ((out->filter = malloc(pl)) == NULL) return false;
  memcpy(out->filter, buf + at, pl);
  out->len = pl;
  return true;
}

/* Best effort: a failed write leaves no file behind (temp + rename). */
static void cache_write(const char *path, const char *text, size_t text_len, const struct seccomp_bpf *bpf) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof tmp) return;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return;
  uint64_t tl = text_len, pl = bpf->len;
  bool ok = io_write_all(fd, CACHE_MAGIC, strlen(CACHE_MAGIC)) == 0 && io_write_all(fd, &tl, 8) == 0 &&
            io_write_all(fd, text, text_len) == 0 && io_write_all(fd, &pl, 8) == 0 &&
            io_write_all(fd, bpf->filter, bpf->len) == 0;
  if (close(fd) < 0) ok = false;
  if (!ok || rename(tmp, path) < 0) unlink(tmp);
}

/* libseccomp 2.5 exports to an fd only: a memfd, read back. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_bpf *out, struct rt_err *err) {
  autoclose int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0) return rt_failerrno(err, "create memfd for the seccomp program");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) return rt_fail(err, -rc, "export seccomp program");
  if (lseek(fd, 0, SEEK_SET) < 0) return rt_failerrno(err, "rewind seccomp program");
  char *buf = NULL;
  size_t n = 0;
  if (io_read_all(fd, &buf, &n) < 0) return rt_failerrno(err, "read seccomp program");
  if (n == 0 || n % sizeof(struct sock_filter) != 0 || n / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    free(buf);
    return rt_fail(err, EINVAL, "seccomp program of %zu bytes is not a valid filter", n);
  }
  out->filter = buf;
  out->len = n;
  return 0;
}

int seccomp_compile(json_t *sc, const char *cache_dir, struct seccomp_bpf *out, struct rt_err *err) {
  out->filter = NULL;
  out->len = 0;
  if (sc == NULL || json_is_null(sc)) return 0;
  const char *shared = getenv("STRATA_RUNTIME_CACHE");
  if (shared != NULL && shared[0] == '/') {
    cache_dir = shared;
    if (mkdir(shared, 0700) < 0 && errno != EEXIST) cache_dir = NULL;
  }
  json_t *flags_v = json_object_get(sc, "flags");
  if (json_array_size(flags_v) > 0) return 0;
  autofree char *text = json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL) return rt_fail(err, ENOMEM, "serialise seccomp profile");
  size_t text_len = strlen(text);
  char path[PATH_MAX] = "";
  if (cache_dir != NULL &&
      snprintf(path, sizeof path, "%s/seccomp-%016llx.bpf", cache_dir,
               (unsigned long long)fnv1a(text, text_len)) < (int)sizeof path &&
      cache_read(path, text, text_len, out))
    return 0;
  scmp_filter_ctx ctx = build(sc, err);
  if (ctx == NULL) return -1;
  int rc = export_bpf(ctx, out, err);
  seccomp_release(ctx);
  if (rc < 0) return -1;
  if (path[0] != '\0') cache_write(path, text, text_len, out);
  return 0;
}

int seccomp_install(const struct seccomp_bpf *bpf, struct rt_err *err) {
  struct sock_fprog prog = {.len = (unsigned short)(bpf->len / sizeof(struct sock_filter)),
                            .filter = bpf->filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
    return rt_failerrno(err, "load seccomp filter");
  return 0;
}

void seccomp_bpf_free(struct seccomp_bpf *bpf) {
  free(bpf->filter);
  bpf->filter = NULL;
  bpf->len = 0;
}

/* ---- features ---- */

json_t *seccomp_features(void) {
  json_t *o = json_object(), *act = json_array(), *ops = json_array(), *ar = json_array(),
         *known = json_array(), *sup = json_array();
  /* NOTIFY is left out: without listenerPath support we cannot honour it. */
  for (size_t i = 0; i < N(actions); i++)
    if (actions[i].val != SCMP_ACT_NOTIFY) json_array_append_new(act, json_string(actions[i].name));
  for (size_t i = 0; i < N(operators); i++)
    json_array_append_new(ops, json_string(operators[i].name));
  for (size_t i = 0; i < N(archs); i++) json_array_append_new(ar, json_string(archs[i].name));
  for (size_t i = 0; i < N(flags); i++) {
    json_array_append_new(known, json_string(flags[i].name));
    if (flag_supported(i)) json_array_append_new(sup, json_string(flags[i].name));
  }
  json_object_set_new(o, "enabled", json_true());
  json_object_set_new(o, "actions", act);
  json_object_set_new(o, "operators", ops);
  json_object_set_new(o, "archs", ar);
  json_object_set_new(o, "knownFlags", known);
  json_object_set_new(o, "supportedFlags", sup);
  return o;
}

const char *rt_seccomp_version(void) {
  static char buf[32];
  const struct scmp_version *v = seccomp_version();
  if (v == NULL) return "unknown";
  snprintf(buf, sizeof buf, "%u.%u.%u", v->major, v->minor, v->micro);
  return buf;
}
