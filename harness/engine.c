/* harness/engine.c — scheduling scenarios on one loop, walking their steps
 * (repeat blocks included), and finishing them with a verdict. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_int.h"
#include "match.h"

uint64_t mqs_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t mqs_run_elapsed_us(const mqs_run *r) { return mqs_now_us() - r->t0_us; }

uint32_t mqs_run_step_timeout(const mqs_run *r, const mqs_step *st) {
  if (st->timeout_ms) return st->timeout_ms;
  if (r->sc->step_timeout_ms) return r->sc->step_timeout_ms;
  return r->eng->o->step_timeout_ms;
}

void mqs_run_record(mqs_run *r, mqs_wire_kind k, mqs_client *c, const uint8_t *p, size_t n) {
  /* Out of memory here loses a transcript line, not the verdict. */
  (void)mqs_transcript_add(&r->res->transcript, k, c->conn, c->def->name, mqs_run_elapsed_us(r),
                           p, n);
}

static void start_more(mqs_engine *e);

static void start_timer_cb(mqs_loop *loop, int64_t id, void *arg) {
  (void)loop, (void)id;
  mqs_engine *e = arg;
  e->start_timer = 0;
  start_more(e);
}

static void cancel(mqs_run *r, int64_t *t) {
  if (*t > 0) mqs_loop_timer_cancel(r->eng->loop, *t);
  *t = 0;
}

static char *vformat(const char *fmt, va_list ap) {
  va_list aq;
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, aq);
  va_end(aq);
  if (n < 0) return NULL;
  char *s = malloc((size_t)n + 1);
  if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static void release(mqs_run *r) {
  for (size_t i = 0; r->clients && i < r->sc->n_clients; i++) {
    mqs_client *c = &r->clients[i];
    if (c->fd >= 0) mqs_conn_close(c, MQS_WIRE_CLOSED_LOCAL);
    mqs_conn_free_aliases(c);
    mqs_hexbuf_free(&c->ws_in);
    mqs_hexbuf_free(&c->ws_out);
    free(c->rx);
  }
  free(r->clients);
  r->clients = NULL;
  mqs_vars_free(&r->vars);
  mqs_hexbuf_free(&r->out);
  free(r->matched);
  r->matched = NULL;
  mqs_arena_free(&r->scratch);
}

void mqs_run_finish(mqs_run *r, mqs_verdict v, const char *fmt, ...) {
  if (r->over) return;
  r->over = true;
  mqs_scenario_result *res = r->res;
  cancel(r, &r->step_timer);
  cancel(r, &r->run_timer);
  cancel(r, &r->gap_timer);
  res->verdict = v;
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = vformat(fmt, ap);
    va_end(ap);
    if (v == MQS_VERDICT_NA) res->na_reason = msg;
    else res->message = msg;
  }
  if ((v == MQS_VERDICT_FAIL || v == MQS_VERDICT_ERROR) && r->cur) {
    /* Top-level step number; nested steps are named in the message. */
    res->failed_step = r->depth > 0 ? (int)r->stack[0].i - 1 : -1;
    char line[512];
    snprintf(line, sizeof line, "%s:%d", r->sc->file, r->cur->at->line);
    res->failed_line = strdup(line);
  }
  release(r);
  res->duration_us = mqs_run_elapsed_us(r);
  mqs_engine *e = r->eng;
  e->running--;
  e->done++;
  if (e->o->on_done) e->o->on_done(res, e->o->arg);
  /* Start the next one from the loop, not from deep inside this run's callback. */
  if (e->next < e->n && !e->start_timer) e->start_timer = mqs_loop_timer_add(e->loop, 0, start_timer_cb, e);
  if (e->done == e->n) mqs_loop_stop(e->loop);
}

static void hexdump(char *buf, size_t cap, const uint8_t *p, size_t n) {
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && o + 4 < cap; i++) {
    if (i == 256) {
      snprintf(buf + o, cap - o, " ... (%zu bytes)", n);
      return;
    }
    o += (size_t)snprintf(buf + o, cap - o, "%s%02x", i ? " " : "", p[i]);
  }
}

