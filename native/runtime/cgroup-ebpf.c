/* cgroup v2 device control: the OCI rule list compiled to a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, loaded with bpf(2) and attached to the
 * cgroup dir with BPF_F_ALLOW_MULTI (then older programs of ours are
 * detached, so `update` replaces rather than stacks).
 *
 * The kernel calls the program with struct bpf_cgroup_dev_ctx
 *   { u32 access_type = access << 16 | type; u32 major; u32 minor; }
 * and it returns 1 (allow) or 0 (deny).  Rules are tested from the LAST to
 * the first and the first match returns, which is "last match wins"; no match
 * means deny.  Generated code:
 *   r2 = ctx->access_type; r3 = r2 & 0xffff (type); r4 = r2 >> 16 (access)
 *   r5 = ctx->major; r6 = ctx->minor
 *   per rule: if r3 != T goto next; if r5 != MAJ goto next; if r6 != MIN goto next
 *             allow: if (r4 & ~ACC) != 0 goto next   (all requested bits allowed)
 *             deny:  if (r4 & ACC) == 0 goto next    (some requested bit denied)
 *             r0 = allow; exit
 *   r0 = 0; exit */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

#define INSN(c, d, s, o, i) \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_K(d, i) INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_K(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_K(d, i) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i) /* off patched later */
#define JEQ_K(d, i) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_INSNS_PER_RULE 8

struct prog {
  struct bpf_insn *insns;
  size_t n;
};

/* One rule's block; its "goto next" jumps land right after the block. */
static void emit_rule(struct prog *p, const struct cg_dev_rule *r) {
  size_t jumps[4], nj = 0;
  if (r->type != 'a') {
    jumps[nj++] = p->n;
    p->insns[p->n++] = JNE_K(3, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
  }
  if (r->major >= 0) {
    jumps[nj++] = p->n;
    p->insns[p->n++] = JNE_K(5, (int32_t)r->major);
  }
  if (r->minor >= 0) {
    jumps[nj++] = p->n;
    p->insns[p->n++] = JNE_K(6, (int32_t)r->minor);
  }
  if ((r->access & CG_ACC_ALL) != CG_ACC_ALL) {
    p->insns[p->n++] = MOV_X(7, 4);
    p->insns[p->n++] = AND_K(7, (int32_t)(r->allow ? ~r->access & CG_ACC_ALL : r->access));
    jumps[nj++] = p->n;
    p->insns[p->n++] = r->allow ? JNE_K(7, 0) : JEQ_K(7, 0);
  }
  p->insns[p->n++] = MOV_K(0, r->allow ? 1 : 0);
  p->insns[p->n++] = EXIT();
  for (size_t i = 0; i < nj; i++) p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

static bool matches_all(const struct cg_dev_rule *r) {
  return r->type == 'a' && r->major < 0 && r->minor < 0 && (r->access & CG_ACC_ALL) == CG_ACC_ALL;
}

static int compile(const struct cg_dev_rule *rules, size_t n, struct prog *p, struct rt_err *err) {
  p->insns = calloc(7 + n * MAX_INSNS_PER_RULE, sizeof *p->insns);
  if (p->insns == NULL) return rt_fail(err, ENOMEM, "compile device rules");
  p->n = 0;
  p->insns[p->n++] = LDX_W(2, 1, 0);
  p->insns[p->n++] = MOV_X(3, 2);
  p->insns[p->n++] = AND_K(3, 0xffff);
  p->insns[p->n++] = MOV_X(4, 2);
  p->insns[p->n++] = RSH_K(4, 16);
  p->insns[p->n++] = LDX_W(5, 1, 4);
  p->insns[p->n++] = LDX_W(6, 1, 8);
  bool total = false;
  for (size_t i = n; i-- > 0 && !total;) {
    emit_rule(p, &rules[i]);
    total = matches_all(&rules[i]); /* earlier rules can never be reached */
  }
  if (!total) {
    p->insns[p->n++] = MOV_K(0, 0);
    p->insns[p->n++] = EXIT();
  }
  return 0;
}

static long bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof *attr); }

static int load(const struct prog *p, struct rt_err *err) {
  static char log[16384];
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)p->insns;
  attr.insn_cnt = (uint32_t)p->n;
  attr.license = (uint64_t)(uintptr_t)"GPL";
  int fd = (int)bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return fd;
  /* Load again with the verifier log so the error says why. */
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  attr.log_level = 1;
  log[0] = '\0';
  fd = (int)bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return fd;
  return rt_failerrno(err, "load device eBPF program (%zu insns)%s%.300s", p->n, log[0] ? ": " : "", log);
}

/* Programs attached before ours, to detach once ours is in place. */
static int query(int cgfd, uint32_t *ids, uint32_t *n) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)cgfd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = *n;
  if (bpf(BPF_PROG_QUERY, &attr) < 0) return -1;
  *n = attr.query.prog_cnt;
  return 0;
}

static void detach_id(int cgfd, uint32_t id) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_id = id;
  autoclose int pfd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &attr);
  if (pfd < 0) return;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgfd;
  attr.attach_bpf_fd = (uint32_t)pfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  bpf(BPF_PROG_DETACH, &attr);
}

int cg_ebpf_apply(const char *dir, const struct cg_dev_rule *rules, size_t n, bool attach,
                  struct rt_err *err) {
  struct prog p = {0};
  if (compile(rules, n, &p, err) < 0) return -1;
  autofree struct bpf_insn *insns = p.insns;
  if (!attach) return 0;
  autoclose int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cgfd < 0) return rt_failerrno(err, "open cgroup `%s`", dir);
  uint32_t old[64], nold = 64;
  if (query(cgfd, old, &nold) < 0) nold = 0;
  autoclose int pfd = load(&p, err);
  if (pfd < 0) return -1;
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgfd;
  attr.attach_bpf_fd = (uint32_t)pfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) return rt_failerrno(err, "attach device eBPF program to `%s`", dir);
  for (uint32_t i = 0; i < nold && i < 64; i++) detach_id(cgfd, old[i]);
  return 0;
}
