/* See alloc.h. Blocks are laid out back to back from the heap start; each starts with a
 * 16-byte header holding its total size and a free flag, so walking the heap is a matter of
 * adding sizes. Allocation takes the first free block that fits (splitting off the rest),
 * merging runs of free blocks on the way; when none fits the heap is extended. */
#include "alloc.h"
#include "util.h"

#define ALIGN 16u
#define HDR 16u

typedef struct Block { uint32_t size; uint32_t free; uint32_t pad[2]; } Block;

static uintptr_t heapStart, heapEnd;   /* [start, end) holds blocks */
static int lockWord;

#ifdef ARCADE_WASM
extern unsigned char __heap_base;
static void heap_bounds_init(void) {
  heapStart = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
  heapEnd = heapStart;
}
/* Makes sure linear memory reaches `end`; returns 0 when it cannot grow. */
static int ensure_memory(uintptr_t end) {
  uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
  if (end <= have) return 1;
  uintptr_t pages = (end - have + 65535u) / 65536u;
  return __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
}
#else
#define NATIVE_ARENA (64u << 20)
static _Alignas(16) unsigned char arena[NATIVE_ARENA];
static void heap_bounds_init(void) { heapStart = heapEnd = (uintptr_t)arena; }
static int ensure_memory(uintptr_t end) { return end <= (uintptr_t)arena + NATIVE_ARENA; }
#endif

static void lock(void) { while (__atomic_exchange_n(&lockWord, 1, __ATOMIC_ACQUIRE)) {} }
static void unlock(void) { __atomic_store_n(&lockWord, 0, __ATOMIC_RELEASE); }

void *arcade_alloc(size_t n) {
  if (n > 0x7FFF0000u) return 0;
  uint32_t need = (uint32_t)((n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1));
  void *result = 0;
  lock();
  if (!heapStart) heap_bounds_init();
  uintptr_t p = heapStart;
  while (p < heapEnd) {
    Block *b = (Block *)p;
    if (b->free) {
      /* merge following free blocks into this one */
      uintptr_t q = p + b->size;
      while (q < heapEnd && ((Block *)q)->free) { b->size += ((Block *)q)->size; q = p + b->size; }
      if (b->size >= need) {
        if (b->size - need >= HDR + ALIGN) {
          Block *rest = (Block *)(p + need);
          rest->size = b->size - need;
          rest->free = 1;
          b->size = need;
        }
        b->free = 0;
        result = (void *)(p + HDR);
        break;
      }
    }
    p += b->size;
  }
  if (!result) {
    /* Nothing fits: append a block at the end of the heap. */
    uintptr_t start = heapEnd;
    if (ensure_memory(start + need)) {
      Block *b = (Block *)start;
      b->size = need;
      b->free = 0;
      heapEnd = start + need;
      result = (void *)(start + HDR);
    }
  }
  unlock();
  if (result) mem_set(result, 0, ((Block *)((uintptr_t)result - HDR))->size - HDR);
  return result;
}

void arcade_free(void *ptr) {
  if (!ptr) return;
  lock();
  uintptr_t p = (uintptr_t)ptr - HDR;
  if (p >= heapStart && p < heapEnd) {
    Block *b = (Block *)p;
    b->free = 1;
    /* Give a trailing run of free blocks back to the unused end of the heap. */
    uintptr_t q = heapStart, lastUsedEnd = heapStart;
    while (q < heapEnd) {
      Block *c = (Block *)q;
      if (!c->free) lastUsedEnd = q + c->size;
      q += c->size;
    }
    heapEnd = lastUsedEnd;
  }
  unlock();
}

size_t arcade_heap_used(void) {
  size_t used = 0;
  lock();
  for (uintptr_t q = heapStart; q && q < heapEnd; q += ((Block *)q)->size)
    if (!((Block *)q)->free) used += ((Block *)q)->size;
  unlock();
  return used;
}
