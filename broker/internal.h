/* broker/internal.h — the core's data structures, shared by its files and
 * seen by nobody else. One concern per file; this header says which file
 * owns which functions. */
#ifndef MQS_BROKER_INTERNAL_H
#define MQS_BROKER_INTERNAL_H

#include <stdarg.h>

#include "mqs/broker.h"
#include "mqs/codec.h"
#include "util.h"

typedef struct mqs_session mqs_session;
typedef struct tnode tnode;
typedef struct sub sub;
typedef struct shgroup shgroup;
typedef struct scram_server scram_server;

#define MQS_PROTOCOL_MAX_PACKET 268435460u /* 1 + 4 + 268435455 */
#define MQS_NO_EXPIRY           UINT64_MAX
/* Encoded output kept ready per client: enough to fill a socket buffer,
 * small enough that a slow reader holds messages rather than bytes. */
#define MQS_OUT_CHUNK 65536

/* ---- msg.c: application messages ---- */

/* An application message. Immutable once made; shared by reference among
 * the queues, the retained store and wills that hold it. Every string
 * points into the same allocation. */
typedef struct mqs_msg {
  uint32_t refs;
  uint8_t qos;
  bool retain;
  bool has_expiry;
  bool has_payload_format;
  uint8_t payload_format;
  uint64_t origin;    /* serial of the publishing session (No Local); 0: the broker */
  uint64_t expire_at; /* ms, when has_expiry */
  uint32_t expiry_s;  /* the Message Expiry Interval as given */
  mqs_str topic, payload, content_type, response_topic, correlation_data;
  uint32_t n_user;
  mqs_str_pair *user;
  size_t size; /* bytes held, for queue accounting */
} mqs_msg;

/* A message from a PUBLISH or a will (props may be NULL: 3.1.1). topic and
 * payload are copied. NULL on allocation failure. */
mqs_msg *msg_new(const mqs_str *topic, const mqs_str *payload, uint8_t qos, bool retain,
                 const mqs_props *props, uint64_t origin, uint64_t now);
mqs_msg *msg_ref(mqs_msg *m);
void msg_unref(mqs_msg *m);
/* A copy with another retain flag (retained store vs forwarding). */
mqs_msg *msg_with_retain(mqs_msg *m, bool retain, uint64_t now);
bool msg_expired(const mqs_msg *m, uint64_t now);
/* Message Expiry Interval left, in whole seconds rounded up (>= 1 until expired). */
uint32_t msg_expiry_left(const mqs_msg *m, uint64_t now);

/* ---- session.c: sessions, their queues and inflight windows ---- */

/* One delivery of a message to one session, waiting or inflight. */
typedef struct qitem {
  struct qitem *next, *prev;
  mqs_msg *msg;
  uint16_t id;   /* packet identifier, once sent (QoS 1 and 2) */
  uint8_t qos;   /* delivered QoS: min(published, granted) */
  uint8_t state; /* Q_WAITING, Q_SENT, Q_RELEASED */
  bool retain;   /* RETAIN flag to send */
  bool resend;   /* inflight, to send again on this connection */
  uint32_t n_sub_ids;
  uint32_t sub_ids[];
} qitem;

enum { Q_WAITING = 0, Q_SENT = 1, Q_RELEASED = 2 };

typedef struct {
  qitem *head, *tail;
  uint32_t count;
} qlist;

/* A will, and when it is due once its connection has ended. */
typedef struct {
  mqs_msg *msg; /* NULL: none */
  uint32_t delay_s;
  uint64_t due; /* ms */
} willspec;

struct mqs_session {
  mqs_broker *b;
  char *id;
  size_t id_len;
  uint64_t serial;    /* unique for the broker's life: No Local compares these */
  mqs_client *client; /* NULL while offline */
  char *username;     /* of the connection that made or resumed it (ACL) */
  size_t username_len;
  uint32_t expiry_s;  /* Session Expiry Interval in force */
  uint64_t expire_at; /* ms, while offline (MQS_NO_EXPIRY: never) */
  qlist queue;        /* waiting to be sent, in order */
  qlist inflight;     /* sent, not yet acknowledged, in order of sending */
  qitem *resend_next; /* next inflight delivery to send again after a resume */
  uint64_t queued_bytes;
  uint32_t queued_qos0;
  uint32_t inflight_cap; /* invariant bound: the Receive Maximum, or what a resume resent */
  idtab out_ids;         /* packet identifier -> inflight qitem */
  uint16_t next_id;
  idtab in_qos2; /* identifiers of QoS 2 PUBLISHes received, PUBREL awaited */
  sub **subs;
  uint32_t n_subs, cap_subs;
  willspec will; /* pending after the connection ended (will delay) */
  uint64_t route_epoch;
  uint32_t route_slot;
};

