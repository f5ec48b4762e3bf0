/* fuzz/fuzz_props.c — mqs_props_decode on arbitrary bytes, as the property
 * block of every packet type (and of a will).
 *
 * Input: a property block (length VBI, then properties), and whatever
 * follows it. For each of the 16 types (0: will properties) the block is
 * decoded, then:
 *  - accepted: it used no more than the input; every property present is
 *    defined and allowed in that type; each value is in its range; the
 *    iterators give exactly n_user and n_sub_id entries, inside the block;
 *    and written back by the encoder it decodes to the same properties,
 *    byte for byte when the input's identifiers ascended (canonical.h C2);
 *  - rejected: the violation names a rule, its reason code and the packet
 *    type, at an offset inside the input;
 *  - across types: a block accepted for one type and rejected for another
 *    was rejected for where it was, not what it was (PROP_NOT_ALLOWED, or a
 *    repeated Subscription Identifier outside PUBLISH); accepted for both,
 *    it decodes to the same properties. */
#include <string.h>

#include "canonical.h"
#include "fuzz.h"
#include "guard.h"
#include "packet_diff.h"

#define NT 16

static bool inside(const uint8_t *p, size_t n, const uint8_t *lo, const uint8_t *hi) {
  return !p ? n == 0 : p >= lo && p + n <= hi;
}

static void check_values(const mqs_props *p, int t, const uint8_t *lo, const uint8_t *hi) {
  for (unsigned id = 0; id < 64; id++) {
    if (!(p->present & MQS_PROP_BIT(id))) continue;
    const mqs_prop_info *pi = mqs_prop_lookup(id);
    FUZZ_CHECK(pi != NULL, "type %d: undefined property 0x%02x present", t, id);
    FUZZ_CHECK(pi->allowed & (1u << t), "type %d: %s not allowed there", t, pi->name);
  }
  FUZZ_CHECK(p->payload_format <= 1 && p->request_problem_info <= 1 &&
                 p->request_response_info <= 1 && p->max_qos <= 1 && p->retain_available <= 1 &&
                 p->wildcard_available <= 1 && p->sub_id_available <= 1 && p->shared_available <= 1,
             "type %d: a byte property above 1", t);
  if (mqs_props_has(p, MQS_PROP_TOPIC_ALIAS)) FUZZ_CHECK(p->topic_alias != 0, "Topic Alias 0");
  if (mqs_props_has(p, MQS_PROP_RECEIVE_MAX)) FUZZ_CHECK(p->receive_max != 0, "Receive Maximum 0");
  if (mqs_props_has(p, MQS_PROP_MAX_PACKET_SIZE))
    FUZZ_CHECK(p->max_packet_size != 0, "Maximum Packet Size 0");
  if (mqs_props_has(p, MQS_PROP_AUTH_DATA))
    FUZZ_CHECK(mqs_props_has(p, MQS_PROP_AUTH_METHOD), "Authentication Data without a method");
  const mqs_str *strs[] = {&p->content_type,  &p->response_topic,   &p->assigned_client_id,
                           &p->auth_method,   &p->response_info,    &p->server_reference,
                           &p->reason_string, &p->correlation_data, &p->auth_data};
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    FUZZ_CHECK(inside(strs[i]->p, strs[i]->len, lo, hi), "type %d: string %zu outside", t, i);
    size_t bad;
    if (i < 7 && strs[i]->p)
      FUZZ_CHECK(mqs_utf8_check(strs[i]->p, strs[i]->len, &bad, NULL) == MQS_RULE_NONE,
                 "type %d: string %zu is not valid UTF-8", t, i);
  }
  if (p->response_topic.p) {
    size_t bad;
    FUZZ_CHECK(mqs_topic_name_check(p->response_topic.p, p->response_topic.len, &bad, NULL) ==
                   MQS_RULE_NONE,
               "Response Topic with a wildcard");
  }
}

static void check_lists(const mqs_props *p, int t, const uint8_t *lo, const uint8_t *hi) {
  uint32_t cur = 0, n = 0, id;
  mqs_str_pair kv;
  size_t bad;
  while (mqs_props_next_user(p, &cur, &kv)) {
    FUZZ_CHECK(inside(kv.key.p, kv.key.len, lo, hi) && inside(kv.value.p, kv.value.len, lo, hi),
               "user property %u outside the block", n);
    FUZZ_CHECK(mqs_utf8_check(kv.key.p, kv.key.len, &bad, NULL) == MQS_RULE_NONE &&
                   mqs_utf8_check(kv.value.p, kv.value.len, &bad, NULL) == MQS_RULE_NONE,
               "user property %u is not valid UTF-8", n);
    n++;
  }
  FUZZ_CHECK(n == p->n_user, "type %d: %u user properties iterated, %u counted", t, n, p->n_user);
  FUZZ_CHECK((n > 0) == mqs_props_has(p, MQS_PROP_USER), "type %d: user bit vs count", t);
  for (cur = 0, n = 0; mqs_props_next_sub_id(p, &cur, &id); n++)
    FUZZ_CHECK(id >= 1 && id <= 268435455, "Subscription Identifier %u", id);
  FUZZ_CHECK(n == p->n_sub_id, "type %d: %u sub ids iterated, %u counted", t, n, p->n_sub_id);
  FUZZ_CHECK((n > 0) == mqs_props_has(p, MQS_PROP_SUBSCRIPTION_ID), "type %d: sub id bit", t);
  FUZZ_CHECK(n <= 1 || t == MQS_PUBLISH, "type %d: %u Subscription Identifiers", t, n);
}

