// Our BatchMatMul (train_kernels.wasm) against the 'cpu' backend, for all transpose combinations,
// edge tiles, broadcast batches and the Nature-DQN dense-layer gradient shapes.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, setKernelModesForBenchmark } from './kernels-register';
import { compare, initBackends, onBackend, randomFloats } from './kernels-test-utils';

interface Case { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }
const CASES: Case[] = [];
for (const ta of [false, true])
  for (const tb of [false, true]) {
    // logical m=7, k=5, n=13 (tails in both tile directions)
    CASES.push({ name: `7x5x13 ta=${ta} tb=${tb}`, a: ta ? [5, 7] : [7, 5], b: tb ? [13, 5] : [5, 13], ta, tb });
    CASES.push({ name: `batched 3x(4x9x8) ta=${ta} tb=${tb}`, a: ta ? [3, 9, 4] : [3, 4, 9], b: tb ? [3, 8, 9] : [3, 9, 8], ta, tb });
  }
CASES.push({ name: 'broadcast batch a=1', a: [1, 6, 3], b: [4, 3, 10], ta: false, tb: false });
CASES.push({ name: 'broadcast batch b rank 2', a: [2, 5, 6, 3], b: [10, 3], ta: false, tb: true });
CASES.push({ name: 'k=1 outer product', a: [1, 9], b: [1, 17], ta: true, tb: false });
// Nature-DQN dense 3136->512 at batch 32: forward, dW = x^T dy, dx = dy W^T
CASES.push({ name: 'nature dense forward', a: [32, 3136], b: [3136, 512], ta: false, tb: false });
CASES.push({ name: 'nature dense dW', a: [32, 3136], b: [32, 512], ta: true, tb: false });
CASES.push({ name: 'nature dense dx', a: [32, 512], b: [3136, 512], ta: false, tb: true });

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

async function matmulOn(backend: string, c: Case): Promise<{ out: Float32Array; shape: number[] }> {
  return onBackend(backend, () =>
    tf.tidy(() => {
      const a = tf.tensor(randomFloats(size(c.a), 3), c.a);
      const b = tf.tensor(randomFloats(size(c.b), 4), c.b);
      const y = tf.matMul(a, b, c.ta, c.tb);
      return { out: y.dataSync() as Float32Array, shape: y.shape };
    }),
  );
}

beforeAll(async () => {
  await initBackends();
  await registerWasmTrainingKernels();
  // Serve plain products too (by default those stay on tfjs-wasm's XNNPACK path), so every case
  // below exercises our GEMM.
  setKernelModesForBenchmark({ matMul: 'all' });
});

describe('wasm BatchMatMul vs cpu backend', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await matmulOn('cpu', c);
      const got = await matmulOn('wasm', c);
      expect(got.shape).toEqual(ref.shape);
      const d = compare(got.out, ref.out);
      console.log(`${c.name}: max|diff| ${d.maxAbs.toExponential(2)} (rel ${d.rel.toExponential(2)})`);
      expect(d.maxRef).toBeGreaterThan(0);
      expect(d.rel).toBeLessThan(1e-5);
    }, 60_000);
  }

  it('is served by our kernel (by mode) and reports shape errors', async () => {
    const { kernels } = await registerWasmTrainingKernels();
    await tf.setBackend('wasm');
    const servedByUs = (ta: boolean, tb: boolean) => {
      kernels.reset();
      tf.tidy(() => tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]), ta, tb).dataSync());
      return kernels.arenaUsed() > 0;
    };
    expect(servedByUs(false, false)).toBe(true); // mode 'all'
    setKernelModesForBenchmark({ matMul: 'transposed' });
    expect(servedByUs(false, false)).toBe(false); // plain product left to XNNPACK
    expect(servedByUs(true, false)).toBe(true);
    expect(servedByUs(false, true)).toBe(true);
    // 'auto': a B tensor is ours for its first two plain products, then XNNPACK (cached operator)
    setKernelModesForBenchmark({ matMul: 'auto' });
    const w = tf.ones([4, 4]);
    const plainWith = () => {
      kernels.reset();
      tf.tidy(() => tf.matMul(tf.ones([4, 4]), w).dataSync());
      return kernels.arenaUsed() > 0;
    };
    expect([plainWith(), plainWith(), plainWith(), plainWith()]).toEqual([true, true, false, false]);
    expect(servedByUs(false, false)).toBe(true); // a fresh B again
    w.dispose();
    setKernelModesForBenchmark({ matMul: 'all' });
    const a = tf.ones([2, 3]);
    const b = tf.ones([4, 3]);
    expect(() => tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: true, transposeB: true }))
      .toThrow(/wasm training kernels\): inner dimensions 2 and 3/);
    tf.dispose([a, b]);
  });
});
