/* harness/report_json.c — the whole run as one JSON document: run info,
 * totals, a verdict per normative statement, and per scenario every result
 * field and every byte of its transcript, with the packets decoded.
 *
 * Layout (one object):
 *   {"format":1, "broker", "broker_name", "started" (ISO 8601 UTC),
 *    "started_unix_ms", "duration_us",
 *    "totals": {"scenarios", "pass", "fail", "n/a", "error", "expected_fail"},
 *    "statements": [{"id", "verdict", "expected", "scenarios": [id...]}],
 *    "scenarios": [{...result fields..., "transcript": {"version", "events": [
 *        {"index", "kind", "conn", "client", "t_us", "len", "hex",
 *         "packets": [{"offset", "len", "first_event", "version", "status",
 *                      "error", "packet" | "violation"}]}]}}]}
 * A packet is listed with the event that completes it; "first_event"
 * says where it began when a read split it, "offset" where it starts in
 * the stream of its connection and direction. "status" is "decoded"
 * ("packet" from mqs_print_json), "rejected" ("violation" from
 * mqs_print_violation_json; its offset counts from the packet's first
 * byte), "unframed" (bytes after a broken Remaining Length) or
 * "incomplete" (the stream ended inside it: listed with the close or
 * reset event, or with the stream's last event). */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "mqs/print.h"
#include "report.h"
#include "report_util.h"
#include "wire_decode.h"

/* ---- statements --------------------------------------------------------- */

typedef struct {
  const char *id;
  unsigned n[4]; /* per mqs_verdict */
  bool unexpected_fail;
} statement;

static int by_id(const void *a, const void *b) {
  return mqs_report_natural_cmp(((const statement *)a)->id, ((const statement *)b)->id);
}

/* The statements the run checked, sorted, each with counts of verdicts. */
static statement *collect_statements(const mqs_run_result *run, size_t *count) {
  size_t cap = 0, n = 0;
  for (size_t i = 0; i < run->n; i++)
    cap += run->results[i].n_statements;
  statement *st = calloc(cap ? cap : 1, sizeof *st);
  if (!st) return NULL;
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    for (size_t k = 0; k < r->n_statements; k++) {
      if (!r->statements[k]) continue;
      size_t j = 0;
      /* O(statements^2): a run checks a few hundred, this runs once. */
      while (j < n && strcmp(st[j].id, r->statements[k]) != 0)
        j++;
      if (j == n) st[n++].id = r->statements[k];
      if ((unsigned)r->verdict < 4) st[j].n[r->verdict]++;
      if (r->verdict == MQS_VERDICT_FAIL && !r->expected_fail) st[j].unexpected_fail = true;
    }
  }
  qsort(st, n, sizeof *st, by_id);
  *count = n;
  return st;
}

/* A statement fails if any scenario checking it fails; else it is in error
 * if any errored (it could not be judged everywhere); else it passes if any
 * passed (the rest were not applicable); else it is n/a. */
static mqs_verdict statement_verdict(const statement *s) {
  if (s->n[MQS_VERDICT_FAIL]) return MQS_VERDICT_FAIL;
  if (s->n[MQS_VERDICT_ERROR]) return MQS_VERDICT_ERROR;
  if (s->n[MQS_VERDICT_PASS]) return MQS_VERDICT_PASS;
  return MQS_VERDICT_NA;
}

static void write_statements(FILE *f, const mqs_run_result *run, const statement *st, size_t n) {
  fputs(",\n\"statements\":[", f);
  for (size_t j = 0; j < n; j++) {
    fputs(j ? ",\n {\"id\":" : "\n {\"id\":", f);
    mqs_json_str(f, st[j].id);
    mqs_verdict v = statement_verdict(&st[j]);
    fputs(",\"verdict\":", f);
    mqs_json_str(f, mqs_verdict_name(v));
    /* true when every failure is listed in --expect-fail */
    fprintf(f, ",\"expected\":%s,\"scenarios\":[",
            v == MQS_VERDICT_FAIL && !st[j].unexpected_fail ? "true" : "false");
    bool first = true;
    for (size_t i = 0; i < run->n; i++) {
      const mqs_scenario_result *r = &run->results[i];
      for (size_t k = 0; k < r->n_statements; k++)
        if (r->statements[k] && strcmp(r->statements[k], st[j].id) == 0) {
          if (!first) putc(',', f);
          first = false;
          mqs_json_str(f, r->id);
          break;
        }
    }
    fputs("]}", f);
  }
  fputs("]", f);
}

