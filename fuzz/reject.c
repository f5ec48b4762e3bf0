/* fuzz/reject.c — the oracle for a packet the decoder rejected: the
 * violation is complete and consistent (a rule, its reason code, the
 * matching error, the packet type, an offset inside the bytes seen), and
 * errors the contract says are reported early are reported from the
 * shortest prefix that shows them, with the same verdict. */
#include "fuzz.h"
#include "guard.h"
#include "stream.h"

static ssize_t err_for_reason(uint8_t reason) {
  return reason == 0x81 ? MQS_EMALFORMED : reason == 0x95 ? MQS_ETOOLARGE : MQS_EPROTOCOL;
}

/* How many bytes show the error, for the rules mqs_decode reports before
 * the whole packet has arrived; 0 for the others. */
static size_t early_len(const mqs_violation *why, const uint8_t *buf, size_t len) {
  switch (why->rule) {
  case MQS_RULE_TYPE_RESERVED:
  case MQS_RULE_WRONG_DIRECTION:
  case MQS_RULE_QOS_3:
  case MQS_RULE_DUP_ON_QOS0: return 1;
  case MQS_RULE_FLAGS_RESERVED: return why->offset == 0 ? 1 : 0;
  case MQS_RULE_RL_TOO_LONG:
  case MQS_RULE_VBI_NOT_MINIMAL: { /* the Remaining Length's, not a property's */
    size_t total;
    mqs_violation w;
    return mqs_frame(buf, len, &total, &w) == MQS_EMALFORMED ? why->offset + 1 : 0;
  }
  case MQS_RULE_PACKET_TOO_LARGE: {
    size_t h = 1;
    while (h < len && (buf[h] & 0x80))
      h++;
    return h + 1;
  }
  default: return 0;
  }
}

static void same_verdict(const char *what, const uint8_t *buf, size_t n, const mqs_decode_opts *o,
                         ssize_t rc, const mqs_violation *why) {
  uint8_t *c = fuzz_guard_copy(GUARD_INPUT, buf, n);
  mqs_packet p;
  mqs_violation w = {0};
  ssize_t r = mqs_decode_ex(c, n, o, &p, &w);
  fuzz_guard_done(GUARD_INPUT, c);
  if (r == rc && w.rule == why->rule && w.offset == why->offset) return;
  fuzz_dump("packet", buf, n);
  fuzz_fail(__FILE__, __LINE__, "same verdict", "%s (%zu bytes): %zd %s@%zu, whole: %zd %s@%zu",
            what, n, r, mqs_rule_name(w.rule), w.offset, rc, mqs_rule_name(why->rule), why->offset);
}

void fuzz_check_rejected(const uint8_t *buf, size_t len, ssize_t rc, const mqs_violation *why,
                         const mqs_decode_opts *o) {
  FUZZ_CHECK(rc == MQS_EMALFORMED || rc == MQS_EPROTOCOL || rc == MQS_ETOOLARGE,
             "decode returned %zd (%s)", rc, mqs_errname((int)rc));
  FUZZ_CHECK(why->rule > MQS_RULE_NONE && why->rule < MQS_RULE_COUNT, "rule %d", (int)why->rule);
  FUZZ_CHECK(why->reason == mqs_rule_reason(why->rule), "%s: reason 0x%02x, table 0x%02x",
             mqs_rule_name(why->rule), why->reason, mqs_rule_reason(why->rule));
  FUZZ_CHECK(rc == err_for_reason(why->reason), "%s: error %s for reason 0x%02x",
             mqs_rule_name(why->rule), mqs_errname((int)rc), why->reason);
  FUZZ_CHECK(why->packet_type == buf[0] >> 4, "%s: packet type %u, first byte 0x%02x",
             mqs_rule_name(why->rule), why->packet_type, buf[0]);
  FUZZ_CHECK(why->what != NULL && why->section != NULL, "%s: no description",
             mqs_rule_name(why->rule));
  size_t total = 0;
  mqs_violation ignored;
  bool framed = mqs_frame(buf, len, &total, &ignored) == 0 && total <= len;
  size_t seen = framed ? total : len;
  FUZZ_CHECK(why->offset <= seen, "%s at offset %zu, beyond the %zu bytes of the packet",
             mqs_rule_name(why->rule), why->offset, seen);
  if (framed) same_verdict("the packet alone", buf, total, o, rc, why);
  size_t early = early_len(why, buf, len);
  if (early && early < seen)
    same_verdict("the shortest prefix that shows it", buf, early, o, rc, why);
}
