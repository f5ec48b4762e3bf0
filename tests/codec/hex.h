/* tests/codec/hex.h — wire bytes written as hex in the tests. */
#ifndef MQS_TEST_HEX_H
#define MQS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Parse "10 0C 00 04 'MQTT' ..." style text: pairs of hex digits, spaces
 * and newlines ignored, and 'quoted text' copied as its bytes, so that
 * strings on the wire stay readable. Aborts on anything else (a broken
 * vector is a bug in the test). Returns the number of bytes written;
 * out may be NULL to measure. */
size_t hex_parse(const char *hex, uint8_t *out, size_t cap);

/* A malloc'd parse of hex (free it); *len gets its length. */
uint8_t *hex_alloc(const char *hex, size_t *len);

/* "10 0c 00 04 ..." into buf (NUL-terminated, truncated to cap). */
char *hex_format(const uint8_t *p, size_t len, char *buf, size_t cap);

#endif
