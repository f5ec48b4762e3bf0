/* codec/packet.c — packet type names, where a packet's properties are, and
 * the topic filter iterator. */
#include "internal.h"

static const char *const names[16] = {
    NULL,      "CONNECT",  "CONNACK",     "PUBLISH",  "PUBACK",  "PUBREC",
    "PUBREL",  "PUBCOMP",  "SUBSCRIBE",   "SUBACK",   "UNSUBSCRIBE", "UNSUBACK",
    "PINGREQ", "PINGRESP", "DISCONNECT",  "AUTH",
};

const char *mqs_packet_type_name(int type) { return type >= 1 && type <= 15 ? names[type] : NULL; }

const mqs_props *mqs_packet_props(const mqs_packet *p) {
  switch (p->type) {
  case MQS_CONNECT: return &p->connect.props;
  case MQS_CONNACK: return &p->connack.props;
  case MQS_PUBLISH: return &p->publish.props;
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP: return &p->ack.props;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: return &p->subscribe.props;
  case MQS_SUBACK:
  case MQS_UNSUBACK: return &p->suback.props;
  case MQS_DISCONNECT: return &p->disconnect.props;
  case MQS_AUTH: return &p->auth.props;
  default: return NULL;
  }
}

bool mqs_sub_next(const mqs_subscribe *s, uint32_t *cursor, mqs_sub *out) {
  if (s->filters) {
    if (*cursor >= s->n_filters) return false;
    *out = s->filters[(*cursor)++];
    return true;
  }
  if (!s->raw.p || *cursor >= s->raw.len) return false;
  /* Decoded: the raw bytes were validated when decoded. */
  rd r = {s->raw.p + *cursor, s->raw.p + s->raw.len};
  if (!rd_lstr(&r, &out->filter.p, &out->filter.len)) return false;
  out->options = 0;
  if (s->with_options) rd_u8(&r, &out->options);
  *cursor = (uint32_t)(r.p - s->raw.p);
  return true;
}
