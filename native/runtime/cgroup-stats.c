/* runc `events --stats` "data" (runc types/events.go keys, including its
 * camelCase blkio names) from v1 files or the v2 unified dir.  Missing files
 * leave fields at 0: a host without a controller still gets the other stats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

#define NS_PER_USEC 1000ULL

static json_t *num(uint64_t v) { return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v); }

static uint64_t rd(const char *dir, const char *file) {
  uint64_t v = 0;
  return dir && cg_read_u64(dir, file, INT64_MAX, &v) ? v : 0;
}

static uint64_t keyed(const char *dir, const char *file, const char *key) {
  uint64_t v = 0;
  return dir && cg_read_keyed(dir, file, key, &v) ? v : 0;
}

/* "key value" lines -> {key: value}. */
static json_t *kv_object(const char *dir, const char *file) {
  json_t *o = json_object();
  struct rt_err e = {0};
  autofree char *buf = NULL;
  if (dir == NULL || cg_read(dir, file, &buf, &e) < 0) return o;
  for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char key[128];
    unsigned long long v;
    if (sscanf(l, "%127s %llu", key, &v) == 2) json_object_set_new(o, key, num(v));
  }
  return o;
}

/* Space-separated numbers (cpuacct.usage_percpu). */
static json_t *num_list(const char *dir, const char *file) {
  json_t *a = json_array();
  struct rt_err e = {0};
  autofree char *buf = NULL;
  if (dir == NULL || cg_read(dir, file, &buf, &e) < 0) return a;
  for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
    json_array_append_new(a, num(strtoull(t, NULL, 10)));
  return a;
}

static json_t *mem_entry(const char *dir, const char *prefix) {
  char f[4][96];
  const char *names[] = {"usage_in_bytes", "max_usage_in_bytes", "limit_in_bytes", "failcnt"};
  for (int i = 0; i < 4; i++) snprintf(f[i], sizeof f[i], "%s%s", prefix, names[i]);
  return json_pack("{s:o, s:o, s:o, s:o}", "usage", num(rd(dir, f[0])), "max", num(rd(dir, f[1])),
                   "limit", num(rd(dir, f[2])), "failcnt", num(rd(dir, f[3])));
}

static json_t *cpu_obj(json_t *usage, uint64_t periods, uint64_t throttled, uint64_t time) {
  return json_pack("{s:o, s:{s:o, s:o, s:o}}", "usage", usage, "throttling", "periods", num(periods),
                   "throttled_periods", num(throttled), "throttled_time", num(time));
}

/* blkio lines "8:0 Read 4096" (v1). */
static json_t *blkio_v1(const char *dir) {
  json_t *a = json_array();
  struct rt_err e = {0};
  autofree char *buf = NULL;
  const char *file = dir && cg_file_exists(dir, "blkio.io_service_bytes_recursive")
                         ? "blkio.io_service_bytes_recursive"
                         : "blkio.throttle.io_service_bytes_recursive";
  if (dir == NULL || cg_read(dir, file, &buf, &e) < 0) return a;
  for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    char op[32];
    unsigned long long v;
    if (sscanf(l, "%u:%u %31s %llu", &maj, &min, op, &v) == 4)
      json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:o}", "major", (int)maj, "minor", (int)min,
                                         "op", op, "value", num(v)));
  }
  return a;
}

int cg_v1_stats(struct cg_manager *cg, json_t *data, struct rt_err *err) {
  (void)err;
  struct cg_hier *h;
  const char *acct = (h = cg_find_v1(cg, "cpuacct")) ? h->path : NULL;
  const char *cpu = (h = cg_find_v1(cg, "cpu")) ? h->path : NULL;
  const char *mem = (h = cg_find_v1(cg, "memory")) ? h->path : NULL;
  const char *pids = (h = cg_find_v1(cg, "pids")) ? h->path : NULL;
  const char *blk = (h = cg_find_v1(cg, "blkio")) ? h->path : NULL;
  long hz = sysconf(_SC_CLK_TCK);
  uint64_t tick_ns = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
  json_t *usage = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "total", num(rd(acct, "cpuacct.usage")),
                            "percpu", num_list(acct, "cpuacct.usage_percpu"), "percpu_kernel",
                            num_list(acct, "cpuacct.usage_percpu_sys"), "percpu_user",
                            num_list(acct, "cpuacct.usage_percpu_user"), "kernel",
                            num(keyed(acct, "cpuacct.stat", "system") * tick_ns), "user",
                            num(keyed(acct, "cpuacct.stat", "user") * tick_ns));
  json_object_set_new(data, "cpu", cpu_obj(usage, keyed(cpu, "cpu.stat", "nr_periods"),
                                           keyed(cpu, "cpu.stat", "nr_throttled"),
                                           keyed(cpu, "cpu.stat", "throttled_time")));
  json_t *raw = kv_object(mem, "memory.stat");
  json_object_set_new(data, "memory",
                      json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "cache",
                                num(json_integer_value(json_object_get(raw, "cache"))), "usage",
                                mem_entry(mem, "memory."), "swap", mem_entry(mem, "memory.memsw."),
                                "kernel", mem_entry(mem, "memory.kmem."), "kernelTCP",
                                mem_entry(mem, "memory.kmem.tcp."), "raw", raw));
  json_object_set_new(data, "pids", json_pack("{s:o, s:o}", "current", num(rd(pids, "pids.current")),
                                              "limit", num(rd(pids, "pids.max") == INT64_MAX ? 0 : rd(pids, "pids.max"))));
  json_object_set_new(data, "blkio", json_pack("{s:o}", "ioServiceBytesRecursive", blkio_v1(blk)));
  return 0;
}

