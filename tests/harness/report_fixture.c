/* tests/harness/report_fixture.c — the synthetic run the report tests share. */
#include "report_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char fx_hostile_message[] =
    "expected PUBACK <id=7> & \"ok\", got\x01\x1b[31m nothing\x7f ]]> "
    "\xff\xfe end\nsecond line\twith a tab\r\nthird";

static void *must(void *p) {
  if (!p) {
    fprintf(stderr, "report_fixture: out of memory\n");
    abort();
  }
  return p;
}

static char *copy_str(const char *s) { return must(strdup(s)); }

/* ---- building one scenario ------------------------------------------------ */

typedef struct {
  mqs_scenario_result *r;
  fx_expect *x;
  uint64_t t_us;
  /* per conn (< 4) and direction: bytes so far, and where the current packet began */
  uint64_t stream_len[4][2], pkt_start[4][2];
  size_t pkt_first_event[4][2];
  uint8_t pkt_type[4][2];
  bool pkt_open[4][2];
} builder;

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static size_t add_event(builder *b, mqs_wire_kind kind, uint32_t conn, const char *client,
                        const uint8_t *data, size_t len) {
  mqs_transcript *t = &b->r->transcript;
  if (mqs_transcript_add(t, kind, conn, client, b->t_us, data, len) != 0) must(NULL);
  b->t_us += 150; /* events a little apart, so timestamps differ */
  return t->n - 1;
}

static void expect_packet(builder *b, uint32_t conn, int dir, char mark, size_t listed_in) {
  fx_expect *x = b->x;
  if (x->n == x->cap) {
    x->cap = x->cap ? x->cap * 2 : 16;
    x->v = must(realloc(x->v, x->cap * sizeof *x->v));
  }
  x->v[x->n++] = (fx_packet){.conn = conn,
                             .dir = dir,
                             .offset = b->pkt_start[conn][dir],
                             .len = (size_t)(b->stream_len[conn][dir] - b->pkt_start[conn][dir]),
                             .mark = mark,
                             .type = b->pkt_type[conn][dir],
                             .first_event = b->pkt_first_event[conn][dir],
                             .listed_in = listed_in};
  if (mark != '|') x->clean = false;
  b->pkt_start[conn][dir] = b->stream_len[conn][dir];
  b->pkt_open[conn][dir] = false;
}

/* One write (dir 0) or read (dir 1) given as marked hex; see the header. */
static void io(builder *b, int dir, uint32_t conn, const char *client, const char *marked) {
  uint8_t *buf = must(malloc(strlen(marked) / 2 + 1));
  size_t n = 0;
  size_t index = b->r->transcript.n; /* of the event about to be added */
  for (const char *s = marked; *s;) {
    if (*s == ' ') {
      s++;
    } else if (strchr("|!~?", *s)) {
      /* '?' waits for the close or reset that ends the stream: see end() */
      expect_packet(b, conn, dir, *s, *s == '?' ? (size_t)-1 : index);
      s++;
    } else {
      int hi = hexval(s[0]), lo = s[1] ? hexval(s[1]) : -1;
      if (hi < 0 || lo < 0) {
        fprintf(stderr, "report_fixture: bad hex at '%s'\n", s);
        abort();
      }
      if (!b->pkt_open[conn][dir]) {
        b->pkt_open[conn][dir] = true;
        b->pkt_first_event[conn][dir] = index;
        b->pkt_type[conn][dir] = (uint8_t)hi;
      }
      buf[n++] = (uint8_t)(hi << 4 | lo);
      b->stream_len[conn][dir]++;
      s += 2;
    }
  }
  add_event(b, dir ? MQS_WIRE_RECEIVED : MQS_WIRE_SENT, conn, client, buf, n);
  free(buf);
}

static void sent(builder *b, uint32_t conn, const char *client, const char *marked) {
  io(b, 0, conn, client, marked);
}

