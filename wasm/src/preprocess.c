/* See preprocess.h. Why the arithmetic looks the way it does:
 *
 * cv::resize with INTER_AREA (non-integer ratios) builds, per axis, a list of (output, source,
 * weight) entries; weights are computed in double and stored as float. It reduces each source
 * row horizontally into a float row (each product rounded to float, summed in table order
 * starting from 0), then accumulates those rows vertically (float multiply-add, in table
 * order, the first row of an output assigned rather than added), and finally rounds half to
 * even and saturates to a byte. To be bit-identical we keep exactly those roundings and that
 * order; what we are free to change is *how* the same float operations are scheduled:
 *  - each horizontally reduced source row is computed once and reused by the (at most two)
 *    output rows that share it;
 *  - the horizontal reduction runs 4 outputs at a time: every output's taps are listed in
 *    source order and padded with weight 0 to a common count (adding +0.0f changes no
 *    non-negative float), and the 4 outputs' taps all come from one 16-byte window of the row,
 *    so a byte shuffle gathers them (wasm SIMD); natively the same tables run lane by lane.
 * The products of a byte and a float weight are exact in double, so the float rounding is the
 * only rounding either way. No FMA: gcc -std=c11 does not contract, wasm has no scalar FMA. */
#include "preprocess.h"
#include "palette.h"
#include "util.h"
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#else
typedef float v4f __attribute__((vector_size(16)));   /* gcc/clang generic vectors */
#endif

/* floor/ceil for the small non-negative doubles of the tables (no libm in the wasm build). */
static double floor_pos(double v) { return (double)(int64_t)v; }
static double ceil_pos(double v) { double f = floor_pos(v); return f < v ? f + 1.0 : f; }

/* Builds one axis exactly like OpenCV's computeResizeAreaTab (double maths, float weights,
 * 1e-3 sliver tolerance). Returns 0, or -1 if the table would not fit. */
static int build_axis(PpAxis *ax, uint32_t src, uint32_t dst) {
  double scale = 1.0 / ((double)dst / (double)src);
  uint32_t n = 0;
#define PUSH(D, S, A)                                                      \
  do {                                                                     \
    if (n >= PP_MAX_ENTRIES) return -1;                                    \
    ax->di[n] = (uint16_t)(D); ax->si[n] = (uint16_t)(S);                  \
    ax->alpha[n] = (float)(A); n++;                                        \
  } while (0)
  for (uint32_t d = 0; d < dst; d++) {
    double start = (double)d * scale;
    double end = start + scale;
    double cell = scale < (double)src - start ? scale : (double)src - start;
    double last = floor_pos(end);
    if (last > (double)(src - 1)) last = (double)(src - 1);
    double first = ceil_pos(start);
    if (first > last) first = last;
    if (first - start > 1e-3) PUSH(d, (uint32_t)first - 1u, (first - start) / cell);
    for (uint32_t s = (uint32_t)first; s < (uint32_t)last; s++) PUSH(d, s, 1.0 / cell);
    if (end - last > 1e-3) {
      double part = end - last;
      if (part > 1.0) part = 1.0;
      if (part > cell) part = cell;
      PUSH(d, (uint32_t)last, part / cell);
    }
  }
#undef PUSH
  ax->n = n;
  return 0;
}

