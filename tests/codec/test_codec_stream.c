/* tests/codec/test_codec_stream.c — decoding a byte stream the way a reader
 * does: bytes arrive in pieces, decode returns MQS_INCOMPLETE until a whole
 * packet is there, and the packets that come out never depend on where the
 * stream was cut. A realistic session of each version (16+ packets), fed
 * whole, split in two at every byte, one byte at a time, and as several
 * packets in one read followed by a split one (EMQX #2303 #2333). */
#include <stdlib.h>

#include "codec/helpers.h"
#include "mqs/print.h"

/* A reader: accumulates what arrives, decodes what it can (every decode
 * through the guard page), keeps the printed and re-encoded form of each
 * packet. */
typedef struct {
  mqs_version v;
  uint8_t *acc;
  size_t len, cap;
  char **forms;
  size_t n, nalloc;
  size_t consumed;
  mqs_guard g;
} reader;

static void reader_init(reader *r, mqs_version v) {
  memset(r, 0, sizeof *r);
  r->v = v;
}

static void reader_free(reader *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->forms[i]);
  free(r->forms);
  free(r->acc);
  guard_release(&r->g);
}

/* The printed form and the encoding of a decoded packet, as one string. */
static char *form_of(const mqs_packet *p, mqs_version v) {
  char text[2048];
  size_t tl = mqs_print(p, v, text, sizeof text);
  assert_true(tl > 0);
  ssize_t n = mqs_encode_size(p, v, 0);
  assert_true(n > 0);
  uint8_t *enc = malloc((size_t)n);
  assert_non_null(enc);
  assert_int_equal(mqs_encode(p, v, 0, enc, (size_t)n), n);
  size_t cap = sizeof text + 3 * (size_t)n + 8;
  char *s = malloc(cap);
  assert_non_null(s);
  int o = snprintf(s, cap, "%s | ", text);
  hex_format(enc, (size_t)n, s + o, cap - (size_t)o);
  free(enc);
  return s;
}

/* Feed a piece; decode every whole packet now available. */
static void reader_feed(reader *r, const uint8_t *p, size_t len) {
  if (r->len + len > r->cap) {
    r->cap = (r->len + len) * 2 + 16;
    r->acc = realloc(r->acc, r->cap);
    assert_non_null(r->acc);
  }
  memcpy(r->acc + r->len, p, len);
  r->len += len;
  for (;;) {
    mqs_packet pkt;
    mqs_violation why;
    mqs_decode_opts o = {.version = r->v, .from = MQS_FROM_ANY};
    ssize_t got = guard_decode(&r->g, r->acc, r->len, &o, &pkt, &why);
    if (got == MQS_INCOMPLETE) return;
    CHECKF(got > 0 && (size_t)got <= r->len,
           "stream offset %zu: decode %zd (%s) rule %s at %zu with %zu bytes buffered", r->consumed,
           got, mqs_errname((int)got), mqs_rule_name(why.rule), why.offset, r->len);
    if (r->n == r->nalloc) {
      r->nalloc = r->nalloc * 2 + 16;
      r->forms = realloc(r->forms, r->nalloc * sizeof *r->forms);
      assert_non_null(r->forms);
    }
    r->forms[r->n++] = form_of(&pkt, r->v);
    memmove(r->acc, r->acc + got, r->len - (size_t)got);
    r->len -= (size_t)got;
    r->consumed += (size_t)got;
  }
}

typedef struct {
  uint8_t *bytes;
  size_t len;
  size_t n_packets;
  size_t ends[64]; /* where each packet ends */
} stream;

static void stream_add(stream *s, const uint8_t *p, size_t len) {
  s->bytes = realloc(s->bytes, s->len + len);
  assert_non_null(s->bytes);
  memcpy(s->bytes + s->len, p, len);
  s->len += len;
  s->ends[s->n_packets++] = s->len;
}

static void stream_add_hex(stream *s, const char *hex) {
  size_t len;
  uint8_t *p = hex_alloc(hex, &len);
  stream_add(s, p, len);
  free(p);
}

