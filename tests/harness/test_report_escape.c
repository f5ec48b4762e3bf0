/* tests/harness/test_report_escape.c — JSON and XML escaping of hostile text,
 * and the small helpers the report writers share. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "mqs/err.h"
#include "report_util.h"

typedef enum { JSON, XML_TEXT, XML_ATTR } how;

/* Escape n bytes of s the given way and compare with want. */
static void escapes(how h, const char *s, size_t n, const char *want) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_non_null(f);
  if (h == JSON)
    mqs_json_strn(f, (const uint8_t *)s, n);
  else
    mqs_xml_strn(f, s, n, h == XML_ATTR);
  assert_int_equal(fclose(f), 0);
  if (strcmp(out, want) != 0) fail_msg("got  [%s]\nwant [%s]", out, want);
  free(out);
}

#define ESC(h, lit, want) escapes(h, lit, sizeof lit - 1, want)

static void test_json_escapes_quotes_and_controls(void **state) {
  (void)state;
  ESC(JSON, "a\"b\\c", "\"a\\\"b\\\\c\"");
  ESC(JSON, "\n\r\t", "\"\\n\\r\\t\"");
  ESC(JSON, "\x01\x1b\x7f", "\"\\u0001\\u001b\\u007f\"");
  ESC(JSON, "nul\0in", "\"nul\\u0000in\"");
  ESC(JSON, "<&>", "\"<&>\"");
}

