/* 6532 RIOT: 128 bytes RAM, interval timer, I/O ports. Owned by riot.c.
 * Matches the reference's M6532 (Stella 2.4 in ALE 0.12), including how it derives INTIM and
 * TIMINT from cycle stamps rather than counting down. */
#ifndef ARCADE_RIOT_H
#define ARCADE_RIOT_H
#include <stdint.h>
struct Console;

typedef struct Riot {
  uint8_t ram[128];
  uint32_t timer;                  /* value last written to TIM1T/TIM8T/TIM64T/T1024T */
  uint32_t intervalShift;          /* log2 of the prescaler: 0, 3, 6 or 10 */
  int32_t cyclesWhenTimerSet;      /* Console.cycles at that write (rebased every frame) */
  int32_t cyclesWhenInterruptReset;/* Console.cycles of the first INTIM read after underflow */
  uint8_t timerReadAfterInterrupt; /* INTIM has been read after the underflow */
  uint8_t ddra, ddrb;              /* data direction registers (DDRB writes are ignored, as in the reference) */
} Riot;

/* Power-on, as the reference's RIOT constructor: 128 draws from c->rng for RAM (byte i = low
 * 8 bits of draw i), then riot_reset() (one more draw). 129 draws in all (ALE_FACTS 3). */
void riot_power_on(struct Console *c);
/* One RNG draw: timer = 25 + draw % 75 with prescaler 64, timer stamps 0, interrupt-read flag
 * cleared, DDRA = DDRB = 0. RAM kept. */
void riot_reset(struct Console *c);
/* Any address with A12=0, A7=1: A9=0 selects RAM ($80-$FF mirrors), A9=1 the I/O registers
 * (decoded by A0-A2 for reads, as the reference). */
uint8_t riot_peek(struct Console *c, uint16_t addr);
void riot_poke(struct Console *c, uint16_t addr, uint8_t value);
/* Rebase stored cycle stamps before Console.cycles goes back to 0 (called with cycles still set). */
void riot_cycles_reset(struct Console *c);

#endif
