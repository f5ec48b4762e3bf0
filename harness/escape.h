/* harness/escape.h — text from scenarios, brokers and messages, written
 * safely into JSON and XML reports.
 *
 * Report text is whatever arrived: a broker's reason string, a failure
 * message with control bytes, ill-formed UTF-8. A report that does not
 * parse is worse than one with a replaced character, so every writer here
 * turns ill-formed UTF-8 into U+FFFD and never emits what the format
 * forbids. All write to f and leave error checking to ferror(f). */
#ifndef MQS_ESCAPE_H
#define MQS_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MQS_UTF8_REPLACEMENT 0xFFFDu

/* Decode one code point from s[0..n) (n > 0) into *cp. Returns the bytes
 * it used (1..4); an ill-formed or truncated sequence (overlong, surrogate,
 * above U+10FFFF) uses 1 byte and gives MQS_UTF8_REPLACEMENT. */
size_t mqs_utf8_next(const uint8_t *s, size_t n, uint32_t *cp);

/* The number of bytes of s[0..n) to keep so that at most max bytes remain
 * and no multi-byte sequence is cut in two. */
size_t mqs_utf8_prefix(const char *s, size_t n, size_t max);

/* A JSON string, quotes included; s == NULL writes null. */
void mqs_json_str(FILE *f, const char *s);
void mqs_json_strn(FILE *f, const uint8_t *s, size_t n);
/* Bytes as a JSON string of lower-case hex digits, two per byte, no spaces. */
void mqs_json_hex(FILE *f, const uint8_t *p, size_t n);

/* XML 1.0 character data (attr false) or an attribute value in double
 * quotes (attr true, quotes not included). Characters XML 1.0 forbids
 * (control bytes other than tab, LF, CR; U+FFFE, U+FFFF) are dropped: no
 * escape can carry them. In attributes tab, LF and CR become character
 * references, so a parser's attribute normalisation keeps them. */
void mqs_xml_str(FILE *f, const char *s, bool attr);
void mqs_xml_strn(FILE *f, const char *s, size_t n, bool attr);

#endif
