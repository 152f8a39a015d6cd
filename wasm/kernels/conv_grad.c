/* Convolution kernels (see conv_grad.h) in wasm32 + simd128: forward and both gradients.
 *
 * All three are matrix products over the im2col view of the input, but we never build the
 * im2col matrix: for a fixed filter tap (kh,kw) the patch entries of one output position are the
 * CI consecutive channels of one input pixel, so a pointer "base offset of the output position's
 * window + offset of the tap" addresses them directly. To make that pointer arithmetic free of
 * bounds checks, inputs that need implicit zero padding (or a channel count that is not a
 * multiple of the SIMD width) are first repacked into a zero-padded copy inside our arena.
 *
 * Register tiles are sized for 16 SIMD registers (what V8/SpiderMonkey give on x86-64 and what
 * arm64 easily covers): 8 accumulators + 2 streamed vectors + 1-4 splats.
 */
#include "conv_grad.h"
#include "threads.h"
#include <stddef.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* ---------------------------------------------------------------- arena ---- */

extern unsigned char __heap_base;
static uint32_t arena_top;  /* 0 = not initialised yet */

static uint32_t arena_start(void) { return ((uint32_t)(uintptr_t)&__heap_base + 63u) & ~63u; }

EXPORT("tk_reset") void tk_reset(void) { arena_top = arena_start(); }

EXPORT("tk_arena_used") uint32_t tk_arena_used(void) {
  return arena_top ? arena_top - arena_start() : 0;
}

EXPORT("tk_alloc") uint32_t tk_alloc(uint32_t nbytes) {
  if (!arena_top) tk_reset();
  uint32_t start = arena_top;
  uint64_t end = (uint64_t)start + (((uint64_t)nbytes + 63u) & ~(uint64_t)63u);
  if (end > 0xFFFF0000ull) return 0;
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
  if (end > have) {
    uint64_t pages = (end - have + 65535u) / 65536u;
    /* grow a little extra so that steady-state training stops growing after the first step */
    uint64_t extra = pages / 4;
    if (__builtin_wasm_memory_grow(0, (size_t)(pages + extra)) == (size_t)-1 &&
        __builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1)
      return 0;
  }
  arena_top = (uint32_t)end;
  return start;
}

/* ------------------------------------------------------------- helpers ---- */

static inline int32_t round_up(int32_t v, int32_t m) { return (v + m - 1) / m * m; }

static void zero_floats(float *p, size_t n) { __builtin_memset(p, 0, n * sizeof(float)); }

/* Validates shapes; computes the padded window extent (rows/cols any window ever touches). */
static int32_t check_params(const tk_conv_params *p, int32_t *hp, int32_t *wp) {
  if (p->batch <= 0 || p->in_h <= 0 || p->in_w <= 0 || p->in_c <= 0 || p->out_h <= 0 ||
      p->out_w <= 0 || p->out_c <= 0 || p->k_h <= 0 || p->k_w <= 0 || p->stride_h <= 0 ||
      p->stride_w <= 0)
    return TK_ERR_SHAPE;
  if (p->pad_top < 0 || p->pad_left < 0) return TK_ERR_PAD;
  int64_t h = (int64_t)(p->out_h - 1) * p->stride_h + p->k_h;
  int64_t w = (int64_t)(p->out_w - 1) * p->stride_w + p->k_w;
  /* Windows must start inside the padded input: true for every tfjs padding mode. */
  if (p->pad_top >= p->k_h + p->in_h || p->pad_left >= p->k_w + p->in_w) return TK_ERR_PAD;
  /* Keep every buffer well inside the 32-bit address space (checked once here). */
  int64_t c8 = round_up(p->in_c, 8), o8 = round_up(p->out_c, 8);
  int64_t hh = h > p->in_h ? h : p->in_h, ww = w > p->in_w ? w : p->in_w;
  if ((int64_t)p->batch * hh * ww * c8 * 4 > 0x40000000ll ||
      (int64_t)p->batch * p->out_h * p->out_w * o8 * 4 > 0x40000000ll ||
      (int64_t)p->k_h * p->k_w * c8 * o8 * 4 > 0x40000000ll)
    return TK_ERR_SHAPE;
  *hp = (int32_t)h;
  *wp = (int32_t)w;
  return TK_OK;
}

