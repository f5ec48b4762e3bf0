/* harness/build.h — the bytes a send step writes: packets by fields through
 * the codec (defaults filled in, validated unless raw), or hex. The loader
 * runs the same code in checking mode (no variables yet) so that a mistake
 * in a packet is reported when the file is loaded, with its line. */
#ifndef MQS_BUILD_H
#define MQS_BUILD_H

#include <stdint.h>

#include "hex.h"
#include "scenario.h"
#include "vars.h"

typedef struct {
  mqs_expander x;                /* x.vars NULL: checking only */
  int version;                   /* the client's protocol version */
  const char *default_client_id; /* for a CONNECT without client_id */
  uint16_t *next_id;             /* packet ids for packets that leave id out */
} mqs_build_ctx;

/* Append the bytes of it to out. Returns 0, or -1 with *d naming the node
 * at fault (an unknown field, a value of the wrong kind, a packet that
 * breaks a rule without raw: true, ...). */
int mqs_build_item(const mqs_send_item *it, mqs_build_ctx *c, mqs_hexbuf *out, mqs_diag *d);

/* The names of the fields a send of packet type t accepts, for messages. */
const char *mqs_build_fields(int t);

#endif
