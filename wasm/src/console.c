/* Address decoding of the 2600 and the system-wide reset/cycle bookkeeping.
 *
 * The 6507 drives 13 address lines; chips see the full 16-bit CPU address (the FE cartridge
 * decodes A13, which the 6507 does not even have, exactly as the reference does), and the
 * selection uses A12 (cartridge), A7 (0 = TIA, 1 = RIOT). Every access leaves its value on
 * the data bus, which TIA reads use for their undriven low bits. */
#include "console.h"

uint8_t bus_peek(Console *c, uint16_t addr) {
  uint8_t v;
  if (addr & 0x1000) v = cart_peek(c, addr);
  else if (addr & 0x0080) v = riot_peek(c, addr);
  else v = tia_peek(c, addr);   /* the TIA sees the previous bus value in c->dataBus */
  c->dataBus = v;
  return v;
}

void bus_poke(Console *c, uint16_t addr, uint8_t value) {
  if (addr & 0x1000) cart_poke(c, addr, value);
  else if (addr & 0x0080) riot_poke(c, addr, value);
  else tia_poke(c, addr, value);
  c->dataBus = value;
}

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
