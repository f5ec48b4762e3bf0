/* tests/codec/guard.c — see guard.h. */
#include "codec/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void) {
  static size_t ps;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

/* Make sure at least len bytes sit before the guard page. */
static void reserve(mqs_guard *g, size_t len) {
  size_t ps = page_size();
  if (g->map && g->usable >= len) return;
  guard_release(g);
  size_t pages = (len + ps - 1) / ps;
  if (pages == 0) pages = 1;
  size_t maplen = (pages + 1) * ps;
  void *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) {
    perror("guard: mmap");
    abort();
  }
  if (mprotect((uint8_t *)m + pages * ps, ps, PROT_NONE) != 0) {
    perror("guard: mprotect");
    abort();
  }
  g->map = m;
  g->maplen = maplen;
  g->usable = pages * ps;
}

const uint8_t *guard_place(mqs_guard *g, const void *src, size_t len) {
  reserve(g, len);
  uint8_t *dst = g->map + g->usable - len;
  if (len) memcpy(dst, src, len);
  return dst;
}

uint8_t *guard_out(mqs_guard *g, size_t cap) {
  reserve(g, cap);
  uint8_t *dst = g->map + g->usable - cap;
  /* Poison what the encoder may write, so unwritten bytes show up. */
  memset(dst, 0xA5, cap);
  return dst;
}

void guard_release(mqs_guard *g) {
  if (g->map) munmap(g->map, g->maplen);
  g->map = NULL;
  g->maplen = 0;
  g->usable = 0;
}

ssize_t guard_decode(mqs_guard *g, const void *src, size_t len, const mqs_decode_opts *o,
                     mqs_packet *out, mqs_violation *why) {
  const uint8_t *p = guard_place(g, src, len);
  memset(out, 0xCC, sizeof *out); /* nothing left over from an earlier decode */
  if (why) memset(why, 0, sizeof *why);
  /* Default options: through mqs_decode, so both entry points are tested. */
  if (o->from == MQS_FROM_ANY && !o->max_packet_size && !o->topic_alias_max && !o->flags)
    return mqs_decode(p, len, o->version, out, why);
  return mqs_decode_ex(p, len, o, out, why);
}
