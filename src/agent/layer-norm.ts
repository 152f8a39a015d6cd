import * as tf from '@tensorflow/tfjs';

/**
 * LayerNorm over the LAST axis (the feature/channel axis: per spatial position for NHWC conv
 * outputs, per sample for dense outputs), with a learned scale and bias of that axis' size:
 *   y = x̂ * scale + bias,   x̂ = (x - mean) * inv,   inv = 1 / sqrt(var + eps),
 *   var = mean((x - mean)^2)  (biased, as Flax)
 *
 * Written from primitive ops (mean, sub, mul, add, rsqrt, sum) on purpose, not with
 * tf.layers.layerNormalization: every one of these ops has a forward kernel on each backend we
 * use (cpu, wasm incl. with our kernels registered, webgl, webgpu). (tfjs-layers'
 * LayerNormalization goes through tf.moments + batchNorm, whose gradient needs ops the wasm
 * backend lacks in places; and we need raw variables anyway, see network.ts.)
 *
 * The gradient is the closed form (tf.customGrad), not tfjs's autodiff of the forward ops: with
 * g = dy * scale and means over the last axis,
 *   dx = inv * (g - mean(g) - x̂ * mean(g * x̂)),   dscale = Σ dy * x̂,   dbias = Σ dy
 * (sums over every axis but the last). Autodiff of the forward made ~3x as many ops, most of
 * them broadcasting passes over the whole activation (measured on the PQN preset's minibatch
 * step, tfjs-wasm: 336 kernels, Sub and Multiply the largest non-conv ones); on a small net those
 * passes, on one core, were a third of the step. Checked against finite differences in
 * layer-norm.test.ts and against the cpu backend on every backend in
 * e2e/backend-parity.spec.ts.
 *
 * Call inside tf.tidy.
 */
export function layerNorm(x: tf.Tensor, scale: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  // Axes dscale/dbias sum over (all but the feature axis).
  const outer = Array.from({ length: axis }, (_, i) => i);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, si, bi] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(xi, axis, true);
    const xc = tf.sub(xi, mean);
    const variance = tf.mean(tf.mul(xc, xc), axis, true);
    const inv = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(xc, inv);
    save([xhat, inv, si]);
    return {
      value: tf.add(tf.mul(xhat, si), bi),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, iv, s] = saved;
        const g = tf.mul(dy, s);
        const mg = tf.mean(g, axis, true);
        const mgx = tf.mean(tf.mul(g, xh), axis, true);
        const dx = tf.mul(tf.sub(tf.sub(g, mg), tf.mul(xh, mgx)), iv);
        const dscale = tf.sum(tf.mul(dy, xh), outer);
        const dbias = tf.sum(dy, outer);
        return [dx, dscale, dbias];
      },
    };
  });
  return f(x, scale, bias);
}
