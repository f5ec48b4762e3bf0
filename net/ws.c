/* net/ws.c — WebSocket handshake and framing for MQTT (see mqs/ws.h). */
#include "mqs/ws.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- SHA-1 (FIPS 180-4): only for Sec-WebSocket-Accept, where RFC 6455
 * fixes the hash. Small and dependency-free so the net library stays so. */

typedef struct {
  uint32_t h[5];
  uint64_t bytes;
  uint8_t block[64];
  size_t used;
} sha1_ctx;

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

static void sha1_block(sha1_ctx *c, const uint8_t *p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = c->h[0], b = c->h[1], d = c->h[3], e = c->h[4], cc = c->h[2];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) f = (b & cc) | (~b & d), k = 0x5A827999;
    else if (i < 40) f = b ^ cc ^ d, k = 0x6ED9EBA1;
    else if (i < 60) f = (b & cc) | (b & d) | (cc & d), k = 0x8F1BBCDC;
    else f = b ^ cc ^ d, k = 0xCA62C1D6;
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d, d = cc, cc = rol(b, 30), b = a, a = t;
  }
  c->h[0] += a, c->h[1] += b, c->h[2] += cc, c->h[3] += d, c->h[4] += e;
}

static void sha1_update(sha1_ctx *c, const void *data, size_t n) {
  const uint8_t *p = data;
  c->bytes += n;
  while (n) {
    size_t take = 64 - c->used < n ? 64 - c->used : n;
    memcpy(c->block + c->used, p, take);
    c->used += take, p += take, n -= take;
    if (c->used == 64) {
      sha1_block(c, c->block);
      c->used = 0;
    }
  }
}

static void sha1(const void *data, size_t n, const void *data2, size_t n2, uint8_t out[20]) {
  sha1_ctx c = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
  sha1_update(&c, data, n);
  sha1_update(&c, data2, n2);
  uint64_t bits = c.bytes * 8;
  uint8_t pad = 0x80, zero = 0, len[8];
  sha1_update(&c, &pad, 1);
  while (c.used != 56) sha1_update(&c, &zero, 1);
  for (int i = 0; i < 8; i++) len[i] = (uint8_t)(bits >> (56 - 8 * i));
  sha1_update(&c, len, 8);
  for (int i = 0; i < 20; i++) out[i] = (uint8_t)(c.h[i / 4] >> (24 - 8 * (i % 4)));
}

static void base64(const uint8_t *in, size_t n, char *out) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    out[o++] = tab[v >> 18 & 63];
    out[o++] = tab[v >> 12 & 63];
    out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? tab[v & 63] : '=';
  }
  out[o] = '\0';
}

void mqs_ws_accept_for(const char *key, char out[29]) {
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  uint8_t digest[20];
  sha1(key, strlen(key), guid, sizeof guid - 1, digest);
  base64(digest, sizeof digest, out);
}

void mqs_ws_make_key(const uint8_t random16[16], char key[MQS_WS_KEY_LEN + 1]) {
  base64(random16, 16, key);
}

/* ---- HTTP heads ----------------------------------------------------------- */

/* The length of the head through "\r\n\r\n", 0 if not all there yet, -1 if
 * it is longer than a handshake may be. */
static ssize_t head_length(const uint8_t *buf, size_t len) {
  for (size_t i = 3; i < len && i < MQS_WS_HEAD_MAX; i++)
    if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n')
      return (ssize_t)i + 1;
  return len >= MQS_WS_HEAD_MAX ? -1 : 0;
}

/* Walk the header lines of a head: returns false at the end. name and
 * value are trimmed views into the head (not terminated). */
typedef struct {
  const char *p, *end;
} lines;

static bool next_header(lines *l, const char **name, size_t *nlen, const char **val,
                        size_t *vlen) {
  while (l->p < l->end) {
    const char *eol = memchr(l->p, '\r', (size_t)(l->end - l->p));
    if (!eol) eol = l->end;
    const char *line = l->p, *colon = memchr(line, ':', (size_t)(eol - line));
    l->p = eol + 2;
    if (!colon) continue;
    *name = line, *nlen = (size_t)(colon - line);
    const char *v = colon + 1, *ve = eol;
    while (v < ve && (*v == ' ' || *v == '\t')) v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    *val = v, *vlen = (size_t)(ve - v);
    return true;
  }
  return false;
}

