/* harness/cmd_decode.c — `mqspec decode`: a byte stream, packet by packet.
 *
 * Reads hex (arguments, a file, stdin) or a binary file, decodes one packet
 * after another with the shared codec and prints each one, or the first
 * rule the stream breaks. Stops there: after a broken packet the framing
 * of what follows cannot be trusted. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "hex.h"
#include "mqs/codec.h"
#include "mqs/print.h"

static const char usage_text[] =
    "Usage: mqspec decode [--v311|--v5|--v31] [--from client|server] [--json]\n"
    "                     [--max-packet-size N] (HEX... | -f FILE | -x FILE | -)\n"
    "\n"
    "Decode a stream of MQTT control packets and print each one with its offset,\n"
    "or the first rule the stream breaks (offset, reason code, statement id).\n"
    "\n"
    "Input, one of:\n"
    "  HEX...                hex bytes as arguments: \"10 0c 00 04\", 100c0004, 0x10,0x0c\n"
    "  -x FILE               a file of hex text; '#' starts a comment (-x - for stdin)\n"
    "  -                     hex text from standard input\n"
    "  -f FILE               a binary file of raw packet bytes (-f - for stdin)\n"
    "\n"
    "Options:\n"
    "  --v5, --v311, --v31   protocol version (default: the protocol level of the\n"
    "                        first CONNECT in the input, else 5.0)\n"
    "  --from client|server  who sent the bytes; rejects packets the other side sends\n"
    "                        (default: either)\n"
    "  --max-packet-size N   reject packets larger than N bytes (reason 0x95)\n"
    "  --json                one JSON object per line: {\"offset\",\"length\",\"packet\"},\n"
    "                        {\"offset\",\"violation\"} or {\"offset\",\"incomplete\"}\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 every packet decoded; 1 a packet breaks a rule, or the input\n"
    "is cut short or empty; 2 a usage error or an unreadable file.\n";

typedef enum { IN_NONE, IN_ARGS, IN_HEX_FILE, IN_BIN_FILE } input_kind;

typedef struct {
  int version; /* 0: from the first CONNECT, else 5 */
  mqs_direction from;
  bool json;
  uint32_t max_packet_size;
  input_kind in;
  const char *file; /* IN_HEX_FILE, IN_BIN_FILE; "-" for stdin */
  char **hex;       /* IN_ARGS: argc entries, n_hex used */
  int n_hex;
} decode_args;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mqspec decode: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputs("\nTry 'mqspec decode --help'.\n", stderr);
  va_end(ap);
  return MQS_EXIT_USAGE;
}

static int set_input(decode_args *a, input_kind k, const char *file) {
  if (a->in != IN_NONE && !(a->in == IN_ARGS && k == IN_ARGS))
    return usage_error("give the input one way only: HEX..., -f FILE, -x FILE or -");
  a->in = k;
  a->file = file;
  return 0;
}

