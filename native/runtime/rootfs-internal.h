/* Private helpers shared by rootfs.c, mounts.c, devices.c and paths.c. */
#ifndef STRATA_ROOTFS_INTERNAL_H
#define STRATA_ROOTFS_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../common/error.h"
#include "cgroup.h"

/* ---- paths.c: symlink-safe resolution inside a root ---- */

enum path_create {
  PATH_NO_CREATE, /* the path must exist */
  PATH_MKDIR,     /* create missing parents and the last component as dirs */
  PATH_MKFILE,    /* create missing parents as dirs, the last as an empty file */
};

/* Resolve path inside the directory rootfd the way a chroot would: absolute
 * symlinks restart at rootfd, ".." never climbs above it, at most 40 links.
 * Creates what is missing as `create` says (mode for the last component).
 * Returns an O_PATH fd of the result and, when resolved is not NULL, its path
 * relative to the root ("/dev/pts").  On ENOENT with PATH_NO_CREATE the error
 * is filled with errno ENOENT so callers can skip missing paths. */
int path_open_in_root(int rootfd, const char *path, enum path_create create, mode_t mode,
                      char *resolved, size_t resolved_len, struct rt_err *err);
/* Check, without creating anything, whether path under root escapes it through
 * a symlink or "..".  Returns 0 and sets *escape to a description ("" when it
 * stays inside); missing components end the walk (they will be created). */
int path_check_escape(const char *root, const char *path, char *escape, size_t len,
                      struct rt_err *err);
/* "/proc/self/fd/N" for an O_PATH fd, the form mount(2) accepts as a target
 * without resolving the path again. */
const char *path_fd_name(int fd, char *buf, size_t len);
/* true when running in a user namespace other than the initial one. */
bool in_user_ns(void);

/* ---- mounts.c: config.mounts ---- */

struct mount_opts {
  unsigned long flags;     /* MS_* to set */
  unsigned long clear;     /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long prop[8];   /* propagation changes applied after, in order */
  size_t nprop;
  unsigned int rattr_set;  /* MOUNT_ATTR_* from rro, rnosuid, ... (recursive) */
  unsigned int rattr_clr;
  bool copyup;             /* tmpcopyup */
  char data[4096];         /* fs-specific data, comma separated */
};

/* Parse options[]; unknown words without '=' are refused naming the option. */
int mount_parse_options(json_t *options, struct mount_opts *out, struct rt_err *err);
/* Parse a single propagation word ("rslave"), 0 when it is not one. */
unsigned long mount_propagation_flag(const char *word);
/* true for the few /proc files a mount may replace (/proc/meminfo, ...). */
bool proc_file_allowed(const char *dest);
/* Mount every config.mounts entry inside the root open at rootfd. */
int mounts_setup(json_t *config, int rootfd, struct cg_manager *cg, struct rt_err *err);
/* Remount the mount at target with MS_BIND|MS_REMOUNT|flags, keeping the flags
 * the kernel locks (nosuid, nodev, noexec, atime) when it refuses otherwise.
 * shown names the target in errors. */
int mount_remount_bind(const char *target, const char *shown, unsigned long flags,
                       struct rt_err *err);
/* The MS_* flags the mount at target has now (statvfs); 0 when unknown. */
unsigned long mount_current_flags(const char *target);
/* mount(2) with the error message "mount SRC on SHOWN (type T)". */
int do_mount(const char *src, const char *target, const char *shown, const char *type,
             unsigned long flags, const char *data, struct rt_err *err);

/* ---- devices.c: /dev ---- */

/* Default devices plus linux.devices, the /dev symlinks and /dev/ptmx. */
int devices_setup(json_t *config, int rootfd, struct rt_err *err);
/* Validate linux.devices. */
int devices_validate(json_t *devices, struct rt_err *err);

#endif
