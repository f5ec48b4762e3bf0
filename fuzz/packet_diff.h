/* fuzz/packet_diff.h — compare two decoded packets field by field. */
#ifndef MQS_FUZZ_PACKET_DIFF_H
#define MQS_FUZZ_PACKET_DIFF_H

#include "mqs/codec.h"

/* NULL when a and b carry the same fields, else the name of the first field
 * that differs ("publish.topic", "props.user[2]"). Strings compare by
 * presence and content, repeatable properties and topic filters through
 * their iterators, in order. Not compared, because they describe the
 * encoding rather than the packet: the Remaining Length and the raw bytes
 * kept for the iterators. */
const char *fuzz_packet_diff(const mqs_packet *a, const mqs_packet *b);

/* The same for one property block. */
const char *fuzz_props_diff(const mqs_props *a, const mqs_props *b);

#endif
