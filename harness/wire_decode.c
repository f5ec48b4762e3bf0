/* harness/wire_decode.c — reassemble each connection's byte streams and
 * decode the packets in them.
 *
 * A scenario has a handful of connections, so they live in a small array
 * searched linearly. Each direction keeps only the bytes of the packet not
 * yet complete, plus, for those bytes, the events they came from. */
#include "wire_decode.h"

#include <stdlib.h>
#include <string.h>

/* Where an event's bytes start in the stream: to name a packet's first event. */
typedef struct {
  uint64_t offset;
  size_t event;
} chunk;

typedef struct {
  uint8_t *buf; /* buf[head..len): bytes not yet consumed, from stream offset base */
  size_t head, len, cap;
  uint64_t base;
  chunk *chunks; /* the events the pending bytes came from, oldest first */
  size_t n_chunks, cap_chunks;
  size_t last_event;
  bool ended;    /* closed or reset: leftovers reported */
  bool unframed; /* a broken Remaining Length: no more packet boundaries */
} stream;

typedef struct {
  uint32_t conn;
  mqs_version version;
  stream s[2];
} connection;

typedef struct {
  const mqs_transcript *t;
  connection *conns;
  size_t n_conns, cap_conns;
  mqs_wire_packet_fn fn;
  void *ctx;
} walker;

static int grow(void **p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need) {
    if (c > SIZE_MAX / 2 / size) return MQS_ENOMEM;
    c *= 2;
  }
  void *q = realloc(*p, c * size);
  if (!q) return MQS_ENOMEM;
  *p = q;
  *cap = c;
  return 0;
}

static connection *find_conn(walker *w, uint32_t conn) {
  for (size_t i = 0; i < w->n_conns; i++)
    if (w->conns[i].conn == conn) return &w->conns[i];
  if (grow((void **)&w->conns, &w->cap_conns, w->n_conns + 1, sizeof *w->conns) < 0) return NULL;
  connection *c = &w->conns[w->n_conns++];
  memset(c, 0, sizeof *c);
  c->conn = conn;
  int v = w->t->version;
  c->version = v == MQS_V31 || v == MQS_V311 ? (mqs_version)v : MQS_V5;
  return c;
}

static size_t first_event_of(const stream *s, uint64_t offset) {
  size_t ev = s->last_event;
  for (size_t i = s->n_chunks; i-- > 0;)
    if (s->chunks[i].offset <= offset) {
      ev = s->chunks[i].event;
      break;
    }
  return ev;
}

/* Consumed bytes stay until compact(): moving the rest after every packet
 * would be quadratic in a read that holds thousands of small packets. */
static void consume(stream *s, size_t n) {
  s->head += n;
  s->base += n;
}

/* Drop the consumed bytes, and the chunks wholly before the new start. */
static void compact(stream *s) {
  if (s->head > 0) {
    memmove(s->buf, s->buf + s->head, s->len - s->head);
    s->len -= s->head;
    s->head = 0;
  }
  size_t drop = 0;
  while (drop + 1 < s->n_chunks && s->chunks[drop + 1].offset <= s->base)
    drop++;
  if (drop > 0) {
    memmove(s->chunks, s->chunks + drop, (s->n_chunks - drop) * sizeof *s->chunks);
    s->n_chunks -= drop;
  }
}

static int report(walker *w, connection *c, mqs_wire_dir dir, size_t len, int status,
                  const mqs_packet *pk, const mqs_violation *why) {
  stream *s = &c->s[dir];
  mqs_wire_packet p = {
      .conn = c->conn,
      .dir = dir,
      .first_event = first_event_of(s, s->base),
      .last_event = s->last_event,
      .offset = s->base,
      .bytes = s->buf + s->head,
      .len = len,
      .version = c->version,
      .status = status,
      .unframed = s->unframed && !why,
      .packet = pk,
      .why = why,
  };
  int rc = w->fn(&p, w->ctx);
  consume(s, len);
  return rc;
}

/* Decode what complete packets the stream holds; with at_end, report
 * whatever is left too. */
