import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './config';
import { layerNorm } from './layer-norm';
import type { Rng } from './rng';

/**
 * Q-network built from raw tf.variables and ops (no tfjs-layers): we need exact control over
 * variable order (for the optimizer's moments and checkpoints), deterministic seeded init, and
 * cheap copies into the target network.
 *
 * Input: float32 [B, H, W, S] holding raw pixel values 0..255 (uint8 semantics; the replay batch
 * and the acting stager write them so). The first op scales by 1/255, as CleanRL's `x / 255.0`.
 * Conv layers use 'valid' padding and ReLU; the conv output is flattened in NHWC order.
 * Head: dense |A|, or with dueling (Wang et al. 2016) separate value and advantage streams, each
 * with its own hidden layers, combined as Q = V + A - mean(A).
 *
 * Init matches PyTorch's default (what CleanRL gets): weights and biases ~ U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)), drawn from the agent's seeded Rng so a seed reproduces the network.
 *
 * PQN variant (QNetworkOptions.layerNorm, src/agent/pqn-config.ts): LayerNorm over the feature
 * axis after every conv and hidden dense layer, before the ReLU (layer-norm.ts; scale 1, bias 0
 * at init), and purejaxql's init: truncated He-normal conv/hidden kernels, truncated
 * LeCun-normal output kernels, zero biases. Without the option nothing changes (same variables,
 * same RNG draws), so DQN nets are bit-identical to before.
 */

let instanceCounter = 0;

export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

interface Dense {
  w: tf.Variable;
  b: tf.Variable;
}

interface Conv extends Dense {
  stride: number;
}

/** LayerNorm parameters of a layer (PQN), or null. */
interface Norm {
  scale: tf.Variable;
  bias: tf.Variable;
}

export interface QNetworkOptions {
  /** LayerNorm epsilon: a LayerNorm after each conv and hidden dense layer (PQN). Absent = none. */
  layerNorm?: { eps: number };
}

export class QNetwork {
  readonly spec: NetworkSpec;
  readonly input: InputShape;
  readonly numActions: number;
  readonly dueling: boolean;
  /** Every variable in a fixed order (conv layers, then streams); the order checkpoints use. */
  readonly variables: tf.Variable[] = [];
  /** Names without the per-instance prefix, parallel to `variables`. */
  readonly localNames: string[] = [];
  readonly flatSize: number;
  private readonly prefix: string;
  private readonly convs: Conv[] = [];
  private readonly streamA: Dense[] = []; // hidden layers + output of the Q (or advantage) stream
  private readonly streamV: Dense[] = []; // hidden layers + output of the value stream (dueling)
  /** Per conv layer / per hidden layer of streamA (parallel arrays); null entries without LayerNorm. */
  private readonly convNorms: Array<Norm | null> = [];
  private readonly hiddenNormsA: Array<Norm | null> = [];
  private readonly hiddenNormsV: Array<Norm | null> = [];
  private readonly lnEps: number | null;

  constructor(spec: NetworkSpec, input: InputShape, numActions: number, dueling: boolean, rng: Rng, trainable = true, o: QNetworkOptions = {}) {
    if (!Number.isInteger(numActions) || numActions < 1) throw new Error(`QNetwork: numActions must be a positive integer, got ${numActions}`);
    this.spec = spec;
    this.input = input;
    this.numActions = numActions;
    this.dueling = dueling;
    this.prefix = `qnet${instanceCounter++}`;
    this.lnEps = o.layerNorm ? o.layerNorm.eps : null;
    const pqn = this.lnEps !== null;
    // PQN init (purejaxql): He-normal (gain 2) hidden kernels, LeCun-normal (gain 1) output, zero biases.
    const kernel = (name: string, shape: number[], fanIn: number, gain: number) =>
      pqn ? this.paramNormal(name, shape, fanIn, gain, rng, trainable) : this.param(name, shape, fanIn, rng, trainable);
    const biasOf = (name: string, shape: number[], fanIn: number) =>
      pqn ? this.paramConst(name, shape, 0, trainable) : this.param(name, shape, fanIn, rng, trainable);
    const norm = (name: string, size: number): Norm | null =>
      pqn ? { scale: this.paramConst(`${name}/ln/scale`, [size], 1, trainable), bias: this.paramConst(`${name}/ln/bias`, [size], 0, trainable) } : null;
    let h = input.height;
    let w = input.width;
    let c = input.channels;
    spec.conv.forEach((l, i) => {
      const oh = Math.floor((h - l.kernel) / l.stride) + 1;
      const ow = Math.floor((w - l.kernel) / l.stride) + 1;
      if (oh < 1 || ow < 1) {
        throw new Error(`QNetwork: conv layer ${i} (kernel ${l.kernel}, stride ${l.stride}) does not fit a ${h}x${w} input`);
      }
      const fanIn = l.kernel * l.kernel * c;
      this.convs.push({
        w: kernel(`conv${i}/kernel`, [l.kernel, l.kernel, c, l.filters], fanIn, 2),
        b: biasOf(`conv${i}/bias`, [l.filters], fanIn),
        stride: l.stride,
      });
      this.convNorms.push(norm(`conv${i}`, l.filters));
      h = oh;
      w = ow;
      c = l.filters;
    });
    this.flatSize = h * w * c;
    const buildStream = (name: string, out: number, into: Dense[], norms: Array<Norm | null>): void => {
      let inDim = this.flatSize;
      spec.hidden.forEach((units, i) => {
        into.push({
          w: kernel(`${name}/dense${i}/kernel`, [inDim, units], inDim, 2),
          b: biasOf(`${name}/dense${i}/bias`, [units], inDim),
        });
        norms.push(norm(`${name}/dense${i}`, units));
        inDim = units;
      });
      into.push({
        w: kernel(`${name}/out/kernel`, [inDim, out], inDim, 1),
        b: biasOf(`${name}/out/bias`, [out], inDim),
      });
    };
    if (dueling) {
      buildStream('advantage', numActions, this.streamA, this.hiddenNormsA);
      buildStream('value', 1, this.streamV, this.hiddenNormsV);
    } else {
      buildStream('q', numActions, this.streamA, this.hiddenNormsA);
    }
  }

