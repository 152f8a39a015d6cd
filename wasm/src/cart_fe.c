/* FE (Activision, Stella 2.4's CartFE): two 4K banks chosen by address line A13, which the
 * 6507 does not even have: the reference sees the CPU's full 16-bit address, so code at $Fxxx
 * (A13 = 1) runs from the first 4K and code at $Dxxx (A13 = 0) from the second. No hotspots. */
#include "cart_scheme.h"

static int detect_fe(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[4][5] = {
    {0x20, 0x00, 0xd0, 0xc6, 0xc5}, {0x20, 0xc3, 0xf8, 0xa5, 0x82},
    {0xd0, 0xfb, 0x20, 0x73, 0xfe}, {0x20, 0x00, 0xf0, 0x84, 0xd6},
  };
  if (size != 8192) return 0;
  for (int i = 0; i < 4; i++) if (cart_has_signature(img, size, sigs[i], 5, 1)) return 1;
  return 0;
}

static uint8_t peek_fe(Console *c, uint16_t addr) {
  return c->cart.image[(addr & 0x0fff) + ((addr & 0x2000) ? 0 : 4096)];
}

/* All of the window is side-effect free; the segment table is indexed by A13 too. */
static void map_fe(Cart *k) {
  k->fastLo = 0;
  k->fastHi = 0x1000;
  for (uint32_t i = 0; i < 16u; i++) k->segBase[i] = ((i & 8u) ? 0 : 4096u) + ((i & 3u) << 10);
}

const CartOps CART_OPS_FE = { .name = "FE", .minSize = 8192, .detect = detect_fe, .peek = peek_fe, .map = map_fe };
