/* tests/net/test_timer.c — the event loop's timers: order, cancelling
 * (from inside callbacks too), 0 ms timers, the heap under churn. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "mqs/loop.h"
#include "net_test.h"

/* ---- timers ---- */

struct record {
  int order[64];
  uint64_t at[64];
  int n;
};

struct tag {
  struct record *rec;
  int name;
};

static void record_cb(mqs_loop *l, int64_t id, void *arg) {
  struct tag *t = arg;
  (void)id;
  assert_true(t->rec->n < 64);
  t->rec->at[t->rec->n] = mqs_loop_now_ms();
  (void)l;
  t->rec->order[t->rec->n++] = t->name;
}

static void test_timers_fire_in_order(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  struct record rec = {0};
  /* Added out of order; equal delays fire in order of addition. */
  static const uint64_t delay[] = {30, 10, 20, 0, 10, 0};
  static const int expect[] = {3, 5, 1, 4, 2, 0};
  struct tag tags[6];
  uint64_t start = mqs_loop_now_ms();
  for (int i = 0; i < 6; i++) {
    tags[i] = (struct tag){&rec, i};
    assert_true(mqs_loop_timer_add(l, delay[i], record_cb, &tags[i]) > 0);
  }
  assert_int_equal(mqs_loop_run(l), 0); /* returns: nothing left to wait for */
  assert_int_equal(rec.n, 6);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(rec.order[i], expect[i]);
    assert_true(rec.at[i] >= start + delay[expect[i]]); /* never early */
  }
  assert_true(mqs_loop_time(l) >= start);
  mqs_loop_destroy(l);
}

static void test_timer_cancel(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  struct record rec = {0};
  struct tag a = {&rec, 1}, b = {&rec, 2};
  int64_t ia = mqs_loop_timer_add(l, 5, record_cb, &a);
  int64_t ib = mqs_loop_timer_add(l, 10, record_cb, &b);
  assert_true(ia > 0 && ib > 0 && ia != ib);
  assert_int_equal(mqs_loop_timer_cancel(l, ia), 0);
  assert_int_equal(mqs_loop_timer_cancel(l, ia), -ENOENT); /* twice */
  assert_int_equal(mqs_loop_timer_cancel(l, 0), -ENOENT);
  assert_int_equal(mqs_loop_timer_cancel(l, -3), -ENOENT);
  assert_int_equal(mqs_loop_timer_cancel(l, INT64_MAX), -ENOENT);
  assert_int_equal(mqs_loop_run(l), 0);
  assert_int_equal(rec.n, 1);
  assert_int_equal(rec.order[0], 2);
  assert_int_equal(mqs_loop_timer_cancel(l, ib), -ENOENT); /* fired */

  /* A fired id stays dead when its slot is reused by a new timer. */
  int64_t ic = mqs_loop_timer_add(l, 0, record_cb, &a);
  assert_true(ic > 0 && ic != ia && ic != ib);
  assert_int_equal(mqs_loop_timer_cancel(l, ia), -ENOENT);
  assert_int_equal(mqs_loop_timer_cancel(l, ib), -ENOENT);
  assert_int_equal(mqs_loop_run(l), 0);
  assert_int_equal(rec.n, 2);
  assert_int_equal(mqs_loop_timer_add(l, 0, NULL, NULL), -EINVAL);
  /* Pending timers are dropped, not called, by destroy (ASan checks the leak). */
  assert_true(mqs_loop_timer_add(l, 100000, record_cb, &a) > 0);
  mqs_loop_destroy(l);
  assert_int_equal(rec.n, 2);
}

/* The first timer to fire cancels itself (too late: -ENOENT) and the other,
 * which is due in the same pass. */
struct pair_ctx {
  int64_t id[2];
  int fired[2];
  int self_rc, other_rc;
};

static void cancel_both_cb(mqs_loop *l, int64_t id, void *arg) {
  struct pair_ctx *c = arg;
  int me = id == c->id[0] ? 0 : 1;
  assert_int_equal(id, c->id[me]);
  c->fired[me]++;
  c->self_rc = mqs_loop_timer_cancel(l, id);
  c->other_rc = mqs_loop_timer_cancel(l, c->id[1 - me]);
}

static void test_timer_cancel_inside_callback(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  struct pair_ctx c = {0};
  c.id[0] = mqs_loop_timer_add(l, 0, cancel_both_cb, &c);
  c.id[1] = mqs_loop_timer_add(l, 0, cancel_both_cb, &c);
  assert_int_equal(mqs_loop_run(l), 0);
  assert_int_equal(c.fired[0] + c.fired[1], 1);
  assert_int_equal(c.fired[0], 1); /* order of addition */
  assert_int_equal(c.self_rc, -ENOENT);
  assert_int_equal(c.other_rc, 0);
  mqs_loop_destroy(l);
}