/* Copies x [B,H,W,C] into a zeroed [B,Hp,Wp,Cp] buffer at row/col offset (pt,pl), dropping
 * input rows/cols that no window reaches. */
static void pack_padded(const float *x, float *xp, const tk_conv_params *p, int32_t hp,
                        int32_t wp, int32_t cp) {
  zero_floats(xp, (size_t)p->batch * hp * wp * cp);
  for (int32_t b = 0; b < p->batch; b++)
    for (int32_t ih = 0; ih < p->in_h; ih++) {
      int32_t r = ih + p->pad_top;
      if (r >= hp) break;
      for (int32_t iw = 0; iw < p->in_w; iw++) {
        int32_t c = iw + p->pad_left;
        if (c >= wp) break;
        const float *src = x + (((size_t)b * p->in_h + ih) * p->in_w + iw) * p->in_c;
        float *dst = xp + (((size_t)b * hp + r) * wp + c) * cp;
        for (int32_t ci = 0; ci < p->in_c; ci++) dst[ci] = src[ci];
      }
    }
}

/* Offset (in floats) of each output position's window origin inside a [B,hs,ws,cs] source. */
static int32_t *window_bases(const tk_conv_params *p, int32_t hs, int32_t ws, int32_t cs) {
  const int32_t m_total = p->batch * p->out_h * p->out_w, per_img = p->out_h * p->out_w;
  uint32_t q = tk_alloc((uint32_t)m_total * 4);
  if (!q) return 0;
  int32_t *base = (int32_t *)q;
  for (int32_t m = 0; m < m_total; m++) {
    int32_t b = m / per_img, r = m - b * per_img;
    int32_t oh = r / p->out_w, ow = r - oh * p->out_w;
    base[m] = ((b * hs + oh * p->stride_h) * ws + ow * p->stride_w) * cs;
  }
  return base;
}

/* ------------------------------------------------------------- forward ---- */

/* y[m][co] = sum_{kh} sum_{kw,ci} xs[base[m] + (kh*ws + kw)*ci_n + ci] * W[kh][kw][ci][co]: a
 * GEMM whose A rows are read in place (for one kh the kW*CI patch entries are contiguous in
 * NHWC) and whose B is the filter packed into 8-column panels [co/8][K][8], zero past out_c. */
typedef struct {
  const tk_conv_params *p;
  const float *xs, *wpk;
  float *y;
  const int32_t *base;
  int32_t ws, k_total, panels;
} fwd_ctx;

#define FWD_ROWS 4
#define FWD_CHUNK 16 /* output positions per work item */

