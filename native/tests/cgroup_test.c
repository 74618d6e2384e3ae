/* cgroup manager tests, run by `make -C native test` (as root).
 *  (a) cgroup v1 for real on this host (hybrid layout): limits read back,
 *      processes, freezer, save/load, kill, destroy, failure leaves nothing.
 *  (b) cgroup v2 for real in the cgroup2 mount (STRATA_CGROUP_ROOT): join,
 *      cgroup.freeze, cgroup.kill, and the eBPF device program enforced on a
 *      child that opens devices.
 *  (c) cgroup v2 limits against a fake file tree: this host's cgroup2
 *      hierarchy holds no memory/cpu/pids controllers (they are bound to v1),
 *      so v2 limit files can only be checked on a plain directory tree.
 * Every cgroup made is registered before any assertion, and a failing check
 * tears everything down before exiting. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../runtime/cgroup-internal.h"
#include "../runtime/cgroup.h"

/* Fatal: tear every cgroup down first, so a failure leaves nothing. */
#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
      cleanup_all();                                                  \
      exit(1);                                                        \
    }                                                                 \
  } while (0)
#include "testutil.h"

static struct cg_manager *live[16];
static pid_t children[16];
static char fake_root[64];

static void cleanup_all(void) {
  for (size_t i = 0; i < 16; i++)
    if (children[i] > 0) {
      kill(children[i], SIGKILL);
      waitpid(children[i], NULL, 0);
      children[i] = 0;
    }
  for (size_t i = 0; i < 16; i++)
    if (live[i]) {
      struct rt_err e = {0};
      cg_destroy(live[i], &e);
      cg_free(live[i]);
      live[i] = NULL;
    }
  if (fake_root[0]) {
    if (rm_rf(fake_root) < 0) fprintf(stderr, "cleanup: rm -rf '%s' failed\n", fake_root);
    fake_root[0] = '\0';
  }
}

static const char *etext(const struct rt_err *e) {
  static char buf[4096];
  return rt_err_text(e, buf, sizeof buf);
}

static void track(struct cg_manager *cg) {
  for (size_t i = 0; i < 16; i++)
    if (!live[i]) {
      live[i] = cg;
      return;
    }
}
static void untrack(struct cg_manager *cg) {
  for (size_t i = 0; i < 16; i++)
    if (live[i] == cg) live[i] = NULL;
}
static pid_t spawn_tracked(void) {
  pid_t p = spawn_sleeper();
  for (size_t i = 0; i < 16; i++)
    if (!children[i]) {
      children[i] = p;
      break;
    }
  return p;
}
static void reaped(pid_t p) {
  for (size_t i = 0; i < 16; i++)
    if (children[i] == p) children[i] = 0;
}

static char *slurp(const char *dir, const char *file) {
  static char buf[8192];
  struct rt_err e = {0};
  autofree char *s = NULL;
  if (cg_read(dir, file, &s, &e) < 0) return strcpy(buf, "<missing>");
  snprintf(buf, sizeof buf, "%s", s);
  return buf;
}

static void expect_file(const char *dir, const char *file, const char *want) {
  const char *got = slurp(dir, file);
  CHECK(strcmp(got, want) == 0, "%s/%s = `%s`, want `%s`", dir, file, got, want);
}

static bool exists(const char *p) { return access(p, F_OK) == 0; }

static void expect_gone(const struct cg_manager *cg) {
  for (size_t i = 0; i < cg->n; i++) CHECK(!exists(cg->h[i].path), "%s left behind", cg->h[i].path);
}

static json_t *parse(const char *s) {
  json_error_t je;
  json_t *j = json_loads(s, 0, &je);
  CHECK(j != NULL, "bad test json: %s", je.text);
  return j;
}

/* ---------- (a) cgroup v1 ---------- */

