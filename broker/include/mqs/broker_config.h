/* mqs/broker_config.h — mqspec-broker's configuration: command-line flags
 * and the configuration file, one set of option names for both.
 *
 * Configuration file: one option per line, "name value" (the flag's long
 * name without the dashes; '-' and '_' are the same), "#" starts a
 * comment. Booleans take true/false, yes/no, on/off, 1/0:
 *   listen 127.0.0.1:1883
 *   listen [::1]:1883
 *   ws-listen 127.0.0.1:8080
 *   max-packet-size 65536
 *   retain false
 *   password-file /etc/mqspec/passwd
 * Flags given on the command line win over the file. */
#ifndef MQS_BROKER_CONFIG_H
#define MQS_BROKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mqs/broker.h"

#define MQS_BROKER_MAX_LISTEN 16

typedef struct {
  char host[256]; /* numeric address or name, no brackets */
  uint16_t port;
} mqs_listen_addr;

typedef struct {
  mqs_broker_config core;
  mqs_listen_addr listen[MQS_BROKER_MAX_LISTEN];
  int n_listen;        /* 0: the defaults, 127.0.0.1 and ::1 on port */
  uint16_t port;       /* [1883] for the default listeners */
  mqs_listen_addr ws_listen[MQS_BROKER_MAX_LISTEN]; /* MQTT over WebSocket */
  int n_ws_listen;
  char *password_file; /* malloc'd, or NULL */
  char *acl_file;
  int log_level; /* [MQS_LOG_WARN] */
} mqs_broker_options;

/* Defaults (the core's, port 1883, warnings logged). */
void mqs_broker_options_init(mqs_broker_options *o);
void mqs_broker_options_free(mqs_broker_options *o);

/* Set one option by name ("max-packet-size") from text. where names the
 * source for messages ("file.conf:3" or "--max-packet-size"). Returns 0,
 * or MQS_ESYNTAX with err saying what was expected. */
int mqs_broker_option_set(mqs_broker_options *o, const char *name, const char *value,
                          const char *where, char *err, size_t errcap);
/* Read a configuration file. Returns 0, MQS_EIO or MQS_ESYNTAX (err names
 * file and line). */
int mqs_broker_config_load(mqs_broker_options *o, const char *path, char *err, size_t errcap);
/* Parse argv (argv[0] skipped): --config FILE is read first, then the
 * other flags in order. Returns 0, 1 when --help or --version printed
 * something and the program should exit 0, or MQS_ESYNTAX / MQS_EIO with
 * err set. */
int mqs_broker_parse_args(mqs_broker_options *o, int argc, char **argv, char *err, size_t errcap);
/* The usage text, every option with its default. */
void mqs_broker_print_usage(FILE *f);

#endif
