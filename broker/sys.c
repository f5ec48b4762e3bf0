/* broker/sys.c — $SYS/broker/... statistics, in the topics mosquitto
 * uses, published retained every sys_interval_s so that a new subscriber
 * reads them at once. Clients may not publish under $SYS. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static void put(mqs_broker *b, const char *topic, const char *value) {
  mqs_str t = {(const uint8_t *)topic, (uint32_t)strlen(topic)};
  mqs_str v = {(const uint8_t *)value, (uint32_t)strlen(value)};
  mqs_msg *m = msg_new(&t, &v, 0, b->cfg.retain_available, NULL, 0, b->now);
  if (!m) return;
  if (m->retain) retain_store(b, m);
  route(b, m);
  msg_unref(m);
}

static void put_u64(mqs_broker *b, const char *topic, uint64_t v) {
  char s[24];
  snprintf(s, sizeof s, "%" PRIu64, v);
  put(b, topic, s);
}

void sys_publish(mqs_broker *b) {
  const mqs_broker_stats *st = &b->st;
  char up[40];
  snprintf(up, sizeof up, "%" PRIu64 " seconds", (b->now - b->started) / 1000);
  put(b, "$SYS/broker/version", b->version);
  put(b, "$SYS/broker/uptime", up);
  put_u64(b, "$SYS/broker/clients/connected", st->clients_connected);
  put_u64(b, "$SYS/broker/clients/total", st->clients_total);
  put_u64(b, "$SYS/broker/clients/disconnected",
          st->clients_total > st->clients_connected ? st->clients_total - st->clients_connected
                                                    : 0);
  put_u64(b, "$SYS/broker/clients/maximum", st->clients_maximum);
  put_u64(b, "$SYS/broker/clients/expired", st->sessions_expired);
  put_u64(b, "$SYS/broker/connections/total", st->connections);
  put_u64(b, "$SYS/broker/messages/received", st->msgs_received);
  put_u64(b, "$SYS/broker/messages/sent", st->msgs_sent);
  put_u64(b, "$SYS/broker/publish/messages/dropped", st->msgs_dropped);
  put_u64(b, "$SYS/broker/bytes/received", st->bytes_received);
  put_u64(b, "$SYS/broker/bytes/sent", st->bytes_sent);
  put_u64(b, "$SYS/broker/subscriptions/count", st->subscriptions);
  put_u64(b, "$SYS/broker/retained messages/count", st->retained);
  put_u64(b, "$SYS/broker/protocol errors", st->protocol_errors);
}