/* ---- packets -------------------------------------------------------------- */

/* One decoded packet, rendered, waiting for its event to be written. */
typedef struct {
  size_t event, seq;
  char *json;
} rendered;

typedef struct {
  rendered *v;
  size_t n, cap;
  int err;
} rendered_list;

/* The packet (decoded) or the violation (rejected) as JSON, in a fresh
 * string of the size the snprintf-like printer says it needs; NULL when
 * there is neither, or no memory. */
static char *body_json(const mqs_wire_packet *p) {
  if (!p->packet && !p->why) return NULL;
  size_t need = p->packet ? mqs_print_json(p->packet, p->version, NULL, 0)
                          : mqs_print_violation_json(p->why, NULL, 0);
  char *s = malloc(need + 1);
  if (!s) return NULL;
  if (p->packet)
    mqs_print_json(p->packet, p->version, s, need + 1);
  else
    mqs_print_violation_json(p->why, s, need + 1);
  return s;
}

static const char *status_name(const mqs_wire_packet *p) {
  if (p->status == 0) return "decoded";
  if (p->status == MQS_INCOMPLETE) return "incomplete"; /* the stream ended inside the packet */
  return p->unframed ? "unframed" : "rejected";
}

static int render_packet(const mqs_wire_packet *p, void *ctx) {
  rendered_list *l = ctx;
  char *body = body_json(p);
  if ((p->packet || p->why) && !body) return l->err = MQS_ENOMEM;
  char *json = NULL;
  size_t json_len = 0;
  FILE *f = open_memstream(&json, &json_len);
  if (!f) {
    free(body);
    return l->err = MQS_ENOMEM;
  }
  fprintf(f, "{\"offset\":%llu,\"len\":%zu,\"first_event\":%zu,\"version\":%d,\"status\":",
          (unsigned long long)p->offset, p->len, p->first_event, (int)p->version);
  mqs_json_str(f, status_name(p));
  if (p->status != 0) {
    fputs(",\"error\":", f);
    mqs_json_str(f, mqs_errname(p->status));
  }
  if (body) fprintf(f, ",\"%s\":%s", p->packet ? "packet" : "violation", body);
  putc('}', f);
  free(body);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0 || bad) {
    free(json);
    return l->err = MQS_ENOMEM;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    rendered *v = realloc(l->v, cap * sizeof *v);
    if (!v) {
      free(json);
      return l->err = MQS_ENOMEM;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n] = (rendered){.event = p->last_event, .seq = l->n, .json = json};
  l->n++;
  return 0;
}

static int by_event(const void *a, const void *b) {
  const rendered *x = a, *y = b;
  if (x->event != y->event) return x->event < y->event ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void free_rendered(rendered_list *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].json);
  free(l->v);
}

/* ---- scenarios ------------------------------------------------------------ */

static void write_events(FILE *f, const mqs_transcript *t, const rendered_list *l) {
  fprintf(f, ",\"transcript\":{\"version\":%d,\"events\":[", t->version);
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++) {
    const mqs_wire_event *e = &t->ev[i];
    fprintf(f, "%s\n  {\"index\":%zu,\"kind\":", i ? "," : "", i);
    mqs_json_str(f, mqs_report_kind_name(e->kind));
    fprintf(f, ",\"conn\":%lu,\"client\":", (unsigned long)e->conn);
    mqs_json_str(f, e->client);
    fprintf(f, ",\"t_us\":%llu", (unsigned long long)e->t_us);
    if (e->kind == MQS_WIRE_SENT || e->kind == MQS_WIRE_RECEIVED) {
      fprintf(f, ",\"len\":%zu,\"hex\":", e->len);
      mqs_json_hex(f, e->data, e->data ? e->len : 0);
    }
    /* Close and reset events carry what a stream left unfinished. */
    bool any = k < l->n && l->v[k].event == i;
    if (any || e->kind == MQS_WIRE_SENT || e->kind == MQS_WIRE_RECEIVED) {
      fputs(",\"packets\":[", f);
      for (bool first = true; k < l->n && l->v[k].event == i; k++, first = false) {
        fputs(first ? "\n   " : ",\n   ", f);
        fputs(l->v[k].json, f);
      }
      putc(']', f);
    }
    putc('}', f);
  }
  fputs("]}", f);
}

