/* harness/transcript.h — every byte of a scenario run, in both directions,
 * with its time: what the report writers (console, JUnit, JSON, HTML, pcap)
 * and the corpus recorder read. The engine appends; nothing else writes. */
#ifndef MQS_TRANSCRIPT_H
#define MQS_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  MQS_WIRE_OPEN,         /* TCP connection established (conn is new) */
  MQS_WIRE_SENT,         /* bytes the harness wrote (one write) */
  MQS_WIRE_RECEIVED,     /* bytes the broker sent (one read) */
  MQS_WIRE_CLOSED_LOCAL, /* the harness closed: FIN */
  MQS_WIRE_RESET_LOCAL,  /* the harness aborted: RST */
  MQS_WIRE_HALF_CLOSED,  /* the harness shut down its sending side */
  MQS_WIRE_CLOSED_PEER,  /* the broker closed (EOF) */
  MQS_WIRE_RESET_PEER,   /* the broker reset the connection */
} mqs_wire_kind;

typedef struct {
  mqs_wire_kind kind;
  uint32_t conn;      /* connection number within the scenario, from 0; a reopen is a new one */
  const char *client; /* the scenario's name for the client (owned by the scenario) */
  uint64_t t_us;      /* microseconds since the scenario started */
  uint8_t *data;      /* SENT and RECEIVED: the bytes (owned by the transcript) */
  size_t len;
} mqs_wire_event;

typedef struct {
  mqs_wire_event *ev;
  size_t n, cap;
  int version; /* protocol version of the scenario, to decode the bytes */
} mqs_transcript;

/* Append an event; data is copied. Returns 0 or MQS_ENOMEM. */
int mqs_transcript_add(mqs_transcript *t, mqs_wire_kind kind, uint32_t conn, const char *client,
                       uint64_t t_us, const uint8_t *data, size_t len);
void mqs_transcript_free(mqs_transcript *t);

#endif
