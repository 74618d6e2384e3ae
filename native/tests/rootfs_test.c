/* Tests for rootfs.h: validation messages, symlink-safe resolution, and a full
 * prepare -> pivot -> finalize on a busybox rootfs.  Everything that mounts
 * runs in a child that first unshares its mount (and pid) namespace; the
 * parent checks afterwards that the host mount table did not change. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../runtime/rootfs-internal.h"
#include "../runtime/rootfs.h"
#include "testutil.h"

static char tmp[] = "/tmp/rootfs-test.XXXXXX";
static char rootfs[256];

static void sh(const char *fmt, const char *arg) {
  char cmd[PATH_MAX * 2];
  snprintf(cmd, sizeof cmd, fmt, arg, arg);
  if (system(cmd) != 0) {
    fprintf(stderr, "setup failed: %s\n", cmd);
    exit(2);
  }
}

/* A busybox rootfs plus the fixtures the checks use. */
static void make_rootfs(void) {
  make_tempdir(tmp);
  snprintf(rootfs, sizeof rootfs, "%s/rootfs", tmp);
  sh("mkdir -p %s/rootfs/bin %s/rootfs/proc", tmp);
  sh("mkdir -p %s/rootfs/sys %s/rootfs/dev", tmp);
  sh("mkdir -p %s/rootfs/etc %s/rootfs/opt/data", tmp);
  sh("mkdir -p %s/rootfs/tmp %s/rootfs/mnt", tmp);
  sh("cp /bin/busybox %s/rootfs/bin/busybox && ln -s busybox %s/rootfs/bin/sh", tmp);
  sh("echo old > %s/rootfs/opt/data/keep && mkdir -p %s/src", tmp);
  sh("echo bound > %s/src/file && touch %s/rootfs/marker", tmp);
  /* /escape climbs out with "..", /abs is absolute: it must stay inside. */
  sh("ln -s ../../../../../../tmp %s/rootfs/escape && ln -s /etc %s/rootfs/abs", tmp);
  sh("ln -s loop2 %s/rootfs/loop1 && ln -s loop1 %s/rootfs/loop2", tmp);
}

/* ---- validation ---- */

static void validate_expect(const char *mounts_json, const char *want) {
  char text[4096];
  snprintf(text, sizeof text, "{\"root\":{\"path\":\"rootfs\"},\"mounts\":%s}", mounts_json);
  json_t *c = parse_json(text);
  struct rt_err err = {0};
  int rc = rootfs_validate(c, rootfs, &err);
  if (want == NULL) {
    if (rc != 0) fprintf(stderr, "  unexpected: %s\n", err.msg);
    CHECK(rc == 0);
  } else {
    CHECK(rc < 0 && err_has(&err, want));
  }
  json_decref(c);
}

