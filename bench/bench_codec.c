/* bench/bench_codec.c — decode and encode speed of the codec, on one core.
 *
 * Prints figures and asserts nothing about time: this is not a test. Every
 * input is built once with mqs_encode, outside the timed loops. Each figure
 * is a loop calibrated to run at least --min-time seconds, repeated R times;
 * the median and the best of the R runs are printed. With --count the
 * benchmark runs one loop a fixed number of times without timing, for
 * valgrind --tool=callgrind (bench/callgrind.sh): instruction counts repeat
 * on a noisy shared machine where wall-clock time does not. */
#define _GNU_SOURCE /* sched_setaffinity, sched_getcpu */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "mqs/codec.h"

#ifndef MQS_BENCH_BUILD_TYPE
#define MQS_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef MQS_BENCH_C_FLAGS
#define MQS_BENCH_C_FLAGS "unknown"
#endif

/* The accumulators of every loop end here, so no decode can be dropped. */
static volatile uint64_t sink;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("bench_codec: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) die("out of memory (%zu bytes)", n);
  return q;
}

/* ---- Inputs ---------------------------------------------------------- */

/* Packets back to back as a reader receives them, and the same packets in
 * built form for the encode figures. Strings point into static storage. */
typedef struct {
  mqs_version v;
  uint8_t *buf;
  size_t len, cap;
  mqs_packet *pkts;
  size_t n, pcap;
  uint64_t payload_bytes;
  uint32_t n_type[16];
} stream;

static uint8_t text[65536]; /* payload bytes: printable ASCII, JSON-like */
static const uint8_t corr[16] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03,
                                 0x80, 0x90, 0xa0, 0xb0, 0xff, 0xfe, 0x10, 0x20};
static const mqs_str_pair user_prop = {{(const uint8_t *)"origin", 6},
                                       {(const uint8_t *)"gateway-7", 9}};
static const uint32_t sub_id = 7;
static const uint8_t suback_codes[5] = {1, 0, 2, 1, 1};

static mqs_str str(const char *s) { return (mqs_str){(const uint8_t *)s, (uint32_t)strlen(s)}; }

static void fill_text(void) {
  static const char rec[] =
      "{\"seq\":1042,\"temp\":21.5,\"hum\":40.2,\"ok\":true,\"id\":\"sensor-0001\"},";
  for (size_t i = 0; i < sizeof text; i++)
    text[i] = (uint8_t)rec[i % (sizeof rec - 1)];
}

static void emit(stream *s, const mqs_packet *p) {
  ssize_t need = mqs_encode_size(p, s->v, 0);
  if (need <= 0)
    die("mqs_encode_size(%s): %s", mqs_packet_type_name(p->type), mqs_strerror((int)need));
  if (s->len + (size_t)need > s->cap) {
    s->cap = (s->len + (size_t)need) * 2;
    s->buf = xrealloc(s->buf, s->cap);
  }
  mqs_violation why = {0};
  ssize_t n = mqs_encode_ex(p, s->v, 0, s->buf + s->len, s->cap - s->len, &why);
  if (n != need)
    die("mqs_encode(%s, v%d): %s, rule %s", mqs_packet_type_name(p->type), s->v,
        mqs_strerror((int)n), n < 0 ? mqs_rule_name(why.rule) : "-");
  /* MQS_ENC_RAW writes the fixed header's low nibble from flags as given. */
  mqs_packet built = *p;
  built.flags = s->buf[s->len] & 0x0F;
  s->len += (size_t)n;
  if (s->n == s->pcap) {
    s->pcap = s->pcap ? s->pcap * 2 : 64;
    s->pkts = xrealloc(s->pkts, s->pcap * sizeof *s->pkts);
  }
  s->pkts[s->n++] = built;
  s->n_type[p->type]++;
  if (p->type == MQS_PUBLISH) s->payload_bytes += p->publish.payload.len;
}

