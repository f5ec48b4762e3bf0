/* harness/report_wire_text.c — a scenario's transcript as text for the
 * console (`mqspec run --verbose`): one line per packet and per connection
 * event, with its time, the client, the direction and the decoded packet
 * (or the rule its bytes break). The JSON, HTML and pcap reports hold the
 * same with every byte; this is for reading a failure in a terminal. */
#include <stdio.h>

#include "mqs/print.h"
#include "report.h"
#include "wire_decode.h"

typedef struct {
  FILE *f;
  const mqs_transcript *t;
  size_t next; /* the first event whose connection events are not printed yet */
} ctx;

static void stamp(FILE *f, const mqs_wire_event *e) {
  fprintf(f, "      %9.3f ms  %-8s #%u  ", (double)e->t_us / 1000.0, e->client ? e->client : "?",
          e->conn);
}

/* The events without bytes (open, close, reset) before event `upto`. */
static void events_before(ctx *c, size_t upto) {
  static const char *const what[] = {
      [MQS_WIRE_OPEN] = "connection open",      [MQS_WIRE_CLOSED_LOCAL] = "closed by mqspec",
      [MQS_WIRE_RESET_LOCAL] = "reset by mqspec",   [MQS_WIRE_HALF_CLOSED] = "mqspec half-closed",
      [MQS_WIRE_CLOSED_PEER] = "closed by the broker", [MQS_WIRE_RESET_PEER] = "reset by the broker",
  };
  for (; c->next < upto && c->next < c->t->n; c->next++) {
    const mqs_wire_event *e = &c->t->ev[c->next];
    if (e->kind == MQS_WIRE_SENT || e->kind == MQS_WIRE_RECEIVED) continue;
    stamp(c->f, e);
    fprintf(c->f, "-- %s\n", what[e->kind]);
  }
}

static int one_packet(const mqs_wire_packet *p, void *arg) {
  ctx *c = arg;
  events_before(c, p->last_event);
  const mqs_wire_event *e = &c->t->ev[p->last_event];
  char text[512];
  if (p->status == 0)
    mqs_print(p->packet, p->version, text, sizeof text);
  else if (p->why)
    mqs_print_violation(p->why, text, sizeof text);
  else
    snprintf(text, sizeof text, "%zu bytes %s", p->len,
             p->unframed ? "after the stream lost its framing" : "of an incomplete packet");
  stamp(c->f, e);
  fprintf(c->f, "%s %s\n", p->dir == MQS_WIRE_TO_BROKER ? "->" : "<-", text);
  return 0;
}

void mqs_report_console_transcript(FILE *f, const mqs_scenario_result *r) {
  ctx c = {f, &r->transcript, 0};
  if (mqs_wire_decode(&r->transcript, one_packet, &c) != 0) {
    fprintf(f, "      (out of memory decoding the transcript)\n");
    return;
  }
  events_before(&c, r->transcript.n);
}
