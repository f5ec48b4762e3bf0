/* codec/print.c — a packet or a violation as one line for people, or as JSON.
 *
 * Every printer writes through one small appender that behaves like
 * snprintf: it counts every byte the whole text needs, copies what fits in
 * cap - 1 bytes and NUL-terminates. The text never depends on cap, so a
 * caller can size a buffer with a first call (buf NULL, cap 0) and print
 * with a second. Nothing here allocates. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mqs/codec.h"
#include "mqs/print.h"

/* One-line form: payloads and binary fields show this many bytes, strings
 * (topics, client ids, property strings) a few more, then "...". */
#define LINE_BIN_MAX 64
#define LINE_STR_MAX 128

/* ---- appender ---------------------------------------------------------- */

typedef struct {
  char *buf;
  size_t cap; /* 0 when buf is NULL */
  size_t len; /* bytes the whole text needs so far, NUL excluded */
} out;

static void out_init(out *o, char *buf, size_t cap) {
  o->buf = buf;
  o->cap = buf ? cap : 0;
  o->len = 0;
}

static void put(out *o, const char *s, size_t n) {
  if (o->len + 1 < o->cap) {
    size_t room = o->cap - 1 - o->len;
    memcpy(o->buf + o->len, s, n < room ? n : room);
  }
  o->len += n;
}

static void putch(out *o, char c) { put(o, &c, 1); }

static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

/* For numbers only: every format used here fits in the scratch buffer. */
__attribute__((format(printf, 2, 3))) static void putf(out *o, const char *fmt, ...) {
  char tmp[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static size_t out_end(out *o) {
  if (o->cap > 0) o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
  return o->len;
}

static const char hexdig[] = "0123456789abcdef";

static void puthex(out *o, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char h[2] = {hexdig[p[i] >> 4], hexdig[p[i] & 15]};
    put(o, h, 2);
  }
}

/* ---- UTF-8 -------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s[0..n) with *cp its code
 * point, or 0 when ill-formed (overlong, surrogate, above U+10FFFF, cut).
 * The printer's own check: U+0000 is well-formed here, JSON can escape it. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t c = s[0];
  size_t k;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    k = 2, v = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    k = 3, v = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4, v = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (n < k) return 0;
  for (size_t i = 1; i < k; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3Fu);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return k;
}

static bool utf8_valid(const uint8_t *s, size_t n) {
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t k = utf8_seq(s + i, n - i, &cp);
    if (k == 0) return false;
    i += k;
  }
  return true;
}

/* Text a person can read: well-formed UTF-8 without control characters
 * other than tab, newline and carriage return. */
static bool readable(const uint8_t *s, size_t n) {
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t k = utf8_seq(s + i, n - i, &cp);
    if (k == 0) return false;
    if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F))
      return false;
    i += k;
  }
  return true;
}

/* ---- one-line pieces ---------------------------------------------------- */

/* A quoted string: printable ASCII and well-formed UTF-8 above U+009F as
 * they are, quote and backslash escaped, every other byte as \xNN. At most
 * limit bytes (cut at a character boundary), then "..." after the quote. */
static void line_quoted(out *o, const uint8_t *s, size_t n, size_t limit) {
  if (!s) n = 0;
  size_t end = n;
  if (n > limit) {
    end = limit;
    /* do not split a character (one has at most three continuation bytes) */
    for (int k = 0; k < 3 && end > 0 && (s[end] & 0xC0) == 0x80; k++)
      end--;
  }
  putch(o, '"');
  for (size_t i = 0; i < end;) {
    uint8_t c = s[i];
    uint32_t cp;
    size_t k;
    if (c == '"' || c == '\\') {
      putch(o, '\\');
      putch(o, (char)c);
      i++;
    } else if (c >= 0x20 && c < 0x7F) {
      putch(o, (char)c);
      i++;
    } else if (c >= 0x80 && (k = utf8_seq(s + i, end - i, &cp)) > 0 && cp > 0x9F) {
      put(o, (const char *)s + i, k);
      i += k;
    } else {
      char e[4] = {'\\', 'x', hexdig[c >> 4], hexdig[c & 15]};
      put(o, e, 4);
      i++;
    }
  }
  putch(o, '"');
  if (end < n) puts_(o, "...");
}