static void fwd_item(const void *vctx, int32_t item) {
  const fwd_ctx *c = (const fwd_ctx *)vctx;
  const tk_conv_params *p = c->p;
  const int32_t m_total = p->batch * p->out_h * p->out_w;
  const int32_t run = p->k_w * p->in_c, row_step = c->ws * p->in_c;
  const int32_t m_end = (item + 1) * FWD_CHUNK < m_total ? (item + 1) * FWD_CHUNK : m_total;
  for (int32_t m0 = item * FWD_CHUNK; m0 < m_end; m0 += FWD_ROWS) {
    const int32_t rows = m_end - m0 < FWD_ROWS ? m_end - m0 : FWD_ROWS;
    /* a missing row of a partial tile re-reads row 0; its sums are dropped */
    const float *x0 = c->xs + c->base[m0];
    const float *x1 = rows > 1 ? c->xs + c->base[m0 + 1] : x0;
    const float *x2 = rows > 2 ? c->xs + c->base[m0 + 2] : x0;
    const float *x3 = rows > 3 ? c->xs + c->base[m0 + 3] : x0;
    for (int32_t q = 0; q < c->panels; q++) {
      v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
      v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *bp = c->wpk + (size_t)q * c->k_total * 8;
      for (int32_t kh = 0; kh < p->k_h; kh++) {
        const int32_t o = kh * row_step;
        const float *r0 = x0 + o, *r1 = x1 + o, *r2 = x2 + o, *r3 = x3 + o;
        for (int32_t k = 0; k < run; k++, bp += 8) {
          v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
          v128_t s = wasm_v128_load32_splat(r0 + k);
          c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(s, b0));
          c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(s, b1));
          s = wasm_v128_load32_splat(r1 + k);
          c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(s, b0));
          c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(s, b1));
          s = wasm_v128_load32_splat(r2 + k);
          c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(s, b0));
          c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(s, b1));
          s = wasm_v128_load32_splat(r3 + k);
          c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(s, b0));
          c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(s, b1));
        }
      }
      float t[FWD_ROWS][8];
      wasm_v128_store(t[0], c00);
      wasm_v128_store(t[0] + 4, c01);
      wasm_v128_store(t[1], c10);
      wasm_v128_store(t[1] + 4, c11);
      wasm_v128_store(t[2], c20);
      wasm_v128_store(t[2] + 4, c21);
      wasm_v128_store(t[3], c30);
      wasm_v128_store(t[3] + 4, c31);
      const int32_t co = q * 8, cols = p->out_c - co < 8 ? p->out_c - co : 8;
      for (int32_t r = 0; r < rows; r++) {
        float *dst = c->y + (size_t)(m0 + r) * p->out_c + co;
        if (cols == 8) {
          wasm_v128_store(dst, wasm_v128_load(t[r]));
          wasm_v128_store(dst + 4, wasm_v128_load(t[r] + 4));
        } else {
          for (int32_t j = 0; j < cols; j++) dst[j] = t[r][j];
        }
      }
    }
  }
}

static int32_t conv_fwd(const float *x, const float *w, float *y, const tk_conv_params *p) {
  int32_t hp, wp;
  int32_t rc = check_params(p, &hp, &wp);
  if (rc) return rc;
  const float *xs = x;
  int32_t hs = p->in_h, ws = p->in_w;
  if (p->pad_top || p->pad_left || hp > p->in_h || wp > p->in_w) {
    uint32_t xp = tk_alloc((uint32_t)((size_t)p->batch * hp * wp * p->in_c * 4));
    if (!xp) return TK_ERR_OOM;
    pack_padded(x, (float *)xp, p, hp, wp, p->in_c);
    xs = (const float *)xp;
    hs = hp;
    ws = wp;
  }
  const int32_t k_total = p->k_h * p->k_w * p->in_c, panels = (p->out_c + 7) / 8;
  uint32_t q = tk_alloc((uint32_t)((size_t)panels * k_total * 8 * 4));
  if (!q) return TK_ERR_OOM;
  float *wpk = (float *)q;
  for (int32_t pn = 0; pn < panels; pn++)
    for (int32_t k = 0; k < k_total; k++)
      for (int32_t j = 0; j < 8; j++) {
        int32_t co = pn * 8 + j;
        wpk[((size_t)pn * k_total + k) * 8 + j] = co < p->out_c ? w[(size_t)k * p->out_c + co] : 0.f;
      }
  const int32_t *base = window_bases(p, hs, ws, p->in_c);
  if (!base) return TK_ERR_OOM;
  fwd_ctx c = {p, xs, wpk, y, base, ws, k_total, panels};
  const int32_t m_total = p->batch * p->out_h * p->out_w;
  return tk_parallel_for(fwd_item, &c, (m_total + FWD_CHUNK - 1) / FWD_CHUNK);
}

