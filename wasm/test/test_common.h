/* Shared helpers for the chip unit tests (native only): a check counter and a fake TIA.
 *
 * The fake TIA is defined with weak symbols so these tests link against libarcade.a whether or
 * not the real tia.c is in it: a weakly defined symbol in the test object keeps the linker from
 * pulling the archive's tia.o, so the tests see a TIA whose reads and writes they control. */
#ifndef ARCADE_TEST_COMMON_H
#define ARCADE_TEST_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "console.h"

static int g_pass, g_fail;
#define CHECK(cond, ...) do { if (cond) g_pass++; else { g_fail++; \
  printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define CHECK_EQ(got, want, what) do { long long g_ = (long long)(got), w_ = (long long)(want); \
  CHECK(g_ == w_, "%s: got %lld ($%llx), want %lld ($%llx)", what, g_, (unsigned long long)g_, w_, \
        (unsigned long long)w_); } while (0)

static int test_finish(const char *name) {
  printf("%s: %d passed, %d failed\n", name, g_pass, g_fail);
  return g_fail ? 1 : 0;
}

/* ---- fake TIA -------------------------------------------------------------------------- */
typedef struct FakeTiaWrite { uint16_t addr; uint8_t value; uint32_t cycles; } FakeTiaWrite;
static struct {
  uint8_t readValue[16];          /* value returned for reads of register (addr & 15) */
  FakeTiaWrite log[4096];
  uint32_t nlog;
  uint32_t reads;
  uint16_t lastReadAddr;
  uint32_t lastReadCycles;
  uint16_t stopAddr;              /* a write to this exact address sets c->stopCpu (0 = never) */
  uint32_t resets, cycleResets;
} g_tia;

__attribute__((weak)) void tia_reset(Console *c) { (void)c; g_tia.resets++; }
__attribute__((weak)) void tia_cycles_reset(Console *c) { (void)c; g_tia.cycleResets++; }
__attribute__((weak)) uint8_t tia_peek(Console *c, uint16_t addr) {
  g_tia.reads++;
  g_tia.lastReadAddr = addr;
  g_tia.lastReadCycles = c->cycles;
  return g_tia.readValue[addr & 15];
}
__attribute__((weak)) void tia_poke(Console *c, uint16_t addr, uint8_t value) {
  if (g_tia.nlog < sizeof g_tia.log / sizeof g_tia.log[0])
    g_tia.log[g_tia.nlog++] = (FakeTiaWrite){addr, value, c->cycles};
  if (g_tia.stopAddr && addr == g_tia.stopAddr) c->stopCpu = 1;
}

static __attribute__((unused)) void fake_tia_clear(void) { memset(&g_tia, 0, sizeof g_tia); }

/* A zeroed console on the heap (the Tia struct holds two frame buffers). */
static __attribute__((unused)) Console *new_console(void) {
  Console *c = calloc(1, sizeof *c);
  if (!c) { printf("out of memory\n"); exit(2); }
  return c;
}

static __attribute__((unused)) uint8_t *read_file_bytes(const char *path, uint32_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
  fclose(f);
  *size = (uint32_t)n;
  return buf;
}

#endif
