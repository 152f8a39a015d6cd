/**
 * The env adapters, the only ones the product, the tools and the tests use, all behind the
 * agent's AgentEnv contract (src/agent/types.ts):
 *  - SingleEnv: ONE AtariEnv stepped synchronously in the learner worker's own thread (single
 *    mode). It publishes the full palette-index screen to a FrameWriter and captures/restores
 *    its emulator state (exact resume).
 *  - LocalVecEnv: N SingleEnvs in that same thread (single mode with `envs` > 1, for PQN, which
 *    needs many envs; on a 2-core machine the learner's thread steps them with no worker hop).
 *  - WorkerVecEnv: src/env's VecEnv (W workers x K envs over a SharedArrayBuffer).
 * Both step with same-step autoreset (AtariEnv.stepAutoReset, in this thread or in the env
 * worker) and count episodes with the same rule (src/env/episode.ts accountStep: one record per
 * GAME, raw score included), so a run reports the same episodes in either mode.
 */
import { Ale, ArcadeModule, type WasmSource } from '../ale/arcade';
import { LocalEnvArrays, type AgentEnv } from '../agent/types';
import type { EnvStateIO } from '../checkpoint/restore';
import { AleEmulator } from '../env/ale-emulator';
import { AtariEnv, newStepOutcome, resolveEnvOptions, type AtariEnvOptions } from '../env/atari-env';
import type { EmulatorSpec } from '../env/emulator';
import { accountStep, newEnvStats, restartStats, type EpisodeRecord } from '../env/episode';
import { VecEnv, type VecEnvEvent } from '../env/vec-env';
import type { WorkerFactory } from '../env/worker-handle';
import { FRAME_KIND_GRAY, FRAME_KIND_PALETTE, FRAME_VIEW_SLOT, frameEnvSlot, type RunMode } from './types';
import type { FrameWriter } from './frames';
import { RUN_ENV_DEFAULTS } from './config';

/** The options a run's envs are built with: RUN_ENV_DEFAULTS (src/run/config.ts) under the run's own, validated. */
export function runEnvOptions(env: AtariEnvOptions = {}): Required<AtariEnvOptions> {
  return resolveEnvOptions({ ...RUN_ENV_DEFAULTS, ...env });
}

/** Bytes of the running-game statistics at the end of a SingleEnv state blob. */
const SINGLE_STATS_BYTES = 32;

/** What the controller needs beyond the agent's contract (SingleEnv, LocalVecEnv, WorkerVecEnv). */
export interface RunEnv extends AgentEnv {
  /** Emulator frames per agent step (frame skip). */
  readonly frameSkip: number;
  /**
   * Publish env `i`'s current screen to `w`'s view slot, and (vectorized) every env's own
   * observation to its env slot (called at most a few dozen times per second; no allocation).
   */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void;
  close(): Promise<void> | void;
}

export interface SingleEnvOptions {
  rom: Uint8Array;
  wasm: WasmSource;
  env?: AtariEnvOptions;
  /** Reuse a loaded core (tests / speed demo); default: load `wasm`. */
  module?: ArcadeModule;
  /** Where the env writes its observation (H*W bytes; LocalVecEnv's rows); default: its own array. */
  obs?: Uint8Array;
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
  readonly finished: EpisodeRecord[] = [];
  readonly frameSkip: number;
  readonly env: AtariEnv;
  readonly gameMd5: string;
  readonly gameName: string;
  private readonly ale: Ale;
  private readonly outcome = newStepOutcome();
  private readonly stats = newEnvStats();

  private constructor(ale: Ale, env: AtariEnv) {
    this.ale = ale;
    this.env = env;
    const [h, w] = env.observationShape;
    this.frameHeight = h;
    this.frameWidth = w;
    this.numActions = env.numActions;
    this.obs = env.obs;
    this.finalObs = new Uint8Array(h * w);
    this.frameSkip = env.options.frameSkip;
    const info = ale.gameInfo;
    this.gameMd5 = info.md5;
    this.gameName = info.romId || '';
  }

