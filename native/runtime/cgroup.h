/* Front door to cgroups: one manager per container, v1 (one directory per
 * hierarchy found in /proc/self/mountinfo) or v2 (one unified directory),
 * behind the same calls.  Owner: cgroup*.c.  Callers never touch cgroup files. */
#ifndef STRATA_CGROUP_H
#define STRATA_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/error.h"

struct cg_manager;

/* One hierarchy as the container should see it under a `cgroup` mount. */
struct cg_mount {
  char name[64];        /* "memory", "cpu", "name=systemd" style dir name, or "" for v2 */
  char host_path[4096]; /* absolute host dir of the container's cgroup in it */
  bool v2;
};

/* Check linux.resources (may be NULL) before any syscall: types, ranges,
 * device rule syntax.  Names the field on error ("linux.resources.memory.limit: ..."). */
int cg_validate_resources(json_t *resources, struct rt_err *err);

/* Create the container's cgroup.  cgroups_path: linux.cgroupsPath or NULL;
 * absolute = from each hierarchy's root, relative = under this process's own
 * cgroup, NULL/empty = "/strata/<id>" style default.  Applies resources (may be
 * NULL).  On failure nothing is left behind.  STRATA_CGROUP_ROOT in the
 * environment overrides where hierarchies are looked for (a fake v2 tree in tests). */
int cg_create(const char *cgroups_path, const char *id, json_t *resources,
              struct cg_manager **out, struct rt_err *err);
/* Put pid in the cgroup in every hierarchy. */
int cg_add_pid(struct cg_manager *cg, pid_t pid, struct rt_err *err);
/* Join the cgroup from inside (exec, hooks): same as cg_add_pid(getpid()). */
int cg_enter(struct cg_manager *cg, struct rt_err *err);
/* The same for every v1 hierarchy only: for a process cloned into its cgroup2
 * dir with CLONE_INTO_CGROUP. */
int cg_enter_v1(struct cg_manager *cg, struct rt_err *err);
/* A directory fd of the container's cgroup2 dir (for clone3's
 * CLONE_INTO_CGROUP), or -1 when there is none. */
int cg_open_v2(struct cg_manager *cg);
/* Rewrite limits on a live cgroup (runtime `update`). */
int cg_update(struct cg_manager *cg, json_t *resources, struct rt_err *err);
/* Freeze / thaw (pause / resume); waits until the kernel reports it done. */
int cg_freeze(struct cg_manager *cg, bool frozen, struct rt_err *err);
int cg_is_frozen(struct cg_manager *cg, bool *frozen, struct rt_err *err);
/* Host pids of every process in the cgroup; *pids is malloc'd. */
int cg_pids(struct cg_manager *cg, pid_t **pids, size_t *n, struct rt_err *err);
/* Send sig to every process in the cgroup (thaws first for SIGKILL). */
int cg_signal_all(struct cg_manager *cg, int sig, struct rt_err *err);
/* Remove the cgroup dirs; kills what is left with SIGKILL and waits for it
 * to empty (bounded).  Missing dirs are not an error. */
int cg_destroy(struct cg_manager *cg, struct rt_err *err);
/* runc `events --stats` "data" object: cpu, memory, pids, blkio. */
int cg_stats(struct cg_manager *cg, json_t **out, struct rt_err *err);
/* The hierarchies for mounting a `cgroup` filesystem inside the container. */
int cg_mounts(struct cg_manager *cg, struct cg_mount **mounts, size_t *n, struct rt_err *err);
/* true when the manager is cgroup v2 (unified). */
bool cg_is_v2(const struct cg_manager *cg);
/* Serialise to / restore from the runtime's state file. */
json_t *cg_save(const struct cg_manager *cg);
int cg_load(json_t *saved, struct cg_manager **out, struct rt_err *err);
void cg_free(struct cg_manager *cg);

#endif
