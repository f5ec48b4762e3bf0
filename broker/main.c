/* broker/main.c — mqspec-broker: the network layer around the protocol
 * core. One thread, one event loop (epoll), non-blocking TCP on IPv4 and
 * IPv6. It only moves bytes: reads go into mqs_client_input, what
 * mqs_client_output gives goes to the socket as the socket takes it, and
 * the core's deadlines drive one timer. A slow reader holds queued
 * messages in the core (bounded, oldest QoS 0 dropped first), never the
 * loop. SIGINT and SIGTERM shut down gracefully: listeners close, 5.0
 * clients get DISCONNECT 0x8B, output is flushed for up to two seconds.
 * Listeners given with --ws-listen speak MQTT over WebSocket (ws_conn.c). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "mqs/broker.h"
#include "mqs/broker_config.h"
#include "mqs/err.h"
#include "mqs/loop.h"
#include "mqs/tcp.h"
#include "ws_conn.h"

#define READ_CHUNK        65536
#define READS_PER_EVENT   4 /* fairness: one busy client cannot hog a pass */
#define SHUTDOWN_GRACE_MS 2000
#define ACCEPT_PAUSE_MS   100

typedef struct server server;

typedef struct conn {
  server *srv;
  struct conn *next, *prev;
  int fd;
  mqs_client *c;
  ws_conn *ws;   /* NULL: plain TCP */
  unsigned mask; /* interest registered with the loop */
} conn;

struct server {
  mqs_loop *loop;
  mqs_broker *b;
  int listeners[MQS_BROKER_MAX_LISTEN * 4];
  bool listener_ws[MQS_BROKER_MAX_LISTEN * 4];
  int n_listeners;
  uint64_t max_frame; /* for WebSocket connections */
  conn *conns;
  int sigfd;
  int64_t timer;
  uint64_t timer_due;
  bool stopping;
  int log_level;
  uint8_t buf[READ_CHUNK];
};

static void log_line(void *arg, mqs_log_level level, const char *line) {
  server *s = arg;
  static const char *const names[] = {"error", "warning", "info", "debug"};
  if ((int)level <= s->log_level) fprintf(stderr, "mqspec-broker: %s: %s\n", names[level], line);
}

static void random_bytes(void *arg, uint8_t *buf, size_t n) {
  (void)arg;
  while (n) {
    ssize_t r = getrandom(buf, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      /* No kernel randomness: fail loudly rather than hand out guessable nonces. */
      perror("mqspec-broker: getrandom");
      abort();
    }
    buf += r;
    n -= (size_t)r;
  }
}

static void rearm(server *s);

static void conn_close(conn *k) {
  server *s = k->srv;
  mqs_loop_fd_remove(s->loop, k->fd);
  close(k->fd);
  if (k->prev)
    k->prev->next = k->next;
  else
    s->conns = k->next;
  if (k->next) k->next->prev = k->prev;
  mqs_client *c = k->c;
  ws_conn_free(k->ws);
  free(k);
  mqs_client_gone(c, mqs_loop_now_ms()); /* may wake others (a will): k is gone already */
}

static void set_mask(conn *k, unsigned mask) {
  if (mask == k->mask) return;
  if (mqs_loop_fd_modify(k->srv->loop, k->fd, mask) == 0) k->mask = mask;
}

/* The byte stream of k: the core's own, or through WebSocket framing. */
static size_t output(conn *k, const uint8_t **p) {
  return k->ws ? ws_conn_output(k->ws, k->c, p) : mqs_client_output(k->c, p);
}
static void output_done(conn *k, size_t n) {
  if (k->ws) ws_conn_output_done(k->ws, n);
  else mqs_client_output_done(k->c, n);
}
static bool should_close(conn *k) {
  return k->ws ? ws_conn_should_close(k->ws, k->c) : mqs_client_should_close(k->c);
}
static bool wants_input(conn *k) {
  return k->ws ? ws_conn_wants_input(k->ws, k->c) : mqs_client_wants_input(k->c);
}