  static async create(o: SingleEnvOptions): Promise<SingleEnv> {
    const opts = runEnvOptions(o.env);
    const mod = o.module ?? (await ArcadeModule.load(o.wasm));
    const ale = mod.create();
    const emu = new AleEmulator(ale, o.rom, { repeatActionProbability: opts.repeatActionProbability, seed: 0 });
    // The env writes its observation straight into this adapter's obs (no copy per step).
    return new SingleEnv(ale, new AtariEnv(emu, opts, o.obs ?? new Uint8Array(opts.screenSize * opts.screenSize)));
  }

  reset(seed?: number): void {
    this.env.reset(seed);
    restartStats(this.stats);
    this.finished.length = 0;
  }

  step(actions: Int32Array): void {
    const r = this.outcome;
    this.finished.length = 0;
    this.env.stepAutoReset(actions[0], this.finalObs, r);
    this.rewards[0] = r.reward;
    this.terminated[0] = r.terminated ? 1 : 0;
    this.truncated[0] = r.truncated ? 1 : 0;
    const ended = accountStep(this.stats, 0, r.reward, r.rawReward, r.gameOver, r.truncated, r.episodeFrame);
    if (ended) this.finished.push(ended);
  }

  /** i = the index shown to the page (0 in single mode, -1 for the watch env). View slot only:
   *  single mode has no grid of small views. */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void {
    w.write(i, this.ale.width, this.ale.height, FRAME_KIND_PALETTE, agentStep, this.ale.screen());
  }

  /**
   * The AtariEnv state (emulator, RNGs, observation) plus the running game's statistics, so the
   * game's score and length continue across a resume. Layout: u32 AtariEnv state bytes, f32
   * running raw score, the AtariEnv state, the observation, then f64 running return, raw return,
   * length and finished-game count. Blobs of the first format (without the four f64) still load.
   */
  getEnvStates(): Uint8Array[] {
    const s = this.env.cloneState();
    const st = this.stats;
    const tail = 8 + s.length + this.obs.length;
    const out = new Uint8Array(tail + SINGLE_STATS_BYTES);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, s.length, true);
    dv.setFloat32(4, st.currentRawReturn, true);
    out.set(s, 8);
    out.set(this.obs, 8 + s.length);
    dv.setFloat64(tail, st.currentReturn, true);
    dv.setFloat64(tail + 8, st.currentRawReturn, true);
    dv.setFloat64(tail + 16, st.currentLength, true);
    dv.setFloat64(tail + 24, st.episodes, true);
    return [out];
  }

  setEnvStates(states: Uint8Array[]): void {
    if (states.length !== 1) throw new Error(`single env: expected 1 env state, got ${states.length}`);
    const b = states[0];
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const n = dv.getUint32(0, true);
    const tail = 8 + n + this.obs.length;
    if (b.length !== tail && b.length !== tail + SINGLE_STATS_BYTES) throw new Error('single env: env state has the wrong size');
    this.env.restoreState(b.subarray(8, 8 + n));
    this.obs.set(b.subarray(8 + n, tail));
    const st = this.stats;
    restartStats(st);
    st.last = null;
    if (b.length === tail) {
      st.currentRawReturn = dv.getFloat32(4, true); // first format: the raw score only
      st.currentReturn = st.currentRawReturn;
      st.episodes = 0;
    } else {
      st.currentReturn = dv.getFloat64(tail, true);
      st.currentRawReturn = dv.getFloat64(tail + 8, true);
      st.currentLength = dv.getFloat64(tail + 16, true);
      st.episodes = dv.getFloat64(tail + 24, true);
    }
  }

  close(): void {
    this.env.close();
  }
}

export interface LocalVecEnvOptions extends Omit<SingleEnvOptions, 'obs'> {
  numEnvs: number;
}