static void test_validate(void) {
  validate_expect("[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]", NULL);
  validate_expect(
      "[{\"destination\":\"/a\",\"type\":\"tmpfs\"},{\"destination\":\"/b\",\"type\":\"tmpfs\"},"
      "{\"destination\":\"/c\",\"type\":\"tmpfs\"},{\"destination\":\"rel\",\"type\":\"tmpfs\"}]",
      "config.json: mounts[3].destination: must be an absolute path");
  validate_expect("[{\"destination\":\"/escape/x\",\"type\":\"tmpfs\"}]",
                  "config.json: mounts[0].destination: /escape/x resolves outside the container root");
  validate_expect("[{\"destination\":\"/../x\",\"type\":\"tmpfs\"}]", "resolves outside");
  validate_expect("[{\"destination\":\"/abs/x\",\"type\":\"tmpfs\"}]", NULL);
  validate_expect("[{\"destination\":\"/loop1/x\",\"type\":\"tmpfs\"}]", "mounts[0].destination");
  validate_expect("[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"bogus\"]}]",
                  "mounts[0]: options[0]: unknown mount option \"bogus\"");
  validate_expect("[{\"destination\":\"/x\",\"type\":\"nosuchfs\"}]", "unknown filesystem type");
  validate_expect("[{\"destination\":\"/proc/kcore\",\"type\":\"tmpfs\"}]",
                  "mounts[0].destination: /proc/kcore cannot be mounted because it is inside /proc");
  validate_expect("[{\"destination\":\"/proc/meminfo\",\"source\":\"/proc/meminfo\",\"options\":[\"bind\"]}]", NULL);
  validate_expect("[{\"destination\":\"/x\",\"source\":\"/nonexistent-src\",\"options\":[\"bind\"]}]",
                  "mounts[0].source");
  validate_expect("[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"mode=755\",\"rro\","
                  "\"rslave\",\"tmpcopyup\",\"newinstance\"]}]",
                  NULL);

  struct rt_err err = {0};
  json_t *c = parse_json("{\"linux\":{\"devices\":[{\"path\":\"/etc/x\",\"type\":\"c\",\"major\":1,"
                    "\"minor\":3}]}}");
  CHECK(rootfs_validate(c, rootfs, &err) < 0 && err_has(&err, "linux.devices[0]: path"));
  json_decref(c);
  rt_err_clear(&err);
  c = parse_json("{\"linux\":{\"rootfsPropagation\":\"sideways\"}}");
  CHECK(rootfs_validate(c, rootfs, &err) < 0 && err_has(&err, "linux.rootfsPropagation"));
  json_decref(c);
  rt_err_clear(&err);
  c = parse_json("{\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}}");
  CHECK(rootfs_validate(c, rootfs, &err) < 0 && err_has(&err, "linux.maskedPaths[0]"));
  json_decref(c);
  rt_err_clear(&err);
  char notdir[PATH_MAX];
  snprintf(notdir, sizeof notdir, "%s/marker", rootfs);
  c = parse_json("{}");
  CHECK(rootfs_validate(c, notdir, &err) < 0 && err_has(&err, "root.path"));
  json_decref(c);
}

/* ---- resolution ---- */

static void test_paths(void) {
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  char res[PATH_MAX];
  struct rt_err err = {0};
  /* ".." stops at the root; absolute links restart there. */
  int fd = path_open_in_root(rootfd, "/escape", PATH_NO_CREATE, 0, res, sizeof res, &err);
  struct stat in, got;
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/tmp", rootfs);
  CHECK(fd >= 0 && strcmp(res, "/tmp") == 0 && stat(p, &in) == 0 &&
        fstatat(fd, "", &got, AT_EMPTY_PATH) == 0 && in.st_ino == got.st_ino);
  if (fd >= 0) close(fd);
  rt_err_clear(&err);
  fd = path_open_in_root(rootfd, "/abs/../bin/sh", PATH_NO_CREATE, 0, res, sizeof res, &err);
  CHECK(fd >= 0 && strcmp(res, "/bin/busybox") == 0);
  if (fd >= 0) close(fd);
  rt_err_clear(&err);
  fd = path_open_in_root(rootfd, "/loop1", PATH_NO_CREATE, 0, res, sizeof res, &err);
  CHECK(fd < 0 && err.errnum == ELOOP);
  rt_err_clear(&err);
  fd = path_open_in_root(rootfd, "/missing", PATH_NO_CREATE, 0, res, sizeof res, &err);
  CHECK(fd < 0 && err.errnum == ENOENT);
  rt_err_clear(&err);
  fd = path_open_in_root(rootfd, "/abs/new/dir", PATH_MKDIR, 0700, res, sizeof res, &err);
  CHECK(fd >= 0 && strcmp(res, "/etc/new/dir") == 0);
  if (fd >= 0) close(fd);
  struct stat st;
  snprintf(p, sizeof p, "%s/etc/new/dir", rootfs);
  CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
  sh("rm -rf %s/rootfs/etc/new %s/rootfs/etc/new", tmp);
}

/* ---- the full setup, checked from inside ---- */

