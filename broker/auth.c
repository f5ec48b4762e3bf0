/* broker/auth.c — the password database: users with SCRAM-SHA-256
 * credentials (salted, iterated hashes; never the password), loaded from
 * and saved to the password file described in mqs/broker_auth.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "internal.h"

#define SCHEME "SCRAM-SHA-256$"

typedef struct {
  char *name;
  size_t len;
  mqs_scram_cred cred;
} user;

struct mqs_auth {
  user **v;
  size_t n, cap;
  smap by_name;
};

mqs_auth *mqs_auth_new(void) {
  mqs_auth *a = calloc(1, sizeof *a);
  if (a) a->by_name.seed = 0x6d71737061737377ull;
  return a;
}

void mqs_auth_free(mqs_auth *a) {
  if (!a) return;
  for (size_t i = 0; i < a->n; i++) {
    memset(&a->v[i]->cred, 0, sizeof a->v[i]->cred);
    free(a->v[i]->name);
    free(a->v[i]);
  }
  free(a->v);
  smap_free(&a->by_name);
  free(a);
}

size_t mqs_auth_count(const mqs_auth *a) { return a ? a->n : 0; }

const mqs_scram_cred *mqs_auth_find(const mqs_auth *a, const uint8_t *name, size_t len) {
  if (!a) return NULL;
  user *u = smap_get(&a->by_name, name, len);
  return u ? &u->cred : NULL;
}

static bool valid_name(const char *name, size_t len) {
  if (len == 0 || len > 65535) return false;
  for (size_t i = 0; i < len; i++)
    if (name[i] == ':' || name[i] == '\n' || name[i] == '\r' || name[i] == 0) return false;
  return true;
}

/* Add or replace; takes nothing from the caller (copies name). */
static int put_user(mqs_auth *a, const char *name, size_t len, const mqs_scram_cred *cred) {
  user *u = smap_get(&a->by_name, name, len);
  if (u) {
    u->cred = *cred;
    return 0;
  }
  if (a->n == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 8;
    user **nv = realloc(a->v, nc * sizeof *nv);
    if (!nv) return MQS_ENOMEM;
    a->v = nv;
    a->cap = nc;
  }
  u = calloc(1, sizeof *u);
  if (!u || !(u->name = malloc(len + 1))) {
    free(u);
    return MQS_ENOMEM;
  }
  memcpy(u->name, name, len);
  u->name[len] = 0;
  u->len = len;
  u->cred = *cred;
  if (smap_put(&a->by_name, u->name, len, u)) {
    free(u->name);
    free(u);
    return MQS_ENOMEM;
  }
  a->v[a->n++] = u;
  return 0;
}

int mqs_auth_set(mqs_auth *a, const char *name, const uint8_t *password, size_t password_len,
                 const uint8_t *salt, size_t salt_len, uint32_t iterations) {
  size_t len = name ? strlen(name) : 0;
  if (!valid_name(name, len) || salt_len == 0 || salt_len > MQS_SCRAM_SALT_MAX || !iterations)
    return MQS_EINVAL;
  mqs_scram_cred cred;
  memset(&cred, 0, sizeof cred);
  cred.iterations = iterations;
  memcpy(cred.salt, salt, salt_len);
  cred.salt_len = salt_len;
  int rc = crypto_scram_derive(password, password_len, &cred);
  if (!rc) rc = put_user(a, name, len, &cred);
  memset(&cred, 0, sizeof cred);
  return rc;
}