static void test_json_keeps_utf8_replaces_ill_formed(void **state) {
  (void)state;
  ESC(JSON, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  /* lone continuation, bad lead, overlong '/', surrogate, above U+10FFFF, truncated at the end */
  ESC(JSON, "\x80", "\"\xef\xbf\xbd\"");
  ESC(JSON, "\xff", "\"\xef\xbf\xbd\"");
  ESC(JSON, "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  ESC(JSON, "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  ESC(JSON, "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
  ESC(JSON, "ok\xe2\x82", "\"ok\xef\xbf\xbd\xef\xbf\xbd\"");
}

static void test_json_null_and_hex(void **state) {
  (void)state;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_non_null(f);
  mqs_json_str(f, NULL);
  putc(' ', f);
  static const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  mqs_json_hex(f, bytes, sizeof bytes);
  putc(' ', f);
  mqs_json_hex(f, NULL, 0);
  assert_int_equal(fclose(f), 0);
  assert_string_equal(out, "null \"000fa0ff\" \"\"");
  free(out);
}

/* The hex writer flushes a scratch buffer: check across its boundary. */
static void test_json_hex_long(void **state) {
  (void)state;
  enum { N = 1000 };
  uint8_t in[N];
  for (size_t i = 0; i < N; i++)
    in[i] = (uint8_t)(i * 31);
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_non_null(f);
  mqs_json_hex(f, in, N);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(len, 2 * N + 2);
  for (size_t i = 0; i < N; i++) {
    unsigned v;
    assert_int_equal(sscanf(out + 1 + 2 * i, "%2x", &v), 1);
    assert_int_equal(v, in[i]);
  }
  free(out);
}

static void test_xml_escapes_markup(void **state) {
  (void)state;
  ESC(XML_TEXT, "a<b>&c\"d'e ]]>", "a&lt;b&gt;&amp;c\"d'e ]]&gt;");
  ESC(XML_ATTR, "a<b>&c\"d'e", "a&lt;b&gt;&amp;c&quot;d'e");
}

static void test_xml_whitespace(void **state) {
  (void)state;
  ESC(XML_TEXT, "a\tb\nc\rd", "a\tb\nc&#13;d");
  ESC(XML_ATTR, "a\tb\nc\rd", "a&#9;b&#10;c&#13;d");
}

static void test_xml_drops_forbidden(void **state) {
  (void)state;
  /* C0 controls (but tab, LF, CR), U+FFFE, U+FFFF cannot appear in XML 1.0 at all */
  ESC(XML_TEXT,
      "a\x01\x1b[0m\x7f"
      "b\0c",
      "a[0m\x7f"
      "bc");
  ESC(XML_TEXT, "x\xef\xbf\xbey\xef\xbf\xbfz", "xyz");
  /* ill-formed UTF-8 is replaced, not dropped: the reader sees something was there */
  ESC(XML_TEXT, "x\xffy", "x\xef\xbf\xbdy");
  ESC(XML_TEXT, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

static void test_utf8_prefix_keeps_characters_whole(void **state) {
  (void)state;
  const char *s = "ab\xe2\x82\xac"
                  "cd"; /* a b EURO c d */
  assert_int_equal(mqs_utf8_prefix(s, 7, 10), 7);
  assert_int_equal(mqs_utf8_prefix(s, 7, 5), 5);
  assert_int_equal(mqs_utf8_prefix(s, 7, 4), 2);
  assert_int_equal(mqs_utf8_prefix(s, 7, 3), 2);
  assert_int_equal(mqs_utf8_prefix(s, 7, 2), 2);
  assert_int_equal(mqs_utf8_prefix(s, 7, 0), 0);
}

static void test_natural_order(void **state) {
  (void)state;
  assert_true(mqs_report_natural_cmp("MQTT-3.1.2-9", "MQTT-3.1.2-10") < 0);
  assert_true(mqs_report_natural_cmp("MQTT-3.10.1-1", "MQTT-3.9.1-1") > 0);
  assert_true(mqs_report_natural_cmp("MQTT-4.7.1-2", "MQTT-4.7.1-2") == 0);
  assert_true(mqs_report_natural_cmp("MQTT-1.5.4-1", "MQTT-1.5.4") > 0);
  assert_true(mqs_report_natural_cmp("a007", "a7") == 0);
  assert_true(mqs_report_natural_cmp("a", "b") < 0);
}

static void test_iso8601(void **state) {
  (void)state;
  char buf[32];
  mqs_report_iso8601(1714566896789ull, 1, buf, sizeof buf);
  assert_string_equal(buf, "2024-05-01T12:34:56Z");
  mqs_report_iso8601(0, 0, buf, sizeof buf);
  assert_string_equal(buf, "1970-01-01T00:00:00");
}

static void test_safe_name(void **state) {
  (void)state;
  static const char *const cases[][2] = {
      {"v5.qos2.exactly-once", "v5.qos2.exactly-once"},
      {"../../etc/passwd", "_._.._etc_passwd"},
      {"a b/c\\d:e*f", "a_b_c_d_e_f"},
      {".hidden", "_hidden"},
      {"", "_"},
      {"caf\xc3\xa9", "caf__"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *s = mqs_report_safe_name(cases[i][0]);
    assert_non_null(s);
    assert_string_equal(s, cases[i][1]);
    free(s);
  }
  char *s = mqs_report_safe_name(NULL);
  assert_string_equal(s, "_");
  free(s);
}

static void test_kind_names(void **state) {
  (void)state;
  assert_string_equal(mqs_report_kind_name(MQS_WIRE_OPEN), "open");
  assert_string_equal(mqs_report_kind_name(MQS_WIRE_RECEIVED), "received");
  assert_string_equal(mqs_report_kind_name(MQS_WIRE_RESET_PEER), "reset_peer");
  assert_string_equal(mqs_report_kind_name((mqs_wire_kind)99), "unknown");
}

/* A write error that only shows at fclose (a full disk) is reported. */
static void test_close_reports_write_errors(void **state) {
  (void)state;
  FILE *f = fopen("/dev/full", "w");
  if (!f) skip();
  fputs("x", f);
  assert_int_equal(mqs_report_close(f, 0), MQS_EIO);
  f = fopen("/dev/null", "w");
  assert_non_null(f);
  fputs("x", f);
  assert_int_equal(mqs_report_close(f, 0), 0);
  f = fopen("/dev/null", "w");
  assert_non_null(f);
  assert_int_equal(mqs_report_close(f, MQS_ENOMEM), MQS_ENOMEM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_escapes_quotes_and_controls),
      cmocka_unit_test(test_json_keeps_utf8_replaces_ill_formed),
      cmocka_unit_test(test_json_null_and_hex),
      cmocka_unit_test(test_json_hex_long),
      cmocka_unit_test(test_xml_escapes_markup),
      cmocka_unit_test(test_xml_whitespace),
      cmocka_unit_test(test_xml_drops_forbidden),
      cmocka_unit_test(test_utf8_prefix_keeps_characters_whole),
      cmocka_unit_test(test_natural_order),
      cmocka_unit_test(test_iso8601),
      cmocka_unit_test(test_safe_name),
      cmocka_unit_test(test_kind_names),
      cmocka_unit_test(test_close_reports_write_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
