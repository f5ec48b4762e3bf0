/* broker/acl.c — per-user topic permissions in the ACL file format of
 * mqs/broker_auth.h (mosquitto's acl_file, reduced to topic, user and
 * pattern). Publishing needs a write rule matching the topic; subscribing
 * a read rule that covers the whole filter. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct {
  int access; /* MQS_ACL_READ | MQS_ACL_WRITE */
  char *filter;
  size_t len;
} rule;

typedef struct {
  char *user; /* NULL: clients without a user name */
  size_t ulen;
  rule *v;
  size_t n, cap;
} section;

struct mqs_acl {
  section *secs; /* secs[0] is the anonymous section */
  size_t n, cap;
  section patterns; /* user unused */
};

mqs_acl *mqs_acl_new(void) {
  mqs_acl *acl = calloc(1, sizeof *acl);
  if (!acl) return NULL;
  acl->secs = calloc(1, sizeof *acl->secs);
  if (!acl->secs) {
    free(acl);
    return NULL;
  }
  acl->n = acl->cap = 1;
  return acl;
}

static void section_free(section *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].filter);
  free(s->v);
  free(s->user);
}

void mqs_acl_free(mqs_acl *acl) {
  if (!acl) return;
  for (size_t i = 0; i < acl->n; i++)
    section_free(&acl->secs[i]);
  section_free(&acl->patterns);
  free(acl->secs);
  free(acl);
}

bool mqs_filter_covers(const uint8_t *r, size_t rlen, const uint8_t *f, size_t flen) {
  /* A rule that starts with a wildcard does not reach '$' topics (4.7.2). */
  if (flen && f[0] == '$' && rlen && (r[0] == '+' || r[0] == '#')) return false;
  const uint8_t *rp = r, *fp = f, *rl, *fl;
  size_t rn, fn;
  for (;;) {
    if (!topic_next_level(&rp, r + rlen, &rl, &rn)) /* rule done: so must the filter be */
      return !topic_next_level(&fp, f + flen, &fl, &fn);
    if (rn == 1 && rl[0] == '#') return true; /* covers the rest, and the parent level */
    if (!topic_next_level(&fp, f + flen, &fl, &fn)) return false;
    bool fwild = fn == 1 && (fl[0] == '+' || fl[0] == '#');
    if (rn == 1 && rl[0] == '+') {
      if (fn == 1 && fl[0] == '#') return false; /* '#' reaches deeper than '+' */
      continue;
    }
    if (fwild || rn != fn || memcmp(rl, fl, rn) != 0) return false;
  }
}

static bool rule_allows(const uint8_t *rf, size_t rlen, const uint8_t *t, size_t tlen, int access) {
  return access == MQS_ACL_READ ? mqs_filter_covers(rf, rlen, t, tlen)
                                : mqs_topic_match(rf, rlen, t, tlen);
}

/* Substitute %u and %c. A value with '+', '#' or '/' would widen the rule
 * (CVE-2017-7650), so such a pattern does not apply. Returns the length
 * or -1. */
static long expand(const rule *p, const char *user, size_t ulen, const char *cid, size_t clen,
                   char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < p->len; i++) {
    const char *val = NULL;
    size_t sl = 0;
    if (p->filter[i] == '%' && i + 1 < p->len &&
        (p->filter[i + 1] == 'u' || p->filter[i + 1] == 'c')) {
      if (p->filter[i + 1] == 'u') {
        if (!user) return -1;
        val = user;
        sl = ulen;
      } else {
        val = cid;
        sl = clen;
      }
      if (memchr(val, '+', sl) || memchr(val, '#', sl) || memchr(val, '/', sl)) return -1;
      i++;
    } else {
      val = &p->filter[i];
      sl = 1;
    }
    if (n + sl > cap) return -1;
    memcpy(out + n, val, sl);
    n += sl;
  }
  return (long)n;
}

bool mqs_acl_allows(const mqs_acl *acl, const char *user, size_t ulen, const char *cid, size_t clen,
                    const uint8_t *t, size_t tlen, int access) {
  if (!acl) return true;
  const section *s = &acl->secs[0];
  if (user) {
    s = NULL;
    for (size_t i = 1; i < acl->n; i++) {
      if (acl->secs[i].ulen == ulen && memcmp(acl->secs[i].user, user, ulen) == 0) {
        s = &acl->secs[i];
        break;
      }
    }
  }
  if (s) {
    for (size_t i = 0; i < s->n; i++)
      if ((s->v[i].access & access) &&
          rule_allows((const uint8_t *)s->v[i].filter, s->v[i].len, t, tlen, access))
        return true;
  }
  char buf[1024];
  for (size_t i = 0; i < acl->patterns.n; i++) {
    const rule *p = &acl->patterns.v[i];
    if (!(p->access & access)) continue;
    long n = expand(p, user, ulen, cid ? cid : "", cid ? clen : 0, buf, sizeof buf);
    if (n >= 0 && rule_allows((const uint8_t *)buf, (size_t)n, t, tlen, access)) return true;
  }
  return false;
}

