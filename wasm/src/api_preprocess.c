/* wasm exports of the preprocessing unit (preprocess.h). Pointers are byte offsets into the
 * shared linear memory, so `dst` may point into a region another worker reads (the
 * obs slots of a SharedArrayBuffer-backed memory). Every entry point validates its arguments
 * and returns a negative PP_ERR_* code instead of trapping. */
#include "ale.h"
#include "preprocess.h"
#include "util.h"

WASM_EXPORT("pp_sizeof") uint32_t api_pp_sizeof(void) { return (uint32_t)sizeof(Preproc); }

WASM_EXPORT("pp_init") int api_pp_init(Preproc *c, uint32_t srcW, uint32_t srcH, uint32_t dstW, uint32_t dstH) {
  return pp_init(c, srcW, srcH, dstW, dstH);
}

static int ready(const Preproc *c) { return c && c->dstW != 0; }

/* a, b: srcH x srcW grayscale (b = 0: no max-pool); dst: dstH x dstW. */
WASM_EXPORT("pp_resize_gray") int api_pp_resize_gray(Preproc *c, const uint8_t *a, const uint8_t *b, uint8_t *dst) {
  if (!ready(c) || !a || !dst) return PP_ERR_ARG;
  pp_resize_gray(c, a, b, dst);
  return PP_OK;
}

/* Same with palette indices (pal: 0 NTSC, 1 PAL); gray conversion before the max. */
WASM_EXPORT("pp_resize_indices") int api_pp_resize_indices(Preproc *c, const uint8_t *a, const uint8_t *b, int32_t pal, uint8_t *dst) {
  if (!ready(c) || !a || !dst) return PP_ERR_ARG;
  pp_resize_indices(c, a, b, pal, dst);
  return PP_OK;
}

/* The emulator's current screen (max-pooled with the previous one when maxpool != 0) into dst.
 * "Previous" is the TIA's other frame buffer, i.e. the frame before the last completed one, which
 * is what AtariPreprocessing pools when the core does the frame skip (ale_set_frame_skip) and
 * the last two frames were complete. ctx must have been set up for 160 x the ROM's height. */
static int check(const Preproc *c, const Ale *a) {
  if (!ready(c) || !a) return PP_ERR_ARG;
  if (!a->loaded) return ALE_ERR_NOT_LOADED;
  if (c->srcW != TIA_WIDTH || c->srcH != a->height) return PP_ERR_GEOMETRY;
  return PP_OK;
}

static int observe(Preproc *c, Ale *a, int32_t maxpool, uint8_t *dst) {
  int rc = check(c, a);
  if (rc != PP_OK) return rc;
  if (!dst) return PP_ERR_ARG;
  const uint8_t *cur = ale_screen(a);
  const uint8_t *prev = maxpool ? tia_previous_screen(&a->rt.console) : 0;
  pp_resize_indices(c, cur, prev, a->pal, dst);
  return PP_OK;
}

WASM_EXPORT("pp_observe") int api_pp_observe(Preproc *c, Ale *a, int32_t maxpool, uint8_t *dst) {
  return observe(c, a, maxpool, dst);
}