static const char *config_text =
    "{\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    " \"mounts\":["
    "  {\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "  {\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "  {\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
    "  {\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "  {\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "  {\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"%s/src\",\"options\":[\"rbind\",\"ro\",\"nosuid\"]},"
    "  {\"destination\":\"/mnt/file\",\"type\":\"bind\",\"source\":\"%s/src/file\",\"options\":[\"bind\"]},"
    "  {\"destination\":\"/opt/data\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"tmpcopyup\",\"mode=755\"]},"
    "  {\"destination\":\"/abs/inside\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
    " ],"
    " \"linux\":{"
    "  \"devices\":[{\"path\":\"/dev/extra/null2\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":384,\"uid\":5,\"gid\":6}],"
    "  \"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\",\"/proc/acpi\",\"/proc/nonexistent\"],"
    "  \"readonlyPaths\":[\"/proc/sys\",\"/proc/nonexistent\"]}}";

static bool only_container_mounts(void) {
  static const char *const allowed[] = {
      "/", "/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/mnt/ro", "/mnt/file",
      "/opt/data", "/etc/inside", "/proc/kcore", "/proc/keys", "/proc/acpi", "/proc/sys", NULL};
  autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096], mp[PATH_MAX];
  int roots = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1) return false;
    bool ok = false;
    for (size_t i = 0; allowed[i]; i++) ok = ok || strcmp(mp, allowed[i]) == 0;
    if (!ok) fprintf(stderr, "  unexpected mount: %s", line);
    if (!ok) return false;
    roots += strcmp(mp, "/") == 0;
  }
  return f != NULL && roots == 1;
}

static bool write_fails(const char *path, int want_errno) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    close(fd);
    return false;
  }
  return errno == want_errno;
}

/* A pty from the container's own devpts, its slave bound onto /dev/console
 * (missing before: the file is created, mode 0600 before the bind). */
static void check_console(void) {
  CHECK(access("/dev/console", F_OK) != 0);
  autoclose int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
  if (master < 0) return;
  const char *slave = ptsname(master);
  struct rt_err err = {0};
  CHECK(slave != NULL && rootfs_bind_console(slave, &err) == 0);
  struct stat a, b;
  CHECK(slave && stat(slave, &a) == 0 && stat("/dev/console", &b) == 0 && a.st_rdev == b.st_rdev);
}

