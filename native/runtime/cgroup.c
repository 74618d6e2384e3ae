/* Front door to cgroups (cgroup.h): lifetime of a manager, the parts common to
 * v1 and v2 (dirs, processes, signals, state), and dispatch to cg_ops for the
 * parts that differ.  Like runc we join a cgroup that already exists (even
 * one with processes in it); cg_destroy then removes only dirs we made. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

static int remember(struct cg_manager *cg, const char *dir, struct rt_err *err) {
  if (cg->ncreated >= CG_MAX_CREATED) return rt_fail(err, E2BIG, "too many cgroup dirs");
  cg->created[cg->ncreated] = strdup(dir);
  if (cg->created[cg->ncreated] == NULL) return rt_fail(err, ENOMEM, "mkdir `%s`", dir);
  cg->ncreated++;
  return 0;
}

/* mkdir -p below the mount point, remembering each dir we made. */
static int make_dirs(struct cg_manager *cg, const struct cg_hier *h, struct rt_err *err) {
  char dir[sizeof h->path];
  size_t start = strlen(h->mount);
  snprintf(dir, sizeof dir, "%s", h->path);
  for (size_t i = start + 1;; i++) {
    if (dir[i] != '/' && dir[i] != '\0') continue;
    char saved = dir[i];
    dir[i] = '\0';
    if (mkdir(dir, 0755) == 0) {
      if (remember(cg, dir, err) < 0) return -1;
      if (cg->ops->after_mkdir && cg->ops->after_mkdir(cg, h, dir, err) < 0) return -1;
    } else if (errno != EEXIST) {
      return rt_failerrno(err, "mkdir `%s`", dir);
    } else if (cg->default_path && saved != '\0') {
      /* The default parent is ours whoever made it: the last container out
       * removes it (an rmdir that finds it busy leaves it). */
      if (remember(cg, dir, err) < 0) return -1;
    }
    if (saved == '\0') return 0;
    dir[i] = saved;
  }
}

static const struct cg_ops *ops_for(enum cg_mode mode) {
  return mode == CG_MODE_V2 ? &cg_v2_ops : &cg_v1_ops;
}

int cg_create(const char *cgroups_path, const char *id, json_t *resources,
              struct cg_manager **out, struct rt_err *err) {
  if (cg_validate_resources(resources, err) < 0) return -1;
  struct cg_manager *cg = calloc(1, sizeof *cg);
  if (cg == NULL) return rt_fail(err, ENOMEM, "create cgroup");
  if (cg_discover(cg, cgroups_path, id, err) < 0) goto fail;
  cg->ops = ops_for(cg->mode);
  for (size_t i = 0; i < cg->n; i++)
    if (make_dirs(cg, &cg->h[i], err) < 0) goto fail;
  if (cg->ops->prepare && cg->ops->prepare(cg, resources, err) < 0) goto fail;
  /* Also with no resources: devices get runc's default rules. */
  if (cg->ops->apply(cg, resources, false, err) < 0) goto fail;
  *out = cg;
  return 0;
fail:
  rt_wrap(err, "create cgroup");
  {
    struct rt_err ignored = {0};
    cg_destroy(cg, &ignored);
  }
  cg_free(cg);
  return -1;
}

int cg_add_pid(struct cg_manager *cg, pid_t pid, struct rt_err *err) {
  for (size_t i = 0; i < cg->n; i++)
    if (cg_writef(cg, cg->h[i].path, "cgroup.procs", err, "%d", (int)pid) < 0)
      return rt_wrap(err, "add pid %d to cgroup", (int)pid);
  return 0;
}

/* The caller is single-threaded (a fresh init or exec child), so on v1 it
 * moves itself through `tasks`: moving a whole thread group through
 * cgroup.procs takes the kernel's threadgroup rwsem for writing, which waits
 * out an RCU grace period (measured 9-19 ms a container here); moving one
 * thread does not.  cgroup2 has no such file for a domain cgroup: there the
 * init is cloned straight into its cgroup (cg_open_v2) when the kernel can. */
static int enter(struct cg_manager *cg, bool skip_v2, struct rt_err *err) {
  for (size_t i = 0; i < cg->n; i++) {
    if (skip_v2 && cg->h[i].v2) continue;
    const char *file = cg->h[i].v2 || cg->fake ? "cgroup.procs" : "tasks";
    if (cg_writef(cg, cg->h[i].path, file, err, "0") < 0) return rt_wrap(err, "join cgroup");
  }
  return 0;
}

int cg_enter(struct cg_manager *cg, struct rt_err *err) { return enter(cg, false, err); }

int cg_enter_v1(struct cg_manager *cg, struct rt_err *err) { return enter(cg, true, err); }

