/* A moving test pattern for the walking skeleton: it proves the whole display path
 * (wasm in a worker -> shared memory -> page -> palette -> canvas) before the real
 * emulator exists, and stays useful afterwards as a known-answer check of that path.
 *
 * Output is an Atari-sized screen: 210 rows x 160 palette indices, row-major, the
 * same layout ALE's getScreen() uses. Only even indices are written, as the TIA does.
 * src/worker/demo-pattern.ts mirrors this formula so tests can predict every pixel.
 */
#include <stdint.h>
#include "util.h"

#define DEMO_W 160u
#define DEMO_H 210u
#define DEMO_BAR_W 10u   /* 16 hue bars of 10 px fill the 160 px width exactly */
#define DEMO_BAND_H 20u  /* 8 luminance bands of 20 rows fill the top 160 rows */
#define DEMO_BOX 8u      /* side of the bouncing white box */

/* Triangle wave 0..span..0: a position that bounces between two walls. */
static uint32_t bounce(uint32_t t, uint32_t span) {
    uint32_t p = t % (2u * span);
    return p <= span ? p : 2u * span - p;
}

/* Writes one 160x210 frame for frame number `frame` into `out`.
 * Returns 0, or -1 when `out` is null (the caller checks the range: a wasm
 * pointer cannot be validated from inside the module). */
WASM_EXPORT("demo_pattern")
int32_t demo_pattern(uint8_t *out, uint32_t frame) {
    if (out == 0) return -1;
    /* Box corner: x bounces over 0..152, y over 0..202 at a different speed, so the
     * path covers the screen instead of tracing one diagonal. */
    uint32_t bx = bounce(frame, DEMO_W - DEMO_BOX);
    uint32_t by = bounce(frame * 2u, DEMO_H - DEMO_BOX);
    for (uint32_t y = 0; y < DEMO_H; y++) {
        uint8_t *row = out + y * DEMO_W;
        for (uint32_t x = 0; x < DEMO_W; x++) {
            uint32_t v;
            if (y < 160u) {
                /* Hue bars scroll left one pixel per frame; luminance steps down the rows. */
                uint32_t hue = ((x + frame) / DEMO_BAR_W) & 15u;
                uint32_t lum = y / DEMO_BAND_H;
                v = (hue << 4) | (lum << 1);
            } else {
                /* Bottom strip: a gray ramp (hue 0) scrolling right, 8 steps of 20 px. */
                uint32_t lum = ((x + 160u * 4u - (frame % 160u)) / 20u) & 7u;
                v = lum << 1;
            }
            if (x - bx < DEMO_BOX && y - by < DEMO_BOX) v = 0x0E; /* white */
            row[x] = (uint8_t)v;
        }
    }
    return 0;
}
