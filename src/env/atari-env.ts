/**
 * One Atari environment with the conventions of Gymnasium's ALE v5 plus AtariPreprocessing.
 *
 * Defaults: frame skip 4 (done here, one act() per frame, so sticky actions are decided per
 * frame), sticky actions 0.25, minimal action set, truncation at 108,000 episode frames, up to 30
 * random single-frame no-ops at reset, max-pool over the last two frames of a step, grayscale
 * 84x84 (OpenCV INTER_AREA). Optional: full action set, terminal-on-life-loss, fire-on-reset,
 * reward clipping (the raw reward is always reported).
 *
 * The observation is ONE preprocessed frame. Frames are stacked in one place only, by the agent
 * (its replay buffer, src/agent/replay.ts), which stores each frame once anyway; the emulator
 * computes the frame itself (Emulator.observe: pp_observe inside the wasm core), so a step
 * moves nothing but the 84x84 result out of wasm memory.
 *
 * Seeding: reset(seed) derives two independent seeds from `seed`, one for the emulator's
 * sticky-action RNG (the ROM is powered on again, like ALE after changing random_seed) and one
 * for the no-op counts. Later reset() calls without a seed continue both streams, so a seed
 * fixes the whole sequence of episodes.
 *
 * Observations are written into one buffer owned by the env (or given by the caller, e.g. a
 * slice of a SharedArrayBuffer) and returned as a view: copy it if you keep it past the next
 * step. Layout: [84][84] bytes.
 */
import type { Emulator, EmulatorHost } from './emulator';
import { FIRE, FULL_ACTION_SET, NOOP } from './emulator';
import { deriveSeed, entropySeed, Mt19937 } from './rng';

export interface AtariEnvOptions {
  /** Frames emulated per step (default 4). */
  frameSkip?: number;
  /** Sticky-action probability (default 0.25). Applied by the emulator; recorded here for reference. */
  repeatActionProbability?: number;
  /** Use all 18 actions instead of the game's minimal set (default false). */
  fullActionSpace?: boolean;
  /** Truncate when the episode frame number reaches this (default 108000; 0 = never). */
  maxEpisodeFrames?: number;
  /** Up to this many single-frame NOOPs after each reset (default 30; 0 = none). */
  noopMax?: number;
  /** Max-pool the last two frames of each step (default true). */
  maxPool?: boolean;
  /** Side length of the square grayscale observation (default 84, at most 160). */
  screenSize?: number;
  /** A life lost ends the (training) episode; the game goes on at the next reset (default false). */
  terminalOnLifeLoss?: boolean;
  /** Press FIRE for one frame after each reset, when FIRE is an action of the set (default false). */
  fireReset?: boolean;
  /** Training reward = sign(raw reward) (default false). info.rawReward is always the raw one. */
  clipRewards?: boolean;
}

export const DEFAULT_ENV_OPTIONS: Required<AtariEnvOptions> = {
  frameSkip: 4,
  repeatActionProbability: 0.25,
  fullActionSpace: false,
  maxEpisodeFrames: 108_000,
  noopMax: 30,
  maxPool: true,
  screenSize: 84,
  terminalOnLifeLoss: false,
  fireReset: false,
  clipRewards: false,
};

export interface StepInfo {
  lives: number;
  episodeFrameNumber: number;
  frameNumber: number;
  /** Sum of the unclipped rewards of the step's frames. */
  rawReward: number;
  /** True when the game itself is over (differs from `terminated` with terminalOnLifeLoss). */
  gameOver: boolean;
}

