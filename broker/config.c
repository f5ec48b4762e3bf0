/* broker/config.c — flags and configuration file for mqspec-broker, from
 * one table of options so the two can never disagree. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "mqs/broker_config.h"
#include "mqs/tcp.h"

typedef enum {
  T_BOOL,
  T_U8,
  T_U16,
  T_U32,
  T_U64,
  T_STR,
  T_LISTEN,
  T_WS_LISTEN,
  T_PORT,
  T_LOG,
  T_ALIASES, /* both directions of topic aliases at once */
} opt_type;

typedef struct {
  const char *name;
  opt_type type;
  size_t off; /* in mqs_broker_options */
  uint64_t min, max;
  const char *help;
} opt;

#define CORE(f) (offsetof(mqs_broker_options, core) + offsetof(mqs_broker_config, f))
#define OPT(f)  offsetof(mqs_broker_options, f)

static const opt opts[] = {
    {"listen", T_LISTEN, 0, 0, 0, "HOST:PORT  listen there (repeatable; replaces the defaults)"},
    {"ws-listen", T_WS_LISTEN, 0, 0, 0,
     "HOST:PORT  also listen there for MQTT over WebSocket (repeatable; none by default)"},
    {"port", T_PORT, OPT(port), 0, 65535, "PORT  port for the default 127.0.0.1 and ::1 [1883]"},
    {"max-connections", T_U32, CORE(max_clients), 1, 1000000, "N  connections at once [10000]"},
    {"max-sessions", T_U32, CORE(max_sessions), 1, UINT32_MAX,
     "N  sessions kept, online or offline [100000]"},
    {"max-packet-size", T_U32, CORE(max_packet_size), 64, 268435460,
     "BYTES  largest packet accepted [1048576]"},
    {"receive-maximum", T_U16, CORE(receive_max), 1, 65535,
     "N  unacknowledged QoS 1/2 PUBLISHes a client may send [65535]"},
    {"max-inflight", T_U16, CORE(max_inflight), 1, 65535,
     "N  unacknowledged QoS 1/2 sent to a client [100]"},
    {"max-queued", T_U32, CORE(max_queued), 1, 100000000, "N  messages queued per session [1000]"},
    {"max-queued-bytes", T_U64, CORE(max_queued_bytes), 1, UINT64_MAX,
     "BYTES  topic+payload bytes queued per session [16777216]"},
    {"max-output-bytes", T_U32, CORE(max_output_bytes), 1024, UINT32_MAX,
     "BYTES  unsent bytes before a client's input pauses [262144]"},
    {"topic-alias-maximum", T_U16, CORE(topic_alias_max), 0, 65535,
     "N  topic aliases a client may use; 0 disables [10]"},
    {"max-keep-alive", T_U16, CORE(max_keep_alive), 0, 65535,
     "SECONDS  cap on keep alive, sent as Server Keep Alive; 0: none [0]"},
    {"max-session-expiry", T_U32, CORE(max_session_expiry), 0, UINT32_MAX,
     "SECONDS  cap on Session Expiry Interval [4294967295]"},
    {"connect-timeout", T_U32, CORE(connect_timeout_ms), 1, UINT32_MAX,
     "MS  time allowed to send CONNECT [10000]"},
    {"max-retained", T_U32, CORE(max_retained), 0, UINT32_MAX,
     "N  retained messages kept [100000]"},
    {"max-subscriptions", T_U32, CORE(max_subs_per_client), 1, UINT32_MAX,
     "N  subscriptions per session [1000]"},
    {"max-topic-levels", T_U16, CORE(max_topic_levels), 1, MQS_BROKER_MAX_TOPIC_LEVELS,
     "N  levels in a topic or filter [200]"},
    {"max-qos", T_U8, CORE(max_qos), 0, 2, "0|1|2  highest QoS supported [2]"},
    {"retain", T_BOOL, CORE(retain_available), 0, 1, "BOOL  retained messages [true]"},
    {"wildcards", T_BOOL, CORE(wildcard_available), 0, 1, "BOOL  wildcard subscriptions [true]"},
    {"shared-subscriptions", T_BOOL, CORE(shared_available), 0, 1,
     "BOOL  shared subscriptions [true]"},
    {"subscription-identifiers", T_BOOL, CORE(sub_id_available), 0, 1,
     "BOOL  subscription identifiers [true]"},
    {"topic-aliases", T_ALIASES, 0, 0, 1,
     "BOOL  topic aliases both ways; false sets topic-alias-maximum 0 [true]"},
    {"topic-aliases-out", T_BOOL, CORE(topic_alias_out), 0, 1,
     "BOOL  use topic aliases toward clients that allow them [true]"},
    {"response-information", T_BOOL, CORE(response_information), 0, 1,
     "BOOL  answer Request Response Information [true]"},
    {"allow-anonymous", T_BOOL, CORE(allow_anonymous), 0, 1,
     "BOOL  connections without a user name [true]"},
    {"password-file", T_STR, OPT(password_file), 0, 0,
     "FILE  users and salted hashes (see mqspec-broker passwd)"},
    {"acl-file", T_STR, OPT(acl_file), 0, 0, "FILE  per-user topic permissions"},
    {"sys-interval", T_U32, CORE(sys_interval_s), 0, 86400,
     "SECONDS  $SYS/broker/... update period; 0: off [10]"},
    {"log-level", T_LOG, OPT(log_level), 0, 3, "error|warn|info|debug [warn]"},
};

