/* tests/harness/test_report_pcap.c — the pcap files read back with libpcap
 * and checked frame by frame, without Wireshark: checksums, sequence and
 * acknowledgement numbers, segment sizes, handshakes and closes, times,
 * and every byte of every transcript in the TCP payloads. (check_pcap.py
 * has Wireshark's dissectors judge the same files.) */
#define _XOPEN_SOURCE 700 /* nftw, to remove the temporary directories */
#include <errno.h>
#include <ftw.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mqs/err.h"
#include "report.h"
#include "report_fixture.h"

#define BROKER_PORT 1883

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* One's-complement sum; a correct checksum makes the sum over the covered
 * bytes (checksum included) 0xFFFF. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += get16(p + i);
  if (n & 1) acc += (uint32_t)p[n - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xFFFF) + (acc >> 16);
  return acc;
}

/* Per connection (by client port) and direction (0 to broker, 1 back). */
typedef struct {
  bool seen_syn[2];
  uint32_t next_seq[2];
  uint8_t *bytes[2];
  size_t len[2];
  unsigned fins[2], rsts;
} flow;

typedef struct {
  flow flows[8];
  size_t frames, data_frames, max_payload;
  uint64_t first_ts, last_ts;
} capture;

static void check_frame(capture *c, const struct pcap_pkthdr *h, const uint8_t *ip) {
  c->frames++;
  assert_int_equal(h->caplen, h->len);
  assert_true(h->caplen >= 40);
  uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
  assert_true(ts >= c->last_ts);
  c->last_ts = ts;
  if (c->frames == 1) c->first_ts = ts;

  assert_int_equal(ip[0], 0x45);
  assert_int_equal(get16(ip + 2), h->caplen);
  assert_int_equal(ip[9], 6);
  assert_int_equal(sum16(0, ip, 20), 0xFFFF);
  assert_memory_equal(ip + 12, "\x7f\x00\x00\x01\x7f\x00\x00\x01", 8);

  const uint8_t *tcp = ip + 20;
  size_t tcp_len = h->caplen - 20, payload = tcp_len - 20;
  uint8_t pseudo[12];
  memcpy(pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  pseudo[10] = (uint8_t)(tcp_len >> 8);
  pseudo[11] = (uint8_t)tcp_len;
  assert_int_equal(sum16(sum16(0, pseudo, 12), tcp, tcp_len), 0xFFFF);
  assert_int_equal(tcp[12] >> 4, 5);

  uint16_t sport = get16(tcp), dport = get16(tcp + 2);
  int dir = dport == BROKER_PORT ? 0 : 1;
  uint16_t port = dir ? dport : sport;
  assert_int_equal(dir ? sport : dport, BROKER_PORT);
  assert_true(port >= 40000 && port < 40008);
  flow *fl = &c->flows[port - 40000];
  uint8_t flags = tcp[13];
  uint32_t seq = get32(tcp + 4), ack = get32(tcp + 8);

  if (flags & 0x02) { /* SYN: the client's first, then the broker's SYN-ACK */
    assert_false(fl->seen_syn[dir]);
    if (dir == 1) assert_true(fl->seen_syn[0]);
    fl->seen_syn[dir] = true;
    fl->next_seq[dir] = seq + 1;
  } else {
    assert_true(fl->seen_syn[0] && fl->seen_syn[1]);
    assert_int_equal(seq, fl->next_seq[dir]);
    fl->next_seq[dir] += (uint32_t)payload + ((flags & 0x01) ? 1u : 0u);
  }
  if (flags & 0x10) /* acknowledges everything the other side sent */
    assert_int_equal(ack, fl->next_seq[!dir]);
  else
    assert_true((flags & 0x02) && dir == 0);
  if (flags & 0x01) fl->fins[dir]++;
  if (flags & 0x04) fl->rsts++;
  if (payload > 0) {
    c->data_frames++;
    if (payload > c->max_payload) c->max_payload = payload;
    assert_true(payload <= 65495);
    fl->bytes[dir] = realloc(fl->bytes[dir], fl->len[dir] + payload);
    assert_non_null(fl->bytes[dir]);
    memcpy(fl->bytes[dir] + fl->len[dir], tcp + 20, payload);
    fl->len[dir] += payload;
  }
}

static void read_capture(const char *path, capture *c) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  if (!p) fail_msg("%s: %s", path, err);
  assert_int_equal(pcap_datalink(p), DLT_RAW);
  assert_true(pcap_snapshot(p) >= 65535);
  memset(c, 0, sizeof *c);
  struct pcap_pkthdr *h;
  const u_char *data;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1)
    check_frame(c, h, data);
  assert_int_equal(rc, PCAP_ERROR_BREAK); /* end of file, not an error */
  pcap_close(p);
}