/* io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." (v2). */
static void io_v2(const char *dir, json_t *bytes, json_t *ios) {
  struct rt_err e = {0};
  autofree char *buf = NULL;
  if (cg_read(dir, "io.stat", &buf, &e) < 0) return;
  for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    unsigned maj, min;
    unsigned long long rb = 0, wb = 0, ri = 0, wi = 0;
    if (sscanf(l, "%u:%u rbytes=%llu wbytes=%llu rios=%llu wios=%llu", &maj, &min, &rb, &wb, &ri, &wi) < 2)
      continue;
    const char *ops[] = {"Read", "Write"};
    unsigned long long b[] = {rb, wb}, n[] = {ri, wi};
    for (int i = 0; i < 2; i++) {
      json_array_append_new(bytes, json_pack("{s:i, s:i, s:s, s:o}", "major", (int)maj, "minor", (int)min, "op", ops[i], "value", num(b[i])));
      json_array_append_new(ios, json_pack("{s:i, s:i, s:s, s:o}", "major", (int)maj, "minor", (int)min, "op", ops[i], "value", num(n[i])));
    }
  }
}

int cg_v2_stats(struct cg_manager *cg, json_t *data, struct rt_err *err) {
  (void)err;
  const char *d = cg->h[0].path;
  json_t *usage = json_pack("{s:o, s:[], s:[], s:[], s:o, s:o}", "total",
                            num(keyed(d, "cpu.stat", "usage_usec") * NS_PER_USEC), "percpu",
                            "percpu_kernel", "percpu_user", "kernel",
                            num(keyed(d, "cpu.stat", "system_usec") * NS_PER_USEC), "user",
                            num(keyed(d, "cpu.stat", "user_usec") * NS_PER_USEC));
  json_object_set_new(data, "cpu", cpu_obj(usage, keyed(d, "cpu.stat", "nr_periods"),
                                           keyed(d, "cpu.stat", "nr_throttled"),
                                           keyed(d, "cpu.stat", "throttled_usec") * NS_PER_USEC));
  json_t *raw = kv_object(d, "memory.stat");
  uint64_t cur = rd(d, "memory.current"), max = rd(d, "memory.max");
  /* runc reports swap as memory+swap, as v1 did. */
  json_t *mu = json_pack("{s:o, s:o, s:o, s:o}", "usage", num(cur), "max", num(rd(d, "memory.peak")),
                         "limit", num(max), "failcnt", num(keyed(d, "memory.events", "max")));
  uint64_t smax = rd(d, "memory.swap.max");
  json_t *sw = json_pack("{s:o, s:o, s:i, s:i}", "usage", num(rd(d, "memory.swap.current") + cur),
                         "limit", num(smax >= INT64_MAX || max >= INT64_MAX ? INT64_MAX : smax + max),
                         "max", 0, "failcnt", 0);
  json_object_set_new(data, "memory", json_pack("{s:o, s:o, s:o, s:o}", "cache",
                                                num(json_integer_value(json_object_get(raw, "file"))),
                                                "usage", mu, "swap", sw, "raw", raw));
  uint64_t pmax = rd(d, "pids.max");
  json_object_set_new(data, "pids", json_pack("{s:o, s:o}", "current", num(rd(d, "pids.current")),
                                              "limit", num(pmax == INT64_MAX ? 0 : pmax)));
  json_t *bytes = json_array(), *ios = json_array();
  io_v2(d, bytes, ios);
  json_object_set_new(data, "blkio", json_pack("{s:o, s:o}", "ioServiceBytesRecursive", bytes,
                                               "ioServicedRecursive", ios));
  return 0;
}
