/* fuzz/canonical.h — whether an accepted packet was encoded canonically.
 *
 * The decoder accepts several encodings of one packet; the encoder writes
 * exactly one of them, the canonical one. An accepted packet's bytes are
 * canonical when all of these hold:
 *
 *  C1  every variable byte integer (Remaining Length, property lengths,
 *      property identifiers, Subscription Identifiers) has its minimal
 *      length;
 *  C2  in every property block, identifiers ascend strictly, except that
 *      the repeatable ones (User Property anywhere, Subscription Identifier
 *      in PUBLISH) repeat in consecutive positions, in their order;
 *  C3  in MQTT 5.0 PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH
 *      (3.4.2.1, 3.14.2.1, 3.15.2.1): the reason code is left out when it is
 *      0x00 and no properties follow, and the property length is left out
 *      when the block is empty;
 *  C4  no byte follows the last field.
 *
 * C1 and C4 are MUSTs that decode enforces (VBI_NOT_MINIMAL, TRAILING), so
 * every accepted packet meets them, except that MQTT 3.1.1 does not require
 * the shortest Remaining Length: roundtrip.c checks that one from the bytes
 * ("C0"). C2 and C3 are checked here from the decoded packet and the bytes
 * it points into. The oracle in roundtrip.c
 * holds the codec to: canonical(bytes) <=> encode(decode(bytes)) == bytes. */
#ifndef MQS_FUZZ_CANONICAL_H
#define MQS_FUZZ_CANONICAL_H

#include "mqs/codec.h"

/* NULL when p (accepted by decode at connection version v) was canonical,
 * else which rule its bytes break ("C2 connect.props", "C3 reason 0x00"). */
const char *fuzz_noncanonical(const mqs_packet *p, mqs_version v);

/* Length of the value of property id at p (its identifier already read),
 * by the identifier's type; the block must have been validated by decode,
 * so it is whole. */
size_t fuzz_prop_value_len(uint8_t id, const uint8_t *p);

/* C2 alone, for one decoded property block of packet type t
 * (MQS_WILL_PROPS for a will). */
bool fuzz_props_ascend(const mqs_props *pr, int t);

#endif