static void recv_(builder *b, uint32_t conn, const char *client, const char *marked) {
  io(b, 1, conn, client, marked);
}

/* A close or reset: packets left open ('?') in the streams it ends are listed here. */
static void end(builder *b, mqs_wire_kind kind, uint32_t conn, const char *client) {
  size_t index = add_event(b, kind, conn, client, NULL, 0);
  bool ends[2] = {kind != MQS_WIRE_CLOSED_PEER, kind != MQS_WIRE_HALF_CLOSED};
  for (size_t i = 0; i < b->x->n; i++) {
    fx_packet *p = &b->x->v[i];
    if (p->conn == conn && ends[p->dir] && p->listed_in == (size_t)-1) p->listed_in = index;
  }
}

static void open_(builder *b, uint32_t conn, const char *client) {
  add_event(b, MQS_WIRE_OPEN, conn, client, NULL, 0);
}

/* ---- the scenarios ---------------------------------------------------------- */

#define CONNECT5   "10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 63 69 64"
#define CONNACK5   "20 03 00 00 00"
#define CONNECT4   "10 0f 00 04 4d 51 54 54 04 02 00 3c 00 03 63 69 64"
#define CONNACK4   "20 02 00 00"
#define SUBSCRIBE5 "82 09 00 01 00 00 03 61 2f 62 01"
#define SUBACK5    "90 04 00 01 00 01"

static mqs_scenario_result *next(fx_run *f, builder *b, const char *id, const char *file,
                                 int version, mqs_verdict v, const char *classname,
                                 const char *junit, const char *pcap) {
  size_t i = f->run.n++;
  mqs_scenario_result *r = &f->run.results[i];
  memset(r, 0, sizeof *r);
  memset(b, 0, sizeof *b);
  b->r = r;
  b->x = &f->expect[i];
  memset(b->x, 0, sizeof *b->x);
  b->x->clean = true;
  b->x->classname = classname;
  b->x->junit = junit;
  b->x->pcap = pcap;
  r->id = id;
  r->file = file;
  r->version = version;
  r->verdict = v;
  r->level = MQS_LEVEL_MUST;
  r->failed_step = -1;
  r->started_us = 1000 + i * 50000;
  r->duration_us = 20000 + i * 1234;
  r->transcript.version = version;
  return r;
}

/* The v5 session of one client, every read and write cut at an odd place:
 * packets split over two and three events, several in one. */
static void session_split(fx_run *f) {
  static const char *const st[] = {"MQTT-3.1.0-1", "MQTT-3.1.2-2", "MQTT-3.1.2-9", "MQTT-3.1.2-10"};
  static const char *const tags[] = {"connect", "split"};
  builder b;
  mqs_scenario_result *r =
      next(f, &b, "v5.session.split-reads", "scenarios/v5/3.1-connect/session-split.yaml", 5,
           MQS_VERDICT_PASS, "mqtt5.3.1-connect", "", "v5.session.split-reads.pcap");
  r->title = "A session whose reads & writes split packets";
  r->statements = st;
  r->n_statements = 4;
  r->tags = tags;
  r->n_tags = 2;
  open_(&b, 0, "c1");
  sent(&b, 0, "c1", "10 10 00 04 4d 51 54");
  sent(&b, 0, "c1", "54 05 02 00 3c 00 00 03 63 69 64 | 82 09 00");
  recv_(&b, 0, "c1", "20");
  recv_(&b, 0, "c1", "03 00 00 00 |");
  sent(&b, 0, "c1", "01 00 00 03 61 2f 62 01 |");
  recv_(&b, 0, "c1", SUBACK5 "|");
  sent(&b, 0, "c1", "32 0d 00 03 61 2f 62 00 02 00 68 65 6c 6c 6f | c0");
  sent(&b, 0, "c1", "00 |");
  recv_(&b, 0, "c1", "40 02 00 02 | 30 11 00 03 61 2f 62 09 26 00 01 6b 00");
  recv_(&b, 0, "c1", "03 76 61 6c 68 69 | d0 00 |");
  sent(&b, 0, "c1", "e0 00 |");
  end(&b, MQS_WIRE_CLOSED_LOCAL, 0, "c1");
}

