/* fuzz/json_check.h — a strict RFC 8259 validator for the JSON printers. */
#ifndef MQS_FUZZ_JSON_CHECK_H
#define MQS_FUZZ_JSON_CHECK_H

#include <stddef.h>

/* NULL when s[0..n) is exactly one JSON object (whitespace around it
 * allowed), whose strings are well-formed UTF-8 with control characters
 * escaped and whose objects repeat no key; else what is wrong, with the
 * offset in *at. */
const char *json_check(const char *s, size_t n, size_t *at);

#endif
