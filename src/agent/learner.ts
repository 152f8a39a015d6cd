import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, readAdamState, writeAdamState, type AdamState } from './adam';
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
  /** The target network's weights; null for PQN, which has none. */
  target: Float32Array[] | null;
  /** Adam's step count, moments and running beta products (adam.ts), null before the first step. */
  adam: AdamState | null;
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
    const adam = await readAdamState(this.optimizer);
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
    if (!s.target) throw new Error('DQNLearner.setState: the state has no target network (a PQN learner\'s?)');
    this.online.setWeights(s.online);
    this.target.setWeights(s.target);
    this.gradientSteps = s.gradientSteps;
    await writeAdamState(this.optimizer, this.online.variables, s.adam, 'DQNLearner.setState');
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
    if (this.lastLossTensor) this.lastLossTensor.dispose();
    this.lastLossTensor = null;
  }
}

export { clipByGlobalNorm };
