/* Cartridge bank switching, as the reference implements each scheme.
 *
 * The reference maps the cartridge in 64-byte pages; pages without hotspots are read directly
 * from the ROM, pages with hotspots (and, for some schemes, every write) go through the
 * cartridge's handler. Where that difference is observable (the DPC random number generator is
 * only clocked by accesses that reach the handler) the page ranges are reproduced below. */
#include "console.h"
#include "util.h"

const char *cart_scheme_name(CartScheme s) {
  switch (s) {
    case CART_2K: return "2K";
    case CART_4K: return "4K";
    case CART_F8: return "F8";
    case CART_F6: return "F6";
    case CART_F6SC: return "F6SC";
    case CART_F8SC: return "F8SC";
    case CART_E0: return "E0";
    case CART_FE: return "FE";
    case CART_DPC: return "DPC";
    default: return "unknown";
  }
}

/* ---------------------------------------------------------------------------------------- */
/* Detection                                                                                */

static int bytes_equal(const uint8_t *a, const uint8_t *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) if (a[i] != b[i]) return 0;
  return 1;
}

/* Counts occurrences of sig in the image, as the reference's scan does: the last possible
 * position is never tried, and after a hit the scan skips the window plus one byte. */
static int has_signature(const uint8_t *img, uint32_t size, const uint8_t *sig, uint32_t len,
                         uint32_t minHits) {
  if (len > size) return 0;
  uint32_t hits = 0;
  for (uint32_t i = 0; i < size - len; i++) {
    uint32_t m = 0;
    while (m < len && img[i + m] == sig[m]) m++;
    if (m == len) { hits++; i += len; }
    if (hits >= minHits) break;
  }
  return hits >= minHits;
}

/* Superchip guess: the first 256 bytes of every 4K bank (where the RAM ports sit) are uniform. */
static int probably_sc(const uint8_t *img, uint32_t size) {
  for (uint32_t b = 0; b < size / 4096; b++) {
    const uint8_t *p = img + b * 4096;
    for (uint32_t j = 0; j < 256; j++) if (p[j] != p[0]) return 0;
  }
  return 1;
}

static int probably_3f(const uint8_t *img, uint32_t size) {
  static const uint8_t sig[] = {0x85, 0x3f};                     /* STA $3F */
  return has_signature(img, size, sig, 2, 2);
}

static int probably_3e(const uint8_t *img, uint32_t size) {
  static const uint8_t sig[] = {0x85, 0x3e, 0xa9, 0x00};         /* STA $3E; LDA #0 */
  return has_signature(img, size, sig, 4, 1);
}

static int probably_e0(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[6][3] = {
    {0x8d, 0xe0, 0x1f}, {0x8d, 0xe0, 0x5f}, {0x8d, 0xe9, 0xff},  /* STA $1FE0 / $5FE0 / $FFE9 */
    {0xad, 0xe9, 0xff}, {0xad, 0xed, 0xff}, {0xad, 0xf3, 0xbf},  /* LDA $FFE9 / $FFED / $BFF3 */
  };
  for (int i = 0; i < 6; i++) if (has_signature(img, size, sigs[i], 3, 1)) return 1;
  return 0;
}

static int probably_e7(const uint8_t *img, uint32_t size) {
  (void)size;
  /* Uniform bytes where E7's RAM shadows ROM ($3800-$39FF), with something different around. */
  uint8_t first = img[0x3800];
  for (uint32_t i = 0x3800; i < 0x3a00; i++) if (img[i] != first) return 0;
  for (uint32_t i = 0x3800 - 32; i < 0x3800; i++) if (img[i] != first) return 1;
  for (uint32_t i = 0x3a00; i < 0x3a00 + 32; i++) if (img[i] != first) return 1;
  return 0;
}

static int probably_ua(const uint8_t *img, uint32_t size) {
  static const uint8_t sig[] = {0x8d, 0x40, 0x02};               /* STA $240 */
  return has_signature(img, size, sig, 3, 1);
}

static int probably_cv(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[2][3] = {{0x9d, 0xff, 0xf3}, {0x99, 0x00, 0xf4}};
  return has_signature(img, size, sigs[0], 3, 1) || has_signature(img, size, sigs[1], 3, 1);
}

static int probably_fe(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[4][5] = {
    {0x20, 0x00, 0xd0, 0xc6, 0xc5}, {0x20, 0xc3, 0xf8, 0xa5, 0x82},
    {0xd0, 0xfb, 0x20, 0x73, 0xfe}, {0x20, 0x00, 0xf0, 0x84, 0xd6},
  };
  for (int i = 0; i < 4; i++) if (has_signature(img, size, sigs[i], 5, 1)) return 1;
  return 0;
}