__attribute__((format(printf, 3, 4))) static int syntax(char *err, size_t cap, const char *fmt,
                                                        ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return MQS_ESYNTAX;
}

static int add_rule(section *s, int access, const char *f, size_t len) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 8;
    rule *nv = realloc(s->v, nc * sizeof *nv);
    if (!nv) return MQS_ENOMEM;
    s->v = nv;
    s->cap = nc;
  }
  char *copy = malloc(len + 1);
  if (!copy) return MQS_ENOMEM;
  memcpy(copy, f, len);
  copy[len] = 0;
  s->v[s->n++] = (rule){access, copy, len};
  return 0;
}

static bool word(const char **p, const char *end, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(end - *p) < n || memcmp(*p, w, n) != 0) return false;
  if ((size_t)(end - *p) > n && (*p)[n] != ' ' && (*p)[n] != '\t') return false;
  *p += n;
  while (*p < end && (**p == ' ' || **p == '\t'))
    (*p)++;
  return true;
}

static int parse_line(mqs_acl *acl, size_t *cur, const char *p, const char *end, const char *file,
                      unsigned line, char *err, size_t cap) {
  if (word(&p, end, "user")) {
    if (p == end) return syntax(err, cap, "%s:%u: expected a user name after 'user'", file, line);
    size_t ulen = (size_t)(end - p);
    for (size_t i = 1; i < acl->n; i++) { /* a user named twice: one section */
      if (acl->secs[i].ulen == ulen && memcmp(acl->secs[i].user, p, ulen) == 0) {
        *cur = i;
        return 0;
      }
    }
    if (acl->n == acl->cap) {
      size_t nc = acl->cap * 2;
      section *ns = realloc(acl->secs, nc * sizeof *ns);
      if (!ns) return MQS_ENOMEM;
      acl->secs = ns;
      acl->cap = nc;
    }
    section *s = &acl->secs[acl->n];
    memset(s, 0, sizeof *s);
    s->ulen = (size_t)(end - p);
    if (!(s->user = malloc(s->ulen + 1))) return MQS_ENOMEM;
    memcpy(s->user, p, s->ulen);
    s->user[s->ulen] = 0;
    *cur = acl->n++;
    return 0;
  }
  bool pattern = false;
  if (word(&p, end, "pattern"))
    pattern = true;
  else if (!word(&p, end, "topic"))
    return syntax(err, cap, "%s:%u: expected 'topic', 'pattern' or 'user'", file, line);
  int access = MQS_ACL_READ | MQS_ACL_WRITE;
  if (word(&p, end, "readwrite"))
    access = MQS_ACL_READ | MQS_ACL_WRITE;
  else if (word(&p, end, "read"))
    access = MQS_ACL_READ;
  else if (word(&p, end, "write"))
    access = MQS_ACL_WRITE;
  size_t len = (size_t)(end - p), bad;
  if (len == 0) return syntax(err, cap, "%s:%u: expected a topic filter", file, line);
  if (mqs_topic_filter_check((const uint8_t *)p, len, false, &bad, NULL))
    return syntax(err, cap, "%s:%u: invalid topic filter at column %zu", file, line, bad + 1);
  return add_rule(pattern ? &acl->patterns : &acl->secs[*cur], access, p, len);
}

int mqs_acl_parse(mqs_acl *acl, const char *text, const char *name, char *err, size_t errcap) {
  unsigned line = 0;
  size_t cur = 0, len;
  const char *p = text, *s;
  while (next_text_line(&p, &line, &s, &len)) {
    int rc = parse_line(acl, &cur, s, s + len, name, line, err, errcap);
    if (rc) return rc;
  }
  return 0;
}

int mqs_acl_load(mqs_acl *acl, const char *path, char *err, size_t errcap) {
  char *text = read_text_file(path);
  if (!text) {
    if (err && errcap) snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return MQS_EIO;
  }
  int rc = mqs_acl_parse(acl, text, path, err, errcap);
  free(text);
  return rc;
}
