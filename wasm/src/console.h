/* The whole emulated machine: one struct, no heap pointers except the ROM image, so that
 * cloneState/restoreState are plain copies. Each chip owns its own state struct and source
 * file (cpu.c, tia.c, riot.c, cart.c), mirroring the hardware split. */
#ifndef ARCADE_CONSOLE_H
#define ARCADE_CONSOLE_H
#include <stdint.h>
#include "rng.h"
#include "cpu.h"
#include "riot.h"
#include "tia.h"
#include "cart.h"

typedef struct Console {
  Cpu cpu;
  Riot riot;
  Tia tia;
  Cart cart;
  Mt19937 rng;        /* system RNG: power-on RAM, RIOT timer, cartridge RAM (ALE_FACTS 3/4) */
  uint32_t cycles;    /* CPU cycles since the last console_reset_cycles() (every frame start) */
  uint8_t dataBus;    /* last value driven on the data bus (TIA reads fill bits 0-5 from it) */
  uint8_t stopCpu;    /* set by the TIA when a frame ends; cpu_run() returns when it is set */

  /* Inputs, set by the ALE layer before each frame and constant during it. */
  uint8_t swcha;      /* RIOT port A pins as read by the CPU (1 = released) */
  uint8_t swchb;      /* console switches (ALE_FACTS 8) */
  uint8_t inpt4;      /* 0x80 = player A fire released, 0x00 = pressed */
  uint8_t inpt5;      /* same for player B */
  int32_t resistance[4]; /* INPT0..3 paddle resistances; PADDLE_NONE = nothing connected */
} Console;

#define PADDLE_NONE 0x7FFFFFFF

/* The 6507 address bus (13 lines): decode to TIA / RIOT RAM / RIOT I/O / cartridge.
 * Every access updates c->dataBus.
 *
 * Chips see the full 16-bit CPU address (the FE cartridge decodes A13, which the 6507 does not
 * even have, exactly as the reference does), and the selection uses A12 (cartridge), A7 (0 =
 * TIA, 1 = RIOT). Every access leaves its value on the data bus, which TIA reads use for their
 * undriven low bits. Inline because every TIA/RIOT register access of the CPU goes through here. */
static inline uint8_t bus_peek(Console *c, uint16_t addr) {
  uint8_t v;
  if (addr & 0x1000) v = cart_peek(c, addr);
  else if (addr & 0x0080) v = riot_peek(c, addr);
  else v = tia_peek(c, addr);   /* the TIA sees the previous bus value in c->dataBus */
  c->dataBus = v;
  return v;
}

static inline void bus_poke(Console *c, uint16_t addr, uint8_t value) {
  if (addr & 0x1000) cart_poke(c, addr, value);
  else if (addr & 0x0080) riot_poke(c, addr, value);
  else tia_poke(c, addr, value);
  c->dataBus = value;
}

/* System reset (ALE_FACTS 4): cycles := 0, then RIOT, TIA, cartridge reset, then the CPU. */
void console_system_reset(Console *c);
/* Ask every chip to rebase its stored cycle stamps, then cycles := 0 (called by the TIA at frame start). */
void console_reset_cycles(Console *c);

#endif