#define N_OPTS (sizeof opts / sizeof opts[0])

void mqs_broker_options_init(mqs_broker_options *o) {
  memset(o, 0, sizeof *o);
  mqs_broker_config_defaults(&o->core);
  o->port = 1883;
  o->log_level = MQS_LOG_WARN;
}

void mqs_broker_options_free(mqs_broker_options *o) {
  free(o->password_file);
  free(o->acl_file);
  o->password_file = o->acl_file = NULL;
}

__attribute__((format(printf, 3, 4))) static int bad(char *err, size_t cap, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return MQS_ESYNTAX;
}

static bool same_name(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
    if (x != y) return false;
  }
  return *a == *b;
}

static int parse_bool(const char *v, bool *out) {
  if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
    *out = true;
  else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
           !strcmp(v, "0"))
    *out = false;
  else
    return -1;
  return 0;
}

int mqs_broker_option_set(mqs_broker_options *o, const char *name, const char *value,
                          const char *where, char *err, size_t cap) {
  const opt *p = NULL;
  for (size_t i = 0; i < N_OPTS; i++)
    if (same_name(opts[i].name, name)) p = &opts[i];
  if (!p) return bad(err, cap, "%s: unknown option '%s' (see --help)", where, name);
  if (!value) return bad(err, cap, "%s: %s needs a value: %s", where, p->name, p->help);
  char *base = (char *)o;
  switch (p->type) {
  case T_BOOL: {
    bool b;
    if (parse_bool(value, &b))
      return bad(err, cap, "%s: %s expects true or false, not '%s'", where, p->name, value);
    *(bool *)(base + p->off) = b;
    return 0;
  }
  case T_ALIASES: {
    bool b;
    if (parse_bool(value, &b))
      return bad(err, cap, "%s: %s expects true or false, not '%s'", where, p->name, value);
    o->core.topic_alias_out = b;
    o->core.topic_alias_max = b ? (o->core.topic_alias_max ? o->core.topic_alias_max : 10) : 0;
    return 0;
  }
  case T_STR: {
    char **s = (char **)(base + p->off);
    char *copy = strdup(value);
    if (!copy) return MQS_ENOMEM;
    free(*s);
    *s = copy;
    return 0;
  }
  case T_LOG: {
    const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
      if (!strcasecmp(value, names[i])) {
        o->log_level = i;
        return 0;
      }
    }
    return bad(err, cap, "%s: log-level expects error, warn, info or debug, not '%s'", where,
               value);
  }
  case T_LISTEN:
  case T_WS_LISTEN: {
    bool ws = p->type == T_WS_LISTEN;
    int *n = ws ? &o->n_ws_listen : &o->n_listen;
    if (*n == MQS_BROKER_MAX_LISTEN)
      return bad(err, cap, "%s: at most %d %s addresses", where, MQS_BROKER_MAX_LISTEN, p->name);
    mqs_listen_addr *a = ws ? &o->ws_listen[*n] : &o->listen[*n];
    const char *why = NULL;
    if (mqs_tcp_parse_hostport(value, a->host, sizeof a->host, &a->port, &why))
      return bad(err, cap, "%s: %s expects HOST:PORT: %s", where, p->name, why ? why : value);
    (*n)++;
    return 0;
  }
  default: break;
  }
  char *end;
  errno = 0;
  if (value[0] == '-' || value[0] == 0)
    return bad(err, cap, "%s: %s expects a number from %llu to %llu, not '%s'", where, p->name,
               (unsigned long long)p->min, (unsigned long long)p->max, value);
  unsigned long long v = strtoull(value, &end, 10);
  if (errno || *end || v < p->min || v > p->max)
    return bad(err, cap, "%s: %s expects a number from %llu to %llu, not '%s'", where, p->name,
               (unsigned long long)p->min, (unsigned long long)p->max, value);
  switch (p->type) {
  case T_U8: *(uint8_t *)(base + p->off) = (uint8_t)v; break;
  case T_U16:
  case T_PORT: *(uint16_t *)(base + p->off) = (uint16_t)v; break;
  case T_U32: *(uint32_t *)(base + p->off) = (uint32_t)v; break;
  case T_U64: *(uint64_t *)(base + p->off) = (uint64_t)v; break;
  default: break;
  }
  return 0;
}

