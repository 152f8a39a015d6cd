import * as tf from '@tensorflow/tfjs';
import { resolveNetwork, type DQNConfig, type LossType } from './config';
import { QNetwork, type InputShape } from './network';
import type { ReplayBatch } from './replay';
import type { Rng } from './rng';

/**
 * TD target for a batch (no gradient flows through it):
 *   double:  y = R + d * Q_target(s', argmax_a Q_online(s', a))     (van Hasselt et al. 2016)
 *   plain:   y = R + d * max_a Q_target(s', a)                       (Mnih et al. 2015; CleanRL)
 * R is the n-step discounted return and d = gamma^k, or 0 when the episode terminated within the
 * k steps (truncation keeps d > 0: a time limit is not a terminal state).
 */
export function tdTargets(
  qNextOnline: tf.Tensor2D | null,
  qNextTarget: tf.Tensor2D,
  returns: tf.Tensor1D,
  discounts: tf.Tensor1D,
  double: boolean,
): tf.Tensor1D {
  return tf.tidy(() => {
    let next: tf.Tensor1D;
    if (double) {
      if (!qNextOnline) throw new Error('tdTargets: Double DQN needs the online network\'s Q(s\')');
      const best = tf.argMax(qNextOnline, 1);
      const mask = tf.cast(tf.oneHot(best, qNextTarget.shape[1]), 'float32');
      next = tf.sum(tf.mul(qNextTarget, mask), 1);
    } else {
      next = tf.max(qNextTarget, 1);
    }
    return tf.add(returns, tf.mul(discounts, next));
  });
}

/** Per-sample loss of TD error x: 'mse' → x², 'huber' → smooth L1 with delta 1 (0.5x² inside |x|<1, |x|-0.5 outside). */
export function elementLoss(x: tf.Tensor1D, kind: LossType): tf.Tensor1D {
  return tf.tidy(() => {
    if (kind === 'mse') return tf.square(x);
    const ax = tf.abs(x);
    const q = tf.minimum(ax, 1);
    return tf.add(tf.mul(tf.square(q), 0.5), tf.sub(ax, q));
  });
}

export interface LearnerState {
  version: 1;
  gradientSteps: number;
  /** Parameter names (without instance prefix) in the order of the arrays below. */
  names: string[];
  online: Float32Array[];
  target: Float32Array[];
  /**
   * Adam's step count, moments, and its running beta1^t / beta2^t products (tfjs keeps these as
   * float32 variables multiplied every step; recomputing them with pow() on restore differs in
   * the last bit, so they are saved to make a resumed run bit-identical).
   */
  adam: { iterations: number; m: Float32Array[]; v: Float32Array[]; accBeta1: number; accBeta2: number } | null;
}

/**
 * Online + target networks, Adam, and the gradient step. The step never reads back to the CPU
 * (unless prioritized replay needs TD errors): the loss stays on the device as `lastLoss` and is
 * read when metrics ask for it.
 */
export class DQNLearner {
  readonly online: QNetwork;
  readonly target: QNetwork;
  readonly optimizer: tf.AdamOptimizer;
  readonly input: InputShape;
  readonly numActions: number;
  gradientSteps = 0;
  private readonly cfg: DQNConfig;
  private lastLossTensor: tf.Scalar | null = null;

  constructor(cfg: DQNConfig, input: InputShape, numActions: number, rng: Rng) {
    this.cfg = cfg;
    this.input = input;
    this.numActions = numActions;
    const spec = resolveNetwork(cfg.network);
    this.online = new QNetwork(spec, input, numActions, cfg.dueling, rng, true);
    this.target = new QNetwork(spec, input, numActions, cfg.dueling, rng, false);
    this.target.updateFrom(this.online, 1);
    // beta1/beta2 = PyTorch's (0.9, 0.999); epsilon explicit (see config.ts on adam_eps).
    this.optimizer = tf.train.adam(cfg.learning_rate, 0.9, 0.999, cfg.adam_eps);
  }

