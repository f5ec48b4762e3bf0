/* harness/conn.c — one client's connection: connect, read into the
 * receive buffer, write, close, and the transcript of each. Over TCP, or
 * over WebSocket (MQTT chapter 6): then the upgrade comes first, each
 * write goes out as one masked frame, and the payload of the broker's
 * binary frames is the MQTT stream the steps read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_int.h"
#include "mqs/tcp.h"
#include "mqs/ws.h"

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

/* MQTT bytes from the broker: into the receive buffer and the transcript. */
static int received(mqs_client *c, const uint8_t *p, size_t n) {
  if (grow(c, n) < 0) {
    mqs_run_finish(c->run, MQS_VERDICT_ERROR, "out of memory reading from the broker");
    return -1;
  }
  memcpy(c->rx + c->rx_len, p, n);
  mqs_run_record(c->run, MQS_WIRE_RECEIVED, c, p, n);
  c->rx_len += n;
  return 0;
}

/* ---- WebSocket ---- */

static void ws_flush(mqs_client *c) {
  while (c->ws_out_off < c->ws_out.len) {
    ssize_t w = mqs_tcp_write(c->fd, c->ws_out.p + c->ws_out_off, c->ws_out.len - c->ws_out_off);
    if (w <= 0) break; /* EAGAIN: on the next write event; an error: the read side says so */
    c->ws_out_off += (size_t)w;
  }
  if (c->ws_out_off == c->ws_out.len) c->ws_out_off = c->ws_out.len = 0;
}

/* Queue one frame; clients mask every frame (RFC 6455, 5.3). */
static int ws_frame(mqs_client *c, uint8_t opcode, const uint8_t *p, size_t n) {
  uint8_t h[14], mask[4];
  uint32_t x = (uint32_t)rand();
  memcpy(mask, &x, 4);
  size_t hl = mqs_ws_frame_header(h, true, opcode, n, mask);
  size_t at = c->ws_out.len + hl;
  if (mqs_hexbuf_append(&c->ws_out, h, hl) < 0 || mqs_hexbuf_append(&c->ws_out, p, n) < 0)
    return -1;
  mqs_ws_mask(c->ws_out.p + at, n, mask, 0);
  return 0;
}

static void ws_fail(mqs_client *c, const char *what, const char *why) {
  mqs_run *r = c->run;
  mqs_run_finish(r, MQS_VERDICT_FAIL, "%s: client %s: %s: %s", r->cur ? r->where : "the scenario",
                 c->def->name, what, why);
}

/* The broker's answer to the upgrade, then its frames. */
static void ws_input(mqs_client *c) {
  mqs_run *r = c->run;
  if (c->ws_handshake) {
    const char *why = NULL;
    ssize_t n = mqs_ws_check_response(c->ws_in.p, c->ws_in.len, c->ws_key, &why);
    if (n == 0) return;
    if (n < 0) {
      ws_fail(c, "the WebSocket upgrade failed", why);
      return;
    }
    memmove(c->ws_in.p, c->ws_in.p + n, c->ws_in.len - (size_t)n);
    c->ws_in.len -= (size_t)n;
    c->ws_handshake = c->connecting = false;
    mqs_run_record(r, MQS_WIRE_OPEN, c, NULL, 0);
  }
  size_t off = 0;
  while (off < c->ws_in.len && !r->over && !c->peer_closed) {
    mqs_ws_frame f;
    const char *why = NULL;
    ssize_t n = mqs_ws_parse_frame(c->ws_in.p + off, c->ws_in.len - off, false, MQS_RX_LIMIT, &f,
                                   &why);
    if (n == 0) break;
    if (n < 0) {
      ws_fail(c, "the broker sent a broken WebSocket frame", why);
      return;
    }
    off += (size_t)n;
    if (f.masked) {
      ws_fail(c, "the broker sent a broken WebSocket frame", "a server frame with a mask");
      return;
    }
    switch (f.opcode) {
    case MQS_WS_TEXT:
      ws_fail(c, "the broker sent a text frame", "MQTT travels in binary frames [MQTT-6.0.0-1]");
      return;
    case MQS_WS_BINARY:
    case MQS_WS_CONTINUATION:
      if (f.len && received(c, f.payload, f.len) < 0) return;
      break;
    case MQS_WS_PING:
      if (ws_frame(c, MQS_WS_PONG, f.payload, f.len) < 0) return;
      ws_flush(c);
      break;
    case MQS_WS_CLOSE: /* the broker ends the connection: as a FIN would */
      peer_gone(c, false);
      break;
    default: break;
    }
  }
  memmove(c->ws_in.p, c->ws_in.p + off, c->ws_in.len - off);
  c->ws_in.len -= off;
}

