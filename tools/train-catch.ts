// Train the DQN on our built-in game CATCH through the real env stack (AtariEnv + our wasm
// emulator, 84x84 grayscale, frame skip 4, max-pool, no-op starts, sticky actions), on tfjs's
// 'wasm' backend with our training kernels, then measure the trained agent and a random policy.
//
//   npx tsx tools/train-catch.ts [--preset quick|default] [--steps N] [--minutes M] [--envs N]
//        [--eval-episodes E] [--seed S] [--sticky P] [--set field=value ...]
//
// Prints progress while training, then a table: policy, episodes, mean return, sd, min, max,
// plus wall time and steps. Returns are full games (5 lives, ends at 0 lives or 99 points).
//
// Presets (the agent's own defaults live in src/agent/config.ts; this script does not change
// them):
//   default  CleanRL dqn_atari defaults (learning_starts 80k, epsilon decayed over 1M steps of
//            10M, target copy every 1000 gradient steps, lr 1e-4) with the small net. On a CPU
//            these need hours before the first gradient step even happens.
//   quick    QUICK_PRESET of src/run/presets.ts (the dashboard's "Quick preset" too): settings
//            that learn CATCH within minutes (see roms/README.md, "Training results"; the
//            measured runs there used --set network=small).
import os from 'node:os';
import { agentScores, catchEnv, DQNAgent, makeConfig, meanSd, randomScores, useWasmBackend, type DQNConfig } from './catch-train-lib';
import type { AtariEnvOptions } from '../src/env/atari-env';
import { QUICK_PRESET } from '../src/run/presets';

/** Env settings for training: Gymnasium v5 + AtariPreprocessing, plus a life loss ends a training episode. */
export const CATCH_TRAIN_ENV: AtariEnvOptions = {
  frameSkip: 4,
  repeatActionProbability: 0.25,
  noopMax: 30,
  screenSize: 84,
  clipRewards: true, // CATCH rewards are already 0/+1; kept for parity with the run layer
  terminalOnLifeLoss: true,
};

