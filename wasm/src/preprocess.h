/* Observation preprocessing for the learner, done next to the emulator so a worker can write
 * finished 84x84 frames straight into shared memory (ARCHITECTURE "data path"):
 *   grayscale (palette lookup, ALE_FACTS 10) -> max-pool of the last two frames ->
 *   OpenCV INTER_AREA resize (the frames are stacked by the TypeScript agent, not here).
 * This is Gymnasium's AtariPreprocessing / ALE's vector-env preprocessing. The resize must be
 * bit-identical to cv::resize(..., INTER_AREA) for 8-bit single-channel images when the ratios
 * are not both integers (the case of every Atari screen -> 84x84); src/env/preprocess.ts is an
 * independent TypeScript implementation of the same arithmetic and the tests compare the two.
 *
 * A Preproc holds everything (weight tables, row scratch), so processing never allocates; the
 * caller allocates it once (pp_sizeof bytes, e.g. arcade_alloc) and calls pp_init. */
#ifndef ARCADE_PREPROCESS_H
#define ARCADE_PREPROCESS_H
#include <stdint.h>

#define PP_MAX_SRC 320u          /* largest source width / height */
#define PP_MAX_DST 256u          /* largest destination width / height (and <= source) */
#define PP_MAX_ENTRIES (PP_MAX_SRC + PP_MAX_DST + 2u)
#define PP_MAX_TAPS 4u           /* per-output source taps of the grouped horizontal kernel */
#define PP_GROUPS (PP_MAX_DST / 4u)

enum { PP_OK = 0, PP_ERR_ARG = -1, PP_ERR_SIZE = -2, PP_ERR_GEOMETRY = -3 };

/* One axis of the area weights, in OpenCV's table order: output di[k] gets alpha[k] * src[si[k]]. */
typedef struct PpAxis {
  uint32_t n;
  uint16_t di[PP_MAX_ENTRIES];
  uint16_t si[PP_MAX_ENTRIES];
  float alpha[PP_MAX_ENTRIES];
} PpAxis;

typedef struct Preproc {
  uint32_t srcW, srcH, dstW, dstH;
  PpAxis x, y;
  /* Grouped form of the x table (4 outputs at a time, each with `taps` taps in source order,
   * padded with weight 0, all reading from one 16-byte window starting at groupBase). Padding
   * is exact: x + 0.0f == x for every non-negative float. grouped = 0 when some group does not
   * fit (large shrink factors); then the table-order kernel is used. */
  uint32_t grouped, taps, groups;
  uint16_t groupBase[PP_GROUPS];
  uint8_t groupMask[PP_GROUPS][PP_MAX_TAPS][16];   /* swizzle: byte i of the window -> lane */
  float groupAlpha[PP_GROUPS][PP_MAX_TAPS][4];
  /* Scratch (never allocated per call). */
  uint8_t lut[256];
  int32_t lutPal;                 /* palette the lut holds (-1 none) */
  _Alignas(16) uint8_t row[PP_MAX_SRC + 32];        /* pooled gray source row + load slack */
  _Alignas(16) float hrow[2][PP_MAX_DST + 16];       /* horizontal sums of the cached rows */
  int32_t hrowSrc[2];                               /* source row held in hrow[i] (-1 none) */
  _Alignas(16) float sum[PP_MAX_DST + 16];           /* vertical accumulator */
  _Alignas(16) uint8_t out[PP_MAX_DST + 16];        /* finished output row */
} Preproc;

/* Prepares ctx for srcW x srcH -> dstW x dstH (shrinking; 1 <= dst <= src, src <= PP_MAX_SRC,
 * dst <= PP_MAX_DST). Returns PP_OK or a negative PP_ERR_*; ctx is then unusable. */
int pp_init(Preproc *ctx, uint32_t srcW, uint32_t srcH, uint32_t dstW, uint32_t dstH);

/* Resize of max(a, b) per byte (b may be 0: a alone), a and b grayscale srcH x srcW, into
 * dst (dstH x dstW). */
void pp_resize_gray(Preproc *ctx, const uint8_t *a, const uint8_t *b, uint8_t *dst);

/* The same from palette indices: gray = palette luminance (pal 0 NTSC, 1 PAL) applied to each
 * of a and b before the max (max of grays, not of indices, as AtariPreprocessing does). */
void pp_resize_indices(Preproc *ctx, const uint8_t *a, const uint8_t *b, int pal, uint8_t *dst);

/* Table-order reference kernel (no grouping), exposed for tests. Same results. */
void pp_resize_gray_reference(Preproc *ctx, const uint8_t *a, const uint8_t *b, uint8_t *dst);

/* out[i] = max(a[i], b[i]). */
void pp_max_bytes(const uint8_t *a, const uint8_t *b, uint8_t *out, uint32_t n);

#endif
