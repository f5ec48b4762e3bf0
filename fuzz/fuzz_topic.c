/* fuzz/fuzz_topic.c — the topic rules of mqs/text.h against plain
 * reference implementations written here from the specification: UTF-8
 * (1.5.4), topic names and filters (4.7.1, 4.7.3), shared subscriptions
 * (4.8.2) and matching (4.7.1, 4.7.2).
 *
 * Input: a topic filter, a 0x00 byte, a topic name (no 0x00: the whole
 * input is both). Both strings go through every check; where the verdict,
 * offset or notes of the codec differ from the reference's, the run aborts.
 * Matching is compared on what a broker matches: a valid filter (or the
 * filter part of a valid shared one) against a valid, non-empty name.
 *
 * The references are written for clarity, not speed: they decode every
 * code point, and split on '/' level by level. */
#include <string.h>

#include "fuzz.h"
#include "mqs/codec.h"

/* ---- references ---------------------------------------------------------- */

/* Decode the code point at s[i]; returns its length, or 0 when ill-formed
 * (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t ref_decode(const uint8_t *s, size_t len, size_t i, uint32_t *cp) {
  uint8_t b = s[i];
  size_t n;
  uint32_t min;
  if (b < 0x80) {
    *cp = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    n = 2, min = 0x80, *cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3, min = 0x800, *cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, *cp = b & 0x07;
  } else {
    return 0;
  }
  if (len - i < n) return 0;
  for (size_t k = 1; k < n; k++) {
    if ((s[i + k] & 0xC0) != 0x80) return 0;
    *cp = *cp << 6 | (s[i + k] & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
  return n;
}

static mqs_rule ref_utf8(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes) {
  *notes = 0;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = ref_decode(s, len, i, &cp);
    *bad = i;
    if (n == 0) return MQS_RULE_UTF8_INVALID;
    if (cp == 0) return MQS_RULE_UTF8_NULL;
    if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) *notes |= MQS_NOTE_CONTROL_CHAR;
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFF) == 0xFFFE || (cp & 0xFFFF) == 0xFFFF)
      *notes |= MQS_NOTE_NONCHARACTER;
    i += n;
  }
  *bad = 0;
  return MQS_RULE_NONE;
}

/* A topic name: an ill-formed string is the stronger complaint, then the
 * first wildcard character. */
static mqs_rule ref_name(const uint8_t *s, size_t len, size_t *bad, uint32_t *notes) {
  mqs_rule r = ref_utf8(s, len, bad, notes);
  if (r) return r;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '+' || s[i] == '#') {
      *bad = i;
      return MQS_RULE_TOPIC_WILDCARD;
    }
  }
  return MQS_RULE_NONE;
}

/* Wildcards in s[from..len): each level that holds one must be exactly
 * "+", or exactly "#" and the last. Reports the first misplaced one. */
static mqs_rule ref_levels(const uint8_t *s, size_t from, size_t len, size_t *bad) {
  size_t start = from;
  while (start <= len) {
    size_t end = start;
    while (end < len && s[end] != '/')
      end++;
    bool last = end == len;
    for (size_t i = start; i < end; i++) {
      if (s[i] == '#' && !(end - start == 1 && last)) {
        *bad = i;
        return MQS_RULE_FILTER_HASH_MISPLACED;
      }
      if (s[i] == '+' && end - start != 1) {
        *bad = i;
        return MQS_RULE_FILTER_PLUS_MISPLACED;
      }
    }
    start = end + 1;
  }
  return MQS_RULE_NONE;
}

static bool ref_split(const uint8_t *s, size_t len, size_t *name_at, size_t *name_len,
                      size_t *rest_at) {
  static const char prefix[] = "$share/";
  if (len < 7 || memcmp(s, prefix, 7) != 0) return false;
  size_t i = 7;
  while (i < len && s[i] != '/')
    i++;
  *name_at = 7;
  *name_len = i - 7;
  *rest_at = i < len ? i + 1 : len;
  return true;
}

static mqs_rule ref_filter(const uint8_t *s, size_t len, bool shared, size_t *bad,
                           uint32_t *notes) {
  *notes = 0;
  *bad = 0;
  if (len == 0) return MQS_RULE_FILTER_EMPTY;
  mqs_rule r = ref_utf8(s, len, bad, notes);
  if (r) return r;
  size_t na, nl, ra;
  if (!shared || !ref_split(s, len, &na, &nl, &ra)) return ref_levels(s, 0, len, bad);
  *bad = na;
  if (nl == 0) return MQS_RULE_SHARE_NAME_EMPTY;
  for (size_t i = na; i < na + nl; i++) {
    if (s[i] == '+' || s[i] == '#') {
      *bad = i;
      return MQS_RULE_SHARE_NAME_INVALID;
    }
  }
  *bad = len;
  if (ra >= len) return MQS_RULE_SHARE_FILTER_MISSING;
  return ref_levels(s, ra, len, bad);
}

/* One level of s starting at *at: its end; *at moves past the '/'. */
static size_t level_end(const uint8_t *s, size_t len, size_t at) {
  while (at < len && s[at] != '/')
    at++;
  return at;
}