/* A UTF-8 string field: name="..." or name=(absent) when p is NULL. */
static void line_str(out *o, const char *name, mqs_str s) {
  putch(o, ' ');
  puts_(o, name);
  putch(o, '=');
  if (!s.p) {
    puts_(o, "(absent)");
    return;
  }
  line_quoted(o, s.p, s.len, LINE_STR_MAX);
}

/* Binary data or a payload: name(len)="text" when readable, else
 * name(len)=hex:0011..., at most LINE_BIN_MAX bytes either way. */
static void line_bin_value(out *o, mqs_str s) {
  if (!s.p || s.len == 0) return;
  putch(o, '=');
  if (readable(s.p, s.len)) {
    line_quoted(o, s.p, s.len, LINE_BIN_MAX);
    return;
  }
  puts_(o, "hex:");
  puthex(o, s.p, s.len < LINE_BIN_MAX ? s.len : LINE_BIN_MAX);
  if (s.len > LINE_BIN_MAX) puts_(o, "...");
}

static void line_bin(out *o, const char *name, mqs_str s) {
  putch(o, ' ');
  puts_(o, name);
  putf(o, "(%u)", (unsigned)s.len);
  line_bin_value(o, s);
}

static void line_reason(out *o, const char *name, uint8_t code, int t, mqs_version v) {
  const char *key = mqs_reason_key(code, t, (int)v);
  putf(o, " %s=", name);
  if (key)
    puts_(o, key);
  else
    putf(o, "0x%02x", code);
}

/* ---- properties --------------------------------------------------------- */

/* The key of property id from the table, or NULL when it is not defined. */
static const char *prop_key(unsigned id) {
  const mqs_prop_info *pi = mqs_prop_lookup(id);
  return pi ? pi->key : NULL;
}

/* The value of a numeric property, or false when id is not one. */
static bool prop_num(const mqs_props *p, unsigned id, uint32_t *v) {
  switch (id) {
  case MQS_PROP_PAYLOAD_FORMAT: *v = p->payload_format; return true;
  case MQS_PROP_MESSAGE_EXPIRY: *v = p->message_expiry; return true;
  case MQS_PROP_SESSION_EXPIRY: *v = p->session_expiry; return true;
  case MQS_PROP_SERVER_KEEP_ALIVE: *v = p->server_keep_alive; return true;
  case MQS_PROP_REQUEST_PROBLEM_INFO: *v = p->request_problem_info; return true;
  case MQS_PROP_WILL_DELAY: *v = p->will_delay; return true;
  case MQS_PROP_REQUEST_RESPONSE_INFO: *v = p->request_response_info; return true;
  case MQS_PROP_RECEIVE_MAX: *v = p->receive_max; return true;
  case MQS_PROP_TOPIC_ALIAS_MAX: *v = p->topic_alias_max; return true;
  case MQS_PROP_TOPIC_ALIAS: *v = p->topic_alias; return true;
  case MQS_PROP_MAX_QOS: *v = p->max_qos; return true;
  case MQS_PROP_RETAIN_AVAILABLE: *v = p->retain_available; return true;
  case MQS_PROP_MAX_PACKET_SIZE: *v = p->max_packet_size; return true;
  case MQS_PROP_WILDCARD_AVAILABLE: *v = p->wildcard_available; return true;
  case MQS_PROP_SUB_ID_AVAILABLE: *v = p->sub_id_available; return true;
  case MQS_PROP_SHARED_AVAILABLE: *v = p->shared_available; return true;
  default: return false;
  }
}

/* The value of a string or binary property (*binary set for binary data),
 * or NULL when id is not one. */
