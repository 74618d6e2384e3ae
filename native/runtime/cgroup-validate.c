/* linux.resources checked before any cgroup file is touched, each error
 * naming the field ("linux.resources.memory.limit: must be a number"), and the
 * device rule list both versions apply: the user's rules, then runc's
 * always-appended defaults (OCI-RUNTIME.md 7, "runc quirk"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "cgroup-internal.h"

#define F "linux.resources."

bool cg_json_i64(json_t *obj, const char *key, int64_t *out) {
  json_t *v = obj ? json_object_get(obj, key) : NULL;
  if (v == NULL || !json_is_integer(v)) return false;
  *out = json_integer_value(v);
  return true;
}

static int check_object(json_t *v, const char *field, struct rt_err *err) {
  if (v != NULL && !json_is_object(v) && !json_is_null(v))
    return rt_fail(err, EINVAL, F "%s: must be an object", field);
  return 0;
}

/* Every listed key, when present and not null, is an integer >= min. */
static int check_ints(json_t *obj, const char *field, const char *const *keys, int64_t min,
                      struct rt_err *err) {
  for (size_t i = 0; keys[i]; i++) {
    json_t *v = json_object_get(obj, keys[i]);
    if (v == NULL || json_is_null(v)) continue;
    if (!json_is_integer(v)) return rt_fail(err, EINVAL, F "%s.%s: must be a number", field, keys[i]);
    if (json_integer_value(v) < min)
      return rt_fail(err, EINVAL, F "%s.%s: must be >= %lld", field, keys[i], (long long)min);
  }
  return 0;
}

static int check_memory(json_t *m, struct rt_err *err) {
  static const char *const ints[] = {"limit", "reservation", "swap", "kernel", "kernelTCP", NULL};
  if (check_ints(m, "memory", ints, -1, err) < 0) return -1;
  json_t *sw = json_object_get(m, "swappiness");
  if (sw && !json_is_null(sw) &&
      (!json_is_integer(sw) || json_integer_value(sw) < 0 || json_integer_value(sw) > 100))
    return rt_fail(err, EINVAL, F "memory.swappiness: must be a number from 0 to 100");
  static const char *const bools[] = {"disableOOMKiller", "useHierarchy", "checkBeforeUpdate", NULL};
  for (size_t i = 0; bools[i]; i++) {
    json_t *v = json_object_get(m, bools[i]);
    if (v && !json_is_null(v) && !json_is_boolean(v))
      return rt_fail(err, EINVAL, F "memory.%s: must be a boolean", bools[i]);
  }
  int64_t limit, swap;
  if (cg_json_i64(m, "limit", &limit) && cg_json_i64(m, "swap", &swap) && limit > 0 && swap > 0 &&
      swap < limit)
    return rt_fail(err, EINVAL, F "memory.swap: must be >= memory.limit (it counts memory + swap)");
  return 0;
}

/* "0-3,5" style lists. */
static int check_list(json_t *cpu, const char *key, struct rt_err *err) {
  json_t *v = json_object_get(cpu, key);
  if (v == NULL || json_is_null(v)) return 0;
  if (!json_is_string(v)) return rt_fail(err, EINVAL, F "cpu.%s: must be a string", key);
  const char *s = json_string_value(v);
  if (s[strspn(s, "0123456789,- \n")] != '\0')
    return rt_fail(err, EINVAL, F "cpu.%s: invalid list `%s`", key, s);
  return 0;
}

static int check_cpu(json_t *c, struct rt_err *err) {
  static const char *const pos[] = {"shares", "period", "realtimePeriod", NULL};
  static const char *const any[] = {"quota", "burst", "realtimeRuntime", "idle", NULL};
  if (check_ints(c, "cpu", pos, 0, err) < 0 || check_ints(c, "cpu", any, -1, err) < 0) return -1;
  return check_list(c, "cpus", err) < 0 ? -1 : check_list(c, "mems", err);
}

