/* harness/corpus.c — a run's traffic as fuzz seeds (corpus.h). */
#include "corpus.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqs/codec.h"

typedef struct {
  uint8_t *p;
  size_t n, cap;
} buf;

static int put(buf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n) cap *= 2;
    uint8_t *q = realloc(b->p, cap);
    if (!q) return errno = ENOMEM, -1;
    b->p = q;
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, p, n);
  b->n += n;
  return 0;
}

static int put_u8(buf *b, unsigned v) {
  uint8_t c = (uint8_t)v;
  return put(b, &c, 1);
}

/* mkdir -p */
static int make_dirs(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) return errno = n ? ENAMETOOLONG : ENOENT, -1;
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] != '/' && tmp[i] != '\0') continue;
    char c = tmp[i];
    tmp[i] = '\0';
    if (mkdir(tmp, 0777) < 0 && errno != EEXIST) return -1;
    tmp[i] = c;
  }
  struct stat st;
  if (stat(path, &st) < 0) return -1;
  if (!S_ISDIR(st.st_mode)) return errno = ENOTDIR, -1;
  return 0;
}

typedef struct {
  const char *dir;
  mqs_corpus_stats *st;
} sink;

/* One seed: DIR/<target>/<sha256 of p>, unless that file is there already. */
static int seed(sink *s, const char *target, const uint8_t *p, size_t n) {
  uint8_t md[32];
  unsigned int md_len = sizeof md;
  if (!EVP_Digest(p, n, md, &md_len, EVP_sha256(), NULL) || md_len != sizeof md)
    return errno = EIO, -1;
  char path[4096];
  int k = snprintf(path, sizeof path, "%s/%s", s->dir, target);
  if (k < 0 || (size_t)k + 2 + 2 * sizeof md > sizeof path) return errno = ENAMETOOLONG, -1;
  if (make_dirs(path) < 0) return -1;
  path[k++] = '/';
  for (size_t i = 0; i < sizeof md; i++) snprintf(path + k + 2 * i, 3, "%02x", md[i]);
  FILE *f = fopen(path, "wbx");
  if (!f) {
    if (errno != EEXIST) return -1;
    s->st->known++;
    return 0;
  }
  size_t w = n ? fwrite(p, 1, n, f) : 0;
  if (fclose(f) != 0 || w != n) {
    int e = errno ? errno : EIO;
    remove(path); /* a cut seed would be named by a hash it does not have */
    return errno = e, -1;
  }
  s->st->added++;
  return 0;
}

/* ---- fuzz_decode_*, fuzz_props -------------------------------------------- */

/* A property block as fuzz_props reads it: the length (a minimal variable
 * byte integer), then the properties as received. */
static int props_seed(sink *s, buf *tmp, const mqs_props *pr) {
  if (!pr || !pr->raw.p) return 0; /* left out of the packet */
  tmp->n = 0;
  uint32_t v = pr->raw.len;
  do {
    if (put_u8(tmp, (v & 0x7F) | (v > 0x7F ? 0x80 : 0)) < 0) return -1;
    v >>= 7;
  } while (v);
  if (put(tmp, pr->raw.p, pr->raw.len) < 0) return -1;
  return seed(s, "fuzz_props", tmp->p, tmp->n);
}

static int packet_props(sink *s, buf *tmp, const uint8_t *p, size_t n, mqs_direction from) {
  mqs_decode_opts o = {.version = MQS_V5, .from = from};
  mqs_packet pkt;
  mqs_violation why;
  if (mqs_decode_ex(p, n, &o, &pkt, &why) != (ssize_t)n) return 0;
  if (props_seed(s, tmp, mqs_packet_props(&pkt)) < 0) return -1;
  if (pkt.type == MQS_CONNECT && pkt.connect.will)
    return props_seed(s, tmp, &pkt.connect.will_props);
  return 0;
}

/* Every packet of one direction of a connection, as the decode target of
 * version v reads it: control byte 0x01 (from the client) or 0x02 (from
 * the server), then the packet. */