static const mqs_str *prop_str(const mqs_props *p, unsigned id, bool *binary) {
  *binary = false;
  switch (id) {
  case MQS_PROP_CONTENT_TYPE: return &p->content_type;
  case MQS_PROP_RESPONSE_TOPIC: return &p->response_topic;
  case MQS_PROP_ASSIGNED_CLIENT_ID: return &p->assigned_client_id;
  case MQS_PROP_AUTH_METHOD: return &p->auth_method;
  case MQS_PROP_RESPONSE_INFO: return &p->response_info;
  case MQS_PROP_SERVER_REFERENCE: return &p->server_reference;
  case MQS_PROP_REASON_STRING: return &p->reason_string;
  case MQS_PROP_CORRELATION_DATA: *binary = true; return &p->correlation_data;
  case MQS_PROP_AUTH_DATA: *binary = true; return &p->auth_data;
  default: return NULL;
  }
}

static bool has_users(const mqs_props *p) {
  return p->n_user > 0 || mqs_props_has(p, MQS_PROP_USER);
}

static bool has_sub_ids(const mqs_props *p) {
  return p->n_sub_id > 0 || mqs_props_has(p, MQS_PROP_SUBSCRIPTION_ID);
}

/* Whether property id is there; the repeatable ones count their entries
 * too, as a built packet may set the arrays without the present bits. */
static bool prop_present(const mqs_props *p, unsigned id) {
  if (id == MQS_PROP_USER) return has_users(p);
  if (id == MQS_PROP_SUBSCRIPTION_ID) return has_sub_ids(p);
  return (p->present & MQS_PROP_BIT(id)) != 0;
}

static bool props_empty(const mqs_props *p) {
  return p->present == 0 && p->n_user == 0 && p->n_sub_id == 0;
}

/* JSON key for the list of subscription identifiers (one key, an array). */
#define SUB_IDS_KEY "subscription_ids"

/* props{key=value, ...} in identifier order, nothing when there are none. */
static void line_props(out *o, const mqs_props *p) {
  if (props_empty(p)) return;
  puts_(o, " props{");
  bool first = true;
  for (unsigned id = 1; id < 64; id++) {
    if (!prop_present(p, id)) continue;
    const char *key = prop_key(id);
    if (!first) puts_(o, ", ");
    first = false;
    if (id == MQS_PROP_USER) {
      puts_(o, key ? key : "user");
      putch(o, '[');
      mqs_str_pair kv;
      uint32_t cur = 0;
      for (uint32_t i = 0; mqs_props_next_user(p, &cur, &kv); i++) {
        if (i > 0) puts_(o, ", ");
        line_quoted(o, kv.key.p, kv.key.len, LINE_STR_MAX);
        putch(o, '=');
        line_quoted(o, kv.value.p, kv.value.len, LINE_STR_MAX);
      }
      putch(o, ']');
      continue;
    }
    if (id == MQS_PROP_SUBSCRIPTION_ID) {
      puts_(o, SUB_IDS_KEY "=[");
      uint32_t sid, cur = 0;
      for (uint32_t i = 0; mqs_props_next_sub_id(p, &cur, &sid); i++)
        putf(o, "%s%u", i > 0 ? ", " : "", (unsigned)sid);
      putch(o, ']');
      continue;
    }
    if (key)
      puts_(o, key);
    else
      putf(o, "prop_0x%02x", id);
    uint32_t v;
    bool binary;
    const mqs_str *s;
    if (prop_num(p, id, &v)) {
      putf(o, "=%u", (unsigned)v);
    } else if ((s = prop_str(p, id, &binary)) != NULL) {
      if (binary) {
        putf(o, "(%u)", (unsigned)s->len);
        line_bin_value(o, *s);
      } else {
        putch(o, '=');
        line_quoted(o, s->p, s->len, LINE_STR_MAX);
      }
    } else {
      puts_(o, "=?");
    }
  }
  putch(o, '}');
}

/* ---- notes -------------------------------------------------------------- */

static const struct {
  uint32_t bit;
  const char *key;
} note_names[] = {
    {MQS_NOTE_CONTROL_CHAR, "control_char"},
    {MQS_NOTE_NONCHARACTER, "noncharacter"},
    {MQS_NOTE_PAYLOAD_NOT_UTF8, "payload_not_utf8"},
};
#define N_NOTES (sizeof note_names / sizeof note_names[0])

