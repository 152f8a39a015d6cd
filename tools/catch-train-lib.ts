/**
 * Shared pieces of the CATCH training script (tools/train-catch.ts) and its test
 * (tools/train-catch.test.ts): the real env stack on our own ROM (public/roms/catch.bin)
 * through the product's env adapters (src/run/envs.ts), tfjs's 'wasm' backend with our
 * training kernels, and episode runners for the random and the trained policy.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArcadeModule } from '../src/ale/arcade';
import { DQNAgent } from '../src/agent/agent';
import { makeConfig, type DQNConfig } from '../src/agent/config';
import { evaluate, type Evaluable } from '../src/agent/evaluate';
import { Rng } from '../src/agent/rng';
import { registerWasmTrainingKernels } from '../src/tfjs/kernels-register';
import type { AtariEnvOptions } from '../src/env/atari-env';
import { nodeWorkerFactory } from '../src/env/worker-handle-node';
import { builtinGame } from '../src/run/builtin-games';
import { SingleEnv, WorkerVecEnv, type RunEnv } from '../src/run/envs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CATCH = builtinGame('catch')!;
export const CATCH_ROM_PATH = `${ROOT}public/${CATCH.path}`;
export const ARCADE_WASM_PATH = `${ROOT}public/arcade.wasm`;
/** md5 of public/roms/catch.bin (roms/builtin.json). */
export const CATCH_MD5 = CATCH.md5;

let backendReady: Promise<void> | null = null;

/** tfjs 'wasm' backend (single-threaded SIMD) with our kernels (conv, matmul, Adam) on every core. */
export function useWasmBackend(): Promise<void> {
  if (!backendReady) {
    backendReady = (async () => {
      setWasmPaths(`${ROOT}node_modules/@tensorflow/tfjs-backend-wasm/dist/`);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      await registerWasmTrainingKernels();
      if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
      await tf.ready();
    })();
  }
  return backendReady;
}

let modulePromise: Promise<ArcadeModule> | null = null;
function arcadeModule(): Promise<ArcadeModule> {
  if (!modulePromise) modulePromise = ArcadeModule.load(new Uint8Array(readFileSync(ARCADE_WASM_PATH)));
  return modulePromise;
}

export function catchRom(): Uint8Array {
  return new Uint8Array(readFileSync(CATCH_ROM_PATH));
}

/**
 * CATCH envs through the product's adapters: one env in this thread (SingleEnv), or N in ONE
 * env worker thread (WorkerVecEnv; one worker because this box's 2 cores are shared and a CATCH
 * step costs far less than the learner). Env i is seeded with seed + i either way.
 */
export async function catchEnv(numEnvs: number, env: AtariEnvOptions): Promise<RunEnv> {
  if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
  const rom = catchRom();
  const e: RunEnv = numEnvs === 1
    ? await SingleEnv.create({ rom, wasm: ARCADE_WASM_PATH, env, module: await arcadeModule() })
    : await WorkerVecEnv.create({
      numEnvs, numWorkers: 1, env, workerFactory: nodeWorkerFactory,
      emulator: { kind: 'ale', rom, wasm: new Uint8Array(readFileSync(ARCADE_WASM_PATH)) },
    });
  if (e.numActions !== 3) {
    await e.close();
    throw new Error(`CATCH: expected the 3 minimal actions NOOP, RIGHT, LEFT, got ${e.numActions}`);
  }
  return e;
}

/** Mean and (sample) standard deviation. */
export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, sd: Math.sqrt(v) };
}

/**
 * Full-game scores of a uniform random policy over the minimal actions, on an env built with
 * `env` options (terminalOnLifeLoss is forced off: a full game is measured), same seeding
 * rule as DQNAgent.evaluate (reset(seed), then the env's own streams continue).
 */
export async function randomScores(env: AtariEnvOptions, episodes: number, seed: number, actSeed: number): Promise<number[]> {
  const venv = await catchEnv(1, { ...env, terminalOnLifeLoss: false });
  const rng = new Rng(actSeed);
  const a = new Int32Array(1);
  const scores: number[] = [];
  await venv.reset(seed);
  const maxSteps = episodes * 27_000;
  for (let t = 0; scores.length < episodes; t++) {
    if (t >= maxSteps) throw new Error(`random policy: ${episodes} episodes not finished in ${maxSteps} steps`);
    a[0] = rng.nextInt(venv.numActions);
    await venv.step(a);
    for (const e of venv.finished) scores.push(e.rawReturn);
  }
  await venv.close();
  return scores.slice(0, episodes);
}

/** Full-game scores of the agent (DQN or PQN) at epsilon `eps` (the one evaluation loop, on fresh full-game envs). */
export async function agentScores(agent: Evaluable, env: AtariEnvOptions, episodes: number, eps: number, numEnvs = 1): Promise<number[]> {
  // Several envs share one batched forward pass per step (cheaper than one env at a time).
  const venv = await catchEnv(numEnvs, { ...env, terminalOnLifeLoss: false });
  try {
    return (await evaluate(agent, venv, { episodes, epsilon: eps }))!.returns;
  } finally {
    await venv.close();
  }
}

export { DQNAgent, makeConfig, type DQNConfig };
