/* harness/escape.c — JSON and XML escaping of untrusted text for reports. */
#include "escape.h"

#include <string.h>

size_t mqs_utf8_next(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t c = s[0];
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte (Unicode table 3-7) */
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
    *cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    *cp = c & 0x0F;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    *cp = c & 0x07;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* above U+10FFFF */
  } else {
    *cp = MQS_UTF8_REPLACEMENT;
    return 1;
  }
  if (n < need || s[1] < lo || s[1] > hi) {
    *cp = MQS_UTF8_REPLACEMENT;
    return 1;
  }
  for (size_t i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = MQS_UTF8_REPLACEMENT;
      return 1;
    }
    *cp = (*cp << 6) | (s[i] & 0x3F);
  }
  return need;
}

size_t mqs_utf8_prefix(const char *s, size_t n, size_t max) {
  if (n <= max) return n;
  size_t k = max;
  /* Step back over continuation bytes to the start of the cut sequence. */
  while (k > 0 && ((uint8_t)s[k] & 0xC0) == 0x80)
    k--;
  return k;
}

/* Write code point cp as UTF-8. */
static void put_utf8(FILE *f, uint32_t cp) {
  if (cp < 0x80) {
    putc((int)cp, f);
  } else if (cp < 0x800) {
    putc((int)(0xC0 | (cp >> 6)), f);
    putc((int)(0x80 | (cp & 0x3F)), f);
  } else if (cp < 0x10000) {
    putc((int)(0xE0 | (cp >> 12)), f);
    putc((int)(0x80 | ((cp >> 6) & 0x3F)), f);
    putc((int)(0x80 | (cp & 0x3F)), f);
  } else {
    putc((int)(0xF0 | (cp >> 18)), f);
    putc((int)(0x80 | ((cp >> 12) & 0x3F)), f);
    putc((int)(0x80 | ((cp >> 6) & 0x3F)), f);
    putc((int)(0x80 | (cp & 0x3F)), f);
  }
}

void mqs_json_strn(FILE *f, const uint8_t *s, size_t n) {
  putc('"', f);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += mqs_utf8_next(s + i, n - i, &cp);
    switch (cp) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      /* JSON forbids raw U+0000..U+001F; DEL is legal but invisible, so escape it too. */
      if (cp < 0x20 || cp == 0x7F)
        fprintf(f, "\\u%04x", (unsigned)cp);
      else
        put_utf8(f, cp);
    }
  }
  putc('"', f);
}

void mqs_json_str(FILE *f, const char *s) {
  if (s)
    mqs_json_strn(f, (const uint8_t *)s, strlen(s));
  else
    fputs("null", f);
}

void mqs_json_hex(FILE *f, const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char buf[512];
  size_t k = 0;
  putc('"', f);
  for (size_t i = 0; i < n; i++) {
    buf[k++] = digits[p[i] >> 4];
    buf[k++] = digits[p[i] & 15];
    if (k == sizeof buf) {
      fwrite(buf, 1, k, f);
      k = 0;
    }
  }
  fwrite(buf, 1, k, f);
  putc('"', f);
}

/* XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
 * [#x10000-#x10FFFF] (mqs_utf8_next never yields surrogates). */
static int xml_char_allowed(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
}

void mqs_xml_strn(FILE *f, const char *s, size_t n, bool attr) {
  const uint8_t *u = (const uint8_t *)s;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    i += mqs_utf8_next(u + i, n - i, &cp);
    if (!xml_char_allowed(cp)) continue;
    switch (cp) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break; /* so "]]>" never appears in character data */
    case '"': fputs(attr ? "&quot;" : "\"", f); break;
    case '\t': fputs(attr ? "&#9;" : "\t", f); break;
    case '\n': fputs(attr ? "&#10;" : "\n", f); break;
    /* A raw CR is turned into LF by every parser (2.11), even in character data. */
    case '\r': fputs("&#13;", f); break;
    default: put_utf8(f, cp);
    }
  }
}

void mqs_xml_str(FILE *f, const char *s, bool attr) {
  if (s) mqs_xml_strn(f, s, strlen(s), attr);
}
