/* fuzz/mutate_int.h — what the mutator's files share (see mutator.h). */
#ifndef MQS_FUZZ_MUTATE_INT_H
#define MQS_FUZZ_MUTATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqs/codec.h"

/* xorshift32: the mutator must be deterministic for a seed, and rand()
 * would be shared with the code under test. */
typedef struct {
  uint32_t s;
} fuzz_rng;

static inline uint32_t rng_next(fuzz_rng *r) {
  uint32_t x = r->s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return r->s = x;
}

/* Uniform enough in [0, n); 0 when n is 0. */
static inline uint32_t rng_below(fuzz_rng *r, uint32_t n) { return n ? rng_next(r) % n : 0; }

#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

/* Storage for the strings and arrays a field edit points the packet at;
 * they must live until the packet is encoded. Reset once per mutation. */
typedef struct {
  uint8_t *buf;
  size_t cap, len;
} fuzz_arena;

void *arena_alloc(fuzz_arena *a, size_t n); /* NULL when full; 8-byte aligned */

/* Edit one field of the decoded packet p (of body version v). Returns false
 * when no edit applied. Strings, arrays and lists may be pointed at a. */
bool mutate_field(mqs_packet *p, int v, fuzz_rng *r, fuzz_arena *a);

/* Rewrite one of p's property blocks as bytes. pkt[0..n) is the packet p
 * was decoded from; the result goes to out (cap bytes). Returns its length,
 * 0 when p has no property block or out is too small. */
size_t mutate_props_block(const uint8_t *pkt, size_t n, const mqs_packet *p, int v, fuzz_rng *r,
                          uint8_t *out, size_t cap);

/* Write a fixed header for type byte b and Remaining Length rl (minimal
 * form) at out; returns its length (2..5). */
size_t put_header(uint8_t *out, uint8_t b, uint32_t rl);
/* Length of the fixed header at pkt (a framed packet, so well formed). */
size_t header_size(const uint8_t *pkt);

#endif
