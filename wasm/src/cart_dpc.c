/* DPC (Pitfall II, Stella's CartDPC): two 4K banks switched by $1FF8/$1FF9, 2K of display ROM
 * read through eight data fetchers ($1000-$103F reads, $1040-$107F writes), three of which can
 * run as music generators, and an 8-bit random number generator.
 *
 * The reference maps the cartridge in 64-byte pages: pages without hotspots are read directly
 * from the ROM, the others (and every write) go through the DPC handler. That difference is
 * observable, since only accesses that reach the handler clock the random number generator,
 * so the page ranges are reproduced here. */
#include "cart_scheme.h"

static int detect_dpc(const uint8_t *img, uint32_t size) { return size == 10495 || size == 10496 || size == 10240; }

/* Shift register: new bit 0 = NOT(b7 ^ b5 ^ b4 ^ b3). */
static inline void dpc_clock_random(Cart *k) {
  uint8_t r = k->dpcRandom;
  uint8_t fb = (uint8_t)(((r >> 7) ^ (r >> 5) ^ (r >> 4) ^ (r >> 3)) & 1);
  k->dpcRandom = (uint8_t)((r << 1) | (fb ^ 1));
}

/* Music fetchers 5-7 count down at the 15.75 kHz oscillator, brought up to date lazily from the
 * CPU cycles elapsed since the previous update (double precision, as the reference). */
static void dpc_update_music(Console *c) {
  Cart *k = &c->cart;
  int32_t cycles = (int32_t)(c->cycles - (uint32_t)k->dpcSystemCycles);
  k->dpcSystemCycles = (int32_t)c->cycles;
  double clocks = ((15750.0 * cycles) / 1193191.66666667) + k->dpcFractionalClocks;
  int32_t whole = (int32_t)clocks;
  k->dpcFractionalClocks = clocks - (double)whole;
  if (whole <= 0) return;

  for (int x = 5; x <= 7; x++) {
    if (!k->dpcMusicMode[x - 5]) continue;
    int32_t top = (int32_t)k->dpcTops[x] + 1;
    int32_t low = (int32_t)(k->dpcCounters[x] & 0x00ff);
    if (k->dpcTops[x] != 0) {
      low -= whole % top;
      if (low < 0) low += top;
    } else {
      low = 0;
    }
    if (low <= k->dpcBottoms[x]) k->dpcFlags[x] = 0x00;
    else if (low <= k->dpcTops[x]) k->dpcFlags[x] = 0xff;
    k->dpcCounters[x] = (uint16_t)((k->dpcCounters[x] & 0x0700) | (uint16_t)low);
  }
}

static uint8_t dpc_read_fetcher(Console *c, uint16_t a) {
  Cart *k = &c->cart;
  const uint8_t *display = k->image + 8192;
  uint32_t i = a & 0x07;
  uint32_t fn = (a >> 3) & 0x07;
  uint8_t result = 0;

  if ((k->dpcCounters[i] & 0x00ff) == k->dpcTops[i]) k->dpcFlags[i] = 0xff;
  else if ((k->dpcCounters[i] & 0x00ff) == k->dpcBottoms[i]) k->dpcFlags[i] = 0x00;

  switch (fn) {
    case 0:
      if (i < 4) {
        result = k->dpcRandom;
      } else {
        static const uint8_t kAmplitude[8] = {0x00, 0x04, 0x05, 0x09, 0x06, 0x0a, 0x0b, 0x0f};
        dpc_update_music(c);
        uint8_t m = 0;
        if (k->dpcMusicMode[0] && k->dpcFlags[5]) m |= 1;
        if (k->dpcMusicMode[1] && k->dpcFlags[6]) m |= 2;
        if (k->dpcMusicMode[2] && k->dpcFlags[7]) m |= 4;
        result = kAmplitude[m];
      }
      break;
    case 1: result = display[2047 - k->dpcCounters[i]]; break;
    case 2: result = display[2047 - k->dpcCounters[i]] & k->dpcFlags[i]; break;
    case 7: result = k->dpcFlags[i]; break;
    default: result = 0; break;
  }

  /* Every fetcher but a music-mode one steps its counter on each read. */
  if (i < 5 || !k->dpcMusicMode[i - 5])
    k->dpcCounters[i] = (uint16_t)((k->dpcCounters[i] - 1) & 0x07ff);
  return result;
}

static void dpc_write_register(Cart *k, uint16_t a, uint8_t value) {
  uint32_t i = a & 0x07;
  switch ((a >> 3) & 0x07) {
    case 0: k->dpcTops[i] = value; k->dpcFlags[i] = 0x00; break;
    case 1: k->dpcBottoms[i] = value; break;
    case 2:
      /* A music-mode fetcher reloads its low counter from its top register instead. */
      if (i >= 5 && k->dpcMusicMode[i - 5])
        k->dpcCounters[i] = (uint16_t)((k->dpcCounters[i] & 0x0700) | k->dpcTops[i]);
      else
        k->dpcCounters[i] = (uint16_t)((k->dpcCounters[i] & 0x0700) | value);
      break;
    case 3:
      k->dpcCounters[i] = (uint16_t)(((value & 0x07) << 8) | (k->dpcCounters[i] & 0x00ff));
      if (i >= 5) k->dpcMusicMode[i - 5] = (value & 0x10) ? 1 : 0;
      break;
    case 6: k->dpcRandom = 1; break;
    default: break;
  }
}

/* Plain program ROM pages: no handler, no clocking. */
enum { PROGRAM_LO = 0x0080, PROGRAM_HI = 0x0fc0 };

static void map_dpc(Cart *k) { k->fastLo = PROGRAM_LO; k->fastHi = PROGRAM_HI; cart_map_bank(k); }

static void select_bank(Cart *k, uint16_t a) {
  if (a == 0x0ff8 || a == 0x0ff9) { k->bank = (uint16_t)(a - 0x0ff8); map_dpc(k); }
}

static uint8_t peek_dpc(Console *c, uint16_t addr) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  if (a >= PROGRAM_LO && a < PROGRAM_HI) return cart_bank_byte(k, a);
  dpc_clock_random(k);
  if (a < 0x0040) return dpc_read_fetcher(c, a);
  select_bank(k, a);
  return cart_bank_byte(k, a);
}

static void poke_dpc(Console *c, uint16_t addr, uint8_t value) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  /* Every write reaches the DPC handler in the reference, so every write clocks it. */
  dpc_clock_random(k);
  if (a >= 0x0040 && a < 0x0080) dpc_write_register(k, a, value);
  else select_bank(k, a);
}

static void install_dpc(Cart *k) {
  k->bank = 1;
  k->dpcRandom = 1;   /* must never be 0 */
}

/* Only the bank and the music clock reference; the fetcher registers and the random number
 * generator keep their values across resets, as in the reference. */
static void reset_dpc(Console *c) {
  c->cart.dpcSystemCycles = (int32_t)c->cycles;
  c->cart.dpcFractionalClocks = 0.0;
  c->cart.bank = 1;
}

static void cycles_reset_dpc(Console *c) {
  c->cart.dpcSystemCycles = (int32_t)((uint32_t)c->cart.dpcSystemCycles - c->cycles);
}

const CartOps CART_OPS_DPC = { .name = "DPC", .minSize = 10240 /* 8K program + 2K display ROM */,
  .detect = detect_dpc, .install = install_dpc, .reset = reset_dpc, .peek = peek_dpc, .poke = poke_dpc,
  .map = map_dpc, .banksValid = cart_bank_in_image, .cyclesReset = cycles_reset_dpc };
