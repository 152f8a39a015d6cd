import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, NETWORK_PRESETS, type DQNConfig } from './config';
import { clipByGlobalNorm, DQNLearner, elementLoss, tdTargets } from './learner';
import { QNetwork } from './network';
import { ReplayBatch } from './replay';
import { Rng } from './rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const arr = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

describe('tdTargets (hand-computed)', () => {
  it('Double DQN picks a* with the online net and evaluates it with the target net; plain DQN takes the target max', async () => {
    const qO = tf.tensor2d([[1, 3, 2], [5, 0, 1]]);
    const qT = tf.tensor2d([[10, 20, 30], [7, 8, 9]]);
    const r = tf.tensor1d([1, 2]);
    const d = tf.tensor1d([0.5, 0]); // second sample terminated: no bootstrap
    const yd = tdTargets(qO, qT, r, d, true);
    const yp = tdTargets(null, qT, r, d, false);
    expect(await arr(yd)).toEqual([1 + 0.5 * 20, 2]);
    expect(await arr(yp)).toEqual([1 + 0.5 * 30, 2]);
    tf.dispose([qO, qT, r, d, yd, yp]);
  });

  it('losses: mse = x², huber = 0.5x² inside |x| < 1 and |x| - 0.5 outside', async () => {
    const x = tf.tensor1d([-3, -0.5, 0, 0.5, 2]);
    const m = elementLoss(x, 'mse');
    const h = elementLoss(x, 'huber');
    expect(await arr(m)).toEqual([9, 0.25, 0, 0.25, 4]);
    expect(await arr(h)).toEqual([2.5, 0.125, 0, 0.125, 1.5]);
    tf.dispose([x, m, h]);
  });

  it('clipByGlobalNorm scales all gradients together only above the limit', async () => {
    const g = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const clipped = { ...g };
    const big = { ...g };
    tf.tidy(() => {
      clipByGlobalNorm(clipped, 1);
      clipByGlobalNorm(big, 10);
      tf.keep(clipped.a); tf.keep(clipped.b); tf.keep(big.a); tf.keep(big.b);
    });
    expect((await arr(clipped.a)).map((v) => +v.toFixed(5))).toEqual([0.6, 0]);
    expect((await arr(clipped.b)).map((v) => +v.toFixed(5))).toEqual([0.8]);
    expect(await arr(big.a)).toEqual([3, 0]);
    tf.dispose([g.a, g.b, clipped.a, clipped.b, big.a, big.b]);
  });
});

/** A linear "network" on a 1x1x1 input: Q(x) = (x/255) W + b, so every number can be worked out by hand. */
const LINEAR = { conv: [], hidden: [] };

function linearLearner(over: Partial<DQNConfig> = {}): DQNLearner {
  const cfg = makeConfig({ network: LINEAR, frame_stack: 1, batch_size: 2, learning_rate: 0.01, ...over });
  return new DQNLearner(cfg, { height: 1, width: 1, channels: 1 }, 3, new Rng(1));
}

function batchOf(x: number[], a: number[], r: number[], d: number[], x2: number[], w?: number[]): ReplayBatch {
  const b = new ReplayBatch(x.length, 1, 1, 1);
  b.obs.set(x);
  b.nextObs.set(x2);
  b.actions.set(a);
  b.returns.set(r);
  b.discounts.set(d);
  if (w) b.weights.set(w);
  return b;
}