mqs_session *session_find(mqs_broker *b, const uint8_t *id, size_t len);
mqs_session *session_new(mqs_broker *b, const uint8_t *id, size_t len);
/* End a session: publish its pending will, drop subscriptions and queues,
 * unlink from the store, free. The session must be offline. */
void session_end(mqs_broker *b, mqs_session *s);
/* Queue one delivery. Applies the limits: a full queue drops its oldest
 * QoS 0 message first, else the new one (counted in msgs_dropped). Offline
 * sessions take QoS 1 and 2 only. Returns 0 (queued or dropped by rule) or
 * MQS_ENOMEM. */
int session_enqueue(mqs_broker *b, mqs_session *s, mqs_msg *m, uint8_t qos, bool retain,
                    const uint32_t *sub_ids, uint32_t n_sub_ids);
void qlist_push(qlist *l, qitem *q);
void qlist_unlink(qlist *l, qitem *q);
void qitem_free(qitem *q);
/* Take q out of the waiting queue (with its accounting). */
void session_dequeue(mqs_session *s, qitem *q);
/* Acknowledged or abandoned inflight delivery. */
void session_inflight_done(mqs_session *s, qitem *q);
/* A packet identifier not in use by an inflight delivery. */
uint16_t session_next_id(mqs_session *s);
/* Mark every inflight delivery for sending again (a resumed session). */
void session_mark_resend(mqs_session *s);

/* ---- tree.c: topic trees (subscriptions and retained messages) ---- */

struct tnode {
  tnode *parent;
  tnode *hnext; /* next in the parent's bucket */
  tnode **kids; /* hash buckets */
  uint32_t nbuckets, nkids;
  uint64_t hash;
  /* subscription tree */
  sub **subs; /* non-shared subscriptions ending here */
  uint32_t n_subs, cap_subs;
  shgroup *groups; /* shared subscription groups ending here */
  /* retained tree */
  mqs_msg *retained;
  uint16_t len;
  char name[];
};

tnode *tree_root(void);
tnode *tree_find(const tnode *n, const uint8_t *name, size_t len, uint64_t seed);
/* Find or make the child; NULL: out of memory. */
tnode *tree_child(tnode *n, const uint8_t *name, size_t len, uint64_t seed);
/* Free n and then each ancestor left with nothing (the root stays). */
void tree_prune(tnode *n);
/* Free every empty node below n (n itself stays). */
void tree_prune_empty(tnode *n);
/* Children: start with *bucket 0 and cur NULL. */
tnode *tree_next_kid(const tnode *n, uint32_t *bucket, tnode *cur);
/* Free the whole tree; payloads must already be gone. */
void tree_free(tnode *root);
/* Split off the level at *t (up to '/' or the end). Returns false after the last. */
bool topic_next_level(const uint8_t **t, const uint8_t *end, const uint8_t **lvl, size_t *len);

/* ---- subs.c: subscriptions ---- */

struct shgroup {
  shgroup *next;
  tnode *node;
  sub **members;
  uint32_t n, cap, rr; /* rr: round-robin position */
  uint16_t len;
  char name[];
};

struct sub {
  mqs_session *s;
  tnode *node;
  shgroup *group; /* NULL: not shared */
  uint32_t idx;   /* position in node->subs or group->members */
  uint8_t options;
  uint32_t sub_id; /* 0: none */
  uint16_t filter_len;
  char filter[]; /* as subscribed, "$share/g/" included */
};

/* What a topic matched: the non-shared subscriptions and the shared groups. */
typedef struct {
  sub **subs;
  uint32_t n_subs, cap_subs;
  shgroup **groups;
  uint32_t n_groups, cap_groups;
} matches;

/* Subscribe s to filter (validated by the caller); replaces s's
 * subscription to the same filter. *existed says whether it did. Returns
 * 0 or MQS_ENOMEM. */
