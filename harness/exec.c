/* harness/exec.c — running one step: connect, send, and read what the
 * broker sends back against what the step expects.
 *
 * Every step that waits has a timer; when it fires the step ends with a
 * verdict that says what it was waiting for and what it saw. Packets are
 * read from the client's buffer one at a time and consumed only when a
 * step takes them (matched, or skipped as ignorable), so a packet that
 * arrives early waits for the step that expects it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "engine_int.h"
#include "mqs/ws.h"
#include "match.h"
#include "mqs/print.h"

typedef enum { RP_PACKET, RP_MORE, RP_CLOSED, RP_OVER } rp;

static mqs_client *client_of(mqs_run *r) { return &r->clients[r->cur->client]; }

static void step_timer_cb(mqs_loop *loop, int64_t id, void *arg) {
  (void)loop, (void)id;
  mqs_run *r = arg;
  r->step_timer = 0;
  r->timed_out = true;
  mqs_run_pump(r);
}

static void gap_timer_cb(mqs_loop *loop, int64_t id, void *arg) {
  (void)loop, (void)id;
  mqs_run *r = arg;
  r->gap_timer = 0;
  r->gap_over = true;
  mqs_run_pump(r);
}

static void describe_packet(const mqs_packet *p, int version, char *buf, size_t cap) {
  mqs_print(p, (mqs_version)version, buf, cap);
}

static mqs_step_state error_diag(mqs_run *r, const mqs_diag *d) {
  char msg[600];
  mqs_diag_format(d, msg, sizeof msg);
  mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: %s", r->where, msg);
  return MQS_ST_OVER;
}

/* The broker's CONNACK may say that it lacks a feature the scenario needs. */
static bool not_applicable(mqs_run *r, const mqs_packet *p, int version) {
  unsigned needs = r->sc->needs;
  if (version < 5 || !needs || p->connack.reason >= 0x80) return false;
  const mqs_props *pr = &p->connack.props;
  const char *why = NULL;
  char buf[160];
  if ((needs & MQS_NEED_RETAIN) && mqs_props_has(pr, MQS_PROP_RETAIN_AVAILABLE) &&
      !pr->retain_available)
    why = "Retain Available 0";
  else if ((needs & MQS_NEED_WILDCARD) && mqs_props_has(pr, MQS_PROP_WILDCARD_AVAILABLE) &&
           !pr->wildcard_available)
    why = "Wildcard Subscription Available 0";
  else if ((needs & MQS_NEED_SHARED) && mqs_props_has(pr, MQS_PROP_SHARED_AVAILABLE) &&
           !pr->shared_available)
    why = "Shared Subscription Available 0";
  else if ((needs & MQS_NEED_SUB_ID) && mqs_props_has(pr, MQS_PROP_SUB_ID_AVAILABLE) &&
           !pr->sub_id_available)
    why = "Subscription Identifier Available 0";
  else if ((needs & (MQS_NEED_QOS1 | MQS_NEED_QOS2)) && mqs_props_has(pr, MQS_PROP_MAX_QOS) &&
           pr->max_qos < ((needs & MQS_NEED_QOS2) ? 2 : 1)) {
    snprintf(buf, sizeof buf, "Maximum QoS %u", pr->max_qos);
    why = buf;
  } else if ((needs & MQS_NEED_TOPIC_ALIAS) &&
             (!mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS_MAX) || pr->topic_alias_max == 0))
    why = mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS_MAX) ? "Topic Alias Maximum 0"
                                                       : "no Topic Alias Maximum (so 0)";
  if (!why) return false;
  mqs_run_finish(r, MQS_VERDICT_NA, "the broker's CONNACK says %s", why);
  return true;
}

