/* Unit tests for security.h: capabilities, hooks, seccomp.  Kernel effects
 * are checked in forked children so the test process keeps its privileges. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "../common/cleanup.h"
#include "../runtime/security.h"
#include "testutil.h"

/* Run fn in a child; true when it exits 0. */
static int in_child(int (*fn)(void *), void *arg) {
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) _exit(fn(arg) == 0 ? 0 : 1);
  int st;
  if (waitpid(pid, &st, 0) != pid) return 0;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static uint64_t status_field(const char *name) {
  autofclose FILE *f = fopen("/proc/self/status", "re");
  char line[256];
  size_t len = strlen(name);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, name, len) == 0 && line[len] == ':') return strtoull(line + len + 1, NULL, 16);
  return UINT64_MAX;
}

struct bad_case {
  const char *json, *want;
};

/* validate refuses every case's JSON with an error containing its want. */
static void expect_refused(const char *what, int (*validate)(json_t *, struct rt_err *),
                           const struct bad_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    struct rt_err err = {0};
    json_t *bad = parse_json(cases[i].json);
    if (validate(bad, &err) >= 0 || !err_has(&err, cases[i].want)) {
      fprintf(stderr, "FAIL %s:%d: %s refuses case %zu: %s\n", __FILE__, __LINE__, what, i,
              cases[i].json);
      failures++;
    }
    json_decref(bad);
  }
}

/* ---- capabilities ---- */

static void test_caps_validate(void) {
  struct rt_err err = {0};
  json_t *ok = parse_json("{\"bounding\":[\"CAP_CHOWN\"],\"effective\":[],\"ambient\":[\"CAP_KILL\"]}");
  CHECK(caps_validate(ok, "process.capabilities", &err) == 0);
  CHECK(caps_validate(NULL, "process.capabilities", &err) == 0);
  json_decref(ok);

  json_t *bad = parse_json("{\"bounding\":[\"CAP_CHOWN\",\"CAP_FOO\"]}");
  CHECK(caps_validate(bad, "process.capabilities", &err) < 0);
  CHECK(err_has(&err, "process.capabilities.bounding: unknown capability \"CAP_FOO\""));
  json_decref(bad);

  rt_err_clear(&err);
  bad = parse_json("{\"permitted\":\"CAP_CHOWN\"}");
  CHECK(caps_validate(bad, "process.capabilities", &err) < 0);
  CHECK(err_has(&err, "process.capabilities.permitted: must be an array"));
  json_decref(bad);

  rt_err_clear(&err);
  bad = parse_json("{\"inheritable\":[7]}");
  CHECK(caps_validate(bad, "process.capabilities", &err) < 0);
  CHECK(err_has(&err, "process.capabilities.inheritable[0]: must be a string"));
  json_decref(bad);
}

static void test_caps_names(void) {
  CHECK(cap_from_name("CAP_CHOWN") == 0);
  CHECK(cap_from_name("CAP_SYS_ADMIN") == 21);
  CHECK(cap_from_name("CAP_CHECKPOINT_RESTORE") == 40);
  CHECK(cap_from_name("CAP_FOO") == -1);
  CHECK(cap_from_name("chown") == -1);
  json_t *known = caps_known();
  int last = 40;
  autofclose FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f && fscanf(f, "%d", &last) != 1) last = 40;
  if (last > 40) last = 40;
  CHECK(json_array_size(known) == (size_t)last + 1);
  CHECK(strcmp(json_string_value(json_array_get(known, 0)), "CAP_CHOWN") == 0);
  json_decref(known);
}

static int child_caps(void *arg) {
  json_t *caps = arg;
  struct rt_err err = {0};
  char buf[2300];
  if (caps_drop_bounding(caps, &err) < 0 || caps_apply(caps, &err) < 0) {
    fprintf(stderr, "caps: %s\n", rt_err_text(&err, buf, sizeof buf));
    return 1;
  }
  uint64_t bnd = status_field("CapBnd"), eff = status_field("CapEff");
  uint64_t prm = status_field("CapPrm"), inh = status_field("CapInh"), amb = status_field("CapAmb");
  /* CHOWN=0, KILL=5; ambient CHOWN is not inheritable, so only KILL rises. */
  if (bnd == 0x21 && eff == 0x1 && prm == 0x21 && inh == 0x20 && amb == 0x20) return 0;
  fprintf(stderr, "caps: bnd %llx eff %llx prm %llx inh %llx amb %llx\n", (unsigned long long)bnd,
          (unsigned long long)eff, (unsigned long long)prm, (unsigned long long)inh,
          (unsigned long long)amb);
  return 1;
}

static int child_caps_none(void *arg) {
  (void)arg;
  struct rt_err err = {0};
  if (caps_drop_bounding(NULL, &err) < 0 || caps_apply(NULL, &err) < 0) return 1;
  return status_field("CapBnd") == 0 && status_field("CapEff") == 0 &&
                 status_field("CapPrm") == 0 && status_field("CapAmb") == 0
             ? 0
             : 1;
}

