/* mqs/reason.h — reason codes (5.0) and return codes (3.1.1): names and the
 * packet types that may carry each. */
#ifndef MQS_REASON_H
#define MQS_REASON_H

#include <stdbool.h>
#include <stdint.h>

/* The 5.0 name of code when sent in packet type t ("Granted QoS 1" in a
 * SUBACK, "Normal disconnection" for 0x00 in a DISCONNECT, "Success"
 * elsewhere); for 3.1.1 (version 3 or 4) the CONNACK return code and SUBACK
 * names. NULL when the code is not allowed in that packet. */
const char *mqs_reason_name(uint8_t code, int t, int version);
/* Whether code may appear in packet type t in that version. */
bool mqs_reason_allowed(uint8_t code, int t, int version);
/* A stable identifier for scenarios and JSON: "granted_qos_1", "not_authorized"... */
const char *mqs_reason_key(uint8_t code, int t, int version);
/* Parse such a key back; returns the code or -1. */
int mqs_reason_from_key(const char *key, int t, int version);

#endif