static bool is(const char *name, size_t n, const char *want) {
  return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

/* Whether the comma-separated list v[0..n) has the token want (any case). */
static bool has_token(const char *v, size_t n, const char *want) {
  size_t wl = strlen(want);
  for (size_t i = 0; i < n;) {
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) i++;
    size_t s = i;
    while (i < n && v[i] != ',') i++;
    size_t e = i;
    while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t')) e--;
    if (e - s == wl && strncasecmp(v + s, want, wl) == 0) return true;
  }
  return false;
}

/* A Sec-WebSocket-Key: 16 bytes in base64, so 22 characters of its
 * alphabet and "==" (RFC 6455, 4.1). Anything else (a NUL byte included)
 * is refused rather than echoed into the answer. */
static bool valid_key(const char *v, size_t n) {
  if (n != MQS_WS_KEY_LEN || v[22] != '=' || v[23] != '=') return false;
  for (size_t i = 0; i < 22; i++) {
    char ch = v[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '+' || ch == '/'))
      return false;
  }
  return true;
}

ssize_t mqs_ws_parse_request(const uint8_t *buf, size_t len, mqs_ws_request *out,
                             const char **why) {
  memset(out, 0, sizeof *out);
  ssize_t n = head_length(buf, len);
  if (n <= 0) {
    if (n < 0) *why = "request head too long";
    return n;
  }
  const char *s = (const char *)buf, *end = s + n - 2;
  const char *eol = memchr(s, '\r', (size_t)(end - s));
  /* "GET /path HTTP/1.1" */
  const char *sp1 = memchr(s, ' ', (size_t)(eol - s));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
  if (!sp1 || !sp2 || sp1 - s != 3 || memcmp(s, "GET", 3) != 0) {
    *why = "not a GET request";
    return -1;
  }
  if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.1", 8) != 0) {
    *why = "not HTTP/1.1";
    return -1;
  }
  size_t pl = (size_t)(sp2 - sp1 - 1);
  if (pl == 0 || pl >= sizeof out->path) {
    *why = "bad request target";
    return -1;
  }
  memcpy(out->path, sp1 + 1, pl);
  bool upgrade = false, connection = false, version = false;
  lines l = {eol + 2, end};
  const char *name, *v;
  size_t nl, vl;
  while (next_header(&l, &name, &nl, &v, &vl)) {
    if (is(name, nl, "Upgrade")) upgrade = has_token(v, vl, "websocket");
    else if (is(name, nl, "Connection")) connection = has_token(v, vl, "Upgrade");
    else if (is(name, nl, "Sec-WebSocket-Version")) version = vl == 2 && memcmp(v, "13", 2) == 0;
    else if (is(name, nl, "Sec-WebSocket-Protocol"))
      out->mqtt_offered = out->mqtt_offered || has_token(v, vl, "mqtt");
    else if (is(name, nl, "Sec-WebSocket-Key") && valid_key(v, vl))
      memcpy(out->key, v, vl);
  }
  if (!upgrade || !connection) *why = "not a WebSocket upgrade (Upgrade, Connection)";
  else if (!version) *why = "Sec-WebSocket-Version is not 13";
  else if (!out->key[0]) *why = "no valid Sec-WebSocket-Key";
  else if (!out->mqtt_offered) *why = "the client does not offer the \"mqtt\" subprotocol";
  else return n;
  return -1;
}

static size_t fit(int n, size_t cap) { return n > 0 && (size_t)n < cap ? (size_t)n : 0; }

size_t mqs_ws_build_response(const mqs_ws_request *req, char *out, size_t cap) {
  char accept[29];
  mqs_ws_accept_for(req->key, accept);
  return fit(snprintf(out, cap,
                      "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n"
                      "Sec-WebSocket-Protocol: mqtt\r\n"
                      "\r\n",
                      accept),
             cap);
}

size_t mqs_ws_build_refusal(const char *why, char *out, size_t cap) {
  return fit(snprintf(out, cap,
                      "HTTP/1.1 400 Bad Request\r\n"
                      "Content-Type: text/plain\r\n"
                      "Content-Length: %zu\r\n"
                      "Connection: close\r\n"
                      "\r\n%s\n",
                      strlen(why) + 1, why),
             cap);
}

size_t mqs_ws_build_request(const char *host, const char *path, const char *key, char *out,
                            size_t cap) {
  return fit(snprintf(out, cap,
                      "GET %s HTTP/1.1\r\n"
                      "Host: %s\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\n"
                      "Sec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Protocol: mqtt\r\n"
                      "\r\n",
                      path, host, key),
             cap);
}

