/**
 * A tiny deterministic stand-in for the emulator, used by unit tests and by VecEnv tests that
 * should not depend on ROMs or the wasm build.
 *
 * The "game": an object falls from the top; the paddle at the bottom catches it (+1, or +5 when
 * FIRE is held at the catch so reward clipping is visible) or misses it (-1 life). Game over at 0
 * lives. It keeps ALE's contract where it matters to the env layer: sticky actions decided per
 * frame by an mt19937 drawing exactly two numbers per act() (also after game over), act() on a
 * finished game emulates nothing, illegal actions become NOOP, frame counters, clone/restore.
 * The screen changes every frame (a scan line that shows only on even frames), so max-pooling
 * and frame skipping have observable effects. Like the TIA it keeps the previous frame's screen,
 * and observe() runs the JS reference pipeline (src/env/preprocess.ts) on the two.
 */
import type { Emulator, EmulatorHost, EmulatorSettings, FakeGameParams } from './emulator';
import { FULL_ACTION_SET } from './emulator';
import { ReferenceObserver } from './preprocess';
import { Mt19937 } from './rng';

const WIDTH = 160;
const PADDLE_W = 16;
const OBJ = 4;

/** Horizontal direction of each of the 18 actions (-1 left, +1 right). */
function dirOf(action: number): number {
  switch (action) {
    case 3: case 6: case 8: case 11: case 14: case 16: return 1;
    case 4: case 7: case 9: case 12: case 15: case 17: return -1;
    default: return 0;
  }
}
function hasFire(action: number): boolean {
  return action === 1 || action >= 10;
}

export class FakeEmulator implements Emulator {
  readonly width = WIDTH;
  readonly height: number;
  private readonly params: Required<FakeGameParams>;
  private readonly rng = new Mt19937(0);
  private readonly stickyP: number;
  private readonly minimal: readonly number[];
  private disposed = false;

  // game state (everything below is part of clone/restore)
  private paddleX = 72;
  private objX = 10;
  private objT = 0; // frames since the object spawned
  private spawns = 0;
  private livesLeft = 3;
  private over = false;
  private remembered = 0;
  private frames = 0;
  private episodeFrames = 0;
  // The screen of the latest emulated frame and of the one before (repainted after every act).
  private screen: Uint8Array;
  private previous: Uint8Array;
  private readonly observer: ReferenceObserver;

  /** Counts calls, for tests that check how many frames a wrapper emulated. */
  actCalls = 0;

