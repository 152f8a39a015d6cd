/**
 * Worker-thread side of tools/emu-pool.ts (rom-smoke, fuzz-emu): runs one ROM job at a time on
 * its own wasm instance and reports the outcome. Progress goes through a shared Int32Array
 * (a heartbeat after every act/reset) so the parent can tell a hang (a wasm call that never
 * returns) from slow progress, and terminate the thread.
 * Started through src/env/node-worker-boot.mjs (tsx loader), which imports this module.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ArcadeModule, RomError, type Ale } from '../src/ale/arcade';
import { WasmPreprocessor } from '../src/preprocess/wasm-preprocess';
import type { EmuJob, EmuResult } from './emu-pool';

const HEARTBEAT = 0; // progress[0]: incremented after each emulator call
const STAGE = 1;     // progress[1]: 0 idle, 1 load, 2 reset, 3 act, 4 extras

const progress = new Int32Array(workerData.progress as SharedArrayBuffer);
const mod = await ArcadeModule.load(workerData.wasm as string);
const beat = (stage: number) => {
  Atomics.store(progress, STAGE, stage);
  Atomics.add(progress, HEARTBEAT, 1);
};

/** xorshift32: the job's action sequence depends only on its seed. */
function rng(seed: number): () => number {
  let s = (seed >>> 0) || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

/** True when the screen holds more than one palette index (something was drawn). */
function nonUniform(screen: Uint8Array): boolean {
  const v = screen[0];
  for (let i = 1; i < screen.length; i++) if (screen[i] !== v) return true;
  return false;
}

/** Calls the rest of the API on a running emulator, as a fuzz target too. */
function extras(ale: Ale, pp: WasmPreprocessor | null, obs: number, next: () => number): void {
  beat(4);
  const state = ale.cloneState(true);
  ale.act(next() % 18);
  ale.restoreState(state);
  ale.grayscale();
  ale.rgb();
  ale.lives(); ale.terminal(); ale.truncated(); ale.frameNumber(); ale.ram();
  try { ale.setMode(next() % 300); } catch { /* refused modes are fine */ }
  try { ale.setDifficulty(next() % 8); } catch { /* same */ }
  if (pp) pp.observeAt(ale, obs, true);
  // a truncated / corrupted state must be refused, not trap
  const bad = state.slice(0, Math.max(0, state.length - 1 - (next() % 64)));
  try { ale.restoreState(bad); } catch { /* refused */ }
  ale.restoreState(state);
  beat(4);
}

function run(job: EmuJob): EmuResult {
  const t0 = performance.now();
  const res: EmuResult = {
    id: job.id, name: job.name, status: 'ok', frames: 0, ms: 0, episodes: 0, rewardSum: 0,
    rewardFrames: 0, rendered: false, maxCallMs: 0, actMs: 0, romId: '', scheme: '',
  };
  let ale: Ale | null = null;
  let pp: WasmPreprocessor | null = null;
  let obs = 0;
  let stage = 1;
  try {
    ale = mod.create({
      frameSkip: job.frameSkip, repeatActionProbability: job.sticky, randomSeed: job.seed & 0x7fffffff,
    });
    beat(1);
    let info;
    try {
      info = ale.loadRom(job.bytes);
    } catch (e) {
      if (e instanceof RomError) {
        res.status = 'rejected';
        res.error = e.message;
        return res;
      }
      throw e;
    }
    res.romId = info.romId;
    res.scheme = info.scheme;
    const actions = job.legalActions ? info.legalActions : info.minimalActions;
    const next = rng(job.seed ^ 0x5bd1e995);
    if (job.extras) {
      pp = new WasmPreprocessor(mod, 160, info.height, 84, 84);
      obs = mod.alloc(84 * 84);
    }
    stage = 2;
    beat(2);
    ale.reset();
    beat(2);
    stage = 3;
    const acts = Math.ceil(job.frames / job.frameSkip);
    const extrasAt = job.extras ? Math.floor(acts / 2) : -1;
    for (let i = 0; i < acts; i++) {
      const c0 = performance.now();
      const r = ale.act(actions[next() % actions.length]);
      const dt = performance.now() - c0;
      res.actMs += dt;
      if (dt > res.maxCallMs) res.maxCallMs = dt;
      beat(3);
      res.frames += job.frameSkip;
      if (r !== 0) { res.rewardSum += r; res.rewardFrames++; }
      if (!res.rendered && nonUniform(ale.screen())) res.rendered = true;
      if (i === extrasAt) { stage = 4; extras(ale, pp, obs, next); stage = 3; }
      if (ale.gameOver()) {
        res.episodes++;
        stage = 2;
        ale.reset();
        beat(2);
        stage = 3;
      }
    }
  } catch (e) {
    res.status = 'trap';
    const err = e as Error;
    res.error = `${err?.name ?? 'Error'} during ${['', 'load', 'reset', 'act', 'extras'][stage]}: ${err?.message ?? String(e)}`;
    res.fatal = err instanceof WebAssembly.RuntimeError;
  } finally {
    res.ms = performance.now() - t0;
    Atomics.store(progress, STAGE, 0);
    if (res.status !== 'trap') {
      // after a trap the instance may be inconsistent: the parent replaces the whole worker
      if (obs) mod.free(obs);
      pp?.dispose();
      ale?.dispose();
    }
  }
  return res;
}

parentPort!.on('message', (job: EmuJob) => {
  const res = run(job);
  parentPort!.postMessage(res);
});
parentPort!.postMessage({ ready: true });