/* Resolve (and learn) the broker's Topic Alias on a PUBLISH. */
static bool resolve_alias(mqs_run *r, mqs_client *c, const mqs_packet *p, mqs_str *topic,
                          const uint8_t *bytes, size_t len) {
  const mqs_props *pr = &p->publish.props;
  *topic = (mqs_str){NULL, 0};
  if (!mqs_props_has(pr, MQS_PROP_TOPIC_ALIAS)) return true;
  uint16_t a = pr->topic_alias;
  if (a >= c->n_alias) { /* decode already refused aliases above our maximum */
    mqs_run_fail_step(r, "a Topic Alias within the maximum this client sent", "PUBLISH", bytes,
                      len, "Topic Alias above this client's Topic Alias Maximum (MQTT-3.3.2-11)");
    return false;
  }
  if (p->publish.topic.len > 0) {
    uint8_t *copy = malloc(p->publish.topic.len);
    if (!copy) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
      return false;
    }
    memcpy(copy, p->publish.topic.p, p->publish.topic.len);
    free((void *)c->alias[a].p);
    c->alias[a] = (mqs_str){copy, p->publish.topic.len};
    return true;
  }
  if (!c->alias[a].p) {
    char got[300];
    describe_packet(p, c->def->version, got, sizeof got);
    mqs_run_fail_step(r, "a PUBLISH whose Topic Alias was set on this connection", got, bytes,
                      len, "empty topic with a Topic Alias the broker never set here");
    return false;
  }
  *topic = c->alias[a];
  return true;
}

/* The next packet in c's buffer, framed and (unless raw) decoded. With
 * any_connack, a CONNACK that does not decode in the client's version is
 * tried in the other: a server refusing a protocol level it does not know
 * cannot know which format the client reads (MQTT-3.1.2-2 only says it
 * MAY answer before it MUST close). */
static rp next_packet_ex(mqs_run *r, mqs_client *c, bool decode, bool any_connack, mqs_packet *p,
                         size_t *total, mqs_str *topic, const char *expected) {
  size_t avail = c->rx_len - c->rx_off;
  mqs_violation why;
  memset(&why, 0, sizeof why);
  if (topic) *topic = (mqs_str){NULL, 0}; /* as on the wire, unless an alias says otherwise */
  if (avail == 0) return c->peer_closed || c->fd < 0 ? RP_CLOSED : RP_MORE;
  const uint8_t *b = c->rx + c->rx_off; /* not before: rx is NULL until the first read */
  int fr = mqs_frame(b, avail, total, &why);
  if (fr == 0 && *total > avail) fr = MQS_INCOMPLETE;
  if (fr == MQS_INCOMPLETE) {
    if (!c->peer_closed && c->fd >= 0) return RP_MORE;
    mqs_run_fail_step(r, expected, "the connection closed in the middle of a packet", b, avail,
                      "half a packet, then the end of the stream");
    return RP_OVER;
  }
  if (fr < 0) {
    char v[300];
    mqs_print_violation(&why, v, sizeof v);
    mqs_run_fail_step(r, expected, "bytes that are not an MQTT packet", b, avail, v);
    return RP_OVER;
  }
  if (!decode) return RP_PACKET;
  int version = c->def->version;
  mqs_decode_opts o = {.version = (mqs_version)version, .from = MQS_FROM_SERVER};
  if (version >= 5) {
    o.flags = MQS_DEC_CHECK_ALIAS_MAX;
    o.topic_alias_max = c->alias_max;
    o.max_packet_size = c->max_packet_size; /* MQTT-3.1.2-24: the server honours ours */
  }
  ssize_t n = mqs_decode_ex(b, *total, &o, p, &why);
  if (n < 0 && any_connack && b[0] == (MQS_CONNACK << 4)) {
    mqs_decode_opts other = o;
    other.version = version >= 5 ? MQS_V311 : MQS_V5;
    mqs_violation ignored;
    if (mqs_decode_ex(b, *total, &other, p, &ignored) > 0) return RP_PACKET;
  }
  if (n < 0) {
    char v[300];
    mqs_print_violation(&why, v, sizeof v);
    mqs_run_fail_step(r, expected, "a packet that breaks a rule", b, *total, v);
    return RP_OVER;
  }
  if (p->type == MQS_CONNACK && not_applicable(r, p, version)) return RP_OVER;
  if (p->type == MQS_PUBLISH && version >= 5 && !resolve_alias(r, c, p, topic, b, *total))
    return RP_OVER;
  return RP_PACKET;
}

static rp next_packet(mqs_run *r, mqs_client *c, bool decode, mqs_packet *p, size_t *total,
                      mqs_str *topic, const char *expected) {
  return next_packet_ex(r, c, decode, false, p, total, topic, expected);
}

static void consume(mqs_run *r, mqs_client *c, size_t n, const mqs_packet *p) {
  if (p) describe_packet(p, c->def->version, r->last_got, sizeof r->last_got);
  mqs_conn_consume(c, n);
  r->got_in_step++;
}

