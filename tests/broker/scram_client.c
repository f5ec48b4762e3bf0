/* tests/broker/scram_client.c — SCRAM-SHA-256 client for the tests. */
#include "scram_client.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hmac(const unsigned char *key, size_t klen, const void *msg, size_t len,
                 unsigned char out[32]) {
  unsigned int n = 32;
  HMAC(EVP_sha256(), key, (int)klen, msg, len, out, &n);
}

void scram_client_first(scram_client *s, const char *user, const char *password, char *out,
                        size_t cap) {
  memset(s, 0, sizeof *s);
  snprintf(s->user, sizeof s->user, "%s", user);
  snprintf(s->password, sizeof s->password, "%s", password);
  snprintf(s->cnonce, sizeof s->cnonce, "fyko+d2lbbFgONRv9qkxdawL");
  snprintf(s->first_bare, sizeof s->first_bare, "n=%s,r=%s", user, s->cnonce);
  snprintf(out, cap, "n,,%s", s->first_bare);
}

/* attribute c's value in msg ("c=value,..."), copied. */
static bool get(const char *msg, size_t len, char c, char *out, size_t cap) {
  for (size_t i = 0; i + 1 < len; i++) {
    if ((i == 0 || msg[i - 1] == ',') && msg[i] == c && msg[i + 1] == '=') {
      size_t j = i + 2;
      while (j < len && msg[j] != ',')
        j++;
      if (j - i - 2 >= cap) return false;
      memcpy(out, msg + i + 2, j - i - 2);
      out[j - i - 2] = 0;
      return true;
    }
  }
  return false;
}

bool scram_client_final(scram_client *s, const char *sf, size_t len, char *out, size_t cap) {
  char nonce[128], salt_b64[128], iter[16];
  if (!get(sf, len, 'r', nonce, sizeof nonce) || !get(sf, len, 's', salt_b64, sizeof salt_b64) ||
      !get(sf, len, 'i', iter, sizeof iter))
    return false;
  if (strncmp(nonce, s->cnonce, strlen(s->cnonce)) != 0) return false;
  unsigned char salt[96];
  int sl = EVP_DecodeBlock(salt, (const unsigned char *)salt_b64, (int)strlen(salt_b64));
  if (sl < 0) return false;
  size_t slen = strlen(salt_b64);
  if (slen >= 1 && salt_b64[slen - 1] == '=') sl--;
  if (slen >= 2 && salt_b64[slen - 2] == '=') sl--;
  unsigned char salted[32], ck[32], sk[32], sig[32], proof[32];
  PKCS5_PBKDF2_HMAC(s->password, (int)strlen(s->password), salt, sl, atoi(iter), EVP_sha256(), 32,
                    salted);
  hmac(salted, 32, "Client Key", 10, ck);
  unsigned int n = 32;
  EVP_Digest(ck, 32, sk, &n, EVP_sha256(), NULL);
  hmac(salted, 32, "Server Key", 10, s->server_key);
  char without_proof[256];
  snprintf(without_proof, sizeof without_proof, "c=biws,r=%s", nonce);
  snprintf(s->auth_message, sizeof s->auth_message, "%s,%.*s,%s", s->first_bare, (int)len, sf,
           without_proof);
  hmac(sk, 32, s->auth_message, strlen(s->auth_message), sig);
  for (int i = 0; i < 32; i++)
    proof[i] = ck[i] ^ sig[i];
  char proof_b64[64];
  EVP_EncodeBlock((unsigned char *)proof_b64, proof, 32);
  snprintf(out, cap, "%s,p=%s", without_proof, proof_b64);
  return true;
}

bool scram_client_verify(const scram_client *s, const char *sfin, size_t len) {
  unsigned char sig[32];
  hmac(s->server_key, 32, s->auth_message, strlen(s->auth_message), sig);
  char b64[64];
  EVP_EncodeBlock((unsigned char *)b64, sig, 32);
  char want[80];
  snprintf(want, sizeof want, "v=%s", b64);
  return len == strlen(want) && memcmp(sfin, want, len) == 0;
}
