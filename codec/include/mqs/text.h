/* mqs/text.h — UTF-8 string rules, topic names and topic filters,
 * shared subscriptions and topic matching. */
#ifndef MQS_TEXT_H
#define MQS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* Check s[0..len) against the MQTT UTF-8 rules. Returns MQS_RULE_NONE, or
 * MQS_RULE_UTF8_INVALID / MQS_RULE_UTF8_NULL with *bad set to the offset
 * of the first offending byte. ORs MQS_NOTE_CONTROL_CHAR and
 * MQS_NOTE_NONCHARACTER into *notes (which may be NULL). */
mqs_rule mqs_utf8_check(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes);

/* A topic name (PUBLISH, will topic, response topic): UTF-8 rules plus no
 * '+' or '#'. An empty name is not checked here (5.0 allows it with a
 * Topic Alias). */
mqs_rule mqs_topic_name_check(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes);

/* A topic filter: UTF-8, not empty, '#' alone in the last level, '+' alone
 * in its level; with shared != 0 (5.0), "$share/{ShareName}/{filter}" is
 * checked as a shared subscription. */
mqs_rule mqs_topic_filter_check(const uint8_t *s, size_t len, bool shared, size_t *bad,
                                uint32_t *notes);

/* If filter is "$share/{name}/{rest}", set *name and *rest and return true. */
bool mqs_topic_share_split(const uint8_t *s, size_t len, const uint8_t **name,
                           size_t *name_len, const uint8_t **rest, size_t *rest_len);

/* Whether topic name t matches filter f (4.7): '+', '#', and names that
 * start with '$' not matched by a filter that starts with a wildcard. */
bool mqs_topic_match(const uint8_t *f, size_t flen, const uint8_t *t, size_t tlen);

#endif