/* The value of --opt VALUE or --opt=VALUE; NULL (with a message) when missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt) {
  const char *arg = argv[*i];
  size_t n = strlen(opt);
  if (arg[n] == '=') return arg + n + 1;
  if (*i + 1 >= argc) {
    usage_error("option '%s' needs a value", opt);
    return NULL;
  }
  return argv[++*i];
}

static bool is_opt(const char *arg, const char *opt) {
  size_t n = strlen(opt);
  return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, decode_args *a) {
  bool opts_done = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    int rc;
    if (opts_done || arg[0] != '-' || strcmp(arg, "-") == 0) {
      bool dash = !opts_done && strcmp(arg, "-") == 0;
      if ((rc = set_input(a, dash ? IN_HEX_FILE : IN_ARGS, dash ? "-" : NULL)) != 0) return rc;
      if (!dash) a->hex[a->n_hex++] = argv[i];
      continue;
    }
    if (strcmp(arg, "--") == 0) {
      opts_done = true;
    } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(usage_text, stdout);
      return MQS_EXIT_OK;
    } else if (strcmp(arg, "--json") == 0) {
      a->json = true;
    } else if (strcmp(arg, "--v5") == 0 || strcmp(arg, "--v5.0") == 0) {
      a->version = MQS_V5;
    } else if (strcmp(arg, "--v311") == 0 || strcmp(arg, "--v3.1.1") == 0) {
      a->version = MQS_V311;
    } else if (strcmp(arg, "--v31") == 0 || strcmp(arg, "--v3.1") == 0) {
      a->version = MQS_V31;
    } else if (is_opt(arg, "--from")) {
      const char *v = opt_value(argc, argv, &i, "--from");
      if (!v) return MQS_EXIT_USAGE;
      if (strcmp(v, "client") == 0)
        a->from = MQS_FROM_CLIENT;
      else if (strcmp(v, "server") == 0)
        a->from = MQS_FROM_SERVER;
      else if (strcmp(v, "any") == 0)
        a->from = MQS_FROM_ANY;
      else
        return usage_error("--from: '%s' is not one of client, server, any", v);
    } else if (is_opt(arg, "--max-packet-size")) {
      const char *v = opt_value(argc, argv, &i, "--max-packet-size");
      if (!v) return MQS_EXIT_USAGE;
      char *end;
      errno = 0;
      unsigned long long n = strtoull(v, &end, 10);
      if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n == 0 || n > UINT32_MAX)
        return usage_error("--max-packet-size: '%s' is not a number from 1 to 4294967295", v);
      a->max_packet_size = (uint32_t)n;
    } else if (strcmp(arg, "-f") == 0 || strcmp(arg, "-x") == 0) {
      if (i + 1 >= argc) return usage_error("option '%s' needs a file name", arg);
      if ((rc = set_input(a, arg[1] == 'f' ? IN_BIN_FILE : IN_HEX_FILE, argv[++i])) != 0) return rc;
    } else {
      return usage_error("unknown option '%s'", arg);
    }
  }
  if (a->in == IN_NONE) return usage_error("no input: give hex bytes, -f FILE, -x FILE or -");
  return -1;
}

/* Read all of a file (or stdin for "-") into *b. Returns 0, or the exit
 * code after a message naming the file and the system's reason. */
static int read_all(const char *path, mqs_hexbuf *b) {
  bool std = strcmp(path, "-") == 0;
  FILE *f = std ? stdin : fopen(path, "rb");
  int rc = MQS_EXIT_USAGE;
  if (!f) {
    fprintf(stderr, "mqspec decode: cannot open '%s': %s\n", path, strerror(errno));
    return rc;
  }
  uint8_t chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (mqs_hexbuf_append(b, chunk, n) != 0) {
      fprintf(stderr, "mqspec decode: '%s': out of memory\n", std ? "<stdin>" : path);
      goto done;
    }
  }
  if (ferror(f)) {
    fprintf(stderr, "mqspec decode: cannot read '%s': %s\n", std ? "<stdin>" : path,
            strerror(errno));
    goto done;
  }
  rc = 0;
done:
  if (!std) fclose(f);
  return rc;
}

/* Show the line of text with the mistake and a caret under it. */
static void show_mistake(const char *s, size_t n, const mqs_hex_error *e) {
  size_t start = e->offset - (e->col - 1), end = start;
  while (end < n && s[end] != '\n' && s[end] != '\r')
    end++;
  if (end - start > 200) /* a very long line: not worth a caret */
    return;
  fputs("  ", stderr);
  for (size_t i = start; i < end; i++)
    fputc(s[i] == '\t' ? ' ' : (s[i] >= 0x20 && s[i] < 0x7F ? s[i] : '?'), stderr);
  fprintf(stderr, "\n  %*s^\n", (int)(e->col - 1), "");
}

/* Gather the input bytes. Returns 0 or an exit code (after a message). */
static int load_input(const decode_args *a, mqs_hexbuf *bytes, const char **name) {
  int rc;
  *name = NULL;
  if (a->in == IN_BIN_FILE) {
    *name = strcmp(a->file, "-") == 0 ? "<stdin>" : a->file;
    return read_all(a->file, bytes);
  }
  mqs_hex_error e;
  if (a->in == IN_HEX_FILE) {
    mqs_hexbuf text = {0};
    *name = strcmp(a->file, "-") == 0 ? "<stdin>" : a->file;
    if ((rc = read_all(a->file, &text)) != 0) goto text_done;
    rc = mqs_hex_parse((const char *)text.p, text.len, bytes, &e);
    if (rc == MQS_ESYNTAX) {
      fprintf(stderr, "mqspec decode: %s:%zu:%zu: %s\n", *name, e.line, e.col, e.msg);
      show_mistake((const char *)text.p, text.len, &e);
    } else if (rc != 0) {
      fprintf(stderr, "mqspec decode: %s: out of memory\n", *name);
    }
    rc = rc ? MQS_EXIT_USAGE : 0;
  text_done:
    mqs_hexbuf_free(&text);
    return rc;
  }
  for (int i = 0; i < a->n_hex; i++) {
    const char *s = a->hex[i];
    rc = mqs_hex_parse(s, strlen(s), bytes, &e);
    if (rc == MQS_ESYNTAX) {
      if (e.line > 1)
        fprintf(stderr, "mqspec decode: argument %d, line %zu, column %zu: %s\n", i + 1, e.line,
                e.col, e.msg);
      else
        fprintf(stderr, "mqspec decode: argument %d, column %zu: %s\n", i + 1, e.col, e.msg);
      show_mistake(s, strlen(s), &e);
      return MQS_EXIT_USAGE;
    }
    if (rc != 0) {
      fputs("mqspec decode: out of memory\n", stderr);
      return MQS_EXIT_USAGE;
    }
  }
  return 0;
}