static bool ignored(const mqs_client *c, int type) { return (c->def->ignore >> type) & 1u; }

static mqs_step_state timed_out(mqs_run *r, mqs_client *c, const char *expected) {
  uint32_t ms = mqs_run_step_timeout(r, r->cur);
  size_t avail = c->rx_len - c->rx_off;
  char got[600];
  if (avail)
    snprintf(got, sizeof got, "%zu bytes of an incomplete packet", avail);
  else if (r->got_in_step)
    snprintf(got, sizeof got, "nothing more (skipped: %s)", r->last_got);
  else
    snprintf(got, sizeof got, "nothing");
  char why[80];
  snprintf(why, sizeof why, "timed out after %u ms", ms);
  mqs_run_fail_step(r, expected, got, avail ? c->rx + c->rx_off : NULL, avail, why);
  return MQS_ST_OVER;
}

static mqs_step_state closed(mqs_run *r, mqs_client *c, const char *expected) {
  if (c->fd < 0 && !c->ever_opened) { /* the scenario's mistake, not the broker's */
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s expects a packet but has no connection "
                                         "(send connect, or open, first)",
                   r->where, c->def->name);
    return MQS_ST_OVER;
  }
  const char *how = c->fd < 0       ? "no connection (the scenario closed it)"
                    : c->peer_reset ? "the connection was reset by the broker"
                                    : "the connection was closed by the broker";
  mqs_run_fail_step(r, expected, how, NULL, 0, "connection closed");
  return MQS_ST_OVER;
}

static mqs_match_ctx match_ctx(mqs_run *r, mqs_client *c, mqs_str topic) {
  return (mqs_match_ctx){{&r->vars, NULL, 0, &r->scratch}, c->def->version, topic};
}

/* What a step waiting for a packet returns when none is there: wait, or
 * fail on a timeout or a close; RP_OVER has already finished the run. */
static mqs_step_state no_packet(mqs_run *r, mqs_client *c, rp got, const char *expected) {
  switch (got) {
  case RP_MORE: return r->timed_out ? timed_out(r, c, expected) : MQS_ST_WAIT;
  case RP_CLOSED: return closed(r, c, expected);
  default: return MQS_ST_OVER;
  }
}

static mqs_step_state expect_one(mqs_run *r) {
  mqs_client *c = client_of(r);
  const mqs_expect *e = r->cur->expect;
  char expected[600];
  mqs_expander x = {&r->vars, NULL, 0, &r->scratch};
  mqs_expect_describe(e, &x, expected, sizeof expected);
  for (;;) {
    mqs_packet p;
    size_t total;
    mqs_str topic;
    rp arrived = next_packet(r, c, true, &p, &total, &topic, expected);
    /* or_close: the broker closing instead is an answer too (not we closing). */
    if (arrived == RP_CLOSED && r->cur->or_close && c->fd >= 0) return MQS_ST_DONE;
    if (arrived != RP_PACKET) return no_packet(r, c, arrived, expected);
    if (r->cur->or_close && e->type != MQS_DISCONNECT && p.type == MQS_DISCONNECT &&
        p.disconnect.reason >= 0x80) { /* 5.0: the close may be announced */
      consume(r, c, total, &p);
      continue;
    }
    mqs_match_ctx mc = match_ctx(r, c, topic);
    char why[600];
    mqs_diag d = {.file = r->sc->file};
    const mqs_check *failed;
    int m = mqs_match_packet_ex(e, &p, &mc, why, sizeof why, &d, &failed);
    if (m < 0) return error_diag(r, &d);
    if (m == 1) {
      if (mqs_match_save(e, &p, topic, &r->vars) < 0) {
        mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
        return MQS_ST_OVER;
      }
      consume(r, c, total, &p);
      return MQS_ST_DONE;
    }
    if (ignored(c, p.type) && p.type != e->type) {
      consume(r, c, total, &p);
      continue;
    }
    char got[600];
    describe_packet(&p, c->def->version, got, sizeof got);
    bool na = r->cur->else_na_type
                  ? p.type == r->cur->else_na_type
                  : p.type == e->type && (!r->cur->else_na_field ||
                                          (failed && strcmp(failed->name, r->cur->else_na_field) == 0));
    if (r->cur->else_na && na) {
      mqs_run_finish(r, MQS_VERDICT_NA, "%s (%s:%d): %s\n  expected: %s\n  got:      %s\n  (%s)",
                     r->where, r->sc->file, r->cur->at->line, r->cur->else_na, expected, got, why);
      return MQS_ST_OVER;
    }
    if (ignored(c, p.type)) {
      consume(r, c, total, &p);
      continue;
    }
    mqs_run_fail_step(r, expected, got, c->rx + c->rx_off, total, why);
    return MQS_ST_OVER;
  }
}

