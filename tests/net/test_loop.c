/* tests/net/test_loop.c — the event loop's descriptors: events, EOF,
 * removal and changes from inside callbacks, pausing, thousands of fds;
 * running, stopping, nesting. Timers are in test_timer.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqs/loop.h"
#include "net_test.h"

static void make_pair(int sv[2]) {
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

/* ---- descriptors ---- */

static void unused_fd_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  (void)l, (void)fd, (void)ev, (void)arg;
  fail_msg("callback of an fd that should not be ready");
}

static void test_fd_errors(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int sv[2];
  make_pair(sv);
  assert_int_equal(mqs_loop_fd_add(l, -1, MQS_LOOP_READ, unused_fd_cb, NULL), -EBADF);
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, NULL, NULL), -EINVAL);
  assert_int_equal(mqs_loop_fd_add(l, sv[0], 0x40, unused_fd_cb, NULL), -EINVAL);
  assert_int_equal(mqs_loop_fd_modify(l, sv[0], MQS_LOOP_READ), -ENOENT);
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), -ENOENT);
  assert_int_equal(mqs_loop_fd_remove(l, 100000), -ENOENT);
  assert_int_equal(mqs_loop_fd_mask(l, sv[0]), -ENOENT);
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, unused_fd_cb, NULL), 0);
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, unused_fd_cb, NULL), -EEXIST);
  assert_int_equal(mqs_loop_fd_mask(l, sv[0]), (int)MQS_LOOP_READ);
  assert_int_equal(mqs_loop_fd_modify(l, sv[0], MQS_LOOP_HUP), -EINVAL);
  assert_int_equal(mqs_loop_fd_mask(l, sv[0]), (int)MQS_LOOP_READ);
  assert_int_equal(mqs_loop_run_once(l, 0), 0); /* nothing to read */
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), 0);
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), -ENOENT);
  /* Regular files cannot be polled: epoll says EPERM. */
  char path[] = "/tmp/mqs_loop_test_XXXXXX";
  int f = mkstemp(path);
  assert_true(f >= 0);
  unlink(path);
  assert_int_equal(mqs_loop_fd_add(l, f, MQS_LOOP_READ, unused_fd_cb, NULL), -EPERM);
  assert_int_equal(mqs_loop_fd_mask(l, f), -ENOENT);
  close(f);
  /* Removing an fd closed behind the loop's back still succeeds. */
  assert_int_equal(mqs_loop_fd_add(l, sv[1], MQS_LOOP_READ, unused_fd_cb, NULL), 0);
  close(sv[1]);
  assert_int_equal(mqs_loop_fd_remove(l, sv[1]), 0);
  close(sv[0]);
  mqs_loop_destroy(l);
}

struct reader {
  int fd;
  unsigned events;
  int calls;
  char buf[16];
  ssize_t got;
  int eof;
};

static void reader_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct reader *r = arg;
  (void)l;
  assert_int_equal(fd, r->fd);
  r->events |= ev;
  r->calls++;
  ssize_t n = read(fd, r->buf, sizeof r->buf);
  if (n > 0) r->got += n;
  if (n == 0) r->eof = 1;
}

static void test_fd_read_and_eof(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int sv[2];
  make_pair(sv);
  struct reader r = {.fd = sv[0]};
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, reader_cb, &r), 0);
  assert_int_equal(mqs_loop_run_once(l, 0), 0);
  assert_int_equal(write(sv[1], "abc", 3), 3);
  assert_int_equal(mqs_loop_run_once(l, NET_TEST_PATIENCE_MS), 1);
  assert_int_equal(r.got, 3);
  assert_true(r.events & MQS_LOOP_READ);
  assert_false(r.events & MQS_LOOP_WRITE); /* not asked for, though writable */
  assert_memory_equal(r.buf, "abc", 3);
  close(sv[1]);
  run_until(l, &r.eof);
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), 0);
  close(sv[0]);
  mqs_loop_destroy(l);
}

