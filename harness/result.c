/* harness/result.c — verdict and level names, and whether a run failed. */
#include "result.h"

bool mqs_run_failed(const mqs_run_result *r, bool strict) {
  for (size_t i = 0; i < r->n; i++) {
    const mqs_scenario_result *s = &r->results[i];
    if (s->expected_fail) continue;
    /* ERROR means nothing was judged: a run that could not check a
     * statement must not look like one that checked it, whatever the level. */
    if (s->verdict == MQS_VERDICT_ERROR) return true;
    if (s->verdict == MQS_VERDICT_FAIL && (s->level == MQS_LEVEL_MUST || strict)) return true;
  }
  return false;
}

const char *mqs_verdict_name(mqs_verdict v) {
  switch (v) {
  case MQS_VERDICT_PASS: return "pass";
  case MQS_VERDICT_FAIL: return "fail";
  case MQS_VERDICT_NA: return "n/a";
  case MQS_VERDICT_ERROR: return "error";
  }
  return "?";
}

const char *mqs_level_name(mqs_level l) {
  switch (l) {
  case MQS_LEVEL_MUST: return "MUST";
  case MQS_LEVEL_SHOULD: return "SHOULD";
  case MQS_LEVEL_MAY: return "MAY";
  }
  return "?";
}