/* Written back by the encoder (in a DISCONNECT with a reason code, which
 * puts the block right after one byte; raw mode writes any property in
 * any packet), the block decodes to the same properties. */
static void check_reencode(const uint8_t *in, size_t used, const mqs_props *p, int t) {
  if (used == 1) return; /* empty: an encoder writes no block at all */
  mqs_packet d = {.type = MQS_DISCONNECT};
  d.disconnect.reason = 0x80;
  d.disconnect.props = *p;
  ssize_t size = mqs_encode_size(&d, MQS_V5, MQS_ENC_RAW);
  FUZZ_CHECK(size > 0, "type %d: mqs_encode_size %zd", t, size);
  uint8_t *enc = fuzz_guard_room(GUARD_OUTPUT, (size_t)size);
  FUZZ_CHECK(mqs_encode(&d, MQS_V5, MQS_ENC_RAW, enc, (size_t)size) == size, "encode");
  size_t at = 2;
  while (enc[at - 1] & 0x80)
    at++;
  at++; /* the reason code */
  size_t blen = (size_t)size - at;
  mqs_props q = {0};
  mqs_violation why;
  uint32_t notes = 0;
  ssize_t rc = mqs_props_decode(enc + at, blen, t, enc, &q, &notes, &why);
  if (rc != (ssize_t)blen) {
    fuzz_dump("input", in, used);
    fuzz_dump("re-encoded", enc + at, blen);
    fuzz_fail(__FILE__, __LINE__, "rc == blen", "type %d: re-encoded block gives %zd (%s)", t, rc,
              mqs_rule_name(why.rule));
  }
  const char *diff = fuzz_props_diff(p, &q);
  FUZZ_CHECK(diff == NULL, "type %d: re-encoded block decodes differently: %s", t, diff);
  bool same = blen == used && memcmp(enc + at, in, used) == 0;
  if (same != fuzz_props_ascend(p, t)) {
    fuzz_dump("input", in, used);
    fuzz_dump("re-encoded", enc + at, blen);
    fuzz_fail(__FILE__, __LINE__, "same == ascending", "type %d: canonical %d, same bytes %d", t,
              fuzz_props_ascend(p, t), same);
  }
  fuzz_guard_done(GUARD_OUTPUT, enc);
}

static void check_rejected(ssize_t rc, const mqs_violation *why, int t, size_t size) {
  FUZZ_CHECK(rc == MQS_EMALFORMED || rc == MQS_EPROTOCOL, "type %d: returned %zd", t, rc);
  FUZZ_CHECK(why->rule > MQS_RULE_NONE && why->rule < MQS_RULE_COUNT, "rule %d", (int)why->rule);
  FUZZ_CHECK(why->reason == mqs_rule_reason(why->rule), "%s: reason 0x%02x",
             mqs_rule_name(why->rule), why->reason);
  FUZZ_CHECK((rc == MQS_EMALFORMED) == (why->reason == 0x81), "%s: error %zd",
             mqs_rule_name(why->rule), rc);
  FUZZ_CHECK(why->packet_type == (t == MQS_WILL_PROPS ? MQS_CONNECT : t), "type %d: says %u", t,
             why->packet_type);
  FUZZ_CHECK(why->offset <= size, "%s at %zu of %zu", mqs_rule_name(why->rule), why->offset, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mqs_props got[NT];
  ssize_t rc[NT];
  mqs_violation why[NT];
  uint32_t notes[NT];
  for (int t = 0; t < NT; t++) {
    memset(&got[t], 0, sizeof got[t]);
    notes[t] = 0;
    rc[t] = mqs_props_decode(data, size, t, data, &got[t], &notes[t], &why[t]);
    if (rc[t] < 0) {
      check_rejected(rc[t], &why[t], t, size);
      continue;
    }
    FUZZ_CHECK(rc[t] >= 1 && (size_t)rc[t] <= size, "type %d: used %zd of %zu", t, rc[t], size);
    FUZZ_CHECK(got[t].raw.p + got[t].raw.len == data + rc[t], "type %d: raw does not end there", t);
    check_values(&got[t], t, got[t].raw.p, got[t].raw.p + got[t].raw.len);
    check_lists(&got[t], t, got[t].raw.p, got[t].raw.p + got[t].raw.len);
    check_reencode(data, (size_t)rc[t], &got[t], t);
  }
  for (int a = 0; a < NT; a++) {
    if (rc[a] < 0) continue;
    for (int b = 0; b < NT; b++) {
      if (rc[b] < 0) {
        bool where = why[b].rule == MQS_RULE_PROP_NOT_ALLOWED ||
                     (why[b].rule == MQS_RULE_PROP_DUPLICATE && got[a].n_sub_id > 1);
        FUZZ_CHECK(where, "accepted as type %d, rejected as type %d for %s", a, b,
                   mqs_rule_name(why[b].rule));
        continue;
      }
      FUZZ_CHECK(rc[a] == rc[b] && notes[a] == notes[b], "types %d and %d used %zd and %zd", a, b,
                 rc[a], rc[b]);
      const char *diff = fuzz_props_diff(&got[a], &got[b]);
      FUZZ_CHECK(diff == NULL, "types %d and %d decode differently: %s", a, b, diff);
    }
  }
  return 0;
}
