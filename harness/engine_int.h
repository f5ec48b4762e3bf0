/* harness/engine_int.h — what the engine's files share: one running
 * scenario (run), its connections (client) and the helpers between them.
 * engine.c schedules runs and finishes them, conn.c moves bytes, exec.c
 * runs the steps. */
#ifndef MQS_ENGINE_INT_H
#define MQS_ENGINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "hex.h"
#include "mqs/codec.h"
#include "mqs/loop.h"
#include "vars.h"

/* Bytes a broker may send that no step has read yet, before we call it a flood. */
#define MQS_RX_LIMIT (16u << 20)
#define MQS_MAX_DEPTH 10 /* repeat nesting (the loader allows 8) */

typedef struct mqs_engine mqs_engine;
typedef struct mqs_run mqs_run;

typedef struct {
  mqs_run *run;
  const mqs_client_def *def;
  int idx;
  int fd;              /* -1: no connection */
  bool connecting;     /* connect(2) under way */
  bool ever_opened;
  bool write_shut;     /* we half-closed */
  bool peer_closed;    /* EOF or reset from the broker */
  bool peer_reset;
  uint32_t conn;       /* transcript number of the current connection */
  uint8_t *rx;         /* received, not yet consumed: rx[rx_off..rx_len) */
  size_t rx_off, rx_len, rx_cap;
  uint16_t next_id;    /* for packets that leave their id out */
  uint16_t alias_max;  /* Topic Alias Maximum we sent in CONNECT */
  uint32_t max_packet_size; /* Maximum Packet Size we sent in CONNECT; 0: none */
  mqs_str *alias;      /* Topic Alias -> topic, set by the broker on this connection */
  size_t n_alias;
  char client_id[32];  /* the default client id */
  /* MQTT over WebSocket (ws): the handshake under way (connecting stays
   * true until it is done), frames read but not yet complete, framed
   * bytes not yet written. The transcript holds the MQTT bytes only. */
  bool ws, ws_handshake;
  char ws_key[32];
  mqs_hexbuf ws_in, ws_out;
  size_t ws_out_off;
} mqs_client;

typedef struct {
  const mqs_step *steps;
  size_t n, i;     /* i: the next step to start */
  uint32_t iter;   /* repeat: the current iteration, from 1 */
  const mqs_step *repeat;
} mqs_step_frame;

struct mqs_run {
  mqs_engine *eng;
  mqs_scenario *sc;
  mqs_scenario_result *res;
  size_t index;
  bool started, over;
  mqs_client *clients;
  mqs_vars vars;
  mqs_step_frame stack[MQS_MAX_DEPTH];
  int depth;
  const mqs_step *cur;
  char where[64];   /* "step 4" or "step 4.2 (iteration 3)" */
  uint64_t t0_us;   /* scenario start, monotonic */
  uint64_t step_t0_us;
  uint32_t next_conn;
  int64_t step_timer, run_timer, gap_timer;
  bool gap_over;    /* the pause between two pieces has passed */
  bool timed_out;   /* the step's timer fired */
  /* the current step */
  bool step_begun;
  mqs_hexbuf out;   /* SEND: the bytes */
  size_t out_off;   /* written so far */
  size_t piece;     /* index of the piece being written */
  bool *matched;    /* EXPECT_UNORDERED: which are done */
  bool before_seen; /* EXPECT_CLOSE: the DISCONNECT/CONNACK came */
  size_t got_in_step; /* packets consumed by this step (skipped ones included) */
  char last_got[512]; /* the last packet consumed, described, for timeouts */
  mqs_arena scratch;  /* per step: expanded values, built packets */
};

struct mqs_engine {
  mqs_loop *loop;
  const mqs_engine_opts *o;
  mqs_run *runs;
  size_t n, next, running, done;
  int64_t start_timer;
};

typedef enum { MQS_ST_DONE, MQS_ST_WAIT, MQS_ST_OVER } mqs_step_state;

/* engine.c */
uint64_t mqs_now_us(void);
uint64_t mqs_run_elapsed_us(const mqs_run *r);
/* End the run with a verdict; fmt says what happened (NULL for a pass). */
void mqs_run_finish(mqs_run *r, mqs_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* FAIL at the current step: what was expected, what arrived (packet described
 * and its bytes; bytes may be NULL), and why they differ. */
void mqs_run_fail_step(mqs_run *r, const char *expected, const char *got, const uint8_t *bytes,
                       size_t len, const char *why);
/* Something happened that may let the current step progress. */
void mqs_run_pump(mqs_run *r);
uint32_t mqs_run_step_timeout(const mqs_run *r, const mqs_step *st);
void mqs_run_record(mqs_run *r, mqs_wire_kind k, mqs_client *c, const uint8_t *p, size_t n);

/* conn.c */
int mqs_conn_open(mqs_client *c);     /* 0 or -errno */
void mqs_conn_close(mqs_client *c, mqs_wire_kind how); /* CLOSED_LOCAL or RESET_LOCAL */
int mqs_conn_half_close(mqs_client *c);
/* Write up to n bytes now; returns bytes written (>= 0) or -errno. Asks for
 * writability when the kernel took less. */
/* Over WebSocket, the n bytes go in one frame with opcode (MQS_WS_BINARY
 * unless a step says) and are all taken; the frame may leave later. */
ssize_t mqs_conn_write(mqs_client *c, const uint8_t *p, size_t n, uint8_t opcode);
void mqs_conn_consume(mqs_client *c, size_t n);
void mqs_conn_reset_state(mqs_client *c); /* a new connection: no aliases, empty buffers */
void mqs_conn_free_aliases(mqs_client *c);

/* exec.c */
/* Start (if new) or continue the current step. */
mqs_step_state mqs_exec_step(mqs_run *r);

#endif
