/* broker/alias.c — topic aliases (3.3.2.3.4), per connection, both ways:
 * inbound up to our Topic Alias Maximum, outbound up to the client's.
 * Outbound aliases are handed out first come, first served until the
 * client's maximum is reached; later topics go without one (cheap and
 * never wrong; an LRU would save bytes for workloads with many topics). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int alias_in(mqs_client *c, const mqs_publish *p, mqs_str *topic) {
  mqs_broker *b = c->b;
  uint16_t a = p->props.topic_alias;
  if (a == 0 || a > b->cfg.topic_alias_max) return 0x94; /* MQTT-3.3.2-8, -9 */
  if (!c->alias_in) {
    c->alias_in = calloc((size_t)b->cfg.topic_alias_max + 1, sizeof *c->alias_in);
    if (!c->alias_in) return 0x80;
  }
  mqs_str *slot = &c->alias_in[a];
  if (p->topic.len == 0) {
    if (!slot->p) return 0x82; /* an alias used before it was set: Protocol Error */
    *topic = *slot;
    return 0;
  }
  uint8_t *copy = malloc(p->topic.len);
  if (!copy) return 0x80;
  memcpy(copy, p->topic.p, p->topic.len);
  free((void *)slot->p);
  slot->p = copy;
  slot->len = p->topic.len;
  *topic = p->topic;
  return 0;
}

/* Each outbound alias keeps its own copy of the topic: the map's key. */
typedef struct {
  uint16_t alias;
  uint32_t len;
  uint8_t topic[];
} out_alias;

uint16_t alias_out(mqs_client *c, const mqs_str *topic, bool *send_topic) {
  out_alias *a = smap_get(&c->alias_out, topic->p, topic->len);
  if (a) {
    *send_topic = false;
    return a->alias;
  }
  *send_topic = true;
  if (c->alias_out_used >= c->peer_alias_max) return 0;
  a = malloc(sizeof *a + topic->len);
  if (!a) return 0;
  a->alias = (uint16_t)(c->alias_out_used + 1);
  a->len = topic->len;
  memcpy(a->topic, topic->p, topic->len);
  if (smap_put(&c->alias_out, a->topic, a->len, a)) {
    free(a);
    return 0;
  }
  c->alias_out_used++;
  return a->alias;
}

void alias_free(mqs_client *c) {
  if (c->alias_in) {
    for (uint32_t i = 0; i <= c->b->cfg.topic_alias_max; i++)
      free((void *)c->alias_in[i].p);
    free(c->alias_in);
    c->alias_in = NULL;
  }
  size_t bk = 0;
  smap_ent *e = NULL;
  while ((e = smap_next(&c->alias_out, &bk, &e)))
    free(e->val);
  smap_free(&c->alias_out);
  c->alias_out_used = 0;
}
