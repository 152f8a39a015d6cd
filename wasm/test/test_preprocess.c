/* Native tests of the preprocessing unit (wasm/src/preprocess.c).
 *
 * What is checked, and against what:
 *  - the grouped horizontal kernel (the one the wasm build runs with SIMD) equals the
 *    table-order kernel for many geometries and images;
 *  - both agree with an independent double-precision area average written here from the
 *    definition (overlap of output cells with source pixels): within 1 everywhere and exact
 *    for the vast majority of pixels (float rounding may move a value across .5);
 *  - golden values from the real OpenCV (cv2.resize INTER_AREA, see OPENCV_GOLDEN below);
 *  - palette-index input = grayscale of each frame, then max, then resize;
 *  - argument validation.
 * The wasm build itself is compared with src/env/preprocess.ts in src/preprocess/ (vitest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "preprocess.h"
#include "palette.h"

static int g_pass, g_fail;
#define CHECK(cond, ...) do { if (cond) g_pass++; else { g_fail++; \
  printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint32_t rng_state = 12345u;
static uint32_t rnd(void) { rng_state = rng_state * 1664525u + 1013904223u; return rng_state >> 8; }

static Preproc ctx;   /* large: keep it off the stack */

/* Independent oracle: exact area average in double, rounded half to even. */
static void oracle(const uint8_t *src, uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, double *out) {
  double sx = (double)sw / dw, sy = (double)sh / dh;
  for (uint32_t dy = 0; dy < dh; dy++) {
    double y0 = dy * sy, y1 = y0 + sy;
    for (uint32_t dx = 0; dx < dw; dx++) {
      double x0 = dx * sx, x1 = x0 + sx, acc = 0;
      for (uint32_t y = (uint32_t)y0; y < sh && y < y1; y++) {
        double wy = (y + 1 < y1 ? y + 1 : y1) - (y > y0 ? y : y0);
        if (wy <= 0) continue;
        for (uint32_t x = (uint32_t)x0; x < sw && x < x1; x++) {
          double wx = (x + 1 < x1 ? x + 1 : x1) - (x > x0 ? x : x0);
          if (wx > 0) acc += wx * wy * src[y * sw + x];
        }
      }
      out[dy * dw + dx] = acc / (sx * sy);
    }
  }
}

static void fill_random(uint8_t *p, size_t n, int kind) {
  for (size_t i = 0; i < n; i++) {
    switch (kind) {
      case 0: p[i] = (uint8_t)rnd(); break;                         /* noise */
      case 1: p[i] = (rnd() & 7) ? 0 : 255; break;                  /* sparse bright */
      case 2: p[i] = (uint8_t)((i * 7 + (i / 160) * 3) & 0xFF); break; /* gradients */
      default: p[i] = (rnd() & 1) ? 255 : 0; break;                 /* binary noise */
    }
  }
}

static void test_geometry(uint32_t sw, uint32_t sh, uint32_t dw, uint32_t dh, int images) {
  static uint8_t src[PP_MAX_SRC * PP_MAX_SRC], a[PP_MAX_DST * PP_MAX_DST], b[PP_MAX_DST * PP_MAX_DST];
  static double want[PP_MAX_DST * PP_MAX_DST];
  int rc = pp_init(&ctx, sw, sh, dw, dh);
  CHECK(rc == PP_OK, "pp_init %ux%u->%ux%u: %d", sw, sh, dw, dh, rc);
  if (rc != PP_OK) return;
  for (int img = 0; img < images; img++) {
    fill_random(src, (size_t)sw * sh, img & 3);
    memset(a, 0xAA, sizeof a); memset(b, 0x55, sizeof b);
    pp_resize_gray(&ctx, src, NULL, a);
    pp_resize_gray_reference(&ctx, src, NULL, b);
    CHECK(memcmp(a, b, (size_t)dw * dh) == 0, "%ux%u->%ux%u img %d: grouped != table kernel (grouped=%u)",
          sw, sh, dw, dh, img, ctx.grouped);
    CHECK(a[(size_t)dw * dh] == 0xAA, "%ux%u->%ux%u: wrote past the output", sw, sh, dw, dh);
    oracle(src, sw, sh, dw, dh, want);
    uint32_t off = 0, bad = 0;
    for (uint32_t i = 0; i < dw * dh; i++) {
      double d = a[i] - want[i];
      if (d > 0.5 + 1e-6 || d < -0.5 - 1e-6) off++;
      if (d > 1.0 + 1e-6 || d < -1.0 - 1e-6) bad++;
    }
    CHECK(bad == 0, "%ux%u->%ux%u img %d: %u pixels differ from the area average by more than 1", sw, sh, dw, dh, img, bad);
    CHECK(off * 100 <= dw * dh, "%ux%u->%ux%u img %d: %u of %u pixels not the rounded area average", sw, sh, dw, dh, img, off, dw * dh);
  }
}

