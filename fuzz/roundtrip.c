/* fuzz/roundtrip.c — the oracle for a packet the decoder accepted.
 *
 *  1. Decoding is a function of the packet's own bytes: an exact-size copy
 *     (so ASan sees any read past its end) decodes to the same fields.
 *  2. Every proper prefix is incomplete, and mqs_frame agrees on the length.
 *  3. Round trip: the packet re-encodes (validating), the encoding decodes to
 *     the same fields, is canonical, is no longer than the input, and
 *     equals the input exactly when the input was canonical (canonical.h).
 * Any failure aborts with the bytes on stderr. */
#include <string.h>

#include "canonical.h"
#include "fuzz.h"
#include "guard.h"
#include "packet_diff.h"
#include "stream.h"

/* Bytes of the fixed header: the type byte and the Remaining Length. */
static size_t header_len(const uint8_t *pkt, size_t n) {
  size_t h = 1;
  while (h < n && h < 5 && (pkt[h] & 0x80))
    h++;
  return h + 1;
}

/* Every proper prefix is incomplete: the first bytes, the fixed header, and
 * all but the last byte, that one in a buffer of its own size. */
static void check_prefixes(const uint8_t *pkt, size_t n, const mqs_decode_opts *o) {
  mqs_packet q;
  mqs_violation why;
  uint8_t *cut = fuzz_guard_copy(GUARD_INPUT, pkt, n - 1);
  size_t cuts[4] = {0, 1, header_len(pkt, n), n - 1};
  for (int i = 0; i < 4; i++) {
    if (cuts[i] >= n) continue;
    ssize_t rc = mqs_decode_ex(cut, cuts[i], o, &q, &why);
    FUZZ_CHECK(rc == MQS_INCOMPLETE, "a %zu-byte prefix of an accepted %zu-byte packet gave %zd",
               cuts[i], n, rc);
  }
  fuzz_guard_done(GUARD_INPUT, cut);
  size_t total = 0;
  FUZZ_CHECK(mqs_frame(pkt, n, &total, &why) == 0 && total == n,
             "mqs_frame says %zu bytes, decode %zu", total, n);
}

static void fail_roundtrip(const char *what, const char *detail, const uint8_t *in, size_t n,
                           const uint8_t *enc, size_t m) {
  fuzz_dump("input", in, n);
  if (enc) fuzz_dump("re-encoded", enc, m);
  fuzz_fail(__FILE__, __LINE__, "round trip", "%s: %s", what, detail ? detail : "");
}

static void check_roundtrip(const uint8_t *pkt, size_t n, const mqs_packet *p,
                            const mqs_decode_opts *o) {
  mqs_version v = o->version;
  /* The canonical form is never longer than an accepted input, so n bytes
   * are room enough; ending them at the guard catches a write past cap. */
  uint8_t *room = fuzz_guard_room(GUARD_OUTPUT, n);
  mqs_violation why = {0};
  ssize_t w = mqs_encode_ex(p, v, 0, room, n, &why);
  if (w == MQS_ENOSPC)
    fail_roundtrip("canonical form longer than the input", NULL, pkt, n, NULL, 0);
  if (w <= 0)
    fail_roundtrip("validating encode refused an accepted packet", mqs_rule_name(why.rule), pkt, n,
                   NULL, 0);
  size_t size = (size_t)w;
  const char *noncanon = fuzz_noncanonical(p, v);
  /* 3.1.1 accepts a Remaining Length longer than needed; its encoding is the shortest. */
  size_t shortest = 2 + (p->remaining > 127) + (p->remaining > 16383) + (p->remaining > 2097151);
  if (!noncanon && header_len(pkt, n) != shortest)
    noncanon = "C0 Remaining Length longer than needed";
  bool same = size == n && memcmp(room, pkt, n) == 0;
  if (!noncanon && !same)
    fail_roundtrip("canonical input re-encoded differently", NULL, pkt, n, room, size);
  if (noncanon && same)
    fail_roundtrip("input said non-canonical but re-encoded identically", noncanon, pkt, n, room,
                   size);
  if (!same) {
    /* Checked here only: a measuring pass over every packet cost 7% of
     * the run, and the canonical ones were measured by the encoder itself. */
    if (mqs_encode_size(p, v, 0) != w)
      fail_roundtrip("mqs_encode_size disagrees with mqs_encode", NULL, pkt, n, room, size);
    /* Moved to end at the guard, so decode cannot read past it unseen. */
    uint8_t *enc = fuzz_guard_copy(GUARD_OUTPUT, room, size);
    mqs_packet q;
    ssize_t r = mqs_decode_ex(enc, size, o, &q, &why);
    if (r != w)
      fail_roundtrip("re-encoded packet does not decode", mqs_errname((int)r), pkt, n, enc, size);
    const char *diff = fuzz_packet_diff(p, &q);
    if (diff) fail_roundtrip("re-encoded packet decodes to other fields", diff, pkt, n, enc, size);
    const char *again = fuzz_noncanonical(&q, v);
    if (again) fail_roundtrip("encoder output is not canonical", again, pkt, n, enc, size);
    fuzz_guard_done(GUARD_OUTPUT, enc);
  }
  fuzz_guard_done(GUARD_OUTPUT, room);
}

void fuzz_check_accepted(const uint8_t *pkt, size_t n, const mqs_packet *p,
                         const mqs_decode_opts *o) {
  uint8_t *copy = fuzz_guard_copy(GUARD_INPUT, pkt, n);
  mqs_packet q;
  mqs_violation why;
  ssize_t rc = mqs_decode_ex(copy, n, o, &q, &why);
  FUZZ_CHECK(rc == (ssize_t)n, "the packet alone gave %zd, in the stream %zu", rc, n);
  const char *diff = fuzz_packet_diff(p, &q);
  FUZZ_CHECK(diff == NULL, "the packet alone decodes differently: %s", diff);
  FUZZ_CHECK(q.remaining == p->remaining, "remaining %u vs %u", q.remaining, p->remaining);
  fuzz_guard_done(GUARD_INPUT, copy);
  /* p points into the caller's stream, which stays put while the guard
   * slots are reused below. */
  check_roundtrip(pkt, n, p, o);
  check_prefixes(pkt, n, o);
}
