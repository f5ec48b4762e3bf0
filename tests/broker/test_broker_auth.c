/* tests/broker/test_broker_auth.c — user names and passwords from the
 * password database, topic ACLs with their reason codes, and SCRAM-SHA-256
 * enhanced authentication with re-authentication, on the core. */
#include <stdlib.h>
#include <unistd.h>

#include "scram_client.h"
#include "tcore.h"

static const uint8_t salt[16] = "0123456789abcdef";

static mqs_auth *users(void) {
  mqs_auth *a = mqs_auth_new();
  assert_non_null(a);
  assert_int_equal(mqs_auth_set(a, "alice", (const uint8_t *)"secret", 6, salt, 16, 4096), 0);
  assert_int_equal(mqs_auth_set(a, "bob", (const uint8_t *)"hunter2", 7, salt, 8, 4096), 0);
  return a;
}

static void password_database(void **state) {
  (void)state;
  mqs_auth *a = users();
  assert_true(mqs_auth_check(a, (const uint8_t *)"alice", 5, (const uint8_t *)"secret", 6));
  assert_false(mqs_auth_check(a, (const uint8_t *)"alice", 5, (const uint8_t *)"secreT", 6));
  assert_false(mqs_auth_check(a, (const uint8_t *)"alice", 5, (const uint8_t *)"", 0));
  assert_false(mqs_auth_check(a, (const uint8_t *)"carol", 5, (const uint8_t *)"secret", 6));
  assert_int_equal(mqs_auth_set(a, "bad:name", (const uint8_t *)"x", 1, salt, 16, 4096),
                   MQS_EINVAL);
  assert_int_equal(mqs_auth_set(a, "", (const uint8_t *)"x", 1, salt, 16, 4096), MQS_EINVAL);
  /* Save, load back, same answers; no password in the file. */
  char path[] = "/tmp/mqs-passwd-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(mqs_auth_save(a, path), 0);
  FILE *f = fopen(path, "r");
  char text[1024] = {0};
  assert_true(fread(text, 1, sizeof text - 1, f) > 0);
  fclose(f);
  assert_null(strstr(text, "secret"));
  assert_non_null(strstr(text, "alice:SCRAM-SHA-256$4096:"));
  mqs_auth *b = mqs_auth_new();
  char err[256];
  assert_int_equal(mqs_auth_load(b, path, err, sizeof err), 0);
  assert_int_equal(mqs_auth_count(b), 2);
  assert_true(mqs_auth_check(b, (const uint8_t *)"bob", 3, (const uint8_t *)"hunter2", 7));
  assert_false(mqs_auth_check(b, (const uint8_t *)"bob", 3, (const uint8_t *)"hunter3", 7));
  unlink(path);
  mqs_auth_free(b);
  mqs_auth_free(a);
}

static void password_file_errors(void **state) {
  (void)state;
  mqs_auth *a = mqs_auth_new();
  char err[256];
  assert_int_equal(mqs_auth_parse(a, "# comment\n\nalice\n", "pw", err, sizeof err), MQS_ESYNTAX);
  assert_non_null(strstr(err, "pw:3:"));
  assert_int_equal(mqs_auth_parse(a, "a:MD5$xx\n", "pw", err, sizeof err), MQS_ESYNTAX);
  assert_non_null(strstr(err, "scheme"));
  assert_int_equal(mqs_auth_parse(a, "a:SCRAM-SHA-256$0:AAAA$AAAA:AAAA\n", "pw", err, sizeof err),
                   MQS_ESYNTAX);
  assert_int_equal(
      mqs_auth_parse(a, "a:SCRAM-SHA-256$4096:!!!!$AAAA:AAAA\n", "pw", err, sizeof err),
      MQS_ESYNTAX);
  assert_int_equal(
      mqs_auth_parse(a, "a:SCRAM-SHA-256$4096:AAAA$AAAA:AAAA\n", "pw", err, sizeof err),
      MQS_ESYNTAX); /* keys must be 32 bytes */
  assert_int_equal(mqs_auth_load(a, "/nonexistent/pw", err, sizeof err), MQS_EIO);
  assert_int_equal(mqs_auth_count(a), 0);
  mqs_auth_free(a);
}