describe('DQNLearner on a hand-set linear network', () => {
  it('targetsFor: Double DQN uses the online argmax, evaluated by the target network', async () => {
    for (const double of [true, false]) {
      const L = linearLearner({ double_q: double });
      L.online.setWeights([[0, 0, 0], [1, 3, 2]]); // online prefers action 1
      L.target.setWeights([[0, 0, 0], [10, 20, 30]]); // target's max is action 2
      const y = L.targetsFor(batchOf([0, 0], [0, 0], [1, 2], [0.5, 0], [0, 0]));
      expect(await arr(y)).toEqual(double ? [11, 2] : [16, 2]);
      y.dispose();
      L.dispose();
    }
  });

  it('one Adam step: loss and parameter moves match the hand-computed gradient', async () => {
    for (const [loss, weights, want] of [
      ['mse', [1, 1], (4 + 0.25) / 2],
      ['mse', [1, 0.5], (4 + 0.25 * 0.5) / 2],
      ['huber', [1, 1], (1.5 + 0.125) / 2],
    ] as const) {
      const L = linearLearner({ loss, double_q: true });
      L.online.setWeights([[0, 0, 0], [0, 0, 0]]);
      L.target.setWeights([[0, 0, 0], [1, 1, 1]]);
      // sample 0: x = 1 (pixel 255), a = 0, y = 1 + 1 * 1 = 2; sample 1: x = 0, a = 2, y = 0 + 0.5 * 1 = 0.5
      const b = batchOf([255, 0], [0, 2], [1, 0], [1, 0.5], [0, 0], [...weights]);
      await L.trainStep(b);
      expect(await L.lastLoss()).toBeCloseTo(want, 6);
      const [w, bias] = await L.online.getWeights();
      // Adam's first step moves each parameter by lr * sign(-grad); zero gradient → no move.
      // dL/dW0 and dL/db0 < 0 (sample 0), dL/db2 < 0 (sample 1), W2 sees x = 0, action 1 never taken.
      expect(Array.from(w).map((v) => +v.toFixed(6))).toEqual([0.01, 0, 0]);
      expect(Array.from(bias).map((v) => +v.toFixed(6))).toEqual([0.01, 0, 0.01]);
      L.dispose();
    }
  });

  it('returns |TD error| per sample when asked (prioritized replay)', async () => {
    const L = linearLearner();
    L.online.setWeights([[0, 0, 0], [0, 0, 0]]);
    L.target.setWeights([[0, 0, 0], [1, 1, 1]]);
    const td = await L.trainStep(batchOf([255, 0], [0, 2], [1, 0], [1, 0.5], [0, 0]), true);
    expect(Array.from(td!)).toEqual([2, 0.5]);
    L.dispose();
  });

  it('hard target update every target_network_frequency gradient steps; soft update with tau', async () => {
    for (const tau of [1, 0.5]) {
      const L = linearLearner({ target_network_frequency: 3, tau });
      L.target.setWeights([[0, 0, 0], [0, 0, 0]]);
      const b = batchOf([255, 128], [0, 1], [1, -1], [0.9, 0.9], [10, 20]);
      await L.trainStep(b);
      await L.trainStep(b);
      expect((await L.target.getWeights()).flatMap((a) => Array.from(a))).toEqual([0, 0, 0, 0, 0, 0]);
      await L.trainStep(b);
      const on = (await L.online.getWeights()).flatMap((a) => Array.from(a));
      const tg = (await L.target.getWeights()).flatMap((a) => Array.from(a));
      tg.forEach((v, i) => expect(v).toBeCloseTo(tau * on[i], 6));
      expect(L.gradientSteps).toBe(3);
      L.dispose();
    }
  });

  it('getState/setState carries weights, target, Adam moments and step count exactly', async () => {
    const cfg = { network: { conv: [{ filters: 2, kernel: 2, stride: 1 }], hidden: [4] }, frame_stack: 2, batch_size: 3, learning_rate: 0.01 };
    const mk = (seed: number) => new DQNLearner(makeConfig(cfg), { height: 3, width: 3, channels: 2 }, 2, new Rng(seed));
    const rng = new Rng(5);
    const b = new ReplayBatch(3, 3, 3, 2);
    for (let i = 0; i < b.obs.length; i++) { b.obs[i] = rng.nextInt(256); b.nextObs[i] = rng.nextInt(256); }
    b.actions.set([0, 1, 1]); b.returns.set([1, 0, -1]); b.discounts.set([0.99, 0, 0.99]);
    const A = mk(1);
    const B = mk(2);
    for (let k = 0; k < 3; k++) await A.trainStep(b);
    await B.trainStep(b); // give B moments of its own, which setState must replace (and free)
    const before = tf.memory().numTensors;
    await B.setState(await A.getState());
    expect(tf.memory().numTensors).toBe(before);
    expect(B.gradientSteps).toBe(3);
    await A.trainStep(b);
    await B.trainStep(b);
    const wa = (await A.online.getWeights()).flatMap((a) => Array.from(a));
    const wb = (await B.online.getWeights()).flatMap((a) => Array.from(a));
    expect(wb).toEqual(wa);
    const sa = await A.getState();
    const sb = await B.getState();
    expect(sb.adam!.iterations).toBe(4);
    expect(sb.adam!.m.flatMap((a) => Array.from(a))).toEqual(sa.adam!.m.flatMap((a) => Array.from(a)));
    expect(sb.adam!.v.flatMap((a) => Array.from(a))).toEqual(sa.adam!.v.flatMap((a) => Array.from(a)));
    A.dispose();
    B.dispose();
  });

  it('no tensor leaks: numTensors flat over many gradient steps (uniform, PER + clipping + huber + dueling)', async () => {
    for (const over of [{}, { max_grad_norm: 10, loss: 'huber' as const, dueling: true }]) {
      const L = new DQNLearner(
        makeConfig({ network: { conv: [{ filters: 2, kernel: 2, stride: 1 }], hidden: [4] }, frame_stack: 2, batch_size: 2, target_network_frequency: 7, ...over }),
        { height: 3, width: 3, channels: 2 }, 2, new Rng(1),
      );
      const b = new ReplayBatch(2, 3, 3, 2);
      b.obs.fill(100);
      b.returns.set([1, 0]);
      b.discounts.set([0.9, 0]);
      const x = new Float32Array(3 * 3 * 2);
      await L.trainStep(b, true);
      await L.greedyActions(x, 1);
      const n0 = tf.memory().numTensors;
      for (let k = 0; k < 150; k++) {
        await L.trainStep(b, k % 2 === 0);
        await L.greedyActions(x, 1);
      }
      expect(tf.memory().numTensors).toBe(n0);
      L.dispose();
    }
  });
});

