/* fuzz/input.h — take typed values off the front of a fuzz input, as
 * libFuzzer's FuzzedDataProvider does for C++: an exhausted input gives
 * zeros and empty strings, never an error, so every input is usable. */
#ifndef MQS_FUZZ_INPUT_H
#define MQS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "mqs/packet.h"

typedef struct {
  const uint8_t *p;
  size_t n;
} fuzz_input;

static inline uint8_t in_u8(fuzz_input *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}

static inline uint16_t in_u16(fuzz_input *in) {
  uint16_t hi = in_u8(in);
  return (uint16_t)(hi << 8 | in_u8(in));
}

static inline uint32_t in_u32(fuzz_input *in) {
  uint32_t hi = in_u16(in);
  return hi << 16 | in_u16(in);
}

/* A string of the input's own bytes: a length byte, then that many bytes
 * (fewer when the input runs out); length byte 0xFF means absent. */
static inline mqs_str in_str(fuzz_input *in) {
  uint8_t k = in_u8(in);
  if (k == 0xFF) return (mqs_str){NULL, 0};
  size_t n = k < in->n ? k : in->n;
  mqs_str s = {in->p, (uint32_t)n};
  in->p += n;
  in->n -= n;
  return s;
}

#endif
