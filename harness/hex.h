/* harness/hex.h — hex text to bytes, for `mqspec decode` and scenario files.
 *
 * Accepts what people paste: "10 0c 00 04", "100c0004", "0x10,0x0c",
 * several lines, and '#' comments to the end of a line. Separators are
 * white space, ',' ':' and ';'. A token is an even run of hex digits,
 * optionally after "0x"; "0x" with one digit ("0x1") is one byte. */
#ifndef MQS_HEX_H
#define MQS_HEX_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; start it zeroed, free it with mqs_hexbuf_free. */
typedef struct {
  uint8_t *p;
  size_t len, cap;
} mqs_hexbuf;

/* Where and why hex text was refused. line and col count from 1 (col in
 * bytes); ch is the offending byte, or -1 when the text ended too soon. */
typedef struct {
  size_t line, col;
  size_t offset; /* of the offending byte in the text */
  int ch;
  char msg[96]; /* "unexpected character 'g' (expected a hex digit)" */
} mqs_hex_error;

/* Append the bytes that text s[0..n) spells to *b. Returns 0, MQS_ESYNTAX
 * with *e set (e may be NULL) when the text is not hex, or MQS_ENOMEM. On
 * error *b keeps the bytes it had before the call. */
int mqs_hex_parse(const char *s, size_t n, mqs_hexbuf *b, mqs_hex_error *e);
/* Room for n more bytes after len (capacity doubles). Returns 0 or MQS_ENOMEM. */
int mqs_hexbuf_reserve(mqs_hexbuf *b, size_t n);
/* Append n raw bytes. Returns 0 or MQS_ENOMEM. */
int mqs_hexbuf_append(mqs_hexbuf *b, const uint8_t *p, size_t n);
void mqs_hexbuf_free(mqs_hexbuf *b);

#endif