/* Property sets a PUBLISH carries in these streams (5.0 only). */
enum { PROPS_NONE, PROPS_EXPIRY_ALIAS, PROPS_FORMAT_TYPE, PROPS_RESPONSE };

static mqs_props publish_props(int which, uint16_t alias) {
  mqs_props pr = {0};
  switch (which) {
  case PROPS_EXPIRY_ALIAS:
    pr.present = MQS_PROP_BIT(MQS_PROP_MESSAGE_EXPIRY) | MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
    pr.message_expiry = 3600;
    pr.topic_alias = alias;
    break;
  case PROPS_FORMAT_TYPE: /* a UTF-8 payload: decode scans it */
    pr.present = MQS_PROP_BIT(MQS_PROP_PAYLOAD_FORMAT) | MQS_PROP_BIT(MQS_PROP_CONTENT_TYPE);
    pr.payload_format = 1;
    pr.content_type = str("application/json");
    break;
  case PROPS_RESPONSE:
    pr.present = MQS_PROP_BIT(MQS_PROP_RESPONSE_TOPIC) | MQS_PROP_BIT(MQS_PROP_CORRELATION_DATA);
    pr.response_topic = str("replies/bench-client-0001");
    pr.correlation_data = (mqs_str){corr, sizeof corr};
    pr.user = &user_prop;
    pr.n_user = 1;
    break;
  }
  return pr;
}

static mqs_packet publish(uint8_t qos, uint16_t id, const char *topic, size_t payload,
                          mqs_version v, int props) {
  mqs_packet p = {.type = MQS_PUBLISH};
  p.publish.qos = qos;
  p.publish.id = qos ? id : 0;
  p.publish.topic = str(topic);
  p.publish.payload = (mqs_str){text, (uint32_t)payload};
  if (v == MQS_V5) p.publish.props = publish_props(props, 5);
  return p;
}

/* One v5 PUBLISH as in figure 1: 16-byte topic, 64-byte payload, QoS 1. */
static void build_small(stream *s, int props) {
  mqs_packet p = publish(1, 42, "home/kitchen/tmp", 64, s->v, props);
  emit(s, &p);
}

#define BIG_COUNT 64 /* 64 x 64 KiB = 4 MiB per pass */