/* A QoS 2 PUBLISH with a payload long enough for a 2-byte Remaining Length. */
static void stream_add_big_publish(stream *s, bool v5, uint16_t id) {
  uint8_t p[300];
  size_t o = 0, payload = 200;
  size_t rl = 5 + 2 + (v5 ? 1 : 0) + payload;
  p[o++] = 0x34;
  p[o++] = (uint8_t)(0x80 | (rl & 0x7F));
  p[o++] = (uint8_t)(rl >> 7);
  o += hex_parse("00 03 'a/b'", p + o, 5);
  p[o++] = (uint8_t)(id >> 8);
  p[o++] = (uint8_t)id;
  if (v5) p[o++] = 0;
  for (size_t i = 0; i < payload; i++)
    p[o++] = (uint8_t)i;
  stream_add(s, p, o);
}

static void make_v311(stream *s) {
  memset(s, 0, sizeof *s);
  stream_add_hex(s, "10 23 00 04 'MQTT' 04 EE 00 3C 00 03 'cid' 00 03 'w/t' 00 03 'bye'"
                    " 00 04 'user' 00 02 'pw'");
  stream_add_hex(s, "20 02 00 00");
  stream_add_hex(s, "82 0E 00 0A 00 03 'a/b' 01 00 03 'c/#' 02");
  stream_add_hex(s, "90 04 00 0A 01 02");
  stream_add_hex(s, "30 0A 00 03 'a/b' 'hello'");
  stream_add_hex(s, "32 0C 00 03 'a/b' 00 07 'hello'");
  stream_add_hex(s, "40 02 00 07");
  stream_add_big_publish(s, false, 8);
  stream_add_hex(s, "50 02 00 08");
  stream_add_hex(s, "62 02 00 08");
  stream_add_hex(s, "70 02 00 08");
  stream_add_hex(s, "C0 00");
  stream_add_hex(s, "D0 00");
  stream_add_hex(s, "A2 07 00 0B 00 03 'a/b'");
  stream_add_hex(s, "B0 02 00 0B");
  stream_add_hex(s, "E0 00");
}

static void make_v5(stream *s) {
  memset(s, 0, sizeof *s);
  stream_add_hex(s, "10 79 00 04 'MQTT' 05 EE 00 3C 2F 11 00 00 00 78 15 00 05 'PLAIN'"
                    " 16 00 02 01 02 17 00 19 01 21 00 14 22 00 0A 26 00 01 'a' 00 01 '1'"
                    " 26 00 01 'a' 00 01 '2' 27 00 01 00 00 00 03 'cid' 25 01 01"
                    " 02 00 00 01 2C 03 00 04 'text' 08 00 03 'r/t' 09 00 02 00 FF"
                    " 18 00 00 00 05 26 00 01 'k' 00 01 'v' 00 03 'w/t' 00 03 'bye'"
                    " 00 04 'user' 00 02 'pw'");
  stream_add_hex(s, "20 0D 00 00 0A 22 00 0A 1F 00 04 'fine'");
  stream_add_hex(s, "82 27 00 0A 09 0B 05 26 00 01 'a' 00 01 'b' 00 03 'a/b' 2D"
                    " 00 03 'c/#' 12 00 0C '$share/g/d/+' 01");
  stream_add_hex(s, "90 06 00 0A 00 01 00 9E");
  stream_add_hex(s, "32 54 00 03 'a/b' 01 02 4A 01 01 02 00 00 0E 10 03 00 0A 'text/plain'"
                    " 08 00 05 'reply' 09 00 03 01 02 03 0B 01 0B FF FF FF 7F 0B AC 02"
                    " 23 00 05 26 00 02 'k1' 00 02 'v1' 26 00 02 'k2' 00 02 'v2'"
                    " 26 00 02 'k1' 00 02 'v3' 'hi'");
  stream_add_hex(s, "40 02 01 02");
  stream_add_hex(s, "30 06 00 00 03 23 00 05"); /* empty topic, alias 5 */
  stream_add_hex(s, "40 10 00 07 80 0C 1F 00 02 'no' 26 00 01 'a' 00 01 'b'");
  stream_add_big_publish(s, true, 8);
  stream_add_hex(s, "50 03 00 08 10");
  stream_add_hex(s, "62 02 00 08");
  stream_add_hex(s, "70 02 00 08");
  stream_add_hex(s, "F0 0E 18 0C 15 00 05 'SCRAM' 16 00 01 01");
  stream_add_hex(s, "C0 00");
  stream_add_hex(s, "D0 00");
  stream_add_hex(s, "A2 08 00 0B 00 00 03 'a/b'");
  stream_add_hex(s, "B0 04 00 0B 00 00");
  stream_add_hex(s, "E0 14 9C 12 1C 00 02 's2' 1F 00 03 'bye' 26 00 01 'a' 00 01 'b'");
}

