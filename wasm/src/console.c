/* System-wide reset and cycle bookkeeping of the 2600 (the address decoding, bus_peek and
 * bus_poke, is inline in console.h). */
#include "console.h"

void console_reset_cycles(Console *c) {
  /* Chips rebase their stamps while c->cycles still holds the old count. */
  riot_cycles_reset(c);
  tia_cycles_reset(c);
  cart_cycles_reset(c);
  c->cycles = 0;
}

void console_system_reset(Console *c) {
  console_reset_cycles(c);
  riot_reset(c);
  tia_reset(c);
  cart_reset(c);
  cpu_reset(c);
}