static mqs_step_state expect_unordered(mqs_run *r) {
  mqs_client *c = client_of(r);
  const mqs_step *st = r->cur;
  char expected[1200];
  size_t o = 0;
  expected[0] = '\0';
  for (size_t i = 0; i < st->n_expect; i++) {
    if (r->matched[i]) continue;
    if (o) o += (size_t)snprintf(expected + o, sizeof expected - o, "; ");
    mqs_expander x = {&r->vars, NULL, 0, &r->scratch};
    if (o < sizeof expected)
      mqs_expect_describe(&st->expect[i], &x, expected + o, sizeof expected - o);
    o = strlen(expected);
  }
  for (;;) {
    bool left = false;
    for (size_t i = 0; i < st->n_expect; i++) left = left || !r->matched[i];
    if (!left) return MQS_ST_DONE;
    mqs_packet p;
    size_t total;
    mqs_str topic;
    rp arrived = next_packet(r, c, true, &p, &total, &topic, expected);
    if (arrived != RP_PACKET) return no_packet(r, c, arrived, expected);
    mqs_match_ctx mc = match_ctx(r, c, topic);
    mqs_diag d = {.file = r->sc->file};
    bool taken = false;
    for (size_t i = 0; i < st->n_expect && !taken; i++) {
      if (r->matched[i]) continue;
      int m = mqs_match_packet(&st->expect[i], &p, &mc, NULL, 0, &d);
      if (m < 0) return error_diag(r, &d);
      if (m == 1) {
        if (mqs_match_save(&st->expect[i], &p, topic, &r->vars) < 0) {
          mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
          return MQS_ST_OVER;
        }
        r->matched[i] = true;
        taken = true;
      }
    }
    if (taken || ignored(c, p.type)) {
      consume(r, c, total, &p);
      if (taken) return expect_unordered(r); /* re-describe what is left */
      continue;
    }
    char got[600];
    describe_packet(&p, c->def->version, got, sizeof got);
    mqs_run_fail_step(r, expected, got, c->rx + c->rx_off, total,
                      "matches none of the packets still expected");
    return MQS_ST_OVER;
  }
}

static mqs_step_state expect_close(mqs_run *r) {
  mqs_client *c = client_of(r);
  const mqs_step *st = r->cur;
  char expected[300];
  snprintf(expected, sizeof expected, "the broker closes the connection%s%s",
           st->before == MQS_BEFORE_REQUIRED   ? " after a "
           : st->before == MQS_BEFORE_OPTIONAL ? " (a packet first is allowed: "
                                               : "",
           st->before == MQS_BEFORE_NONE ? ""
           : st->before_type == MQS_CONNACK
               ? (st->before == MQS_BEFORE_REQUIRED ? "CONNACK" : "CONNACK)")
               : (st->before == MQS_BEFORE_REQUIRED ? "DISCONNECT" : "DISCONNECT)"));
  if (c->fd < 0 && !c->peer_closed) {
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: expect_close on client %s, which has no connection",
                   r->where, c->def->name);
    return MQS_ST_OVER;
  }
  for (;;) {
    mqs_packet p;
    size_t total;
    mqs_str topic;
    bool any_connack = st->before != MQS_BEFORE_NONE && st->before_type == MQS_CONNACK;
    switch (next_packet_ex(r, c, true, any_connack, &p, &total, &topic, expected)) {
    case RP_MORE:
      if (!r->timed_out) return MQS_ST_WAIT;
      mqs_run_fail_step(r, expected, "the connection is still open", NULL, 0, "timed out");
      return MQS_ST_OVER;
    case RP_CLOSED:
      if (st->before == MQS_BEFORE_REQUIRED && !r->before_seen) {
        mqs_run_fail_step(r, expected, "the connection closed with no packet first", NULL, 0,
                          "the packet before the close is missing");
        return MQS_ST_OVER;
      }
      return MQS_ST_DONE;
    case RP_OVER: return MQS_ST_OVER;
    case RP_PACKET: break;
    }
    char got[600];
    describe_packet(&p, c->def->version, got, sizeof got);
    if (st->before != MQS_BEFORE_NONE && !r->before_seen && p.type == st->before_type) {
      uint8_t code = p.type == MQS_CONNACK ? p.connack.reason : p.disconnect.reason;
      mqs_fval v = {.kind = MQS_FV_INT, .i = code};
      char why[600] = "";
      int ok;
      if (st->before_reason) {
        mqs_match_ctx mc = match_ctx(r, c, topic);
        mqs_diag d = {.file = r->sc->file};
        ok = mqs_match_value(st->before_reason, &v, p.type, &mc, why, sizeof why, &d);
        if (ok < 0) return error_diag(r, &d);
      } else {
        ok = code >= 0x80;
        snprintf(why, sizeof why, "reason code 0x%02x is not an error (0x80 or above)", code);
      }
      if (!ok) {
        mqs_run_fail_step(r, expected, got, c->rx + c->rx_off, total, why);
        return MQS_ST_OVER;
      }
      r->before_seen = true;
      consume(r, c, total, &p);
      continue;
    }
    if (ignored(c, p.type)) {
      consume(r, c, total, &p);
      continue;
    }
    mqs_run_fail_step(r, expected, got, c->rx + c->rx_off, total,
                      "a packet arrived instead of the close");
    return MQS_ST_OVER;
  }
}

