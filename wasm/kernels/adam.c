/* One Adam update for tfjs's AdamOptimizer on the 'wasm' backend (see adam.h). tfjs runs it as
 * about fifteen elementwise ops per variable, each a full pass over memory on one core; this is
 * one pass, on the pool. Every step is an IEEE float32 operation (mul, add, div, sqrt: exactly
 * rounded, no fused multiply-add in wasm SIMD) in tfjs's order, so the bits equal tfjs's. */
#include "adam.h"
#include "conv_grad.h" /* error codes */
#include "threads.h"
#include <wasm_simd128.h>

#define ADAM_BLOCK 16384 /* elements per work item */

typedef struct {
  const float *value, *m, *v, *g;
  float *out_value, *out_m, *out_v;
  int32_t n;
  float b1, one_minus_b1, b2, one_minus_b2, c1, c2, eps, neg_lr;
} adam_ctx;

static inline float adam_one(const adam_ctx *c, int32_t i) {
  const float g = c->g[i];
  const float m = c->m[i] * c->b1 + g * c->one_minus_b1;
  const float v = c->v[i] * c->b2 + (g * g) * c->one_minus_b2;
  c->out_m[i] = m;
  c->out_v[i] = v;
  return (m / c->c1) / (__builtin_sqrtf(v / c->c2) + c->eps) * c->neg_lr + c->value[i];
}

static void adam_item(const void *vctx, int32_t item) {
  const adam_ctx *c = (const adam_ctx *)vctx;
  const int32_t i0 = item * ADAM_BLOCK, i1 = i0 + ADAM_BLOCK < c->n ? i0 + ADAM_BLOCK : c->n;
  const v128_t b1 = wasm_f32x4_splat(c->b1), ob1 = wasm_f32x4_splat(c->one_minus_b1);
  const v128_t b2 = wasm_f32x4_splat(c->b2), ob2 = wasm_f32x4_splat(c->one_minus_b2);
  const v128_t c1 = wasm_f32x4_splat(c->c1), c2 = wasm_f32x4_splat(c->c2);
  const v128_t eps = wasm_f32x4_splat(c->eps), nlr = wasm_f32x4_splat(c->neg_lr);
  int32_t i = i0;
  for (; i + 4 <= i1; i += 4) {
    const v128_t g = wasm_v128_load(c->g + i);
    const v128_t m = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(c->m + i), b1), wasm_f32x4_mul(g, ob1));
    const v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(c->v + i), b2),
                                    wasm_f32x4_mul(wasm_f32x4_mul(g, g), ob2));
    wasm_v128_store(c->out_m + i, m);
    wasm_v128_store(c->out_v + i, v);
    const v128_t den = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(v, c2)), eps);
    const v128_t upd = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(m, c1), den), nlr);
    wasm_v128_store(c->out_value + i, wasm_f32x4_add(upd, wasm_v128_load(c->value + i)));
  }
  for (; i < i1; i++) c->out_value[i] = adam_one(c, i);
}

__attribute__((export_name("tk_adam")))
int32_t tk_adam(uint32_t value, uint32_t m, uint32_t v, uint32_t g, uint32_t out_value,
                uint32_t out_m, uint32_t out_v, int32_t n, float b1, float one_minus_b1, float b2,
                float one_minus_b2, float c1, float c2, float eps, float neg_lr) {
  if (!value || !m || !v || !g || !out_value || !out_m || !out_v || n < 0) return TK_ERR_SHAPE;
  adam_ctx c = {(const float *)value, (const float *)m, (const float *)v, (const float *)g,
                (float *)out_value, (float *)out_m, (float *)out_v, n,
                b1, one_minus_b1, b2, one_minus_b2, c1, c2, eps, neg_lr};
  return tk_parallel_for(adam_item, &c, (n + ADAM_BLOCK - 1) / ADAM_BLOCK);
}
