/* broker/scram.c — the server side of SCRAM-SHA-256 (RFC 5802, RFC 7677)
 * for MQTT 5.0 enhanced authentication: client-first in CONNECT (or AUTH
 * 0x19), server-first in AUTH 0x18, client-final in AUTH 0x18, server-final
 * in CONNACK (or AUTH 0x00). No channel binding; no authzid; user names
 * are compared as bytes (no SASLprep).
 *
 * An unknown user gets a made-up salt and fails only at the proof, so the
 * exchange does not tell which user names exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "internal.h"

#define NONCE_BYTES 18

struct scram_server {
  char *user;
  size_t ulen;
  mqs_scram_cred cred;
  bool known;
  char gs2[3]; /* "n,," or "y,," */
  char *client_first_bare;
  size_t cfb_len;
  char *server_first;
  size_t sf_len;
  char *nonce; /* client nonce then server nonce */
  size_t nonce_len;
};

void scram_free(scram_server *s) {
  if (!s) return;
  memset(&s->cred, 0, sizeof s->cred);
  free(s->user);
  free(s->client_first_bare);
  free(s->server_first);
  free(s->nonce);
  free(s);
}

const char *scram_user(const scram_server *s, size_t *len) {
  *len = s->ulen;
  return s->user;
}

/* The value of attribute a at *p ("a=value," or "a=value" at the end). */
static bool attr(const char **p, const char *end, char a, const char **v, size_t *vl) {
  if (end - *p < 2 || (*p)[0] != a || (*p)[1] != '=') return false;
  const char *s = *p + 2;
  const char *comma = memchr(s, ',', (size_t)(end - s));
  *v = s;
  *vl = comma ? (size_t)(comma - s) : (size_t)(end - s);
  *p = comma ? comma + 1 : end;
  return true;
}

/* saslname: "=2C" is ',' and "=3D" is '='; any other '=' is an error. */
static char *sasl_name(const char *v, size_t n, size_t *out_len) {
  char *s = malloc(n + 1);
  if (!s) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (v[i] == '=') {
      if (i + 2 < n && v[i + 1] == '2' && v[i + 2] == 'C')
        s[o++] = ',';
      else if (i + 2 < n && v[i + 1] == '3' && v[i + 2] == 'D')
        s[o++] = '=';
      else {
        free(s);
        return NULL;
      }
      i += 2;
    } else if (v[i] == 0) {
      free(s);
      return NULL;
    } else {
      s[o++] = v[i];
    }
  }
  s[o] = 0;
  *out_len = o;
  return s;
}

static bool printable_nonce(const char *v, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++)
    if (v[i] < 0x21 || v[i] > 0x7E || v[i] == ',') return false;
  return true;
}

static char *dup_n(const void *p, size_t n) {
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = 0;
  }
  return s;
}

scram_server *scram_start(mqs_broker *b, const uint8_t *msg, size_t len, uint8_t **out,
                          size_t *out_len, uint8_t *reason) {
  *reason = 0x86;
  *out = NULL;
  const char *p = (const char *)msg, *end = p + len;
  /* gs2-header without channel binding or authzid. */
  if (len < 3 || (p[0] != 'n' && p[0] != 'y') || p[1] != ',' || p[2] != ',') return NULL;
  scram_server *s = calloc(1, sizeof *s);
  if (!s) {
    *reason = 0x80;
    return NULL;
  }
  memcpy(s->gs2, p, 3);
  p += 3;
  const char *bare = p, *v;
  size_t vl;
  if (memchr(bare, 0, (size_t)(end - bare))) goto fail;
  if (!attr(&p, end, 'n', &v, &vl) || !(s->user = sasl_name(v, vl, &s->ulen)) || !s->ulen)
    goto fail;
  if (!attr(&p, end, 'r', &v, &vl) || !printable_nonce(v, vl)) goto fail;
  const char *cnonce = v;
  size_t cnl = vl;
  const mqs_scram_cred *cred = mqs_auth_find(b->cfg.auth, (const uint8_t *)s->user, s->ulen);
  if (cred && cred->iterations >= b->cfg.scram_iterations_min) {
    s->cred = *cred;
    s->known = true;
  } else { /* a salt that is stable per user name, so retries look alike */
    uint8_t h[32];
    crypto_hmac_sha256((const uint8_t *)&b->seed, sizeof b->seed, (const uint8_t *)s->user, s->ulen,
                       h);
    memcpy(s->cred.salt, h, 16);
    s->cred.salt_len = 16;
    s->cred.iterations = 4096;
  }
  uint8_t rnd[NONCE_BYTES];
  broker_random(b, rnd, sizeof rnd);
  char snonce[NONCE_BYTES / 3 * 4 + 1];
  crypto_b64_encode(rnd, sizeof rnd, snonce, sizeof snonce);
  s->nonce_len = cnl + strlen(snonce);
  s->nonce = malloc(s->nonce_len + 1);
  s->client_first_bare = dup_n(bare, (size_t)(end - bare));
  s->cfb_len = (size_t)(end - bare);
  char salt[4 * ((MQS_SCRAM_SALT_MAX + 2) / 3) + 1];
  crypto_b64_encode(s->cred.salt, s->cred.salt_len, salt, sizeof salt);
  size_t sf_cap = s->nonce_len + strlen(salt) + 32;
  s->server_first = malloc(sf_cap);
  if (!s->nonce || !s->client_first_bare || !s->server_first) {
    *reason = 0x80;
    goto fail;
  }
  memcpy(s->nonce, cnonce, cnl);
  memcpy(s->nonce + cnl, snonce, strlen(snonce) + 1);
  int n = snprintf(s->server_first, sf_cap, "r=%s,s=%s,i=%u", s->nonce, salt,
                   (unsigned)s->cred.iterations);
  s->sf_len = (size_t)n;
  *out = (uint8_t *)dup_n(s->server_first, s->sf_len);
  *out_len = s->sf_len;
  if (!*out) {
    *reason = 0x80;
    goto fail;
  }
  return s;
fail:
  scram_free(s);
  return NULL;
}

