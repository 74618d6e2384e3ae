/* The argument and state boilerplate the cmd_*.c verbs share.  Every helper
 * that fails has already reported through log.h; the caller returns 1. */
#ifndef STRATA_CMD_UTIL_H
#define STRATA_CMD_UTIL_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "cmd.h"
#include "state.h"

/* Reset getopt for a verb's own flags (argv[0] is the verb). */
void cmd_getopt_reset(void);
/* Log runc's message for the flag getopt just rejected; returns exit code 1. */
int cmd_bad_flag(char **argv);
/* Parse the flags of a verb whose one flag is a boolean: opts holds it then
 * the terminator; *set becomes true when given.  0, or -1 once reported. */
int cmd_bool_flag(int argc, char **argv, const struct option *opts, bool *set);
/* After the flags: exactly one operand left, else runc's message and -1. */
int cmd_want_one_arg(const char *verb, int argc);
/* A verb without flags taking one ID: that ID, or NULL once reported. */
const char *cmd_only_id(const char *verb, int argc, char **argv);
/* state_load, reporting the error; 0 or -1. */
int cmd_load(const struct global_opts *g, const char *id, struct rt_state *st);
/* End a verb that loaded st: free it, report err when rc < 0; the exit code. */
int cmd_done(struct rt_state *st, int rc, const struct rt_err *err);
/* Print doc (its reference is taken) as indented JSON; on encoding failure
 * report "encode <what>: out of memory".  The exit code. */
int cmd_print_json(json_t *doc, size_t indent, const char *what);

#endif
