/* harness/scram.c — SCRAM-SHA-256 client messages (scram.h). */
#include "scram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#define KEY 32 /* SHA-256 */

/* The value of attribute a ("r", "s", "i") in a comma-separated message. */
static const char *attr(const char *msg, size_t len, char a, size_t *vlen) {
  for (size_t i = 0; i + 1 < len; i++) {
    if ((i == 0 || msg[i - 1] == ',') && msg[i] == a && msg[i + 1] == '=') {
      const char *v = msg + i + 2, *end = memchr(v, ',', len - (i + 2));
      *vlen = end ? (size_t)(end - v) : len - (i + 2);
      return v;
    }
  }
  return NULL;
}

static void hmac(const uint8_t *key, size_t klen, const void *msg, size_t n, uint8_t out[KEY]) {
  unsigned int olen = KEY;
  HMAC(EVP_sha256(), key, (int)klen, msg, n, out, &olen);
}

int mqs_scram_client_final(const char *password, const char *client_first,
                           const char *server_first, size_t len, char *client_final,
                           size_t final_cap, char *server_final, size_t server_cap,
                           const char **why) {
  /* client-first-bare: the client-first message after its GS2 header "n,,". */
  const char *bare = strstr(client_first, ",,");
  size_t cn_len = 0, r_len = 0, s_len = 0, i_len = 0;
  const char *cnonce = bare ? attr(bare + 2, strlen(bare + 2), 'r', &cn_len) : NULL;
  const char *r = attr(server_first, len, 'r', &r_len);
  const char *s = attr(server_first, len, 's', &s_len);
  const char *it = attr(server_first, len, 'i', &i_len);
  if (!cnonce) return *why = "the client-first message has no GS2 header or nonce", -1;
  bare += 2;
  if (!r || r_len <= cn_len || memcmp(r, cnonce, cn_len) != 0)
    return *why = "the server's nonce does not extend the client's", -1;
  if (!s || !it) return *why = "the server-first message lacks the salt or the iteration count", -1;
  char num[16];
  if (i_len == 0 || i_len >= sizeof num) return *why = "bad iteration count", -1;
  memcpy(num, it, i_len);
  num[i_len] = '\0';
  char *end;
  long iterations = strtol(num, &end, 10);
  if (*end || iterations < 1 || iterations > 1000000) return *why = "bad iteration count", -1;
  uint8_t salt[128];
  if (s_len > 160 || s_len % 4) return *why = "bad salt", -1;
  int salt_len = EVP_DecodeBlock(salt, (const unsigned char *)s, (int)s_len);
  if (salt_len < 0) return *why = "bad salt", -1;
  while (s_len && s[s_len - 1] == '=') s_len--, salt_len--; /* DecodeBlock counts the padding */

  /* c=biws is base64("n,,"): no channel binding. */
  int n = snprintf(client_final, final_cap, "c=biws,r=%.*s", (int)r_len, r);
  if (n < 0 || (size_t)n >= final_cap) return *why = "buffer too small", -1;
  size_t without_proof = (size_t)n;
  size_t am_len = strlen(bare) + 1 + len + 1 + without_proof;
  char *auth_message = malloc(am_len + 1);
  if (!auth_message) return *why = "out of memory", -1;
  snprintf(auth_message, am_len + 1, "%s,%.*s,%s", bare, (int)len, server_first, client_final);

  uint8_t salted[KEY], client_key[KEY], stored_key[KEY], client_sig[KEY], proof[KEY];
  uint8_t server_key[KEY], server_sig[KEY];
  PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, (int)iterations,
                    EVP_sha256(), KEY, salted);
  hmac(salted, KEY, "Client Key", 10, client_key);
  SHA256(client_key, KEY, stored_key);
  hmac(stored_key, KEY, auth_message, am_len, client_sig);
  for (int k = 0; k < KEY; k++) proof[k] = client_key[k] ^ client_sig[k];
  hmac(salted, KEY, "Server Key", 10, server_key);
  hmac(server_key, KEY, auth_message, am_len, server_sig);
  free(auth_message);

  char b64[64];
  EVP_EncodeBlock((unsigned char *)b64, proof, KEY);
  n = snprintf(client_final + without_proof, final_cap - without_proof, ",p=%s", b64);
  if (n < 0 || (size_t)n >= final_cap - without_proof) return *why = "buffer too small", -1;
  EVP_EncodeBlock((unsigned char *)b64, server_sig, KEY);
  n = snprintf(server_final, server_cap, "v=%s", b64);
  if (n < 0 || (size_t)n >= server_cap) return *why = "buffer too small", -1;
  return 0;
}