static void build_big(stream *s, int props) {
  for (int i = 0; i < BIG_COUNT; i++) {
    mqs_packet p = publish(1, (uint16_t)(i + 1), "bulk/transfer/42", 65536, s->v, props);
    emit(s, &p);
  }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { /* xorshift64*: the same stream on every run */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Payload sizes log-uniform over 16 B .. 64 KiB: one in 13 is 64 KiB, the
 * median is about 1.5 KiB. */
static size_t payload_size(void) {
  uint32_t e = rnd() % 13;
  if (e == 12) return 65536;
  uint32_t base = 16u << e;
  return base + rnd() % base;
}

static mqs_packet ack(mqs_packet_type t, uint16_t id, uint8_t reason) {
  mqs_packet p = {.type = t};
  p.ack.id = id;
  p.ack.reason = reason;
  return p;
}

#define MIXED_PUBLISHES 1000

/* A session as a broker's reader might see it (both directions in one
 * stream, decoded with MQS_FROM_ANY): CONNECT, SUBSCRIBE, SUBACK, then
 * PUBLISH at QoS 0/1/2 in turn with their acknowledgements, a PINGREQ every
 * 25 PUBLISH, and DISCONNECT. */
static void build_mixed(stream *s) {
  bool v5 = s->v == MQS_V5;
  rng_state = 0x9E3779B97F4A7C15ull;

  mqs_packet p = {.type = MQS_CONNECT};
  mqs_connect *k = &p.connect;
  k->level = (uint8_t)s->v;
  k->clean_start = true;
  k->keep_alive = 60;
  k->client_id = str("bench-client-0001");
  k->will = true;
  k->will_qos = 1;
  k->will_topic = str("clients/bench-client-0001/status");
  k->will_payload = str("offline");
  k->username = str("bench");
  k->password = str("correct horse battery staple");
  if (v5) {
    k->props.present = MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY) | MQS_PROP_BIT(MQS_PROP_RECEIVE_MAX) |
                       MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS_MAX);
    k->props.session_expiry = 3600;
    k->props.receive_max = 100;
    k->props.topic_alias_max = 10;
    k->props.user = &user_prop;
    k->props.n_user = 1;
    k->will_props.present = MQS_PROP_BIT(MQS_PROP_WILL_DELAY);
    k->will_props.will_delay = 5;
  }
  emit(s, &p);

  static mqs_sub f5[5], f311[5];
  f5[0] = (mqs_sub){str("sensors/+/temperature"), 1};
  f5[1] = (mqs_sub){str("sensors/#"), 0};
  f5[2] = (mqs_sub){str("home/livingroom/light"), 2 | MQS_SUBOPT_NO_LOCAL};
  f5[3] = (mqs_sub){str("$share/workers/jobs/+"), 1};
  f5[4] = (mqs_sub){str("alerts/+/critical/#"), 1 | MQS_SUBOPT_RETAIN_AS_PUBLISHED | 1 << 4};
  memcpy(f311, f5, sizeof f5);
  f311[2].options = 2;
  f311[3].filter = str("jobs/+/queue");
  f311[4].options = 1;
  p = (mqs_packet){.type = MQS_SUBSCRIBE};
  p.subscribe.id = 1;
  p.subscribe.n_filters = 5;
  p.subscribe.filters = v5 ? f5 : f311;
  if (v5) {
    p.subscribe.props.sub_ids = &sub_id;
    p.subscribe.props.n_sub_id = 1;
  }
  emit(s, &p);

  p = (mqs_packet){.type = MQS_SUBACK};
  p.suback.id = 1;
  p.suback.n_reasons = 5;
  p.suback.reasons = suback_codes;
  emit(s, &p);

  static const char *const topics[] = {
      "sensors/room1/temperature",   "sensors/room2/humidity",
      "home/livingroom/light",       "jobs/queue/42",
      "alerts/plant7/critical/pump", "telemetry/vehicle/0042/gps",
  };
  for (int i = 0; i < MIXED_PUBLISHES; i++) {
    uint8_t qos = (uint8_t)(i % 3);
    uint16_t id = (uint16_t)(i % 65535 + 1);
    p = publish(qos, id, topics[i % 6], payload_size(), s->v, i % 4);
    p.publish.retain = i % 10 == 0;
    if (v5 && i % 4 == PROPS_EXPIRY_ALIAS) p.publish.props.topic_alias = (uint16_t)(i % 10 + 1);
    emit(s, &p);
    if (qos == 1) {
      /* Now and then "no matching subscribers" (5.0 only: 3 bytes + 1). */
      p = ack(MQS_PUBACK, id, v5 && i % 8 == 1 ? 0x10 : 0);
      emit(s, &p);
    } else if (qos == 2) {
      p = ack(MQS_PUBREC, id, 0);
      emit(s, &p);
      p = ack(MQS_PUBREL, id, 0);
      emit(s, &p);
      p = ack(MQS_PUBCOMP, id, 0);
      emit(s, &p);
    }
    if (i % 25 == 24) {
      p = (mqs_packet){.type = MQS_PINGREQ};
      emit(s, &p);
    }
  }
  p = (mqs_packet){.type = MQS_DISCONNECT};
  emit(s, &p);
}

enum {
  S_SMALL5,
  S_SMALL5_FORMAT,
  S_SMALL311,
  S_BIG5,
  S_BIG5_FORMAT,
  S_MIXED5,
  S_MIXED311,
  S_COUNT
};

static stream streams[S_COUNT];

