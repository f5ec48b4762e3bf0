/* tests/net/test_ws.c — WebSocket handshake and framing (net/ws.c) against
 * the examples of RFC 6455 and the cases MQTT's chapter 6 cares about:
 * the "mqtt" subprotocol, frames cut anywhere, masks, control frames. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqs/ws.h"

/* RFC 6455 1.3: this key gives this accept value. */
static void accept_value_of_rfc_example(void **state) {
  (void)state;
  char out[29];
  mqs_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
  assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void key_from_random_bytes(void **state) {
  (void)state;
  uint8_t r[16];
  for (int i = 0; i < 16; i++) r[i] = (uint8_t)i;
  char key[MQS_WS_KEY_LEN + 1];
  mqs_ws_make_key(r, key);
  assert_string_equal(key, "AAECAwQFBgcICQoLDA0ODw==");
}

static const char good_request[] = "GET /mqtt HTTP/1.1\r\n"
                                   "Host: 127.0.0.1:8080\r\n"
                                   "upgrade: WebSocket\r\n"
                                   "Connection: keep-alive, Upgrade\r\n"
                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                   "Sec-WebSocket-Protocol: chat, mqtt\r\n"
                                   "Sec-WebSocket-Version: 13\r\n"
                                   "\r\n";

static void request_parsed_and_answered(void **state) {
  (void)state;
  mqs_ws_request req;
  const char *why = NULL;
  size_t n = strlen(good_request);
  /* Every prefix is incomplete, the whole is accepted. */
  for (size_t cut = 0; cut < n; cut++)
    assert_int_equal(mqs_ws_parse_request((const uint8_t *)good_request, cut, &req, &why), 0);
  assert_int_equal(mqs_ws_parse_request((const uint8_t *)good_request, n, &req, &why), (ssize_t)n);
  assert_string_equal(req.key, "dGhlIHNhbXBsZSBub25jZQ==");
  assert_string_equal(req.path, "/mqtt");
  assert_true(req.mqtt_offered);
  char resp[512];
  size_t rl = mqs_ws_build_response(&req, resp, sizeof resp);
  assert_true(rl > 0);
  assert_non_null(strstr(resp, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
  assert_non_null(strstr(resp, "Sec-WebSocket-Protocol: mqtt\r\n"));
  /* ... and the client side accepts that answer for that key. */
  assert_int_equal(mqs_ws_check_response((const uint8_t *)resp, rl, req.key, &why), (ssize_t)rl);
  assert_int_equal(mqs_ws_build_response(&req, resp, 20), 0); /* too small: nothing */
}

static void request_refused(void **state) {
  (void)state;
  static const struct {
    const char *from, *to, *why;
  } cases[] = {
      {"GET /mqtt", "POST /mqtt", "not a GET request"},
      {"HTTP/1.1", "HTTP/1.0", "not HTTP/1.1"},
      {"upgrade: WebSocket", "upgrade: h2c", "not a WebSocket upgrade (Upgrade, Connection)"},
      {"Version: 13", "Version: 8", "Sec-WebSocket-Version is not 13"},
      {"chat, mqtt", "chat, mqttv3.1", "the client does not offer the \"mqtt\" subprotocol"},
      {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: short", "no valid Sec-WebSocket-Key"},
      /* 24 bytes, but not base64 of 16 (found by fuzz_ws: a NUL inside it). */
      {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: dGhlIHNhbXBsZSBub2!jZQ==", "no valid Sec-WebSocket-Key"},
      {"Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: dGhlIHNhbXBsZSBub25jZQAA", "no valid Sec-WebSocket-Key"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[1024];
    const char *at = strstr(good_request, cases[i].from);
    assert_non_null(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - good_request), good_request, cases[i].to,
             at + strlen(cases[i].from));
    mqs_ws_request req;
    const char *why = NULL;
    assert_int_equal(mqs_ws_parse_request((const uint8_t *)buf, strlen(buf), &req, &why), -1);
    assert_string_equal(why, cases[i].why);
  }
  char refusal[256];
  assert_true(mqs_ws_build_refusal("no", refusal, sizeof refusal) > 0);
  assert_memory_equal(refusal, "HTTP/1.1 400 ", 13);
}

static void response_checked(void **state) {
  (void)state;
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==", *why = NULL;
  const char *no_mqtt = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  assert_int_equal(mqs_ws_check_response((const uint8_t *)no_mqtt, strlen(no_mqtt), key, &why), -1);
  assert_non_null(strstr(why, "MQTT-6.0.0-4"));
  const char *bad_accept = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
                           "Sec-WebSocket-Protocol: mqtt\r\n\r\n";
  assert_int_equal(mqs_ws_check_response((const uint8_t *)bad_accept, strlen(bad_accept), key, &why),
                   -1);
  assert_string_equal(why, "Sec-WebSocket-Accept is missing or wrong");
  const char *refused = "HTTP/1.1 400 Bad Request\r\n\r\n";
  assert_int_equal(mqs_ws_check_response((const uint8_t *)refused, strlen(refused), key, &why), -1);
  char big[MQS_WS_HEAD_MAX + 10];
  memset(big, 'x', sizeof big);
  assert_int_equal(mqs_ws_check_response((const uint8_t *)big, sizeof big, key, &why), -1);
}

/* RFC 6455 5.7: a masked "Hello" text frame from a client. */
static void masked_frame_of_rfc_example(void **state) {
  (void)state;
  uint8_t f[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
  mqs_ws_frame fr;
  const char *why = NULL;
  for (size_t cut = 0; cut < sizeof f; cut++) {
    uint8_t copy[sizeof f];
    memcpy(copy, f, sizeof f);
    assert_int_equal(mqs_ws_parse_frame(copy, cut, true, 1000, &fr, &why), 0);
  }
  assert_int_equal(mqs_ws_parse_frame(f, sizeof f, true, 1000, &fr, &why), (ssize_t)sizeof f);
  assert_true(fr.fin);
  assert_int_equal(fr.opcode, MQS_WS_TEXT);
  assert_int_equal(fr.len, 5);
  assert_memory_equal(fr.payload, "Hello", 5);
  /* The same header is what mqs_ws_frame_header writes. */
  uint8_t h[14];
  const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  assert_int_equal(mqs_ws_frame_header(h, true, MQS_WS_TEXT, 5, mask), 6);
  static const uint8_t want[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d};
  assert_memory_equal(h, want, sizeof want);
}

/* 16- and 64-bit lengths round-trip through header and parser, masked. */
static void lengths_round_trip(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 125, 126, 65535, 65536, 70000};
  const uint8_t mask[4] = {1, 2, 3, 4};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    uint8_t *buf = malloc(14 + n);
    assert_non_null(buf);
    size_t h = mqs_ws_frame_header(buf, true, MQS_WS_BINARY, n, mask);
    assert_int_equal(h, (n < 126 ? 2 : n <= 65535 ? 4 : 10) + 4);
    for (size_t k = 0; k < n; k++) buf[h + k] = (uint8_t)k;
    mqs_ws_mask(buf + h, n, mask, 0);
    mqs_ws_frame fr;
    const char *why = NULL;
    assert_int_equal(mqs_ws_parse_frame(buf, h + n, true, 1 << 20, &fr, &why), (ssize_t)(h + n));
    assert_int_equal(fr.len, n);
    for (size_t k = 0; k < n; k++) assert_int_equal(fr.payload[k], (uint8_t)k);
    if (n > 10) assert_int_equal(mqs_ws_parse_frame(buf, h + n, true, 10, &fr, &why), -1);
    free(buf);
  }
}

static void bad_frames(void **state) {
  (void)state;
  static const struct {
    uint8_t b[4];
    bool must_mask;
    const char *why;
  } cases[] = {
      {{0xC2, 0x00}, false, "reserved bits RSV1-3 set (no extension was negotiated)"},
      {{0x83, 0x00}, false, "unknown opcode"},
      {{0x82, 0x00}, true, "a client frame without a mask"},
      {{0x09, 0x00}, false, "a control frame that is fragmented or longer than 125 bytes"},
      {{0x89, 0x7E, 0x00, 0x80}, false,
       "a control frame that is fragmented or longer than 125 bytes"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t b[4];
    memcpy(b, cases[i].b, 4);
    mqs_ws_frame fr;
    const char *why = NULL;
    assert_int_equal(mqs_ws_parse_frame(b, 4, cases[i].must_mask, 1000, &fr, &why), -1);
    assert_string_equal(why, cases[i].why);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(accept_value_of_rfc_example),
      cmocka_unit_test(key_from_random_bytes),
      cmocka_unit_test(request_parsed_and_answered),
      cmocka_unit_test(request_refused),
      cmocka_unit_test(response_checked),
      cmocka_unit_test(masked_frame_of_rfc_example),
      cmocka_unit_test(lengths_round_trip),
      cmocka_unit_test(bad_frames),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
