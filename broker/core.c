/* broker/core.c — the broker object and each connection's life: accept,
 * framing and decoding of input, dispatch by packet type, output, close.
 * The packets themselves are handled in connect.c, publish.c,
 * subscribe.c and auth_flow.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void mqs_broker_config_defaults(mqs_broker_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->retain_available = true;
  cfg->wildcard_available = true;
  cfg->shared_available = true;
  cfg->sub_id_available = true;
  cfg->max_qos = 2;
  cfg->topic_alias_max = 10;
  cfg->topic_alias_out = true;
  cfg->response_information = true;
  cfg->max_clients = 10000;
  cfg->max_sessions = 100000;
  cfg->max_packet_size = 1048576;
  cfg->receive_max = 65535;
  cfg->max_inflight = 100;
  cfg->max_queued = 1000;
  cfg->max_queued_bytes = 16u << 20;
  cfg->max_output_bytes = 256u << 10;
  cfg->max_keep_alive = 0;
  cfg->max_session_expiry = UINT32_MAX;
  cfg->connect_timeout_ms = 10000;
  cfg->max_retained = 100000;
  cfg->max_subs_per_client = 1000;
  cfg->max_topic_levels = 200;
  cfg->allow_anonymous = true;
  cfg->scram_iterations_min = 4096;
  cfg->sys_interval_s = 10;
  cfg->version = "mqspec-broker";
  cfg->seed = 1;
}

void blog(const mqs_broker *b, mqs_log_level lvl, const char *fmt, ...) {
  if (!b->cfg.io.log) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  b->cfg.io.log(b->cfg.io.arg, lvl, line);
}

void broker_random(mqs_broker *b, uint8_t *buf, size_t n) {
  if (b->cfg.io.random) {
    b->cfg.io.random(b->cfg.io.arg, buf, n);
    return;
  }
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = rng_next(&b->rng);
    for (size_t j = 0; j < 8 && i + j < n; j++)
      buf[i + j] = (uint8_t)(r >> (8 * j));
  }
}

void deadline_at(mqs_broker *b, uint64_t when) {
  if (when < b->next_deadline) b->next_deadline = when;
}

static void advance(mqs_broker *b, uint64_t now) {
  if (now > b->now) b->now = now; /* monotonic even if a caller's clock is not */
}

mqs_broker *mqs_broker_new(const mqs_broker_config *cfg, uint64_t now_ms) {
  if (cfg->max_qos > 2 || cfg->max_packet_size < 64 || cfg->receive_max == 0 ||
      cfg->max_inflight == 0 || cfg->max_queued == 0 || cfg->max_topic_levels == 0 ||
      cfg->max_topic_levels > MQS_BROKER_MAX_TOPIC_LEVELS)
    return NULL;
  mqs_broker *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->cfg = *cfg;
  b->cfg.version = NULL;
  b->version = strdup(cfg->version ? cfg->version : "mqspec-broker");
  b->now = b->started = now_ms;
  b->rng.s = cfg->seed;
  broker_random(b, (uint8_t *)&b->seed, sizeof b->seed);
  b->sessions.seed = b->seed;
  b->subs_root = tree_root();
  b->retain_root = tree_root();
  b->next_deadline = UINT64_MAX;
  b->next_sys = cfg->sys_interval_s ? now_ms : UINT64_MAX;
  b->next_retain_sweep = now_ms + 60000;
  deadline_at(b, b->next_sys);
  deadline_at(b, b->next_retain_sweep);
  if (!b->version || !b->subs_root || !b->retain_root) {
    mqs_broker_free(b);
    return NULL;
  }
  return b;
}

static void client_free(mqs_client *c) {
  mqs_broker *b = c->b;
  if (c->prev)
    c->prev->next = c->next;
  else
    b->clients = c->next;
  if (c->next) c->next->prev = c->prev;
  b->n_clients--;
  will_clear(&c->will);
  if (c->req) conn_req_free(c->req);
  scram_free(c->scram);
  alias_free(c);
  bbuf_free(&c->in);
  bbuf_free(&c->out);
  free(c->username);
  free(c->auth_method);
  free(c->peer);
  free(c);
}

