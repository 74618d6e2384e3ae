/* cgroup v2 (unified).  Limits per OCI-RUNTIME.md section 6; devices through
 * an eBPF program (cgroup-ebpf.c).  Against a fake tree (STRATA_CGROUP_ROOT on
 * a plain filesystem, cg->fake) interface files are created by the writes and
 * nothing waits for the kernel. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

/* ---- shares -> weight, without libm (the binary does not link it) ---- */
#define LN2 0.69314718055994530942
#define LN10 2.30258509299404568402

static double ln_(double x) {
  int e = 0;
  while (x >= 2) x /= 2, e++;
  while (x < 1) x *= 2, e--;
  double y = (x - 1) / (x + 1), y2 = y * y, term = y, sum = 0;
  for (int k = 1; k < 80; k += 2, term *= y2) sum += term / k;
  return 2 * sum + e * LN2;
}

static double exp_(double x) {
  int n = (int)(x / LN2);
  double r = x - n * LN2, sum = 1, term = 1;
  for (int k = 1; k < 40; k++) sum += (term *= r / k);
  for (; n > 0; n--) sum *= 2;
  for (; n < 0; n++) sum /= 2;
  return sum;
}

/* runc 1.3 (opencontainers/cgroups): a quadratic in log2(shares) through
 * 2 -> 1, 1024 -> 100, 262144 -> 10000, rounded up.  The 1e-9 keeps the exact
 * points (1024 -> 100.0) from rounding up through float error. */
uint64_t cg_shares_to_weight(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  double l = ln_((double)shares) / LN2;
  double w = exp_(((l * l + 125 * l) / 612.0 - 7.0 / 34.0) * LN10) - 1e-9;
  uint64_t iw = (uint64_t)w;
  return (double)iw < w ? iw + 1 : iw;
}

/* ---- freezer ---- */
int cg_v2_freeze_dir(struct cg_manager *cg, const char *dir, bool frozen, struct rt_err *err) {
  if (!cg->fake && !cg_file_exists(dir, "cgroup.freeze"))
    return rt_fail(err, ENOTSUP, "freeze `%s`: no cgroup.freeze (kernel before 5.2)", dir);
  if (cg_write(cg, dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0) return -1;
  if (cg->fake) return 0;
  uint64_t want = frozen ? 1 : 0, got = 2;
  for (int i = 0; i < 100; i++) {
    if (cg_read_keyed(dir, "cgroup.events", "frozen", &got) && got == want) return 0;
    cg_sleep_ms(10);
  }
  if (frozen) {
    struct rt_err ignored = {0};
    cg_write(cg, dir, "cgroup.freeze", "0", &ignored);
  }
  return rt_fail(err, ETIMEDOUT, "wait for `frozen %d` in `%s/cgroup.events`", (int)want, dir);
}

int cg_v2_is_frozen_dir(const char *dir, bool *frozen, struct rt_err *err) {
  (void)err;
  uint64_t v = 0;
  *frozen = cg_read_u64(dir, "cgroup.freeze", 0, &v) && v == 1;
  return 0;
}

static int v2_freeze(struct cg_manager *cg, bool frozen, struct rt_err *err) {
  return cg_v2_freeze_dir(cg, cg->h[0].path, frozen, err);
}

static int v2_is_frozen(struct cg_manager *cg, bool *frozen, struct rt_err *err) {
  return cg_v2_is_frozen_dir(cg->h[0].path, frozen, err);
}

/* ---- controllers ---- */
static bool in_list(const char *list, const char *word) {
  size_t wl = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl)
    if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[wl] == '\0' || p[wl] == ' ' || p[wl] == '\n'))
      return true;
  return false;
}

/* The controllers this container uses: the usual ones (so stats work), plus
 * any the resources name (hugetlb, unified "<ctrl>.<file>" keys). */
static void needed_controllers(json_t *res, char *out, size_t len) {
  snprintf(out, len, "cpu cpuset io memory pids");
  if (json_array_size(json_object_get(res, "hugepageLimits")) > 0) strncat(out, " hugetlb", len - strlen(out) - 1);
  const char *k;
  json_t *v;
  json_object_foreach(json_object_get(res, "unified"), k, v) {
    char c[64];
    snprintf(c, sizeof c, "%.*s", (int)strcspn(k, "."), k);
    if (strcmp(c, "cgroup") != 0 && !in_list(out, c)) {
      strncat(out, " ", len - strlen(out) - 1);
      strncat(out, c, len - strlen(out) - 1);
    }
  }
}

