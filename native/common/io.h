/* Whole-buffer I/O on file descriptors, retrying EINTR and short transfers.
 * Both return 0, or -1 with errno set, so callers word their own error. */
#ifndef STRATA_IO_H
#define STRATA_IO_H

#include <stddef.h>

/* Write all len bytes of buf to fd. */
int io_write_all(int fd, const void *buf, size_t len);
/* Read fd to EOF into a malloc'd, NUL-terminated buffer (*out, *len). */
int io_read_all(int fd, char **out, size_t *len);

#endif