int cg_open_v2(struct cg_manager *cg) {
  if (cg->fake) return -1;
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].v2) return open(cg->h[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return -1;
}

int cg_update(struct cg_manager *cg, json_t *resources, struct rt_err *err) {
  if (cg_validate_resources(resources, err) < 0) return -1;
  if (resources == NULL) return 0;
  if (cg->ops->prepare && cg->ops->prepare(cg, resources, err) < 0) return rt_wrap(err, "update cgroup");
  if (cg->ops->apply(cg, resources, true, err) < 0) return rt_wrap(err, "update cgroup");
  return 0;
}

int cg_freeze(struct cg_manager *cg, bool frozen, struct rt_err *err) {
  if (cg->ops->freeze(cg, frozen, err) < 0) return rt_wrap(err, frozen ? "freeze cgroup" : "thaw cgroup");
  return 0;
}

int cg_is_frozen(struct cg_manager *cg, bool *frozen, struct rt_err *err) {
  return cg->ops->is_frozen(cg, frozen, err);
}

/* The dir whose cgroup.procs lists the container: pids, else freezer, else any. */
static const char *procs_dir(struct cg_manager *cg) {
  if (cg->mode == CG_MODE_V2) return cg->h[0].path;
  struct cg_hier *h = cg_find_v1(cg, "pids");
  if (h == NULL) h = cg_find_v1(cg, "freezer");
  if (h == NULL) h = cg_find_v1(cg, "memory");
  return h ? h->path : cg->h[0].path;
}

int cg_pids(struct cg_manager *cg, pid_t **pids, size_t *n, struct rt_err *err) {
  *pids = NULL;
  *n = 0;
  if (cg_read_procs(procs_dir(cg), pids, n, err) < 0) {
    free(*pids);
    *pids = NULL;
    *n = 0;
    return rt_wrap(err, "list cgroup processes");
  }
  return 0;
}

static int kill_each(struct cg_manager *cg, int sig, struct rt_err *err) {
  autofree pid_t *pids = NULL;
  size_t n = 0;
  if (cg_pids(cg, &pids, &n, err) < 0) return -1;
  for (size_t i = 0; i < n; i++)
    if (kill(pids[i], sig) < 0 && errno != ESRCH) return rt_failerrno(err, "kill pid %d", (int)pids[i]);
  return 0;
}

/* SIGKILL: freeze so nothing forks while we iterate, kill, then thaw so the
 * frozen tasks can die (v1 frozen tasks do not act on signals).  v2 has
 * cgroup.kill (5.14+) which does all of that in the kernel. */
int cg_signal_all(struct cg_manager *cg, int sig, struct rt_err *err) {
  if (sig != SIGKILL) return kill_each(cg, sig, err);
  struct cg_hier *v2 = cg->mode == CG_MODE_V2 ? &cg->h[0] : NULL;
  if (v2 && !cg->fake && cg_file_exists(v2->path, "cgroup.kill")) {
    if (cg_write(cg, v2->path, "cgroup.kill", "1", err) < 0) return rt_wrap(err, "kill cgroup");
    return 0;
  }
  struct rt_err ignored = {0};
  cg->ops->freeze(cg, true, &ignored); /* best effort: no freezer still kills */
  int r = kill_each(cg, sig, err);
  rt_err_clear(&ignored);
  cg->ops->freeze(cg, false, &ignored);
  return r;
}

/* Wait (bounded, ~2 s) until no process is left in the cgroup. */
static void wait_empty(struct cg_manager *cg) {
  for (int i = 0; i < 200; i++) {
    struct rt_err e = {0};
    autofree pid_t *pids = NULL;
    size_t n = 0;
    if (cg_read_procs(procs_dir(cg), &pids, &n, &e) < 0 || n == 0) return;
    if (i % 20 == 0) cg_signal_all(cg, SIGKILL, &e);
    cg_sleep_ms(10);
  }
}

/* rmdir, retrying EBUSY briefly on the container's own dir: a just-killed
 * task can keep it busy.  A parent we made may hold other containers now
 * (EBUSY/ENOTEMPTY): it stays, as runc leaves parents too. */
static int remove_dir(const char *dir, bool leaf, struct rt_err *err) {
  for (int i = 0; i < 100; i++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (!leaf && (errno == EBUSY || errno == ENOTEMPTY)) return 0;
    if (errno != EBUSY) break;
    cg_sleep_ms(10);
  }
  return rt_failerrno(err, "remove cgroup `%s`", dir);
}

static bool is_leaf(const struct cg_manager *cg, const char *dir) {
  for (size_t i = 0; i < cg->n; i++)
    if (strcmp(cg->h[i].path, dir) == 0) return true;
  return false;
}

/* A fake v2 tree has regular files in the dirs we made; remove them first. */
static void clear_fake_files(const char *dir) {
  autoclosedir DIR *d = opendir(dir);
  if (d == NULL) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_type != DT_REG) continue;
    char p[8192];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
}

int cg_destroy(struct cg_manager *cg, struct rt_err *err) {
  if (cg->ncreated > 0) wait_empty(cg);
  int r = 0;
  for (size_t i = cg->ncreated; i-- > 0;) {
    if (cg->fake) clear_fake_files(cg->created[i]);
    if (remove_dir(cg->created[i], is_leaf(cg, cg->created[i]), err) < 0) r = -1;
  }
  return r < 0 ? rt_wrap(err, "destroy cgroup") : 0;
}