CartScheme cart_detect(const uint8_t *img, uint32_t size) {
  if (!img || size == 0) return CART_UNKNOWN;
  if (size % 8448 == 0) return CART_UNKNOWN;                     /* AR (Supercharger) */
  if (size == 2048 || (size == 4096 && bytes_equal(img, img + 2048, 2048)))
    return probably_cv(img, size) ? CART_UNKNOWN : CART_2K;
  if (size == 4096) return probably_cv(img, size) ? CART_UNKNOWN : CART_4K;
  if (size == 8192) {
    if (probably_sc(img, size)) return CART_F8SC;
    if (bytes_equal(img, img + 4096, 4096)) return CART_4K;
    if (probably_e0(img, size)) return CART_E0;
    if (probably_3e(img, size) || probably_3f(img, size) || probably_ua(img, size)) return CART_UNKNOWN;
    if (probably_fe(img, size)) return CART_FE;
    return CART_F8;
  }
  if (size == 10495 || size == 10496 || size == 10240) return CART_DPC;
  if (size == 16384) {
    if (probably_sc(img, size)) return CART_F6SC;
    if (probably_e7(img, size) || probably_3e(img, size) || probably_3f(img, size)) return CART_UNKNOWN;
    return CART_F6;
  }
  return CART_UNKNOWN;   /* 12K FASC, 32K F4/F4SC, 64K/128K and others: not supported */
}

/* ---------------------------------------------------------------------------------------- */
/* Installation and reset                                                                   */

static uint32_t min_size(CartScheme s) {
  switch (s) {
    case CART_2K: return 2048;
    case CART_4K: return 4096;
    case CART_F8: case CART_F8SC: case CART_E0: case CART_FE: return 8192;
    case CART_F6: case CART_F6SC: return 16384;
    case CART_DPC: return 10240;        /* 8K program + 2K display ROM */
    default: return 0;
  }
}

/* Recomputes the CPU's read fast path from the bank state. The windows exclude every address
 * whose read has a side effect or does not come from the 4K view of the image: hotspots,
 * Superchip RAM ports, the DPC handler pages (their reads clock the DPC's generator), and all
 * of FE (bank chosen by A13). */
static void cart_refresh_fast(Cart *k) {
  uint32_t bankBase = (uint32_t)k->bank << 12;
  for (int s = 0; s < 4; s++) k->segBase[s] = bankBase + ((uint32_t)s << 10);
  k->fastLo = 0;
  switch (k->scheme) {
    case CART_2K:
      k->segBase[2] = 0; k->segBase[3] = 0x400;   /* 2K mirrored in the upper half */
      k->fastHi = 0x1000; break;
    case CART_4K: k->fastHi = 0x1000; break;
    case CART_F8: k->fastHi = 0x0ff8; break;
    case CART_F6: k->fastHi = 0x0ff6; break;
    case CART_F8SC: k->fastLo = 0x0100; k->fastHi = 0x0ff8; break;
    case CART_F6SC: k->fastLo = 0x0100; k->fastHi = 0x0ff6; break;
    case CART_E0:
      for (int s = 0; s < 4; s++) k->segBase[s] = (uint32_t)k->slice[s] << 10;
      k->fastHi = 0x0fe0; break;
    case CART_DPC: k->fastLo = 0x0080; k->fastHi = 0x0fc0; break;
    default: k->fastHi = 0; break;              /* FE and anything else: always cart_peek */
  }
}

int cart_state_valid(const Cart *k, const Cart *loaded) {
  if (k->scheme != loaded->scheme || k->size != loaded->size) return 0;
  uint32_t banks = k->size >> 12;
  switch (k->scheme) {
    case CART_F8: case CART_F6: case CART_F8SC: case CART_F6SC: case CART_DPC:
      if (k->bank >= banks) return 0;
      break;
    case CART_E0:
      for (int s = 0; s < 4; s++) if (k->slice[s] > 7) return 0;
      break;
    default:
      if (k->bank != 0) return 0;
      break;
  }
  return 1;
}

void cart_refresh(Console *c) { cart_refresh_fast(&c->cart); }

int cart_init(Console *c, const uint8_t *image, uint32_t size, CartScheme scheme) {
  if (!image || size == 0) return 1;
  if (scheme == CART_UNKNOWN) scheme = cart_detect(image, size);
  uint32_t need = min_size(scheme);
  if (need == 0 || size < need) return 2;

  Cart *k = &c->cart;
  mem_set(k, 0, sizeof *k);
  k->image = image;
  k->size = size;
  k->scheme = scheme;
  /* The state the reference's constructor + install leave before any reset. */
  switch (scheme) {
    case CART_F8: case CART_F8SC: case CART_DPC: k->bank = 1; break;
    default: k->bank = 0; break;
  }
  k->slice[0] = 4; k->slice[1] = 5; k->slice[2] = 6; k->slice[3] = 7;
  k->dpcRandom = 1;   /* must never be 0 */
  cart_refresh_fast(k);
  return 0;
}