static void line_notes(out *o, uint32_t notes) {
  if (notes == 0) return;
  puts_(o, " notes[");
  bool first = true;
  for (size_t i = 0; i < N_NOTES; i++) {
    if (!(notes & note_names[i].bit)) continue;
    if (!first) puts_(o, ", ");
    first = false;
    puts_(o, note_names[i].key);
    notes &= ~note_names[i].bit;
  }
  if (notes) /* bits this printer does not know yet */
    putf(o, "%s0x%x", first ? "" : ", ", (unsigned)notes);
  putch(o, ']');
}

/* ---- one line per packet ------------------------------------------------ */

static const char *level_name(unsigned level) {
  switch (level) {
  case 3: return "v3.1";
  case 4: return "v3.1.1";
  case 5: return "v5";
  default: return NULL;
  }
}

static const char *default_protocol_name(unsigned level) { return level == 3 ? "MQIsdp" : "MQTT"; }

static bool str_is(mqs_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.p && s.len == n && memcmp(s.p, lit, n) == 0;
}

static void line_connect(out *o, const mqs_connect *c) {
  const char *lv = level_name(c->level);
  if (lv)
    putf(o, " %s", lv);
  else
    putf(o, " level=%u", (unsigned)c->level);
  if (c->protocol_name.p && !str_is(c->protocol_name, default_protocol_name(c->level)))
    line_str(o, "protocol", c->protocol_name);
  if (c->flags & 0x01) putf(o, " flags=0x%02x", (unsigned)c->flags); /* the reserved bit is set */
  line_str(o, "client_id", c->client_id);
  putf(o, " clean_start=%d keep_alive=%u", c->clean_start ? 1 : 0, (unsigned)c->keep_alive);
  if (c->will) {
    putf(o, " will{qos=%u retain=%d", (unsigned)c->will_qos, c->will_retain ? 1 : 0);
    line_str(o, "topic", c->will_topic);
    line_bin(o, "payload", c->will_payload);
    line_props(o, &c->will_props);
    putch(o, '}');
  } else if (c->will_qos || c->will_retain) {
    putf(o, " will_qos=%u will_retain=%d", (unsigned)c->will_qos, c->will_retain ? 1 : 0);
  }
  if (c->username.p) line_str(o, "username", c->username);
  if (c->password.p) putf(o, " password(%u)", (unsigned)c->password.len);
  line_props(o, &c->props);
}

static void line_subscribe(out *o, const mqs_packet *p, mqs_version v) {
  const mqs_subscribe *s = &p->subscribe;
  bool sub = p->type == MQS_SUBSCRIBE;
  putf(o, " id=%u filters=[", (unsigned)s->id);
  mqs_sub f;
  uint32_t cur = 0;
  for (uint32_t i = 0; mqs_sub_next(s, &cur, &f); i++) {
    if (i > 0) puts_(o, ", ");
    line_quoted(o, f.filter.p, f.filter.len, LINE_STR_MAX);
    if (!sub) continue;
    putf(o, " qos=%u", (unsigned)MQS_SUBOPT_QOS(f.options));
    if (v == MQS_V5)
      putf(o, " nl=%d rap=%d rh=%u", (f.options & MQS_SUBOPT_NO_LOCAL) ? 1 : 0,
           (f.options & MQS_SUBOPT_RETAIN_AS_PUBLISHED) ? 1 : 0,
           (unsigned)MQS_SUBOPT_RETAIN_HANDLING(f.options));
    if (f.options & (v == MQS_V5 ? 0xC0 : 0xFC))
      putf(o, " options=0x%02x", (unsigned)f.options); /* reserved bits set */
  }
  putch(o, ']');
  line_props(o, &s->props);
}

