/* fuzz/guard.c — see guard.h. */
#include "guard.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define GUARD_SIZE (1u << 20)

static uint8_t slots[GUARD_SLOTS][GUARD_SIZE];

uint8_t *fuzz_guard_room(fuzz_guard_slot slot, size_t n) {
  if (n <= GUARD_SIZE) return slots[slot] + GUARD_SIZE - n;
  uint8_t *p = malloc(n);
  FUZZ_CHECK(p != NULL, "out of memory for %zu bytes", n);
  return p;
}

uint8_t *fuzz_guard_copy(fuzz_guard_slot slot, const uint8_t *p, size_t n) {
  uint8_t *c = fuzz_guard_room(slot, n);
  if (n) memmove(c, p, n);
  return c;
}

void fuzz_guard_done(fuzz_guard_slot slot, uint8_t *p) {
  if (p < slots[slot] || p > slots[slot] + GUARD_SIZE) free(p);
}
