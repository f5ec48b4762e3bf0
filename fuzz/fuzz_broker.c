/* fuzz/fuzz_broker.c — the broker core (no sockets) driven by up to four
 * clients at once, every step chosen by the input.
 *
 * fuzz-link: mqs_broker_core
 * fuzz-srcs: broker/acl.c broker/alias.c broker/auth.c broker/auth_flow.c broker/connect.c broker/core.c broker/crypto.c broker/deliver.c broker/invariants.c broker/msg.c broker/publish.c broker/retain.c broker/scram.c broker/session.c broker/subs.c broker/subscribe.c broker/sys.c broker/tick.c broker/tree.c broker/util.c broker/will.c
 * fuzz-ldflags: -lcrypto
 * (the sources of mqs_broker_core, and OpenSSL libcrypto for the password hashes and SCRAM)
 *
 * Input: a config byte, then operations until the input runs out. The
 * config byte: bit 0 Maximum QoS 1, bit 1 no retain, bit 2 a password
 * database and no anonymous clients, bit 3 an ACL, bit 4 max_output_bytes
 * 64, bit 5 wildcards, shared subscriptions, subscription identifiers,
 * topic aliases and response information off, bits 6-7 one of four limit
 * sets (small queues, inflight, Receive Maximum, aliases and packet size so
 * that the limits are reached; or short keep alive, session expiry and
 * CONNECT timeout).
 *
 * Each operation is one byte: bits 0-1 the client (0..3), bits 2-4 what:
 *   0 connect: accept, then feed canned CONNECT number (next byte)
 *   1 connect raw: accept, then feed a slice of the input (as 2)
 *   2, 3 feed: length byte, split byte, then that many input bytes, fed in
 *     two calls split where the split byte says
 *   4 clock: step byte (low 6 bits times 1, 100, 1000 or 10000 ms by the
 *     top two), then mqs_broker_tick
 *   5 drain partially: a byte count (a slow reader)
 *   6 drain fully
 *   7 close abruptly (mqs_client_gone), or with bit 5 of the op byte set,
 *     mqs_client_kick with 0x8B
 * A client the broker wants closed is drained and closed at once.
 *
 * After every step: mqs_broker_check_invariants, and every byte the broker
 * has handed out so far decodes with the codec as server-sent bytes of the
 * version the client's CONNECT chose, within the client's Maximum Packet
 * Size and Topic Alias Maximum (a broker must never send a malformed
 * packet). At the end every client is drained fully, nothing may be left
 * half a packet, and everything is freed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mqs/broker.h"
#include "mqs/codec.h"

#define N_CLIENTS 4
#define CIN_CAP 1024

typedef struct {
  mqs_client *c;
  int ver;           /* 0: not known yet (no CONNECT framed) */
  bool cin_done;     /* the first packet was decoded (or gave up) */
  uint8_t cin[CIN_CAP];
  size_t cin_len;
  uint32_t peer_max_packet; /* 5.0 Maximum Packet Size of the CONNECT, 0: none */
  uint16_t peer_alias_max;
  uint8_t *rx; /* drained bytes not yet a whole packet */
  size_t rx_len, rx_cap;
} fclient;

typedef struct {
  mqs_broker *b;
  uint32_t max_packet_size;
  uint64_t now;
  fclient cl[N_CLIENTS];
} fenv;

static const char *const canned_hex[] = {
    /* 3.1.1, clean, keep alive 60, "a" */
    "100d00044d5154540402003c000161",
    /* 3.1.1, will QoS 1 retained, keep alive 5, "w" */
    "101700044d51545404 2e0005000177 0003742f77 0003627965",
    /* 3.1.1, persistent session, user u, password p, "s" */
    "101300044d5154540 4c0003c000173000175000170",
    /* 3.1 (MQIsdp), "b" */
    "100f00064d5149736470 0302003c000162",
    /* 5.0 minimal, "c" */
    "100e00044d5154540502003c00000163",
    /* 5.0, persistent, Session Expiry 30, Receive Maximum 2, Topic Alias
     * Maximum 2, Maximum Packet Size 128, "d" */
    "101e00044d51545405 00003c 10 110000001e 210002 220002 2700000080 000164",
    /* 5.0, will QoS 2 with Will Delay 5, user u, password p, keep alive 3, "e" */
    "102200044d51545405d60003 00 000165 051800000005 0003742f65 000178 000175 000170",
    /* 5.0, empty client id, Request Response Information */
    "100f00044d5154540502003c 021901 0000",
    /* 5.0, SCRAM-SHA-256 enhanced authentication, "f" */
    "102d00044d5154540502003c 1f 15000d5343 52414d2d5348412d323536 16000c6e2c2c6e3d752c723d616263 000166",
    /* 3.1.1, same client id as the first (takeover), keep alive 0 */
    "100d00044d51545404020000000161",
};
#define N_CANNED (sizeof canned_hex / sizeof canned_hex[0])
static uint8_t canned[N_CANNED][64];
static size_t canned_len[N_CANNED];