static int ws_start(mqs_client *c) {
  const mqs_engine_opts *o = c->run->eng->o;
  uint8_t rnd[16];
  for (int i = 0; i < 16; i++) rnd[i] = (uint8_t)rand();
  mqs_ws_make_key(rnd, c->ws_key);
  char host[MQS_TCP_HOST_MAX + 16], req[1024];
  bool v6 = strchr(o->ws_host, ':') != NULL;
  snprintf(host, sizeof host, "%s%s%s:%u", v6 ? "[" : "", o->ws_host, v6 ? "]" : "", o->ws_port);
  size_t n = mqs_ws_build_request(host, o->ws_path ? o->ws_path : "/mqtt", c->ws_key, req,
                                  sizeof req);
  if (!n || mqs_hexbuf_append(&c->ws_out, (const uint8_t *)req, n) < 0) return -1;
  c->ws_handshake = true;
  ws_flush(c);
  return 0;
}

static void read_some(mqs_client *c) {
  mqs_run *r = c->run;
  /* WebSocket: raw frames first (ws_input moves their payload to rx). */
  if (c->ws ? mqs_hexbuf_reserve(&c->ws_in, READ_CHUNK) != 0 : grow(c, READ_CHUNK) < 0) {
    mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory reading from the broker");
    return;
  }
  uint8_t *into = c->ws ? c->ws_in.p + c->ws_in.len : c->rx + c->rx_len;
  ssize_t n = mqs_tcp_read(c->fd, into, READ_CHUNK);
  if (n == -EAGAIN) return;
  if (n <= 0) {
    if (c->ws_handshake) {
      ws_fail(c, "the WebSocket upgrade failed", "the broker closed the connection");
      return;
    }
    peer_gone(c, n < 0);
    return;
  }
  if (c->ws) {
    c->ws_in.len += (size_t)n;
    ws_input(c);
  } else {
    mqs_run_record(r, MQS_WIRE_RECEIVED, c, c->rx + c->rx_len, (size_t)n);
    c->rx_len += (size_t)n;
  }
  if (c->rx_len - c->rx_off > MQS_RX_LIMIT)
    mqs_run_finish(r, MQS_VERDICT_FAIL,
                   "%s: flood: client %s received more than %u bytes that no step asked for",
                   r->cur ? r->where : "the scenario", c->def->name, MQS_RX_LIMIT);
}

static void on_io(mqs_loop *loop, int fd, unsigned ev, void *arg) {
  (void)loop, (void)fd;
  mqs_client *c = arg;
  mqs_run *r = c->run;
  if (c->connecting && !c->ws_handshake) {
    int rc = mqs_tcp_connect_result(c->fd);
    if (rc == -EINPROGRESS) return;
    c->connecting = false;
    if (rc < 0) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s cannot connect to %s:%u: %s", r->where,
                     c->def->name, c->ws ? r->eng->o->ws_host : r->eng->o->host,
                     c->ws ? r->eng->o->ws_port : r->eng->o->port, strerror(-rc));
      return;
    }
    mqs_tcp_nodelay(c->fd, 1); /* split writes must leave as separate segments */
    if (c->ws) { /* the upgrade first: still "connecting" until its answer */
      c->connecting = true;
      if (ws_start(c) < 0) mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
      want(c, c->ws_out.len > 0);
      return;
    }
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
  if ((ev & MQS_LOOP_WRITE) && c->ws) ws_flush(c);
  if (ev & MQS_LOOP_WRITE) want(c, c->ws && c->ws_out.len > 0); /* a step asks again if it must */
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
  c->ws = c->def->websocket || c->run->eng->o->all_websocket;
  c->ws_handshake = false;
  c->ws_in.len = c->ws_out.len = c->ws_out_off = 0;
  c->peer_closed = c->peer_reset = c->write_shut = false;
  mqs_conn_free_aliases(c);
  c->alias_max = 0;
  c->max_packet_size = 0;
}

int mqs_conn_open(mqs_client *c) {
  mqs_run *r = c->run;
  const mqs_engine_opts *o = r->eng->o;
  mqs_conn_reset_state(c);
  int fd = c->ws ? mqs_tcp_connect(o->ws_host, o->ws_port) : mqs_tcp_connect(o->host, o->port);
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
  c->connecting = c->ws_handshake = false;
}

int mqs_conn_half_close(mqs_client *c) {
  int rc = mqs_tcp_shutdown_write(c->fd);
  if (rc == 0) {
    c->write_shut = true;
    mqs_run_record(c->run, MQS_WIRE_HALF_CLOSED, c, NULL, 0);
  }
  return rc;
}

ssize_t mqs_conn_write(mqs_client *c, const uint8_t *p, size_t n, uint8_t opcode) {
  if (c->ws) {
    if (ws_frame(c, opcode, p, n) < 0) return -ENOMEM;
    mqs_run_record(c->run, MQS_WIRE_SENT, c, p, n);
    ws_flush(c);
    if (c->ws_out.len) want(c, true);
    return (ssize_t)n;
  }
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