/* Built on first use, so --count and --only build only what they run. */
static const stream *stream_get(int which) {
  stream *s = &streams[which];
  if (s->buf) return s;
  if (!text[0]) fill_text();
  s->v = which == S_SMALL311 || which == S_MIXED311 ? MQS_V311 : MQS_V5;
  switch (which) {
  case S_SMALL5: build_small(s, PROPS_EXPIRY_ALIAS); break;
  case S_SMALL5_FORMAT: build_small(s, PROPS_FORMAT_TYPE); break;
  case S_SMALL311: build_small(s, PROPS_NONE); break;
  case S_BIG5: build_big(s, PROPS_EXPIRY_ALIAS); break;
  case S_BIG5_FORMAT: build_big(s, PROPS_FORMAT_TYPE); break;
  case S_MIXED5:
  case S_MIXED311: build_mixed(s); break;
  }
  return s;
}

/* ---- The loops ------------------------------------------------------- */

typedef enum { OP_DECODE, OP_ENCODE, OP_ENCODE_RAW } bench_op;

typedef struct {
  const char *id; /* for --only and --count */
  const char *title;
  bench_op op;
  int input;          /* S_* */
  mqs_direction from; /* decode */
  double max_ns;      /* target, ns/packet at most (0: none) */
  double min_gbs;     /* target, GB/s at least (0: none) */
} bench_case;

