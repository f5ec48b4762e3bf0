/* fuzz/mutate_props.c — edit a decoded packet's property block as bytes.
 *
 * The encoder writes properties from struct fields, in identifier order,
 * once each: it cannot write an unknown identifier, a duplicate, a wrong
 * order or a block length that lies. This file can. It splits the block
 * (which decode validated) into entries, edits the list, and writes the
 * packet back with the new block and a Remaining Length that fits. */
#include <string.h>

#include "canonical.h"
#include "mutate_int.h"

#define MAX_ENTRIES 256

typedef struct {
  const uint8_t *p;
  size_t len;
} entry;

/* Whole entries that break a rule, or that are valid and rarely seen. */
static const entry templates[] = {
#define E(s)                                                                                       \
  { (const uint8_t *)s, sizeof s - 1 }
    E("\x23\x00\x00"),                 /* Topic Alias 0 */
    E("\x23\xff\xff"),                 /* Topic Alias 65535 */
    E("\x0b\x00"),                     /* Subscription Identifier 0 */
    E("\x0b\xff\xff\xff\x7f"),         /* Subscription Identifier 268,435,455 */
    E("\x0b\x80\x80\x80\x80\x01"),     /* five-byte VBI */
    E("\x0b\x80\x00"),                 /* non-minimal VBI */
    E("\x01\x02"),                     /* Payload Format Indicator 2 */
    E("\x01\x01"),                     /* Payload Format Indicator 1 */
    E("\x21\x00\x00"),                 /* Receive Maximum 0 */
    E("\x27\x00\x00\x00\x00"),         /* Maximum Packet Size 0 */
    E("\x24\x02"),                     /* Maximum QoS 2 */
    E("\x17\x02"),                     /* Request Problem Information 2 */
    E("\x11\xff\xff\xff\xff"),         /* Session Expiry Interval: never */
    E("\x18\x00\x00\x00\x0a"),         /* Will Delay Interval 10 */
    E("\x26\x00\x00\x00\x00"),         /* User Property "" = "" */
    E("\x26\x00\x01\x00\x00\x01v"),    /* User Property with U+0000 in the key */
    E("\x26\x00\x02\xc0\x80\x00\x00"), /* User Property, overlong key */
    E("\x1f\xff\xff"),                 /* Reason String longer than anything */
    E("\x15\x00\x00"),                 /* empty Authentication Method */
    E("\x16\x00\x01\x00"),             /* Authentication Data */
    E("\x08\x00\x01#"),                /* Response Topic "#" */
    E("\x08\x00\x00"),                 /* empty Response Topic */
    E("\x03\x00\x03\xed\xa0\x80"),     /* Content Type with a surrogate */
    E("\x12\x00\x01+"),                /* Assigned Client Identifier "+" */
    E("\x00"),                         /* identifier 0 */
    E("\x04\x00"),                     /* an identifier nobody defined */
    E("\x7f\x00"),                     /* the largest one-byte identifier */
    E("\x80\x01\x00"),                 /* identifier 128 as a VBI */
    E("\x81\x00\x00"),                 /* identifier 1, non-minimal VBI */
#undef E
};

static size_t vbi_len(uint32_t v) { return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4; }

static size_t put_vbi(uint8_t *out, uint32_t v) {
  size_t n = 0;
  do {
    uint8_t d = v & 0x7F;
    v >>= 7;
    out[n++] = (uint8_t)(d | (v ? 0x80 : 0));
  } while (v && n < 4);
  return n;
}

static size_t split(const mqs_str *raw, entry *e) {
  const uint8_t *p = raw->p, *end = raw->p + raw->len;
  size_t n = 0;
  while (p < end && n < MAX_ENTRIES) {
    size_t len = 1 + fuzz_prop_value_len(p[0], p + 1);
    e[n++] = (entry){p, len};
    p += len;
  }
  return n;
}

/* The decoded property blocks of p. */
static size_t blocks(const mqs_packet *p, const mqs_props **out) {
  size_t n = 0;
  const mqs_props *all[2] = {NULL, NULL};
  switch (p->type) {
  case MQS_CONNECT:
    all[0] = &p->connect.props;
    all[1] = &p->connect.will_props;
    break;
  case MQS_CONNACK: all[0] = &p->connack.props; break;
  case MQS_PUBLISH: all[0] = &p->publish.props; break;
  case MQS_PUBACK:
  case MQS_PUBREC:
  case MQS_PUBREL:
  case MQS_PUBCOMP: all[0] = &p->ack.props; break;
  case MQS_SUBSCRIBE:
  case MQS_UNSUBSCRIBE: all[0] = &p->subscribe.props; break;
  case MQS_SUBACK:
  case MQS_UNSUBACK: all[0] = &p->suback.props; break;
  case MQS_DISCONNECT:
  case MQS_AUTH: all[0] = &p->disconnect.props; break;
  default: break;
  }
  for (int i = 0; i < 2; i++)
    if (all[i] && all[i]->raw.p) out[n++] = all[i];
  return n;
}