describe('QNetwork', () => {
  it('Nature preset has the textbook parameter count (1,693,362 for 18 actions)', () => {
    const net = new QNetwork(NETWORK_PRESETS.nature, { height: 84, width: 84, channels: 4 }, 18, false, new Rng(0));
    expect(net.flatSize).toBe(3136);
    expect(net.paramCount).toBe(1_693_362);
    net.dispose();
  });

  it('dueling head: Q = V + A - mean(A)', async () => {
    const net = new QNetwork(LINEAR, { height: 1, width: 1, channels: 1 }, 3, true, new Rng(0));
    expect(net.localNames).toEqual(['advantage/out/kernel', 'advantage/out/bias', 'value/out/kernel', 'value/out/bias']);
    net.setWeights([[0, 0, 0], [1, 2, 3], [0], [10]]);
    const q = tf.tidy(() => net.apply(tf.tensor4d([0], [1, 1, 1, 1])));
    expect(await arr(q)).toEqual([9, 10, 11]);
    q.dispose();
    net.dispose();
  });

  it('input is scaled by 1/255 and init is seeded (same seed → same net)', async () => {
    const a = new QNetwork(LINEAR, { height: 1, width: 1, channels: 1 }, 2, false, new Rng(9));
    const b = new QNetwork(LINEAR, { height: 1, width: 1, channels: 1 }, 2, false, new Rng(9));
    expect((await a.getWeights()).flatMap((x) => Array.from(x))).toEqual((await b.getWeights()).flatMap((x) => Array.from(x)));
    a.setWeights([[2, -1], [0, 0]]);
    const q = tf.tidy(() => a.apply(tf.tensor4d([255], [1, 1, 1, 1])));
    expect(await arr(q)).toEqual([2, -1]);
    tf.dispose([q]);
    a.dispose();
    b.dispose();
  });

  it('rejects a conv stack that does not fit the input', () => {
    expect(() => new QNetwork(NETWORK_PRESETS.nature, { height: 20, width: 20, channels: 4 }, 4, false, new Rng(0))).toThrow(/does not fit/);
  });
});
