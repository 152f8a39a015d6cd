/* Batched GEMM for the dense layers' gradients (see matmul.h).
 *
 * Both operands are repacked into contiguous panels so the inner loop streams memory linearly
 * whatever the transposes were: A into 4-row panels ([m/4][k][4]), B into 8-column panels
 * ([n/8][k][8]), zero-padded at the edges. A 4x8 output tile then stays in 8 SIMD registers for
 * the whole k loop (8 accumulators + 2 B vectors + 1 splat fit in 16 registers). */
#include "matmul.h"
#include "conv_grad.h" /* arena + error codes */
#include "threads.h"
#include <stddef.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* apack[(p*k + kk)*4 + r] = op(A)[p*4 + r][kk], zero past row m (one 4-row panel p). */
static void pack_a(const float *a, float *apack, int32_t m, int32_t k, int32_t trans, int32_t p) {
  float *dst = apack + (size_t)p * k * 4;
  const int32_t i0 = p * 4;
  const int full = i0 + 4 <= m;
  for (int32_t kk = 0; kk < k; kk++, dst += 4) {
    if (trans && full) { /* the 4 rows are adjacent in memory: one vector */
      wasm_v128_store(dst, wasm_v128_load(a + (size_t)kk * m + i0));
      continue;
    }
    for (int32_t r = 0; r < 4; r++) {
      int32_t i = i0 + r;
      dst[r] = i >= m ? 0.f : trans ? a[(size_t)kk * m + i] : a[(size_t)i * k + kk];
    }
  }
}

/* bpack[(q*k + kk)*8 + c] = op(B)[kk][q*8 + c], zero past column n (one 8-column panel q). */
static void pack_b(const float *b, float *bpack, int32_t k, int32_t n, int32_t trans, int32_t q) {
  float *dst = bpack + (size_t)q * k * 8;
  const int32_t j0 = q * 8;
  const int full = j0 + 8 <= n;
  if (!trans && full) { /* 8 adjacent columns of a row: two vectors */
    for (int32_t kk = 0; kk < k; kk++, dst += 8) {
      const float *src = b + (size_t)kk * n + j0;
      wasm_v128_store(dst, wasm_v128_load(src));
      wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
    }
  } else if (trans && full) { /* 8 rows of B^T walked together, one element each per kk */
    const float *r0 = b + (size_t)j0 * k;
    for (int32_t kk = 0; kk < k; kk++, dst += 8)
      for (int32_t c = 0; c < 8; c++) dst[c] = r0[(size_t)c * k + kk];
  } else {
    for (int32_t kk = 0; kk < k; kk++, dst += 8)
      for (int32_t c = 0; c < 8; c++) {
        int32_t j = j0 + c;
        dst[c] = j >= n ? 0.f : trans ? b[(size_t)j * k + kk] : b[(size_t)kk * n + j];
      }
  }
}

