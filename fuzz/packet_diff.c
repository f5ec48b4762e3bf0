/* fuzz/packet_diff.c — see packet_diff.h. Written out field by field rather
 * than by comparing printed forms: a printer that drops a field would hide
 * a difference, and the printers are fuzzed on their own (fuzz_print). */
#include "packet_diff.h"

#include <string.h>

static bool str_eq(mqs_str a, mqs_str b) {
  if (!a.p || !b.p) return !a.p && !b.p;
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#define SAME_NUM(f, name)                                                                          \
  if (a->f != b->f) return name
#define SAME_STR(f, name)                                                                          \
  if (!str_eq(a->f, b->f)) return name

static const char *users_diff(const mqs_props *a, const mqs_props *b) {
  uint32_t ca = 0, cb = 0;
  mqs_str_pair x, y;
  for (;;) {
    bool more_a = mqs_props_next_user(a, &ca, &x), more_b = mqs_props_next_user(b, &cb, &y);
    if (more_a != more_b) return "props.user (count)";
    if (!more_a) return NULL;
    if (!str_eq(x.key, y.key) || !str_eq(x.value, y.value)) return "props.user (pair)";
  }
}

static const char *sub_ids_diff(const mqs_props *a, const mqs_props *b) {
  uint32_t ca = 0, cb = 0, x, y;
  for (;;) {
    bool more_a = mqs_props_next_sub_id(a, &ca, &x), more_b = mqs_props_next_sub_id(b, &cb, &y);
    if (more_a != more_b) return "props.sub_ids (count)";
    if (!more_a) return NULL;
    if (x != y) return "props.sub_ids (value)";
  }
}

/* Decode zeroes every field it does not set, so values of absent
 * properties compare equal too and need no presence test. */
const char *fuzz_props_diff(const mqs_props *a, const mqs_props *b) {
  SAME_NUM(present, "props.present");
  SAME_NUM(payload_format, "props.payload_format");
  SAME_NUM(request_problem_info, "props.request_problem_info");
  SAME_NUM(request_response_info, "props.request_response_info");
  SAME_NUM(max_qos, "props.max_qos");
  SAME_NUM(retain_available, "props.retain_available");
  SAME_NUM(wildcard_available, "props.wildcard_available");
  SAME_NUM(sub_id_available, "props.sub_id_available");
  SAME_NUM(shared_available, "props.shared_available");
  SAME_NUM(server_keep_alive, "props.server_keep_alive");
  SAME_NUM(receive_max, "props.receive_max");
  SAME_NUM(topic_alias_max, "props.topic_alias_max");
  SAME_NUM(topic_alias, "props.topic_alias");
  SAME_NUM(message_expiry, "props.message_expiry");
  SAME_NUM(session_expiry, "props.session_expiry");
  SAME_NUM(will_delay, "props.will_delay");
  SAME_NUM(max_packet_size, "props.max_packet_size");
  SAME_STR(content_type, "props.content_type");
  SAME_STR(response_topic, "props.response_topic");
  SAME_STR(correlation_data, "props.correlation_data");
  SAME_STR(assigned_client_id, "props.assigned_client_id");
  SAME_STR(auth_method, "props.auth_method");
  SAME_STR(auth_data, "props.auth_data");
  SAME_STR(response_info, "props.response_info");
  SAME_STR(server_reference, "props.server_reference");
  SAME_STR(reason_string, "props.reason_string");
  SAME_NUM(n_user, "props.n_user");
  SAME_NUM(n_sub_id, "props.n_sub_id");
  const char *d = users_diff(a, b);
  return d ? d : sub_ids_diff(a, b);
}

static const char *connect_diff(const mqs_connect *a, const mqs_connect *b) {
  SAME_NUM(level, "connect.level");
  SAME_STR(protocol_name, "connect.protocol_name");
  SAME_NUM(flags, "connect.flags");
  SAME_NUM(clean_start, "connect.clean_start");
  SAME_NUM(will, "connect.will");
  SAME_NUM(will_retain, "connect.will_retain");
  SAME_NUM(will_qos, "connect.will_qos");
  SAME_NUM(keep_alive, "connect.keep_alive");
  SAME_STR(client_id, "connect.client_id");
  SAME_STR(will_topic, "connect.will_topic");
  SAME_STR(will_payload, "connect.will_payload");
  SAME_STR(username, "connect.username");
  SAME_STR(password, "connect.password");
  const char *d = fuzz_props_diff(&a->props, &b->props);
  if (d) return d;
  return fuzz_props_diff(&a->will_props, &b->will_props) ? "connect.will_props" : NULL;
}

static const char *subscribe_diff(const mqs_subscribe *a, const mqs_subscribe *b) {
  SAME_NUM(id, "subscribe.id");
  SAME_NUM(n_filters, "subscribe.n_filters");
  SAME_NUM(with_options, "subscribe.with_options");
  uint32_t ca = 0, cb = 0;
  mqs_sub x, y;
  for (;;) {
    bool more_a = mqs_sub_next(a, &ca, &x), more_b = mqs_sub_next(b, &cb, &y);
    if (more_a != more_b) return "subscribe.filters (count)";
    if (!more_a) break;
    if (!str_eq(x.filter, y.filter)) return "subscribe.filters (filter)";
    if (x.options != y.options) return "subscribe.filters (options)";
  }
  return fuzz_props_diff(&a->props, &b->props);
}

static const char *suback_diff(const mqs_suback *a, const mqs_suback *b) {
  SAME_NUM(id, "suback.id");
  SAME_NUM(n_reasons, "suback.n_reasons");
  if (a->n_reasons && memcmp(a->reasons, b->reasons, a->n_reasons) != 0) return "suback.reasons";
  return fuzz_props_diff(&a->props, &b->props);
}

const char *fuzz_packet_diff(const mqs_packet *a, const mqs_packet *b) {
  SAME_NUM(type, "type");
  SAME_NUM(flags, "flags");
  SAME_NUM(notes, "notes");
  switch (a->type) {
  case MQS_CONNECT: return connect_diff(&a->connect, &b->connect);
  case MQS_CONNACK:
    SAME_NUM(connack.flags, "connack.flags");
    SAME_NUM(connack.session_present, "connack.session_present");
    SAME_NUM(connack.reason, "connack.reason");
    return fuzz_props_diff(&a->connack.props, &b->connack.props);
  case MQS_PUBLISH:
    SAME_NUM(publish.qos, "publish.qos");
    SAME_NUM(publish.dup, "publish.dup");
    SAME_NUM(publish.retain, "publish.retain");
    SAME_NUM(publish.id, "publish.id");
    SAME_STR(publish.topic, "publish.topic");
    SAME_STR(publish.payload, "publish.payload");
    return fuzz_props_diff(&a->publish.props, &b->publish.props);
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    SAME_NUM(ack.id, "ack.id");
    SAME_NUM(ack.reason, "ack.reason");
    return fuzz_props_diff(&a->ack.props, &b->ack.props);
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: return subscribe_diff(&a->subscribe, &b->subscribe);
  case MQS_SUBACK:
  case MQS_UNSUBACK: return suback_diff(&a->suback, &b->suback);
  case MQS_DISCONNECT:
  case MQS_AUTH:
    SAME_NUM(disconnect.reason, "reason");
    return fuzz_props_diff(&a->disconnect.props, &b->disconnect.props);
  case MQS_PINGREQ:
  case MQS_PINGRESP: return NULL;
  }
  return "type (unknown)";
}
