/* harness/wire_decode.h — the packets in a transcript's byte streams.
 *
 * A transcript holds reads and writes as they happened: one packet may be
 * split over several reads, one read may hold several packets. This joins
 * the bytes of each connection and direction again and decodes every
 * packet once, as soon as it is complete, for the reports that show
 * packets (JSON, HTML). */
#ifndef MQS_WIRE_DECODE_H
#define MQS_WIRE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqs/codec.h"
#include "transcript.h"

typedef enum {
  MQS_WIRE_TO_BROKER = 0, /* SENT bytes */
  MQS_WIRE_TO_CLIENT = 1, /* RECEIVED bytes */
} mqs_wire_dir;

/* One packet of a stream, or what could not be read as one. */
typedef struct {
  uint32_t conn;
  mqs_wire_dir dir;
  size_t first_event; /* index in the transcript of the event with its first byte */
  size_t last_event;  /* ... and with its last byte: the event it is reported with */
  uint64_t offset;    /* of its first byte in the stream of this conn and direction */
  const uint8_t *bytes;
  size_t len;
  mqs_version version; /* it was decoded as (a CONNECT sets its connection's) */
  /* 0: decoded into *packet.
   * MQS_INCOMPLETE: the stream ended (closed, reset, transcript over) inside it.
   * another negative mqs_err: rejected, *why says which rule broke; when
   *   the Remaining Length itself is broken the stream cannot be framed
   *   any more, and len covers the rest of the bytes at hand.
   * unframed: bytes that came after such a framing failure. */
  int status;
  bool unframed;
  const mqs_packet *packet; /* status 0 */
  const mqs_violation *why; /* status < 0 other than MQS_INCOMPLETE */
} mqs_wire_packet;

/* Called once per packet; p and what it points to live only during the call.
 * A nonzero return stops the walk. */
typedef int (*mqs_wire_packet_fn)(const mqs_wire_packet *p, void *ctx);

/* Walk t and call fn for every packet, in the order of the events that
 * complete them; bytes left over when a stream ends are reported with the
 * event that ends it (a close or reset), or, at the end of the transcript,
 * with the stream's last event. Returns 0, MQS_ENOMEM, or fn's nonzero value. */
int mqs_wire_decode(const mqs_transcript *t, mqs_wire_packet_fn fn, void *ctx);

#endif