/* Derives the grouped horizontal tables from ctx->x; leaves grouped = 0 when they do not fit. */
static void build_groups(Preproc *c) {
  c->grouped = 0;
  uint32_t count[PP_MAX_DST], taps = 0;
  mem_set(count, 0, sizeof count);
  for (uint32_t k = 0; k < c->x.n; k++) count[c->x.di[k]]++;
  for (uint32_t d = 0; d < c->dstW; d++) if (count[d] > taps) taps = count[d];
  if (taps == 0 || taps > PP_MAX_TAPS) return;
  uint32_t groups = (c->dstW + 3u) / 4u;
  mem_set(c->groupMask, 0xFF, sizeof c->groupMask);
  mem_set(c->groupAlpha, 0, sizeof c->groupAlpha);
  uint32_t k = 0;  /* entries are sorted by output */
  for (uint32_t g = 0; g < groups; g++) {
    uint32_t k0 = k, base = 0xFFFFu, top = 0;
    for (; k < c->x.n && c->x.di[k] < 4u * g + 4u; k++) {
      if (c->x.si[k] < base) base = c->x.si[k];
      if (c->x.si[k] > top) top = c->x.si[k];
    }
    if (k == k0 || top - base > 15u) return;
    c->groupBase[g] = (uint16_t)base;
    for (uint32_t e = k0, t = 0, prev = 0xFFFFFFFFu; e < k; e++) {
      uint32_t lane = c->x.di[e] - 4u * g;
      t = (c->x.di[e] == prev) ? t + 1u : 0u;
      prev = c->x.di[e];
      c->groupMask[g][t][4u * lane] = (uint8_t)(c->x.si[e] - base);
      c->groupAlpha[g][t][lane] = c->x.alpha[e];
    }
  }
  c->taps = taps;
  c->groups = groups;
  c->grouped = 1;
}

int pp_init(Preproc *c, uint32_t srcW, uint32_t srcH, uint32_t dstW, uint32_t dstH) {
  if (!c) return PP_ERR_ARG;
  c->srcW = c->srcH = c->dstW = c->dstH = 0;
  if (srcW == 0 || srcH == 0 || dstW == 0 || dstH == 0) return PP_ERR_SIZE;
  if (srcW > PP_MAX_SRC || srcH > PP_MAX_SRC || dstW > PP_MAX_DST || dstH > PP_MAX_DST) return PP_ERR_SIZE;
  if (dstW > srcW || dstH > srcH) return PP_ERR_GEOMETRY;   /* INTER_AREA upscaling is another kernel */
  if (build_axis(&c->x, srcW, dstW) || build_axis(&c->y, srcH, dstH)) return PP_ERR_GEOMETRY;
  mem_set(c->row, 0, sizeof c->row);
  mem_set(c->hrow, 0, sizeof c->hrow);
  mem_set(c->sum, 0, sizeof c->sum);
  c->hrowSrc[0] = c->hrowSrc[1] = -1;
  c->lutPal = -1;
  c->srcW = srcW; c->srcH = srcH; c->dstW = dstW; c->dstH = dstH;
  build_groups(c);
  return PP_OK;
}

/* ---- rows --------------------------------------------------------------------------------- */

void pp_max_bytes(const uint8_t *a, const uint8_t *b, uint8_t *out, uint32_t n) {
  uint32_t i = 0;
#ifdef __wasm_simd128__
  for (; i + 16u <= n; i += 16u)
    wasm_v128_store(out + i, wasm_u8x16_max(wasm_v128_load(a + i), wasm_v128_load(b + i)));
#endif
  for (; i < n; i++) out[i] = a[i] > b[i] ? a[i] : b[i];
}

/* Source row y as pooled gray bytes in ctx->row. */
static void load_row_gray(Preproc *c, const uint8_t *a, const uint8_t *b, uint32_t y) {
  const uint8_t *ra = a + (size_t)y * c->srcW;
  if (b) pp_max_bytes(ra, b + (size_t)y * c->srcW, c->row, c->srcW);
  else mem_copy(c->row, ra, c->srcW);
}

static void load_row_indices(Preproc *c, const uint8_t *a, const uint8_t *b, uint32_t y) {
  const uint8_t *ra = a + (size_t)y * c->srcW, *lut = c->lut;
  uint8_t *row = c->row;
  uint32_t w = c->srcW;
  if (b) {
    const uint8_t *rb = b + (size_t)y * c->srcW;
    uint32_t x = 0;
#ifdef __wasm_simd128__
    /* Consecutive frames are mostly identical: where 16 indices match, max(gray, gray) is just
     * the gray of one of them, so half the table lookups go. */
    for (; x + 16u <= w; x += 16u) {
      if (!wasm_v128_any_true(wasm_v128_xor(wasm_v128_load(ra + x), wasm_v128_load(rb + x)))) {
        for (uint32_t i = x; i < x + 16u; i++) row[i] = lut[ra[i]];
      } else {
        for (uint32_t i = x; i < x + 16u; i++) {
          uint8_t ga = lut[ra[i]], gb = lut[rb[i]];
          row[i] = ga > gb ? ga : gb;
        }
      }
    }
#endif
    for (; x < w; x++) {
      uint8_t ga = lut[ra[x]], gb = lut[rb[x]];
      row[x] = ga > gb ? ga : gb;
    }
  } else {
    for (uint32_t x = 0; x < w; x++) row[x] = lut[ra[x]];
  }
}

