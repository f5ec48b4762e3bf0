/* fuzz/seedgen.c — seed inputs for every codec fuzz target, from the
 * codec's unit-test vectors and the example streams; run by
 * seed_from_tests.sh, which names the files by SHA-256.
 *
 *   seedgen OUTDIR [--vectors FILE.c...] [--streams FILE.hex...] [--topics FILE.c...]
 *
 * --vectors  every string literal (adjacent literals joined, as the
 *            compiler joins them) that parses as a test vector in the
 *            syntax of tests/codec/hex.h: hex pairs, spaces, '|', 'text'.
 * --streams  `mqspec decode -x` files: hex pairs, '#' comments.
 * --topics   the string literals of each innermost { ... } initializer:
 *            the first two become a filter/topic pair (fuzz_topic's format).
 *
 * Each vector or stream becomes a seed of fuzz_decode_v311, fuzz_decode_v5
 * (control byte 0x00: any direction, no options) and fuzz_print (decoded
 * as 3.1.1 and as 5.0); decoded, its property blocks become fuzz_props
 * seeds and its topic names and filters fuzz_topic pairs. Files are written
 * as OUTDIR/<target>/<n>; the order is the order of the inputs, so a run
 * is reproducible. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqs/codec.h"

#define MAX_LIT   (1 << 16)
#define MAX_NAMES 4096

static const char *outdir;
static unsigned long counter;

/* Topic names and filters seen, paired up at the end. */
static struct {
  uint8_t *p;
  size_t n;
} names[2][MAX_NAMES];
static size_t n_names[2];

static void emit(const char *target, uint8_t ctl, bool with_ctl, const uint8_t *p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", outdir, target);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/%s/%06lu", outdir, target, counter++);
  FILE *f = fopen(path, "wb");
  if (!f || (with_ctl && fputc(ctl, f) == EOF) || (n && fwrite(p, 1, n, f) != n) || fclose(f)) {
    fprintf(stderr, "seedgen: %s: %s\n", path, strerror(errno));
    exit(1);
  }
}

static void keep_name(int kind, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n_names[kind]; i++)
    if (names[kind][i].n == n && memcmp(names[kind][i].p, p, n) == 0) return;
  if (n_names[kind] == MAX_NAMES) return;
  uint8_t *c = malloc(n + 1);
  if (!c) exit(1);
  memcpy(c, p, n);
  names[kind][n_names[kind]].p = c;
  names[kind][n_names[kind]++].n = n;
}

static void emit_props(const mqs_props *pr) {
  if (!pr->raw.p) return;
  size_t vl = pr->raw.len < 128 ? 1 : pr->raw.len < 16384 ? 2 : pr->raw.len < 2097152 ? 3 : 4;
  emit("fuzz_props", 0, false, pr->raw.p - vl, vl + pr->raw.len);
}

/* Property blocks, topic names and filters of every packet in the stream. */
static void harvest(const uint8_t *p, size_t n, mqs_version v) {
  size_t pos = 0;
  while (pos < n) {
    mqs_packet k;
    mqs_violation why;
    ssize_t rc = mqs_decode(p + pos, n - pos, v, &k, &why);
    if (rc <= 0) {
      size_t total;
      if (rc == MQS_INCOMPLETE || mqs_frame(p + pos, n - pos, &total, &why) != 0) return;
      pos += total;
      continue;
    }
    pos += (size_t)rc;
    switch (k.type) {
    case MQS_CONNECT:
      emit_props(&k.connect.props);
      emit_props(&k.connect.will_props);
      if (k.connect.will_topic.p) keep_name(1, k.connect.will_topic.p, k.connect.will_topic.len);
      break;
    case MQS_PUBLISH:
      emit_props(&k.publish.props);
      keep_name(1, k.publish.topic.p, k.publish.topic.len);
      break;
    case MQS_SUBSCRIBE:
    case MQS_UNSUBSCRIBE: {
      emit_props(&k.subscribe.props);
      uint32_t cur = 0;
      mqs_sub s;
      while (mqs_sub_next(&k.subscribe, &cur, &s))
        keep_name(0, s.filter.p, s.filter.len);
      break;
    }
    case MQS_CONNACK: emit_props(&k.connack.props); break;
    case MQS_SUBACK:
    case MQS_UNSUBACK: emit_props(&k.suback.props); break;
    case MQS_DISCONNECT:
    case MQS_AUTH: emit_props(&k.disconnect.props); break;
    case MQS_PUBACK:
    case MQS_PUBREC:
    case MQS_PUBREL:
    case MQS_PUBCOMP: emit_props(&k.ack.props); break;
    default: break;
    }
  }
}

