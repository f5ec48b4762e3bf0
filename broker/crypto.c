/* broker/crypto.c — HMAC, SHA-256, PBKDF2 and base64 from libcrypto. */
#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"

int crypto_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                       uint8_t out[32]) {
  unsigned int n = 32;
  if (klen > INT32_MAX) return MQS_EIO;
  return HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &n) && n == 32 ? 0 : MQS_EIO;
}

int crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32]) {
  unsigned int n = 32;
  return EVP_Digest(msg, len, out, &n, EVP_sha256(), NULL) && n == 32 ? 0 : MQS_EIO;
}

int crypto_scram_derive(const uint8_t *password, size_t len, mqs_scram_cred *cred) {
  uint8_t salted[32], client_key[32];
  int rc = MQS_EIO;
  if (len > INT32_MAX || cred->iterations == 0 || cred->iterations > INT32_MAX) goto out;
  if (!PKCS5_PBKDF2_HMAC((const char *)password, (int)len, cred->salt, (int)cred->salt_len,
                         (int)cred->iterations, EVP_sha256(), sizeof salted, salted))
    goto out;
  if (crypto_hmac_sha256(salted, 32, (const uint8_t *)"Client Key", 10, client_key)) goto out;
  if (crypto_sha256(client_key, 32, cred->stored_key)) goto out;
  if (crypto_hmac_sha256(salted, 32, (const uint8_t *)"Server Key", 10, cred->server_key)) goto out;
  rc = 0;
out:
  OPENSSL_cleanse(salted, sizeof salted);
  OPENSSL_cleanse(client_key, sizeof client_key);
  return rc;
}

size_t crypto_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap) {
  size_t need = 4 * ((n + 2) / 3) + 1;
  if (cap < need || n > INT32_MAX) {
    if (cap) out[0] = 0;
    return 0;
  }
  int w = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
  return w < 0 ? 0 : (size_t)w;
}

long crypto_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap) {
  if (n % 4 || n > INT32_MAX) return -1;
  if (n == 0) return 0;
  size_t pad = (in[n - 1] == '=') + (n > 1 && in[n - 2] == '=');
  size_t bytes = n / 4 * 3 - pad;
  if (bytes > cap) return -1;
  for (size_t i = 0; i < n - pad; i++) { /* EVP_DecodeBlock skips some bytes we must refuse */
    char ch = in[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '+' || ch == '/'))
      return -1;
  }
  uint8_t *tmp = malloc(n / 4 * 3);
  if (!tmp) return -1;
  int r = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
  long rc = r < 0 || (size_t)r != n / 4 * 3 ? -1 : (long)bytes;
  if (rc >= 0) memcpy(out, tmp, bytes);
  free(tmp);
  return rc;
}

bool crypto_equal(const uint8_t *a, const uint8_t *b, size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}
