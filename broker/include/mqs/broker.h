/* mqs/broker.h — the reference broker's protocol core: bytes in, bytes out.
 *
 * The core does no I/O and never reads a clock: the network layer (or a
 * test, or a fuzzer) feeds each connection's received bytes with
 * mqs_client_input, drains what to send with mqs_client_output, and passes
 * the current monotonic time in milliseconds into every call, in the manner
 * of nghttp2's session_mem_recv / session_mem_send. Given the same calls
 * with the same times and the same random bytes, it does the same thing.
 *
 * Every byte read and written goes through the shared codec (mqs/codec.h).
 * No globals: any number of brokers may live in one process. Not
 * thread-safe: one broker, one thread.
 *
 * Errors are negative mqs_err values (mqs/err.h); each prototype lists the
 * ones it may return. */
#ifndef MQS_BROKER_H
#define MQS_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqs/broker_auth.h"

typedef struct mqs_broker mqs_broker;
/* The most topic levels a broker may be configured to accept. */
#define MQS_BROKER_MAX_TOPIC_LEVELS 1024
typedef struct mqs_client mqs_client;

typedef enum {
  MQS_LOG_ERROR = 0,
  MQS_LOG_WARN = 1,
  MQS_LOG_INFO = 2,
  MQS_LOG_DEBUG = 3,
} mqs_log_level;

/* What the core asks of its environment. Every member may be NULL. */
typedef struct {
  /* Client c (user is the pointer given to mqs_broker_accept) has new
   * output to send, or must now close, because of something other than its
   * own input: another client's publish, a takeover, a timer in
   * mqs_broker_tick. May be called from inside any mqs_* call; it must not
   * call back into the core. After feeding input, check output yourself:
   * a client is not woken for the answers to its own packets. */
  void (*wake)(mqs_client *c, void *user);
  /* One line of diagnostics, without a newline. */
  void (*log)(void *arg, mqs_log_level level, const char *line);
  /* Fill buf with n unpredictable bytes (assigned client identifiers,
   * SCRAM nonces). NULL: a deterministic generator seeded with
   * mqs_broker_config.seed, for tests and fuzzing. */
  void (*random)(void *arg, uint8_t *buf, size_t n);
  void *arg; /* passed to log and random */
} mqs_broker_io;

/* Everything the core can be told. Start from mqs_broker_config_defaults
 * and change what you need; the core copies the struct (the auth and acl
 * objects are borrowed and must outlive the broker). Defaults in brackets. */
typedef struct {
  /* Optional features, advertised in a 5.0 CONNACK and enforced. */
  bool retain_available;     /* [true] */
  bool wildcard_available;   /* [true] */
  bool shared_available;     /* [true] */
  bool sub_id_available;     /* [true] */
  uint8_t max_qos;           /* [2] 0, 1 or 2 */
  uint16_t topic_alias_max;  /* [10] aliases a client may set; 0 disables */
  bool topic_alias_out;      /* [true] use aliases toward clients that allow them */
  bool response_information; /* [true] answer Request Response Information */

  /* Limits. */
  uint32_t max_clients;         /* [10000] connections the core accepts at once */
  uint32_t max_sessions;        /* [100000] sessions kept, online or not; a CONNECT that
                                   needs one more gets CONNACK 0x97 (3.1.1: 0x03) */
  uint32_t max_packet_size;     /* [1048576] largest packet accepted, fixed header included */
  uint16_t receive_max;         /* [65535] unacknowledged QoS 1/2 PUBLISHes a client may send */
  uint16_t max_inflight;        /* [100] unacknowledged QoS 1/2 sent to a client (also
                                   limited by its Receive Maximum) */
  uint32_t max_queued;          /* [1000] messages waiting per session, online or not */
  uint64_t max_queued_bytes;    /* [16777216] payload+topic bytes waiting per session */
  uint32_t max_output_bytes;    /* [262144] unsent bytes above which input is not read */
  uint16_t max_keep_alive;      /* [0] 0: the client's value; else the server's cap (5.0) */
  uint32_t max_session_expiry;  /* [0xFFFFFFFF] seconds; caps what clients ask for */
  uint32_t connect_timeout_ms;  /* [10000] time allowed between accept and CONNECT */
  uint32_t max_retained;        /* [100000] retained messages kept */
  uint32_t max_subs_per_client; /* [1000] subscriptions per session */
  uint16_t max_topic_levels;    /* [200] levels in a topic name or filter; at most
                                   MQS_BROKER_MAX_TOPIC_LEVELS (matching recurses per level) */

  /* Authentication and authorisation. */
  bool allow_anonymous;          /* [true] connections without a user name */
  const mqs_auth *auth;          /* [NULL] password database; NULL: no user is known */
  const mqs_acl *acl;            /* [NULL] topic ACLs; NULL: everything allowed */
  uint32_t scram_iterations_min; /* [4096] refuse weaker SCRAM credentials */

  /* $SYS/broker/... statistics, published retained every interval. */
  uint32_t sys_interval_s; /* [10] 0: never */
  const char *version;     /* ["mqspec-broker"] for $SYS/broker/version */

  uint64_t seed; /* [1] for the deterministic random generator */
  mqs_broker_io io;
} mqs_broker_config;