static void test_v1_validation(void) {
  struct rt_err e = {0};
  json_t *r = parse("{\"memory\":{\"limit\":\"abc\"}}");
  CHECK(cg_validate_resources(r, &e) < 0 && strstr(e.msg, "linux.resources.memory.limit: must be a number"), "%s", e.msg);
  json_decref(r);
  rt_err_clear(&e);
  r = parse("{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\"},{\"allow\":true,\"access\":\"rx\"}]}");
  CHECK(cg_validate_resources(r, &e) < 0 && strstr(e.msg, "linux.resources.devices[2].access: invalid character 'x'"), "%s", e.msg);
  json_decref(r);
  struct cg_manager *cg = NULL;
  rt_err_clear(&e);
  CHECK(cg_create("/a/../b", "x", NULL, &cg, &e) < 0 && strstr(e.msg, "cgroupsPath"), "%s", e.msg);
  rt_err_clear(&e);
  CHECK(cg_create("/a//b", "x", NULL, &cg, &e) < 0, "empty component accepted");
}

/* Where a path would land, without creating anything. */
static struct cg_manager *plan(const char *path) {
  static struct cg_manager m;
  memset(&m, 0, sizeof m);
  struct rt_err e = {0};
  CHECK(cg_discover(&m, path, "x", &e) == 0, "%s", etext(&e));
  return &m;
}

static void test_v1_failure_leaves_nothing(void) {
  char path[128];
  snprintf(path, sizeof path, "/strata-test-%d/nested/fail", (int)getpid());
  struct cg_manager *cg = NULL;
  struct rt_err e = {0};
  json_t *r = parse("{\"cpu\":{\"cpus\":\"4095\"}}"); /* no such cpu: cpuset.cpus refuses it */
  CHECK(cg_create(path, "x", r, &cg, &e) < 0, "invalid cpuset accepted");
  printf("  invalid cpuset -> %s\n", etext(&e));
  json_decref(r);
  expect_gone(plan(path));
  char top[64];
  snprintf(top, sizeof top, "/strata-test-%d", (int)getpid());
  expect_gone(plan(top));
  rt_err_clear(&e);
  r = parse("{\"unified\":{\"memory.high\":\"1000000\"}}");
  CHECK(cg_create(path, "x", r, &cg, &e) < 0 && strstr(e.msg, "unified"), "unified on v1: %s", e.msg);
  json_decref(r);
  expect_gone(plan(top));
}

static void test_v1_relative(void) {
  char path[128];
  snprintf(path, sizeof path, "strata-test-rel-%d", (int)getpid());
  struct cg_manager *cg = NULL;
  struct rt_err e = {0};
  CHECK(cg_create(path, "x", NULL, &cg, &e) == 0, "%s", etext(&e));
  track(cg);
  struct cg_hier *mem = cg_find_v1(cg, "memory");
  char own[4096] = "";
  FILE *f = fopen("/proc/self/cgroup", "r");
  char line[4096];
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, ":memory:")) snprintf(own, sizeof own, "%s", strstr(line, ":memory:") + 8);
  if (f) fclose(f);
  own[strcspn(own, "\n")] = '\0';
  printf("  relative path in memory: %s (own %s)\n", mem->path, own);
  CHECK(strcmp(own, "/") == 0 || strstr(mem->path, own) != NULL, "relative path not under own cgroup");
  CHECK(cg_destroy(cg, &e) == 0, "%s", etext(&e));
  expect_gone(cg);
  untrack(cg);
  cg_free(cg);
}

