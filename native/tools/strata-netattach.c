/* strata-netattach: plug a container's network namespace into bridges in one
 * exec, over rtnetlink (stratad's fast path; the iproute2 batches are its
 * fallback and do the same thing).
 *
 *   strata-netattach PID [--lo] [--route GATEWAY] ENDPOINT...
 *   ENDPOINT = HOSTVETH,BRIDGE,IFNAME,MAC,ADDRESS/PREFIX
 *
 * For each endpoint, in the caller's namespace: a veth pair HOSTVETH <->
 * IFNAME, the IFNAME end created straight inside the namespace of PID
 * (/proc/PID/ns/net) with MAC, HOSTVETH enslaved to BRIDGE and up.  Then,
 * inside that namespace: lo up (--lo), ADDRESS/PREFIX on IFNAME, IFNAME up,
 * and with --route a default route via GATEWAY on the first endpoint.
 * Every step waits for the kernel's ack; the first failure is printed as
 * "strata-netattach: <step>: <why>" and the exit status is 1 (2 for usage).
 * Nothing is undone here: the caller deletes HOSTVETH on failure (and a pair
 * dies with the namespace anyway).
 *
 *   strata-netattach --serve
 *
 * The same, as a long-lived helper (stratad keeps one: a spawn from a large
 * Node process costs more than the whole netlink exchange).  Each stdin line
 * is one request, its arguments separated by tabs; each gets one line back,
 * "ok" or "error <message>", in order.  Every request runs in a forked child,
 * so joining a container's namespace never changes the helper's own.  It
 * exits at the end of stdin (its parent gone). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/error.h"

#define MAX_EP 8

struct endpoint {
  char veth[IFNAMSIZ], bridge[IFNAMSIZ], ifname[IFNAMSIZ];
  unsigned char mac[6];
  struct in_addr addr;
  int prefix;
};

struct req {
  struct nlmsghdr *n;
  char buf[4096];
};

static void req_init(struct req *r, int type, int flags, const void *body, size_t len) {
  memset(r->buf, 0, sizeof r->buf);
  r->n = (struct nlmsghdr *)r->buf;
  r->n->nlmsg_len = NLMSG_LENGTH(len);
  r->n->nlmsg_type = (unsigned short)type;
  r->n->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
  memcpy(NLMSG_DATA(r->n), body, len);
}

static struct rtattr *attr(struct req *r, int type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(r->n->nlmsg_len);
  struct rtattr *a = (struct rtattr *)(r->buf + at);
  if (at + RTA_SPACE(len) > sizeof r->buf) return NULL;
  a->rta_type = (unsigned short)type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  r->n->nlmsg_len = (unsigned)(at + RTA_SPACE(len));
  return a;
}

static void nest_end(struct req *r, struct rtattr *start) {
  start->rta_len = (unsigned short)(r->buf + r->n->nlmsg_len - (char *)start);
}

/* Send one request and read its ack. */
static int talk(int fd, struct req *r, const char *what, struct rt_err *err) {
  static unsigned seq;
  r->n->nlmsg_seq = ++seq;
  if (send(fd, r->n, r->n->nlmsg_len, 0) < 0) return rt_failerrno(err, "%s: send", what);
  char buf[8192];
  for (;;) {
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return rt_failerrno(err, "%s: recv", what);
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)got); h = NLMSG_NEXT(h, got)) {
      if (h->nlmsg_seq != r->n->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error == 0) return 0;
      return rt_fail(err, -e->error, "%s", what);
    }
  }
}

static int nl_open(struct rt_err *err) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return rt_failerrno(err, "open rtnetlink socket");
  return fd;
}

static int ifindex(const char *name, struct rt_err *err) {
  unsigned i = if_nametoindex(name);
  if (i == 0) return rt_failerrno(err, "find interface `%s`", name);
  return (int)i;
}

