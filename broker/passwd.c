/* broker/passwd.c — "mqspec-broker passwd FILE USER": add or replace a user
 * in a password file. The password is read from standard input (one line),
 * so it never shows in a process list; a fresh 16-byte salt and 4096
 * PBKDF2 iterations (the RFC 7677 minimum) go into the SCRAM-SHA-256
 * credentials stored in its place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "mqs/broker_auth.h"
#include "mqs/err.h"

#define ITERATIONS 4096
#define SALT_BYTES 16

int broker_passwd_main(int argc, char **argv);

int broker_passwd_main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: mqspec-broker passwd FILE USER   (password on standard input)\n");
    return 2;
  }
  const char *path = argv[1], *user = argv[2];
  mqs_auth *a = mqs_auth_new();
  if (!a) return 1;
  int status = 1;
  char err[512];
  if (access(path, F_OK) == 0 && mqs_auth_load(a, path, err, sizeof err)) {
    fprintf(stderr, "mqspec-broker passwd: %s\n", err);
    goto out;
  }
  if (isatty(STDIN_FILENO)) fprintf(stderr, "password for %s: ", user);
  char pw[1024];
  if (!fgets(pw, sizeof pw, stdin)) {
    fprintf(stderr, "mqspec-broker passwd: no password on standard input\n");
    goto out;
  }
  size_t len = strcspn(pw, "\r\n");
  pw[len] = 0;
  uint8_t salt[SALT_BYTES];
  if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt) {
    perror("mqspec-broker passwd: getrandom");
    goto out;
  }
  int rc = mqs_auth_set(a, user, (const uint8_t *)pw, len, salt, sizeof salt, ITERATIONS);
  memset(pw, 0, sizeof pw);
  if (rc == MQS_EINVAL) {
    fprintf(stderr,
            "mqspec-broker passwd: a user name must be non-empty, without ':' or newlines\n");
    goto out;
  }
  if (rc || mqs_auth_save(a, path)) {
    fprintf(stderr, "mqspec-broker passwd: cannot write %s: %s\n", path, strerror(errno));
    goto out;
  }
  status = 0;
out:
  mqs_auth_free(a);
  return status;
}