static void check_same(const char *ctx, const reader *ref, const reader *r) {
  CHECKF(r->n == ref->n, "%s: %zu packets, want %zu", ctx, r->n, ref->n);
  for (size_t i = 0; i < ref->n; i++)
    CHECKF(strcmp(r->forms[i], ref->forms[i]) == 0, "%s: packet %zu differs:\n  %s\n  %s", ctx, i,
           r->forms[i], ref->forms[i]);
  CHECKF(r->len == 0, "%s: %zu bytes left over", ctx, r->len);
}

static void reference(reader *ref, const stream *s, mqs_version v) {
  reader_init(ref, v);
  reader_feed(ref, s->bytes, s->len);
  CHECKF(ref->n == s->n_packets, "whole stream: %zu packets, want %zu", ref->n, s->n_packets);
  assert_int_equal(ref->len, 0);
}

static void run_splits(const stream *s, mqs_version v) {
  reader ref;
  reference(&ref, s, v);
  /* The framer sees the same boundaries. */
  size_t off = 0;
  for (size_t i = 0; i < s->n_packets; i++) {
    size_t total = 0;
    mqs_violation why;
    mqs_guard g = {0};
    const uint8_t *p = guard_place(&g, s->bytes + off, s->len - off);
    assert_int_equal(mqs_frame(p, s->len - off, &total, &why), 0);
    assert_int_equal(off + total, s->ends[i]);
    off += total;
    guard_release(&g);
  }
  /* Two pieces, cut at every byte. */
  for (size_t cut = 1; cut < s->len; cut++) {
    reader r;
    char ctx[64];
    reader_init(&r, v);
    reader_feed(&r, s->bytes, cut);
    size_t whole = 0;
    while (whole < s->n_packets && s->ends[whole] <= cut)
      whole++;
    snprintf(ctx, sizeof ctx, "cut at %zu", cut);
    CHECKF(r.n == whole, "%s: %zu packets after the first piece, want %zu", ctx, r.n, whole);
    reader_feed(&r, s->bytes + cut, s->len - cut);
    check_same(ctx, &ref, &r);
    reader_free(&r);
  }
  /* One byte at a time. */
  reader r;
  reader_init(&r, v);
  for (size_t i = 0; i < s->len; i++) {
    reader_feed(&r, s->bytes + i, 1);
    size_t whole = 0;
    while (whole < s->n_packets && s->ends[whole] <= i + 1)
      whole++;
    CHECKF(r.n == whole, "byte %zu: %zu packets, want %zu", i, r.n, whole);
  }
  check_same("byte at a time", &ref, &r);
  reader_free(&r);
  reader_free(&ref);
}

static void test_v311_stream_splits(void **state) {
  (void)state;
  stream s;
  make_v311(&s);
  assert_true(s.n_packets >= 16);
  run_splits(&s, MQS_V311);
  free(s.bytes);
}

static void test_v5_stream_splits(void **state) {
  (void)state;
  stream s;
  make_v5(&s);
  assert_true(s.n_packets >= 17);
  run_splits(&s, MQS_V5);
  free(s.bytes);
}

