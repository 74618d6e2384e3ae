/* Capabilities: the five sets of process.capabilities, applied with raw
 * capget/capset/prctl (no libcap).  Order in the init (runc's): drop the
 * bounding set while still root, switch user with PR_SET_KEEPCAPS, then
 * caps_apply sets effective/permitted/inheritable and raises ambient. */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "security.h"

#define CAP_TABLE_LAST 40 /* CAP_CHECKPOINT_RESTORE, Linux 5.9 */

static const char *const cap_names[CAP_TABLE_LAST + 1] = {
    [CAP_CHOWN] = "CAP_CHOWN",
    [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
    [CAP_FOWNER] = "CAP_FOWNER",
    [CAP_FSETID] = "CAP_FSETID",
    [CAP_KILL] = "CAP_KILL",
    [CAP_SETGID] = "CAP_SETGID",
    [CAP_SETUID] = "CAP_SETUID",
    [CAP_SETPCAP] = "CAP_SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "CAP_LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
    [CAP_NET_ADMIN] = "CAP_NET_ADMIN",
    [CAP_NET_RAW] = "CAP_NET_RAW",
    [CAP_IPC_LOCK] = "CAP_IPC_LOCK",
    [CAP_IPC_OWNER] = "CAP_IPC_OWNER",
    [CAP_SYS_MODULE] = "CAP_SYS_MODULE",
    [CAP_SYS_RAWIO] = "CAP_SYS_RAWIO",
    [CAP_SYS_CHROOT] = "CAP_SYS_CHROOT",
    [CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
    [CAP_SYS_PACCT] = "CAP_SYS_PACCT",
    [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
    [CAP_SYS_BOOT] = "CAP_SYS_BOOT",
    [CAP_SYS_NICE] = "CAP_SYS_NICE",
    [CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
    [CAP_SYS_TIME] = "CAP_SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "CAP_SYS_TTY_CONFIG",
    [CAP_MKNOD] = "CAP_MKNOD",
    [CAP_LEASE] = "CAP_LEASE",
    [CAP_AUDIT_WRITE] = "CAP_AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "CAP_AUDIT_CONTROL",
    [CAP_SETFCAP] = "CAP_SETFCAP",
    [CAP_MAC_OVERRIDE] = "CAP_MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "CAP_MAC_ADMIN",
    [CAP_SYSLOG] = "CAP_SYSLOG",
    [CAP_WAKE_ALARM] = "CAP_WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "CAP_BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "CAP_AUDIT_READ",
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};

static const char *const cap_set_names[] = {"bounding", "effective", "inheritable", "permitted",
                                            "ambient"};

/* Highest capability both this kernel and our table know.  Kernels older
 * than a name in the table just don't have it; such names are skipped. */
static int cap_last(void) {
  static int last = -1;
  if (last >= 0) return last;
  int v = CAP_TABLE_LAST;
  autofclose FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f != NULL && fscanf(f, "%d", &v) != 1) v = CAP_TABLE_LAST;
  if (v < 0 || v > CAP_TABLE_LAST) v = CAP_TABLE_LAST;
  last = v;
  return last;
}

int cap_from_name(const char *name) {
  if (name == NULL) return -1;
  for (int i = 0; i <= CAP_TABLE_LAST; i++)
    if (strcmp(cap_names[i], name) == 0) return i;
  return -1;
}

json_t *caps_known(void) {
  json_t *arr = json_array();
  if (arr == NULL) return NULL;
  for (int i = 0; i <= cap_last(); i++) json_array_append_new(arr, json_string(cap_names[i]));
  return arr;
}

int caps_validate(json_t *caps, const char *field, struct rt_err *err) {
  if (caps == NULL || json_is_null(caps)) return 0;
  if (!json_is_object(caps)) return rt_fail(err, 0, "%s: must be an object", field);
  for (size_t s = 0; s < sizeof cap_set_names / sizeof *cap_set_names; s++) {
    json_t *set = json_object_get(caps, cap_set_names[s]);
    if (set == NULL || json_is_null(set)) continue;
    if (!json_is_array(set))
      return rt_fail(err, 0, "%s.%s: must be an array of strings", field, cap_set_names[s]);
    size_t i;
    json_t *v;
    json_array_foreach(set, i, v) {
      if (!json_is_string(v))
        return rt_fail(err, 0, "%s.%s[%zu]: must be a string", field, cap_set_names[s], i);
      if (cap_from_name(json_string_value(v)) < 0)
        return rt_fail(err, 0, "%s.%s: unknown capability \"%s\"", field, cap_set_names[s],
                       json_string_value(v));
    }
  }
  return 0;
}

/* Bitmask of one set; names this kernel lacks are left out. */
static uint64_t caps_mask(json_t *caps, const char *set_name) {
  json_t *set = caps ? json_object_get(caps, set_name) : NULL;
  uint64_t mask = 0;
  size_t i;
  json_t *v;
  if (!json_is_array(set)) return 0;
  json_array_foreach(set, i, v) {
    int c = cap_from_name(json_string_value(v));
    if (c >= 0 && c <= cap_last()) mask |= UINT64_C(1) << c;
  }
  return mask;
}

int caps_drop_bounding(json_t *caps, struct rt_err *err) {
  uint64_t keep = caps_mask(caps, "bounding");
  for (int c = 0; c <= cap_last(); c++) {
    if (keep & (UINT64_C(1) << c)) continue;
    /* EINVAL: a cap the kernel does not know (cap_last raced a downgrade). */
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return rt_failerrno(err, "drop capability %s from the bounding set", cap_names[c]);
  }
  return 0;
}

static int caps_set(uint64_t eff, uint64_t prm, uint64_t inh, struct rt_err *err) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2] = {
      {.effective = (uint32_t)eff, .permitted = (uint32_t)prm, .inheritable = (uint32_t)inh},
      {.effective = (uint32_t)(eff >> 32),
       .permitted = (uint32_t)(prm >> 32),
       .inheritable = (uint32_t)(inh >> 32)},
  };
  if (syscall(SYS_capset, &hdr, data) < 0)
    return rt_failerrno(err, "set capabilities (capset)");
  return 0;
}

/* Ambient caps: clear, then raise each.  A raise the kernel refuses because
 * the cap is not in both permitted and inheritable (EPERM) or unknown
 * (EINVAL) is skipped: runc 1.1.5 runs such a config, raising only the rest
 * (checked: ambient [NET_RAW, SYS_ADMIN], inheritable [NET_RAW] -> CapAmb 0x2000). */
static int caps_ambient(uint64_t amb, struct rt_err *err) {
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return rt_failerrno(err, "clear the ambient capabilities");
  for (int c = 0; c <= cap_last(); c++) {
    if (!(amb & (UINT64_C(1) << c))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EINVAL &&
        errno != EPERM)
      return rt_failerrno(err, "raise ambient capability %s", cap_names[c]);
  }
  return 0;
}

int caps_apply(json_t *caps, struct rt_err *err) {
  if (caps_set(caps_mask(caps, "effective"), caps_mask(caps, "permitted"),
               caps_mask(caps, "inheritable"), err) < 0)
    return -1;
  return caps_ambient(caps_mask(caps, "ambient"), err);
}
