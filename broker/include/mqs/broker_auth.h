/* mqs/broker_auth.h — the broker's users and topic permissions: a password
 * database with salted hashes, and per-user topic ACLs.
 *
 * Passwords are never stored: each user has SCRAM-SHA-256 credentials
 * (RFC 5802, RFC 7677): a salt, an iteration count, StoredKey and ServerKey
 * derived with PBKDF2-HMAC-SHA-256 (OpenSSL libcrypto). The same record
 * checks a plain CONNECT password and answers a SCRAM-SHA-256 exchange.
 *
 * Password file: one user per line, "#" starts a comment:
 *   alice:SCRAM-SHA-256$4096:<salt base64>$<StoredKey base64>:<ServerKey base64>
 * (the RFC 5803 form of the credentials after "user:").
 *
 * ACL file: lines, "#" starts a comment:
 *   topic [read|write|readwrite] <filter>    rule for the current section
 *   user <name>                              the rules after it are for <name>
 *   pattern [read|write|readwrite] <filter>  rule for every user, %u and %c
 *                                            replaced by user name and client id
 * Rules before the first "user" line apply to clients without a user name.
 * With an ACL loaded, what no rule allows is denied. */
#ifndef MQS_BROKER_AUTH_H
#define MQS_BROKER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mqs_auth mqs_auth;
typedef struct mqs_acl mqs_acl;

#define MQS_SCRAM_KEY_LEN  32 /* SHA-256 */
#define MQS_SCRAM_SALT_MAX 64

/* One user's SCRAM-SHA-256 credentials. */
typedef struct {
  uint32_t iterations;
  uint8_t salt[MQS_SCRAM_SALT_MAX];
  size_t salt_len;
  uint8_t stored_key[MQS_SCRAM_KEY_LEN];
  uint8_t server_key[MQS_SCRAM_KEY_LEN];
} mqs_scram_cred;

/* An empty database, or NULL (out of memory). */
mqs_auth *mqs_auth_new(void);
void mqs_auth_free(mqs_auth *a);
/* Read a password file (format above), adding to a. Returns 0, or
 * MQS_EIO (cannot read: errno says why), MQS_ESYNTAX (err names the line
 * and what was expected), MQS_ENOMEM. err may be NULL. */
int mqs_auth_load(mqs_auth *a, const char *path, char *err, size_t errcap);
/* Parse the text of a password file (NUL-terminated). Same returns, less
 * MQS_EIO; name is used in messages. */
int mqs_auth_parse(mqs_auth *a, const char *text, const char *name, char *err, size_t errcap);
/* Add or replace user with credentials derived from password with a fresh
 * salt (salt_len random bytes from salt) and iterations. Returns 0,
 * MQS_EINVAL (empty user, ':' or newline in user, salt_len 0 or too long,
 * iterations 0), MQS_ENOMEM, MQS_EIO (libcrypto failed). */
int mqs_auth_set(mqs_auth *a, const char *user, const uint8_t *password, size_t password_len,
                 const uint8_t *salt, size_t salt_len, uint32_t iterations);
/* Write the database in password-file form; returns 0 or MQS_EIO. Users in
 * the order they were added. */
int mqs_auth_save(const mqs_auth *a, const char *path);
/* The credentials of user (user_len bytes), or NULL. */
const mqs_scram_cred *mqs_auth_find(const mqs_auth *a, const uint8_t *user, size_t user_len);
/* Whether password matches user's credentials (constant time in the
 * password's hash). False for unknown users. */
bool mqs_auth_check(const mqs_auth *a, const uint8_t *user, size_t user_len,
                    const uint8_t *password, size_t password_len);
/* Number of users. */
size_t mqs_auth_count(const mqs_auth *a);

/* Access asked of an ACL. */
#define MQS_ACL_READ  1 /* subscribe (the whole filter must be allowed) */
#define MQS_ACL_WRITE 2 /* publish (and wills) */

mqs_acl *mqs_acl_new(void);
void mqs_acl_free(mqs_acl *acl);
/* Read an ACL file (format above). Returns 0, MQS_EIO, MQS_ESYNTAX (err
 * names line and problem: unknown keyword, bad access word, invalid
 * filter), MQS_ENOMEM. */
int mqs_acl_load(mqs_acl *acl, const char *path, char *err, size_t errcap);
int mqs_acl_parse(mqs_acl *acl, const char *text, const char *name, char *err, size_t errcap);
/* Whether user (NULL: anonymous) with client_id may publish to topic
 * (MQS_ACL_WRITE) or subscribe to filter (MQS_ACL_READ: allowed only when
 * one rule covers every topic the filter can match). A NULL acl allows all. */
bool mqs_acl_allows(const mqs_acl *acl, const char *user, size_t user_len, const char *client_id,
                    size_t client_id_len, const uint8_t *topic, size_t topic_len, int access);

/* Whether every topic that filter f matches is also matched by rule r (both
 * valid topic filters, not shared): the test behind MQS_ACL_READ. */
bool mqs_filter_covers(const uint8_t *r, size_t rlen, const uint8_t *f, size_t flen);

#endif