/* The marked hex of a QoS 0 PUBLISH to "a/b" with a 70,000-byte binary
 * payload, cut into pieces of the given sizes (the last takes the rest). */
static char **big_publish(const size_t *cuts, size_t n_cuts) {
  enum { PAYLOAD = 70000 };
  size_t total = 4 + 6 + PAYLOAD;
  uint8_t *p = must(malloc(total));
  /* Remaining Length 70006 = 0x76 + 0x22 * 128 + 4 * 128^2 */
  static const uint8_t head[] = {0x30, 0xf6, 0xa2, 0x04, 0x00, 0x03, 'a', '/', 'b', 0x00};
  memcpy(p, head, sizeof head);
  for (size_t i = 0; i < PAYLOAD; i++)
    p[sizeof head + i] = (uint8_t)(i * 7 + 0x80); /* not UTF-8: printed as hex */
  char **out = must(calloc(n_cuts + 1, sizeof *out));
  size_t at = 0;
  for (size_t k = 0; k <= n_cuts; k++) {
    size_t len = k < n_cuts ? cuts[k] : total - at;
    char *s = must(malloc(len * 3 + 4));
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
      w += (size_t)sprintf(s + w, "%02x ", p[at + i]);
    strcpy(s + w, k == n_cuts ? "|" : "");
    out[k] = s;
    at += len;
  }
  free(p);
  return out;
}

static void send_big(builder *b, int dir, uint32_t conn, const char *client, const size_t *cuts,
                     size_t n_cuts) {
  char **parts = big_publish(cuts, n_cuts);
  for (size_t k = 0; k <= n_cuts; k++) {
    io(b, dir, conn, client, parts[k]);
    free(parts[k]);
  }
  free(parts);
}

/* Two clients, a 70 KB PUBLISH written in three writes and read in one;
 * judged a failure with a message full of what XML and JSON must escape. */
static void big(fx_run *f) {
  static const char *const st[] = {"MQTT-3.3.1-4", "MQTT-1.5.4-1", "MQTT-3.1.2-10"};
  builder b;
  mqs_scenario_result *r =
      next(f, &b, "v5.publish.70k", "scenarios/v5/3.3-publish/big.yaml", 5, MQS_VERDICT_FAIL,
           "mqtt5.3.3-publish", "failure", "v5.publish.70k.pcap");
  r->title = "A 70 KB PUBLISH <arrives> & is \"forwarded\"";
  r->statements = st;
  r->n_statements = 3;
  r->failed_step = 6;
  r->failed_line = "scenarios/v5/3.3-publish/big.yaml:17";
  r->message = copy_str(fx_hostile_message);
  open_(&b, 1, "sub");
  sent(&b, 1, "sub", CONNECT5 "|");
  recv_(&b, 1, "sub", CONNACK5 "|");
  sent(&b, 1, "sub", SUBSCRIBE5 "|");
  recv_(&b, 1, "sub", SUBACK5 "|");
  open_(&b, 0, "pub");
  sent(&b, 0, "pub", CONNECT5 "|");
  recv_(&b, 0, "pub", CONNACK5 "|");
  static const size_t wcuts[] = {1000, 65536};
  send_big(&b, 0, 0, "pub", wcuts, 2);
  send_big(&b, 1, 1, "sub", NULL, 0);
  sent(&b, 0, "pub", "e0 00 |");
  end(&b, MQS_WIRE_CLOSED_LOCAL, 0, "pub");
  end(&b, MQS_WIRE_CLOSED_PEER, 1, "sub");
  end(&b, MQS_WIRE_CLOSED_LOCAL, 1, "sub");
}

