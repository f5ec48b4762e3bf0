/* tests/broker/test_broker_units.c — the broker's small parts on their own:
 * byte buffer, string map, identifier table, topic tree, and the
 * configuration flags and file. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mqs/broker_config.h"

static void byte_buffer(void **state) {
  (void)state;
  bbuf b = {0};
  assert_int_equal(bbuf_append(&b, "hello", 5), 0);
  assert_int_equal(bbuf_pending(&b), 5);
  bbuf_consume(&b, 2);
  assert_memory_equal(bbuf_data(&b), "llo", 3);
  /* Growth keeps the unconsumed bytes, in order. */
  for (int i = 0; i < 1000; i++)
    assert_int_equal(bbuf_append(&b, "0123456789", 10), 0);
  assert_int_equal(bbuf_pending(&b), 3 + 10000);
  assert_memory_equal(bbuf_data(&b), "llo0123", 7);
  bbuf_consume(&b, 3 + 9995);
  assert_memory_equal(bbuf_data(&b), "56789", 5);
  bbuf_consume(&b, 100); /* more than there is: empties */
  assert_int_equal(bbuf_pending(&b), 0);
  bbuf_shrink(&b, 16);
  assert_null(b.p);
  bbuf_free(&b);
}

static void string_map(void **state) {
  (void)state;
  smap m = {0};
  m.seed = 42;
  static char keys[5000][12];
  for (int i = 0; i < 5000; i++) {
    snprintf(keys[i], sizeof keys[i], "key-%d", i);
    assert_int_equal(smap_put(&m, keys[i], strlen(keys[i]), &keys[i]), 0);
  }
  assert_int_equal(m.count, 5000);
  for (int i = 0; i < 5000; i++)
    assert_ptr_equal(smap_get(&m, keys[i], strlen(keys[i])), &keys[i]);
  assert_null(smap_get(&m, "key-5000", 8));
  assert_null(smap_get(&m, "key-1", 4)); /* a prefix is another key */
  /* Replace keeps the count. */
  assert_int_equal(smap_put(&m, keys[7], strlen(keys[7]), keys[8]), 0);
  assert_int_equal(m.count, 5000);
  assert_ptr_equal(smap_get(&m, keys[7], strlen(keys[7])), keys[8]);
  for (int i = 0; i < 5000; i += 2)
    assert_non_null(smap_del(&m, keys[i], strlen(keys[i])));
  assert_null(smap_del(&m, keys[0], strlen(keys[0])));
  assert_int_equal(m.count, 2500);
  size_t bk = 0, n = 0;
  smap_ent *e = NULL;
  while ((e = smap_next(&m, &bk, &e)))
    n++;
  assert_int_equal(n, 2500);
  /* Keys with zero bytes and empty keys are keys like any other. */
  assert_int_equal(smap_put(&m, "", 0, keys[1]), 0);
  assert_int_equal(smap_put(&m, "a\0b", 3, keys[3]), 0);
  assert_ptr_equal(smap_get(&m, "", 0), keys[1]);
  assert_ptr_equal(smap_get(&m, "a\0b", 3), keys[3]);
  assert_null(smap_get(&m, "a\0c", 3));
  smap_free(&m);
}

static void id_table(void **state) {
  (void)state;
  idtab t = {0};
  int v[3];
  assert_null(idtab_get(&t, 1));
  assert_int_equal(idtab_put(&t, 1, &v[0]), 0);
  assert_int_equal(idtab_put(&t, 65535, &v[1]), 0);
  assert_int_equal(idtab_put(&t, 256, &v[2]), 0);
  assert_int_equal(t.count, 3);
  assert_int_equal(idtab_put(&t, 256, &v[0]), 0); /* replace */
  assert_int_equal(t.count, 3);
  assert_ptr_equal(idtab_get(&t, 65535), &v[1]);
  assert_ptr_equal(idtab_get(&t, 256), &v[0]);
  assert_null(idtab_get(&t, 255));
  assert_ptr_equal(idtab_del(&t, 1), &v[0]);
  assert_null(idtab_del(&t, 1));
  assert_int_equal(t.count, 2);
  idtab_free(&t);
  assert_null(idtab_get(&t, 65535));
}

static void topic_tree(void **state) {
  (void)state;
  tnode *root = tree_root();
  tnode *a = tree_child(root, (const uint8_t *)"a", 1, 7);
  tnode *ab = tree_child(a, (const uint8_t *)"b", 1, 7);
  for (int i = 0; i < 100; i++) {
    char name[8];
    snprintf(name, sizeof name, "k%d", i);
    assert_non_null(tree_child(a, (const uint8_t *)name, strlen(name), 7));
  }
  assert_ptr_equal(tree_find(root, (const uint8_t *)"a", 1, 7), a);
  assert_ptr_equal(tree_child(a, (const uint8_t *)"b", 1, 7), ab); /* found, not made twice */
  assert_int_equal(a->nkids, 101);
  uint32_t bk = 0, n = 0;
  for (tnode *k = tree_next_kid(a, &bk, NULL); k; k = tree_next_kid(a, &bk, k))
    n++;
  assert_int_equal(n, 101);
  /* Empty nodes go, with their emptied parents. */
  tree_prune_empty(root);
  assert_int_equal(root->nkids, 0);
  /* Level splitting: "a//b/" has a, "", b, "". */
  const char *t = "a//b/";
  const uint8_t *p = (const uint8_t *)t, *lvl;
  size_t len;
  const char *want[] = {"a", "", "b", ""};
  int i = 0;
  while (topic_next_level(&p, (const uint8_t *)t + strlen(t), &lvl, &len)) {
    assert_true(i < 4);
    assert_int_equal(len, strlen(want[i]));
    assert_memory_equal(lvl, want[i], len);
    i++;
  }
  assert_int_equal(i, 4);
  assert_int_equal(topic_levels((const uint8_t *)t, strlen(t)), 4);
  tree_free(root);
}