/* Send what the core has for k. Returns false when k was closed. */
static bool flush(conn *k) {
  bool blocked = false;
  for (;;) {
    const uint8_t *p;
    size_t n = output(k, &p);
    if (n == 0) break;
    ssize_t w = mqs_tcp_write(k->fd, p, n);
    if (w == -EAGAIN) {
      blocked = true;
      break;
    }
    if (w < 0) {
      conn_close(k);
      return false;
    }
    output_done(k, (size_t)w);
    if ((size_t)w < n) {
      blocked = true;
      break;
    }
  }
  if (!blocked && should_close(k)) {
    conn_close(k);
    return false;
  }
  unsigned mask = 0;
  if (wants_input(k)) mask |= MQS_LOOP_READ;
  if (blocked) mask |= MQS_LOOP_WRITE;
  if (!mask && !blocked) mask = MQS_LOOP_READ; /* closing: wait for nothing but errors */
  set_mask(k, mask);
  return true;
}

static void on_conn(mqs_loop *loop, int fd, unsigned events, void *arg) {
  (void)loop;
  (void)fd;
  conn *k = arg;
  server *s = k->srv;
  if (events & (MQS_LOOP_READ | MQS_LOOP_ERROR | MQS_LOOP_HUP)) {
    for (int i = 0; i < READS_PER_EVENT && wants_input(k); i++) {
      ssize_t n = mqs_tcp_read(k->fd, s->buf, sizeof s->buf);
      if (n == -EAGAIN) break;
      if (n <= 0) { /* end of stream or error: the network closed */
        conn_close(k);
        rearm(s);
        return;
      }
      int rc = k->ws ? ws_conn_input(k->ws, k->c, s->buf, (size_t)n, mqs_loop_now_ms())
                     : mqs_client_input(k->c, s->buf, (size_t)n, mqs_loop_now_ms());
      if (rc == MQS_ENOMEM) {
        conn_close(k);
        rearm(s);
        return;
      }
      if ((size_t)n < sizeof s->buf) break;
    }
  }
  flush(k);
  rearm(s);
}

static void wake(mqs_client *c, void *user) {
  (void)c;
  conn *k = user;
  /* The core may not be re-entered from here: ask the loop for a write
   * callback instead of writing now. */
  set_mask(k, k->mask | MQS_LOOP_WRITE);
}

static void on_listen(mqs_loop *loop, int fd, unsigned events, void *arg);

static void resume_accept(mqs_loop *loop, int64_t id, void *arg) {
  (void)id;
  server *s = arg;
  if (s->stopping) return;
  for (int i = 0; i < s->n_listeners; i++)
    mqs_loop_fd_modify(loop, s->listeners[i], MQS_LOOP_READ);
}

static void on_listen(mqs_loop *loop, int lfd, unsigned events, void *arg) {
  (void)events;
  server *s = arg;
  bool ws = false;
  for (int i = 0; i < s->n_listeners; i++)
    if (s->listeners[i] == lfd) ws = s->listener_ws[i];
  for (int i = 0; i < 64; i++) {
    int fd = mqs_tcp_accept(lfd);
    if (fd == -EAGAIN) break;
    if (fd == -ECONNABORTED) continue;
    if (fd < 0) { /* out of descriptors or memory: stop accepting for a moment */
      fprintf(stderr, "mqspec-broker: accept: %s\n", strerror(-fd));
      for (int j = 0; j < s->n_listeners; j++)
        mqs_loop_fd_modify(loop, s->listeners[j], 0);
      mqs_loop_timer_add(loop, ACCEPT_PAUSE_MS, resume_accept, s);
      break;
    }
    char peer[MQS_TCP_NAME_MAX];
    if (mqs_tcp_peer_name(fd, peer, sizeof peer)) snprintf(peer, sizeof peer, "fd %d", fd);
    conn *k = calloc(1, sizeof *k);
    if (!k) {
      close(fd);
      continue;
    }
    k->srv = s;
    k->fd = fd;
    k->c = mqs_broker_accept(s->b, peer, k, mqs_loop_now_ms());
    if (ws) k->ws = ws_conn_new(s->max_frame);
    if (!k->c || (ws && !k->ws) || mqs_loop_fd_add(loop, fd, MQS_LOOP_READ, on_conn, k)) {
      if (k->c) mqs_client_gone(k->c, mqs_loop_now_ms());
      ws_conn_free(k->ws);
      close(fd);
      free(k);
      continue;
    }
    k->mask = MQS_LOOP_READ;
    mqs_tcp_nodelay(fd, 1);
    k->next = s->conns;
    if (s->conns) s->conns->prev = k;
    s->conns = k;
  }
  rearm(s);
}

