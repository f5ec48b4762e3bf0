/* fuzz/replay_main.c — a main() for fuzz targets built without a fuzzing
 * engine (gcc, the dev and asan presets): runs every file named on the
 * command line, and every file in every directory named, through
 * LLVMFuzzerTestOneInput once. ctest runs it over corpus/<target>/ (label
 * fuzz-regress), so every seed and every crash ever found is replayed under
 * ASan and UBSan on each build, as SQLite replays its fuzz corpora.
 *
 *   replay_<target> [-mutate=N] [-v] FILE|DIR...
 *
 * Each input is copied to a heap buffer of exactly its size, so a read past
 * the end is an ASan report here as under libFuzzer. A directory with no
 * input is an error: a regression test that replays nothing checks
 * nothing. -mutate=N also runs the target's LLVMFuzzerCustomMutator N times
 * on each input (if it has one), checking that it stays within max_size,
 * gives the same output for the same seed, and that the target survives
 * what it makes. Exit status 0 when every input ran. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Optional entry points: a target may define them, the driver calls them
 * when it does. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
__attribute__((weak)) size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                                                     unsigned int seed);

static unsigned mutate_rounds;
static int verbose;
static unsigned long n_inputs, n_mutants;

/* libFuzzer's LLVMFuzzerMutate for the custom mutator's fallback: a few
 * byte-level edits from a fixed-seed generator, deterministic per run. */
static uint32_t stand_in_state = 0x12345678u;

static uint32_t stand_in_rand(void) {
  uint32_t x = stand_in_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return stand_in_state = x;
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) {
  if (max_size == 0) return 0;
  switch (stand_in_rand() % 4) {
  case 0: /* flip a bit */
    if (size) data[stand_in_rand() % size] ^= (uint8_t)(1u << (stand_in_rand() % 8));
    return size;
  case 1: /* insert a byte */
    if (size < max_size) {
      size_t at = stand_in_rand() % (size + 1);
      memmove(data + at + 1, data + at, size - at);
      data[at] = (uint8_t)stand_in_rand();
      return size + 1;
    }
    return size;
  case 2: /* erase a byte */
    if (size > 1) {
      size_t at = stand_in_rand() % size;
      memmove(data + at, data + at + 1, size - at - 1);
      return size - 1;
    }
    return size;
  default: /* a random byte */
    if (size) data[stand_in_rand() % size] = (uint8_t)stand_in_rand();
    return size;
  }
}

static void run_one(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy) abort();
  if (size) memcpy(copy, data, size);
  LLVMFuzzerTestOneInput(copy, size);
  free(copy);
}

static void mutate(const char *path, const uint8_t *data, size_t size) {
  size_t max = size * 2 + 64;
  uint8_t *a = malloc(max), *b = malloc(max);
  if (!a || !b) abort();
  for (unsigned seed = 1; seed <= mutate_rounds; seed++) {
    memcpy(a, data, size);
    memcpy(b, data, size);
    uint32_t state = stand_in_state;
    size_t na = LLVMFuzzerCustomMutator(a, size, max, seed);
    stand_in_state = state; /* the fallback must replay the same way too */
    size_t nb = LLVMFuzzerCustomMutator(b, size, max, seed);
    if (na > max) {
      fprintf(stderr, "%s: seed %u: mutator returned %zu bytes, max %zu\n", path, seed, na, max);
      abort();
    }
    if (na != nb || memcmp(a, b, na) != 0) {
      fprintf(stderr, "%s: seed %u: mutator is not deterministic\n", path, seed);
      abort();
    }
    run_one(a, na);
    n_mutants++;
  }
  free(a);
  free(b);
}

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    fprintf(stderr, "%s: read error\n", path);
    free(buf);
    return -1;
  }
  if (verbose) fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
  run_one(buf, n);
  n_inputs++;
  if (mutate_rounds && LLVMFuzzerCustomMutator) mutate(path, buf, n);
  free(buf);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files in sorted order, so a failure reproduces the same way; names
 * starting with '.' are skipped (editor and merge leftovers). */
static int run_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "%s: %s\n", dir, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
    if (!names || !(names[n++] = strdup(e->d_name))) abort();
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  int rc = 0;
  unsigned long before = n_inputs;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(len);
    if (!path) abort();
    snprintf(path, len, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && run_file(path) != 0) rc = -1;
    free(path);
    free(names[i]);
  }
  free(names);
  if (n_inputs == before) {
    fprintf(stderr, "%s: no inputs to replay (see fuzz/README.md: seeding a corpus)\n", dir);
    return -1;
  }
  return rc;
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  int rc = 0, paths = 0;
  for (int i = 1; i < argc; i++) { /* options first, wherever they are */
    if (strncmp(argv[i], "-mutate=", 8) == 0)
      mutate_rounds = (unsigned)strtoul(argv[i] + 8, NULL, 10);
    else if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
  }
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-') continue;
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
      rc = 1;
      continue;
    }
    paths++;
    if ((S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i])) != 0) rc = 1;
  }
  if (!paths) {
    fprintf(stderr, "usage: %s [-mutate=N] [-v] FILE|DIR...\n", argv[0]);
    return 2;
  }
  printf("%s: %lu inputs replayed", argv[0], n_inputs);
  if (n_mutants) printf(", %lu mutants", n_mutants);
  printf("\n");
  return rc;
}
