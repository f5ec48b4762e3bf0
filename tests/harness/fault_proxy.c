/* tests/harness/fault_proxy.c — a TCP proxy that breaks one MQTT rule.
 *
 * It sits between mqspec and a real broker, reads the packets of both
 * directions with the shared codec and forwards them, except for the ones
 * a --fault names: those it drops, duplicates, reorders or rewrites. A
 * broker behind it thus "drops a PUBACK", "forgets the will", "flips
 * Session Present"... and the scenario checking that rule must FAIL,
 * which is how the tests show that each scenario can fail at all.
 *
 *   mqs_fault_proxy --upstream HOST:PORT [--fault SPEC]...
 *
 * prints "listening on 127.0.0.1:PORT" and serves until killed. A SPEC is
 * DIR:WHAT[#N]:ACTION[=VALUE], DIR c2s or s2c; WHAT a packet type, "any",
 * "malformed" (c2s packets the codec refuses, or announcing more than 16 MiB)
 * or "close"; #N only the Nth
 * such packet of the run (from 1); ACTION one of
 *   drop, dup, swap (forward after the next one like it), first-per-read
 *   (of several packets in one read, only the first survives), hold (for
 *   close: keep the client's side open when the broker closes),
 *   reason=N, session_present=0|1|flip, retain=0|1, dupflag=0|1, qos=N,
 *   keep_alive=N, level=N, clean_start=0|1, will=0, will_retain=0|1,
 *   will_delay=N, alias=N, retain_handling=N, no_local=0|1, filter=TEXT
 *   (every topic filter of a SUBSCRIBE or UNSUBSCRIBE), share=NAME (the
 *   ShareName of every $share/ filter), strip=PROPERTY_KEY,
 *   set=PROPERTY_KEY:VALUE (add or replace a property; numbers or text),
 *   add_user=KEY:VALUE (append a User Property), id=N (packet identifier),
 *   topic=TEXT, payload=TEXT, topic_replace=OLD:NEW (the first OLD in the
 *   topic becomes NEW), replace=HEX (send these bytes instead),
 *   inject=HEX (send these bytes first, then the packet), append=HEX (the
 *   packet, then these bytes), close (send nothing and close both sides),
 *   client_id=TEXT (a CONNECT's Client Identifier), topic_strip=HEX (remove
 *   every occurrence of the bytes from a PUBLISH's topic name), will_restore
 *   (a CONNECT gets the 3.1.1 Will of the last CONNECT that had one, as if
 *   the server kept it in the session). id=N on a
 *   QoS 0 PUBLISH writes an identifier it must not have (QoS 0 flags kept).
 * HEX is bytes without spaces ("e000").
 *
 * MQTT over WebSocket (a connection whose first bytes are "GET "): the
 * upgrade passes, then the frames; MQTT faults do not apply there, these do:
 *   c2s:ws-text:binary          text frames go on as binary ones
 *   c2s:ws-frame:first-packet   each frame carries on only the first whole
 *                               MQTT packet it starts with (nothing if none),
 *                               as a server assuming one packet per frame
 *   s2c:ws-handshake:strip-protocol  the 101 answer loses Sec-WebSocket-Protocol */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mqs/codec.h"
#include "mqs/loop.h"
#include "mqs/tcp.h"
#include "mqs/ws.h"

enum { C2S, S2C };
#define WHAT_ANY 0
#define WHAT_MALFORMED (-1)
#define WHAT_CLOSE (-2)
#define WHAT_WS_TEXT (-3)
#define WHAT_WS_FRAME (-4)
#define WHAT_WS_HANDSHAKE (-5)

typedef struct {
  int dir;
  int what;     /* packet type, or WHAT_* */
  unsigned nth; /* 0: every one */
  unsigned seen;
  char action[32];
  long value; /* -1: flip */
  char key[40];
  char text[512]; /* set=, add_user=, topic=, payload=: the value as written */
  uint8_t hex[512]; /* replace=, inject=, append=: the bytes */
  size_t hex_len;
  const char *spec;
} fault;

static fault faults[16];
/* will_restore: the Will of the last CONNECT that had one (3.1.1: no properties). */
static struct {
  bool set;
  uint8_t qos;
  bool retain;
  uint8_t topic[1024], payload[1024];
  uint32_t topic_len, payload_len;
} last_will;
static size_t n_faults;
static char up_host[MQS_TCP_HOST_MAX];
static uint16_t up_port;
static mqs_loop *loop;

typedef struct {
  int fd;
  bool connecting, eof, shut;
  uint8_t *in, *out;
  size_t in_len, in_cap, out_len, out_off, out_cap;
} side;

typedef struct {
  side s[2]; /* [C2S]: the client's socket (we read client bytes from it); [S2C]: the broker's */
  int version;
  bool broken[2]; /* framing lost in that direction: bytes pass raw */
  bool dropping[2];
  bool hold_close;
  bool closing; /* a close fault fired: both sides end once the pending bytes are out */
  bool ws;         /* MQTT over WebSocket: frames pass, with the ws- faults */
  bool ws_open[2]; /* that direction's upgrade head has passed */
  uint8_t *held[2]; /* swap: a packet waiting for the next one like it */
  size_t held_len[2];
  int held_type[2];
} pair;

