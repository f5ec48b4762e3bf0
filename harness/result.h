/* harness/result.h — what a run produced, as the report writers see it. */
#ifndef MQS_RESULT_H
#define MQS_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transcript.h"

typedef enum {
  MQS_VERDICT_PASS,
  MQS_VERDICT_FAIL,
  MQS_VERDICT_NA,    /* not applicable: the broker lacks a feature the scenario needs */
  MQS_VERDICT_ERROR, /* harness or network trouble: nothing was judged */
} mqs_verdict;

typedef enum { MQS_LEVEL_MUST, MQS_LEVEL_SHOULD, MQS_LEVEL_MAY } mqs_level;

typedef struct {
  /* from the scenario file */
  const char *id;
  const char *title;
  const char *file;
  int version; /* 4 (3.1.1) or 5 */
  mqs_level level;
  const char *const *statements; /* normative statement ids it checks */
  size_t n_statements;
  const char *const *tags;
  size_t n_tags;
  /* from the run */
  mqs_verdict verdict;
  bool expected_fail;        /* listed in --expect-fail: a FAIL that does not fail the run */
  const char *expect_reason; /* why it is listed */
  int failed_step;           /* index of the step that failed, or -1 */
  const char *failed_line;   /* "file:line" of that step */
  char *message;             /* what was expected and what arrived, decoded and in hex */
  char *na_reason;           /* for NA: which feature the broker lacks and how we know */
  uint64_t started_us;       /* since the run started */
  uint64_t duration_us;
  mqs_transcript transcript;
} mqs_scenario_result;

typedef struct {
  const char *broker;          /* "host:port" as given, or "mqspec-broker (bundled)" */
  const char *broker_name;     /* a label for side-by-side reports */
  uint64_t started_unix_ms;
  uint64_t duration_us;
  mqs_scenario_result *results;
  size_t n;
} mqs_run_result;

/* Whether the run as a whole failed: a FAIL or ERROR not listed as expected,
 * at MUST level (SHOULD and MAY failures only with strict). */
bool mqs_run_failed(const mqs_run_result *r, bool strict);

const char *mqs_verdict_name(mqs_verdict v); /* "pass", "fail", "n/a", "error" */
const char *mqs_level_name(mqs_level l);     /* "MUST", "SHOULD", "MAY" */

#endif