/* Golden values from OpenCV 4.6 (Debian python3-opencv), computed once with
 *   v = np.arange(h*w, dtype=np.uint64) * 2654435761 >> 13
 *   img = (v.astype(np.uint8) if kind == 0 else ((v & 1) * 255).astype(np.uint8)).reshape(h, w)
 *   out = cv2.resize(img, (84, 84), interpolation=cv2.INTER_AREA)
 * and summarised as FNV-1a 32 of the 84*84 output bytes plus three sample pixels. */
typedef struct Golden { int kind; uint32_t h; uint32_t fnv; uint8_t p0, p1, p2; } Golden;
static const Golden OPENCV_GOLDEN[] = {
#include "test_preprocess_golden.inc"
};

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
  return h;
}

static void test_golden(void) {
  static uint8_t src[160 * 300], out[84 * 84];
  for (size_t g = 0; g < sizeof OPENCV_GOLDEN / sizeof OPENCV_GOLDEN[0]; g++) {
    const Golden *G = &OPENCV_GOLDEN[g];
    for (uint64_t i = 0; i < (uint64_t)G->h * 160; i++) {
      uint64_t v = (i * 2654435761ull) >> 13;
      src[i] = G->kind == 0 ? (uint8_t)v : (uint8_t)((v & 1) * 255);
    }
    CHECK(pp_init(&ctx, 160, G->h, 84, 84) == PP_OK, "init 160x%u", G->h);
    pp_resize_gray(&ctx, src, NULL, out);
    CHECK(fnv1a(out, sizeof out) == G->fnv && out[0] == G->p0 && out[84 * 42 + 41] == G->p1 && out[84 * 84 - 1] == G->p2,
          "kind %d 160x%u -> 84x84 differs from OpenCV: fnv %08x (want %08x), px %u %u %u (want %u %u %u)", G->kind, G->h,
          fnv1a(out, sizeof out), G->fnv, out[0], out[84 * 42 + 41], out[84 * 84 - 1], G->p0, G->p1, G->p2);
  }
  CHECK(sizeof OPENCV_GOLDEN / sizeof OPENCV_GOLDEN[0] >= 1, "no OpenCV golden values");
}

static void test_constant_images(void) {
  static uint8_t src[160 * 250], out[84 * 84];
  uint32_t heights[] = {210, 250};
  for (int h = 0; h < 2; h++) {
    pp_init(&ctx, 160, heights[h], 84, 84);
    for (int v = 0; v < 256; v++) {
      memset(src, v, sizeof src);
      pp_resize_gray(&ctx, src, NULL, out);
      int ok = 1;
      for (int i = 0; i < 84 * 84; i++) ok &= out[i] == v;
      CHECK(ok, "constant %d (height %u) not preserved", v, heights[h]);
    }
  }
}

