/* 6532 RIOT: 128 bytes RAM, interval timer, I/O ports. Owned by riot.c. */
#ifndef ARCADE_RIOT_H
#define ARCADE_RIOT_H
#include <stdint.h>
struct Console;

typedef struct Riot {
  uint8_t ram[128];
  /* (riot.c adds timer and port state) */
} Riot;

void riot_power_on(struct Console *c);   /* draws 128 RNG numbers for RAM */
void riot_reset(struct Console *c);      /* timer draw, DDRs cleared; RAM kept */
uint8_t riot_peek(struct Console *c, uint16_t addr);
void riot_poke(struct Console *c, uint16_t addr, uint8_t value);
void riot_cycles_reset(struct Console *c);

#endif
