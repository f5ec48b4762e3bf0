/* harness/conn.c — one client's TCP connection: connect, read into the
 * receive buffer, write, close, and the transcript of each. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "mqs/tcp.h"

/* One read per readiness event: a flooding broker cannot keep one
 * callback busy, and the other connections get their turn. */
#define READ_CHUNK 65536

static void want(mqs_client *c, bool write) {
  unsigned mask = (c->peer_closed ? 0 : MQS_LOOP_READ) | (write ? MQS_LOOP_WRITE : 0);
  mqs_loop_fd_modify(c->run->eng->loop, c->fd, mask);
}

static void peer_gone(mqs_client *c, bool reset) {
  mqs_run *r = c->run;
  c->peer_closed = true;
  c->peer_reset = reset;
  mqs_run_record(r, reset ? MQS_WIRE_RESET_PEER : MQS_WIRE_CLOSED_PEER, c, NULL, 0);
  /* Paused, not removed: a hung-up socket would otherwise wake the loop
   * for ever, and the fd stays ours until the step closes it. */
  want(c, false);
}

static int grow(mqs_client *c, size_t need) {
  if (c->rx_off > 0 && c->rx_off == c->rx_len) c->rx_off = c->rx_len = 0;
  if (c->rx_cap - c->rx_len >= need) return 0;
  if (c->rx_off > 0) { /* slide what is left to the front */
    memmove(c->rx, c->rx + c->rx_off, c->rx_len - c->rx_off);
    c->rx_len -= c->rx_off;
    c->rx_off = 0;
    if (c->rx_cap - c->rx_len >= need) return 0;
  }
  size_t cap = c->rx_cap ? c->rx_cap : READ_CHUNK;
  while (cap - c->rx_len < need) cap *= 2;
  uint8_t *p = realloc(c->rx, cap);
  if (!p) return -1;
  c->rx = p;
  c->rx_cap = cap;
  return 0;
}

static void read_some(mqs_client *c) {
  mqs_run *r = c->run;
  if (grow(c, READ_CHUNK) < 0) {
    mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory reading from the broker");
    return;
  }
  ssize_t n = mqs_tcp_read(c->fd, c->rx + c->rx_len, READ_CHUNK);
  if (n == -EAGAIN) return;
  if (n == 0) {
    peer_gone(c, false);
    return;
  }
  if (n < 0) {
    peer_gone(c, true);
    return;
  }
  mqs_run_record(r, MQS_WIRE_RECEIVED, c, c->rx + c->rx_len, (size_t)n);
  c->rx_len += (size_t)n;
  if (c->rx_len - c->rx_off > MQS_RX_LIMIT)
    mqs_run_finish(r, MQS_VERDICT_FAIL,
                   "%s: flood: client %s received more than %u bytes that no step asked for",
                   r->cur ? r->where : "the scenario", c->def->name, MQS_RX_LIMIT);
}

static void on_io(mqs_loop *loop, int fd, unsigned ev, void *arg) {
  (void)loop, (void)fd;
  mqs_client *c = arg;
  mqs_run *r = c->run;
  if (c->connecting) {
    int rc = mqs_tcp_connect_result(c->fd);
    if (rc == -EINPROGRESS) return;
    c->connecting = false;
    if (rc < 0) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s cannot connect to %s:%u: %s", r->where,
                     c->def->name, r->eng->o->host, r->eng->o->port, strerror(-rc));
      return;
    }
    mqs_tcp_nodelay(c->fd, 1); /* split writes must leave as separate segments */
    mqs_run_record(r, MQS_WIRE_OPEN, c, NULL, 0);
    want(c, false);
    mqs_run_pump(r);
    return;
  }
  if (ev & (MQS_LOOP_READ | MQS_LOOP_HUP | MQS_LOOP_ERROR)) {
    if (!c->peer_closed) read_some(c);
    else if (ev & (MQS_LOOP_HUP | MQS_LOOP_ERROR)) want(c, false);
  }
  if (r->over) return;
  if (ev & MQS_LOOP_WRITE) want(c, false); /* the step asks again if it still needs to */
  mqs_run_pump(r);
}

void mqs_conn_free_aliases(mqs_client *c) {
  for (size_t i = 0; i < c->n_alias; i++) free((void *)c->alias[i].p);
  free(c->alias);
  c->alias = NULL;
  c->n_alias = 0;
}

void mqs_conn_reset_state(mqs_client *c) {
  c->rx_off = c->rx_len = 0;
  c->peer_closed = c->peer_reset = c->write_shut = false;
  mqs_conn_free_aliases(c);
  c->alias_max = 0;
  c->max_packet_size = 0;
}

int mqs_conn_open(mqs_client *c) {
  mqs_run *r = c->run;
  const mqs_engine_opts *o = r->eng->o;
  mqs_conn_reset_state(c);
  int fd = mqs_tcp_connect(o->host, o->port);
  if (fd < 0) return fd;
  int rc = mqs_loop_fd_add(r->eng->loop, fd, MQS_LOOP_WRITE, on_io, c);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  c->fd = fd;
  c->connecting = true;
  c->ever_opened = true;
  c->conn = r->next_conn++;
  return 0;
}

void mqs_conn_close(mqs_client *c, mqs_wire_kind how) {
  if (c->fd < 0) return;
  mqs_loop_fd_remove(c->run->eng->loop, c->fd);
  if (how == MQS_WIRE_RESET_LOCAL) mqs_tcp_abort(c->fd);
  else close(c->fd);
  /* A connection that never got as far as connecting leaves no trace. */
  if (!c->connecting) mqs_run_record(c->run, how, c, NULL, 0);
  c->fd = -1;
  c->connecting = false;
}

int mqs_conn_half_close(mqs_client *c) {
  int rc = mqs_tcp_shutdown_write(c->fd);
  if (rc == 0) {
    c->write_shut = true;
    mqs_run_record(c->run, MQS_WIRE_HALF_CLOSED, c, NULL, 0);
  }
  return rc;
}

ssize_t mqs_conn_write(mqs_client *c, const uint8_t *p, size_t n) {
  ssize_t w = mqs_tcp_write(c->fd, p, n);
  if (w == -EAGAIN) w = 0;
  if (w > 0) mqs_run_record(c->run, MQS_WIRE_SENT, c, p, (size_t)w);
  if (w >= 0 && (size_t)w < n) want(c, true);
  return w;
}

void mqs_conn_consume(mqs_client *c, size_t n) {
  c->rx_off += n;
  if (c->rx_off == c->rx_len) c->rx_off = c->rx_len = 0;
}
