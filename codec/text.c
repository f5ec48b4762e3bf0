/* codec/text.c — UTF-8 string rules (1.5.4), topic names and filters (4.7),
 * shared subscriptions (4.8.2) and topic matching. */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mqs/packet.h"
#include "mqs/text.h"

/* SWAR tests on 8 bytes at a time: true when some byte is below n (for
 * bytes < 0x80) or equal to c. Strings in MQTT are mostly ASCII, so the
 * fast path skips them a word at a time and the slow path decodes the rest. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static inline uint64_t has_less(uint64_t x, uint8_t n) { return (x - ONES * n) & ~x & HIGHS; }
static inline uint64_t has_byte(uint64_t x, uint8_t c) { return has_less(x ^ (ONES * c), 1); }

static inline bool noncharacter(uint32_t cp) {
  return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* Decode one multi-byte sequence starting at s[i] (s[i] >= 0x80). Returns
 * its length, or 0 when it is ill-formed (RFC 3629 table of well-formed
 * byte sequences: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const uint8_t *s, size_t left, uint32_t *cp) {
  uint8_t b0 = s[0];
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || (s[1] & 0xC0) != 0x80) return 0;
    *cp = (uint32_t)(b0 & 0x1F) << 6 | (s[1] & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b0 == 0xE0) lo = 0xA0;      /* overlong */
    else if (b0 == 0xED) hi = 0x9F; /* surrogates U+D800..U+DFFF */
    if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80) return 0;
    *cp = (uint32_t)(b0 & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b0 == 0xF0) lo = 0x90;      /* overlong */
    else if (b0 == 0xF4) hi = 0x8F; /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    *cp = (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
          (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    return 4;
  }
  return 0; /* continuation byte, C0/C1 overlong leads, F5..FF */
}

/* The UTF-8 rules, plus (with no_wild) no '+' or '#'. */
static mqs_rule scan(const uint8_t *s, size_t len, bool no_wild, size_t *bad, uint32_t *notes,
                     bool *wild) {
  size_t i = 0;
  uint32_t found = 0;
  while (i < len) {
#ifdef __SSE2__
    if (len - i >= 16) { /* 16 bytes at a time; the SWAR and byte paths finish */
      __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
      /* cmplt is signed: bytes >= 0x80 count as below 0x20 too. */
      __m128i odd = _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                                 _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F)));
      if (no_wild)
        odd = _mm_or_si128(odd, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('+')),
                                             _mm_cmpeq_epi8(x, _mm_set1_epi8('#'))));
      if (!_mm_movemask_epi8(odd)) {
        i += 16;
        continue;
      }
    }
#endif
    if (len - i >= 8) {
      uint64_t x;
      memcpy(&x, s + i, 8);
      uint64_t odd = (x & HIGHS) | has_less(x, 0x20) | has_byte(x, 0x7F);
      if (no_wild) odd |= has_byte(x, '+') | has_byte(x, '#');
      if (!odd) {
        i += 8;
        continue;
      }
    }
    uint8_t b = s[i];
    if (b < 0x80) {
      if (b == 0) {
        *bad = i;
        return MQS_RULE_UTF8_NULL;
      }
      if (b < 0x20 || b == 0x7F) found |= MQS_NOTE_CONTROL_CHAR;
      if (no_wild && (b == '+' || b == '#')) {
        *bad = i;
        *wild = true;
        return MQS_RULE_NONE;
      }
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_seq(s + i, len - i, &cp);
    if (!n) {
      *bad = i;
      return MQS_RULE_UTF8_INVALID;
    }
    if (cp <= 0x9F) found |= MQS_NOTE_CONTROL_CHAR;
    else if (noncharacter(cp)) found |= MQS_NOTE_NONCHARACTER;
    i += n;
  }
  if (notes) *notes |= found;
  return MQS_RULE_NONE;
}

mqs_rule mqs_utf8_check(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes) {
  size_t where = 0;
  bool wild = false;
  mqs_rule r = scan(s, len, false, &where, notes, &wild);
  if (bad) *bad = where;
  return r;
}