/* Two readable fds in one batch: whichever is called first removes and
 * closes the other, and puts a fresh socket under the same number. The
 * event already collected for the old one must reach neither callback. */
struct swap_ctx {
  int fd[2];
  int calls;
  int fresh_calls;
  int sv_new[2];
};

static void fresh_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct swap_ctx *c = arg;
  char b;
  (void)l, (void)ev;
  c->fresh_calls++;
  assert_int_equal(read(fd, &b, 1), 1);
}

static void swap_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct swap_ctx *c = arg;
  (void)ev;
  c->calls++;
  int other = fd == c->fd[0] ? c->fd[1] : c->fd[0];
  make_pair(c->sv_new); /* first, so that dup2 is what reuses the number */
  assert_int_equal(mqs_loop_fd_remove(l, other), 0);
  close(other);
  assert_int_equal(dup2(c->sv_new[0], other), other);
  close(c->sv_new[0]);
  c->sv_new[0] = other;
  assert_int_equal(mqs_loop_fd_add(l, other, MQS_LOOP_READ, fresh_cb, c), 0);
  /* And itself, too. */
  assert_int_equal(mqs_loop_fd_remove(l, fd), 0);
}

static void test_fd_remove_inside_callback(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int a[2], b[2];
  make_pair(a);
  make_pair(b);
  struct swap_ctx c = {.fd = {a[0], b[0]}};
  assert_int_equal(mqs_loop_fd_add(l, a[0], MQS_LOOP_READ, swap_cb, &c), 0);
  assert_int_equal(mqs_loop_fd_add(l, b[0], MQS_LOOP_READ, swap_cb, &c), 0);
  assert_int_equal(write(a[1], "x", 1), 1);
  assert_int_equal(write(b[1], "y", 1), 1);
  assert_int_equal(mqs_loop_run_once(l, NET_TEST_PATIENCE_MS), 1);
  assert_int_equal(c.calls, 1);
  assert_int_equal(c.fresh_calls, 0);
  /* The new registration works. */
  assert_int_equal(write(c.sv_new[1], "z", 1), 1);
  assert_int_equal(mqs_loop_run_once(l, NET_TEST_PATIENCE_MS), 1);
  assert_int_equal(c.fresh_calls, 1);
  assert_int_equal(mqs_loop_fd_remove(l, c.sv_new[0]), 0);
  for (int i = 0; i < 2; i++) close(c.sv_new[i]);
  /* the first-called fd was removed but is still ours to close; the other was closed */
  close(c.fd[0] == c.sv_new[0] ? c.fd[1] : c.fd[0]);
  close(a[1]);
  close(b[1]);
  mqs_loop_destroy(l);
}

/* A callback that turns another fd's interest off: the pending event for
 * it in the same batch is dropped. */
struct mute_ctx {
  int fd[2];
  int calls[2];
};

static void mute_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct mute_ctx *c = arg;
  (void)ev;
  int me = fd == c->fd[0] ? 0 : 1;
  c->calls[me]++;
  assert_int_equal(mqs_loop_fd_modify(l, c->fd[1 - me], 0), 0);
  assert_int_equal(mqs_loop_fd_modify(l, fd, 0), 0);
}

static void test_fd_modify_inside_callback(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int a[2], b[2];
  make_pair(a);
  make_pair(b);
  struct mute_ctx c = {.fd = {a[0], b[0]}};
  /* Writable at once: both events come in the first batch. */
  assert_int_equal(mqs_loop_fd_add(l, a[0], MQS_LOOP_WRITE, mute_cb, &c), 0);
  assert_int_equal(mqs_loop_fd_add(l, b[0], MQS_LOOP_WRITE, mute_cb, &c), 0);
  assert_int_equal(mqs_loop_run_once(l, NET_TEST_PATIENCE_MS), 1);
  assert_int_equal(c.calls[0] + c.calls[1], 1);
  assert_int_equal(mqs_loop_run_once(l, 0), 0);
  /* Paused fds keep nothing alive: run returns at once. */
  assert_int_equal(mqs_loop_run(l), 0);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(mqs_loop_fd_remove(l, c.fd[i]), 0);
    close(a[i]);
    close(b[i]);
  }
  mqs_loop_destroy(l);
}

