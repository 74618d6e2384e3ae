/* Scope-bound cleanup for fds, memory, FILE* and jansson values, and a
 * take-and-reset helper to hand ownership on (after crun's utils.h). */
#ifndef STRATA_CLEANUP_H
#define STRATA_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) {
  if (*fd >= 0) close(*fd);
}
static inline void cleanup_fclosep(FILE **f) {
  if (*f) fclose(*f);
}
static inline void cleanup_closedirp(DIR **d) {
  if (*d) closedir(*d);
}

#define autofree __attribute__((cleanup(cleanup_freep)))
#define autoclose __attribute__((cleanup(cleanup_closep)))
#define autofclose __attribute__((cleanup(cleanup_fclosep)))
#define autoclosedir __attribute__((cleanup(cleanup_closedirp)))

/* Return *p and reset it, so the cleanup attribute no longer owns it. */
#define take_ptr(p) ({ __typeof__(p) take_tmp_ = (p); (p) = NULL; take_tmp_; })
#define take_fd(fd) ({ int take_tmp_ = (fd); (fd) = -1; take_tmp_; })

#endif