static void emit_stream(const uint8_t *p, size_t n) {
  emit("fuzz_decode_v311", 0x00, true, p, n);
  emit("fuzz_decode_v5", 0x00, true, p, n);
  emit("fuzz_print", 0x00, true, p, n); /* 3.1.1 */
  emit("fuzz_print", 0x01, true, p, n); /* 5.0 */
  harvest(p, n, MQS_V311);
  harvest(p, n, MQS_V5);
}

static int nibble(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* tests/codec/hex.h syntax; -1 when s is not a vector. */
static long parse_vector(const char *s, size_t len, uint8_t *out) {
  size_t n = 0, pairs = 0;
  for (size_t i = 0; i < len;) {
    char c = s[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '|') {
      i++;
    } else if (c == '\'') {
      for (i++; i < len && s[i] != '\''; i++)
        out[n++] = (uint8_t)s[i];
      if (i++ >= len) return -1;
    } else if (i + 1 < len && nibble(c) >= 0 && nibble(s[i + 1]) >= 0) {
      out[n++] = (uint8_t)(nibble(c) << 4 | nibble(s[i + 1]));
      pairs++;
      i += 2;
    } else {
      return -1;
    }
  }
  return n >= 2 && pairs > 0 ? (long)n : -1;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "seedgen: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
    if ((n += got) == cap) buf = realloc(buf, (cap *= 2) + 1);
  fclose(f);
  if (!buf) exit(1);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* One C string literal at s[*i] (on the opening quote) appended to out. */
static void c_literal(const char *s, size_t len, size_t *i, char *out, size_t *n) {
  for ((*i)++; *i < len && s[*i] != '"'; (*i)++) {
    char c = s[*i];
    if (c == '\\' && *i + 1 < len) {
      c = s[++*i];
      if (c == 'n')
        c = '\n';
      else if (c == 't')
        c = '\t';
      else if (c == 'r')
        c = '\r';
      else if (c == 'x') {
        int v = 0;
        while (*i + 1 < len && nibble(s[*i + 1]) >= 0)
          v = v * 16 + nibble(s[++*i]);
        c = (char)v;
      } else if (c >= '0' && c <= '7') {
        int v = c - '0';
        for (int k = 0; k < 2 && *i + 1 < len && s[*i + 1] >= '0' && s[*i + 1] <= '7'; k++)
          v = v * 8 + (s[++*i] - '0');
        c = (char)v;
      }
    }
    if (*n < MAX_LIT) out[(*n)++] = c;
  }
  (*i)++;
}

typedef void (*literal_fn)(const char *lit, size_t n, int group_end, void *arg);

/* Walk a C file: comments and character constants skipped, adjacent
 * string literals joined; fn gets each literal, and group_end 1 at the
 * '}' that closes the initializer it was in. */
static void c_literals(const char *s, size_t len, literal_fn fn, void *arg) {
  static char lit[MAX_LIT];
  size_t n = 0;
  bool open = false;
  for (size_t i = 0; i < len;) {
    if (s[i] == '/' && i + 1 < len && s[i + 1] == '/') {
      while (i < len && s[i] != '\n')
        i++;
    } else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
      char *end = strstr(s + i + 2, "*/");
      i = end ? (size_t)(end - s) + 2 : len;
    } else if (s[i] == '"') {
      c_literal(s, len, &i, lit, &n);
      open = true;
    } else if (s[i] == '\'') {
      for (i++; i < len && s[i] != '\''; i++)
        if (s[i] == '\\') i++;
      i++;
    } else if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\\' || s[i] == '\r') {
      i++;
    } else {
      if (open) fn(lit, n, 0, arg);
      open = false;
      n = 0;
      if (s[i] == '}') fn(NULL, 0, 1, arg);
      i++;
    }
  }
}