static const bench_case cases[] = {
    {"dec-small", "v5 PUBLISH 16 B topic, 64 B payload, expiry+alias", OP_DECODE, S_SMALL5,
     MQS_FROM_CLIENT, 40, 0},
    {"dec-small-format", "v5 PUBLISH 64 B, format 1+content type (UTF-8 scan)", OP_DECODE,
     S_SMALL5_FORMAT, MQS_FROM_CLIENT, 0, 0},
    {"dec-small-311", "3.1.1 PUBLISH 16 B topic, 64 B payload", OP_DECODE, S_SMALL311,
     MQS_FROM_CLIENT, 0, 0},
    {"dec-64k", "v5 PUBLISH 64 KiB x 64 back to back, expiry+alias", OP_DECODE, S_BIG5,
     MQS_FROM_CLIENT, 0, 2},
    {"dec-64k-format", "v5 PUBLISH 64 KiB x 64, format 1 (UTF-8 scan)", OP_DECODE, S_BIG5_FORMAT,
     MQS_FROM_CLIENT, 0, 0},
    {"dec-mixed-5", "v5 mixed session stream", OP_DECODE, S_MIXED5, MQS_FROM_ANY, 0, 0},
    {"dec-mixed-311", "3.1.1 mixed session stream", OP_DECODE, S_MIXED311, MQS_FROM_ANY, 0, 0},
    {"enc-small", "v5 PUBLISH 64 B, expiry+alias, validated", OP_ENCODE, S_SMALL5, 0, 0, 0},
    {"enc-small-raw", "v5 PUBLISH 64 B, expiry+alias, MQS_ENC_RAW", OP_ENCODE_RAW, S_SMALL5, 0, 0,
     0},
    {"enc-small-311", "3.1.1 PUBLISH 64 B, validated", OP_ENCODE, S_SMALL311, 0, 0, 0},
    {"enc-small-311-raw", "3.1.1 PUBLISH 64 B, MQS_ENC_RAW", OP_ENCODE_RAW, S_SMALL311, 0, 0, 0},
    {"enc-64k", "v5 PUBLISH 64 KiB x 64 (payload copied), validated", OP_ENCODE, S_BIG5, 0, 0, 0},
    {"enc-64k-raw", "v5 PUBLISH 64 KiB x 64 (payload copied), MQS_ENC_RAW", OP_ENCODE_RAW, S_BIG5,
     0, 0, 0},
    {"enc-mixed-5", "v5 mixed session stream, validated", OP_ENCODE, S_MIXED5, 0, 0, 0},
    {"enc-mixed-5-raw", "v5 mixed session stream, MQS_ENC_RAW", OP_ENCODE_RAW, S_MIXED5, 0, 0, 0},
    {"enc-mixed-311", "3.1.1 mixed session stream, validated", OP_ENCODE, S_MIXED311, 0, 0, 0},
    {"enc-mixed-311-raw", "3.1.1 mixed session stream, MQS_ENC_RAW", OP_ENCODE_RAW, S_MIXED311, 0,
     0, 0},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static uint8_t *outbuf; /* encode target, as large as the largest stream */
static size_t outcap;

/* Decode the stream packet by packet, iters times, as a reader would. */
static uint64_t run_decode(const bench_case *c, const stream *s, uint64_t iters) {
  const mqs_decode_opts o = {.version = s->v, .from = c->from};
  const uint8_t *buf = s->buf;
  size_t len = s->len;
  mqs_packet p;
  mqs_violation why;
  uint64_t acc = 0;
  for (uint64_t i = 0; i < iters; i++) {
    size_t off = 0;
    while (off < len) {
      ssize_t n = mqs_decode_ex(buf + off, len - off, &o, &p, &why);
      if (n <= 0)
        die("%s: decode at offset %zu: %s, rule %s", c->id, off + (n < 0 ? why.offset : 0),
            mqs_strerror((int)n), mqs_rule_name(why.rule));
      acc += p.type ^ p.remaining;
      if (p.type == MQS_PUBLISH) acc += p.publish.topic.len + p.publish.props.present;
      off += (size_t)n;
    }
  }
  return acc;
}

/* Encode the stream's packets one after another into one buffer. */
static uint64_t run_encode(const bench_case *c, const stream *s, uint64_t iters) {
  unsigned flags = c->op == OP_ENCODE_RAW ? MQS_ENC_RAW : 0;
  uint64_t acc = 0;
  for (uint64_t i = 0; i < iters; i++) {
    size_t off = 0;
    for (size_t j = 0; j < s->n; j++) {
      ssize_t n = mqs_encode(&s->pkts[j], s->v, flags, outbuf + off, outcap - off);
      if (n <= 0) die("%s: encode packet %zu: %s", c->id, j, mqs_strerror((int)n));
      off += (size_t)n;
    }
    acc += off + outbuf[off - 1];
  }
  return acc;
}

static uint64_t run(const bench_case *c, const stream *s, uint64_t iters) {
  return c->op == OP_DECODE ? run_decode(c, s, iters) : run_encode(c, s, iters);
}

/* The loop --count runs: callgrind.sh collects instructions only inside
 * this function (--toggle-collect), so setup is not counted. */
#ifdef __clang__
#define NOT_INLINED __attribute__((noinline))
#else
#define NOT_INLINED __attribute__((noinline, noclone))
#endif
uint64_t bench_counted_run(const bench_case *c, const stream *s, uint64_t iters);
NOT_INLINED uint64_t bench_counted_run(const bench_case *c, const stream *s, uint64_t iters) {
  return run(c, s, iters);
}

/* Encode must give back exactly the bytes the stream was built from. */
static void check_encode(const bench_case *c, const stream *s) {
  if (outcap < s->len) {
    outcap = s->len;
    outbuf = xrealloc(outbuf, outcap);
  }
  memset(outbuf, 0, s->len);
  sink += run_encode(c, s, 1);
  if (memcmp(outbuf, s->buf, s->len) != 0) die("%s: encoded bytes differ from the input", c->id);
}

/* ---- Timing and report ----------------------------------------------- */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double timed(const bench_case *c, const stream *s, uint64_t iters) {
  double t0 = now();
  sink += run(c, s, iters);
  return now() - t0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  double min_time; /* seconds per repetition, at least */
  int repeat;
  uint64_t iterations; /* 0: calibrate */
} bench_opts;

static void measure(const bench_case *c, const bench_opts *bo) {
  const stream *s = stream_get(c->input);
  if (c->op != OP_DECODE) check_encode(c, s);
  uint64_t iters = bo->iterations;
  if (!iters) { /* grow until one run lasts min_time; the last one warms up */
    iters = 1;
    for (;;) {
      double t = timed(c, s, iters);
      if (t >= bo->min_time) break;
      double scale = t > 0 ? bo->min_time / t * 1.1 : 100;
      iters = (uint64_t)((double)iters * (scale < 2 ? 2 : scale > 100 ? 100 : scale));
    }
  }
  double t[64];
  for (int r = 0; r < bo->repeat; r++)
    t[r] = timed(c, s, iters);
  qsort(t, (size_t)bo->repeat, sizeof t[0], cmp_double);
  double med = bo->repeat % 2 ? t[bo->repeat / 2] : (t[bo->repeat / 2 - 1] + t[bo->repeat / 2]) / 2;
  double pkts = (double)iters * (double)s->n, bytes = (double)iters * (double)s->len;
  double ns_med = med * 1e9 / pkts, ns_min = t[0] * 1e9 / pkts;
  double mbs_med = bytes / med / 1e6, mbs_max = bytes / t[0] / 1e6;
  char target[64] = "";
  if (c->max_ns > 0)
    snprintf(target, sizeof target, "< %.0f ns: %s", c->max_ns,
             ns_med < c->max_ns ? "met" : "MISSED");
  else if (c->min_gbs > 0)
    snprintf(target, sizeof target, ">= %.0f GB/s: %s", c->min_gbs,
             mbs_med >= c->min_gbs * 1000 ? "met" : "MISSED");
  printf("%-18s %-52s %9.1f %9.1f %10.0f %10.0f %11llu  %s\n", c->id, c->title, ns_med, ns_min,
         mbs_med, mbs_max, (unsigned long long)iters, target);
  fflush(stdout);
}

static void print_header(void) {
  printf("%-18s %-52s %9s %9s %10s %10s %11s  %s\n", "id", "figure", "ns/pkt", "ns/pkt", "MB/s",
         "MB/s", "iterations", "target");
  printf("%-18s %-52s %9s %9s %10s %10s %11s\n", "", "", "median", "min", "median", "max",
         "per run");
}

static void print_machine(int cpu, const bench_opts *bo) {
  char line[256], model[256] = "unknown";
  FILE *f = fopen("/proc/cpuinfo", "r");
  while (f && fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon) {
      snprintf(model, sizeof model, "%s", colon + 2);
      model[strcspn(model, "\n")] = 0;
      break;
    }
  }
  if (f) fclose(f);
  char load[128] = "unknown";
  f = fopen("/proc/loadavg", "r");
  if (f && fgets(load, sizeof load, f)) load[strcspn(load, "\n")] = 0;
  if (f) fclose(f);
  struct utsname u;
  if (uname(&u) != 0) strcpy(u.release, "unknown");
  printf("cpu:        %s, %ld online, pinned to cpu %d\n", model, sysconf(_SC_NPROCESSORS_ONLN),
         cpu);
  printf("kernel:     %s %s %s, load average %s\n", u.sysname, u.release, u.machine, load);
#ifdef __clang__
  printf("compiler:   clang %s\n", __clang_version__);
#else
  printf("compiler:   gcc %s\n", __VERSION__);
#endif
  printf("build:      %s, flags \"%s\"%s\n", MQS_BENCH_BUILD_TYPE, MQS_BENCH_C_FLAGS,
#ifdef __OPTIMIZE__
         ""
#else
         " -- NOT OPTIMISED: use the release preset"
#endif
  );
  printf("method:     CLOCK_MONOTONIC, >= %.2f s per run, %d runs per figure; "
         "MB = 10^6 bytes of wire data\n\n",
         bo->min_time, bo->repeat);
}

