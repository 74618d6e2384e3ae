/* Where the container's cgroup lives: hierarchies from /proc/self/mountinfo,
 * this process's own cgroups from /proc/self/cgroup, never fixed paths.
 *   cgroupsPath absolute -> <mount point>/<path> in each hierarchy
 *   relative             -> <mount point>/<own cgroup>/<path>
 *   NULL or ""           -> "/strata-runtime/<id>" (absolute)
 * STRATA_CGROUP_ROOT=<dir> skips discovery: <dir> is a v2 root (tests). */
#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

/* No "..", ".", or empty components: the path must stay inside each hierarchy. */
static int validate_path(const char *p, struct rt_err *err) {
  const char *s = p[0] == '/' ? p + 1 : p;
  if (*s == '\0') return rt_fail(err, EINVAL, "invalid cgroupsPath `%s`: no name", p);
  for (;;) {
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && strncmp(s, "..", 2) == 0))
      return rt_fail(err, EINVAL, "invalid cgroupsPath `%s`: empty, `.` or `..` component", p);
    if (e == NULL) return 0;
    s = e + 1;
  }
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
      *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

static bool is_v1_controller(const char *opt) {
  static const char *const known[] = {"cpu",     "cpuacct", "cpuset",   "memory",     "devices",
                                      "freezer", "blkio",   "pids",     "net_cls",    "net_prio",
                                      "hugetlb", "rdma",    "misc",     "perf_event", NULL};
  if (strncmp(opt, "name=", 5) == 0) return true;
  for (size_t i = 0; known[i]; i++)
    if (strcmp(opt, known[i]) == 0) return true;
  return false;
}

struct mnt {
  char devno[32], root[PATH_MAX], point[PATH_MAX], controllers[256];
  bool v2;
};

/* Keep the controller options of a v1 superblock ("rw,cpu,cpuacct" -> "cpu,cpuacct"). */
static void controllers_of(char *superopts, char *out, size_t len) {
  out[0] = '\0';
  for (char *save = NULL, *t = strtok_r(superopts, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (!is_v1_controller(t)) continue;
    if (out[0]) strncat(out, ",", len - strlen(out) - 1);
    strncat(out, t, len - strlen(out) - 1);
  }
}

/* Parse one mountinfo line; false when it is not a cgroup mount. */
static bool parse_mount(char *line, struct mnt *m) {
  char *sep = strstr(line, " - ");
  if (sep == NULL) return false;
  *sep = '\0';
  char fstype[64], source[256], superopts[1024];
  if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, superopts) != 3) return false;
  bool v1 = strcmp(fstype, "cgroup") == 0, v2 = strcmp(fstype, "cgroup2") == 0;
  if (!v1 && !v2) return false;
  char root[PATH_MAX], point[PATH_MAX];
  if (sscanf(line, "%*s %*s %31s %4095s %4095s", m->devno, root, point) != 3) return false;
  unescape(root);
  unescape(point);
  snprintf(m->root, sizeof m->root, "%s", root);
  snprintf(m->point, sizeof m->point, "%s", point);
  m->v2 = v2;
  m->controllers[0] = '\0';
  if (v1) controllers_of(superopts, m->controllers, sizeof m->controllers);
  return v2 || m->controllers[0] != '\0';
}

static int read_mounts(struct mnt **out, size_t *n, struct rt_err *err) {
  autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return rt_failerrno(err, "open `/proc/self/mountinfo`");
  autofree char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    struct mnt m;
    if (!parse_mount(line, &m)) continue;
    bool dup = false; /* a hierarchy bind-mounted twice: keep the first */
    for (size_t i = 0; i < *n; i++) dup = dup || strcmp((*out)[i].devno, m.devno) == 0;
    if (dup) continue;
    struct mnt *nm = realloc(*out, (*n + 1) * sizeof *nm);
    if (nm == NULL) return rt_fail(err, ENOMEM, "read `/proc/self/mountinfo`");
    *out = nm;
    (*out)[(*n)++] = m;
  }
  return 0;
}

/* This process's cgroup in the hierarchy holding `controllers` ("" = cgroup2). */
static int own_cgroup(const char *controllers, char *out, size_t len, struct rt_err *err) {
  autofclose FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == NULL) return rt_failerrno(err, "open `/proc/self/cgroup`");
  char first[64];
  snprintf(first, sizeof first, "%.*s", (int)strcspn(controllers, ","), controllers);
  autofree char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c2 = '\0';
    char *ctrls = c1 + 1;
    bool match = controllers[0] == '\0' ? ctrls[0] == '\0' : false;
    for (char *save = NULL, *t = strtok_r(ctrls, ",", &save); t && !match;
         t = strtok_r(NULL, ",", &save))
      match = strcmp(t, first) == 0;
    if (match) {
      snprintf(out, len, "%s", c2 + 1);
      return 0;
    }
  }
  return rt_fail(err, ENOENT, "find own cgroup for `%s` in `/proc/self/cgroup`",
                 controllers[0] ? controllers : "cgroup2");
}

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s && s[1] ? s + 1 : p;
}

