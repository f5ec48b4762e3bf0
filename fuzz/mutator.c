/* fuzz/mutator.c — the mutator's driver: frame the stream, pick an edit,
 * splice the edited packet back in (see mutator.h). */
#include "mutator.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mutate_int.h"

#define MAX_SPANS 128

typedef struct {
  size_t at, len; /* a framed packet: data[at .. at + len) */
} span;

/* The mutated packet is built here before it is spliced in; grown to the
 * largest max_size seen. One per process: libFuzzer mutates on one thread. */
static uint8_t *work;
static size_t work_cap;
static uint8_t arena_buf[64 * 1024];

static bool work_reserve(size_t n) {
  if (n <= work_cap) return true;
  uint8_t *w = realloc(work, n);
  if (!w) return false;
  work = w;
  work_cap = n;
  return true;
}

void *arena_alloc(fuzz_arena *a, size_t n) {
  size_t at = (a->len + 7) & ~(size_t)7;
  if (at > a->cap || n > a->cap - at) return NULL;
  a->len = at + n;
  return a->buf + at;
}

size_t put_header(uint8_t *out, uint8_t b, uint32_t rl) {
  size_t n = 0;
  out[n++] = b;
  do {
    uint8_t d = rl & 0x7F;
    rl >>= 7;
    out[n++] = (uint8_t)(d | (rl ? 0x80 : 0));
  } while (rl && n < 5);
  return n;
}

size_t header_size(const uint8_t *pkt) {
  size_t h = 1;
  while (h < 5 && (pkt[h] & 0x80))
    h++;
  return h + 1;
}

static size_t frame_all(const uint8_t *data, size_t size, span *s) {
  size_t pos = 1, n = 0;
  while (pos < size && n < MAX_SPANS) {
    size_t total;
    mqs_violation why;
    if (mqs_frame(data + pos, size - pos, &total, &why) != 0 || total > size - pos) break;
    s[n++] = (span){pos, total};
    pos += total;
  }
  return n;
}

/* Replace data[at .. at + old) with rep[0..n); 0 when it would not fit. */
static size_t splice(uint8_t *data, size_t size, size_t max, size_t at, size_t old,
                     const uint8_t *rep, size_t n) {
  if (size - old + n > max) return 0;
  memmove(data + at + n, data + at + old, size - at - old);
  if (n) memcpy(data + at, rep, n);
  return size - old + n;
}

/* Byte mutation of one packet's body, with the Remaining Length fixed up
 * so the stream stays framed: for packets that do not decode. */
static size_t op_body_bytes(uint8_t *data, size_t size, size_t max, span s) {
  const uint8_t *pkt = data + s.at;
  size_t h = header_size(pkt), blen = s.len - h;
  size_t room = max - (size - s.len); /* bytes the new packet may take */
  if (room < 6 || !work_reserve(room)) return 0;
  uint8_t *body = work + 5;
  size_t body_cap = room - 5;
  if (blen > body_cap) return 0;
  memcpy(body, pkt + h, blen);
  if (blen == 0) body[blen++] = 0; /* LLVMFuzzerMutate wants something to work on */
  size_t nb = LLVMFuzzerMutate(body, blen, body_cap);
  uint8_t hdr[5];
  size_t hh = put_header(hdr, pkt[0], (uint32_t)nb);
  memcpy(body - hh, hdr, hh);
  return splice(data, size, max, s.at, s.len, body - hh, hh + nb);
}

static size_t op_field(uint8_t *data, size_t size, size_t max, span s, mqs_version v, fuzz_rng *r) {
  mqs_decode_opts o = {.version = v};
  mqs_packet p;
  mqs_violation why;
  if (mqs_decode_ex(data + s.at, s.len, &o, &p, &why) != (ssize_t)s.len)
    return op_body_bytes(data, size, max, s);
  fuzz_arena a = {arena_buf, sizeof arena_buf, 0};
  int body_v = p.type == MQS_CONNECT ? p.connect.level : (int)v;
  if (!mutate_field(&p, body_v, r, &a)) return 0;
  ssize_t n = mqs_encode_size(&p, v, MQS_ENC_RAW);
  if (n <= 0 || !work_reserve((size_t)n)) return 0;
  n = mqs_encode(&p, v, MQS_ENC_RAW, work, work_cap);
  return n > 0 ? splice(data, size, max, s.at, s.len, work, (size_t)n) : 0;
}