int scram_finish(scram_server *s, const uint8_t *msg, size_t len, uint8_t **out, size_t *out_len) {
  *out = NULL;
  const char *p = (const char *)msg, *end = p + len, *v;
  size_t vl;
  if (memchr(p, 0, len)) return 0x86;
  /* c=biws (base64 of the gs2 header) ,r=nonce ,p=proof (last) */
  uint8_t cb[8];
  if (!attr(&p, end, 'c', &v, &vl) || crypto_b64_decode(v, vl, cb, sizeof cb) != 3 ||
      memcmp(cb, s->gs2, 3) != 0)
    return 0x86;
  if (!attr(&p, end, 'r', &v, &vl) || vl != s->nonce_len || memcmp(v, s->nonce, vl) != 0)
    return 0x86;
  /* Extensions may come before the proof; the proof is the last attribute. */
  const char *proof_at = NULL;
  for (const char *q = p; q < end; q++)
    if ((q == p || q[-1] == ',') && end - q >= 2 && q[0] == 'p' && q[1] == '=') proof_at = q;
  if (!proof_at) return 0x86;
  const char *pp = proof_at;
  uint8_t proof[MQS_SCRAM_KEY_LEN];
  if (!attr(&pp, end, 'p', &v, &vl) || pp != end ||
      crypto_b64_decode(v, vl, proof, sizeof proof) != MQS_SCRAM_KEY_LEN)
    return 0x86;
  size_t without_proof = (size_t)(proof_at - 1 - (const char *)msg);
  size_t am_len = s->cfb_len + 1 + s->sf_len + 1 + without_proof;
  char *am = malloc(am_len);
  if (!am) return 0x80;
  memcpy(am, s->client_first_bare, s->cfb_len);
  am[s->cfb_len] = ',';
  memcpy(am + s->cfb_len + 1, s->server_first, s->sf_len);
  am[s->cfb_len + 1 + s->sf_len] = ',';
  memcpy(am + s->cfb_len + 2 + s->sf_len, msg, without_proof);
  uint8_t sig[32], key[32], stored[32], server_sig[32];
  int rc = 0x86;
  if (crypto_hmac_sha256(s->cred.stored_key, 32, (uint8_t *)am, am_len, sig)) goto out;
  for (int i = 0; i < 32; i++)
    key[i] = proof[i] ^ sig[i];
  if (crypto_sha256(key, 32, stored)) goto out;
  bool ok = crypto_equal(stored, s->cred.stored_key, 32);
  if (!ok || !s->known) goto out;
  if (crypto_hmac_sha256(s->cred.server_key, 32, (uint8_t *)am, am_len, server_sig)) goto out;
  char b64[48];
  crypto_b64_encode(server_sig, 32, b64, sizeof b64);
  size_t n = 2 + strlen(b64);
  *out = malloc(n + 1);
  if (!*out) {
    rc = 0x80;
    goto out;
  }
  snprintf((char *)*out, n + 1, "v=%s", b64);
  *out_len = n;
  rc = 0;
out:
  free(am);
  memset(key, 0, sizeof key);
  return rc;
}
