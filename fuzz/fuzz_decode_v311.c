/* fuzz/fuzz_decode_v311.c — MQTT 3.1.1 packet streams through mqs_decode_ex.
 *
 * Input: a control byte choosing the direction and decoder options, then
 * packets (stream.h). Every accepted packet goes through the round-trip
 * oracle (roundtrip.c), every rejected one through the violation checks
 * (reject.c). Mutation is structure-aware (mutator.h), with libFuzzer's
 * byte mutation as the fallback. */
#include "fuzz.h"
#include "mutator.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_decode_target(data, size, MQS_V311);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  return fuzz_mutate(data, size, max_size, seed, MQS_V311);
}