  constructor(settings: EmulatorSettings, params: FakeGameParams = {}) {
    this.params = {
      lives: params.lives ?? 3,
      dropPeriod: params.dropPeriod ?? 37,
      height: params.height ?? 210,
      hasFire: params.hasFire ?? true,
    };
    this.height = this.params.height;
    const p = settings.repeatActionProbability;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`repeatActionProbability must be in [0, 1], got ${p}`);
    // ALE stores the probability as a 32-bit float.
    this.stickyP = Math.fround(p);
    this.minimal = this.params.hasFire ? [0, 1, 3, 4, 11, 12] : [0, 3, 4];
    this.screen = new Uint8Array(WIDTH * this.height);
    this.previous = new Uint8Array(WIDTH * this.height);
    this.observer = new ReferenceObserver(WIDTH, this.height);
    this.reseed(settings.seed);
  }

  minimalActionSet(): readonly number[] { return this.minimal; }
  legalActionSet(): readonly number[] { return FULL_ACTION_SET; }

  reseed(seed: number): void {
    this.check();
    this.rng.seed(seed >>> 0);
    this.frames = 0;
    this.resetGame();
  }

  resetGame(): void {
    this.check();
    this.paddleX = 72;
    this.spawns = 0;
    this.spawn();
    this.livesLeft = this.params.lives;
    this.over = false;
    this.remembered = 0;
    this.episodeFrames = 0;
    this.paint(this.screen);
  }

  private spawn(): void {
    this.spawns++;
    this.objX = (this.spawns * 97 + this.paddleX * 13) % (WIDTH - OBJ);
    this.objT = 0;
  }

  act(action: number): number {
    this.check();
    this.actCalls++;
    // two draws per frame, whatever happens (player A, then player B)
    if (this.rng.nextDouble() >= this.stickyP) this.remembered = action;
    this.rng.nextDouble();
    if (this.over) return 0;
    const a = this.remembered >= 0 && this.remembered < 18 ? this.remembered : 0;
    this.paddleX = Math.min(WIDTH - PADDLE_W, Math.max(0, this.paddleX + 4 * dirOf(a)));
    this.objT++;
    let reward = 0;
    if (this.objT >= this.params.dropPeriod) {
      const caught = this.objX + OBJ > this.paddleX && this.objX < this.paddleX + PADDLE_W;
      if (caught) reward = hasFire(a) ? 5 : 1;
      else if (--this.livesLeft <= 0) this.over = true;
      this.spawn();
    }
    this.frames++;
    this.episodeFrames++;
    const old = this.previous;
    this.previous = this.screen;
    this.screen = old;
    this.paint(this.screen);
    return reward;
  }

  lives(): number { return this.over ? 0 : this.livesLeft; }
  terminal(): boolean { return this.over; }
  frameNumber(): number { return this.frames; }
  episodeFrameNumber(): number { return this.episodeFrames; }

  /** Grayscale picture of the current state. */
  private paint(out: Uint8Array): void {
    const h = this.height;
    const put = (x: number, y: number, v: number) => { out[y * WIDTH + x] = v; };
    // background: a gradient that depends on lives, so life loss shows
    for (let y = 0; y < h; y++) out.fill((this.livesLeft * 16 + (y >> 3)) & 0x3e, y * WIDTH, (y + 1) * WIDTH);
    // scan line visible on even frames only (max-pool keeps it)
    if ((this.frames & 1) === 0) {
      const y = (this.frames >> 1) % h;
      for (let x = 0; x < WIDTH; x++) put(x, y, 0xfe);
    }
    const top = 20;
    const bottom = h - 12;
    const objY = top + Math.floor((this.objT * (bottom - top - OBJ)) / this.params.dropPeriod);
    for (let y = objY; y < objY + OBJ; y++) for (let x = this.objX; x < this.objX + OBJ; x++) put(x, y, 0xc8);
    for (let y = bottom; y < bottom + 4; y++) for (let x = this.paddleX; x < this.paddleX + PADDLE_W; x++) put(x, y, 0x94);
  }

  observe(out: Uint8Array, width: number, height: number, pool: boolean): void {
    this.check();
    this.observer.observe(this.screen, pool ? this.previous : null, out, width, height);
  }

  cloneState(): Uint8Array {
    this.check();
    const rng = this.rng.getState();
    const words = new Uint32Array(10 + rng.length);
    words.set([this.paddleX, this.objX, this.objT, this.spawns, this.livesLeft, this.over ? 1 : 0,
      this.remembered, this.frames, this.episodeFrames, 0x46414b45 /* 'FAKE' */]);
    words.set(rng, 10);
    return new Uint8Array(words.buffer);
  }

  restoreState(state: Uint8Array): void {
    this.check();
    if (state.byteLength !== (10 + 625) * 4) throw new RangeError('not a FakeEmulator state');
    const w = new Uint32Array(state.slice().buffer);
    if (w[9] !== 0x46414b45) throw new RangeError('not a FakeEmulator state');
    [this.paddleX, this.objX, this.objT, this.spawns, this.livesLeft] = [w[0], w[1], w[2], w[3], w[4]];
    this.over = w[5] === 1;
    this.remembered = w[6];
    this.frames = w[7];
    this.episodeFrames = w[8];
    this.rng.setState(w.subarray(10));
    this.paint(this.screen);
  }

  dispose(): void { this.disposed = true; }

  private check(): void {
    if (this.disposed) throw new Error('FakeEmulator used after dispose()');
  }
}

export class FakeHost implements EmulatorHost {
  constructor(private readonly params: FakeGameParams = {}) {}
  create(settings: EmulatorSettings): Emulator { return new FakeEmulator(settings, this.params); }
  dispose(): void {}
}