static size_t op_props(uint8_t *data, size_t size, size_t max, span s, mqs_version v, fuzz_rng *r) {
  mqs_decode_opts o = {.version = v};
  mqs_packet p;
  mqs_violation why;
  if (mqs_decode_ex(data + s.at, s.len, &o, &p, &why) != (ssize_t)s.len) return 0;
  if (!work_reserve(max)) return 0;
  size_t n = mutate_props_block(data + s.at, s.len, &p, (int)v, r, work, work_cap);
  return n ? splice(data, size, max, s.at, s.len, work, n) : 0;
}

/* Remaining Lengths at the edges of each VBI size, and the largest. */
static const uint32_t rl_values[] = {0, 1, 2, 127, 128, 16383, 16384, 2097151, 2097152, 268435455};

static size_t op_header(uint8_t *data, size_t size, size_t max, span s, fuzz_rng *r) {
  const uint8_t *pkt = data + s.at;
  size_t h = header_size(pkt), blen = s.len - h;
  if (!work_reserve(s.len + 16)) return 0;
  uint8_t b0 = pkt[0];
  size_t hl;
  switch (rng_below(r, 6)) {
  case 0: /* another packet type, reserved ones included */
    b0 = (uint8_t)((b0 & 0x0F) | rng_below(r, 16) << 4);
    hl = put_header(work, b0, (uint32_t)blen);
    break;
  case 1: /* one fixed-header flag bit */
    b0 ^= (uint8_t)(1u << rng_below(r, 4));
    hl = put_header(work, b0, (uint32_t)blen);
    break;
  case 2: { /* a Remaining Length that does not match the body */
    uint32_t rl =
        rng_below(r, 2) ? PICK(r, rl_values) : (uint32_t)((int64_t)blen + rng_below(r, 9) - 4);
    hl = put_header(work, b0, rl);
    break;
  }
  case 3: /* the right value, not in the minimum number of bytes */
    hl = put_header(work, b0, (uint32_t)blen);
    if (hl >= 5) return 0;
    work[hl - 1] |= 0x80;
    work[hl++] = 0x00;
    break;
  case 4: /* five bytes: one more than a variable byte integer may have */
    work[0] = b0;
    memcpy(work + 1, rng_below(r, 2) ? "\xff\xff\xff\xff\x7f" : "\x80\x80\x80\x80\x01", 5);
    hl = 6;
    break;
  default: { /* body cut short at a random point, or padded, length consistent */
    size_t nb = blen && rng_below(r, 2) ? rng_below(r, (uint32_t)blen) : blen + 1 + rng_below(r, 4);
    hl = put_header(work, b0, (uint32_t)nb);
    size_t keep = nb < blen ? nb : blen;
    memcpy(work + hl, pkt + h, keep);
    memset(work + hl + keep, rng_below(r, 2) ? 0 : (int)rng_below(r, 256), nb - keep);
    return splice(data, size, max, s.at, s.len, work, hl + nb);
  }
  }
  memcpy(work + hl, pkt + h, blen);
  return splice(data, size, max, s.at, s.len, work, hl + blen);
}

/* A two-byte length prefix in the body (any big-endian pair that could be
 * one: what follows it fits in the packet) made wrong. */
static size_t op_length(uint8_t *data, size_t size, span s, fuzz_rng *r) {
  uint8_t *pkt = data + s.at;
  size_t h = header_size(pkt), pick = 0, seen = 0;
  for (size_t i = h; i + 2 <= s.len; i++) {
    size_t l = (size_t)(pkt[i] << 8 | pkt[i + 1]);
    if (i + 2 + l <= s.len && rng_below(r, (uint32_t)++seen) == 0) pick = i;
  }
  if (!seen) return 0;
  uint32_t l = (uint32_t)(pkt[pick] << 8 | pkt[pick + 1]);
  uint32_t beyond = (uint32_t)(s.len - pick - 2 + 1);
  uint32_t choices[] = {l + 1, l ? l - 1 : 1, 0, 0xFFFF, beyond, l + rng_below(r, 16), rng_next(r)};
  uint32_t nl = PICK(r, choices) & 0xFFFF;
  pkt[pick] = (uint8_t)(nl >> 8);
  pkt[pick + 1] = (uint8_t)nl;
  return size;
}