void mqs_broker_free(mqs_broker *b) {
  if (!b) return;
  while (b->clients) {
    mqs_client *c = b->clients;
    if (c->session) { /* detach without will: the broker is going away */
      c->session->client = NULL;
      c->session = NULL;
    }
    client_free(c);
  }
  /* Pending wills are not published: there is nobody left to receive them. */
  size_t bk = 0;
  smap_ent *e = NULL;
  while ((e = smap_next(&b->sessions, &bk, &e)))
    will_clear(&((mqs_session *)e->val)->will);
  while (b->sessions.count) {
    bk = 0;
    e = NULL;
    e = smap_next(&b->sessions, &bk, &e);
    session_end(b, e->val);
  }
  smap_free(&b->sessions);
  retain_free_all(b);
  tree_free(b->subs_root);
  matches_free(&b->scratch);
  free(b->tgt);
  free(b->ids);
  free(b->version);
  free(b);
}

mqs_client *mqs_broker_accept(mqs_broker *b, const char *peer_name, void *user, uint64_t now_ms) {
  advance(b, now_ms);
  if (b->n_clients >= b->cfg.max_clients) {
    blog(b, MQS_LOG_WARN, "refusing %s: %u connections open", peer_name ? peer_name : "?",
         b->n_clients);
    return NULL;
  }
  mqs_client *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->peer = strdup(peer_name ? peer_name : "?");
  if (!c->peer) {
    free(c);
    return NULL;
  }
  c->b = b;
  c->user = user;
  c->state = C_AWAIT_CONNECT;
  c->version = MQS_V311;
  c->accepted_at = c->last_rx = b->now;
  c->peer_receive_max = 65535;
  c->alias_out.seed = b->seed;
  c->next = b->clients;
  if (b->clients) b->clients->prev = c;
  b->clients = c;
  b->n_clients++;
  b->st.connections++;
  deadline_at(b, b->now + b->cfg.connect_timeout_ms);
  return c;
}

void *mqs_client_user(const mqs_client *c) { return c->user; }
const char *mqs_client_peer(const mqs_client *c) { return c->peer; }

void reason_string(const mqs_client *c, mqs_props *p, const char *s) {
  if (c->version != MQS_V5 || !c->problem_info || !s) return;
  p->present |= MQS_PROP_BIT(MQS_PROP_REASON_STRING);
  p->reason_string = (mqs_str){(const uint8_t *)s, (uint32_t)strlen(s)};
}

/* The properties of p that a too-large answer may lose (3.1.2.11.4). */
static mqs_props *droppable_props(mqs_packet *p) {
  switch (p->type) {
  case MQS_CONNACK: return &p->connack.props;
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP: return &p->ack.props;
  case MQS_SUBACK:
  case MQS_UNSUBACK: return &p->suback.props;
  case MQS_DISCONNECT: return &p->disconnect.props;
  case MQS_AUTH: return &p->auth.props;
  default: return NULL;
  }
}

int client_send(mqs_client *c, mqs_packet *p) {
  ssize_t size = mqs_encode_size(p, c->version, 0);
  uint32_t limit = c->peer_max_packet ? c->peer_max_packet : MQS_PROTOCOL_MAX_PACKET;
  mqs_props *pr = droppable_props(p);
  if (size > 0 && (size_t)size > limit && pr) {
    pr->present &= ~MQS_PROP_BIT(MQS_PROP_REASON_STRING);
    pr->n_user = 0;
    pr->user = NULL;
    pr->raw = (mqs_str){NULL, 0};
    size = mqs_encode_size(p, c->version, 0);
  }
  if (size < 0) return (int)size;
  if ((size_t)size > limit) return MQS_ETOOLARGE;
  uint8_t *w = bbuf_reserve(&c->out, (size_t)size);
  if (!w) return MQS_ENOMEM;
  ssize_t n = mqs_encode(p, c->version, 0, w, (size_t)size);
  if (n < 0) {
    blog(c->b, MQS_LOG_ERROR, "%s: cannot encode %s: %s", c->peer, mqs_packet_type_name(p->type),
         mqs_strerror((int)n));
    return (int)n;
  }
  bbuf_commit(&c->out, (size_t)n);
  return 0;
}

static void send_connack_refusal(mqs_client *c, uint8_t reason, const char *why) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_CONNACK;
  if (c->version == MQS_V5) {
    if (!mqs_reason_allowed(reason, MQS_CONNACK, MQS_V5)) reason = 0x80;
    p.connack.reason = reason;
    reason_string(c, &p.connack.props, why);
  } else {
    p.connack.reason = reason;
  }
  client_send(c, &p);
}

