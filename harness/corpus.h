/* harness/corpus.h — `mqspec run --save-corpus DIR`: the traffic of a run
 * as fuzz seeds, as nghttp2's corpus was recorded from h2spec runs.
 *
 * Each seed is written in the input format of the target that reads it
 * (fuzz/README.md), into DIR/<target>/, named by the SHA-256 of its content
 * in lowercase hex (as libFuzzer names its inputs), so the same bytes
 * recorded twice are one file:
 *
 *   fuzz_decode_v311, fuzz_decode_v5  each packet of each connection, by the
 *       version its CONNECT asked for (else the scenario's): control byte
 *       0x01 and a packet the harness sent, or 0x02 and one the broker sent.
 *       Bytes that do not frame (a broken Remaining Length, a cut packet)
 *       are one seed from there to the end of that direction's stream;
 *   fuzz_props  the property block (length, properties) of every 5.0 packet
 *       that decodes, and of a will;
 *   fuzz_broker  one seed per scenario: what the harness sent on every
 *       connection, as fuzz_broker's operations (its config byte 0x80, then
 *       accept, feed, drain, close and clock steps in transcript order). */
#ifndef MQS_CORPUS_H
#define MQS_CORPUS_H

#include <stddef.h>

#include "result.h"

typedef struct {
  size_t added; /* files written */
  size_t known; /* seeds whose file was there already */
} mqs_corpus_stats;

/* Write the seeds of every transcript in run into dir (created if need
 * be). Returns 0, or -1 with errno set (a directory or file that cannot be
 * written; what was written before stays). */
int mqs_corpus_save(const mqs_run_result *run, const char *dir, mqs_corpus_stats *st);

#endif
