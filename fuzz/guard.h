/* fuzz/guard.h — buffers whose last byte is the last byte of a global.
 *
 * The checks copy packets and encode into buffers of exactly the size they
 * need, so that a read or write one byte too far is an ASan report. A heap
 * buffer per packet did that, at the cost of a malloc and free per check,
 * which ASan makes slow; a slice that ends where a large static array ends
 * does the same for free, as ASan puts a redzone after every global (the
 * codec tests put their inputs before a PROT_NONE page, for the same end). */
#ifndef MQS_FUZZ_GUARD_H
#define MQS_FUZZ_GUARD_H

#include <stddef.h>
#include <stdint.h>

typedef enum { GUARD_INPUT, GUARD_OUTPUT, GUARD_SLOTS } fuzz_guard_slot;

/* n bytes ending at the end of the slot's array; the previous contents of
 * the slot are gone. Above the array's size (1 MiB) the bytes come from the
 * heap instead: give them back with fuzz_guard_done. */
uint8_t *fuzz_guard_room(fuzz_guard_slot slot, size_t n);
/* The same, holding a copy of p[0..n). */
uint8_t *fuzz_guard_copy(fuzz_guard_slot slot, const uint8_t *p, size_t n);
void fuzz_guard_done(fuzz_guard_slot slot, uint8_t *p);

#endif
