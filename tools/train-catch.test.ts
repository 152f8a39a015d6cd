// CATCH learning signal: a DQN trained briefly on our own built-in game, through the real env
// stack (wasm emulator, AtariEnv: frame skip 4, max-pool, no-op starts, sticky actions 0.25,
// area resize) and the real agent (replay, Double DQN, Adam) on tfjs's 'wasm' backend with our
// training kernels, must catch clearly more fruit with its greedy policy than a uniform random
// policy on the same seeded games.
//
// Cheap enough for every run: the observation is 21x21 (not 84x84) with a one-conv-layer net,
// 3,000 agent steps, 625 gradient steps (~15 s of CPU). Everything is seeded (agent RNG, env
// seeds, random policy), and wasm arithmetic is deterministic (our kernels give the same bits on
// any number of threads, wasm/kernels/threads.h), so the numbers
// are the same on every run; no timing is asserted. Needs only files in the repository
// (public/roms/catch.bin, public/arcade.wasm), so nothing is skipped on a fresh clone.
import { describe, expect, it } from 'vitest';
import { agentScores, catchEnv, DQNAgent, makeConfig, meanSd, randomScores, useWasmBackend } from './catch-train-lib';
import type { AtariEnvOptions } from '../src/env/atari-env';

const ENV: AtariEnvOptions = {
  screenSize: 21,
  frameSkip: 4,
  repeatActionProbability: 0.25,
  noopMax: 30,
  terminalOnLifeLoss: true, // training only; evaluation plays full games (5 lives)
};
const EVAL_GAMES = 8;

describe('CATCH: brief DQN training beats a random policy', () => {
  it('greedy policy after 625 gradient steps catches far more fruit than random on the same seeded games', async () => {
    await useWasmBackend();
    const env = await catchEnv(4, ENV);
    const cfg = makeConfig({
      seed: 1,
      num_envs: 4,
      network: { conv: [{ filters: 8, kernel: 4, stride: 2 }], hidden: [64] },
      total_timesteps: 3_000,
      learning_starts: 500,
      exploration_fraction: 0.5,
      end_e: 0.05,
      learning_rate: 1e-3,
      batch_size: 64,
      train_frequency: 4,
      target_network_frequency: 50,
      n_step: 3,
      loss: 'huber',
      max_grad_norm: 10,
    });
    const agent = new DQNAgent(cfg, env, { capacity: 3_000 });
    try {
      await agent.train();
      expect(agent.globalStep).toBe(3_000);
      expect(agent.learner.gradientSteps).toBe(625);

      // Same env seed for both (the one DQNAgent.evaluate uses), so both face the same no-op
      // starts and sticky-action streams.
      const evalSeed = (cfg.seed + 0x10000) >>> 0;
      const random = await randomScores(ENV, EVAL_GAMES, evalSeed, 777);
      const greedy = await agentScores(agent, ENV, EVAL_GAMES, 0);
      const r = meanSd(random);
      const g = meanSd(greedy);
      const msg = `random ${random.join(' ')} (mean ${r.mean.toFixed(2)}), greedy ${greedy.join(' ')} (mean ${g.mean.toFixed(2)})`;
      console.log(`CATCH learning signal: ${msg}`);

      // Sanity of the baseline: roms/README.md measured 2.47 (sd 1.93) for random play.
      expect(r.mean, msg).toBeGreaterThan(1);
      expect(r.mean, msg).toBeLessThan(4.5);
      // The learning signal. The margin is ~3 standard errors of an 8-game mean of random play
      // (sd ≈ 1.9 per game ⇒ 0.7), and a policy that never moves or moves at random catches
      // about 2-2.5 per game, so a net that learned nothing cannot reach it by luck.
      expect(g.mean, msg).toBeGreaterThanOrEqual(r.mean + 2);
      expect(g.mean, msg).toBeGreaterThanOrEqual(1.6 * r.mean);
    } finally {
      agent.dispose();
      await env.close();
    }
  }, 600_000);
});
