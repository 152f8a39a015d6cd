/**
 * TypeScript binding of the wasm emulator core (public/arcade.wasm), for Node and the browser.
 *
 * One ArcadeModule = one wasm instance over a shared WebAssembly.Memory (imported as env.memory:
 * 256 initial pages, 16384 maximum, shared). It can hold many emulators (class Ale); each lives
 * in the wasm heap until dispose(). Screens and RAM are exposed as Uint8Array views into wasm
 * memory: they are re-created on every call because growing the memory replaces the buffer.
 */

/** Exports of arcade.wasm used here (see wasm/src/api.c). Pointers are byte offsets. */
export interface ArcadeExports {
  arcade_alloc(n: number): number;
  arcade_free(p: number): void;
  ale_create(): number;
  ale_destroy(a: number): void;
  ale_load_rom(a: number, rom: number, size: number): number;
  ale_reseed(a: number, seed: number): number;
  ale_set_random_seed(a: number, v: number): void;
  ale_set_repeat_action_probability(a: number, v: number): number;
  ale_set_frame_skip(a: number, v: number): void;
  ale_set_max_num_frames_per_episode(a: number, v: number): void;
  ale_set_truncate_on_loss_of_life(a: number, v: number): void;
  ale_set_color_averaging(a: number, v: number): void;
  ale_set_reward_range(a: number, lo: number, hi: number): void;
  ale_set_paddle_range(a: number, lo: number, hi: number): void;
  ale_set_system_random_seed(a: number, v: number): void;
  ale_set_mode(a: number, m: number): number;
  ale_set_difficulty(a: number, d: number): number;
  ale_get_mode(a: number): number;
  ale_get_difficulty(a: number): number;
  ale_reset(a: number): number;
  ale_act(a: number, action: number, strength: number): number;
  ale_lives(a: number): number;
  ale_game_over(a: number): number;
  ale_terminal(a: number): number;
  ale_truncated(a: number): number;
  ale_sticky_action(a: number): number;
  ale_frame_number(a: number): number;
  ale_episode_frame_number(a: number): number;
  ale_screen_ptr(a: number): number;
  ale_screen_width(a: number): number;
  ale_screen_height(a: number): number;
  ale_screen_grayscale(a: number, out: number): number;
  ale_screen_rgb(a: number, out: number): number;
  ale_ram_ptr(a: number): number;
  ale_minimal_actions(a: number, out: number): number;
  ale_legal_actions(a: number, out: number): number;
  ale_rom_id(a: number, out: number, cap: number): number;
  ale_md5(a: number): number;
  ale_scheme(a: number): number;
  ale_is_pal(a: number): number;
  ale_has_reward(a: number): number;
  ale_is_supported(a: number): number;
  ale_uses_paddles(a: number): number;
  ale_modes(a: number, out: number, cap: number): number;
  ale_difficulty_mask(a: number): number;
  ale_state_size(): number;
  ale_clone_state(a: number, out: number, cap: number, includeRng: number): number;
  ale_restore_state(a: number, inp: number, size: number): number;
}

/** Error codes of wasm/src/ale.h. */
export const ALE_ERRORS: Record<number, string> = {
  [-1]: 'empty ROM',
  [-2]: 'ROM too large (more than 64 KiB)',
  [-3]: 'unsupported ROM size / bank-switching scheme',
  [-4]: 'the cartridge could not be initialised from this image',
  [-5]: 'no ROM loaded',
  [-6]: 'invalid value',
  [-7]: 'bad state buffer (too small, corrupt, or saved from another ROM)',
};

/** A ROM that could not be loaded (empty, too large, unknown bank-switching scheme). */
export class RomError extends Error {
  constructor(readonly code: number, detail?: string) {
    super(`cannot load ROM: ${ALE_ERRORS[code] ?? `error ${code}`}${detail ? ` (${detail})` : ''}`);
    this.name = 'RomError';
  }
}

/** Any other call the core refused (bad mode, bad state buffer, ...). */
export class AleError extends Error {
  constructor(readonly code: number, what: string) {
    super(`${what}: ${ALE_ERRORS[code] ?? `error ${code}`}`);
    this.name = 'AleError';
  }
}