int mqs_broker_config_load(mqs_broker_options *o, const char *path, char *err, size_t cap) {
  char *text = read_text_file(path);
  if (!text) {
    if (err && cap) snprintf(err, cap, "%s: %s", path, strerror(errno));
    return MQS_EIO;
  }
  int rc = 0;
  unsigned line = 0;
  /* strtok_r would skip empty lines and lose the count: split by hand. */
  char *p = text;
  while (*p && !rc) {
    line++;
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    char *s = p;
    p = nl ? nl + 1 : p + strlen(p);
    char *hash = strchr(s, '#');
    if (hash) *hash = 0;
    char *name = s + strspn(s, " \t\r");
    size_t nlen = strcspn(name, " \t\r");
    if (!nlen) continue;
    char *value = name + nlen;
    if (*value) *value++ = 0;
    value += strspn(value, " \t");
    size_t vlen = strlen(value);
    while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t' || value[vlen - 1] == '\r'))
      value[--vlen] = 0;
    char where[512];
    snprintf(where, sizeof where, "%s:%u", path, line);
    rc = mqs_broker_option_set(o, name, vlen ? value : NULL, where, err, cap);
  }
  free(text);
  return rc;
}

void mqs_broker_print_usage(FILE *f) {
  fputs("usage: mqspec-broker [options]\n"
        "       mqspec-broker passwd FILE USER   (password on stdin; adds or replaces USER)\n"
        "\n"
        "The reference MQTT 3.1, 3.1.1 and 5.0 broker of mqspec.\n\n"
        "  -c, --config FILE   read options from FILE (\"name value\" lines)\n"
        "  -p PORT             same as --port\n"
        "  -l HOST:PORT        same as --listen\n"
        "  -v, --verbose       more log lines (twice: debug)\n"
        "  -h, --help          this text\n"
        "      --version       print the version\n"
        "  --no-NAME           a boolean option set to false (--no-retain)\n\n",
        f);
  for (size_t i = 0; i < N_OPTS; i++) {
    const char *sp = strchr(opts[i].help, ' ');
    int arg = sp ? (int)(sp - opts[i].help) : 0;
    fprintf(f, "  --%s %.*s\n      %s\n", opts[i].name, arg, opts[i].help,
            sp ? sp + 2 : opts[i].help);
  }
}

int mqs_broker_parse_args(mqs_broker_options *o, int argc, char **argv, char *err, size_t cap) {
  /* The file first, so that flags override it wherever they appear. */
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
      if (i + 1 >= argc) return bad(err, cap, "%s needs a file name", argv[i]);
      int rc = mqs_broker_config_load(o, argv[i + 1], err, cap);
      if (rc) return rc;
      i++;
    }
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
      i++;
      continue;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      mqs_broker_print_usage(stdout);
      return 1;
    }
    if (!strcmp(a, "--version")) {
      printf("%s\n", o->core.version ? o->core.version : "mqspec-broker");
      return 1;
    }
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      if (o->log_level < MQS_LOG_DEBUG) o->log_level++;
      continue;
    }
    if (!strcmp(a, "-vv")) {
      o->log_level = MQS_LOG_DEBUG;
      continue;
    }
    const char *name, *value = NULL;
    char namebuf[64];
    if (!strcmp(a, "-p")) {
      name = "port";
    } else if (!strcmp(a, "-l")) {
      name = "listen";
    } else if (a[0] == '-' && a[1] == '-') {
      name = a + 2;
      const char *eq = strchr(name, '=');
      if (eq) {
        snprintf(namebuf, sizeof namebuf, "%.*s", (int)(eq - name), name);
        name = namebuf;
        value = eq + 1;
      } else if (!strncmp(name, "no-", 3)) { /* --no-retain: a boolean set false */
        snprintf(namebuf, sizeof namebuf, "%s", name + 3);
        name = namebuf;
        value = "false";
      }
    } else {
      return bad(err, cap, "unexpected argument '%s' (see --help)", a);
    }
    /* A boolean flag alone means true. */
    if (!value) {
      bool is_bool = false;
      for (size_t k = 0; k < N_OPTS; k++)
        if (same_name(opts[k].name, name) && (opts[k].type == T_BOOL || opts[k].type == T_ALIASES))
          is_bool = true;
      if (is_bool && (i + 1 >= argc || argv[i + 1][0] == '-')) {
        value = "true";
      } else {
        if (i + 1 >= argc) return bad(err, cap, "%s needs a value", a);
        value = argv[++i];
      }
    }
    char where[80];
    snprintf(where, sizeof where, "%s", a);
    int rc = mqs_broker_option_set(o, name, value, where, err, cap);
    if (rc) return rc;
  }
  return 0;
}