static void test_caps_apply(void) {
  json_t *caps = parse_json(
      "{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\"],"
      "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"inheritable\":[\"CAP_KILL\"],"
      "\"ambient\":[\"CAP_KILL\",\"CAP_CHOWN\"]}");
  CHECK(in_child(child_caps, caps));
  CHECK(in_child(child_caps_none, NULL));
  json_decref(caps);
}

/* ---- hooks ---- */

static void test_hooks_validate(void) {
  struct rt_err err = {0};
  json_t *ok = parse_json(
      "{\"prestart\":[],\"poststart\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],"
      "\"env\":[\"A=b\"],\"timeout\":5}],\"somethingNew\":42}");
  CHECK(hooks_validate(ok, &err) == 0);
  CHECK(hooks_validate(NULL, &err) == 0);
  json_decref(ok);
  static const struct bad_case cases[] = {
      {"{\"poststart\":[{\"path\":\"bin/true\"}]}",
       "hooks.poststart[0].path: must be an absolute path"},
      {"{\"poststop\":[{\"args\":[]}]}", "hooks.poststop[0].path: required"},
      {"{\"createRuntime\":[{\"path\":\"/x\",\"timeout\":0}]}",
       "hooks.createRuntime[0].timeout: must be a positive integer"},
      {"{\"createContainer\":[{\"path\":\"/x\",\"env\":[\"NOEQ\"]}]}",
       "hooks.createContainer[0].env[0]: \"NOEQ\" is not of the form KEY=VALUE"},
      {"{\"startContainer\":[{\"path\":\"/x\",\"args\":[1]}]}",
       "hooks.startContainer[0].args[0]: must be a string"},
      {"{\"prestart\":{}}", "hooks.prestart: must be an array"},
  };
  expect_refused("hooks_validate", hooks_validate, cases, sizeof cases / sizeof *cases);
}

static void test_hooks_run(const char *dir) {
  struct rt_err err = {0};
  char text[2048];
  const char *state = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42}";
  snprintf(text, sizeof text,
           "{\"createRuntime\":["
           "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > $0/state; echo $FOO > $0/env\","
           "\"%s\"],\"env\":[\"FOO=bar\"],\"timeout\":5},"
           "{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo oops >&2; exit 3\"]}],"
           "\"poststart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"exec sleep 10\"],"
           "\"timeout\":1}],"
           "\"poststop\":[{\"path\":\"/bin/true\"}],"
           "\"startContainer\":[{\"path\":\"/nonexistent/hook\"}]}",
           dir);
  json_t *hooks = parse_json(text);
  CHECK(hooks_validate(hooks, &err) == 0);

  /* First hook gets the state on stdin and its env; the second fails. */
  CHECK(hooks_run(hooks, "createRuntime", state, &err) < 0);
  CHECK(err_has(&err, "running hook createRuntime[1] /bin/sh: exit status 3: stderr: oops"));
  char path[512];
  snprintf(path, sizeof path, "%s/state", dir);
  autofree char *got_state = read_file(path);
  CHECK(got_state != NULL && strcmp(got_state, state) == 0);
  snprintf(path, sizeof path, "%s/env", dir);
  autofree char *got_env = read_file(path);
  CHECK(got_env != NULL && strcmp(got_env, "bar\n") == 0);

  /* A hook past its timeout is killed, quickly. */
  rt_err_clear(&err);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK(hooks_run(hooks, "poststart", state, &err) < 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK(err_has(&err, "running hook poststart[0] /bin/sh: timed out after 1s"));
  CHECK(t1.tv_sec - t0.tv_sec < 3);

  /* No args: argv is [path]; a hook that ignores a large stdin (EPIPE) is fine. */
  rt_err_clear(&err);
  size_t big = 1 << 20;
  autofree char *large = malloc(big + 1);
  CHECK(large != NULL);
  if (large) {
    memset(large, ' ', big);
    large[big] = '\0';
    CHECK(hooks_run(hooks, "poststop", large, &err) == 0);
  }
  CHECK(hooks_run(hooks, "prestart", state, &err) == 0); /* none of that kind */

  rt_err_clear(&err);
  CHECK(hooks_run(hooks, "startContainer", state, &err) < 0);
  CHECK(err_has(&err, "running hook startContainer[0] /nonexistent/hook"));
  CHECK(err.errnum == ENOENT);
  json_decref(hooks);
}

/* ---- seccomp ---- */

