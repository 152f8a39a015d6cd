/*
 * A few gradient steps of a tiny conv net on the active backend: proves the backend can
 * train (conv forward and both conv backprop kernels, dense, Adam), not just run inference.
 */
import * as tf from '@tensorflow/tfjs';
import { createAdam } from './backend';

export interface SmokeResult {
  backend: string;
  losses: number[];
  ms: number;
}

export async function trainingSmoke(steps = 5): Promise<SmokeResult> {
  if (!Number.isInteger(steps) || steps < 2 || steps > 1000) throw new RangeError(`steps must be an integer in [2, 1000], got ${steps}`);
  const t0 = performance.now();
  // Fixed data and weights (no RNG) so every backend starts from the same loss.
  const ramp = (n: number, scale: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * scale);
  const x = tf.tensor4d(ramp(2 * 8 * 8 * 1, 1), [2, 8, 8, 1]);
  const y = tf.tensor2d([[1, 0], [0, 1]]);
  const k = tf.variable(tf.tensor4d(ramp(3 * 3 * 1 * 4, 0.3), [3, 3, 1, 4]));
  const w = tf.variable(tf.tensor2d(ramp(6 * 6 * 4 * 2, 0.05), [6 * 6 * 4, 2]));
  const opt = createAdam(0.01, { epsilon: 1e-8 });
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = opt.minimize(() => {
        const h = tf.relu(tf.conv2d(x, k, 1, 'valid'));
        const q = tf.matMul(tf.reshape(h, [2, 6 * 6 * 4]), w);
        return tf.losses.meanSquaredError(y, q);
      }, true);
      if (!loss) throw new Error('optimizer returned no loss');
      losses.push((await loss.data())[0]!);
      loss.dispose();
    }
  } finally {
    opt.dispose();
    tf.dispose([x, y, k, w]);
  }
  if (losses.some((l) => !Number.isFinite(l))) throw new Error(`training smoke produced non-finite loss: ${losses}`);
  return { backend: tf.getBackend(), losses, ms: performance.now() - t0 };
}