static void print_stream(const char *name, const stream *s) {
  printf("%s: %zu packets, %zu bytes (%llu of payload):", name, s->n, s->len,
         (unsigned long long)s->payload_bytes);
  for (int t = 1; t < 16; t++)
    if (s->n_type[t]) printf(" %u %s", s->n_type[t], mqs_packet_type_name(t));
  printf("\n");
}

/* Pin to one CPU so the figures do not include migrations. */
static int pin(int cpu) {
  if (cpu < 0) cpu = sched_getcpu();
  if (cpu < 0) return -1;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    perror("sched_setaffinity");
    return -1;
  }
  return cpu;
}

static const bench_case *find_case(const char *id) {
  for (size_t i = 0; i < N_CASES; i++)
    if (strcmp(cases[i].id, id) == 0) return &cases[i];
  return NULL;
}

static void usage(FILE *out) {
  fprintf(out, "usage: bench_codec [--quick] [--iterations N] [--repeat R] [--min-time SEC]\n"
               "                   [--cpu N] [--only SUBSTRING] [--list]\n"
               "       bench_codec --count ID N   (run one loop N times untimed, for callgrind)\n"
               "  --quick         short runs (0.01 s, 3 runs): checks that the benchmark runs\n"
               "  --iterations N  passes over each input per run (default: calibrated)\n"
               "  --repeat R      runs per figure (default 5; median and min are printed)\n"
               "  --min-time SEC  calibrate each run to at least SEC seconds (default 0.3)\n"
               "  --cpu N         pin to cpu N (default: the cpu the benchmark starts on)\n"
               "  --only S        only the figures whose id contains S\n"
               "  --list          list the figure ids\n");
}

