/* tests/codec/test_text.c — text.h: the MQTT UTF-8 rules (1.5.4), topic
 * names and filters (4.7), shared subscriptions (4.8.2) and matching; and
 * the notes decode leaves for strings that break no MUST. */
#include <stdlib.h>

#include "codec/helpers.h"

#define CTRL  MQS_NOTE_CONTROL_CHAR
#define NONCH MQS_NOTE_NONCHARACTER

static void test_utf8_check(void **state) {
  (void)state;
  static const struct {
    const char *hex;
    mqs_rule rule;
    size_t bad;
    uint32_t notes;
  } cases[] = {
      /* well-formed */
      {"", MQS_RULE_NONE, 0, 0},
      {"'sport/tennis'", MQS_RULE_NONE, 0, 0},
      {"C3 A9", MQS_RULE_NONE, 0, 0},             /* U+00E9, 2 bytes */
      {"E2 82 AC", MQS_RULE_NONE, 0, 0},          /* U+20AC, 3 bytes */
      {"F0 9F 98 80", MQS_RULE_NONE, 0, 0},       /* U+1F600, 4 bytes */
      {"EF BB BF 'a'", MQS_RULE_NONE, 0, 0},      /* BOM: a character like any other */
      {"F0 AA 9B 94", MQS_RULE_NONE, 0, 0},       /* the spec's example, U+2A6D4 */
      {"ED 9F BF EE 80 80", MQS_RULE_NONE, 0, 0}, /* U+D7FF U+E000 around the surrogates */
      {"C2 A0 20 7E", MQS_RULE_NONE, 0, 0},
      /* allowed, but noted (1.5.4: SHOULD NOT / MAY reject) */
      {"01", MQS_RULE_NONE, 0, CTRL},
      {"'a' 09 'b'", MQS_RULE_NONE, 0, CTRL},
      {"1F", MQS_RULE_NONE, 0, CTRL},
      {"7F", MQS_RULE_NONE, 0, CTRL},
      {"C2 80", MQS_RULE_NONE, 0, CTRL},
      {"C2 9F", MQS_RULE_NONE, 0, CTRL},
      {"EF BF BF", MQS_RULE_NONE, 0, NONCH},    /* U+FFFF */
      {"EF BF BE", MQS_RULE_NONE, 0, NONCH},    /* U+FFFE */
      {"EF B7 90", MQS_RULE_NONE, 0, NONCH},    /* U+FDD0 */
      {"EF B7 AF", MQS_RULE_NONE, 0, NONCH},    /* U+FDEF */
      {"F0 9F BF BE", MQS_RULE_NONE, 0, NONCH}, /* U+1FFFE */
      {"F4 8F BF BF", MQS_RULE_NONE, 0, NONCH}, /* U+10FFFF */
      {"01 EF BF BF", MQS_RULE_NONE, 0, CTRL | NONCH},
      {"EF B7 8F EF B7 B0", MQS_RULE_NONE, 0, 0}, /* U+FDCF, U+FDF0: not non-characters */
      /* ill-formed */
      {"C0 80", MQS_RULE_UTF8_INVALID, 0, 0},     /* overlong U+0000 */
      {"'a' C1 BF", MQS_RULE_UTF8_INVALID, 1, 0}, /* overlong U+007F */
      {"E0 80 80", MQS_RULE_UTF8_INVALID, 0, 0},
      {"E0 9F BF", MQS_RULE_UTF8_INVALID, 0, 0},    /* overlong U+07FF */
      {"F0 8F BF BF", MQS_RULE_UTF8_INVALID, 0, 0}, /* overlong U+FFFF */
      {"F0 80 80 80", MQS_RULE_UTF8_INVALID, 0, 0},
      {"ED A0 80", MQS_RULE_UTF8_INVALID, 0, 0},          /* U+D800 */
      {"'ab' ED BF BF", MQS_RULE_UTF8_INVALID, 2, 0},     /* U+DFFF */
      {"ED A0 BD ED B8 80", MQS_RULE_UTF8_INVALID, 0, 0}, /* CESU-8 pair */
      {"F4 90 80 80", MQS_RULE_UTF8_INVALID, 0, 0},       /* U+110000 */
      {"F5 80 80 80", MQS_RULE_UTF8_INVALID, 0, 0},
      {"F7 BF BF BF", MQS_RULE_UTF8_INVALID, 0, 0},
      {"F8 88 80 80 80", MQS_RULE_UTF8_INVALID, 0, 0},    /* 5-byte form */
      {"FC 84 80 80 80 80", MQS_RULE_UTF8_INVALID, 0, 0}, /* 6-byte form */
      {"FE", MQS_RULE_UTF8_INVALID, 0, 0},
      {"'x' FF", MQS_RULE_UTF8_INVALID, 1, 0},
      {"80", MQS_RULE_UTF8_INVALID, 0, 0}, /* lone continuation */
      {"C3 A9 BF", MQS_RULE_UTF8_INVALID, 2, 0},
      {"C3", MQS_RULE_UTF8_INVALID, 0, 0}, /* cut short at the end */
      {"'a' E2 82", MQS_RULE_UTF8_INVALID, 1, 0},
      {"'ab' F0 9F 98", MQS_RULE_UTF8_INVALID, 2, 0},
      {"E2 82 'a'", MQS_RULE_UTF8_INVALID, 0, 0}, /* continuation missing */
      {"C3 C3 A9", MQS_RULE_UTF8_INVALID, 0, 0},
      {"00", MQS_RULE_UTF8_NULL, 0, 0},
      {"'a' 00 'b'", MQS_RULE_UTF8_NULL, 1, 0},
      {"C3 A9 00", MQS_RULE_UTF8_NULL, 2, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[32];
    size_t len = hex_parse(cases[i].hex, buf, sizeof buf);
    mqs_guard g = {0};
    const uint8_t *s = guard_place(&g, buf, len);
    size_t bad = 999;
    uint32_t notes = 0;
    mqs_rule r = mqs_utf8_check(s, len, &bad, &notes);
    CHECKF(r == cases[i].rule, "[%s]: rule %s, want %s", cases[i].hex, mqs_rule_name(r),
           mqs_rule_name(cases[i].rule));
    if (r != MQS_RULE_NONE)
      CHECKF(bad == cases[i].bad, "[%s]: bad at %zu, want %zu", cases[i].hex, bad, cases[i].bad);
    else
      CHECKF(notes == cases[i].notes, "[%s]: notes %#x, want %#x", cases[i].hex, notes,
             cases[i].notes);
    /* notes may be NULL; notes already set stay set. */
    assert_int_equal(mqs_utf8_check(s, len, &bad, NULL), r);
    notes = MQS_NOTE_PAYLOAD_NOT_UTF8;
    mqs_utf8_check(s, len, &bad, &notes);
    assert_true(notes & MQS_NOTE_PAYLOAD_NOT_UTF8);
    guard_release(&g);
  }
}

/* Decode keeps the BOM (1.5.4: MUST NOT be skipped or stripped), accepts
 * non-characters and control characters, and notes them on the packet. */
static void test_decode_notes_and_bom(void **state) {
  (void)state;
  mqs_guard g = {0};
  mqs_packet p;
  dec_ok(&g, "30 06 00 04 EF BB BF 'a'", MQS_V311, &p);
  check_bin("topic keeps the BOM", p.publish.topic,
            "\xEF\xBB\xBF"
            "a",
            4);
  assert_int_equal(p.notes, 0);
  check_encodes_to_hex("BOM", &p, MQS_V311, "30 06 00 04 EF BB BF 'a'");
  dec_ok(&g, "30 05 00 03 EF BF BF", MQS_V311, &p);
  assert_int_equal(p.notes, MQS_NOTE_NONCHARACTER);
  dec_ok(&g, "30 04 00 02 'a' 01", MQS_V311, &p);
  assert_int_equal(p.notes, MQS_NOTE_CONTROL_CHAR);
  dec_ok(&g, "10 0F 00 04 'MQTT' 04 02 00 3C 00 03 'c' C2 85", MQS_V311, &p); /* client id */
  assert_int_equal(p.notes, MQS_NOTE_CONTROL_CHAR);
  dec_ok(&g, "40 0A 00 07 80 06 1F 00 03 EF B7 90", MQS_V5, &p); /* reason string */
  assert_int_equal(p.notes, MQS_NOTE_NONCHARACTER);
  /* A payload is not a UTF-8 string: nothing noted. */
  dec_ok(&g, "30 05 00 01 'a' 01 7F", MQS_V311, &p);
  assert_int_equal(p.notes, 0);
  /* A password is binary: ill-formed UTF-8 and U+0000 pass. */
  dec_ok(&g, "10 15 00 04 'MQTT' 04 C2 00 3C 00 01 'c' 00 01 'u' 00 03 00 C0 FF", MQS_V311, &p);
  check_bin("password", p.connect.password, "\x00\xC0\xFF", 3);
  guard_release(&g);
}

static void test_topic_name_check(void **state) {
  (void)state;
  static const struct {
    const char *s;
    mqs_rule rule;
    size_t bad;
  } cases[] = {
      {"sport/tennis/player1", MQS_RULE_NONE, 0},
      {"/", MQS_RULE_NONE, 0},
      {"//", MQS_RULE_NONE, 0},
      {"$SYS/broker", MQS_RULE_NONE, 0},
      {"a b", MQS_RULE_NONE, 0},
      {"", MQS_RULE_NONE, 0}, /* checked by the caller (Topic Alias) */
      {"+", MQS_RULE_TOPIC_WILDCARD, 0},
      {"#", MQS_RULE_TOPIC_WILDCARD, 0},
      {"a/+/b", MQS_RULE_TOPIC_WILDCARD, 2},
      {"a/b#", MQS_RULE_TOPIC_WILDCARD, 3},
      {"sport+", MQS_RULE_TOPIC_WILDCARD, 5},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t bad = 999;
    mqs_guard g = {0};
    size_t len = strlen(cases[i].s);
    mqs_rule r = mqs_topic_name_check(guard_place(&g, cases[i].s, len), len, &bad, NULL);
    CHECKF(r == cases[i].rule, "\"%s\": %s", cases[i].s, mqs_rule_name(r));
    if (r) CHECKF(bad == cases[i].bad, "\"%s\": bad %zu, want %zu", cases[i].s, bad, cases[i].bad);
    guard_release(&g);
  }
  size_t bad;
  assert_int_equal(mqs_topic_name_check((const uint8_t *)"a\0b", 3, &bad, NULL),
                   MQS_RULE_UTF8_NULL);
  assert_int_equal(bad, 1);
  assert_int_equal(mqs_topic_name_check((const uint8_t *)"a\xC0\x80", 3, &bad, NULL),
                   MQS_RULE_UTF8_INVALID);
  assert_int_equal(bad, 1);
}

static void test_topic_filter_check(void **state) {
  (void)state;
  static const struct {
    const char *s;
    bool shared;
    mqs_rule rule;
    long bad; /* -1: not checked */
  } cases[] = {
      {"#", false, MQS_RULE_NONE, 0},
      {"+", false, MQS_RULE_NONE, 0},
      {"sport/tennis/#", false, MQS_RULE_NONE, 0},
      {"sport/+/player1", false, MQS_RULE_NONE, 0},
      {"+/+", false, MQS_RULE_NONE, 0},
      {"/+", false, MQS_RULE_NONE, 0},
      {"+/tennis/#", false, MQS_RULE_NONE, 0},
      {"/", false, MQS_RULE_NONE, 0},
      {"//#", false, MQS_RULE_NONE, 0},
      {"$SYS/#", false, MQS_RULE_NONE, 0},
      {"$share//a", false, MQS_RULE_NONE, 0}, /* not shared: an ordinary filter */
      {"$share/g", false, MQS_RULE_NONE, 0},
      {"", false, MQS_RULE_FILTER_EMPTY, -1},
      {"sport/tennis#", false, MQS_RULE_FILTER_HASH_MISPLACED, 12},
      {"sport/tennis/#/ranking", false, MQS_RULE_FILTER_HASH_MISPLACED, 13},
      {"#/", false, MQS_RULE_FILTER_HASH_MISPLACED, 0},
      {"##", false, MQS_RULE_FILTER_HASH_MISPLACED, 0},
      {"sport+", false, MQS_RULE_FILTER_PLUS_MISPLACED, 5},
      {"+a", false, MQS_RULE_FILTER_PLUS_MISPLACED, 0},
      {"a/b+/c", false, MQS_RULE_FILTER_PLUS_MISPLACED, 3},
      {"++", false, MQS_RULE_FILTER_PLUS_MISPLACED, 0},
      {"$share/g/a/b", true, MQS_RULE_NONE, 0},
      {"$share/grp/#", true, MQS_RULE_NONE, 0},
      {"$share/g/+/+", true, MQS_RULE_NONE, 0},
      {"$share/g//", true, MQS_RULE_NONE, 0},
      {"$share", true, MQS_RULE_NONE, 0}, /* no '/': an ordinary filter */
      {"$sharex/g/a", true, MQS_RULE_NONE, 0},
      {"a/$share/g/b", true, MQS_RULE_NONE, 0},
      {"$share//a", true, MQS_RULE_SHARE_NAME_EMPTY, 7},
      {"$share/g+/a", true, MQS_RULE_SHARE_NAME_INVALID, 8},
      {"$share/#/a", true, MQS_RULE_SHARE_NAME_INVALID, 7},
      {"$share/g", true, MQS_RULE_SHARE_FILTER_MISSING, -1},
      {"$share/g/", true, MQS_RULE_SHARE_FILTER_MISSING, -1},
      {"$share/g/a#", true, MQS_RULE_FILTER_HASH_MISPLACED, 10},
      {"$share/g/a+", true, MQS_RULE_FILTER_PLUS_MISPLACED, 10},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t bad = 999, len = strlen(cases[i].s);
    mqs_guard g = {0};
    mqs_rule r =
        mqs_topic_filter_check(guard_place(&g, cases[i].s, len), len, cases[i].shared, &bad, NULL);
    CHECKF(r == cases[i].rule, "\"%s\" (shared %d): %s, want %s", cases[i].s, cases[i].shared,
           mqs_rule_name(r), mqs_rule_name(cases[i].rule));
    if (r && cases[i].bad >= 0)
      CHECKF(bad == (size_t)cases[i].bad, "\"%s\": bad %zu, want %ld", cases[i].s, bad,
             cases[i].bad);
    guard_release(&g);
  }
}

static void test_share_split(void **state) {
  (void)state;
  static const struct {
    const char *s;
    bool ok;
    const char *name, *rest;
  } cases[] = {
      {"$share/g/a/b", true, "g", "a/b"},
      {"$share/consumer1/sport/tennis/+", true, "consumer1", "sport/tennis/+"},
      {"$share/grp/#", true, "grp", "#"},
      {"$share/g//", true, "g", "/"},
      {"$share", false, NULL, NULL},
      {"$shar/g/a", false, NULL, NULL},
      {"$SHARE/g/a", false, NULL, NULL},
      {"share/g/a", false, NULL, NULL},
      {"a/$share/g/b", false, NULL, NULL},
      {"$sharex/g/a", false, NULL, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const uint8_t *name = NULL, *rest = NULL;
    size_t nl = 0, rl = 0, len = strlen(cases[i].s);
    mqs_guard g = {0};
    const uint8_t *s = guard_place(&g, cases[i].s, len);
    bool ok = mqs_topic_share_split(s, len, &name, &nl, &rest, &rl);
    CHECKF(ok == cases[i].ok, "\"%s\": %d", cases[i].s, ok);
    if (ok) {
      CHECKF(nl == strlen(cases[i].name) && memcmp(name, cases[i].name, nl) == 0, "\"%s\": name",
             cases[i].s);
      CHECKF(rl == strlen(cases[i].rest) && memcmp(rest, cases[i].rest, rl) == 0, "\"%s\": rest",
             cases[i].s);
      CHECKF(name >= s && rest + rl <= s + len, "\"%s\": points outside the input", cases[i].s);
    }
    guard_release(&g);
  }
}

static void test_topic_match(void **state) {
  (void)state;
  static const struct {
    const char *f, *t;
    bool match;
  } cases[] = {
      /* 4.7.1.2 */
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"sport/#", "sports", false},
      {"sport/#", "sport/", true},
      {"#", "sport", true},
      {"#", "/", true},
      {"#", "a/b/c", true},
      {"/#", "/a", true},
      {"/#", "a", false},
      /* 4.7.1.3 */
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+", "a", true},
      {"+", "a/b", false},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+/+", "a", false},
      {"a/+/c", "a/b/c", true},
      {"a/+/c", "a//c", true},
      {"a/+/c", "a/b/d", false},
      {"a/+/c", "a/b/c/d", false},
      {"+/#", "a", true},
      {"+/#", "a/b/c", true},
      /* 4.7.2: '$' topics and wildcards at the first level */
      {"#", "$SYS/x", false},
      {"#", "$SYS", false},
      {"+/x", "$SYS/x", false},
      {"+", "$SYS", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"$SYS/#", "$SYS/x", true},
      {"$SYS/#", "$SYS", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"$foo/bar", "$foo/bar", true},
      {"+/bar", "$foo/bar", false},
      {"a/#", "a/$x", true},
      /* plain and empty levels, case */
      {"a/b", "a/b", true},
      {"a/b", "a/b/", false},
      {"a/b", "A/b", false},
      {"a/b/c", "a/b", false},
      {"a", "a/b", false},
      {"a//b", "a//b", true},
      {"a//b", "a/b", false},
      {"/", "/", true},
      {"//", "/", false},
      {"a/#", "ab", false},
      {"a/#", "a", true},
      {"a/#", "a/", true},
  };
  int failures = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mqs_guard gf = {0}, gt = {0};
    size_t fl = strlen(cases[i].f), tl = strlen(cases[i].t);
    bool m =
        mqs_topic_match(guard_place(&gf, cases[i].f, fl), fl, guard_place(&gt, cases[i].t, tl), tl);
    if (m != cases[i].match) {
      print_error("filter \"%s\" topic \"%s\": %d, want %d\n", cases[i].f, cases[i].t, m,
                  cases[i].match);
      failures++;
    }
    guard_release(&gf);
    guard_release(&gt);
  }
  assert_int_equal(failures, 0);
}

