/* tests/broker/tcore.c — in-process clients of the broker core. */
#include "tcore.h"

#include <stdlib.h>

static void on_wake(mqs_client *c, void *user) {
  (void)c;
  ((tc *)user)->wakes++;
}

static void on_log(void *arg, mqs_log_level level, const char *line) {
  (void)arg;
  if (getenv("TCORE_LOG")) fprintf(stderr, "[%d] %s\n", level, line);
}

void tb_config(mqs_broker_config *cfg) {
  mqs_broker_config_defaults(cfg);
  cfg->sys_interval_s = 0;
  cfg->io.wake = on_wake;
  cfg->io.log = on_log;
}

tb *tb_new(const mqs_broker_config *cfg) {
  tb *t = calloc(1, sizeof *t);
  assert_non_null(t);
  if (cfg)
    t->cfg = *cfg;
  else
    tb_config(&t->cfg);
  t->now = 1000000;
  t->b = mqs_broker_new(&t->cfg, t->now);
  assert_non_null(t->b);
  return t;
}

static void tc_free(tc *c) {
  for (size_t i = 0; i < c->n_olds; i++)
    free(c->olds[i]);
  free(c->olds);
  free(c->rx);
  free(c);
}

void tb_check(tb *t) {
  char why[256];
  if (mqs_broker_check_invariants(t->b, why, sizeof why)) fail_msg("invariant broken: %s", why);
}

void tb_free(tb *t) {
  tb_check(t);
  mqs_broker_free(t->b);
  for (int i = 0; i < t->n_clients; i++)
    tc_free(t->clients[i]);
  free(t->clients);
  free(t);
}

void tb_advance(tb *t, uint64_t ms) {
  t->now += ms;
  mqs_broker_tick(t->b, t->now);
  tb_check(t);
}

tc *tc_new(tb *t, const char *name, mqs_version v) {
  if (t->n_clients == t->cap_clients) {
    t->cap_clients = t->cap_clients ? t->cap_clients * 2 : 64;
    t->clients = realloc(t->clients, (size_t)t->cap_clients * sizeof *t->clients);
    assert_non_null(t->clients);
  }
  tc *c = calloc(1, sizeof *c);
  assert_non_null(c);
  c->env = t;
  c->v = v;
  snprintf(c->name, sizeof c->name, "%s", name);
  c->c = mqs_broker_accept(t->b, name, c, t->now);
  assert_non_null(c->c);
  t->clients[t->n_clients++] = c;
  return c;
}

int tc_feed(tc *c, const void *p, size_t n) {
  assert_false(c->gone);
  c->last_input_rc = mqs_client_input(c->c, p, n, c->env->now);
  tb_check(c->env);
  return c->last_input_rc;
}

