/* broker/tick.c — everything that happens because time passed: CONNECT
 * and keep-alive timeouts (3.1.2.10: one and a half times the Keep Alive),
 * will delays, session expiry, retained message expiry and $SYS.
 *
 * One pass over clients and sessions per tick: O(n), no timer structure to
 * keep in step with every packet. Ticks come when the earliest deadline
 * is due, so with many clients they come often; a timer wheel would be the
 * next step if that ever shows in a profile. */
#include <stdlib.h>

#include "internal.h"

#define TICK_MAX_MS     60000
#define RETAIN_SWEEP_MS 60000

static void min_at(uint64_t *next, uint64_t when) {
  if (when < *next) *next = when;
}

static void check_clients(mqs_broker *b, uint64_t *next) {
  for (mqs_client *c = b->clients; c; c = c->next) {
    if (c->state == C_AWAIT_CONNECT || c->state == C_AUTHENTICATING) {
      uint64_t due = c->accepted_at + b->cfg.connect_timeout_ms;
      if (b->now >= due) {
        blog(b, MQS_LOG_INFO, "%s: no CONNECT in time", c->peer);
        client_fail(c, 0x87, "connection not completed in time");
        if (b->cfg.io.wake) b->cfg.io.wake(c, c->user);
      } else {
        min_at(next, due);
      }
    } else if (c->state == C_CONNECTED && c->keep_alive) {
      uint64_t due = c->last_rx + (uint64_t)c->keep_alive * 1500;
      if (b->now >= due) {
        client_fail(c, 0x8D, "keep alive timeout"); /* MQTT-3.1.2-22 / 5.0 -24 */
        if (b->cfg.io.wake) b->cfg.io.wake(c, c->user);
      } else {
        min_at(next, due);
      }
    }
  }
}

static void check_sessions(mqs_broker *b, uint64_t *next) {
  /* Collect first: ending a session changes the store being walked. */
  mqs_session **ending = NULL;
  size_t n = 0, cap = 0;
  bool more = false;
  size_t bk = 0;
  smap_ent *e = NULL;
  while ((e = smap_next(&b->sessions, &bk, &e))) {
    mqs_session *s = e->val;
    if (s->client) continue;
    if (s->will.msg) {
      if (b->now >= s->will.due)
        will_publish(b, &s->will);
      else
        min_at(next, s->will.due);
    }
    if (s->expire_at == MQS_NO_EXPIRY) continue;
    if (b->now >= s->expire_at) {
      if (n == cap) {
        size_t nc = cap ? cap * 2 : 16;
        mqs_session **ne = realloc(ending, nc * sizeof *ne);
        if (!ne) { /* the rest go next tick */
          more = true;
          break;
        }
        ending = ne;
        cap = nc;
      }
      ending[n++] = s;
    } else {
      min_at(next, s->expire_at);
    }
  }
  for (size_t i = 0; i < n; i++) {
    blog(b, MQS_LOG_INFO, "session %s expired", ending[i]->id);
    b->st.sessions_expired++;
    session_end(b, ending[i]);
  }
  if (more) min_at(next, b->now + 1);
  free(ending);
}

uint64_t mqs_broker_tick(mqs_broker *b, uint64_t now_ms) {
  if (now_ms > b->now) b->now = now_ms;
  uint64_t next = b->now + TICK_MAX_MS;
  check_clients(b, &next);
  check_sessions(b, &next);
  if (b->now >= b->next_retain_sweep) {
    retain_sweep(b);
    b->next_retain_sweep = b->now + RETAIN_SWEEP_MS;
  }
  min_at(&next, b->next_retain_sweep);
  if (b->cfg.sys_interval_s) {
    if (b->now >= b->next_sys) {
      sys_publish(b);
      b->next_sys = b->now + (uint64_t)b->cfg.sys_interval_s * 1000;
    }
    min_at(&next, b->next_sys);
  }
  b->next_deadline = next;
  return next;
}