static int create_pair(int fd, const struct endpoint *ep, int nsfd, struct rt_err *err) {
  int master = ifindex(ep->bridge, err);
  if (master < 0) return -1;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct req r;
  req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  attr(&r, IFLA_IFNAME, ep->veth, strlen(ep->veth) + 1);
  attr(&r, IFLA_MASTER, &master, sizeof master);
  struct rtattr *info = attr(&r, IFLA_LINKINFO, NULL, 0);
  attr(&r, IFLA_INFO_KIND, "veth", 5);
  struct rtattr *data = attr(&r, IFLA_INFO_DATA, NULL, 0);
  struct rtattr *peer = attr(&r, VETH_INFO_PEER, NULL, 0);
  struct ifinfomsg pifi = {.ifi_family = AF_UNSPEC};
  /* The peer's ifinfomsg sits right after the attribute header. */
  r.n->nlmsg_len += (unsigned)NLMSG_ALIGN(sizeof pifi);
  memcpy(RTA_DATA(peer), &pifi, sizeof pifi);
  attr(&r, IFLA_IFNAME, ep->ifname, strlen(ep->ifname) + 1);
  attr(&r, IFLA_ADDRESS, ep->mac, sizeof ep->mac);
  if (!attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof nsfd)) return rt_fail(err, E2BIG, "veth %s: request too long", ep->veth);
  nest_end(&r, peer);
  nest_end(&r, data);
  nest_end(&r, info);
  char what[96];
  snprintf(what, sizeof what, "create veth %s (peer %s) on %s", ep->veth, ep->ifname, ep->bridge);
  return talk(fd, &r, what, err);
}

static int link_up(int fd, const char *name, struct rt_err *err) {
  int idx = ifindex(name, err);
  if (idx < 0) return -1;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = idx, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  struct req r;
  req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
  char what[64];
  snprintf(what, sizeof what, "set %s up", name);
  return talk(fd, &r, what, err);
}

static int add_addr(int fd, const struct endpoint *ep, struct rt_err *err) {
  int idx = ifindex(ep->ifname, err);
  if (idx < 0) return -1;
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)ep->prefix, .ifa_index = (unsigned)idx};
  struct req r;
  req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  attr(&r, IFA_LOCAL, &ep->addr, sizeof ep->addr);
  attr(&r, IFA_ADDRESS, &ep->addr, sizeof ep->addr);
  uint32_t mask = ep->prefix ? htonl(~0u << (32 - ep->prefix)) : 0;
  struct in_addr brd = {.s_addr = ep->addr.s_addr | ~mask};
  attr(&r, IFA_BROADCAST, &brd, sizeof brd);
  char what[96], ip[INET_ADDRSTRLEN];
  snprintf(what, sizeof what, "add %s/%d on %s", inet_ntop(AF_INET, &ep->addr, ip, sizeof ip), ep->prefix, ep->ifname);
  return talk(fd, &r, what, err);
}

static int add_default_route(int fd, struct in_addr gw, const char *dev, struct rt_err *err) {
  int idx = ifindex(dev, err);
  if (idx < 0) return -1;
  struct rtmsg rt = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                     .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  struct req r;
  req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
  attr(&r, RTA_GATEWAY, &gw, sizeof gw);
  attr(&r, RTA_OIF, &idx, sizeof idx);
  return talk(fd, &r, "add default route", err);
}