  private param(name: string, shape: number[], fanIn: number, rng: Rng, trainable: boolean): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const vals = new Float32Array(size);
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) vals[i] = (rng.nextFloat() * 2 - 1) * bound;
    return this.addVariable(name, vals, shape, trainable);
  }

  /**
   * Flax's variance_scaling(gain, 'fan_in', 'truncated_normal'): a normal truncated at +-2 sd,
   * sd = sqrt(gain / fan_in) / 0.8796 (the truncated normal's own sd), drawn by Box-Muller from
   * the seeded Rng with rejection outside the bounds.
   */
  private paramNormal(name: string, shape: number[], fanIn: number, gain: number, rng: Rng, trainable: boolean): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const vals = new Float32Array(size);
    const sd = Math.sqrt(gain / fanIn) / 0.87962566103423978;
    for (let i = 0; i < size; i++) {
      let z: number;
      do {
        const u1 = 1 - rng.nextFloat(); // (0, 1]: log() finite
        const u2 = rng.nextFloat();
        z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      } while (z < -2 || z > 2);
      vals[i] = z * sd;
    }
    return this.addVariable(name, vals, shape, trainable);
  }

  private paramConst(name: string, shape: number[], value: number, trainable: boolean): tf.Variable {
    return this.addVariable(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), shape, trainable);
  }

  private addVariable(name: string, vals: Float32Array, shape: number[], trainable: boolean): tf.Variable {
    const init = tf.tensor(vals, shape, 'float32');
    const v = tf.variable(init, trainable, `${this.prefix}/${name}`);
    init.dispose(); // the variable holds its own reference to the data
    this.variables.push(v);
    this.localNames.push(name);
    return v;
  }

  /** Whether this net has LayerNorm (the PQN variant). */
  get hasLayerNorm(): boolean {
    return this.lnEps !== null;
  }

  /** Number of scalar parameters. */
  get paramCount(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  /** Q-values [B, |A|] for x = float32 [B, H, W, S] in 0..255. Call inside tf.tidy. */
  apply(x: tf.Tensor4D): tf.Tensor2D {
    const eps = this.lnEps;
    const normed = (z: tf.Tensor, n: Norm | null): tf.Tensor => (n && eps !== null ? layerNorm(z, n.scale as tf.Tensor1D, n.bias as tf.Tensor1D, eps) : z);
    let h: tf.Tensor = tf.mul(x, 1 / 255);
    for (let i = 0; i < this.convs.length; i++) {
      const l = this.convs[i];
      h = tf.relu(normed(tf.add(tf.conv2d(h as tf.Tensor4D, l.w as tf.Tensor4D, l.stride, 'valid'), l.b), this.convNorms[i]));
    }
    const flat = tf.reshape(h, [-1, this.flatSize]) as tf.Tensor2D;
    const stream = (layers: Dense[], norms: Array<Norm | null>): tf.Tensor2D => {
      let z = flat;
      for (let i = 0; i < layers.length; i++) {
        z = tf.add(tf.matMul(z, layers[i].w as tf.Tensor2D), layers[i].b) as tf.Tensor2D;
        if (i < layers.length - 1) z = tf.relu(normed(z, norms[i])) as tf.Tensor2D;
      }
      return z;
    };
    const a = stream(this.streamA, this.hiddenNormsA);
    if (!this.dueling) return a;
    const v = stream(this.streamV, this.hiddenNormsV);
    return tf.add(v, tf.sub(a, tf.mean(a, 1, true))) as tf.Tensor2D;
  }

  /** this ← tau * src + (1 - tau) * this (tau = 1: hard copy). Networks must share the architecture. */
  updateFrom(src: QNetwork, tau = 1): void {
    if (src.variables.length !== this.variables.length) throw new Error('QNetwork.updateFrom: architectures differ');
    tf.tidy(() => {
      for (let i = 0; i < this.variables.length; i++) {
        const s = src.variables[i];
        const d = this.variables[i];
        if (tau >= 1) d.assign(s);
        else d.assign(tf.add(tf.mul(s, tau), tf.mul(d, 1 - tau)));
      }
    });
  }

  /** Copies of the weights in variable order (for checkpoints / tests). */
  async getWeights(): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const v of this.variables) out.push((await v.data()) as Float32Array);
    return out;
  }

  setWeights(values: ArrayLike<number>[]): void {
    if (values.length !== this.variables.length) {
      throw new Error(`QNetwork.setWeights: expected ${this.variables.length} arrays, got ${values.length}`);
    }
    tf.tidy(() => {
      this.variables.forEach((v, i) => {
        if (values[i].length !== v.size) throw new Error(`QNetwork.setWeights: ${this.localNames[i]} needs ${v.size} values, got ${values[i].length}`);
        v.assign(tf.tensor(Float32Array.from(values[i]), v.shape, 'float32'));
      });
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
