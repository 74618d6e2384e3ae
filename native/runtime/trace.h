/* strata-runtime's spans for the workbench trace.  Only when the caller sets
 * STRATA_TRACE_FILE (and STRATA_TRACE_ID, optionally STRATA_TRACE_PARENT):
 * then each step appends one line (common/trace-span.h) to that file.  Unset,
 * trace_init is one getenv and every other call returns at its first test.
 *
 *   main: trace_init ─ verb ─ trace_finish("create")      parent: STRATA_TRACE_PARENT
 *     container_create: "cgroup", "namespaces (clone)"      parent: the verb's span
 *     init: "cgroup join", "mounts", "pivot_root", "capabilities/seccomp",
 *           "wait for start", "exec" (ends at execve)       parent: the verb's span
 *
 * The file is opened (O_APPEND, O_CLOEXEC) before the init is cloned, so the
 * init writes through the inherited fd after pivot_root, and execve closes it:
 * nothing reaches the container. */
#ifndef STRATA_RUNTIME_TRACE_H
#define STRATA_RUNTIME_TRACE_H

struct trace_span {
  unsigned long long start_us;
};

void trace_init(void);
/* Open the file now (before clone, after the preserved fds are reserved). */
void trace_open(void);
void trace_begin(struct trace_span *s);
/* Write the step's span, a child of the verb's span. */
void trace_end(struct trace_span *s, const char *name);
/* The verb's own span, from trace_init to now. */
void trace_finish(const char *verb);

#endif
