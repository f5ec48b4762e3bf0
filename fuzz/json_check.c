/* fuzz/json_check.c — see json_check.h. A recursive-descent checker with a
 * depth limit; it keeps nothing but the keys of the objects it is inside. */
#include "json_check.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mqs/text.h"

#define MAX_DEPTH 32
#define MAX_KEYS  128

typedef struct {
  const char *s;
  size_t n, i;
  const char *err;
} parser;

static bool fail(parser *p, const char *why) {
  if (!p->err) p->err = why;
  return false;
}

static void ws(parser *p) {
  while (p->i < p->n &&
         (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
    p->i++;
}

static bool lit(parser *p, const char *w) {
  size_t k = strlen(w);
  if (p->n - p->i < k || memcmp(p->s + p->i, w, k) != 0) return fail(p, "bad literal");
  p->i += k;
  return true;
}

static bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string; its raw bytes (between the quotes) in *key, *klen. */
static bool string(parser *p, const char **key, size_t *klen) {
  if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected a string");
  size_t start = ++p->i;
  while (p->i < p->n && p->s[p->i] != '"') {
    unsigned char c = (unsigned char)p->s[p->i];
    if (c < 0x20) return fail(p, "unescaped control character in a string");
    if (c == '\\') {
      if (++p->i >= p->n) return fail(p, "string ends in an escape");
      char e = p->s[p->i];
      if (e == 'u') {
        for (int k = 1; k <= 4; k++)
          if (p->i + k >= p->n || !is_hex(p->s[p->i + k])) return fail(p, "bad \\u escape");
        p->i += 4;
      } else if (!strchr("\"\\/bfnrt", e) || !e) {
        return fail(p, "bad escape");
      }
    }
    p->i++;
  }
  if (p->i >= p->n) return fail(p, "unterminated string");
  size_t bad;
  if (mqs_utf8_check((const uint8_t *)p->s + start, p->i - start, &bad, NULL) ==
      MQS_RULE_UTF8_INVALID)
    return fail(p, "string is not well-formed UTF-8");
  if (key) {
    *key = p->s + start;
    *klen = p->i - start;
  }
  p->i++;
  return true;
}

static bool digits(parser *p) {
  size_t start = p->i;
  while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
    p->i++;
  return p->i > start || fail(p, "expected a digit");
}

static bool number(parser *p) {
  if (p->s[p->i] == '-') p->i++;
  if (p->i < p->n && p->s[p->i] == '0')
    p->i++;
  else if (!digits(p))
    return false;
  if (p->i < p->n && p->s[p->i] == '.') {
    p->i++;
    if (!digits(p)) return false;
  }
  if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
    p->i++;
    if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
    if (!digits(p)) return false;
  }
  return true;
}

static bool value(parser *p, int depth);

typedef struct {
  const char *k;
  size_t n;
} key_seen;

static bool object(parser *p, int depth) {
  key_seen keys[MAX_KEYS];
  size_t nk = 0;
  p->i++; /* '{' */
  ws(p);
  if (p->i < p->n && p->s[p->i] == '}') {
    p->i++;
    return true;
  }
  for (;;) {
    const char *k;
    size_t kl;
    ws(p);
    if (!string(p, &k, &kl)) return false;
    for (size_t j = 0; j < nk; j++)
      if (keys[j].n == kl && memcmp(keys[j].k, k, kl) == 0) return fail(p, "duplicate key");
    if (nk < MAX_KEYS) keys[nk++] = (key_seen){k, kl};
    ws(p);
    if (p->i >= p->n || p->s[p->i] != ':') return fail(p, "expected ':'");
    p->i++;
    if (!value(p, depth + 1)) return false;
    ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == '}') {
      p->i++;
      return true;
    }
    return fail(p, "expected ',' or '}'");
  }
}

static bool array(parser *p, int depth) {
  p->i++; /* '[' */
  ws(p);
  if (p->i < p->n && p->s[p->i] == ']') {
    p->i++;
    return true;
  }
  for (;;) {
    if (!value(p, depth + 1)) return false;
    ws(p);
    if (p->i < p->n && p->s[p->i] == ',') {
      p->i++;
      continue;
    }
    if (p->i < p->n && p->s[p->i] == ']') {
      p->i++;
      return true;
    }
    return fail(p, "expected ',' or ']'");
  }
}

static bool value(parser *p, int depth) {
  if (depth > MAX_DEPTH) return fail(p, "nested too deep");
  ws(p);
  if (p->i >= p->n) return fail(p, "expected a value");
  switch (p->s[p->i]) {
  case '{': return object(p, depth);
  case '[': return array(p, depth);
  case '"': return string(p, NULL, NULL);
  case 't': return lit(p, "true");
  case 'f': return lit(p, "false");
  case 'n': return lit(p, "null");
  default:
    if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9')) return number(p);
    return fail(p, "unexpected character");
  }
}

const char *json_check(const char *s, size_t n, size_t *at) {
  parser p = {s, n, 0, NULL};
  ws(&p);
  if (p.i >= n || s[p.i] != '{') {
    fail(&p, "not an object");
  } else if (object(&p, 0)) {
    ws(&p);
    if (p.i != n) fail(&p, "text after the object");
  }
  if (at) *at = p.i;
  return p.err;
}