static void test_v1_lifecycle(void) {
  char path[128];
  snprintf(path, sizeof path, "/strata-test-%d", (int)getpid());
  json_t *r = parse("{\"memory\":{\"limit\":67108864,\"swap\":134217728,\"reservation\":33554432},"
                    "\"pids\":{\"limit\":20},"
                    "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0\"},"
                    "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                    "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":11,\"access\":\"r\"}]}");
  struct cg_manager *cg = NULL;
  struct rt_err e = {0};
  CHECK(cg_create(path, "x", r, &cg, &e) == 0, "%s", etext(&e));
  track(cg);
  json_decref(r);
  CHECK(!cg_is_v2(cg), "v1 host reported as v2");
  const char *mem = cg_find_v1(cg, "memory")->path, *cpu = cg_find_v1(cg, "cpu")->path;
  expect_file(mem, "memory.limit_in_bytes", "67108864");
  expect_file(mem, "memory.memsw.limit_in_bytes", "134217728");
  expect_file(mem, "memory.soft_limit_in_bytes", "33554432");
  expect_file(cg_find_v1(cg, "pids")->path, "pids.max", "20");
  expect_file(cpu, "cpu.cfs_quota_us", "50000");
  expect_file(cpu, "cpu.cfs_period_us", "100000");
  expect_file(cpu, "cpu.shares", "512");
  expect_file(cg_find_v1(cg, "cpuset")->path, "cpuset.cpus", "0");
  const char *devs = slurp(cg_find_v1(cg, "devices")->path, "devices.list");
  CHECK(strstr(devs, "c 1:11 r\n") && strstr(devs, "c 10:200 rwm") && !strstr(devs, "a *:* rwm"),
        "devices.list:\n%s", devs);

  /* Lowering memory below the current memsw and raising above it (order matters). */
  r = parse("{\"memory\":{\"limit\":268435456,\"swap\":536870912}}");
  CHECK(cg_update(cg, r, &e) == 0, "raise: %s", etext(&e));
  json_decref(r);
  expect_file(mem, "memory.limit_in_bytes", "268435456");
  r = parse("{\"memory\":{\"limit\":16777216,\"swap\":33554432}}");
  CHECK(cg_update(cg, r, &e) == 0, "lower: %s", etext(&e));
  json_decref(r);
  expect_file(mem, "memory.memsw.limit_in_bytes", "33554432");

  pid_t child = spawn_tracked();
  CHECK(cg_add_pid(cg, child, &e) == 0, "%s", etext(&e));
  pid_t *pids = NULL;
  size_t n = 0;
  CHECK(cg_pids(cg, &pids, &n, &e) == 0 && n == 1 && pids[0] == child, "pids n=%zu", n);
  free(pids);

  bool frozen = false;
  CHECK(cg_freeze(cg, true, &e) == 0, "%s", etext(&e));
  CHECK(cg_is_frozen(cg, &frozen, &e) == 0 && frozen, "not frozen");
  expect_file(cg_find_v1(cg, "freezer")->path, "freezer.state", "FROZEN");
  CHECK(cg_freeze(cg, false, &e) == 0, "%s", etext(&e));
  CHECK(cg_is_frozen(cg, &frozen, &e) == 0 && !frozen, "still frozen");

  json_t *stats = NULL;
  CHECK(cg_stats(cg, &stats, &e) == 0, "%s", etext(&e));
  CHECK(json_integer_value(json_object_get(json_object_get(stats, "pids"), "current")) == 1 &&
            json_integer_value(json_object_get(json_object_get(stats, "pids"), "limit")) == 20 &&
            json_is_object(json_object_get(json_object_get(stats, "memory"), "raw")) &&
            json_integer_value(json_object_get(json_object_get(json_object_get(stats, "cpu"), "usage"), "total")) >= 0,
        "stats: %s", json_dumps(stats, 0));
  json_decref(stats);

  struct cg_mount *mounts = NULL;
  CHECK(cg_mounts(cg, &mounts, &n, &e) == 0, "%s", etext(&e));
  bool has_cpu = false, has_systemd = false, has_unified = false;
  for (size_t i = 0; i < n; i++) {
    has_cpu |= strcmp(mounts[i].name, "cpu") == 0;
    has_systemd |= strcmp(mounts[i].name, "systemd") == 0;
    has_unified |= mounts[i].v2;
  }
  free(mounts);
  CHECK(has_cpu && has_systemd && !has_unified, "cg_mounts names");

  /* What `delete` in another process does: load the saved state. */
  json_t *saved = cg_save(cg);
  char *text = json_dumps(saved, 0);
  json_decref(saved);
  saved = parse(text);
  free(text);
  struct cg_manager *again = NULL;
  CHECK(cg_load(saved, &again, &e) == 0, "%s", etext(&e));
  json_decref(saved);
  track(again);
  CHECK(cg_pids(again, &pids, &n, &e) == 0 && n == 1, "loaded pids");
  free(pids);
  CHECK(cg_freeze(again, true, &e) == 0, "%s", etext(&e));
  CHECK(cg_signal_all(again, SIGKILL, &e) == 0, "%s", etext(&e));
  int st;
  CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child not killed");
  reaped(child);
  CHECK(cg_destroy(again, &e) == 0, "%s", etext(&e));
  expect_gone(cg);
  untrack(cg);
  cg_free(cg);
  untrack(again);
  cg_free(again);
}

