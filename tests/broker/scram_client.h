/* tests/broker/scram_client.h — the client side of SCRAM-SHA-256 (RFC 5802),
 * written independently of the broker's server side so that each checks
 * the other, over OpenSSL. */
#ifndef MQS_TEST_SCRAM_CLIENT_H
#define MQS_TEST_SCRAM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char user[64];
  char password[64];
  char cnonce[32];
  char first_bare[256];
  char auth_message[1024];
  unsigned char server_key[32];
} scram_client;

/* "n,,n=user,r=nonce" into out. */
void scram_client_first(scram_client *s, const char *user, const char *password, char *out,
                        size_t cap);
/* From the server-first-message, the client-final-message into out.
 * Returns false if the server's message is not acceptable. */
bool scram_client_final(scram_client *s, const char *server_first, size_t len, char *out,
                        size_t cap);
/* Whether the server-final-message ("v=...") proves the server knew the key. */
bool scram_client_verify(const scram_client *s, const char *server_final, size_t len);

#endif
