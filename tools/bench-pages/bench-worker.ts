/// <reference lib="webworker" />
/**
 * Measurements for `npm run bench:vec` and `npm run bench:train`, run inside a module worker
 * (like the learner worker, so VecEnv may block on Atomics.wait and tfjs runs off the page's
 * thread). One fresh worker per measurement group (tools/bench-pages/bench.ts), so each tfjs
 * backend starts clean. Every number here is timed; nothing is asserted.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import tfjsWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import tfjsWasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import tfjsWasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { benchSession, instantiate } from '../bench-emu/bench-core.js';
import { DQNAgent } from '../../src/agent/agent';
import { makeConfig } from '../../src/agent/config';
import { DQNLearner } from '../../src/agent/learner';
import { Rng } from '../../src/agent/rng';
import { makePQNConfig } from '../../src/agent/pqn-config';
import { PQNLearner } from '../../src/agent/pqn-learner';
import type { NetworkSpec } from '../../src/agent/config';
import { chooseBackend } from '../../src/tfjs/backend';
import { registerWasmTrainingKernels } from '../../src/tfjs/kernels-register';
import { TrainKernels } from '../../src/tfjs/kernels-module';
import { benchKernels, type KernelRow } from '../kernel-bench-lib';
import { builtinGame } from '../../src/run/builtin-games';
import { SingleEnv, WorkerVecEnv, type RunEnv } from '../../src/run/envs';
import type { BackendName } from '../../src/tfjs/backend-names';

const now = () => performance.now();
const abs = (p: string) => new URL(p, self.location.origin + '/').href;

let coreP: Promise<WebAssembly.Module> | null = null;
function core(): Promise<WebAssembly.Module> {
  coreP ??= fetch(abs('arcade.wasm')).then(async (r) => WebAssembly.compile(await r.arrayBuffer()));
  return coreP;
}

async function romOf(rom: number[] | null): Promise<Uint8Array> {
  if (rom) return Uint8Array.from(rom);
  const r = await fetch(abs(builtinGame('catch')!.path));
  return new Uint8Array(await r.arrayBuffer());
}

async function makeEnv(rom: Uint8Array, n: number, w: number): Promise<RunEnv> {
  if (n === 0) return SingleEnv.create({ rom, wasm: await core() });
  return WorkerVecEnv.create({ numEnvs: n, numWorkers: w, seed: 1, emulator: { kind: 'ale', rom, wasm: abs('arcade.wasm') } });
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 8);
}

export interface Rate { stepsPerSec: number; framesPerSec: number; seconds: number; steps: number }

function assets() {
  return {
    tfjsWasm: new URL(tfjsWasm, self.location.href).href,
    tfjsWasmSimd: new URL(tfjsWasmSimd, self.location.href).href,
    tfjsWasmThreadedSimd: new URL(tfjsWasmThreadedSimd, self.location.href).href,
    trainKernels: abs('train_kernels.wasm'),
  };
}

async function backend(name: BackendName) {
  return chooseBackend([name], {
    tfjsWasm: new URL(tfjsWasm, self.location.href).href,
    tfjsWasmSimd: new URL(tfjsWasmSimd, self.location.href).href,
    tfjsWasmThreadedSimd: new URL(tfjsWasmThreadedSimd, self.location.href).href,
    trainKernels: abs('train_kernels.wasm'),
  });
}

interface ThreadsAB { threads: number; note: string | null; steps1: number; stepsT: number; perSec1: number; perSecT: number }

/**
 * Times `one` (a gradient step that ends with a read-back) on 1 vs T threads, alternated step by
 * step so that load drift on a shared machine hits both arms alike; one warm-up call per arm
 * first (memory growth, JIT). Leaves the kernels on T threads.
 */
async function alternateThreads(kernels: TrainKernels, threads: number, seconds: number, one: () => Promise<void>): Promise<ThreadsAB> {
  const t = Math.min(threads, kernels.threads);
  for (const n of [1, t]) { kernels.useThreads(n); await one(); }
  const ms = [0, 0], steps = [0, 0];
  const t0 = now();
  for (let i = 0; now() - t0 < seconds * 1000 || steps[1] < 2; i++) {
    const arm = i % 2;
    kernels.useThreads(arm ? t : 1);
    const s0 = now();
    await one();
    ms[arm] += now() - s0;
    steps[arm]++;
  }
  kernels.useThreads(t);
  return { threads: t, note: kernels.threadsNote, steps1: steps[0], stepsT: steps[1], perSec1: steps[0] / (ms[0] / 1000), perSecT: steps[1] / (ms[1] / 1000) };
}

