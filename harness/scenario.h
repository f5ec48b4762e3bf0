/* harness/scenario.h — a scenario as loaded from its YAML file: metadata,
 * clients and steps. The loader checks everything it can without a broker
 * (every field name, every literal value, every packet that is not meant
 * to be broken); what holds ${variables} is checked again when it runs.
 * Nodes point into the scenario's arena, so messages can name the line. */
#ifndef MQS_SCENARIO_H
#define MQS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "fields.h"
#include "node.h"
#include "result.h"

/* Optional broker features a scenario may need (`needs:`). */
typedef enum {
  MQS_NEED_RETAIN = 1u << 0,      /* Retain Available */
  MQS_NEED_WILDCARD = 1u << 1,    /* Wildcard Subscription Available */
  MQS_NEED_SHARED = 1u << 2,      /* Shared Subscription Available */
  MQS_NEED_SUB_ID = 1u << 3,      /* Subscription Identifier Available */
  MQS_NEED_TOPIC_ALIAS = 1u << 4, /* Topic Alias Maximum > 0 */
  MQS_NEED_QOS1 = 1u << 5,        /* Maximum QoS >= 1 */
  MQS_NEED_QOS2 = 1u << 6,        /* Maximum QoS 2 */
  MQS_NEED_WEBSOCKET = 1u << 7,   /* a WebSocket listener (--broker-ws); set by `transport` */
} mqs_need;

/* "retain" -> MQS_NEED_RETAIN, or 0. */
unsigned mqs_need_from_name(const char *name);
const char *mqs_need_name(unsigned need); /* one bit */
/* "retain, wildcard, ..." for messages. */
const char *mqs_need_names(void);

typedef enum {
  MQS_M_EQ,     /* value: a scalar of the field's type */
  MQS_M_ANY,    /* present, whatever its value */
  MQS_M_ABSENT, /* not present */
  MQS_M_ONE_OF, /* sub: alternatives */
  MQS_M_RANGE,  /* value .. high, inclusive */
  MQS_M_LIST,   /* sub: one matcher per element, in order */
  MQS_M_PAIR,   /* a User Property: value is the key, high the value */
  MQS_M_NOT,    /* sub[0]: a present value that it does not match */
} mqs_match_kind;

typedef struct mqs_matcher mqs_matcher;
struct mqs_matcher {
  mqs_match_kind kind;
  mqs_field_type type; /* how values are written (for a LIST: its elements') */
  const mqs_node *at;
  const mqs_node *value;
  const mqs_node *high;
  mqs_matcher *sub;
  size_t n_sub;
};

typedef struct {
  mqs_field_id field;
  uint8_t prop; /* MQS_F_PROP */
  const char *name; /* as written: "id", "properties.topic_alias" */
  mqs_matcher m;
} mqs_check;

typedef struct {
  const char *var;
  mqs_field_id field;
  uint8_t prop;
  const mqs_node *at;
  /* save: {NAME: {scram_client_final: {password, client_first}}}: the field
   * (Authentication Data) is a SCRAM-SHA-256 server-first message; NAME
   * gets the client-final message, NAME_server the server-final one. */
  const char *scram_password, *scram_client_first;
} mqs_save;

/* One packet to expect: its type and what its fields must be. */
typedef struct {
  mqs_packet_type type;
  const mqs_node *at;
  mqs_check *checks;
  size_t n_checks;
  mqs_save *saves;
  size_t n_saves;
} mqs_expect;

/* One thing to write: a packet by fields, or hex. */
typedef struct {
  bool is_hex;
  mqs_packet_type type;
  bool raw;                /* MQS_ENC_RAW: written as given, valid or not */
  const mqs_node *fields;  /* the packet's mapping; NULL for `pingreq: {}` and friends */
  const mqs_node *hex;     /* is_hex: the text */
  const mqs_node *at;
} mqs_send_item;

typedef enum {
  MQS_STEP_OPEN,       /* TCP connect, nothing sent */
  MQS_STEP_REOPEN,     /* close the connection if open (FIN), open a new one */
  MQS_STEP_CLOSE,      /* orderly close (FIN) */
  MQS_STEP_DROP,       /* abort: RST */
  MQS_STEP_HALF_CLOSE, /* shut down our sending side, keep reading */
  MQS_STEP_SEND,
  MQS_STEP_EXPECT,           /* one packet, by fields */
  MQS_STEP_EXPECT_BYTES,     /* one packet, by its exact bytes (?? is any byte) */
  MQS_STEP_EXPECT_UNORDERED, /* several packets, in any order */
  MQS_STEP_EXPECT_CLOSE,     /* the broker closes the connection */
  MQS_STEP_EXPECT_NOTHING,   /* no packet for ms */
  MQS_STEP_WAIT,             /* let ms pass */
  MQS_STEP_REPEAT,
  MQS_STEP_NOTE, /* `- note: text`: does nothing (var holds the text) */
} mqs_step_kind;