/* The protocol level of the first CONNECT in the stream (3, 4 or 5), found
 * by walking the fixed headers; 0 when there is none or it cannot be read.
 * *at is its offset. */
static int first_connect_level(const uint8_t *b, size_t n, size_t *at) {
  size_t off = 0;
  while (off < n) {
    uint32_t rl = 0;
    size_t k = 1;
    for (;; k++) {
      if (k > 4 || off + k >= n) return 0;
      rl |= (uint32_t)(b[off + k] & 0x7F) << (7 * (k - 1));
      if (!(b[off + k] & 0x80)) break;
    }
    size_t body = off + k + 1;
    if ((b[off] >> 4) == MQS_CONNECT) {
      if (body + 2 > n) return 0;
      size_t name_len = (size_t)b[body] << 8 | b[body + 1];
      size_t lv = body + 2 + name_len;
      if (lv >= n || b[lv] < 3 || b[lv] > 5) return 0;
      *at = off;
      return b[lv];
    }
    if (rl > n - body) return 0;
    off = body + rl;
  }
  return 0;
}

static const char *version_name(int v) {
  return v == MQS_V31 ? "3.1" : v == MQS_V311 ? "3.1.1" : "5.0";
}

/* Print with one of the mqs_print* functions into a buffer that fits. */
typedef size_t (*packet_printer)(const mqs_packet *, mqs_version, char *, size_t);
typedef size_t (*violation_printer)(const mqs_violation *, char *, size_t);

static char *render(packet_printer pp, const mqs_packet *p, mqs_version v, violation_printer vp,
                    const mqs_violation *why, char *small, size_t cap) {
  size_t need = pp ? pp(p, v, small, cap) : vp(why, small, cap);
  if (need < cap) return small;
  char *big = malloc(need + 1);
  if (!big) return NULL;
  if (pp)
    pp(p, v, big, need + 1);
  else
    vp(why, big, need + 1);
  return big;
}

static void put_rendered(char *s, char *small) {
  fputs(s ? s : "(out of memory)", stdout);
  fputc('\n', stdout);
  if (s != small) free(s);
}

/* Up to 32 bytes of the packet at b[0..n) in hex, for a person to compare. */
static void show_bytes(const uint8_t *b, size_t n) {
  size_t total = 0, show;
  mqs_violation why;
  if (mqs_frame(b, n, &total, &why) != 0 || total > n) total = n;
  show = total < 32 ? total : 32;
  fputs("  bytes:", stdout);
  for (size_t i = 0; i < show; i++)
    printf(" %02x", b[i]);
  if (show < total) fputs(" ...", stdout);
  fputc('\n', stdout);
}

