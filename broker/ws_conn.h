/* broker/ws_conn.h — MQTT over WebSocket for mqspec-broker's network
 * layer: the upgrade handshake, then binary frames in both directions
 * between the socket and the protocol core (MQTT 3.1.1 / 5.0 chapter 6).
 * The core never sees WebSocket: it gets the MQTT byte stream and gives
 * MQTT bytes, which go out as one binary frame per chunk. */
#ifndef MQS_BROKER_WS_CONN_H
#define MQS_BROKER_WS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqs/broker.h"

typedef struct ws_conn ws_conn;

/* max_frame: the largest frame payload accepted (a larger one closes the
 * connection with 1009); the core's maximum packet size plus a little. */
ws_conn *ws_conn_new(uint64_t max_frame);
void ws_conn_free(ws_conn *w);

/* Bytes read from the socket. Returns 0, MQS_ENOMEM, or -1 when the
 * connection is to end once the pending output is sent (a refused
 * handshake, a text frame [MQTT-6.0.0-1], a close frame, a broken frame;
 * the answer is queued). */
int ws_conn_input(ws_conn *w, mqs_client *c, const uint8_t *p, size_t n, uint64_t now_ms);

/* What to write next: the handshake answer, control frames, then the
 * core's output in binary frames. Returns the count (0: nothing now). */
size_t ws_conn_output(ws_conn *w, mqs_client *c, const uint8_t **p);
void ws_conn_output_done(ws_conn *w, size_t n);

/* True when everything is sent and the connection should end. */
bool ws_conn_should_close(const ws_conn *w, const mqs_client *c);
/* Whether to read more now. */
bool ws_conn_wants_input(const ws_conn *w, const mqs_client *c);

#endif