const api = {
  /**
   * The core's own emulate + preprocess rate, the ceiling for an env: bench:emu's loop with
   * preprocessing (tools/bench-emu/bench-core.js: raw wasm exports, one 84x84 observation every
   * 4th frame), in agent steps (4 frames) per second, in this worker thread.
   */
  async coreLimit(romArr: number[] | null, seconds: number): Promise<Rate> {
    const session = benchSession(await instantiate(new Uint8Array(await (await fetch(abs('arcade.wasm'))).arrayBuffer())), await romOf(romArr), true);
    try {
      session.step(20_000); // untimed warm-up: JIT tiers settle
      let frames = 0;
      let ms = 0;
      while (ms < seconds * 1000) { ms += session.step(4000); frames += 4000; }
      const sec = ms / 1000;
      return { stepsPerSec: frames / 4 / sec, framesPerSec: frames / sec, seconds: sec, steps: frames / 4 };
    } finally {
      session.close();
    }
  },

  /** The backend a learner worker picks with the default order (and why it skipped others). */
  chosenBackend: () => chooseBackend(undefined, assets()),

  /** Random actions, no network. n = 0: one SingleEnv in this thread; else VecEnv n envs on w workers. */
  async envOnly(romArr: number[] | null, n: number, w: number, seconds: number): Promise<Rate> {
    const env = await makeEnv(await romOf(romArr), n, w);
    try {
      await env.reset(1);
      const a = new Int32Array(env.numEnvs);
      const rnd = lcg(7);
      // Untimed warm-up: JIT tiers and worker wake-ups settle first.
      const tw = now();
      while (now() - tw < Math.min(1000, seconds * 500)) await env.step(a);
      let vsteps = 0;
      const t0 = now();
      let t = t0;
      while (t - t0 < seconds * 1000) {
        for (let i = 0; i < a.length; i++) a[i] = rnd() % env.numActions;
        await env.step(a);
        vsteps++;
        t = now();
      }
      const sec = (t - t0) / 1000;
      const steps = vsteps * env.numEnvs;
      return { stepsPerSec: steps / sec, framesPerSec: (steps * env.frameSkip) / sec, seconds: sec, steps };
    } finally {
      await env.close();
    }
  },

  /** Env + greedy inference of a network per (vector) step: batch 1 for n = 0, batch n otherwise. */
  async withPolicy(romArr: number[] | null, n: number, w: number, seconds: number, backendName: BackendName, network: 'nature' | 'small'): Promise<Rate & { backend: string }> {
    const b = await backend(backendName);
    const env = await makeEnv(await romOf(romArr), n, w);
    const cfg = makeConfig({ network, num_envs: env.numEnvs });
    const learner = new DQNLearner(cfg, { height: env.frameHeight, width: env.frameWidth, channels: 4 }, env.numActions, new Rng(1));
    try {
      await env.reset(1);
      const hw = env.frameHeight * env.frameWidth;
      const x = new Float32Array(env.numEnvs * hw * 4);
      const a = new Int32Array(env.numEnvs);
      const fill = () => { for (let i = 0; i < env.numEnvs; i++) for (let p = 0; p < hw; p++) x[(i * hw + p) * 4 + 3] = env.obs[i * hw + p]; };
      fill();
      a.set(await learner.greedyActions(x, env.numEnvs)); // warm-up: shader/kernel compilation
      await env.step(a);
      let vsteps = 0;
      const t0 = now();
      let t = t0;
      while (t - t0 < seconds * 1000 || vsteps < 2) {
        fill();
        a.set(await learner.greedyActions(x, env.numEnvs));
        await env.step(a);
        vsteps++;
        t = now();
      }
      const sec = (t - t0) / 1000;
      const steps = vsteps * env.numEnvs;
      return { stepsPerSec: steps / sec, framesPerSec: (steps * env.frameSkip) / sec, seconds: sec, steps, backend: b.name };
    } finally {
      learner.dispose();
      await env.close();
    }
  },

  /**
   * Gradient steps/s (batch 32, Adam, Double DQN targets) and full-loop agent steps/s (acting +
   * env + replay + a gradient step every 4 agent steps). loopSeconds 0 skips the loop.
   */
  async train(romArr: number[] | null, backendName: BackendName, network: 'nature' | 'small', n: number, w: number,
    gradSteps: number, gradSeconds: number, loopSeconds: number): Promise<{ backend: string; adapter: string; gradPerSec: number; gradSteps: number; firstStepSec: number; loop: Rate | null }> {
    const b = await backend(backendName);
    const env = await makeEnv(await romOf(romArr), n, w);
    // With a timed loop: epsilon 0.1 (acting runs the network for ~90% of the envs, as mid-run);
    // without: epsilon 1, so filling the replay costs no forward passes on a slow backend.
    const eps = loopSeconds > 0 ? 0.1 : 1;
    const cfg = makeConfig({ network, num_envs: env.numEnvs, batch_size: 32, learning_starts: 64, train_frequency: 4, total_timesteps: 1e9, buffer_size: 20_000, start_e: eps, end_e: eps });
    const agent = new DQNAgent(cfg, env, { capacity: 4096 });
    try {
      await agent.start();
      // Fill replay without training (the first learning step comes at learning_starts).
      while (agent.globalStep < cfg.learning_starts) await agent.step();
      const one = async () => {
        const batch = agent.buffer.sample(1);
        await agent.learner.trainStep(batch, false);
        await agent.learner.lastLoss(); // wait for the device
      };
      const g0 = agent.learner.gradientSteps;
      let t0 = now();
      await one(); // includes kernel/shader compilation
      const firstStepSec = (now() - t0) / 1000;
      let k = 0;
      t0 = now();
      while (k < gradSteps && (k === 0 || now() - t0 < gradSeconds * 1000)) { await one(); k++; }
      const gradPerSec = k > 0 ? k / ((now() - t0) / 1000) : NaN;
      // Bench-only: forget these extra steps so agent.step() below pays its own schedule.
      agent.learner.gradientSteps = g0;
      let loop: Rate | null = null;
      if (loopSeconds > 0) {
        // agent.step() pays the gradient steps it owes (one per 4 agent steps).
        // Untimed: one owed gradient step inside the loop first (its kernels are warm already).
        const warm = agent.learner.gradientSteps + 1;
        while (agent.learner.gradientSteps < warm) await agent.step();
        const s0 = agent.globalStep;
        t0 = now();
        let t = t0;
        while (t - t0 < loopSeconds * 1000 || agent.globalStep === s0) { await agent.step(); t = now(); }
        const sec = (t - t0) / 1000;
        const steps = agent.globalStep - s0;
        loop = { stepsPerSec: steps / sec, framesPerSec: (steps * env.frameSkip) / sec, seconds: sec, steps };
      }
      return { backend: b.name, adapter: b.adapter, gradPerSec, gradSteps: k, firstStepSec, loop };
    } finally {
      agent.dispose();
      await env.close();
    }
  },

  /**
   * Gradient steps/s of the wasm backend on 1 thread and on `threads` threads, alternated step
   * by step in one pool (TrainKernels.useThreads) so that load drift on a shared machine hits
   * both arms alike. Same step as train() (batch 32, Adam, Double DQN).
   */
  async trainThreads(romArr: number[] | null, network: 'nature' | 'small', threads: number, seconds: number): Promise<ThreadsAB> {
    await backend('wasm');
    const { kernels } = await registerWasmTrainingKernels();
    const env = await makeEnv(await romOf(romArr), 0, 0);
    const cfg = makeConfig({ network, num_envs: 1, batch_size: 32, learning_starts: 64, train_frequency: 4, total_timesteps: 1e9, buffer_size: 20_000, start_e: 1, end_e: 1 });
    const agent = new DQNAgent(cfg, env, { capacity: 4096 });
    try {
      await agent.start();
      while (agent.globalStep < cfg.learning_starts) await agent.step();
      const one = async () => {
        await agent.learner.trainStep(agent.buffer.sample(1), false);
        await agent.learner.lastLoss();
      };
      return await alternateThreads(kernels, threads, seconds, one);
    } finally {
      agent.dispose();
      await env.close();
    }
  },

  /**
   * PQN minibatch gradient steps/s (src/agent/pqn-learner.ts: LayerNorm net, Adam, global-norm
   * clip) on 1 vs `threads` threads, alternated step by step as trainThreads does. The samples are
   * random pixels: the step's compute does not depend on them. `network`: 'nature' (pqn_atari.yaml's
   * net and its minibatch of 128 = 128 envs x 32 steps / 32) or a spec (the preset's tiny net).
   */
  async trainThreadsPqn(network: 'nature' | NetworkSpec, minibatch: number, threads: number, seconds: number): Promise<ThreadsAB> {
    await backend('wasm');
    const { kernels } = await registerWasmTrainingKernels();
    const cfg = makePQNConfig({ network, num_envs: minibatch, num_steps: 1, num_minibatches: 1 });
    const input = { height: 84, width: 84, channels: cfg.frame_stack };
    const learner = new PQNLearner(cfg, input, 6, new Rng(1));
    const rng = new Rng(2);
    const obs = new Float32Array(minibatch * 84 * 84 * cfg.frame_stack);
    for (let i = 0; i < obs.length; i++) obs[i] = Math.floor(rng.nextFloat() * 256);
    const actions = new Int32Array(minibatch).map(() => Math.floor(rng.nextFloat() * 6));
    const targets = new Float32Array(minibatch).map(() => rng.nextFloat() * 2 - 1);
    try {
      const one = async () => {
        learner.trainStep(obs, actions, targets, minibatch);
        await learner.lastLoss();
      };
      return await alternateThreads(kernels, threads, seconds, one);
    } finally {
      learner.dispose();
    }
  },

  /** Per-kernel ms and GFLOP/s (tools/kernel-bench-lib.ts), 1 vs `threads` threads. */
  async kernels(threads: number, reps: number): Promise<{ threads: number; note: string | null; rows: KernelRow[] }> {
    const k = await TrainKernels.load({ wasmUrl: abs('train_kernels.wasm'), threads });
    try {
      return { threads: k.threads, note: k.threadsNote, rows: benchKernels(k, k.threads, reps) };
    } finally {
      k.dispose();
    }
  },

  cores: () => navigator.hardwareConcurrency,

  memory: () => tf.memory(),
};

export type BenchWorkerApi = typeof api;
Comlink.expose(api);
