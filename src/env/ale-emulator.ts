/**
 * Adapter from the wasm core's binding (src/ale/arcade.ts) to the env layer's Emulator.
 *
 * ALE's own frame_skip stays 1 and its truncation off: AtariEnv skips frames itself (the sticky
 * coin is thrown per frame, as in Gymnasium's ALE v5) and owns the 108,000-frame limit.
 * reseed() sets random_seed and reloads the ROM, which is what ALE does when Gymnasium's
 * reset(seed) changes the seed.
 */
import { ArcadeModule, type Ale } from '../ale/arcade';
import { WasmPreprocessor } from '../preprocess/wasm-preprocess';
import type { Emulator, EmulatorHost, EmulatorSettings, EmulatorSpec } from './emulator';

export class AleEmulator implements Emulator {
  readonly width: number;
  readonly height: number;
  private readonly minimal: readonly number[];
  private readonly legal: readonly number[];
  /** The core's preprocessor for the observation size asked for last, and its output in wasm memory. */
  private pp: WasmPreprocessor | null = null;
  private ppOut = 0;
  private ppView: Uint8Array | null = null;

  constructor(
    private readonly ale: Ale,
    private readonly rom: Uint8Array,
    private readonly settings: EmulatorSettings,
  ) {
    this.powerOn(settings.seed);
    const info = ale.gameInfo;
    if (!info.hasReward) {
      throw new Error(`ROM ${info.romId || info.md5} has no reward/terminal function in the core: cannot build an environment for it`);
    }
    this.width = info.width;
    this.height = info.height;
    this.minimal = [...info.minimalActions];
    this.legal = [...info.legalActions];
  }

  private powerOn(seed: number): void {
    this.ale.setSettings({
      randomSeed: seed | 0,
      repeatActionProbability: this.settings.repeatActionProbability,
      frameSkip: 1,
      maxNumFramesPerEpisode: 0,
    });
    this.ale.loadRom(this.rom);
    if (this.settings.mode !== undefined) this.ale.setMode(this.settings.mode);
    if (this.settings.difficulty !== undefined) this.ale.setDifficulty(this.settings.difficulty);
  }

  minimalActionSet(): readonly number[] { return this.minimal; }
  legalActionSet(): readonly number[] { return this.legal; }
  reseed(seed: number): void { this.powerOn(seed); }
  resetGame(): void { this.ale.reset(); }
  act(action: number): number { return this.ale.act(action); }
  lives(): number { return this.ale.lives(); }
  terminal(): boolean { return this.ale.terminal(); }
  frameNumber(): number { return this.ale.frameNumber(); }
  episodeFrameNumber(): number { return this.ale.episodeFrameNumber(); }
  cloneState(): Uint8Array { return this.ale.cloneState(true); }
  restoreState(state: Uint8Array): void { this.ale.restoreState(state); }

  /**
   * pp_observe inside the core (max-pool, grayscale, INTER_AREA: bit-identical to the JS oracle
   * in src/env/preprocess.ts), then one copy of the small frame out of wasm memory. The view on
   * that memory is made again only when the memory has grown, so a step allocates nothing.
   */
  observe(out: Uint8Array, width: number, height: number, pool: boolean): void {
    let pp = this.pp;
    if (!pp || pp.dstWidth !== width || pp.dstHeight !== height) pp = this.preprocessorFor(width, height);
    pp.observeAt(this.ale, this.ppOut, pool);
    const mem = this.ale.mod.memory.buffer;
    let v = this.ppView;
    if (!v || v.buffer !== mem) v = this.ppView = new Uint8Array(mem, this.ppOut, width * height);
    out.set(v);
  }

  private preprocessorFor(width: number, height: number): WasmPreprocessor {
    this.releasePreprocessor();
    const mod = this.ale.mod;
    const pp = new WasmPreprocessor(mod, this.width, this.height, width, height);
    this.ppOut = mod.alloc(width * height);
    this.pp = pp;
    return pp;
  }

  private releasePreprocessor(): void {
    if (!this.pp) return;
    this.pp.dispose();
    this.ale.mod.free(this.ppOut);
    this.pp = null;
    this.ppOut = 0;
    this.ppView = null;
  }

  dispose(): void {
    this.releasePreprocessor();
    this.ale.dispose();
  }
}

/** One wasm instance; every emulator created from it shares that instance's memory. */
export async function createAleHost(spec: Extract<EmulatorSpec, { kind: 'ale' }>): Promise<EmulatorHost> {
  if (!(spec.rom instanceof Uint8Array) || spec.rom.length === 0) throw new TypeError('ale emulator spec needs the ROM bytes (Uint8Array)');
  const mod = await ArcadeModule.load(spec.wasm);
  return {
    create: (settings: EmulatorSettings) => new AleEmulator(mod.create(), spec.rom, settings),
    dispose: () => undefined, // the instance goes away with its worker / last reference
  };
}
