import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from './config';
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

  constructor(spec: NetworkSpec, input: InputShape, numActions: number, dueling: boolean, rng: Rng, trainable = true) {
    if (!Number.isInteger(numActions) || numActions < 1) throw new Error(`QNetwork: numActions must be a positive integer, got ${numActions}`);
    this.spec = spec;
    this.input = input;
    this.numActions = numActions;
    this.dueling = dueling;
    this.prefix = `qnet${instanceCounter++}`;
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
        w: this.param(`conv${i}/kernel`, [l.kernel, l.kernel, c, l.filters], fanIn, rng, trainable),
        b: this.param(`conv${i}/bias`, [l.filters], fanIn, rng, trainable),
        stride: l.stride,
      });
      h = oh;
      w = ow;
      c = l.filters;
    });
    this.flatSize = h * w * c;
    const buildStream = (name: string, out: number, into: Dense[]): void => {
      let inDim = this.flatSize;
      spec.hidden.forEach((units, i) => {
        into.push({
          w: this.param(`${name}/dense${i}/kernel`, [inDim, units], inDim, rng, trainable),
          b: this.param(`${name}/dense${i}/bias`, [units], inDim, rng, trainable),
        });
        inDim = units;
      });
      into.push({
        w: this.param(`${name}/out/kernel`, [inDim, out], inDim, rng, trainable),
        b: this.param(`${name}/out/bias`, [out], inDim, rng, trainable),
      });
    };
    if (dueling) {
      buildStream('advantage', numActions, this.streamA);
      buildStream('value', 1, this.streamV);
    } else {
      buildStream('q', numActions, this.streamA);
    }
  }

  private param(name: string, shape: number[], fanIn: number, rng: Rng, trainable: boolean): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const vals = new Float32Array(size);
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) vals[i] = (rng.nextFloat() * 2 - 1) * bound;
    const init = tf.tensor(vals, shape, 'float32');
    const v = tf.variable(init, trainable, `${this.prefix}/${name}`);
    init.dispose(); // the variable holds its own reference to the data
    this.variables.push(v);
    this.localNames.push(name);
    return v;
  }

  /** Number of scalar parameters. */
  get paramCount(): number {
    return this.variables.reduce((a, v) => a + v.size, 0);
  }

  /** Q-values [B, |A|] for x = float32 [B, H, W, S] in 0..255. Call inside tf.tidy. */
  apply(x: tf.Tensor4D): tf.Tensor2D {
    let h: tf.Tensor = tf.mul(x, 1 / 255);
    for (const l of this.convs) {
      h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, l.w as tf.Tensor4D, l.stride, 'valid'), l.b));
    }
    const flat = tf.reshape(h, [-1, this.flatSize]) as tf.Tensor2D;
    const stream = (layers: Dense[]): tf.Tensor2D => {
      let z = flat;
      for (let i = 0; i < layers.length; i++) {
        z = tf.add(tf.matMul(z, layers[i].w as tf.Tensor2D), layers[i].b) as tf.Tensor2D;
        if (i < layers.length - 1) z = tf.relu(z);
      }
      return z;
    };
    const a = stream(this.streamA);
    if (!this.dueling) return a;
    const v = stream(this.streamV);
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