void mqs_run_fail_step(mqs_run *r, const char *expected, const char *got, const uint8_t *bytes,
                       size_t len, const char *why) {
  char hex[1200] = "";
  if (bytes && len) hexdump(hex, sizeof hex, bytes, len);
  mqs_run_finish(r, MQS_VERDICT_FAIL, "%s (%s:%d): %s\n  expected: %s\n  got:      %s%s%s%s%s",
                 r->where, r->sc->file, r->cur ? r->cur->at->line : 0, why ? why : "mismatch",
                 expected ? expected : "-", got ? got : "-", hex[0] ? "\n  bytes:    " : "", hex,
                 r->got_in_step > 1 ? "\n  (after " : "", r->got_in_step > 1 ? "skipping ignored packets)" : "");
}

/* Name the step for messages: "step 4", or "step 4.2 (iteration 3)". */
static void name_step(mqs_run *r) {
  size_t o = (size_t)snprintf(r->where, sizeof r->where, "step %zu", r->stack[0].i);
  for (int d = 1; d < r->depth && o < sizeof r->where; d++)
    o += (size_t)snprintf(r->where + o, sizeof r->where - o, ".%zu", r->stack[d].i);
  if (r->depth > 1 && o < sizeof r->where)
    snprintf(r->where + o, sizeof r->where - o, " (iteration %u)", r->stack[r->depth - 1].iter);
}

static void set_counter(mqs_run *r, const mqs_step_frame *f) {
  if (f->repeat && f->repeat->var && mqs_vars_set_uint(&r->vars, f->repeat->var, f->iter) < 0)
    mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
}

/* Move to the next step, entering and leaving repeat blocks. */
static bool next_step(mqs_run *r) {
  while (r->depth > 0) {
    mqs_step_frame *f = &r->stack[r->depth - 1];
    if (f->i < f->n) {
      const mqs_step *st = &f->steps[f->i++];
      if (st->kind == MQS_STEP_REPEAT) {
        if (r->depth == MQS_MAX_DEPTH) {
          mqs_run_finish(r, MQS_VERDICT_ERROR, "repeat nested too deep");
          return false;
        }
        mqs_step_frame *in = &r->stack[r->depth++];
        *in = (mqs_step_frame){st->body, st->n_body, 0, 1, st};
        set_counter(r, in);
        continue;
      }
      r->cur = st;
      name_step(r);
      return true;
    }
    if (f->repeat && f->iter < f->repeat->times) {
      f->iter++;
      f->i = 0;
      set_counter(r, f);
      continue;
    }
    r->depth--;
  }
  return false;
}

static void end_step(mqs_run *r) {
  cancel(r, &r->step_timer);
  cancel(r, &r->gap_timer);
  r->cur = NULL;
  r->step_begun = false;
  r->timed_out = false;
  r->gap_over = false;
  r->out.len = 0;
  r->out_off = 0;
  r->piece = 0;
  free(r->matched);
  r->matched = NULL;
  r->before_seen = false;
  r->got_in_step = 0;
  r->last_got[0] = '\0';
  mqs_arena_reset(&r->scratch);
}

void mqs_run_pump(mqs_run *r) {
  while (!r->over) {
    if (!r->cur && !next_step(r)) {
      mqs_run_finish(r, MQS_VERDICT_PASS, NULL);
      return;
    }
    if (r->over) return;
    if (mqs_exec_step(r) != MQS_ST_DONE) return;
    end_step(r);
  }
}

static void run_timer_cb(mqs_loop *loop, int64_t id, void *arg) {
  (void)loop, (void)id;
  mqs_run *r = arg;
  r->run_timer = 0;
  uint32_t ms = r->sc->timeout_ms ? r->sc->timeout_ms : r->eng->o->scenario_timeout_ms;
  mqs_run_finish(r, MQS_VERDICT_FAIL, "%s: the scenario's timeout (%u ms) ran out",
                 r->cur ? r->where : "the scenario", ms);
}

