/* broker/connect.c — CONNECT and CONNACK (3.1, 3.2): client identifier
 * rules, authentication by user name and password, session creation,
 * resumption and takeover, and the CONNACK properties that advertise what
 * this broker supports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void conn_req_free(conn_req *r) {
  if (!r) return;
  free(r->client_id);
  free(r->auth_method);
  free(r->username);
  will_clear(&r->will);
  free(r);
}

/* Refuse the connection: CONNACK with v5 (5.0) or v3 (3.1.1) code, close. */
static int refuse(mqs_client *c, uint8_t v5, uint8_t v3, const char *why) {
  blog(c->b, MQS_LOG_INFO, "%s: CONNECT refused: %s", c->peer, why);
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_CONNACK;
  p.connack.reason = c->version == MQS_V5 ? v5 : v3;
  reason_string(c, &p.connack.props, why);
  client_send(c, &p);
  c->state = C_CLOSING;
  return 0;
}

static char *dup_bytes(const uint8_t *p, size_t n) {
  char *s = malloc(n + 1);
  if (!s) return NULL;
  if (n) memcpy(s, p, n);
  s[n] = 0;
  return s;
}

/* "mqspec-" and 16 hex digits (MQTT-3.1.3-6). */
static char *assign_id(mqs_broker *b) {
  uint8_t r[8];
  broker_random(b, r, sizeof r);
  char *id = malloc(7 + 16 + 1);
  if (!id) return NULL;
  int n = snprintf(id, 24, "mqspec-");
  for (int i = 0; i < 8; i++)
    n += snprintf(id + n, 24 - (size_t)n, "%02x", r[i]);
  return id;
}

static bool is_sys(const mqs_str *t) { return t->len >= 4 && memcmp(t->p, "$SYS", 4) == 0; }

/* May the client publish to topic (its will, or a PUBLISH)? */
bool may_publish(const mqs_client *c, const mqs_str *topic) {
  if (is_sys(topic)) return false; /* $SYS belongs to the broker */
  return mqs_acl_allows(c->b->cfg.acl, c->username, c->username_len,
                        c->session ? c->session->id : (c->req ? c->req->client_id : ""),
                        c->session ? c->session->id_len : (c->req ? c->req->client_id_len : 0),
                        topic->p, topic->len, MQS_ACL_WRITE);
}

