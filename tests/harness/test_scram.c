/* tests/harness/test_scram.c — the SCRAM-SHA-256 client messages scenarios
 * compute (harness/scram.c): the exchange of RFC 7677, section 3, and the
 * server-first messages a client must refuse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "scram.h"

static const char client_first[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
static const char server_first[] =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

static void rfc7677_exchange(void **state) {
  (void)state;
  char final[256], server[128];
  const char *why = NULL;
  assert_int_equal(mqs_scram_client_final("pencil", client_first, server_first,
                                          strlen(server_first), final, sizeof final, server,
                                          sizeof server, &why),
                   0);
  assert_string_equal(final, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                             "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  assert_string_equal(server, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  /* Another password, another proof. */
  assert_int_equal(mqs_scram_client_final("pencil2", client_first, server_first,
                                          strlen(server_first), final, sizeof final, server,
                                          sizeof server, &why),
                   0);
  assert_null(strstr(final, "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
}

static void refused(const char *cf, const char *sf, size_t cap, const char *words) {
  char final[256], server[128];
  const char *why = NULL;
  assert_int_equal(mqs_scram_client_final("pencil", cf, sf, strlen(sf), final, cap, server,
                                          sizeof server, &why),
                   -1);
  assert_non_null(why);
  assert_non_null(strstr(why, words));
}

static void bad_messages(void **state) {
  (void)state;
  refused("n=user,r=abc", server_first, 256, "GS2 header");
  refused(client_first, "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", 256, "nonce");
  refused(client_first, "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", 256, "nonce");
  refused(client_first, "r=rOprNGfwEbeRWgbNEkqOx,i=4096", 256, "salt");
  refused(client_first, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", 256, "iteration");
  refused(client_first, "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=9x", 256, "iteration");
  refused(client_first, "r=rOprNGfwEbeRWgbNEkqOx,s=abc,i=4096", 256, "salt");
  refused(client_first, server_first, 20, "too small");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rfc7677_exchange),
      cmocka_unit_test(bad_messages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
