/**
 * Harness page for e2e/backend-parity.spec.ts: the same Q-networks, with identical seeded
 * weights, on each tfjs backend (cpu, wasm with our training kernels, webgl, webgpu), compared
 * with the cpu backend numerically.
 *
 * Per backend: Q-values of a Nature net (forward only; its gradient step takes 10-20 s on
 * software GPUs) and of the small (NIPS 2013) net for a fixed seeded uint8 batch, then one real
 * DQNLearner.trainStep of the small net (Double DQN, MSE, Adam with explicit epsilon) on a fixed
 * seeded batch; then the same for PQN's LayerNorm net (small trunk with LayerNorm after each
 * conv and the hidden layer, src/agent/layer-norm.ts): Q-values and one PQNLearner.trainStep
 * with fixed targets, so LayerNorm's forward AND backward are compared on every backend. The cpu result is kept in the page; every other backend is compared with it here
 * so only summary numbers cross to the test (the weights are ~0.7M floats).
 *
 * Backends are switched with tf.setBackend through src/tfjs/backend.ts's chooseBackend, the path
 * the learner worker uses (wasm: our kernels registered, threads off; each backend must pass a
 * real gradient step before it counts as available).
 */
import * as tf from '@tensorflow/tfjs';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { makeConfig, NETWORK_PRESETS } from '../../src/agent/config';
import { DQNLearner } from '../../src/agent/learner';
import { QNetwork } from '../../src/agent/network';
import { makePQNConfig } from '../../src/agent/pqn-config';
import { PQNLearner } from '../../src/agent/pqn-learner';
import { ReplayBatch } from '../../src/agent/replay';
import { Rng } from '../../src/agent/rng';
import { chooseBackend, type WasmAssets } from '../../src/tfjs/backend';
import type { BackendName } from '../../src/tfjs/backend-names';

const H = 84;
const W = 84;
const S = 4;
const ACTIONS = 6;
const INPUT = { height: H, width: W, channels: S };
const BETA1 = 0.9; // DQNLearner's Adam beta1 (PyTorch default)

export interface ParityOptions {
  /** Batch of the Nature forward pass. */
  natureBatch: number;
  /** Batch of the small net's forward pass and gradient step. */
  stepBatch: number;
  learningRate: number;
  adamEps: number;
  seed: number;
}

interface Result {
  natureQ: Float32Array;
  smallQ: Float32Array;
  targets: Float32Array;
  loss: number;
  names: string[];
  init: Float32Array[];
  after: Float32Array[];
  /** Adam's first moment after step 1: (1 - beta1) * gradient. */
  m: Float32Array[];
  /** PQN's LayerNorm net: Q-values, loss of one step, weights before/after, Adam's m. */
  pqn: { q: Float32Array; loss: number; names: string[]; init: Float32Array[]; after: Float32Array[]; m: Float32Array[] };
  ms: { nature: number; forward: number; step: number; pqn: number };
}

/** Seeded uint8 pixels as the float32 0..255 values the networks take. */
function pixels(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 255;
  return out;
}

function batch(n: number, seed: number): ReplayBatch {
  const b = new ReplayBatch(n, H, W, S);
  b.obs.set(pixels(b.obs.length, seed + 1));
  b.nextObs.set(pixels(b.nextObs.length, seed + 2));
  const rng = new Rng(seed + 3);
  for (let i = 0; i < n; i++) {
    b.actions[i] = rng.nextInt(ACTIONS);
    b.returns[i] = Math.round((rng.nextFloat() * 2 - 1) * 100) / 100;
    // Last sample terminal (no bootstrap), the rest bootstrap through Double DQN's argmax.
    b.discounts[i] = i === n - 1 ? 0 : 0.99;
  }
  return b;
}

async function read(t: tf.Tensor): Promise<Float32Array> {
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return Float32Array.from(v);
}