static unsigned long long number(const char *opt, const char *s) {
  char *end;
  unsigned long long v = s ? strtoull(s, &end, 10) : 0;
  if (!s || *end || !*s) die("%s wants a number", opt);
  return v;
}

int main(int argc, char **argv) {
  bench_opts bo = {.min_time = 0.3, .repeat = 5, .iterations = 0};
  const char *only = NULL, *count_id = NULL;
  uint64_t count_n = 0;
  int cpu = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0) {
      bo.min_time = 0.01;
      bo.repeat = 3;
    } else if (strcmp(a, "--iterations") == 0) {
      bo.iterations = number(a, next), i++;
      if (!bo.iterations) die("--iterations must be at least 1");
    } else if (strcmp(a, "--repeat") == 0) {
      bo.repeat = (int)number(a, next), i++;
      if (bo.repeat < 1 || bo.repeat > 64) die("--repeat wants 1..64");
    } else if (strcmp(a, "--min-time") == 0 && next) {
      bo.min_time = atof(next), i++;
      if (!(bo.min_time > 0)) die("--min-time wants a positive number of seconds");
    } else if (strcmp(a, "--cpu") == 0) {
      cpu = (int)number(a, next), i++;
    } else if (strcmp(a, "--only") == 0 && next) {
      only = next, i++;
    } else if (strcmp(a, "--count") == 0 && next) {
      count_id = next;
      count_n = number(a, i + 2 < argc ? argv[i + 2] : NULL);
      i += 2;
    } else if (strcmp(a, "--list") == 0) {
      for (size_t j = 0; j < N_CASES; j++)
        printf("%-18s %s\n", cases[j].id, cases[j].title);
      return 0;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }

  if (count_id) {
    const bench_case *c = find_case(count_id);
    if (!c) die("no figure %s (see --list)", count_id);
    const stream *s = stream_get(c->input);
    if (c->op != OP_DECODE) check_encode(c, s);
    sink += bench_counted_run(c, s, count_n);
    printf("count %s: %llu iterations, %zu packets, %zu bytes per iteration\n", c->id,
           (unsigned long long)count_n, s->n, s->len);
    return 0;
  }

  print_machine(pin(cpu), &bo);
  print_stream("mixed v5 stream   ", stream_get(S_MIXED5));
  print_stream("mixed 3.1.1 stream", stream_get(S_MIXED311));
  printf("\n");
  print_header();
  for (size_t i = 0; i < N_CASES; i++) {
    if (only && !strstr(cases[i].id, only)) continue;
    if (i > 0 && cases[i].op != OP_DECODE && cases[i - 1].op == OP_DECODE) printf("\n");
    measure(&cases[i], &bo);
  }
  return 0;
}
