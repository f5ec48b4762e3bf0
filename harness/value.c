/* harness/value.c — parsing scalars, strictly: "5x" is not 5. */
#include "value.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mqs/reason.h"

int mqs_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0 || len > 20 || strlen(s) != len) return -1;
  int base = 10;
  const char *p = s;
  if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, p += 2;
  for (const char *q = p; *q; q++) {
    bool ok = base == 16 ? ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                            (*q >= 'A' && *q <= 'F'))
                         : (*q >= '0' && *q <= '9');
    if (!ok) return -1;
  }
  errno = 0;
  unsigned long long v = strtoull(p, NULL, base);
  if (errno || v > max) return -1;
  *out = v;
  return 0;
}

int mqs_parse_bool(const char *s, bool *out) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(s, yes[i]) == 0) return *out = true, 0;
    if (strcasecmp(s, no[i]) == 0) return *out = false, 0;
  }
  return -1;
}

int mqs_parse_duration(const char *s, uint32_t *ms) {
  char *end;
  errno = 0;
  if (!(*s >= '0' && *s <= '9')) return -1;
  double v = strtod(s, &end);
  if (errno || end == s) return -1;
  double scale;
  if (strcmp(end, "ms") == 0) scale = 1;
  else if (strcmp(end, "s") == 0) scale = 1000;
  else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) scale = 60000;
  else return -1;
  double r = v * scale;
  if (r > 86400000.0) return -1;
  *ms = (uint32_t)(r + 0.5);
  return 0;
}

int mqs_parse_reason(const char *s, size_t len, int t, int version) {
  uint64_t v;
  if (mqs_parse_uint(s, len, 255, &v) == 0) return (int)v;
  return mqs_reason_from_key(s, t, version);
}

int mqs_node_text(const mqs_node *n, const char *what, const char **out, mqs_diag *d) {
  if (!n || n->kind != MQS_NODE_SCALAR)
    return mqs_diag_at(d, n, "%s: expected a single value, got %s", what, mqs_node_what(n));
  *out = n->text;
  return 0;
}

int mqs_node_uint(const mqs_node *n, const char *what, uint64_t max, uint64_t *out,
                  mqs_diag *d) {
  const char *s;
  if (mqs_node_text(n, what, &s, d) < 0) return -1;
  if (mqs_parse_uint(s, n->len, max, out) < 0)
    return mqs_diag_at(d, n, "%s: expected a number from 0 to %llu, got '%s'", what,
                       (unsigned long long)max, s);
  return 0;
}

int mqs_node_bool(const mqs_node *n, const char *what, bool *out, mqs_diag *d) {
  const char *s;
  if (mqs_node_text(n, what, &s, d) < 0) return -1;
  if (mqs_parse_bool(s, out) < 0)
    return mqs_diag_at(d, n, "%s: expected true or false, got '%s'", what, s);
  return 0;
}

int mqs_node_duration(const mqs_node *n, const char *what, uint32_t *ms, mqs_diag *d) {
  const char *s;
  if (mqs_node_text(n, what, &s, d) < 0) return -1;
  if (mqs_parse_duration(s, ms) < 0)
    return mqs_diag_at(d, n, "%s: expected a duration such as 500ms, 2s or 1.5s, got '%s'", what,
                       s);
  return 0;
}