static void config_flags(void **state) {
  (void)state;
  mqs_broker_options o;
  mqs_broker_options_init(&o);
  char err[256];
  char *argv[] = {"mqspec-broker",
                  "-p",
                  "0",
                  "--max-packet-size=4096",
                  "--no-retain",
                  "--wildcards",
                  "false",
                  "--max-qos",
                  "1",
                  "-l",
                  "[::1]:0",
                  "--listen",
                  "127.0.0.1:1999",
                  "--shared-subscriptions",
                  "-v"};
  int argc = sizeof argv / sizeof argv[0];
  assert_int_equal(mqs_broker_parse_args(&o, argc, argv, err, sizeof err), 0);
  assert_int_equal(o.port, 0);
  assert_int_equal(o.core.max_packet_size, 4096);
  assert_false(o.core.retain_available);
  assert_false(o.core.wildcard_available);
  assert_true(o.core.shared_available);
  assert_int_equal(o.core.max_qos, 1);
  assert_int_equal(o.n_listen, 2);
  assert_string_equal(o.listen[0].host, "::1");
  assert_int_equal(o.listen[1].port, 1999);
  assert_int_equal(o.log_level, MQS_LOG_INFO);
  mqs_broker_options_free(&o);
  /* One switch for topic aliases both ways. */
  mqs_broker_options_init(&o);
  char *off[] = {"mqspec-broker", "--no-topic-aliases"};
  assert_int_equal(mqs_broker_parse_args(&o, 2, off, err, sizeof err), 0);
  assert_int_equal(o.core.topic_alias_max, 0);
  assert_false(o.core.topic_alias_out);
  mqs_broker_options_free(&o);
  struct {
    const char *a, *b, *want;
  } bad[] = {{"--max-qos", "3", "0 to 2"},
             {"--max-packet-size", "12", "64 to"},
             {"--retain", "maybe", "true or false"},
             {"--listen", "1.2.3.4", "HOST:PORT"},
             {"--frobnicate", "1", "unknown option"},
             {"--log-level", "loud", "error, warn"},
             {"--port", "-1", "number"},
             {"--receive-maximum", "0", "1 to 65535"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mqs_broker_options_init(&o);
    char *av[] = {"mqspec-broker", (char *)bad[i].a, (char *)bad[i].b};
    assert_int_equal(mqs_broker_parse_args(&o, 3, av, err, sizeof err), MQS_ESYNTAX);
    if (!strstr(err, bad[i].want)) fail_msg("%s %s: message \"%s\"", bad[i].a, bad[i].b, err);
    mqs_broker_options_free(&o);
  }
}

static void config_file(void **state) {
  (void)state;
  char path[] = "/tmp/mqs-conf-XXXXXX";
  int fd = mkstemp(path);
  const char *text = "# comment\n"
                     "\n"
                     "  listen 127.0.0.1:1884  \n"
                     "max_queued 5   # trailing comment\n"
                     "allow-anonymous no\r\n"
                     "sys-interval 0\n"
                     "password-file /etc/pw\n";
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  mqs_broker_options o;
  mqs_broker_options_init(&o);
  char err[256];
  /* The flag wins over the file, wherever it stands. */
  char *argv[] = {"mqspec-broker", "--max-queued", "7", "-c", path};
  assert_int_equal(mqs_broker_parse_args(&o, 5, argv, err, sizeof err), 0);
  assert_int_equal(o.n_listen, 1);
  assert_int_equal(o.listen[0].port, 1884);
  assert_int_equal(o.core.max_queued, 7);
  assert_false(o.core.allow_anonymous);
  assert_int_equal(o.core.sys_interval_s, 0);
  assert_string_equal(o.password_file, "/etc/pw");
  mqs_broker_options_free(&o);
  /* Errors name the file and line. */
  fd = open(path, O_WRONLY | O_TRUNC);
  const char *bad = "max-queued 5\nmax-qos\n";
  assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
  close(fd);
  mqs_broker_options_init(&o);
  assert_int_equal(mqs_broker_config_load(&o, path, err, sizeof err), MQS_ESYNTAX);
  char want[300];
  snprintf(want, sizeof want, "%s:2:", path);
  if (!strstr(err, want)) fail_msg("message \"%s\" does not name %s", err, want);
  mqs_broker_options_free(&o);
  unlink(path);
  mqs_broker_options_init(&o);
  assert_int_equal(mqs_broker_config_load(&o, "/nonexistent/x.conf", err, sizeof err), MQS_EIO);
  mqs_broker_options_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(byte_buffer), cmocka_unit_test(string_map),   cmocka_unit_test(id_table),
      cmocka_unit_test(topic_tree),  cmocka_unit_test(config_flags), cmocka_unit_test(config_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
