/* 2-D convolution (forward and both gradients), compiled to a small standalone wasm module
 * (public/train_kernels.wasm) for what tfjs's 'wasm' backend lacks, runs slowly or runs on one
 * core only.
 *
 * Layouts follow tfjs: activations NHWC, filters HWIO ([kh][kw][ci][co]), row-major float32.
 * Only dilation 1 is supported (the tfjs gradient ops never pass anything else).
 *
 * Memory: the module imports one shared linear memory (env.memory), which its worker instances
 * share (threads.h). JS asks for buffers with tk_alloc (a bump arena, released wholesale by
 * tk_reset); the kernels take their own scratch from the same arena, so memory may grow during a
 * call and JS must re-create its views afterwards. Only the calling thread allocates.
 *
 * All compute functions return 0 on success or a negative TK_ERR_* code; they never trap on
 * bad sizes.
 */
#ifndef TRAIN_KERNELS_CONV_GRAD_H
#define TRAIN_KERNELS_CONV_GRAD_H
#include <stdint.h>

#define TK_OK 0
#define TK_ERR_OOM (-1)      /* memory.grow failed */
#define TK_ERR_SHAPE (-2)    /* a size is non-positive or inconsistent */
#define TK_ERR_PAD (-3)      /* padding so large a window never touches real input rows */
/* -4, -5: thread pool failures, see threads.h */

/* Parameter block shared by both kernels (passed as individual i32 arguments). */
typedef struct {
  int32_t batch, in_h, in_w, in_c;     /* x / dx: [batch, in_h, in_w, in_c] */
  int32_t out_h, out_w, out_c;         /* dy: [batch, out_h, out_w, out_c] */
  int32_t k_h, k_w;                    /* filter: [k_h, k_w, in_c, out_c] */
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;           /* implicit zero rows/cols before the input */
} tk_conv_params;

/* Arena. */
uint32_t tk_alloc(uint32_t nbytes);    /* 64-byte aligned; 0 if memory cannot grow */
void tk_reset(void);
uint32_t tk_arena_used(void);

/* y[b][oh][ow][co] = sum_{kh,kw,ci} x[b][oh*sh+kh-pt][ow*sw+kw-pl][ci] * W[kh][kw][ci][co]
 * (zero outside x) */
int32_t tk_conv2d(uint32_t x_ptr, uint32_t w_ptr, uint32_t y_ptr, int32_t batch, int32_t in_h,
                  int32_t in_w, int32_t in_c, int32_t out_h, int32_t out_w, int32_t out_c,
                  int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w, int32_t pad_top,
                  int32_t pad_left);

/* dW[kh][kw][ci][co] = sum_{b,oh,ow} x[b][oh*sh+kh-pt][ow*sw+kw-pl][ci] * dy[b][oh][ow][co] */
int32_t tk_conv2d_backprop_filter(uint32_t x_ptr, uint32_t dy_ptr, uint32_t dw_ptr,
                                  int32_t batch, int32_t in_h, int32_t in_w, int32_t in_c,
                                  int32_t out_h, int32_t out_w, int32_t out_c,
                                  int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                                  int32_t pad_top, int32_t pad_left);

/* dx[b][ih][iw][ci] = sum over (oh,ow,kh,kw) with ih = oh*sh+kh-pt, iw = ow*sw+kw-pl
 *                     of sum_co dy[b][oh][ow][co] * W[kh][kw][ci][co] */
int32_t tk_conv2d_backprop_input(uint32_t dy_ptr, uint32_t w_ptr, uint32_t dx_ptr,
                                 int32_t batch, int32_t in_h, int32_t in_w, int32_t in_c,
                                 int32_t out_h, int32_t out_w, int32_t out_c,
                                 int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w,
                                 int32_t pad_top, int32_t pad_left);

#endif
