/* harness/report_pcap.c — one pcap per scenario, synthesised from its
 * transcript, so Wireshark's own MQTT dissector shows what crossed the wire.
 *
 * The transcript records what the sockets saw, not the frames, so the TCP
 * around it is made up, consistently: each connection is a client port
 * (40000 + conn) on 127.0.0.1 talking to 127.0.0.1:1883 (the port Wireshark
 * decodes as MQTT), opened with SYN / SYN-ACK / ACK, each write and read
 * sent as segments with exact sequence and acknowledgement numbers, each
 * segment acknowledged at once (so no window ever fills), FIN / ACK
 * exchanges for closes and RST for resets. Frames are raw IPv4 (DLT_RAW),
 * whose 65,535-byte limit caps a segment at 65,495 bytes of payload; IP and
 * TCP checksums are right, so nothing is flagged. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqs/err.h"
#include "report.h"
#include "report_util.h"

#define SNAPLEN          65535
#define IP_HDR           20
#define TCP_HDR          20
#define MAX_SEGMENT      (SNAPLEN - IP_HDR - TCP_HDR) /* 65495 */
#define BROKER_PORT      1883
#define CLIENT_PORT_BASE 40000
#define WINDOW           65535

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

typedef struct {
  uint32_t conn;
  uint16_t port;
  uint32_t seq[2]; /* next sequence number: [0] client, [1] broker */
  bool open, fin[2], dead;
} tcp_conn;

typedef struct {
  pcap_dumper_t *out;
  uint8_t frame[SNAPLEN];
  uint16_t ip_id;
  uint64_t base_us, last_us;
  tcp_conn *conns;
  size_t n_conns;
} writer;

enum { CLIENT = 0, BROKER = 1 };

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

/* RFC 1071 one's-complement sum, folded, not yet inverted. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1) acc += (uint32_t)p[n - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xFFFF) + (acc >> 16);
  return acc;
}

/* Write one segment from side (CLIENT or BROKER) of c and advance its
 * sequence number by what it carries (SYN and FIN count one). */
