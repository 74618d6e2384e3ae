/* STUB: replaced by caps.c, seccomp.c, hooks.c. */
#include "security.h"
int caps_validate(json_t *c, const char *f, struct rt_err *e) { (void)c; (void)f; (void)e; return 0; }
int caps_drop_bounding(json_t *c, struct rt_err *e) { (void)c; (void)e; return 0; }
int caps_apply(json_t *c, struct rt_err *e) { (void)c; (void)e; return 0; }
int cap_from_name(const char *n) { (void)n; return -1; }
json_t *caps_known(void) { return json_array(); }
int seccomp_validate(json_t *s, struct rt_err *e) { (void)s; (void)e; return 0; }
int seccomp_load(json_t *s, struct rt_err *e) { (void)s; (void)e; return 0; }
json_t *seccomp_features(void) { return json_object(); }
const char *seccomp_version(void) { return "0.0.0"; }
int hooks_validate(json_t *h, struct rt_err *e) { (void)h; (void)e; return 0; }
int hooks_run(json_t *h, const char *k, const char *s, struct rt_err *e) { (void)h; (void)k; (void)s; (void)e; return 0; }
