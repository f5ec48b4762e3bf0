/* mqs/print.h — a packet as one line for people, or as a JSON object. */
#ifndef MQS_PRINT_H
#define MQS_PRINT_H

#include <stddef.h>

#include "packet.h"
#include "rules.h"

/* Both behave like snprintf: they write at most cap bytes (NUL included)
 * and return the length the whole text needs. */
size_t mqs_print(const mqs_packet *p, mqs_version v, char *buf, size_t cap);
size_t mqs_print_json(const mqs_packet *p, mqs_version v, char *buf, size_t cap);
size_t mqs_print_violation(const mqs_violation *why, char *buf, size_t cap);
size_t mqs_print_violation_json(const mqs_violation *why, char *buf, size_t cap);

#endif