int handle_connect(mqs_client *c, const mqs_packet *pkt) {
  const mqs_packet *p = pkt;
  mqs_broker *b = c->b;
  const mqs_connect *k = &p->connect;
  c->version = (mqs_version)k->level;
  bool v5 = c->version == MQS_V5;
  const mqs_props *pr = &k->props;
  if (v5) {
    c->peer_receive_max = mqs_props_has(pr, MQS_PROP_RECEIVE_MAX) ? pr->receive_max : 65535;
    c->peer_max_packet = mqs_props_has(pr, MQS_PROP_MAX_PACKET_SIZE) ? pr->max_packet_size : 0;
    c->peer_alias_max = mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS_MAX) ? pr->topic_alias_max : 0;
    c->problem_info =
        mqs_props_has(pr, MQS_PROP_REQUEST_PROBLEM_INFO) ? pr->request_problem_info : 1;
  }
  /* 3.1 allows 1 to 23 characters; 3.1.1 an empty one only with a clean session. */
  if (c->version == MQS_V31 && (k->client_id.len == 0 || k->client_id.len > 23))
    return refuse(c, 0x85, 0x02, "MQTT 3.1 client identifier must have 1 to 23 characters");
  if (c->version == MQS_V311 && k->client_id.len == 0 && !k->clean_start) /* MQTT-3.1.3-8 */
    return refuse(c, 0x85, 0x02, "empty client identifier with clean session 0");

  conn_req *r = calloc(1, sizeof *r);
  if (!r) return MQS_ENOMEM;
  c->req = r;
  r->clean_start = k->clean_start;
  r->keep_alive = k->keep_alive;
  if (v5)
    r->session_expiry = mqs_props_has(pr, MQS_PROP_SESSION_EXPIRY) ? pr->session_expiry : 0;
  else
    r->session_expiry = k->clean_start ? 0 : UINT32_MAX; /* 3.1.1: kept until resumed clean */
  r->request_response_info =
      v5 && mqs_props_has(pr, MQS_PROP_REQUEST_RESPONSE_INFO) && pr->request_response_info;
  if (k->client_id.len) {
    r->client_id = dup_bytes(k->client_id.p, k->client_id.len);
    r->client_id_len = k->client_id.len;
  } else {
    r->client_id = assign_id(b);
    r->client_id_len = r->client_id ? strlen(r->client_id) : 0;
    r->assigned = true;
  }
  if (!r->client_id) return MQS_ENOMEM;
  if (k->username.p) {
    if (!(r->username = dup_bytes(k->username.p, k->username.len))) return MQS_ENOMEM;
    r->username_len = k->username.len;
    c->username = dup_bytes(k->username.p, k->username.len);
    if (!c->username) return MQS_ENOMEM;
    c->username_len = k->username.len;
  }

  if (k->will) {
    if (k->will_qos > b->cfg.max_qos && v5) /* MQTT-3.2.2-12 */
      return refuse(c, 0x9B, 0x05, "Will QoS above the Maximum QoS");
    if (k->will_retain && !b->cfg.retain_available && v5) /* MQTT-3.2.2-13 */
      return refuse(c, 0x9A, 0x05, "Will Retain while retain is not available");
    if (v5 && (pkt->notes & MQS_NOTE_PAYLOAD_NOT_UTF8))
      return refuse(c, 0x99, 0x05, "will payload is not UTF-8 as its format says");
    if (topic_levels(k->will_topic.p, k->will_topic.len) > b->cfg.max_topic_levels)
      return refuse(c, 0x90, 0x05, "will topic has too many levels");
    if (will_from_connect(c, k, &r->will)) return MQS_ENOMEM;
  }

  /* Authentication (3.1.4-2; 4.12). */
  if (v5 && mqs_props_has(pr, MQS_PROP_AUTH_METHOD)) return auth_start(c, pr);
  if (k->username.p) {
    if (!k->password.p || !b->cfg.auth ||
        !mqs_auth_check(b->cfg.auth, k->username.p, k->username.len, k->password.p,
                        k->password.len))
      return refuse(c, 0x86, 0x04, "bad user name or password");
  } else if (k->password.p) {
    return refuse(c, 0x86, 0x04, "password without a user name");
  } else if (!b->cfg.allow_anonymous) {
    return refuse(c, 0x87, 0x05, "anonymous connections are not allowed");
  }
  return connect_accept(c, NULL);
}

/* Take an online session from its current connection (3.1.4-3). */
static void take_over(mqs_broker *b, mqs_session *s) {
  mqs_client *old = s->client;
  blog(b, MQS_LOG_INFO, "%s: session %s taken over", old->peer, s->id);
  client_fail(old, 0x8E, "session taken over"); /* 5.0: DISCONNECT 0x8E */
  client_detach(old, true);
  if (b->cfg.io.wake) b->cfg.io.wake(old, old->user);
}

static void connack_props(mqs_client *c, const conn_req *r, mqs_props *pp, uint32_t expiry,
                          uint16_t server_ka, char *resp, size_t respcap) {
  mqs_broker *b = c->b;
  const mqs_broker_config *cfg = &b->cfg;
  if (expiry != r->session_expiry) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_SESSION_EXPIRY);
    pp->session_expiry = expiry;
  }
  if (cfg->receive_max != 65535) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_RECEIVE_MAX);
    pp->receive_max = cfg->receive_max;
  }
  if (cfg->max_qos < 2) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_MAX_QOS);
    pp->max_qos = cfg->max_qos;
  }
  if (!cfg->retain_available) pp->present |= MQS_PROP_BIT(MQS_PROP_RETAIN_AVAILABLE);
  if (cfg->max_packet_size < MQS_PROTOCOL_MAX_PACKET) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_MAX_PACKET_SIZE);
    pp->max_packet_size = cfg->max_packet_size;
  }
  if (r->assigned) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_ASSIGNED_CLIENT_ID);
    pp->assigned_client_id = (mqs_str){(const uint8_t *)r->client_id, (uint32_t)r->client_id_len};
  }
  if (cfg->topic_alias_max) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS_MAX);
    pp->topic_alias_max = cfg->topic_alias_max;
  }
  if (!cfg->wildcard_available) pp->present |= MQS_PROP_BIT(MQS_PROP_WILDCARD_AVAILABLE);
  if (!cfg->sub_id_available) pp->present |= MQS_PROP_BIT(MQS_PROP_SUB_ID_AVAILABLE);
  if (!cfg->shared_available) pp->present |= MQS_PROP_BIT(MQS_PROP_SHARED_AVAILABLE);
  if (server_ka != r->keep_alive) {
    pp->present |= MQS_PROP_BIT(MQS_PROP_SERVER_KEEP_ALIVE);
    pp->server_keep_alive = server_ka;
  }
  if (r->request_response_info && cfg->response_information) {
    int n = snprintf(resp, respcap, "response/%s", r->client_id);
    if (n > 0 && (size_t)n < respcap) {
      pp->present |= MQS_PROP_BIT(MQS_PROP_RESPONSE_INFO);
      pp->response_info = (mqs_str){(const uint8_t *)resp, (uint32_t)n};
    }
  }
}

