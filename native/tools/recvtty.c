/* recvtty: the receiving end of an OCI runtime's --console-socket, for tests.
 *
 *   recvtty [-w ROWS:COLS] SOCKET
 *
 * Listens on the Unix socket path SOCKET, prints "ready" on stderr once it
 * accepts connections, takes one connection and receives the pty master the
 * runtime sends with SCM_RIGHTS (runc's protocol: a name string as payload,
 * the fd as ancillary data).  It then relays until the container side closes:
 * its own stdin to the master, the master to its stdout.  With -w it sets the
 * window size on the master first (TIOCSWINSZ).  Node cannot receive fds, so
 * the test suites drive containers with terminal: true through this. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../common/error.h"

struct winsize_opt {
  int set;
  struct winsize ws;
};

static int parse_args(int argc, char **argv, const char **path, struct winsize_opt *win,
                      struct rt_err *err) {
  int i = 1;
  win->set = 0;
  if (i + 1 < argc && strcmp(argv[i], "-w") == 0) {
    unsigned rows, cols;
    char tail;
    if (sscanf(argv[i + 1], "%u:%u%c", &rows, &cols, &tail) != 2)
      return rt_fail(err, EINVAL, "parse window size `%s` (want ROWS:COLS)", argv[i + 1]);
    win->set = 1;
    win->ws.ws_row = (unsigned short)rows;
    win->ws.ws_col = (unsigned short)cols;
    i += 2;
  }
  if (i + 1 != argc) return rt_fail(err, EINVAL, "usage: recvtty [-w ROWS:COLS] SOCKET");
  *path = argv[i];
  return 0;
}

static int listen_on(const char *path, struct rt_err *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) return rt_fail(err, ENAMETOOLONG, "socket path `%s`", path);
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return rt_failerrno(err, "create unix socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    rt_failerrno(err, "bind `%s`", path);
    close(fd);
    return -1;
  }
  if (listen(fd, 1) < 0) {
    rt_failerrno(err, "listen on `%s`", path);
    close(fd);
    return -1;
  }
  return fd;
}

/* Receive one fd in SCM_RIGHTS; the payload (the pty name) is ignored. */
static int recv_master(int conn, struct rt_err *err) {
  char name[4096];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                       .msg_controllen = sizeof(ctl.buf)};
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return rt_failerrno(err, "receive console fd");
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
      cm->cmsg_len != CMSG_LEN(sizeof(int)))
    return rt_fail(err, EPROTO, "receive console fd: message carries no SCM_RIGHTS fd");
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
  return fd;
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Copy stdin -> master and master -> stdout until the master reports EOF or
 * EIO (every slave fd closed: the container's process is gone). */
static int relay(int master, struct rt_err *err) {
  struct pollfd fds[2] = {{.fd = master, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
  char buf[4096];
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return rt_failerrno(err, "poll console");
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (n < 0 && errno == EIO)) return 0;
      if (n < 0) return rt_failerrno(err, "read pty master");
      if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) return rt_failerrno(err, "write stdout");
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return rt_failerrno(err, "read stdin");
      if (n == 0) fds[1].fd = -1; /* stdin closed: keep showing the container's output */
      else if (write_all(master, buf, (size_t)n) < 0) return rt_failerrno(err, "write pty master");
    }
  }
}

static int run(int argc, char **argv, struct rt_err *err) {
  const char *path = NULL;
  struct winsize_opt win;
  if (parse_args(argc, argv, &path, &win, err) < 0) return -1;
  int lfd = listen_on(path, err);
  if (lfd < 0) return -1;
  fprintf(stderr, "ready\n");
  fflush(stderr);
  int conn;
  do conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  int saved = errno;
  close(lfd);
  unlink(path);
  if (conn < 0) return rt_fail(err, saved, "accept on `%s`", path);
  int master = recv_master(conn, err);
  close(conn);
  if (master < 0) return -1;
  int rc = 0;
  if (win.set && ioctl(master, TIOCSWINSZ, &win.ws) < 0) rc = rt_failerrno(err, "set window size");
  if (rc == 0) rc = relay(master, err);
  close(master);
  return rc;
}

int main(int argc, char **argv) {
  struct rt_err err = {0};
  if (run(argc, argv, &err) == 0) return 0;
  char text[2300];
  fprintf(stderr, "recvtty: %s\n", rt_err_text(&err, text, sizeof(text)));
  return 1;
}
