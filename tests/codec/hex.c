/* tests/codec/hex.c — see hex.h. */
#include "codec/hex.h"

#include <stdio.h>
#include <stdlib.h>

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t hex_parse(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  const char *s = hex;
  while (*s) {
    if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '|') {
      s++;
      continue;
    }
    if (*s == '\'') {
      for (s++; *s && *s != '\''; s++) {
        if (out && n < cap) out[n] = (uint8_t)*s;
        n++;
      }
      if (*s != '\'') goto bad;
      s++;
      continue;
    }
    int hi = nibble(s[0]), lo = hi < 0 ? -1 : nibble(s[1]);
    if (hi < 0 || lo < 0) goto bad;
    if (out && n < cap) out[n] = (uint8_t)(hi << 4 | lo);
    n++;
    s += 2;
  }
  if (out && n > cap) goto bad;
  return n;
bad:
  fprintf(stderr, "hex_parse: bad vector at offset %zu: \"%s\"\n", (size_t)(s - hex), hex);
  abort();
}

uint8_t *hex_alloc(const char *hex, size_t *len) {
  size_t n = hex_parse(hex, NULL, 0);
  uint8_t *p = malloc(n ? n : 1);
  if (!p) abort();
  *len = hex_parse(hex, p, n);
  return p;
}

char *hex_format(const uint8_t *p, size_t len, char *buf, size_t cap) {
  size_t o = 0;
  if (!cap) return buf;
  buf[0] = 0;
  for (size_t i = 0; i < len && o + 4 <= cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, i ? " %02x" : "%02x", p[i]);
  return buf;
}
