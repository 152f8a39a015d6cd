// End to end: Adam steps of a small DQN-shaped conv net (tf.layers, Huber loss on Q(s,a)) on the
// 'wasm' backend with our kernels must leave the same weights as on the 'cpu' backend. And our
// fused Adam update (kernels-register.ts, installFusedAdam) gives tfjs's own Adam's bits.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAM_KERNEL, registerWasmTrainingKernels, setKernelModesForBenchmark } from './kernels-register';
import { compare, initBackends, randomFloats } from './kernels-test-utils';

const BATCH = 8;
const ACTIONS = 4;
const STEPS = 3;

function buildNet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [14, 14, 3], filters: 6, kernelSize: 4, strides: 2, activation: 'relu' }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 5, kernelSize: 2, strides: 2, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 16, activation: 'relu' }),
      tf.layers.dense({ units: ACTIONS }),
    ],
  });
}

interface Result { before: Float32Array[]; after: Float32Array[]; losses: number[] }

async function train(backend: string): Promise<Result> {
  await tf.setBackend(backend);
  const net = buildNet();
  // identical, seeded initial weights on both backends (scaled so activations stay O(1))
  net.setWeights(net.getWeights().map((w, i) => tf.tensor(randomFloats(w.size, 100 + i), w.shape).mul(0.4)));
  const before = net.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const x = tf.tensor4d(randomFloats(BATCH * 14 * 14 * 3, 1).map((v) => (v + 1) / 2), [BATCH, 14, 14, 3]);
  const actions = tf.tensor1d(Array.from({ length: BATCH }, (_, i) => (i * 3) % ACTIONS), 'int32');
  const targets = tf.tensor1d(randomFloats(BATCH, 2).map((v) => v * 3));
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1.5e-4);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const loss = opt.minimize(() => {
      const q = net.apply(x) as tf.Tensor2D;
      const qa = tf.sum(tf.mul(q, tf.oneHot(actions, ACTIONS)), 1);
      return tf.losses.huberLoss(targets, qa) as tf.Scalar;
    }, true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const after = net.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  tf.dispose([x, actions, targets]);
  opt.dispose();
  net.dispose();
  return { before, after, losses };
}

beforeAll(async () => {
  await initBackends();
  await registerWasmTrainingKernels();
});

describe('Adam training steps: wasm (our kernels) vs cpu', () => {
  it(`${STEPS} steps give the same weights`, async () => {
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    console.log(`losses cpu ${cpu.losses.map((l) => l.toFixed(6)).join(' ')} | wasm ${wasm.losses.map((l) => l.toFixed(6)).join(' ')}`);
    for (let i = 0; i < cpu.after.length; i++) {
      const start = compare(cpu.before[i], wasm.before[i]);
      expect(start.maxAbs).toBe(0);
      const moved = compare(cpu.after[i], cpu.before[i]).maxAbs;
      const d = compare(wasm.after[i], cpu.after[i]);
      console.log(`weight ${i}: moved up to ${moved.toExponential(2)}, wasm-vs-cpu max|diff| ${d.maxAbs.toExponential(2)}`);
      expect(moved).toBeGreaterThan(1e-3); // the step really changed this weight
      expect(d.maxAbs).toBeLessThan(1e-4);
    }
    for (let s = 0; s < STEPS; s++) expect(Math.abs(wasm.losses[s] - cpu.losses[s])).toBeLessThan(1e-4 * Math.max(1, cpu.losses[s]));
    expect(cpu.losses[STEPS - 1]).toBeLessThan(cpu.losses[0]); // and it learned something
  }, 60_000);
});

describe('fused Adam on wasm vs tfjs AdamOptimizer', () => {
  // odd sizes: a SIMD tail, one below and one above a work item (16384 elements), a scalar
  const shapes = [[3, 5, 7], [16383], [129, 131], [1]];

  async function run(mode: 'fused' | 'tfjs') {
    await tf.setBackend('wasm');
    setKernelModesForBenchmark({ adam: mode });
    try {
      const vars = shapes.map((s, i) => tf.variable(tf.tensor(randomFloats(s.reduce((a, b) => a * b, 1), 10 + i), s), true, `adam${mode}${i}`));
      const opt = tf.train.adam(0.003, 0.9, 0.999, 1e-7);
      let kernelNames: string[] = [];
      for (let step = 0; step < 3; step++) {
        const grads: Record<string, tf.Tensor> = {};
        vars.forEach((v, i) => { grads[v.name] = tf.tensor(randomFloats(v.size, 100 * step + i), v.shape); });
        kernelNames = (await tf.profile(() => opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]))).kernelNames;
        tf.dispose(Object.values(grads));
      }
      const values = vars.map((v) => v.dataSync().slice() as Float32Array);
      const state = await Promise.all((await opt.getWeights()).map(async (w) => ({ name: w.name.replace(mode, ''), data: (await w.tensor.data()) as Float32Array })));
      opt.dispose();
      tf.dispose(vars);
      return { values, state, kernelNames };
    } finally {
      setKernelModesForBenchmark({ adam: 'fused' });
    }
  }

  it('same weights, moments and iteration count, bit for bit', async () => {
    const ours = await run('fused');
    const theirs = await run('tfjs');
    for (let i = 0; i < shapes.length; i++) expect(Array.from(ours.values[i])).toEqual(Array.from(theirs.values[i]));
    expect(ours.state.map((s) => s.name)).toEqual(theirs.state.map((s) => s.name));
    for (let i = 0; i < ours.state.length; i++) expect(Array.from(ours.state[i].data)).toEqual(Array.from(theirs.state[i].data));
    expect(ours.state[0].data[0]).toBe(3); // iterations
    expect(ours.kernelNames).toContain(ADAM_KERNEL); // the fused path really ran
    expect(theirs.kernelNames).not.toContain(ADAM_KERNEL);
  });
});