static void edit(entry *e, size_t *n, uint8_t *idbuf, fuzz_rng *r) {
  static const uint8_t ids[] = {0x00, 0x04, 0x0A, 0x10, 0x20, 0x2B, 0x7F};
  size_t i = rng_below(r, (uint32_t)*n);
  switch (*n ? rng_below(r, 6) : 5) {
  case 0: { /* another identifier, same value bytes: a wrong type, an
             * unknown or a not-allowed property */
    idbuf[0] = rng_below(r, 2) ? PICK(r, ids) : (uint8_t)(1 + rng_below(r, 0x2A));
    memcpy(idbuf + 1, e[i].p + 1, e[i].len - 1 < 255 ? e[i].len - 1 : 255);
    e[i] = (entry){idbuf, e[i].len < 256 ? e[i].len : 256};
    return;
  }
  case 1: /* twice */
    if (*n >= MAX_ENTRIES) return;
    memmove(&e[i + 1], &e[i], (*n - i) * sizeof *e);
    (*n)++;
    return;
  case 2: { /* out of order */
    size_t j = rng_below(r, (uint32_t)*n);
    entry t = e[i];
    e[i] = e[j];
    e[j] = t;
    return;
  }
  case 3: /* gone */
    memmove(&e[i], &e[i + 1], (*n - i - 1) * sizeof *e);
    (*n)--;
    return;
  case 4: { /* many copies: thousands of user properties, repeated ids */
    size_t k = 1 + rng_below(r, 1u << rng_below(r, 8)); /* mostly few, up to 128 */
    for (; k > 0 && *n < MAX_ENTRIES; k--)
      e[(*n)++] = e[i];
    return;
  }
  default: { /* a template, anywhere */
    if (*n >= MAX_ENTRIES) return;
    size_t at = rng_below(r, (uint32_t)*n + 1);
    memmove(&e[at + 1], &e[at], (*n - at) * sizeof *e);
    e[at] = templates[rng_below(r, sizeof templates / sizeof templates[0])];
    (*n)++;
    return;
  }
  }
}

size_t mutate_props_block(const uint8_t *pkt, size_t n, const mqs_packet *p, int v, fuzz_rng *r,
                          uint8_t *out, size_t cap) {
  (void)v; /* blocks() finds only decoded ones, which is the version's say */
  const mqs_props *found[2];
  size_t nb = blocks(p, found);
  if (nb == 0) return 0;
  const mqs_props *pr = found[rng_below(r, (uint32_t)nb)];
  entry e[MAX_ENTRIES];
  uint8_t idbuf[256];
  size_t ne = split(&pr->raw, e);
  size_t hdr = header_size(pkt);
  size_t at = (size_t)(pr->raw.p - pkt) - vbi_len(pr->raw.len); /* the block's length */
  size_t end = (size_t)(pr->raw.p - pkt) + pr->raw.len;
  bool lie = rng_below(r, 8) == 0; /* keep the entries, write a wrong length */
  if (!lie) edit(e, &ne, idbuf, r);
  size_t body = 0;
  for (size_t i = 0; i < ne; i++)
    body += e[i].len;
  uint32_t blen = (uint32_t)body;
  if (lie) {
    uint32_t wrong[] = {blen + 1, blen ? blen - 1 : 1, 0, blen + 100, 268435455};
    blen = PICK(r, wrong);
  }
  size_t rl = (at - hdr) + vbi_len(blen) + body + (n - end);
  if (5 + rl > cap || rl > 268435455) return 0;
  size_t o = put_header(out, pkt[0], (uint32_t)rl);
  memcpy(out + o, pkt + hdr, at - hdr);
  o += at - hdr;
  o += put_vbi(out + o, blen);
  for (size_t i = 0; i < ne; i++) {
    memcpy(out + o, e[i].p, e[i].len);
    o += e[i].len;
  }
  memcpy(out + o, pkt + end, n - end);
  return o + n - end;
}
