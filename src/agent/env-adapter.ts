import type { VecEnv } from './types';

/**
 * The parts of src/env's worker-backed VecEnv the agent needs, typed structurally so that
 * src/agent does not import src/env (sibling folders; the learner worker wires them together).
 * Configure that env with `frameStack: 1` and grayscale 84x84 observations: the agent stacks
 * frames itself (see types.ts for why).
 */
export interface WorkerVecEnvLike {
  readonly numEnvs: number;
  readonly numActions: number;
  /** [frameStack, H, W] for grayscale, [frameStack, H, W, 3] for RGB. */
  readonly observationShape: number[];
  reset(seed?: number): Promise<Uint8Array>;
  step(actions: ArrayLike<number>): Promise<{ obs: Uint8Array; reward: Float32Array; terminated: Uint8Array; truncated: Uint8Array }>;
  /** The frame an env's last episode ended on (before its auto-reset). */
  finalObsOf(id: number): Uint8Array;
}

/**
 * Adapts the worker VecEnv (same-step auto-reset, per-env final observation, buffers living in
 * a SharedArrayBuffer) to the agent's VecEnv contract. obs/rewards/flags are the env's own shared
 * views (no copy); final frames are copied into one [N, H, W] array, only for envs whose episode
 * ended on this step.
 */
export class WorkerVecEnvAdapter implements VecEnv {
  readonly numEnvs: number;
  readonly numActions: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly finalObs: Uint8Array;
  private readonly inner: WorkerVecEnvLike;
  private obsView: Uint8Array;
  private rewardView: Float32Array;
  private terminatedView: Uint8Array;
  private truncatedView: Uint8Array;

  constructor(inner: WorkerVecEnvLike) {
    const shape = inner.observationShape;
    if (shape.length !== 3 || shape[0] !== 1) {
      throw new Error(
        `WorkerVecEnvAdapter: the env must give single grayscale frames (observationShape [1, H, W], i.e. frameStack: 1, obsType 'grayscale'); got [${shape.join(', ')}]`,
      );
    }
    this.inner = inner;
    this.numEnvs = inner.numEnvs;
    this.numActions = inner.numActions;
    this.frameHeight = shape[1];
    this.frameWidth = shape[2];
    const n = this.numEnvs * this.frameHeight * this.frameWidth;
    this.finalObs = new Uint8Array(n);
    // Until the first reset the views are zero-filled placeholders of the right size.
    this.obsView = new Uint8Array(n);
    this.rewardView = new Float32Array(this.numEnvs);
    this.terminatedView = new Uint8Array(this.numEnvs);
    this.truncatedView = new Uint8Array(this.numEnvs);
  }

  get obs(): Uint8Array { return this.obsView; }
  get rewards(): Float32Array { return this.rewardView; }
  get terminated(): Uint8Array { return this.terminatedView; }
  get truncated(): Uint8Array { return this.truncatedView; }

  async reset(seed?: number): Promise<void> {
    const obs = await this.inner.reset(seed);
    this.checkObs(obs);
    this.obsView = obs;
    this.terminatedView.fill(0);
    this.truncatedView.fill(0);
    this.rewardView.fill(0);
  }

  async step(actions: Int32Array): Promise<void> {
    const r = await this.inner.step(actions);
    this.checkObs(r.obs);
    this.obsView = r.obs;
    this.rewardView = r.reward;
    this.terminatedView = r.terminated;
    this.truncatedView = r.truncated;
    const fs = this.frameHeight * this.frameWidth;
    for (let e = 0; e < this.numEnvs; e++) {
      if (r.terminated[e] || r.truncated[e]) {
        const f = this.inner.finalObsOf(e);
        if (f.length !== fs) throw new Error(`WorkerVecEnvAdapter: final observation of env ${e} has ${f.length} bytes, expected ${fs}`);
        this.finalObs.set(f, e * fs);
      }
    }
  }

  private checkObs(obs: Uint8Array): void {
    const want = this.numEnvs * this.frameHeight * this.frameWidth;
    if (obs.length !== want) throw new Error(`WorkerVecEnvAdapter: env returned ${obs.length} observation bytes, expected ${want}`);
  }
}