bool mqs_auth_check(const mqs_auth *a, const uint8_t *name, size_t len, const uint8_t *password,
                    size_t password_len) {
  const mqs_scram_cred *stored = mqs_auth_find(a, name, len);
  if (!stored) return false;
  mqs_scram_cred cred = *stored;
  bool ok = crypto_scram_derive(password, password_len, &cred) == 0 &&
            crypto_equal(cred.stored_key, stored->stored_key, MQS_SCRAM_KEY_LEN);
  memset(&cred, 0, sizeof cred);
  return ok;
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

/* "name:SCRAM-SHA-256$iter:salt$stored:server" into a. */
static int parse_line(mqs_auth *a, const char *s, size_t len, const char *file, unsigned line,
                      char *err, size_t cap) {
  const char *colon = memchr(s, ':', len);
  if (!colon || !valid_name(s, (size_t)(colon - s)))
    return syntax(err, cap, "%s:%u: expected user:SCRAM-SHA-256$...", file, line);
  const char *p = colon + 1, *end = s + len;
  size_t sl = strlen(SCHEME);
  if ((size_t)(end - p) < sl || memcmp(p, SCHEME, sl) != 0)
    return syntax(err, cap, "%s:%u: unknown hash scheme, expected SCRAM-SHA-256$", file, line);
  p += sl;
  mqs_scram_cred cred;
  memset(&cred, 0, sizeof cred);
  char *stop;
  errno = 0;
  unsigned long long it = strtoull(p, &stop, 10);
  if (stop == p || errno || it == 0 || it > INT32_MAX || stop >= end || *stop != ':')
    return syntax(err, cap, "%s:%u: expected the iteration count, then ':'", file, line);
  cred.iterations = (uint32_t)it;
  p = stop + 1;
  const char *dollar = memchr(p, '$', (size_t)(end - p));
  if (!dollar) return syntax(err, cap, "%s:%u: expected '$' after the salt", file, line);
  long n = crypto_b64_decode(p, (size_t)(dollar - p), cred.salt, sizeof cred.salt);
  if (n <= 0) return syntax(err, cap, "%s:%u: salt is not base64 (1 to 64 bytes)", file, line);
  cred.salt_len = (size_t)n;
  p = dollar + 1;
  const char *c2 = memchr(p, ':', (size_t)(end - p));
  if (!c2) return syntax(err, cap, "%s:%u: expected StoredKey:ServerKey", file, line);
  if (crypto_b64_decode(p, (size_t)(c2 - p), cred.stored_key, 32) != 32 ||
      crypto_b64_decode(c2 + 1, (size_t)(end - c2 - 1), cred.server_key, 32) != 32)
    return syntax(err, cap, "%s:%u: StoredKey and ServerKey must be 32 bytes in base64", file,
                  line);
  return put_user(a, s, (size_t)(colon - s), &cred);
}

bool next_text_line(const char **p, unsigned *line, const char **s, size_t *len) {
  while (**p) {
    (*line)++;
    const char *nl = strchr(*p, '\n');
    size_t n = nl ? (size_t)(nl - *p) : strlen(*p);
    const char *t = *p;
    *p = nl ? nl + 1 : *p + n;
    while (n && (t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
      n--;
    while (n && (*t == ' ' || *t == '\t')) {
      t++;
      n--;
    }
    if (!n || *t == '#') continue;
    *s = t;
    *len = n;
    return true;
  }
  return false;
}

int mqs_auth_parse(mqs_auth *a, const char *text, const char *name, char *err, size_t errcap) {
  unsigned line = 0;
  const char *p = text, *s;
  size_t len;
  while (next_text_line(&p, &line, &s, &len)) {
    int rc = parse_line(a, s, len, name, line, err, errcap);
    if (rc) return rc;
  }
  return 0;
}

/* The whole file as a NUL-terminated string (malloc'd), or NULL with errno. */
char *read_text_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t r = fread(buf + n, 1, cap - n - 1, f);
    n += r;
    if (n < cap - 1) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      errno = ENOMEM;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  if (buf && ferror(f)) {
    free(buf);
    buf = NULL;
    errno = EIO;
  }
  fclose(f);
  if (buf) {
    buf[n] = 0;
    if (memchr(buf, 0, n)) { /* a NUL byte would end the text early */
      free(buf);
      errno = EINVAL;
      return NULL;
    }
  }
  return buf;
}

int mqs_auth_load(mqs_auth *a, const char *path, char *err, size_t errcap) {
  char *text = read_text_file(path);
  if (!text) {
    if (err && errcap) snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return MQS_EIO;
  }
  int rc = mqs_auth_parse(a, text, path, err, errcap);
  free(text);
  return rc;
}

int mqs_auth_save(const mqs_auth *a, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return MQS_EIO;
  int rc = 0;
  for (size_t i = 0; i < a->n && !rc; i++) {
    const user *u = a->v[i];
    char salt[4 * (MQS_SCRAM_SALT_MAX + 2) / 3 + 4], sk[48], vk[48];
    crypto_b64_encode(u->cred.salt, u->cred.salt_len, salt, sizeof salt);
    crypto_b64_encode(u->cred.stored_key, 32, sk, sizeof sk);
    crypto_b64_encode(u->cred.server_key, 32, vk, sizeof vk);
    if (fprintf(f, "%s:" SCHEME "%" PRIu32 ":%s$%s:%s\n", u->name, u->cred.iterations, salt, sk,
                vk) < 0)
      rc = MQS_EIO;
  }
  if (fclose(f) != 0) rc = MQS_EIO;
  return rc;
}