static _Noreturn void die(const char *fmt, const char *arg) {
  fprintf(stderr, "mqs_fault_proxy: ");
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(2);
}

static void append(uint8_t **buf, size_t *len, size_t *cap, const uint8_t *p, size_t n) {
  if (*len + n > *cap) {
    size_t c = *cap ? *cap : 4096;
    while (c < *len + n) c *= 2;
    uint8_t *q = realloc(*buf, c);
    if (!q) die("%s", "out of memory");
    *buf = q;
    *cap = c;
  }
  memcpy(*buf + *len, p, n);
  *len += n;
}

static void io_cb(mqs_loop *l, int fd, unsigned ev, void *arg);

static void update_interest(pair *p, int i) {
  side *sd = &p->s[i];
  if (sd->fd < 0) return;
  unsigned mask = (sd->eof ? 0 : MQS_LOOP_READ) |
                  (sd->connecting || sd->out_off < sd->out_len ? MQS_LOOP_WRITE : 0);
  mqs_loop_fd_modify(loop, sd->fd, mask);
}

/* Send bytes out of side i (towards its peer socket). */
static void emit(pair *p, int i, const uint8_t *b, size_t n) {
  side *sd = &p->s[i];
  append(&sd->out, &sd->out_len, &sd->out_cap, b, n);
}

static void flush(pair *p, int i) {
  side *sd = &p->s[i];
  while (!sd->connecting && sd->fd >= 0 && sd->out_off < sd->out_len) {
    ssize_t w = mqs_tcp_write(sd->fd, sd->out + sd->out_off, sd->out_len - sd->out_off);
    if (w <= 0) break;
    sd->out_off += (size_t)w;
  }
  if (sd->out_off == sd->out_len) sd->out_off = sd->out_len = 0;
  update_interest(p, i);
}

static void close_pair(pair *p) {
  for (int i = 0; i < 2; i++) {
    if (p->s[i].fd >= 0) {
      mqs_loop_fd_remove(loop, p->s[i].fd);
      close(p->s[i].fd);
    }
    free(p->s[i].in);
    free(p->s[i].out);
    free(p->held[i]);
  }
  free(p);
}

static fault *matching(int dir, int what) {
  for (size_t i = 0; i < n_faults; i++) {
    fault *f = &faults[i];
    if (f->dir != dir) continue;
    if (f->what != what && !(f->what == WHAT_ANY && what > 0)) continue;
    f->seen++;
    if (f->nth && f->seen != f->nth) continue;
    return f;
  }
  return NULL;
}

/* The packet's own property block, to rewrite (the codec's accessor is const). */
static mqs_props *props_of(mqs_packet *k) { return (mqs_props *)mqs_packet_props(k); }

/* set=KEY:VALUE: give the property KEY that value (a number, or the text). */
static void set_property(mqs_props *pr, const char *key, const char *value) {
  size_t count;
  const mqs_prop_info *t = mqs_prop_table(&count);
  const mqs_prop_info *info = NULL;
  for (size_t i = 0; i < count; i++)
    if (strcmp(t[i].key, key) == 0) info = &t[i];
  if (!pr || !info) return;
  uint32_t x = (uint32_t)strtoul(value, NULL, 0);
  mqs_str s = {(const uint8_t *)value, (uint32_t)strlen(value)};
  pr->present |= MQS_PROP_BIT(info->id);
  switch (info->id) {
  case MQS_PROP_PAYLOAD_FORMAT: pr->payload_format = (uint8_t)x; break;
  case MQS_PROP_REQUEST_PROBLEM_INFO: pr->request_problem_info = (uint8_t)x; break;
  case MQS_PROP_REQUEST_RESPONSE_INFO: pr->request_response_info = (uint8_t)x; break;
  case MQS_PROP_MAX_QOS: pr->max_qos = (uint8_t)x; break;
  case MQS_PROP_RETAIN_AVAILABLE: pr->retain_available = (uint8_t)x; break;
  case MQS_PROP_WILDCARD_AVAILABLE: pr->wildcard_available = (uint8_t)x; break;
  case MQS_PROP_SUB_ID_AVAILABLE: pr->sub_id_available = (uint8_t)x; break;
  case MQS_PROP_SHARED_AVAILABLE: pr->shared_available = (uint8_t)x; break;
  case MQS_PROP_SERVER_KEEP_ALIVE: pr->server_keep_alive = (uint16_t)x; break;
  case MQS_PROP_RECEIVE_MAX: pr->receive_max = (uint16_t)x; break;
  case MQS_PROP_TOPIC_ALIAS_MAX: pr->topic_alias_max = (uint16_t)x; break;
  case MQS_PROP_TOPIC_ALIAS: pr->topic_alias = (uint16_t)x; break;
  case MQS_PROP_MESSAGE_EXPIRY: pr->message_expiry = x; break;
  case MQS_PROP_SESSION_EXPIRY: pr->session_expiry = x; break;
  case MQS_PROP_WILL_DELAY: pr->will_delay = x; break;
  case MQS_PROP_MAX_PACKET_SIZE: pr->max_packet_size = x; break;
  case MQS_PROP_CONTENT_TYPE: pr->content_type = s; break;
  case MQS_PROP_RESPONSE_TOPIC: pr->response_topic = s; break;
  case MQS_PROP_CORRELATION_DATA: pr->correlation_data = s; break;
  case MQS_PROP_ASSIGNED_CLIENT_ID: pr->assigned_client_id = s; break;
  case MQS_PROP_AUTH_METHOD: pr->auth_method = s; break;
  case MQS_PROP_AUTH_DATA: pr->auth_data = s; break;
  case MQS_PROP_RESPONSE_INFO: pr->response_info = s; break;
  case MQS_PROP_SERVER_REFERENCE: pr->server_reference = s; break;
  case MQS_PROP_REASON_STRING: pr->reason_string = s; break;
  case MQS_PROP_SUBSCRIPTION_ID: {
    static uint32_t one;
    one = x;
    pr->sub_ids = &one;
    pr->n_sub_id = 1;
    break;
  }
  default: pr->present &= ~MQS_PROP_BIT(info->id); break; /* user: see add_user */
  }
}

