/**
 * The slice of the emulator that the environments need.
 *
 * AtariEnv talks only to this interface, so it runs unchanged on the real wasm core (through the
 * adapter in ale-emulator.ts) and on the deterministic FakeEmulator used by the unit tests.
 *
 * Semantics follow ALEInterface with frame_skip = 1 (Gymnasium's ALE v5 does its own frame
 * skipping, so the sticky-action coin is thrown once per emulated frame):
 *  - act(a) emulates exactly one frame (unless the episode is already over) and returns that
 *    frame's reward; sticky actions are applied inside the emulator with its own RNG.
 *  - terminal() is the game's own game-over flag (no truncation; AtariEnv owns truncation).
 */
export interface Emulator {
  /** Screen width in pixels (160 for the 2600). */
  readonly width: number;
  /** Screen height in pixels (usually 210; a few ROMs use 250 lines). */
  readonly height: number;

  /** Minimal action set (ids of the full 18-action enum, increasing). */
  minimalActionSet(): readonly number[];
  /** Legal action set (the actions act() does not turn into NOOP). */
  legalActionSet(): readonly number[];

  /**
   * Re-seed the environment RNG (sticky actions) and power the console on again, as ALE does when
   * `random_seed` changes and the ROM is reloaded (Gymnasium's reset(seed=...)). Ends with the
   * reset procedure, so the game is ready to play.
   */
  reseed(seed: number): void;
  /** ALE reset_game(): system reset, the no-input/RESET frames, the game's starting actions. */
  resetGame(): void;
  /** Emulate one frame with `action` (sticky actions applied) and return its reward. */
  act(action: number): number;

  lives(): number;
  /** The game itself is over (no truncation involved). */
  terminal(): boolean;
  /** Frames emulated by act() since power-on. */
  frameNumber(): number;
  /** Frames emulated by act() since the last reset. */
  episodeFrameNumber(): number;

  /**
   * One observation frame into `out` (width*height bytes): the current screen in grayscale,
   * max-pooled with the previous emulated frame's when `pool`, resized with OpenCV's INTER_AREA
   * to width x height (both at most the screen's; equal = no resize). The wasm core does this
   * itself (pp_observe: its TIA keeps the previous frame), so nothing crosses into JavaScript but
   * the result. `pool` is only asked for right after two frames emulated in a row.
   */
  observe(out: Uint8Array, width: number, height: number, pool: boolean): void;

  /** Serialized full state (emulator, RNG, counters). */
  cloneState(): Uint8Array;
  restoreState(state: Uint8Array): void;

  /** Releases the emulator's memory; the object must not be used afterwards. */
  dispose(): void;
}

/** Settings fixed when an emulator is created. */
export interface EmulatorSettings {
  /** Sticky-action probability (ALE repeat_action_probability). */
  repeatActionProbability: number;
  /** Initial environment seed (ALE random_seed). */
  seed: number;
  /** Game mode / difficulty; undefined = the ROM's defaults. */
  mode?: number;
  difficulty?: number;
}

/**
 * Something that makes emulators: one per worker (for the wasm core: one wasm instance holding
 * many emulators).
 */
export interface EmulatorHost {
  create(settings: EmulatorSettings): Emulator;
  dispose(): void;
}

/**
 * A structured-clonable description of how a worker builds its EmulatorHost. Workers cannot
 * receive functions, so the host is named, not passed.
 */
export type EmulatorSpec =
  | { kind: 'fake'; game?: FakeGameParams }
  | {
      kind: 'ale';
      /** ROM bytes (copied to each worker). */
      rom: Uint8Array;
      /** Where the worker fetches arcade.wasm from, or its bytes. */
      wasm: string | Uint8Array;
      /** Game name when the binding needs it to pick the game wrapper (optional). */
      game?: string;
    };

/** Tunables of the fake game, so tests can make short or long episodes. */
export interface FakeGameParams {
  /** Lives at reset (default 3). */
  lives?: number;
  /** Frames between two falling objects reaching the bottom (default 37). */
  dropPeriod?: number;
  /** Screen height (default 210). */
  height?: number;
  /** Whether FIRE is in the minimal action set (default true). */
  hasFire?: boolean;
}

/** ALE action ids used by the env wrappers. */
export const NOOP = 0;
export const FIRE = 1;
export const FULL_ACTION_SET: readonly number[] = Array.from({ length: 18 }, (_, i) => i);
