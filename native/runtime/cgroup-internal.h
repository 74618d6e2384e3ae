/* Inside the cgroup front door: the manager every cgroup-*.c file shares, and
 * the per-version operations behind it (after crun's cgroup-internal.h).
 * Modes: V1 = only v1 hierarchies; HYBRID = v1 hierarchies carry the limits and
 * the container also gets a dir in the cgroup2 mount (as runc does); V2 = one
 * unified hierarchy.  Owner: cgroup*.c. */
#ifndef STRATA_CGROUP_INTERNAL_H
#define STRATA_CGROUP_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "cgroup.h"

#define CG_MAX_HIER 24
#define CG_MAX_CREATED 256

enum cg_mode { CG_MODE_V1 = 1, CG_MODE_HYBRID, CG_MODE_V2 };

/* One hierarchy (v1 mount, or the cgroup2 mount). */
struct cg_hier {
  char name[64];         /* basename of the mount point: "cpu", "systemd", "unified" */
  char controllers[256]; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
  char mount[4096];      /* where it is mounted */
  char path[4096];       /* the container's dir in it (absolute host path) */
  bool v2;
};

struct cg_manager {
  const struct cg_ops *ops;
  enum cg_mode mode;
  bool fake; /* STRATA_CGROUP_ROOT is a plain dir tree, not cgroup2: create files */
  bool default_path; /* no cgroupsPath given: the /strata-runtime parent is ours */
  size_t n;
  struct cg_hier h[CG_MAX_HIER];
  size_t ncreated; /* dirs made by cg_create, parents first */
  char *created[CG_MAX_CREATED];
};

/* What differs between v1 and v2 (cgroup-v1.c, cgroup-v2.c). */
struct cg_ops {
  /* Write resources (validated) to the cgroup; update = live change. */
  int (*apply)(struct cg_manager *cg, json_t *res, bool update, struct rt_err *err);
  int (*freeze)(struct cg_manager *cg, bool frozen, struct rt_err *err);
  int (*is_frozen)(struct cg_manager *cg, bool *frozen, struct rt_err *err);
  int (*stats)(struct cg_manager *cg, json_t *data, struct rt_err *err);
  /* Hook after a dir is made (v1 cpuset inherits cpus/mems). */
  int (*after_mkdir)(struct cg_manager *cg, const struct cg_hier *h, const char *dir,
                     struct rt_err *err);
  /* After every dir exists, before limits (v2 enables controllers in the ancestors). */
  int (*prepare)(struct cg_manager *cg, json_t *res, struct rt_err *err);
};

/* cgroup-discover.c: fill cg->mode/h[] from mountinfo and /proc/self/cgroup
 * (or STRATA_CGROUP_ROOT), with each h[].path the container's dir. */
int cg_discover(struct cg_manager *cg, const char *cgroups_path, const char *id,
                struct rt_err *err);

extern const struct cg_ops cg_v1_ops;
extern const struct cg_ops cg_v2_ops;

/* A device rule after parsing (-1 = wildcard); type 'a', 'c' or 'b'. */
struct cg_dev_rule {
  bool allow;
  char type;
  int64_t major, minor;
  unsigned access; /* CG_ACC_* bits */
};
#define CG_ACC_MKNOD 1u
#define CG_ACC_READ 2u
#define CG_ACC_WRITE 4u
#define CG_ACC_ALL 7u

/* cgroup-util.c: file access relative to a cgroup dir. */
int cg_write(const struct cg_manager *cg, const char *dir, const char *file, const char *value,
             struct rt_err *err);
int cg_writef(const struct cg_manager *cg, const char *dir, const char *file,
              struct rt_err *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Whole file, trailing newline stripped; *out malloc'd. */
int cg_read(const char *dir, const char *file, char **out, struct rt_err *err);
bool cg_file_exists(const char *dir, const char *file);
/* Key in a "key value" file (cpu.stat, memory.stat); false when absent. */
bool cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *val);
/* Number (or "max" -> max_value) from a single-value file; false when absent. */
bool cg_read_u64(const char *dir, const char *file, uint64_t max_value, uint64_t *val);
/* pids in dir/cgroup.procs, appended to *pids. */
int cg_read_procs(const char *dir, pid_t **pids, size_t *n, struct rt_err *err);
void cg_sleep_ms(int ms);

/* The hierarchy holding a v1 controller, or NULL. */
struct cg_hier *cg_find_v1(struct cg_manager *cg, const char *controller);
/* The cgroup2 hierarchy (unified, or the hybrid one), or NULL. */
struct cg_hier *cg_find_v2(struct cg_manager *cg);

/* cgroup-validate.c: device rules of resources.devices plus runc's defaults. */
int cg_device_rules(json_t *devices, struct cg_dev_rule **rules, size_t *n, struct rt_err *err);
/* Integer field helpers shared by v1/v2: false when the key is absent/null. */
bool cg_json_i64(json_t *obj, const char *key, int64_t *out);

/* cgroup-ebpf.c: compile rules and attach to the cgroup dir, replacing older programs. */
int cg_ebpf_apply(const char *dir, const struct cg_dev_rule *rules, size_t n, bool attach,
                  struct rt_err *err);

/* cgroup-v2.c: freezer of one cgroup2 dir (also used by hybrid without a v1 freezer). */
int cg_v2_freeze_dir(struct cg_manager *cg, const char *dir, bool frozen, struct rt_err *err);
int cg_v2_is_frozen_dir(const char *dir, bool *frozen, struct rt_err *err);

/* cgroup-stats.c: fill runc's `events --stats` data object. */
int cg_v1_stats(struct cg_manager *cg, json_t *data, struct rt_err *err);
int cg_v2_stats(struct cg_manager *cg, json_t *data, struct rt_err *err);

/* cgroup-v2.c: shares (v1 scale) to cpu.weight, runc 1.3's curve. */
uint64_t cg_shares_to_weight(uint64_t shares);

#endif