/* MQTT 3.1.1, not applicable: the broker refuses the subscription. */
static void not_applicable(fx_run *f) {
  static const char *const st[] = {"MQTT-3.8.3-1", "MQTT-3.1.2-2"};
  builder b;
  mqs_scenario_result *r =
      next(f, &b, "v311.subscribe.wildcards", "scenarios/v311/3.8-subscribe/wildcards.yaml", 4,
           MQS_VERDICT_NA, "mqtt311.3.8-subscribe", "skipped", "v311.subscribe.wildcards.pcap");
  r->title = "Wildcard subscriptions";
  r->statements = st;
  r->n_statements = 2;
  r->level = MQS_LEVEL_SHOULD;
  r->na_reason = copy_str("the broker refused a wildcard filter (SUBACK 0x80)");
  open_(&b, 0, "c");
  sent(&b, 0, "c", CONNECT4 "|");
  recv_(&b, 0, "c", CONNACK4 "|");
  sent(&b, 0, "c", "82 08 00 01 00 03 61 2f 62 01 |");
  recv_(&b, 0, "c", "90 03 00 01 80 |");
  end(&b, MQS_WIRE_CLOSED_PEER, 0, "c");
  end(&b, MQS_WIRE_CLOSED_LOCAL, 0, "c");
}

/* Harness trouble: the broker resets the connection inside the CONNECT. */
static void error(fx_run *f) {
  static const char *const st[] = {"MQTT-3.1.0-1", "MQTT-3.1.2-9"};
  builder b;
  mqs_scenario_result *r =
      next(f, &b, "v5.connect.reset", "v5-connect-reset.yaml", 5, MQS_VERDICT_ERROR,
           "mqtt5.connect", "error", "v5.connect.reset.pcap");
  r->title = "CONNECT";
  r->statements = st;
  r->n_statements = 2;
  r->message = copy_str("connection reset by peer after 9 bytes\n(errno 104)");
  r->failed_step = 0;
  open_(&b, 0, "c");
  sent(&b, 0, "c", "10 10 00 04 4d 51 54 54 05 ?");
  end(&b, MQS_WIRE_RESET_PEER, 0, "c");
}

/* A known deviation: a FAIL listed in --expect-fail. Closed in halves. */
static void expected_fail(fx_run *f) {
  static const char *const st[] = {"MQTT-4.3.3-2"};
  builder b;
  mqs_scenario_result *r =
      next(f, &b, "v5.qos2.exactly-once", "scenarios/v5/4.3-qos/qos2.yaml", 5, MQS_VERDICT_FAIL,
           "mqtt5.4.3-qos", "skipped", "v5.qos2.exactly-once.pcap");
  r->title = "QoS 2 is acknowledged with PUBREC";
  r->statements = st;
  r->n_statements = 1;
  r->expected_fail = true;
  r->expect_reason = "answers QoS 2 with PUBACK <issue #12>";
  r->message = copy_str("expected PUBREC id=7, got PUBACK id=7 (40 02 00 07)");
  r->failed_step = 3;
  r->failed_line = "scenarios/v5/4.3-qos/qos2.yaml:9";
  open_(&b, 0, "c");
  sent(&b, 0, "c", CONNECT5 "|");
  recv_(&b, 0, "c", CONNACK5 "|");
  sent(&b, 0, "c", "34 0d 00 03 61 2f 62 00 07 00 68 65 6c 6c 6f |");
  recv_(&b, 0, "c", "40 02 00 07 |");
  sent(&b, 0, "c", "e0 00 |");
  end(&b, MQS_WIRE_HALF_CLOSED, 0, "c");
  end(&b, MQS_WIRE_CLOSED_PEER, 0, "c");
  end(&b, MQS_WIRE_CLOSED_LOCAL, 0, "c");
}

/* Packets the codec rejects: a QoS 3 PUBLISH (framed, skipped), then a
 * five-byte Remaining Length, after which nothing can be framed. */