int cg_stats(struct cg_manager *cg, json_t **out, struct rt_err *err) {
  json_t *data = json_object();
  if (data == NULL) return rt_fail(err, ENOMEM, "cgroup stats");
  if (cg->ops->stats(cg, data, err) < 0) {
    json_decref(data);
    return rt_wrap(err, "cgroup stats");
  }
  *out = data;
  return 0;
}

int cg_mounts(struct cg_manager *cg, struct cg_mount **mounts, size_t *n, struct rt_err *err) {
  *mounts = calloc(cg->n ? cg->n : 1, sizeof **mounts);
  if (*mounts == NULL) return rt_fail(err, ENOMEM, "cgroup mounts");
  *n = 0;
  for (size_t i = 0; i < cg->n; i++) {
    /* Hybrid: the container sees the v1 hierarchies only (runc does the same). */
    if (cg->h[i].v2 && cg->mode != CG_MODE_V2) continue;
    struct cg_mount *m = &(*mounts)[(*n)++];
    snprintf(m->name, sizeof m->name, "%s", cg->mode == CG_MODE_V2 ? "" : cg->h[i].name);
    snprintf(m->host_path, sizeof m->host_path, "%s", cg->h[i].path);
    m->v2 = cg->h[i].v2;
  }
  return 0;
}

bool cg_is_v2(const struct cg_manager *cg) { return cg->mode == CG_MODE_V2; }

static const char *mode_name(enum cg_mode m) {
  return m == CG_MODE_V2 ? "v2" : m == CG_MODE_HYBRID ? "hybrid" : "v1";
}

json_t *cg_save(const struct cg_manager *cg) {
  json_t *hs = json_array(), *created = json_array();
  for (size_t i = 0; i < cg->n; i++)
    json_array_append_new(hs, json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", cg->h[i].name,
                                        "controllers", cg->h[i].controllers, "mount",
                                        cg->h[i].mount, "path", cg->h[i].path, "v2", cg->h[i].v2));
  for (size_t i = 0; i < cg->ncreated; i++) json_array_append_new(created, json_string(cg->created[i]));
  return json_pack("{s:i, s:s, s:b, s:o, s:o}", "version", cg->mode == CG_MODE_V2 ? 2 : 1, "mode",
                   mode_name(cg->mode), "fake", cg->fake, "hierarchies", hs, "created", created);
}

static int load_hier(json_t *j, struct cg_hier *h, struct rt_err *err) {
  const char *name, *ctrls, *mount, *path;
  int v2;
  if (json_unpack(j, "{s:s, s:s, s:s, s:s, s:b}", "name", &name, "controllers", &ctrls, "mount",
                  &mount, "path", &path, "v2", &v2) < 0)
    return rt_fail(err, EINVAL, "load cgroup state: bad hierarchy entry");
  snprintf(h->name, sizeof h->name, "%s", name);
  snprintf(h->controllers, sizeof h->controllers, "%s", ctrls);
  snprintf(h->mount, sizeof h->mount, "%s", mount);
  snprintf(h->path, sizeof h->path, "%s", path);
  h->v2 = v2;
  return 0;
}

int cg_load(json_t *saved, struct cg_manager **out, struct rt_err *err) {
  const char *mode;
  int fake = 0;
  json_t *hs, *created;
  if (json_unpack(saved, "{s:s, s?b, s:o, s:o}", "mode", &mode, "fake", &fake, "hierarchies", &hs,
                  "created", &created) < 0 || !json_is_array(hs) || !json_is_array(created))
    return rt_fail(err, EINVAL, "load cgroup state: missing mode/hierarchies/created");
  struct cg_manager *cg = calloc(1, sizeof *cg);
  if (cg == NULL) return rt_fail(err, ENOMEM, "load cgroup state");
  cg->mode = strcmp(mode, "v2") == 0 ? CG_MODE_V2 : strcmp(mode, "hybrid") == 0 ? CG_MODE_HYBRID : CG_MODE_V1;
  cg->ops = ops_for(cg->mode);
  cg->fake = fake;
  size_t i;
  json_t *v;
  json_array_foreach(hs, i, v) {
    if (cg->n >= CG_MAX_HIER || load_hier(v, &cg->h[cg->n++], err) < 0) goto fail;
  }
  json_array_foreach(created, i, v) {
    if (!json_is_string(v)) {
      rt_fail(err, EINVAL, "load cgroup state: created[%zu] is not a string", i);
      goto fail;
    }
    if (remember(cg, json_string_value(v), err) < 0) goto fail;
  }
  *out = cg;
  return 0;
fail:
  cg_free(cg);
  return rt_fail(err, EINVAL, "load cgroup state");
}

void cg_free(struct cg_manager *cg) {
  if (cg == NULL) return;
  for (size_t i = 0; i < cg->ncreated; i++) free(cg->created[i]);
  free(cg);
}