/* Two containers under one parent that the first one made: destroying the
 * first must neither wait on nor fail at the busy parent. */
static void test_v1_shared_parent(void) {
  char pa[128], pb[128], top[64];
  snprintf(top, sizeof top, "/strata-test-%d", (int)getpid());
  snprintf(pa, sizeof pa, "%s/a", top);
  snprintf(pb, sizeof pb, "%s/b", top);
  struct cg_manager *a = NULL, *b = NULL;
  struct rt_err e = {0};
  CHECK(cg_create(pa, "a", NULL, &a, &e) == 0, "%s", etext(&e));
  track(a);
  CHECK(cg_create(pb, "b", NULL, &b, &e) == 0, "%s", etext(&e));
  track(b);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK(cg_destroy(a, &e) == 0, "%s", etext(&e));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK(secs < 0.5, "destroy waited %.2fs on a busy parent", secs);
  expect_gone(a);
  CHECK(exists(b->h[0].path), "sibling removed");
  CHECK(cg_destroy(b, &e) == 0, "%s", etext(&e));
  expect_gone(b);
  /* The parent was made by `a` and was busy when `a` went: it stays (as with runc). */
  struct cg_manager *parent = plan(top);
  for (size_t i = 0; i < parent->n; i++) rmdir(parent->h[i].path);
  expect_gone(parent);
  untrack(a);
  untrack(b);
  cg_free(a);
  cg_free(b);
}

/* ---------- (b) cgroup v2, real, in the cgroup2 mount ---------- */

/* Child joins the cgroup, opens each device, reports errno (0 = opened). */
static void probe_devices(struct cg_manager *cg, const char *const *devs, int *errs, int n) {
  int fds[2];
  CHECK(pipe(fds) == 0, "pipe");
  pid_t p = fork();
  if (p == 0) {
    struct rt_err e = {0};
    int res[8];
    if (cg_enter(cg, &e) < 0) _exit(2);
    for (int i = 0; i < n; i++) {
      int fd = open(devs[i], O_RDONLY);
      res[i] = fd >= 0 ? 0 : errno;
      if (fd >= 0) close(fd);
    }
    _exit(write(fds[1], res, sizeof(int) * (size_t)n) == (ssize_t)(sizeof(int) * (size_t)n) ? 0 : 3);
  }
  close(fds[1]);
  ssize_t got = read(fds[0], errs, sizeof(int) * (size_t)n);
  close(fds[0]);
  int st;
  waitpid(p, &st, 0);
  CHECK(got == (ssize_t)(sizeof(int) * (size_t)n), "probe child failed (status %d)", st);
}