static int drain_some(walker *w, connection *c, mqs_wire_dir dir, bool at_end) {
  stream *s = &c->s[dir];
  mqs_decode_opts o = {.from = dir == MQS_WIRE_TO_BROKER ? MQS_FROM_CLIENT : MQS_FROM_SERVER};
  int rc = 0;
  while (rc == 0 && s->head < s->len) {
    const uint8_t *at = s->buf + s->head;
    size_t avail = s->len - s->head;
    if (s->unframed) return report(w, c, dir, avail, MQS_EMALFORMED, NULL, NULL);
    mqs_packet pk;
    mqs_violation why;
    memset(&why, 0, sizeof why);
    o.version = c->version;
    ssize_t n = mqs_decode_ex(at, avail, &o, &pk, &why);
    if (n > 0) {
      rc = report(w, c, dir, (size_t)n, 0, &pk, NULL);
      /* Later packets on this connection are read as its CONNECT said. */
      uint8_t level = pk.type == MQS_CONNECT ? pk.connect.level : 0;
      if (dir == MQS_WIRE_TO_BROKER && (level == MQS_V31 || level == MQS_V311 || level == MQS_V5))
        c->version = (mqs_version)level;
      continue;
    }
    if (n == MQS_INCOMPLETE)
      return at_end ? report(w, c, dir, avail, MQS_INCOMPLETE, NULL, NULL) : 0;
    /* Rejected. Decode says so as soon as the bytes show it; wait for the
     * whole packet so it is reported once, with all its bytes. */
    size_t total = 0;
    mqs_violation fwhy;
    int f = mqs_frame(at, avail, &total, &fwhy);
    if (f == 0 && total <= avail) {
      rc = report(w, c, dir, total, (int)n, NULL, &why);
    } else if (f == 0 || f == MQS_INCOMPLETE) {
      return at_end ? report(w, c, dir, avail, (int)n, NULL, &why) : 0;
    } else {
      s->unframed = true;
      rc = report(w, c, dir, avail, (int)n, NULL, &why);
    }
  }
  return rc;
}

static int drain(walker *w, connection *c, mqs_wire_dir dir, bool at_end) {
  int rc = drain_some(w, c, dir, at_end);
  compact(&c->s[dir]);
  return rc;
}

/* Called after drain(), so nothing consumed is left before the pending bytes. */
static int append(stream *s, size_t event, const uint8_t *data, size_t len) {
  if (grow((void **)&s->buf, &s->cap, s->len + len, 1) < 0 ||
      grow((void **)&s->chunks, &s->cap_chunks, s->n_chunks + 1, sizeof *s->chunks) < 0)
    return MQS_ENOMEM;
  s->chunks[s->n_chunks++] = (chunk){.offset = s->base + s->len, .event = event};
  if (len > 0) memcpy(s->buf + s->len, data, len);
  s->len += len;
  s->last_event = event;
  return 0;
}

/* The stream ends at event i: report its leftovers there. */
static int end(walker *w, connection *c, mqs_wire_dir dir, size_t i) {
  stream *s = &c->s[dir];
  if (s->ended) return 0;
  s->ended = true;
  if (s->len == 0) return 0;
  s->last_event = i;
  return drain(w, c, dir, true);
}

static int step(walker *w, size_t i) {
  const mqs_wire_event *e = &w->t->ev[i];
  connection *c = find_conn(w, e->conn);
  if (!c) return MQS_ENOMEM;
  int rc = 0;
  switch (e->kind) {
  case MQS_WIRE_SENT:
  case MQS_WIRE_RECEIVED: {
    mqs_wire_dir dir = e->kind == MQS_WIRE_SENT ? MQS_WIRE_TO_BROKER : MQS_WIRE_TO_CLIENT;
    if (e->len == 0) return 0;
    rc = append(&c->s[dir], i, e->data, e->len);
    if (rc == 0) rc = drain(w, c, dir, false);
    break;
  }
  case MQS_WIRE_HALF_CLOSED: rc = end(w, c, MQS_WIRE_TO_BROKER, i); break;
  case MQS_WIRE_CLOSED_PEER: rc = end(w, c, MQS_WIRE_TO_CLIENT, i); break;
  case MQS_WIRE_CLOSED_LOCAL: /* the harness reads no more either */
  case MQS_WIRE_RESET_LOCAL:
  case MQS_WIRE_RESET_PEER:
    rc = end(w, c, MQS_WIRE_TO_BROKER, i);
    if (rc == 0) rc = end(w, c, MQS_WIRE_TO_CLIENT, i);
    break;
  case MQS_WIRE_OPEN: break;
  }
  return rc;
}

int mqs_wire_decode(const mqs_transcript *t, mqs_wire_packet_fn fn, void *ctx) {
  walker w = {.t = t, .fn = fn, .ctx = ctx};
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < t->n; i++)
    rc = step(&w, i);
  for (size_t k = 0; rc == 0 && k < w.n_conns; k++)
    for (int d = 0; rc == 0 && d < 2; d++)
      if (w.conns[k].s[d].len > 0) rc = drain(&w, &w.conns[k], (mqs_wire_dir)d, true);
  for (size_t k = 0; k < w.n_conns; k++)
    for (int d = 0; d < 2; d++) {
      free(w.conns[k].s[d].buf);
      free(w.conns[k].s[d].chunks);
    }
  free(w.conns);
  return rc;
}