static void on_timer(mqs_loop *loop, int64_t id, void *arg) {
  (void)loop;
  (void)id;
  server *s = arg;
  s->timer = 0;
  s->timer_due = UINT64_MAX;
  mqs_broker_tick(s->b, mqs_loop_now_ms());
  rearm(s);
}

/* Keep one timer at the core's next deadline. */
static void rearm(server *s) {
  uint64_t due = mqs_broker_next_deadline(s->b);
  if (s->timer && due >= s->timer_due) return;
  if (s->timer) mqs_loop_timer_cancel(s->loop, s->timer);
  uint64_t now = mqs_loop_now_ms();
  int64_t id = mqs_loop_timer_add(s->loop, due > now ? due - now : 0, on_timer, s);
  s->timer = id > 0 ? id : 0;
  s->timer_due = id > 0 ? due : UINT64_MAX;
}

static void give_up(mqs_loop *loop, int64_t id, void *arg) {
  (void)id;
  (void)arg;
  mqs_loop_stop(loop);
}

static void check_done(mqs_loop *loop, int64_t id, void *arg) {
  (void)id;
  server *s = arg;
  if (!s->conns)
    mqs_loop_stop(loop);
  else
    mqs_loop_timer_add(loop, 10, check_done, s);
}

static void on_signal(mqs_loop *loop, int fd, unsigned events, void *arg) {
  (void)events;
  server *s = arg;
  struct signalfd_siginfo si;
  if (read(fd, &si, sizeof si) != (ssize_t)sizeof si) return;
  if (s->stopping) { /* a second signal: do not wait */
    mqs_loop_stop(loop);
    return;
  }
  if (s->log_level >= MQS_LOG_INFO)
    fprintf(stderr, "mqspec-broker: %s: shutting down\n", strsignal((int)si.ssi_signo));
  s->stopping = true;
  for (int i = 0; i < s->n_listeners; i++) {
    mqs_loop_fd_remove(loop, s->listeners[i]);
    close(s->listeners[i]);
  }
  s->n_listeners = 0;
  uint64_t now = mqs_loop_now_ms();
  for (conn *k = s->conns, *next; k; k = next) {
    next = k->next;
    mqs_client_kick(k->c, 0x8B, now); /* Server shutting down */
    flush(k);
  }
  mqs_loop_timer_add(loop, SHUTDOWN_GRACE_MS, give_up, s);
  mqs_loop_timer_add(loop, 0, check_done, s);
}

/* Listen on want[0..n): MQTT over TCP, or over WebSocket when ws. Port 0 on
 * several addresses: one port for all where it is free, so that the
 * "listening" lines name the same port for IPv4 and IPv6. */
static int listen_on(server *s, const mqs_listen_addr *want, int n, bool ws, bool explicit_) {
  uint16_t first_ephemeral = 0;
  for (int i = 0; i < n; i++) {
    uint16_t port = want[i].port;
    if (port == 0 && first_ephemeral) port = first_ephemeral;
    uint16_t bound = 0;
    int fd = mqs_tcp_listen(want[i].host, port, 0, &bound);
    if (fd < 0 && port != want[i].port) fd = mqs_tcp_listen(want[i].host, 0, 0, &bound);
    if (fd < 0) {
      fprintf(stderr, "mqspec-broker: cannot listen on %s port %u: %s\n", want[i].host,
              want[i].port, strerror(-fd));
      if (explicit_) return -1; /* asked for explicitly: a hard error */
      continue;
    }
    if (want[i].port == 0 && !first_ephemeral) first_ephemeral = bound;
    if (mqs_loop_fd_add(s->loop, fd, MQS_LOOP_READ, on_listen, s)) {
      close(fd);
      return -1;
    }
    s->listener_ws[s->n_listeners] = ws;
    s->listeners[s->n_listeners++] = fd;
    bool v6 = strchr(want[i].host, ':') != NULL;
    /* "listening on" is what scripts wait for: it names the TCP listener. */
    printf("mqspec-broker: %s %s%s%s:%u\n", ws ? "listening for WebSocket (path any) at" : "listening on",
           v6 ? "[" : "", want[i].host, v6 ? "]" : "", bound);
  }
  fflush(stdout);
  return 0;
}

