/* tests/harness/test_wire_decode.c — packets found again in split reads:
 * each decoded once, when complete, and reported with the right events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_fixture.h"
#include "wire_decode.h"

/* What a callback saw, copied out. */
typedef struct {
  uint32_t conn;
  int dir;
  uint64_t offset;
  size_t len, first_event, last_event;
  int status;
  bool unframed, has_why;
  int type; /* decoded packet type, or -1 */
  int version;
  uint8_t first_byte;
} seen;

typedef struct {
  seen v[64];
  size_t n;
  int stop_after; /* return 7 from this call on (1-based), 0: never */
} log_t;

static int record(const mqs_wire_packet *p, void *ctx) {
  log_t *l = ctx;
  assert_true(l->n < 64);
  assert_non_null(p->bytes);
  assert_true(p->len > 0);
  l->v[l->n++] = (seen){.conn = p->conn,
                        .dir = (int)p->dir,
                        .offset = p->offset,
                        .len = p->len,
                        .first_event = p->first_event,
                        .last_event = p->last_event,
                        .status = p->status,
                        .unframed = p->unframed,
                        .has_why = p->why != NULL,
                        .type = p->status == 0 ? (int)p->packet->type : -1,
                        .version = (int)p->version,
                        .first_byte = p->bytes[0]};
  return l->stop_after && (int)l->n >= l->stop_after ? 7 : 0;
}

