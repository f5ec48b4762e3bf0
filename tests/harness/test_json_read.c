/* tests/harness/test_json_read.c — the JSON reader behind `mqspec report`:
 * every kind of value and escape, and broken input refused with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_read.h"

static mqs_json *parse(const char *s) {
  char err[128];
  mqs_json *v = mqs_json_parse(s, strlen(s), err, sizeof err);
  if (!v) fprintf(stderr, "parse error: %s\n", err);
  return v;
}

static void test_values(void **state) {
  (void)state;
  mqs_json *v = parse(" {\"a\": [1, -2.5, 3e2, 0, true, false, null, \"x\", {}, []],\n"
                      "  \"b\": {\"c\": \"d\"}, \"a\": 9 } ");
  assert_non_null(v);
  assert_int_equal(v->type, MQS_JSON_OBJECT);
  assert_int_equal(v->n, 3);
  const mqs_json *a = mqs_json_get(v, "a"); /* the first of a repeated key */
  assert_non_null(a);
  assert_int_equal(a->type, MQS_JSON_ARRAY);
  assert_int_equal(a->n, 10);
  assert_true(a->items[0].type == MQS_JSON_NUMBER && a->items[0].num == 1);
  assert_true(a->items[1].num == -2.5);
  assert_true(a->items[2].num == 300);
  assert_true(a->items[3].num == 0);
  assert_true(a->items[4].type == MQS_JSON_BOOL && a->items[4].b);
  assert_true(a->items[5].type == MQS_JSON_BOOL && !a->items[5].b);
  assert_int_equal(a->items[6].type, MQS_JSON_NULL);
  assert_string_equal(mqs_json_string(&a->items[7]), "x");
  assert_true(a->items[8].type == MQS_JSON_OBJECT && a->items[8].n == 0);
  assert_true(a->items[9].type == MQS_JSON_ARRAY && a->items[9].n == 0);
  assert_string_equal(mqs_json_string(mqs_json_get(mqs_json_get(v, "b"), "c")), "d");
  assert_null(mqs_json_get(v, "zz"));
  assert_null(mqs_json_get(a, "a")); /* not an object */
  assert_null(mqs_json_string(a));
  assert_true(mqs_json_number(a, 42) == 42);
  assert_true(mqs_json_number(NULL, 7) == 7);
  mqs_json_free(v);

  v = parse("17");
  assert_non_null(v);
  assert_true(v->type == MQS_JSON_NUMBER && v->num == 17);
  mqs_json_free(v);
}

static void test_escapes(void **state) {
  (void)state;
  mqs_json *v = parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 "
                      "nul\\u0000end lone\\ud800x low\\udc00\"");
  assert_non_null(v);
  static const char want[] = "q\" b\\ s/ \b\f\n\r\t \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 "
                             "nul\0end lone\xEF\xBF\xBDx low\xEF\xBF\xBD";
  assert_int_equal(v->len, sizeof want - 1);
  assert_memory_equal(v->str, want, sizeof want - 1);
  mqs_json_free(v);
  /* raw UTF-8 passes through */
  v = parse("[\"\xC3\xA9\xE2\x82\xAC\"]");
  assert_non_null(v);
  assert_string_equal(v->items[0].str, "\xC3\xA9\xE2\x82\xAC");
  mqs_json_free(v);
}

static void test_broken(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",           "   ",        "{",          "[1,",      "[1 2]",       "{\"a\" 1}",
      "{\"a\":}",   "{a:1}",      "{\"a\":1,}", "[1,]",     "\"abc",       "\"a\\x\"",
      "\"\\u12\"",  "\"\\u12g4\"", "tru",       "nul",      "01",          "1.",
      "1e",         "-",          "+1",         ".5",       "[1]]",        "{} {}",
      "\"a\nb\"",   "'a'",        "[\"\\",      "NaN",      "{\"a\":1 \"b\":2}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char err[128] = "";
    mqs_json *v = mqs_json_parse(bad[i], strlen(bad[i]), err, sizeof err);
    if (v) fprintf(stderr, "accepted: %s\n", bad[i]);
    assert_null(v);
    assert_non_null(strstr(err, "line 1, column"));
  }
  char err[128] = "";
  assert_null(mqs_json_parse("{\n  \"a\": [1,\n  2 x]}", 19, err, sizeof err));
  assert_non_null(strstr(err, "line 3, column 5"));
  assert_non_null(strstr(err, "expected ',' or ']'"));
  /* too deep */
  size_t n = MQS_JSON_MAX_DEPTH + 10;
  char *deep = malloc(2 * n + 1);
  assert_non_null(deep);
  memset(deep, '[', n);
  memset(deep + n, ']', n);
  deep[2 * n] = 0;
  assert_null(mqs_json_parse(deep, 2 * n, err, sizeof err));
  assert_non_null(strstr(err, "nested too deeply"));
  /* just deep enough */
  memset(deep, '[', 100);
  memset(deep + 100, ']', 100);
  mqs_json *v = mqs_json_parse(deep, 200, err, sizeof err);
  assert_non_null(v);
  mqs_json_free(v);
  free(deep);
  /* a NULL or tiny error buffer is fine */
  assert_null(mqs_json_parse("[", 1, NULL, 0));
  char tiny[4];
  assert_null(mqs_json_parse("[", 1, tiny, sizeof tiny));
  assert_true(strlen(tiny) < sizeof tiny);
}

static void test_file(void **state) {
  (void)state;
  char path[] = "/tmp/mqs-json-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fputs("{\"scenarios\": [{\"id\": \"x\"}]}\n", f);
  assert_int_equal(fclose(f), 0);
  char err[256];
  mqs_json *v = mqs_json_parse_file(path, err, sizeof err);
  assert_non_null(v);
  const mqs_json *s = mqs_json_get(v, "scenarios");
  assert_string_equal(mqs_json_string(mqs_json_get(&s->items[0], "id")), "x");
  mqs_json_free(v);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("{\"scenarios\": [", f);
  assert_int_equal(fclose(f), 0);
  assert_null(mqs_json_parse_file(path, err, sizeof err));
  assert_non_null(strstr(err, path));
  assert_non_null(strstr(err, "unexpected end of input"));
  unlink(path);
  assert_null(mqs_json_parse_file(path, err, sizeof err));
  assert_non_null(strstr(err, "No such file"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_escapes),
      cmocka_unit_test(test_broken),
      cmocka_unit_test(test_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
