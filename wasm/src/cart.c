/* Cartridges: the generic part. Detection tries the schemes in the reference's order (Stella
 * 2.4 in ALE 0.12); everything a scheme does is in its CartOps (cart_scheme.h), one file per
 * scheme or family. The CPU reads side-effect-free ROM through the fast path in cart.h without
 * calling in here; what reaches cart_peek/cart_poke is dispatched through the scheme's ops. */
#include "cart_scheme.h"
#include "util.h"

/* CART_UNKNOWN in a console: no cartridge installed yet (a zeroed Console). The slot reads 0,
 * ignores writes and keeps no state; cart_init never installs it. */
static uint8_t empty_peek(Console *c, uint16_t addr) { return 0; }
static void empty_map(Cart *k) { k->fastLo = 0; k->fastHi = 0; }
static const CartOps EMPTY_SLOT = { .name = "unknown", .peek = empty_peek, .map = empty_map };

static const CartOps *const CART_OPS[] = {
  [CART_UNKNOWN] = &EMPTY_SLOT, [CART_2K] = &CART_OPS_2K, [CART_4K] = &CART_OPS_4K, [CART_F8] = &CART_OPS_F8, [CART_F6] = &CART_OPS_F6,
  [CART_F6SC] = &CART_OPS_F6SC, [CART_F8SC] = &CART_OPS_F8SC, [CART_E0] = &CART_OPS_E0,
  [CART_FE] = &CART_OPS_FE, [CART_DPC] = &CART_OPS_DPC,
};

/* The ops of a scheme cart_init can install, else 0 (CART_UNKNOWN or out of range). */
static const CartOps *ops_of(CartScheme s) {
  return s != CART_UNKNOWN && (uint32_t)s < sizeof CART_OPS / sizeof CART_OPS[0] ? CART_OPS[s] : 0;
}

const char *cart_scheme_name(CartScheme s) {
  const CartOps *o = ops_of(s);
  return o ? o->name : EMPTY_SLOT.name;
}

/* ---------------------------------------------------------------------------------------- */
/* Detection                                                                                */

int cart_has_signature(const uint8_t *img, uint32_t size, const uint8_t *sig, uint32_t len, uint32_t minHits) {
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

/* Signatures of the schemes the reference detects but this core does not run. */
static int probably_3f(const uint8_t *img, uint32_t size) {
  static const uint8_t sig[] = {0x85, 0x3f};                     /* STA $3F */
  return cart_has_signature(img, size, sig, 2, 2);
}

static int probably_3e(const uint8_t *img, uint32_t size) {
  static const uint8_t sig[] = {0x85, 0x3e, 0xa9, 0x00};         /* STA $3E; LDA #0 */
  return cart_has_signature(img, size, sig, 4, 1);
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
  return cart_has_signature(img, size, sig, 3, 1);
}

static int probably_cv(const uint8_t *img, uint32_t size) {
  static const uint8_t sigs[2][3] = {{0x9d, 0xff, 0xf3}, {0x99, 0x00, 0xf4}};
  return cart_has_signature(img, size, sigs[0], 3, 1) || cart_has_signature(img, size, sigs[1], 3, 1);
}

/* 8K and 16K images of unsupported schemes, in the reference's order after E0 / F6SC. */
static int unsupported_banked(const uint8_t *img, uint32_t size) {
  if (size == 8192) return probably_3e(img, size) || probably_3f(img, size) || probably_ua(img, size);
  if (size == 16384) return probably_e7(img, size) || probably_3e(img, size) || probably_3f(img, size);
  return 0;
}

CartScheme cart_detect(const uint8_t *img, uint32_t size) {
  if (!img || size == 0) return CART_UNKNOWN;
  if (size % 8448 == 0) return CART_UNKNOWN;                        /* AR (Supercharger) */
  if ((size == 2048 || size == 4096) && probably_cv(img, size)) return CART_UNKNOWN;
  /* The reference's order, each test reached only when the ones before failed; CART_UNKNOWN
   * stands for the unsupported 8K/16K schemes tested at that point. */
  static const CartScheme order[] = {
    CART_2K, CART_F8SC, CART_F6SC, CART_4K, CART_E0, CART_UNKNOWN, CART_FE, CART_F8, CART_F6, CART_DPC,
  };
  for (uint32_t i = 0; i < sizeof order / sizeof order[0]; i++) {
    CartScheme s = order[i];
    if (s == CART_UNKNOWN ? unsupported_banked(img, size) : CART_OPS[s]->detect(img, size)) return s;
  }
  return CART_UNKNOWN;   /* 12K FASC, 32K F4/F4SC, 64K/128K and others: not supported */
}

/* ---------------------------------------------------------------------------------------- */
/* Installation, reset, state                                                               */

int cart_bank_in_image(const Cart *k) { return k->bank < (k->size >> 12); }

int cart_state_valid(const Cart *k, const Cart *loaded) {
  if (k->scheme != loaded->scheme || k->size != loaded->size) return 0;
  const CartOps *o = CART_OPS[k->scheme];
  return o->banksValid ? o->banksValid(k) : k->bank == 0;
}

void cart_refresh(Console *c) { CART_OPS[c->cart.scheme]->map(&c->cart); }

int cart_init(Console *c, const uint8_t *image, uint32_t size, CartScheme scheme) {
  if (!image || size == 0) return 1;
  if (scheme == CART_UNKNOWN) scheme = cart_detect(image, size);
  const CartOps *o = ops_of(scheme);
  if (!o || size < o->minSize) return 2;

  Cart *k = &c->cart;
  mem_set(k, 0, sizeof *k);
  k->image = image;
  k->size = size;
  k->scheme = scheme;
  if (o->install) o->install(k);
  o->map(k);
  return 0;
}

void cart_reset(Console *c) {
  const CartOps *o = CART_OPS[c->cart.scheme];
  if (o->reset) o->reset(c);
  o->map(&c->cart);
}

void cart_cycles_reset(Console *c) {
  const CartOps *o = CART_OPS[c->cart.scheme];
  if (o->cyclesReset) o->cyclesReset(c);
}

/* ---------------------------------------------------------------------------------------- */
/* Access                                                                                   */

uint8_t cart_peek(Console *c, uint16_t addr) { return CART_OPS[c->cart.scheme]->peek(c, addr); }

void cart_poke(Console *c, uint16_t addr, uint8_t value) {
  const CartOps *o = CART_OPS[c->cart.scheme];
  if (o->poke) o->poke(c, addr, value);
}