async function compute(o: ParityOptions): Promise<Result> {
  const t0 = performance.now();
  const nature = new QNetwork(NETWORK_PRESETS.nature, INPUT, ACTIONS, false, new Rng(o.seed), true);
  const xN = pixels(o.natureBatch * H * W * S, o.seed + 10);
  const natureQ = await read(tf.tidy(() => nature.apply(tf.tensor4d(xN, [o.natureBatch, H, W, S], 'float32'))));
  nature.dispose();
  const t1 = performance.now();

  const cfg = makeConfig({
    network: 'small',
    learning_rate: o.learningRate,
    adam_eps: o.adamEps,
    double_q: true,
    loss: 'mse',
    max_grad_norm: null,
    batch_size: o.stepBatch,
  });
  const learner = new DQNLearner(cfg, INPUT, ACTIONS, new Rng(o.seed + 20));
  try {
    const b = batch(o.stepBatch, o.seed + 30);
    const init = await learner.online.getWeights();
    const smallQ = await learner.qValues(b.obs, b.size);
    const targets = await read(learner.targetsFor(b));
    const t2 = performance.now();
    await learner.trainStep(b);
    const loss = (await learner.lastLoss()) ?? NaN;
    const state = await learner.getState();
    const t3 = performance.now();
    if (!state.adam) throw new Error('no Adam state after a gradient step');
    const pqn = await computePQN(o, b);
    const t4 = performance.now();
    return {
      pqn,
      natureQ,
      smallQ: Float32Array.from(smallQ),
      targets,
      loss,
      names: state.names,
      init,
      after: state.online,
      m: state.adam.m,
      ms: { nature: t1 - t0, forward: t2 - t1, step: t3 - t2, pqn: t4 - t3 },
    };
  } finally {
    learner.dispose();
  }
}

