/**
 * The speed demo: the same game, random actions, first ONE env stepped in this thread, then
 * W x K envs in env workers (VecEnv), each for half of the time. Env throughput only (no
 * network), so it shows what vectorizing buys before the GPU enters the picture.
 */
import { SingleEnv, WorkerVecEnv } from './envs';
import type { SpeedDemoResult, SpeedResult } from './types';
import type { WorkerFactory } from '../env/worker-handle';

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
  const half = (o.seconds * 1000) / 2;
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
  } finally {
    await vec.close();
  }
  return {
    game: o.name,
    seconds: o.seconds,
    single: s1,
    vectorized: { ...s2, workers: W, envsPerWorker: K },
    ratio: s2.stepsPerSec / Math.max(1e-9, s1.stepsPerSec),
  };
}