static mqs_step_state expect_nothing(mqs_run *r) {
  mqs_client *c = client_of(r);
  char expected[80];
  snprintf(expected, sizeof expected, "nothing for %u ms", r->cur->ms);
  for (;;) {
    mqs_packet p;
    size_t total;
    mqs_str topic;
    switch (next_packet(r, c, true, &p, &total, &topic, expected)) {
    case RP_MORE:
      if (!r->timed_out) return MQS_ST_WAIT;
      if (c->rx_len > c->rx_off) {
        mqs_run_fail_step(r, expected, "part of a packet", c->rx + c->rx_off,
                          c->rx_len - c->rx_off, "bytes arrived");
        return MQS_ST_OVER;
      }
      return MQS_ST_DONE;
    case RP_CLOSED:
      if (c->fd < 0 && !c->peer_closed && r->timed_out) return MQS_ST_DONE;
      if (c->fd < 0 && !c->peer_closed) return MQS_ST_WAIT; /* closed by us: silence indeed */
      return closed(r, c, expected);
    case RP_OVER: return MQS_ST_OVER;
    case RP_PACKET: break;
    }
    if (ignored(c, p.type)) {
      consume(r, c, total, &p);
      continue;
    }
    char got[600];
    describe_packet(&p, c->def->version, got, sizeof got);
    char why[80];
    snprintf(why, sizeof why, "a packet arrived after %llu ms",
             (unsigned long long)((mqs_now_us() - r->step_t0_us) / 1000));
    mqs_run_fail_step(r, expected, got, c->rx + c->rx_off, total, why);
    return MQS_ST_OVER;
  }
}

static mqs_step_state expect_bytes(mqs_run *r) {
  mqs_client *c = client_of(r);
  const mqs_node *pat = r->cur->pattern;
  const char *text;
  size_t tlen;
  mqs_diag d = {.file = r->sc->file};
  mqs_expander x = {&r->vars, NULL, 0, &r->scratch};
  if (mqs_expand(&x, pat, &text, &tlen, &d) < 0) return error_diag(r, &d);
  char expected[600];
  snprintf(expected, sizeof expected, "bytes %s", text);
  for (;;) {
    size_t total;
    rp arrived = next_packet(r, c, false, NULL, &total, NULL, expected);
    if (arrived != RP_PACKET) return no_packet(r, c, arrived, expected);
    const uint8_t *b = c->rx + c->rx_off;
    char why[200];
    int m = mqs_pattern_match(text, tlen, b, total, why, sizeof why);
    if (m < 0) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: %s", r->where, why);
      return MQS_ST_OVER;
    }
    if (m == 1) {
      consume(r, c, total, NULL);
      return MQS_ST_DONE;
    }
    if (ignored(c, b[0] >> 4)) {
      consume(r, c, total, NULL);
      continue;
    }
    char got[600];
    mqs_packet p;
    mqs_violation v;
    mqs_decode_opts o = {.version = (mqs_version)c->def->version, .from = MQS_FROM_SERVER};
    if (mqs_decode_ex(b, total, &o, &p, &v) > 0) describe_packet(&p, c->def->version, got, sizeof got);
    else snprintf(got, sizeof got, "a packet that does not decode");
    mqs_run_fail_step(r, expected, got, b, total, why);
    return MQS_ST_OVER;
  }
}