/* Statistics, also published under $SYS/broker/. */
typedef struct {
  uint64_t clients_connected; /* CONNACKed connections now */
  uint64_t clients_total;     /* sessions now, online or not */
  uint64_t clients_maximum;   /* most connected at once */
  uint64_t connections;       /* connections accepted since start */
  uint64_t msgs_received;     /* PUBLISH from clients */
  uint64_t msgs_sent;         /* PUBLISH to clients */
  uint64_t msgs_dropped;      /* deliveries dropped: queue full, expired, too large */
  uint64_t bytes_received;
  uint64_t bytes_sent;
  uint64_t retained;      /* retained messages now */
  uint64_t subscriptions; /* subscriptions now */
  uint64_t sessions_expired;
  uint64_t protocol_errors; /* connections closed for a bad packet */
} mqs_broker_stats;

/* Fill cfg with the defaults above. */
void mqs_broker_config_defaults(mqs_broker_config *cfg);

/* A new broker, or NULL on allocation failure or a config out of range
 * (max_qos > 2, max_packet_size < 64, receive_max 0, max_inflight 0,
 * max_queued 0, max_topic_levels 0 or above MQS_BROKER_MAX_TOPIC_LEVELS). now_ms starts its clock.
 */
mqs_broker *mqs_broker_new(const mqs_broker_config *cfg, uint64_t now_ms);
/* Free the broker, its sessions and every client still open (their
 * network side is the caller's: close the sockets first or after). NULL:
 * no-op. */
void mqs_broker_free(mqs_broker *b);

/* A new connection: the core waits for its CONNECT. peer_name is copied
 * (for logs; may be NULL); user is handed back to io.wake. Returns NULL
 * when max_clients connections are open or memory runs out: close the
 * socket. */
mqs_client *mqs_broker_accept(mqs_broker *b, const char *peer_name, void *user, uint64_t now_ms);

/* Feed n bytes received from c's peer. Complete packets are handled at
 * once; a partial one is kept until the rest comes (never more than the
 * maximum packet size). Returns 0, or a negative mqs_err when the bytes
 * broke the protocol and the connection must close (the answer the
 * specification requires, a 5.0 CONNACK or DISCONNECT with the reason
 * code, is already in the output): MQS_EMALFORMED, MQS_EPROTOCOL,
 * MQS_ETOOLARGE; or MQS_ENOMEM. Bytes fed after that (or to a client that
 * should close) are ignored and return MQS_EPROTOCOL. The answers to all
 * of one call's packets are queued, so feed what one socket read gives
 * (mqspec-broker reads 64 KB) and ask mqs_client_wants_input in between:
 * that is what bounds the output a client that does not read can cause. */
int mqs_client_input(mqs_client *c, const uint8_t *p, size_t n, uint64_t now_ms);

/* Whether to read more from c now. False while c's unsent output is above
 * max_output_bytes (a client that sends but does not read must not make
 * the broker buffer without bound) and once c should close. */
bool mqs_client_wants_input(const mqs_client *c);

/* Bytes to send to c: sets *p and returns their number (0: nothing now).
 * Queued messages are encoded here, as the network can take them, so a
 * slow reader holds messages (bounded by max_queued) rather than bytes.
 * *p stays valid until the next call into the core (any client's). */
size_t mqs_client_output(mqs_client *c, const uint8_t **p);
/* n bytes of what mqs_client_output gave were sent. */
void mqs_client_output_done(mqs_client *c, size_t n);

/* True once the connection must end: send what mqs_client_output still
 * gives (it adds nothing new now), then close and call mqs_client_gone. */
bool mqs_client_should_close(const mqs_client *c);

/* The network connection is closed (by either side): frees c. Without a
 * DISCONNECT from the client before, this is an abnormal close and the
 * will is published (after its delay). The session lives on for its
 * expiry interval. */
void mqs_client_gone(mqs_client *c, uint64_t now_ms);

/* Ask c to go away, as on shutdown: a 5.0 client gets DISCONNECT with
 * reason (e.g. 0x8B Server shutting down); then c should close. */
void mqs_client_kick(mqs_client *c, uint8_t reason, uint64_t now_ms);

/* The user pointer given to mqs_broker_accept, and the peer name. */
void *mqs_client_user(const mqs_client *c);
const char *mqs_client_peer(const mqs_client *c);

/* Run what is due at now_ms: keep-alive and CONNECT timeouts, will
 * delays, session expiry, retained message expiry, $SYS publication.
 * Returns the time (ms) of the next thing due, never later than
 * now_ms + 60000 (a deadline may move earlier after any other call: see
 * mqs_broker_next_deadline). */
uint64_t mqs_broker_tick(mqs_broker *b, uint64_t now_ms);
/* The time at which mqs_broker_tick next has something to do, as known
 * now. It may have become earlier since the last tick (a client connected
 * with a short keep alive); it is never later than the truth. */
uint64_t mqs_broker_next_deadline(const mqs_broker *b);

/* Statistics as of the last call. */
void mqs_broker_get_stats(const mqs_broker *b, mqs_broker_stats *out);

/* Check every internal invariant: inflight never above the peer's Receive
 * Maximum, queues within max_queued and max_queued_bytes, inbound QoS 2
 * state within receive_max, aliases within their maximum, subscription
 * counts equal to the tree's, session store consistent, output within its
 * bound. Returns 0, or MQS_EINVAL with a description of the first broken
 * one in why (if not NULL). For tests and the fuzzer; O(everything). */
int mqs_broker_check_invariants(const mqs_broker *b, char *why, size_t whycap);

#endif
