/* The console socket (runc's protocol, OCI-RUNTIME.md 4): connect to the
 * caller's AF_UNIX path, send one message whose payload is the pty name and
 * whose SCM_RIGHTS carries the pty master, close.  The pty comes from the
 * container's own /dev/ptmx, after pivot_root. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "container.h"
#include "rootfs.h"

int console_connect(const char *path, struct rt_err *err) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) return rt_fail(err, 0, "console socket path too long: `%s`", path);
  strcpy(sa.sun_path, path);
  autoclose int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return rt_failerrno(err, "create console socket");
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
    return rt_failerrno(err, "connect to console socket `%s`", path);
  return take_fd(fd);
}

static int send_master(int sock, int master, const char *name, struct rt_err *err) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {(void *)name, strlen(name)};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                     .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (sendmsg(sock, &m, MSG_NOSIGNAL) < 0) return rt_failerrno(err, "send pty master over console socket");
  return 0;
}

int console_setup(int sock, json_t *size, bool bind_console, struct rt_err *err) {
  char name[64];
  autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return rt_failerrno(err, "open `/dev/ptmx`");
  if (unlockpt(master) < 0) return rt_failerrno(err, "unlock pty");
  if (ptsname_r(master, name, sizeof name) != 0) return rt_failerrno(err, "get pty name");
  if (size) {
    struct winsize ws = {.ws_row = (unsigned short)json_integer_value(json_object_get(size, "height")),
                         .ws_col = (unsigned short)json_integer_value(json_object_get(size, "width"))};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) return rt_failerrno(err, "set console size");
  }
  if (bind_console && rootfs_bind_console(name, err) < 0) return -1;
  autoclose int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return rt_failerrno(err, "open `%s`", name);
  if (send_master(sock, master, name, err) < 0) return -1;
  if (setsid() < 0) return rt_failerrno(err, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) return rt_failerrno(err, "make `%s` the controlling terminal", name);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) return rt_failerrno(err, "dup `%s` onto fd %d", name, fd);
  return 0;
}
