/* harness/scram.h — the client side of SCRAM-SHA-256 (RFC 5802, RFC 7677),
 * for scenarios that authenticate with MQTT 5.0 enhanced authentication
 * (4.12): from the client-first message the scenario sent and the
 * server-first message the broker answered, the client-final message and
 * the server-final message a server knowing the password must send. */
#ifndef MQS_SCRAM_H
#define MQS_SCRAM_H

#include <stddef.h>

/* client_first: "n,,n=USER,r=NONCE" as sent (GS2 header and all);
 * server_first: "r=NONCE...,s=SALT,i=ITERATIONS" as received (len bytes).
 * Writes NUL-terminated texts into client_final (final_cap bytes) and
 * server_final (server_cap bytes). Returns 0, or -1 with *why set when server_first is not a
 * valid answer to client_first (its nonce does not extend ours, no salt,
 * iterations out of range) or a buffer is too small. */
int mqs_scram_client_final(const char *password, const char *client_first,
                           const char *server_first, size_t len, char *client_final,
                           size_t final_cap, char *server_final, size_t server_cap,
                           const char **why);

#endif
