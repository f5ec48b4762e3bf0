/* tests/broker/tcore.h — drive the broker core in-process, with no
 * sockets: a fake clock, clients that encode packets with the codec and
 * feed them in, and decode what comes out. Every step checks the core's
 * invariants. */
#ifndef MQS_TEST_TCORE_H
#define MQS_TEST_TCORE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mqs/broker.h"
#include "mqs/codec.h"

typedef struct tb tb;
typedef struct tc tc;

struct tb {
  mqs_broker *b;
  mqs_broker_config cfg;
  uint64_t now;
  tc **clients; /* every client made, in order, freed with the broker */
  int n_clients, cap_clients;
};

struct tc {
  tb *env;
  mqs_client *c;
  mqs_version v;
  char name[64];
  uint8_t *rx; /* bytes from the broker, append-only so decoded packets stay valid */
  size_t rx_len, rx_cap, rx_off;
  void **olds; /* earlier rx blocks, kept while decoded packets may point into them */
  size_t n_olds;
  int wakes;
  int last_input_rc;
  bool gone;
};

/* A broker with cfg (NULL: defaults, with $SYS off so it does not talk). */
tb *tb_new(const mqs_broker_config *cfg);
void tb_free(tb *t);
/* Defaults as tb_new(NULL) uses them, to change before tb_new. */
void tb_config(mqs_broker_config *cfg);
/* Move the clock on and tick. */
void tb_advance(tb *t, uint64_t ms);
void tb_check(tb *t);

tc *tc_new(tb *t, const char *name, mqs_version v);
/* Feed raw bytes; returns mqs_client_input's result. */
int tc_feed(tc *c, const void *p, size_t n);
int tc_send(tc *c, const mqs_packet *p);
int tc_send_hex(tc *c, const char *hex);
/* Next packet from the broker, decoded (true), or false when none is
 * waiting. The packet stays valid until the client is freed. */
bool tc_recv(tc *c, mqs_packet *out);
/* The next packet must be of type t (fails the test otherwise). */
void tc_expect(tc *c, mqs_packet_type t, mqs_packet *out);
void tc_expect_nothing(tc *c);
bool tc_should_close(tc *c);
/* The network closes (client side): mqs_client_gone. */
void tc_gone(tc *c);
/* Close after the broker asked to: drains output first. */
void tc_expect_closed(tc *c);

/* CONNECT built from the common fields; props may be NULL. */
void tc_connect_packet(mqs_packet *p, mqs_version v, const char *id, bool clean);
/* Connect and expect CONNACK with reason; returns the CONNACK. */
tc *tc_connect_ex(tb *t, const char *name, const mqs_packet *connect, uint8_t reason,
                  mqs_packet *connack);
/* Connect with id and clean start; success expected. */
tc *tc_connect(tb *t, mqs_version v, const char *id, bool clean);
/* SUBSCRIBE one filter with options; expects SUBACK with want. */
void tc_subscribe(tc *c, uint16_t id, const char *filter, uint8_t options, uint8_t want);
void tc_unsubscribe(tc *c, uint16_t id, const char *filter);
/* PUBLISH; for QoS 1 and 2, runs the flow to its end. */
void tc_publish(tc *c, const char *topic, const char *payload, uint8_t qos, bool retain,
                uint16_t id);
/* Expect a PUBLISH with topic and payload (qos checked when >= 0); acks
 * it (QoS 1: PUBACK, QoS 2: PUBREC, PUBREL expected, PUBCOMP). */
void tc_expect_publish(tc *c, const char *topic, const char *payload, int qos, mqs_packet *out);
void tc_disconnect(tc *c, uint8_t reason);

mqs_str tstr(const char *s);
bool str_is(mqs_str s, const char *want);

#define CHECK_STR(s, want)                                                                         \
  do {                                                                                             \
    mqs_str _s = (s);                                                                              \
    if (!str_is(_s, want))                                                                         \
      fail_msg("%s:%d: expected \"%s\", got \"%.*s\"", __FILE__, __LINE__, (want), (int)_s.len,    \
               _s.p ? (const char *)_s.p : "(absent)");                                            \
  } while (0)

#endif