static void malformed(fx_run *f) {
  static const char *const st[] = {"MQTT-1.5.5-1"};
  builder b;
  mqs_scenario_result *r = next(
      f, &b, "v5.malformed.remaining length/5 bytes", "scenarios/v5/malformed.yaml", 5,
      MQS_VERDICT_FAIL, "mqtt5.malformed", "failure", "v5.malformed.remaining_length_5_bytes.pcap");
  r->title = "Remaining Length of five bytes";
  r->statements = st;
  r->n_statements = 1;
  r->message = copy_str("the broker did not close the connection");
  r->failed_step = 4;
  open_(&b, 0, "c");
  sent(&b, 0, "c", CONNECT5 "|");
  recv_(&b, 0, "c", CONNACK5 "|");
  sent(&b, 0, "c", "36 02 00 00 ! e0 00 |");
  sent(&b, 0, "c", "30 ff ff ff ff 7f !");
  sent(&b, 0, "c", "c0 00 ~");
  end(&b, MQS_WIRE_RESET_LOCAL, 0, "c");
}

/* What the JSON's "statements" must say, by the rule: any fail -> fail, else
 * any error -> error, else any pass -> pass, else n/a; sorted numerically. */
static const char *const statements[] = {"MQTT-1.5.4-1",
                                         "fail",
                                         "",
                                         "MQTT-1.5.5-1",
                                         "fail",
                                         "",
                                         "MQTT-3.1.0-1",
                                         "error",
                                         "",
                                         "MQTT-3.1.2-2",
                                         "pass",
                                         "",
                                         "MQTT-3.1.2-9",
                                         "error",
                                         "",
                                         "MQTT-3.1.2-10",
                                         "fail",
                                         "",
                                         "MQTT-3.3.1-4",
                                         "fail",
                                         "",
                                         "MQTT-3.8.3-1",
                                         "n/a",
                                         "",
                                         "MQTT-4.3.3-2",
                                         "fail",
                                         "expected",
                                         NULL};

#define N_SCENARIOS 6

void fx_build(fx_run *f) {
  memset(f, 0, sizeof *f);
  f->run.broker = "127.0.0.1:1883";
  f->run.broker_name = "test <broker> & \"friends\"";
  f->run.started_unix_ms = 1714566896789ull; /* 2024-05-01T12:34:56.789Z */
  f->run.duration_us = 4567890;
  f->run.results = must(calloc(N_SCENARIOS, sizeof *f->run.results));
  f->expect = must(calloc(N_SCENARIOS, sizeof *f->expect));
  f->statements = statements;
  session_split(f);
  big(f);
  not_applicable(f);
  error(f);
  expected_fail(f);
  malformed(f);
}

void fx_free(fx_run *f) {
  for (size_t i = 0; i < f->run.n; i++) {
    mqs_scenario_result *r = &f->run.results[i];
    mqs_transcript_free(&r->transcript);
    free(r->message);
    free(r->na_reason);
    free(f->expect[i].v);
  }
  free(f->run.results);
  free(f->expect);
}

size_t fx_count_packets(const fx_expect *x, char mark) {
  size_t n = 0;
  for (size_t i = 0; i < x->n; i++)
    n += x->v[i].mark == mark;
  return n;
}

/* ---- expect.json ---------------------------------------------------------- */

static void hex(FILE *o, const uint8_t *p, size_t n) {
  putc('"', o);
  for (size_t i = 0; i < n; i++)
    fprintf(o, "%02x", p[i]);
  putc('"', o);
}

/* The fixture's own strings are plain: only '"' and '\\' need escaping. */
static void str(FILE *o, const char *s) {
  putc('"', o);
  for (; s && *s; s++) {
    if (*s == '"' || *s == '\\') putc('\\', o);
    putc(*s, o);
  }
  putc('"', o);
}

