/* harness/report_html.c — the HTML report: one or more runs side by side.
 *
 * Everything is rendered from the JSON that report_json.c writes (parsed
 * by json_read.c), so `mqspec run --html` and `mqspec report A.json B.json
 * --html` share one path: the former writes DIR/run.json and renders it.
 * DIR/index.html is one self-contained page: inline CSS, no script, no
 * fetches, so it opens from disk. It holds
 *   - a summary per run (broker, date, counts per verdict, pass rate),
 *   - a statement x broker matrix: one row per (protocol version, statement
 *     id), natural order, each cell the statement's verdict on that broker
 *     (fail > error > pass > n/a over the scenarios that check it), linked
 *     to the scenario that decided it,
 *   - per scenario its facts, its verdict per broker, and per broker the
 *     failure message and the wire transcript (direction, time, decoded
 *     packets, hex); failures and errors are shown open.
 * All text from the JSON is HTML-escaped; ill-formed UTF-8 and control
 * characters (but tab and line breaks; CR is dropped) become U+FFFD. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json_read.h"
#include "mqs/err.h"
#include "report.h"
#include "report_util.h"

/* Pages stay readable: a packet's text and an event's hex are cut here
 * (the run's JSON has every byte). */
#define TEXT_MAX 2000
#define HEX_MAX 1024

/* ---- escaping ------------------------------------------------------------- */

static void html_strn(FILE *f, const char *s, size_t n) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    uint32_t cp = 0;
    size_t k = mqs_utf8_next(p + i, n - i, &cp);
    switch (cp) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    case '\t':
    case '\n': putc((int)cp, f); break;
    case '\r': break; /* CR LF shows as one line break */
    default:
      if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == MQS_UTF8_REPLACEMENT)
        fputs("\xEF\xBF\xBD", f);
      else
        fwrite(p + i, 1, k, f);
    }
    i += k;
  }
}

static void html(FILE *f, const char *s) {
  if (s) html_strn(f, s, strlen(s));
}

static void html_json_str(FILE *f, const mqs_json *v) {
  if (v && v->type == MQS_JSON_STRING) html_strn(f, v->str, v->len);
}

/* ---- reading the run JSON ------------------------------------------------- */

static const char *str(const mqs_json *o, const char *key) {
  return mqs_json_string(mqs_json_get(o, key));
}

static double num(const mqs_json *o, const char *key) {
  return mqs_json_number(mqs_json_get(o, key), 0);
}

static const mqs_json *arr(const mqs_json *o, const char *key) {
  const mqs_json *a = mqs_json_get(o, key);
  return a && a->type == MQS_JSON_ARRAY ? a : NULL;
}

static bool truthy(const mqs_json *o, const char *key) {
  const mqs_json *b = mqs_json_get(o, key);
  return b && b->type == MQS_JSON_BOOL && b->b;
}

/* 0 pass, 1 fail, 2 n/a, 3 error (as mqs_verdict), -1 unknown or absent */
static int verdict_of(const char *v) {
  if (!v) return -1;
  if (strcmp(v, "pass") == 0) return MQS_VERDICT_PASS;
  if (strcmp(v, "fail") == 0) return MQS_VERDICT_FAIL;
  if (strcmp(v, "n/a") == 0) return MQS_VERDICT_NA;
  if (strcmp(v, "error") == 0) return MQS_VERDICT_ERROR;
  return -1;
}

static const char *verdict_class(int v) {
  switch (v) {
  case MQS_VERDICT_PASS: return "pass";
  case MQS_VERDICT_FAIL: return "fail";
  case MQS_VERDICT_NA: return "na";
  case MQS_VERDICT_ERROR: return "error";
  default: return "none";
  }
}

static const char *verdict_text(int v) {
  return v < 0 ? "\xE2\x80\x94" /* em dash: not checked */ : mqs_verdict_name((mqs_verdict)v);
}

/* Severity for combining the verdicts of the scenarios behind a statement. */
static int rank(int v) {
  switch (v) {
  case MQS_VERDICT_FAIL: return 4;
  case MQS_VERDICT_ERROR: return 3;
  case MQS_VERDICT_PASS: return 2;
  case MQS_VERDICT_NA: return 1;
  default: return 0;
  }
}

/* ---- the model: scenarios and statements across runs ---------------------- */

typedef struct {
  const char *id;
  const mqs_json **sc; /* per run, or NULL when that run did not have it */
} scen_row;

