/* 6507 CPU. Owned by cpu.c. */
#ifndef ARCADE_CPU_H
#define ARCADE_CPU_H
#include <stdint.h>
struct Console;

typedef struct Cpu {
  uint16_t pc;
  uint8_t a, x, y, sp;
  uint8_t p;          /* status register NV-BDIZC */
  /* (cpu.c may add fields) */
} Cpu;

/* A=X=Y=0, SP=$FF, P=$20, PC = word at $FFFC (read through the bus). */
void cpu_reset(struct Console *c);
/* Runs up to maxInstructions instructions; returns early when c->stopCpu becomes set.
 * Clears c->stopCpu on entry. Returns the number of instructions executed. */
uint32_t cpu_run(struct Console *c, uint32_t maxInstructions);

#endif
