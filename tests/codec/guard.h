/* tests/codec/guard.h — inputs and outputs placed against an unmapped page.
 *
 * picohttpparser's trick: every input is copied to the very end of a
 * mapping whose next page is PROT_NONE, so reading one byte past it faults
 * at once instead of reading stale memory that a sanitizer may not flag.
 * Output buffers get the same treatment, so an encoder that writes past
 * cap faults too. One guard holds one mapping; placing new bytes may reuse
 * it (what was placed before is then gone). */
#ifndef MQS_TEST_GUARD_H
#define MQS_TEST_GUARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mqs/codec.h"

typedef struct {
  uint8_t *map;  /* whole mapping, guard page included */
  size_t maplen; /* bytes mapped */
  size_t usable; /* bytes before the guard page */
} mqs_guard;

/* Copy src[0..len) so that its last byte is the last readable byte.
 * Returns the copy (pointing at the guard page itself when len is 0). */
const uint8_t *guard_place(mqs_guard *g, const void *src, size_t len);
/* A writable buffer of cap bytes that ends at the guard page. */
uint8_t *guard_out(mqs_guard *g, size_t cap);
void guard_release(mqs_guard *g);

/* Decode through the guard: src is first placed against the unmapped page.
 * The packet points into g's mapping, valid until g is reused or released. */
ssize_t guard_decode(mqs_guard *g, const void *src, size_t len, const mqs_decode_opts *o,
                     mqs_packet *out, mqs_violation *why);

#endif