static void test_seccomp_validate(void) {
  struct rt_err err = {0};
  CHECK(seccomp_validate(NULL, &err) == 0);
  static const struct bad_case cases[] = {
      {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
       "{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"b\"],\"action\":\"SCMP_ACT_LOG\"},"
       "{\"names\":[\"c\"],\"action\":\"SCMP_ACT_TRAP\"},{\"names\":[\"d\"],\"action\":\"SCMP_ACT_FOO\"}]}",
       "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\""},
      {"{\"syscalls\":[]}", "linux.seccomp.defaultAction: required string is missing"},
      {"{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}", "cannot be the default action"},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_Z80\"]}",
       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\""},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_BOGUS\"]}",
       "linux.seccomp.flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\""},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/agent.sock\"}",
       "linux.seccomp.listenerPath: seccomp notify is not supported"},
      {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":5}",
       "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE"},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"x\"],"
       "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5"},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"x\"],"
       "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
       "linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\""},
      {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}",
       "linux.seccomp.syscalls[0].names: must be an array of strings"},
  };
  expect_refused("seccomp_validate", seccomp_validate, cases, sizeof cases / sizeof *cases);
}

static void test_seccomp_features(void) {
  json_t *f = seccomp_features();
  CHECK(json_is_true(json_object_get(f, "enabled")));
  CHECK(json_array_size(json_object_get(f, "actions")) >= 8);
  CHECK(json_array_size(json_object_get(f, "operators")) == 7);
  CHECK(json_array_size(json_object_get(f, "supportedFlags")) >= 3);
  json_decref(f);
  CHECK(strcmp(seccomp_version(), "2.5.4") == 0 || seccomp_version()[0] == '2');
}

#define WANT(cond)                                                      \
  do {                                                                  \
    if (!(cond)) {                                                      \
      fprintf(stderr, "FAIL (child) %s:%d: %s: %s\n", __FILE__, __LINE__, \
              #cond, strerror(errno));                                  \
      return 1;                                                         \
    }                                                                   \
  } while (0)

static int load_or_report(json_t *profile) {
  struct rt_err err = {0};
  char buf[2300];
  if (seccomp_validate(profile, &err) < 0 || seccomp_load(profile, &err) < 0) {
    fprintf(stderr, "seccomp: %s\n", rt_err_text(&err, buf, sizeof buf));
    return -1;
  }
  return 0;
}

/* Default allow; mkdir -> EPERM; personality with two args on one index is an OR. */
static int child_seccomp_small(void *dir) {
  json_t *p = parse_json(
      "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
      "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
      "{\"names\":[\"mkdir\",\"mkdirat\",\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1},"
      "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ALLOW\"},"
      "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":["
      "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  if (load_or_report(p) < 0) return 1;
  char path[512];
  snprintf(path, sizeof path, "%s/sub", (const char *)dir);
  WANT(mkdir(path, 0755) < 0 && errno == EPERM);
  WANT(getpid() > 0);
  WANT(personality(1) == -1 && errno == EINVAL);
  WANT(personality(2) == -1 && errno == EINVAL);
  WANT(personality(0xffffffff) != -1);
  return 0;
}

static int child_seccomp_docker(void *path) {
  autofclose FILE *f = fopen(path, "re");
  json_error_t jerr;
  json_t *p = f ? json_loadf(f, 0, &jerr) : NULL;
  WANT(p != NULL);
  if (load_or_report(p) < 0) return 1;
  WANT(getpid() > 0);
  WANT(unshare(0) < 0 && errno == EPERM);
  WANT(unshare(CLONE_NEWNS) < 0 && errno == EPERM);
  WANT(mount("none", "/tmp", "tmpfs", 0, NULL) < 0 && errno == EPERM);
  WANT(personality(0xffffffff) != -1);
  WANT(personality(1) == -1 && errno == EPERM);
  WANT(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
  WANT(socket(AF_VSOCK, SOCK_STREAM, 0) < 0 && errno == EPERM);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  WANT(s >= 0);
  close(s);
  pid_t pid = fork(); /* glibc: clone3 (ENOSYS) -> clone without namespace flags */
  WANT(pid >= 0);
  if (pid == 0) _exit(7);
  int st;
  WANT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
  return 0;
}

static const char *fixture_path(void) {
  const char *env = getenv("SECCOMP_FIXTURE");
  if (env) return env;
  if (access("../test/fixtures/seccomp-docker-default.json", R_OK) == 0)
    return "../test/fixtures/seccomp-docker-default.json";
  return "test/fixtures/seccomp-docker-default.json";
}

static void test_seccomp_load(const char *dir) {
  struct rt_err err = {0};
  CHECK(in_child(child_seccomp_small, (void *)dir));
  json_error_t jerr;
  json_t *p = json_load_file(fixture_path(), 0, &jerr);
  CHECK(p != NULL);
  CHECK(seccomp_validate(p, &err) == 0);
  json_decref(p);
  CHECK(in_child(child_seccomp_docker, (void *)fixture_path()));
}

int main(void) {
  char dir[] = "/tmp/security-test-XXXXXX";
  make_tempdir(dir);
  test_caps_validate();
  test_caps_names();
  test_caps_apply();
  test_hooks_validate();
  test_hooks_run(dir);
  test_seccomp_validate();
  test_seccomp_features();
  test_seccomp_load(dir);
  rm_rf(dir);
  return finish("security_test");
}