/* Enable what is needed and available in one ancestor's subtree_control. */
static int enable_in(struct cg_manager *cg, const char *dir, const char *avail_dir,
                     const char *needed, struct rt_err *err) {
  autofree char *avail = NULL;
  struct rt_err ignored = {0};
  if (cg_read(avail_dir, "cgroup.controllers", &avail, &ignored) < 0) return 0;
  char line[512] = "";
  char want[256];
  snprintf(want, sizeof want, "%s", needed);
  for (char *save = NULL, *c = strtok_r(want, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    if (!in_list(avail, c)) continue;
    size_t l = strlen(line);
    snprintf(line + l, sizeof line - l, "%s+%s", l ? " " : "", c);
  }
  if (line[0] == '\0' || cg_write(cg, dir, "cgroup.subtree_control", line, &ignored) == 0) return 0;
  /* One by one: a controller the kernel refuses here is only fatal if used. */
  for (char *save = NULL, *c = strtok_r(line, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    rt_err_clear(&ignored);
    if (cg_write(cg, dir, "cgroup.subtree_control", c, &ignored) == 0) continue;
    if (strcmp(c + 1, "memory") == 0 || strcmp(c + 1, "pids") == 0 || strcmp(c + 1, "cpu") == 0) {
      *err = ignored;
      return rt_wrap(err, "enable controller `%s` in `%s`", c + 1, dir);
    }
  }
  return 0;
}

static int v2_prepare(struct cg_manager *cg, json_t *res, struct rt_err *err) {
  char needed[256];
  needed_controllers(res, needed, sizeof needed);
  struct cg_hier *h = &cg->h[0];
  char dir[sizeof h->path];
  snprintf(dir, sizeof dir, "%s", h->path);
  size_t mlen = strlen(h->mount);
  /* Ancestors from the mount point down to the container's parent. */
  for (size_t i = mlen; dir[i] != '\0'; i++) {
    if (dir[i] != '/' && i != mlen) continue;
    char saved = dir[i];
    dir[i] = '\0';
    /* A fake tree only has cgroup.controllers at its root. */
    int r = enable_in(cg, dir, cg->fake ? h->mount : dir, needed, err);
    dir[i] = saved;
    if (r < 0) return -1;
  }
  return 0;
}

/* ---- limits ---- */
static int memory_v2(struct cg_manager *cg, const char *d, json_t *m, struct rt_err *err) {
  if (!json_is_object(m)) return 0;
  int64_t limit = 0, swap = 0, v;
  bool hl = cg_json_i64(m, "limit", &limit) && limit != 0;
  bool hs = cg_json_i64(m, "swap", &swap) && swap != 0;
  if (hs) {
    /* v2 counts swap alone: memory.swap.max = (memory+swap) - memory. */
    if (swap != -1 && (!hl || limit < 0))
      return rt_fail(err, EINVAL, "linux.resources.memory.swap: needs a memory.limit on cgroup v2");
    if (swap == -1 ? cg_write(cg, d, "memory.swap.max", "max", err) < 0
                   : cg_writef(cg, d, "memory.swap.max", err, "%lld", (long long)(swap - limit)) < 0)
      return -1;
  }
  if (hl && (limit < 0 ? cg_write(cg, d, "memory.max", "max", err)
                       : cg_writef(cg, d, "memory.max", err, "%lld", (long long)limit)) < 0)
    return -1;
  if (cg_json_i64(m, "reservation", &v) && v != 0 &&
      (v < 0 ? cg_write(cg, d, "memory.low", "max", err) : cg_writef(cg, d, "memory.low", err, "%lld", (long long)v)) < 0)
    return -1;
  return 0; /* swappiness, disableOOMKiller, kernel*: no v2 files */
}

static int cpu_v2(struct cg_manager *cg, const char *d, json_t *c, struct rt_err *err) {
  if (!json_is_object(c)) return 0;
  int64_t v, quota = 0, period = 0;
  if (cg_json_i64(c, "shares", &v) && v != 0 &&
      cg_writef(cg, d, "cpu.weight", err, "%llu", (unsigned long long)cg_shares_to_weight((uint64_t)v)) < 0)
    return -1;
  cg_json_i64(c, "quota", &quota);
  cg_json_i64(c, "period", &period);
  if (quota != 0 || period != 0) {
    char buf[64];
    int l = quota > 0 ? snprintf(buf, sizeof buf, "%lld", (long long)quota) : snprintf(buf, sizeof buf, "max");
    if (period != 0) snprintf(buf + l, sizeof buf - (size_t)l, " %lld", (long long)period);
    if (cg_write(cg, d, "cpu.max", buf, err) < 0) return -1;
  }
  if (cg_json_i64(c, "burst", &v) && cg_writef(cg, d, "cpu.max.burst", err, "%lld", (long long)v) < 0) return -1;
  if (cg_json_i64(c, "idle", &v) && cg_writef(cg, d, "cpu.idle", err, "%lld", (long long)v) < 0) return -1;
  if ((cg_json_i64(c, "realtimeRuntime", &v) && v != 0) || (cg_json_i64(c, "realtimePeriod", &v) && v != 0))
    return rt_fail(err, ENOTSUP, "linux.resources.cpu.realtime*: not supported on cgroup v2");
  const char *s;
  if ((s = json_string_value(json_object_get(c, "cpus"))) && *s && cg_write(cg, d, "cpuset.cpus", s, err) < 0)
    return -1;
  if ((s = json_string_value(json_object_get(c, "mems"))) && *s && cg_write(cg, d, "cpuset.mems", s, err) < 0)
    return -1;
  return 0;
}

/* v1 blkio weight 10..1000 -> io.weight 1..10000 (runc's linear map). */
static int64_t io_weight(int64_t w) { return 1 + (w - 10) * 9999 / 990; }

static int io_v2(struct cg_manager *cg, const char *d, json_t *b, struct rt_err *err) {
  if (!json_is_object(b)) return 0;
  bool bfq = !cg->fake && cg_file_exists(d, "io.bfq.weight");
  int64_t w;
  if (cg_json_i64(b, "weight", &w) && w != 0 &&
      (bfq ? cg_writef(cg, d, "io.bfq.weight", err, "%lld", (long long)w)
           : cg_writef(cg, d, "io.weight", err, "%lld", (long long)io_weight(w))) < 0)
    return -1;
  static const char *const keys[] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                     "throttleReadIOPSDevice", "throttleWriteIOPSDevice",
                                     "weightDevice"};
  static const char *const what[] = {"rbps", "wbps", "riops", "wiops", NULL};
  for (size_t k = 0; k < 5; k++) {
    json_t *e;
    size_t i;
    json_array_foreach(json_object_get(b, keys[k]), i, e) {
      int64_t maj = 0, min = 0, val;
      cg_json_i64(e, "major", &maj);
      cg_json_i64(e, "minor", &min);
      if (!cg_json_i64(e, what[k] ? "rate" : "weight", &val)) continue;
      int r = what[k] ? cg_writef(cg, d, "io.max", err, "%lld:%lld %s=%lld", (long long)maj, (long long)min, what[k], (long long)val)
              : bfq   ? cg_writef(cg, d, "io.bfq.weight", err, "%lld:%lld %lld", (long long)maj, (long long)min, (long long)val)
                      : cg_writef(cg, d, "io.weight", err, "%lld:%lld %lld", (long long)maj, (long long)min, (long long)io_weight(val));
      if (r < 0) return -1;
    }
  }
  return 0;
}

static int misc_v2(struct cg_manager *cg, const char *d, json_t *res, struct rt_err *err) {
  int64_t v;
  if (cg_json_i64(json_object_get(res, "pids"), "limit", &v) &&
      (v > 0 ? cg_writef(cg, d, "pids.max", err, "%lld", (long long)v) : cg_write(cg, d, "pids.max", "max", err)) < 0)
    return -1;
  json_t *e;
  size_t i;
  json_array_foreach(json_object_get(res, "hugepageLimits"), i, e) {
    char file[128];
    int64_t limit = 0;
    cg_json_i64(e, "limit", &limit);
    snprintf(file, sizeof file, "hugetlb.%s.max", json_string_value(json_object_get(e, "pageSize")));
    if (cg_writef(cg, d, file, err, "%lld", (long long)limit) < 0) return -1;
  }
  const char *k;
  json_object_foreach(json_object_get(res, "unified"), k, e) {
    if (!cg->fake && !cg_file_exists(d, k))
      return rt_fail(err, ENOENT, "linux.resources.unified.%s: no such cgroup file (controller not enabled?)", k);
    if (cg_write(cg, d, k, json_string_value(e), err) < 0) return -1;
  }
  return 0;
}

static int v2_apply(struct cg_manager *cg, json_t *res, bool update, struct rt_err *err) {
  const char *d = cg->h[0].path;
  if (memory_v2(cg, d, json_object_get(res, "memory"), err) < 0 ||
      cpu_v2(cg, d, json_object_get(res, "cpu"), err) < 0 ||
      io_v2(cg, d, json_object_get(res, "blockIO"), err) < 0 || misc_v2(cg, d, res, err) < 0)
    return -1;
  json_t *devices = json_object_get(res, "devices");
  if (update && devices == NULL) return 0;
  autofree struct cg_dev_rule *rules = NULL;
  size_t n;
  if (cg_device_rules(devices, &rules, &n, err) < 0) return -1;
  /* A fake tree cannot hold a program: compile only, to catch errors. */
  return cg_ebpf_apply(d, rules, n, !cg->fake, err);
}

const struct cg_ops cg_v2_ops = {
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .stats = cg_v2_stats,
    .after_mkdir = NULL,
    .prepare = v2_prepare,
};
