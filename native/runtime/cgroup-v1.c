/* cgroup v1 (and hybrid: limits live in the v1 hierarchies; the cgroup2 dir
 * is only joined).  File names and conversions: OCI-RUNTIME.md section 6. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

/* Write to a controller's file; the controller must be mounted. */
static int wr(struct cg_manager *cg, const char *ctrl, const char *file, struct rt_err *err,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int wr(struct cg_manager *cg, const char *ctrl, const char *file, struct rt_err *err,
              const char *fmt, ...) {
  struct cg_hier *h = cg_find_v1(cg, ctrl);
  if (h == NULL) return rt_fail(err, ENOTSUP, "set `%s`: cgroup v1 controller `%s` is not mounted", file, ctrl);
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return cg_write(cg, h->path, file, buf, err);
}

/* memory.memsw must stay >= memory.limit at every step, so raising the limit
 * above the current memsw needs memsw first, lowering needs limit first. */
static int set_limit_and_swap(struct cg_manager *cg, json_t *m, struct rt_err *err) {
  int64_t limit = 0, swap = 0;
  bool hl = cg_json_i64(m, "limit", &limit) && limit != 0;
  bool hs = cg_json_i64(m, "swap", &swap) && swap != 0;
  struct cg_hier *h = cg_find_v1(cg, "memory");
  if ((hl || hs) && h == NULL) return rt_fail(err, ENOTSUP, "set memory limit: memory controller is not mounted");
  if (hs && !cg_file_exists(h->path, "memory.memsw.limit_in_bytes"))
    return rt_fail(err, ENOTSUP, "set memory swap: no swap accounting (memory.memsw.limit_in_bytes missing)");
  uint64_t cur_memsw = 0;
  bool swap_first = hs && (swap == -1 || (hl && (!cg_read_u64(h->path, "memory.memsw.limit_in_bytes",
                                                             UINT64_MAX, &cur_memsw) ||
                                                 (uint64_t)limit > cur_memsw)));
  if (swap_first && cg_writef(cg, h->path, "memory.memsw.limit_in_bytes", err, "%lld", (long long)swap) < 0)
    return -1;
  if (hl && cg_writef(cg, h->path, "memory.limit_in_bytes", err, "%lld", (long long)limit) < 0) return -1;
  if (hs && !swap_first &&
      cg_writef(cg, h->path, "memory.memsw.limit_in_bytes", err, "%lld", (long long)swap) < 0)
    return -1;
  return 0;
}

/* kernel / kernelTCP are ignored: kmem limits are no-ops on current kernels. */
static int apply_memory(struct cg_manager *cg, json_t *m, struct rt_err *err) {
  if (!json_is_object(m)) return 0;
  if (set_limit_and_swap(cg, m, err) < 0) return -1;
  int64_t v;
  if (cg_json_i64(m, "reservation", &v) && v != 0 &&
      wr(cg, "memory", "memory.soft_limit_in_bytes", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(m, "swappiness", &v) && wr(cg, "memory", "memory.swappiness", err, "%lld", (long long)v) < 0)
    return -1;
  if (json_is_true(json_object_get(m, "disableOOMKiller")) &&
      wr(cg, "memory", "memory.oom_control", err, "1") < 0)
    return -1;
  return 0;
}

static int apply_cpu(struct cg_manager *cg, json_t *c, struct rt_err *err) {
  if (!json_is_object(c)) return 0;
  int64_t v;
  if (cg_json_i64(c, "shares", &v) && v != 0 && wr(cg, "cpu", "cpu.shares", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(c, "period", &v) && v != 0 &&
      wr(cg, "cpu", "cpu.cfs_period_us", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(c, "quota", &v) && v != 0 && wr(cg, "cpu", "cpu.cfs_quota_us", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(c, "burst", &v) && wr(cg, "cpu", "cpu.cfs_burst_us", err, "%lld", (long long)v) < 0)
    return -1;
  /* The period first: the kernel checks runtime against it. */
  if (cg_json_i64(c, "realtimePeriod", &v) && v != 0 &&
      wr(cg, "cpu", "cpu.rt_period_us", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(c, "realtimeRuntime", &v) && v != 0 &&
      wr(cg, "cpu", "cpu.rt_runtime_us", err, "%lld", (long long)v) < 0)
    return -1;
  if (cg_json_i64(c, "idle", &v) && wr(cg, "cpu", "cpu.idle", err, "%lld", (long long)v) < 0) return -1;
  const char *s;
  if ((s = json_string_value(json_object_get(c, "cpus"))) && *s &&
      wr(cg, "cpuset", "cpuset.cpus", err, "%s", s) < 0)
    return -1;
  if ((s = json_string_value(json_object_get(c, "mems"))) && *s &&
      wr(cg, "cpuset", "cpuset.mems", err, "%s", s) < 0)
    return -1;
  return 0;
}

/* Weights: runc errors only when a non-zero value has no file to go to. */
static int blkio_weight(struct cg_manager *cg, json_t *b, const char *key, const char *file,
                        const char *bfq, struct rt_err *err) {
  int64_t v;
  if (!cg_json_i64(b, key, &v) || v == 0) return 0;
  struct cg_hier *h = cg_find_v1(cg, "blkio");
  if (h == NULL) return rt_fail(err, ENOTSUP, "set blkio %s: blkio controller is not mounted", key);
  const char *f = cg_file_exists(h->path, file) ? file : bfq && cg_file_exists(h->path, bfq) ? bfq : NULL;
  if (f == NULL) return rt_fail(err, ENOTSUP, "set blkio %s: `%s` is not supported on this host", key, file);
  return cg_writef(cg, h->path, f, err, "%lld", (long long)v);
}

static int blkio_list(struct cg_manager *cg, json_t *b, const char *key, const char *field,
                      const char *file, struct rt_err *err) {
  json_t *a = json_object_get(b, key), *e;
  size_t i;
  json_array_foreach(a, i, e) {
    int64_t maj = 0, min = 0, val;
    cg_json_i64(e, "major", &maj);
    cg_json_i64(e, "minor", &min);
    if (!cg_json_i64(e, field, &val)) continue;
    if (wr(cg, "blkio", file, err, "%lld:%lld %lld", (long long)maj, (long long)min, (long long)val) < 0)
      return -1;
  }
  return 0;
}

static int apply_blkio(struct cg_manager *cg, json_t *b, struct rt_err *err) {
  if (!json_is_object(b)) return 0;
  if (blkio_weight(cg, b, "weight", "blkio.weight", "blkio.bfq.weight", err) < 0 ||
      blkio_weight(cg, b, "leafWeight", "blkio.leaf_weight", NULL, err) < 0)
    return -1;
  if (blkio_list(cg, b, "weightDevice", "weight", "blkio.weight_device", err) < 0 ||
      blkio_list(cg, b, "weightDevice", "leafWeight", "blkio.leaf_weight_device", err) < 0 ||
      blkio_list(cg, b, "throttleReadBpsDevice", "rate", "blkio.throttle.read_bps_device", err) < 0 ||
      blkio_list(cg, b, "throttleWriteBpsDevice", "rate", "blkio.throttle.write_bps_device", err) < 0 ||
      blkio_list(cg, b, "throttleReadIOPSDevice", "rate", "blkio.throttle.read_iops_device", err) < 0 ||
      blkio_list(cg, b, "throttleWriteIOPSDevice", "rate", "blkio.throttle.write_iops_device", err) < 0)
    return -1;
  return 0;
}

static int apply_hugetlb(struct cg_manager *cg, json_t *a, struct rt_err *err) {
  json_t *e;
  size_t i;
  json_array_foreach(a, i, e) {
    int64_t limit = 0;
    cg_json_i64(e, "limit", &limit);
    const char *ps = json_string_value(json_object_get(e, "pageSize"));
    if (cg_find_v1(cg, "hugetlb") == NULL) {
      if (limit == 0) continue;
      return rt_fail(err, ENOTSUP, "linux.resources.hugepageLimits[%zu]: hugetlb is not a cgroup v1 controller on this host", i);
    }
    char file[128];
    snprintf(file, sizeof file, "hugetlb.%s.limit_in_bytes", ps);
    if (wr(cg, "hugetlb", file, err, "%lld", (long long)limit) < 0) return -1;
  }
  return 0;
}

static void rule_text(const struct cg_dev_rule *r, char *buf, size_t len) {
  char maj[24] = "*", min[24] = "*", acc[4];
  size_t k = 0;
  if (r->major >= 0) snprintf(maj, sizeof maj, "%lld", (long long)r->major);
  if (r->minor >= 0) snprintf(min, sizeof min, "%lld", (long long)r->minor);
  if (r->access & CG_ACC_READ) acc[k++] = 'r';
  if (r->access & CG_ACC_WRITE) acc[k++] = 'w';
  if (r->access & CG_ACC_MKNOD) acc[k++] = 'm';
  acc[k] = '\0';
  if (r->type == 'a') snprintf(buf, len, "a");
  else snprintf(buf, len, "%c %s:%s %s", r->type, maj, min, acc);
}

/* Deny everything, then each rule in order (so the last match wins, as the
 * kernel's exception list does).  On a live update this briefly denies all,
 * which runc avoids with an emulator; acceptable for `update`. */
static int apply_devices(struct cg_manager *cg, json_t *devices, struct rt_err *err) {
  struct cg_hier *h = cg_find_v1(cg, "devices");
  if (h == NULL) {
    if (json_array_size(devices) == 0) return 0;
    return rt_fail(err, ENOTSUP, "linux.resources.devices: devices controller is not mounted");
  }
  autofree struct cg_dev_rule *rules = NULL;
  size_t n;
  if (cg_device_rules(devices, &rules, &n, err) < 0) return -1;
  if (cg_write(cg, h->path, "devices.deny", "a", err) < 0) return -1;
  for (size_t i = 0; i < n; i++) {
    char line[96];
    rule_text(&rules[i], line, sizeof line);
    if (cg_write(cg, h->path, rules[i].allow ? "devices.allow" : "devices.deny", line, err) < 0) return -1;
  }
  return 0;
}

static int v1_apply(struct cg_manager *cg, json_t *res, bool update, struct rt_err *err) {
  json_t *u = json_object_get(res, "unified");
  if (json_object_size(u) > 0)
    return rt_fail(err, ENOTSUP, "linux.resources.unified: cgroup v2 files cannot be set on a cgroup v1 host");
  int64_t pids;
  json_t *p = json_object_get(res, "pids");
  if (apply_memory(cg, json_object_get(res, "memory"), err) < 0 ||
      apply_cpu(cg, json_object_get(res, "cpu"), err) < 0 ||
      apply_blkio(cg, json_object_get(res, "blockIO"), err) < 0 ||
      apply_hugetlb(cg, json_object_get(res, "hugepageLimits"), err) < 0)
    return -1;
  if (cg_json_i64(p, "limit", &pids)) {
    int r = pids > 0 ? wr(cg, "pids", "pids.max", err, "%lld", (long long)pids)
                     : wr(cg, "pids", "pids.max", err, "max");
    if (r < 0) return -1;
  }
  json_t *devices = json_object_get(res, "devices");
  if ((!update || devices != NULL) && apply_devices(cg, devices, err) < 0) return -1;
  return 0;
}

/* Write the state, then poll until the kernel reports it (FREEZING is the
 * in-between state); bounded to about a second. */
static int v1_freeze(struct cg_manager *cg, bool frozen, struct rt_err *err) {
  struct cg_hier *h = cg_find_v1(cg, "freezer");
  if (h == NULL) {
    struct cg_hier *v2 = cg_find_v2(cg);
    if (v2 == NULL) return rt_fail(err, ENOTSUP, "freezer controller is not mounted");
    return cg_v2_freeze_dir(cg, v2->path, frozen, err);
  }
  const char *want = frozen ? "FROZEN" : "THAWED";
  for (int i = 0; i < 100; i++) {
    if (i % 10 == 0 && cg_write(cg, h->path, "freezer.state", want, err) < 0) return -1;
    autofree char *state = NULL;
    if (cg_read(h->path, "freezer.state", &state, err) < 0) return -1;
    if (strcmp(state, want) == 0) return 0;
    cg_sleep_ms(10);
  }
  if (frozen) {
    struct rt_err ignored = {0};
    cg_write(cg, h->path, "freezer.state", "THAWED", &ignored);
  }
  return rt_fail(err, ETIMEDOUT, "wait for `%s/freezer.state` to read %s", h->path, want);
}

static int v1_is_frozen(struct cg_manager *cg, bool *frozen, struct rt_err *err) {
  *frozen = false;
  struct cg_hier *h = cg_find_v1(cg, "freezer");
  if (h == NULL) {
    struct cg_hier *v2 = cg_find_v2(cg);
    return v2 ? cg_v2_is_frozen_dir(v2->path, frozen, err) : 0;
  }
  autofree char *state = NULL;
  if (cg_read(h->path, "freezer.state", &state, err) < 0) return -1;
  *frozen = strcmp(state, "FROZEN") == 0;
  return 0;
}

/* A new cpuset cgroup starts with empty cpus/mems and then refuses tasks
 * (ENOSPC): copy the parent's. */
static int v1_after_mkdir(struct cg_manager *cg, const struct cg_hier *h, const char *dir,
                          struct rt_err *err) {
  if (h->v2 || cg_find_v1(cg, "cpuset") != h) return 0;
  char parent[sizeof h->path];
  snprintf(parent, sizeof parent, "%s", dir);
  *strrchr(parent, '/') = '\0';
  const char *files[] = {"cpuset.cpus", "cpuset.mems"};
  for (int i = 0; i < 2; i++) {
    autofree char *cur = NULL, *from = NULL;
    if (cg_read(dir, files[i], &cur, err) < 0) return -1;
    if (cur[0] != '\0') continue;
    if (cg_read(parent, files[i], &from, err) < 0 || cg_write(cg, dir, files[i], from, err) < 0) return -1;
  }
  return 0;
}

const struct cg_ops cg_v1_ops = {
    .apply = v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .stats = cg_v1_stats,
    .after_mkdir = v1_after_mkdir,
    .prepare = NULL,
};
