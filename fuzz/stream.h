/* fuzz/stream.h — the input format of the decode targets: one control byte
 * that picks the decoder's options, then a stream of packets. */
#ifndef MQS_FUZZ_STREAM_H
#define MQS_FUZZ_STREAM_H

#include "mqs/codec.h"

/* The control byte (first input byte):
 *   bits 0-1  direction: 0 MQS_FROM_ANY, 1 CLIENT, 2 SERVER, 3 ANY
 *   bit  2    MQS_DEC_CHECK_PAYLOAD_UTF8
 *   bit  3    MQS_DEC_CHECK_ALIAS_MAX, with topic_alias_max = bits 4-7
 *   bits 4-7  n: max_packet_size 0 (no limit) when n is 0, else 1 << (n + 1)
 *             (4 bytes to 64 KiB)
 * Byte 0x00 decodes as a receiver with no options would. */
void fuzz_stream_opts(uint8_t ctl, mqs_version v, mqs_decode_opts *o);

typedef struct {
  const uint8_t *at;        /* the packet's first byte in the stream */
  size_t left;              /* bytes from at to the end of the stream */
  ssize_t rc;               /* what mqs_decode_ex returned (> 0: accepted) */
  const mqs_packet *packet; /* when accepted */
  const mqs_violation *why; /* when rejected */
} fuzz_step;

typedef void (*fuzz_step_fn)(const fuzz_step *s, const mqs_decode_opts *o, void *arg);

/* Decode buf[0..len) packet after packet, calling fn for each accepted or
 * rejected one. After a rejection the walk goes on at the next packet when
 * mqs_frame can find it (a receiver would close the connection; the fuzzer
 * wants to reach the packets behind a broken one). Stops at an incomplete
 * packet. */
void fuzz_stream_walk(const uint8_t *buf, size_t len, const mqs_decode_opts *o, fuzz_step_fn fn,
                      void *arg);

/* The checks the decode targets make on every step (roundtrip.c, reject.c). */
void fuzz_check_accepted(const uint8_t *pkt, size_t n, const mqs_packet *p,
                         const mqs_decode_opts *o);
void fuzz_check_rejected(const uint8_t *buf, size_t len, ssize_t rc, const mqs_violation *why,
                         const mqs_decode_opts *o);

/* LLVMFuzzerTestOneInput of fuzz_decode_v311 and fuzz_decode_v5. */
int fuzz_decode_target(const uint8_t *data, size_t size, mqs_version v);

#endif
