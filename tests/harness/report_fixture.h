/* tests/harness/report_fixture.h — a synthetic run for the report writers'
 * tests: every verdict, hostile text, and transcripts whose reads split
 * packets at odd places, with what each report must then show.
 *
 * Transcripts are written as marked hex, one string per read or write:
 * the marks end a packet of that connection's stream in that direction,
 * and say what the reader of the stream must make of it:
 *   '|' a packet that decodes      '!' a packet the codec rejects
 *   '~' bytes after a broken Remaining Length, which cannot be framed
 *   '?' the stream ends inside this packet (listed at the close or reset)
 * so "10 10 00 04 | 20" is the end of one packet and the start of the next.
 * The expectations are derived from the marks, not from the code under test. */
#ifndef MQS_REPORT_FIXTURE_H
#define MQS_REPORT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* One packet the reports must show, as the marks say. */
typedef struct {
  uint32_t conn;
  int dir;         /* 0: harness to broker (SENT), 1: broker to harness (RECEIVED) */
  uint64_t offset; /* in its stream */
  size_t len;
  char mark;          /* '|', '!', '~' or '?' */
  uint8_t type;       /* first byte >> 4 */
  size_t first_event; /* event with its first byte */
  size_t listed_in;   /* event it is reported with */
} fx_packet;

typedef struct {
  fx_packet *v;
  size_t n, cap;
  bool clean;            /* only packets that decode: Wireshark must decode them all */
  const char *junit;     /* the element the testcase holds: "", "failure", "error", "skipped" */
  const char *classname; /* the testcase's classname */
  const char *pcap;      /* the pcap file name */
} fx_expect;

typedef struct {
  mqs_run_result run;
  fx_expect *expect; /* one per scenario */
  /* statement id, verdict the JSON must give, "expected" or "": in sort order, NULL-terminated */
  const char *const *statements;
} fx_run;

/* Build the run. Aborts the process when out of memory. */
void fx_build(fx_run *f);
void fx_free(fx_run *f);

/* How many of a scenario's expected packets carry mark ('|': decoded). */
size_t fx_count_packets(const fx_expect *x, char mark);

/* Write what the reports must show as JSON, for the checking scripts. */
int fx_write_expect(const fx_run *f, const char *path);

/* The message of the failing scenario: "<&>\"", control bytes, ill-formed UTF-8. */
extern const char fx_hostile_message[];

#endif