static int stream_seeds(sink *s, const buf *b, mqs_version v, mqs_direction from) {
  const char *target = v == MQS_V5 ? "fuzz_decode_v5" : "fuzz_decode_v311";
  buf one = {0}, tmp = {0};
  int rc = 0;
  for (size_t off = 0; rc == 0 && off < b->n;) {
    size_t total = 0, left = b->n - off;
    mqs_violation why;
    bool whole = mqs_frame(b->p + off, left, &total, &why) == 0 && total > 0 && total <= left;
    size_t n = whole ? total : left;
    one.n = 0;
    if (put_u8(&one, from == MQS_FROM_CLIENT ? 0x01 : 0x02) < 0 || put(&one, b->p + off, n) < 0)
      rc = -1;
    else
      rc = seed(s, target, one.p, one.n);
    if (rc == 0 && whole && v == MQS_V5) rc = packet_props(s, &tmp, b->p + off, n, from);
    off += n;
  }
  free(one.p);
  free(tmp.p);
  return rc;
}

/* The version the connection's CONNECT asked for, else the scenario's. */
static mqs_version conn_version(const buf *sent, int scenario_version) {
  mqs_version dflt = scenario_version == 5 ? MQS_V5 : MQS_V311;
  if (!sent->n) return dflt;
  mqs_packet p;
  mqs_violation why;
  memset(&p, 0, sizeof p);
  if (mqs_decode(sent->p, sent->n, MQS_V5, &p, &why) == MQS_INCOMPLETE || p.type != MQS_CONNECT)
    return dflt;
  if (p.connect.level == 5) return MQS_V5;
  if (p.connect.level == 3 || p.connect.level == 4) return MQS_V311;
  return dflt;
}

/* ---- fuzz_broker -------------------------------------------------------------- */

/* fuzz_broker's operations (fuzz/fuzz_broker.c): bits 0-1 the client, bits
 * 2-4 what. */
enum { OP_CONNECT_RAW = 1, OP_FEED = 2, OP_CLOCK = 4, OP_DRAIN = 6, OP_CLOSE = 7 };
#define BROKER_CLIENTS 4
/* Limit set 2 of fuzz_broker's config byte: the defaults, with $SYS every
 * second and room for the suite's queues; no ACL, no password database. */
#define BROKER_CONFIG 0x80

typedef struct {
  buf b;
  int *slot;      /* per connection: fuzz_broker's client, or -1 */
  bool used[BROKER_CLIENTS];
  uint64_t ms;    /* the target's clock, from the start of the scenario */
  int drained;    /* the last operation drained this client (-1: it did not) */
} bseed;

static int op(bseed *z, int what, int k) {
  z->drained = -1;
  return put_u8(&z->b, (unsigned)(what << 2 | k));
}

/* Clock steps up to t_us; steps under 10 ms are left out (the broker's
 * timers are coarser, and every step is two input bytes). */
static int clock_to(bseed *z, uint64_t t_us) {
  static const uint64_t unit[4] = {1, 100, 1000, 10000};
  uint64_t now = t_us / 1000;
  if (now < z->ms + 10) return 0;
  uint64_t d = now - z->ms;
  z->ms = now;
  for (int u = 3; u >= 0; u--)
    while (d >= unit[u]) {
      uint64_t n = d / unit[u] > 63 ? 63 : d / unit[u];
      if (op(z, OP_CLOCK, 0) < 0 || put_u8(&z->b, (unsigned)(u << 6) | (unsigned)n) < 0) return -1;
      d -= n * unit[u];
    }
  return 0;
}

/* The client of connection c, accepting it on its first event (-1 when all
 * four are taken: the connection is left out). */
static int slot_for(bseed *z, uint32_t c) {
  if (z->slot[c] >= 0) return z->slot[c];
  for (int k = 0; k < BROKER_CLIENTS; k++)
    if (!z->used[k]) {
      z->used[k] = true;
      z->slot[c] = k;
      /* connect raw with an empty slice: accept, feed nothing */
      if (op(z, OP_CONNECT_RAW, k) < 0 || put_u8(&z->b, 0) < 0 || put_u8(&z->b, 0) < 0) return -2;
      return k;
    }
  return -1;
}