typedef struct {
  int version;
  const char *id;
  int *verdict;           /* per run, -1 when not checked */
  bool *all_expected;     /* per run: every failure listed in --expect-fail */
  const char **link;      /* per run: the scenario that decided the cell */
} stmt_row;

typedef struct {
  const mqs_json *const *runs;
  const char *const *labels; /* per run, or NULL: broker_name, else broker */
  size_t n_runs;
  scen_row *sc;
  size_t n_sc;
  stmt_row *st;
  size_t n_st;
} model;

static int stmt_cmp(const void *a, const void *b) {
  const stmt_row *x = a, *y = b;
  if (x->version != y->version) return x->version < y->version ? -1 : 1;
  return mqs_report_natural_cmp(x->id, y->id);
}

static void model_free(model *m) {
  for (size_t i = 0; i < m->n_sc; i++)
    free(m->sc[i].sc);
  for (size_t i = 0; i < m->n_st; i++) {
    free(m->st[i].verdict);
    free(m->st[i].all_expected);
    free(m->st[i].link);
  }
  free(m->sc);
  free(m->st);
}

static int model_build(model *m, const mqs_json *const *runs, const char *const *labels,
                       size_t n_runs) {
  *m = (model){.runs = runs, .labels = labels, .n_runs = n_runs};
  size_t cap_sc = 0, cap_st = 0;
  for (size_t r = 0; r < n_runs; r++) {
    const mqs_json *a = arr(runs[r], "scenarios");
    for (size_t i = 0; a && i < a->n; i++) {
      const mqs_json *s = &a->items[i];
      const char *id = str(s, "id");
      if (!id) continue;
      size_t j = 0;
      while (j < m->n_sc && strcmp(m->sc[j].id, id) != 0)
        j++;
      if (j == m->n_sc) {
        if (m->n_sc == cap_sc) {
          cap_sc = cap_sc ? cap_sc * 2 : 64;
          scen_row *t = realloc(m->sc, cap_sc * sizeof *t);
          if (!t) return MQS_ENOMEM;
          m->sc = t;
        }
        m->sc[j] = (scen_row){.id = id, .sc = calloc(n_runs, sizeof(mqs_json *))};
        if (!m->sc[j].sc) return MQS_ENOMEM;
        m->n_sc++;
      }
      if (!m->sc[j].sc[r]) m->sc[j].sc[r] = s;

      int version = (int)num(s, "version");
      int v = verdict_of(str(s, "verdict"));
      bool expected = truthy(s, "expected_fail");
      const mqs_json *ids = arr(s, "statements");
      for (size_t k = 0; ids && k < ids->n; k++) {
        const char *sid = mqs_json_string(&ids->items[k]);
        if (!sid) continue;
        size_t q = 0;
        while (q < m->n_st && !(m->st[q].version == version && strcmp(m->st[q].id, sid) == 0))
          q++;
        if (q == m->n_st) {
          if (m->n_st == cap_st) {
            cap_st = cap_st ? cap_st * 2 : 128;
            stmt_row *t = realloc(m->st, cap_st * sizeof *t);
            if (!t) return MQS_ENOMEM;
            m->st = t;
          }
          stmt_row *row = &m->st[q];
          *row = (stmt_row){.version = version, .id = sid};
          row->verdict = malloc(n_runs * sizeof *row->verdict);
          row->all_expected = malloc(n_runs * sizeof *row->all_expected);
          row->link = calloc(n_runs, sizeof *row->link);
          m->n_st++;
          if (!row->verdict || !row->all_expected || !row->link) return MQS_ENOMEM;
          for (size_t z = 0; z < n_runs; z++)
            row->verdict[z] = -1, row->all_expected[z] = true;
        }
        stmt_row *row = &m->st[q];
        if (v == MQS_VERDICT_FAIL && !expected) row->all_expected[r] = false;
        if (rank(v) > rank(row->verdict[r])) {
          row->verdict[r] = v;
          row->link[r] = id;
        } else if (!row->link[r]) {
          row->link[r] = id;
        }
      }
    }
  }
  if (m->n_st > 1) qsort(m->st, m->n_st, sizeof *m->st, stmt_cmp);
  return 0;
}

