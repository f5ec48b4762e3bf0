/* harness/engine.h — running scenarios against a broker.
 *
 * Every connection of every running scenario lives on one event loop;
 * up to `jobs` scenarios run at once, each a small state machine that
 * advances through its steps as bytes, closes and timers arrive. Every
 * byte in and out is kept in the scenario's transcript with its time. A
 * broker that sends garbage, half a packet, a flood or nothing gets a
 * verdict when a timeout runs out, never a hung or crashed harness. */
#ifndef MQS_ENGINE_H
#define MQS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"
#include "scenario.h"

typedef struct {
  const char *host; /* numeric address preferred: names resolve blocking */
  uint16_t port;
  unsigned jobs;                /* scenarios at once (>= 1) */
  uint32_t step_timeout_ms;     /* for steps that wait, unless the scenario says */
  uint32_t scenario_timeout_ms; /* for a whole scenario, unless it says */
  unsigned without;             /* MQS_NEED_* the user declared off: n/a at once */
  const char *run_tag;          /* unique per run: part of every ${prefix} */
  /* MQTT over WebSocket: the broker's listener (ws_port 0: none, and the
   * scenarios with a websocket client are n/a), the request path, and
   * whether every client uses it rather than TCP. */
  const char *ws_host;
  uint16_t ws_port;
  const char *ws_path;
  bool all_websocket;
  /* Called as each scenario finishes (for the console), in finishing order. */
  void (*on_done)(const mqs_scenario_result *r, void *arg);
  void *arg;
} mqs_engine_opts;

/* Fill results[i] for scenarios[i] (metadata from the scenario, verdict
 * and transcript from the run; results must be zeroed). Strings in the
 * results point into the scenarios, which must outlive them; free a
 * result's own parts with mqs_result_clear. Returns 0, or a negative
 * errno when the event loop itself fails (nothing was run then). */
int mqs_engine_run(mqs_scenario *const *scenarios, size_t n, const mqs_engine_opts *o,
                   mqs_scenario_result *results);

/* Free what the engine allocated in r (message, reasons, transcript). */
void mqs_result_clear(mqs_scenario_result *r);

#endif
