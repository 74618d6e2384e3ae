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
/* A profile compiled to classic BPF ahead of the clone, so the container's
 * init only installs it.  Compiling Docker's default profile costs several
 * ms on every start, so the program is cached in cache_dir as a file named by
 * a hash of the profile's canonical text, holding that text too: a hit needs
 * the same text byte for byte, never just the same hash.  STRATA_RUNTIME_CACHE
 * (an absolute path) overrides cache_dir: callers that give every container
 * its own --root (strata-lifecycled) share one cache there. */
struct seccomp_bpf {
  void *filter; /* struct sock_filter[], malloc'd; NULL: use seccomp_load */
  size_t len;   /* bytes */
};
/* NULL or JSON null seccomp, or a profile with filter flags (kept on
 * libseccomp's path so the flags keep their meaning): out->filter stays NULL.
 * A cache that can't be read or written only costs the compile. */
int seccomp_compile(json_t *seccomp, const char *cache_dir, struct seccomp_bpf *out,
                    struct rt_err *err);
/* Install a compiled program into the calling thread (seccomp(2)). */
int seccomp_install(const struct seccomp_bpf *bpf, struct rt_err *err);
void seccomp_bpf_free(struct seccomp_bpf *bpf);
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