static void segment(writer *w, tcp_conn *c, int side, uint8_t flags, const uint8_t *data,
                    size_t len) {
  uint8_t *ip = w->frame, *tcp = w->frame + IP_HDR;
  size_t total = IP_HDR + TCP_HDR + len;
  static const uint8_t loopback[4] = {127, 0, 0, 1};

  memset(ip, 0, IP_HDR + TCP_HDR);
  ip[0] = 0x45; /* IPv4, 5-word header */
  put16(ip + 2, (uint16_t)total);
  put16(ip + 4, w->ip_id++);
  put16(ip + 6, 0x4000); /* don't fragment */
  ip[8] = 64;            /* TTL */
  ip[9] = 6;             /* TCP */
  memcpy(ip + 12, loopback, 4);
  memcpy(ip + 16, loopback, 4);
  put16(ip + 10, (uint16_t)~sum16(0, ip, IP_HDR));

  put16(tcp, side == CLIENT ? c->port : BROKER_PORT);
  put16(tcp + 2, side == CLIENT ? BROKER_PORT : c->port);
  put32(tcp + 4, c->seq[side]);
  put32(tcp + 8, flags & TCP_ACK ? c->seq[!side] : 0);
  tcp[12] = (TCP_HDR / 4) << 4;
  tcp[13] = flags;
  put16(tcp + 14, WINDOW);
  if (len) memcpy(tcp + TCP_HDR, data, len);
  /* pseudo header: addresses, protocol, TCP length */
  uint8_t pseudo[12];
  memcpy(pseudo, ip + 12, 8);
  pseudo[8] = 0;
  pseudo[9] = 6;
  put16(pseudo + 10, (uint16_t)(TCP_HDR + len));
  put16(tcp + 16, (uint16_t)~sum16(sum16(0, pseudo, sizeof pseudo), tcp, TCP_HDR + len));

  struct pcap_pkthdr h;
  memset(&h, 0, sizeof h);
  h.ts.tv_sec = (time_t)(w->last_us / 1000000);
  h.ts.tv_usec = (suseconds_t)(w->last_us % 1000000);
  h.caplen = h.len = (bpf_u_int32)total;
  pcap_dump((u_char *)w->out, &h, w->frame);

  c->seq[side] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

static void handshake(writer *w, tcp_conn *c) {
  c->open = true;
  segment(w, c, CLIENT, TCP_SYN, NULL, 0);
  segment(w, c, BROKER, TCP_SYN | TCP_ACK, NULL, 0);
  segment(w, c, CLIENT, TCP_ACK, NULL, 0);
}

static tcp_conn *find_conn(writer *w, uint32_t conn) {
  for (size_t i = 0; i < w->n_conns; i++)
    if (w->conns[i].conn == conn) return &w->conns[i];
  tcp_conn *v = realloc(w->conns, (w->n_conns + 1) * sizeof *v);
  if (!v) return NULL;
  w->conns = v;
  tcp_conn *c = &v[w->n_conns++];
  memset(c, 0, sizeof *c);
  c->conn = conn;
  c->port = (uint16_t)(CLIENT_PORT_BASE + conn % 25000);
  /* Arbitrary initial sequence numbers, distinct per connection. */
  c->seq[CLIENT] = 0x1000000u + conn * 0x10000u;
  c->seq[BROKER] = 0x8000000u + conn * 0x10000u;
  return c;
}

/* One write or read: segments of at most MAX_SEGMENT bytes, each acknowledged. */
static void data(writer *w, tcp_conn *c, int side, const uint8_t *p, size_t len) {
  while (len > 0) {
    size_t n = len < MAX_SEGMENT ? len : MAX_SEGMENT;
    segment(w, c, side, TCP_PSH | TCP_ACK, p, n);
    segment(w, c, !side, TCP_ACK, NULL, 0);
    p += n;
    len -= n;
  }
}

/* side closes its sending half: FIN, acknowledged by the other side. */
static void fin(writer *w, tcp_conn *c, int side) {
  if (c->fin[side]) return;
  c->fin[side] = true;
  segment(w, c, side, TCP_FIN | TCP_ACK, NULL, 0);
  segment(w, c, !side, TCP_ACK, NULL, 0);
}

static int event(writer *w, const mqs_wire_event *e) {
  tcp_conn *c = find_conn(w, e->conn);
  if (!c) return MQS_ENOMEM;
  if (c->dead) return 0;         /* after a reset nothing more can cross */
  if (!c->open) handshake(w, c); /* also when the transcript lacks the OPEN */
  switch (e->kind) {
  case MQS_WIRE_OPEN: break;
  case MQS_WIRE_SENT: data(w, c, CLIENT, e->data, e->data ? e->len : 0); break;
  case MQS_WIRE_RECEIVED: data(w, c, BROKER, e->data, e->data ? e->len : 0); break;
  case MQS_WIRE_HALF_CLOSED: fin(w, c, CLIENT); break;
  case MQS_WIRE_CLOSED_PEER: fin(w, c, BROKER); break;
  case MQS_WIRE_CLOSED_LOCAL:
    /* The harness reads nothing after this, so the transcript cannot say
     * how the broker closed; the capture closes its side too, as a broker
     * that reads EOF does, so that the conversation ends complete. */
    fin(w, c, CLIENT);
    fin(w, c, BROKER);
    break;
  case MQS_WIRE_RESET_LOCAL:
  case MQS_WIRE_RESET_PEER:
    segment(w, c, e->kind == MQS_WIRE_RESET_LOCAL ? CLIENT : BROKER, TCP_RST | TCP_ACK, NULL, 0);
    c->dead = true;
    break;
  }
  return 0;
}

static int write_one(const mqs_run_result *run, const mqs_scenario_result *r, const char *path) {
  pcap_t *pd = pcap_open_dead(DLT_RAW, SNAPLEN);
  if (!pd) return MQS_ENOMEM;
  writer *w = calloc(1, sizeof *w);
  if (!w) {
    pcap_close(pd);
    return MQS_ENOMEM;
  }
  int rc = 0;
  w->out = pcap_dump_open(pd, path);
  if (!w->out) {
    if (errno == 0) errno = EIO;
    rc = MQS_EIO;
    goto done;
  }
  w->base_us = run->started_unix_ms * 1000 + r->started_us;
  w->last_us = w->base_us;
  for (size_t i = 0; rc == 0 && i < r->transcript.n; i++) {
    const mqs_wire_event *e = &r->transcript.ev[i];
    /* Frames must not go back in time, even if the clock did. */
    if (w->base_us + e->t_us > w->last_us) w->last_us = w->base_us + e->t_us;
    rc = event(w, e);
  }
  if (pcap_dump_flush(w->out) != 0 || ferror(pcap_dump_file(w->out))) {
    if (rc == 0) rc = MQS_EIO;
  }
  pcap_dump_close(w->out);
done:
  free(w->conns);
  free(w);
  pcap_close(pd);
  return rc;
}

/* The file name for scenario i: its id made safe, with "-<i>" when an
 * earlier scenario already took that name. */
static char *file_name(const mqs_run_result *run, size_t i, char **names) {
  char *base = mqs_report_safe_name(run->results[i].id);
  if (!base) return NULL;
  bool taken = false;
  for (size_t k = 0; k < i && !taken; k++)
    taken = names[k] && strcmp(names[k], base) == 0;
  if (!taken) return base;
  size_t n = strlen(base) + 24;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s-%zu", base, i);
  free(base);
  return s;
}

int mqs_report_pcap_dir(const mqs_run_result *run, const char *dir) {
  if (!dir || !*dir) return MQS_EINVAL;
  int rc = mqs_report_make_dir(dir);
  if (rc < 0) return rc;
  char **names = calloc(run->n ? run->n : 1, sizeof *names);
  if (!names) return MQS_ENOMEM;
  for (size_t i = 0; rc == 0 && i < run->n; i++) {
    names[i] = file_name(run, i, names);
    size_t n = strlen(dir) + (names[i] ? strlen(names[i]) : 0) + 8;
    char *path = names[i] ? malloc(n) : NULL;
    if (!path) {
      rc = MQS_ENOMEM;
      break;
    }
    snprintf(path, n, "%s/%s.pcap", dir, names[i]);
    rc = write_one(run, &run->results[i], path);
    free(path);
  }
  for (size_t i = 0; i < run->n; i++)
    free(names[i]);
  free(names);
  return rc;
}