/* Container dir of one hierarchy. */
static int hier_path(const struct mnt *m, const char *cgpath, struct cg_hier *h,
                     struct rt_err *err) {
  snprintf(h->name, sizeof h->name, "%.63s", m->v2 ? "" : base_name(m->point));
  snprintf(h->controllers, sizeof h->controllers, "%s", m->controllers);
  snprintf(h->mount, sizeof h->mount, "%s", m->point);
  h->v2 = m->v2;
  char base[PATH_MAX] = "";
  if (cgpath[0] != '/') {
    char own[PATH_MAX];
    if (own_cgroup(m->controllers, own, sizeof own, err) < 0) return -1;
    /* /proc/self/cgroup is relative to the cgroup namespace; strip the mount's root. */
    size_t rl = strlen(m->root);
    const char *rel = own;
    if (strcmp(m->root, "/") != 0 && strncmp(own, m->root, rl) == 0) rel = own + rl;
    if (strcmp(rel, "/") != 0) snprintf(base, sizeof base, "%s", rel);
  }
  int r = snprintf(h->path, sizeof h->path, "%s%s%s%s", m->point, base, cgpath[0] == '/' ? "" : "/",
                   cgpath);
  if (r < 0 || (size_t)r >= sizeof h->path) return rt_fail(err, ENAMETOOLONG, "cgroup path `%s`", cgpath);
  return 0;
}

static int discover_fake(struct cg_manager *cg, const char *root, const char *cgpath,
                         struct rt_err *err) {
  struct statfs sfs;
  if (statfs(root, &sfs) < 0) return rt_failerrno(err, "statfs STRATA_CGROUP_ROOT `%s`", root);
  cg->mode = CG_MODE_V2;
  cg->fake = sfs.f_type != CGROUP2_SUPER_MAGIC;
  cg->n = 1;
  struct cg_hier *h = &cg->h[0];
  snprintf(h->mount, sizeof h->mount, "%s", root);
  h->v2 = true;
  /* A relative path has no "own cgroup" in a given root: it goes under the root too. */
  int r = snprintf(h->path, sizeof h->path, "%s%s%s", root, cgpath[0] == '/' ? "" : "/", cgpath);
  if (r < 0 || (size_t)r >= sizeof h->path) return rt_fail(err, ENAMETOOLONG, "cgroup path `%s`", cgpath);
  return 0;
}

int cg_discover(struct cg_manager *cg, const char *cgroups_path, const char *id,
                struct rt_err *err) {
  char def[PATH_MAX];
  if (cgroups_path == NULL || cgroups_path[0] == '\0') {
    snprintf(def, sizeof def, "/strata-runtime/%s", id);
    cgroups_path = def;
    cg->default_path = true;
  }
  if (validate_path(cgroups_path, err) < 0) return -1;
  const char *root = getenv("STRATA_CGROUP_ROOT");
  if (root != NULL && root[0] != '\0') return discover_fake(cg, root, cgroups_path, err);

  autofree struct mnt *mnts = NULL;
  size_t nm = 0;
  if (read_mounts(&mnts, &nm, err) < 0) return -1;
  const struct mnt *v2 = NULL;
  size_t nv1 = 0;
  for (size_t i = 0; i < nm; i++) {
    if (!mnts[i].v2) nv1++;
    else if (v2 == NULL || strcmp(mnts[i].point, "/sys/fs/cgroup") == 0) v2 = &mnts[i];
  }
  if (v2 != NULL && (nv1 == 0 || strcmp(v2->point, "/sys/fs/cgroup") == 0)) {
    cg->mode = CG_MODE_V2;
    cg->n = 1;
    return hier_path(v2, cgroups_path, &cg->h[0], err);
  }
  if (nv1 == 0) return rt_fail(err, ENOENT, "find a cgroup mount in `/proc/self/mountinfo`");
  cg->mode = v2 ? CG_MODE_HYBRID : CG_MODE_V1;
  for (size_t i = 0; i < nm && cg->n < CG_MAX_HIER; i++) {
    if (mnts[i].v2 && &mnts[i] != v2) continue;
    if (hier_path(&mnts[i], cgroups_path, &cg->h[cg->n], err) < 0) return -1;
    if (mnts[i].v2) snprintf(cg->h[cg->n].name, sizeof cg->h[cg->n].name, "%.63s", base_name(mnts[i].point));
    cg->n++;
  }
  return 0;
}
