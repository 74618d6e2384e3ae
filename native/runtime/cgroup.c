/* STUB: replaced by the cgroups work (cgroup.c, cgroup-v1.c, cgroup-v2.c). */
#include "cgroup.h"
#include <stdlib.h>
struct cg_manager { int unused; };
int cg_validate_resources(json_t *r, struct rt_err *e) { (void)r; (void)e; return 0; }
int cg_create(const char *p, const char *id, json_t *r, struct cg_manager **out, struct rt_err *e) { (void)p; (void)id; (void)r; (void)e; *out = calloc(1, sizeof **out); return 0; }
int cg_add_pid(struct cg_manager *c, pid_t p, struct rt_err *e) { (void)c; (void)p; (void)e; return 0; }
int cg_enter(struct cg_manager *c, struct rt_err *e) { (void)c; (void)e; return 0; }
int cg_update(struct cg_manager *c, json_t *r, struct rt_err *e) { (void)c; (void)r; return rt_fail(e, 0, "cgroup update not implemented"); }
int cg_freeze(struct cg_manager *c, bool f, struct rt_err *e) { (void)c; (void)f; return rt_fail(e, 0, "cgroup freeze not implemented"); }
int cg_is_frozen(struct cg_manager *c, bool *f, struct rt_err *e) { (void)c; (void)e; *f = false; return 0; }
int cg_pids(struct cg_manager *c, pid_t **p, size_t *n, struct rt_err *e) { (void)c; (void)e; *p = NULL; *n = 0; return 0; }
int cg_signal_all(struct cg_manager *c, int s, struct rt_err *e) { (void)c; (void)s; (void)e; return 0; }
int cg_destroy(struct cg_manager *c, struct rt_err *e) { (void)c; (void)e; return 0; }
int cg_stats(struct cg_manager *c, json_t **o, struct rt_err *e) { (void)c; (void)e; *o = json_object(); return 0; }
int cg_mounts(struct cg_manager *c, struct cg_mount **m, size_t *n, struct rt_err *e) { (void)c; (void)e; *m = NULL; *n = 0; return 0; }
bool cg_is_v2(const struct cg_manager *c) { (void)c; return false; }
json_t *cg_save(const struct cg_manager *c) { (void)c; return json_object(); }
int cg_load(json_t *s, struct cg_manager **out, struct rt_err *e) { (void)s; (void)e; *out = calloc(1, sizeof **out); return 0; }
void cg_free(struct cg_manager *c) { free(c); }
