/* harness/match.h — does a packet that arrived match what a step expects?
 *
 * Matching is by field, so that every encoding the specification allows
 * matches: a 5.0 PUBACK with reason Success may be 2, 3 or 4 bytes, and
 * `reason: success` matches all three; exact bytes are for expect_bytes. */
#ifndef MQS_MATCH_H
#define MQS_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "vars.h"

typedef struct {
  mqs_expander x; /* values of ${variables} */
  int version;
  mqs_str topic; /* a PUBLISH's topic after Topic Alias resolution (p NULL: as on the wire) */
} mqs_match_ctx;

/* 1 when p matches e; 0 when not, with why saying which field and what it
 * held ("reason: expected success, got 0x10 no_matching_subscribers"); -1
 * when a ${variable} cannot be expanded or parsed (*d says where). */
int mqs_match_packet(const mqs_expect *e, const mqs_packet *p, mqs_match_ctx *c, char *why,
                     size_t cap, mqs_diag *d);
/* The same, and on a mismatch the check that failed (NULL: the type). */
int mqs_match_packet_ex(const mqs_expect *e, const mqs_packet *p, mqs_match_ctx *c, char *why,
                        size_t cap, mqs_diag *d, const mqs_check **failed);
/* The same for one matcher and a field value (for expect_close's reason). */
int mqs_match_value(const mqs_matcher *m, const mqs_fval *v, int pt, mqs_match_ctx *c, char *why,
                    size_t cap, mqs_diag *d);

/* Store e's saves from p into vars. Returns 0, or -1 (out of memory). */
int mqs_match_save(const mqs_expect *e, const mqs_packet *p, mqs_str topic, mqs_vars *vars);

/* "PUBACK id=7 reason=success", with ${variables} replaced by their values
 * when x is given (and they have one). */
void mqs_expect_describe(const mqs_expect *e, const mqs_expander *x, char *buf, size_t cap);

/* expect_bytes: text is pairs of hex digits or "??" (any byte), white
 * space allowed between pairs. 1 when bytes match it exactly (same
 * length), 0 when not (why says at which offset), -1 when the text is not
 * a pattern. */
int mqs_pattern_match(const char *text, size_t tlen, const uint8_t *bytes, size_t len, char *why,
                      size_t cap);
/* The number of bytes a pattern spells, or -1. */
long mqs_pattern_len(const char *text, size_t tlen);

/* A value for messages: a number (with its reason name), quoted text or hex. */
void mqs_fval_describe(const mqs_fval *v, mqs_field_type t, int pt, int version, char *buf,
                       size_t cap);

#endif
