/* harness/bundled.h — the bundled mqspec-broker as the default subject:
 * started on a free loopback port before a run, stopped after it. */
#ifndef MQS_BUNDLED_H
#define MQS_BUNDLED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
  pid_t pid;
  int out_fd; /* its stdout and stderr: kept open (never full: non-blocking) */
  uint16_t port;
  uint16_t ws_port; /* its MQTT over WebSocket listener, on 127.0.0.1 */
  char path[4096];
  char dir[64];     /* a directory of our own for its password file, or "" */
} mqs_bundled;

/* Find mqspec-broker next to this executable (build layout: harness/mqspec
 * and broker/mqspec-broker; installed: the same directory), or at
 * $MQSPEC_BROKER; start it with `-p 0 --ws-listen 127.0.0.1:0` and a
 * password file with one user, alice (password "secret"), so that it takes
 * that user and offers SCRAM-SHA-256 (anonymous clients stay welcome), and
 * wait up to 5 s for its "listening on 127.0.0.1:PORT" and WebSocket lines. Returns 0, or -1 with err saying
 * what went wrong and what to do (pass --broker). */
int mqs_bundled_start(mqs_bundled *b, char *err, size_t cap);
/* SIGTERM, then SIGKILL after 2 s. Returns its exit status as waitpid
 * gives it, or -1. When it did not exit cleanly, its last output goes to
 * stderr. */
int mqs_bundled_stop(mqs_bundled *b);

#endif
