/* Parent <-> init messages over a SOCK_SEQPACKET socketpair: one datagram a
 * message, {type, errnum, text}.  A closed peer reads as an error, so neither
 * side can hang on a dead partner. */
#ifndef STRATA_SYNC_H
#define STRATA_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

enum sync_type {
  SYNC_GO = 1,     /* parent -> init: maps written, cgroup joined; text = state JSON for hooks */
  SYNC_HOOKS,      /* init -> parent: in namespaces, mounts done; run prestart/createRuntime */
  SYNC_HOOKS_DONE, /* parent -> init */
  SYNC_READY,      /* init -> parent: set up, about to park on the exec fifo */
  SYNC_DONE,       /* parent -> init: state saved; drop the parent-death signal and park */
  SYNC_ERROR,      /* init -> parent: text + errnum of what failed */
};

#define SYNC_MAX 65536

int sync_send(int fd, uint32_t type, int errnum, const char *text, struct rt_err *err);
/* Receive one message; text (may be NULL) gets the NUL-terminated payload.
 * EOF -> error "init exited". */
int sync_recv(int fd, uint32_t *type, int *errnum, char *text, size_t len, struct rt_err *err);
/* Receive and require type; a SYNC_ERROR turns into *err. */
int sync_expect(int fd, uint32_t type, char *text, size_t len, struct rt_err *err);

/* exec: EOF (the close-on-exec end went away in execve) -> 0; SYNC_ERROR -> -1. */
int sync_wait_exec(int fd, struct rt_err *err);

#endif
