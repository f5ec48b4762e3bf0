/* fuzz/mutator.h — structure-aware mutation for the decode targets.
 *
 * Byte mutation rarely gets past a length prefix that no longer fits, so
 * this mutator works on packets: it frames the input's packet stream
 * (stream.h: control byte, then packets), picks one packet and makes one
 * change a broken peer or a careless implementation would make, then
 * writes the stream back:
 *   - a field of the decoded packet (flags, QoS, packet id, reason code, a
 *     string, a topic filter or its options, a property value, a user
 *     property or subscription identifier list), re-encoded with
 *     MQS_ENC_RAW so nothing is corrected on the way out;
 *   - the property block as bytes: identifiers changed (to unknown or
 *     not-allowed ones), entries duplicated, reordered, dropped, or
 *     inserted from a list of known-bad values, or its length made wrong;
 *   - the fixed header: type nibble, flags, Remaining Length (wrong,
 *     non-minimal, five bytes), body cut short or padded;
 *   - a two-byte length prefix inside the body made wrong;
 *   - the stream: a packet duplicated, dropped, swapped with the next, cut
 *     in two, or a template packet inserted;
 * and it falls back to LLVMFuzzerMutate (byte mutation) when no packet can
 * be framed or decoded, and for a share of the calls anyway. Deterministic
 * for a given seed, as libFuzzer asks. */
#ifndef MQS_FUZZ_MUTATOR_H
#define MQS_FUZZ_MUTATOR_H

#include "mqs/codec.h"

/* Mutate data[0..size) in place (at most max_size bytes); returns the new
 * size. v is the target's connection version. */
size_t fuzz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed, mqs_version v);

#endif