static int cmp_expected(const void *a, const void *b) {
  const fx_packet *x = a, *y = b;
  if (x->listed_in != y->listed_in) return x->listed_in < y->listed_in ? -1 : 1;
  if (x->conn != y->conn) return x->conn < y->conn ? -1 : 1;
  if (x->dir != y->dir) return x->dir - y->dir;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Every scenario of the fixture: the packets the marks promise, in the
 * events the marks put them in. */
static void test_fixture_packets(void **state) {
  (void)state;
  fx_run f;
  fx_build(&f);
  for (size_t i = 0; i < f.run.n; i++) {
    const mqs_scenario_result *r = &f.run.results[i];
    fx_expect *x = &f.expect[i];
    log_t l = {0};
    assert_int_equal(mqs_wire_decode(&r->transcript, record, &l), 0);
    qsort(x->v, x->n, sizeof *x->v, cmp_expected);
    if (l.n != x->n) fail_msg("%s: %zu packets reported, %zu expected", r->id, l.n, x->n);
    for (size_t k = 0; k < x->n; k++) {
      const fx_packet *e = &x->v[k];
      const seen *s = &l.v[k];
      if (s->conn != e->conn || s->dir != e->dir || s->offset != e->offset || s->len != e->len ||
          s->first_event != e->first_event || s->last_event != e->listed_in)
        fail_msg("%s packet %zu: got conn %u dir %d offset %llu len %zu events %zu..%zu; "
                 "want conn %u dir %d offset %llu len %zu events %zu..%zu",
                 r->id, k, s->conn, s->dir, (unsigned long long)s->offset, s->len, s->first_event,
                 s->last_event, e->conn, e->dir, (unsigned long long)e->offset, e->len,
                 e->first_event, e->listed_in);
      switch (e->mark) {
      case '|':
        assert_int_equal(s->status, 0);
        assert_int_equal(s->type, e->type);
        break;
      case '!':
        assert_true(s->status < 0 && s->status != MQS_INCOMPLETE);
        assert_true(s->has_why);
        assert_false(s->unframed);
        break;
      case '~':
        assert_true(s->unframed);
        assert_false(s->has_why);
        break;
      case '?': assert_int_equal(s->status, MQS_INCOMPLETE); break;
      }
      assert_int_equal(s->first_byte >> 4, e->type);
    }
  }
  fx_free(&f);
}

/* A transcript of one connection's writes, cut where told. */
static void cut_stream(mqs_transcript *t, mqs_wire_event *ev, uint8_t *data, size_t len,
                       const size_t *cuts, size_t n_cuts) {
  memset(t, 0, sizeof *t);
  t->version = 5;
  t->ev = ev;
  size_t at = 0;
  for (size_t k = 0; k <= n_cuts; k++) {
    size_t end = k < n_cuts ? cuts[k] : len;
    ev[t->n++] = (mqs_wire_event){
        .kind = MQS_WIRE_SENT, .conn = 3, .client = "c", .data = data + at, .len = end - at};
    at = end;
  }
}

/* CONNECT, SUBSCRIBE, PUBLISH QoS 1, PINGREQ, DISCONNECT (MQTT 5). */
static uint8_t session[] = {0x10, 0x10, 0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05, 0x02, 0x00, 0x3c,
                            0x00, 0x00, 0x03, 'c',  'i',  'd',  0x82, 0x09, 0x00, 0x01, 0x00, 0x00,
                            0x03, 'a',  '/',  'b',  0x01, 0x32, 0x0d, 0x00, 0x03, 'a',  '/',  'b',
                            0x00, 0x02, 0x00, 'h',  'e',  'l',  'l',  'o',  0xc0, 0x00, 0xe0, 0x00};
static const size_t session_ends[] = {18, 29, 44, 46, 48};
static const int session_types[] = {1, 8, 3, 12, 14};

/* Cut the session in two at every byte: the same five packets, each in the
 * event that holds its last byte. */
static void test_every_two_way_split(void **state) {
  (void)state;
  for (size_t cut = 1; cut < sizeof session; cut++) {
    mqs_transcript t;
    mqs_wire_event ev[2];
    cut_stream(&t, ev, session, sizeof session, &cut, 1);
    log_t l = {0};
    assert_int_equal(mqs_wire_decode(&t, record, &l), 0);
    assert_int_equal(l.n, 5);
    for (size_t k = 0; k < 5; k++) {
      size_t start = k ? session_ends[k - 1] : 0;
      assert_int_equal(l.v[k].status, 0);
      assert_int_equal(l.v[k].type, session_types[k]);
      assert_int_equal(l.v[k].offset, start);
      assert_int_equal(l.v[k].len, session_ends[k] - start);
      assert_int_equal(l.v[k].last_event, session_ends[k] <= cut ? 0 : 1);
      assert_int_equal(l.v[k].first_event, start < cut ? 0 : 1);
      assert_int_equal(l.v[k].conn, 3);
    }
  }
}

/* One byte per read: a packet spans up to 18 events. */
static void test_one_byte_reads(void **state) {
  (void)state;
  size_t cuts[sizeof session - 1];
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
    cuts[i] = i + 1;
  mqs_transcript t;
  mqs_wire_event ev[sizeof session];
  cut_stream(&t, ev, session, sizeof session, cuts, sizeof cuts / sizeof cuts[0]);
  log_t l = {0};
  assert_int_equal(mqs_wire_decode(&t, record, &l), 0);
  assert_int_equal(l.n, 5);
  for (size_t k = 0; k < 5; k++) {
    size_t start = k ? session_ends[k - 1] : 0;
    assert_int_equal(l.v[k].first_event, start);
    assert_int_equal(l.v[k].last_event, session_ends[k] - 1);
  }
}

/* Thousands of packets in one read, the last cut by the next read: each
 * reported once, in order, the cut one with the second read. */
static int count_pings(const mqs_wire_packet *p, void *ctx) {
  size_t *n = ctx;
  assert_int_equal(p->status, 0);
  assert_int_equal(p->packet->type, MQS_PINGREQ);
  assert_int_equal(p->offset, 2 * *n);
  assert_int_equal(p->last_event, *n < 9999 ? 0 : 1);
  (*n)++;
  return 0;
}

static void test_many_packets_in_one_read(void **state) {
  (void)state;
  enum { N = 10000 };
  static uint8_t pings[2 * N];
  for (size_t i = 0; i < N; i++)
    pings[2 * i] = 0xc0, pings[2 * i + 1] = 0x00;
  mqs_transcript t;
  mqs_wire_event ev[2];
  size_t cut = 2 * N - 1;
  cut_stream(&t, ev, pings, sizeof pings, &cut, 1);
  size_t n = 0;
  assert_int_equal(mqs_wire_decode(&t, count_pings, &n), 0);
  assert_int_equal(n, N);
}

/* A 3.1.1 CONNECT in a transcript marked MQTT 5: what follows on that
 * connection, both ways, is read as 3.1.1. A 3.1.1 SUBACK with a failure
 * code would be malformed as MQTT 5 (0x80 read as a property length). */
static void test_connect_sets_version(void **state) {
  (void)state;
  uint8_t connect4[] = {0x10, 0x0f, 0x00, 0x04, 'M',  'Q', 'T', 'T', 0x04,
                        0x02, 0x00, 0x3c, 0x00, 0x03, 'c', 'i', 'd'};
  uint8_t suback4[] = {0x90, 0x03, 0x00, 0x01, 0x80};
  mqs_wire_event ev[] = {
      {.kind = MQS_WIRE_OPEN, .conn = 0},
      {.kind = MQS_WIRE_SENT, .conn = 0, .data = connect4, .len = sizeof connect4},
      {.kind = MQS_WIRE_RECEIVED, .conn = 0, .data = suback4, .len = sizeof suback4},
      {.kind = MQS_WIRE_RECEIVED, .conn = 1, .data = suback4, .len = sizeof suback4},
  };
  mqs_transcript t = {.ev = ev, .n = 4, .cap = 4, .version = 5};
  log_t l = {0};
  assert_int_equal(mqs_wire_decode(&t, record, &l), 0);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.v[0].version, 5); /* the CONNECT itself: as the transcript says */
  assert_int_equal(l.v[1].version, 4);
  assert_int_equal(l.v[1].status, 0);
  assert_int_equal(l.v[1].type, 9);
  /* another connection, with no CONNECT seen, stays at the transcript's version */
  assert_int_equal(l.v[2].conn, 1);
  assert_int_equal(l.v[2].version, 5);
  assert_true(l.v[2].status < 0);
}