/* Interest 0 takes the fd out of epoll: a hung-up peer cannot wake (or
 * spin) the loop until the interest comes back. */
static void test_fd_pause_and_resume(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int sv[2];
  make_pair(sv);
  struct reader r = {.fd = sv[0]};
  assert_int_equal(mqs_loop_fd_add(l, sv[0], 0, reader_cb, &r), 0);
  assert_int_equal(mqs_loop_fd_mask(l, sv[0]), 0);
  close(sv[1]); /* HUP and EOF on sv[0] */
  assert_int_equal(mqs_loop_run_once(l, 20), 0);
  assert_int_equal(r.calls, 0);
  assert_int_equal(mqs_loop_fd_modify(l, sv[0], MQS_LOOP_READ), 0);
  assert_int_equal(mqs_loop_run_once(l, NET_TEST_PATIENCE_MS), 1);
  assert_int_equal(r.eof, 1);
  assert_true(r.events & MQS_LOOP_HUP);
  assert_int_equal(mqs_loop_fd_modify(l, sv[0], 0), 0);
  assert_int_equal(mqs_loop_fd_modify(l, sv[0], 0), 0); /* twice is fine */
  assert_int_equal(mqs_loop_run_once(l, 0), 0);
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), 0);
  close(sv[0]);
  mqs_loop_destroy(l);
}

/* ---- many descriptors ---- */

#define NPAIRS 2000

struct many {
  int (*sv)[2];
  int writes, reads;
  int64_t guard;
  int timed_out;
};

static void many_write_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct many *m = arg;
  assert_true(ev & MQS_LOOP_WRITE);
  assert_int_equal(write(fd, "!", 1), 1);
  m->writes++;
  assert_int_equal(mqs_loop_fd_modify(l, fd, 0), 0); /* once is enough */
}

static void many_read_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct many *m = arg;
  char b;
  assert_true(ev & MQS_LOOP_READ);
  assert_int_equal(read(fd, &b, 1), 1);
  assert_int_equal(b, '!');
  m->reads++;
  assert_int_equal(mqs_loop_fd_remove(l, fd), 0);
  if (m->reads == NPAIRS) assert_int_equal(mqs_loop_timer_cancel(l, m->guard), 0);
}

static void guard_cb(mqs_loop *l, int64_t id, void *arg) {
  struct many *m = arg;
  (void)id;
  m->timed_out = 1;
  mqs_loop_stop(l);
}

static void test_many_fds(void **state) {
  (void)state;
  if (raise_nofile(2 * NPAIRS + 64) < 0) skip();
  mqs_loop *l = new_loop();
  struct many m = {0};
  m.sv = calloc(NPAIRS, sizeof *m.sv);
  assert_non_null(m.sv);
  int maxfd = 0;
  for (int i = 0; i < NPAIRS; i++) {
    make_pair(m.sv[i]);
    if (m.sv[i][1] > maxfd) maxfd = m.sv[i][1];
    assert_int_equal(mqs_loop_fd_add(l, m.sv[i][0], MQS_LOOP_READ, many_read_cb, &m), 0);
    assert_int_equal(mqs_loop_fd_add(l, m.sv[i][1], MQS_LOOP_WRITE, many_write_cb, &m), 0);
  }
  assert_true(maxfd > 1024); /* past FD_SETSIZE: no select() limits here */
  m.guard = mqs_loop_timer_add(l, NET_TEST_PATIENCE_MS, guard_cb, &m);
  assert_true(m.guard > 0);
  /* Ends by itself: readers remove themselves, writers pause themselves,
   * the last reader cancels the guard, nothing is left to wait for. */
  assert_int_equal(mqs_loop_run(l), 0);
  assert_false(m.timed_out);
  assert_int_equal(m.writes, NPAIRS);
  assert_int_equal(m.reads, NPAIRS);
  for (int i = 0; i < NPAIRS; i++) {
    assert_int_equal(mqs_loop_fd_mask(l, m.sv[i][0]), -ENOENT);
    assert_int_equal(mqs_loop_fd_mask(l, m.sv[i][1]), 0);
    assert_int_equal(mqs_loop_fd_remove(l, m.sv[i][1]), 0);
    close(m.sv[i][0]);
    close(m.sv[i][1]);
  }
  free(m.sv);
  mqs_loop_destroy(l);
}