static int broker_seed(sink *s, const mqs_transcript *t, size_t n_conns) {
  bseed z = {.drained = -1};
  int rc = -1;
  z.slot = malloc(n_conns * sizeof *z.slot);
  if (!z.slot || put_u8(&z.b, BROKER_CONFIG) < 0) goto out;
  for (size_t c = 0; c < n_conns; c++) z.slot[c] = -1;
  for (size_t i = 0; i < t->n; i++) {
    const mqs_wire_event *e = &t->ev[i];
    int k = z.slot[e->conn];
    switch (e->kind) {
    case MQS_WIRE_OPEN:
    case MQS_WIRE_SENT:
      if (clock_to(&z, e->t_us) < 0 || (k = slot_for(&z, e->conn)) == -2) goto out;
      for (size_t off = 0; k >= 0 && off < e->len;) {
        size_t n = e->len - off > 255 ? 255 : e->len - off;
        /* feed: length, split 0 (all of it in the second call) */
        if (op(&z, OP_FEED, k) < 0 || put_u8(&z.b, (unsigned)n) < 0 || put_u8(&z.b, 0) < 0 ||
            put(&z.b, e->data + off, n) < 0)
          goto out;
        off += n;
      }
      break;
    case MQS_WIRE_RECEIVED:
      if (k >= 0 && z.drained != k) {
        if (op(&z, OP_DRAIN, k) < 0) goto out;
        z.drained = k;
      }
      break;
    case MQS_WIRE_CLOSED_LOCAL:
    case MQS_WIRE_RESET_LOCAL:
    case MQS_WIRE_CLOSED_PEER:
    case MQS_WIRE_RESET_PEER:
      /* Closed by the broker, the target has closed the client already
       * (then this is a no-op); either way the slot is free for the next. */
      if (k < 0) break;
      if (clock_to(&z, e->t_us) < 0 || op(&z, OP_CLOSE, k) < 0) goto out;
      z.used[k] = false;
      z.slot[e->conn] = -1;
      break;
    case MQS_WIRE_HALF_CLOSED:
      break;
    }
  }
  rc = z.b.n > 1 ? seed(s, "fuzz_broker", z.b.p, z.b.n) : 0;
out:
  free(z.slot);
  free(z.b.p);
  return rc;
}

/* ---- a scenario ------------------------------------------------------------------ */

static int scenario_seeds(sink *s, const mqs_scenario_result *r) {
  const mqs_transcript *t = &r->transcript;
  size_t n_conns = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->ev[i].conn >= n_conns) n_conns = (size_t)t->ev[i].conn + 1;
  if (!n_conns) return 0;
  buf *sent = calloc(n_conns, sizeof *sent), *recv = calloc(n_conns, sizeof *recv);
  int rc = -1;
  if (!sent || !recv) goto out;
  for (size_t i = 0; i < t->n; i++) {
    const mqs_wire_event *e = &t->ev[i];
    if (e->kind == MQS_WIRE_SENT && put(&sent[e->conn], e->data, e->len) < 0) goto out;
    if (e->kind == MQS_WIRE_RECEIVED && put(&recv[e->conn], e->data, e->len) < 0) goto out;
  }
  for (size_t c = 0; c < n_conns; c++) {
    mqs_version v = conn_version(&sent[c], r->version);
    if (stream_seeds(s, &sent[c], v, MQS_FROM_CLIENT) < 0 ||
        stream_seeds(s, &recv[c], v, MQS_FROM_SERVER) < 0)
      goto out;
  }
  rc = broker_seed(s, t, n_conns);
out:
  for (size_t c = 0; c < n_conns; c++) {
    if (sent) free(sent[c].p);
    if (recv) free(recv[c].p);
  }
  free(sent);
  free(recv);
  return rc;
}

int mqs_corpus_save(const mqs_run_result *run, const char *dir, mqs_corpus_stats *st) {
  memset(st, 0, sizeof *st);
  if (make_dirs(dir) < 0) return -1;
  sink s = {dir, st};
  for (size_t i = 0; i < run->n; i++)
    if (scenario_seeds(&s, &run->results[i]) < 0) return -1;
  return 0;
}