static void connect_with_password(void **state) {
  (void)state;
  mqs_auth *a = users();
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.auth = a;
  cfg.allow_anonymous = false;
  tb *t = tb_new(&cfg);
  for (int v = MQS_V311; v <= MQS_V5; v++) {
    bool v5 = v == MQS_V5;
    mqs_packet k;
    tc_connect_packet(&k, (mqs_version)v, "a", true);
    k.connect.username = tstr("alice");
    k.connect.password = tstr("secret");
    tc_connect_ex(t, "ok", &k, 0x00, NULL);
    k.connect.password = tstr("wrong");
    tc_expect_closed(tc_connect_ex(t, "wrong", &k, v5 ? 0x86 : 0x04, NULL));
    k.connect.username = tstr("mallory");
    tc_connect_ex(t, "unknown", &k, v5 ? 0x86 : 0x04, NULL);
    k.connect.username = tstr(NULL);
    k.connect.password = tstr(NULL);
    tc_connect_ex(t, "anon", &k, v5 ? 0x87 : 0x05, NULL);
  }
  tb_free(t);
  mqs_auth_free(a);
}

static void filter_covers(void **state) {
  (void)state;
  struct {
    const char *rule, *filter;
    bool covered;
  } cases[] = {
      {"a/#", "a/#", true},     {"a/#", "a", true},         {"a/#", "a/b/c", true},
      {"a/#", "#", false},      {"a/+", "a/b", true},       {"a/+", "a/+", true},
      {"a/+", "a/#", false},    {"a/+", "a/b/c", false},    {"a/b", "a/+", false},
      {"a/b", "a/b", true},     {"#", "#", true},           {"#", "$SYS/#", false},
      {"+/b", "$x/b", false},   {"$SYS/#", "$SYS/a", true}, {"+", "", true},
      {"a/+/c", "a/+/c", true}, {"a/+/c", "a/b", false},    {"a", "a/b", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool got = mqs_filter_covers((const uint8_t *)cases[i].rule, strlen(cases[i].rule),
                                 (const uint8_t *)cases[i].filter, strlen(cases[i].filter));
    if (got != cases[i].covered)
      fail_msg("rule %s, filter %s: %d, expected %d", cases[i].rule, cases[i].filter, got,
               cases[i].covered);
  }
}

static const char *acl_text = "# anonymous clients\n"
                              "topic read public/#\n"
                              "user alice\n"
                              "topic readwrite alice/#\n"
                              "topic write sensors/+/temp\n"
                              "user bob\n"
                              "topic read sensors/#\n"
                              "pattern readwrite users/%u/#\n";

static bool allows(const mqs_acl *acl, const char *user, const char *topic, int access) {
  size_t ulen = user ? strlen(user) : 0;
  return mqs_acl_allows(acl, user, ulen, "cid", 3, (const uint8_t *)topic, strlen(topic), access);
}

static void acl_rules(void **state) {
  (void)state;
  mqs_acl *acl = mqs_acl_new();
  char err[256];
  assert_int_equal(mqs_acl_parse(acl, acl_text, "acl", err, sizeof err), 0);
#define ALLOWS(user, topic, access) allows(acl, user, topic, access)
  assert_true(ALLOWS(NULL, "public/x", MQS_ACL_READ));
  assert_false(ALLOWS(NULL, "public/x", MQS_ACL_WRITE));
  assert_true(ALLOWS("alice", "alice/a/b", MQS_ACL_WRITE));
  assert_true(ALLOWS("alice", "alice/#", MQS_ACL_READ));
  assert_true(ALLOWS("alice", "sensors/k/temp", MQS_ACL_WRITE));
  assert_false(ALLOWS("alice", "sensors/k/temp", MQS_ACL_READ));
  assert_false(ALLOWS("alice", "public/x", MQS_ACL_READ)); /* anonymous rules are not hers */
  assert_true(ALLOWS("bob", "sensors/#", MQS_ACL_READ));
  assert_false(ALLOWS("bob", "#", MQS_ACL_READ));
  assert_true(ALLOWS("bob", "users/bob/inbox", MQS_ACL_WRITE));
  assert_false(ALLOWS("bob", "users/alice/inbox", MQS_ACL_WRITE));
  assert_false(ALLOWS(NULL, "users//inbox", MQS_ACL_WRITE)); /* %u needs a user */
  /* A user name with wildcards or '/' must not widen a pattern (CVE-2017-7650). */
  assert_false(ALLOWS("#", "users/x/y", MQS_ACL_WRITE));
  assert_false(ALLOWS("a/b", "users/a/b/c", MQS_ACL_WRITE));
#undef ALLOWS
  /* A user named again continues the same section. */
  assert_int_equal(mqs_acl_parse(acl, "user alice\ntopic read more/#\n", "acl2", err, sizeof err),
                   0);
  assert_true(allows(acl, "alice", "more/x", MQS_ACL_READ));
  assert_true(allows(acl, "alice", "alice/x", MQS_ACL_WRITE));
  assert_int_equal(mqs_acl_parse(acl, "topic reed x\ntopic read a/#/b\n", "bad", err, sizeof err),
                   MQS_ESYNTAX);
  assert_non_null(strstr(err, "bad:2:"));
  assert_int_equal(mqs_acl_parse(acl, "frobnicate\n", "bad", err, sizeof err), MQS_ESYNTAX);
  mqs_acl_free(acl);
}

static void acl_denials_on_the_wire(void **state) {
  (void)state;
  mqs_auth *a = users();
  mqs_acl *acl = mqs_acl_new();
  assert_int_equal(mqs_acl_parse(acl, acl_text, "acl", NULL, 0), 0);
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.auth = a;
  cfg.acl = acl;
  tb *t = tb_new(&cfg);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "al", true);
  k.connect.username = tstr("alice");
  k.connect.password = tstr("secret");
  tc *al = tc_connect_ex(t, "alice", &k, 0, NULL);
  tc_subscribe(al, 1, "alice/#", 1, 1);
  tc_subscribe(al, 2, "public/#", 1, 0x87);               /* SUBACK 0x87 */
  tc_send_hex(al, "32 0a 00 05 6f 74 68 65 72 00 07 00"); /* QoS 1 to "other" */
  mqs_packet p;
  tc_expect(al, MQS_PUBACK, &p);
  assert_int_equal(p.ack.reason, 0x87);                   /* PUBACK 0x87 */
  tc_send_hex(al, "34 0a 00 05 6f 74 68 65 72 00 08 00"); /* QoS 2 */
  tc_expect(al, MQS_PUBREC, &p);
  assert_int_equal(p.ack.reason, 0x87);
  tc_publish(al, "alice/x", "mine", 1, false, 9);
  tc_expect_publish(al, "alice/x", "mine", 1, NULL);
  /* 3.1.1 anonymous: SUBACK 0x80 for a denied filter; the PUBACK is plain. */
  tc *an = tc_connect(t, MQS_V311, "anon", true);
  tc_subscribe(an, 1, "public/#", 0, 0);
  tc_subscribe(an, 2, "alice/#", 0, 0x80);
  tc_publish(an, "public/x", "nope", 1, false, 1);
  tc_expect_nothing(an);
  /* A will on a topic the user may not write: CONNACK 0x87. */
  tc_connect_packet(&k, MQS_V5, "w", true);
  k.connect.username = tstr("bob");
  k.connect.password = tstr("hunter2");
  k.connect.will = true;
  k.connect.will_topic = tstr("alice/x");
  k.connect.will_payload = tstr("bye");
  tc_connect_ex(t, "bobwill", &k, 0x87, NULL);
  tb_free(t);
  mqs_acl_free(acl);
  mqs_auth_free(a);
}

