/* Cartridge: bank-switching schemes and their detection. cart.c is the generic part (detection
 * order, dispatch); each scheme's behaviour is in its own file (see cart_scheme.h).
 * Detection and behaviour follow the reference (Stella 2.4 in ALE 0.12). Supported schemes are
 * the ones the ALE ROM set uses; other detected types (AR, CV, 3E, 3F, UA, E7, F4, F4SC, FASC,
 * MB, MC) are reported as CART_UNKNOWN and refused by cart_init. */
#ifndef ARCADE_CART_H
#define ARCADE_CART_H
#include <stdint.h>
struct Console;

typedef enum CartScheme {
  CART_UNKNOWN = 0, CART_2K, CART_4K, CART_F8, CART_F6, CART_F6SC, CART_F8SC, CART_E0, CART_FE, CART_DPC
} CartScheme;

typedef struct Cart {
  const uint8_t *image;  /* ROM bytes, owned by the caller, must outlive the console */
  uint32_t size;
  CartScheme scheme;
  uint16_t bank;         /* F8, F6, F8SC, F6SC, DPC: current 4K bank */
  uint8_t slice[4];      /* E0: 1K bank shown in each 1K segment (segment 3 is always 7) */
  uint8_t ram[128];      /* F8SC/F6SC extra RAM: write port $1000-$107F, read port $1080-$10FF */
  /* DPC (Pitfall II) */
  uint8_t dpcTops[8], dpcBottoms[8], dpcFlags[8];
  uint16_t dpcCounters[8];
  uint8_t dpcMusicMode[3];
  uint8_t dpcRandom;     /* 8-bit shift register, clocked on each DPC/hotspot-page access */
  int32_t dpcSystemCycles;       /* Console.cycles at the last music-fetcher update */
  double dpcFractionalClocks;    /* leftover fraction of 15.75 kHz oscillator clocks */
  /* Read fast path for the CPU (derived state, set by the scheme's map on every bank change):
   * addresses whose offset (addr & $FFF) is in [fastLo, fastHi) have no side effects and read
   * image[segBase[(addr >> 10) & 15] + (addr & $3FF)]. The segment index takes in A12 and A13
   * (FE selects its bank with A13; every other scheme maps both A13 values alike). Everything
   * else goes through cart_peek. */
  uint16_t fastLo, fastHi;
  uint32_t segBase[16];
} Cart;

/* The fast-path read if it applies to this address (returns 1 and sets *out), else 0. */
static inline int cart_fast_read(const Cart *k, uint16_t addr, uint8_t *out) {
  uint32_t off = addr & 0x0fffu;
  if (off - k->fastLo >= (uint32_t)(k->fastHi - k->fastLo)) return 0;
  *out = k->image[k->segBase[(addr >> 10) & 0x0fu] + (off & 0x03ffu)];
  return 1;
}

/* The image bytes behind `span` consecutive addresses from addr when all of them are on the
 * fast path and in one 1K segment (so they are contiguous in the image), else 0. The CPU reads
 * whole instructions (span 3) and caches whole pages (span 256) through this. */
static inline const uint8_t *cart_fast_span(const Cart *k, uint16_t addr, uint32_t span) {
  uint32_t off = addr & 0x0fffu;
  if (off < k->fastLo || off + span > k->fastHi || (off & 0x03ffu) + span > 0x400u) return 0;
  return k->image + k->segBase[(addr >> 10) & 0x0fu] + (off & 0x03ffu);
}

/* The reference's size/signature auto-detection; CART_UNKNOWN for types not supported here. */
CartScheme cart_detect(const uint8_t *image, uint32_t size);
/* Installs the cartridge in its power-on state. scheme CART_UNKNOWN means "auto-detect".
 * Returns 0 on success, nonzero if the scheme/size cannot be handled (nothing is installed). */
int cart_init(struct Console *c, const uint8_t *image, uint32_t size, CartScheme scheme);
void cart_reset(struct Console *c);      /* start bank; refills extra RAM from the system RNG */
uint8_t cart_peek(struct Console *c, uint16_t addr);
void cart_poke(struct Console *c, uint16_t addr, uint8_t value);
void cart_cycles_reset(struct Console *c);
/* For restoring a saved state: 1 if k's bank state is possible for the cartridge `loaded`
 * (same scheme and size, banks/slices in range), else 0. */
int cart_state_valid(const Cart *k, const Cart *loaded);
/* Recomputes the derived read fast path from the bank state (after a state restore). */
void cart_refresh(struct Console *c);
const char *cart_scheme_name(CartScheme s);

#endif