/**
 * N AtariEnvs stepped one after another in this thread (single mode with envs > 1), as one
 * AgentEnv: each SingleEnv writes its observation straight into its row of `obs` (no copy);
 * rewards, flags and final frames are gathered per step (N scalars; a final frame only where an
 * episode ended). Env i is seeded seed + i on reset, as src/env's VecEnv does, and its state blob
 * is SingleEnv's, so checkpoints hold one state per env in either kind.
 */
export class LocalVecEnv extends LocalEnvArrays implements RunEnv, EnvStateIO {
  readonly frameSkip: number;
  readonly envs: SingleEnv[];
  private readonly one = new Int32Array(1);

  private constructor(envs: SingleEnv[], obs: Uint8Array) {
    super(envs.length, envs[0].numActions, envs[0].frameHeight, envs[0].frameWidth, obs);
    this.envs = envs;
    this.frameSkip = envs[0].frameSkip;
  }

  static async create(o: LocalVecEnvOptions): Promise<LocalVecEnv> {
    if (!Number.isInteger(o.numEnvs) || o.numEnvs < 1) throw new Error(`LocalVecEnv: numEnvs must be a positive integer, got ${o.numEnvs}`);
    const opts = runEnvOptions(o.env);
    const hw = opts.screenSize * opts.screenSize;
    const obs = new Uint8Array(o.numEnvs * hw);
    const mod = o.module ?? (await ArcadeModule.load(o.wasm));
    const envs: SingleEnv[] = [];
    try {
      for (let i = 0; i < o.numEnvs; i++) envs.push(await SingleEnv.create({ ...o, module: mod, obs: obs.subarray(i * hw, (i + 1) * hw) }));
    } catch (e) {
      for (const x of envs) x.close();
      throw e;
    }
    return new LocalVecEnv(envs, obs);
  }

  reset(seed?: number): void {
    this.finished.length = 0;
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    for (let i = 0; i < this.numEnvs; i++) this.envs[i].reset(seed === undefined ? undefined : seed + i);
  }

  step(actions: Int32Array): void {
    this.finished.length = 0;
    const hw = this.frameHeight * this.frameWidth;
    for (let i = 0; i < this.numEnvs; i++) {
      const e = this.envs[i];
      this.one[0] = actions[i];
      e.step(this.one);
      this.rewards[i] = e.rewards[0];
      this.terminated[i] = e.terminated[0];
      this.truncated[i] = e.truncated[0];
      if (e.terminated[0] || e.truncated[0]) this.finalObs.set(e.finalObs, i * hw);
      for (const f of e.finished) this.finished.push({ ...f, env: i });
    }
  }

  /** Env i's palette screen into the view slot (as single mode shows it). */
  publishFrame(w: FrameWriter, i: number, agentStep: number): void {
    const k = Math.min(Math.max(0, i | 0), this.numEnvs - 1);
    this.envs[k].publishFrame(w, i < 0 ? i : k, agentStep);
  }

  getEnvStates(): Uint8Array[] {
    return this.envs.map((e) => e.getEnvStates()[0]);
  }

