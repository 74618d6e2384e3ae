#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int vfail(struct rt_err *err, int errnum, const char *fmt, va_list ap) {
  if (err == NULL || rt_err_set(err)) return -1;
  err->errnum = errnum;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  if (err->msg[0] == '\0') snprintf(err->msg, sizeof err->msg, "unknown error");
  return -1;
}

int rt_fail(struct rt_err *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int rt_failerrno(struct rt_err *err, const char *fmt, ...) {
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  vfail(err, saved, fmt, ap);
  va_end(ap);
  errno = saved;
  return -1;
}

int rt_wrap(struct rt_err *err, const char *fmt, ...) {
  if (err == NULL) return -1;
  char prefix[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* Shift the old message right and put "prefix: " in front, truncating the tail. */
  size_t plen = strlen(prefix), olen = strlen(err->msg), cap = sizeof err->msg - 1;
  if (plen + 2 > cap) plen = cap - 2;
  if (plen + 2 + olen > cap) olen = cap - plen - 2;
  memmove(err->msg + plen + 2, err->msg, olen);
  memcpy(err->msg, prefix, plen);
  memcpy(err->msg + plen, ": ", 2);
  err->msg[plen + 2 + olen] = '\0';
  return -1;
}

const char *rt_err_text(const struct rt_err *err, char *buf, size_t len) {
  if (err->errnum != 0)
    snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
  else
    snprintf(buf, len, "%s", err->msg);
  return buf;
}

int rt_err_set(const struct rt_err *err) { return err->msg[0] != '\0'; }

void rt_err_clear(struct rt_err *err) {
  err->errnum = 0;
  err->msg[0] = '\0';
}
