/* fuzz/check.c — reporting a broken invariant (see fuzz.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
  fprintf(stderr, "\n%s:%d: fuzz check failed: %s\n  ", file, line, cond);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

void fuzz_dump(const char *label, const uint8_t *p, size_t n) {
  fprintf(stderr, "  %s (%zu bytes):", label, n);
  for (size_t i = 0; i < n && i < 256; i++)
    fprintf(stderr, " %02x", p[i]);
  fprintf(stderr, n > 256 ? " ...\n" : "\n");
}