static int parse_endpoint(char *spec, struct endpoint *ep, struct rt_err *err) {
  char *f[5];
  char *save = NULL;
  char *p = spec;
  for (int i = 0; i < 5; i++, p = NULL) {
    f[i] = strtok_r(p, ",", &save);
    if (f[i] == NULL) return rt_fail(err, EINVAL, "endpoint `%s`: want HOSTVETH,BRIDGE,IFNAME,MAC,ADDRESS/PREFIX", spec);
  }
  const char *names[3] = {f[0], f[1], f[2]};
  char *dst[3] = {ep->veth, ep->bridge, ep->ifname};
  for (int i = 0; i < 3; i++) {
    if (strlen(names[i]) == 0 || strlen(names[i]) >= IFNAMSIZ) return rt_fail(err, EINVAL, "interface name `%s`: 1-15 bytes", names[i]);
    strcpy(dst[i], names[i]);
  }
  unsigned m[6];
  char tail;
  if (sscanf(f[3], "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
    return rt_fail(err, EINVAL, "MAC `%s`", f[3]);
  for (int i = 0; i < 6; i++) {
    if (m[i] > 255) return rt_fail(err, EINVAL, "MAC `%s`", f[3]);
    ep->mac[i] = (unsigned char)m[i];
  }
  char *slash = strchr(f[4], '/');
  if (slash == NULL) return rt_fail(err, EINVAL, "address `%s`: want ADDRESS/PREFIX", f[4]);
  *slash = '\0';
  char *end;
  long prefix = strtol(slash + 1, &end, 10);
  if (*end != '\0' || prefix < 0 || prefix > 32 || inet_pton(AF_INET, f[4], &ep->addr) != 1)
    return rt_fail(err, EINVAL, "address `%s/%s`", f[4], slash + 1);
  ep->prefix = (int)prefix;
  return 0;
}

static int run(int argc, char **argv, struct rt_err *err) {
  if (argc < 2) return rt_fail(err, 0, "usage: strata-netattach PID [--lo] [--route GATEWAY] ENDPOINT...");
  char *end;
  long pid = strtol(argv[1], &end, 10);
  if (*end != '\0' || pid <= 0) return rt_fail(err, EINVAL, "pid `%s`", argv[1]);
  int lo = 0, has_gw = 0, n = 0;
  struct in_addr gw = {0};
  struct endpoint eps[MAX_EP];
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--lo") == 0) {
      lo = 1;
    } else if (strcmp(argv[i], "--route") == 0 && i + 1 < argc) {
      if (inet_pton(AF_INET, argv[++i], &gw) != 1) return rt_fail(err, EINVAL, "gateway `%s`", argv[i]);
      has_gw = 1;
    } else {
      if (n == MAX_EP) return rt_fail(err, E2BIG, "at most %d endpoints", MAX_EP);
      if (parse_endpoint(argv[i], &eps[n++], err) < 0) return -1;
    }
  }
  if (has_gw && n == 0) return rt_fail(err, EINVAL, "--route needs an endpoint");
  char path[64];
  snprintf(path, sizeof path, "/proc/%ld/ns/net", pid);
  autoclose int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) return rt_failerrno(err, "open `%s`", path);
  {
    autoclose int host = nl_open(err);
    if (host < 0) return -1;
    for (int i = 0; i < n; i++)
      if (create_pair(host, &eps[i], nsfd, err) < 0) return -1;
  }
  if (setns(nsfd, CLONE_NEWNET) < 0) return rt_failerrno(err, "join `%s`", path);
  autoclose int fd = nl_open(err);
  if (fd < 0) return -1;
  if (lo && link_up(fd, "lo", err) < 0) return -1;
  for (int i = 0; i < n; i++) {
    if (add_addr(fd, &eps[i], err) < 0 || link_up(fd, eps[i].ifname, err) < 0) return -1;
  }
  if (has_gw && add_default_route(fd, gw, eps[0].ifname, err) < 0) return -1;
  return 0;
}

/* One request in a child: its error text comes back through a pipe. */
static void serve_one(char *line) {
  char *argv[2 + 2 * MAX_EP + 4] = {"strata-netattach"};
  int argc = 1;
  char *save = NULL;
  for (char *tok = strtok_r(line, "\t", &save); tok != NULL; tok = strtok_r(NULL, "\t", &save)) {
    if (argc == (int)(sizeof argv / sizeof argv[0]) - 1) {
      printf("error too many arguments\n");
      return;
    }
    argv[argc++] = tok;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    printf("error pipe: %s\n", strerror(errno));
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    printf("error fork: %s\n", strerror(errno));
    close(p[0]);
    close(p[1]);
    return;
  }
  if (pid == 0) {
    close(p[0]);
    struct rt_err err = {0};
    if (run(argc, argv, &err) == 0) _exit(0);
    char buf[2200];
    const char *text = rt_err_text(&err, buf, sizeof buf);
    ssize_t w = write(p[1], text, strlen(text));
    (void)w;
    _exit(1);
  }
  close(p[1]);
  char msg[2200];
  size_t n = 0;
  for (ssize_t r; n < sizeof msg - 1 && (r = read(p[0], msg + n, sizeof msg - 1 - n)) != 0;) {
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    n += (size_t)r;
  }
  msg[n] = '\0';
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  for (char *c = msg; *c; c++)
    if (*c == '\n') *c = ' ';
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) printf("ok\n");
  else printf("error %s\n", n ? msg : "helper child failed");
}

static int serve(void) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  setvbuf(stdout, NULL, _IOLBF, 0);
  while ((len = getline(&line, &cap, stdin)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
    serve_one(line);
  }
  free(line);
  return 0;
}

int main(int argc, char **argv) {
  struct rt_err err = {0};
  if (argc == 2 && strcmp(argv[1], "--serve") == 0) return serve();
  if (run(argc, argv, &err) < 0) {
    char buf[2200];
    fprintf(stderr, "strata-netattach: %s\n", rt_err_text(&err, buf, sizeof buf));
    return strncmp(err.msg, "usage:", 6) == 0 ? 2 : 1;
  }
  return 0;
}
