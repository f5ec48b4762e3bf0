/* codec/encode.c — encode a packet; validate it unless asked not to.
 *
 * One writer both measures (cap 0) and writes, so the Remaining Length is
 * known before the first byte goes out and nothing is copied twice.
 * Validation decodes the bytes just written: the same rules as decode,
 * from one place. */
#include "internal.h"

static const mqs_str empty = {(const uint8_t *)"", 0};

static void wr_lstr(wr *w, mqs_str s) {
  wr_u16(w, (uint16_t)s.len);
  wr_bytes(w, s.p, s.len);
}

/* A field that must be on the wire: written empty when absent, unless raw. */
static void wr_required(wr *w, mqs_str s, bool raw) {
  if (s.p || !raw) wr_lstr(w, s.p ? s : empty);
}

static void wr_props(wr *w, const mqs_props *p, int v) {
  if (v >= MQS_V5) props_write(w, p);
}

static uint8_t connect_flags(const mqs_connect *k) {
  return (uint8_t)(k->flags | (k->clean_start ? 0x02 : 0) | (k->will ? 0x04 : 0) |
                   (k->will_qos & 0x03) << 3 | (k->will_retain ? 0x20 : 0) |
                   (k->password.p ? 0x40 : 0) | (k->username.p ? 0x80 : 0));
}

static void body_connect(wr *w, const mqs_connect *k, bool raw) {
  int level = k->level ? k->level : MQS_V5;
  mqs_str name = k->protocol_name;
  if (!name.p) {
    name.p = (const uint8_t *)(level == MQS_V31 ? "MQIsdp" : "MQTT");
    name.len = level == MQS_V31 ? 6 : 4;
  }
  wr_lstr(w, name);
  wr_u8(w, (uint8_t)level);
  wr_u8(w, connect_flags(k));
  wr_u16(w, k->keep_alive);
  wr_props(w, &k->props, level);
  wr_required(w, k->client_id, raw);
  if (k->will) {
    wr_props(w, &k->will_props, level);
    wr_required(w, k->will_topic, raw);
    wr_required(w, k->will_payload, raw);
  }
  if (k->username.p) wr_lstr(w, k->username);
  if (k->password.p) wr_lstr(w, k->password);
}

/* 5.0 lets the reason code and properties go when they say nothing. */
static void wr_reason_props(wr *w, uint8_t reason, const mqs_props *p, int v) {
  if (v < MQS_V5) return;
  bool props = !props_empty(p);
  if (reason || props) wr_u8(w, reason);
  if (props) props_write(w, p);
}

static void body(wr *w, const mqs_packet *p, int v, bool raw) {
  switch (p->type) {
  case MQS_CONNECT: body_connect(w, &p->connect, raw); break;
  case MQS_CONNACK:
    wr_u8(w, (uint8_t)(p->connack.flags | (p->connack.session_present ? 1 : 0)));
    wr_u8(w, p->connack.reason);
    wr_props(w, &p->connack.props, v);
    break;
  case MQS_PUBLISH:
    wr_required(w, p->publish.topic, raw);
    if (p->publish.qos) wr_u16(w, p->publish.id);
    wr_props(w, &p->publish.props, v);
    wr_bytes(w, p->publish.payload.p, p->publish.payload.len);
    break;
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    wr_u16(w, p->ack.id);
    wr_reason_props(w, p->ack.reason, &p->ack.props, v);
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: {
    wr_u16(w, p->subscribe.id);
    wr_props(w, &p->subscribe.props, v);
    uint32_t cur = 0;
    mqs_sub s;
    while (mqs_sub_next(&p->subscribe, &cur, &s)) {
      wr_required(w, s.filter, raw);
      if (p->type == MQS_SUBSCRIBE) wr_u8(w, s.options);
    }
    break;
  }
  case MQS_SUBACK:
  case MQS_UNSUBACK:
    wr_u16(w, p->suback.id);
    if (v >= MQS_V5 || p->type == MQS_SUBACK) wr_props(w, &p->suback.props, v);
    wr_bytes(w, p->suback.reasons, p->suback.n_reasons);
    break;
  case MQS_DISCONNECT: wr_reason_props(w, p->disconnect.reason, &p->disconnect.props, v); break;
  case MQS_AUTH: wr_reason_props(w, p->auth.reason, &p->auth.props, v); break;
  case MQS_PINGREQ:
  case MQS_PINGRESP: break;
  }
}

/* Raw: the nibble exactly as given, so required bits can be cleared too. */
static uint8_t first_byte(const mqs_packet *p, bool raw) {
  uint8_t nibble = mqs_required_flags(p->type);
  if (raw)
    nibble = p->flags & 0x0F;
  else if (p->type == MQS_PUBLISH)
    nibble = (uint8_t)((p->publish.dup ? 0x08 : 0) | (p->publish.qos & 0x03) << 1 |
                       (p->publish.retain ? 0x01 : 0));
  return (uint8_t)(p->type << 4 | nibble);
}

/* The version the body is written in: a CONNECT carries its own. */
static int body_version(const mqs_packet *p, mqs_version v) {
  if (p->type == MQS_CONNECT) return p->connect.level ? p->connect.level : MQS_V5;
  return v;
}

static ssize_t body_size(const mqs_packet *p, mqs_version v, unsigned flags) {
  if (p->type < MQS_CONNECT || p->type > MQS_AUTH) return MQS_EINVAL;
  wr count = {NULL, 0, 0};
  body(&count, p, body_version(p, v), flags & MQS_ENC_RAW);
  return count.len > MQS_VBI_MAX ? MQS_EINVAL : (ssize_t)count.len;
}

ssize_t mqs_encode_size(const mqs_packet *p, mqs_version v, unsigned flags) {
  ssize_t n = body_size(p, v, flags);
  return n < 0 ? n : (ssize_t)(1 + vbi_size((uint32_t)n)) + n;
}

ssize_t mqs_encode_ex(const mqs_packet *p, mqs_version v, unsigned flags, uint8_t *buf,
                      size_t cap, mqs_violation *why) {
  bool raw = flags & MQS_ENC_RAW;
  ssize_t n = body_size(p, v, flags);
  if (n < 0) return n;
  size_t total = 1 + vbi_size((uint32_t)n) + (size_t)n;
  if (total > cap) return MQS_ENOSPC;
  wr w = {buf, cap, 0};
  wr_u8(&w, first_byte(p, raw));
  wr_vbi(&w, (uint32_t)n);
  body(&w, p, body_version(p, v), raw);
  if (!raw) {
    mqs_packet check;
    mqs_decode_opts o = {.version = v};
    mqs_violation ignored;
    ssize_t rc = mqs_decode_ex(buf, total, &o, &check, why ? why : &ignored);
    if (rc < 0) return MQS_EINVAL;
  }
  return (ssize_t)total;
}

ssize_t mqs_encode(const mqs_packet *p, mqs_version v, unsigned flags, uint8_t *buf,
                   size_t cap) {
  return mqs_encode_ex(p, v, flags, buf, cap, NULL);
}
