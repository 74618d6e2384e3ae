/* The stdio of the init and of exec'd processes: pipes, or a pty received on
 * a console socket (runc's protocol: the runtime connects to the path given as
 * --console-socket and sends the master with SCM_RIGHTS, a name as payload).
 *
 * Output is always read, whether or not anyone is attached, and goes to the
 * log (init only) and to the attached readers; nothing here ever blocks: our
 * ends are O_NONBLOCK and epoll tells when to read or write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "shim.h"

/* A 1 MiB pipe (the default pipe-max-size) lets a chatty container write
 * more per wakeup of the shim; 64 KiB stays when the kernel refuses. */
static void grow_pipe(int fd) { (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20); }

#define READ_CHUNK 65536
#define DRAIN_MAX_READS 256 /* at exit: 16 MiB at most, in case someone else still writes */
#define STDIN_PENDING_MAX (256 * 1024)

static int listen_console(const char *path, struct rt_err *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) return rt_fail(err, ENAMETOOLONG, "console socket path `%s`", path);
  strcpy(addr.sun_path, path);
  unlink(path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return rt_failerrno(err, "create console socket");
  if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
    rt_failerrno(err, "listen on console socket `%s`", path);
    close(fd);
    return -1;
  }
  return fd;
}

int stdio_prepare(struct proc *p, int child[3], int *console_fd, const char *console_path,
                  struct rt_err *err) {
  int fds[2];
  child[0] = child[1] = child[2] = -1;
  p->in_fd = p->out_fd = p->err_fd = p->master = -1;
  *console_fd = -1;
  if (p->terminal) {
    *console_fd = listen_console(console_path, err);
    return *console_fd < 0 ? -1 : 0;
  }
  if (p->want_stdin) {
    if (pipe2(fds, O_CLOEXEC) < 0) return rt_failerrno(err, "create stdin pipe");
    child[0] = fds[0];
    p->in_fd = fds[1];
  }
  if (pipe2(fds, O_CLOEXEC) < 0) goto fail;
  child[1] = fds[1];
  p->out_fd = fds[0];
  grow_pipe(fds[0]);
  if (pipe2(fds, O_CLOEXEC) < 0) goto fail;
  child[2] = fds[1];
  p->err_fd = fds[0];
  grow_pipe(fds[0]);
  return 0;
fail:
  rt_failerrno(err, "create stdio pipe");
  stdio_close_child(child);
  stdio_release(p);
  return -1;
}

void stdio_close_child(int child[3]) {
  for (int i = 0; i < 3; i++)
    if (child[i] >= 0) close(child[i]), child[i] = -1;
}

/* Take the pty master the runtime sent on the console socket. */
static int receive_master(int listen_fd, struct rt_err *err) {
  struct pollfd pfd = {.fd = listen_fd, .events = POLLIN};
  /* The runtime has returned, so it has connected already: the wait is a guard. */
  if (poll(&pfd, 1, 5000) <= 0) return rt_fail(err, ETIMEDOUT, "the runtime sent no pty on the console socket");
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return rt_failerrno(err, "accept on console socket");
  char name[4096];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  close(conn);
  if (n < 0) return rt_failerrno(err, "receive pty master");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    return rt_fail(err, EBADMSG, "the console socket message carried no fd");
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

static int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int stdio_attach_process(struct proc *p, int child[3], int console_fd, int width, int height,
                         struct rt_err *err) {
  struct shim *s = p->shim;
  stdio_close_child(child);
  if (p->terminal) {
    p->master = receive_master(console_fd, err);
    if (p->master < 0) return -1;
    if (set_nonblock(p->master) < 0) return rt_failerrno(err, "set pty master non-blocking");
    p->out_fd = fcntl(p->master, F_DUPFD_CLOEXEC, 3);
    if (p->out_fd < 0) return rt_failerrno(err, "dup pty master");
    if (p->want_stdin && (p->in_fd = fcntl(p->master, F_DUPFD_CLOEXEC, 3)) < 0)
      return rt_failerrno(err, "dup pty master");
    if (width > 0 && height > 0 && stdio_resize(p, width, height, err) < 0) return -1;
  }
  int fds[3] = {p->in_fd, p->out_fd, p->err_fd};
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0 && set_nonblock(fds[i]) < 0) return rt_failerrno(err, "set stdio non-blocking");
  p->w_out = (struct watch){W_OUT, p};
  p->w_err = (struct watch){W_ERR, p};
  p->w_in = (struct watch){W_STDIN, p};
  if (p->out_fd >= 0 && shim_watch(s, p->out_fd, &p->w_out, EPOLLIN, 1) < 0)
    return rt_failerrno(err, "watch stdout");
  if (p->err_fd >= 0 && shim_watch(s, p->err_fd, &p->w_err, EPOLLIN, 1) < 0)
    return rt_failerrno(err, "watch stderr");
  return 0;
}

