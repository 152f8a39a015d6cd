// The kernels' thread pool (kernels-module.ts, wasm/kernels/threads.c): T threads give the same
// bits as 1 thread on random shapes (odd sizes, padding, channel tails, broadcast batches), and
// a failing pool (a worker that traps, or one that is gone) falls back to 1 thread with a reason
// inside the failing call, without hanging and with the right result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainKernels, type ConvGeometry } from './kernels-module';
import { randomFloats } from './kernels-test-utils';

const T = 3; // more threads than this box has cores: item claiming must not depend on timing

let one: TrainKernels;
let many: TrainKernels;

beforeAll(async () => {
  one = await TrainKernels.load({ threads: 1 });
  many = await TrainKernels.load({ threads: T });
});
afterAll(() => many.dispose());

/** Deterministic small integers for shape draws. */
function draws(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0 || 1;
  return (lo, hi) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((s >>> 8) % (hi - lo + 1));
  };
}

function randomConv(seed: number): ConvGeometry {
  const r = draws(seed);
  const kH = r(1, 5), kW = r(1, 5), strideH = r(1, 3), strideW = r(1, 3);
  const padTop = r(0, 1) ? r(0, kH - 1) : 0, padLeft = r(0, 1) ? r(0, kW - 1) : 0;
  const inH = r(kH, 13), inW = r(kW, 13);
  const outH = Math.floor((inH + padTop - kH) / strideH) + 1 + r(0, 1); // +1: a window past the end
  const outW = Math.floor((inW + padLeft - kW) / strideW) + 1;
  return { batch: r(1, 5), inH, inW, inC: r(1, 19), outH, outW, outC: r(1, 21), kH, kW, strideH, strideW, padTop, padLeft };
}

function expectSameBits(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  let firstDiff = -1;
  for (let i = 0; i < want.length && firstDiff < 0; i++) if (!Object.is(got[i], want[i])) firstDiff = i;
  expect(firstDiff, firstDiff >= 0 ? `element ${firstDiff}: ${got[firstDiff]} vs ${want[firstDiff]}` : '').toBe(-1);
}

describe(`train kernels on ${T} threads vs 1 thread`, () => {
  it('the pool really started', () => {
    expect(many.threads).toBe(T);
    expect(many.threadsNote).toBeNull();
  });

  for (let seed = 1; seed <= 12; seed++) {
    it(`conv forward, filter and input gradients, random shape #${seed}`, () => {
      const g = randomConv(seed * 7919);
      const nx = g.batch * g.inH * g.inW * g.inC, nw = g.kH * g.kW * g.inC * g.outC, ny = g.batch * g.outH * g.outW * g.outC;
      const x = randomFloats(nx, seed), w = randomFloats(nw, seed + 100), dy = randomFloats(ny, seed + 200);
      expectSameBits(many.conv2dArrays(x, w, g), one.conv2dArrays(x, w, g));
      expectSameBits(many.backpropFilterArrays(x, dy, g), one.backpropFilterArrays(x, dy, g));
      expectSameBits(many.backpropInputArrays(dy, w, g), one.backpropInputArrays(dy, w, g));
    });
  }

  it('filter gradient over many positions (several chunks per dW row group)', () => {
    const g: ConvGeometry = { batch: 9, inH: 23, inW: 21, inC: 6, outH: 10, outW: 9, outC: 13, kH: 4, kW: 5, strideH: 2, strideW: 2, padTop: 0, padLeft: 1 };
    const x = randomFloats(9 * 23 * 21 * 6, 5), dy = randomFloats(9 * 10 * 9 * 13, 6);
    expectSameBits(many.backpropFilterArrays(x, dy, g), one.backpropFilterArrays(x, dy, g));
  });

  for (let seed = 1; seed <= 10; seed++) {
    it(`batched matmul, random shape and transposes #${seed}`, () => {
      const r = draws(seed * 104729);
      const m = r(1, 70), k = r(0, 90), n = r(1, 75), ta = !!r(0, 1), tb = !!r(0, 1);
      const batch = r(1, 3), bcast = r(0, 2); // 0: equal batches, 1: A broadcast, 2: B broadcast
      const ba = bcast === 1 ? 1 : batch, bb = bcast === 2 ? 1 : batch;
      const a = randomFloats(ba * m * k, seed), b = randomFloats(bb * k * n, seed + 1);
      expectSameBits(many.batchMatMulArrays(a, b, ba, bb, m, k, n, ta, tb), one.batchMatMulArrays(a, b, ba, bb, m, k, n, ta, tb));
    });
  }
});

describe('a failing pool falls back to 1 thread', () => {
  const g: ConvGeometry = { batch: 4, inH: 11, inW: 11, inC: 8, outH: 5, outW: 5, outC: 16, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 };
  const x = randomFloats(4 * 11 * 11 * 8, 1), w = randomFloats(3 * 3 * 8 * 16, 2);

  it('a worker that traps mid-call: the call is redone on one thread, with the reason', async () => {
    const k = await TrainKernels.load({ threads: 2 });
    expect(k.threads).toBe(2);
    k.debugTrapWorker(1);
    const want = one.conv2dArrays(x, w, g);
    // The worker traps only if it joins the job; on a busy machine the caller may finish alone,
    // so repeat until it has joined one (each call is a few microseconds of work).
    for (let i = 0; i < 2000 && k.threads > 1; i++) expectSameBits(k.conv2dArrays(x, w, g), want);
    expect(k.threads).toBe(1);
    expect(k.threadsNote).toMatch(/1 thread: the worker pool failed \(.*worker.*failed/);
    expectSameBits(k.conv2dArrays(x, w, g), want);
  });

  it('a worker stuck inside a job: bounded wait, then one thread', async () => {
    const k = await TrainKernels.load({ threads: 2, workerTimeoutMs: 200 });
    expect(k.threads).toBe(2);
    k.debugTrapWorker(1, true);
    const want = one.conv2dArrays(x, w, g);
    const t0 = Date.now();
    for (let i = 0; i < 2000 && k.threads > 1; i++) expectSameBits(k.conv2dArrays(x, w, g), want);
    expect(k.threads).toBe(1);
    expect(k.threadsNote).toMatch(/1 thread: the worker pool failed \(conv2d: the workers did not finish in time\)/);
    expect(Date.now() - t0).toBeLessThan(5000); // 200 ms of waiting, plus this machine's load
    expectSameBits(k.conv2dArrays(x, w, g), want);
  });

  it('a worker that is gone: its exit is noticed, then one thread', async () => {
    const k = await TrainKernels.load({ threads: 2, workerTimeoutMs: 200 });
    expect(k.threads).toBe(2);
    k.debugTerminateWorker(1);
    const want = one.conv2dArrays(x, w, g);
    const t0 = Date.now();
    // Until the exit event arrives the pool may still look alive; the call must not hang either way.
    while (k.threads > 1 && Date.now() - t0 < 10_000) {
      expectSameBits(k.conv2dArrays(x, w, g), want);
      await new Promise((r) => setTimeout(r, 10)); // lets the worker's exit event arrive
    }
    expect(k.threads).toBe(1);
    expect(k.threadsNote).toMatch(/1 thread: the worker pool failed/);
    expectSameBits(k.conv2dArrays(x, w, g), want);
  });
});