function argv(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
function num(name: string, def: number): number {
  const v = argv(name);
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}
function overrides(): Partial<DQNConfig> {
  const out: Record<string, unknown> = {};
  process.argv.forEach((a, i) => {
    if (a !== '--set') return;
    const kv = process.argv[i + 1] ?? '';
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--set needs field=value, got "${kv}"`);
    const k = kv.slice(0, eq);
    const v = kv.slice(eq + 1);
    out[k] = v === 'true' ? true : v === 'false' ? false : v === 'null' ? null : Number.isFinite(Number(v)) ? Number(v) : v;
  });
  return out as Partial<DQNConfig>;
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const preset = argv('preset') ?? 'quick';
  if (preset !== 'quick' && preset !== 'default') throw new Error(`--preset must be quick or default, got ${preset}`);
  const numEnvs = num('envs', 4);
  const seed = num('seed', 1);
  const minutes = num('minutes', 20);
  const evalEpisodes = num('eval-episodes', 10);
  const envOpts: AtariEnvOptions = { ...CATCH_TRAIN_ENV, repeatActionProbability: num('sticky', 0.25) };
  const base: Partial<DQNConfig> = preset === 'quick' ? { ...QUICK_PRESET.agent } : { network: 'small' };
  const cfg = makeConfig({ ...base, num_envs: numEnvs, seed, ...(argv('steps') ? { total_timesteps: num('steps', 0) } : {}), ...overrides() });

  await useWasmBackend();
  const env = await catchEnv(numEnvs, envOpts);
  const gameScores: number[] = []; // raw scores of the full games the training envs finish
  const agent = new DQNAgent(cfg, env, { capacity: Math.min(cfg.buffer_size, 200_000), onEpisode: (e) => gameScores.push(e.rawReturn) });
  console.log(`CATCH DQN: preset ${preset}, ${numEnvs} envs, seed ${seed}, backend wasm, ${os.cpus().length} cores, load ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  console.log(`env: ${JSON.stringify(envOpts)}`);
  const shown = Object.fromEntries(Object.entries(cfg).filter(([k]) => !k.startsWith('replay_') && !k.startsWith('prioritized_replay_')));
  console.log(`config: ${JSON.stringify(shown)}`);

  // --- training -------------------------------------------------------------------------
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const deadline = t0 + minutes * 60_000;
  let lastReport = t0;
  let reported = 0;
  let stoppedEarly = false;
  while (agent.globalStep < cfg.total_timesteps) {
    await agent.step();
    const now = performance.now();
    if (now - lastReport >= 30_000) {
      lastReport = now;
      const games = gameScores.slice(reported);
      reported = gameScores.length;
      const loss = await agent.learner.lastLoss();
      const { mean } = meanSd(games);
      console.log(`[${fmt((now - t0) / 60_000, 1)} min] step ${agent.globalStep}, grad steps ${agent.learner.gradientSteps}, eps ${fmt(agent.epsilon, 3)}, ` +
        `loss ${loss === null ? '-' : loss.toPrecision(3)}, training games ${games.length} (mean score ${fmt(mean)}), ${fmt(agent.globalStep / ((now - t0) / 1000), 1)} steps/s`);
    }
    if (now > deadline) { stoppedEarly = true; break; }
  }
  const trainWall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const trainCpu = (cu.user + cu.system) / 1e6;
  console.log(`training: ${agent.globalStep} agent steps (${agent.globalStep * envOpts.frameSkip!} frames), ${agent.learner.gradientSteps} gradient steps, ` +
    `${gameScores.length} full games, ${fmt(trainWall / 60, 1)} min wall, ${fmt(trainCpu / 60, 1)} min CPU${stoppedEarly ? ' (stopped by --minutes)' : ''}`);
  const lastGames = gameScores.slice(-20);
  console.log(`last ${lastGames.length} training games (epsilon-greedy): mean ${fmt(meanSd(lastGames).mean)}`);

  // --- evaluation ------------------------------------------------------------------------
  // Full games (terminalOnLifeLoss off), the same env settings otherwise; eval seeds are the
  // agent's own (cfg.seed + 0x10000, env i gets +i), the random policy gets the same seed.
  const evalEnv: AtariEnvOptions = { ...envOpts, terminalOnLifeLoss: false };
  const rows: { policy: string; scores: number[]; wall: number }[] = [];
  const timed = async (policy: string, f: () => Promise<number[]>) => {
    const t = performance.now();
    const scores = await f();
    rows.push({ policy, scores, wall: (performance.now() - t) / 1000 });
  };
  await timed('random (uniform over NOOP/RIGHT/LEFT)', () => randomScores(evalEnv, evalEpisodes, (cfg.seed + 0x10000) >>> 0, 12345));
  await timed(`DQN eps=${cfg.eval_epsilon}`, () => agentScores(agent, evalEnv, evalEpisodes, cfg.eval_epsilon, Math.min(5, evalEpisodes)));
  await timed('DQN greedy (eps=0)', () => agentScores(agent, evalEnv, evalEpisodes, 0, Math.min(5, evalEpisodes)));

  console.log('');
  console.log('| policy | episodes | mean return | sd | min | max | eval wall s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const { mean, sd } = meanSd(r.scores);
    console.log(`| ${r.policy} | ${r.scores.length} | ${fmt(mean)} | ${fmt(sd)} | ${Math.min(...r.scores)} | ${Math.max(...r.scores)} | ${fmt(r.wall, 0)} |`);
  }
  console.log(`\ntrained for ${agent.globalStep} agent steps (${agent.learner.gradientSteps} gradient steps) in ${fmt(trainWall / 60, 1)} min wall ` +
    `(${fmt(trainCpu / 60, 1)} min CPU), load average now ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  for (const r of rows) console.log(`${r.policy}: ${r.scores.join(' ')}`);
  agent.dispose();
  await env.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