/* Remember what a CONNECT we send says about Topic Aliases and packet size. */
static void note_connects(mqs_client *c, const uint8_t *b, size_t n) {
  mqs_decode_opts o = {.version = (mqs_version)c->def->version, .from = MQS_FROM_CLIENT};
  for (size_t off = 0; off < n;) {
    mqs_packet p;
    mqs_violation why;
    ssize_t k = mqs_decode_ex(b + off, n - off, &o, &p, &why);
    if (k <= 0) return;
    if (p.type == MQS_CONNECT) {
      mqs_conn_free_aliases(c);
      c->alias_max = mqs_props_has(&p.connect.props, MQS_PROP_TOPIC_ALIAS_MAX)
                         ? p.connect.props.topic_alias_max
                         : 0;
      c->max_packet_size = mqs_props_has(&p.connect.props, MQS_PROP_MAX_PACKET_SIZE)
                               ? p.connect.props.max_packet_size
                               : 0;
      c->n_alias = (size_t)c->alias_max + 1;
      c->alias = calloc(c->n_alias, sizeof *c->alias);
      if (!c->alias) c->n_alias = 0;
    }
    off += (size_t)k;
  }
}

static int build_send(mqs_run *r, mqs_client *c) {
  const mqs_step *st = r->cur;
  mqs_diag d = {.file = r->sc->file};
  mqs_build_ctx b = {{&r->vars, NULL, 0, &r->scratch}, c->def->version, c->client_id, &c->next_id};
  r->out.len = 0;
  for (size_t i = 0; i < st->n_items; i++)
    if (mqs_build_item(&st->items[i], &b, &r->out, &d) < 0) return error_diag(r, &d), -1;
  note_connects(c, r->out.p, r->out.len);
  return 0;
}

/* Where the piece being written ends. */
static size_t piece_end(const mqs_step *st, size_t piece, size_t len) {
  size_t end = len;
  if (st->split_every) end = (piece + 1) * (size_t)st->split_every;
  else if (st->n_split_at && piece < st->n_split_at) end = st->split_at[piece];
  return end < len ? end : len;
}

static mqs_step_state do_send(mqs_run *r) {
  mqs_client *c = client_of(r);
  const mqs_step *st = r->cur;
  if (c->connecting) {
    if (!r->timed_out) return MQS_ST_WAIT;
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s: connecting timed out", r->where,
                   c->def->name);
    return MQS_ST_OVER;
  }
  if (c->write_shut) {
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s cannot send after half_close", r->where,
                   c->def->name);
    return MQS_ST_OVER;
  }
  if (r->out_off == 0 && r->piece == 0 && r->out.len == 0 && build_send(r, c) < 0)
    return MQS_ST_OVER;
  while (r->out_off < r->out.len) {
    size_t end = piece_end(st, r->piece, r->out.len);
    if (r->out_off == end) { /* piece done: pause, then the next one */
      if (!r->gap_over) {
        if (!r->gap_timer)
          r->gap_timer = mqs_loop_timer_add(r->eng->loop, st->gap_ms ? st->gap_ms : 10,
                                            gap_timer_cb, r);
        return MQS_ST_WAIT;
      }
      r->gap_over = false;
      r->piece++;
      continue;
    }
    ssize_t w = mqs_conn_write(c, r->out.p + r->out_off, end - r->out_off,
                               st->has_ws_opcode ? st->ws_opcode : MQS_WS_BINARY);
    if (w < 0) return MQS_ST_DONE; /* the broker is gone: the next expect says so */
    r->out_off += (size_t)w;
    if (r->out_off < end) {
      if (!r->timed_out) return MQS_ST_WAIT;
      mqs_run_finish(r, MQS_VERDICT_FAIL,
                     "%s: the broker stopped reading: %zu of %zu bytes written in %u ms",
                     r->where, r->out_off, r->out.len, mqs_run_step_timeout(r, st));
      return MQS_ST_OVER;
    }
  }
  return MQS_ST_DONE;
}