/* Arrays of objects with integer fields (blockIO device lists, hugepageLimits). */
static int check_array(json_t *parent, const char *field, const char *key,
                       const char *const *ints, struct rt_err *err) {
  json_t *a = json_object_get(parent, key);
  if (a == NULL || json_is_null(a)) return 0;
  if (!json_is_array(a)) return rt_fail(err, EINVAL, F "%s%s: must be an array", field, key);
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    char name[128];
    snprintf(name, sizeof name, "%s%s[%zu]", field, key, i);
    if (!json_is_object(e)) return rt_fail(err, EINVAL, F "%s: must be an object", name);
    if (check_ints(e, name, ints, 0, err) < 0) return -1;
  }
  return 0;
}

static int check_blkio(json_t *b, struct rt_err *err) {
  static const char *const w[] = {"weight", "leafWeight", NULL};
  static const char *const wd[] = {"major", "minor", "weight", "leafWeight", NULL};
  static const char *const th[] = {"major", "minor", "rate", NULL};
  static const char *const lists[] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                      "throttleReadIOPSDevice", "throttleWriteIOPSDevice", NULL};
  if (check_ints(b, "blockIO", w, 0, err) < 0) return -1;
  if (check_array(b, "blockIO.", "weightDevice", wd, err) < 0) return -1;
  for (size_t i = 0; lists[i]; i++)
    if (check_array(b, "blockIO.", lists[i], th, err) < 0) return -1;
  return 0;
}

static int check_hugepages(json_t *res, struct rt_err *err) {
  static const char *const ints[] = {"limit", NULL};
  if (check_array(res, "", "hugepageLimits", ints, err) < 0) return -1;
  json_t *a = json_object_get(res, "hugepageLimits"), *e;
  size_t i;
  json_array_foreach(a, i, e) {
    json_t *ps = json_object_get(e, "pageSize");
    if (!json_is_string(ps) || strchr(json_string_value(ps), '/') || json_string_length(ps) == 0)
      return rt_fail(err, EINVAL, F "hugepageLimits[%zu].pageSize: must be a size like \"2MB\"", i);
  }
  return 0;
}

static int check_unified(json_t *u, struct rt_err *err) {
  const char *k;
  json_t *v;
  json_object_foreach(u, k, v) {
    if (!json_is_string(v)) return rt_fail(err, EINVAL, F "unified.%s: must be a string", k);
    if (k[0] == '\0' || k[0] == '.' || strchr(k, '/'))
      return rt_fail(err, EINVAL, F "unified.%s: invalid cgroup file name", k);
  }
  return 0;
}

/* One rule; idx names it in errors. */
static int parse_rule(json_t *d, size_t idx, struct cg_dev_rule *r, struct rt_err *err) {
  if (!json_is_object(d)) return rt_fail(err, EINVAL, F "devices[%zu]: must be an object", idx);
  json_t *allow = json_object_get(d, "allow"), *type = json_object_get(d, "type");
  json_t *access = json_object_get(d, "access");
  if (!json_is_boolean(allow)) return rt_fail(err, EINVAL, F "devices[%zu].allow: must be a boolean", idx);
  r->allow = json_is_true(allow);
  r->type = 'a';
  if (type && !json_is_null(type)) {
    const char *t = json_is_string(type) ? json_string_value(type) : "";
    if (strlen(t) != 1 || !strchr("acb", t[0]))
      return rt_fail(err, EINVAL, F "devices[%zu].type: must be one of a, c, b", idx);
    r->type = t[0];
  }
  const char *keys[] = {"major", "minor"};
  int64_t *vals[] = {&r->major, &r->minor};
  for (int k = 0; k < 2; k++) {
    json_t *v = json_object_get(d, keys[k]);
    *vals[k] = -1;
    if (v == NULL || json_is_null(v)) continue;
    if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > 0xffffffffLL)
      return rt_fail(err, EINVAL, F "devices[%zu].%s: must be a number or null", idx, keys[k]);
    *vals[k] = json_integer_value(v);
  }
  r->access = CG_ACC_ALL;
  if (access && !json_is_null(access)) {
    if (!json_is_string(access)) return rt_fail(err, EINVAL, F "devices[%zu].access: must be a string", idx);
    r->access = 0;
    for (const char *a = json_string_value(access); *a; a++) {
      if (*a == 'r') r->access |= CG_ACC_READ;
      else if (*a == 'w') r->access |= CG_ACC_WRITE;
      else if (*a == 'm') r->access |= CG_ACC_MKNOD;
      else return rt_fail(err, EINVAL, F "devices[%zu].access: invalid character '%c'", idx, *a);
    }
    if (r->access == 0) r->access = CG_ACC_ALL; /* "" means rwm, as in runc */
  }
  return 0;
}

