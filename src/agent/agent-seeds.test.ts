/**
 * Env seeds chosen by DQNAgent.start(): the opening uses cfg.seed; a start after setState() (mode
 * switch, or a resume without env states) draws a fresh seed from the agent's checkpointed RNG,
 * so new envs do not replay the run's opening episodes; a plain resume never reseeds.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DQNAgent } from './agent';
import { makeConfig, type DQNConfig } from './config';
import { CueEnv } from './toyenv';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** CueEnv that records the seeds of its resets. */
class RecordingCueEnv extends CueEnv {
  readonly resets: (number | undefined)[] = [];
  override reset(seed?: number): void {
    this.resets.push(seed);
    super.reset(seed);
  }
}

const cfgFor = (n: number, over: Partial<DQNConfig> = {}): DQNConfig => makeConfig({
  num_envs: n, total_timesteps: 400, learning_starts: 40, seed: 1234, network: { conv: [], hidden: [8] }, ...over,
});
const env = (n: number) => new RecordingCueEnv({ numEnvs: n, seed: 0, frameHeight: 4, frameWidth: 4 });

/** Observations of `steps` vector steps with fixed actions, straight from an env reset with `seed`. */
function trajectory(n: number, seed: number, steps: number): string {
  const e = env(n);
  e.reset(seed);
  const out: number[] = [];
  const a = new Int32Array(n);
  for (let t = 0; t < steps; t++) {
    a.fill(t % e.numActions);
    e.step(a);
    out.push(...e.obs, ...e.rewards);
  }
  return out.join(',');
}

describe('DQNAgent env seeds', () => {
  it('a fresh agent opens with cfg.seed; start(seed) overrides; a second start does not repeat the opening', async () => {
    const A = new DQNAgent(cfgFor(2), env(2), { capacity: 500 });
    await A.step();
    expect((A.env as RecordingCueEnv).resets).toEqual([1234]);
    expect(A.lastEnvSeed).toBe(1234);
    await A.start(77);
    expect(A.lastEnvSeed).toBe(77);
    await A.start();
    expect(A.lastEnvSeed).not.toBe(1234);
    await expect(A.start(1.5)).rejects.toThrow(/integer/);
    A.dispose();
  });

  it('after setState (mode switch 2 -> 4 envs) start() draws a fresh, reproducible seed away from the opening', async () => {
    const A = new DQNAgent(cfgFor(2), env(2), { capacity: 500 });
    while (A.globalStep < 120) await A.step();
    const state = await A.getState();
    // The checkpoint layer gives a switched agent zeroed per-env fields for the new count.
    const switched = (n: number) => ({ ...state, episodeReturns: new Array<number>(n).fill(0), episodeLengths: new Array<number>(n).fill(0) });

    const B = new DQNAgent(cfgFor(4), env(4), { capacity: 500 });
    const Bstate = await B.getState();
    await B.setState({ ...switched(4), stacks: Bstate.stacks, replay: Bstate.replay });
    await B.start();
    const seedB = B.lastEnvSeed!;
    expect((B.env as RecordingCueEnv).resets).toEqual([seedB]);
    expect(Math.abs(seedB - 1234)).toBeGreaterThanOrEqual(0x10000); // env i = seed + i never meets cfg.seed + j
    // Another agent restored from the same state picks the same seed (the draw is checkpointed RNG).
    const C = new DQNAgent(cfgFor(4), env(4), { capacity: 500 });
    await C.setState({ ...switched(4), stacks: Bstate.stacks, replay: Bstate.replay });
    await C.start();
    expect(C.lastEnvSeed).toBe(seedB);
    // And the new envs' episodes are not the opening ones.
    expect(trajectory(4, seedB, 12)).not.toBe(trajectory(4, 1234, 12));
    // A later switch from there again gets another seed.
    await B.start();
    expect(B.lastEnvSeed).not.toBe(seedB);
    [A, B, C].forEach((x) => x.dispose());
  });

  it('a plain resume (same N, env states restored) never reseeds and continues bit-exact', async () => {
    const A = new DQNAgent(cfgFor(2), env(2), { capacity: 500 });
    while (A.globalStep < 150) await A.step();
    const B = new DQNAgent(cfgFor(2), env(2), { capacity: 500 });
    await B.setState(await A.getState());
    // Stand-in for restored emulator states: both toy envs put into the same state.
    (A.env as CueEnv).reset(8);
    (B.env as CueEnv).reset(8);
    const resetsB = (B.env as RecordingCueEnv).resets.length;
    for (let i = 0; i < 40; i++) {
      await A.step();
      await B.step();
      expect(Array.from(B.env.obs)).toEqual(Array.from(A.env.obs));
    }
    expect((B.env as RecordingCueEnv).resets.length).toBe(resetsB); // step() did not call start()
    const wa = (await A.learner.online.getWeights()).flatMap((a) => Array.from(a));
    const wb = (await B.learner.online.getWeights()).flatMap((a) => Array.from(a));
    expect(wb).toEqual(wa);
    expect(B.rng.getState()).toEqual(A.rng.getState());
    A.dispose();
    B.dispose();
  });
});
