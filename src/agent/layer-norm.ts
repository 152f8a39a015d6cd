import * as tf from '@tensorflow/tfjs';

/**
 * LayerNorm over the LAST axis (the feature/channel axis: per spatial position for NHWC conv
 * outputs, per sample for dense outputs), with a learned scale and bias of that axis' size:
 *   y = (x - mean) / sqrt(var + eps) * scale + bias,   var = mean((x - mean)^2)  (biased, as Flax)
 *
 * Written from primitive ops (mean, sub, mul, add, rsqrt) on purpose, not with
 * tf.layers.layerNormalization: every one of these ops has a forward kernel on each backend we
 * use (cpu, wasm incl. with our kernels registered, webgl, webgpu) and a gradient in tfjs-core
 * that is itself made of such ops, so forward and backward run everywhere with no custom
 * gradient to keep in sync. (tfjs-layers' LayerNormalization goes through tf.moments +
 * batchNorm, whose gradient needs ops the wasm backend lacks in places; and we need raw
 * variables anyway, see network.ts.) Checked against finite differences in layer-norm.test.ts
 * and against the cpu backend on every backend in e2e/backend-parity.spec.ts.
 *
 * Call inside tf.tidy.
 */
export function layerNorm(x: tf.Tensor, scale: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.mul(xc, xc), axis, true);
  const inv = tf.rsqrt(tf.add(variance, eps));
  return tf.add(tf.mul(tf.mul(xc, inv), scale), bias);
}