int tc_send(tc *c, const mqs_packet *p) {
  uint8_t buf[65536 * 2];
  ssize_t n = mqs_encode(p, c->v, 0, buf, sizeof buf);
  if (n < 0) fail_msg("cannot encode %s: %s", mqs_packet_type_name(p->type), mqs_strerror((int)n));
  return tc_feed(c, buf, (size_t)n);
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int tc_send_hex(tc *c, const char *hex) {
  uint8_t buf[4096];
  size_t n = 0;
  for (const char *p = hex; *p;) {
    if (*p == ' ') {
      p++;
      continue;
    }
    int hi = hexval(p[0]), lo = p[1] ? hexval(p[1]) : -1;
    if (hi < 0 || lo < 0 || n == sizeof buf) fail_msg("bad hex in test: %s", hex);
    buf[n++] = (uint8_t)(hi << 4 | lo);
    p += 2;
  }
  return tc_feed(c, buf, n);
}

static void pump(tc *c) {
  if (c->gone) return;
  const uint8_t *p;
  size_t n;
  while ((n = mqs_client_output(c->c, &p)) > 0) {
    if (c->rx_len + n > c->rx_cap) {
      size_t cap = c->rx_cap ? c->rx_cap : 4096;
      while (cap < c->rx_len + n)
        cap *= 2;
      /* Packets already decoded point into the old block: keep it until
       * the client is freed. */
      uint8_t *nb = malloc(cap);
      assert_non_null(nb);
      if (c->rx_len) memcpy(nb, c->rx, c->rx_len);
      void **olds = realloc(c->olds, (c->n_olds + 1) * sizeof *olds);
      assert_non_null(olds);
      c->olds = olds;
      c->olds[c->n_olds++] = c->rx;
      c->rx = nb;
      c->rx_cap = cap;
    }
    memcpy(c->rx + c->rx_len, p, n);
    c->rx_len += n;
    mqs_client_output_done(c->c, n);
  }
  tb_check(c->env);
}

bool tc_recv(tc *c, mqs_packet *out) {
  pump(c);
  if (c->rx_off == c->rx_len) return false;
  mqs_decode_opts o = {.version = c->v, .from = MQS_FROM_SERVER};
  mqs_violation why;
  memset(&why, 0, sizeof why);
  ssize_t n = mqs_decode_ex(c->rx + c->rx_off, c->rx_len - c->rx_off, &o, out, &why);
  if (n == MQS_INCOMPLETE) fail_msg("%s: broker sent a partial packet", c->name);
  if (n < 0)
    fail_msg("%s: broker sent an invalid packet: %s (%s) at byte %zu", c->name,
             why.what ? why.what : "?", mqs_rule_name(why.rule), c->rx_off + why.offset);
  c->rx_off += (size_t)n;
  return true;
}

void tc_expect(tc *c, mqs_packet_type t, mqs_packet *out) {
  mqs_packet tmp;
  if (!out) out = &tmp;
  if (!tc_recv(c, out)) fail_msg("%s: expected %s, got nothing", c->name, mqs_packet_type_name(t));
  if (out->type != t)
    fail_msg("%s: expected %s, got %s", c->name, mqs_packet_type_name(t),
             mqs_packet_type_name(out->type));
}

void tc_expect_nothing(tc *c) {
  mqs_packet p;
  if (tc_recv(c, &p))
    fail_msg("%s: expected nothing, got %s", c->name, mqs_packet_type_name(p.type));
}

bool tc_should_close(tc *c) { return !c->gone && mqs_client_should_close(c->c); }

void tc_gone(tc *c) {
  if (c->gone) return;
  pump(c);
  mqs_client_gone(c->c, c->env->now);
  c->gone = true;
  c->c = NULL;
  tb_check(c->env);
}

void tc_expect_closed(tc *c) {
  if (!tc_should_close(c)) fail_msg("%s: expected the broker to close", c->name);
  tc_gone(c);
}

mqs_str tstr(const char *s) {
  return s ? (mqs_str){(const uint8_t *)s, (uint32_t)strlen(s)} : (mqs_str){NULL, 0};
}

bool str_is(mqs_str s, const char *want) {
  if (!want) return s.p == NULL;
  return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

void tc_connect_packet(mqs_packet *p, mqs_version v, const char *id, bool clean) {
  memset(p, 0, sizeof *p);
  p->type = MQS_CONNECT;
  p->connect.level = (uint8_t)v;
  p->connect.client_id = tstr(id ? id : "");
  p->connect.clean_start = clean;
  p->connect.keep_alive = 60;
}

tc *tc_connect_ex(tb *t, const char *name, const mqs_packet *connect, uint8_t reason,
                  mqs_packet *connack) {
  mqs_packet tmp;
  if (!connack) connack = &tmp;
  tc *c = tc_new(t, name, (mqs_version)connect->connect.level);
  tc_send(c, connect);
  tc_expect(c, MQS_CONNACK, connack);
  if (connack->connack.reason != reason)
    fail_msg("%s: CONNACK reason 0x%02x, expected 0x%02x", name, connack->connack.reason, reason);
  return c;
}

tc *tc_connect(tb *t, mqs_version v, const char *id, bool clean) {
  mqs_packet p;
  tc_connect_packet(&p, v, id, clean);
  return tc_connect_ex(t, id, &p, 0, NULL);
}

void tc_subscribe(tc *c, uint16_t id, const char *filter, uint8_t options, uint8_t want) {
  mqs_sub s = {tstr(filter), options};
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_SUBSCRIBE;
  p.subscribe.id = id;
  p.subscribe.n_filters = 1;
  p.subscribe.filters = &s;
  tc_send(c, &p);
  mqs_packet a;
  tc_expect(c, MQS_SUBACK, &a);
  assert_int_equal(a.suback.id, id);
  assert_int_equal(a.suback.n_reasons, 1);
  if (a.suback.reasons[0] != want)
    fail_msg("%s: SUBACK 0x%02x for %s, expected 0x%02x", c->name, a.suback.reasons[0], filter,
             want);
}

void tc_unsubscribe(tc *c, uint16_t id, const char *filter) {
  mqs_sub s = {tstr(filter), 0};
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_UNSUBSCRIBE;
  p.subscribe.id = id;
  p.subscribe.n_filters = 1;
  p.subscribe.filters = &s;
  tc_send(c, &p);
  mqs_packet a;
  tc_expect(c, MQS_UNSUBACK, &a);
  assert_int_equal(a.suback.id, id);
}

static void send_ack(tc *c, mqs_packet_type t, uint16_t id) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = t;
  p.ack.id = id;
  tc_send(c, &p);
}

void tc_publish(tc *c, const char *topic, const char *payload, uint8_t qos, bool retain,
                uint16_t id) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PUBLISH;
  p.publish.topic = tstr(topic);
  p.publish.payload = tstr(payload);
  p.publish.qos = qos;
  p.publish.retain = retain;
  p.publish.id = qos ? id : 0;
  tc_send(c, &p);
  mqs_packet a;
  if (qos == 1) {
    tc_expect(c, MQS_PUBACK, &a);
    assert_int_equal(a.ack.id, id);
  } else if (qos == 2) {
    tc_expect(c, MQS_PUBREC, &a);
    assert_int_equal(a.ack.id, id);
    send_ack(c, MQS_PUBREL, id);
    tc_expect(c, MQS_PUBCOMP, &a);
    assert_int_equal(a.ack.id, id);
  }
}

void tc_expect_publish(tc *c, const char *topic, const char *payload, int qos, mqs_packet *out) {
  mqs_packet tmp;
  if (!out) out = &tmp;
  tc_expect(c, MQS_PUBLISH, out);
  if (topic) CHECK_STR(out->publish.topic, topic);
  if (payload) CHECK_STR(out->publish.payload, payload);
  if (qos >= 0 && out->publish.qos != qos)
    fail_msg("%s: PUBLISH QoS %u, expected %d", c->name, out->publish.qos, qos);
  if (out->publish.qos == 1) send_ack(c, MQS_PUBACK, out->publish.id);
  if (out->publish.qos == 2) {
    uint16_t id = out->publish.id;
    send_ack(c, MQS_PUBREC, id);
    mqs_packet rel;
    tc_expect(c, MQS_PUBREL, &rel);
    assert_int_equal(rel.ack.id, id);
    send_ack(c, MQS_PUBCOMP, id);
  }
}

void tc_disconnect(tc *c, uint8_t reason) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_DISCONNECT;
  p.disconnect.reason = reason;
  tc_send(c, &p);
}