/* Rewrite one field of a decoded packet; the encoder writes it back. */
static void rewrite(fault *f, mqs_packet *k, uint8_t *reasons, mqs_sub *subs,
                    mqs_str_pair *users) {
  const char *a = f->action;
  long v = f->value;
  if (strcmp(a, "reason") == 0) {
    if (k->type == MQS_CONNACK) k->connack.reason = (uint8_t)v;
    else if (k->type >= MQS_PUBACK && k->type <= MQS_PUBCOMP) k->ack.reason = (uint8_t)v;
    else if (k->type == MQS_DISCONNECT) k->disconnect.reason = (uint8_t)v;
    else if (k->type == MQS_SUBACK || k->type == MQS_UNSUBACK) {
      for (uint32_t i = 0; i < k->suback.n_reasons && i < 64; i++) reasons[i] = (uint8_t)v;
      k->suback.reasons = reasons;
    }
  } else if (strcmp(a, "session_present") == 0) {
    k->connack.session_present = v < 0 ? !k->connack.session_present : v != 0;
    k->connack.flags &= (uint8_t)~1u;
  } else if (strcmp(a, "retain") == 0) {
    k->publish.retain = v != 0;
  } else if (strcmp(a, "dupflag") == 0) {
    k->publish.dup = v != 0;
  } else if (strcmp(a, "qos") == 0) {
    k->publish.qos = (uint8_t)v;
    if (v > 0 && k->publish.id == 0) k->publish.id = 1;
  } else if (strcmp(a, "keep_alive") == 0) {
    k->connect.keep_alive = (uint16_t)v;
  } else if (strcmp(a, "level") == 0) {
    k->connect.level = (uint8_t)v;
  } else if (strcmp(a, "clean_start") == 0) {
    k->connect.clean_start = v != 0;
  } else if (strcmp(a, "will") == 0 && v == 0) {
    k->connect.will = false;
    k->connect.will_qos = 0;
    k->connect.will_retain = false;
  } else if (strcmp(a, "will_retain") == 0) {
    k->connect.will_retain = v != 0;
  } else if (strcmp(a, "will_delay") == 0) {
    k->connect.will_props.present |= MQS_PROP_BIT(MQS_PROP_WILL_DELAY);
    k->connect.will_props.will_delay = (uint32_t)v;
  } else if (strcmp(a, "alias") == 0) {
    k->publish.props.present |= MQS_PROP_BIT(MQS_PROP_TOPIC_ALIAS);
    k->publish.props.topic_alias = (uint16_t)v;
  } else if (strcmp(a, "retain_handling") == 0 || strcmp(a, "no_local") == 0 ||
             strcmp(a, "filter") == 0 || strcmp(a, "share") == 0) {
    static char shared[64][600];
    uint32_t cur = 0, n = 0;
    mqs_sub one;
    while (n < 64 && mqs_sub_next(&k->subscribe, &cur, &one)) {
      if (a[0] == 'r') one.options = (uint8_t)((one.options & ~0x30) | (v & 3) << 4);
      else if (a[0] == 'n') one.options = (uint8_t)((one.options & ~0x04) | (v & 1) << 2);
      else if (a[0] == 'f')
        one.filter = (mqs_str){(const uint8_t *)f->text, (uint32_t)strlen(f->text)};
      else if (one.filter.len > 7 && memcmp(one.filter.p, "$share/", 7) == 0) {
        /* share=NAME: $share/OLD/filter -> $share/NAME/filter */
        const uint8_t *rest = memchr(one.filter.p + 7, '/', one.filter.len - 7);
        size_t rl = rest ? (size_t)(one.filter.p + one.filter.len - rest) : 0;
        int w = snprintf(shared[n], sizeof shared[n], "$share/%s%.*s", f->text, (int)rl,
                         rest ? (const char *)rest : "");
        if (w > 0 && (size_t)w < sizeof shared[n])
          one.filter = (mqs_str){(const uint8_t *)shared[n], (uint32_t)w};
      }
      subs[n++] = one;
    }
    k->subscribe.filters = subs;
    k->subscribe.n_filters = n;
  } else if (strcmp(a, "set") == 0) {
    set_property(props_of(k), f->key, f->text);
  } else if (strcmp(a, "add_user") == 0) {
    mqs_props *pr = props_of(k);
    uint32_t cur = 0, n = 0;
    while (pr && n < 63 && mqs_props_next_user(pr, &cur, &users[n])) n++;
    if (pr) {
      users[n].key = (mqs_str){(const uint8_t *)f->key, (uint32_t)strlen(f->key)};
      users[n].value = (mqs_str){(const uint8_t *)f->text, (uint32_t)strlen(f->text)};
      pr->user = users;
      pr->n_user = n + 1;
      pr->present |= MQS_PROP_BIT(MQS_PROP_USER);
    }
  } else if (strcmp(a, "id") == 0) {
    switch (k->type) {
    case MQS_PUBLISH:
      k->publish.id = (uint16_t)v;
      if (k->publish.qos == 0) k->publish.qos = 1; /* pass_packet clears the QoS bits again */
      break;
    case MQS_PUBACK:
    case MQS_PUBREC:
    case MQS_PUBREL:
    case MQS_PUBCOMP: k->ack.id = (uint16_t)v; break;
    case MQS_SUBSCRIBE:
    case MQS_UNSUBSCRIBE: k->subscribe.id = (uint16_t)v; break;
    case MQS_SUBACK:
    case MQS_UNSUBACK: k->suback.id = (uint16_t)v; break;
    default: break;
    }
  } else if (strcmp(a, "topic") == 0) {
    k->publish.topic = (mqs_str){(const uint8_t *)f->text, (uint32_t)strlen(f->text)};
  } else if (strcmp(a, "will_restore") == 0 && last_will.set && !k->connect.will) {
    k->connect.will = true;
    k->connect.will_qos = last_will.qos;
    k->connect.will_retain = last_will.retain;
    k->connect.will_topic = (mqs_str){last_will.topic, last_will.topic_len};
    k->connect.will_payload = (mqs_str){last_will.payload, last_will.payload_len};
  } else if (strcmp(a, "client_id") == 0) {
    k->connect.client_id = (mqs_str){(const uint8_t *)f->text, (uint32_t)strlen(f->text)};
  } else if (strcmp(a, "topic_strip") == 0 && f->hex_len) {
    static uint8_t t[65536];
    uint32_t n = 0;
    const uint8_t *q = k->publish.topic.p;
    for (uint32_t i = 0; i < k->publish.topic.len;) {
      if (i + f->hex_len <= k->publish.topic.len && memcmp(q + i, f->hex, f->hex_len) == 0) {
        i += (uint32_t)f->hex_len;
        continue;
      }
      t[n++] = q[i++];
    }
    k->publish.topic = (mqs_str){t, n};
  } else if (strcmp(a, "topic_replace") == 0) {
    static uint8_t topic[65536];
    const mqs_str *t = &k->publish.topic;
    size_t ol = strlen(f->key), nl = strlen(f->text);
    for (size_t i = 0; ol && i + ol <= t->len; i++) {
      if (memcmp(t->p + i, f->key, ol) != 0) continue;
      if (t->len - ol + nl > sizeof topic) break;
      memcpy(topic, t->p, i);
      memcpy(topic + i, f->text, nl);
      memcpy(topic + i + nl, t->p + i + ol, t->len - i - ol);
      k->publish.topic = (mqs_str){topic, (uint32_t)(t->len - ol + nl)};
      break;
    }
  } else if (strcmp(a, "payload") == 0) {
    k->publish.payload = (mqs_str){(const uint8_t *)f->text, (uint32_t)strlen(f->text)};
  } else if (strcmp(a, "strip") == 0) {
    mqs_props *pr = props_of(k);
    size_t count;
    const mqs_prop_info *t = mqs_prop_table(&count);
    for (size_t i = 0; pr && i < count; i++) {
      if (strcmp(t[i].key, f->key) != 0) continue;
      pr->present &= ~MQS_PROP_BIT(t[i].id);
      if (t[i].id == MQS_PROP_USER) pr->n_user = 0;
      if (t[i].id == MQS_PROP_SUBSCRIPTION_ID) pr->n_sub_id = 0;
    }
  }
}

