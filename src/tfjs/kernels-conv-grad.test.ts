// Our Conv2D / Conv2DBackpropFilter / Conv2DBackpropInput (train_kernels.wasm) against tfjs's
// 'cpu' backend outputs and gradients, on small odd shapes (padding, strides, channel tails) and Nature-DQN layers.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainKernels, type ConvGeometry } from './kernels-module';
import { registerWasmTrainingKernels } from './kernels-register';
import { compare, initBackends, onBackend, randomFloats } from './kernels-test-utils';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: [number, number];
  pad: Pad;
}

const SMALL: Case[] = [
  { name: 'k3x2 s1 valid, odd channels', x: [2, 7, 9, 3], f: [3, 2, 3, 5], s: [1, 1], pad: 'valid' },
  { name: 'k3 s2 same', x: [3, 8, 8, 5], f: [3, 3, 5, 7], s: [2, 2], pad: 'same' },
  { name: 'k4 s3 same, CI%4=0 CO%8=0', x: [1, 11, 10, 4], f: [4, 4, 4, 8], s: [3, 3], pad: 'same' },
  { name: 'k1 s1 valid', x: [2, 6, 6, 16], f: [1, 1, 16, 9], s: [1, 1], pad: 'valid' },
  { name: 'k5 s2 valid, unused trailing rows', x: [2, 10, 8, 2], f: [5, 5, 2, 3], s: [2, 2], pad: 'valid' },
  { name: 'k3 s(1,2) explicit pad 1', x: [2, 5, 7, 3], f: [3, 3, 3, 4], s: [1, 2], pad: 1 },
  { name: 'stride > kernel', x: [2, 9, 9, 8], f: [2, 2, 8, 16], s: [3, 3], pad: 'valid' },
  { name: 'explicit asymmetric pads', x: [2, 6, 7, 4], f: [3, 2, 4, 8], s: [2, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
];
// Nature-DQN layers at batch 2 (the batch only lengthens the reduction; the cpu reference is slow).
const NATURE: Case[] = [
  { name: 'nature conv1 8x8/4', x: [2, 84, 84, 4], f: [8, 8, 4, 32], s: [4, 4], pad: 'valid' },
  { name: 'nature conv2 4x4/2', x: [2, 20, 20, 32], f: [4, 4, 32, 64], s: [2, 2], pad: 'valid' },
  { name: 'nature conv3 3x3/1', x: [2, 9, 9, 64], f: [3, 3, 64, 64], s: [1, 1], pad: 'valid' },
];

/** y = conv2d(x, w) and the gradients of sum(y * r) w.r.t. x and w on the given backend. */
async function grads(backend: string, c: Case, seed: number): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array }> {
  return onBackend(backend, () =>
    tf.tidy(() => {
      const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const x = tf.tensor4d(randomFloats(n(c.x), seed), c.x);
      const w = tf.tensor4d(randomFloats(n(c.f), seed + 1), c.f);
      const y = tf.conv2d(x, w, c.s, c.pad);
      const r = tf.tensor(randomFloats(n(y.shape), seed + 2), y.shape);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r)))([x, w]);
      return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
    }),
  );
}

beforeAll(async () => {
  await initBackends();
  await registerWasmTrainingKernels();
});

describe('wasm conv forward and gradients vs cpu backend', () => {
  for (const c of [...SMALL, ...NATURE]) {
    it(c.name, async () => {
      const ref = await grads('cpu', c, 11);
      const got = await grads('wasm', c, 11);
      const dw = compare(got.dw, ref.dw);
      const dx = compare(got.dx, ref.dx);
      const y = compare(got.y, ref.y);
      console.log(`${c.name}: y max|diff| ${y.maxAbs.toExponential(2)}, dW max|diff| ${dw.maxAbs.toExponential(2)} (rel ${dw.rel.toExponential(2)}), ` +
        `dx max|diff| ${dx.maxAbs.toExponential(2)} (rel ${dx.rel.toExponential(2)})`);
      expect(dw.maxRef).toBeGreaterThan(0);
      expect(y.maxRef).toBeGreaterThan(0);
      expect(y.rel).toBeLessThan(1e-5);
      expect(dw.rel).toBeLessThan(1e-5);
      expect(dx.rel).toBeLessThan(1e-5);
    }, 60_000);
  }
});

