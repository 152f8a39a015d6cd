/**
 * Adapters from the env layer (src/env) to the agent's VecEnv contract (src/agent/types.ts):
 *  - SingleEnv: ONE AtariEnv stepped synchronously in the learner worker's own thread (single
 *    mode). It can publish the full palette-index screen to a FrameWriter and capture/restore
 *    its emulator state (exact resume).
 *  - WorkerVecEnv: src/env's VecEnv (W workers x K envs over a SharedArrayBuffer).
 * Both run the env with frameStack = 1 (the agent stacks frames itself and replay stores each
 * frame once) and report finished episodes with their RAW game score (unclipped rewards),
 * which is what the dashboard plots.
 */
import { Ale, ArcadeModule, type WasmSource } from '../ale/arcade';
import type { VecEnv as AgentVecEnv } from '../agent/types';
import type { EnvStateIO } from '../checkpoint/restore';
import { AleEmulator } from '../env/ale-emulator';
import { AtariEnv, resolveEnvOptions, type AtariEnvOptions } from '../env/atari-env';
import type { EmulatorSpec } from '../env/emulator';
import { VecEnv, type VecEnvEvent } from '../env/vec-env';
import type { WorkerFactory } from '../env/worker-handle';
import { FRAME_KIND_GRAY, FRAME_KIND_PALETTE, FRAME_VIEW_SLOT, frameEnvSlot } from './types';
import type { FrameWriter } from './frames';

export interface FinishedEpisode {
  env: number;
  rawReturn: number;
  length: number;
}

/** What the controller needs beyond the agent's contract. */
export interface RunEnv extends AgentVecEnv {
  /** Episodes that ended in the last step (cleared by the next step). */
  readonly finished: FinishedEpisode[];
  /** Emulator frames per agent step (frame skip). */
  readonly frameSkip: number;
  /**
   * Publish env `i`'s current screen to `w`'s view slot, and (vectorized) every env's own
   * observation to its env slot (called at most a few dozen times per second; no allocation).
   */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void;
  close(): Promise<void> | void;
}

/** Env options as the run layer uses them: defaults of CleanRL's dqn_atari wrappers, frameStack 1. */
export function runEnvOptions(env: AtariEnvOptions = {}): AtariEnvOptions {
  // CleanRL's dqn_atari clips rewards (ClipRewardEnv) and ends a training episode on life loss
  // (EpisodicLifeEnv) and presses FIRE on reset; we keep life loss / fire off by default
  // (Gymnasium v5 + AtariPreprocessing defaults) but clip, since DQN's learning rate assumes it.
  const o = { clipRewards: true, ...env, frameStack: 1 };
  resolveEnvOptions(o); // validates, throws with the offending field
  return o;
}

export interface SingleEnvOptions {
  rom: Uint8Array;
  wasm: WasmSource;
  env?: AtariEnvOptions;
  /** Reuse a loaded core (tests / speed demo); default: load `wasm`. */
  module?: ArcadeModule;
}

export class SingleEnv implements RunEnv, EnvStateIO {
  readonly numEnvs = 1;
  readonly numActions: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly rewards = new Float32Array(1);
  readonly terminated = new Uint8Array(1);
  readonly truncated = new Uint8Array(1);
  readonly finished: FinishedEpisode[] = [];
  readonly frameSkip: number;
  readonly env: AtariEnv;
  readonly gameMd5: string;
  readonly gameName: string;
  private readonly ale: Ale;
  private raw = 0;
  private len = 0;

  private constructor(ale: Ale, env: AtariEnv) {
    this.ale = ale;
    this.env = env;
    const [, h, w] = env.observationShape;
    this.frameHeight = h;
    this.frameWidth = w;
    this.numActions = env.numActions;
    this.obs = new Uint8Array(h * w);
    this.finalObs = new Uint8Array(h * w);
    this.frameSkip = env.options.frameSkip;
    const info = ale.gameInfo;
    this.gameMd5 = info.md5;
    this.gameName = info.romId || '';
  }

  static async create(o: SingleEnvOptions): Promise<SingleEnv> {
    const opts = runEnvOptions(o.env);
    if (opts.obsType === 'rgb') throw new Error('the DQN run layer needs grayscale observations (obsType "grayscale")');
    const mod = o.module ?? (await ArcadeModule.load(o.wasm));
    const ale = mod.create();
    const r = resolveEnvOptions(opts);
    const emu = new AleEmulator(ale, o.rom, { repeatActionProbability: r.repeatActionProbability, seed: 0 });
    return new SingleEnv(ale, new AtariEnv(emu, opts));
  }

  reset(seed?: number): void {
    this.env.reset(seed);
    this.obs.set(this.env.obs);
    this.raw = 0;
    this.len = 0;
    this.finished.length = 0;
  }

  step(actions: Int32Array): void {
    const env = this.env;
    this.finished.length = 0;
    env.stepIndex(actions[0]);
    this.rewards[0] = env.lastReward;
    this.raw += env.lastRawReward;
    this.len++;
    const term = env.lastTerminated;
    const trunc = env.lastTruncated;
    this.terminated[0] = term ? 1 : 0;
    this.truncated[0] = trunc ? 1 : 0;
    if (term || trunc) {
      this.finalObs.set(env.obs);
      this.finished.push({ env: 0, rawReturn: this.raw, length: this.len });
      this.raw = 0;
      this.len = 0;
      env.reset();
    }
    this.obs.set(env.obs);
  }

