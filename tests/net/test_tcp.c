/* tests/net/test_tcp.c — TCP helpers on 127.0.0.1 and ::1 only: parsing
 * host:port, listen/connect/accept, an echo of 1 MiB through the loop (short
 * writes, EAGAIN, half-close), end of stream, reset after an abortive close. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqs/loop.h"
#include "mqs/tcp.h"
#include "net_test.h"

/* ---- helpers ---- */

/* Listen on host port 0, or skip the test where that family is missing
 * (a container without IPv6). */
static int listen_or_skip(const char *host, uint16_t *port) {
  int fd = mqs_tcp_listen(host, 0, 16, port);
  if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT) skip();
  assert_true(fd >= 0);
  assert_true(*port > 0);
  return fd;
}

/* A connected pair of sockets over host: *client and *server. */
static void tcp_pair(const char *host, int *client, int *server) {
  uint16_t port = 0;
  int l = listen_or_skip(host, &port);
  int c = mqs_tcp_connect(host, port);
  assert_true(c >= 0);
  assert_true(wait_fd(l, POLLIN) & POLLIN);
  int s = mqs_tcp_accept(l);
  assert_true(s >= 0);
  assert_true(wait_fd(c, POLLOUT) & POLLOUT);
  assert_int_equal(mqs_tcp_connect_result(c), 0);
  close(l);
  *client = c;
  *server = s;
}

/* ---- parsing ---- */

static void test_parse_good(void **state) {
  (void)state;
  static const struct {
    const char *in, *host;
    unsigned port;
  } ok[] = {
      {"localhost:1883", "localhost", 1883},
      {"127.0.0.1:0", "127.0.0.1", 0},
      {"broker.example:65535", "broker.example", 65535},
      {"[::1]:8883", "::1", 8883},
      {"[fe80::1%eth0]:1883", "fe80::1%eth0", 1883},
      {"[::ffff:127.0.0.1]:01883", "::ffff:127.0.0.1", 1883},
      {"h:00000000000000000001", "h", 1},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char host[MQS_TCP_HOST_MAX];
    uint16_t port = 7;
    const char *why = "unset";
    assert_int_equal(mqs_tcp_parse_hostport(ok[i].in, host, sizeof host, &port, &why), 0);
    assert_string_equal(host, ok[i].host);
    assert_int_equal(port, ok[i].port);
    assert_null(why);
  }
}