static bool rewriting(const fault *f) {
  static const char *const plain[] = {"drop",    "dup",    "swap",   "first-per-read", "hold",
                                      "replace", "inject", "append", "close"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    if (strcmp(f->action, plain[i]) == 0) return false;
  return true;
}

/* One complete packet from direction dir: forward it, or not, or changed. */
static void pass_packet(pair *p, int dir, const uint8_t *b, size_t n, bool later_in_read) {
  int out = dir == C2S ? S2C : C2S; /* the side whose socket the bytes go out of */
  mqs_packet k;
  mqs_violation why;
  mqs_decode_opts o = {.version = (mqs_version)(p->version ? p->version : MQS_V5),
                       .from = dir == C2S ? MQS_FROM_CLIENT : MQS_FROM_SERVER};
  ssize_t rc = mqs_decode_ex(b, n, &o, &k, &why);
  if (rc < 0 && !p->version) { /* before any CONNECT: either version */
    o.version = MQS_V311;
    rc = mqs_decode_ex(b, n, &o, &k, &why);
    o.version = MQS_V5;
  }
  if (rc > 0 && dir == C2S && k.type == MQS_CONNECT)
    p->version = k.connect.level == MQS_V31 ? MQS_V311 : k.connect.level;
  int type = rc > 0 ? (int)k.type : WHAT_MALFORMED;
  if (rc > 0 && dir == C2S && k.type == MQS_CONNECT && k.connect.will &&
      k.connect.will_topic.len <= sizeof last_will.topic &&
      k.connect.will_payload.len <= sizeof last_will.payload) {
    last_will.set = true;
    last_will.qos = k.connect.will_qos;
    last_will.retain = k.connect.will_retain;
    if (k.connect.will_topic.len)
      memcpy(last_will.topic, k.connect.will_topic.p, k.connect.will_topic.len);
    if (k.connect.will_payload.len)
      memcpy(last_will.payload, k.connect.will_payload.p, k.connect.will_payload.len);
    last_will.topic_len = k.connect.will_topic.len;
    last_will.payload_len = k.connect.will_payload.len;
  }
  fault *f = matching(dir, type);
  if (!f && rc < 0 && (b[0] >> 4) >= 1) { /* a fault for its type still applies */
    f = matching(dir, b[0] >> 4);
    if (f) type = b[0] >> 4;
  }
  if (f && strcmp(f->action, "first-per-read") != 0)
    fprintf(stderr, "fault %s: applied to a %s\n", f->spec,
            type > 0 ? mqs_packet_type_name(type) : "packet the codec refuses");
  if (f && strcmp(f->action, "first-per-read") == 0) {
    if (later_in_read) {
      fprintf(stderr, "fault %s: dropped a packet that came in the same read as another\n",
              f->spec);
      return;
    }
    emit(p, out, b, n);
  } else if (!f) {
    emit(p, out, b, n);
  } else if (strcmp(f->action, "drop") == 0) {
  } else if (strcmp(f->action, "replace") == 0) {
    emit(p, out, f->hex, f->hex_len);
  } else if (strcmp(f->action, "inject") == 0) {
    emit(p, out, f->hex, f->hex_len);
    emit(p, out, b, n);
  } else if (strcmp(f->action, "append") == 0) {
    emit(p, out, b, n);
    emit(p, out, f->hex, f->hex_len);
  } else if (strcmp(f->action, "close") == 0) {
    p->closing = true;
    return;
  } else if (strcmp(f->action, "dup") == 0) {
    emit(p, out, b, n);
    emit(p, out, b, n);
  } else if (strcmp(f->action, "swap") == 0) {
    free(p->held[dir]);
    p->held[dir] = malloc(n);
    if (!p->held[dir]) die("%s", "out of memory");
    memcpy(p->held[dir], b, n);
    p->held_len[dir] = n;
    p->held_type[dir] = type;
    return;
  } else if (strcmp(f->action, "level") == 0 && type == MQS_CONNECT && rc < 0) {
    /* A level the codec does not know: patch the byte after the protocol name. */
    size_t h = 2;
    while (h < n && (b[h - 1] & 0x80)) h++;
    size_t at = h + 2 + (n > h + 1 ? ((size_t)b[h] << 8 | b[h + 1]) : n);
    uint8_t copy[1024];
    if (at < n && n <= sizeof copy) {
      memcpy(copy, b, n);
      copy[at] = (uint8_t)f->value;
      emit(p, out, copy, n);
    } else {
      emit(p, out, b, n);
    }
  } else if (rewriting(f) && rc > 0) {
    uint8_t reasons[64], buf[65536 + 64];
    mqs_sub subs[64];
    mqs_str_pair users[64];
    bool qos0_id = k.type == MQS_PUBLISH && k.publish.qos == 0 && strcmp(f->action, "id") == 0;
    rewrite(f, &k, reasons, subs, users);
    /* Raw encoding writes the fixed header nibble as given: a PUBLISH's
     * comes from its (rewritten) fields, the others' stay as they came. */
    if (k.type == MQS_PUBLISH)
      k.flags = (uint8_t)((k.publish.dup ? 0x08 : 0) | (k.publish.qos & 0x03) << 1 |
                          (k.publish.retain ? 0x01 : 0));
    if (k.type == MQS_CONNECT) k.connect.flags &= 0x01; /* the fields make the rest */
    ssize_t w = mqs_encode(&k, o.version, MQS_ENC_RAW, buf, sizeof buf);
    if (w > 0 && qos0_id) buf[0] &= (uint8_t)~0x06; /* QoS 0 flags, identifier written */
    if (w > 0) emit(p, out, buf, (size_t)w);
    else emit(p, out, b, n);
  } else {
    emit(p, out, b, n);
  }
  /* A held packet goes after the next one of its type. */
  if (p->held[dir] && type == p->held_type[dir] && (!f || strcmp(f->action, "swap") != 0)) {
    emit(p, out, p->held[dir], p->held_len[dir]);
    free(p->held[dir]);
    p->held[dir] = NULL;
  }
}

/* The upgrade head of direction dir: passed on once complete, the 101
 * answer without its Sec-WebSocket-Protocol line under that fault.
 * Returns the bytes used, 0 while incomplete. */
static size_t ws_head(pair *p, int dir, const uint8_t *b, size_t n) {
  int out = dir == C2S ? S2C : C2S;
  size_t end = 0;
  for (size_t i = 3; i < n && !end; i++)
    if (memcmp(b + i - 3, "\r\n\r\n", 4) == 0) end = i + 1;
  if (!end) return 0;
  p->ws_open[dir] = true;
  fault *f = dir == S2C ? matching(S2C, WHAT_WS_HANDSHAKE) : NULL;
  if (!f) {
    emit(p, out, b, end);
    return end;
  }
  fprintf(stderr, "fault %s: applied to the WebSocket upgrade answer\n", f->spec);
  for (size_t i = 0; i < end;) { /* line by line, leaving one out */
    const uint8_t *eol = memchr(b + i, '\n', end - i);
    size_t len = (size_t)(eol - (b + i)) + 1;
    if (!(len > 23 && strncasecmp((const char *)b + i, "Sec-WebSocket-Protocol:", 23) == 0))
      emit(p, out, b + i, len);
    i += len;
  }
  return end;
}

/* One whole client frame, unmasked: on to the broker, changed by a fault.
 * Sent masked with a zero mask, which leaves the payload as it is. */
static void ws_client_frame(pair *p, mqs_ws_frame *fr) {
  uint8_t op = fr->opcode;
  size_t len = fr->len;
  fault *f;
  if (op == MQS_WS_TEXT && (f = matching(C2S, WHAT_WS_TEXT))) {
    fprintf(stderr, "fault %s: applied to a text frame\n", f->spec);
    op = MQS_WS_BINARY;
  }
  if ((op == MQS_WS_BINARY || op == MQS_WS_CONTINUATION) && (f = matching(C2S, WHAT_WS_FRAME))) {
    size_t total = 0;
    mqs_violation why;
    int rc = mqs_frame(fr->payload, fr->len, &total, &why);
    len = rc == 0 && total <= fr->len ? total : 0;
    if (len != fr->len)
      fprintf(stderr, "fault %s: applied to a frame of %zu bytes (%zu go on)\n", f->spec, fr->len,
              len);
    if (!len) return;
    op = MQS_WS_BINARY;
  }
  static const uint8_t zero_mask[4] = {0};
  uint8_t h[14];
  size_t hl = mqs_ws_frame_header(h, fr->fin, op, len, zero_mask);
  emit(p, S2C, h, hl);
  emit(p, S2C, fr->payload, len);
}

/* MQTT over WebSocket: heads, then frames (the broker's pass as they are). */
static void ws_pump(pair *p, int dir) {
  side *sd = &p->s[dir];
  int out = dir == C2S ? S2C : C2S;
  size_t off = 0;
  if (!p->ws_open[dir]) off = ws_head(p, dir, sd->in, sd->in_len);
  if (p->ws_open[dir] && dir == S2C) {
    emit(p, out, sd->in + off, sd->in_len - off);
    off = sd->in_len;
  }
  while (p->ws_open[dir] && dir == C2S && off < sd->in_len) {
    mqs_ws_frame fr;
    const char *why = NULL;
    ssize_t n = mqs_ws_parse_frame(sd->in + off, sd->in_len - off, false, 1u << 28, &fr, &why);
    if (n == 0) break;
    if (n < 0) { /* not ours to judge: the rest passes as it is */
      emit(p, out, sd->in + off, sd->in_len - off);
      off = sd->in_len;
      break;
    }
    if (fr.masked) {
      ws_client_frame(p, &fr);
    } else {
      emit(p, out, sd->in + off, (size_t)n);
    }
    off += (size_t)n;
  }
  memmove(sd->in, sd->in + off, sd->in_len - off);
  sd->in_len -= off;
  flush(p, out);
}

/* Frame what side dir has read so far and pass each complete packet on. */
static void pump(pair *p, int dir) {
  side *sd = &p->s[dir];
  int out = dir == C2S ? S2C : C2S;
  size_t off = 0;
  bool later = false;
  if (dir == C2S && !p->version && !p->ws && sd->in_len >= 4 && memcmp(sd->in, "GET ", 4) == 0)
    p->ws = true;
  if (p->ws) {
    ws_pump(p, dir);
    return;
  }
  while (off < sd->in_len) {
    if (p->broken[dir]) {
      if (!p->dropping[dir]) emit(p, out, sd->in + off, sd->in_len - off);
      off = sd->in_len;
      break;
    }
    size_t total;
    mqs_violation why;
    int rc = mqs_frame(sd->in + off, sd->in_len - off, &total, &why);
    /* A Remaining Length far beyond anything a test sends (a packet-too-large
     * header): never buffered whole, it ends the framing like a malformed one. */
    bool huge = rc == 0 && total > (size_t)16 << 20;
    if (!huge && (rc == MQS_INCOMPLETE || (rc == 0 && total > sd->in_len - off))) break;
    if (rc < 0 || huge) { /* no framing any more: the rest passes raw, or not at all */
      p->broken[dir] = true;
      fault *f = matching(dir, WHAT_MALFORMED);
      p->dropping[dir] = f && strcmp(f->action, "drop") == 0;
      if (p->dropping[dir])
        fprintf(stderr, "fault %s: the stream no longer frames; dropping the rest\n", f->spec);
      continue;
    }
    pass_packet(p, dir, sd->in + off, total, later);
    later = true;
    off += total;
    if (p->closing) break;
  }
  memmove(sd->in, sd->in + off, sd->in_len - off);
  sd->in_len -= off;
  flush(p, out);
  if (p->closing) { /* a close fault: what was before it goes out, then both sides end */
    flush(p, dir);
    close_pair(p);
  }
}

static void end_of(pair *p, int dir, bool reset) {
  side *sd = &p->s[dir];
  int out = dir == C2S ? S2C : C2S;
  sd->eof = true;
  if (p->held[dir]) { /* nothing came after it: let it go */
    emit(p, out, p->held[dir], p->held_len[dir]);
    free(p->held[dir]);
    p->held[dir] = NULL;
  }
  if (sd->in_len && !p->dropping[dir]) emit(p, out, sd->in, sd->in_len);
  sd->in_len = 0;
  flush(p, out);
  if (dir == S2C && matching(S2C, WHAT_CLOSE)) {
    p->hold_close = true;
    fprintf(stderr, "fault s2c:close:hold: the broker closed; the client's side stays open\n");
  }
  if (dir == S2C && p->hold_close) {
    update_interest(p, dir);
    if (p->s[C2S].eof) close_pair(p);
    return;
  }
  side *o = &p->s[out];
  if (reset) {
    if (o->fd >= 0) {
      mqs_loop_fd_remove(loop, o->fd);
      mqs_tcp_abort(o->fd);
      o->fd = -1;
    }
  } else if (o->fd >= 0 && !o->shut) {
    mqs_tcp_shutdown_write(o->fd);
    o->shut = true;
  }
  update_interest(p, dir);
  if ((p->s[0].eof || p->s[0].fd < 0) && (p->s[1].eof || p->s[1].fd < 0)) close_pair(p);
}

static void io_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  (void)l;
  pair *p = arg;
  int i = p->s[C2S].fd == fd ? C2S : S2C;
  side *sd = &p->s[i];
  if (sd->connecting) {
    int rc = mqs_tcp_connect_result(fd);
    if (rc == -EINPROGRESS) return;
    if (rc < 0) {
      fprintf(stderr, "mqs_fault_proxy: upstream: %s\n", strerror(-rc));
      close_pair(p);
      return;
    }
    sd->connecting = false;
    flush(p, i);
    return;
  }
  if (ev & MQS_LOOP_WRITE) flush(p, i);
  if ((ev & (MQS_LOOP_READ | MQS_LOOP_HUP | MQS_LOOP_ERROR)) && !sd->eof) {
    uint8_t buf[65536];
    ssize_t n = mqs_tcp_read(fd, buf, sizeof buf);
    if (n == -EAGAIN) return;
    if (n <= 0) {
      end_of(p, i, n < 0);
      return;
    }
    append(&sd->in, &sd->in_len, &sd->in_cap, buf, (size_t)n);
    pump(p, i);
  } else if ((ev & (MQS_LOOP_HUP | MQS_LOOP_ERROR)) && sd->eof) {
    mqs_loop_fd_modify(loop, fd, 0);
  }
}

