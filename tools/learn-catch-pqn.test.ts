// CATCH with the default preset: the short, deterministic version of
// `npm run bench:learn -- --game catch --algo pqn` (issue 14: "CATCH with the default preset must
// reach 80% of its ceiling within a few minutes; keep a short version as a test of learning, not
// of speed").
//
// The page's own pieces, not a test-sized copy: PQN_PRESET resolved by resolveRunConfig exactly as
// the new-run form's "PQN preset" sends it (PQN_SINGLE_ENVS = 8 envs in the learner's thread, the
// run's env defaults, 84x84 frames, the tiny LayerNorm net), createSingleModeEnv (what the learner
// worker builds in single mode), PQNAgent on tfjs's 'wasm' backend with our training kernels.
// After TRAIN_STEPS agent steps its greedy policy must score at least 80% of CATCH's ceiling (99)
// on average over full games (5 lives) on the evaluation seeds, where a random policy scores ~2.
//
// Measured with seed 1 (tools/learn-catch-pqn.test.ts's own log line; greedy, 4 full games):
// 49,152 steps 15 35 36 47; 65,536 steps 99 99 99 99; 73,728 steps (this test) see the log. The
// page took ~2 min of an idle 2-core machine to get there (bench:learn CSV); the test takes
// ~2-4 min of CPU here, no timing is asserted. Deterministic: everything is seeded and our
// kernels give the same bits on any thread count (wasm/kernels/threads.h).
import { describe, expect, it } from 'vitest';
import { agentScores, ARCADE_WASM_PATH, CATCH_MD5, catchRom, meanSd, randomScores, useWasmBackend } from './catch-train-lib';
import { PQNAgent } from '../src/agent/pqn';
import type { PQNConfig } from '../src/agent/pqn-config';
import { EVAL_SEED_OFFSET } from '../src/agent/evaluate';
import { resolveRunConfig } from '../src/run/config';
import { createSingleModeEnv } from '../src/run/envs';
import { PQN_PRESET, PQN_SINGLE_ENVS } from '../src/run/presets';

const TRAIN_STEPS = 73_728; // 288 rollouts of 32 steps x 8 envs
const CEILING = 99;
const EVAL_GAMES = 4;

describe('CATCH: the PQN preset learns the game', () => {
  it(`greedy policy after ${TRAIN_STEPS} agent steps scores >= 80% of the ceiling on full games`, async () => {
    await useWasmBackend();
    const mode = { kind: 'single' as const, envs: PQN_SINGLE_ENVS };
    const cfg = resolveRunConfig({ ...PQN_PRESET, mode, seed: 1 }, { md5: CATCH_MD5, name: 'catch' });
    const env = await createSingleModeEnv(mode, { rom: catchRom(), wasm: ARCADE_WASM_PATH, env: cfg.env });
    const training: number[] = [];
    const agent = new PQNAgent(cfg.agent as PQNConfig, env, { onEpisode: (e) => training.push(e.rawReturn) });
    try {
      await agent.train(TRAIN_STEPS);
      expect(agent.globalStep).toBe(TRAIN_STEPS);

      const greedy = await agentScores(agent, cfg.env, EVAL_GAMES, 0, EVAL_GAMES);
      const random = await randomScores(cfg.env, EVAL_GAMES, (cfg.seed + EVAL_SEED_OFFSET) >>> 0, 777);
      const g = meanSd(greedy), r = meanSd(random);
      const last = meanSd(training.slice(-10));
      const msg = `random ${random.join(' ')} (mean ${r.mean.toFixed(2)}), greedy ${greedy.join(' ')} (mean ${g.mean.toFixed(2)}); ` +
        `${training.length} training games, the last 10 mean ${last.mean.toFixed(1)}`;
      console.log(`CATCH PQN preset after ${TRAIN_STEPS} steps: ${msg}`);

      expect(r.mean, msg).toBeLessThan(5); // the baseline really is near-random play
      expect(g.mean, msg).toBeGreaterThanOrEqual(0.8 * CEILING);
    } finally {
      agent.dispose();
      await env.close();
    }
  }, 1_200_000);
});