static void test_v2_real(void) {
  const char *root = NULL;
  FILE *f = fopen("/proc/self/mountinfo", "r");
  static char line[4096], point[4096];
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1) root = point;
  if (f) fclose(f);
  if (root == NULL) {
    printf("  SKIP: no cgroup2 mount\n");
    return;
  }
  setenv("STRATA_CGROUP_ROOT", root, 1);
  char path[128];
  snprintf(path, sizeof path, "/strata-test-v2-%d", (int)getpid());
  struct cg_manager *cg = NULL;
  struct rt_err e = {0};
  /* No user rules: runc's defaults only, so /dev/null is allowed and /dev/kmsg is not. */
  CHECK(cg_create(path, "x", NULL, &cg, &e) == 0, "%s", etext(&e));
  unsetenv("STRATA_CGROUP_ROOT");
  track(cg);
  CHECK(cg_is_v2(cg) && !cg->fake, "expected real v2");

  const char *devs[] = {"/dev/null", "/dev/kmsg", "/dev/zero", "/dev/full"};
  int errs[4];
  probe_devices(cg, devs, errs, 4);
  CHECK(errs[0] == 0 && errs[1] == EPERM && errs[2] == 0, "defaults: null=%d kmsg=%d zero=%d", errs[0], errs[1], errs[2]);

  /* Our own rule list, without runc's defaults: replaces the program. */
  struct cg_dev_rule only_null[] = {{true, 'c', 1, 3, CG_ACC_ALL}};
  CHECK(cg_ebpf_apply(cg->h[0].path, only_null, 1, true, &e) == 0, "%s", etext(&e));
  probe_devices(cg, devs, errs, 4);
  CHECK(errs[0] == 0 && errs[2] == EPERM && errs[3] == EPERM, "only null: null=%d zero=%d full=%d", errs[0], errs[2], errs[3]);
  /* Last match wins: allow all, then deny c 1:7 (full). */
  struct cg_dev_rule deny_full[] = {{true, 'a', -1, -1, CG_ACC_ALL}, {false, 'c', 1, 7, CG_ACC_READ}};
  CHECK(cg_ebpf_apply(cg->h[0].path, deny_full, 2, true, &e) == 0, "%s", etext(&e));
  probe_devices(cg, devs, errs, 4);
  CHECK(errs[2] == 0 && errs[3] == EPERM, "deny full: zero=%d full=%d", errs[2], errs[3]);

  pid_t child = spawn_tracked();
  CHECK(cg_add_pid(cg, child, &e) == 0, "%s", etext(&e));
  bool frozen = false;
  CHECK(cg_freeze(cg, true, &e) == 0, "%s", etext(&e));
  CHECK(cg_is_frozen(cg, &frozen, &e) == 0 && frozen, "not frozen");
  CHECK(strstr(slurp(cg->h[0].path, "cgroup.events"), "frozen 1") != NULL, "events not frozen");
  CHECK(cg_freeze(cg, false, &e) == 0, "%s", etext(&e));
  CHECK(cg_is_frozen(cg, &frozen, &e) == 0 && !frozen, "still frozen");
  CHECK(cg_signal_all(cg, SIGKILL, &e) == 0, "%s", etext(&e)); /* cgroup.kill */
  int st;
  CHECK(waitpid(child, &st, 0) == child && WIFSIGNALED(st), "cgroup.kill did not kill");
  reaped(child);
  CHECK(cg_destroy(cg, &e) == 0, "%s", etext(&e));
  expect_gone(cg);
  untrack(cg);
  cg_free(cg);
}

/* ---------- (c) cgroup v2 limits, fake tree ---------- */

