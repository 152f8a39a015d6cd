/* E0 (Parker Brothers, Stella's CartE0): 8K in eight 1K slices. Segments 0-2 of the window
 * each show any slice, chosen by accessing $1FE0-$1FE7 / $1FE8-$1FEF / $1FF0-$1FF7 (slice =
 * low 3 bits); segment 3 always shows slice 7. */
#include "cart_scheme.h"

static int detect_e0(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[6][3] = {
    {0x8d, 0xe0, 0x1f}, {0x8d, 0xe0, 0x5f}, {0x8d, 0xe9, 0xff},  /* STA $1FE0 / $5FE0 / $FFE9 */
    {0xad, 0xe9, 0xff}, {0xad, 0xed, 0xff}, {0xad, 0xf3, 0xbf},  /* LDA $FFE9 / $FFED / $BFF3 */
  };
  if (size != 8192) return 0;
  for (int i = 0; i < 6; i++) if (cart_has_signature(img, size, sigs[i], 3, 1)) return 1;
  return 0;
}

/* Everything below the hotspots is side-effect free. */
static void map_e0(Cart *k) {
  k->fastLo = 0;
  k->fastHi = 0x0fe0;
  cart_map_segments(k, (uint32_t)k->slice[0] << 10, (uint32_t)k->slice[1] << 10,
                    (uint32_t)k->slice[2] << 10, (uint32_t)k->slice[3] << 10);
}

static void hotspot(Cart *k, uint16_t a) {
  if (a >= 0x0fe0 && a <= 0x0ff7) { k->slice[(a >> 3) & 3] = (uint8_t)(a & 7); map_e0(k); }
}

static uint8_t peek_e0(Console *c, uint16_t addr) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  hotspot(k, a);
  return k->image[((uint32_t)k->slice[a >> 10] << 10) + (a & 0x03ff)];
}

static void poke_e0(Console *c, uint16_t addr, uint8_t value) { hotspot(&c->cart, addr & 0x0fff); }

/* Power-on and reset show slices 4, 5, 6 and (fixed) 7. */
static void show_start_slices(Cart *k) { k->slice[0] = 4; k->slice[1] = 5; k->slice[2] = 6; }
static void install_e0(Cart *k) { show_start_slices(k); k->slice[3] = 7; }
static void reset_e0(Console *c) { show_start_slices(&c->cart); }

static int slices_valid(const Cart *k) {
  for (int s = 0; s < 4; s++) if (k->slice[s] > 7) return 0;
  return 1;
}

const CartOps CART_OPS_E0 = { .name = "E0", .minSize = 8192, .detect = detect_e0, .install = install_e0,
  .reset = reset_e0, .peek = peek_e0, .poke = poke_e0, .map = map_e0, .banksValid = slices_valid };