/* C[0..rows)[0..cols) = Apanel (4 x k) * Bpanel (k x 8), rows <= 4, cols <= 8. */
static void tile_4x8(const float *ap, const float *bp, int32_t k, float *c, int32_t ldc,
                     int32_t rows, int32_t cols) {
  v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int32_t kk = 0; kk < k; kk++, ap += 4, bp += 8) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t s = wasm_v128_load32_splat(ap);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(s, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(ap + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(s, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(ap + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(s, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(s, b1));
    s = wasm_v128_load32_splat(ap + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(s, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(s, b1));
  }
  if (rows == 4 && cols == 8) {
    wasm_v128_store(c, c00);
    wasm_v128_store(c + 4, c01);
    wasm_v128_store(c + ldc, c10);
    wasm_v128_store(c + ldc + 4, c11);
    wasm_v128_store(c + 2 * ldc, c20);
    wasm_v128_store(c + 2 * ldc + 4, c21);
    wasm_v128_store(c + 3 * ldc, c30);
    wasm_v128_store(c + 3 * ldc + 4, c31);
    return;
  }
  float t[4][8];
  wasm_v128_store(t[0], c00);
  wasm_v128_store(t[0] + 4, c01);
  wasm_v128_store(t[1], c10);
  wasm_v128_store(t[1] + 4, c11);
  wasm_v128_store(t[2], c20);
  wasm_v128_store(t[2] + 4, c21);
  wasm_v128_store(t[3], c30);
  wasm_v128_store(t[3] + 4, c31);
  for (int32_t r = 0; r < rows; r++)
    for (int32_t j = 0; j < cols; j++) c[(size_t)r * ldc + j] = t[r][j];
}

/* One product's work, split two ways for the pool (threads.h): packing (items = A panels, then
 * B panels, skipping an operand broadcast from the previous batch index) and tiles (items =
 * B panel x a block of A panels; every tile is one sum over k in order, so any split of the
 * tiles gives the same bits). */
typedef struct {
  const float *a, *b;
  float *apack, *bpack, *c;
  int32_t m, k, n, trans_a, trans_b, pack_a_panels, pack_b_panels, a_panels, b_panels, a_block;
} mm_ctx;

static void mm_pack(const void *vctx, int32_t item) {
  const mm_ctx *x = (const mm_ctx *)vctx;
  if (item < x->pack_a_panels) pack_a(x->a, x->apack, x->m, x->k, x->trans_a, item);
  else pack_b(x->b, x->bpack, x->k, x->n, x->trans_b, item - x->pack_a_panels);
}

static void mm_tiles(const void *vctx, int32_t item) {
  const mm_ctx *x = (const mm_ctx *)vctx;
  const int32_t blocks = (x->a_panels + x->a_block - 1) / x->a_block;
  /* B panel outer: it is the larger operand in the dense gradients and stays cache-resident
   * while the A panels stream past it. */
  const int32_t q = item / blocks, p0 = (item - q * blocks) * x->a_block;
  const int32_t p1 = p0 + x->a_block < x->a_panels ? p0 + x->a_block : x->a_panels;
  const int32_t cols = x->n - q * 8 < 8 ? x->n - q * 8 : 8;
  const float *bq = x->bpack + (size_t)q * x->k * 8;
  for (int32_t p = p0; p < p1; p++) {
    const int32_t rows = x->m - p * 4 < 4 ? x->m - p * 4 : 4;
    tile_4x8(x->apack + (size_t)p * x->k * 4, bq, x->k, x->c + (size_t)p * 4 * x->n + q * 8, x->n, rows, cols);
  }
}

#define MM_MIN_ITEMS 16

EXPORT("tk_batch_matmul")
int32_t tk_batch_matmul(uint32_t a_ptr, uint32_t b_ptr, uint32_t c_ptr, int32_t batch_a,
                        int32_t batch_b, int32_t m, int32_t k, int32_t n, int32_t trans_a,
                        int32_t trans_b) {
  if (!a_ptr || !b_ptr || !c_ptr || batch_a <= 0 || batch_b <= 0 || m <= 0 || n <= 0 || k < 0)
    return TK_ERR_SHAPE;
  if (batch_a != batch_b && batch_a != 1 && batch_b != 1) return TK_ERR_SHAPE;
  const int32_t batch = batch_a > batch_b ? batch_a : batch_b;
  const int64_t mp = (m + 3) / 4 * 4, np = (n + 7) / 8 * 8;
  if ((int64_t)batch * m * n * 4 > 0x40000000ll || mp * k * 4 > 0x40000000ll ||
      np * k * 4 > 0x40000000ll)
    return TK_ERR_SHAPE;
  const float *a = (const float *)a_ptr, *b = (const float *)b_ptr;
  float *c = (float *)c_ptr;
  if (k == 0) {
    __builtin_memset(c, 0, (size_t)batch * m * n * sizeof(float));
    return TK_OK;
  }
  uint32_t ap = tk_alloc((uint32_t)(mp * k * 4)), bp = tk_alloc((uint32_t)(np * k * 4));
  if (!ap || !bp) return TK_ERR_OOM;
  mm_ctx x = {0};
  x.apack = (float *)ap;
  x.bpack = (float *)bp;
  x.m = m;
  x.k = k;
  x.n = n;
  x.trans_a = trans_a;
  x.trans_b = trans_b;
  x.a_panels = (int32_t)(mp / 4);
  x.b_panels = (int32_t)(np / 8);
  /* enough tile items to balance the pool when B has few panels (the narrow Q-value head) */
  const int32_t want_blocks = (MM_MIN_ITEMS + x.b_panels - 1) / x.b_panels;
  x.a_block = want_blocks >= x.a_panels ? 1 : (x.a_panels + want_blocks - 1) / want_blocks;
  const int32_t tile_items = x.b_panels * ((x.a_panels + x.a_block - 1) / x.a_block);
  for (int32_t i = 0; i < batch; i++) {
    x.a = a + (size_t)(batch_a > 1 ? i : 0) * m * k;
    x.b = b + (size_t)(batch_b > 1 ? i : 0) * k * n;
    x.pack_a_panels = i == 0 || batch_a > 1 ? x.a_panels : 0;
    x.pack_b_panels = i == 0 || batch_b > 1 ? x.b_panels : 0;
    x.c = c + (size_t)i * m * n;
    int32_t rc = tk_parallel_for(mm_pack, &x, x.pack_a_panels + x.pack_b_panels);
    if (!rc) rc = tk_parallel_for(mm_tiles, &x, tile_items);
    if (rc) return rc;
  }
  return TK_OK;
}
