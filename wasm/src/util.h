/* Freestanding helpers: the wasm build has no libc. */
#ifndef ARCADE_UTIL_H
#define ARCADE_UTIL_H
#include <stddef.h>
#include <stdint.h>

static inline void mem_set(void *dst, int v, size_t n) { __builtin_memset(dst, v, n); }
static inline void mem_copy(void *dst, const void *src, size_t n) { __builtin_memcpy(dst, src, n); }

#ifdef ARCADE_WASM
#define WASM_EXPORT(name) __attribute__((export_name(name)))
#else
#define WASM_EXPORT(name)
#endif

#endif