static void check_inside(void) {
  struct statfs sfs;
  CHECK(statfs("/proc", &sfs) == 0 && sfs.f_type == 0x9fa0); /* PROC_SUPER_MAGIC */
  CHECK(getpid() == 1 && access("/proc/1/exe", F_OK) == 0);
  CHECK(only_container_mounts());
  CHECK(access("/marker", F_OK) == 0);
  autofree char *kcore = read_file("/proc/kcore");
  CHECK(access("/proc/kcore", F_OK) != 0 || (kcore && kcore[0] == '\0'));
  autofree char *keys = read_file("/proc/keys");
  CHECK(keys != NULL && keys[0] == '\0');
  CHECK(write_fails("/proc/acpi/x", EROFS));
  CHECK(write_fails("/proc/sys/kernel/hostname", EROFS));
  CHECK(write_fails("/newfile", EROFS));
  CHECK(write_fails("/mnt/ro/new", EROFS));
  autofree char *bound = read_file("/mnt/file");
  CHECK(bound && strcmp(bound, "bound\n") == 0);
  autofree char *kept = read_file("/opt/data/keep");
  CHECK(kept && strcmp(kept, "old\n") == 0);
  CHECK(statfs("/opt/data", &sfs) == 0 && sfs.f_type == 0x01021994); /* TMPFS_MAGIC */
  CHECK(statfs("/etc/inside", &sfs) == 0 && sfs.f_type == 0x01021994);
  CHECK(statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == 0x01021994);
  struct stat st;
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
  CHECK(stat("/dev/tty", &st) == 0 && st.st_rdev == makedev(5, 0) && (st.st_mode & 0777) == 0666);
  CHECK(stat("/dev/extra/null2", &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_uid == 5 &&
        st.st_gid == 6);
  char link[64] = "";
  CHECK(readlink("/dev/ptmx", link, sizeof link - 1) > 0 && strcmp(link, "pts/ptmx") == 0);
  CHECK(readlink("/dev/fd", memset(link, 0, sizeof link), sizeof link - 1) > 0 &&
        strcmp(link, "/proc/self/fd") == 0);
  CHECK(access("/dev/pts/ptmx", F_OK) == 0);
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  if (fd >= 0) close(fd);
  check_console();
}

enum scenario { PIVOT, NO_PIVOT, USERNS };

/* Checks for a user namespace, where /sys is the host's (bound) and device
 * nodes are bind mounts of the host's. */
static void check_userns(void) {
  struct statfs sfs;
  struct stat st;
  CHECK(statfs("/proc", &sfs) == 0 && sfs.f_type == 0x9fa0);
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  CHECK(fd >= 0 && write(fd, "x", 1) == 1);
  if (fd >= 0) close(fd);
  CHECK(access("/sys/kernel", F_OK) == 0);
  autofree char *keys = read_file("/proc/keys");
  CHECK(keys != NULL && keys[0] == '\0');
  CHECK(write_fails("/proc/sys/kernel/hostname", EROFS));
  CHECK(write_fails("/newfile", EROFS));
  CHECK(write_fails("/mnt/ro/new", EROFS));
}

/* Runs as pid 1 of a new pid namespace inside a new mount namespace. */
static int container(enum scenario sc) {
  char text[8192];
  snprintf(text, sizeof text, config_text, tmp, tmp);
  json_t *c = parse_json(text);
  /* In a user namespace devices are the host's nodes bound: no made-up ones. */
  if (sc == USERNS) json_object_del(json_object_get(c, "linux"), "devices");
  struct rt_err err = {0};
  char buf[4096];
  if (rootfs_validate(c, rootfs, &err) < 0 || rootfs_prepare(c, rootfs, NULL, &err) < 0 ||
      rootfs_pivot(rootfs, sc == NO_PIVOT, &err) < 0 || rootfs_finalize(c, &err) < 0) {
    fprintf(stderr, "FAIL setup (scenario %d): %s\n", sc, rt_err_text(&err, buf, sizeof buf));
    return 1;
  }
  if (sc == NO_PIVOT) {
    struct statfs sfs;
    CHECK(access("/marker", F_OK) == 0);
    CHECK(statfs("/proc", &sfs) == 0 && sfs.f_type == 0x9fa0);
    CHECK(write_fails("/newfile", EROFS));
  } else if (sc == USERNS) {
    check_userns();
  } else {
    check_inside();
  }
  json_decref(c);
  return failures;
}

/* The parent maps root to root for 65536 ids: a real user namespace (mknod
 * refused, flags locked) whose files still belong to the rootfs owner. */
static int write_maps(pid_t pid) {
  char path[64];
  const char *files[] = {"uid_map", "gid_map"};
  for (int i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, files[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, "0 0 65536\n", 10);
    close(fd);
    if (n != 10) return -1;
  }
  return 0;
}

static int run_child(enum scenario sc, int ready_w, int go_r) {
  char b = 0;
  if (sc == USERNS) {
    if (unshare(CLONE_NEWUSER) < 0 || write(ready_w, "r", 1) != 1 || read(go_r, &b, 1) != 1 || b != 'g')
      return 100;
  }
  if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0) return 100;
  pid_t init = fork();
  if (init == 0) _exit(container(sc));
  int st;
  if (init < 0 || waitpid(init, &st, 0) < 0) return 101;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 102;
}

static void test_container(enum scenario sc) {
  autofree char *before = read_file("/proc/self/mountinfo");
  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) exit(2);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) _exit(run_child(sc, ready[1], go[0]));
  char b;
  if (pid > 0 && sc == USERNS) {
    bool ok = read(ready[0], &b, 1) == 1 && write_maps(pid) == 0;
    CHECK(ok);
    if (write(go[1], ok ? "g" : "x", 1) != 1) CHECK(0);
  }
  close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
  int st;
  CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  autofree char *after = read_file("/proc/self/mountinfo");
  CHECK(before && after && strcmp(before, after) == 0);
  /* Through the /abs symlink the mount point landed inside the rootfs. */
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/etc/inside", rootfs);
  CHECK(access(p, F_OK) == 0);
}

int main(void) {
  if (geteuid() != 0) {
    fprintf(stderr, "rootfs_test: needs root, skipped\n");
    return 0;
  }
  make_rootfs();
  test_validate();
  test_paths();
  test_container(PIVOT);
  test_container(NO_PIVOT);
  test_container(USERNS);
  rm_rf(tmp);
  return finish("rootfs_test");
}