void client_fail(mqs_client *c, uint8_t reason, const char *why) {
  if (c->state == C_CLOSING) return;
  mqs_broker *b = c->b;
  blog(b, MQS_LOG_INFO, "%s: closing: %s (0x%02x)", c->peer, why ? why : "protocol error", reason);
  if (c->version == MQS_V5) {
    if (c->state == C_AWAIT_CONNECT || c->state == C_AUTHENTICATING) {
      send_connack_refusal(c, reason, why);
    } else {
      mqs_packet p;
      memset(&p, 0, sizeof p);
      p.type = MQS_DISCONNECT;
      if (!mqs_reason_allowed(reason, MQS_DISCONNECT, MQS_V5)) reason = 0x80;
      p.disconnect.reason = reason;
      reason_string(c, &p.disconnect.props, why);
      client_send(c, &p);
    }
  }
  c->state = C_CLOSING;
}

void mqs_client_kick(mqs_client *c, uint8_t reason, uint64_t now_ms) {
  advance(c->b, now_ms);
  client_fail(c, reason, "kicked");
}

void client_detach(mqs_client *c, bool will) {
  mqs_session *s = c->session;
  mqs_broker *b = c->b;
  if (c->counted) {
    b->st.clients_connected--;
    c->counted = false;
  }
  if (!s) {
    will_clear(&c->will);
    return;
  }
  s->client = NULL;
  c->session = NULL;
  /* Waiting QoS 0 deliveries were for this connection only. */
  for (qitem *q = s->queue.head, *next; q; q = next) {
    next = q->next;
    if (q->qos == 0) {
      session_dequeue(s, q);
      qitem_free(q);
    }
  }
  alias_free(c); /* aliases belong to the connection (3.3.2.3.4) */
  if (will && c->will.msg)
    will_trigger(b, s, &c->will);
  else
    will_clear(&c->will);
  if (s->expiry_s == 0) {
    session_end(b, s);
    return;
  }
  s->expire_at = s->expiry_s == UINT32_MAX ? MQS_NO_EXPIRY : b->now + (uint64_t)s->expiry_s * 1000;
  deadline_at(b, s->expire_at);
}

void mqs_client_gone(mqs_client *c, uint64_t now_ms) {
  advance(c->b, now_ms);
  client_detach(c, !c->graceful);
  client_free(c);
}

/* DISCONNECT from the client (3.14). */
static int handle_disconnect(mqs_client *c, const mqs_packet *p) {
  bool will = false;
  if (c->version == MQS_V5) {
    const mqs_reason_props *d = &p->disconnect;
    mqs_session *s = c->session;
    if (mqs_props_has(&d->props, MQS_PROP_SESSION_EXPIRY) && s) {
      if (s->expiry_s == 0 && d->props.session_expiry != 0) { /* MQTT-3.14.2-2 */
        client_fail(c, 0x82, "Session Expiry Interval set in DISCONNECT after 0 in CONNECT");
        return MQS_EPROTOCOL;
      }
      uint32_t e = d->props.session_expiry;
      s->expiry_s = e < c->b->cfg.max_session_expiry ? e : c->b->cfg.max_session_expiry;
    }
    will = d->reason != 0x00; /* 0x04 asks for the will; errors publish it too */
  }
  client_detach(c, will);
  c->graceful = true;
  c->state = C_CLOSING;
  return 0;
}

static int ping(mqs_client *c) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_PINGRESP;
  return client_send(c, &p);
}

static int dispatch(mqs_client *c, const mqs_packet *p) {
  if (p->type == MQS_CONNECT) {
    if (c->state != C_AWAIT_CONNECT) { /* MQTT-3.1.0-2 */
      client_fail(c, 0x82, "second CONNECT");
      return MQS_EPROTOCOL;
    }
    return handle_connect(c, p);
  }
  if (c->state == C_AWAIT_CONNECT) { /* MQTT-3.1.0-1: close, no CONNACK */
    blog(c->b, MQS_LOG_INFO, "%s: %s before CONNECT", c->peer, mqs_packet_type_name(p->type));
    c->state = C_CLOSING;
    return MQS_EPROTOCOL;
  }
  if (c->state == C_AUTHENTICATING && p->type != MQS_AUTH && p->type != MQS_DISCONNECT) {
    client_fail(c, 0x82, "packet other than AUTH during authentication");
    return MQS_EPROTOCOL;
  }
  switch (p->type) {
  case MQS_PUBLISH: return handle_publish(c, p);
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP: return handle_ack(c, p);
  case MQS_SUBSCRIBE: return handle_subscribe(c, p);
  case MQS_UNSUBSCRIBE: return handle_unsubscribe(c, p);
  case MQS_PINGREQ: return ping(c);
  case MQS_DISCONNECT: return handle_disconnect(c, p);
  case MQS_AUTH: return handle_auth(c, p);
  default: /* server-to-client types are stopped by the decoder */
    client_fail(c, 0x82, "unexpected packet");
    return MQS_EPROTOCOL;
  }
}

