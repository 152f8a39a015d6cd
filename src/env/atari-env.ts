/**
 * One Atari environment with the conventions of Gymnasium's ALE v5 plus AtariPreprocessing.
 *
 * Defaults: frame skip 4 (done here, one act() per frame, so sticky actions are decided per
 * frame), sticky actions 0.25, minimal action set, truncation at 108,000 episode frames, up to 30
 * random single-frame no-ops at reset, max-pool over the last two frames of a step, grayscale
 * 84x84 (OpenCV INTER_AREA), a stack of the last 4 frames. Optional: full action set, RGB,
 * terminal-on-life-loss, fire-on-reset, reward clipping (the raw reward is always reported).
 *
 * Seeding: reset(seed) derives two independent seeds from `seed`, one for the emulator's
 * sticky-action RNG (the ROM is powered on again, like ALE after changing random_seed) and one
 * for the no-op counts. Later reset() calls without a seed continue both streams, so a seed
 * fixes the whole sequence of episodes.
 *
 * Observations are written into one buffer owned by the env (or given by the caller, e.g. a
 * slice of a SharedArrayBuffer) and returned as a view: copy it if you keep it past the next
 * step. Layout: [stack][84][84] for grayscale, [stack][84][84][3] for RGB.
 */
import type { Emulator, EmulatorHost } from './emulator';
import { FIRE, FULL_ACTION_SET, NOOP } from './emulator';
import { AreaResizer, FrameStack, maxPool } from './preprocess';
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
  /** 'grayscale' (default) or 'rgb'. */
  obsType?: 'grayscale' | 'rgb';
  /** Output side length (default 84); 0 keeps the full 210x160 screen. */
  screenSize?: number;
  /** Frames per observation (default 4). */
  frameStack?: number;
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
  obsType: 'grayscale',
  screenSize: 84,
  frameStack: 4,
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

export interface ResetResult {
  obs: Uint8Array;
  info: StepInfo;
}

