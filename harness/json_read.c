/* harness/json_read.c — see json_read.h. Recursive descent over a buffer. */
#include "json_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p, *end, *start;
  char *err;
  size_t errcap;
  bool failed;
} reader;

__attribute__((format(printf, 2, 3))) static void fail(reader *r, const char *fmt, ...) {
  if (r->failed) return;
  r->failed = true;
  if (!r->err || r->errcap == 0) return;
  size_t line = 1, col = 1;
  for (const char *q = r->start; q < r->p && q < r->end; q++) {
    if (*q == '\n') line++, col = 1;
    else col++;
  }
  int k = snprintf(r->err, r->errcap, "line %zu, column %zu: ", line, col);
  if (k < 0 || (size_t)k >= r->errcap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err + k, r->errcap - (size_t)k, fmt, ap);
  va_end(ap);
}

static void skip_ws(reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static void free_value(mqs_json *v) {
  if (!v) return;
  free(v->str);
  for (size_t i = 0; i < v->n; i++) {
    free_value(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
}

void mqs_json_free(mqs_json *v) {
  free_value(v);
  free(v);
}

/* ---- strings ---------------------------------------------------------------- */

typedef struct {
  char *s;
  size_t n, cap;
} buf;

static bool put(buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 32;
    while (cap < b->n + n + 1)
      cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) return false;
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
  return true;
}

static bool put_utf8(buf *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) u[0] = (char)cp, n = 1;
  else if (cp < 0x800) u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
    u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  return put(b, u, n);
}

static int hex4(reader *r, uint32_t *out) {
  if (r->end - r->p < 4) return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = r->p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return -1;
  }
  r->p += 4;
  *out = v;
  return 0;
}

/* At the opening quote. Returns the string (malloc'd) and its length. */
static char *parse_string(reader *r, size_t *len) {
  buf b = {0};
  r->p++; /* '"' */
  if (!put(&b, "", 0)) goto nomem;
  for (;;) {
    if (r->p >= r->end) {
      fail(r, "unterminated string");
      goto bad;
    }
    unsigned char c = (unsigned char)*r->p;
    if (c == '"') {
      r->p++;
      break;
    }
    if (c < 0x20) {
      fail(r, "control character in a string");
      goto bad;
    }
    if (c != '\\') {
      const char *q = r->p;
      while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
        q++;
      if (!put(&b, r->p, (size_t)(q - r->p))) goto nomem;
      r->p = q;
      continue;
    }
    r->p++;
    if (r->p >= r->end) {
      fail(r, "unterminated string");
      goto bad;
    }
    char e = *r->p++;
    const char *simple = NULL;
    switch (e) {
    case '"': simple = "\""; break;
    case '\\': simple = "\\"; break;
    case '/': simple = "/"; break;
    case 'b': simple = "\b"; break;
    case 'f': simple = "\f"; break;
    case 'n': simple = "\n"; break;
    case 'r': simple = "\r"; break;
    case 't': simple = "\t"; break;
    case 'u': {
      uint32_t cp = 0, lo = 0;
      if (hex4(r, &cp) < 0) {
        fail(r, "bad \\u escape");
        goto bad;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->end - r->p >= 2 && r->p[0] == '\\' && r->p[1] == 'u') {
          r->p += 2;
          if (hex4(r, &lo) < 0) {
            fail(r, "bad \\u escape");
            goto bad;
          }
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else { /* a lone high surrogate, then another escape */
            if (!put_utf8(&b, 0xFFFD)) goto nomem;
            cp = (lo >= 0xD800 && lo <= 0xDFFF) ? 0xFFFD : lo;
          }
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD; /* a lone low surrogate */
      }
      if (!put_utf8(&b, cp)) goto nomem;
      continue;
    }
    default: fail(r, "bad escape '\\%c'", e); goto bad;
    }
    if (!put(&b, simple, 1)) goto nomem;
  }
  *len = b.n;
  return b.s;
nomem:
  fail(r, "out of memory");
bad:
  free(b.s);
  return NULL;
}

/* ---- values ----------------------------------------------------------------- */

static bool parse_value(reader *r, mqs_json *out, int depth);

static bool literal(reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return false;
  r->p += n;
  return true;
}

static bool parse_number(reader *r, mqs_json *out) {
  const char *q = r->p;
  if (q < r->end && *q == '-') q++;
  if (q >= r->end || !(*q >= '0' && *q <= '9')) return fail(r, "expected a value"), false;
  if (*q == '0') q++;
  else
    while (q < r->end && *q >= '0' && *q <= '9')
      q++;
  if (q < r->end && *q == '.') {
    q++;
    if (q >= r->end || !(*q >= '0' && *q <= '9')) return fail(r, "expected a digit after '.'"), false;
    while (q < r->end && *q >= '0' && *q <= '9')
      q++;
  }
  if (q < r->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < r->end && (*q == '+' || *q == '-')) q++;
    if (q >= r->end || !(*q >= '0' && *q <= '9')) return fail(r, "expected an exponent"), false;
    while (q < r->end && *q >= '0' && *q <= '9')
      q++;
  }
  char tmp[64];
  size_t n = (size_t)(q - r->p);
  double v = 0;
  if (n < sizeof tmp) {
    memcpy(tmp, r->p, n);
    tmp[n] = 0;
    v = strtod(tmp, NULL);
  } else {
    char *big = malloc(n + 1);
    if (!big) return fail(r, "out of memory"), false;
    memcpy(big, r->p, n);
    big[n] = 0;
    v = strtod(big, NULL);
    free(big);
  }
  out->type = MQS_JSON_NUMBER;
  out->num = v;
  r->p = q;
  return true;
}