  /** i = the index shown to the page (0 in single mode, -1 for the watch env). View slot only:
   *  single mode has no grid of small views. */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void {
    w.write(i, this.ale.width, this.ale.height, FRAME_KIND_PALETTE, agentStep, this.ale.screen());
  }

  /** Emulator + env state; the observation is appended so the agent's view resumes exactly. */
  getEnvStates(): Uint8Array[] {
    const s = this.env.cloneState();
    const out = new Uint8Array(8 + s.length + this.obs.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, s.length, true);
    dv.setFloat32(4, this.raw, true); // running raw score (the length restarts; only plotting uses it)
    out.set(s, 8);
    out.set(this.obs, 8 + s.length);
    return [out];
  }

  setEnvStates(states: Uint8Array[]): void {
    if (states.length !== 1) throw new Error(`single env: expected 1 env state, got ${states.length}`);
    const b = states[0];
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const n = dv.getUint32(0, true);
    if (b.length !== 8 + n + this.obs.length) throw new Error('single env: env state has the wrong size');
    this.env.restoreState(b.subarray(8, 8 + n));
    this.raw = dv.getFloat32(4, true);
    this.obs.set(b.subarray(8 + n));
  }

  close(): void {
    this.env.close();
  }
}

export interface WorkerVecEnvOptions {
  numEnvs: number;
  numWorkers: number;
  emulator: EmulatorSpec;
  env?: AtariEnvOptions;
  seed?: number;
  workerFactory?: WorkerFactory;
  onEvent?: (e: VecEnvEvent) => void;
}

/** src/env VecEnv seen through the agent's contract (own copies of the per-step arrays). */
export class WorkerVecEnv implements RunEnv, EnvStateIO {
  readonly numEnvs: number;
  readonly numActions: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly obs: Uint8Array;
  readonly finalObs: Uint8Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finished: FinishedEpisode[] = [];
  readonly frameSkip: number;
  readonly vec: VecEnv;
  private readonly hw: number;
  private readonly obsViews: Uint8Array[];

  private constructor(vec: VecEnv, frameSkip: number) {
    this.vec = vec;
    const shape = vec.observationShape; // [1, h, w]
    const h = shape[shape.length - 2];
    const w = shape[shape.length - 1];
    if (vec.obsSize !== h * w) throw new Error(`VecEnv observation ${shape.join('x')} is not one grayscale frame`);
    this.numEnvs = vec.numEnvs;
    this.numActions = vec.numActions;
    this.frameHeight = h;
    this.frameWidth = w;
    this.hw = h * w;
    this.obs = new Uint8Array(this.numEnvs * this.hw);
    // Per-env views of obs made once, so publishing frames allocates nothing.
    this.obsViews = Array.from({ length: this.numEnvs }, (_, e) => this.obs.subarray(e * this.hw, (e + 1) * this.hw));
    this.finalObs = new Uint8Array(this.numEnvs * this.hw);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.frameSkip = frameSkip;
  }

  static async create(o: WorkerVecEnvOptions): Promise<WorkerVecEnv> {
    const env = runEnvOptions(o.env);
    const vec = await VecEnv.create({
      numEnvs: o.numEnvs, numWorkers: o.numWorkers, emulator: o.emulator, env, seed: o.seed,
      workerFactory: o.workerFactory, onEvent: o.onEvent,
    });
    try {
      return new WorkerVecEnv(vec, resolveEnvOptions(env).frameSkip);
    } catch (e) {
      await vec.close();
      throw e;
    }
  }

  async reset(seed?: number): Promise<void> {
    const obs = await this.vec.reset(seed);
    this.obs.set(obs.subarray(0, this.obs.length));
    this.finished.length = 0;
  }

  async step(actions: Int32Array): Promise<void> {
    const r = await this.vec.step(actions);
    this.obs.set(r.obs.subarray(0, this.obs.length));
    this.rewards.set(r.reward);
    this.terminated.set(r.terminated);
    this.truncated.set(r.truncated);
    for (let i = 0; i < this.numEnvs; i++) {
      if (r.terminated[i] || r.truncated[i]) this.finalObs.set(this.vec.finalObsOf(i).subarray(0, this.hw), i * this.hw);
    }
    this.finished.length = 0;
    for (const e of r.episodes) this.finished.push({ env: e.envId, rawReturn: e.rawScore, length: e.length });
  }

  /** Per-env states from the env workers (layout-independent blobs; exact resume in the same mode). */
  getEnvStates(): Promise<Uint8Array[]> {
    return this.vec.getEnvStates();
  }

  async setEnvStates(states: Uint8Array[]): Promise<void> {
    await this.vec.setEnvStates(states);
    for (let i = 0; i < this.numEnvs; i++) this.obs.set(this.vec.obsOf(i).subarray(0, this.hw), i * this.hw);
  }

  /** Env `i` (clamped) into the view slot, then each env below the writer's slot count into its own slot. */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void {
    const views = this.obsViews;
    const k = Math.min(Math.max(0, i | 0), this.numEnvs - 1);
    w.writeSlot(FRAME_VIEW_SLOT, k, this.frameWidth, this.frameHeight, FRAME_KIND_GRAY, agentStep, views[k]!);
    const n = Math.min(this.numEnvs, w.slots - 1);
    for (let e = 0; e < n; e++) w.writeSlot(frameEnvSlot(e), e, this.frameWidth, this.frameHeight, FRAME_KIND_GRAY, agentStep, views[e]!);
  }

  close(): Promise<void> {
    return this.vec.close();
  }
}
