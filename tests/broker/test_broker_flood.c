/* tests/broker/test_broker_flood.c — 100,000 QoS 1 messages through
 * mqspec-broker arrive complete and in order, for MQTT 3.1.1 and 5.0.
 *
 * A small C client on plain sockets and the codec (paho would measure
 * itself), in flood.c. Prints the wall time.
 *
 * Usage: test_broker_flood [count]   (default 100000) */
#include <stdio.h>
#include <stdlib.h>

#include "flood.h"
#include "netclient.h"

int main(int argc, char **argv) {
  uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
  broker_proc bp;
  if (bp_start(&bp, NULL)) return 1;
  int rc = 0;
  for (int k = 0; k < 2; k++) {
    mqs_version v = k ? MQS_V5 : MQS_V311;
    double s = 0;
    int failed = flood_run(bp.port, v, n, "flood", &s);
    if (!failed)
      printf("MQTT %s: %u QoS 1 messages complete and in order in %.3f s (%.0f msg/s)\n",
             v == MQS_V5 ? "5.0" : "3.1.1", n, s, (double)n / s);
    rc |= failed;
  }
  int st = bp_stop(&bp, 5000);
  if (st != 0) {
    fprintf(stderr, "FAIL: broker exit status %d\n", st);
    rc = 1;
  }
  return rc;
}