static void test_parse_bad(void **state) {
  (void)state;
  static const struct {
    const char *in, *why_has; /* a word the message must contain */
  } bad[] = {
      {"", "empty"},
      {"localhost", "missing ':port'"},
      {"localhost:", "missing port"},
      {":1883", "missing host"},
      {"::1:1883", "brackets"},
      {"::1", "brackets"},
      {"[::1]", "missing ':port'"},
      {"[::1]1883", "':port'"},
      {"[::1]:", "missing port"},
      {"[::1:1883", "missing ']'"},
      {"[]:1883", "empty IPv6"},
      {"[localhost]:1883", "only for IPv6"},
      {"host]:1883", "unbalanced"},
      {"host:65536", "out of range"},
      {"host:99999999999999999999999", "out of range"},
      {"host:-1", "digits"},
      {"host:+1", "digits"},
      {"host: 1", "digits"},
      {"host:1883 ", "digits"},
      {"host:0x50", "digits"},
      {"my host:1883", "space"},
      {"host\t:1883", "space"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char host[MQS_TCP_HOST_MAX] = "untouched";
    uint16_t port = 7;
    const char *why = NULL;
    int rc = mqs_tcp_parse_hostport(bad[i].in, host, sizeof host, &port, &why);
    if (rc != -EINVAL || why == NULL || strstr(why, bad[i].why_has) == NULL)
      fail_msg("\"%s\": rc %d, why \"%s\", expected -EINVAL and \"%s\"", bad[i].in, rc,
               why ? why : "(null)", bad[i].why_has);
    assert_string_equal(host, "untouched");
    assert_int_equal(port, 7);
  }
  /* NULL input, and a NULL why, are fine. */
  char host[8];
  assert_int_equal(mqs_tcp_parse_hostport(NULL, host, sizeof host, NULL, NULL), -EINVAL);
  /* Host too long for the buffer (room for 4 bytes and the NUL). */
  const char *why = NULL;
  assert_int_equal(mqs_tcp_parse_hostport("abcde:1", host, 5, NULL, &why), -ENAMETOOLONG);
  assert_non_null(why);
  assert_int_equal(mqs_tcp_parse_hostport("abcd:1", host, 5, NULL, &why), 0);
  assert_string_equal(host, "abcd");
}

/* ---- listen, connect, accept ---- */

static void check_listen(const char *host, const char *peer_prefix) {
  uint16_t port = 0;
  int l = listen_or_skip(host, &port);
  assert_int_equal(mqs_tcp_local_port(l), port);
  assert_int_equal(mqs_tcp_accept(l), -EAGAIN); /* nobody yet */
  /* The port is taken now. */
  assert_int_equal(mqs_tcp_listen(host, port, 0, NULL), -EADDRINUSE);

  int c = mqs_tcp_connect(host, port);
  assert_true(c >= 0);
  assert_true(wait_fd(l, POLLIN) & POLLIN);
  int s = mqs_tcp_accept(l);
  assert_true(s >= 0);
  assert_true(wait_fd(c, POLLOUT) & POLLOUT);
  assert_int_equal(mqs_tcp_connect_result(c), 0);

  /* Names read back with the parser, and the client's peer is the listener. */
  char name[MQS_TCP_NAME_MAX], h[MQS_TCP_HOST_MAX];
  uint16_t p = 0;
  assert_int_equal(mqs_tcp_peer_name(c, name, sizeof name), 0);
  assert_int_equal(strncmp(name, peer_prefix, strlen(peer_prefix)), 0);
  assert_int_equal(mqs_tcp_parse_hostport(name, h, sizeof h, &p, NULL), 0);
  assert_string_equal(h, host);
  assert_int_equal(p, port);
  assert_int_equal(mqs_tcp_peer_name(s, name, sizeof name), 0);
  assert_int_equal(mqs_tcp_parse_hostport(name, h, sizeof h, &p, NULL), 0);
  assert_int_equal(p, mqs_tcp_local_port(c));
  assert_int_equal(mqs_tcp_peer_name(c, name, 4), -ENOSPC);
  assert_int_equal(mqs_tcp_peer_name(l, name, sizeof name), -ENOTCONN);

  /* TCP_NODELAY, on and off. */
  int v = -1;
  socklen_t vl = sizeof v;
  assert_int_equal(mqs_tcp_nodelay(c, 1), 0);
  assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
  assert_int_not_equal(v, 0);
  assert_int_equal(mqs_tcp_nodelay(c, 0), 0);
  assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
  assert_int_equal(v, 0);

  close(c);
  close(s);
  close(l);
}

static void test_listen_v4(void **state) {
  (void)state;
  check_listen("127.0.0.1", "127.0.0.1:");
}

static void test_listen_v6(void **state) {
  (void)state;
  check_listen("::1", "[::1]:");
}

static void test_connect_refused(void **state) {
  (void)state;
  int port = mqs_tcp_free_port();
  assert_true(port > 0);
  /* Nobody listens there (barring a race with another process). */
  int c = mqs_tcp_connect("127.0.0.1", (uint16_t)port);
  if (c >= 0) {
    assert_true(wait_fd(c, POLLOUT) != 0);
    assert_int_equal(mqs_tcp_connect_result(c), -ECONNREFUSED);
    close(c);
  } else {
    assert_int_equal(c, -ECONNREFUSED);
  }
  assert_int_equal(mqs_tcp_connect(NULL, 1883), -EINVAL);
  assert_int_equal(mqs_tcp_connect("", 1883), -EINVAL);
  /* The free port is free: listening on it works. */
  uint16_t bound = 0;
  int l = mqs_tcp_listen("127.0.0.1", (uint16_t)port, 0, &bound);
  assert_true(l >= 0);
  assert_int_equal(bound, port);
  close(l);
}

/* ---- reading, writing, closing ---- */

static void check_eof_and_eagain(const char *host) {
  int c, s;
  char b[8];
  tcp_pair(host, &c, &s);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), -EAGAIN);
  assert_int_equal(mqs_tcp_read(c, b, 0), -EINVAL);
  assert_int_equal(mqs_tcp_write(s, "hi", 2), 2);
  assert_true(wait_fd(c, POLLIN) & POLLIN);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), 2);
  assert_memory_equal(b, "hi", 2);
  close(s);
  assert_true(wait_fd(c, POLLIN) & POLLIN);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), 0);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), 0); /* and stays so */
  close(c);
}

static void test_eof_v4(void **state) {
  (void)state;
  check_eof_and_eagain("127.0.0.1");
}

static void test_eof_v6(void **state) {
  (void)state;
  check_eof_and_eagain("::1");
}