static void line_suback(out *o, const mqs_packet *p, mqs_version v) {
  const mqs_suback *s = &p->suback;
  putf(o, " id=%u", (unsigned)s->id);
  if (p->type == MQS_SUBACK || v == MQS_V5 || s->n_reasons > 0) {
    puts_(o, " reasons=[");
    for (uint32_t i = 0; i < s->n_reasons && s->reasons; i++) {
      const char *key = mqs_reason_key(s->reasons[i], p->type, (int)v);
      if (i > 0) puts_(o, ", ");
      if (key)
        puts_(o, key);
      else
        putf(o, "0x%02x", (unsigned)s->reasons[i]);
    }
    putch(o, ']');
  }
  line_props(o, &s->props);
}

size_t mqs_print(const mqs_packet *p, mqs_version v, char *buf, size_t cap) {
  out o;
  out_init(&o, buf, cap);
  const char *name = mqs_packet_type_name((int)p->type);
  if (name)
    puts_(&o, name);
  else
    putf(&o, "TYPE_%d", (int)p->type);
  if (!name || (p->type != MQS_PUBLISH && p->flags != mqs_required_flags((int)p->type)))
    putf(&o, " flags=0x%x", (unsigned)p->flags);
  switch (name ? p->type : 0) {
  case MQS_CONNECT: line_connect(&o, &p->connect); break;
  case MQS_CONNACK:
    putf(&o, " session_present=%d", p->connack.session_present ? 1 : 0);
    if (p->connack.flags & 0xFE) putf(&o, " ack_flags=0x%02x", (unsigned)p->connack.flags);
    line_reason(&o, "reason", p->connack.reason, MQS_CONNACK, v);
    line_props(&o, &p->connack.props);
    break;
  case MQS_PUBLISH: {
    const mqs_publish *m = &p->publish;
    putf(&o, " qos=%u", (unsigned)m->qos);
    if (m->qos > 0) putf(&o, " id=%u", (unsigned)m->id);
    putf(&o, " retain=%d dup=%d", m->retain ? 1 : 0, m->dup ? 1 : 0);
    line_str(&o, "topic", m->topic);
    line_bin(&o, "payload", m->payload);
    line_props(&o, &m->props);
    break;
  }
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    putf(&o, " id=%u", (unsigned)p->ack.id);
    if (v == MQS_V5) line_reason(&o, "reason", p->ack.reason, (int)p->type, v);
    line_props(&o, &p->ack.props);
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: line_subscribe(&o, p, v); break;
  case MQS_SUBACK:
  case MQS_UNSUBACK: line_suback(&o, p, v); break;
  case MQS_DISCONNECT:
  case MQS_AUTH:
    if (v == MQS_V5 || p->type == MQS_AUTH) {
      line_reason(&o, "reason", p->disconnect.reason, (int)p->type, v);
      line_props(&o, &p->disconnect.props);
    }
    break;
  case MQS_PINGREQ:
  case MQS_PINGRESP: break;
  default: putf(&o, " remaining=%u", (unsigned)p->remaining); break;
  }
  line_notes(&o, p->notes);
  return out_end(&o);
}

/* ---- JSON pieces -------------------------------------------------------- */

/* A JSON string of well-formed UTF-8: quote, backslash and control
 * characters escaped, the rest as it is. */
static void json_quoted(out *o, const uint8_t *s, size_t n) {
  if (!s) n = 0;
  putch(o, '"');
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (c == '"' || c == '\\') {
      putch(o, '\\');
      putch(o, (char)c);
    } else if (c < 0x20 || c == 0x7F) {
      char e[6] = {'\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15]};
      put(o, e, 6);
    } else {
      putch(o, (char)c);
    }
  }
  putch(o, '"');
}

static void json_cstr(out *o, const char *s) {
  if (s)
    json_quoted(o, (const uint8_t *)s, strlen(s));
  else
    puts_(o, "null");
}

/* A UTF-8 string field: "text", {"hex":"..."} when it is not well-formed
 * UTF-8 (JSON cannot carry it), or null when absent. */
static void json_str(out *o, mqs_str s) {
  if (!s.p) {
    puts_(o, "null");
  } else if (utf8_valid(s.p, s.len)) {
    json_quoted(o, s.p, s.len);
  } else {
    puts_(o, "{\"hex\":\"");
    puthex(o, s.p, s.len);
    puts_(o, "\"}");
  }
}