/* Append v to the container (items and, for objects, key). */
static bool append(reader *r, mqs_json *c, size_t *cap, mqs_json *v, char *key) {
  if (c->n == *cap) {
    size_t nc = *cap ? *cap * 2 : 8;
    mqs_json *items = realloc(c->items, nc * sizeof *items);
    if (!items) return fail(r, "out of memory"), false;
    c->items = items;
    if (c->type == MQS_JSON_OBJECT) {
      char **keys = realloc(c->keys, nc * sizeof *keys);
      if (!keys) return fail(r, "out of memory"), false;
      c->keys = keys;
    }
    *cap = nc;
  }
  c->items[c->n] = *v;
  if (c->type == MQS_JSON_OBJECT) c->keys[c->n] = key;
  c->n++;
  return true;
}

static bool parse_container(reader *r, mqs_json *out, int depth) {
  bool obj = *r->p == '{';
  char close = obj ? '}' : ']';
  out->type = obj ? MQS_JSON_OBJECT : MQS_JSON_ARRAY;
  size_t cap = 0;
  r->p++;
  skip_ws(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    return true;
  }
  for (;;) {
    char *key = NULL;
    if (obj) {
      skip_ws(r);
      if (r->p >= r->end || *r->p != '"') return fail(r, "expected a string key"), false;
      size_t klen = 0;
      key = parse_string(r, &klen);
      if (!key) return false;
      skip_ws(r);
      if (r->p >= r->end || *r->p != ':') {
        free(key);
        return fail(r, "expected ':'"), false;
      }
      r->p++;
    }
    mqs_json v = {0};
    if (!parse_value(r, &v, depth + 1) || !append(r, out, &cap, &v, key)) {
      free_value(&v);
      free(key);
      return false;
    }
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
      r->p++;
      continue;
    }
    if (r->p < r->end && *r->p == close) {
      r->p++;
      return true;
    }
    return fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'"), false;
  }
}

static bool parse_value(reader *r, mqs_json *out, int depth) {
  skip_ws(r);
  if (depth > MQS_JSON_MAX_DEPTH) return fail(r, "nested too deeply"), false;
  if (r->p >= r->end) return fail(r, "unexpected end of input"), false;
  switch (*r->p) {
  case '{':
  case '[': return parse_container(r, out, depth);
  case '"':
    out->type = MQS_JSON_STRING;
    out->str = parse_string(r, &out->len);
    return out->str != NULL;
  case 't':
  case 'f':
  case 'n':
    if (literal(r, "true")) out->type = MQS_JSON_BOOL, out->b = true;
    else if (literal(r, "false")) out->type = MQS_JSON_BOOL, out->b = false;
    else if (literal(r, "null")) out->type = MQS_JSON_NULL;
    else return fail(r, "expected a value"), false;
    return true;
  default: return parse_number(r, out);
  }
}

mqs_json *mqs_json_parse(const char *text, size_t len, char *err, size_t errcap) {
  if (err && errcap) err[0] = 0;
  reader r = {.p = text, .end = text + len, .start = text, .err = err, .errcap = errcap};
  mqs_json *v = calloc(1, sizeof *v);
  if (!v) {
    fail(&r, "out of memory");
    return NULL;
  }
  if (!text) {
    fail(&r, "no input");
    free(v);
    return NULL;
  }
  if (parse_value(&r, v, 0)) {
    skip_ws(&r);
    if (r.p == r.end) return v;
    fail(&r, "unexpected text after the value");
  }
  mqs_json_free(v);
  return NULL;
}

mqs_json *mqs_json_parse_file(const char *path, char *err, size_t errcap) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (err && errcap) snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return NULL;
  }
  char *data = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 65536;
      char *t = realloc(data, cap);
      if (!t) {
        free(data);
        fclose(f);
        if (err && errcap) snprintf(err, errcap, "%s: out of memory", path);
        return NULL;
      }
      data = t;
    }
    size_t k = fread(data + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  bool bad = ferror(f) != 0;
  fclose(f);
  if (bad) {
    free(data);
    if (err && errcap) snprintf(err, errcap, "%s: read error", path);
    return NULL;
  }
  char msg[256] = "";
  mqs_json *v = mqs_json_parse(data, n, msg, sizeof msg);
  free(data);
  if (!v && err && errcap) snprintf(err, errcap, "%s: %s", path, msg);
  return v;
}

const mqs_json *mqs_json_get(const mqs_json *v, const char *key) {
  if (!v || v->type != MQS_JSON_OBJECT) return NULL;
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0) return &v->items[i];
  return NULL;
}

const char *mqs_json_string(const mqs_json *v) {
  return v && v->type == MQS_JSON_STRING ? v->str : NULL;
}

double mqs_json_number(const mqs_json *v, double dflt) {
  return v && v->type == MQS_JSON_NUMBER ? v->num : dflt;
}
