/* PLACEHOLDER: replaced by the runtime core (CLI and verbs). */
#include <stdio.h>
int main(void) {
  fprintf(stderr, "strata-runtime: not built yet\n");
  return 1;
}