/* Binary data or a payload: {"len":n,"utf8":"..."} when it is text a
 * person can read (as in the one-line form), else {"len":n,"hex":"..."};
 * null when absent. Never truncated. */
static void json_bin(out *o, mqs_str s) {
  if (!s.p) {
    puts_(o, "null");
    return;
  }
  putf(o, "{\"len\":%u,", (unsigned)s.len);
  if (readable(s.p, s.len)) {
    puts_(o, "\"utf8\":");
    json_quoted(o, s.p, s.len);
  } else {
    puts_(o, "\"hex\":\"");
    puthex(o, s.p, s.len);
    putch(o, '"');
  }
  putch(o, '}');
}

/* ,"key": */
static void json_key(out *o, const char *key) {
  puts_(o, ",\"");
  puts_(o, key);
  puts_(o, "\":");
}

static void json_bool(out *o, const char *key, bool b) {
  json_key(o, key);
  puts_(o, b ? "true" : "false");
}

static void json_uint(out *o, const char *key, unsigned long v) {
  json_key(o, key);
  putf(o, "%lu", v);
}

/* ,"reason_code":N,"reason":"key" (null when the code is not allowed there). */
static void json_reason(out *o, uint8_t code, int t, mqs_version v) {
  json_uint(o, "reason_code", code);
  json_key(o, "reason");
  json_cstr(o, mqs_reason_key(code, t, (int)v));
}

static void json_props(out *o, const mqs_props *p) {
  json_key(o, "properties");
  putch(o, '{');
  bool first = true;
  for (unsigned id = 1; id < 64; id++) {
    if (!prop_present(p, id)) continue;
    const char *key = prop_key(id);
    if (!first) putch(o, ',');
    first = false;
    if (id == MQS_PROP_USER) {
      puts_(o, "\"");
      puts_(o, key ? key : "user");
      puts_(o, "\":[");
      mqs_str_pair kv;
      uint32_t cur = 0;
      for (uint32_t i = 0; mqs_props_next_user(p, &cur, &kv); i++) {
        if (i > 0) putch(o, ',');
        putch(o, '[');
        json_str(o, kv.key);
        putch(o, ',');
        json_str(o, kv.value);
        putch(o, ']');
      }
      putch(o, ']');
      continue;
    }
    if (id == MQS_PROP_SUBSCRIPTION_ID) {
      puts_(o, "\"" SUB_IDS_KEY "\":[");
      uint32_t sid, cur = 0;
      for (uint32_t i = 0; mqs_props_next_sub_id(p, &cur, &sid); i++)
        putf(o, "%s%u", i > 0 ? "," : "", (unsigned)sid);
      putch(o, ']');
      continue;
    }
    if (key) {
      json_cstr(o, key);
      putch(o, ':');
    } else {
      putf(o, "\"prop_0x%02x\":", id);
    }
    uint32_t v;
    bool binary;
    const mqs_str *s;
    if (prop_num(p, id, &v))
      putf(o, "%u", (unsigned)v);
    else if ((s = prop_str(p, id, &binary)) != NULL)
      binary ? json_bin(o, *s) : json_str(o, *s);
    else
      puts_(o, "null");
  }
  putch(o, '}');
}

static void json_connect(out *o, const mqs_connect *c) {
  json_key(o, "protocol_name");
  json_str(o, c->protocol_name);
  json_uint(o, "level", c->level);
  json_uint(o, "connect_flags", c->flags);
  json_bool(o, "clean_start", c->clean_start);
  json_uint(o, "keep_alive", c->keep_alive);
  json_key(o, "client_id");
  json_str(o, c->client_id);
  json_key(o, "will");
  if (c->will) {
    putf(o, "{\"qos\":%u", (unsigned)c->will_qos);
    json_bool(o, "retain", c->will_retain);
    json_key(o, "topic");
    json_str(o, c->will_topic);
    json_key(o, "payload");
    json_bin(o, c->will_payload);
    if (c->level == MQS_V5 || !props_empty(&c->will_props)) json_props(o, &c->will_props);
    putch(o, '}');
  } else {
    puts_(o, "null");
    if (c->will_qos || c->will_retain) { /* flags without a will, as received */
      json_uint(o, "will_qos", c->will_qos);
      json_bool(o, "will_retain", c->will_retain);
    }
  }
  json_key(o, "username");
  json_str(o, c->username);
  json_key(o, "password");
  json_bin(o, c->password);
  if (c->level == MQS_V5 || !props_empty(&c->props)) json_props(o, &c->props);
}

