/**
 * Shared pieces of the CATCH training script (tools/train-catch.ts) and its test
 * (tools/train-catch.test.ts): the real env stack on our own ROM (public/roms/catch.bin),
 * N in-thread AtariEnvs behind the agent's VecEnv contract, tfjs's 'wasm' backend with our
 * training kernels, and episode runners for the random and the trained policy.
 *
 * Why in-thread envs and not src/env's worker VecEnv: this box has 2 cores shared with other
 * jobs; a CATCH step costs far less than the learner, so worker threads would add contention
 * and Atomics wake-ups for nothing. The envs are the same AtariEnv + AleEmulator the workers run.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArcadeModule } from '../src/ale/arcade';
import { DQNAgent } from '../src/agent/agent';
import { makeConfig, type DQNConfig } from '../src/agent/config';
import type { VecEnv } from '../src/agent/types';
import { Rng } from '../src/agent/rng';
import { registerWasmTrainingKernels } from '../src/tfjs/kernels-register';
import { AleEmulator } from '../src/env/ale-emulator';
import { AtariEnv, type AtariEnvOptions } from '../src/env/atari-env';
import { builtinGame } from '../src/run/builtin-games';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CATCH = builtinGame('catch')!;
export const CATCH_ROM_PATH = `${ROOT}public/${CATCH.path}`;
export const ARCADE_WASM_PATH = `${ROOT}public/arcade.wasm`;
/** md5 of public/roms/catch.bin (roms/builtin.json). */
export const CATCH_MD5 = CATCH.md5;

let backendReady: Promise<void> | null = null;

/** tfjs 'wasm' backend (single-threaded SIMD) with our conv/matmul gradient kernels. */
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
 * N AtariEnvs on CATCH stepped in this thread, as the agent's VecEnv (frameStack 1: the agent
 * stacks frames itself; same-step auto-reset with finalObs). Also records each finished
 * episode's RAW score (the training reward may be clipped or end at a life loss).
 */
export class CatchVecEnv implements VecEnv {
  readonly numEnvs: number;
  readonly numActions: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Raw game scores of the full games finished so far (a game = until the game is over). */
  readonly gameScores: number[] = [];
  readonly envs: AtariEnv[];
  private readonly hw: number;
  private readonly gameScore: Float64Array;

  private constructor(envs: AtariEnv[]) {
    this.envs = envs;
    this.numEnvs = envs.length;
    this.numActions = envs[0].numActions;
    const [, h, w] = envs[0].observationShape;
    this.frameHeight = h;
    this.frameWidth = w;
    this.hw = h * w;
    this.obs = new Uint8Array(this.numEnvs * this.hw);
    this.finalObs = new Uint8Array(this.numEnvs * this.hw);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.gameScore = new Float64Array(this.numEnvs);
  }

  static async create(numEnvs: number, env: AtariEnvOptions): Promise<CatchVecEnv> {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`numEnvs must be a positive integer, got ${numEnvs}`);
    const mod = await arcadeModule();
    const rom = catchRom();
    const opts: AtariEnvOptions = { ...env, frameStack: 1 };
    const envs: AtariEnv[] = [];
    for (let i = 0; i < numEnvs; i++) {
      const p = opts.repeatActionProbability ?? 0.25;
      const emu = new AleEmulator(mod.create(), rom, { repeatActionProbability: p, seed: 0 });
      const e = new AtariEnv(emu, opts);
      if (e.actionSet.join() !== '0,3,4') throw new Error(`CATCH: expected minimal actions NOOP,RIGHT,LEFT (0,3,4), got ${e.actionSet.join()}`);
      envs.push(e);
    }
    return new CatchVecEnv(envs);
  }

  /** Env i gets seed + i (AtariEnv derives its emulator and no-op seeds from it). */
  reset(seed?: number): void {
    for (let i = 0; i < this.numEnvs; i++) {
      const e = this.envs[i];
      e.reset(seed === undefined ? undefined : (seed + i) >>> 0);
      this.obs.set(e.obs, i * this.hw);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.gameScore.fill(0);
  }

  step(actions: Int32Array): void {
    for (let i = 0; i < this.numEnvs; i++) {
      const e = this.envs[i];
      e.stepIndex(actions[i]);
      this.rewards[i] = e.lastReward;
      this.gameScore[i] += e.lastRawReward;
      const term = e.lastTerminated;
      const trunc = e.lastTruncated;
      this.terminated[i] = term ? 1 : 0;
      this.truncated[i] = trunc ? 1 : 0;
      if (term || trunc) {
        this.finalObs.set(e.obs, i * this.hw);
        // With terminalOnLifeLoss an episode ends at every life lost; the game goes on.
        if (trunc || e.emulator.terminal()) {
          this.gameScores.push(this.gameScore[i]);
          this.gameScore[i] = 0;
        }
        e.reset();
      }
      this.obs.set(e.obs, i * this.hw);
    }
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
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
  const venv = await CatchVecEnv.create(1, { ...env, terminalOnLifeLoss: false });
  const rng = new Rng(actSeed);
  const a = new Int32Array(1);
  venv.reset(seed);
  const maxSteps = episodes * 27_000;
  for (let t = 0; venv.gameScores.length < episodes; t++) {
    if (t >= maxSteps) throw new Error(`random policy: ${episodes} episodes not finished in ${maxSteps} steps`);
    a[0] = rng.nextInt(venv.numActions);
    venv.step(a);
  }
  venv.close();
  return venv.gameScores.slice(0, episodes);
}

/** Full-game scores of the agent at epsilon `eps` (DQNAgent.evaluate on fresh full-game envs). */
export async function agentScores(agent: DQNAgent, env: AtariEnvOptions, episodes: number, eps: number, numEnvs = 1): Promise<number[]> {
  // Several envs share one batched forward pass per step (cheaper than one env at a time).
  const venv = await CatchVecEnv.create(numEnvs, { ...env, terminalOnLifeLoss: false });
  const r = await agent.evaluate(venv, episodes, eps);
  venv.close();
  return r.returns;
}

export { DQNAgent, makeConfig, type DQNConfig };