static const char *kind_name(mqs_wire_kind k) {
  static const char *const names[] = {"open",        "sent",        "received",    "closed_local",
                                      "reset_local", "half_closed", "closed_peer", "reset_peer"};
  return names[k];
}

int fx_write_expect(const fx_run *f, const char *path) {
  FILE *o = fopen(path, "w");
  if (!o) return -1;
  fprintf(o, "{\"broker\":");
  str(o, f->run.broker);
  fprintf(o, ",\"broker_name\":");
  str(o, f->run.broker_name);
  fprintf(o, ",\"started_unix_ms\":%llu,\"duration_us\":%llu,\"statements\":[",
          (unsigned long long)f->run.started_unix_ms, (unsigned long long)f->run.duration_us);
  for (size_t i = 0; f->statements[i]; i += 3) {
    fprintf(o, "%s[", i ? "," : "");
    str(o, f->statements[i]);
    putc(',', o);
    str(o, f->statements[i + 1]);
    fprintf(o, ",%s]", *f->statements[i + 2] ? "true" : "false");
  }
  fprintf(o, "],\"scenarios\":[");
  for (size_t i = 0; i < f->run.n; i++) {
    const mqs_scenario_result *r = &f->run.results[i];
    const fx_expect *x = &f->expect[i];
    fprintf(o, "%s\n{\"id\":", i ? "," : "");
    str(o, r->id);
    fprintf(o, ",\"title\":");
    str(o, r->title);
    fprintf(o, ",\"file\":");
    str(o, r->file);
    fprintf(o, ",\"version\":%d,\"verdict\":%d,\"expected_fail\":%s,\"failed_step\":%d", r->version,
            (int)r->verdict, r->expected_fail ? "true" : "false", r->failed_step);
    fprintf(o, ",\"started_us\":%llu,\"duration_us\":%llu", (unsigned long long)r->started_us,
            (unsigned long long)r->duration_us);
    fprintf(o, ",\"message_hex\":");
    hex(o, (const uint8_t *)(r->message ? r->message : ""), r->message ? strlen(r->message) : 0);
    fprintf(o, ",\"has_message\":%s,\"junit\":", r->message ? "true" : "false");
    str(o, x->junit);
    fprintf(o, ",\"classname\":");
    str(o, x->classname);
    fprintf(o, ",\"pcap\":");
    str(o, x->pcap);
    fprintf(o, ",\"clean\":%s,\"statements\":[", x->clean ? "true" : "false");
    for (size_t k = 0; k < r->n_statements; k++) {
      if (k) putc(',', o);
      str(o, r->statements[k]);
    }
    fprintf(o, "],\"events\":[");
    for (size_t k = 0; k < r->transcript.n; k++) {
      const mqs_wire_event *e = &r->transcript.ev[k];
      fprintf(o, "%s{\"kind\":\"%s\",\"conn\":%u,\"client\":", k ? "," : "", kind_name(e->kind),
              (unsigned)e->conn);
      str(o, e->client);
      fprintf(o, ",\"t_us\":%llu,\"hex\":", (unsigned long long)e->t_us);
      hex(o, e->data, e->len);
      putc('}', o);
    }
    fprintf(o, "],\"packets\":[");
    for (size_t k = 0; k < x->n; k++) {
      const fx_packet *p = &x->v[k];
      fprintf(o,
              "%s{\"conn\":%u,\"dir\":%d,\"offset\":%llu,\"len\":%zu,\"mark\":\"%c\",\"type\":%u,"
              "\"first_event\":%zu,\"listed_in\":%zu}",
              k ? "," : "", (unsigned)p->conn, p->dir, (unsigned long long)p->offset, p->len,
              p->mark, (unsigned)p->type, p->first_event, p->listed_in);
    }
    fprintf(o, "]}");
  }
  fprintf(o, "]}\n");
  return fclose(o) == 0 ? 0 : -1;
}
