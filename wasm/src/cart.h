/* Cartridge: bank-switching schemes and their detection. Owned by cart.c (+ cart_*.c). */
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
  /* (cart.c adds bank state, extra RAM, DPC registers) */
} Cart;

CartScheme cart_detect(const uint8_t *image, uint32_t size);
/* Returns 0 on success, nonzero if the scheme/size cannot be handled. */
int cart_init(struct Console *c, const uint8_t *image, uint32_t size, CartScheme scheme);
void cart_reset(struct Console *c);      /* start bank; refills extra RAM from the system RNG */
uint8_t cart_peek(struct Console *c, uint16_t addr);
void cart_poke(struct Console *c, uint16_t addr, uint8_t value);
void cart_cycles_reset(struct Console *c);
const char *cart_scheme_name(CartScheme s);

#endif