static void check_abort(const char *host) {
  int c, s;
  char b[8];
  tcp_pair(host, &c, &s);
  assert_int_equal(mqs_tcp_abort(s), 0);
  assert_true(wait_fd(c, POLLIN) != 0);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), -ECONNRESET);
  /* Writing to a reset connection fails, and raises no SIGPIPE. */
  ssize_t w = mqs_tcp_write(c, "x", 1);
  assert_true(w == -EPIPE || w == -ECONNRESET);
  close(c);
}

static void test_abort_v4(void **state) {
  (void)state;
  check_abort("127.0.0.1");
}

static void test_abort_v6(void **state) {
  (void)state;
  check_abort("::1");
}

static void test_half_close(void **state) {
  (void)state;
  int c, s;
  char b[16];
  tcp_pair("127.0.0.1", &c, &s);
  assert_int_equal(mqs_tcp_write(c, "last", 4), 4);
  assert_int_equal(mqs_tcp_shutdown_write(c), 0);
  /* The server reads what came, then end of stream... */
  size_t got = 0;
  for (;;) {
    assert_true(wait_fd(s, POLLIN) & POLLIN);
    ssize_t n = mqs_tcp_read(s, b + got, sizeof b - got);
    if (n == 0) break;
    assert_true(n > 0);
    got += (size_t)n;
  }
  assert_int_equal(got, 4);
  assert_memory_equal(b, "last", 4);
  /* ...and may still answer, which the client still reads. */
  const struct iovec iov[2] = {{(void *)"re", 2}, {(void *)"ply", 3}};
  assert_int_equal(mqs_tcp_writev(s, iov, 2), 5);
  assert_int_equal(mqs_tcp_writev(s, iov, -1), -EINVAL);
  assert_true(wait_fd(c, POLLIN) & POLLIN);
  got = 0;
  while (got < 5) {
    ssize_t n = mqs_tcp_read(c, b + got, sizeof b - got);
    if (n == -EAGAIN) {
      assert_true(wait_fd(c, POLLIN) & POLLIN);
      continue;
    }
    assert_true(n > 0);
    got += (size_t)n;
  }
  assert_memory_equal(b, "reply", 5);
  /* The client can no longer write. */
  assert_int_equal(mqs_tcp_write(c, "x", 1), -EPIPE);
  close(s);
  assert_true(wait_fd(c, POLLIN) & POLLIN);
  assert_int_equal(mqs_tcp_read(c, b, sizeof b), 0);
  close(c);
}

/* ---- an echo through the loop ---- */

#define ECHO_LEN (1u << 20) /* far more than the socket buffers: short writes, EAGAIN */

struct echo_conn { /* the server's side of one connection */
  int fd;
  char buf[16384];
  size_t len, off; /* buf[off..len) still to echo */
  int eof;
};

struct echo {
  int lfd;
  struct echo_conn srv;
  int cfd;
  int connected;
  unsigned char *out, *in;
  size_t sent, received;
  int done;
  int64_t guard;
};

static void finish(mqs_loop *l, struct echo *e) {
  e->done = 1;
  assert_int_equal(mqs_loop_timer_cancel(l, e->guard), 0);
}

static void srv_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct echo *e = arg;
  struct echo_conn *k = &e->srv;
  (void)ev;
  if (k->off == k->len && !k->eof) {
    ssize_t n = mqs_tcp_read(fd, k->buf, sizeof k->buf);
    if (n == -EAGAIN) return;
    assert_true(n >= 0);
    if (n == 0) k->eof = 1;
    k->off = 0;
    k->len = (size_t)n;
  }
  while (k->off < k->len) {
    ssize_t n = mqs_tcp_write(fd, k->buf + k->off, k->len - k->off);
    if (n == -EAGAIN) break;
    assert_true(n > 0);
    k->off += (size_t)n;
  }
  if (k->off < k->len) {
    assert_int_equal(mqs_loop_fd_modify(l, fd, MQS_LOOP_WRITE), 0); /* wait to write */
  } else if (k->eof) {
    assert_int_equal(mqs_loop_fd_remove(l, fd), 0); /* all echoed: the client reads EOF */
    close(fd);
    k->fd = -1;
  } else {
    assert_int_equal(mqs_loop_fd_modify(l, fd, MQS_LOOP_READ), 0);
  }
}

