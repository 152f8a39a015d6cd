/* TIA: video, collisions, input ports, and the frame loop. Owned by tia.c. */
#ifndef ARCADE_TIA_H
#define ARCADE_TIA_H
#include <stdint.h>
struct Console;

#define TIA_WIDTH 160
#define TIA_MAX_HEIGHT 300

typedef struct TiaConfig {
  uint32_t ystart;        /* first scanline shown (default 34) */
  uint32_t height;        /* lines shown (210 NTSC, 250 PAL) */
  uint32_t maxScanlines;  /* 290 NTSC, 342 PAL: frame forced to end after this (ALE_FACTS 6) */
  uint8_t hmoveBlanks;    /* 1 = draw the HMOVE blank (per ROM property) */
  uint8_t pal;            /* 1 = PAL colour loss rule */
} TiaConfig;

typedef struct Tia {
  TiaConfig config;
  uint8_t frameBuffers[2][TIA_WIDTH * TIA_MAX_HEIGHT];
  uint8_t current;              /* index of the buffer being drawn */
  uint8_t partialFrame;         /* last update ended without finishing the frame */
  uint32_t scanlinesLastFrame;
  /* (tia.c adds registers, object positions, collision latches, ...) */
} Tia;

void tia_reset(struct Console *c);
uint8_t tia_peek(struct Console *c, uint16_t addr);
void tia_poke(struct Console *c, uint16_t addr, uint8_t value);
void tia_cycles_reset(struct Console *c);
/* Emulates one frame (ALE_FACTS 6): run the CPU until VSYNC ends the frame, the scanline
 * limit is passed, or 25,000 instructions have run. */
void tia_update_frame(struct Console *c);
/* The finished frame (palette indices, config.height rows of 160). */
const uint8_t *tia_screen(const struct Console *c);
const uint8_t *tia_previous_screen(const struct Console *c);

#endif
