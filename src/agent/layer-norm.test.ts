import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerNorm } from './layer-norm';
import { Rng } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const EPS = 1e-6;

/** Reference in float64: LayerNorm over the last axis of x [rows, C]. */
function reference(x: number[], rows: number, c: number, scale: number[], bias: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const v = x.slice(r * c, (r + 1) * c);
    const mean = v.reduce((a, b) => a + b, 0) / c;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / c;
    for (let i = 0; i < c; i++) out.push(((v[i] - mean) / Math.sqrt(variance + EPS)) * scale[i] + bias[i]);
  }
  return out;
}

function seeded(n: number, seed: number, lo = -2, hi = 2): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.nextFloat());
}

describe('layerNorm (primitive ops, closed-form gradient)', () => {
  it('normalises each position over the channel axis of an NHWC tensor, with scale and bias', () => {
    const [b, h, w, c] = [2, 3, 2, 5];
    const x = seeded(b * h * w * c, 1, -3, 5);
    const scale = seeded(c, 2, 0.5, 1.5);
    const bias = seeded(c, 3);
    const y = tf.tidy(() => layerNorm(tf.tensor4d(x, [b, h, w, c]), tf.tensor1d(scale), tf.tensor1d(bias), EPS).dataSync());
    const want = reference(x, b * h * w, c, scale, bias);
    for (let i = 0; i < want.length; i++) expect(y[i]).toBeCloseTo(want[i], 5);
  });

  it.each([
    ['a dense output [3, 4]', [3, 4]],
    ['an NHWC conv output [2, 2, 3, 4] (dscale/dbias sum over batch and positions)', [2, 2, 3, 4]],
  ])('has the analytic gradient on %s (checked by central finite differences in float64 of the reference)', (_label, shape) => {
    const c = shape[shape.length - 1], rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const x = seeded(rows * c, 4);
    const scale = seeded(c, 5, 0.5, 1.5);
    const bias = seeded(c, 6);
    const wOut = seeded(rows * c, 7); // loss = sum(w * LN(x)): every output matters differently
    const loss = (xx: number[], ss: number[], bb: number[]) => reference(xx, rows, c, ss, bb).reduce((a, v, i) => a + v * wOut[i], 0);
    const { gx, gs, gb } = tf.tidy(() => {
      const g = tf.grads((xt: tf.Tensor, st: tf.Tensor, bt: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(xt, st as tf.Tensor1D, bt as tf.Tensor1D, EPS), tf.tensor(wOut, shape))));
      const [a, s, bb] = g([tf.tensor(x, shape), tf.tensor1d(scale), tf.tensor1d(bias)]);
      expect(a.shape).toEqual(shape);
      expect(s.shape).toEqual([c]);
      expect(bb.shape).toEqual([c]);
      return { gx: Array.from(a.dataSync()), gs: Array.from(s.dataSync()), gb: Array.from(bb.dataSync()) };
    });
    const h = 1e-5;
    const fd = (vec: number[], i: number, f: (v: number[]) => number): number => {
      const p = vec.slice(); p[i] += h;
      const m = vec.slice(); m[i] -= h;
      return (f(p) - f(m)) / (2 * h);
    };
    for (let i = 0; i < x.length; i++) expect(gx[i]).toBeCloseTo(fd(x, i, (v) => loss(v, scale, bias)), 3);
    for (let i = 0; i < c; i++) expect(gs[i]).toBeCloseTo(fd(scale, i, (v) => loss(x, v, bias)), 3);
    for (let i = 0; i < c; i++) expect(gb[i]).toBeCloseTo(fd(bias, i, (v) => loss(x, scale, v)), 3);
    // The gradient w.r.t. x sums to 0 per row (a constant shift of a row does not change LN).
    for (let r = 0; r < rows; r++) expect(Math.abs(gx.slice(r * c, (r + 1) * c).reduce((a, b) => a + b, 0))).toBeLessThan(1e-4);
  });
});