static void json_subscribe(out *o, const mqs_packet *p, mqs_version v) {
  const mqs_subscribe *s = &p->subscribe;
  json_uint(o, "id", s->id);
  json_key(o, "filters");
  putch(o, '[');
  mqs_sub f;
  uint32_t cur = 0;
  for (uint32_t i = 0; mqs_sub_next(s, &cur, &f); i++) {
    if (i > 0) putch(o, ',');
    if (p->type != MQS_SUBSCRIBE) {
      json_str(o, f.filter);
      continue;
    }
    puts_(o, "{\"filter\":");
    json_str(o, f.filter);
    json_uint(o, "options", f.options);
    json_uint(o, "qos", MQS_SUBOPT_QOS(f.options));
    if (v == MQS_V5) {
      json_bool(o, "nl", (f.options & MQS_SUBOPT_NO_LOCAL) != 0);
      json_bool(o, "rap", (f.options & MQS_SUBOPT_RETAIN_AS_PUBLISHED) != 0);
      json_uint(o, "rh", MQS_SUBOPT_RETAIN_HANDLING(f.options));
    }
    putch(o, '}');
  }
  putch(o, ']');
}

static void json_suback(out *o, const mqs_packet *p, mqs_version v) {
  const mqs_suback *s = &p->suback;
  json_uint(o, "id", s->id);
  json_key(o, "reason_codes");
  putch(o, '[');
  for (uint32_t i = 0; i < s->n_reasons && s->reasons; i++)
    putf(o, "%s%u", i > 0 ? "," : "", (unsigned)s->reasons[i]);
  putch(o, ']');
  json_key(o, "reasons");
  putch(o, '[');
  for (uint32_t i = 0; i < s->n_reasons && s->reasons; i++) {
    if (i > 0) putch(o, ',');
    json_cstr(o, mqs_reason_key(s->reasons[i], p->type, (int)v));
  }
  putch(o, ']');
}

size_t mqs_print_json(const mqs_packet *p, mqs_version v, char *buf, size_t cap) {
  out o;
  out_init(&o, buf, cap);
  const char *name = mqs_packet_type_name((int)p->type);
  puts_(&o, "{\"type\":");
  json_cstr(&o, name);
  if (!name) json_uint(&o, "type_code", (unsigned)p->type);
  json_uint(&o, "flags", p->flags);
  json_uint(&o, "remaining", p->remaining);
  bool v5 = v == MQS_V5;
  switch (name ? p->type : 0) {
  case MQS_CONNECT: json_connect(&o, &p->connect); break;
  case MQS_CONNACK:
    json_uint(&o, "ack_flags", p->connack.flags);
    json_bool(&o, "session_present", p->connack.session_present);
    json_reason(&o, p->connack.reason, MQS_CONNACK, v);
    if (v5 || !props_empty(&p->connack.props)) json_props(&o, &p->connack.props);
    break;
  case MQS_PUBLISH: {
    const mqs_publish *m = &p->publish;
    json_uint(&o, "qos", m->qos);
    json_bool(&o, "dup", m->dup);
    json_bool(&o, "retain", m->retain);
    if (m->qos > 0) json_uint(&o, "id", m->id);
    json_key(&o, "topic");
    json_str(&o, m->topic);
    json_key(&o, "payload");
    json_bin(&o, m->payload.p ? m->payload : (mqs_str){(const uint8_t *)"", 0});
    if (v5 || !props_empty(&m->props)) json_props(&o, &m->props);
    break;
  }
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP:
    json_uint(&o, "id", p->ack.id);
    if (v5) json_reason(&o, p->ack.reason, (int)p->type, v);
    if (v5 || !props_empty(&p->ack.props)) json_props(&o, &p->ack.props);
    break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE:
    json_subscribe(&o, p, v);
    if (v5 || !props_empty(&p->subscribe.props)) json_props(&o, &p->subscribe.props);
    break;
  case MQS_SUBACK:
  case MQS_UNSUBACK:
    json_suback(&o, p, v);
    if (v5 || !props_empty(&p->suback.props)) json_props(&o, &p->suback.props);
    break;
  case MQS_DISCONNECT:
  case MQS_AUTH:
    if (v5 || p->type == MQS_AUTH) {
      json_reason(&o, p->disconnect.reason, (int)p->type, v);
      json_props(&o, &p->disconnect.props);
    }
    break;
  default: break;
  }
  json_key(&o, "notes");
  putch(&o, '[');
  bool first = true;
  uint32_t notes = p->notes;
  for (size_t i = 0; i < N_NOTES; i++) {
    if (!(notes & note_names[i].bit)) continue;
    if (!first) putch(&o, ',');
    first = false;
    json_cstr(&o, note_names[i].key);
    notes &= ~note_names[i].bit;
  }
  if (notes) putf(&o, "%s\"0x%x\"", first ? "" : ",", (unsigned)notes);
  puts_(&o, "]}");
  return out_end(&o);
}