/* ---- rendering ------------------------------------------------------------ */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em;color:#222;"
    "background:#fff;line-height:1.35}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:2px solid #ddd}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
    "th{background:#f2f2f2}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".v{font-weight:600;text-align:center;white-space:nowrap}\n"
    ".v a{color:inherit;text-decoration:none;display:block}\n"
    ".pass{background:#d4f7d4;color:#135e13}.fail{background:#ffd6d6;color:#8a1010}\n"
    ".na{background:#ececec;color:#555}.error{background:#ffe9b3;color:#7a4d00}\n"
    ".none{background:#fafafa;color:#aaa}\n"
    ".xf{font-weight:normal;font-size:.8em}\n"
    "tr.ver th{background:#dde6f3;font-size:1.05em}\n"
    "section.scenario{border:1px solid #ccc;border-radius:4px;padding:.3em 1em;margin:1em 0}\n"
    "section.scenario h3{margin:.3em 0;font-family:monospace;font-size:1.05em}\n"
    ".title{color:#333;margin:.2em 0 .5em}\n"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.3em 0}\n"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0;font-family:monospace}\n"
    "pre.msg{background:#fff4f4;border-left:4px solid #c33;padding:.5em;white-space:pre-wrap;"
    "word-break:break-word}\n"
    "pre.note{background:#f6f6f6;border-left:4px solid #999;padding:.5em;white-space:pre-wrap}\n"
    "table.transcript{font-size:.85em;width:100%;table-layout:fixed}\n"
    "table.transcript th.n{width:2.5em}table.transcript th.d{width:7em}\n"
    "table.transcript th.c{width:6em}table.transcript th.t{width:5.5em}\n"
    "table.transcript th.h{width:30%}\n"
    "table.transcript td{font-family:monospace}\n"
    "td.hex{word-break:break-all;color:#555;max-width:28em}\n"
    "td.pkt{white-space:pre-wrap;word-break:break-word}\n"
    "tr.sent td.dir{color:#0a4fa0}tr.received td.dir{color:#6b2fa0}\n"
    "tr.conn td{color:#777;font-style:italic}\n"
    ".bad{color:#a00;font-weight:600}\n"
    "details{margin:.4em 0}summary{cursor:pointer;font-weight:600}\n"
    "nav a{margin-right:1em}\n";

static const char *label_of(const mqs_json *run) {
  const char *s = str(run, "broker_name");
  if (!s || !*s) s = str(run, "broker");
  return s ? s : "broker";
}

static const char *run_label_m(const model *m, size_t r) {
  if (m->labels && m->labels[r]) return m->labels[r];
  return label_of(m->runs[r]);
}

static void write_summary(FILE *f, const model *m) {
  fputs("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n<tr><th>Broker</th>"
        "<th>Address</th><th>Started (UTC)</th><th>Duration</th><th>Scenarios</th>"
        "<th class=\"pass\">pass</th><th class=\"fail\">fail</th><th class=\"na\">n/a</th>"
        "<th class=\"error\">error</th><th>expected fail</th><th>pass rate</th>"
        "<th>statements</th><th>statements failed</th></tr>\n",
        f);
  for (size_t r = 0; r < m->n_runs; r++) {
    const mqs_json *run = m->runs[r];
    const mqs_json *t = mqs_json_get(run, "totals");
    double pass = num(t, "pass"), fail = num(t, "fail"), na = num(t, "n/a"), err = num(t, "error");
    fputs("<tr class=\"run\"><td>", f);
    html(f, run_label_m(m, r));
    fputs("</td><td>", f);
    html(f, str(run, "broker"));
    fputs("</td><td>", f);
    html(f, str(run, "started"));
    fprintf(f, "</td><td class=\"num\">%.1f s</td><td class=\"num\">%.0f</td>",
            num(run, "duration_us") / 1e6, num(t, "scenarios"));
    fprintf(f,
            "<td class=\"num pass\">%.0f</td><td class=\"num fail\">%.0f</td>"
            "<td class=\"num na\">%.0f</td><td class=\"num error\">%.0f</td>"
            "<td class=\"num\">%.0f</td>",
            pass, fail, na, err, num(t, "expected_fail"));
    if (pass + fail + err > 0)
      fprintf(f, "<td class=\"num\">%.1f%%</td>", 100.0 * pass / (pass + fail + err));
    else
      fputs("<td class=\"num\">\xE2\x80\x94</td>", f);
    size_t checked = 0, failed = 0;
    for (size_t i = 0; i < m->n_st; i++) {
      if (m->st[i].verdict[r] >= 0) checked++;
      if (m->st[i].verdict[r] == MQS_VERDICT_FAIL) failed++;
    }
    fprintf(f, "<td class=\"num\">%zu</td><td class=\"num\">%zu</td></tr>\n", checked, failed);
  }
  fputs("</table>\n<p>Pass rate: pass / (pass + fail + error); n/a scenarios are left out. "
        "A statement fails on a broker when any scenario that checks it fails there.</p>\n",
        f);
}