/** Bank-switching scheme names, indexed by CartScheme (wasm/src/cart.h). */
export const SCHEMES = ['unknown', '2K', '4K', 'F8', 'F6', 'F6SC', 'F8SC', 'E0', 'FE', 'DPC'] as const;

export interface GameInfo {
  /** Reference ROM id (e.g. "pong"), or "" for a ROM not in the game table. */
  romId: string;
  md5: string;
  scheme: string;
  width: number;
  height: number;
  pal: boolean;
  /** A reward/lives/terminal function exists for this ROM. */
  hasReward: boolean;
  /** The reference ALE accepts this ROM (it has a game wrapper there). */
  supported: boolean;
  paddles: boolean;
  minimalActions: number[];
  legalActions: number[];
  modes: number[];
  difficulties: number[];
}

/** ALE settings (ALE_FACTS 2); they take effect at the next loadRom(). */
export interface AleSettings {
  randomSeed?: number;
  repeatActionProbability?: number;
  frameSkip?: number;
  maxNumFramesPerEpisode?: number;
  truncateOnLossOfLife?: boolean;
  colorAveraging?: boolean;
  rewardMin?: number;
  rewardMax?: number;
  paddleMin?: number;
  paddleMax?: number;
  systemRandomSeed?: number;
}

export type WasmSource = string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

