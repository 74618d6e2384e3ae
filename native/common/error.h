/* One error type for every native layer: errno plus a message made at the
 * failing call ("mount `proc` on `/proc`"), prefixed with context on the way
 * up and printed once.  Functions return 0 on success and -1 on failure with
 * *err filled; the first error wins, cleanup never overwrites it. */
#ifndef STRATA_ERROR_H
#define STRATA_ERROR_H

#include <stddef.h>

struct rt_err {
  int errnum;      /* errno of the failing call, 0 when there is none */
  char msg[2048];  /* what failed, without the strerror part */
};

/* Fill *err (unless already filled) and return -1. */
int rt_fail(struct rt_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rt_fail with errno as the cause. */
int rt_failerrno(struct rt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefix context ("create container: ...") to an already filled error; returns -1. */
int rt_wrap(struct rt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "msg: strerror(errnum)" or just "msg". */
const char *rt_err_text(const struct rt_err *err, char *buf, size_t len);
/* True when err holds an error. */
int rt_err_set(const struct rt_err *err);
void rt_err_clear(struct rt_err *err);

#endif