describe('registration', () => {
  it('is idempotent and installs our kernels on wasm', async () => {
    const a = await registerWasmTrainingKernels();
    const b = await registerWasmTrainingKernels();
    expect(b).toBe(a);
    expect([...a.kernelNames].sort()).toEqual(['ArcadeLabAdamStep', 'BatchMatMul', 'Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput']);
    const f1 = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
    await registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc).toBe(f1);
  });

  it('rejects unsupported attributes with clear errors', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 3, 3, 4]);
    const run = (attrs: Record<string, unknown>) => () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4], ...attrs,
      } as unknown as tf.NamedAttrMap);
    expect(run({ dilations: 2 })).toThrow(/dilation 1/);
    expect(run({ dataFormat: 'NCHW' })).toThrow(/NHWC/);
    expect(run({ filterShape: [2, 2, 2, 4] })).toThrow(/does not match/);
    expect(run({ filterShape: [3, 3, 3, 4] })).toThrow(/in-channels/);
    // a correct call works and gives zeros for zero dy
    const ok = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
      strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4],
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(Array.from(ok.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, dy, ok]);
  });
});

describe('TrainKernels module directly vs a naive JS reference', () => {
  function naive(x: Float32Array, dy: Float32Array, w: Float32Array, g: ConvGeometry) {
    const y = new Float32Array(g.batch * g.outH * g.outW * g.outC);
    const dw = new Float32Array(g.kH * g.kW * g.inC * g.outC);
    const dx = new Float32Array(g.batch * g.inH * g.inW * g.inC);
    for (let b = 0; b < g.batch; b++)
      for (let oh = 0; oh < g.outH; oh++)
        for (let ow = 0; ow < g.outW; ow++)
          for (let kh = 0; kh < g.kH; kh++)
            for (let kw = 0; kw < g.kW; kw++) {
              const ih = oh * g.strideH + kh - g.padTop, iw = ow * g.strideW + kw - g.padLeft;
              if (ih < 0 || iw < 0 || ih >= g.inH || iw >= g.inW) continue;
              for (let ci = 0; ci < g.inC; ci++)
                for (let co = 0; co < g.outC; co++) {
                  const xi = ((b * g.inH + ih) * g.inW + iw) * g.inC + ci;
                  const yi = ((b * g.outH + oh) * g.outW + ow) * g.outC + co;
                  const wi = ((kh * g.kW + kw) * g.inC + ci) * g.outC + co;
                  y[yi] += x[xi] * w[wi];
                  dw[wi] += x[xi] * dy[yi];
                  dx[xi] += w[wi] * dy[yi];
                }
            }
    return { y, dw, dx };
  }

  it('matches on padded, strided, odd-channel geometry; errors are reported', async () => {
    const k = await TrainKernels.load();
    const g: ConvGeometry = { batch: 3, inH: 7, inW: 6, inC: 5, outH: 4, outW: 3, outC: 9, kH: 3, kW: 4, strideH: 2, strideW: 2, padTop: 1, padLeft: 1 };
    const x = randomFloats(g.batch * g.inH * g.inW * g.inC, 5);
    const dy = randomFloats(g.batch * g.outH * g.outW * g.outC, 6);
    const w = randomFloats(g.kH * g.kW * g.inC * g.outC, 7);
    const ref = naive(x, dy, w, g);
    const dw = compare(k.backpropFilterArrays(x, dy, g), ref.dw);
    const dx = compare(k.backpropInputArrays(dy, w, g), ref.dx);
    const y = compare(k.conv2dArrays(x, w, g), ref.y);
    console.log(`direct module: y max|diff| ${y.maxAbs.toExponential(2)}, dW max|diff| ${dw.maxAbs.toExponential(2)}, dx max|diff| ${dx.maxAbs.toExponential(2)}`);
    expect(y.rel).toBeLessThan(1e-5);
    expect(dw.rel).toBeLessThan(1e-5);
    expect(dx.rel).toBeLessThan(1e-5);
    expect(() => k.backpropFilterArrays(x, dy, { ...g, strideH: 0 })).toThrow(/invalid or too large shape/);
    expect(() => k.backpropInputArrays(dy, w, { ...g, padTop: -1 })).toThrow(/unsupported padding/);
    expect(() => k.conv2dArrays(x, w, { ...g, outC: 0 })).toThrow(/invalid or too large shape/);
  });
});
