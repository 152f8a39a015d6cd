/* 6507 CPU. Owned by cpu.c.
 * Behaves like the reference's "low compatibility" 6502 core: instruction-granular timing (the
 * opcode's base cycle count is added to Console.cycles right after the opcode fetch, before any
 * operand or data access; page-cross and taken-branch extras are added where that core adds
 * them), the same undocumented opcodes, the same decimal-mode arithmetic, and the same dummy
 * bus accesses (they matter for bank-switch hotspots). */
#ifndef ARCADE_CPU_H
#define ARCADE_CPU_H
#include <stdint.h>
struct Console;

typedef struct Cpu {
  uint16_t pc;
  uint8_t a, x, y, sp;
  uint8_t p;          /* status register NV-BDIZC; bits 5 (unused) and 4 (B) always read 1 on a 6507 */
  uint8_t jammed;     /* a KIL/JAM opcode ran: like the reference, the CPU executes nothing more until
                         cpu_reset() (cpu_run returns 0 at once; the frame then ends as partial) */
  uint8_t lastOpcode; /* opcode of the last instruction executed (debugging aid) */
} Cpu;

/* A=X=Y=0, SP=$FF, P=$30 (the reference sets $20 and its B flag always reads 1),
 * clears jammed and c->stopCpu, PC = word at $FFFC/$FFFD read through the bus (low byte first). */
void cpu_reset(struct Console *c);
/* Runs up to maxInstructions instructions; returns early when c->stopCpu becomes set.
 * Clears c->stopCpu on entry. Returns the number of instructions executed. */
uint32_t cpu_run(struct Console *c, uint32_t maxInstructions);

#endif
