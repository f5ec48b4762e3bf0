/* tests/broker/flood.h — QoS 1 messages through a running broker, checked
 * complete and in order: the client of test_broker_flood and of
 * bench/bench_broker (any broker on 127.0.0.1, not only mqspec-broker).
 *
 * One thread publishes QoS 1 messages carrying a sequence number, one reads
 * the publisher's PUBACKs, one subscribes at QoS 1, checks every sequence
 * number in turn and acknowledges in batches. The publisher keeps at most
 * WINDOW messages between sent and received end to end, so a broker's
 * default queue limits (1000 per session for both mqspec-broker and
 * mosquitto) are never the reason a message goes missing. */
#ifndef MQS_TEST_FLOOD_H
#define MQS_TEST_FLOOD_H

#include <stdint.h>

#include "mqs/codec.h"

/* n messages at version v on topics PREFIX/... with client ids PREFIX-sub
 * and PREFIX-pub. Returns 0 (with *seconds, the wall time from the first
 * PUBLISH to the last message and PUBACK) or 1 (a message missing, out of
 * order or late; said on stderr). */
int flood_run(uint16_t port, mqs_version v, uint32_t n, const char *prefix, double *seconds);

#endif
