/* harness/arena.h — a bump allocator: many small allocations, one free.
 *
 * A loaded scenario (its node tree, matchers, strings) lives in one arena
 * and dies with it; the engine builds each packet it sends in a scratch
 * arena that it resets after the write. Nothing is freed one by one. */
#ifndef MQS_ARENA_H
#define MQS_ARENA_H

#include <stddef.h>

typedef struct mqs_arena_chunk mqs_arena_chunk;

typedef struct {
  mqs_arena_chunk *head; /* the chunk being filled; older ones follow */
} mqs_arena;

/* n zeroed bytes aligned for any type, or NULL when out of memory. */
void *mqs_arena_alloc(mqs_arena *a, size_t n);
/* A NUL-terminated copy of s[0..n) (which may hold NULs), or NULL. */
char *mqs_arena_strndup(mqs_arena *a, const char *s, size_t n);
/* Forget every allocation but keep the first chunk for reuse. */
void mqs_arena_reset(mqs_arena *a);
void mqs_arena_free(mqs_arena *a);

#endif
