/* tests/net/net_test.h — helpers shared by the net tests (static inline, so
 * each test binary takes only what it uses). Include after cmocka.h. */
#ifndef MQS_NET_TEST_H
#define MQS_NET_TEST_H

#include <errno.h>
#include <poll.h>
#include <sys/resource.h>

#include "mqs/loop.h"

/* Generous upper bound for anything that should take microseconds on
 * loopback: only a hang trips it. */
#define NET_TEST_PATIENCE_MS 10000

/* Wait until fd has one of events (POLLIN, POLLOUT). Returns revents, or 0
 * after NET_TEST_PATIENCE_MS. */
static inline short wait_fd(int fd, short events) {
  struct pollfd p = {.fd = fd, .events = events, .revents = 0};
  int n;
  do n = poll(&p, 1, NET_TEST_PATIENCE_MS);
  while (n < 0 && errno == EINTR);
  return n > 0 ? p.revents : 0;
}

/* Make sure this process may open at least n descriptors, raising the soft
 * limit up to the hard one. Returns 0, or -1 if the hard limit is lower. */
static inline int raise_nofile(rlim_t n) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= n) return 0;
  if (rl.rlim_cur == RLIM_INFINITY) return 0;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n) return -1;
  rl.rlim_cur = n;
  return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -1 : 0;
}

/* Run the loop until *done, failing the test if that takes longer than
 * NET_TEST_PATIENCE_MS (a hang, not a slow machine). */
static inline void run_until(mqs_loop *l, const int *done) {
  uint64_t deadline = mqs_loop_now_ms() + NET_TEST_PATIENCE_MS;
  while (!*done) {
    assert_true(mqs_loop_now_ms() < deadline);
    assert_true(mqs_loop_run_once(l, 100) >= 0);
  }
}

static inline mqs_loop *new_loop(void) {
  mqs_loop *l = mqs_loop_create();
  assert_non_null(l);
  return l;
}

#endif