static void accept_cb(mqs_loop *l, int fd, unsigned ev, void *arg) {
  (void)ev, (void)arg;
  int c = mqs_tcp_accept(fd);
  if (c < 0) return;
  int s = mqs_tcp_connect(up_host, up_port);
  if (s < 0) {
    close(c);
    return;
  }
  pair *p = calloc(1, sizeof *p);
  if (!p) die("%s", "out of memory");
  p->s[C2S].fd = c;
  p->s[S2C].fd = s;
  p->s[S2C].connecting = true;
  mqs_tcp_nodelay(c, 1);
  mqs_tcp_nodelay(s, 1);
  mqs_loop_fd_add(l, c, MQS_LOOP_READ, io_cb, p);
  mqs_loop_fd_add(l, s, MQS_LOOP_READ | MQS_LOOP_WRITE, io_cb, p);
}

static void parse_hex(const char *spec, const char *s, fault *f) {
  f->hex_len = 0;
  for (; s[0] && s[1]; s += 2) {
    char two[3] = {s[0], s[1], 0}, *end;
    unsigned long x = strtoul(two, &end, 16);
    if (*end || f->hex_len == sizeof f->hex) die("bad hex in '%s'", spec);
    f->hex[f->hex_len++] = (uint8_t)x;
  }
  if (*s) die("odd number of hex digits in '%s'", spec);
}

