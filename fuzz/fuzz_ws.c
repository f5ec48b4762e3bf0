/* fuzz/fuzz_ws.c — the WebSocket layer that faces the network (net/ws.c):
 * the upgrade request a server parses, the answer a client checks, and the
 * frames both read. Input: a first byte that picks the part, the rest its
 * bytes. Oracles:
 *
 *  - request: an accepted request is a whole head (ends in the blank line,
 *    no longer than the input), every proper prefix of it is "more
 *    needed", it names a 24-character key and offers "mqtt", and the
 *    answer built for it passes the client's check of that key;
 *  - response: an accepted answer is a whole head within the input;
 *  - frames: each accepted frame lies within the input, its payload within
 *    the frame and the limit, control frames are final and short, a client
 *    frame (must_mask) is masked; rewriting it with mqs_ws_frame_header and
 *    the same payload parses back to the same opcode, flag and payload;
 *    a refusal names why. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mqs/ws.h"

/* fuzz-link: mqs_net */
/* fuzz-srcs: net/ws.c */

static void request(const uint8_t *d, size_t n) {
  uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees a read past the end */
  if (!copy) return;
  memcpy(copy, d, n);
  mqs_ws_request req;
  const char *why = NULL;
  ssize_t h = mqs_ws_parse_request(copy, n, &req, &why);
  FUZZ_CHECK(h >= -1 && h <= (ssize_t)n, "request: %zd for %zu bytes", h, n);
  FUZZ_CHECK(h != -1 || why, "request refused without a reason");
  if (h > 0) {
    FUZZ_CHECK(h >= 4 && memcmp(copy + h - 4, "\r\n\r\n", 4) == 0, "request head end");
    FUZZ_CHECK(strlen(req.key) == MQS_WS_KEY_LEN && req.mqtt_offered, "request fields");
    for (ssize_t cut = 0; cut < h; cut += 1 + cut / 8)
      FUZZ_CHECK(mqs_ws_parse_request(copy, (size_t)cut, &req, &why) == 0,
                 "a %zd-byte prefix of a %zd-byte request was not incomplete", cut, h);
    mqs_ws_parse_request(copy, n, &req, &why);
    char answer[512];
    size_t al = mqs_ws_build_response(&req, answer, sizeof answer);
    FUZZ_CHECK(al > 0, "no answer built");
    FUZZ_CHECK(mqs_ws_check_response((const uint8_t *)answer, al, req.key, &why) == (ssize_t)al,
               "our own answer fails our own check: %s", why ? why : "");
  }
  free(copy);
}

static void response(const uint8_t *d, size_t n) {
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return;
  memcpy(copy, d, n);
  const char *why = NULL;
  ssize_t h = mqs_ws_check_response(copy, n, "dGhlIHNhbXBsZSBub25jZQ==", &why);
  FUZZ_CHECK(h >= -1 && h <= (ssize_t)n, "response: %zd for %zu bytes", h, n);
  FUZZ_CHECK(h != -1 || why, "response refused without a reason");
  FUZZ_CHECK(h <= 0 || memcmp(copy + h - 4, "\r\n\r\n", 4) == 0, "response head end");
  free(copy);
}

static void frames(const uint8_t *d, size_t n, bool must_mask) {
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) return;
  memcpy(buf, d, n);
  const uint64_t max = 4096;
  for (size_t off = 0; off < n;) {
    mqs_ws_frame f;
    const char *why = NULL;
    ssize_t fl = mqs_ws_parse_frame(buf + off, n - off, must_mask, max, &f, &why);
    FUZZ_CHECK(fl >= -1 && fl <= (ssize_t)(n - off), "frame: %zd for %zu bytes", fl, n - off);
    if (fl == 0) break;
    if (fl < 0) {
      FUZZ_CHECK(why != NULL, "frame refused without a reason");
      break;
    }
    FUZZ_CHECK(f.payload >= buf + off && f.payload + f.len == buf + off + fl, "payload bounds");
    FUZZ_CHECK(f.len <= max, "payload above the limit");
    FUZZ_CHECK(f.opcode < MQS_WS_CLOSE || (f.fin && f.len <= 125), "control frame");
    FUZZ_CHECK(!must_mask || f.masked, "unmasked client frame accepted");
    /* The same frame written again (unmasked) parses to the same thing. */
    uint8_t *again = malloc(14 + f.len);
    if (!again) break;
    size_t h = mqs_ws_frame_header(again, f.fin, f.opcode, f.len, NULL);
    memcpy(again + h, f.payload, f.len);
    mqs_ws_frame g;
    FUZZ_CHECK(mqs_ws_parse_frame(again, h + f.len, false, max, &g, &why) == (ssize_t)(h + f.len),
               "a rewritten frame does not parse whole");
    FUZZ_CHECK(g.fin == f.fin && g.opcode == f.opcode && g.len == f.len &&
                   memcmp(g.payload, f.payload, f.len) == 0,
               "a rewritten frame parses differently");
    free(again);
    off += (size_t)fl;
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  switch (data[0] & 3) {
  case 0: request(data + 1, size - 1); break;
  case 1: response(data + 1, size - 1); break;
  case 2: frames(data + 1, size - 1, true); break;
  default: frames(data + 1, size - 1, false); break;
  }
  return 0;
}
