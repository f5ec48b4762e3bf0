/* codec/rules.c — lookups in the rule table of rules.h. */
#include "mqs/rules.h"

typedef struct {
  const char *name;
  uint8_t reason;
  const char *s311;
  const char *s5;
  const char *section;
  const char *what;
} rule_info;

static const rule_info rules[MQS_RULE_COUNT] = {
    [MQS_RULE_NONE] = {"NONE", 0, NULL, NULL, NULL, "no rule broken"},
#define MQS_RULE_ROW(name, rc, s311, s5, sec, what) [MQS_RULE_##name] = {#name, rc, s311, s5, sec, what},
    MQS_RULE_TABLE(MQS_RULE_ROW)
#undef MQS_RULE_ROW
};

static const rule_info *info(mqs_rule r) {
  return (unsigned)r < MQS_RULE_COUNT ? &rules[r] : NULL;
}

const char *mqs_rule_name(mqs_rule r) {
  const rule_info *i = info(r);
  return i ? i->name : NULL;
}

uint8_t mqs_rule_reason(mqs_rule r) {
  const rule_info *i = info(r);
  return i ? i->reason : 0;
}

const char *mqs_rule_statement(mqs_rule r, int version) {
  const rule_info *i = info(r);
  if (!i) return NULL;
  return version >= 5 ? i->s5 : i->s311;
}

const char *mqs_rule_what(mqs_rule r) {
  const rule_info *i = info(r);
  return i ? i->what : NULL;
}

void mqs_violation_set(mqs_violation *why, mqs_rule r, int version, uint8_t packet_type,
                       size_t offset) {
  const rule_info *i = info(r);
  if (!why || !i) return;
  why->rule = r;
  why->reason = i->reason;
  why->packet_type = packet_type;
  why->statement = version >= 5 ? i->s5 : i->s311;
  why->section = i->section;
  why->what = i->what;
  why->offset = offset;
}