/* --------------------------------------------------- backprop to filter ---- */

/* Work items are groups of dW rows (one filter tap x 4 input channels, all output channels);
 * each item runs the whole reduction over output positions m for its rows, in m order and in
 * chunks that keep the dy rows and the x band cache-resident. So every dW element is one sum
 * in m order whatever the items are: the bits do not depend on the thread count (nor on the
 * item count, which therefore follows the pool size: every item streams all of dy once). */
#define BPF_CHUNK 256

typedef struct {
  const tk_conv_params *p;
  const float *xs, *dys;
  float *dwp;
  const int32_t *base;
  int32_t ws, cip, cop, m_total, pairs, per_item;
} bpf_ctx;

static void bpf_item(const void *vctx, int32_t item) {
  const bpf_ctx *c = (const bpf_ctx *)vctx;
  const tk_conv_params *p = c->p;
  const int32_t cip = c->cip, cop = c->cop, ci_blocks = cip / 4;
  const int32_t q0 = item * c->per_item, q1 = q0 + c->per_item < c->pairs ? q0 + c->per_item : c->pairs;
  for (int32_t q = q0; q < q1; q++) { /* this item's rows start from zero */
    const int32_t tap = q / ci_blocks, ci = (q - tap * ci_blocks) * 4;
    zero_floats(c->dwp + ((size_t)tap * cip + ci) * cop, (size_t)4 * cop);
  }
  for (int32_t m0 = 0; m0 < c->m_total; m0 += BPF_CHUNK) {
    const int32_t n = c->m_total - m0 < BPF_CHUNK ? c->m_total - m0 : BPF_CHUNK;
    const int32_t *base = c->base + m0;
    const float *g_chunk = c->dys + (size_t)m0 * cop;
    for (int32_t q = q0; q < q1; q++) {
      const int32_t tap = q / ci_blocks, ci = (q - tap * ci_blocks) * 4;
      const int32_t kh = tap / p->k_w, kw = tap - kh * p->k_w;
      const float *xk = c->xs + (kh * c->ws + kw) * cip + ci;
      float *drow = c->dwp + ((size_t)tap * cip + ci) * cop;
      for (int32_t co = 0; co < cop; co += 8) {
        /* Tile: dW rows ci..ci+3 x cols co..co+7 live in 8 registers across the chunk. */
        float *d = drow + co;
        v128_t a00 = wasm_v128_load(d), a01 = wasm_v128_load(d + 4);
        v128_t a10 = wasm_v128_load(d + cop), a11 = wasm_v128_load(d + cop + 4);
        v128_t a20 = wasm_v128_load(d + 2 * cop), a21 = wasm_v128_load(d + 2 * cop + 4);
        v128_t a30 = wasm_v128_load(d + 3 * cop), a31 = wasm_v128_load(d + 3 * cop + 4);
        const float *g = g_chunk + co;
        for (int32_t i = 0; i < n; i++, g += cop) {
          const float *xv = xk + base[i];
          v128_t g0 = wasm_v128_load(g), g1 = wasm_v128_load(g + 4);
          v128_t s = wasm_v128_load32_splat(xv);
          a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s, g0));
          a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s, g1));
          s = wasm_v128_load32_splat(xv + 1);
          a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s, g0));
          a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s, g1));
          s = wasm_v128_load32_splat(xv + 2);
          a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(s, g0));
          a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(s, g1));
          s = wasm_v128_load32_splat(xv + 3);
          a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(s, g0));
          a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(s, g1));
        }
        wasm_v128_store(d, a00);
        wasm_v128_store(d + 4, a01);
        wasm_v128_store(d + cop, a10);
        wasm_v128_store(d + cop + 4, a11);
        wasm_v128_store(d + 2 * cop, a20);
        wasm_v128_store(d + 2 * cop + 4, a21);
        wasm_v128_store(d + 3 * cop, a30);
        wasm_v128_store(d + 3 * cop + 4, a31);
      }
    }
  }
}

