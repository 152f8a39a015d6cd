/* memset/memcpy/memmove for the freestanding wasm build: the compiler may emit calls to
 * them for struct copies. With -mbulk-memory these lower to memory.fill / memory.copy. */
#ifdef ARCADE_WASM
#include <stddef.h>
void *memset(void *d, int c, size_t n) { __builtin_memset(d, c, n); return d; }
void *memcpy(void *d, const void *s, size_t n) { __builtin_memcpy(d, s, n); return d; }
void *memmove(void *d, const void *s, size_t n) { __builtin_memmove(d, s, n); return d; }
#else
typedef int arcade_libc_shim_unused;
#endif