typedef enum { MQS_BEFORE_NONE, MQS_BEFORE_OPTIONAL, MQS_BEFORE_REQUIRED } mqs_before;

typedef struct mqs_step mqs_step;
struct mqs_step {
  mqs_step_kind kind;
  int client; /* index into the scenario's clients; -1 for wait and repeat */
  const mqs_node *at;
  uint32_t timeout_ms; /* expects: 0 means the scenario's step timeout */
  /* SEND */
  mqs_send_item *items;
  size_t n_items;
  uint32_t split_every;  /* write in pieces of this many bytes (0: see split_at) */
  uint32_t *split_at;    /* or cut at these offsets, ascending */
  size_t n_split_at;
  uint32_t gap_ms;       /* pause between pieces */
  bool has_ws_opcode;    /* over WebSocket: each piece goes in a frame with ws_opcode */
  uint8_t ws_opcode;     /* (text, binary, continuation), not the default binary frame */
  /* EXPECT, EXPECT_UNORDERED */
  mqs_expect *expect;
  size_t n_expect;
  /* EXPECT: a packet of the expected type whose fields differ makes the
   * scenario n/a, for this reason, instead of failing it (a broker may
   * grant a lower QoS than asked, 3.8.4: not wrong, but nothing to check).
   * With else_na_field, only a difference in that field does; with
   * else_na_type, only a packet of that other type arriving instead (a
   * CONNACK refusing an authentication method the scenario needs). */
  const char *else_na;
  const char *else_na_field;
  /* EXPECT: the broker closing the connection instead (in 5.0 perhaps
   * after a DISCONNECT of 0x80 or above) passes too, where the statement
   * allows either. */
  bool or_close;
  mqs_packet_type else_na_type;
  /* EXPECT_BYTES: "50 02 00 ??" */
  const mqs_node *pattern;
  /* EXPECT_CLOSE: which packet may or must come first, with which reason */
  mqs_before before;
  mqs_packet_type before_type;
  mqs_matcher *before_reason; /* NULL: any reason code of 0x80 or more */
  /* EXPECT_NOTHING, WAIT */
  uint32_t ms;
  /* REPEAT */
  uint32_t times;
  const char *var; /* the counter's name, 1..times; NULL: none */
  mqs_step *body;
  size_t n_body;
};

typedef struct {
  const char *name;
  int version;     /* 4 or 5 */
  uint32_t ignore; /* bit t: skip packets of type t that a step does not expect */
  bool websocket;  /* `transport: websocket`: MQTT over WebSocket (chapter 6) */
  const mqs_node *at;
} mqs_client_def;

typedef struct {
  mqs_arena arena; /* everything below lives here */
  const char *file;
  const char *id;
  const char *title;
  int version; /* 4 (3.1.1) or 5 */
  mqs_level level;
  const char **statements;
  size_t n_statements;
  const char **tags;
  size_t n_tags;
  unsigned needs; /* MQS_NEED_* */
  uint32_t timeout_ms, step_timeout_ms; /* 0: the run's defaults */
  mqs_client_def *clients;
  size_t n_clients;
  mqs_step *steps;
  size_t n_steps;
  const char **vars; /* every name a step saves or counts with, plus "prefix" */
  size_t n_vars;
  size_t n_steps_total; /* steps including those in repeat bodies, counted once */
} mqs_scenario;

/* Load one scenario file. Returns it, or NULL with *d set (file, line,
 * column and what was expected). */
mqs_scenario *mqs_scenario_load(const char *path, mqs_diag *d);
/* The same from text in memory; file names it in messages. */
mqs_scenario *mqs_scenario_parse(const char *file, const char *text, size_t len, mqs_diag *d);
void mqs_scenario_free(mqs_scenario *s);

/* Compile a field matcher written at n for values of type t in packet
 * type pt (load_expect.c); exported for the loader and the unit tests. */
int mqs_matcher_compile(mqs_arena *a, const mqs_node *n, mqs_field_type t, int pt, int version,
                        const char *const *known, size_t n_known, mqs_matcher *m, mqs_diag *d);
/* Compile `expect: TYPE` plus its field matchers and `save:` from map. */
int mqs_expect_compile(mqs_arena *a, const mqs_node *map, int version, const char *const *known,
                       size_t n_known, mqs_expect *e, mqs_diag *d);

#endif
