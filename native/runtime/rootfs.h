/* The container's filesystem: rootfs, mounts, devices, pivot_root, masked and
 * read-only paths.  Owner: rootfs.c, mounts.c, devices.c, paths.c.
 * All setup calls run in the container's init, inside its new mount namespace,
 * in this order:
 *   rootfs_prepare -> (createContainer hooks) -> rootfs_pivot -> rootfs_finalize */
#ifndef STRATA_ROOTFS_H
#define STRATA_ROOTFS_H

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"
#include "cgroup.h"

/* Check root, mounts, linux.devices, maskedPaths, readonlyPaths,
 * rootfsPropagation before any syscall.  rootfs: the absolute rootfs path.
 * Refuses relative destinations, unknown mount types/options, a mount target
 * that escapes the rootfs through a symlink, missing bind sources. */
int rootfs_validate(json_t *config, const char *rootfs, struct rt_err *err);

/* Make / private (or linux.rootfsPropagation), bind the rootfs onto itself,
 * mount config.mounts in order (symlink-safe, inside rootfs), create the
 * default devices and linux.devices, the /dev symlinks, /dev/pts, /dev/ptmx.
 * cg gives the hierarchies for a `cgroup` mount. */
int rootfs_prepare(json_t *config, const char *rootfs, struct cg_manager *cg,
                   struct rt_err *err);
/* pivot_root into rootfs and detach the old root (MS_MOVE + chroot when
 * no_pivot).  Afterwards cwd is "/". */
int rootfs_pivot(const char *rootfs, bool no_pivot, struct rt_err *err);
/* After pivot: maskedPaths, readonlyPaths, remount / read-only when
 * root.readonly, apply rootfsPropagation. */
int rootfs_finalize(json_t *config, struct rt_err *err);
/* Bind the pty slave at slave_path onto /dev/console (after pivot). */
int rootfs_bind_console(const char *slave_path, struct rt_err *err);

#endif