static void write_matrix(FILE *f, const model *m) {
  fputs("<h2 id=\"matrix\">Statements \xC3\x97 brokers</h2>\n<table class=\"matrix\">\n", f);
  int version = -1;
  for (size_t i = 0; i < m->n_st; i++) {
    const stmt_row *row = &m->st[i];
    if (row->version != version) {
      version = row->version;
      fprintf(f, "<tr class=\"ver\"><th>MQTT %s</th>", version == 5 ? "5.0" : "3.1.1");
      for (size_t r = 0; r < m->n_runs; r++) {
        fputs("<th>", f);
        html(f, run_label_m(m, r));
        fputs("</th>", f);
      }
      fputs("</tr>\n", f);
    }
    fputs("<tr><td class=\"stmt\">", f);
    html(f, row->id);
    fputs("</td>", f);
    for (size_t r = 0; r < m->n_runs; r++) {
      int v = row->verdict[r];
      fprintf(f, "<td class=\"v %s\">", verdict_class(v));
      if (row->link[r]) {
        fputs("<a href=\"#s-", f);
        html(f, row->link[r]);
        fputs("\" title=\"", f);
        html(f, row->link[r]);
        fputs("\">", f);
      }
      fputs(verdict_text(v), f);
      if (v == MQS_VERDICT_FAIL && row->all_expected[r])
        fputs(" <span class=\"xf\">(expected)</span>", f);
      if (row->link[r]) fputs("</a>", f);
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* ---- packets as one line of text ------------------------------------------ */

static void compact(FILE *f, const mqs_json *v);

static void compact_str(FILE *f, const mqs_json *v) {
  putc('"', f);
  for (size_t i = 0; i < v->len; i++) {
    unsigned char c = (unsigned char)v->str[i];
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20 || c == 0x7F) fprintf(f, "\\x%02x", c);
    else putc(c, f);
  }
  putc('"', f);
}

static void compact(FILE *f, const mqs_json *v) {
  switch (v->type) {
  case MQS_JSON_NULL: fputs("null", f); break;
  case MQS_JSON_BOOL: fputs(v->b ? "true" : "false", f); break;
  case MQS_JSON_NUMBER:
    if (v->num == (double)(long long)v->num) fprintf(f, "%lld", (long long)v->num);
    else fprintf(f, "%g", v->num);
    break;
  case MQS_JSON_STRING: compact_str(f, v); break;
  case MQS_JSON_ARRAY:
    putc('[', f);
    for (size_t i = 0; i < v->n; i++) {
      if (i) fputs(", ", f);
      compact(f, &v->items[i]);
    }
    putc(']', f);
    break;
  case MQS_JSON_OBJECT:
    putc('{', f);
    for (size_t i = 0; i < v->n; i++) {
      if (i) putc(' ', f);
      fprintf(f, "%s=", v->keys[i]);
      compact(f, &v->items[i]);
    }
    putc('}', f);
    break;
  }
}

/* "PUBLISH topic=\"a\" qos=1 ...": the type, then the fields that say something. */
static void packet_text(FILE *f, const mqs_json *p) {
  const char *type = str(p, "type");
  fputs(type ? type : "?", f);
  for (size_t i = 0; p->type == MQS_JSON_OBJECT && i < p->n; i++) {
    const char *k = p->keys[i];
    const mqs_json *v = &p->items[i];
    if (strcmp(k, "type") == 0 || strcmp(k, "remaining") == 0) continue;
    if (strcmp(k, "flags") == 0 && v->type == MQS_JSON_NUMBER && v->num == 0) continue;
    if (v->type == MQS_JSON_NULL) continue;
    if (v->type == MQS_JSON_ARRAY && v->n == 0) continue;
    fprintf(f, " %s=", k);
    compact(f, v);
  }
}

/* The text of one packet entry, written escaped. */
static void write_packet(FILE *f, const mqs_json *pk) {
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  if (!m) return;
  const char *status = str(pk, "status");
  const mqs_json *packet = mqs_json_get(pk, "packet");
  const mqs_json *why = mqs_json_get(pk, "violation");
  bool decoded = status && strcmp(status, "decoded") == 0;
  if (!decoded) fprintf(m, "%s", status ? status : "?");
  if (!decoded && str(pk, "error")) fprintf(m, " (%s)", str(pk, "error"));
  if (!decoded) fputs(": ", m);
  if (packet && packet->type == MQS_JSON_OBJECT) packet_text(m, packet);
  else if (why) compact(m, why);
  fprintf(m, "  [%.0f bytes]", num(pk, "len"));
  fclose(m);
  fprintf(f, "<div class=\"%s\">", decoded ? "ok" : "bad");
  if (text && len > TEXT_MAX) {
    html_strn(f, text, mqs_utf8_prefix(text, len, TEXT_MAX));
    fprintf(f, " \xE2\x80\xA6 (%zu characters cut)", len - mqs_utf8_prefix(text, len, TEXT_MAX));
  } else if (text) {
    html_strn(f, text, len);
  }
  fputs("</div>", f);
  free(text);
}

static void write_hex(FILE *f, const char *hex) {
  size_t n = strlen(hex);
  for (size_t i = 0; i + 1 < n && i < 2 * HEX_MAX; i += 2) {
    if (i) putc(' ', f);
    html_strn(f, hex + i, 2);
  }
  if (n > 2 * HEX_MAX) fprintf(f, " \xE2\x80\xA6 (%zu bytes in all)", n / 2);
}

static void write_transcript(FILE *f, const mqs_json *sc) {
  const mqs_json *t = mqs_json_get(sc, "transcript");
  const mqs_json *ev = arr(t, "events");
  if (!ev || ev->n == 0) {
    fputs("<p>No bytes were exchanged.</p>\n", f);
    return;
  }
  fputs("<table class=\"transcript\">\n<tr><th class=\"n\">#</th><th class=\"d\">direction</th>"
        "<th class=\"c\">client</th><th class=\"t\">t (ms)</th><th class=\"p\">packets</th>"
        "<th class=\"h\">hex</th></tr>\n",
        f);
  for (size_t i = 0; i < ev->n; i++) {
    const mqs_json *e = &ev->items[i];
    const char *kind = str(e, "kind");
    if (!kind) kind = "?";
    bool sent = strcmp(kind, "sent") == 0, received = strcmp(kind, "received") == 0;
    fprintf(f, "<tr class=\"%s\"><td class=\"num\">%.0f</td><td class=\"dir\">",
            sent ? "sent" : received ? "received" : "conn", num(e, "index"));
    if (sent) fputs("\xE2\x86\x92 sent", f);
    else if (received) fputs("\xE2\x86\x90 received", f);
    else html(f, kind);
    fputs("</td><td>", f);
    html(f, str(e, "client"));
    fprintf(f, " #%.0f</td><td class=\"num\">%.3f</td><td class=\"pkt\">", num(e, "conn"),
            num(e, "t_us") / 1000.0);
    const mqs_json *pk = arr(e, "packets");
    for (size_t k = 0; pk && k < pk->n; k++)
      write_packet(f, &pk->items[k]);
    fputs("</td><td class=\"hex\">", f);
    const char *hex = str(e, "hex");
    if (hex) write_hex(f, hex);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

static void write_str_list(FILE *f, const mqs_json *a) {
  for (size_t i = 0; a && i < a->n; i++) {
    if (i) fputs(", ", f);
    html_json_str(f, &a->items[i]);
  }
}

static void write_scenario(FILE *f, const model *m, const scen_row *row) {
  const mqs_json *any = NULL;
  for (size_t r = 0; r < m->n_runs && !any; r++)
    any = row->sc[r];
  fputs("<section class=\"scenario\" id=\"s-", f);
  html(f, row->id);
  fputs("\">\n<h3>", f);
  html(f, row->id);
  fputs("</h3>\n<div class=\"title\">", f);
  html(f, str(any, "title"));
  fputs("</div>\n<dl class=\"facts\"><dt>file</dt><dd>", f);
  html(f, str(any, "file"));
  fprintf(f, "</dd><dt>version</dt><dd>%s</dd><dt>level</dt><dd>",
          num(any, "version") == 5 ? "5.0" : "3.1.1");
  html(f, str(any, "level"));
  fputs("</dd><dt>statements</dt><dd>", f);
  write_str_list(f, arr(any, "statements"));
  fputs("</dd><dt>tags</dt><dd>", f);
  write_str_list(f, arr(any, "tags"));
  fputs("</dd></dl>\n<table class=\"verdicts\"><tr>", f);
  for (size_t r = 0; r < m->n_runs; r++) {
    fputs("<th>", f);
    html(f, run_label_m(m, r));
    fputs("</th>", f);
  }
  fputs("</tr><tr>", f);
  for (size_t r = 0; r < m->n_runs; r++) {
    int v = row->sc[r] ? verdict_of(str(row->sc[r], "verdict")) : -1;
    fprintf(f, "<td class=\"v %s\">%s%s</td>", verdict_class(v), verdict_text(v),
            row->sc[r] && truthy(row->sc[r], "expected_fail") && v == MQS_VERDICT_FAIL
                ? " <span class=\"xf\">(expected)</span>"
                : "");
  }
  fputs("</tr></table>\n", f);

  for (size_t r = 0; r < m->n_runs; r++) {
    const mqs_json *sc = row->sc[r];
    if (!sc) continue;
    int v = verdict_of(str(sc, "verdict"));
    bool open = v == MQS_VERDICT_FAIL || v == MQS_VERDICT_ERROR;
    fprintf(f, "<details class=\"run\"%s><summary>", open ? " open" : "");
    html(f, run_label_m(m, r));
    fprintf(f, ": <span class=\"%s\">%s</span> in %.1f ms</summary>\n", verdict_class(v),
            verdict_text(v), num(sc, "duration_us") / 1000.0);
    const char *msg = str(sc, "message");
    if (msg) {
      fputs("<p>Failed at ", f);
      const char *line = str(sc, "failed_line");
      html(f, line ? line : "?");
      fprintf(f, " (step %.0f):</p>\n<pre class=\"msg\">", num(sc, "failed_step") + 1);
      html_json_str(f, mqs_json_get(sc, "message"));
      fputs("</pre>\n", f);
    }
    if (str(sc, "na_reason")) {
      fputs("<pre class=\"note\">not applicable: ", f);
      html_json_str(f, mqs_json_get(sc, "na_reason"));
      fputs("</pre>\n", f);
    }
    if (truthy(sc, "expected_fail") && str(sc, "expect_reason")) {
      fputs("<pre class=\"note\">expected to fail: ", f);
      html_json_str(f, mqs_json_get(sc, "expect_reason"));
      fputs("</pre>\n", f);
    }
    write_transcript(f, sc);
    fputs("</details>\n", f);
  }
  fputs("</section>\n", f);
}

int mqs_report_html(const struct mqs_json *const *runs, const char *const *labels, size_t n_runs,
                    const char *dir) {
  if (!runs || n_runs == 0 || !dir) return MQS_EINVAL;
  model m;
  int rc = model_build(&m, runs, labels, n_runs);
  if (rc < 0) {
    model_free(&m);
    return rc;
  }
  size_t plen = strlen(dir) + sizeof "/index.html";
  char *path = malloc(plen);
  if (!path) {
    model_free(&m);
    return MQS_ENOMEM;
  }
  snprintf(path, plen, "%s/index.html", dir);
  FILE *f = mqs_report_create(path);
  free(path);
  if (!f) {
    model_free(&m);
    return MQS_EIO;
  }
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>mqspec: ",
        f);
  for (size_t r = 0; r < n_runs; r++) {
    if (r) fputs(", ", f);
    html(f, run_label_m(&m, r));
  }
  fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>mqspec conformance report</h1>\n",
          css);
  fputs("<nav><a href=\"#summary\">Summary</a><a href=\"#matrix\">Statements</a>"
        "<a href=\"#scenarios\">Scenarios</a></nav>\n",
        f);
  write_summary(f, &m);
  write_matrix(f, &m);
  fprintf(f, "<h2 id=\"scenarios\">Scenarios (%zu)</h2>\n", m.n_sc);
  for (size_t i = 0; i < m.n_sc; i++)
    write_scenario(f, &m, &m.sc[i]);
  fputs("</body>\n</html>\n", f);
  model_free(&m);
  return mqs_report_close(f, 0);
}

int mqs_report_html_run(const mqs_run_result *run, const char *dir) {
  size_t plen = strlen(dir) + sizeof "/run.json";
  char *path = malloc(plen);
  if (!path) return MQS_ENOMEM;
  snprintf(path, plen, "%s/run.json", dir);
  int rc = mqs_report_json(run, path);
  if (rc == 0) {
    mqs_json *doc = mqs_json_parse_file(path, NULL, 0);
    if (!doc) rc = MQS_EIO;
    else {
      const mqs_json *runs[1] = {doc};
      rc = mqs_report_html(runs, NULL, 1, dir);
      mqs_json_free(doc);
    }
  }
  free(path);
  return rc;
}
