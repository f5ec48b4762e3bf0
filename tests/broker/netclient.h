/* tests/broker/netclient.h — start the mqspec-broker binary on a free
 * loopback port and talk MQTT to it over real sockets, with the codec.
 * Every wait has a timeout and waits on the event (poll), never sleeps. */
#ifndef MQS_TEST_NETCLIENT_H
#define MQS_TEST_NETCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mqs/codec.h"

typedef struct {
  pid_t pid;
  uint16_t port;
  int out_fd; /* the broker's stdout, after the "listening" lines */
} broker_proc;

/* Start the broker with "-p 0" and args (NULL-terminated, may be NULL).
 * Returns 0 with *bp filled, or -1 (message on stderr). */
int bp_start(broker_proc *bp, const char *const *args);
/* SIGTERM, then wait up to timeout_ms. Returns the exit status (0..255),
 * 128+signal if killed by one, or -1 if it did not end (then killed). */
int bp_stop(broker_proc *bp, int timeout_ms);

typedef struct {
  int fd;
  mqs_version v;
  uint8_t *buf; /* received, not yet decoded (plus decoded, kept for the packets) */
  size_t len, off, cap;
  void **olds;
  size_t n_olds;
} nc;

/* Connect TCP to host:port (blocking, 2 s). NULL on failure. */
nc *nc_open(const char *host, uint16_t port, mqs_version v);
void nc_close(nc *c);
/* Encode and send. Returns 0 or -1. */
int nc_send(nc *c, const mqs_packet *p);
int nc_send_raw(nc *c, const void *p, size_t n);
/* Next packet within timeout_ms: 1 (got one), 0 (timeout), -1 (closed or
 * error; *out untouched). Packets stay valid until nc_close. */
int nc_recv(nc *c, mqs_packet *out, int timeout_ms);
/* Wait for the broker to close the connection (EOF or reset), skipping
 * packets; true if it did within timeout_ms. */
bool nc_wait_closed(nc *c, int timeout_ms);

/* CONNECT with id and clean start, wait for CONNACK; returns its reason
 * (or -1). ka: keep alive seconds. */
int nc_connect(nc *c, const char *id, bool clean, uint16_t ka, mqs_packet *connack);

#endif