static int32_t bp_filter(const float *x, const float *dy, float *dw, const tk_conv_params *p) {
  int32_t hp, wp;
  int32_t rc = check_params(p, &hp, &wp);
  if (rc) return rc;
  const int32_t cip = round_up(p->in_c, 4), cop = round_up(p->out_c, 8);

  /* Source of the windows: x itself when no repacking is needed ('valid', CI%4 == 0). */
  const float *xs = x;
  int32_t hs = p->in_h, ws = p->in_w;
  if (p->pad_top || p->pad_left || cip != p->in_c || hp > p->in_h || wp > p->in_w) {
    uint32_t xp = tk_alloc((uint32_t)((size_t)p->batch * hp * wp * cip * 4));
    if (!xp) return TK_ERR_OOM;
    pack_padded(x, (float *)xp, p, hp, wp, cip);
    xs = (const float *)xp;
    hs = hp;
    ws = wp;
  }

  const int32_t m_total = p->batch * p->out_h * p->out_w;
  const float *dys = dy;
  if (cop != p->out_c) {
    uint32_t q = tk_alloc((uint32_t)((size_t)m_total * cop * 4));
    if (!q) return TK_ERR_OOM;
    float *d = (float *)q;
    for (int32_t m = 0; m < m_total; m++) {
      for (int32_t c = 0; c < p->out_c; c++) d[(size_t)m * cop + c] = dy[(size_t)m * p->out_c + c];
      for (int32_t c = p->out_c; c < cop; c++) d[(size_t)m * cop + c] = 0.f;
    }
    dys = d;
  }

  const int32_t taps = p->k_h * p->k_w, dw_n = taps * cip * cop;
  float *dwp = dw;
  if (cip != p->in_c || cop != p->out_c) {
    uint32_t q = tk_alloc((uint32_t)((size_t)dw_n * 4));
    if (!q) return TK_ERR_OOM;
    dwp = (float *)q;
  }
  const int32_t *base = window_bases(p, hs, ws, cip);
  if (!base) return TK_ERR_OOM;
  const int32_t pairs = taps * (cip / 4), items_wanted = 2 * tk_pool_threads();
  const int32_t per_item = (pairs + items_wanted - 1) / items_wanted;
  bpf_ctx c = {p, xs, dys, dwp, base, ws, cip, cop, m_total, pairs, per_item};
  rc = tk_parallel_for(bpf_item, &c, (pairs + per_item - 1) / per_item);
  if (rc) return rc;

  if (dwp != dw) /* drop the channel padding */
    for (int32_t t = 0; t < taps; t++)
      for (int32_t ci = 0; ci < p->in_c; ci++)
        for (int32_t co = 0; co < p->out_c; co++)
          dw[((size_t)t * p->in_c + ci) * p->out_c + co] = dwp[((size_t)t * cip + ci) * cop + co];
  return TK_OK;
}

/* ---------------------------------------------------- backprop to input ---- */

/* Adds sum_co g_j[co] * wt[co][ci..ci+7] into dst_j[0..7] for NM output positions at once.
 * wt rows are cip floats apart (filter tap transposed to [co][ci]). */