/** Checks user options and fills defaults; throws a RangeError naming the bad option. */
export function resolveEnvOptions(opts: AtariEnvOptions = {}): Required<AtariEnvOptions> {
  const known = new Set(Object.keys(DEFAULT_ENV_OPTIONS));
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new RangeError(`unknown env option "${k}"`);
  const o = { ...DEFAULT_ENV_OPTIONS, ...stripUndefined(opts) };
  const int = (name: keyof AtariEnvOptions, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('frameSkip', o.frameSkip, 1, 1000);
  int('maxEpisodeFrames', o.maxEpisodeFrames, 0, 2 ** 31 - 1);
  int('noopMax', o.noopMax, 0, 100_000);
  int('screenSize', o.screenSize, 0, 160);
  int('frameStack', o.frameStack, 1, 64);
  const p = o.repeatActionProbability;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`repeatActionProbability must be in [0, 1], got ${p}`);
  if (o.obsType !== 'grayscale' && o.obsType !== 'rgb') throw new RangeError(`obsType must be 'grayscale' or 'rgb', got ${String(o.obsType)}`);
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

/** Shape of one observation for the given options: [stack, h, w] or [stack, h, w, 3]. */
export function observationShape(opts: Required<AtariEnvOptions>, screenHeight = 210, screenWidth = 160): number[] {
  const h = opts.screenSize === 0 ? screenHeight : opts.screenSize;
  const w = opts.screenSize === 0 ? screenWidth : opts.screenSize;
  return opts.obsType === 'rgb' ? [opts.frameStack, h, w, 3] : [opts.frameStack, h, w];
}

export class AtariEnv {
  readonly options: Required<AtariEnvOptions>;
  /** Action ids (ALE enum) of the action space, index = agent action. */
  readonly actionSet: readonly number[];
  readonly observationShape: readonly number[];
  /** Bytes per observation. */
  readonly obsSize: number;

  private readonly channels: 1 | 3;
  private readonly screenBytes: number;
  private readonly frameBytes: number;
  private readonly screenA: Uint8Array; // newest raw screen of the step
  private readonly screenB: Uint8Array; // the one before it
  private readonly pooled: Uint8Array;
  private readonly small: Uint8Array;
  private readonly resizer: AreaResizer | null;
  private readonly stack: FrameStack;
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

  constructor(readonly emulator: Emulator, options: AtariEnvOptions = {}, obsBuffer?: Uint8Array) {
    this.options = resolveEnvOptions(options);
    const o = this.options;
    this.actionSet = o.fullActionSpace ? FULL_ACTION_SET : [...emulator.minimalActionSet()];
    this.fireIndex = this.actionSet.indexOf(FIRE);
    this.channels = o.obsType === 'rgb' ? 3 : 1;
    this.observationShape = observationShape(o, emulator.height, emulator.width);
    const [, h, w] = this.observationShape;
    this.frameBytes = h * w * this.channels;
    this.obsSize = this.frameBytes * o.frameStack;
    this.screenBytes = emulator.height * emulator.width * this.channels;
    this.screenA = new Uint8Array(this.screenBytes);
    this.screenB = new Uint8Array(this.screenBytes);
    this.pooled = new Uint8Array(this.screenBytes);
    this.resizer = o.screenSize === 0 ? null : new AreaResizer(emulator.width, emulator.height, w, h, this.channels);
    this.small = this.resizer ? new Uint8Array(this.frameBytes) : this.pooled;
    if (obsBuffer && obsBuffer.length !== this.obsSize) {
      throw new RangeError(`observation buffer has ${obsBuffer.length} bytes, need ${this.obsSize}`);
    }
    this.stack = new FrameStack(o.frameStack, this.frameBytes, obsBuffer ?? new Uint8Array(this.obsSize));
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
  get obs(): Uint8Array { return this.stack.data; }

  /**
   * Starts an episode. With a seed, the emulator is re-seeded and powered on again and the no-op
   * RNG restarts; without one, both continue (seeded from entropy the first time).
   * With terminalOnLifeLoss, after an episode that ended by losing a life (not by game over) the
   * game is not reset: one NOOP step is taken instead and its screen starts the new stack.
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
    return { obs: this.stack.data, info: this.info(0) };
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
    this.grab(this.screenA);
    this.emit(this.screenA, true);
    this.livesAtStep = emu.lives();
    this.needsReset = false;
    this.lastReward = 0;
    this.lastRawReward = 0;
    this.lastTerminated = false;
    this.lastTruncated = false;
  }

  private continueAfterLifeLoss(): ResetResult {
    this.needsReset = false;
    this.stepFrames(NOOP);
    if (this.gameIsOver()) {
      // The no-op step finished the game: start a fresh one instead.
      this.emulator.resetGame();
      this.afterGameReset();
    } else {
      this.stack.fill(this.small);
      this.needsReset = false;
      this.lastReward = 0;
      this.lastTerminated = false;
      this.lastTruncated = false;
    }
    return { obs: this.stack.data, info: this.info(0) };
  }

  /** Takes one agent step (frameSkip frames). `action` indexes actionSet. */
  step(action: number): StepResult {
    this.stepIndex(action);
    return {
      obs: this.stack.data,
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
    this.stack.push(this.small);
  }

  /** Emulates one step's frames and leaves its (pooled, resized) frame in `small`. */
  private stepFrames(aleAction: number): void {
    const emu = this.emulator;
    const o = this.options;
    let raw = 0;
    let keptPrevious = false;
    let terminated = false;
    let truncated = false;
    for (let t = 0; t < o.frameSkip; t++) {
      raw += emu.act(aleAction);
      const over = emu.terminal();
      truncated = !over && o.maxEpisodeFrames > 0 && emu.episodeFrameNumber() >= o.maxEpisodeFrames;
      terminated = over || (o.terminalOnLifeLoss && emu.lives() < this.livesAtStep);
      if (terminated || truncated || t === o.frameSkip - 1) {
        this.grab(this.screenA);
        break;
      }
      // Keep the second-to-last frame for max-pooling. When the episode ends early the frames
      // after it are never emulated (as in the reference), and the final frame stands alone.
      if (t === o.frameSkip - 2 && o.maxPool) {
        this.grab(this.screenB);
        keptPrevious = true;
      }
    }
    this.emit(keptPrevious ? this.screenB : this.screenA, false);
    this.livesAtStep = emu.lives();
    this.lastRawReward = raw;
    this.lastReward = o.clipRewards ? Math.sign(raw) : raw;
    this.lastTerminated = terminated;
    this.lastTruncated = truncated;
    if (terminated || truncated) this.needsReset = true;
  }

  private gameIsOver(): boolean {
    const o = this.options;
    return this.emulator.terminal() || (o.maxEpisodeFrames > 0 && this.emulator.episodeFrameNumber() >= o.maxEpisodeFrames);
  }

  /** Pools (screenA with `other` when they differ), resizes into `small`; fills or pushes. */
  private emit(other: Uint8Array, fillStack: boolean): void {
    let frame = this.screenA;
    if (other !== this.screenA) {
      maxPool(this.screenA, other, this.pooled, this.screenBytes);
      frame = this.pooled;
    }
    if (this.resizer) this.resizer.resize(frame, this.small);
    else if (frame !== this.small) this.small.set(frame);
    if (fillStack) this.stack.fill(this.small);
  }

  private grab(out: Uint8Array): void {
    if (this.channels === 1) this.emulator.grayscale(out);
    else this.emulator.rgb(out);
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
   * step's results and the observation stack, so a restored env continues bit for bit (its next
   * observations included). Layout (little-endian), see STATE_* below:
   *   u32 magic 'AENV', u32 version, u32 checksum (FNV-1a of everything after the first 12
   *   bytes), u32 fingerprint (options + action set), u32 emulator bytes, u32 obs bytes,
   *   i32 livesAtStep, u32 flags, f64 lastReward, f64 lastRawReward,
   *   u32[625] no-op RNG, obs stack, emulator state.
   */
  cloneState(): Uint8Array {
    this.checkOpen();
    const emu = this.emulator.cloneState();
    const obs = this.stack.data;
    const out = new Uint8Array(STATE_HEAD + STATE_RNG + obs.length + emu.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, STATE_MAGIC, true);
    dv.setUint32(4, STATE_VERSION, true);
    dv.setUint32(12, this.fingerprint(), true);
    dv.setUint32(16, emu.length, true);
    dv.setUint32(20, obs.length, true);
    dv.setInt32(24, this.livesAtStep, true);
    const flags = (this.needsReset ? 1 : 0) | (this.seeded ? 2 : 0) | (this.lastTerminated ? 4 : 0) | (this.lastTruncated ? 8 : 0);
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
      this.stack.data.set(p.obs);
      this.lastTruncated = p.lastTruncated;
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
        lastTerminated: (flags & 4) !== 0, lastTruncated: (flags & 8) !== 0,
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
      lastTerminated: dv.getInt32(16, true) === 1, lastTruncated: false, lastReward: 0, lastRawReward: 0,
    };
  }

  /** Hash of what must match for a state to make sense here: options, action set, frame sizes. */
  private fingerprint(): number {
    const o = this.options;
    const key = JSON.stringify([o.frameSkip, o.repeatActionProbability, o.fullActionSpace, o.maxEpisodeFrames, o.noopMax,
      o.maxPool, o.obsType, o.screenSize, o.frameStack, o.terminalOnLifeLoss, o.fireReset, o.clipRewards,
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
  lastReward: number;
  lastRawReward: number;
}

/** 32-bit FNV-1a of bytes[from..]: cheap, enough to catch corrupted or truncated state blobs. */
export function fnv1a(bytes: Uint8Array, from: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}
