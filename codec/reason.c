/* codec/reason.c — the reason codes of MQTT 5.0 (2.4, Table 2-6) and the
 * return codes of MQTT 3.1.1, with the packet types allowed to carry each. */
#include <string.h>

#include "mqs/packet.h"
#include "mqs/reason.h"

#define B(t) (1u << (t))
#define ACKS (B(MQS_PUBACK) | B(MQS_PUBREC))

typedef struct {
  uint8_t code;
  uint32_t packets; /* B(type) for each packet type allowed to carry it */
  const char *name;
  const char *key;
} reason_info;

/* 0x00, 0x01 and 0x02 have other names in some packets; see special_name(). */
static const reason_info v5[] = {
    {0x00, B(MQS_CONNACK) | ACKS | B(MQS_PUBREL) | B(MQS_PUBCOMP) | B(MQS_UNSUBACK) | B(MQS_AUTH) |
               B(MQS_SUBACK) | B(MQS_DISCONNECT),
     "Success", "success"},
    {0x01, B(MQS_SUBACK), "Granted QoS 1", "granted_qos_1"},
    {0x02, B(MQS_SUBACK), "Granted QoS 2", "granted_qos_2"},
    {0x04, B(MQS_DISCONNECT), "Disconnect with Will Message", "disconnect_with_will"},
    {0x10, ACKS, "No matching subscribers", "no_matching_subscribers"},
    {0x11, B(MQS_UNSUBACK), "No subscription existed", "no_subscription_existed"},
    {0x18, B(MQS_AUTH), "Continue authentication", "continue_authentication"},
    {0x19, B(MQS_AUTH), "Re-authenticate", "re_authenticate"},
    {0x80, B(MQS_CONNACK) | ACKS | B(MQS_SUBACK) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT),
     "Unspecified error", "unspecified_error"},
    {0x81, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Malformed Packet", "malformed_packet"},
    {0x82, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Protocol Error", "protocol_error"},
    {0x83, B(MQS_CONNACK) | ACKS | B(MQS_SUBACK) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT),
     "Implementation specific error", "implementation_specific_error"},
    {0x84, B(MQS_CONNACK), "Unsupported Protocol Version", "unsupported_protocol_version"},
    {0x85, B(MQS_CONNACK), "Client Identifier not valid", "client_identifier_not_valid"},
    {0x86, B(MQS_CONNACK), "Bad User Name or Password", "bad_username_or_password"},
    {0x87, B(MQS_CONNACK) | ACKS | B(MQS_SUBACK) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT),
     "Not authorized", "not_authorized"},
    {0x88, B(MQS_CONNACK), "Server unavailable", "server_unavailable"},
    {0x89, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Server busy", "server_busy"},
    {0x8A, B(MQS_CONNACK), "Banned", "banned"},
    {0x8B, B(MQS_DISCONNECT), "Server shutting down", "server_shutting_down"},
    {0x8C, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Bad authentication method",
     "bad_authentication_method"},
    {0x8D, B(MQS_DISCONNECT), "Keep Alive timeout", "keep_alive_timeout"},
    {0x8E, B(MQS_DISCONNECT), "Session taken over", "session_taken_over"},
    {0x8F, B(MQS_SUBACK) | B(MQS_UNSUBACK) | B(MQS_DISCONNECT), "Topic Filter invalid",
     "topic_filter_invalid"},
    {0x90, B(MQS_CONNACK) | ACKS | B(MQS_DISCONNECT), "Topic Name invalid", "topic_name_invalid"},
    {0x91, ACKS | B(MQS_SUBACK) | B(MQS_UNSUBACK), "Packet Identifier in use",
     "packet_identifier_in_use"},
    {0x92, B(MQS_PUBREL) | B(MQS_PUBCOMP), "Packet Identifier not found",
     "packet_identifier_not_found"},
    {0x93, B(MQS_DISCONNECT), "Receive Maximum exceeded", "receive_maximum_exceeded"},
    {0x94, B(MQS_DISCONNECT), "Topic Alias invalid", "topic_alias_invalid"},
    {0x95, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Packet too large", "packet_too_large"},
    {0x96, B(MQS_DISCONNECT), "Message rate too high", "message_rate_too_high"},
    {0x97, B(MQS_CONNACK) | ACKS | B(MQS_SUBACK) | B(MQS_DISCONNECT), "Quota exceeded",
     "quota_exceeded"},
    {0x98, B(MQS_DISCONNECT), "Administrative action", "administrative_action"},
    {0x99, B(MQS_CONNACK) | ACKS | B(MQS_DISCONNECT), "Payload format invalid",
     "payload_format_invalid"},
    {0x9A, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Retain not supported", "retain_not_supported"},
    {0x9B, B(MQS_CONNACK) | B(MQS_DISCONNECT), "QoS not supported", "qos_not_supported"},
    {0x9C, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Use another server", "use_another_server"},
    {0x9D, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Server moved", "server_moved"},
    {0x9E, B(MQS_SUBACK) | B(MQS_DISCONNECT), "Shared Subscriptions not supported",
     "shared_subscriptions_not_supported"},
    {0x9F, B(MQS_CONNACK) | B(MQS_DISCONNECT), "Connection rate exceeded",
     "connection_rate_exceeded"},
    {0xA0, B(MQS_DISCONNECT), "Maximum connect time", "maximum_connect_time"},
    {0xA1, B(MQS_SUBACK) | B(MQS_DISCONNECT), "Subscription Identifiers not supported",
     "subscription_identifiers_not_supported"},
    {0xA2, B(MQS_SUBACK) | B(MQS_DISCONNECT), "Wildcard Subscriptions not supported",
     "wildcard_subscriptions_not_supported"},
};

/* MQTT 3.1.1: CONNACK return codes (3.2.2.3) and SUBACK return codes (3.9.3). */
static const reason_info v311[] = {
    {0x00, B(MQS_CONNACK), "Connection Accepted", "accepted"},
    {0x01, B(MQS_CONNACK), "Connection Refused, unacceptable protocol version",
     "unacceptable_protocol_version"},
    {0x02, B(MQS_CONNACK), "Connection Refused, identifier rejected", "identifier_rejected"},
    {0x03, B(MQS_CONNACK), "Connection Refused, Server unavailable", "server_unavailable"},
    {0x04, B(MQS_CONNACK), "Connection Refused, bad user name or password",
     "bad_username_or_password"},
    {0x05, B(MQS_CONNACK), "Connection Refused, not authorized", "not_authorized"},
    {0x00, B(MQS_SUBACK), "Success - Maximum QoS 0", "granted_qos_0"},
    {0x01, B(MQS_SUBACK), "Success - Maximum QoS 1", "granted_qos_1"},
    {0x02, B(MQS_SUBACK), "Success - Maximum QoS 2", "granted_qos_2"},
    {0x80, B(MQS_SUBACK), "Failure", "failure"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const reason_info *find(uint8_t code, int t, int version) {
  const reason_info *tab = version >= 5 ? v5 : v311;
  size_t n = version >= 5 ? COUNT(v5) : COUNT(v311);
  if (t < 1 || t > 15) return NULL;
  for (size_t i = 0; i < n; i++)
    if (tab[i].code == code && (tab[i].packets & B(t))) return &tab[i];
  return NULL;
}

bool mqs_reason_allowed(uint8_t code, int t, int version) { return find(code, t, version) != NULL; }

/* 0x00 is "Granted QoS 0" in a SUBACK and "Normal disconnection" in a DISCONNECT. */
static const char *special(uint8_t code, int t, int version, bool key) {
  if (version < 5 || code != 0x00) return NULL;
  if (t == MQS_SUBACK) return key ? "granted_qos_0" : "Granted QoS 0";
  if (t == MQS_DISCONNECT) return key ? "normal_disconnection" : "Normal disconnection";
  return NULL;
}

const char *mqs_reason_name(uint8_t code, int t, int version) {
  const reason_info *r = find(code, t, version);
  if (!r) return NULL;
  const char *s = special(code, t, version, false);
  return s ? s : r->name;
}

const char *mqs_reason_key(uint8_t code, int t, int version) {
  const reason_info *r = find(code, t, version);
  if (!r) return NULL;
  const char *s = special(code, t, version, true);
  return s ? s : r->key;
}

int mqs_reason_from_key(const char *key, int t, int version) {
  for (unsigned code = 0; code < 256; code++) {
    const char *k = mqs_reason_key((uint8_t)code, t, version);
    if (k && strcmp(k, key) == 0) return (int)code;
  }
  /* "success" is accepted wherever 0x00 has another name. */
  if (strcmp(key, "success") == 0 && find(0x00, t, version)) return 0;
  return -1;
}