#define BPI_TILE(NM)                                                                       \
  static inline void bpi_tile_##NM(const float *const *g, float *const *dst,              \
                                   const float *wt, int32_t cip, int32_t nco) {           \
    v128_t acc[NM][2];                                                                     \
    for (int j = 0; j < NM; j++) acc[j][0] = acc[j][1] = wasm_f32x4_splat(0.f);            \
    for (int32_t co = 0; co < nco; co++, wt += cip) {                                      \
      v128_t w0 = wasm_v128_load(wt), w1 = wasm_v128_load(wt + 4);                         \
      for (int j = 0; j < NM; j++) {                                                       \
        v128_t s = wasm_v128_load32_splat(g[j] + co);                                      \
        acc[j][0] = wasm_f32x4_add(acc[j][0], wasm_f32x4_mul(s, w0));                      \
        acc[j][1] = wasm_f32x4_add(acc[j][1], wasm_f32x4_mul(s, w1));                      \
      }                                                                                    \
    }                                                                                      \
    for (int j = 0; j < NM; j++) {                                                         \
      wasm_v128_store(dst[j], wasm_f32x4_add(wasm_v128_load(dst[j]), acc[j][0]));          \
      wasm_v128_store(dst[j] + 4, wasm_f32x4_add(wasm_v128_load(dst[j] + 4), acc[j][1]));  \
    }                                                                                      \
  }
BPI_TILE(4)
BPI_TILE(1)

/* One image per work item: an image's dx only receives from its own output positions. */
typedef struct {
  const tk_conv_params *p;
  const float *dy, *wt;
  float *dxs;
  int32_t hs, ws, cip;
} bpi_ctx;

static void bpi_image(const void *vctx, int32_t b) {
  const bpi_ctx *c = (const bpi_ctx *)vctx;
  const tk_conv_params *p = c->p;
  const int32_t cip = c->cip, hs = c->hs, ws = c->ws;
  const int32_t per_img = p->out_h * p->out_w;
  zero_floats(c->dxs + (size_t)b * hs * ws * cip, (size_t)hs * ws * cip);
  for (int32_t r0 = 0; r0 < per_img; r0 += 4) {
    const int32_t n = per_img - r0 < 4 ? per_img - r0 : 4;
    int32_t base[4];
    const float *g[4];
    for (int32_t j = 0; j < n; j++) {
      int32_t r = r0 + j, oh = r / p->out_w, ow = r - oh * p->out_w;
      base[j] = ((b * hs + oh * p->stride_h) * ws + ow * p->stride_w) * cip;
      g[j] = c->dy + ((size_t)b * per_img + r) * p->out_c;
    }
    for (int32_t kh = 0; kh < p->k_h; kh++)
      for (int32_t kw = 0; kw < p->k_w; kw++) {
        const int32_t koff = (kh * ws + kw) * cip;
        const float *wtap = c->wt + (size_t)(kh * p->k_w + kw) * p->out_c * cip;
        for (int32_t ci = 0; ci < cip; ci += 8) {
          float *dst[4];
          for (int32_t j = 0; j < n; j++) dst[j] = c->dxs + base[j] + koff + ci;
          if (n == 4)
            bpi_tile_4(g, dst, wtap + ci, cip, p->out_c);
          else
            for (int32_t j = 0; j < n; j++) bpi_tile_1(g + j, dst + j, wtap + ci, cip, p->out_c);
        }
      }
  }
}

