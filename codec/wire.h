/* codec/wire.h — internal: bounds-checked readers and a counting writer.
 *
 * Readers work on a cursor over [p, end) and never read past end. The
 * writer counts every byte but stores only those that fit under cap, so
 * one function both measures an encoding (cap 0) and writes it. */
#ifndef MQS_WIRE_H
#define MQS_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  const uint8_t *p;   /* next byte */
  const uint8_t *end; /* one past the last byte of the packet */
} rd;

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len; /* bytes written or that would have been */
} wr;

static inline size_t rd_left(const rd *r) { return (size_t)(r->end - r->p); }

static inline bool rd_u8(rd *r, uint8_t *v) {
  if (r->p >= r->end) return false;
  *v = *r->p++;
  return true;
}

static inline bool rd_u16(rd *r, uint16_t *v) {
  if (rd_left(r) < 2) return false;
  *v = (uint16_t)(r->p[0] << 8 | r->p[1]);
  r->p += 2;
  return true;
}

static inline bool rd_u32(rd *r, uint32_t *v) {
  if (rd_left(r) < 4) return false;
  *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
  r->p += 4;
  return true;
}

/* Variable byte integer. Returns 1 on success, 0 when the input ends
 * first, -1 for five or more bytes, -2 for a non-minimal encoding. */
static inline int rd_vbi(rd *r, uint32_t *v) {
  uint32_t value = 0;
  for (int i = 0; i < 4; i++) {
    if (r->p >= r->end) return 0;
    uint8_t b = *r->p++;
    value |= (uint32_t)(b & 0x7F) << (7 * i);
    if (!(b & 0x80)) {
      *v = value;
      /* A last byte of 0 after the first means a shorter encoding existed
       * (*v is still set: MQTT 3.1.1 does not forbid that, 5.0 does). */
      return i > 0 && b == 0 ? -2 : 1;
    }
  }
  return -1;
}

/* Two-byte length then that many bytes. */
static inline bool rd_lstr(rd *r, const uint8_t **s, uint32_t *len) {
  uint16_t n;
  if (!rd_u16(r, &n) || rd_left(r) < n) return false;
  *s = r->p;
  *len = n;
  r->p += n;
  return true;
}

static inline void wr_bytes(wr *w, const void *src, size_t n) {
  if (w->len + n <= w->cap && n) memcpy(w->buf + w->len, src, n);
  w->len += n;
}

static inline void wr_u8(wr *w, uint8_t v) {
  if (w->len < w->cap) w->buf[w->len] = v;
  w->len++;
}

static inline void wr_u16(wr *w, uint16_t v) {
  wr_u8(w, (uint8_t)(v >> 8));
  wr_u8(w, (uint8_t)v);
}

static inline void wr_u32(wr *w, uint32_t v) {
  wr_u16(w, (uint16_t)(v >> 16));
  wr_u16(w, (uint16_t)v);
}

static inline size_t vbi_size(uint32_t v) {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

/* Values above 268,435,455 cannot be encoded; the caller checks. */
static inline void wr_vbi(wr *w, uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    wr_u8(w, (uint8_t)(b | (v ? 0x80 : 0)));
  } while (v);
}

#define MQS_VBI_MAX 268435455u

#endif