/* ---- horizontal pass ---------------------------------------------------------------------- */

/* Table order, one output at a time (any geometry). */
static void hpass_table(const Preproc *c, float *h) {
  for (uint32_t d = 0; d < c->dstW; d++) h[d] = 0.0f;
  const uint16_t *di = c->x.di, *si = c->x.si;
  const float *al = c->x.alpha;
  for (uint32_t k = 0; k < c->x.n; k++) {
    float p = (float)c->row[si[k]] * al[k];
    h[di[k]] = h[di[k]] + p;
  }
}

/* Grouped: 4 outputs at a time from one 16-byte window (see the top of the file). */
static void hpass_grouped(const Preproc *c, float *h) {
  const uint32_t taps = c->taps;
  for (uint32_t g = 0; g < c->groups; g++) {
    const uint8_t *win = c->row + c->groupBase[g];
#ifdef __wasm_simd128__
    v128_t w = wasm_v128_load(win);
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (uint32_t t = 0; t < taps; t++) {
      v128_t bytes = wasm_i8x16_swizzle(w, wasm_v128_load(c->groupMask[g][t]));
      v128_t p = wasm_f32x4_mul(wasm_f32x4_convert_u32x4(bytes), wasm_v128_load(c->groupAlpha[g][t]));
      acc = wasm_f32x4_add(acc, p);
    }
    wasm_v128_store(h + 4u * g, acc);
#else
    /* Same lanes with the compiler's generic vectors (SSE natively). A padded tap's mask byte
     * is 0xFF: & 15 turns it into a valid window byte, and its weight 0 makes the product 0. */
    v4f acc = {0.0f, 0.0f, 0.0f, 0.0f};
    for (uint32_t t = 0; t < taps; t++) {
      const uint8_t *m = c->groupMask[g][t];
      v4f v = {(float)win[m[0] & 15u], (float)win[m[4] & 15u], (float)win[m[8] & 15u], (float)win[m[12] & 15u]};
      v4f al;
      mem_copy(&al, c->groupAlpha[g][t], sizeof al);
      v4f p = v * al;
      acc = acc + p;
    }
    mem_copy(h + 4u * g, &acc, sizeof acc);
#endif
  }
}

/* ---- vertical pass and rounding ----------------------------------------------------------- */

/* cvRound + saturate_cast<uchar> of a non-negative float: ties to even. */
#ifndef __wasm_simd128__
static inline uint8_t round_byte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.5f) return 255;
  /* Adding 2^23 leaves no fraction bits, so the float addition itself rounds to the nearest
   * integer with ties to even (2^23 is even, so the parity is that of the integer part). */
  float r = (v + 8388608.0f) - 8388608.0f;
  return (uint8_t)(int32_t)r;
}
#endif

static void emit_row(Preproc *c, uint8_t *dst) {
  uint32_t w = c->dstW;
#ifdef __wasm_simd128__
  for (uint32_t x = 0; x < w; x += 16u) {
    v128_t i0 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(c->sum + x)));
    v128_t i1 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(c->sum + x + 4)));
    v128_t i2 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(c->sum + x + 8)));
    v128_t i3 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(c->sum + x + 12)));
    v128_t s01 = wasm_i16x8_narrow_i32x4(i0, i1), s23 = wasm_i16x8_narrow_i32x4(i2, i3);
    wasm_v128_store(c->out + x, wasm_u8x16_narrow_i16x8(s01, s23));
  }
  mem_copy(dst, c->out, w);
