/* Colour palettes (ALE_FACTS 10). Index = palette index >> 1 (even indices only). */
#ifndef ARCADE_PALETTE_H
#define ARCADE_PALETTE_H
#include <stdint.h>
extern const uint32_t PALETTE_NTSC[128];   /* 0xRRGGBB */
extern const uint32_t PALETTE_PAL[128];
extern const uint8_t PALETTE_NTSC_GRAY[128];
extern const uint8_t PALETTE_PAL_GRAY[128];
/* Colour of a palette index as getScreenRGB sees it (0xRRGGBB), and its grayscale value as
 * getScreenGrayscale sees it. pal selects the PAL table. */
uint32_t palette_rgb(int pal, uint8_t index);
uint8_t palette_gray(int pal, uint8_t index);
#endif
