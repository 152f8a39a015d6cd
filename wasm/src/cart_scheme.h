/* What a bank-switching scheme implements, and the helpers the schemes share. One file per
 * scheme or scheme family (cart_2k4k.c, cart_fx.c, cart_e0.c, cart_fe.c, cart_dpc.c), as Stella
 * keeps one Cart*.cxx per scheme; cart.c holds the generic part (detection order, dispatch).
 * Internal to the cart units: the rest of the core uses cart.h. */
#ifndef ARCADE_CART_SCHEME_H
#define ARCADE_CART_SCHEME_H
#include "console.h"

typedef struct CartOps {
  const char *name;
  uint32_t minSize;   /* smallest image the scheme can run */
  /* 1 if the reference's detector, reaching this scheme in its order (cart_detect), picks it
   * for this image. */
  int (*detect)(const uint8_t *image, uint32_t size);
  void (*install)(Cart *k);    /* bank state the reference's constructor + install leave; NULL: all 0 */
  void (*reset)(Console *c);   /* system reset; NULL: nothing changes */
  uint8_t (*peek)(Console *c, uint16_t addr);
  void (*poke)(Console *c, uint16_t addr, uint8_t value);   /* NULL: ROM only, writes ignored */
  /* Sets the CPU's read fast path (fastLo, fastHi, segBase) from the bank state. Its windows
   * exclude every address whose read has a side effect or does not come from the image as
   * mapped: hotspots, extra RAM ports, handler pages. */
  void (*map)(Cart *k);
  int (*banksValid)(const Cart *k);  /* the bank state is possible for this image; NULL: bank 0 only */
  void (*cyclesReset)(Console *c);   /* rebases stored cycle stamps; NULL: the scheme keeps none */
} CartOps;

extern const CartOps CART_OPS_2K, CART_OPS_4K;                              /* cart_2k4k.c */
extern const CartOps CART_OPS_F8, CART_OPS_F6, CART_OPS_F8SC, CART_OPS_F6SC;  /* cart_fx.c */
extern const CartOps CART_OPS_E0, CART_OPS_FE, CART_OPS_DPC;

/* Whether sig occurs at least minHits times in the image, counted as the reference's scan does:
 * the last possible position is never tried, and after a hit the scan skips the window plus one
 * byte. */
int cart_has_signature(const uint8_t *img, uint32_t size, const uint8_t *sig, uint32_t len, uint32_t minHits);

/* Maps the 4K cartridge window as four 1K segments at these image offsets, the same for both
 * values of A13 (every scheme but FE ignores A13). */
static inline void cart_map_segments(Cart *k, uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3) {
  for (uint32_t i = 0; i < 16u; i += 4u) {
    k->segBase[i] = s0; k->segBase[i + 1u] = s1; k->segBase[i + 2u] = s2; k->segBase[i + 3u] = s3;
  }
}

/* Maps the current 4K bank as one contiguous block. */
static inline void cart_map_bank(Cart *k) {
  uint32_t b = (uint32_t)k->bank << 12;
  cart_map_segments(k, b, b + 0x400u, b + 0x800u, b + 0xc00u);
}

/* The byte at offset a (addr & $FFF) of the current 4K bank. */
static inline uint8_t cart_bank_byte(const Cart *k, uint32_t a) { return k->image[((uint32_t)k->bank << 12) + a]; }

/* banksValid of the schemes that switch whole 4K banks. */
int cart_bank_in_image(const Cart *k);

#endif