static void parse_fault(const char *spec, fault *f) {
  char buf[1200];
  snprintf(buf, sizeof buf, "%s", spec);
  memset(f, 0, sizeof *f);
  f->spec = spec;
  char *dir = buf, *what = strchr(dir, ':'), *action;
  if (!what || !(action = strchr(what + 1, ':'))) die("bad fault '%s' (expected DIR:WHAT:ACTION)", spec);
  *what++ = '\0';
  *action++ = '\0';
  if (strcmp(dir, "c2s") == 0) f->dir = C2S;
  else if (strcmp(dir, "s2c") == 0) f->dir = S2C;
  else die("bad direction in '%s' (expected c2s or s2c)", spec);
  char *hash = strchr(what, '#');
  if (hash) {
    *hash++ = '\0';
    f->nth = (unsigned)atoi(hash);
  }
  if (strcmp(what, "any") == 0) f->what = WHAT_ANY;
  else if (strcmp(what, "malformed") == 0) f->what = WHAT_MALFORMED;
  else if (strcmp(what, "close") == 0) f->what = WHAT_CLOSE;
  else if (strcmp(what, "ws-text") == 0) f->what = WHAT_WS_TEXT;
  else if (strcmp(what, "ws-frame") == 0) f->what = WHAT_WS_FRAME;
  else if (strcmp(what, "ws-handshake") == 0) f->what = WHAT_WS_HANDSHAKE;
  else {
    f->what = 0;
    for (int t = 1; t <= 15; t++) {
      const char *name = mqs_packet_type_name(t);
      char lower[16];
      size_t k = 0;
      for (; name[k] && k < 15; k++) lower[k] = (char)(name[k] | 0x20);
      lower[k] = '\0';
      if (strcmp(lower, what) == 0) f->what = t;
    }
    if (!f->what) die("unknown packet type in '%s'", spec);
  }
  char *eq = strchr(action, '=');
  if (eq) {
    *eq++ = '\0';
    char *colon = strchr(eq, ':');
    if (strcmp(eq, "flip") == 0) f->value = -1;
    else if (strcmp(action, "strip") == 0) snprintf(f->key, sizeof f->key, "%s", eq);
    else if (strcmp(action, "set") == 0 || strcmp(action, "add_user") == 0 ||
             strcmp(action, "topic_replace") == 0) {
      if (!colon) die("expected KEY:VALUE in '%s'", spec);
      *colon = '\0';
      snprintf(f->key, sizeof f->key, "%s", eq);
      snprintf(f->text, sizeof f->text, "%s", colon + 1);
    } else if (strcmp(action, "topic") == 0 || strcmp(action, "payload") == 0 ||
               strcmp(action, "filter") == 0 || strcmp(action, "share") == 0)
      snprintf(f->text, sizeof f->text, "%s", eq);
    else if (strcmp(action, "replace") == 0 || strcmp(action, "inject") == 0 ||
             strcmp(action, "append") == 0 || strcmp(action, "topic_strip") == 0)
      parse_hex(spec, eq, f);
    else if (strcmp(action, "client_id") == 0)
      snprintf(f->text, sizeof f->text, "%s", eq);
    else f->value = strtol(eq, NULL, 0);
  }
  snprintf(f->action, sizeof f->action, "%s", action);
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  const char *upstream = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--upstream") == 0 && i + 1 < argc) upstream = argv[++i];
    else if (strcmp(argv[i], "--fault") == 0 && i + 1 < argc && n_faults < 16)
      parse_fault(argv[++i], &faults[n_faults++]);
    else die("usage: mqs_fault_proxy --upstream HOST:PORT [--fault SPEC]... (got '%s')", argv[i]);
  }
  if (!upstream || mqs_tcp_parse_hostport(upstream, up_host, sizeof up_host, &up_port, NULL) < 0)
    die("%s", "--upstream HOST:PORT is required");
  uint16_t port;
  int lfd = mqs_tcp_listen("127.0.0.1", 0, 64, &port);
  if (lfd < 0) die("listen: %s", strerror(-lfd));
  loop = mqs_loop_create();
  if (!loop) die("%s", "cannot create the event loop");
  mqs_loop_fd_add(loop, lfd, MQS_LOOP_READ, accept_cb, NULL);
  printf("mqs_fault_proxy listening on 127.0.0.1:%u\n", port);
  fflush(stdout);
  return mqs_loop_run(loop) < 0 ? 1 : 0;
}
