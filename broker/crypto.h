/* broker/crypto.h — the few primitives SCRAM-SHA-256 needs, over OpenSSL's
 * libcrypto: HMAC-SHA-256, SHA-256, PBKDF2, base64, constant-time compare. */
#ifndef MQS_BROKER_CRYPTO_H
#define MQS_BROKER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqs/broker_auth.h"

/* out gets 32 bytes. Return 0 or MQS_EIO. */
int crypto_hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
                       uint8_t out[32]);
int crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32]);
/* Credentials from a password (RFC 5802 3): SaltedPassword by PBKDF2, then
 * StoredKey = H(HMAC(SaltedPassword, "Client Key")) and ServerKey =
 * HMAC(SaltedPassword, "Server Key"). cred's salt and iterations must be
 * set. Returns 0 or MQS_EIO. */
int crypto_scram_derive(const uint8_t *password, size_t len, mqs_scram_cred *cred);
/* Base64 (RFC 4648, with padding). encode writes NUL-terminated text and
 * returns its length; cap must be at least 4 * ceil(n / 3) + 1. decode
 * returns the byte count, or -1 for invalid input or too small a cap. */
size_t crypto_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
long crypto_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);
bool crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
