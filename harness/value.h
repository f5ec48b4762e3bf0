/* harness/value.h — scalars as numbers, booleans, durations and reason
 * codes, with the message that says what was expected when they are not. */
#ifndef MQS_VALUE_H
#define MQS_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node.h"

/* A decimal or 0x-hex number up to max. Returns 0 or -1. */
int mqs_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);
/* true/false, yes/no, on/off, 1/0. Returns 0 or -1. */
int mqs_parse_bool(const char *s, bool *out);
/* "250ms", "2s", "1.5s", "1m"; at most a day. Returns 0 or -1. */
int mqs_parse_duration(const char *s, uint32_t *ms);
/* A reason code of packet type t in version v: a name ("granted_qos_1",
 * "success") or a number 0..255. Returns the code, or -1. */
int mqs_parse_reason(const char *s, size_t len, int t, int version);

/* The same on a node, with a diagnostic naming it ("expected a number
 * from 0 to 65535, got 'x'"). what names the field in the message. */
int mqs_node_uint(const mqs_node *n, const char *what, uint64_t max, uint64_t *out, mqs_diag *d);
int mqs_node_bool(const mqs_node *n, const char *what, bool *out, mqs_diag *d);
int mqs_node_duration(const mqs_node *n, const char *what, uint32_t *ms, mqs_diag *d);
/* A scalar's text; -1 with a diagnostic when n is a mapping or a list. */
int mqs_node_text(const mqs_node *n, const char *what, const char **out, mqs_diag *d);

#endif
