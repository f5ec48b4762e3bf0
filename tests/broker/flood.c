/* tests/broker/flood.c — see flood.h. */
#include "flood.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "netclient.h"

#define WINDOW 500
#define BATCH  64

typedef struct {
  nc *sub, *pub;
  uint32_t n;
  mqs_version v;
  _Atomic uint32_t received;
  _Atomic uint32_t pubacks;
  _Atomic int failed;
  const char *topic;
  pthread_mutex_t mu;
  pthread_cond_t progress;
} flood;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void fail(flood *f, const char *what, uint32_t a, uint32_t b) {
  if (!atomic_exchange(&f->failed, 1)) fprintf(stderr, "FAIL: %s (%u, %u)\n", what, a, b);
  pthread_mutex_lock(&f->mu);
  pthread_cond_broadcast(&f->progress);
  pthread_mutex_unlock(&f->mu);
}

static void *subscriber(void *arg) {
  flood *f = arg;
  uint8_t acks[4 * 1024];
  size_t na = 0;
  uint32_t next = 0;
  while (next < f->n && !atomic_load(&f->failed)) {
    mqs_packet p;
    /* Drain what has arrived; acknowledge the batch before waiting again. */
    int r = nc_recv(f->sub, &p, na ? 0 : 10000);
    if (r == 0 && na) {
      nc_send_raw(f->sub, acks, na);
      na = 0;
      continue;
    }
    if (r != 1) {
      fail(f, "subscriber: no message within 10 s; got, expected", next, f->n);
      break;
    }
    if (p.type != MQS_PUBLISH) continue;
    const uint8_t *s = p.publish.payload.p;
    uint32_t seq = p.publish.payload.len >= 4
                       ? (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3]
                       : UINT32_MAX;
    if (p.publish.qos != 1) fail(f, "delivered QoS, sequence", p.publish.qos, seq);
    if (seq != next) {
      fail(f, "out of order or missing: got, expected", seq, next);
      break;
    }
    next++;
    acks[na++] = 0x40;
    acks[na++] = 2;
    acks[na++] = (uint8_t)(p.publish.id >> 8);
    acks[na++] = (uint8_t)p.publish.id;
    if (na == sizeof acks) {
      nc_send_raw(f->sub, acks, na);
      na = 0;
    }
    if (next % 64 == 0 || next == f->n) {
      atomic_store(&f->received, next);
      pthread_mutex_lock(&f->mu);
      pthread_cond_broadcast(&f->progress);
      pthread_mutex_unlock(&f->mu);
    }
  }
  if (na) nc_send_raw(f->sub, acks, na);
  return NULL;
}

static void *puback_reader(void *arg) {
  flood *f = arg;
  while (atomic_load(&f->pubacks) < f->n && !atomic_load(&f->failed)) {
    mqs_packet p;
    if (nc_recv(f->pub, &p, 10000) != 1) {
      fail(f, "publisher: PUBACKs stopped at, of", atomic_load(&f->pubacks), f->n);
      break;
    }
    if (p.type == MQS_PUBACK) atomic_fetch_add(&f->pubacks, 1);
  }
  return NULL;
}

static size_t encode_publish(uint8_t *out, mqs_version v, uint32_t seq, const char *topic) {
  uint16_t id = (uint16_t)(seq % 65535 + 1);
  uint8_t payload[16];
  payload[0] = (uint8_t)(seq >> 24);
  payload[1] = (uint8_t)(seq >> 16);
  payload[2] = (uint8_t)(seq >> 8);
  payload[3] = (uint8_t)seq;
  memcpy(payload + 4, "flood-msg-xx", 12);
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.qos = 1;
  p.publish.id = id;
  p.publish.topic = (mqs_str){(const uint8_t *)topic, (uint32_t)strlen(topic)};
  p.publish.payload = (mqs_str){payload, sizeof payload};
  ssize_t n = mqs_encode(&p, v, 0, out, 128);
  return n > 0 ? (size_t)n : 0;
}

int flood_run(uint16_t port, mqs_version v, uint32_t n, const char *prefix, double *seconds) {
  flood f;
  memset(&f, 0, sizeof f);
  f.n = n;
  f.v = v;
  pthread_mutex_init(&f.mu, NULL);
  pthread_cond_init(&f.progress, NULL);
  char sub_id[64], pub_id[64], topic[80], filter_text[80];
  snprintf(sub_id, sizeof sub_id, "%s-sub", prefix);
  snprintf(pub_id, sizeof pub_id, "%s-pub", prefix);
  snprintf(topic, sizeof topic, "%s/seq", prefix);
  snprintf(filter_text, sizeof filter_text, "%s/#", prefix);
  f.topic = topic;
  f.sub = nc_open("127.0.0.1", port, v);
  f.pub = nc_open("127.0.0.1", port, v);
  if (!f.sub || !f.pub || nc_connect(f.sub, sub_id, true, 60, NULL) != 0 ||
      nc_connect(f.pub, pub_id, true, 60, NULL) != 0) {
    fprintf(stderr, "FAIL: cannot connect\n");
    return 1;
  }
  mqs_sub filter = {{(const uint8_t *)filter_text, (uint32_t)strlen(filter_text)}, 1};
  mqs_packet s, a;
  memset(&s, 0, sizeof s);
  s.type = MQS_SUBSCRIBE;
  s.subscribe.id = 1;
  s.subscribe.n_filters = 1;
  s.subscribe.filters = &filter;
  if (nc_send(f.sub, &s) || nc_recv(f.sub, &a, 5000) != 1 || a.type != MQS_SUBACK ||
      a.suback.reasons[0] != 1) {
    fprintf(stderr, "FAIL: no SUBACK granting QoS 1\n");
    return 1;
  }
  pthread_t ts, tp;
  uint64_t t0 = now_us();
  pthread_create(&ts, NULL, subscriber, &f);
  pthread_create(&tp, NULL, puback_reader, &f);
  uint8_t batch[BATCH * 128];
  for (uint32_t i = 0; i < n && !atomic_load(&f.failed);) {
    pthread_mutex_lock(&f.mu);
    while (i - atomic_load(&f.received) >= WINDOW && !atomic_load(&f.failed))
      pthread_cond_wait(&f.progress, &f.mu);
    pthread_mutex_unlock(&f.mu);
    size_t len = 0;
    for (int k = 0; k < BATCH && i < n && i - atomic_load(&f.received) < WINDOW; k++, i++)
      len += encode_publish(batch + len, v, i, f.topic);
    if (nc_send_raw(f.pub, batch, len)) fail(&f, "publisher: send failed at", i, n);
  }
  pthread_join(ts, NULL);
  pthread_join(tp, NULL);
  uint64_t us = now_us() - t0;
  int failed = atomic_load(&f.failed);
  if (!failed && (atomic_load(&f.received) != n || atomic_load(&f.pubacks) != n)) {
    fprintf(stderr, "FAIL: received %u, PUBACKs %u, of %u\n", atomic_load(&f.received),
            atomic_load(&f.pubacks), n);
    failed = 1;
  }
  if (seconds) *seconds = (double)us / 1e6;
  nc_close(f.sub);
  nc_close(f.pub);
  return failed;
}
