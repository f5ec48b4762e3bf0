/* fuzz/fuzz.h — what every fuzz target, the mutator and the replay driver
 * share: the libFuzzer entry points (declared here so -Wmissing-prototypes
 * holds for the files that define them) and the check that ends a run.
 *
 * A target is one fuzz_<name>.c file defining LLVMFuzzerTestOneInput. It is
 * linked three ways from the same source: with libFuzzer (clang
 * -fsanitize=fuzzer), with AFL++'s libFuzzer-compatible driver
 * (afl-clang-fast -fsanitize=fuzzer) and with replay_main.c (any compiler),
 * so nothing here may depend on the engine. */
#ifndef MQS_FUZZ_H
#define MQS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
/* libFuzzer's own byte mutator; replay_main.c supplies a small stand-in. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* An invariant broke: print where and why, then abort(), which every engine
 * records as a crash (a plain return would be lost). */
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define FUZZ_CHECK(cond, ...)                                                                      \
  do {                                                                                             \
    if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                \
  } while (0)

/* Hex of p[0..n) on stderr (at most 256 bytes), to show the bytes at fault. */
void fuzz_dump(const char *label, const uint8_t *p, size_t n);

#endif