static void start_run(mqs_run *r) {
  mqs_engine *e = r->eng;
  const mqs_engine_opts *o = e->o;
  mqs_scenario *sc = r->sc;
  r->started = true;
  r->t0_us = mqs_now_us();
  e->running++;
  r->res->transcript.version = sc->version;
  unsigned off = sc->needs & o->without;
  if ((sc->needs & MQS_NEED_WEBSOCKET) && !o->ws_port) {
    mqs_run_finish(r, MQS_VERDICT_NA, "needs websocket: no WebSocket listener (--broker-ws)");
    return;
  }
  if (off) {
    char names[128] = "";
    size_t n = 0;
    for (unsigned bit = 1; bit && bit <= off; bit <<= 1)
      if (off & bit)
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "",
                              mqs_need_name(bit));
    mqs_run_finish(r, MQS_VERDICT_NA, "needs %s, declared off with --without", names);
    return;
  }
  char prefix[32];
  snprintf(prefix, sizeof prefix, "mqs%s%04zx", o->run_tag ? o->run_tag : "", r->index & 0xFFFF);
  r->clients = calloc(sc->n_clients, sizeof *r->clients);
  if (!r->clients || mqs_vars_set(&r->vars, "prefix", prefix, strlen(prefix)) < 0) {
    mqs_run_finish(r, MQS_VERDICT_ERROR, "out of memory");
    return;
  }
  for (size_t i = 0; i < sc->n_clients; i++) {
    mqs_client *c = &r->clients[i];
    c->run = r;
    c->def = &sc->clients[i];
    c->idx = (int)i;
    c->fd = -1;
    /* Unique, and within the 23 characters of [0-9a-zA-Z] that every
     * server must accept (MQTT-3.1.3-5): prefix, client index, name. */
    size_t o2 = (size_t)snprintf(c->client_id, 24, "%s%c", prefix, (char)('a' + i % 26));
    for (const char *p = c->def->name; *p && o2 < 23; p++)
      if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
        c->client_id[o2++] = *p;
    c->client_id[o2] = '\0';
  }
  uint32_t ms = sc->timeout_ms ? sc->timeout_ms : o->scenario_timeout_ms;
  r->run_timer = mqs_loop_timer_add(e->loop, ms, run_timer_cb, r);
  r->stack[0] = (mqs_step_frame){sc->steps, sc->n_steps, 0, 0, NULL};
  r->depth = 1;
  mqs_run_pump(r);
}

static void start_more(mqs_engine *e) {
  while (e->next < e->n && e->running < e->o->jobs) start_run(&e->runs[e->next++]);
}

int mqs_engine_run(mqs_scenario *const *scenarios, size_t n, const mqs_engine_opts *o,
                   mqs_scenario_result *results) {
  mqs_engine e;
  memset(&e, 0, sizeof e);
  e.o = o;
  e.n = n;
  for (size_t i = 0; i < n; i++) {
    mqs_scenario_result *res = &results[i];
    const mqs_scenario *sc = scenarios[i];
    res->id = sc->id;
    res->title = sc->title;
    res->file = sc->file;
    res->version = sc->version;
    res->level = sc->level;
    res->statements = sc->statements;
    res->n_statements = sc->n_statements;
    res->tags = sc->tags;
    res->n_tags = sc->n_tags;
    res->failed_step = -1;
    res->verdict = MQS_VERDICT_ERROR;
  }
  if (n == 0) return 0;
  e.loop = mqs_loop_create();
  e.runs = calloc(n, sizeof *e.runs);
  if (!e.loop || !e.runs) {
    int err = errno ? errno : ENOMEM;
    mqs_loop_destroy(e.loop);
    free(e.runs);
    return -err;
  }
  uint64_t t0 = mqs_now_us();
  for (size_t i = 0; i < n; i++)
    e.runs[i] = (mqs_run){.eng = &e, .sc = scenarios[i], .res = &results[i], .index = i};
  start_more(&e);
  int rc = 0;
  while (e.done < e.n && rc == 0) rc = mqs_loop_run(e.loop);
  for (size_t i = 0; i < n; i++) {
    mqs_run *r = &e.runs[i];
    if (r->started && !r->over) mqs_run_finish(r, MQS_VERDICT_ERROR, "the event loop failed");
    r->res->started_us = r->started ? r->t0_us - t0 : 0;
  }
  mqs_loop_destroy(e.loop);
  free(e.runs);
  return rc;
}

void mqs_result_clear(mqs_scenario_result *r) {
  free(r->message);
  free(r->na_reason);
  free((char *)r->failed_line);
  mqs_transcript_free(&r->transcript);
  r->message = r->na_reason = NULL;
  r->failed_line = NULL;
}
