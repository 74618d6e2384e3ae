/* strata-runtime's tracing (runtime/trace.c): with STRATA_TRACE_FILE unset it
 * opens, writes and allocates nothing; set, each span is one JSON line with
 * the trace id, the parent and microsecond times. */
#include <dirent.h>

#include "../runtime/trace.h"
#include "testutil.h"

static int open_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

static void test_off(const char *file) {
  unsetenv("STRATA_TRACE_FILE");
  setenv("STRATA_TRACE_ID", "0123456789abcdef0123456789abcdef", 1);
  int before = open_fds();
  trace_init();
  trace_open();
  struct trace_span s;
  trace_begin(&s);
  trace_end(&s, "pivot_root");
  trace_finish("create");
  CHECK(open_fds() == before);
  struct stat st;
  CHECK(stat(file, &st) < 0); /* nothing written anywhere we could name */
}

static void test_on(const char *file) {
  setenv("STRATA_TRACE_FILE", file, 1);
  setenv("STRATA_TRACE_PARENT", "feedfacefeedface", 1);
  trace_init();
  struct trace_span s;
  trace_begin(&s);
  usleep(2000);
  trace_end(&s, "pivot_root");
  trace_finish("create");
  autofree char *text = read_file(file);
  CHECK(text != NULL);
  if (!text) return;
  char *nl = strchr(text, '\n');
  CHECK(nl != NULL && strchr(nl + 1, '\n') != NULL); /* two lines */
  if (!nl) return;
  *nl = '\0';
  json_t *step = parse_json(text), *verb = parse_json(nl + 1);
  CHECK_STR(json_string_value(json_object_get(step, "traceId")), "0123456789abcdef0123456789abcdef");
  CHECK_STR(json_string_value(json_object_get(step, "layer")), "strata-runtime");
  CHECK_STR(json_string_value(json_object_get(step, "name")), "pivot_root");
  CHECK_STR(json_string_value(json_object_get(verb, "name")), "create");
  CHECK_STR(json_string_value(json_object_get(verb, "parentId")), "feedfacefeedface");
  /* The step hangs under the verb's span. */
  CHECK_STR(json_string_value(json_object_get(step, "parentId")),
            json_string_value(json_object_get(verb, "spanId")));
  CHECK(json_integer_value(json_object_get(step, "durationUs")) >= 2000);
  CHECK(json_integer_value(json_object_get(step, "startUs")) >=
        json_integer_value(json_object_get(verb, "startUs")));
  json_decref(step);
  json_decref(verb);
}

int main(void) {
  char dir[] = "/tmp/strata-trace-test-XXXXXX", file[64];
  make_tempdir(dir);
  snprintf(file, sizeof file, "%s/trace.jsonl", dir);
  test_off(file);
  test_on(file);
  rm_rf(dir);
  return finish("trace_test");
}
