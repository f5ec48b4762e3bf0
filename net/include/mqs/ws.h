/* net/include/mqs/ws.h — WebSocket (RFC 6455) as MQTT uses it (MQTT 3.1.1
 * and 5.0, chapter 6): the HTTP/1.1 upgrade handshake with the "mqtt"
 * subprotocol, and binary frames carrying the MQTT byte stream. No I/O and
 * no allocation: the caller owns every buffer. Shared by mqspec-broker (the
 * server side) and the scenario engine (the client side).
 *
 * MQTT packets are not aligned with frames (MQTT-6.0.0-2): a receiver
 * appends the payload of every data frame to its MQTT stream and frames
 * MQTT packets from that stream as it would from TCP. */
#ifndef MQS_WS_H
#define MQS_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Frame opcodes (RFC 6455, 5.2). */
enum {
  MQS_WS_CONTINUATION = 0x0,
  MQS_WS_TEXT = 0x1,
  MQS_WS_BINARY = 0x2,
  MQS_WS_CLOSE = 0x8,
  MQS_WS_PING = 0x9,
  MQS_WS_PONG = 0xA,
};

/* A Sec-WebSocket-Key: 16 random bytes in base64, 24 characters. */
#define MQS_WS_KEY_LEN 24
/* The largest request or response head either side accepts. */
#define MQS_WS_HEAD_MAX 8192

/* ---- the handshake ---------------------------------------------------- */

typedef struct {
  char key[MQS_WS_KEY_LEN + 1]; /* Sec-WebSocket-Key */
  bool mqtt_offered;            /* "mqtt" is among the Sec-WebSocket-Protocol values */
  char path[256];               /* the request target */
} mqs_ws_request;

/* Server: parse the client's upgrade request in buf[0..len). Returns the
 * length of the request head (through the blank line) when it is complete
 * and valid, 0 when more bytes are needed, -1 when it is not a WebSocket
 * upgrade this server accepts (then *why says what is wrong). */
ssize_t mqs_ws_parse_request(const uint8_t *buf, size_t len, mqs_ws_request *out,
                             const char **why);

/* Server: the "101 Switching Protocols" answer to req, selecting the "mqtt"
 * subprotocol (MQTT-6.0.0-4). Returns its length, or 0 if cap is too small. */
size_t mqs_ws_build_response(const mqs_ws_request *req, char *out, size_t cap);

/* Server: a "400 Bad Request" answer. Returns its length, or 0. */
size_t mqs_ws_build_refusal(const char *why, char *out, size_t cap);

/* Client: a key from 16 random bytes. */
void mqs_ws_make_key(const uint8_t random16[16], char key[MQS_WS_KEY_LEN + 1]);

/* Client: the upgrade request for host (as "host:port") and path, offering
 * the "mqtt" subprotocol. Returns its length, or 0 if cap is too small. */
size_t mqs_ws_build_request(const char *host, const char *path, const char *key, char *out,
                            size_t cap);

/* Client: check the server's answer in buf[0..len) to a request made with
 * key: status 101, the right Sec-WebSocket-Accept, and "mqtt" selected
 * (MQTT-6.0.0-4). Returns the length of the head when complete and valid,
 * 0 when more bytes are needed, -1 when wrong (then *why says how). */
ssize_t mqs_ws_check_response(const uint8_t *buf, size_t len, const char *key,
                              const char **why);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + RFC 6455 GUID)). */
void mqs_ws_accept_for(const char *key, char out[29]);

/* ---- frames ------------------------------------------------------------- */

typedef struct {
  bool fin;
  uint8_t opcode;
  bool masked;
  uint8_t *payload; /* into the caller's buffer, unmasked in place */
  size_t len;
} mqs_ws_frame;

/* Parse one frame at buf[0..len). Returns the frame's total size when it is
 * complete (its payload is then unmasked in place), 0 when more bytes are
 * needed, -1 when it breaks RFC 6455 (reserved bits, unknown opcode, a
 * fragmented or oversized control frame, a payload above max, or a mask
 * that is missing although must_mask, as frames from a client need) with
 * *why set. */
ssize_t mqs_ws_parse_frame(uint8_t *buf, size_t len, bool must_mask, uint64_t max,
                           mqs_ws_frame *f, const char **why);

/* Write the header of a frame of n payload bytes into out (14 bytes at
 * most) and return its size. With mask (clients must mask), the 4 mask
 * bytes are written and the caller masks the payload with mqs_ws_mask. */
size_t mqs_ws_frame_header(uint8_t out[14], bool fin, uint8_t opcode, uint64_t n,
                           const uint8_t *mask);

/* XOR p[0..n) with the mask, as the payload's bytes from offset `at`. */
void mqs_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t at);

#endif