static int decode_stream(const decode_args *a, const uint8_t *b, size_t n) {
  char small[4096];
  size_t connect_at = 0, off = 0, count = 0;
  int level = first_connect_level(b, n, &connect_at);
  mqs_decode_opts o = {
      .version = a->version ? (mqs_version)a->version
                 : level    ? (mqs_version)level
                            : MQS_V5,
      .from = a->from,
      .max_packet_size = a->max_packet_size,
  };
  if (!a->json) {
    printf("# MQTT %s ", version_name(o.version));
    if (a->version)
      printf("(--v%s)\n", o.version == MQS_V31 ? "31" : o.version == MQS_V311 ? "311" : "5");
    else if (level)
      printf("(protocol level %d of the CONNECT at offset %zu)\n", level, connect_at);
    else
      printf("(default: no CONNECT in the input)\n");
  }
  while (off < n) {
    mqs_packet p;
    mqs_violation why;
    memset(&p, 0, sizeof p);
    memset(&why, 0, sizeof why);
    ssize_t r = mqs_decode_ex(b + off, n - off, &o, &p, &why);
    if (r > 0) {
      /* A CONNECT is printed by its own level, the rest by the stream's. */
      mqs_version pv = p.type == MQS_CONNECT && p.connect.level >= 3 && p.connect.level <= 5
                           ? (mqs_version)p.connect.level
                           : o.version;
      if (a->json) {
        printf("{\"offset\":%zu,\"length\":%zd,\"packet\":", off, r);
        char *s = render(mqs_print_json, &p, pv, NULL, NULL, small, sizeof small);
        fputs(s ? s : "null", stdout);
        fputs("}\n", stdout);
        if (s && s != small) free(s);
      } else {
        printf("@%zu len=%zd ", off, r);
        put_rendered(render(mqs_print, &p, pv, NULL, NULL, small, sizeof small), small);
      }
      off += (size_t)r;
      count++;
      continue;
    }
    if (r == MQS_INCOMPLETE) {
      size_t total = 0;
      mqs_violation fw;
      bool known = mqs_frame(b + off, n - off, &total, &fw) == 0 && total > n - off;
      if (a->json) {
        printf("{\"offset\":%zu,\"incomplete\":{\"have\":%zu,\"need\":", off, n - off);
        if (known)
          printf("%zu}}\n", total);
        else
          printf("null}}\n");
      } else {
        printf("incomplete packet at offset %zu: need more bytes", off);
        if (known)
          printf(" (have %zu of %zu)\n", n - off, total);
        else
          printf(" (have %zu, the fixed header is cut short)\n", n - off);
      }
      return MQS_EXIT_FAIL;
    }
    if (why.rule == MQS_RULE_NONE) { /* an error without a rule: should not happen */
      if (a->json)
        printf("{\"offset\":%zu,\"error\":\"%s\"}\n", off, mqs_errname((int)r));
      else
        printf("decode error at offset %zu: %s\n", off, mqs_strerror((int)r));
      return MQS_EXIT_FAIL;
    }
    why.offset += off;
    if (a->json) {
      printf("{\"offset\":%zu,\"violation\":", off);
      char *s = render(NULL, NULL, o.version, mqs_print_violation_json, &why, small, sizeof small);
      fputs(s ? s : "null", stdout);
      fputs("}\n", stdout);
      if (s && s != small) free(s);
    } else {
      put_rendered(render(NULL, NULL, o.version, mqs_print_violation, &why, small, sizeof small),
                   small);
      const char *tn = mqs_packet_type_name(b[off] >> 4);
      printf("  in %s%s at offset %zu, after %zu good packet%s\n", tn ? "the " : "a packet",
             tn ? tn : "", off, count, count == 1 ? "" : "s");
      show_bytes(b + off, n - off);
    }
    return MQS_EXIT_FAIL;
  }
  if (!a->json) printf("# %zu packet%s, %zu bytes\n", count, count == 1 ? "" : "s", n);
  return MQS_EXIT_OK;
}

int mqs_cmd_decode(int argc, char **argv) {
  decode_args a = {0};
  mqs_hexbuf bytes = {0};
  const char *name;
  int rc;
  if (!(a.hex = calloc((size_t)argc, sizeof *a.hex))) {
    fputs("mqspec decode: out of memory\n", stderr);
    return MQS_EXIT_USAGE;
  }
  if ((rc = parse_args(argc, argv, &a)) >= 0) goto done;
  if ((rc = load_input(&a, &bytes, &name)) != 0) goto done;
  if (bytes.len == 0) {
    fprintf(stderr, "mqspec decode: %s%sempty input: no bytes to decode\n", name ? name : "",
            name ? ": " : "");
    rc = MQS_EXIT_FAIL;
    goto done;
  }
  rc = decode_stream(&a, bytes.p, bytes.len);
  if (fflush(stdout) != 0) {
    fprintf(stderr, "mqspec decode: cannot write the output: %s\n", strerror(errno));
    rc = MQS_EXIT_USAGE;
  }
done:
  mqs_hexbuf_free(&bytes);
  free(a.hex);
  return rc;
}