#else
  for (uint32_t x = 0; x < w; x++) dst[x] = round_byte(c->sum[x]);
#endif
}

static void vstart(Preproc *c, const float *h, float beta) {
  uint32_t n = (c->dstW + 3u) & ~3u;
#ifdef __wasm_simd128__
  v128_t b = wasm_f32x4_splat(beta);
  for (uint32_t x = 0; x < n; x += 4u) wasm_v128_store(c->sum + x, wasm_f32x4_mul(b, wasm_v128_load(h + x)));
#else
  v4f b = {beta, beta, beta, beta};
  for (uint32_t x = 0; x < n; x += 4u) {
    v4f v; mem_copy(&v, h + x, sizeof v);
    v4f p = b * v;
    mem_copy(c->sum + x, &p, sizeof p);
  }
#endif
}

static void vadd(Preproc *c, const float *h, float beta) {
  uint32_t n = (c->dstW + 3u) & ~3u;
#ifdef __wasm_simd128__
  v128_t b = wasm_f32x4_splat(beta);
  for (uint32_t x = 0; x < n; x += 4u)
    wasm_v128_store(c->sum + x, wasm_f32x4_add(wasm_v128_load(c->sum + x), wasm_f32x4_mul(b, wasm_v128_load(h + x))));
#else
  v4f b = {beta, beta, beta, beta};
  for (uint32_t x = 0; x < n; x += 4u) {
    v4f v, acc; mem_copy(&v, h + x, sizeof v); mem_copy(&acc, c->sum + x, sizeof acc);
    v4f p = b * v;
    acc = acc + p;
    mem_copy(c->sum + x, &acc, sizeof acc);
  }
#endif
}

typedef void (*RowLoader)(Preproc *, const uint8_t *, const uint8_t *, uint32_t);

static void resize(Preproc *c, const uint8_t *a, const uint8_t *b, uint8_t *dst, RowLoader load, int grouped) {
  if (!c || !a || !dst || c->dstW == 0) return;
  c->hrowSrc[0] = c->hrowSrc[1] = -1;
  uint32_t prev = c->y.di[0];
  for (uint32_t j = 0; j < c->y.n; j++) {
    uint32_t s = c->y.si[j], d = c->y.di[j];
    /* Entries visit source rows in non-decreasing order and a row is shared only by two
     * neighbouring outputs, so a two-slot cache indexed by parity never recomputes a row. */
    float *h = c->hrow[s & 1u];
    if (c->hrowSrc[s & 1u] != (int32_t)s) {
      load(c, a, b, s);
      if (grouped) hpass_grouped(c, h); else hpass_table(c, h);
      c->hrowSrc[s & 1u] = (int32_t)s;
    }
    if (j == 0) {
      vstart(c, h, c->y.alpha[j]);
    } else if (d != prev) {
      emit_row(c, dst + (size_t)prev * c->dstW);
      vstart(c, h, c->y.alpha[j]);
      prev = d;
    } else {
      vadd(c, h, c->y.alpha[j]);
    }
  }
  emit_row(c, dst + (size_t)prev * c->dstW);
}

void pp_resize_gray(Preproc *c, const uint8_t *a, const uint8_t *b, uint8_t *dst) {
  if (c) resize(c, a, b, dst, load_row_gray, (int)c->grouped);
}

void pp_resize_gray_reference(Preproc *c, const uint8_t *a, const uint8_t *b, uint8_t *dst) {
  resize(c, a, b, dst, load_row_gray, 0);
}

void pp_resize_indices(Preproc *c, const uint8_t *a, const uint8_t *b, int pal, uint8_t *dst) {
  if (!c) return;
  pal = pal ? 1 : 0;
  if (c->lutPal != pal) {
    for (uint32_t i = 0; i < 256u; i++) c->lut[i] = palette_gray(pal, (uint8_t)i);
    c->lutPal = pal;
  }
  resize(c, a, b, dst, load_row_indices, (int)c->grouped);
}