static int open_client(mqs_run *r, mqs_client *c) {
  int rc = mqs_conn_open(c);
  if (rc < 0)
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s cannot connect to %s:%u: %s", r->where,
                   c->def->name, r->eng->o->host, r->eng->o->port, strerror(-rc));
  return rc;
}

static int begin(mqs_run *r) {
  const mqs_step *st = r->cur;
  mqs_client *c = st->client >= 0 ? &r->clients[st->client] : NULL;
  uint64_t ms = 0;
  switch (st->kind) {
  case MQS_STEP_WAIT:
  case MQS_STEP_EXPECT_NOTHING: ms = st->ms; break;
  case MQS_STEP_OPEN:
  case MQS_STEP_REOPEN:
  case MQS_STEP_SEND:
  case MQS_STEP_EXPECT:
  case MQS_STEP_EXPECT_BYTES:
  case MQS_STEP_EXPECT_UNORDERED:
  case MQS_STEP_EXPECT_CLOSE: ms = mqs_run_step_timeout(r, st); break;
  default: break;
  }
  if (ms || st->kind == MQS_STEP_WAIT || st->kind == MQS_STEP_EXPECT_NOTHING)
    r->step_timer = mqs_loop_timer_add(r->eng->loop, ms, step_timer_cb, r);
  switch (st->kind) {
  case MQS_STEP_OPEN:
    if (c->fd >= 0) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s is already open (use reopen)",
                     r->where, c->def->name);
      return -1;
    }
    return open_client(r, c);
  case MQS_STEP_REOPEN:
    mqs_conn_close(c, MQS_WIRE_CLOSED_LOCAL);
    return open_client(r, c);
  case MQS_STEP_SEND:
    if (c->fd < 0) return open_client(r, c);
    return 0;
  case MQS_STEP_EXPECT_UNORDERED:
    r->matched = calloc(st->n_expect, sizeof *r->matched);
    if (!r->matched) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
      return -1;
    }
    return 0;
  default: return 0;
  }
}

mqs_step_state mqs_exec_step(mqs_run *r) {
  const mqs_step *st = r->cur;
  if (!r->step_begun) {
    r->step_begun = true;
    r->step_t0_us = mqs_now_us();
    if (begin(r) < 0) return MQS_ST_OVER;
  }
  mqs_client *c = st->client >= 0 ? &r->clients[st->client] : NULL;
  switch (st->kind) {
  case MQS_STEP_OPEN:
  case MQS_STEP_REOPEN:
    if (!c->connecting) return MQS_ST_DONE;
    if (!r->timed_out) return MQS_ST_WAIT;
    mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s: connecting timed out", r->where,
                   c->def->name);
    return MQS_ST_OVER;
  case MQS_STEP_CLOSE: mqs_conn_close(c, MQS_WIRE_CLOSED_LOCAL); return MQS_ST_DONE;
  case MQS_STEP_DROP: mqs_conn_close(c, MQS_WIRE_RESET_LOCAL); return MQS_ST_DONE;
  case MQS_STEP_HALF_CLOSE:
    if (c->fd < 0 || c->connecting) {
      mqs_run_finish(r, MQS_VERDICT_ERROR, "%s: client %s has no connection to half-close",
                     r->where, c->def->name);
      return MQS_ST_OVER;
    }
    if (!c->write_shut) mqs_conn_half_close(c);
    return MQS_ST_DONE;
  case MQS_STEP_SEND: return do_send(r);
  case MQS_STEP_EXPECT: return expect_one(r);
  case MQS_STEP_EXPECT_BYTES: return expect_bytes(r);
  case MQS_STEP_EXPECT_UNORDERED: return expect_unordered(r);
  case MQS_STEP_EXPECT_CLOSE: return expect_close(r);
  case MQS_STEP_EXPECT_NOTHING: return expect_nothing(r);
  case MQS_STEP_WAIT: return r->timed_out ? MQS_ST_DONE : MQS_ST_WAIT;
  case MQS_STEP_REPEAT: /* entered by the engine, never run */
  case MQS_STEP_NOTE: return MQS_ST_DONE;
  }
  return MQS_ST_DONE;
}
