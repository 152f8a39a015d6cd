import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePQNConfig, pqnLearningRateAt, type PQNConfig } from './pqn-config';
import { PQNAgent } from './pqn';
import { CueEnv } from './toyenv';
import type { AgentEnv } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const cueEnv = (numEnvs: number, seed: number): CueEnv => new CueEnv({ numEnvs, seed, frameHeight: 4, frameWidth: 4 });

/** Quick settings for the 4x4 cue env: 8 envs x 16 steps per rollout, 2 x 4 minibatches of 32. */
function quick(over: Partial<PQNConfig> = {}): PQNConfig {
  return makePQNConfig({
    num_envs: 8, num_steps: 16, num_minibatches: 4, update_epochs: 2,
    total_timesteps: 2048, learning_rate: 3e-3, exploration_fraction: 0.4, gamma: 0.9,
    network: { conv: [], hidden: [16] }, ...over,
  });
}

/** Mean raw return of `episodes` games of the agent's policy at `epsilon` on `env` (the agent's own Actor). */
async function play(agent: PQNAgent, env: AgentEnv, episodes: number, epsilon: number): Promise<number> {
  const actor = agent.actor(env, { epsilon });
  await actor.reset(123);
  const out: number[] = [];
  for (let t = 0; out.length < episodes && t < 10_000; t++) {
    await actor.step();
    for (const e of env.finished) out.push(e.rawReturn);
  }
  return mean(out.slice(0, episodes));
}

describe('PQN config', () => {
  it('CleanRL pqn_atari_envpool.py defaults, validation with the field name', () => {
    const c = makePQNConfig();
    expect([c.num_envs, c.num_steps, c.num_minibatches, c.update_epochs, c.learning_rate, c.q_lambda, c.max_grad_norm, c.end_e, c.anneal_lr])
      .toEqual([8, 128, 4, 4, 2.5e-4, 0.65, 10, 0.01, true]);
    expect(() => makePQNConfig({ q_lambda: 1.5 })).toThrow(/q_lambda/);
    expect(() => makePQNConfig({ buffer_size: 1 } as never)).toThrow(/unknown field "buffer_size"/);
    expect(pqnLearningRateAt(c, 0)).toBe(2.5e-4);
    expect(pqnLearningRateAt(c, 5_000_000)).toBeCloseTo(1.25e-4, 12);
    expect(pqnLearningRateAt({ ...c, anneal_lr: false }, 5_000_000)).toBe(2.5e-4);
  });

  it('refuses values past the bounds before anything is allocated (issue 16), naming the field', () => {
    expect(() => makePQNConfig({ learning_rate: 1e308 })).toThrow(/learning_rate must be in \(0, 10\]/);
    expect(() => makePQNConfig({ num_steps: 1e9 })).toThrow(/num_steps must be an integer in \[1, 4,096\]/);
    expect(() => makePQNConfig({ seed: 1e20 })).toThrow(/seed/);
    expect(() => makePQNConfig({ update_epochs: 2.5 })).toThrow(/update_epochs/);
    expect(() => makePQNConfig({ max_grad_norm: 1e300 })).toThrow(/max_grad_norm/);
    // The edges themselves are legal.
    expect(makePQNConfig({ num_steps: 4096, learning_rate: 10 }).num_steps).toBe(4096);
  });
});

describe('PQNAgent on the cue env', () => {
  it('alternates rollouts and updates: num_steps acting steps, then epochs x minibatches gradient steps', async () => {
    const agent = new PQNAgent(quick({ total_timesteps: 256 }), cueEnv(8, 3));
    let acted = 0;
    let trained = 0;
    for (let i = 0; i < 16 + 8; i++) {
      await agent.step();
      if (agent.lastStepActed) acted++; else trained++;
      if (i === 15) expect(agent.updatePending).toBe(true);
    }
    expect([acted, trained]).toEqual([16, 8]);
    expect(agent.learner.gradientSteps).toBe(8);
    expect(agent.updates).toBe(1);
    expect(agent.globalStep).toBe(128);
    expect(agent.updatePending).toBe(false);
    agent.dispose();
  }, 60_000);

  it('learns to beat a random policy clearly within a short run', async () => {
    const agent = new PQNAgent(quick(), cueEnv(8, 5));
    const random = await play(agent, cueEnv(4, 77), 40, 1); // epsilon 1 = uniform random policy
    await agent.train();
    expect(agent.globalStep).toBe(2048);
    expect(agent.learner.gradientSteps).toBe((2048 / 128) * 8);
    const greedy = await play(agent, cueEnv(4, 77), 40, 0);
    // Random: sum_k 0.25^k ≈ 0.33 per episode; perfect: 10 (truncated). Demand a large margin.
    expect(random).toBeLessThan(1);
    expect(greedy).toBeGreaterThan(5);
    agent.dispose();
  }, 120_000);

  it('getState/setState mid-rollout and mid-update resumes bit-exactly', async () => {
    const run = async (cut: number | null): Promise<string> => {
      const cfg = quick({ total_timesteps: 512 });
      let a = new PQNAgent(cfg, cueEnv(8, 9));
      let env = a.env as CueEnv;
      for (let i = 0; i < 40; i++) {
        if (i === cut) {
          // Same env object continues (the env's own state is the env's business, as in checkpoints).
          const s = await a.getState();
          const copy = structuredClone(s);
          a.dispose();
          a = new PQNAgent(cfg, env);
          await a.setState(copy);
          // Acting resumes from the saved stacks (restore.ts does this when envs were restored).
          for (let e = 0; e < 8; e++) a.buffer.startEpisodeFromStack(e, copy.stacks, e * 4 * 16);
        }
        await a.step();
      }
      const s = await a.getState();
      env = a.env as CueEnv;
      a.dispose();
      return JSON.stringify([s.globalStep, s.learner.gradientSteps, s.rng, s.learner.online.map((w) => Array.from(w)), s.learner.adam?.m.map((w) => Array.from(w))]);
    };
    const straight = await run(null);
    expect(await run(7)).toBe(straight); // mid-rollout
    expect(await run(19)).toBe(straight); // mid-update (16 acting steps, then gradient steps)
  }, 120_000);
});