  private batchTensors(b: ReplayBatch) {
    const { height: h, width: w, channels: s } = this.input;
    const n = b.size;
    return {
      s: tf.tensor4d(b.obs, [n, h, w, s], 'float32'),
      s2: tf.tensor4d(b.nextObs, [n, h, w, s], 'float32'),
      a: tf.tensor1d(b.actions, 'int32'),
      r: tf.tensor1d(b.returns, 'float32'),
      d: tf.tensor1d(b.discounts, 'float32'),
      wt: tf.tensor1d(b.weights, 'float32'),
    };
  }

  /** Target values for a batch (exposed for tests). Caller disposes. */
  targetsFor(b: ReplayBatch): tf.Tensor1D {
    return tf.tidy(() => {
      const t = this.batchTensors(b);
      const qT = this.target.apply(t.s2);
      const qO = this.cfg.double_q ? this.online.apply(t.s2) : null;
      return tdTargets(qO, qT, t.r, t.d, this.cfg.double_q);
    });
  }

  /**
   * One gradient step on a sampled batch; then the target update when due. When `wantTdErrors`
   * is set, resolves with |TD error| per sample (prioritized replay), which costs a device read.
   */
  async trainStep(b: ReplayBatch, wantTdErrors = false): Promise<Float32Array | null> {
    let tdAbs: tf.Tensor1D | null = null;
    const loss = tf.tidy(() => {
      const t = this.batchTensors(b);
      const qT = this.target.apply(t.s2);
      const qO = this.cfg.double_q ? this.online.apply(t.s2) : null;
      const y = tdTargets(qO, qT, t.r, t.d, this.cfg.double_q);
      const mask = tf.cast(tf.oneHot(t.a, this.numActions), 'float32');
      const { value, grads } = tf.variableGrads(() => {
        const q = this.online.apply(t.s);
        const qsa = tf.sum(tf.mul(q, mask), 1);
        const td = tf.sub(y, qsa) as tf.Tensor1D;
        if (wantTdErrors) tdAbs = tf.keep(tf.abs(td));
        return tf.mean(tf.mul(elementLoss(td, this.cfg.loss), t.wt)) as tf.Scalar;
      }, this.online.variables);
      if (this.cfg.max_grad_norm !== null) clipByGlobalNorm(grads, this.cfg.max_grad_norm);
      this.optimizer.applyGradients(grads as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      return value;
    });
    if (this.lastLossTensor) this.lastLossTensor.dispose();
    this.lastLossTensor = loss;
    this.gradientSteps++;
    if (this.gradientSteps % this.cfg.target_network_frequency === 0) this.target.updateFrom(this.online, this.cfg.tau);
    if (!tdAbs) return null;
    const held = tdAbs as tf.Tensor1D;
    const vals = (await held.data()) as Float32Array;
    held.dispose();
    return vals;
  }

  /** Loss of the latest gradient step (reads the device; call at metrics rate, not every step). */
  async lastLoss(): Promise<number | null> {
    if (!this.lastLossTensor) return null;
    return (await this.lastLossTensor.data())[0];
  }

  /** Greedy actions for x = float32 [n, H, W, S] (0..255) in one forward pass. */
  async greedyActions(x: Float32Array, n: number): Promise<Int32Array> {
    const { height: h, width: w, channels: s } = this.input;
    if (x.length < n * h * w * s) throw new Error(`greedyActions: input holds ${x.length} values, need ${n * h * w * s}`);
    const view = x.length === n * h * w * s ? x : x.subarray(0, n * h * w * s);
    const best = tf.tidy(() => tf.argMax(this.online.apply(tf.tensor4d(view, [n, h, w, s], 'float32')), 1));
    const out = (await best.data()) as Int32Array;
    best.dispose();
    return out;
  }

  /** Online Q-values (tests, UI). */
  async qValues(x: Float32Array, n: number): Promise<Float32Array> {
    const { height: h, width: w, channels: s } = this.input;
    const q = tf.tidy(() => this.online.apply(tf.tensor4d(x.subarray(0, n * h * w * s), [n, h, w, s], 'float32')));
    const out = (await q.data()) as Float32Array;
    q.dispose();
    return out;
  }

  /** Weights of both networks and Adam's moments (copies), for checkpoints. */
  async getState(): Promise<LearnerState> {
    const named = await this.optimizer.getWeights();
    let adam: LearnerState['adam'] = null;
    if (named.length > 1) {
      const iterations = (await named[0].tensor.data())[0];
      const k = (named.length - 1) / 2;
      const m: Float32Array[] = [];
      const v: Float32Array[] = [];
      for (let i = 0; i < k; i++) m.push((await named[1 + i].tensor.data()) as Float32Array);
      for (let i = 0; i < k; i++) v.push((await named[1 + k + i].tensor.data()) as Float32Array);
      const acc = adamAccumulators(this.optimizer);
      adam = { iterations, m, v, accBeta1: (await acc.b1.data())[0], accBeta2: (await acc.b2.data())[0] };
    }
    named[0].tensor.dispose(); // the iterations scalar is created fresh by getWeights
    return {
      version: 1,
      gradientSteps: this.gradientSteps,
      names: this.online.localNames.slice(),
      online: await this.online.getWeights(),
      target: await this.target.getWeights(),
      adam,
    };
  }

  async setState(s: LearnerState): Promise<void> {
    if (s.version !== 1) throw new Error(`DQNLearner.setState: unsupported version ${String(s.version)}`);
    const names = this.online.localNames;
    if (s.names.length !== names.length || s.names.some((n, i) => n !== names[i])) {
      throw new Error('DQNLearner.setState: network architecture differs from the saved one');
    }
    this.online.setWeights(s.online);
    this.target.setWeights(s.target);
    this.gradientSteps = s.gradientSteps;
    const old = await this.optimizer.getWeights();
    if (s.adam) {
      const vars = this.online.variables;
      if (s.adam.m.length !== vars.length || s.adam.v.length !== vars.length) throw new Error('DQNLearner.setState: Adam moments do not match the network');
      const given: Array<{ name: string; tensor: tf.Tensor }> = [{ name: 'iter', tensor: tf.scalar(s.adam.iterations, 'int32') }];
      vars.forEach((v, i) => given.push({ name: `${v.name}/m`, tensor: tf.tensor(s.adam!.m[i], v.shape, 'float32') }));
      vars.forEach((v, i) => given.push({ name: `${v.name}/v`, tensor: tf.tensor(s.adam!.v[i], v.shape, 'float32') }));
      await this.optimizer.setWeights(given);
      const acc = adamAccumulators(this.optimizer);
      tf.tidy(() => {
        acc.b1.assign(tf.scalar(s.adam!.accBeta1, 'float32'));
        acc.b2.assign(tf.scalar(s.adam!.accBeta2, 'float32'));
      });
      for (const g of given) g.tensor.dispose(); // setWeights made variables from them
      for (const o of old) o.tensor.dispose(); // previous moments (and the fresh iter scalar)
    } else {
      old[0].tensor.dispose();
    }
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
    if (this.lastLossTensor) this.lastLossTensor.dispose();
    this.lastLossTensor = null;
  }
}

/** tfjs's AdamOptimizer keeps beta1^t and beta2^t in protected fields; reach them explicitly, failing loudly if tfjs changes. */
function adamAccumulators(opt: tf.AdamOptimizer): { b1: tf.Variable; b2: tf.Variable } {
  const o = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  if (!o.accBeta1 || !o.accBeta2) throw new Error('DQNLearner: this tfjs AdamOptimizer has no accBeta1/accBeta2 (tfjs version changed?)');
  return { b1: o.accBeta1, b2: o.accBeta2 };
}

/** grads ← grads * min(1, maxNorm / ||grads||_2) over all variables together (in place in the map). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): void {
  const keys = Object.keys(grads);
  const sq = keys.map((k) => tf.sum(tf.square(grads[k])));
  const norm = tf.sqrt(tf.addN(sq));
  const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  for (const k of keys) grads[k] = tf.mul(grads[k], scale);
}
