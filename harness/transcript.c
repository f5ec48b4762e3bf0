/* harness/transcript.c — appending wire events; the array doubles as it grows. */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include "mqs/err.h"

int mqs_transcript_add(mqs_transcript *t, mqs_wire_kind kind, uint32_t conn, const char *client,
                       uint64_t t_us, const uint8_t *data, size_t len) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    mqs_wire_event *ev = realloc(t->ev, cap * sizeof *ev);
    if (!ev) return MQS_ENOMEM;
    t->ev = ev;
    t->cap = cap;
  }
  uint8_t *copy = NULL;
  if (len > 0) {
    copy = malloc(len);
    if (!copy) return MQS_ENOMEM;
    memcpy(copy, data, len);
  }
  t->ev[t->n++] = (mqs_wire_event){kind, conn, client, t_us, copy, len};
  return 0;
}

void mqs_transcript_free(mqs_transcript *t) {
  for (size_t i = 0; i < t->n; i++) free(t->ev[i].data);
  free(t->ev);
  t->ev = NULL;
  t->n = t->cap = 0;
}
