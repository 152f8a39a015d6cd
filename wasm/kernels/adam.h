/* Adam step for tfjs's AdamOptimizer (src/tfjs/kernels-register.ts installs it), per element:
 *   m' = m*b1 + g*(1-b1);  v' = v*b2 + (g*g)*(1-b2)
 *   value' = ((m'/c1) / (sqrt(v'/c2) + eps)) * (-lr) + value
 * with c1 = 1 - b1^t and c2 = 1 - b2^t as tfjs computes them (float32). Every constant is passed
 * as the float32 tfjs would use. Outputs may not alias inputs. Arena and error codes: see
 * conv_grad.h. */
#ifndef TRAIN_KERNELS_ADAM_H
#define TRAIN_KERNELS_ADAM_H
#include <stdint.h>
int32_t tk_adam(uint32_t value, uint32_t m, uint32_t v, uint32_t g, uint32_t out_value,
                uint32_t out_m, uint32_t out_v, int32_t n, float b1, float one_minus_b1, float b2,
                float one_minus_b2, float c1, float c2, float eps, float neg_lr);
#endif