/* runc's AllowedDevices (libcontainer/specconv), appended after the user's rules. */
static const struct cg_dev_rule runc_defaults[] = {
    {true, 'c', -1, -1, CG_ACC_MKNOD}, {true, 'b', -1, -1, CG_ACC_MKNOD},
    {true, 'c', 1, 3, CG_ACC_ALL},     {true, 'c', 1, 8, CG_ACC_ALL},
    {true, 'c', 1, 7, CG_ACC_ALL},     {true, 'c', 5, 0, CG_ACC_ALL},
    {true, 'c', 1, 5, CG_ACC_ALL},     {true, 'c', 1, 9, CG_ACC_ALL},
    {true, 'c', 136, -1, CG_ACC_ALL},  {true, 'c', 5, 2, CG_ACC_ALL},
    {true, 'c', 10, 200, CG_ACC_ALL},
};

int cg_device_rules(json_t *devices, struct cg_dev_rule **rules, size_t *n, struct rt_err *err) {
  size_t nuser = json_is_array(devices) ? json_array_size(devices) : 0;
  size_t ndef = sizeof runc_defaults / sizeof runc_defaults[0];
  autofree struct cg_dev_rule *out = calloc(nuser + ndef, sizeof *out);
  if (out == NULL) return rt_fail(err, ENOMEM, "device rules");
  for (size_t i = 0; i < nuser; i++)
    if (parse_rule(json_array_get(devices, i), i, &out[i], err) < 0) return -1;
  memcpy(out + nuser, runc_defaults, sizeof runc_defaults);
  *n = nuser + ndef;
  *rules = take_ptr(out);
  return 0;
}

int cg_validate_resources(json_t *res, struct rt_err *err) {
  if (res == NULL || json_is_null(res)) return 0;
  if (!json_is_object(res)) return rt_fail(err, EINVAL, "linux.resources: must be an object");
  static const char *const objs[] = {"memory", "cpu", "pids", "blockIO", "unified", "network", NULL};
  for (size_t i = 0; objs[i]; i++)
    if (check_object(json_object_get(res, objs[i]), objs[i], err) < 0) return -1;
  json_t *v;
  if ((v = json_object_get(res, "memory")) && json_is_object(v) && check_memory(v, err) < 0) return -1;
  if ((v = json_object_get(res, "cpu")) && json_is_object(v) && check_cpu(v, err) < 0) return -1;
  static const char *const pids[] = {"limit", NULL};
  if ((v = json_object_get(res, "pids")) && json_is_object(v) && check_ints(v, "pids", pids, -1, err) < 0)
    return -1;
  if ((v = json_object_get(res, "blockIO")) && json_is_object(v) && check_blkio(v, err) < 0) return -1;
  if (check_hugepages(res, err) < 0) return -1;
  if ((v = json_object_get(res, "unified")) && json_is_object(v) && check_unified(v, err) < 0) return -1;
  v = json_object_get(res, "devices");
  if (v && !json_is_null(v)) {
    if (!json_is_array(v)) return rt_fail(err, EINVAL, F "devices: must be an array");
    autofree struct cg_dev_rule *rules = NULL;
    size_t n;
    if (cg_device_rules(v, &rules, &n, err) < 0) return -1;
  }
  return 0;
}
