/* fuzz/stream.c — see stream.h. */
#include "stream.h"

#include "fuzz.h"

void fuzz_stream_opts(uint8_t ctl, mqs_version v, mqs_decode_opts *o) {
  static const mqs_direction dirs[4] = {MQS_FROM_ANY, MQS_FROM_CLIENT, MQS_FROM_SERVER,
                                        MQS_FROM_ANY};
  unsigned n = ctl >> 4;
  *o = (mqs_decode_opts){.version = v, .from = dirs[ctl & 3]};
  if (ctl & 0x04) o->flags |= MQS_DEC_CHECK_PAYLOAD_UTF8;
  if (ctl & 0x08) {
    o->flags |= MQS_DEC_CHECK_ALIAS_MAX;
    o->topic_alias_max = (uint16_t)n;
  }
  o->max_packet_size = n ? (uint32_t)1 << (n + 1) : 0;
}

void fuzz_stream_walk(const uint8_t *buf, size_t len, const mqs_decode_opts *o, fuzz_step_fn fn,
                      void *arg) {
  size_t pos = 0;
  while (pos < len) {
    mqs_packet p;
    mqs_violation why;
    fuzz_step s = {buf + pos, len - pos, 0, &p, &why};
    s.rc = mqs_decode_ex(s.at, s.left, o, &p, &why);
    if (s.rc == MQS_INCOMPLETE) return;
    fn(&s, o, arg);
    if (s.rc > 0) {
      pos += (size_t)s.rc;
      continue;
    }
    size_t total;
    mqs_violation ignored;
    if (mqs_frame(s.at, s.left, &total, &ignored) != 0 || total > s.left) return;
    pos += total;
  }
}

static void check_step(const fuzz_step *s, const mqs_decode_opts *o, void *arg) {
  (void)arg;
  if (s->rc > 0)
    fuzz_check_accepted(s->at, (size_t)s->rc, s->packet, o);
  else
    fuzz_check_rejected(s->at, s->left, s->rc, s->why, o);
}

int fuzz_decode_target(const uint8_t *data, size_t size, mqs_version v) {
  if (size == 0) return 0;
  mqs_decode_opts o;
  fuzz_stream_opts(data[0], v, &o);
  fuzz_stream_walk(data + 1, size - 1, &o, check_step, NULL);
  return 0;
}
