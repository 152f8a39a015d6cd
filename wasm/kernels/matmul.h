/* Batched matrix product with optional transposes, for tfjs's BatchMatMul on the 'wasm' backend.
 * tfjs-wasm sends every transposed product (all dense-layer gradients) to a scalar triple loop;
 * this one packs both operands into SIMD panels. Arena and error codes: see conv_grad.h. */
#ifndef TRAIN_KERNELS_MATMUL_H
#define TRAIN_KERNELS_MATMUL_H
#include <stdint.h>

/* For each batch index i < max(batch_a, batch_b) (a batch of 1 is broadcast):
 *   C[i] (m x n) = op(A[i]) (m x k) * op(B[i]) (k x n)
 * A[i] is stored [k][m] when trans_a else [m][k]; B[i] is [n][k] when trans_b else [k][n].
 * C is row-major [batch][m][n]. k == 0 gives zeros. */
int32_t tk_batch_matmul(uint32_t a_ptr, uint32_t b_ptr, uint32_t c_ptr, int32_t batch_a,
                        int32_t batch_b, int32_t m, int32_t k, int32_t n, int32_t trans_a,
                        int32_t trans_b);
#endif