/* A 0 ms timer added by a timer waits for the next pass: a callback that
 * re-arms itself cannot keep the loop in one pass forever. */
struct rearm_ctx {
  int fired, limit;
};

static void rearm_cb(mqs_loop *l, int64_t id, void *arg) {
  struct rearm_ctx *c = arg;
  (void)id;
  if (++c->fired < c->limit) assert_true(mqs_loop_timer_add(l, 0, rearm_cb, c) > 0);
}

static void test_timer_zero_waits_next_pass(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  struct rearm_ctx c = {0, 3};
  assert_true(mqs_loop_timer_add(l, 0, rearm_cb, &c) > 0);
  assert_int_equal(mqs_loop_run_once(l, 1000), 1);
  assert_int_equal(c.fired, 1);
  assert_int_equal(mqs_loop_run_once(l, 1000), 1);
  assert_int_equal(c.fired, 2);
  assert_int_equal(mqs_loop_run_once(l, 1000), 1);
  assert_int_equal(c.fired, 3);
  assert_int_equal(mqs_loop_run_once(l, 0), 0);
  mqs_loop_destroy(l);
}

/* Many timers, half cancelled in random order, some cancelled from inside
 * callbacks: the rest fire exactly once, in (due, added) order. */
#define CHURN 3000

struct churn {
  int64_t id[CHURN];
  uint64_t lo[CHURN], hi[CHURN]; /* the due tick lies between: the clock may tick during add */
  int fired[CHURN], cancelled[CHURN];
  int last, nfired;
};

static struct churn *churn_ctx;

static void churn_cb(mqs_loop *l, int64_t id, void *arg) {
  struct churn *c = churn_ctx;
  int i = (int)(intptr_t)arg;
  assert_int_equal(c->id[i], id);
  assert_false(c->cancelled[i]);
  assert_int_equal(c->fired[i], 0);
  if (c->last >= 0) {
    int p = c->last;
    assert_false(c->hi[i] < c->lo[p]); /* due surely earlier, yet fired later */
    if (c->lo[i] == c->hi[i] && c->lo[p] == c->hi[p] && c->lo[i] == c->lo[p])
      assert_true(i > p); /* same due tick: order of addition */
  }
  c->fired[i] = 1;
  c->last = i;
  c->nfired++;
  /* Every seventh fired timer cancels the next one, if still pending. */
  if (i % 7 == 0 && i + 1 < CHURN && !c->fired[i + 1] && !c->cancelled[i + 1]) {
    assert_int_equal(mqs_loop_timer_cancel(l, c->id[i + 1]), 0);
    c->cancelled[i + 1] = 1;
  }
}

static void test_timer_heap_churn(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  struct churn *c = calloc(1, sizeof *c);
  assert_non_null(c);
  churn_ctx = c;
  uint32_t seed = 12345;
  /* Delays in 0..29 ms; due times compared in the loop's own ticks. */
  for (int i = 0; i < CHURN; i++) {
    seed = seed * 1103515245u + 12345u;
    uint64_t d = (seed >> 16) % 30;
    c->lo[i] = mqs_loop_now_ms() + d;
    c->id[i] = mqs_loop_timer_add(l, d, churn_cb, (void *)(intptr_t)i);
    c->hi[i] = mqs_loop_now_ms() + d;
    assert_true(c->id[i] > 0);
  }
  int cancelled = 0;
  for (int k = 0; k < CHURN / 2; k++) {
    seed = seed * 1103515245u + 12345u;
    int i = (int)((seed >> 8) % CHURN);
    int rc = mqs_loop_timer_cancel(l, c->id[i]);
    assert_int_equal(rc, c->cancelled[i] ? -ENOENT : 0);
    if (!c->cancelled[i]) cancelled++;
    c->cancelled[i] = 1;
  }
  c->last = -1;
  assert_int_equal(mqs_loop_run(l), 0);
  int pending = 0;
  for (int i = 0; i < CHURN; i++) {
    assert_true(c->fired[i] != c->cancelled[i]);
    pending += c->fired[i];
  }
  assert_int_equal(pending, c->nfired);
  assert_true(cancelled >= CHURN / 4);
  free(c);
  mqs_loop_destroy(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_timers_fire_in_order),
      cmocka_unit_test(test_timer_cancel),
      cmocka_unit_test(test_timer_cancel_inside_callback),
      cmocka_unit_test(test_timer_zero_waits_next_pass),
      cmocka_unit_test(test_timer_heap_churn),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
