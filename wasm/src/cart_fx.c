/* The F8 family (Stella's CartF8, CartF6 and their Superchip variants CartF8SC, CartF6SC):
 * 4K banks selected by accessing a hotspot just below $1FFA, $1FF8+n (F8, 2 banks) or $1FF6+n
 * (F6, 4 banks), read or write. The Superchip adds 128 bytes of RAM: write port $1000-$107F,
 * read port $1080-$10FF.
 *
 * Each scheme's functions are thin instances of one inline body with the scheme's constants
 * (first hotspot, RAM or not), so that the hot bank switch stays free of table lookups. */
#include "cart_scheme.h"

enum { F8_FIRST_HOTSPOT = 0x0ff8, F6_FIRST_HOTSPOT = 0x0ff6, LAST_HOTSPOT = 0x0ff9 };

/* Superchip guess: the first 256 bytes of every 4K bank (where the RAM ports sit) are uniform. */
static int probably_sc(const uint8_t *img, uint32_t size) {
  for (uint32_t b = 0; b < size / 4096; b++) {
    const uint8_t *p = img + b * 4096;
    for (uint32_t j = 0; j < 256; j++) if (p[j] != p[0]) return 0;
  }
  return 1;
}

static int detect_f8(const uint8_t *img, uint32_t size) { return size == 8192; }
static int detect_f6(const uint8_t *img, uint32_t size) { return size == 16384; }
static int detect_f8sc(const uint8_t *img, uint32_t size) { return size == 8192 && probably_sc(img, size); }
static int detect_f6sc(const uint8_t *img, uint32_t size) { return size == 16384 && probably_sc(img, size); }

/* The ROM below the first hotspot is side-effect free, except the RAM ports' page with RAM. */
static inline void fx_map(Cart *k, uint16_t first, int ram) {
  k->fastLo = ram ? 0x0100 : 0;
  k->fastHi = first;
  cart_map_bank(k);
}
static void map_f8(Cart *k) { fx_map(k, F8_FIRST_HOTSPOT, 0); }
static void map_f6(Cart *k) { fx_map(k, F6_FIRST_HOTSPOT, 0); }
static void map_f8sc(Cart *k) { fx_map(k, F8_FIRST_HOTSPOT, 1); }
static void map_f6sc(Cart *k) { fx_map(k, F6_FIRST_HOTSPOT, 1); }

static inline void fx_hotspot(Cart *k, uint16_t a, uint16_t first, int ram) {
  if (a >= first && a <= LAST_HOTSPOT) { k->bank = (uint16_t)(a - first); fx_map(k, first, ram); }
}

static inline uint8_t fx_peek(Console *c, uint16_t addr, uint16_t first, int ram) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  if (ram && (a & 0x0f80) == 0x0080) return k->ram[a & 0x7f];   /* read port */
  fx_hotspot(k, a, first, ram);
  /* The write port ($1000-$107F) reads back ROM in the reference. */
  return cart_bank_byte(k, a);
}
static uint8_t peek_f8(Console *c, uint16_t addr) { return fx_peek(c, addr, F8_FIRST_HOTSPOT, 0); }
static uint8_t peek_f6(Console *c, uint16_t addr) { return fx_peek(c, addr, F6_FIRST_HOTSPOT, 0); }
static uint8_t peek_f8sc(Console *c, uint16_t addr) { return fx_peek(c, addr, F8_FIRST_HOTSPOT, 1); }
static uint8_t peek_f6sc(Console *c, uint16_t addr) { return fx_peek(c, addr, F6_FIRST_HOTSPOT, 1); }

static inline void fx_poke(Console *c, uint16_t addr, uint8_t value, uint16_t first, int ram) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  if (ram && a < 0x0080) { k->ram[a] = value; return; }   /* write port */
  fx_hotspot(k, a, first, ram);
}
static void poke_f8(Console *c, uint16_t addr, uint8_t v) { fx_poke(c, addr, v, F8_FIRST_HOTSPOT, 0); }
static void poke_f6(Console *c, uint16_t addr, uint8_t v) { fx_poke(c, addr, v, F6_FIRST_HOTSPOT, 0); }
static void poke_f8sc(Console *c, uint16_t addr, uint8_t v) { fx_poke(c, addr, v, F8_FIRST_HOTSPOT, 1); }
static void poke_f6sc(Console *c, uint16_t addr, uint8_t v) { fx_poke(c, addr, v, F6_FIRST_HOTSPOT, 1); }

/* F8 starts in its last bank, F6 in its first, as in the reference. */
static void install_f8(Cart *k) { k->bank = 1; }
static void reset_f8(Console *c) { c->cart.bank = 1; }
static void reset_f6(Console *c) { c->cart.bank = 0; }
/* The Superchip RAM is refilled from the system RNG on every reset. */
static void refill_ram(Console *c) { for (int i = 0; i < 128; i++) c->cart.ram[i] = (uint8_t)mt_next(&c->rng); }
static void reset_f8sc(Console *c) { refill_ram(c); reset_f8(c); }
static void reset_f6sc(Console *c) { refill_ram(c); reset_f6(c); }

const CartOps CART_OPS_F8 = { .name = "F8", .minSize = 8192, .detect = detect_f8, .install = install_f8,
  .reset = reset_f8, .peek = peek_f8, .poke = poke_f8, .map = map_f8, .banksValid = cart_bank_in_image };
const CartOps CART_OPS_F6 = { .name = "F6", .minSize = 16384, .detect = detect_f6,
  .reset = reset_f6, .peek = peek_f6, .poke = poke_f6, .map = map_f6, .banksValid = cart_bank_in_image };
const CartOps CART_OPS_F8SC = { .name = "F8SC", .minSize = 8192, .detect = detect_f8sc, .install = install_f8,
  .reset = reset_f8sc, .peek = peek_f8sc, .poke = poke_f8sc, .map = map_f8sc, .banksValid = cart_bank_in_image };
const CartOps CART_OPS_F6SC = { .name = "F6SC", .minSize = 16384, .detect = detect_f6sc,
  .reset = reset_f6sc, .peek = peek_f6sc, .poke = poke_f6sc, .map = map_f6sc, .banksValid = cart_bank_in_image };