static mqs_auth *users;
static mqs_acl *acl;

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

static void init_once(void) {
  if (users) return;
  for (size_t i = 0; i < N_CANNED; i++) {
    const char *h = canned_hex[i];
    size_t n = 0;
    int hi = -1;
    for (; *h; h++) {
      int v = hexval(*h);
      if (v < 0) continue;
      if (hi < 0) {
        hi = v;
      } else {
        FUZZ_CHECK(n < sizeof canned[i], "canned CONNECT %zu too long", i);
        canned[i][n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
      }
    }
    canned_len[i] = n;
    mqs_packet p;
    mqs_violation why;
    ssize_t r = mqs_decode(canned[i], n, MQS_V5, &p, &why);
    FUZZ_CHECK(r == (ssize_t)n && p.type == MQS_CONNECT, "canned CONNECT %zu does not decode", i);
  }
  users = mqs_auth_new();
  FUZZ_CHECK(users != NULL, "mqs_auth_new");
  FUZZ_CHECK(mqs_auth_set(users, "u", (const uint8_t *)"p", 1, (const uint8_t *)"saltsalt", 8, 1) == 0,
             "mqs_auth_set");
  acl = mqs_acl_new();
  FUZZ_CHECK(acl != NULL, "mqs_acl_new");
  char err[128];
  FUZZ_CHECK(mqs_acl_parse(acl,
                           "topic read a/#\n"
                           "topic readwrite t/#\n"
                           "pattern write c/%c/#\n"
                           "user u\n"
                           "topic readwrite #\n",
                           "acl", err, sizeof err) == 0,
             "acl: %s", err);
}

static void configure(mqs_broker_config *cfg, uint8_t k) {
  mqs_broker_config_defaults(cfg);
  cfg->sys_interval_s = 0;
  cfg->scram_iterations_min = 1;
  if (k & 0x01) cfg->max_qos = 1;
  if (k & 0x02) cfg->retain_available = false;
  if (k & 0x04) {
    cfg->auth = users;
    cfg->allow_anonymous = false;
  }
  if (k & 0x08) cfg->acl = acl;
  if (k & 0x10) cfg->max_output_bytes = 64;
  if (k & 0x20) {
    cfg->wildcard_available = false;
    cfg->shared_available = false;
    cfg->sub_id_available = false;
    cfg->topic_alias_max = 0;
    cfg->topic_alias_out = false;
    cfg->response_information = false;
  }
  switch (k >> 6) {
  case 0:
    cfg->max_queued = 3;
    cfg->max_queued_bytes = 64;
    cfg->max_inflight = 1;
    cfg->receive_max = 1;
    if (cfg->topic_alias_max) cfg->topic_alias_max = 1;
    cfg->max_packet_size = 64;
    cfg->max_retained = 2;
    cfg->max_subs_per_client = 2;
    cfg->max_sessions = 3;
    cfg->max_clients = 3;
    break;
  case 1:
    cfg->max_queued = 8;
    cfg->max_queued_bytes = 512;
    cfg->max_inflight = 3;
    cfg->receive_max = 4;
    if (cfg->topic_alias_max) cfg->topic_alias_max = 3;
    cfg->max_packet_size = 512;
    cfg->max_retained = 5;
    cfg->max_subs_per_client = 8;
    break;
  case 2:
    cfg->sys_interval_s = 1;
    cfg->max_queued = 20;
    cfg->max_inflight = 5;
    break;
  default:
    cfg->max_keep_alive = 2;
    cfg->max_session_expiry = 10;
    cfg->connect_timeout_ms = 500;
    cfg->max_topic_levels = 4;
    cfg->max_queued = 5;
    cfg->max_inflight = 2;
    cfg->receive_max = 2;
    break;
  }
}

/* Learn the version (and 5.0 limits) from the client's first packet, as
 * the broker reads it. */
static void note_input(fenv *e, fclient *f, const uint8_t *p, size_t n) {
  if (f->cin_done) return;
  size_t take = n < CIN_CAP - f->cin_len ? n : CIN_CAP - f->cin_len;
  memcpy(f->cin + f->cin_len, p, take);
  f->cin_len += take;
  mqs_decode_opts o = {.version = MQS_V5, .from = MQS_FROM_CLIENT,
                       .max_packet_size = e->max_packet_size};
  mqs_packet pkt;
  mqs_violation why;
  memset(&pkt, 0, sizeof pkt);
  ssize_t r = mqs_decode_ex(f->cin, f->cin_len, &o, &pkt, &why);
  if (r == MQS_INCOMPLETE) {
    if (f->cin_len == CIN_CAP) f->cin_done = true; /* too long to follow: version unknown */
    return;
  }
  f->cin_done = true;
  if (pkt.type != MQS_CONNECT) return;
  uint8_t level = pkt.connect.level;
  if (r > 0) {
    f->ver = level;
    if (level == MQS_V5) {
      if (mqs_props_has(&pkt.connect.props, MQS_PROP_MAX_PACKET_SIZE))
        f->peer_max_packet = pkt.connect.props.max_packet_size;
      if (mqs_props_has(&pkt.connect.props, MQS_PROP_TOPIC_ALIAS_MAX))
        f->peer_alias_max = pkt.connect.props.topic_alias_max;
    }
  } else if (level == MQS_V5) {
    f->ver = MQS_V5;
  } else if (level != 0) {
    f->ver = MQS_V311; /* refused in the form every version reads */
  }
}

static ssize_t decode_out(const fclient *f, int ver, const uint8_t *p, size_t n, mqs_packet *pkt,
                          mqs_violation *why) {
  mqs_decode_opts o = {.version = (mqs_version)ver, .from = MQS_FROM_SERVER};
  if (ver == MQS_V5) {
    o.max_packet_size = f->peer_max_packet;
    o.topic_alias_max = f->peer_alias_max;
    o.flags = MQS_DEC_CHECK_ALIAS_MAX;
  }
  memset(why, 0, sizeof *why);
  return mqs_decode_ex(p, n, &o, pkt, why);
}

/* Decode every whole packet of what was drained so far. */
static void check_rx(fclient *f, int k) {
  if (!f->rx_len) return;
  size_t off = 0;
  while (off < f->rx_len) {
    mqs_packet pkt;
    mqs_violation why;
    ssize_t r;
    if (f->ver) {
      r = decode_out(f, f->ver, f->rx + off, f->rx_len - off, &pkt, &why);
    } else { /* CONNECT not followed: either version will do */
      r = decode_out(f, MQS_V5, f->rx + off, f->rx_len - off, &pkt, &why);
      if (r < 0 && r != MQS_INCOMPLETE)
        r = decode_out(f, MQS_V311, f->rx + off, f->rx_len - off, &pkt, &why);
    }
    if (r == MQS_INCOMPLETE) break;
    if (r < 0) {
      fuzz_dump("broker output", f->rx + off, f->rx_len - off);
      FUZZ_CHECK(r > 0, "client %d (version %d): the broker sent a malformed packet: %s: %s (%s) at %zu",
                 k, f->ver, mqs_errname((int)r), why.what ? why.what : "?",
                 why.statement ? why.statement : "-", why.offset);
    }
    off += (size_t)r;
  }
  memmove(f->rx, f->rx + off, f->rx_len - off);
  f->rx_len -= off;
}

/* Take up to max bytes of c's output (SIZE_MAX: all of it). */
static void drain(fclient *f, int k, size_t max) {
  size_t got = 0;
  for (int rounds = 0; got < max && rounds < 1000; rounds++) {
    const uint8_t *p;
    size_t m = mqs_client_output(f->c, &p);
    if (!m) {
      if (max == SIZE_MAX) {
        check_rx(f, k);
        if (f->rx_len) fuzz_dump("left over", f->rx, f->rx_len);
        FUZZ_CHECK(f->rx_len == 0, "client %d: output ended in the middle of a packet (%zu bytes)",
                   k, f->rx_len);
      }
      return;
    }
    if (m > max - got) m = max - got;
    if (f->rx_len + m > f->rx_cap) {
      size_t cap = f->rx_cap ? f->rx_cap : 256;
      while (cap < f->rx_len + m) cap *= 2;
      uint8_t *n = realloc(f->rx, cap);
      FUZZ_CHECK(n != NULL, "out of memory");
      f->rx = n;
      f->rx_cap = cap;
    }
    memcpy(f->rx + f->rx_len, p, m);
    f->rx_len += m;
    mqs_client_output_done(f->c, m);
    got += m;
    check_rx(f, k);
  }
}

static void close_client(fenv *e, fclient *f) {
  mqs_client_gone(f->c, e->now);
  free(f->rx);
  memset(f, 0, sizeof *f);
}

static void feed(fenv *e, fclient *f, const uint8_t *p, size_t n) {
  if (!f->c || !n) return;
  note_input(e, f, p, n);
  mqs_client_input(f->c, p, n, e->now);
}

static void check(fenv *e) {
  char why[512];
  if (mqs_broker_check_invariants(e->b, why, sizeof why)) {
    fprintf(stderr, "broker invariant broken: %s\n", why);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  init_once();
  if (!size) return 0;
  mqs_broker_config cfg;
  configure(&cfg, data[0]);
  fenv e;
  memset(&e, 0, sizeof e);
  e.now = 1000;
  e.max_packet_size = cfg.max_packet_size;
  e.b = mqs_broker_new(&cfg, e.now);
  FUZZ_CHECK(e.b != NULL, "mqs_broker_new");
  size_t i = 1;
#define NEXT() (i < size ? data[i++] : 0)
  while (i < size) {
    uint8_t op = data[i++];
    int k = op & 3;
    fclient *f = &e.cl[k];
    switch ((op >> 2) & 7) {
    case 0: {
      uint8_t which = NEXT();
      if (f->c) break;
      f->c = mqs_broker_accept(e.b, "fuzz", NULL, e.now);
      if (f->c) feed(&e, f, canned[which % N_CANNED], canned_len[which % N_CANNED]);
      break;
    }
    case 1:
      if (!f->c) f->c = mqs_broker_accept(e.b, "fuzz", NULL, e.now);
      __attribute__((fallthrough));
    case 2:
    case 3: {
      size_t len = NEXT();
      size_t split = NEXT();
      if (len > size - i) len = size - i;
      split = len ? split % (len + 1) : 0;
      feed(&e, f, data + i, split);
      if (f->c && !mqs_client_should_close(f->c)) feed(&e, f, data + i + split, len - split);
      i += len;
      break;
    }
    case 4: {
      uint8_t s = NEXT();
      static const uint64_t unit[4] = {1, 100, 1000, 10000};
      e.now += (uint64_t)(s & 0x3F) * unit[s >> 6];
      mqs_broker_tick(e.b, e.now);
      break;
    }
    case 5: {
      size_t m = NEXT();
      if (f->c) drain(f, k, m ? m : 1);
      break;
    }
    case 6:
      if (f->c) drain(f, k, SIZE_MAX);
      break;
    default:
      if (!f->c) break;
      if (op & 0x20) {
        mqs_client_kick(f->c, 0x8B, e.now);
      } else {
        close_client(&e, f);
      }
      break;
    }
#undef NEXT
    for (int j = 0; j < N_CLIENTS; j++) {
      fclient *g = &e.cl[j];
      if (g->c && mqs_client_should_close(g->c)) {
        drain(g, j, SIZE_MAX);
        close_client(&e, g);
      }
    }
    check(&e);
  }
  for (int j = 0; j < N_CLIENTS; j++) {
    if (!e.cl[j].c) continue;
    drain(&e.cl[j], j, SIZE_MAX);
    check(&e);
    close_client(&e, &e.cl[j]);
  }
  check(&e);
  mqs_broker_free(e.b);
  return 0;
}
