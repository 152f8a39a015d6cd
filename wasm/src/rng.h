/* 32-bit Mersenne Twister (mt19937), as used by the reference for both its system RNG
 * and its environment RNG (ALE_FACTS 3, 7). */
#ifndef ARCADE_RNG_H
#define ARCADE_RNG_H
#include <stdint.h>

typedef struct Mt19937 {
  uint32_t state[624];
  uint32_t index;
} Mt19937;

void mt_seed(Mt19937 *m, uint32_t seed);
uint32_t mt_next(Mt19937 *m);

#endif