static void on_vector(const char *lit, size_t n, int group_end, void *arg) {
  (void)arg;
  static uint8_t bytes[MAX_LIT];
  if (group_end) return;
  long k = parse_vector(lit, n, bytes);
  if (k > 0) emit_stream(bytes, (size_t)k);
}

/* Literals of the current initializer group, for --topics. */
static struct {
  char *s[2];
  size_t n[2];
  int count;
} group;

static void on_topic(const char *lit, size_t n, int group_end, void *arg) {
  (void)arg;
  if (!group_end) {
    if (group.count < 2) {
      group.s[group.count] = malloc(n + 1);
      if (!group.s[group.count]) exit(1);
      memcpy(group.s[group.count], lit, n);
      group.n[group.count++] = n;
    }
    return;
  }
  if (group.count > 0) {
    uint8_t buf[2 * MAX_LIT + 1];
    size_t k = group.n[0];
    memcpy(buf, group.s[0], k);
    if (group.count > 1) {
      buf[k++] = 0;
      memcpy(buf + k, group.s[1], group.n[1]);
      k += group.n[1];
    }
    emit("fuzz_topic", 0, false, buf, k);
  }
  for (int j = 0; j < group.count; j++)
    free(group.s[j]);
  group.count = 0;
}

static void hex_stream_file(const char *path) {
  size_t len, n = 0;
  char *s = slurp(path, &len);
  uint8_t *out = malloc(len / 2 + 1);
  if (!out) exit(1);
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '#') {
      while (i < len && s[i] != '\n')
        i++;
    } else if (nibble(s[i]) >= 0 && i + 1 < len && nibble(s[i + 1]) >= 0) {
      out[n++] = (uint8_t)(nibble(s[i]) << 4 | nibble(s[i + 1]));
      i++;
    }
  }
  if (n) emit_stream(out, n);
  free(out);
  free(s);
}

/* Filters and names seen in packets, paired round-robin: each appears in
 * at least one pair, and the count stays linear. */
static void emit_topic_pairs(void) {
  size_t nf = n_names[0], nt = n_names[1], m = nf > nt ? nf : nt;
  if (!nf || !nt) return;
  for (size_t i = 0; i < m; i++) {
    size_t a = names[0][i % nf].n, b = names[1][i % nt].n;
    uint8_t *buf = malloc(a + b + 1);
    if (!buf) exit(1);
    memcpy(buf, names[0][i % nf].p, a);
    buf[a] = 0;
    memcpy(buf + a + 1, names[1][i % nt].p, b);
    emit("fuzz_topic", 0, false, buf, a + b + 1);
    free(buf);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seedgen OUTDIR [--vectors F.c...] [--streams F.hex...] "
                    "[--topics F.c...]\n");
    return 2;
  }
  outdir = argv[1];
  mkdir(outdir, 0777);
  const char *mode = "--vectors";
  for (int i = 2; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) == 0) {
      mode = argv[i];
      continue;
    }
    if (strcmp(mode, "--streams") == 0) {
      hex_stream_file(argv[i]);
      continue;
    }
    size_t len;
    char *s = slurp(argv[i], &len);
    c_literals(s, len, strcmp(mode, "--topics") == 0 ? on_topic : on_vector, NULL);
    free(s);
  }
  emit_topic_pairs();
  return 0;
}
