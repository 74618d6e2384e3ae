/* STUB: replaced by rootfs.c, mounts.c, devices.c, paths.c. */
#include "rootfs.h"
int rootfs_validate(json_t *c, const char *r, struct rt_err *e) { (void)c; (void)r; (void)e; return 0; }
int rootfs_prepare(json_t *c, const char *r, struct cg_manager *g, struct rt_err *e) { (void)c; (void)r; (void)g; return rt_fail(e, 0, "rootfs not implemented"); }
int rootfs_pivot(const char *r, bool n, struct rt_err *e) { (void)r; (void)n; return rt_fail(e, 0, "pivot not implemented"); }
int rootfs_finalize(json_t *c, struct rt_err *e) { (void)c; (void)e; return 0; }
int rootfs_bind_console(const char *s, struct rt_err *e) { (void)s; (void)e; return 0; }
