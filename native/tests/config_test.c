/* Unit tests of config.json validation (config.c) and the namespace tables
 * (namespaces.c): each bad config must fail with an error naming the field. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../runtime/config.h"
#include "testutil.h"

static char bundle[] = "/tmp/strata-config-test-XXXXXX";

#define BASE_PROCESS "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"]}"
#define BASE_ROOT "\"root\":{\"path\":\"rootfs\"}"
#define BASE_LINUX "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"uts\"}]}"

static void expect(const char *name, const char *json, bool console, const char *want) {
  struct rt_config cfg;
  struct rt_err err = {0};
  struct config_opts o = {.console_socket = console};
  int rc = config_from_string(json, bundle, &o, &cfg, &err);
  if (want == NULL) {
    if (rc != 0) {
      printf("FAIL %s: unexpected error: %s\n", name, err.msg);
      failures++;
    } else {
      config_free(&cfg);
      printf("ok   %s\n", name);
    }
    return;
  }
  if (rc == 0) {
    printf("FAIL %s: accepted, wanted error containing \"%s\"\n", name, want);
    config_free(&cfg);
    failures++;
  } else if (strstr(err.msg, want) == NULL || strncmp(err.msg, "config.json: ", 13) != 0) {
    printf("FAIL %s: error \"%s\" lacks \"%s\"\n", name, err.msg, want);
    failures++;
  } else {
    printf("ok   %s (%s)\n", name, err.msg);
  }
}

static void test_namespace_tables(void) {
  struct {
    const char *name, *proc;
    int flag;
  } t[] = {{"pid", "pid", CLONE_NEWPID},     {"network", "net", CLONE_NEWNET},
           {"mount", "mnt", CLONE_NEWNS},    {"ipc", "ipc", CLONE_NEWIPC},
           {"uts", "uts", CLONE_NEWUTS},     {"user", "user", CLONE_NEWUSER},
           {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", 0x80}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    int ns = ns_from_name(t[i].name);
    if (ns < 0 || strcmp(ns_proc_name(ns), t[i].proc) || ns_clone_flag(ns) != t[i].flag ||
        strcmp(ns_config_name(ns), t[i].name)) {
      printf("FAIL namespace table: %s\n", t[i].name);
      failures++;
    }
  }
  if (ns_from_name("net") != -1 || ns_from_name("") != -1) {
    printf("FAIL namespace table: accepts /proc names as config names\n");
    failures++;
  }
  if (ns_from_name("user") != 0 || ns_from_name("mount") != NS_COUNT - 1) {
    printf("FAIL namespace table: join order must be user first, mount last\n");
    failures++;
  }
  printf("ok   namespace tables\n");
}

int main(void) {
  char path[128], file[160];
  make_tempdir(bundle);
  snprintf(path, sizeof path, "%s/rootfs", bundle);
  mkdir(path, 0755);
  snprintf(file, sizeof file, "%s/file", bundle);
  fclose(fopen(file, "w"));

  expect("valid", "{" BASE_ROOT "," BASE_PROCESS "," BASE_LINUX ",\"hostname\":\"h\"}", false, NULL);
  expect("bad JSON", "{\n\"root\": {\"path\": \"rootfs\",}\n}", false, "parse error at line 2");
  expect("missing root", "{" BASE_PROCESS "," BASE_LINUX "}", false, "root:");
  expect("root not a dir", "{\"root\":{\"path\":\"file\"}," BASE_PROCESS "," BASE_LINUX "}", false,
         "root.path");
  expect("root missing", "{\"root\":{\"path\":\"nope\"}," BASE_PROCESS "," BASE_LINUX "}", false,
         "root.path");
  expect("missing process", "{" BASE_ROOT "," BASE_LINUX "}", false, "process:");
  expect("empty args", "{" BASE_ROOT ",\"process\":{\"args\":[],\"cwd\":\"/\"}," BASE_LINUX "}",
         false, "process.args");
  expect("relative cwd", "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"tmp\"}," BASE_LINUX "}",
         false, "process.cwd: must be an absolute path");
  expect("bad env", "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"NOEQ\"]}," BASE_LINUX "}",
         false, "process.env[0]");
  expect("bad uid", "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}," BASE_LINUX "}",
         false, "process.user.uid");
  expect("unknown rlimit",
         "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}," BASE_LINUX "}",
         false, "process.rlimits[0].type");
  expect("soft above hard",
         "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]}," BASE_LINUX "}",
         false, "process.rlimits[0]");
  expect("oomScoreAdj range", "{" BASE_ROOT ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":1001}," BASE_LINUX "}",
         false, "process.oomScoreAdj");
  expect("terminal without console socket",
         "{" BASE_ROOT ",\"process\":{\"terminal\":true,\"args\":[\"sh\"],\"cwd\":\"/\"}," BASE_LINUX "}",
         false, "process.terminal");
  expect("terminal with console socket",
         "{" BASE_ROOT ",\"process\":{\"terminal\":true,\"args\":[\"sh\"],\"cwd\":\"/\",\"consoleSize\":{\"height\":24,\"width\":80}}," BASE_LINUX "}",
         true, NULL);
  expect("unknown namespace", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"bogus\"}]}}",
         false, "linux.namespaces[1].type");
  expect("duplicate namespace", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
         false, "linux.namespaces[2].type: duplicate");
  expect("relative namespace path", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]}}",
         false, "linux.namespaces[1].path");
  expect("missing namespace path", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/nonexistent/ns\"}]}}",
         false, "linux.namespaces[1].path");
  expect("no mount namespace", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}",
         false, "linux.namespaces");
  expect("mappings without user ns",
         "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
         false, "linux.uidMappings");
  expect("user ns without mappings", "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]}}",
         false, "linux.uidMappings");
  expect("hostname without uts", "{" BASE_ROOT "," BASE_PROCESS ",\"hostname\":\"x\",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}",
         false, "hostname");
  expect("net sysctl without net ns",
         "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}",
         false, "linux.sysctl.net.ipv4.ip_forward");
  expect("host sysctl", "{" BASE_ROOT "," BASE_PROCESS "," BASE_LINUX ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"sysctl\":{\"vm.swappiness\":\"1\"}}}",
         false, "linux.sysctl.vm.swappiness");
  expect("ipc sysctl with ipc ns",
         "{" BASE_ROOT "," BASE_PROCESS ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.shmmax\":\"1000\",\"fs.mqueue.msg_max\":\"10\"}}}",
         false, NULL);
  test_namespace_tables();

  rm_rf(bundle);
  printf(failures ? "config_test: %d failure(s)\n" : "config_test: all passed\n", failures);
  return failures != 0;
}