static void deliver(struct proc *p, int stream, const char *data, size_t n) {
  if (p == &p->shim->init) log_feed(p->shim, p, stream, data, n);
  attach_output(p, stream, data, n);
}

static void stream_eof(struct proc *p, int stream) {
  int *fd = stream == STREAM_STDOUT ? &p->out_fd : &p->err_fd;
  shim_unwatch(p->shim, *fd);
  close(*fd);
  *fd = -1;
  if (p == &p->shim->init) {
    log_flush_partial(p->shim, p, stream);
    log_flush(p->shim);
  }
  if (stdio_done(p)) attach_end(p);
}

/* Read up to max chunks; returns 1 when the fd has no more data for now. */
static int read_stream(struct proc *p, int stream, int max) {
  static char chunk[READ_CHUNK]; /* static: 64 KiB once, not per call on a small stack */
  for (int i = 0; i < max; i++) {
    int fd = stream == STREAM_STDOUT ? p->out_fd : p->err_fd;
    if (fd < 0) return 1;
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n > 0) {
      deliver(p, stream, chunk, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    stream_eof(p, stream); /* 0, or EIO from a pty master whose slave is gone */
    return 1;
  }
  return 0;
}

void stdio_on_output(struct proc *p, int stream, uint32_t events) {
  (void)events;
  read_stream(p, stream, 8); /* bounded: other fds get their turn */
  if (p == &p->shim->init) log_flush(p->shim);
}

void stdio_drain(struct proc *p) {
  read_stream(p, STREAM_STDOUT, DRAIN_MAX_READS);
  read_stream(p, STREAM_STDERR, DRAIN_MAX_READS);
  if (p == &p->shim->init) log_flush(p->shim);
}

int stdio_done(const struct proc *p) {
  return p->out_fd < 0 && p->err_fd < 0 && p->status >= P_STOPPED;
}

static void close_in(struct proc *p) {
  if (p->in_fd < 0) return;
  if (p->in_watched) shim_unwatch(p->shim, p->in_fd);
  p->in_watched = 0;
  /* A pty has no half-close: send the EOF character, as a terminal user would. */
  if (p->terminal) (void)!write(p->in_fd, "\x04", 1);
  close(p->in_fd);
  p->in_fd = -1;
  p->in_pending.len = 0;
}

void stdio_close_stdin(struct proc *p) {
  if (p->in_pending.len > 0) p->close_in_when_flushed = 1;
  else close_in(p);
}

static int flush_stdin(struct proc *p) {
  while (p->in_pending.len > 0) {
    ssize_t n = write(p->in_fd, p->in_pending.data, p->in_pending.len);
    if (n > 0) {
      buf_consume(&p->in_pending, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 0;
    close_in(p); /* EPIPE: nobody reads the process's stdin any more */
    return -1;
  }
  return 0;
}

static void update_stdin_watch(struct proc *p) {
  int want = p->in_fd >= 0 && p->in_pending.len > 0;
  if (want && !p->in_watched) p->in_watched = shim_watch(p->shim, p->in_fd, &p->w_in, EPOLLOUT, 1) == 0;
  else if (!want && p->in_watched) shim_unwatch(p->shim, p->in_fd), p->in_watched = 0;
}

int stdio_write_stdin(struct proc *p, const char *data, size_t n) {
  if (p->in_fd < 0) return -1;
  if (buf_append(&p->in_pending, data, n) < 0 || flush_stdin(p) < 0) return -1;
  update_stdin_watch(p);
  return p->in_pending.len >= STDIN_PENDING_MAX ? 1 : 0; /* 1: stop reading the client */
}

void stdio_on_stdin_writable(struct proc *p) {
  if (p->in_fd < 0) return;
  flush_stdin(p);
  if (p->in_fd >= 0 && p->in_pending.len == 0 && p->close_in_when_flushed) close_in(p);
  update_stdin_watch(p);
  if (p->stdin_owner && p->in_pending.len < STDIN_PENDING_MAX) client_update_events(p->stdin_owner);
}

int stdio_resize(struct proc *p, int width, int height, struct rt_err *err) {
  if (p->master < 0) return rt_fail(err, ENOTTY, "the process has no terminal");
  struct winsize ws = {.ws_row = (unsigned short)height, .ws_col = (unsigned short)width};
  if (ioctl(p->master, TIOCSWINSZ, &ws) < 0) return rt_failerrno(err, "set the terminal size");
  return 0;
}

int stdio_stdin_blocked(const struct proc *p) { return p->in_pending.len >= STDIN_PENDING_MAX; }

void stdio_release(struct proc *p) {
  int *fds[] = {&p->in_fd, &p->out_fd, &p->err_fd, &p->master};
  if (p->in_watched) shim_unwatch(p->shim, p->in_fd);
  p->in_watched = 0;
  for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
    if (*fds[i] < 0) continue;
    if (i == 1 || i == 2) shim_unwatch(p->shim, *fds[i]);
    close(*fds[i]);
    *fds[i] = -1;
  }
}