int connect_accept(mqs_client *c, const mqs_str *auth_data) {
  mqs_broker *b = c->b;
  conn_req *r = c->req;
  bool v5 = c->version == MQS_V5;
  if (r->will.msg && !may_publish(c, &r->will.msg->topic))
    return refuse(c, 0x87, 0x05, "not authorized to publish the will");
  mqs_session *s = session_find(b, (const uint8_t *)r->client_id, r->client_id_len);
  if (s && s->client) {
    take_over(b, s); /* may end s (expiry 0) */
    s = session_find(b, (const uint8_t *)r->client_id, r->client_id_len);
  }
  if (s && r->clean_start) { /* MQTT-3.1.2-4: discard, publishing a pending will */
    session_end(b, s);
    s = NULL;
  }
  bool present = s != NULL;
  if (s) {
    /* Back before the will delay ran out: no will (MQTT-3.1.3-9). */
    will_clear(&s->will);
  } else if (b->sessions.count >= b->cfg.max_sessions) {
    /* Offline sessions would otherwise pile up without bound, one per client id. */
    return refuse(c, 0x97, 0x03, "too many sessions");
  } else if (!(s = session_new(b, (const uint8_t *)r->client_id, r->client_id_len))) {
    return MQS_ENOMEM;
  }
  s->client = c;
  c->session = s;
  uint32_t expiry = r->session_expiry;
  if (expiry > b->cfg.max_session_expiry) expiry = b->cfg.max_session_expiry;
  s->expiry_s = expiry;
  s->expire_at = MQS_NO_EXPIRY;
  free(s->username);
  s->username = NULL;
  s->username_len = 0;
  if (c->username) {
    s->username = strdup(c->username);
    s->username_len = c->username_len;
  }
  c->will = r->will;
  r->will.msg = NULL;
  uint16_t ka = r->keep_alive;
  if (v5 && b->cfg.max_keep_alive && (ka == 0 || ka > b->cfg.max_keep_alive))
    ka = b->cfg.max_keep_alive; /* Server Keep Alive (3.2.2.3.14) */
  c->keep_alive = ka;
  c->state = C_CONNECTED;
  c->counted = true;
  b->st.clients_connected++;
  if (b->st.clients_connected > b->st.clients_maximum)
    b->st.clients_maximum = b->st.clients_connected;
  if (ka) deadline_at(b, b->now + (uint64_t)ka * 1500);

  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_CONNACK;
  p.connack.session_present = present && c->version != MQS_V31; /* 3.1 has no such flag */
  char resp[300];
  if (v5) {
    connack_props(c, r, &p.connack.props, expiry, ka, resp, sizeof resp);
    if (c->auth_method) {
      p.connack.props.present |= MQS_PROP_BIT(MQS_PROP_AUTH_METHOD);
      p.connack.props.auth_method =
          (mqs_str){(const uint8_t *)c->auth_method, (uint32_t)strlen(c->auth_method)};
      if (auth_data && auth_data->p) {
        p.connack.props.present |= MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
        p.connack.props.auth_data = *auth_data;
      }
    }
  }
  int rc = client_send(c, &p);
  blog(b, MQS_LOG_INFO, "%s: connected as %s (MQTT %s, session %s)", c->peer, s->id,
       c->version == MQS_V5     ? "5.0"
       : c->version == MQS_V311 ? "3.1.1"
                                : "3.1",
       present ? "resumed" : "new");
  conn_req_free(r);
  c->req = NULL;
  if (rc) return rc;
  uint32_t win =
      c->peer_receive_max < b->cfg.max_inflight ? c->peer_receive_max : b->cfg.max_inflight;
  s->inflight_cap = s->inflight.count > win ? s->inflight.count : win;
  if (present) session_mark_resend(s);
  return 0;
}