/* ---- violations --------------------------------------------------------- */

/* The 5.0 name and key of the reason code a receiver answers a violation
 * with: codes are sent in DISCONNECT, or in CONNACK (0x84) before a session. */
static const char *violation_reason(uint8_t code, bool key) {
  static const int carriers[] = {MQS_DISCONNECT, MQS_CONNACK, MQS_PUBACK, MQS_SUBACK};
  for (size_t i = 0; i < sizeof carriers / sizeof carriers[0]; i++) {
    const char *s = key ? mqs_reason_key(code, carriers[i], MQS_V5)
                        : mqs_reason_name(code, carriers[i], MQS_V5);
    if (s) return s;
  }
  return NULL;
}

static const char *violation_rule(const mqs_violation *why) {
  const char *s = mqs_rule_name(why->rule);
  return s ? s : "UNKNOWN_RULE";
}

size_t mqs_print_violation(const mqs_violation *why, char *buf, size_t cap) {
  out o;
  out_init(&o, buf, cap);
  const char *what = why->what ? why->what : mqs_rule_what(why->rule);
  putf(&o, "violation at offset %zu: ", why->offset);
  puts_(&o, violation_rule(why));
  if (what) {
    puts_(&o, " \xe2\x80\x94 "); /* em dash */
    puts_(&o, what);
  }
  puts_(&o, " [");
  if (why->statement) {
    puts_(&o, why->statement);
    puts_(&o, ", ");
  } else if (why->section) {
    puts_(&o, "section ");
    puts_(&o, why->section);
    puts_(&o, ", ");
  }
  putf(&o, "reason 0x%02x", (unsigned)why->reason);
  const char *rname = violation_reason(why->reason, false);
  if (rname) {
    putch(&o, ' ');
    puts_(&o, rname);
  }
  putch(&o, ']');
  return out_end(&o);
}

size_t mqs_print_violation_json(const mqs_violation *why, char *buf, size_t cap) {
  out o;
  out_init(&o, buf, cap);
  puts_(&o, "{\"rule\":");
  json_cstr(&o, violation_rule(why));
  json_uint(&o, "offset", (unsigned long)why->offset);
  json_key(&o, "packet_type");
  json_cstr(&o, why->packet_type ? mqs_packet_type_name(why->packet_type) : NULL);
  json_uint(&o, "reason_code", why->reason);
  json_key(&o, "reason");
  json_cstr(&o, violation_reason(why->reason, true));
  json_key(&o, "statement");
  json_cstr(&o, why->statement);
  json_key(&o, "section");
  json_cstr(&o, why->section);
  json_key(&o, "what");
  json_cstr(&o, why->what ? why->what : mqs_rule_what(why->rule));
  putch(&o, '}');
  return out_end(&o);
}