static bool ref_match(const uint8_t *f, size_t fl, const uint8_t *t, size_t tl) {
  if (tl > 0 && t[0] == '$' && fl > 0 && (f[0] == '+' || f[0] == '#')) return false;
  size_t fi = 0, ti = 0;
  bool t_done = false;
  for (;;) {
    size_t fe = level_end(f, fl, fi);
    if (fe - fi == 1 && f[fi] == '#') return true; /* the rest, even no level */
    if (t_done) return false;
    size_t te = level_end(t, tl, ti);
    bool plus = fe - fi == 1 && f[fi] == '+';
    if (!plus && (fe - fi != te - ti || memcmp(f + fi, t + ti, fe - fi) != 0)) return false;
    bool f_last = fe == fl, t_last = te == tl;
    if (f_last) return t_last;
    fi = fe + 1;
    ti = te + 1;
    t_done = t_last;
  }
}

/* ---- checks --------------------------------------------------------------- */

static void fail_on(const char *what, const uint8_t *s, size_t len, mqs_rule got, size_t got_at,
                    mqs_rule want, size_t want_at) {
  fuzz_dump("string", s, len);
  fuzz_fail(__FILE__, __LINE__, what, "codec %s at %zu, reference %s at %zu", mqs_rule_name(got),
            got_at, mqs_rule_name(want), want_at);
}

/* Verdicts and offsets agree; notes agree on accepted strings (the codec
 * keeps them only for strings it accepts). */
static void same(const char *what, const uint8_t *s, size_t len, mqs_rule got, size_t got_at,
                 uint32_t got_notes, mqs_rule want, size_t want_at, uint32_t want_notes) {
  if (got != want || (got && got_at != want_at)) fail_on(what, s, len, got, got_at, want, want_at);
  if (!got && got_notes != want_notes) {
    fuzz_dump("string", s, len);
    fuzz_fail(__FILE__, __LINE__, what, "notes 0x%x, reference 0x%x", got_notes, want_notes);
  }
}

static void check_string(const uint8_t *s, size_t len) {
  size_t at = 0, rat = 0;
  uint32_t notes = 0, rnotes = 0;
  /* The reference runs first, in a statement of its own: the order in
   * which arguments are evaluated is unspecified. */
  mqs_rule want = ref_utf8(s, len, &rat, &rnotes);
  mqs_rule r = mqs_utf8_check(s, len, &at, &notes);
  same("mqs_utf8_check", s, len, r, at, notes, want, rat, rnotes);
  notes = 0;
  want = ref_name(s, len, &rat, &rnotes);
  r = mqs_topic_name_check(s, len, &at, &notes);
  same("mqs_topic_name_check", s, len, r, at, notes, want, rat, rnotes);
  for (int shared = 0; shared <= 1; shared++) {
    notes = 0;
    r = mqs_topic_filter_check(s, len, shared, &at, &notes);
    want = ref_filter(s, len, shared, &rat, &rnotes);
    same(shared ? "mqs_topic_filter_check (shared)" : "mqs_topic_filter_check", s, len, r, at,
         notes, want, rat, rnotes);
  }
  const uint8_t *name = NULL, *rest = NULL;
  size_t nl = 0, rl = 0, rna, rnl, rra;
  bool split = mqs_topic_share_split(s, len, &name, &nl, &rest, &rl);
  bool rsplit = ref_split(s, len, &rna, &rnl, &rra);
  FUZZ_CHECK(split == rsplit, "share split %d, reference %d", split, rsplit);
  if (split)
    FUZZ_CHECK(name == s + rna && nl == rnl && rest == s + rra && rl == len - rra,
               "share split: name %zu+%zu rest %zu+%zu, reference %zu+%zu rest %zu+%zu",
               (size_t)(name - s), nl, (size_t)(rest - s), rl, rna, rnl, rra, len - rra);
}

static void check_match(const uint8_t *f, size_t fl, const uint8_t *t, size_t tl) {
  size_t at;
  if (tl == 0 || mqs_topic_name_check(t, tl, &at, NULL) != MQS_RULE_NONE) return;
  const uint8_t *name, *rest;
  size_t nl, rl;
  if (mqs_topic_filter_check(f, fl, true, &at, NULL) == MQS_RULE_NONE &&
      mqs_topic_share_split(f, fl, &name, &nl, &rest, &rl)) {
    bool m = mqs_topic_match(rest, rl, t, tl);
    if (m != ref_match(rest, rl, t, tl)) {
      fuzz_dump("shared filter", f, fl);
      fuzz_dump("topic", t, tl);
      fuzz_fail(__FILE__, __LINE__, "match", "codec %d on the filter part, reference %d", m, !m);
    }
  }
  if (mqs_topic_filter_check(f, fl, false, &at, NULL) != MQS_RULE_NONE) return;
  bool m = mqs_topic_match(f, fl, t, tl);
  if (m != ref_match(f, fl, t, tl)) {
    fuzz_dump("filter", f, fl);
    fuzz_dump("topic", t, tl);
    fuzz_fail(__FILE__, __LINE__, "match", "codec %d, reference %d", m, !m);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *sep = size ? memchr(data, 0, size) : NULL;
  const uint8_t *f = data, *t = sep ? sep + 1 : data;
  size_t fl = sep ? (size_t)(sep - data) : size, tl = sep ? size - fl - 1 : size;
  check_string(f, fl);
  if (sep) check_string(t, tl);
  check_match(f, fl, t, tl);
  return 0;
}
