/* harness/hex.c — hex text to bytes, with the line and column of any mistake. */
#include "hex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"

int mqs_hexbuf_reserve(mqs_hexbuf *b, size_t n) {
  if (n > SIZE_MAX - b->len) return MQS_ENOMEM;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
      cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
    uint8_t *q = realloc(b->p, cap);
    if (!q) return MQS_ENOMEM;
    b->p = q;
    b->cap = cap;
  }
  return 0;
}

int mqs_hexbuf_append(mqs_hexbuf *b, const uint8_t *p, size_t n) {
  if (mqs_hexbuf_reserve(b, n) != 0) return MQS_ENOMEM;
  if (n > 0) memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

void mqs_hexbuf_free(mqs_hexbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int is_sep(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f' || c == ',' ||
         c == ':' || c == ';';
}

/* Ends a token: a separator, a comment or the end of the text. */
static int is_end(const char *s, size_t n, size_t i) {
  return i >= n || is_sep(s[i]) || s[i] == '#';
}

/* 'g', or byte 0x07 for what does not print. */
static void describe(char *dst, size_t cap, int ch) {
  if (ch < 0)
    snprintf(dst, cap, "end of text");
  else if (ch > 0x20 && ch < 0x7F && ch != '\'')
    snprintf(dst, cap, "character '%c'", ch);
  else
    snprintf(dst, cap, "byte 0x%02x", (unsigned)ch);
}

typedef enum { BAD_CHAR, BAD_AFTER_0X, ODD_DIGITS } mistake;

static int fail(mqs_hex_error *e, size_t i, size_t line, size_t line_start, int ch, mistake m) {
  if (!e) return MQS_ESYNTAX;
  char what[32];
  describe(what, sizeof what, ch);
  e->line = line;
  e->col = i - line_start + 1;
  e->offset = i;
  e->ch = ch;
  switch (m) {
  case BAD_CHAR:
    snprintf(e->msg, sizeof e->msg, "unexpected %s (expected a hex digit)", what);
    break;
  case BAD_AFTER_0X:
    snprintf(e->msg, sizeof e->msg, "unexpected %s after '0x' (expected a hex digit)", what);
    break;
  case ODD_DIGITS:
    snprintf(e->msg, sizeof e->msg, "odd number of hex digits: the %s has no pair", what);
    break;
  }
  return MQS_ESYNTAX;
}

int mqs_hex_parse(const char *s, size_t n, mqs_hexbuf *b, mqs_hex_error *e) {
  size_t start_len = b->len, line = 1, line_start = 0, i = 0;
  int rc = 0;
  while (i < n) {
    char c = s[i];
    if (c == '\n') {
      line++;
      line_start = ++i;
      continue;
    }
    if (is_sep(c)) {
      i++;
      continue;
    }
    if (c == '#') {
      while (i < n && s[i] != '\n')
        i++;
      continue;
    }
    /* A token: [0x] hex digits. */
    int prefixed = 0;
    if (c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      prefixed = 1;
      i += 2;
      if (i >= n || hexval(s[i]) < 0) {
        rc = fail(e, i, line, line_start, i < n ? (unsigned char)s[i] : -1, BAD_AFTER_0X);
        goto fail;
      }
    }
    size_t j = i;
    while (j < n && hexval(s[j]) >= 0)
      j++;
    if (!is_end(s, n, j)) {
      rc = fail(e, j, line, line_start, (unsigned char)s[j], BAD_CHAR);
      goto fail;
    }
    size_t digits = j - i;
    if (digits % 2 == 1 && !(prefixed && digits == 1)) {
      rc = fail(e, j - 1, line, line_start, (unsigned char)s[j - 1], ODD_DIGITS);
      goto fail;
    }
    uint8_t chunk[64];
    size_t k = 0;
    if (digits == 1) {
      chunk[k++] = (uint8_t)hexval(s[i]);
    } else {
      for (size_t d = i; d < j; d += 2) {
        chunk[k++] = (uint8_t)(hexval(s[d]) << 4 | hexval(s[d + 1]));
        if (k == sizeof chunk) {
          if ((rc = mqs_hexbuf_append(b, chunk, k)) != 0) goto fail;
          k = 0;
        }
      }
    }
    if ((rc = mqs_hexbuf_append(b, chunk, k)) != 0) goto fail;
    i = j;
  }
  return 0;
fail:
  b->len = start_len;
  return rc;
}