static void test_v2_fake(void) {
  snprintf(fake_root, sizeof fake_root, "/tmp/strata-cgfake-XXXXXX");
  CHECK(mkdtemp(fake_root) != NULL, "mkdtemp");
  struct rt_err e = {0};
  CHECK(cg_write(NULL, fake_root, "cgroup.controllers", "cpu memory pids io cpuset", &e) < 0, "write needs O_CREAT");
  rt_err_clear(&e);
  struct cg_manager tmp = {.fake = true};
  CHECK(cg_write(&tmp, fake_root, "cgroup.controllers", "cpu memory pids io cpuset", &e) == 0 &&
            cg_write(&tmp, fake_root, "cgroup.subtree_control", "", &e) == 0, "%s", etext(&e));
  setenv("STRATA_CGROUP_ROOT", fake_root, 1);
  json_t *r = parse("{\"memory\":{\"limit\":67108864,\"swap\":134217728,\"reservation\":1048576},"
                    "\"pids\":{\"limit\":20},\"blockIO\":{\"weight\":500},"
                    "\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"},"
                    "\"unified\":{\"memory.high\":\"50000000\"},"
                    "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
  struct cg_manager *cg = NULL;
  CHECK(cg_create("/a/b", "x", r, &cg, &e) == 0, "%s", etext(&e));
  unsetenv("STRATA_CGROUP_ROOT");
  json_decref(r);
  track(cg);
  CHECK(cg_is_v2(cg) && cg->fake, "expected fake v2");
  const char *d = cg->h[0].path;
  expect_file(d, "memory.max", "67108864");
  expect_file(d, "memory.swap.max", "67108864");
  expect_file(d, "memory.low", "1048576");
  expect_file(d, "cpu.weight", "100");
  expect_file(d, "cpu.max", "50000 100000");
  expect_file(d, "pids.max", "20");
  expect_file(d, "cpuset.cpus", "0-1");
  expect_file(d, "cpuset.mems", "0");
  expect_file(d, "io.weight", "4950"); /* 1 + (500-10)*9999/990 */
  expect_file(d, "memory.high", "50000000");
  expect_file(fake_root, "cgroup.subtree_control", "+cpu +cpuset +io +memory +pids");
  char a[128];
  snprintf(a, sizeof a, "%s/a", fake_root);
  expect_file(a, "cgroup.subtree_control", "+cpu +cpuset +io +memory +pids");

  const uint64_t shares[][2] = {{2, 1}, {1024, 100}, {262144, 10000}, {0, 0}, {512, 59}};
  for (size_t i = 0; i < 5; i++)
    CHECK(cg_shares_to_weight(shares[i][0]) == shares[i][1], "shares %llu -> %llu",
          (unsigned long long)shares[i][0], (unsigned long long)cg_shares_to_weight(shares[i][0]));
  r = parse("{\"cpu\":{\"shares\":2},\"memory\":{\"limit\":-1,\"swap\":-1},\"pids\":{\"limit\":0}}");
  CHECK(cg_update(cg, r, &e) == 0, "%s", etext(&e));
  json_decref(r);
  expect_file(d, "cpu.weight", "1");
  expect_file(d, "memory.max", "max");
  expect_file(d, "memory.swap.max", "max");
  expect_file(d, "pids.max", "max");
  r = parse("{\"cpu\":{\"shares\":262144,\"quota\":-1}}");
  CHECK(cg_update(cg, r, &e) == 0, "%s", etext(&e));
  json_decref(r);
  expect_file(d, "cpu.weight", "10000");
  expect_file(d, "cpu.max", "max");
  CHECK(cg_freeze(cg, true, &e) == 0, "%s", etext(&e));
  expect_file(d, "cgroup.freeze", "1");
  bool frozen = false;
  CHECK(cg_is_frozen(cg, &frozen, &e) == 0 && frozen, "fake not frozen");

  /* Swap without a memory limit cannot be converted. */
  r = parse("{\"memory\":{\"swap\":1000}}");
  CHECK(cg_update(cg, r, &e) < 0 && strstr(e.msg, "memory.swap"), "swap alone: %s", e.msg);
  json_decref(r);
  rt_err_clear(&e);

  struct cg_mount *m = NULL;
  size_t n = 0;
  CHECK(cg_mounts(cg, &m, &n, &e) == 0 && n == 1 && m[0].v2 && m[0].name[0] == '\0', "v2 mounts");
  free(m);
  CHECK(cg_destroy(cg, &e) == 0, "%s", etext(&e));
  CHECK(!exists(a), "%s left behind", a);
  untrack(cg);
  cg_free(cg);
  cleanup_all();
}

int main(void) {
  if (geteuid() != 0) {
    printf("cgroup_test: SKIP (needs root)\n");
    return 0;
  }
  struct statfs sfs;
  bool v1_host = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type != CGROUP2_SUPER_MAGIC;
  printf("cgroup_test (a) v1\n");
  if (v1_host) {
    test_v1_validation();
    test_v1_failure_leaves_nothing();
    test_v1_relative();
    test_v1_lifecycle();
    test_v1_shared_parent();
  } else {
    printf("  SKIP: not a cgroup v1 host\n");
  }
  printf("cgroup_test (b) v2 real\n");
  test_v2_real();
  printf("cgroup_test (c) v2 fake tree\n");
  test_v2_fake();
  cleanup_all();
  printf("cgroup_test: %s\n", failures ? "FAIL" : "ok");
  return failures ? 1 : 0;
}