export interface StepResult {
  obs: Uint8Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

/** One step's results as stepAutoReset() hands them over (before the autoreset). */
export interface StepOutcome {
  reward: number;
  rawReward: number;
  terminated: boolean;
  truncated: boolean;
  /** The game itself ended (see AtariEnv.lastGameOver). */
  gameOver: boolean;
  /** Lives and episode frame number at the end of the step. */
  lives: number;
  episodeFrame: number;
}

export function newStepOutcome(): StepOutcome {
  return { reward: 0, rawReward: 0, terminated: false, truncated: false, gameOver: false, lives: 0, episodeFrame: 0 };
}

export interface ResetResult {
  obs: Uint8Array;
  info: StepInfo;
}

/**
 * Options that earlier versions had, with the only value any of them stored in a run or
 * checkpoint (the run layer always forced these). Such an entry is accepted and dropped, so old
 * checkpoints load; any other value is refused with the reason.
 */
const RETIRED_OPTIONS: Record<string, { value: unknown; why: string }> = {
  frameStack: { value: 1, why: 'frames are stacked by the agent (frame_stack), the env gives one frame' },
  obsType: { value: 'grayscale', why: 'observations are grayscale (the wasm core preprocesses them)' },
};

/** Checks user options and fills defaults; throws a RangeError naming the bad option. */
export function resolveEnvOptions(opts: AtariEnvOptions = {}): Required<AtariEnvOptions> {
  const known = new Set(Object.keys(DEFAULT_ENV_OPTIONS));
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) {
    const retired = RETIRED_OPTIONS[k];
    if (retired) {
      if (v !== undefined && v !== retired.value) throw new RangeError(`env option "${k}" was removed: ${retired.why}`);
      continue;
    }
    if (!known.has(k)) throw new RangeError(`unknown env option "${k}"`);
    given[k] = v;
  }
  const o = { ...DEFAULT_ENV_OPTIONS, ...stripUndefined(given as AtariEnvOptions) };
  const int = (name: keyof AtariEnvOptions, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('frameSkip', o.frameSkip, 1, 1000);
  int('maxEpisodeFrames', o.maxEpisodeFrames, 0, 2 ** 31 - 1);
  int('noopMax', o.noopMax, 0, 100_000);
  int('screenSize', o.screenSize, 1, 160);
  const p = o.repeatActionProbability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`repeatActionProbability must be in [0, 1], got ${p}`);
  for (const b of ['fullActionSpace', 'maxPool', 'terminalOnLifeLoss', 'fireReset', 'clipRewards'] as const) {
    if (typeof o[b] !== 'boolean') throw new RangeError(`${b} must be a boolean, got ${String(o[b])}`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

/** Shape of one observation for the given options: [height, width] (one grayscale frame). */
export function observationShape(opts: Required<AtariEnvOptions>): number[] {
  return [opts.screenSize, opts.screenSize];
}

export class AtariEnv {
  readonly options: Required<AtariEnvOptions>;
  /** Action ids (ALE enum) of the action space, index = agent action. */
  readonly actionSet: readonly number[];
  /** [height, width] of the observation frame. */
  readonly observationShape: readonly number[];
  /** Bytes per observation (one frame). */
  readonly obsSize: number;

  private readonly obsBuf: Uint8Array;
  private readonly noopRng = new Mt19937(0);
  private seeded = false;
  private needsReset = true;
  private closed = false;
  private livesAtStep = 0;
  private fireIndex: number;

  /** Results of the last step, readable without the allocation of step()'s result object. */
  lastReward = 0;
  lastRawReward = 0;
  lastTerminated = false;
  lastTruncated = false;
  /**
   * The last step ended the game itself (game over or time limit), not only the training
   * episode: differs from lastTerminated when terminalOnLifeLoss ends an episode at a life lost.
   * Episode statistics count games (what a player calls a score).
   */
  lastGameOver = false;

  constructor(readonly emulator: Emulator, options: AtariEnvOptions = {}, obsBuffer?: Uint8Array) {
    this.options = resolveEnvOptions(options);
    const o = this.options;
    if (o.screenSize > emulator.width || o.screenSize > emulator.height) {
      throw new RangeError(`screenSize ${o.screenSize} is larger than the ${emulator.width}x${emulator.height} screen`);
    }
    this.actionSet = o.fullActionSpace ? FULL_ACTION_SET : [...emulator.minimalActionSet()];
    this.fireIndex = this.actionSet.indexOf(FIRE);
    this.observationShape = observationShape(o);
    this.obsSize = o.screenSize * o.screenSize;
    if (obsBuffer && obsBuffer.length !== this.obsSize) {
      throw new RangeError(`observation buffer has ${obsBuffer.length} bytes, need ${this.obsSize}`);
    }
    this.obsBuf = obsBuffer ?? new Uint8Array(this.obsSize);
  }

  /**
   * Builds the emulator from `host` with the env's sticky-action probability (the emulator, not
   * the env, applies it), then the env. Prefer this to pairing them by hand.
   */
  static create(host: EmulatorHost, options: AtariEnvOptions = {}, obsBuffer?: Uint8Array): AtariEnv {
    const o = resolveEnvOptions(options);
    return new AtariEnv(host.create({ repeatActionProbability: o.repeatActionProbability, seed: 0 }), options, obsBuffer);
  }

  get numActions(): number { return this.actionSet.length; }
  /** The current observation (a view, overwritten by the next step/reset). */
  get obs(): Uint8Array { return this.obsBuf; }

  /**
   * Starts an episode. With a seed, the emulator is re-seeded and powered on again and the no-op
   * RNG restarts; without one, both continue (seeded from entropy the first time).
   * With terminalOnLifeLoss, after an episode that ended by losing a life (not by game over) the
   * game is not reset: one NOOP step is taken instead and its screen is the new first frame.
   */
  reset(seed?: number): ResetResult {
    this.checkOpen();
    if (seed !== undefined) {
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${String(seed)}`);
      this.applySeed(seed);
    } else if (!this.seeded) {
      this.applySeed(entropySeed());
    } else if (this.options.terminalOnLifeLoss && this.lastTerminated && !this.gameIsOver()) {
      return this.continueAfterLifeLoss();
    } else {
      this.emulator.resetGame();
    }
    this.afterGameReset();
    return { obs: this.obsBuf, info: this.info(0) };
  }

  private applySeed(seed: number): void {
    this.emulator.reseed(deriveSeed(seed, 0));
    this.noopRng.seed(deriveSeed(seed, 1));
    this.seeded = true;
  }

  /** Fire-on-reset, random no-ops, then the first observation. */
  private afterGameReset(): void {
    const emu = this.emulator;
    const o = this.options;
    let noops = o.noopMax > 0 ? this.noopRng.intBetween(1, o.noopMax) : 0;
    if (o.fireReset && this.fireIndex >= 0) {
      emu.act(FIRE);
      // The reference vector env counts the FIRE frame as one of the no-op frames.
      noops = Math.max(0, noops - 1);
      if (emu.terminal()) emu.resetGame();
    }
    for (let i = 0; i < noops; i++) {
      emu.act(NOOP);
      if (emu.terminal()) emu.resetGame();
    }
    this.observe(false);
    this.livesAtStep = emu.lives();
    this.needsReset = false;
    this.clearLast();
  }

  private continueAfterLifeLoss(): ResetResult {
    this.needsReset = false;
    this.stepFrames(NOOP);
    if (this.gameIsOver()) {
      // The no-op step finished the game: start a fresh one instead.
      this.emulator.resetGame();
      this.afterGameReset();
    } else {
      this.needsReset = false;
      this.clearLast();
    }
    return { obs: this.obsBuf, info: this.info(0) };
  }

  private clearLast(): void {
    this.lastReward = 0;
    this.lastRawReward = 0;
    this.lastTerminated = false;
    this.lastTruncated = false;
    this.lastGameOver = false;
  }

  /** Takes one agent step (frameSkip frames). `action` indexes actionSet. */
  step(action: number): StepResult {
    this.stepIndex(action);
    return {
      obs: this.obsBuf,
      reward: this.lastReward,
      terminated: this.lastTerminated,
      truncated: this.lastTruncated,
      info: this.info(this.lastRawReward),
    };
  }

  /** step() without the result object (the hot path of the vector env); results in last*. */
  stepIndex(action: number): void {
    this.checkOpen();
    if (this.needsReset) {
      throw new Error(this.seeded ? 'step() after the episode ended: call reset() first' : 'step() before reset(): call reset() first');
    }
    if (!Number.isInteger(action) || action < 0 || action >= this.actionSet.length) {
      throw new RangeError(`invalid action ${String(action)}: must be an integer in [0, ${this.actionSet.length - 1}]`);
    }
    this.stepFrames(this.actionSet[action]);
  }

  /**
   * stepIndex() with same-step autoreset (Gymnasium's "same step" mode, what both env adapters
   * use): the step's results go to `out` (caller-owned, so nothing is allocated); when the
   * episode ended, its final frame is copied to `finalObs` and the env is reset at once, so
   * `obs` holds the next episode's first frame.
   */
  stepAutoReset(action: number, finalObs: Uint8Array, out: StepOutcome): void {
    this.stepIndex(action);
    out.reward = this.lastReward;
    out.rawReward = this.lastRawReward;
    out.terminated = this.lastTerminated;
    out.truncated = this.lastTruncated;
    out.gameOver = this.lastGameOver;
    out.lives = this.emulator.lives();
    out.episodeFrame = this.emulator.episodeFrameNumber();
    if (!this.needsReset) return;
    finalObs.set(this.obsBuf);
    this.reset();
  }

  /** Emulates one step's frames and leaves its observation frame in obs. */
  private stepFrames(aleAction: number): void {
    const emu = this.emulator;
    const o = this.options;
    let raw = 0;
    let terminated = false;
    let truncated = false;
    let t = 0;
    for (; t < o.frameSkip; t++) {
      raw += emu.act(aleAction);
      const over = emu.terminal();
      truncated = !over && o.maxEpisodeFrames > 0 && emu.episodeFrameNumber() >= o.maxEpisodeFrames;
      terminated = over || (o.terminalOnLifeLoss && emu.lives() < this.livesAtStep);
      if (terminated || truncated) break;
    }
    // Max-pool the last two frames when the step emulated all of them. When the episode ends
    // early the frames after it are never emulated (as in the reference) and the final frame
    // stands alone.
    this.observe(o.maxPool && o.frameSkip >= 2 && t >= o.frameSkip - 1);
    this.livesAtStep = emu.lives();
    this.lastRawReward = raw;
    this.lastReward = o.clipRewards ? Math.sign(raw) : raw;
    this.lastTerminated = terminated;
    this.lastTruncated = truncated;
    this.lastGameOver = truncated || (terminated && (emu.terminal() || !o.terminalOnLifeLoss));
    if (terminated || truncated) this.needsReset = true;
  }

  private gameIsOver(): boolean {
    const o = this.options;
    return this.emulator.terminal() || (o.maxEpisodeFrames > 0 && this.emulator.episodeFrameNumber() >= o.maxEpisodeFrames);
  }

  private observe(pool: boolean): void {
    const n = this.options.screenSize;
    this.emulator.observe(this.obsBuf, n, n, pool);
  }

  private info(rawReward: number): StepInfo {
    const emu = this.emulator;
    return {
      lives: emu.lives(),
      episodeFrameNumber: emu.episodeFrameNumber(),
      frameNumber: emu.frameNumber(),
      rawReward,
      gameOver: this.gameIsOver(),
    };
  }

  /**
   * Full state: emulator (incl. its sticky-action RNG), the no-op RNG, episode flags, the last
   * step's results and the observation, so a restored env continues bit for bit (its next
   * observations included). Layout (little-endian), see STATE_* below:
   *   u32 magic 'AENV', u32 version, u32 checksum (FNV-1a of everything after the first 12
   *   bytes), u32 fingerprint (options + action set), u32 emulator bytes, u32 obs bytes,
   *   i32 livesAtStep, u32 flags, f64 lastReward, f64 lastRawReward,
   *   u32[625] no-op RNG, observation, emulator state.
   */
  cloneState(): Uint8Array {
    this.checkOpen();
    const emu = this.emulator.cloneState();
    const obs = this.obsBuf;
    const out = new Uint8Array(STATE_HEAD + STATE_RNG + obs.length + emu.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, STATE_MAGIC, true);
    dv.setUint32(4, STATE_VERSION, true);
    dv.setUint32(12, this.fingerprint(), true);
    dv.setUint32(16, emu.length, true);
    dv.setUint32(20, obs.length, true);
    dv.setInt32(24, this.livesAtStep, true);
    const flags = (this.needsReset ? 1 : 0) | (this.seeded ? 2 : 0) | (this.lastTerminated ? 4 : 0) | (this.lastTruncated ? 8 : 0) | (this.lastGameOver ? 16 : 0);
    dv.setUint32(28, flags, true);
    dv.setFloat64(32, this.lastReward, true);
    dv.setFloat64(40, this.lastRawReward, true);
    const rng = this.noopRng.getState();
    for (let i = 0; i < 625; i++) dv.setUint32(STATE_HEAD + 4 * i, rng[i], true);
    out.set(obs, STATE_HEAD + STATE_RNG);
    out.set(emu, STATE_HEAD + STATE_RNG + obs.length);
    dv.setUint32(8, fnv1a(out, 12), true);
    return out;
  }

  /**
   * Checks that `state` is an intact state of an env with these options (magic, version, sizes,
   * checksum, option fingerprint) without applying anything; throws a RangeError saying what is
   * wrong. Older states (format 0: no observation stack, no checksum) are accepted too.
   */
  checkState(state: Uint8Array): void {
    this.parseState(state);
  }

  /**
   * Restores a cloneState() result. Everything is validated first and the emulator (which checks
   * its own state, ROM included) is restored before the env's fields, so a rejected state leaves
   * the env as it was.
   */
  restoreState(state: Uint8Array): void {
    this.checkOpen();
    const p = this.parseState(state);
    this.emulator.restoreState(p.emu);
    this.noopRng.setState(p.rng);
    this.livesAtStep = p.livesAtStep;
    this.needsReset = p.needsReset;
    this.seeded = p.seeded;
    this.lastTerminated = p.lastTerminated;
    if (p.obs) {
      this.obsBuf.set(p.obs);
      this.lastTruncated = p.lastTruncated;
      this.lastGameOver = p.lastGameOver;
      this.lastReward = p.lastReward;
      this.lastRawReward = p.lastRawReward;
    }
  }

  private parseState(state: Uint8Array): ParsedState {
    if (!(state instanceof Uint8Array)) throw new TypeError('AtariEnv state must be a Uint8Array');
    const dv = new DataView(state.buffer, state.byteOffset, state.byteLength);
    if (state.length >= STATE_HEAD && dv.getUint32(0, true) === STATE_MAGIC) {
      const version = dv.getUint32(4, true);
      if (version !== STATE_VERSION) throw new RangeError(`AtariEnv state version ${version} is not supported (expected ${STATE_VERSION})`);
      const emuLen = dv.getUint32(16, true);
      const obsLen = dv.getUint32(20, true);
      if (obsLen !== this.obsSize) throw new RangeError(`AtariEnv state holds a ${obsLen}-byte observation, this env's is ${this.obsSize} bytes`);
      if (state.length !== STATE_HEAD + STATE_RNG + obsLen + emuLen) {
        throw new RangeError(`AtariEnv state has ${state.length} bytes, its header says ${STATE_HEAD + STATE_RNG + obsLen + emuLen}`);
      }
      if (dv.getUint32(8, true) !== fnv1a(state, 12)) throw new RangeError('AtariEnv state is corrupt (checksum mismatch)');
      if (dv.getUint32(12, true) !== this.fingerprint()) {
        throw new RangeError('AtariEnv state was made by an env with other options or another action set');
      }
      const flags = dv.getUint32(28, true);
      const rng = new Uint32Array(625);
      for (let i = 0; i < 625; i++) rng[i] = dv.getUint32(STATE_HEAD + 4 * i, true);
      if (rng[624] > 624) throw new RangeError('AtariEnv state is corrupt (no-op RNG index out of range)');
      const o = STATE_HEAD + STATE_RNG;
      return {
        emu: state.subarray(o + obsLen), obs: state.subarray(o, o + obsLen), rng,
        livesAtStep: dv.getInt32(24, true), needsReset: (flags & 1) !== 0, seeded: (flags & 2) !== 0,
        lastTerminated: (flags & 4) !== 0, lastTruncated: (flags & 8) !== 0, lastGameOver: (flags & 16) !== 0,
        lastReward: dv.getFloat64(32, true), lastRawReward: dv.getFloat64(40, true),
      };
    }
    // Format 0 (before the observation stack was included): i32 emuLen, livesAtStep, needsReset,
    // seeded, lastTerminated; u32[625] RNG; emulator state. Kept so old single-env checkpoints load.
    const legacyRng = 625 * 4;
    if (state.length < 20 + legacyRng || state.length !== 20 + legacyRng + dv.getInt32(0, true)) {
      throw new RangeError(`not an AtariEnv state (${state.length} bytes, no valid header)`);
    }
    const rng = new Uint32Array(625);
    for (let i = 0; i < 625; i++) rng[i] = dv.getUint32(20 + 4 * i, true);
    if (rng[624] > 624) throw new RangeError('AtariEnv state is corrupt (no-op RNG index out of range)');
    return {
      emu: state.subarray(20 + legacyRng), obs: null, rng,
      livesAtStep: dv.getInt32(4, true), needsReset: dv.getInt32(8, true) === 1, seeded: dv.getInt32(12, true) === 1,
      lastTerminated: dv.getInt32(16, true) === 1, lastTruncated: false, lastGameOver: false, lastReward: 0, lastRawReward: 0,
    };
  }

  /** Hash of what must match for a state to make sense here: options, action set, frame sizes. */
  private fingerprint(): number {
    const o = this.options;
    // 'grayscale' and 1 stand where the retired obsType and frameStack options were (the only
    // values ever stored), so states saved before they were retired still match.
    const key = JSON.stringify([o.frameSkip, o.repeatActionProbability, o.fullActionSpace, o.maxEpisodeFrames, o.noopMax,
      o.maxPool, 'grayscale', o.screenSize, 1, o.terminalOnLifeLoss, o.fireReset, o.clipRewards,
      this.actionSet, this.emulator.width, this.emulator.height]);
    return fnv1a(new TextEncoder().encode(key), 0);
  }

  /** Frees the emulator. Further calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emulator.dispose();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('AtariEnv is closed');
  }
}

const STATE_MAGIC = 0x564e4541; // 'AENV'
const STATE_VERSION = 1;
const STATE_HEAD = 48;
const STATE_RNG = 625 * 4;

interface ParsedState {
  emu: Uint8Array;
  /** null for format-0 states (no observation stack saved). */
  obs: Uint8Array | null;
  rng: Uint32Array;
  livesAtStep: number;
  needsReset: boolean;
  seeded: boolean;
  lastTerminated: boolean;
  lastTruncated: boolean;
  lastGameOver: boolean;
  lastReward: number;
  lastRawReward: number;
}

/** 32-bit FNV-1a of bytes[from..]: cheap, enough to catch corrupted or truncated state blobs. */
export function fnv1a(bytes: Uint8Array, from: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}
