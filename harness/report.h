/* harness/report.h — report writers. Each returns 0, or a negative mqs_err
 * (MQS_EIO with errno set when the file cannot be written). */
#ifndef MQS_REPORT_H
#define MQS_REPORT_H

#include <stdio.h>

#include "result.h"

/* One line per scenario as it finishes, and the summary last. colour: ANSI colours. */
void mqs_report_console_line(FILE *f, const mqs_scenario_result *r, bool colour);
void mqs_report_console_summary(FILE *f, const mqs_run_result *run, bool colour);
/* r's transcript, a line per packet or connection event (report_wire_text.c). */
void mqs_report_console_transcript(FILE *f, const mqs_scenario_result *r);

/* JUnit XML that CI systems read: one testcase per scenario, failures with
 * the expected/actual text, skipped for n/a. */
int mqs_report_junit(const mqs_run_result *run, const char *path);

/* JSON with every scenario, verdict, statements, and every byte of every
 * transcript with its timing (hex), plus each packet decoded. */
int mqs_report_json(const mqs_run_result *run, const char *path);

/* One pcap per scenario in dir (created if missing), named by scenario id,
 * framed as TCP over IPv4 with the broker on port 1883, written with
 * libpcap, so that Wireshark's and tshark's MQTT dissector decode it. */
int mqs_report_pcap_dir(const mqs_run_result *run, const char *dir);

/* HTML: DIR/index.html (created with DIR if missing), one page with inline
 * CSS and no script or fetches, so it opens from disk: a summary per run, a
 * statement x broker verdict matrix, and per scenario its verdict on each
 * broker, what failed and the wire transcript. runs are documents as
 * mqs_report_json writes them (parsed with json_read.h), side by side;
 * labels (NULL, or per run NULL) name the columns instead of broker_name
 * or broker. */
struct mqs_json;
int mqs_report_html(const struct mqs_json *const *runs, const char *const *labels, size_t n_runs,
                    const char *dir);
/* The same for one run: writes DIR/run.json and renders the page from it. */
int mqs_report_html_run(const mqs_run_result *run, const char *dir);

#endif