/* 65,000 levels: no recursion deep enough to matter (CVE-2019-11779). */
static void test_many_levels(void **state) {
  (void)state;
  size_t n = 65000, len = 2 * n - 1;
  char *t = malloc(len + 1);
  assert_non_null(t);
  for (size_t i = 0; i < n; i++) {
    t[2 * i] = 'a';
    if (i + 1 < n) t[2 * i + 1] = '/';
  }
  char *f = malloc(len + 1);
  assert_non_null(f);
  memcpy(f, t, len);
  f[len - 1] = '+';
  mqs_guard g = {0}, h = {0};
  const uint8_t *ft = guard_place(&g, f, len);
  const uint8_t *tt = guard_place(&h, t, len);
  assert_true(mqs_topic_match(ft, len, tt, len));
  size_t bad;
  assert_int_equal(mqs_topic_filter_check(ft, len, false, &bad, NULL), MQS_RULE_NONE);
  assert_int_equal(mqs_topic_name_check(tt, len, &bad, NULL), MQS_RULE_NONE);
  guard_release(&g);
  guard_release(&h);
  free(t);
  free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8_check),       cmocka_unit_test(test_decode_notes_and_bom),
      cmocka_unit_test(test_topic_name_check), cmocka_unit_test(test_topic_filter_check),
      cmocka_unit_test(test_share_split),      cmocka_unit_test(test_topic_match),
      cmocka_unit_test(test_many_levels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