int subs_add(mqs_broker *b, mqs_session *s, const uint8_t *filter, size_t len, uint8_t options,
             uint32_t sub_id, bool *existed);
/* Returns true when s had that subscription. */
bool subs_remove(mqs_broker *b, mqs_session *s, const uint8_t *filter, size_t len);
void subs_remove_all(mqs_broker *b, mqs_session *s);
/* Fill m (cleared first) with what topic matches. MQS_ENOMEM possible. */
int subs_match(mqs_broker *b, const uint8_t *topic, size_t len, matches *m);
void matches_free(matches *m);

/* ---- retain.c: retained messages ---- */

/* Store m (retain flag set) under its topic; an empty payload deletes.
 * Returns 0 or MQS_ENOMEM; over max_retained a new topic is not stored. */
int retain_store(mqs_broker *b, mqs_msg *m);
/* Call fn for each live retained message whose topic filter (not shared)
 * matches, dropping expired ones on the way. */
void retain_match(mqs_broker *b, const uint8_t *filter, size_t len,
                  void (*fn)(mqs_msg *m, void *arg), void *arg);
/* Remove expired retained messages (tick). */
void retain_sweep(mqs_broker *b);
void retain_free_all(mqs_broker *b);

/* ---- deliver.c: routing and the outbound PUBLISH flow ---- */

/* Deliver m to every matching subscription. */
void route(mqs_broker *b, mqs_msg *m);
/* Encode what s may send now into its client's output: resends first,
 * then queued messages, within the inflight window and the output chunk. */
void client_fill(mqs_client *c);
/* Wake the client of s (if online) because it has something to send. */
void session_wake(mqs_session *s);

/* ---- core.c: connections ---- */

enum { C_AWAIT_CONNECT, C_AUTHENTICATING, C_CONNECTED, C_CLOSING };

/* What a CONNECT asked for, kept while enhanced authentication runs. */
typedef struct {
  char *client_id;
  size_t client_id_len;
  bool assigned;
  bool clean_start;
  uint16_t keep_alive;
  uint32_t session_expiry;
  willspec will;
  bool request_response_info;
  char *auth_method;
  char *username;
  size_t username_len;
} conn_req;

struct mqs_client {
  mqs_broker *b;
  mqs_client *next, *prev; /* the broker's list */
  void *user;
  char *peer;
  int state;
  mqs_version version;
  mqs_session *session;
  bool graceful; /* DISCONNECT without will */
  bool counted;  /* in clients_connected */
  uint64_t accepted_at, last_rx;
  uint16_t keep_alive; /* in force, seconds */
  bbuf in, out;
  uint64_t out_total; /* bytes ever handed out, for stats */
  /* from a 5.0 CONNECT */
  uint16_t peer_receive_max;
  uint32_t peer_max_packet; /* 0: only the protocol's */
  uint16_t peer_alias_max;
  bool problem_info;
  /* topic aliases, both ways (alias.c) */
  mqs_str *alias_in; /* cfg.topic_alias_max + 1 entries, owned copies */
  smap alias_out;    /* topic -> alias number */
  uint16_t alias_out_used;
  willspec will; /* this connection's will */
  char *username;
  size_t username_len;
  conn_req *req;       /* during enhanced authentication */
  char *auth_method;   /* the method CONNECT named (re-authentication) */
  scram_server *scram; /* exchange in progress */
  bool reauth;         /* the exchange is a re-authentication */
};

/* Queue p for c (5.0: drops Reason String and User Properties that would
 * make it exceed c's Maximum Packet Size). Returns 0, MQS_ETOOLARGE (not
 * sent) or MQS_ENOMEM. */
int client_send(mqs_client *c, mqs_packet *p);
/* End c for a broken rule: 5.0 gets CONNACK (before CONNACK) or
 * DISCONNECT with reason; 3.1.1 none. Then c closes. */
void client_fail(mqs_client *c, uint8_t reason, const char *why);
/* Stop delivering to c and detach its session: with will, the will is
 * published now or kept in the session for its delay. */
