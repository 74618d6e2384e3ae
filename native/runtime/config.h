/* config.json: load it from the bundle and check ALL of it before the first
 * syscall that changes anything (runc validate/validator.go style: a list of
 * named checks, each error naming the field).  Also the namespace tables, since
 * validation and the lifecycle both speak in them.  Owner: config.c,
 * namespaces.c. */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "../common/error.h"

/* Namespaces in the order they are joined: user first (it decides what the
 * others may do), mount last (after it, host paths are gone). */
enum ns_type { NS_USER, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_TIME, NS_MNT, NS_COUNT };

/* "network" -> NS_NET; -1 for an unknown name. */
int ns_from_name(const char *config_name);
const char *ns_config_name(int ns);  /* "network" */
const char *ns_proc_name(int ns);    /* "net" (/proc/<pid>/ns/<name>) */
int ns_clone_flag(int ns);           /* CLONE_NEWNET */
/* setns(open(path), flag); names path and namespace on error. */
int ns_join_path(const char *path, int ns, struct rt_err *err);
/* Write uid_map / gid_map of pid from [{containerID, hostID, size}]; denies
 * setgroups first when unprivileged (the kernel requires it then). */
int ns_write_maps(int pid, json_t *uid_maps, json_t *gid_maps, struct rt_err *err);

struct rt_config {
  json_t *json;                /* the whole config (owned) */
  char bundle[PATH_MAX];       /* absolute */
  char rootfs[PATH_MAX];       /* absolute */
  json_t *process, *linux_, *hooks; /* borrowed from json; may be NULL */
  bool has_ns[NS_COUNT];       /* listed in linux.namespaces */
  const char *ns_path[NS_COUNT]; /* join this path (borrowed), NULL = new */
  int clone_flags;             /* CLONE_NEW* of the namespaces to create */
  bool terminal;
};

struct config_opts {
  bool console_socket;         /* --console-socket given (terminal needs it) */
};

/* Read <bundle>/config.json and validate it.  Errors start with "config.json: ". */
int config_load(const char *bundle, const struct config_opts *opts, struct rt_config *cfg,
                struct rt_err *err);
/* Same from text; bundle must exist (root.path is resolved against it). */
int config_from_string(const char *text, const char *bundle, const struct config_opts *opts,
                       struct rt_config *cfg, struct rt_err *err);
/* Fill cfg from an already validated config (the copy kept in the state);
 * takes a reference to json. */
int config_from_json(json_t *json, const char *bundle, struct rt_config *cfg, struct rt_err *err);
void config_free(struct rt_config *cfg);

/* Checks of an OCI process object, shared with `exec --process`.  field is
 * the prefix for messages ("process"). */
int config_validate_process(json_t *process, const char *field, bool console_socket,
                            struct rt_err *err);
/* RLIMIT_* name -> resource number, or -1. */
int config_rlimit_from_name(const char *name);

#endif
