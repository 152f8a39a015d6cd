import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, readAdamState, setAdamLearningRate, writeAdamState } from './adam';
import { resolveNetwork } from './config';
import type { LearnerState } from './learner';
import { QNetwork, type InputShape } from './network';
import { PQN_LAYER_NORM_EPS, type PQNConfig } from './pqn-config';
import type { Rng } from './rng';

/**
 * PQN's learner: ONE Q-network with LayerNorm (no target network), Adam, and the gradient step
 * on a minibatch of the rollout with precomputed Q(lambda) targets (constants):
 *   loss = mean((Q(s, a) - G)^2)   (CleanRL's F.mse_loss; see pqn-config.ts)
 * then global-norm clipping at max_grad_norm. Like DQNLearner, the step never reads back: the loss
 * stays on the device as `lastLoss` until metrics ask for it.
 */
export class PQNLearner {
  readonly online: QNetwork;
  readonly optimizer: tf.AdamOptimizer;
  readonly input: InputShape;
  readonly numActions: number;
  gradientSteps = 0;
  private readonly cfg: PQNConfig;
  private lastLossTensor: tf.Scalar | null = null;

  constructor(cfg: PQNConfig, input: InputShape, numActions: number, rng: Rng) {
    this.cfg = cfg;
    this.input = input;
    this.numActions = numActions;
    this.online = new QNetwork(resolveNetwork(cfg.network), input, numActions, false, rng, true, { layerNorm: { eps: PQN_LAYER_NORM_EPS } });
    // beta1/beta2 = PyTorch's (0.9, 0.999), as RAdam's defaults; epsilon explicit (config.ts on adam_eps).
    this.optimizer = tf.train.adam(cfg.learning_rate, 0.9, 0.999, cfg.adam_eps);
  }

  /** Step size of the following gradient steps (anneal_lr). */
  setLearningRate(lr: number): void {
    setAdamLearningRate(this.optimizer, lr);
  }

  private batch(x: Float32Array, n: number): tf.Tensor4D {
    const { height: h, width: w, channels: s } = this.input;
    const size = n * h * w * s;
    if (x.length < size) throw new Error(`PQNLearner: input holds ${x.length} values, need ${size}`);
    return tf.tensor4d(x.length === size ? x : x.subarray(0, size), [n, h, w, s], 'float32');
  }

  /**
   * One gradient step on n samples: obs float32 [n, H, W, S] (0..255), actions [n], targets [n].
   * The arrays may be longer than n (preallocated staging); only the first n rows are used.
   */
  trainStep(obs: Float32Array, actions: Int32Array, targets: Float32Array, n: number): void {
    const loss = tf.tidy(() => {
      const s = this.batch(obs, n);
      const a = tf.tensor1d(actions.length === n ? actions : actions.subarray(0, n), 'int32');
      const g = tf.tensor1d(targets.length === n ? targets : targets.subarray(0, n), 'float32');
      const mask = tf.cast(tf.oneHot(a, this.numActions), 'float32');
      const { value, grads } = tf.variableGrads(() => {
        const qsa = tf.sum(tf.mul(this.online.apply(s), mask), 1);
        return tf.mean(tf.square(tf.sub(qsa, g))) as tf.Scalar;
      }, this.online.variables);
      if (this.cfg.max_grad_norm !== null) clipByGlobalNorm(grads, this.cfg.max_grad_norm);
      this.optimizer.applyGradients(grads as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      return value;
    });
    if (this.lastLossTensor) this.lastLossTensor.dispose();
    this.lastLossTensor = loss;
    this.gradientSteps++;
  }

  /** Loss of the latest gradient step (reads the device; call at metrics rate). */
  async lastLoss(): Promise<number | null> {
    if (!this.lastLossTensor) return null;
    return (await this.lastLossTensor.data())[0];
  }

  /** Q-values [n, |A|] for x = float32 [n, H, W, S] in one forward pass (one read back). */
  async qValues(x: Float32Array, n: number): Promise<Float32Array> {
    const q = tf.tidy(() => this.online.apply(this.batch(x, n)));
    const out = (await q.data()) as Float32Array;
    q.dispose();
    return out;
  }

  /** Greedy actions (the Actor's policy for evaluation and watch mode). */
  async greedyActions(x: Float32Array, n: number): Promise<Int32Array> {
    const best = tf.tidy(() => tf.argMax(this.online.apply(this.batch(x, n)), 1));
    const out = (await best.data()) as Int32Array;
    best.dispose();
    return out;
  }

  /** Weights and Adam's moments (copies), for checkpoints; `target` is null (PQN has none). */
  async getState(): Promise<LearnerState> {
    const adam = await readAdamState(this.optimizer);
    return { version: 1, gradientSteps: this.gradientSteps, names: this.online.localNames.slice(), online: await this.online.getWeights(), target: null, adam };
  }

  async setState(s: LearnerState): Promise<void> {
    if (s.version !== 1) throw new Error(`PQNLearner.setState: unsupported version ${String(s.version)}`);
    const names = this.online.localNames;
    if (s.names.length !== names.length || s.names.some((n, i) => n !== names[i])) {
      throw new Error('PQNLearner.setState: network architecture differs from the saved one');
    }
    this.online.setWeights(s.online);
    this.gradientSteps = s.gradientSteps;
    await writeAdamState(this.optimizer, this.online.variables, s.adam, 'PQNLearner.setState');
  }

  dispose(): void {
    this.online.dispose();
    this.optimizer.dispose();
    if (this.lastLossTensor) this.lastLossTensor.dispose();
    this.lastLossTensor = null;
  }
}