static void test_indices_and_pool(void) {
  static uint8_t ia[160 * 250], ib[160 * 250], ga[160 * 250], gb[160 * 250], pooled[160 * 250];
  static uint8_t o1[84 * 84], o2[84 * 84];
  for (int pal = 0; pal < 2; pal++) {
    uint32_t h = pal ? 250 : 210, n = 160 * h;
    pp_init(&ctx, 160, h, 84, 84);
    for (uint32_t i = 0; i < n; i++) {
      ia[i] = (uint8_t)rnd(); ib[i] = (uint8_t)rnd();
      ga[i] = palette_gray(pal, ia[i]); gb[i] = palette_gray(pal, ib[i]);
      pooled[i] = ga[i] > gb[i] ? ga[i] : gb[i];
    }
    pp_resize_indices(&ctx, ia, ib, pal, o1);
    pp_resize_gray(&ctx, pooled, NULL, o2);
    CHECK(memcmp(o1, o2, sizeof o1) == 0, "pal %d: indices path != gray(max) path", pal);
    pp_resize_gray(&ctx, ga, gb, o2);
    CHECK(memcmp(o1, o2, sizeof o1) == 0, "pal %d: indices path != pooled gray path", pal);
    pp_resize_indices(&ctx, ia, NULL, pal, o1);
    pp_resize_gray(&ctx, ga, NULL, o2);
    CHECK(memcmp(o1, o2, sizeof o1) == 0, "pal %d: unpooled indices != gray", pal);
    /* max of grays differs from gray of max index: make sure we do the former */
    uint8_t x = 0x0E, y = 0x40;   /* NTSC gray 236 vs 44: index max is 0x40 */
    CHECK(palette_gray(0, x) > palette_gray(0, y), "palette assumption");
  }
  uint8_t a[37], b[37], m[37];
  for (int i = 0; i < 37; i++) { a[i] = (uint8_t)rnd(); b[i] = (uint8_t)rnd(); }
  pp_max_bytes(a, b, m, 37);
  int ok = 1;
  for (int i = 0; i < 37; i++) ok &= m[i] == (a[i] > b[i] ? a[i] : b[i]);
  CHECK(ok, "pp_max_bytes");
}

static void test_args(void) {
  CHECK(pp_init(NULL, 160, 210, 84, 84) == PP_ERR_ARG, "null ctx");
  CHECK(pp_init(&ctx, 0, 210, 84, 84) == PP_ERR_SIZE, "zero width");
  CHECK(pp_init(&ctx, 160, 210, 84, 0) == PP_ERR_SIZE, "zero dst");
  CHECK(pp_init(&ctx, 160, 210, 200, 84) == PP_ERR_GEOMETRY, "upscale refused");
  CHECK(pp_init(&ctx, 1000, 210, 84, 84) == PP_ERR_SIZE, "too wide");
  CHECK(pp_init(&ctx, 160, 210, 84, 84) == PP_OK, "standard geometry");
  CHECK(ctx.grouped == 1 && ctx.taps == 3, "160->84 uses the grouped kernel with 3 taps (grouped %u taps %u)",
        ctx.grouped, ctx.taps);
  uint8_t dummy[4] = {0};
  pp_init(&ctx, 160, 210, 84, 0);                 /* failed init: ctx unusable, calls are no-ops */
  pp_resize_gray(&ctx, dummy, NULL, dummy);
  CHECK(dummy[0] == 0, "resize on a failed ctx writes nothing");
}

int main(void) {
  test_args();
  test_geometry(160, 210, 84, 84, 12);   /* NTSC Atari screen */
  test_geometry(160, 250, 84, 84, 8);    /* PAL */
  test_geometry(160, 214, 84, 84, 4);    /* carnival */
  test_geometry(160, 230, 84, 84, 4);
  test_geometry(160, 210, 64, 64, 4);
  test_geometry(160, 210, 80, 105, 4);   /* height ratio exactly 2: general formula */
  test_geometry(160, 210, 8, 8, 4);      /* large factor: table kernel only */
  test_geometry(160, 210, 160, 210, 2);  /* identity */
  test_geometry(320, 300, 84, 84, 2);
  for (int i = 0; i < 40; i++) {
    uint32_t sw = 1 + rnd() % PP_MAX_SRC, sh = 1 + rnd() % PP_MAX_SRC;
    uint32_t dw = 1 + rnd() % (sw < PP_MAX_DST ? sw : PP_MAX_DST), dh = 1 + rnd() % (sh < PP_MAX_DST ? sh : PP_MAX_DST);
    test_geometry(sw, sh, dw, dh, 1);
  }
  test_constant_images();
  test_indices_and_pool();
  test_golden();
  printf("test_preprocess: %d passed, %d failed\n", g_pass, g_fail);
  return g_fail ? 1 : 0;
}