void cart_reset(Console *c) {
  Cart *k = &c->cart;
  switch (k->scheme) {
    case CART_F8: k->bank = 1; break;
    case CART_F6: k->bank = 0; break;
    case CART_F8SC:
    case CART_F6SC:
      for (int i = 0; i < 128; i++) k->ram[i] = (uint8_t)mt_next(&c->rng);
      k->bank = (k->scheme == CART_F8SC) ? 1 : 0;
      break;
    case CART_E0:
      k->slice[0] = 4; k->slice[1] = 5; k->slice[2] = 6;
      break;
    case CART_DPC:
      /* Only the bank and the music clock reference; the fetcher registers and the random
       * number generator keep their values across resets, as in the reference. */
      k->dpcSystemCycles = (int32_t)c->cycles;
      k->dpcFractionalClocks = 0.0;
      k->bank = 1;
      break;
    default: break;   /* 2K, 4K, FE: nothing to do */
  }
  cart_refresh_fast(k);
}

void cart_cycles_reset(Console *c) {
  if (c->cart.scheme == CART_DPC)
    c->cart.dpcSystemCycles = (int32_t)((uint32_t)c->cart.dpcSystemCycles - c->cycles);
}

/* ---------------------------------------------------------------------------------------- */
/* DPC                                                                                      */

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

/* ---------------------------------------------------------------------------------------- */
/* Access                                                                                   */

/* Bank changes from hotspots also refresh the CPU's read fast path. */
static inline void set_bank(Cart *k, uint32_t b) { k->bank = (uint16_t)b; cart_refresh_fast(k); }
static inline void set_slice(Cart *k, uint32_t seg, uint32_t s) { k->slice[seg] = (uint8_t)s; cart_refresh_fast(k); }

uint8_t cart_peek(Console *c, uint16_t addr) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  switch (k->scheme) {
    case CART_2K: return k->image[addr & 0x07ff];
    case CART_4K: return k->image[a];
    case CART_F8:
      if (a == 0x0ff8 || a == 0x0ff9) set_bank(k, a - 0x0ff8);
      return k->image[((uint32_t)k->bank << 12) + a];
    case CART_F6:
      if (a >= 0x0ff6 && a <= 0x0ff9) set_bank(k, a - 0x0ff6);
      return k->image[((uint32_t)k->bank << 12) + a];
    case CART_F8SC:
    case CART_F6SC: {
      if ((a & 0x0f80) == 0x0080) return k->ram[a & 0x7f];   /* read port */
      uint16_t first = (k->scheme == CART_F8SC) ? 0x0ff8 : 0x0ff6;
      if (a >= first && a <= 0x0ff9) set_bank(k, a - first);
      /* The write port ($1000-$107F) reads back ROM in the reference. */
      return k->image[((uint32_t)k->bank << 12) + a];
    }
    case CART_E0:
      if (a >= 0x0fe0 && a <= 0x0ff7) set_slice(k, (a >> 3) & 3, a & 7);
      return k->image[((uint32_t)k->slice[a >> 10] << 10) + (a & 0x03ff)];
    case CART_FE:
      /* A13 = 1 selects the first 4K, A13 = 0 the second. */
      return k->image[a + ((addr & 0x2000) ? 0 : 4096)];
    case CART_DPC:
      if (a >= 0x0080 && a < 0x0fc0)   /* plain program ROM pages: no handler, no clocking */
        return k->image[((uint32_t)k->bank << 12) + a];
      dpc_clock_random(k);
      if (a < 0x0040) return dpc_read_fetcher(c, a);
      if (a == 0x0ff8 || a == 0x0ff9) set_bank(k, a - 0x0ff8);
      return k->image[((uint32_t)k->bank << 12) + a];
    default:
      return 0;
  }
}

void cart_poke(Console *c, uint16_t addr, uint8_t value) {
  Cart *k = &c->cart;
  uint16_t a = addr & 0x0fff;
  switch (k->scheme) {
    case CART_F8:
      if (a == 0x0ff8 || a == 0x0ff9) set_bank(k, a - 0x0ff8);
      break;
    case CART_F6:
      if (a >= 0x0ff6 && a <= 0x0ff9) set_bank(k, a - 0x0ff6);
      break;
    case CART_F8SC:
    case CART_F6SC: {
      if (a < 0x0080) { k->ram[a] = value; break; }         /* write port */
      uint16_t first = (k->scheme == CART_F8SC) ? 0x0ff8 : 0x0ff6;
      if (a >= first && a <= 0x0ff9) set_bank(k, a - first);
      break;
    }
    case CART_E0:
      if (a >= 0x0fe0 && a <= 0x0ff7) set_slice(k, (a >> 3) & 3, a & 7);
      break;
    case CART_DPC:
      /* Every write reaches the DPC handler in the reference, so every write clocks it. */
      dpc_clock_random(k);
      if (a >= 0x0040 && a < 0x0080) dpc_write_register(k, a, value);
      else if (a == 0x0ff8 || a == 0x0ff9) set_bank(k, a - 0x0ff8);
      break;
    default:
      break;   /* 2K, 4K, FE: ROM only */
  }
}