static void scram_client_matches_rfc7677(void **state) {
  (void)state;
  /* The RFC 7677 example, to trust the test client before using it. */
  scram_client s;
  char first[256], fin[256];
  scram_client_first(&s, "user", "pencil", first, sizeof first);
  snprintf(s.cnonce, sizeof s.cnonce, "rOprNGfwEbeRWgbNEkqO");
  snprintf(s.first_bare, sizeof s.first_bare, "n=user,r=rOprNGfwEbeRWgbNEkqO");
  const char *sf =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  assert_true(scram_client_final(&s, sf, strlen(sf), fin, sizeof fin));
  assert_string_equal(fin, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                           "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  const char *v = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
  assert_true(scram_client_verify(&s, v, strlen(v)));
}

static mqs_packet auth_pkt(uint8_t reason, const char *method, const char *data) {
  mqs_packet p;
  memset(&p, 0, sizeof p);
  p.type = MQS_AUTH;
  p.auth.reason = reason;
  p.auth.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD);
  p.auth.props.auth_method = tstr(method);
  if (data) {
    p.auth.props.present |= MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
    p.auth.props.auth_data = tstr(data);
  }
  return p;
}

/* Run a SCRAM exchange; returns the client, with the CONNACK in *ack. */
static tc *scram_connect(tb *t, const char *id, const char *user, const char *pw, mqs_packet *ack) {
  scram_client s;
  char first[256], fin[512];
  scram_client_first(&s, user, pw, first, sizeof first);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, id, true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD) | MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
  k.connect.props.auth_method = tstr("SCRAM-SHA-256");
  k.connect.props.auth_data = tstr(first);
  tc *c = tc_new(t, id, MQS_V5);
  tc_send(c, &k);
  mqs_packet a;
  tc_expect(c, MQS_AUTH, &a);
  assert_int_equal(a.auth.reason, 0x18);
  CHECK_STR(a.auth.props.auth_method, "SCRAM-SHA-256");
  assert_true(scram_client_final(&s, (const char *)a.auth.props.auth_data.p,
                                 a.auth.props.auth_data.len, fin, sizeof fin));
  mqs_packet f = auth_pkt(0x18, "SCRAM-SHA-256", fin);
  tc_send(c, &f);
  tc_expect(c, MQS_CONNACK, ack);
  if (ack->connack.reason == 0) {
    CHECK_STR(ack->connack.props.auth_method, "SCRAM-SHA-256");
    assert_true(scram_client_verify(&s, (const char *)ack->connack.props.auth_data.p,
                                    ack->connack.props.auth_data.len));
  }
  return c;
}

