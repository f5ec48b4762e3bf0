/* mqs/codec.h — decode and encode MQTT 3.1.1 / 5.0 control packets.
 *
 * The one codec that the harness, the broker, the fuzzers and the report
 * writers share. Decode never allocates and never reads past len; encode
 * validates by default and can write broken packets on purpose. */
#ifndef MQS_CODEC_H
#define MQS_CODEC_H

#include <sys/types.h>

#include "err.h"
#include "packet.h"
#include "props.h"
#include "reason.h"
#include "rules.h"
#include "text.h"

/* Who sent the bytes: decides packets and properties that only one side
 * may send (a CONNACK to a server, a Subscription Identifier from a client). */
typedef enum {
  MQS_FROM_ANY = 0,
  MQS_FROM_CLIENT = 1,
  MQS_FROM_SERVER = 2,
} mqs_direction;

/* Decode flags. */
#define MQS_DEC_CHECK_PAYLOAD_UTF8 0x01 /* reject Payload Format 1 with a non-UTF-8 payload (0x99) */
#define MQS_DEC_CHECK_ALIAS_MAX 0x02    /* reject a Topic Alias above topic_alias_max */

typedef struct {
  mqs_version version;      /* of the connection; a CONNECT decodes by its own level */
  mqs_direction from;
  uint32_t max_packet_size; /* whole packet, in bytes; 0: only the protocol's limit */
  uint16_t topic_alias_max; /* with MQS_DEC_CHECK_ALIAS_MAX */
  unsigned flags;           /* MQS_DEC_* */
} mqs_decode_opts;

/* Decode one control packet from buf. Returns bytes consumed (> 0),
 * MQS_INCOMPLETE when more input is needed, or a negative mqs_err
 * (MQS_EMALFORMED for reason 0x81, MQS_ETOOLARGE for 0x95, MQS_EPROTOCOL
 * for any other reason) with *why saying which rule broke, its reason code,
 * statement id and byte offset. Never allocates: strings and binary fields
 * in *out point into buf. A broken length or a packet too large is
 * reported as soon as the bytes that show it have arrived, before the
 * whole packet has. After a violation in the body, *out holds the fields
 * decoded before the one at fault: out->type always, and for a CONNECT
 * out->connect.level once its byte was read, so a server can choose
 * between a 5.0 CONNACK and a plain close. */
ssize_t mqs_decode(const uint8_t *buf, size_t len, mqs_version v, mqs_packet *out,
                   mqs_violation *why);
ssize_t mqs_decode_ex(const uint8_t *buf, size_t len, const mqs_decode_opts *o,
                      mqs_packet *out, mqs_violation *why);

/* Frame the packet at the start of buf without decoding its body: sets
 * *total to its full length (fixed header included). Returns 0, MQS_INCOMPLETE,
 * or MQS_EMALFORMED for a Remaining Length longer than four bytes (with *why);
 * one longer than needed frames (5.0 decoding refuses it, 3.1.1 does not). */
int mqs_frame(const uint8_t *buf, size_t len, size_t *total, mqs_violation *why);

/* Encode flags. */
#define MQS_ENC_RAW 0x01 /* write exactly the fields given, valid or not */

/* Encode p into buf. Returns bytes written, MQS_ENOSPC when cap is too
 * small (mqs_encode_size tells how much is needed), or, unless MQS_ENC_RAW,
 * MQS_EINVAL when the packet breaks a rule, with *why set as decode would
 * set it (the invalid bytes are then in buf). The fixed header's low nibble
 * is built from the qos, dup and retain fields for PUBLISH and is the
 * required value for other types; with MQS_ENC_RAW it is p->flags exactly,
 * for every type (set it for PUBLISH too). */
ssize_t mqs_encode(const mqs_packet *p, mqs_version v, unsigned flags, uint8_t *buf,
                   size_t cap);
ssize_t mqs_encode_ex(const mqs_packet *p, mqs_version v, unsigned flags, uint8_t *buf,
                      size_t cap, mqs_violation *why);
/* The number of bytes mqs_encode would write (without validating), or
 * MQS_EINVAL for a type outside 1..15 or a body above the protocol's limit. */
ssize_t mqs_encode_size(const mqs_packet *p, mqs_version v, unsigned flags);

/* The fixed header low nibble the specification requires for type t
 * (0x2 for PUBREL, SUBSCRIBE, UNSUBSCRIBE; 0 otherwise; PUBLISH varies). */
uint8_t mqs_required_flags(int t);

#endif