/** PQN's LayerNorm net (small trunk): Q-values of the batch and one gradient step towards fixed targets. */
async function computePQN(o: ParityOptions, b: ReplayBatch): Promise<Result['pqn']> {
  const cfg = makePQNConfig({ network: 'small', learning_rate: o.learningRate, adam_eps: o.adamEps, max_grad_norm: null });
  const learner = new PQNLearner(cfg, INPUT, ACTIONS, new Rng(o.seed + 40));
  try {
    const init = await learner.online.getWeights();
    const q = Float32Array.from(await learner.qValues(b.obs, b.size));
    await learner.trainStep(b.obs, b.actions, b.returns, b.size);
    const loss = (await learner.lastLoss()) ?? NaN;
    const state = await learner.getState();
    if (!state.adam) throw new Error('no Adam state after the PQN gradient step');
    return { q, loss, names: state.names, init, after: state.online, m: state.adam.m };
  } finally {
    learner.dispose();
  }
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a - b|; NaN anywhere (or a length mismatch) gives Infinity so bounds fail loudly. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export interface Comparison {
  /** Initial weights (generated in JS from the seed) must be bit-identical: 0. */
  initDiff: number;
  natureQ: { maxAbs: number; scale: number };
  smallQ: { maxAbs: number; scale: number };
  targets: { maxAbs: number; scale: number };
  loss: { absDiff: number; cpu: number };
  /** Worst per-tensor gradient difference relative to that tensor's largest cpu gradient. */
  grad: { maxAbs: number; relative: number; tensor: string };
  /** Weights after the Adam step. */
  /** Weights after the Adam step; overHalfLr counts entries that differ by more than lr/2 (an update of opposite sign). */
  weights: { maxAbs: number; tensor: string; overHalfLr: number; count: number };
  /** On cpu, the smallest (over tensors) largest weight change of the step: ~lr when every tensor moved. */
  cpuMoved: number;
  /** The same for PQN's LayerNorm net (Q-values, loss, gradients, weights after one step). */
  pqn: { initDiff: number; q: { maxAbs: number; scale: number }; loss: { absDiff: number; cpu: number }; grad: Comparison['grad']; weights: Comparison['weights']; cpuMoved: number };
}

/** What run() returns for one backend (e2e/backend-parity.spec.ts reads it). */
export type RunResult =
  | { available: false; reason: string }
  | { available: true; detail: string; ms: Result['ms']; comparison: Comparison | null };

type Step = Pick<Result, 'names' | 'init' | 'after' | 'm'>;

/** One gradient step of a backend against cpu's: initial weights, gradients (from Adam's m), weights after. */
function compareStep(ref: Step, r: Step, lr: number): Pick<Comparison, 'initDiff' | 'grad' | 'weights' | 'cpuMoved'> {
  let initDiff = 0;
  let cpuMoved = Infinity;
  for (let i = 0; i < ref.init.length; i++) cpuMoved = Math.min(cpuMoved, maxDiff(ref.after[i], ref.init[i]));
  for (let i = 0; i < ref.init.length; i++) initDiff = Math.max(initDiff, maxDiff(ref.init[i], r.init[i]));
  const grad = { maxAbs: 0, relative: 0, tensor: '' };
  const weights = { maxAbs: 0, tensor: '', overHalfLr: 0, count: 0 };
  for (let i = 0; i < ref.m.length; i++) {
    const g = maxDiff(ref.m[i], r.m[i]) / (1 - BETA1);
    const scale = maxAbs(ref.m[i]) / (1 - BETA1);
    const rel = scale > 0 ? g / scale : g === 0 ? 0 : Infinity;
    if (!(rel <= grad.relative)) Object.assign(grad, { relative: rel, maxAbs: g, tensor: ref.names[i] });
    const w = maxDiff(ref.after[i], r.after[i]);
    if (!(w <= weights.maxAbs)) Object.assign(weights, { maxAbs: w, tensor: ref.names[i] });
    const a = ref.after[i];
    const b = r.after[i];
    weights.count += a.length;
    for (let j = 0; j < a.length; j++) if (!(Math.abs(a[j] - b[j]) <= 0.5 * lr)) weights.overHalfLr++;
  }
  return { initDiff, grad, weights, cpuMoved };
}

function compareWith(ref: Result, r: Result, lr: number): Comparison {
  const { initDiff, grad, weights, cpuMoved } = compareStep(ref, r, lr);
  return {
    pqn: {
      ...compareStep(ref.pqn, r.pqn, lr),
      q: { maxAbs: maxDiff(ref.pqn.q, r.pqn.q), scale: maxAbs(ref.pqn.q) },
      loss: { absDiff: Math.abs(ref.pqn.loss - r.pqn.loss), cpu: ref.pqn.loss },
    },
    initDiff,
    natureQ: { maxAbs: maxDiff(ref.natureQ, r.natureQ), scale: maxAbs(ref.natureQ) },
    smallQ: { maxAbs: maxDiff(ref.smallQ, r.smallQ), scale: maxAbs(ref.smallQ) },
    targets: { maxAbs: maxDiff(ref.targets, r.targets), scale: maxAbs(ref.targets) },
    loss: { absDiff: Math.abs(ref.loss - r.loss), cpu: ref.loss },
    grad,
    weights,
    cpuMoved,
  };
}

let reference: { opts: string; result: Result } | null = null;

function assets(): WasmAssets {
  return {
    tfjsWasm: new URL(tfjsWasm, location.href).href,
    tfjsWasmSimd: new URL(tfjsWasmSimd, location.href).href,
    tfjsWasmThreadedSimd: new URL(tfjsWasmThreadedSimd, location.href).href,
    trainKernels: new URL('/train_kernels.wasm', location.href).href,
  };
}

function describeBackend(name: BackendName, adapter: string): string {
  if (name === 'webgpu') return adapter || 'adapter not described';
  if (name === 'webgl') {
    const e = tf.env();
    return `WebGL ${e.getNumber('WEBGL_VERSION')}, float32 render ${e.getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? 'on' : 'OFF'}`;
  }
  if (name === 'wasm') return adapter || 'our training kernels'; // which threads they run on
  return 'plain JS';
}

const harness = {
  /**
   * Switches to `name` and computes everything there. Returns available: false with the reason
   * when the backend cannot be used in this browser. For 'cpu' the result becomes the reference;
   * any other backend needs the reference (same options) and is compared with it.
   */
  async run(name: BackendName, o: ParityOptions): Promise<RunResult> {
    let adapter = '';
    try {
      const info = await chooseBackend([name], assets());
      adapter = info.adapter;
    } catch (e) {
      return { available: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (tf.getBackend() !== name) throw new Error(`asked for ${name}, tfjs is on ${tf.getBackend()}`);
    const key = JSON.stringify(o);
    if (name !== 'cpu' && reference?.opts !== key) throw new Error('run cpu first with the same options: it is the reference');
    const before = tf.memory().numTensors;
    const result = await compute(o);
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`${name}: ${leaked} tensors leaked by the parity computation`);
    const detail = describeBackend(name, adapter);
    if (name === 'cpu') {
      reference = { opts: key, result };
      return { available: true, detail, ms: result.ms, comparison: null };
    }
    return { available: true, detail, ms: result.ms, comparison: compareWith(reference!.result, result, o.learningRate) };
  },
};

(globalThis as unknown as { parityHarness: typeof harness }).parityHarness = harness;
document.getElementById('status')!.textContent = 'ready';
