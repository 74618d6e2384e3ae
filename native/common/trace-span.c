/* The span line writer both native layers use (trace-span.h). */
#include "trace-span.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

unsigned long long trace_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
}

void trace_new_span_id(char out[TRACE_SPAN_ID_LEN + 1]) {
  unsigned char b[TRACE_SPAN_ID_LEN / 2];
  if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
    /* Early boot without entropy: pid and time still tell spans apart. */
    unsigned long long v = trace_now_us() ^ ((unsigned long long)getpid() << 40);
    memcpy(b, &v, sizeof b);
  }
  for (size_t i = 0; i < sizeof b; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

bool trace_valid_hex(const char *s, unsigned min, unsigned max) {
  if (!s) return false;
  size_t n = strspn(s, "0123456789abcdefABCDEF");
  return s[n] == '\0' && n >= min && n <= max;
}

int trace_write_span(int fd, const char *trace_id, const char *span_id, const char *parent_id,
                     const char *layer, const char *name, unsigned long long start_us,
                     unsigned long long end_us) {
  char line[512];
  /* Names are the callers' constants: nothing to escape. */
  int n = snprintf(line, sizeof line,
                   "{\"traceId\":\"%s\",\"spanId\":\"%s\",\"parentId\":\"%s\",\"layer\":\"%s\","
                   "\"name\":\"%s\",\"startUs\":%llu,\"durationUs\":%llu,\"pid\":%d}\n",
                   trace_id, span_id, parent_id ? parent_id : "", layer, name, start_us,
                   end_us > start_us ? end_us - start_us : 0ULL, (int)getpid());
  if (n < 0 || (size_t)n >= sizeof line) {
    errno = ENAMETOOLONG;
    return -1;
  }
  ssize_t w;
  do w = write(fd, line, (size_t)n);
  while (w < 0 && errno == EINTR);
  return w == n ? 0 : -1;
}