/* A packet broke a rule: answer as the specification says, and close. */
static int violation(mqs_client *c, const mqs_packet *p, const mqs_violation *why, int err) {
  mqs_broker *b = c->b;
  b->st.protocol_errors++;
  char what[160];
  snprintf(what, sizeof what, "%s%s%s", why->what ? why->what : "invalid packet",
           why->statement ? " " : "", why->statement ? why->statement : "");
  if (c->state != C_AWAIT_CONNECT) {
    client_fail(c, why->reason ? why->reason : 0x81, what);
    return err;
  }
  if (why->packet_type == MQS_CONNECT) {
    /* The CONNECT's level is read before any rule that depends on it. */
    uint8_t level = p->type == MQS_CONNECT ? p->connect.level : 0;
    if (why->rule == MQS_RULE_PROTOCOL_LEVEL && level != MQS_V5) {
      /* MQTT-3.1.2-2 (3.1.1): return code 0x01, in the form every version reads. */
      c->version = MQS_V311;
      send_connack_refusal(c, 0x01, NULL);
    } else if (level == MQS_V5) {
      c->version = MQS_V5;
      send_connack_refusal(c, why->reason ? why->reason : 0x81, what);
    }
  }
  blog(b, MQS_LOG_INFO, "%s: closing before CONNECT: %s", c->peer, what);
  c->state = C_CLOSING;
  return err;
}

int mqs_client_input(mqs_client *c, const uint8_t *p, size_t n, uint64_t now_ms) {
  mqs_broker *b = c->b;
  advance(b, now_ms);
  if (c->state == C_CLOSING) return MQS_EPROTOCOL;
  b->st.bytes_received += n;
  c->last_rx = b->now;
  const uint8_t *data = p;
  size_t len = n;
  bool buffered = bbuf_pending(&c->in) > 0;
  if (buffered) { /* the rest of a packet: join it to its start */
    if (bbuf_append(&c->in, p, n)) return MQS_ENOMEM;
    data = bbuf_data(&c->in);
    len = bbuf_pending(&c->in);
  }
  size_t off = 0;
  int rc = 0;
  while (off < len && c->state != C_CLOSING) {
    mqs_decode_opts o = {
        .version = c->state == C_AWAIT_CONNECT ? MQS_V5 : c->version,
        .from = MQS_FROM_CLIENT,
        .max_packet_size = b->cfg.max_packet_size,
        .topic_alias_max = b->cfg.topic_alias_max,
        .flags = MQS_DEC_CHECK_ALIAS_MAX,
    };
    mqs_packet pkt;
    mqs_violation why;
    memset(&why, 0, sizeof why);
    pkt.type = 0;
    pkt.connect.level = 0;
    ssize_t used = mqs_decode_ex(data + off, len - off, &o, &pkt, &why);
    if (used == MQS_INCOMPLETE) break;
    if (used < 0) {
      rc = violation(c, &pkt, &why, (int)used);
      break;
    }
    off += (size_t)used;
    rc = dispatch(c, &pkt);
    if (rc) {
      if (c->state != C_CLOSING) client_fail(c, 0x80, mqs_strerror(rc));
      break;
    }
  }
  if (c->state == C_CLOSING) {
    bbuf_free(&c->in);
    return rc ? rc : 0;
  }
  if (buffered) {
    bbuf_consume(&c->in, off);
    bbuf_shrink(&c->in, 65536);
  } else if (off < len && bbuf_append(&c->in, data + off, len - off)) {
    return MQS_ENOMEM;
  }
  return rc;
}

bool mqs_client_wants_input(const mqs_client *c) {
  return c->state != C_CLOSING && bbuf_pending(&c->out) < c->b->cfg.max_output_bytes;
}

size_t mqs_client_output(mqs_client *c, const uint8_t **p) {
  if (c->state == C_CONNECTED && bbuf_pending(&c->out) < MQS_OUT_CHUNK) client_fill(c);
  *p = bbuf_data(&c->out);
  return bbuf_pending(&c->out);
}

void mqs_client_output_done(mqs_client *c, size_t n) {
  size_t pending = bbuf_pending(&c->out);
  if (n > pending) n = pending;
  bbuf_consume(&c->out, n);
  c->b->st.bytes_sent += n;
  bbuf_shrink(&c->out, 4 * MQS_OUT_CHUNK);
}

bool mqs_client_should_close(const mqs_client *c) { return c->state == C_CLOSING; }

uint64_t mqs_broker_next_deadline(const mqs_broker *b) { return b->next_deadline; }

void mqs_broker_get_stats(const mqs_broker *b, mqs_broker_stats *out) { *out = b->st; }