/* A callback's nonzero return stops the walk and is returned. */
static void test_callback_stops(void **state) {
  (void)state;
  mqs_transcript t;
  mqs_wire_event ev[1];
  cut_stream(&t, ev, session, sizeof session, NULL, 0);
  log_t l = {.stop_after = 2};
  assert_int_equal(mqs_wire_decode(&t, record, &l), 7);
  assert_int_equal(l.n, 2);
}

/* Nothing to decode: no call. Empty reads are harmless. */
static void test_empty(void **state) {
  (void)state;
  mqs_wire_event ev[] = {{.kind = MQS_WIRE_OPEN},
                         {.kind = MQS_WIRE_SENT, .data = NULL, .len = 0},
                         {.kind = MQS_WIRE_CLOSED_LOCAL}};
  mqs_transcript t = {.ev = ev, .n = 3, .cap = 3, .version = 4};
  log_t l = {0};
  assert_int_equal(mqs_wire_decode(&t, record, &l), 0);
  assert_int_equal(l.n, 0);
}

/* Bytes that never complete a packet are reported at the transcript's end,
 * with the last event that carried them. */
static void test_leftover_at_end(void **state) {
  (void)state;
  mqs_transcript t;
  mqs_wire_event ev[2];
  size_t cut = 20; /* CONNECT, then 2 of SUBSCRIBE's 11 bytes */
  cut_stream(&t, ev, session, 22, &cut, 1);
  log_t l = {0};
  assert_int_equal(mqs_wire_decode(&t, record, &l), 0);
  assert_int_equal(l.n, 2);
  assert_int_equal(l.v[1].status, MQS_INCOMPLETE);
  assert_int_equal(l.v[1].offset, 18);
  assert_int_equal(l.v[1].len, 4);
  assert_int_equal(l.v[1].first_event, 0);
  assert_int_equal(l.v[1].last_event, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_packets), cmocka_unit_test(test_every_two_way_split),
      cmocka_unit_test(test_one_byte_reads),  cmocka_unit_test(test_connect_sets_version),
      cmocka_unit_test(test_callback_stops),  cmocka_unit_test(test_empty),
      cmocka_unit_test(test_leftover_at_end), cmocka_unit_test(test_many_packets_in_one_read),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