static int open_listeners(server *s, const mqs_broker_options *o) {
  mqs_listen_addr defaults[2] = {{"127.0.0.1", o->port}, {"::1", o->port}};
  if (listen_on(s, o->n_listen ? o->listen : defaults, o->n_listen ? o->n_listen : 2, false,
                o->n_listen > 0) ||
      listen_on(s, o->ws_listen, o->n_ws_listen, true, true))
    return -1;
  return s->n_listeners ? 0 : -1;
}

int broker_passwd_main(int argc, char **argv); /* passwd.c */

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "passwd")) return broker_passwd_main(argc - 1, argv + 1);
  int status = 1;
  mqs_broker_options o;
  mqs_broker_options_init(&o);
  server *s = calloc(1, sizeof *s);
  mqs_auth *auth = NULL;
  mqs_acl *acl = NULL;
  char err[512];
  if (!s) goto out;
  s->sigfd = -1;
  int rc = mqs_broker_parse_args(&o, argc, argv, err, sizeof err);
  if (rc == 1) {
    status = 0;
    goto out;
  }
  if (rc) {
    fprintf(stderr, "mqspec-broker: %s\n", err);
    status = 2;
    goto out;
  }
  if (o.password_file) {
    if (!(auth = mqs_auth_new()) || mqs_auth_load(auth, o.password_file, err, sizeof err)) {
      fprintf(stderr, "mqspec-broker: %s\n", auth ? err : "out of memory");
      status = 2;
      goto out;
    }
    o.core.auth = auth;
  }
  if (o.acl_file) {
    if (!(acl = mqs_acl_new()) || mqs_acl_load(acl, o.acl_file, err, sizeof err)) {
      fprintf(stderr, "mqspec-broker: %s\n", acl ? err : "out of memory");
      status = 2;
      goto out;
    }
    o.core.acl = acl;
  }
  s->log_level = o.log_level;
  s->max_frame = (uint64_t)o.core.max_packet_size + 16;
  o.core.io.wake = wake;
  o.core.io.log = log_line;
  o.core.io.random = random_bytes;
  o.core.io.arg = s;
  random_bytes(NULL, (uint8_t *)&o.core.seed, sizeof o.core.seed);
  if (!(s->loop = mqs_loop_create())) goto out;
  s->b = mqs_broker_new(&o.core, mqs_loop_now_ms());
  if (!s->b) {
    fprintf(stderr, "mqspec-broker: invalid configuration or out of memory\n");
    goto out;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (s->sigfd < 0 || mqs_loop_fd_add(s->loop, s->sigfd, MQS_LOOP_READ, on_signal, s)) goto out;
  if (open_listeners(s, &o)) goto out;
  rearm(s);
  rc = mqs_loop_run(s->loop);
  if (rc) fprintf(stderr, "mqspec-broker: event loop: %s\n", strerror(-rc));
  status = rc ? 1 : 0;
out:
  if (s) {
    while (s->conns) {
      conn *k = s->conns;
      s->conns = k->next;
      mqs_loop_fd_remove(s->loop, k->fd);
      close(k->fd);
      free(k);
    }
    mqs_broker_free(s->b); /* frees the clients still open */
    for (int i = 0; i < s->n_listeners; i++)
      close(s->listeners[i]);
    if (s->sigfd >= 0) close(s->sigfd);
    mqs_loop_destroy(s->loop);
    free(s);
  }
  mqs_auth_free(auth);
  mqs_acl_free(acl);
  mqs_broker_options_free(&o);
  return status;
}