void client_detach(mqs_client *c, bool will);
/* A Reason String property for c, when it asked for problem information. */
void reason_string(const mqs_client *c, mqs_props *p, const char *s);
void blog(const mqs_broker *b, mqs_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void deadline_at(mqs_broker *b, uint64_t when);

/* ---- connect.c, publish.c, subscribe.c, auth_flow.c: packet handlers ---- */

int handle_connect(mqs_client *c, const mqs_packet *p);
int handle_publish(mqs_client *c, const mqs_packet *p);
int handle_ack(mqs_client *c, const mqs_packet *p); /* PUBACK, PUBREC, PUBREL, PUBCOMP */
int handle_subscribe(mqs_client *c, const mqs_packet *p);
int handle_unsubscribe(mqs_client *c, const mqs_packet *p);
int handle_auth(mqs_client *c, const mqs_packet *p);
/* Finish a CONNECT once authenticated: session, CONNACK, resend. */
int connect_accept(mqs_client *c, const mqs_str *auth_data);
void conn_req_free(conn_req *r);
/* Enhanced authentication (auth_flow.c): start from CONNECT. Returns 0
 * (AUTH sent or CONNACK refusal sent) or an error. */
int auth_start(mqs_client *c, const mqs_props *props);

/* May c publish to topic: not $SYS, and allowed by the ACL (connect.c). */
bool may_publish(const mqs_client *c, const mqs_str *topic);

/* ---- will.c ---- */

/* The will of a CONNECT as a message; 0, MQS_ENOMEM. */
int will_from_connect(mqs_client *c, const mqs_connect *k, willspec *out);
/* The connection ended without a clean DISCONNECT: publish now or keep in
 * s for the delay. Takes w. */
void will_trigger(mqs_broker *b, mqs_session *s, willspec *w);
void will_publish(mqs_broker *b, willspec *w);
void will_clear(willspec *w);

/* ---- alias.c: topic aliases ---- */

/* Resolve an inbound PUBLISH's topic through the alias table, setting the
 * mapping when both are given. Returns 0 with *topic set, or the 5.0
 * reason code to disconnect with (0x82, 0x94). */
int alias_in(mqs_client *c, const mqs_publish *p, mqs_str *topic);
/* Outbound: the alias to use for topic, and whether the topic must still be
 * sent (first use). 0: no alias. */
uint16_t alias_out(mqs_client *c, const mqs_str *topic, bool *send_topic);
void alias_free(mqs_client *c);

/* ---- sys.c ---- */
void sys_publish(mqs_broker *b);

/* ---- scram.c: SCRAM-SHA-256 server side ---- */

/* Start with the client-first-message. Returns the exchange, or NULL with
 * *reason set (0x86 unknown user / bad message, 0x80 memory). out gets the
 * server-first-message (malloc'd). */
scram_server *scram_start(mqs_broker *b, const uint8_t *msg, size_t len, uint8_t **out,
                          size_t *out_len, uint8_t *reason);
/* Check the client-final-message. Returns 0 with out = server-final
 * message, or a reason code (0x86, 0x87). */
int scram_finish(scram_server *s, const uint8_t *msg, size_t len, uint8_t **out, size_t *out_len);
/* The authenticated user name (valid while s lives). */
const char *scram_user(const scram_server *s, size_t *len);
void scram_free(scram_server *s);

/* ---- broker ---- */

struct mqs_broker {
  mqs_broker_config cfg;
  uint64_t now, started;
  rng rng;
  uint64_t seed; /* hash seed */
  mqs_client *clients;
  uint32_t n_clients;
  smap sessions; /* client id -> session */
  uint64_t next_serial;
  tnode *subs_root;
  tnode *retain_root;
  mqs_broker_stats st;
  uint64_t next_deadline;
  uint64_t next_sys;
  uint64_t next_retain_sweep;
  uint64_t route_epoch;
  matches scratch; /* routing scratch space, reused */
  void *tgt;
  uint32_t tgt_cap;
  uint32_t *ids;
  uint32_t ids_cap;
  char *version;
};

void broker_random(mqs_broker *b, uint8_t *buf, size_t n);
/* A whole file as NUL-terminated text (malloc'd), or NULL with errno set
 * (EINVAL when it holds a NUL byte). auth.c. */
char *read_text_file(const char *path);
/* The next line of a password or ACL file that says something: advances
 * *p past it and counts it in *line, sets [*s, *s + *len) to the line
 * without surrounding blanks, and skips empty lines and '#' comments.
 * Returns false at the end of the text. auth.c. */
bool next_text_line(const char **p, unsigned *line, const char **s, size_t *len);

#endif