static void scram_connect_and_reauth(void **state) {
  (void)state;
  mqs_auth *a = users();
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.auth = a;
  tb *t = tb_new(&cfg);
  mqs_packet ack;
  tc *c = scram_connect(t, "sc", "alice", "secret", &ack);
  assert_int_equal(ack.connack.reason, 0);
  /* Re-authentication: AUTH 0x19 with a new client-first. */
  scram_client s;
  char first[256], fin[512];
  scram_client_first(&s, "alice", "secret", first, sizeof first);
  mqs_packet r = auth_pkt(0x19, "SCRAM-SHA-256", first);
  tc_send(c, &r);
  mqs_packet a2;
  tc_expect(c, MQS_AUTH, &a2);
  assert_int_equal(a2.auth.reason, 0x18);
  assert_true(scram_client_final(&s, (const char *)a2.auth.props.auth_data.p,
                                 a2.auth.props.auth_data.len, fin, sizeof fin));
  r = auth_pkt(0x18, "SCRAM-SHA-256", fin);
  tc_send(c, &r);
  tc_expect(c, MQS_AUTH, &a2);
  assert_int_equal(a2.auth.reason, 0x00);
  assert_true(scram_client_verify(&s, (const char *)a2.auth.props.auth_data.p,
                                  a2.auth.props.auth_data.len));
  /* The connection works on. */
  tc_send_hex(c, "c0 00");
  tc_expect(c, MQS_PINGRESP, NULL);
  /* A failed re-authentication ends it: DISCONNECT 0x87. */
  scram_client_first(&s, "alice", "wrong", first, sizeof first);
  r = auth_pkt(0x19, "SCRAM-SHA-256", first);
  tc_send(c, &r);
  tc_expect(c, MQS_AUTH, &a2);
  assert_true(scram_client_final(&s, (const char *)a2.auth.props.auth_data.p,
                                 a2.auth.props.auth_data.len, fin, sizeof fin));
  r = auth_pkt(0x18, "SCRAM-SHA-256", fin);
  tc_send(c, &r);
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x87);
  tc_expect_closed(c);
  tb_free(t);
  mqs_auth_free(a);
}

