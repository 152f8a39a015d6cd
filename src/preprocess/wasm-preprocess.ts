/**
 * TypeScript side of the wasm preprocessing unit (wasm/src/preprocess.c, exports in
 * api_preprocess.c): grayscale -> max-pool of the last two frames -> OpenCV INTER_AREA resize,
 * computed inside the core and written to a caller-chosen place in wasm memory (e.g. a slot of a
 * SharedArrayBuffer-backed memory that the learner reads). Frames are stacked by the agent.
 *
 * One WasmPreprocessor = one Preproc context in the wasm heap for a fixed geometry; it does not
 * allocate per call. Results are bit-identical to src/env/preprocess.ts (AreaResizer + maxPool).
 */
import type { Ale, ArcadeModule } from '../ale/arcade';

/** The preprocessing exports of arcade.wasm. */
export interface PreprocessExports {
  pp_sizeof(): number;
  pp_init(ctx: number, srcW: number, srcH: number, dstW: number, dstH: number): number;
  pp_resize_gray(ctx: number, a: number, b: number, dst: number): number;
  pp_resize_indices(ctx: number, a: number, b: number, pal: number, dst: number): number;
  pp_observe(ctx: number, ale: number, maxpool: number, dst: number): number;
}

const PP_ERRORS: Record<number, string> = {
  [-1]: 'bad argument (null pointer or unusable context)',
  [-2]: 'size out of range (source <= 320, destination <= 256, none zero)',
  [-3]: 'geometry not supported (upscaling, or context set up for another screen height)',
  [-5]: 'no ROM loaded',
};

export class PreprocessError extends Error {
  constructor(readonly code: number, what: string) {
    super(`${what}: ${PP_ERRORS[code] ?? `error ${code}`}`);
    this.name = 'PreprocessError';
  }
}

export function preprocessExports(mod: ArcadeModule): PreprocessExports {
  const x = mod.instance.exports as unknown as Partial<PreprocessExports>;
  if (typeof x.pp_init !== 'function') throw new Error('this arcade.wasm has no preprocessing exports (rebuild: make -C wasm wasm)');
  return x as PreprocessExports;
}

export class WasmPreprocessor {
  readonly ctx: number;
  readonly frameBytes: number;
  private readonly x: PreprocessExports;
  private disposed = false;

  constructor(
    readonly mod: ArcadeModule,
    readonly srcWidth = 160,
    readonly srcHeight = 210,
    readonly dstWidth = 84,
    readonly dstHeight = 84,
  ) {
    this.x = preprocessExports(mod);
    this.ctx = mod.alloc(this.x.pp_sizeof());
    const rc = this.x.pp_init(this.ctx, srcWidth, srcHeight, dstWidth, dstHeight);
    if (rc < 0) {
      mod.free(this.ctx);
      throw new PreprocessError(rc, `preprocessor ${srcWidth}x${srcHeight} -> ${dstWidth}x${dstHeight}`);
    }
    this.frameBytes = dstWidth * dstHeight;
  }

  private check(rc: number, what: string): void {
    if (rc < 0) throw new PreprocessError(rc, what);
  }

  private live(): PreprocessExports {
    if (this.disposed) throw new Error('preprocessor used after dispose()');
    return this.x;
  }

  /** max(a, b) (or a alone when b = 0) of grayscale images at wasm addresses, resized into dst. */
  resizeGrayAt(a: number, b: number, dst: number): void {
    this.check(this.live().pp_resize_gray(this.ctx, a, b, dst), 'resizeGray');
  }

  /** Same from palette indices (gray per frame, then max), pal: NTSC false, PAL true. */
  resizeIndicesAt(a: number, b: number, pal: boolean, dst: number): void {
    this.check(this.live().pp_resize_indices(this.ctx, a, b, pal ? 1 : 0, dst), 'resizeIndices');
  }

  /** The emulator's screen (max-pooled with the previous frame) into wasm memory at dst. */
  observeAt(ale: Ale, dst: number, maxpool = true): void {
    this.check(this.live().pp_observe(this.ctx, ale.ptr, maxpool ? 1 : 0, dst), 'observe');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mod.free(this.ctx);
  }
}
