/* broker/ws_conn.c — MQTT over WebSocket for mqspec-broker (ws_conn.h). */
#include "ws_conn.h"

#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"
#include "mqs/ws.h"

/* Close codes (RFC 6455, 7.4.1). */
#define WS_NORMAL       1000
#define WS_PROTOCOL     1002
#define WS_UNSUPPORTED  1003
#define WS_TOO_BIG      1009

typedef struct {
  uint8_t *p;
  size_t len, off, cap;
} buf;

struct ws_conn {
  bool open;        /* the handshake is done */
  bool in_text;     /* a fragmented text message has begun */
  bool closing;     /* our last bytes are queued: close once they are out */
  bool sent_close;  /* a close frame is queued */
  uint64_t max_frame;
  buf in;           /* bytes read, not yet parsed (the request head, then frames) */
  buf out;          /* bytes for the socket: handshake answer and frames */
};

static int put(buf *b, const void *p, size_t n) {
  if (b->off > 0 && b->off == b->len) b->off = b->len = 0;
  if (b->len + n > b->cap) {
    if (b->off) { /* slide what is left to the front first */
      memmove(b->p, b->p + b->off, b->len - b->off);
      b->len -= b->off;
      b->off = 0;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    if (cap > b->cap) {
      uint8_t *q = realloc(b->p, cap);
      if (!q) return MQS_ENOMEM;
      b->p = q;
      b->cap = cap;
    }
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

ws_conn *ws_conn_new(uint64_t max_frame) {
  ws_conn *w = calloc(1, sizeof *w);
  if (w) w->max_frame = max_frame;
  return w;
}

void ws_conn_free(ws_conn *w) {
  if (!w) return;
  free(w->in.p);
  free(w->out.p);
  free(w);
}

/* Queue a frame (server frames are not masked). */
static int frame(ws_conn *w, uint8_t opcode, const uint8_t *p, size_t n) {
  uint8_t h[14];
  size_t hl = mqs_ws_frame_header(h, true, opcode, n, NULL);
  int rc = put(&w->out, h, hl);
  return rc ? rc : put(&w->out, p, n);
}

/* Queue a close frame with status code, and end after it. */
static int close_with(ws_conn *w, unsigned code) {
  if (!w->sent_close) {
    uint8_t status[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    if (frame(w, MQS_WS_CLOSE, status, sizeof status)) return MQS_ENOMEM;
    w->sent_close = true;
  }
  w->closing = true;
  return -1;
}

static int handshake(ws_conn *w, uint64_t now_ms) {
  (void)now_ms;
  mqs_ws_request req;
  const char *why = NULL;
  ssize_t n = mqs_ws_parse_request(w->in.p + w->in.off, w->in.len - w->in.off, &req, &why);
  if (n == 0) return 0;
  char answer[512];
  if (n < 0) {
    size_t al = mqs_ws_build_refusal(why, answer, sizeof answer);
    if (put(&w->out, answer, al)) return MQS_ENOMEM;
    w->closing = true;
    return -1;
  }
  size_t al = mqs_ws_build_response(&req, answer, sizeof answer);
  if (!al || put(&w->out, answer, al)) return MQS_ENOMEM;
  w->in.off += (size_t)n;
  w->open = true;
  return 0;
}

int ws_conn_input(ws_conn *w, mqs_client *c, const uint8_t *p, size_t n, uint64_t now_ms) {
  if (w->closing) return -1;
  int rc = put(&w->in, p, n);
  if (rc) return rc;
  if (!w->open && (rc = handshake(w, now_ms)) != 0) return rc;
  while (w->open && w->in.off < w->in.len) {
    mqs_ws_frame f;
    const char *why = NULL;
    ssize_t fl = mqs_ws_parse_frame(w->in.p + w->in.off, w->in.len - w->in.off, true,
                                    w->max_frame, &f, &why);
    if (fl == 0) break;
    if (fl < 0) return close_with(w, strstr(why, "larger") ? WS_TOO_BIG : WS_PROTOCOL);
    w->in.off += (size_t)fl;
    switch (f.opcode) {
    case MQS_WS_TEXT:
      /* MQTT travels in binary frames only; a text frame ends the
       * connection [MQTT-6.0.0-1]. */
      w->in_text = !f.fin;
      return close_with(w, WS_UNSUPPORTED);
    case MQS_WS_CONTINUATION:
      if (w->in_text) return close_with(w, WS_UNSUPPORTED);
      /* the rest of a binary message */
      __attribute__((fallthrough));
    case MQS_WS_BINARY:
      /* Packets need not align with frames [MQTT-6.0.0-2]: the core
       * frames MQTT packets from the byte stream itself. */
      if (f.len && (rc = mqs_client_input(c, f.payload, f.len, now_ms)) != 0)
        return rc == MQS_ENOMEM ? rc : 0; /* the core's answer is queued; it will close */
      break;
    case MQS_WS_PING:
      if (frame(w, MQS_WS_PONG, f.payload, f.len)) return MQS_ENOMEM;
      break;
    case MQS_WS_CLOSE: return close_with(w, WS_NORMAL);
    default: break; /* PONG */
    }
  }
  if (w->in.off == w->in.len) w->in.off = w->in.len = 0;
  return 0;
}

size_t ws_conn_output(ws_conn *w, mqs_client *c, const uint8_t **p) {
  if (w->out.off == w->out.len && w->open && !w->sent_close) {
    const uint8_t *q;
    size_t n = mqs_client_output(c, &q);
    if (n) {
      if (frame(w, MQS_WS_BINARY, q, n) == 0) mqs_client_output_done(c, n);
    } else if (mqs_client_should_close(c)) {
      close_with(w, WS_NORMAL);
    }
  }
  *p = w->out.p + w->out.off;
  return w->out.len - w->out.off;
}

void ws_conn_output_done(ws_conn *w, size_t n) {
  w->out.off += n;
  if (w->out.off == w->out.len) w->out.off = w->out.len = 0;
}

bool ws_conn_should_close(const ws_conn *w, const mqs_client *c) {
  if (w->out.off != w->out.len) return false;
  return w->closing || (mqs_client_should_close(c) && !w->open);
}

bool ws_conn_wants_input(const ws_conn *w, const mqs_client *c) {
  return !w->closing && mqs_client_wants_input(c);
}