static void scram_failures(void **state) {
  (void)state;
  mqs_auth *a = users();
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.auth = a;
  tb *t = tb_new(&cfg);
  mqs_packet ack;
  tc *c = scram_connect(t, "w", "alice", "wrong", &ack);
  assert_int_equal(ack.connack.reason, 0x86);
  tc_expect_closed(c);
  c = scram_connect(t, "u", "nobody", "x", &ack); /* unknown: same answer, at the same step */
  assert_int_equal(ack.connack.reason, 0x86);
  /* An unknown method: CONNACK 0x8C. */
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "m", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD);
  k.connect.props.auth_method = tstr("KERBEROS");
  tc_connect_ex(t, "m", &k, 0x8C, NULL);
  /* AUTH on a connection that did not start with a method: Protocol Error. */
  c = tc_connect(t, MQS_V5, "plain", true);
  mqs_packet r = auth_pkt(0x19, "SCRAM-SHA-256", "n,,n=alice,r=abc");
  tc_send(c, &r);
  mqs_packet d;
  tc_expect(c, MQS_DISCONNECT, &d);
  assert_int_equal(d.disconnect.reason, 0x82);
  /* Another method during the exchange: Protocol Error. */
  tc_connect_packet(&k, MQS_V5, "x", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD) | MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
  k.connect.props.auth_method = tstr("SCRAM-SHA-256");
  k.connect.props.auth_data = tstr("n,,n=alice,r=abcdef");
  c = tc_new(t, "x", MQS_V5);
  tc_send(c, &k);
  tc_expect(c, MQS_AUTH, NULL);
  r = auth_pkt(0x18, "OTHER", "c=biws");
  tc_send(c, &r);
  mqs_packet f;
  tc_expect(c, MQS_CONNACK, &f);
  assert_int_equal(f.connack.reason, 0x82);
  /* A PUBLISH during the exchange: Protocol Error too. */
  c = tc_new(t, "y", MQS_V5);
  tc_send(c, &k);
  tc_expect(c, MQS_AUTH, NULL);
  tc_send_hex(c, "30 04 00 01 61 00");
  tc_expect(c, MQS_CONNACK, &f);
  assert_int_equal(f.connack.reason, 0x82);
  /* Malformed client-first messages. */
  const char *bad[] = {
      "", "n,", "p=x,,n=a,r=b", "n,,r=abc", "n,,n=,r=abc", "n,,n=a=ZZ,r=abc", "n,,n=a,r="};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    k.connect.props.auth_data = tstr(bad[i]);
    tc_connect_ex(t, "bad", &k, 0x86, NULL);
  }
  tb_free(t);
  mqs_auth_free(a);
}

static void connect_timeout_during_auth(void **state) {
  (void)state;
  mqs_auth *a = users();
  mqs_broker_config cfg;
  tb_config(&cfg);
  cfg.auth = a;
  tb *t = tb_new(&cfg);
  mqs_packet k;
  tc_connect_packet(&k, MQS_V5, "slow", true);
  k.connect.props.present = MQS_PROP_BIT(MQS_PROP_AUTH_METHOD) | MQS_PROP_BIT(MQS_PROP_AUTH_DATA);
  k.connect.props.auth_method = tstr("SCRAM-SHA-256");
  k.connect.props.auth_data = tstr("n,,n=alice,r=abcdef");
  tc *c = tc_new(t, "slow", MQS_V5);
  tc_send(c, &k);
  tc_expect(c, MQS_AUTH, NULL);
  tb_advance(t, 10000);
  mqs_packet f;
  tc_expect(c, MQS_CONNACK, &f);
  assert_true(f.connack.reason >= 0x80);
  tc_expect_closed(c);
  tb_free(t);
  mqs_auth_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(password_database),
      cmocka_unit_test(password_file_errors),
      cmocka_unit_test(connect_with_password),
      cmocka_unit_test(filter_covers),
      cmocka_unit_test(acl_rules),
      cmocka_unit_test(acl_denials_on_the_wire),
      cmocka_unit_test(scram_client_matches_rfc7677),
      cmocka_unit_test(scram_connect_and_reauth),
      cmocka_unit_test(scram_failures),
      cmocka_unit_test(connect_timeout_during_auth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
