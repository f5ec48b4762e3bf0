/* tests/codec/helpers.h — shared checks for the codec tests: decode hex
 * through the guard page, compare strings and whole packets, and check
 * that a packet encodes to given bytes (with every smaller cap refused). */
#ifndef MQS_TEST_HELPERS_H
#define MQS_TEST_HELPERS_H

/* cmocka needs stdarg, stddef, stdint and setjmp before cmocka.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/guard.h"
#include "codec/hex.h"
#include "mqs/codec.h"

/* Fail the running test with a formatted message (cmocka's fail_msg, but
 * usable from helpers that take the caller's context). */
#define FAILF(...)                                                                                 \
  do {                                                                                             \
    print_error(__VA_ARGS__);                                                                      \
    print_error("\n");                                                                             \
    fail();                                                                                        \
  } while (0)
#define CHECKF(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      print_error("%s:%d: check failed: %s\n  ", __FILE__, __LINE__, #cond);                       \
      FAILF(__VA_ARGS__);                                                                          \
    }                                                                                              \
  } while (0)

/* A built string: S("x") present, S(NULL) absent; B() for binary. */
mqs_str S(const char *s);
mqs_str B(const void *p, size_t len);
#define S_EMPTY ((mqs_str){(const uint8_t *)"", 0})

/* Decode hex through g with version v, from any side. */
ssize_t dec_hex(mqs_guard *g, const char *hex, mqs_version v, mqs_packet *p, mqs_violation *why);
ssize_t dec_hex_ex(mqs_guard *g, const char *hex, const mqs_decode_opts *o, mqs_packet *p,
                   mqs_violation *why);
/* Decode hex and require that it is one whole valid packet (bytes consumed
 * == length). */
void dec_ok(mqs_guard *g, const char *hex, mqs_version v, mqs_packet *p);

/* Strings: want NULL means absent. */
void check_str(const char *ctx, mqs_str got, const char *want);
void check_bin(const char *ctx, mqs_str got, const void *want, size_t len);

/* Compare two packets field by field (v decides whether properties count).
 * exact_absent: absent and present-empty optional strings differ. */
void check_packet_eq(const char *ctx, const mqs_packet *a, const mqs_packet *b, mqs_version v);
void check_props_eq(const char *ctx, const mqs_props *a, const mqs_props *b);

/* p encodes to want[0..len): mqs_encode_size, the exact cap, a larger cap
 * (nothing written past the packet) and MQS_ENOSPC for smaller caps, all
 * against a guard page. */
void check_encodes_to(const char *ctx, const mqs_packet *p, mqs_version v, const uint8_t *want,
                      size_t len);
void check_encodes_to_hex(const char *ctx, const mqs_packet *p, mqs_version v, const char *hex);

/* Built packet: encode, decode (guarded), compare with the original,
 * encode the decoded packet: byte-identical. Returns the encoded size. */
size_t check_roundtrip(const char *ctx, const mqs_packet *p, mqs_version v);

/* Ordered lists as decoded: user properties as key, value, key, value...;
 * subscription identifiers; filters with their options. */
void check_users(const char *ctx, const mqs_props *p, const char *const *kv, size_t n_pairs);
void check_sub_ids(const char *ctx, const mqs_props *p, const uint32_t *ids, size_t n);
void check_filters(const char *ctx, const mqs_subscribe *s, const char *const *filters,
                   const uint8_t *options, size_t n);

/* The error decode must return for a rule's reason code. */
ssize_t err_for_reason(uint8_t reason);

/* strcmp that treats two NULLs as equal. */
int strcmp_null(const char *a, const char *b);

#endif
