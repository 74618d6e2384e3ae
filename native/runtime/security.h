/* Process security: capabilities, seccomp, hooks.  Owner: caps.c, seccomp.c,
 * hooks.c.  All take the config.json sub-objects as jansson values. */
#ifndef STRATA_SECURITY_H
#define STRATA_SECURITY_H

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"

/* ---- capabilities (process.capabilities: bounding, effective, inheritable,
 * permitted, ambient; each a list of "CAP_*" names; object may be NULL) ---- */
int caps_validate(json_t *caps, const char *field, struct rt_err *err);
/* Drop every capability not in `bounding` from the bounding set.  Call while
 * still privileged, before the user switch. */
int caps_drop_bounding(json_t *caps, struct rt_err *err);
/* After setgid/setuid (done with PR_SET_KEEPCAPS): set effective, permitted,
 * inheritable with capset() and raise the ambient set.  NULL caps = drop all. */
int caps_apply(json_t *caps, struct rt_err *err);
/* Number for a "CAP_*" name, or -1. */
int cap_from_name(const char *name);
/* JSON array of every capability name this kernel and build know (features). */
json_t *caps_known(void);

/* ---- seccomp (linux.seccomp; may be NULL) ---- */
/* libseccomp (linked statically) exports seccomp_load and seccomp_version
 * itself, in the same object as seccomp_init: ours link under other names.
 * Callers write the names below; only seccomp.c undoes the macros. */
#define seccomp_load rt_seccomp_load
#define seccomp_version rt_seccomp_version
int seccomp_validate(json_t *seccomp, struct rt_err *err);
/* Compile with libseccomp and load into the calling process. */
int seccomp_load(json_t *seccomp, struct rt_err *err);
/* features.linux.seccomp object: enabled, actions, operators, archs. */
json_t *seccomp_features(void);
/* "2.5.4" */
const char *seccomp_version(void);

/* ---- hooks (config "hooks" object; may be NULL) ---- */
int hooks_validate(json_t *hooks, struct rt_err *err);
/* Run every hook of `kind` ("prestart", "createRuntime", "createContainer",
 * "startContainer", "poststart", "poststop") in order, each with the state JSON
 * on stdin, its env, and its timeout.  A failing hook fails the call, naming
 * the hook's path and its exit status. */
int hooks_run(json_t *hooks, const char *kind, const char *state_json, struct rt_err *err);

#endif