ssize_t mqs_ws_check_response(const uint8_t *buf, size_t len, const char *key,
                              const char **why) {
  ssize_t n = head_length(buf, len);
  if (n <= 0) {
    if (n < 0) *why = "response head too long";
    return n;
  }
  const char *s = (const char *)buf, *end = s + n - 2;
  const char *eol = memchr(s, '\r', (size_t)(end - s));
  if (eol - s < 12 || memcmp(s, "HTTP/1.1 101", 12) != 0) {
    *why = "the server did not answer 101 Switching Protocols";
    return -1;
  }
  char want[29];
  mqs_ws_accept_for(key, want);
  bool accept = false, mqtt = false, upgrade = false;
  lines l = {eol + 2, end};
  const char *name, *v;
  size_t nl, vl;
  while (next_header(&l, &name, &nl, &v, &vl)) {
    if (is(name, nl, "Sec-WebSocket-Accept")) accept = vl == 28 && memcmp(v, want, 28) == 0;
    else if (is(name, nl, "Sec-WebSocket-Protocol")) mqtt = vl == 4 && strncasecmp(v, "mqtt", 4) == 0;
    else if (is(name, nl, "Upgrade")) upgrade = has_token(v, vl, "websocket");
  }
  if (!upgrade) *why = "the 101 answer has no \"Upgrade: websocket\"";
  else if (!accept) *why = "Sec-WebSocket-Accept is missing or wrong";
  else if (!mqtt) *why = "the server did not select the \"mqtt\" subprotocol [MQTT-6.0.0-4]";
  else return n;
  return -1;
}

/* ---- frames ---------------------------------------------------------------- */

ssize_t mqs_ws_parse_frame(uint8_t *buf, size_t len, bool must_mask, uint64_t max,
                           mqs_ws_frame *f, const char **why) {
  if (len < 2) return 0;
  uint8_t op = buf[0] & 0x0F;
  f->fin = buf[0] & 0x80;
  f->opcode = op;
  f->masked = buf[1] & 0x80;
  if (buf[0] & 0x70) {
    *why = "reserved bits RSV1-3 set (no extension was negotiated)";
    return -1;
  }
  if (op != MQS_WS_CONTINUATION && op != MQS_WS_TEXT && op != MQS_WS_BINARY && op != MQS_WS_CLOSE &&
      op != MQS_WS_PING && op != MQS_WS_PONG) {
    *why = "unknown opcode";
    return -1;
  }
  if (must_mask && !f->masked) {
    *why = "a client frame without a mask";
    return -1;
  }
  uint64_t n = buf[1] & 0x7F;
  size_t h = 2;
  if (n == 126) {
    if (len < 4) return 0;
    n = (uint64_t)buf[2] << 8 | buf[3];
    h = 4;
  } else if (n == 127) {
    if (len < 10) return 0;
    n = 0;
    for (int i = 0; i < 8; i++) n = n << 8 | buf[2 + i];
    h = 10;
  }
  if (op >= MQS_WS_CLOSE && (n > 125 || !f->fin)) {
    *why = "a control frame that is fragmented or longer than 125 bytes";
    return -1;
  }
  if (n > max) {
    *why = "a frame larger than this receiver accepts";
    return -1;
  }
  const uint8_t *mask = NULL;
  if (f->masked) {
    if (len < h + 4) return 0;
    mask = buf + h;
    h += 4;
  }
  if (len - h < n) return 0;
  f->payload = buf + h;
  f->len = (size_t)n;
  if (mask) mqs_ws_mask(f->payload, f->len, mask, 0);
  return (ssize_t)(h + n);
}

size_t mqs_ws_frame_header(uint8_t out[14], bool fin, uint8_t opcode, uint64_t n,
                           const uint8_t *mask) {
  size_t h = 0;
  out[h++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0F));
  uint8_t m = mask ? 0x80 : 0;
  if (n < 126) {
    out[h++] = (uint8_t)(m | n);
  } else if (n <= 0xFFFF) {
    out[h++] = m | 126;
    out[h++] = (uint8_t)(n >> 8);
    out[h++] = (uint8_t)n;
  } else {
    out[h++] = m | 127;
    for (int i = 7; i >= 0; i--) out[h++] = (uint8_t)(n >> (8 * i));
  }
  if (mask) {
    memcpy(out + h, mask, 4);
    h += 4;
  }
  return h;
}

void mqs_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t at) {
  for (size_t i = 0; i < n; i++) p[i] ^= mask[(at + i) & 3];
}
