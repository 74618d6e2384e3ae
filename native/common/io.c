#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"

int io_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) { /* cannot happen for len > 0; never spin on it */
      errno = EIO;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int io_read_all(int fd, char **out, size_t *len) {
  size_t cap = 4096, got = 0;
  autofree char *buf = malloc(cap);
  if (buf == NULL) return -1;
  for (;;) {
    if (got + 1 >= cap) {
      char *nb = realloc(buf, cap * 2);
      if (nb == NULL) return -1;
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + got, cap - got - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  *len = got;
  *out = take_ptr(buf);
  return 0;
}