static void write_str_array(FILE *f, const char *key, const char *const *v, size_t n) {
  fprintf(f, ",\"%s\":[", key);
  for (size_t i = 0; i < n; i++) {
    if (i) putc(',', f);
    mqs_json_str(f, v[i]);
  }
  putc(']', f);
}

static int write_scenario(FILE *f, const mqs_scenario_result *r) {
  rendered_list l = {0};
  int rc = mqs_wire_decode(&r->transcript, render_packet, &l);
  if (rc == 0) rc = l.err;
  if (rc < 0) {
    free_rendered(&l);
    return rc;
  }
  if (l.n > 1) /* qsort(NULL, 0) is undefined */
    qsort(l.v, l.n, sizeof *l.v, by_event);

  fputs("{\"id\":", f);
  mqs_json_str(f, r->id);
  fputs(",\"title\":", f);
  mqs_json_str(f, r->title);
  fputs(",\"file\":", f);
  mqs_json_str(f, r->file);
  fprintf(f, ",\"version\":%d,\"level\":", r->version);
  mqs_json_str(f, mqs_level_name(r->level));
  write_str_array(f, "statements", r->statements, r->n_statements);
  write_str_array(f, "tags", r->tags, r->n_tags);
  fputs(",\"verdict\":", f);
  mqs_json_str(f, mqs_verdict_name(r->verdict));
  fprintf(f, ",\"expected_fail\":%s,\"expect_reason\":", r->expected_fail ? "true" : "false");
  mqs_json_str(f, r->expect_reason);
  fprintf(f, ",\"failed_step\":%d,\"failed_line\":", r->failed_step);
  mqs_json_str(f, r->failed_line);
  fputs(",\"message\":", f);
  mqs_json_str(f, r->message);
  fputs(",\"na_reason\":", f);
  mqs_json_str(f, r->na_reason);
  fprintf(f, ",\"started_us\":%llu,\"duration_us\":%llu", (unsigned long long)r->started_us,
          (unsigned long long)r->duration_us);
  write_events(f, &r->transcript, &l);
  putc('}', f);
  free_rendered(&l);
  return 0;
}

static void write_totals(FILE *f, const mqs_run_result *run) {
  unsigned n[4] = {0}, expected = 0;
  for (size_t i = 0; i < run->n; i++) {
    const mqs_scenario_result *r = &run->results[i];
    if ((unsigned)r->verdict < 4) n[r->verdict]++;
    if (r->expected_fail && (r->verdict == MQS_VERDICT_FAIL || r->verdict == MQS_VERDICT_ERROR))
      expected++;
  }
  fprintf(f, ",\n\"totals\":{\"scenarios\":%zu", run->n);
  for (int v = MQS_VERDICT_PASS; v <= MQS_VERDICT_ERROR; v++) {
    putc(',', f);
    mqs_json_str(f, mqs_verdict_name((mqs_verdict)v));
    fprintf(f, ":%u", n[v]);
  }
  /* of the failures and errors above, those listed in --expect-fail */
  fprintf(f, ",\"expected_fail\":%u}", expected);
}

int mqs_report_json(const mqs_run_result *run, const char *path) {
  size_t n_st = 0;
  statement *st = collect_statements(run, &n_st);
  if (!st) return MQS_ENOMEM;
  FILE *f = mqs_report_create(path);
  if (!f) {
    free(st);
    return MQS_EIO;
  }
  char when[32];
  mqs_report_iso8601(run->started_unix_ms, 1, when, sizeof when);
  fputs("{\"format\":1,\"broker\":", f);
  mqs_json_str(f, run->broker);
  fputs(",\"broker_name\":", f);
  mqs_json_str(f, run->broker_name);
  fputs(",\"started\":", f);
  mqs_json_str(f, when);
  fprintf(f, ",\"started_unix_ms\":%llu,\"duration_us\":%llu",
          (unsigned long long)run->started_unix_ms, (unsigned long long)run->duration_us);
  write_totals(f, run);
  write_statements(f, run, st, n_st);
  free(st);
  fputs(",\n\"scenarios\":[", f);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < run->n; i++) {
    fputs(i ? ",\n" : "\n", f);
    rc = write_scenario(f, &run->results[i]);
  }
  fputs("]}\n", f);
  return mqs_report_close(f, rc);
}
