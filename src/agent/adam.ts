import * as tf from '@tensorflow/tfjs';

/**
 * Adam's state for checkpoints, shared by the DQN and PQN learners (one implementation): step
 * count, first/second moments in variable order, and tfjs's running beta1^t / beta2^t products
 * (float32 variables multiplied every step; recomputing them with pow() on restore differs in the
 * last bit, so they are saved to make a resumed run bit-identical).
 */
export interface AdamState {
  iterations: number;
  m: Float32Array[];
  v: Float32Array[];
  accBeta1: number;
  accBeta2: number;
}

/** Copies of the optimizer's state, or null before its first step. */
export async function readAdamState(opt: tf.AdamOptimizer): Promise<AdamState | null> {
  const named = await opt.getWeights();
  let adam: AdamState | null = null;
  if (named.length > 1) {
    const iterations = (await named[0].tensor.data())[0];
    const k = (named.length - 1) / 2;
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (let i = 0; i < k; i++) m.push((await named[1 + i].tensor.data()) as Float32Array);
    for (let i = 0; i < k; i++) v.push((await named[1 + k + i].tensor.data()) as Float32Array);
    const acc = adamAccumulators(opt);
    adam = { iterations, m, v, accBeta1: (await acc.b1.data())[0], accBeta2: (await acc.b2.data())[0] };
  }
  named[0].tensor.dispose(); // the iterations scalar is created fresh by getWeights
  return adam;
}

/** Puts saved state (moments in the order of `vars`) into the optimizer; null leaves it fresh. */
export async function writeAdamState(opt: tf.AdamOptimizer, vars: readonly tf.Variable[], s: AdamState | null, who: string): Promise<void> {
  const old = await opt.getWeights();
  if (s) {
    if (s.m.length !== vars.length || s.v.length !== vars.length) throw new Error(`${who}: Adam moments do not match the network`);
    const given: Array<{ name: string; tensor: tf.Tensor }> = [{ name: 'iter', tensor: tf.scalar(s.iterations, 'int32') }];
    vars.forEach((v, i) => given.push({ name: `${v.name}/m`, tensor: tf.tensor(s.m[i], v.shape, 'float32') }));
    vars.forEach((v, i) => given.push({ name: `${v.name}/v`, tensor: tf.tensor(s.v[i], v.shape, 'float32') }));
    await opt.setWeights(given);
    const acc = adamAccumulators(opt);
    tf.tidy(() => {
      acc.b1.assign(tf.scalar(s.accBeta1, 'float32'));
      acc.b2.assign(tf.scalar(s.accBeta2, 'float32'));
    });
    for (const g of given) g.tensor.dispose(); // setWeights made variables from them
    for (const o of old) o.tensor.dispose(); // previous moments (and the fresh iter scalar)
  } else {
    old[0].tensor.dispose();
  }
}

/** tfjs's AdamOptimizer keeps beta1^t and beta2^t in protected fields; reach them explicitly, failing loudly if tfjs changes. */
function adamAccumulators(opt: tf.AdamOptimizer): { b1: tf.Variable; b2: tf.Variable } {
  const o = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  if (!o.accBeta1 || !o.accBeta2) throw new Error('Adam: this tfjs AdamOptimizer has no accBeta1/accBeta2 (tfjs version changed?)');
  return { b1: o.accBeta1, b2: o.accBeta2 };
}

/**
 * Sets the step size of later applyGradients calls (PQN's anneal_lr). tfjs reads the protected
 * `learningRate` field on every step; reach it explicitly, failing loudly if tfjs changes.
 */
export function setAdamLearningRate(opt: tf.AdamOptimizer, lr: number): void {
  const o = opt as unknown as { learningRate?: number };
  if (typeof o.learningRate !== 'number') throw new Error('Adam: this tfjs AdamOptimizer has no learningRate field (tfjs version changed?)');
  o.learningRate = lr;
}

/** grads ← grads * min(1, maxNorm / ||grads||_2) over all variables together (in place in the map). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): void {
  const keys = Object.keys(grads);
  const sq = keys.map((k) => tf.sum(tf.square(grads[k])));
  const norm = tf.sqrt(tf.addN(sq));
  const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  for (const k of keys) grads[k] = tf.mul(grads[k], scale);
}
