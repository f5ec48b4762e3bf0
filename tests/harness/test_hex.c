/* tests/harness/test_hex.c — hex text to bytes, and the position of every mistake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "mqs/err.h"

/* Parse s (NUL-terminated) into a fresh buffer and compare with want. */
static void parses_to(const char *s, const uint8_t *want, size_t n) {
  mqs_hexbuf b = {0};
  mqs_hex_error e;
  memset(&e, 0, sizeof e);
  int rc = mqs_hex_parse(s, strlen(s), &b, &e);
  if (rc != 0) fail_msg("'%s' refused: %zu:%zu %s", s, e.line, e.col, e.msg);
  assert_int_equal(b.len, n);
  if (n > 0) assert_memory_equal(b.p, want, n);
  mqs_hexbuf_free(&b);
}

/* Parse s and expect a refusal at line:col naming byte ch. */
static void refuses(const char *s, size_t line, size_t col, int ch, const char *words) {
  mqs_hexbuf b = {0};
  mqs_hex_error e;
  memset(&e, 0, sizeof e);
  assert_int_equal(mqs_hex_parse(s, strlen(s), &b, &e), MQS_ESYNTAX);
  if (e.line != line || e.col != col || e.ch != ch || !strstr(e.msg, words))
    fail_msg("'%s': got %zu:%zu ch=%d '%s', want %zu:%zu ch=%d '...%s...'", s, e.line, e.col, e.ch,
             e.msg, line, col, ch, words);
  assert_int_equal(b.len, 0);
  mqs_hexbuf_free(&b);
}

static const uint8_t connect4[] = {0x10, 0x0c, 0x00, 0x04};

static void test_spaced(void **state) {
  (void)state;
  parses_to("10 0c 00 04", connect4, 4);
  parses_to("  10   0c\t00 04  ", connect4, 4);
  parses_to("10 0C 00 04", connect4, 4);
}

static void test_packed(void **state) {
  (void)state;
  parses_to("100c0004", connect4, 4);
  parses_to("100C 0004", connect4, 4);
}

static void test_prefixed(void **state) {
  (void)state;
  parses_to("0x10,0x0c,0x00,0x04", connect4, 4);
  parses_to("0x10, 0x0c, 0X00, 0x04", connect4, 4);
  parses_to("0x100c0004", connect4, 4);
  parses_to("0x10 0c 0x0 0x4", connect4, 4); /* one digit after 0x is one byte */
}

static void test_lines_and_separators(void **state) {
  (void)state;
  parses_to("10\n0c\r\n00\n04\n", connect4, 4);
  parses_to("10:0c:00:04", connect4, 4);
  parses_to("10;0c;00;04;", connect4, 4);
}

static void test_comments(void **state) {
  (void)state;
  parses_to("# a CONNECT\n10 0c # header\n00 04 # the name length\n", connect4, 4);
  parses_to("10 0c#no space needed\n0004", connect4, 4);
  parses_to("# nothing but a comment", NULL, 0);
  parses_to("", NULL, 0);
  parses_to(" \n\t\n", NULL, 0);
}

static void test_bad_character(void **state) {
  (void)state;
  refuses("10 0g", 1, 5, 'g', "unexpected character 'g'");
  refuses("10 0c\n00 zz\n", 2, 4, 'z', "expected a hex digit");
  refuses("10x", 1, 3, 'x', "character 'x'");
  refuses("10 -1", 1, 4, '-', "character '-'");
  refuses("# ok\n\n   10 \x01", 3, 7, 1, "byte 0x01");
  refuses("10 \xc3\xa9", 1, 4, 0xc3, "byte 0xc3");
}

static void test_bad_after_prefix(void **state) {
  (void)state;
  refuses("0x", 1, 3, -1, "end of text");
  refuses("10 0x 0c", 1, 6, ' ', "after '0x'");
  refuses("0xg1", 1, 3, 'g', "after '0x'");
}

static void test_odd_digits(void **state) {
  (void)state;
  refuses("abc", 1, 3, 'c', "odd number of hex digits");
  refuses("10 0c 0", 1, 7, '0', "odd number");
  refuses("10\n  123 # three", 2, 5, '3', "odd number");
  refuses("0x123", 1, 5, '3', "odd number");
}

static void test_nul_inside(void **state) {
  (void)state;
  mqs_hexbuf b = {0};
  mqs_hex_error e;
  static const char s[] = {'1', '0', ' ', '\0', '0', 'c'};
  assert_int_equal(mqs_hex_parse(s, sizeof s, &b, &e), MQS_ESYNTAX);
  assert_int_equal(e.col, 4);
  assert_int_equal(e.ch, 0);
  mqs_hexbuf_free(&b);
}

static void test_appends_and_keeps_on_error(void **state) {
  (void)state;
  mqs_hexbuf b = {0};
  assert_int_equal(mqs_hex_parse("10 0c", 5, &b, NULL), 0);
  assert_int_equal(mqs_hex_parse("00 04", 5, &b, NULL), 0);
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.p, connect4, 4);
  /* a refusal with no error struct, and the earlier bytes untouched */
  assert_int_equal(mqs_hex_parse("05 zz", 5, &b, NULL), MQS_ESYNTAX);
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.p, connect4, 4);
  static const uint8_t raw[] = {0xc0, 0x00};
  assert_int_equal(mqs_hexbuf_append(&b, raw, 2), 0);
  assert_int_equal(b.len, 6);
  assert_int_equal(b.p[4], 0xc0);
  mqs_hexbuf_free(&b);
  assert_null(b.p);
  assert_int_equal(b.len, 0);
}

static void test_long_input(void **state) {
  (void)state;
  /* 5000 bytes in one token and spaced: crosses the parser's chunk and the buffer's growth */
  enum { N = 5000 };
  static char packed[2 * N + 1], spaced[3 * N + 1];
  static uint8_t want[N];
  for (size_t i = 0; i < N; i++) {
    want[i] = (uint8_t)(i * 7);
    snprintf(packed + 2 * i, 3, "%02x", want[i]);
    snprintf(spaced + 3 * i, 4, "%02X ", want[i]);
  }
  parses_to(packed, want, N);
  parses_to(spaced, want, N);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spaced),           cmocka_unit_test(test_packed),
      cmocka_unit_test(test_prefixed),         cmocka_unit_test(test_lines_and_separators),
      cmocka_unit_test(test_comments),         cmocka_unit_test(test_bad_character),
      cmocka_unit_test(test_bad_after_prefix), cmocka_unit_test(test_odd_digits),
      cmocka_unit_test(test_nul_inside),       cmocka_unit_test(test_appends_and_keeps_on_error),
      cmocka_unit_test(test_long_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
