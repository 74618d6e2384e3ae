/* A container's state under <root>/<id>/: state.json (ours, written
 * atomically; nothing outside the runtime reads it) and exec.fifo (exists only
 * while created).  The status is derived each time, as runc does: init gone,
 * a zombie or a recycled pid (start time differs) -> stopped; exec.fifo
 * present -> created; cgroup frozen -> paused; else running.  Owner: state.c,
 * delete.c. */
#ifndef STRATA_STATE_H
#define STRATA_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/error.h"
#include "cgroup.h"

enum rt_status { ST_CREATING, ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };

struct rt_state {
  char id[256];
  pid_t pid;                       /* init, host pid namespace */
  unsigned long long start_time;   /* /proc/<pid>/stat field 22 of the init */
  char bundle[4096];               /* absolute */
  char rootfs[4096];               /* absolute */
  char created[64];                /* RFC3339Nano, UTC */
  json_t *config;                  /* config.json as it was at create (owned) */
  struct cg_manager *cg;           /* owned; NULL when none */
};

/* Container ids: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 bytes. */
int state_validate_id(const char *id, struct rt_err *err);
/* <root>/<id> */
int state_path(const char *root, const char *id, const char *file, char *out, size_t len,
               struct rt_err *err);
/* mkdir -p root (0700), then mkdir <root>/<id>; EEXIST -> "container with given ID already exists" (runc's words). */
int state_create_dir(const char *root, const char *id, struct rt_err *err);
/* Atomic write of state.json (write temp, fsync, rename). */
int state_save(const char *root, const struct rt_state *st, struct rt_err *err);
/* Missing -> "container does not exist" (runc's phrase; callers match it). */
int state_load(const char *root, const char *id, struct rt_state *st, struct rt_err *err);
void state_free(struct rt_state *st);
enum rt_status state_status(const char *root, const struct rt_state *st);
const char *state_status_name(enum rt_status status);
/* The OCI state object runc prints: ociVersion, id, pid (0 when stopped),
 * status, bundle, rootfs, created, owner, annotations (when present). */
json_t *state_to_json(const struct rt_state *st, enum rt_status status);
/* rm -rf <root>/<id> (also when half made). */
int state_remove(const char *root, const char *id, struct rt_err *err);
/* Ids under root, sorted; *ids malloc'd array of malloc'd strings. */
int state_list(const char *root, char ***ids, size_t *n, struct rt_err *err);
/* /proc/<pid>/stat field 22, or 0 when the pid is gone. */
unsigned long long state_proc_start_time(pid_t pid);

/* Tear a container down: with force, SIGKILL everything in its cgroup and wait;
 * without, refuse unless stopped ("cannot delete container X that is not
 * stopped: running").  Then destroy the cgroup, run poststop hooks, remove the
 * state dir.  Used by `delete` and by `run` after the process exits. */
int container_delete(const char *root, struct rt_state *st, bool force, struct rt_err *err);

#endif
