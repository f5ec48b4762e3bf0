/* harness/report_util.c — small pieces the report writers share. */
#include "report_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mqs/err.h"

const char *mqs_report_kind_name(mqs_wire_kind k) {
  switch (k) {
  case MQS_WIRE_OPEN: return "open";
  case MQS_WIRE_SENT: return "sent";
  case MQS_WIRE_RECEIVED: return "received";
  case MQS_WIRE_CLOSED_LOCAL: return "closed_local";
  case MQS_WIRE_RESET_LOCAL: return "reset_local";
  case MQS_WIRE_HALF_CLOSED: return "half_closed";
  case MQS_WIRE_CLOSED_PEER: return "closed_peer";
  case MQS_WIRE_RESET_PEER: return "reset_peer";
  }
  return "unknown";
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int mqs_report_natural_cmp(const char *a, const char *b) {
  while (*a && *b) {
    if (is_digit(*a) && is_digit(*b)) {
      while (*a == '0')
        a++;
      while (*b == '0')
        b++;
      size_t na = 0, nb = 0;
      while (is_digit(a[na]))
        na++;
      while (is_digit(b[nb]))
        nb++;
      if (na != nb) /* without leading zeros, the longer number is larger */
        return na < nb ? -1 : 1;
      int c = memcmp(a, b, na);
      if (c) return c;
      a += na;
      b += nb;
      continue;
    }
    if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
    a++;
    b++;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

void mqs_report_iso8601(uint64_t unix_ms, int zulu, char *buf, size_t cap) {
  time_t t = (time_t)(unix_ms / 1000);
  struct tm tm;
  if (cap == 0) return;
  if (!gmtime_r(&t, &tm) ||
      strftime(buf, cap, zulu ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    buf[0] = '\0';
}

char *mqs_report_safe_name(const char *name) {
  size_t n = name ? strlen(name) : 0;
  char *s = malloc(n ? n + 1 : 2);
  if (!s) return NULL;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
             c == '_' || (c == '.' && i > 0);
    s[i] = ok ? c : '_';
  }
  if (n == 0) s[n++] = '_';
  s[n] = '\0';
  return s;
}

int mqs_report_close(FILE *f, int rc) {
  int bad = ferror(f);
  int saved = errno;
  if (fclose(f) != 0 && rc == 0) return MQS_EIO;
  if (bad && rc == 0) {
    errno = saved ? saved : EIO;
    return MQS_EIO;
  }
  return rc;
}

int mqs_report_make_dir(const char *dir) {
  char *p = strdup(dir);
  if (!p) return MQS_ENOMEM;
  int rc = 0;
  for (char *s = p + 1; rc == 0; s++) {
    if (*s != '/' && *s != '\0') continue;
    char c = *s;
    *s = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = MQS_EIO;
    *s = c;
    if (c == '\0') break;
  }
  free(p);
  struct stat st;
  if (rc == 0 && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
    errno = ENOTDIR;
    rc = MQS_EIO;
  }
  return rc;
}

FILE *mqs_report_create(const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash && slash != path) {
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir) return NULL;
    int rc = mqs_report_make_dir(dir);
    free(dir);
    if (rc) return NULL;
  }
  return fopen(path, "w");
}
