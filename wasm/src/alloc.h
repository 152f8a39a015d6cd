/* A small first-fit allocator over the wasm heap (from __heap_base, growing linear memory on
 * demand), so JS can create and destroy many emulators in one instance. Natively it manages a
 * fixed static arena (tests). Thread-safe with a spin lock (the memory is shared). */
#ifndef ARCADE_ALLOC_H
#define ARCADE_ALLOC_H
#include <stdint.h>
#include <stddef.h>
void *arcade_alloc(size_t n);      /* 16-byte aligned, zero-filled; 0 when out of memory */
void arcade_free(void *p);         /* p from arcade_alloc or 0 */
size_t arcade_heap_used(void);     /* bytes in live blocks (headers included) */
#endif
