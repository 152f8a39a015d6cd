/* mt19937 (32-bit Mersenne Twister), the standard algorithm (Matsumoto & Nishimura 1998) with
 * the std::mt19937 parameters, because the reference seeds its system and environment RNGs
 * through std::mt19937 and every draw must match. */
#include "rng.h"

#define MT_N 624
#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MATRIX 0x9908b0dfu

void mt_seed(Mt19937 *m, uint32_t seed) {
  m->state[0] = seed;
  for (uint32_t i = 1; i < MT_N; i++) {
    uint32_t prev = m->state[i - 1];
    m->state[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
  }
  /* Force a full regeneration on the first draw. */
  m->index = MT_N;
}

/* Regenerates the whole block of 624 words at once (the "twist"). */
static void mt_twist(Mt19937 *m) {
  uint32_t *s = m->state;
  for (uint32_t i = 0; i < MT_N; i++) {
    uint32_t y = (s[i] & MT_UPPER) | (s[(i + 1) % MT_N] & MT_LOWER);
    uint32_t v = s[(i + MT_M) % MT_N] ^ (y >> 1);
    if (y & 1u) v ^= MT_MATRIX;
    s[i] = v;
  }
  m->index = 0;
}

uint32_t mt_next(Mt19937 *m) {
  if (m->index >= MT_N) mt_twist(m);
  uint32_t y = m->state[m->index++];
  /* Tempering. */
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}