mqs_rule mqs_topic_name_check(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes) {
  size_t where = 0;
  bool wild = false;
  mqs_rule r = scan(s, len, true, &where, notes, &wild);
  if (r == MQS_RULE_NONE && wild) {
    /* A wildcard was found first; the rest must still be valid UTF-8, and
     * an ill-formed string is the stronger complaint. */
    size_t later = 0;
    mqs_rule r2 = scan(s, len, false, &later, NULL, &wild);
    if (r2 != MQS_RULE_NONE) {
      where = later;
      r = r2;
    } else {
      r = MQS_RULE_TOPIC_WILDCARD;
    }
  }
  if (bad) *bad = where;
  return r;
}

/* Wildcard placement in a (non-shared part of a) filter; UTF-8 already checked. */
static mqs_rule levels_check(const uint8_t *s, size_t len, size_t *bad) {
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '#') {
      if ((i > 0 && s[i - 1] != '/') || i + 1 != len) {
        *bad = i;
        return MQS_RULE_FILTER_HASH_MISPLACED;
      }
    } else if (s[i] == '+') {
      if ((i > 0 && s[i - 1] != '/') || (i + 1 < len && s[i + 1] != '/')) {
        *bad = i;
        return MQS_RULE_FILTER_PLUS_MISPLACED;
      }
    }
  }
  return MQS_RULE_NONE;
}

static const char share_prefix[] = "$share/";
#define SHARE_PREFIX_LEN (sizeof share_prefix - 1)

bool mqs_topic_share_split(const uint8_t *s, size_t len, const uint8_t **name, size_t *name_len,
                           const uint8_t **rest, size_t *rest_len) {
  if (len < SHARE_PREFIX_LEN || memcmp(s, share_prefix, SHARE_PREFIX_LEN) != 0) return false;
  const uint8_t *n = s + SHARE_PREFIX_LEN;
  size_t left = len - SHARE_PREFIX_LEN;
  const uint8_t *slash = memchr(n, '/', left);
  *name = n;
  *name_len = slash ? (size_t)(slash - n) : left;
  *rest = slash ? slash + 1 : s + len;
  *rest_len = slash ? left - *name_len - 1 : 0;
  return true;
}

mqs_rule mqs_topic_filter_check(const uint8_t *s, size_t len, bool shared, size_t *bad,
                                uint32_t *notes) {
  size_t where = 0;
  bool wild = false;
  mqs_rule r;
  if (len == 0) {
    r = MQS_RULE_FILTER_EMPTY;
    goto out;
  }
  r = scan(s, len, false, &where, notes, &wild);
  if (r != MQS_RULE_NONE) goto out;
  const uint8_t *name, *rest;
  size_t name_len, rest_len;
  if (shared && mqs_topic_share_split(s, len, &name, &name_len, &rest, &rest_len)) {
    size_t name_at = SHARE_PREFIX_LEN;
    if (name_len == 0) {
      where = name_at;
      r = MQS_RULE_SHARE_NAME_EMPTY;
      goto out;
    }
    for (size_t i = 0; i < name_len; i++) {
      if (name[i] == '+' || name[i] == '#') {
        where = name_at + i;
        r = MQS_RULE_SHARE_NAME_INVALID;
        goto out;
      }
    }
    if (rest_len == 0) { /* "$share/g" or "$share/g/" */
      where = len;
      r = MQS_RULE_SHARE_FILTER_MISSING;
      goto out;
    }
    r = levels_check(rest, rest_len, &where);
    where += (size_t)(rest - s);
    goto out;
  }
  r = levels_check(s, len, &where);
out:
  if (bad) *bad = where;
  return r;
}

bool mqs_topic_match(const uint8_t *f, size_t flen, const uint8_t *t, size_t tlen) {
  /* 4.7.2: a filter starting with a wildcard does not match a '$' topic. */
  if (tlen > 0 && t[0] == '$' && flen > 0 && (f[0] == '+' || f[0] == '#')) return false;
  size_t i = 0, j = 0;
  while (i < flen) {
    if (f[i] == '#') return true;
    if (f[i] == '+') {
      while (j < tlen && t[j] != '/') j++;
      i++;
    } else {
      while (i < flen && f[i] != '/') {
        if (j >= tlen || t[j] != f[i]) return false;
        i++;
        j++;
      }
      if (j < tlen && t[j] != '/') return false;
    }
    if (i == flen) return j == tlen;
    /* f[i] == '/' */
    if (j == tlen) return flen - i == 2 && f[i + 1] == '#'; /* "a/#" matches "a" */
    i++;
    j++;
  }
  return j == tlen;
}