async function wasmBytes(source: string | URL): Promise<ArrayBuffer | Uint8Array> {
  const href = String(source);
  if (isNode && !/^https?:/.test(href)) {
    // Node: a file path or file: URL. The specifier is a variable so browser bundlers skip it.
    const fsName = 'node:fs/promises';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
    return fs.readFile(source);
  }
  const res = await fetch(source);
  if (!res.ok) throw new Error(`cannot fetch ${href}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/** Default location of the core: public/arcade.wasm (file path in Node, URL in the browser). */
export function defaultWasmLocation(): string | URL {
  if (isNode) return new URL('../../public/arcade.wasm', import.meta.url);
  return '/arcade.wasm';
}

export function createSharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 256, maximum: 16384, shared: true });
}

export class ArcadeModule {
  private constructor(
    readonly instance: WebAssembly.Instance,
    readonly memory: WebAssembly.Memory,
    readonly exports: ArcadeExports,
  ) {}

  /** Instantiates the core. `memory` lets several instances (workers) share one memory. */
  static async load(source: WasmSource = defaultWasmLocation(), memory = createSharedMemory()): Promise<ArcadeModule> {
    let module: WebAssembly.Module;
    if (source instanceof WebAssembly.Module) module = source;
    else if (source instanceof Uint8Array || source instanceof ArrayBuffer) module = await WebAssembly.compile(source as BufferSource);
    else module = await WebAssembly.compile((await wasmBytes(source)) as BufferSource);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new ArcadeModule(instance, memory, instance.exports as unknown as ArcadeExports);
  }

  /** Bytes of the linear memory (a fresh view: the buffer changes when memory grows). */
  get u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  alloc(n: number): number {
    const p = this.exports.arcade_alloc(n);
    if (!p) throw new Error(`wasm heap exhausted allocating ${n} bytes`);
    return p;
  }

  free(p: number): void {
    this.exports.arcade_free(p);
  }

  create(settings: AleSettings = {}): Ale {
    const ptr = this.exports.ale_create();
    if (!ptr) throw new Error('wasm heap exhausted creating an emulator');
    const ale = new Ale(this, ptr);
    ale.setSettings(settings);
    return ale;
  }
}

export class Ale {
  private disposed = false;
  private scratch = 0; // 256 bytes for small outputs (action lists, ids)
  private info: GameInfo | null = null;

  constructor(readonly mod: ArcadeModule, readonly ptr: number) {
    this.scratch = mod.alloc(1024);
  }

  private get x(): ArcadeExports {
    if (this.disposed) throw new Error('emulator used after dispose()');
    return this.mod.exports;
  }

  setSettings(s: AleSettings): void {
    const x = this.x, p = this.ptr;
    if (s.randomSeed !== undefined) {
      // -1 means "seed from the clock" in the reference; the core has no clock, so we pick it here.
      const seed = s.randomSeed === -1 ? Date.now() % 2147483647 : s.randomSeed;
      x.ale_set_random_seed(p, seed | 0);
    }
    if (s.repeatActionProbability !== undefined) {
      const rc = x.ale_set_repeat_action_probability(p, s.repeatActionProbability);
      if (rc !== 0) throw new AleError(rc, `repeatActionProbability ${s.repeatActionProbability}`);
    }
    if (s.frameSkip !== undefined) x.ale_set_frame_skip(p, s.frameSkip | 0);
    if (s.maxNumFramesPerEpisode !== undefined) x.ale_set_max_num_frames_per_episode(p, s.maxNumFramesPerEpisode | 0);
    if (s.truncateOnLossOfLife !== undefined) x.ale_set_truncate_on_loss_of_life(p, s.truncateOnLossOfLife ? 1 : 0);
    if (s.colorAveraging !== undefined) x.ale_set_color_averaging(p, s.colorAveraging ? 1 : 0);
    if (s.rewardMin !== undefined || s.rewardMax !== undefined)
      x.ale_set_reward_range(p, s.rewardMin ?? -2147483648, s.rewardMax ?? 2147483647);
    if (s.paddleMin !== undefined || s.paddleMax !== undefined) x.ale_set_paddle_range(p, s.paddleMin ?? -1, s.paddleMax ?? -1);
    if (s.systemRandomSeed !== undefined) x.ale_set_system_random_seed(p, s.systemRandomSeed >>> 0);
  }

  /** Powers the console on with this ROM and runs the reset procedure (ALE loadROM). */
  loadRom(bytes: Uint8Array): GameInfo {
    const x = this.x;
    if (bytes.length === 0) throw new RomError(-1);
    if (bytes.length > 65536) throw new RomError(-2, `${bytes.length} bytes`);
    const buf = this.mod.alloc(bytes.length);
    try {
      this.mod.u8.set(bytes, buf);
      const rc = x.ale_load_rom(this.ptr, buf, bytes.length);
      if (rc < 0) throw new RomError(rc, `${bytes.length} bytes`);
    } finally {
      this.mod.free(buf);
    }
    this.info = this.readInfo();
    return this.info;
  }

  /**
   * New environment seed, then power-on again with the same ROM and the current settings (what
   * ALE does for reset(seed=...)): the console, the game and the sticky-action RNG restart.
   */
  reseed(seed: number): void {
    const rc = this.x.ale_reseed(this.ptr, seed | 0);
    if (rc < 0) throw new AleError(rc, 'reseed');
  }

  get gameInfo(): GameInfo {
    if (!this.info) throw new AleError(-5, 'gameInfo');
    return this.info;
  }

  private readInfo(): GameInfo {
    const x = this.x, p = this.ptr, u8 = () => this.mod.u8;
    const n = x.ale_rom_id(p, this.scratch, 128);
    const romId = new TextDecoder().decode(u8().slice(this.scratch, this.scratch + Math.min(n, 127)));
    const md5p = x.ale_md5(p);
    const md5 = new TextDecoder().decode(u8().slice(md5p, md5p + 32));
    const ints = (count: number) => Array.from(new Int32Array(this.mod.memory.buffer, this.scratch, count));
    const nMin = x.ale_minimal_actions(p, this.scratch);
    const minimalActions = ints(nMin);
    const nLegal = x.ale_legal_actions(p, this.scratch);
    const legalActions = ints(nLegal);
    const nModes = x.ale_modes(p, this.scratch, 256);
    const modes = ints(Math.min(nModes, 256));
    const dm = x.ale_difficulty_mask(p);
    const difficulties = [0, 1, 2, 3, 4, 5, 6, 7].filter((d) => (dm >> d) & 1);
    return {
      romId,
      md5,
      scheme: SCHEMES[x.ale_scheme(p)] ?? 'unknown',
      width: x.ale_screen_width(p),
      height: x.ale_screen_height(p),
      pal: x.ale_is_pal(p) !== 0,
      hasReward: x.ale_has_reward(p) !== 0,
      supported: x.ale_is_supported(p) !== 0,
      paddles: x.ale_uses_paddles(p) !== 0,
      minimalActions,
      legalActions,
      modes,
      difficulties,
    };
  }

  reset(): void {
    const rc = this.x.ale_reset(this.ptr);
    if (rc < 0) throw new AleError(rc, 'reset');
  }

  /** Emulates frame_skip frames (sticky actions applied) and returns the summed reward. */
  act(action: number, paddleStrength = 1.0): number {
    return this.x.ale_act(this.ptr, action | 0, paddleStrength);
  }

  lives(): number { return this.x.ale_lives(this.ptr); }
  /** Terminal or truncated (ALE game_over()). */
  gameOver(): boolean { return this.x.ale_game_over(this.ptr) !== 0; }
  terminal(): boolean { return this.x.ale_terminal(this.ptr) !== 0; }
  truncated(): boolean { return this.x.ale_truncated(this.ptr) !== 0; }
  frameNumber(): number { return this.x.ale_frame_number(this.ptr); }
  /** Player A's remembered action: what the last frame actually applied after the sticky coin. */
  stickyAction(): number { return this.x.ale_sticky_action(this.ptr); }
  episodeFrameNumber(): number { return this.x.ale_episode_frame_number(this.ptr); }

  setMode(mode: number): void {
    const rc = this.x.ale_set_mode(this.ptr, mode | 0);
    if (rc < 0) throw new AleError(rc, `mode ${mode}`);
  }
  setDifficulty(d: number): void {
    const rc = this.x.ale_set_difficulty(this.ptr, d | 0);
    if (rc < 0) throw new AleError(rc, `difficulty ${d}`);
  }
  mode(): number { return this.x.ale_get_mode(this.ptr); }
  difficulty(): number { return this.x.ale_get_difficulty(this.ptr); }

  get width(): number { return 160; }
  get height(): number { return this.x.ale_screen_height(this.ptr); }

  /** height x 160 palette indices: a view into wasm memory, valid until the next act()/reset(). */
  screen(): Uint8Array {
    const p = this.x.ale_screen_ptr(this.ptr);
    if (!p) throw new AleError(-5, 'screen');
    return new Uint8Array(this.mod.memory.buffer, p, this.height * 160);
  }

  /** The 128 RAM bytes ($80-$FF): a view into wasm memory. */
  ram(): Uint8Array {
    return new Uint8Array(this.mod.memory.buffer, this.x.ale_ram_ptr(this.ptr), 128);
  }

  private withBuffer(n: number, fill: (ptr: number) => number, out?: Uint8Array): Uint8Array {
    const dst = out ?? new Uint8Array(n);
    if (dst.length < n) throw new Error(`output buffer too small: ${dst.length} < ${n}`);
    const buf = this.mod.alloc(n);
    try {
      const rc = fill(buf);
      if (rc < 0) throw new AleError(rc, 'screen');
      dst.set(new Uint8Array(this.mod.memory.buffer, buf, n));
    } finally {
      this.mod.free(buf);
    }
    return dst;
  }

  /** height x 160 luminance bytes (ALE getScreenGrayscale). */
  grayscale(out?: Uint8Array): Uint8Array {
    return this.withBuffer(this.height * 160, (b) => this.x.ale_screen_grayscale(this.ptr, b), out);
  }

  /** height x 160 x 3 bytes, RGB interleaved per pixel (ALE getScreenRGB). */
  rgb(out?: Uint8Array): Uint8Array {
    return this.withBuffer(this.height * 160 * 3, (b) => this.x.ale_screen_rgb(this.ptr, b), out);
  }

  stateSize(): number { return this.x.ale_state_size(); }

  /** Full emulator state (console, game wrapper, counters, sticky actions; the RNG unless told not to). */
  cloneState(includeRng = true): Uint8Array {
    const n = this.stateSize();
    return this.withBuffer(n, (b) => this.x.ale_clone_state(this.ptr, b, n, includeRng ? 1 : 0));
  }

  restoreState(state: Uint8Array): void {
    const buf = this.mod.alloc(state.length);
    try {
      this.mod.u8.set(state, buf);
      const rc = this.x.ale_restore_state(this.ptr, buf, state.length);
      if (rc < 0) throw new AleError(rc, 'restoreState');
    } finally {
      this.mod.free(buf);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.mod.exports.arcade_free(this.scratch);
    this.mod.exports.ale_destroy(this.ptr);
    this.disposed = true;
  }
}
