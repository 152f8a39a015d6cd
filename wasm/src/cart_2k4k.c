/* 2K and 4K cartridges: plain ROM, no bank switching (Stella's Cart2K/Cart4K). */
#include "cart_scheme.h"

static int halves_equal(const uint8_t *img, uint32_t size) {
  uint32_t half = size / 2;
  for (uint32_t i = 0; i < half; i++) if (img[i] != img[half + i]) return 0;
  return 1;
}

/* A 4K image whose halves are equal is a 2K game. */
static int detect_2k(const uint8_t *img, uint32_t size) {
  return size == 2048 || (size == 4096 && halves_equal(img, size));
}

/* An 8K image whose halves are equal is a 4K game (tried after the 8K Superchip test). */
static int detect_4k(const uint8_t *img, uint32_t size) {
  return size == 4096 || (size == 8192 && halves_equal(img, size));
}

static uint8_t peek_2k(Console *c, uint16_t addr) { return c->cart.image[addr & 0x07ff]; }
static uint8_t peek_4k(Console *c, uint16_t addr) { return c->cart.image[addr & 0x0fff]; }

/* All of the window is side-effect free; 2K shows its image twice. */
static void map_2k(Cart *k) { k->fastLo = 0; k->fastHi = 0x1000; cart_map_segments(k, 0, 0x400, 0, 0x400); }
static void map_4k(Cart *k) { k->fastLo = 0; k->fastHi = 0x1000; cart_map_bank(k); }

const CartOps CART_OPS_2K = { .name = "2K", .minSize = 2048, .detect = detect_2k, .peek = peek_2k, .map = map_2k };
const CartOps CART_OPS_4K = { .name = "4K", .minSize = 4096, .detect = detect_4k, .peek = peek_4k, .map = map_4k };
