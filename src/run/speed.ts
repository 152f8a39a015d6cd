/**
 * The speed demo: the same game, first ONE env stepped in this thread with random actions, then
 * W x K envs in env workers (VecEnv) with random actions (env throughput: what vectorizing buys
 * before the network enters the picture), then, with `training`, the PQN preset learning on those
 * same W x K envs: agent steps/s including acting (one batched forward per vector step) and the
 * gradient steps, i.e. what a PQN run of this game gets on this machine. Each phase runs `seconds`
 * (the training phase after its first update, which compiles kernels and is left out).
 */
import { SingleEnv, WorkerVecEnv } from './envs';
import type { SpeedDemoResult, SpeedResult } from './types';
import type { WorkerFactory } from '../env/worker-handle';
import { PQNAgent } from '../agent/pqn';
import { makePQNConfig, type PQNConfig } from '../agent/pqn-config';
import { NETWORKS, PQN_PRESET } from './presets';

export interface SpeedDemoOptions {
  rom: Uint8Array;
  /** Core for the in-thread env (module, bytes or URL). */
  wasm: WebAssembly.Module | Uint8Array | string;
  /** Core for the env workers (URL or bytes: they load their own instance). */
  wasmUrl: string | Uint8Array;
  name: string;
  seconds: number;
  workers?: number;
  envsPerWorker?: number;
  workerFactory?: WorkerFactory;
  /** Also time the PQN preset training on the W x K envs (needs a tfjs backend set up). */
  training?: boolean;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function defaultWorkers(): number {
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  return Math.max(1, Math.min(4, hc - 1));
}

/** Mulberry-style tiny PRNG: the demo's actions need to be cheap, not good. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8);
}

export async function speedDemo(o: SpeedDemoOptions): Promise<SpeedDemoResult> {
  if (!(o.seconds > 0) || o.seconds > 600) throw new RangeError(`speed demo seconds must be in (0, 600], got ${o.seconds}`);
  const W = o.workers ?? defaultWorkers();
  const K = o.envsPerWorker ?? 8;
  if (!Number.isInteger(W) || W < 1 || !Number.isInteger(K) || K < 1) throw new RangeError('workers and envsPerWorker must be positive integers');
  const half = o.seconds * 1000; // each phase
  const rnd = lcg(12345);

  // Single env, this thread.
  const single = await SingleEnv.create({ rom: o.rom, wasm: o.wasm });
  let s1: SpeedResult;
  try {
    single.reset(1);
    const a = new Int32Array(1);
    let steps = 0;
    let eps = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < half) {
      for (let i = 0; i < 16; i++) {
        a[0] = rnd() % single.numActions;
        single.step(a);
        eps += single.finished.length;
      }
      steps += 16;
      t = now();
    }
    const sec = (t - t0) / 1000;
    s1 = { stepsPerSec: steps / sec, framesPerSec: (steps * single.frameSkip) / sec, episodesPerHour: (eps / sec) * 3600 };
  } finally {
    single.close();
  }

  // W x K in env workers.
  const vec = await WorkerVecEnv.create({
    numEnvs: W * K, numWorkers: W, seed: 1, emulator: { kind: 'ale', rom: o.rom, wasm: o.wasmUrl }, workerFactory: o.workerFactory,
  });
  let s2: SpeedResult;
  let s3: SpeedDemoResult['training'] | undefined;
  try {
    await vec.reset(1);
    const a = new Int32Array(W * K);
    await vec.step(a); // warm-up (first step wakes every worker)
    let vsteps = 0;
    let eps = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < half) {
      for (let i = 0; i < a.length; i++) a[i] = rnd() % vec.numActions;
      await vec.step(a);
      eps += vec.finished.length;
      vsteps++;
      t = now();
    }
    const sec = (t - t0) / 1000;
    const steps = vsteps * W * K;
    s2 = { stepsPerSec: steps / sec, framesPerSec: (steps * vec.frameSkip) / sec, episodesPerHour: (eps / sec) * 3600 };
    if (o.training) s3 = await timeTraining(vec, half);
  } finally {
    await vec.close();
  }
  return {
    game: o.name,
    seconds: o.seconds,
    single: s1,
    vectorized: { ...s2, workers: W, envsPerWorker: K },
    ratio: s2.stepsPerSec / Math.max(1e-9, s1.stepsPerSec),
    ...(s3 ? { training: s3 } : {}),
  };
}

/**
 * The PQN preset on `env` for `ms` after one full update (rollout + its gradient steps) of
 * warm-up: agent steps/s, frames/s and episodes/hour with training. num_minibatches is capped at
 * the rollout's sample count (a 1-env demo would otherwise have empty minibatches).
 */
async function timeTraining(env: WorkerVecEnv, ms: number): Promise<NonNullable<SpeedDemoResult['training']>> {
  const preset = PQN_PRESET.agent as Partial<PQNConfig>;
  const n = env.numEnvs;
  const cfg = makePQNConfig({ ...preset, num_envs: n, seed: 1, num_minibatches: Math.min(preset.num_minibatches!, n * preset.num_steps!) });
  let eps = 0;
  const agent = new PQNAgent(cfg, env, { onEpisode: () => { eps++; } });
  try {
    await agent.start(1);
    do await agent.step(); while (agent.updatePending || agent.updates === 0);
    const steps0 = agent.globalStep, grads0 = agent.learner.gradientSteps;
    eps = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < ms) {
      await agent.step();
      t = now();
    }
    const sec = (t - t0) / 1000;
    const steps = agent.globalStep - steps0;
    return {
      stepsPerSec: steps / sec, framesPerSec: (steps * env.frameSkip) / sec, episodesPerHour: (eps / sec) * 3600,
      gradientStepsPerSec: (agent.learner.gradientSteps - grads0) / sec,
      algorithm: 'pqn', network: typeof cfg.network === 'string' ? cfg.network : (Object.entries(NETWORKS).find(([, v]) => v === cfg.network)?.[0] ?? 'custom'),
    };
  } finally {
    agent.dispose();
  }
}