/* ---- running and stopping ---- */

struct stop_ctx {
  int ticks;
};

static void tick_cb(mqs_loop *l, int64_t id, void *arg) {
  struct stop_ctx *c = arg;
  (void)id;
  if (++c->ticks == 3)
    mqs_loop_stop(l);
  else
    assert_true(mqs_loop_timer_add(l, 1, tick_cb, c) > 0);
}

static void test_run_and_stop(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  assert_int_equal(mqs_loop_time(l), 0);
  assert_int_equal(mqs_loop_run(l), 0); /* nothing to wait for */
  int sv[2];
  make_pair(sv);
  /* An fd that never becomes ready would keep run going forever: only
   * mqs_loop_stop ends it. */
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, unused_fd_cb, NULL), 0);
  struct stop_ctx c = {0};
  assert_true(mqs_loop_timer_add(l, 1, tick_cb, &c) > 0);
  uint64_t before = mqs_loop_now_ms();
  assert_int_equal(mqs_loop_run(l), 0);
  assert_int_equal(c.ticks, 3);
  assert_true(mqs_loop_time(l) >= before);
  assert_true(mqs_loop_time(l) <= mqs_loop_now_ms());
  /* run_once with a limit and nothing ready returns 0 after waiting. */
  assert_int_equal(mqs_loop_run_once(l, 1), 0);
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), 0);
  close(sv[0]);
  close(sv[1]);
  mqs_loop_destroy(l);
  mqs_loop_destroy(NULL);
}

/* Running the loop from one of its own callbacks is refused, and does
 * not undo a stop asked for in the same callback. */
struct nest_ctx {
  int once_rc, run_rc;
};

static void nest_cb(mqs_loop *l, int64_t id, void *arg) {
  struct nest_ctx *c = arg;
  (void)id;
  mqs_loop_stop(l);
  c->once_rc = mqs_loop_run_once(l, 0);
  c->run_rc = mqs_loop_run(l);
}

static void test_nested_run_refused(void **state) {
  (void)state;
  mqs_loop *l = new_loop();
  int sv[2];
  make_pair(sv);
  assert_int_equal(mqs_loop_fd_add(l, sv[0], MQS_LOOP_READ, unused_fd_cb, NULL), 0);
  struct nest_ctx c = {0, 0};
  assert_true(mqs_loop_timer_add(l, 0, nest_cb, &c) > 0);
  assert_int_equal(mqs_loop_run(l), 0); /* stopped: the fd alone would keep it going */
  assert_int_equal(c.once_rc, -EBUSY);
  assert_int_equal(c.run_rc, -EBUSY);
  assert_int_equal(mqs_loop_run_once(l, 0), 0); /* usable again outside */
  assert_int_equal(mqs_loop_fd_remove(l, sv[0]), 0);
  close(sv[0]);
  close(sv[1]);
  mqs_loop_destroy(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fd_errors),
      cmocka_unit_test(test_fd_read_and_eof),
      cmocka_unit_test(test_fd_remove_inside_callback),
      cmocka_unit_test(test_fd_modify_inside_callback),
      cmocka_unit_test(test_fd_pause_and_resume),
      cmocka_unit_test(test_many_fds),
      cmocka_unit_test(test_run_and_stop),
      cmocka_unit_test(test_nested_run_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
