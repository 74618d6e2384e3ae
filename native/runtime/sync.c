/* The parent <-> init message channel (see sync.h). */
#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct sync_hdr {
  uint32_t type;
  int32_t errnum;
};

int sync_send(int fd, uint32_t type, int errnum, const char *text, struct rt_err *err) {
  struct sync_hdr h = {type, errnum};
  struct iovec iov[2] = {{&h, sizeof h}, {(void *)(text ? text : ""), text ? strlen(text) : 0}};
  if (iov[1].iov_len > SYNC_MAX) iov[1].iov_len = SYNC_MAX;
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
  ssize_t n;
  do n = sendmsg(fd, &m, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return rt_failerrno(err, "send sync message %u", type);
  return 0;
}

int sync_recv(int fd, uint32_t *type, int *errnum, char *text, size_t len, struct rt_err *err) {
  struct sync_hdr h;
  char dummy;
  struct iovec iov[2] = {{&h, sizeof h}, {text ? text : &dummy, text ? len - 1 : 0}};
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
  ssize_t n;
  do n = recvmsg(fd, &m, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return rt_failerrno(err, "receive sync message");
  if (n == 0) return rt_fail(err, 0, "init exited");
  if ((size_t)n < sizeof h) return rt_fail(err, EPROTO, "receive sync message");
  if (text) text[(size_t)n - sizeof h] = '\0';
  *type = h.type;
  *errnum = h.errnum;
  return 0;
}

int sync_expect(int fd, uint32_t type, char *text, size_t len, struct rt_err *err) {
  char buf[4096];
  uint32_t t;
  int e;
  if (text == NULL) {
    text = buf;
    len = sizeof buf;
  }
  if (sync_recv(fd, &t, &e, text, len, err) < 0) return -1;
  if (t == SYNC_ERROR) return rt_fail(err, e, "%s", text);
  if (t != type) return rt_fail(err, EPROTO, "sync: expected message %u, got %u", type, t);
  return 0;
}

int sync_wait_exec(int fd, struct rt_err *err) {
  char text[4096];
  uint32_t t;
  int e;
  struct rt_err tmp = {0};
  if (sync_recv(fd, &t, &e, text, sizeof text, &tmp) < 0) {
    if (strcmp(tmp.msg, "init exited") == 0) return 0;
    *err = tmp;
    return -1;
  }
  if (t == SYNC_ERROR) return rt_fail(err, e, "%s", text);
  return rt_fail(err, EPROTO, "sync: unexpected message %u", t);
}
