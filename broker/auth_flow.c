/* broker/auth_flow.c — MQTT 5.0 enhanced authentication (4.12): the AUTH
 * exchange after a CONNECT that names an Authentication Method, and
 * re-authentication (AUTH 0x19) on a connected session. The method this
 * broker knows is SCRAM-SHA-256 (scram.c). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define METHOD "SCRAM-SHA-256"

static bool same_method(const mqs_client *c, const mqs_props *p) {
  return c->auth_method && mqs_props_has(p, MQS_PROP_AUTH_METHOD) &&
         p->auth_method.len == strlen(c->auth_method) &&
         memcmp(p->auth_method.p, c->auth_method, p->auth_method.len) == 0;
}

static int send_auth(mqs_client *c, uint8_t reason, const uint8_t *data, size_t len) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_AUTH;
  p.auth.reason = reason;
  p.auth.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD);
  p.auth.props.auth_method =
      (mqs_str){(const uint8_t *)c->auth_method, (uint32_t)strlen(c->auth_method)};
  if (data) {
    p.auth.props.present |= MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
    p.auth.props.auth_data = (mqs_str){data, (uint32_t)len};
  }
  return client_send(c, &p);
}

/* Begin a SCRAM exchange with the client-first-message in p. Returns 0
 * when the AUTH went out; else the reason code to fail with. */
static uint8_t begin(mqs_client *c, const mqs_props *p) {
  if (!mqs_props_has(p, MQS_PROP_AUTH_DATA)) return 0x86;
  uint8_t *out, reason;
  size_t out_len;
  scram_free(c->scram);
  c->scram = scram_start(c->b, p->auth_data.p, p->auth_data.len, &out, &out_len, &reason);
  if (!c->scram) return reason;
  int rc = send_auth(c, 0x18, out, out_len); /* Continue authentication */
  free(out);
  return rc ? 0x80 : 0;
}

int auth_start(mqs_client *c, const mqs_props *props) {
  mqs_broker *b = c->b;
  c->auth_method = malloc(props->auth_method.len + 1);
  if (!c->auth_method) return MQS_ENOMEM;
  memcpy(c->auth_method, props->auth_method.p, props->auth_method.len);
  c->auth_method[props->auth_method.len] = 0;
  if (strcmp(c->auth_method, METHOD) != 0 || !b->cfg.auth ||
      strlen(c->auth_method) != props->auth_method.len) {
    client_fail(c, 0x8C, "unsupported authentication method"); /* CONNACK 0x8C */
    return 0;
  }
  uint8_t reason = begin(c, props);
  if (reason) {
    client_fail(c, reason, "bad SCRAM client-first-message");
    return 0;
  }
  c->state = C_AUTHENTICATING;
  return 0;
}

/* The client-final-message: returns 0 with the server-final-message in
 * *out, or a reason code. */
static uint8_t finish(mqs_client *c, const mqs_props *p, uint8_t **out, size_t *out_len) {
  *out = NULL;
  if (!c->scram || !mqs_props_has(p, MQS_PROP_AUTH_DATA)) return 0x86;
  int rc = scram_finish(c->scram, p->auth_data.p, p->auth_data.len, out, out_len);
  return (uint8_t)rc;
}

int handle_auth(mqs_client *c, const mqs_packet *pkt) {
  const mqs_reason_props *a = &pkt->auth;
  if (!same_method(c, &a->props)) { /* MQTT-4.12.0-5, -4.12.1-1 */
    client_fail(c, 0x82, "AUTH with another authentication method, or none started");
    return MQS_EPROTOCOL;
  }
  if (c->state == C_AUTHENTICATING) {
    if (a->reason != 0x18) {
      client_fail(c, 0x82, "AUTH during authentication must continue it (0x18)");
      return MQS_EPROTOCOL;
    }
    uint8_t *out;
    size_t out_len;
    uint8_t reason = finish(c, &a->props, &out, &out_len);
    if (reason) {
      client_fail(c, reason == 0x80 ? 0x80 : 0x86, "SCRAM authentication failed");
      return 0;
    }
    size_t ulen;
    const char *user = scram_user(c->scram, &ulen);
    free(c->username);
    c->username = malloc(ulen + 1);
    if (!c->username) {
      free(out);
      return MQS_ENOMEM;
    }
    memcpy(c->username, user, ulen + 1);
    c->username_len = ulen;
    scram_free(c->scram);
    c->scram = NULL;
    mqs_str data = {out, (uint32_t)out_len};
    int rc = connect_accept(c, &data);
    free(out);
    return rc;
  }
  /* Connected: re-authentication (4.12.1). */
  if (a->reason == 0x19) {
    uint8_t reason = begin(c, &a->props);
    if (reason) {
      client_fail(c, reason == 0x80 ? 0x80 : 0x87, "re-authentication refused");
      return 0;
    }
    c->reauth = true;
    return 0;
  }
  if (a->reason != 0x18 || !c->reauth) {
    client_fail(c, 0x82, "unexpected AUTH");
    return MQS_EPROTOCOL;
  }
  uint8_t *out;
  size_t out_len;
  uint8_t reason = finish(c, &a->props, &out, &out_len);
  size_t ulen = 0;
  const char *user = reason ? NULL : scram_user(c->scram, &ulen);
  /* The same user must prove itself again; a new identity needs a new connection. */
  if (!reason && (!c->username || ulen != c->username_len || memcmp(user, c->username, ulen)))
    reason = 0x87;
  scram_free(c->scram);
  c->scram = NULL;
  c->reauth = false;
  if (reason) {
    free(out);
    client_fail(c, reason == 0x80 ? 0x80 : 0x87, "re-authentication failed");
    return 0;
  }
  int rc = send_auth(c, 0x00, out, out_len);
  free(out);
  return rc;
}
