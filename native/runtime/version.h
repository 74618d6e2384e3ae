/* Build identity, set by the Makefile (-DSTRATA_VERSION/-DSTRATA_COMMIT);
 * the defaults serve builds outside it.  Shared by `--version` and
 * `features`. */
#ifndef STRATA_VERSION_H
#define STRATA_VERSION_H

#ifndef STRATA_VERSION
#define STRATA_VERSION "0.0.0"
#endif
#ifndef STRATA_COMMIT
#define STRATA_COMMIT "unknown"
#endif
/* The newest runtime-spec version this runtime implements. */
#define SPEC_VERSION "1.2.0"

#endif