static void accept_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct echo *e = arg;
  assert_true(ev & MQS_LOOP_READ);
  int s = mqs_tcp_accept(fd);
  if (s == -EAGAIN) return;
  assert_true(s >= 0);
  e->srv.fd = s;
  assert_int_equal(mqs_tcp_nodelay(s, 1), 0);
  assert_int_equal(mqs_loop_fd_add(l, s, MQS_LOOP_READ, srv_cb, e), 0);
  /* One client only. */
  assert_int_equal(mqs_loop_fd_remove(l, fd), 0);
}

static void cli_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  struct echo *e = arg;
  if (!e->connected) {
    int rc = mqs_tcp_connect_result(fd);
    if (rc == -EINPROGRESS) return;
    assert_int_equal(rc, 0);
    e->connected = 1;
  }
  if ((ev & MQS_LOOP_WRITE) && e->sent < ECHO_LEN) {
    ssize_t n = mqs_tcp_write(fd, e->out + e->sent, ECHO_LEN - e->sent);
    if (n != -EAGAIN) {
      assert_true(n > 0);
      e->sent += (size_t)n;
    }
    if (e->sent == ECHO_LEN) {
      assert_int_equal(mqs_tcp_shutdown_write(fd), 0);
      assert_int_equal(mqs_loop_fd_modify(l, fd, MQS_LOOP_READ), 0);
    }
  }
  if (ev & (MQS_LOOP_READ | MQS_LOOP_HUP | MQS_LOOP_ERROR)) {
    for (;;) {
      size_t room = ECHO_LEN - e->received;
      unsigned char extra;
      ssize_t n = mqs_tcp_read(fd, room ? e->in + e->received : &extra, room ? room : 1);
      if (n == -EAGAIN) break;
      assert_true(n >= 0);
      if (n == 0) {
        assert_int_equal(mqs_loop_fd_remove(l, fd), 0);
        finish(l, e);
        break;
      }
      assert_true((size_t)n <= room); /* no more than was sent */
      e->received += (size_t)n;
    }
  }
}

static void echo_guard_cb(mqs_loop *l, int64_t id, void *arg) {
  struct echo *e = arg;
  (void)id;
  print_error("echo stuck: sent %zu received %zu\n", e->sent, e->received);
  mqs_loop_stop(l);
}

static void check_echo(const char *host) {
  struct echo *e = calloc(1, sizeof *e);
  assert_non_null(e);
  e->srv.fd = -1;
  e->out = malloc(ECHO_LEN);
  e->in = malloc(ECHO_LEN);
  assert_non_null(e->out);
  assert_non_null(e->in);
  for (size_t i = 0; i < ECHO_LEN; i++) e->out[i] = (unsigned char)(i * 131u + (i >> 11));

  uint16_t port = 0;
  e->lfd = listen_or_skip(host, &port);
  mqs_loop *l = mqs_loop_create();
  assert_non_null(l);
  assert_int_equal(mqs_loop_fd_add(l, e->lfd, MQS_LOOP_READ, accept_cb, e), 0);
  e->cfd = mqs_tcp_connect(host, port);
  assert_true(e->cfd >= 0);
  assert_int_equal(mqs_loop_fd_add(l, e->cfd, MQS_LOOP_READ | MQS_LOOP_WRITE, cli_cb, e), 0);
  e->guard = mqs_loop_timer_add(l, NET_TEST_PATIENCE_MS, echo_guard_cb, e);
  assert_true(e->guard > 0);

  /* Ends by itself: each side removes its fds when done. */
  assert_int_equal(mqs_loop_run(l), 0);
  assert_true(e->done);
  assert_int_equal(e->sent, ECHO_LEN);
  assert_int_equal(e->received, ECHO_LEN);
  assert_memory_equal(e->in, e->out, ECHO_LEN);
  assert_int_equal(e->srv.fd, -1);

  close(e->cfd);
  close(e->lfd);
  mqs_loop_destroy(l);
  free(e->out);
  free(e->in);
  free(e);
}

static void test_echo_v4(void **state) {
  (void)state;
  check_echo("127.0.0.1");
}

static void test_echo_v6(void **state) {
  (void)state;
  check_echo("::1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_good),      cmocka_unit_test(test_parse_bad),
      cmocka_unit_test(test_listen_v4),       cmocka_unit_test(test_listen_v6),
      cmocka_unit_test(test_connect_refused), cmocka_unit_test(test_eof_v4),
      cmocka_unit_test(test_eof_v6),          cmocka_unit_test(test_abort_v4),
      cmocka_unit_test(test_abort_v6),        cmocka_unit_test(test_half_close),
      cmocka_unit_test(test_echo_v4),         cmocka_unit_test(test_echo_v6),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