static int rm(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void test_fixture_captures(void **state) {
  (void)state;
  char dir[] = "/tmp/mqs-pcap-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char sub[64];
  snprintf(sub, sizeof sub, "%s/a/b", dir); /* created, parents too */
  fx_run f;
  fx_build(&f);
  assert_int_equal(mqs_report_pcap_dir(&f.run, sub), 0);

  for (size_t i = 0; i < f.run.n; i++) {
    const mqs_scenario_result *r = &f.run.results[i];
    char path[256];
    snprintf(path, sizeof path, "%s/%s", sub, f.expect[i].pcap);
    capture c;
    read_capture(path, &c);

    /* every byte of the transcript, in order, per connection and direction */
    size_t want_len[8][2] = {{0}};
    unsigned opens = 0, fins[8][2] = {{0}}, rsts[8] = {0};
    for (size_t k = 0; k < r->transcript.n; k++) {
      const mqs_wire_event *e = &r->transcript.ev[k];
      flow *fl = &c.flows[e->conn];
      int d = e->kind == MQS_WIRE_RECEIVED;
      switch (e->kind) {
      case MQS_WIRE_OPEN: opens++; break;
      case MQS_WIRE_SENT:
      case MQS_WIRE_RECEIVED:
        assert_true(want_len[e->conn][d] + e->len <= fl->len[d]);
        assert_memory_equal(fl->bytes[d] + want_len[e->conn][d], e->data, e->len);
        want_len[e->conn][d] += e->len;
        break;
      case MQS_WIRE_HALF_CLOSED: fins[e->conn][0] = 1; break;
      case MQS_WIRE_CLOSED_PEER: fins[e->conn][1] = 1; break;
      case MQS_WIRE_CLOSED_LOCAL: fins[e->conn][0] = fins[e->conn][1] = 1; break;
      case MQS_WIRE_RESET_LOCAL:
      case MQS_WIRE_RESET_PEER: rsts[e->conn] = 1; break;
      }
    }
    unsigned syns = 0;
    for (size_t k = 0; k < 8; k++) {
      syns += c.flows[k].seen_syn[0];
      for (int d = 0; d < 2; d++) {
        assert_int_equal(c.flows[k].len[d], want_len[k][d]);
        assert_int_equal(c.flows[k].fins[d], fins[k][d]);
        free(c.flows[k].bytes[d]);
      }
      assert_int_equal(c.flows[k].rsts, rsts[k]);
    }
    assert_int_equal(syns, opens);
    /* the first frame is at the run's start, plus the scenario's, plus the first event's */
    assert_true(c.frames > 0);
    assert_int_equal(c.first_ts,
                     f.run.started_unix_ms * 1000 + r->started_us + r->transcript.ev[0].t_us);
    if (i == 1) /* the 70 KB PUBLISH: cut at the IPv4 limit */
      assert_int_equal(c.max_payload, 65495);
  }
  fx_free(&f);
  assert_int_equal(nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* Frame times are the run's start, plus the scenario's, plus the event's. */
static void test_timestamps(void **state) {
  (void)state;
  char dir[] = "/tmp/mqs-pcap-XXXXXX";
  assert_non_null(mkdtemp(dir));
  uint8_t ping[] = {0xc0, 0x00};
  mqs_wire_event ev[] = {
      {.kind = MQS_WIRE_OPEN, .conn = 0, .t_us = 10},
      {.kind = MQS_WIRE_SENT, .conn = 0, .t_us = 2500000, .data = ping, .len = 2},
      {.kind = MQS_WIRE_SENT, .conn = 0, .t_us = 5, .data = ping, .len = 2}, /* clock went back */
  };
  mqs_scenario_result r = {.id = "t",
                           .started_us = 1000000,
                           .failed_step = -1,
                           .transcript = {.ev = ev, .n = 3, .cap = 3, .version = 4}};
  mqs_run_result run = {.started_unix_ms = 1700000000123ull, .results = &r, .n = 1};
  assert_int_equal(mqs_report_pcap_dir(&run, dir), 0);

  char path[64], err[PCAP_ERRBUF_SIZE];
  snprintf(path, sizeof path, "%s/t.pcap", dir);
  pcap_t *p = pcap_open_offline(path, err);
  assert_non_null(p);
  struct pcap_pkthdr *h;
  const u_char *data;
  uint64_t want[] = {1700000001123010ull, 1700000001123010ull, 1700000001123010ull, /* handshake */
                     1700000003623000ull, 1700000003623000ull,                      /* data, ACK */
                     1700000003623000ull, 1700000003623000ull}; /* not earlier */
  size_t n = 0;
  while (pcap_next_ex(p, &h, &data) == 1) {
    assert_true(n < sizeof want / sizeof want[0]);
    assert_int_equal((uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec, want[n]);
    n++;
  }
  assert_int_equal(n, sizeof want / sizeof want[0]);
  pcap_close(p);
  assert_int_equal(nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* Ids that are not file names, and two ids that make the same one. */
static void test_file_names(void **state) {
  (void)state;
  char dir[] = "/tmp/mqs-pcap-XXXXXX";
  assert_non_null(mkdtemp(dir));
  mqs_scenario_result r[3] = {{.id = "../up"}, {.id = "a b"}, {.id = "a/b"}};
  mqs_run_result run = {.results = r, .n = 3};
  assert_int_equal(mqs_report_pcap_dir(&run, dir), 0);
  static const char *const names[] = {"_._up.pcap", "a_b.pcap", "a_b-2.pcap"};
  for (size_t i = 0; i < 3; i++) {
    char path[96];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (access(path, R_OK) != 0) fail_msg("%s missing", path);
  }
  assert_int_equal(nftw(dir, rm, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_unwritable_dir(void **state) {
  (void)state;
  mqs_scenario_result r = {.id = "x"};
  mqs_run_result run = {.results = &r, .n = 1};
  assert_int_equal(mqs_report_pcap_dir(&run, "/dev/null/sub"), MQS_EIO);
  assert_int_equal(mqs_report_pcap_dir(&run, ""), MQS_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixture_captures),
      cmocka_unit_test(test_timestamps),
      cmocka_unit_test(test_file_names),
      cmocka_unit_test(test_unwritable_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