  setEnvStates(states: Uint8Array[]): void {
    if (states.length !== this.numEnvs) throw new Error(`local envs: expected ${this.numEnvs} env states, got ${states.length}`);
    this.envs.forEach((e, i) => e.setEnvStates([states[i]]));
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

/** Single mode's envs (src/run/config.ts): one SingleEnv, exactly as before, or N in a LocalVecEnv. */
export function createSingleModeEnv(mode: Extract<RunMode, { kind: 'single' }>, o: Omit<SingleEnvOptions, 'obs'>): Promise<SingleEnv | LocalVecEnv> {
  const n = mode.envs ?? 1;
  return n === 1 ? SingleEnv.create(o) : LocalVecEnv.create({ ...o, numEnvs: n });
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

/**
 * src/env's VecEnv seen through the agent's contract. obs, rewards and the flags are the VecEnv's
 * own views on its SharedArrayBuffer, where the env workers wrote them (no copy per step); final
 * frames are copied into one [N, H, W] array, only for envs whose episode ended on this step.
 */
export class WorkerVecEnv implements RunEnv, EnvStateIO {
  readonly numEnvs: number;
  readonly numActions: number;
  readonly frameHeight: number;
  readonly frameWidth: number;
  readonly finalObs: Uint8Array;
  readonly finished: EpisodeRecord[] = [];
  readonly frameSkip: number;
  readonly vec: VecEnv;
  private readonly hw: number;
  // The shared views (placeholders of the right size until the first reset).
  private obsView: Uint8Array;
  private rewardView: Float32Array;
  private terminatedView: Uint8Array;
  private truncatedView: Uint8Array;
  /** Per-env views of the shared obs, made once, so publishing frames allocates nothing. */
  private obsViews: Uint8Array[] = [];

  private constructor(vec: VecEnv, frameSkip: number) {
    this.vec = vec;
    const [h, w] = vec.observationShape;
    if (vec.obsSize !== h * w) throw new Error(`VecEnv observation ${vec.observationShape.join('x')} is not one grayscale frame`);
    this.numEnvs = vec.numEnvs;
    this.numActions = vec.numActions;
    this.frameHeight = h;
    this.frameWidth = w;
    this.hw = h * w;
    this.finalObs = new Uint8Array(this.numEnvs * this.hw);
    this.obsView = new Uint8Array(this.numEnvs * this.hw);
    this.rewardView = new Float32Array(this.numEnvs);
    this.terminatedView = new Uint8Array(this.numEnvs);
    this.truncatedView = new Uint8Array(this.numEnvs);
    this.obsViews = this.perEnv(this.obsView);
    this.frameSkip = frameSkip;
  }

  private perEnv(obs: Uint8Array): Uint8Array[] {
    return Array.from({ length: this.numEnvs }, (_, e) => obs.subarray(e * this.hw, (e + 1) * this.hw));
  }

  get obs(): Uint8Array { return this.obsView; }
  get rewards(): Float32Array { return this.rewardView; }
  get terminated(): Uint8Array { return this.terminatedView; }
  get truncated(): Uint8Array { return this.truncatedView; }

  static async create(o: WorkerVecEnvOptions): Promise<WorkerVecEnv> {
    const env = runEnvOptions(o.env);
    const vec = await VecEnv.create({
      numEnvs: o.numEnvs, numWorkers: o.numWorkers, emulator: o.emulator, env, seed: o.seed,
      workerFactory: o.workerFactory, onEvent: o.onEvent,
    });
    try {
      return new WorkerVecEnv(vec, env.frameSkip);
    } catch (e) {
      await vec.close();
      throw e;
    }
  }

  private useShared(obs: Uint8Array): void {
    if (obs.length !== this.numEnvs * this.hw) throw new Error(`VecEnv gave ${obs.length} observation bytes, expected ${this.numEnvs * this.hw}`);
    if (obs === this.obsView) return;
    this.obsView = obs;
    this.obsViews = this.perEnv(obs);
  }

  async reset(seed?: number): Promise<void> {
    this.useShared(await this.vec.reset(seed));
    this.rewardView.fill(0);
    this.terminatedView.fill(0);
    this.truncatedView.fill(0);
    this.finished.length = 0;
  }

  async step(actions: Int32Array): Promise<void> {
    const r = await this.vec.step(actions);
    this.useShared(r.obs);
    this.rewardView = r.reward;
    this.terminatedView = r.terminated;
    this.truncatedView = r.truncated;
    for (let i = 0; i < this.numEnvs; i++) {
      if (r.terminated[i] || r.truncated[i]) this.finalObs.set(this.vec.finalObsOf(i), i * this.hw);
    }
    this.finished.length = 0;
    for (const e of r.episodes) this.finished.push(e);
  }

  /** Per-env states from the env workers (layout-independent blobs; exact resume in the same mode). */
  getEnvStates(): Promise<Uint8Array[]> {
    return this.vec.getEnvStates();
  }

  async setEnvStates(states: Uint8Array[]): Promise<void> {
    await this.vec.setEnvStates(states);
    this.useShared(this.vec.sharedObs());
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
