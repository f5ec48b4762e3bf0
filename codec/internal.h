/* codec/internal.h — what the codec's files share and nobody else sees. */
#ifndef MQS_INTERNAL_H
#define MQS_INTERNAL_H

#include "mqs/codec.h"
#include "wire.h"

/* Whether a packet has no property to write (5.0 may then omit them). */
bool props_empty(const mqs_props *p);
/* The identifier byte of the first property id in a decoded block (which
 * must hold one), so a rule checked after decoding can name its offset. */
const uint8_t *props_locate(const mqs_props *p, uint8_t id);
/* Write a property block (length prefix included) in ascending identifier
 * order. Repeatable properties come from the arrays when set, else from the
 * decoded raw bytes. */
void props_write(wr *w, const mqs_props *p);

#endif