static int32_t bp_input(const float *dy, const float *w, float *dx, const tk_conv_params *p) {
  int32_t hp, wp;
  int32_t rc = check_params(p, &hp, &wp);
  if (rc) return rc;
  const int32_t cip = round_up(p->in_c, 8);
  const int32_t taps = p->k_h * p->k_w;

  /* Accumulate straight into dx when its layout already equals the padded one. */
  float *dxs = dx;
  int32_t hs = p->in_h, ws = p->in_w;
  const int direct = !(p->pad_top || p->pad_left || cip != p->in_c || hp > p->in_h || wp > p->in_w);
  if (!direct) {
    uint32_t q = tk_alloc((uint32_t)((size_t)p->batch * hp * wp * cip * 4));
    if (!q) return TK_ERR_OOM;
    dxs = (float *)q;
    hs = hp;
    ws = wp;
  }

  /* Filter transposed per tap to [co][ci], ci zero-padded to cip, so the reduction over co
   * streams contiguous ci vectors. */
  uint32_t wt_ptr = tk_alloc((uint32_t)((size_t)taps * p->out_c * cip * 4));
  if (!wt_ptr) return TK_ERR_OOM;
  float *wt = (float *)wt_ptr;
  for (int32_t t = 0; t < taps; t++)
    for (int32_t co = 0; co < p->out_c; co++) {
      float *row = wt + ((size_t)t * p->out_c + co) * cip;
      for (int32_t ci = 0; ci < p->in_c; ci++)
        row[ci] = w[((size_t)t * p->in_c + ci) * p->out_c + co];
      for (int32_t ci = p->in_c; ci < cip; ci++) row[ci] = 0.f;
    }

  bpi_ctx c = {p, dy, wt, dxs, hs, ws, cip};
  rc = tk_parallel_for(bpi_image, &c, p->batch);
  if (rc) return rc;

  if (!direct) /* crop the padding back out */
    for (int32_t b = 0; b < p->batch; b++)
      for (int32_t ih = 0; ih < p->in_h; ih++) {
        int32_t r = ih + p->pad_top;
        for (int32_t iw = 0; iw < p->in_w; iw++) {
          int32_t c = iw + p->pad_left;
          float *out = dx + (((size_t)b * p->in_h + ih) * p->in_w + iw) * p->in_c;
          if (r >= hp || c >= wp) { /* never reached by any window: zero gradient */
            for (int32_t ci = 0; ci < p->in_c; ci++) out[ci] = 0.f;
          } else {
            const float *src = dxs + (((size_t)b * hp + r) * wp + c) * cip;
            for (int32_t ci = 0; ci < p->in_c; ci++) out[ci] = src[ci];
          }
        }
      }
  return TK_OK;
}

/* ------------------------------------------------------------- exports ---- */

EXPORT("tk_conv2d")
int32_t tk_conv2d(uint32_t x_ptr, uint32_t w_ptr, uint32_t y_ptr, int32_t batch, int32_t in_h,
                  int32_t in_w, int32_t in_c, int32_t out_h, int32_t out_w, int32_t out_c,
                  int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w, int32_t pad_top,
                  int32_t pad_left) {
  tk_conv_params p = {batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w,
                      stride_h, stride_w, pad_top, pad_left};
  if (!x_ptr || !w_ptr || !y_ptr) return TK_ERR_SHAPE;
  return conv_fwd((const float *)x_ptr, (const float *)w_ptr, (float *)y_ptr, &p);
}

EXPORT("tk_conv2d_backprop_filter")
int32_t tk_conv2d_backprop_filter(uint32_t x_ptr, uint32_t dy_ptr, uint32_t dw_ptr, int32_t batch,
                                  int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_h,
                                  int32_t out_w, int32_t out_c, int32_t k_h, int32_t k_w,
                                  int32_t stride_h, int32_t stride_w, int32_t pad_top,
                                  int32_t pad_left) {
  tk_conv_params p = {batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w,
                      stride_h, stride_w, pad_top, pad_left};
  if (!x_ptr || !dy_ptr || !dw_ptr) return TK_ERR_SHAPE;
  return bp_filter((const float *)x_ptr, (const float *)dy_ptr, (float *)dw_ptr, &p);
}

EXPORT("tk_conv2d_backprop_input")
int32_t tk_conv2d_backprop_input(uint32_t dy_ptr, uint32_t w_ptr, uint32_t dx_ptr, int32_t batch,
                                 int32_t in_h, int32_t in_w, int32_t in_c, int32_t out_h,
                                 int32_t out_w, int32_t out_c, int32_t k_h, int32_t k_w,
                                 int32_t stride_h, int32_t stride_w, int32_t pad_top,
                                 int32_t pad_left) {
  tk_conv_params p = {batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w,
                      stride_h, stride_w, pad_top, pad_left};
  if (!dy_ptr || !w_ptr || !dx_ptr) return TK_ERR_SHAPE;
  return bp_input((const float *)dy_ptr, (const float *)w_ptr, (float *)dx_ptr, &p);
}
