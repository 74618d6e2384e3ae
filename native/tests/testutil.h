/* What every test in native/tests shares: failure counting, CHECK, JSON
 * fixtures, error matching, file reading, sleepers and temp dirs.  Header-only
 * (static inline): each test is one file linked against the runtime objects.
 * A test that must stop at its first failure defines its own CHECK before
 * including this. */
#ifndef STRATA_TESTUTIL_H
#define STRATA_TESTUTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/error.h"
#include "../common/io.h"

static int failures;

#ifndef CHECK
#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                      \
    }                                                                  \
  } while (0)
#endif

#define CHECK_STR(a, b)                                                                  \
  do {                                                                                   \
    const char *a_ = (a), *b_ = (b);                                                     \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                               \
      fprintf(stderr, "FAIL %s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a, \
              a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                   \
      failures++;                                                                        \
    }                                                                                    \
  } while (0)

/* Test JSON is a constant: a parse error is a bug in the test, so stop. */
static inline json_t *parse_json(const char *text) {
  json_error_t jerr;
  json_t *v = json_loads(text, 0, &jerr);
  if (v == NULL) {
    fprintf(stderr, "bad test JSON: %s: %s\n", jerr.text, text);
    exit(2);
  }
  return v;
}

/* err holds an error whose message contains `want`; says why not. */
static inline int err_has(struct rt_err *err, const char *want) {
  if (!rt_err_set(err)) {
    fprintf(stderr, "  no error, wanted: %s\n", want);
    return 0;
  }
  if (strstr(err->msg, want) != NULL) return 1;
  fprintf(stderr, "  error was: %s\n  wanted:    %s\n", err->msg, want);
  return 0;
}

/* The whole file, malloc'd and NUL-terminated; NULL when it cannot be read. */
static inline char *read_file(const char *path) {
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  char *text = NULL;
  size_t len;
  if (fd < 0 || io_read_all(fd, &text, &len) < 0) return NULL;
  return text;
}

/* A child that only waits to be killed. */
static inline pid_t spawn_sleeper(void) {
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  return pid;
}

/* mkdtemp(tmpl), or stop: nothing can run without it. */
static inline void make_tempdir(char *tmpl) {
  if (mkdtemp(tmpl) == NULL) {
    perror("mkdtemp");
    exit(2);
  }
}

static inline int rm_entry_(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

/* rm -rf path, without following symlinks; 0 or -1. */
static inline int rm_rf(const char *path) {
  return nftw(path, rm_entry_, 32, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* The last line of a test and its exit code. */
static inline int finish(const char *name) {
  if (failures) {
    fprintf(stderr, "%s: %d failure(s)\n", name, failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif
