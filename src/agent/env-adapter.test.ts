import { describe, expect, it } from 'vitest';
import { WorkerVecEnvAdapter, type WorkerVecEnvLike } from './env-adapter';
import { ReplayBuffer } from './replay';
import { Rng } from './rng';
import { checkVecEnv } from './types';

/** Mimics src/env's VecEnv surface: shared views returned by reset/step, same-step auto-reset, finalObsOf(id). */
class FakeWorkerEnv implements WorkerVecEnvLike {
  readonly numActions = 3;
  readonly observationShape: number[];
  private readonly obs: Uint8Array;
  private readonly fin: Uint8Array;
  private readonly reward: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  private readonly t: Int32Array;
  private readonly ep: Int32Array;
  constructor(readonly numEnvs: number, readonly h: number, readonly w: number, stack = 1) {
    this.observationShape = [stack, h, w];
    this.obs = new Uint8Array(numEnvs * h * w);
    this.fin = new Uint8Array(numEnvs * h * w);
    this.reward = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.t = new Int32Array(numEnvs);
    this.ep = new Int32Array(numEnvs);
  }
  private draw(e: number, into: Uint8Array): void {
    const fs = this.h * this.w;
    into.fill((this.ep[e] * 16 + this.t[e]) & 255, e * fs, (e + 1) * fs);
  }
  async reset(): Promise<Uint8Array> {
    for (let e = 0; e < this.numEnvs; e++) { this.t[e] = 0; this.draw(e, this.obs); }
    return this.obs;
  }
  async step(actions: ArrayLike<number>) {
    const fs = this.h * this.w;
    for (let e = 0; e < this.numEnvs; e++) {
      this.t[e]++;
      this.reward[e] = actions[e];
      const end = this.t[e] >= 3 + e; // env e ends every 3+e steps, alternating kinds
      this.terminated[e] = end && this.ep[e] % 2 === 0 ? 1 : 0;
      this.truncated[e] = end && this.ep[e] % 2 === 1 ? 1 : 0;
      this.draw(e, this.obs);
      if (end) {
        this.fin.set(this.obs.subarray(e * fs, (e + 1) * fs), e * fs);
        this.ep[e]++;
        this.t[e] = 0;
        this.draw(e, this.obs);
      }
    }
    return { obs: this.obs, reward: this.reward, terminated: this.terminated, truncated: this.truncated };
  }
  finalObsOf(id: number): Uint8Array {
    const fs = this.h * this.w;
    return this.fin.subarray(id * fs, (id + 1) * fs);
  }
}

describe('WorkerVecEnvAdapter', () => {
  it('exposes the worker env as the agent VecEnv, with final frames gathered per ended episode', async () => {
    const inner = new FakeWorkerEnv(2, 2, 2);
    const env = new WorkerVecEnvAdapter(inner);
    checkVecEnv(env);
    await env.reset(1);
    const buf = new ReplayBuffer({ numEnvs: 2, capacity: 200, frameHeight: 2, frameWidth: 2, stackSize: 2, nStep: 1, gamma: 0.5, batchSize: 1, rng: new Rng(1) });
    buf.startEpisodes(env.obs);
    const actions = Int32Array.from([1, 2]);
    for (let k = 0; k < 12; k++) {
      await env.step(actions);
      for (let e = 0; e < 2; e++) {
        if (env.terminated[e] || env.truncated[e]) {
          // final frame = (episode, step 3 + e); the new episode's first frame = (episode + 1, 0)
          const ep = Math.floor(env.obs[e * 4] / 16) - 1;
          expect(env.finalObs[e * 4]).toBe(ep * 16 + 3 + e);
          expect(env.obs[e * 4] % 16).toBe(0);
        }
      }
      buf.addVectorStep(actions, env.rewards, env.terminated, env.truncated, env.obs, env.finalObs);
    }
    // env 0: episode 0 terminated at row 2 (rows 0..2 acted, row 3 final); episode 1 truncated.
    buf.fillSlot(0, 0, 2);
    expect(buf.batch.discounts[0]).toBe(0);
    expect(buf.batch.nextObs[1]).toBe(3); // newest channel (index S-1 = 1) = (episode 0, step 3)
    buf.fillSlot(0, 0, 6); // last step of episode 1 (rows 4..6), truncated → bootstrap from (1, 3)
    expect(buf.batch.discounts[0]).toBe(0.5);
    expect(buf.batch.nextObs[1]).toBe(16 + 3);
    expect(buf.batch.returns[0]).toBe(1);
  });

  it('refuses stacked or RGB observations with a clear message', () => {
    expect(() => new WorkerVecEnvAdapter(new FakeWorkerEnv(1, 2, 2, 4))).toThrow(/frameStack: 1/);
  });
});