/* Several whole packets in one read, then one cut in two (inside its
 * Remaining Length, then inside its body), then the rest. */
static void test_several_then_split(void **state) {
  (void)state;
  stream s;
  make_v5(&s);
  reader ref;
  reference(&ref, &s, MQS_V5);
  size_t big = 8; /* the packet with a 2-byte Remaining Length */
  size_t start = s.ends[big - 1];
  size_t cuts[] = {start + 1, start + 2, start + 3, start + 100, s.ends[big] - 1};
  for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
    reader r;
    reader_init(&r, MQS_V5);
    reader_feed(&r, s.bytes, cuts[c]);
    assert_int_equal(r.n, big);
    reader_feed(&r, s.bytes + cuts[c], s.ends[big] - cuts[c]);
    assert_int_equal(r.n, big + 1);
    reader_feed(&r, s.bytes + s.ends[big], s.len - s.ends[big]);
    check_same("several then split", &ref, &r);
    reader_free(&r);
  }
  reader_free(&ref);
  free(s.bytes);
}

/* A packet with a 3-byte Remaining Length, cut everywhere in its header
 * and at a few places in its body. */
static void test_large_packet_splits(void **state) {
  (void)state;
  size_t payload = 20000, rl = 5 + payload, total = 1 + 3 + rl;
  uint8_t *p = malloc(total + 2);
  assert_non_null(p);
  p[0] = 0x30;
  p[1] = (uint8_t)(0x80 | (rl & 0x7F));
  p[2] = (uint8_t)(0x80 | ((rl >> 7) & 0x7F));
  p[3] = (uint8_t)(rl >> 14);
  hex_parse("00 03 'x/y'", p + 4, 5);
  for (size_t i = 0; i < payload; i++)
    p[9 + i] = (uint8_t)(i * 7);
  p[total] = 0xC0; /* and a PINGREQ after it */
  p[total + 1] = 0x00;
  stream s = {0};
  stream_add(&s, p, total);
  stream_add(&s, p + total, 2);
  reader ref;
  reference(&ref, &s, MQS_V311);
  size_t cuts[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 4096, total - 1, total, total + 1};
  for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
    reader r;
    reader_init(&r, MQS_V311);
    reader_feed(&r, s.bytes, cuts[c]);
    assert_int_equal(r.n, cuts[c] >= total ? 1 : 0);
    reader_feed(&r, s.bytes + cuts[c], s.len - cuts[c]);
    check_same("large packet", &ref, &r);
    reader_free(&r);
  }
  reader_free(&ref);
  free(s.bytes);
  free(p);
}

/* A broken packet in the middle of a stream: those before it decode, and
 * the error's offset counts from the start of the broken packet. */
static void test_error_mid_stream(void **state) {
  (void)state;
  const char *hex = "C0 00 | 40 02 00 07 | 32 05 00 01 'a' 00 00 | D0 00";
  size_t len;
  uint8_t *b = hex_alloc(hex, &len);
  mqs_guard g = {0};
  mqs_packet p;
  mqs_violation why;
  mqs_decode_opts o = {.version = MQS_V311};
  size_t off = 0;
  assert_int_equal(guard_decode(&g, b + off, len - off, &o, &p, &why), 2);
  off += 2;
  assert_int_equal(guard_decode(&g, b + off, len - off, &o, &p, &why), 4);
  off += 4;
  assert_int_equal(guard_decode(&g, b + off, len - off, &o, &p, &why), MQS_EPROTOCOL);
  assert_int_equal(why.rule, MQS_RULE_PACKET_ID_ZERO);
  assert_int_equal(why.offset, 5);
  guard_release(&g);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v311_stream_splits), cmocka_unit_test(test_v5_stream_splits),
      cmocka_unit_test(test_several_then_split), cmocka_unit_test(test_large_packet_splits),
      cmocka_unit_test(test_error_mid_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
