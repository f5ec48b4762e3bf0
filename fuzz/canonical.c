/* fuzz/canonical.c — see canonical.h. */
#include "canonical.h"

size_t fuzz_prop_value_len(uint8_t id, const uint8_t *p) {
  const mqs_prop_info *pi = mqs_prop_lookup(id);
  switch (pi ? pi->type : MQS_PT_BYTE) {
  case MQS_PT_BYTE: return 1;
  case MQS_PT_U16: return 2;
  case MQS_PT_U32: return 4;
  case MQS_PT_VBI: {
    size_t n = 1;
    while (p[n - 1] & 0x80)
      n++;
    return n;
  }
  case MQS_PT_UTF8:
  case MQS_PT_BINARY: return 2 + (size_t)(p[0] << 8 | p[1]);
  case MQS_PT_PAIR: {
    size_t k = 2 + (size_t)(p[0] << 8 | p[1]);
    return k + 2 + (size_t)(p[k] << 8 | p[k + 1]);
  }
  }
  return 1;
}

/* An identifier is one byte: every defined one is below 0x80, and decode
 * rejects the others. */
bool fuzz_props_ascend(const mqs_props *pr, int t) {
  if (!pr->raw.p) return true; /* no block on the wire (3.1.1, or an ack's short form) */
  const uint8_t *p = pr->raw.p, *end = pr->raw.p + pr->raw.len;
  unsigned last = 0;
  while (p < end) {
    unsigned id = *p++;
    bool repeatable = id == MQS_PROP_USER || (id == MQS_PROP_SUBSCRIPTION_ID && t == MQS_PUBLISH);
    if (id < last || (id == last && !repeatable)) return false;
    last = id;
    p += fuzz_prop_value_len((uint8_t)id, p);
  }
  return true;
}

/* C3: fields is what follows the packet identifier (acks) or starts the
 * body (DISCONNECT, AUTH): 0, the reason code, or the reason code and a
 * property block. */
static const char *short_form(uint32_t fields, uint8_t reason, const mqs_props *pr) {
  if (fields == 1 && reason == 0) return "C3 reason code 0x00 with no properties";
  if (fields > 1 && pr->raw.len == 0) return "C3 empty property block";
  return NULL;
}

const char *fuzz_noncanonical(const mqs_packet *p, mqs_version v) {
  /* A CONNECT is written in its own level, whatever the connection's. */
  bool v5 = (p->type == MQS_CONNECT ? p->connect.level : v) == MQS_V5;
  if (!v5) return NULL;
  switch (p->type) {
  case MQS_CONNECT:
    if (!fuzz_props_ascend(&p->connect.props, MQS_CONNECT)) return "C2 connect.props";
    if (!fuzz_props_ascend(&p->connect.will_props, MQS_WILL_PROPS)) return "C2 connect.will_props";
    return NULL;
  case MQS_CONNACK:
    return fuzz_props_ascend(&p->connack.props, p->type) ? NULL : "C2 connack.props";
  case MQS_PUBLISH:
    return fuzz_props_ascend(&p->publish.props, p->type) ? NULL : "C2 publish.props";
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    if (!fuzz_props_ascend(&p->ack.props, p->type)) return "C2 ack.props";
    return short_form(p->remaining - 2, p->ack.reason, &p->ack.props);
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE:
    return fuzz_props_ascend(&p->subscribe.props, p->type) ? NULL : "C2 subscribe.props";
  case MQS_SUBACK:
  case MQS_UNSUBACK: return fuzz_props_ascend(&p->suback.props, p->type) ? NULL : "C2 suback.props";
  case MQS_DISCONNECT:
  case MQS_AUTH:
    if (!fuzz_props_ascend(&p->disconnect.props, p->type)) return "C2 reason_props.props";
    return short_form(p->remaining, p->disconnect.reason, &p->disconnect.props);
  case MQS_PINGREQ:
  case MQS_PINGRESP: return NULL;
  }
  return NULL;
}
