/* fuzz/afl_mutator.c — the decode targets' structure-aware mutator
 * (mutator.h) as an AFL++ custom mutator library, because AFL++'s
 * libFuzzer-compatible driver does not call LLVMFuzzerCustomMutator.
 *
 *   AFL_CUSTOM_MUTATOR_LIBRARY=build/afl/fuzz/libmqs_afl_mutator.so \
 *   MQS_MUTATOR_VERSION=5 afl-fuzz ... -- build/afl/fuzz/fuzz_decode_v5
 *
 * MQS_MUTATOR_VERSION is 311 or 5 (the default), the target's version.
 * AFL++ runs it before its own havoc stage (AFL_CUSTOM_MUTATOR_ONLY=1 to
 * use it alone). It is loaded into afl-fuzz itself, so it is built without
 * sanitizers and without instrumentation. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mutator.h"

typedef struct {
  unsigned seed;
  mqs_version version;
  uint8_t *buf;
  size_t cap;
} afl_state;

/* The API (AFL++ docs/custom_mutators.md); afl_state_t is opaque here. */
void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

/* The byte-level fallback libFuzzer would provide: one random edit. */
static uint32_t havoc_state = 0x2545F491u;

static uint32_t havoc_rand(void) {
  uint32_t x = havoc_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return havoc_state = x;
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) {
  uint32_t op = havoc_rand() % 4;
  if (op == 0 && size < max_size) { /* insert */
    size_t at = havoc_rand() % (size + 1);
    memmove(data + at + 1, data + at, size - at);
    data[at] = (uint8_t)havoc_rand();
    return size + 1;
  }
  if (op == 1 && size > 1) { /* erase */
    size_t at = havoc_rand() % size;
    memmove(data + at, data + at + 1, size - at - 1);
    return size - 1;
  }
  if (size) {
    size_t at = havoc_rand() % size;
    data[at] = op == 2 ? (uint8_t)(data[at] ^ (1u << (havoc_rand() % 8))) : (uint8_t)havoc_rand();
  }
  return size;
}

void *afl_custom_init(void *afl, unsigned int seed) {
  (void)afl;
  afl_state *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  const char *v = getenv("MQS_MUTATOR_VERSION");
  s->version = v && strcmp(v, "311") == 0 ? MQS_V311 : MQS_V5;
  s->seed = seed;
  havoc_state ^= seed | 1;
  return s;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size) {
  (void)add_buf;
  (void)add_buf_size;
  afl_state *s = data;
  if (max_size > s->cap) {
    uint8_t *b = realloc(s->buf, max_size);
    if (!b) {
      *out_buf = buf;
      return buf_size;
    }
    s->buf = b;
    s->cap = max_size;
  }
  size_t n = buf_size < max_size ? buf_size : max_size;
  memcpy(s->buf, buf, n);
  *out_buf = s->buf;
  return fuzz_mutate(s->buf, n, max_size, s->seed++, s->version);
}

void afl_custom_deinit(void *data) {
  afl_state *s = data;
  free(s->buf);
  free(s);
}