/* Short packets to insert, so a stream can gain a type its seed lacked;
 * each is valid in the version its comment names. */
static const struct {
  const char *bytes;
  size_t len;
} templates[] = {
#define T(s)                                                                                       \
  { s, sizeof s - 1 }
    T("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), /* CONNECT 5.0 */
    T("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"),     /* CONNECT 3.1.1 */
    T("\x20\x03\x00\x00\x00"),                             /* CONNACK 5.0 */
    T("\x20\x02\x00\x00"),                                 /* CONNACK 3.1.1 */
    T("\x32\x07\x00\x01\x61\x00\x01\x00\x78"),             /* PUBLISH QoS 1, 5.0 */
    T("\x34\x06\x00\x01\x61\x00\x02\x78"),                 /* PUBLISH QoS 2, 3.1.1 */
    T("\x62\x02\x00\x01"),                                 /* PUBREL */
    T("\x82\x07\x00\x01\x00\x00\x01\x23\x00"),             /* SUBSCRIBE "#", 5.0 */
    T("\x82\x06\x00\x01\x00\x01\x23\x01"),                 /* SUBSCRIBE "#", 3.1.1 */
    T("\xa2\x05\x00\x01\x00\x01\x23"),                     /* UNSUBSCRIBE "#", 3.1.1 */
    T("\xc0\x00"),
    T("\xd0\x00"),
    T("\xe0\x00"),
    T("\xf0\x00"),
#undef T
};

static size_t op_stream(uint8_t *data, size_t size, size_t max, span *sp, size_t n, size_t i,
                        fuzz_rng *r) {
  span s = sp[i];
  if (!work_reserve(size + 64)) return 0;
  switch (rng_below(r, 5)) {
  case 0: /* the same packet twice */
    memcpy(work, data + s.at, s.len);
    return splice(data, size, max, s.at + s.len, 0, work, s.len);
  case 1: return splice(data, size, max, s.at, s.len, NULL, 0);
  case 2: { /* swap with the next */
    if (i + 1 >= n) return 0;
    span t = sp[i + 1];
    memcpy(work, data + t.at, t.len);
    memcpy(work + t.len, data + s.at, s.len);
    return splice(data, size, max, s.at, s.len + t.len, work, s.len + t.len);
  }
  case 3: /* the stream ends inside this packet */
    return s.len > 1 ? s.at + 1 + rng_below(r, (uint32_t)s.len - 1) : 0;
  default: {
    size_t k = rng_below(r, sizeof templates / sizeof templates[0]);
    return splice(data, size, max, s.at, 0, (const uint8_t *)templates[k].bytes, templates[k].len);
  }
  }
}

size_t fuzz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, mqs_version v) {
  fuzz_rng r = {(uint32_t)((uint64_t)seed * 2654435761u) ^ 0x9E3779B9u}; /* spread the seed */
  if (!r.s) r.s = 1;
  span sp[MAX_SPANS];
  size_t n = size >= 3 && max_size >= size ? frame_all(data, size, sp) : 0;
  size_t out = 0;
  uint32_t roll = rng_below(&r, 100);
  if (n == 0 || roll < 10) goto bytes;
  if (roll < 13) { /* the control byte: direction and decoder options */
    data[0] ^= (uint8_t)(1u << rng_below(&r, 8));
    return size;
  }
  size_t i = rng_below(&r, (uint32_t)n);
  if (roll < 60)
    out = op_field(data, size, max_size, sp[i], v, &r);
  else if (roll < 75)
    out = op_props(data, size, max_size, sp[i], v, &r);
  else if (roll < 85)
    out = op_header(data, size, max_size, sp[i], &r);
  else if (roll < 90)
    out = op_length(data, size, sp[i], &r);
  else
    out = op_stream(data, size, max_size, sp, n, i, &r);
  if (out) return out;
bytes:
  return LLVMFuzzerMutate(data, size, max_size);
}
