/* harness/report_util.h — small pieces the report writers share. */
#ifndef MQS_REPORT_UTIL_H
#define MQS_REPORT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "transcript.h"

/* "open", "sent", "received", "closed_local", "reset_local", "half_closed",
 * "closed_peer", "reset_peer"; "unknown" for other values. */
const char *mqs_report_kind_name(mqs_wire_kind k);

/* strcmp, except that runs of digits compare as numbers, so that
 * MQTT-3.1.2-9 sorts before MQTT-3.1.2-10. */
int mqs_report_natural_cmp(const char *a, const char *b);

/* Unix milliseconds as "2024-05-01T12:34:56Z" (UTC). cap >= 21. With
 * zulu false the "Z" is left off, as the JUnit schema's timestamp wants. */
void mqs_report_iso8601(uint64_t unix_ms, int zulu, char *buf, size_t cap);

/* name with every byte outside [A-Za-z0-9._-] replaced by '_', and a
 * leading '.' too, so it is one safe path component ("_" when empty).
 * Returns a malloc'd string, or NULL when out of memory. */
char *mqs_report_safe_name(const char *name);

/* Close f after writing a report: rc if it is already an error, else
 * MQS_EIO (errno set) when any write or the close failed, else 0. */
int mqs_report_close(FILE *f, int rc);

/* mkdir -p: 0, MQS_ENOMEM, or MQS_EIO with errno set (ENOTDIR when a
 * part exists and is not a directory). */
int mqs_report_make_dir(const char *dir);
/* Open path for writing, creating its missing parent directories, as CI
 * users expect of `--junit out/junit.xml`. NULL with errno set on failure. */
FILE *mqs_report_create(const char *path);

#endif
