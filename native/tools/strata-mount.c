/* strata-mount: strata-lifecycled's mount(2) and umount2(2), as a long-lived
 * helper.  A task's rootfs is mounted on create and unmounted on delete;
 * spawning mount(8) from a large Node process costs several ms each time,
 * this costs a line on a pipe.
 *
 *   strata-mount --serve
 *
 * Each stdin line is one request, fields separated by tabs; each gets one
 * line back, "ok" or "error <message>", in order:
 *
 *   mount TYPE SOURCE TARGET OPTIONS   OPTIONS: comma-separated, as in fstab
 *                                      ("bind"/"rbind" for a bind mount; "ro",
 *                                      "nosuid", ... become flags, the rest data)
 *   umount TARGET [detach]
 *
 * A read-only bind mount is made as mount(8) makes it: the bind, then a
 * read-only remount.  It exits at the end of stdin (its parent gone). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define MAX_FIELDS 8

struct flag_name {
  const char *name;
  unsigned long set, clear;
};

static const struct flag_name flag_names[] = {
    {"ro", MS_RDONLY, 0},          {"rw", 0, MS_RDONLY},         {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},        {"nodev", MS_NODEV, 0},       {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},      {"exec", 0, MS_NOEXEC},       {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},  {"noatime", MS_NOATIME, 0},   {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0}, {"relatime", MS_RELATIME, 0}, {"strictatime", MS_STRICTATIME, 0},
    {"bind", MS_BIND, 0},          {"rbind", MS_BIND | MS_REC, 0}, {"defaults", 0, 0},
};

/* Split options into flags and the data string (in place into data). */
static unsigned long parse_options(char *options, char *data, size_t cap) {
  unsigned long flags = 0;
  size_t used = 0;
  data[0] = '\0';
  char *save = NULL;
  for (char *o = strtok_r(options, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
    bool known = false;
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
      if (strcmp(o, flag_names[i].name) == 0) {
        flags = (flags | flag_names[i].set) & ~flag_names[i].clear;
        known = true;
        break;
      }
    }
    if (known || o[0] == '\0') continue;
    int n = snprintf(data + used, cap - used, "%s%s", used ? "," : "", o);
    if (n < 0 || (size_t)n >= cap - used) return (unsigned long)-1;
    used += (size_t)n;
  }
  return flags;
}

static void reply_errno(const char *what, const char *target) {
  printf("error %s %s: %s\n", what, target, strerror(errno));
}

static void do_mount(char **f, int n) {
  if (n != 5) {
    printf("error usage: mount TYPE SOURCE TARGET OPTIONS\n");
    return;
  }
  static char data[65536];
  unsigned long flags = parse_options(f[4], data, sizeof data);
  if (flags == (unsigned long)-1) {
    printf("error mount %s: options too long\n", f[3]);
    return;
  }
  if (flags & MS_BIND) {
    if (mount(f[2], f[3], NULL, flags & (MS_BIND | MS_REC), NULL) < 0) return reply_errno("bind mount", f[3]);
    if ((flags & MS_RDONLY) &&
        mount(NULL, f[3], NULL, MS_BIND | MS_REMOUNT | (flags & ~(MS_BIND | MS_REC)), NULL) < 0) {
      int saved = errno;
      umount2(f[3], MNT_DETACH); /* no half-made mount left behind */
      errno = saved;
      return reply_errno("remount read-only", f[3]);
    }
  } else if (mount(f[2], f[3], f[1], flags, data[0] ? data : NULL) < 0) {
    return reply_errno("mount", f[3]);
  }
  printf("ok\n");
}

static void do_umount(char **f, int n) {
  if (n != 2 && !(n == 3 && strcmp(f[2], "detach") == 0)) {
    printf("error usage: umount TARGET [detach]\n");
    return;
  }
  if (umount2(f[1], n == 3 ? MNT_DETACH : 0) < 0) return reply_errno("umount", f[1]);
  printf("ok\n");
}

int main(int argc, char **argv) {
  if (argc != 2 || strcmp(argv[1], "--serve") != 0) {
    fprintf(stderr, "usage: strata-mount --serve\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
    char *f[MAX_FIELDS];
    int n = 0;
    /* strsep, not strtok: empty fields (no options) count. */
    for (char *rest = line, *tok; n < MAX_FIELDS && (tok = strsep(&rest, "\t")) != NULL;) f[n++] = tok;
    if (n > 0 && strcmp(f[0], "mount") == 0) do_mount(f, n);
    else if (n > 0 && strcmp(f[0], "umount") == 0) do_umount(f, n);
    else printf("error unknown request `%s`\n", n > 0 ? f[0] : "");
  }
  free(line);
  return 0;
}
