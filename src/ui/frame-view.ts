/*
 * Canvas views of an Atari screen. Two sources:
 *  - one slot of a run's shared frame buffer (a seqlock per slot, src/run/types.ts FrameSource),
 *    polled once per animation frame and drawn only when its sequence number moved;
 *  - pixels handed in directly (Play mode's emulator on this page).
 * Palette frames are the ALE screen (TIA colour bytes, bit 0 ignored) mapped through the NTSC
 * lookup table; grayscale frames (vectorized envs publish their 84x84 observation) are drawn
 * as gray. The canvas keeps the source resolution and CSS scales it with image-rendering:
 * pixelated; a 160-wide screen is shown twice as wide per pixel as tall (the Atari's wide
 * pixels), an 84x84 observation square.
 */
import { FRAME_HEADER_BYTES, FRAME_KIND_GRAY, FRAME_MAX_PIXELS, FRAME_SLOT_BYTES, FRAME_VIEW_SLOT } from '../run/types';
import { buildRgbaLut } from './palette';

export { FRAME_HEADER_BYTES, FRAME_KIND_GRAY, FRAME_KIND_PALETTE } from '../run/types';

const LUT = buildRgbaLut();
const GRAY_LUT = (() => {
  const lut = new Uint32Array(256);
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  for (let v = 0; v < 256; v++) lut[v] = le ? ((0xff << 24) | (v << 16) | (v << 8) | v) >>> 0 : ((v << 24) | (v << 16) | (v << 8) | 0xff) >>> 0;
  return lut;
})();

export class FrameCanvas {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private rgba: Uint32Array | null = null;
  private kind = -1;
  /** Frames drawn so far (tests and the stats line read it). */
  drawn = 0;

  constructor(label: string, readonly scale = 2, className = 'screen') {
    this.canvas = document.createElement('canvas');
    this.canvas.className = className;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', label);
    this.canvas.width = 160;
    this.canvas.height = 210;
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2d context is unavailable');
    this.ctx = ctx;
    this.fit(160, 210);
  }

  /** Sets the canvas to w x h source pixels and its CSS size to the right aspect. */
  private fit(w: number, h: number): void {
    // The image's own size decides, not the canvas's: a caller may have sized the canvas first.
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.image = this.ctx.createImageData(w, h);
      this.rgba = new Uint32Array(this.image.data.buffer);
    }
    // Atari screen pixels are about twice as wide as tall; 84x84 observations are square.
    const pxW = w === 160 ? 2 : 1;
    this.canvas.style.aspectRatio = `${w * pxW} / ${h}`;
  }

  draw(pixels: Uint8Array, w: number, h: number, kind: number, tag?: string): void {
    this.fit(w, h);
    const lut = kind === FRAME_KIND_GRAY ? GRAY_LUT : LUT;
    const rgba = this.rgba!;
    const n = Math.min(rgba.length, pixels.length);
    for (let i = 0; i < n; i++) rgba[i] = lut[pixels[i]!]!;
    this.ctx.putImageData(this.image!, 0, 0);
    this.kind = kind;
    this.drawn++;
    this.canvas.dataset['drawn'] = String(this.drawn);
    this.canvas.dataset['kind'] = kind === FRAME_KIND_GRAY ? 'gray' : 'palette';
    if (tag !== undefined) this.canvas.dataset['tag'] = tag;
  }

  get frameKind(): number {
    return this.kind;
  }
}

/**
 * Reads one slot of a run's frame buffer (seqlock; layout in src/run/types.ts FrameSource): slot
 * 0 for the big live view, frameEnvSlot(i) for env i's small view. With `env` given, a frame
 * that names another env is not drawn, so a view never shows a frame that is not its env's.
 */
export class SharedFrameReader {
  private readonly header: Int32Array | null;
  private readonly bytes: Uint8Array | null;
  private lastSeq = -1;
  private scratch = new Uint8Array(0);

  constructor(buffer: SharedArrayBuffer, readonly slot = FRAME_VIEW_SLOT, readonly env?: number) {
    // A slot past the end of the buffer (an older, smaller writer) reads as forever empty.
    const at = slot * FRAME_SLOT_BYTES;
    const fits = Number.isInteger(slot) && slot >= 0 && at + FRAME_SLOT_BYTES <= buffer.byteLength;
    this.header = fits ? new Int32Array(buffer, at, FRAME_HEADER_BYTES / 4) : null;
    this.bytes = fits ? new Uint8Array(buffer, at + FRAME_HEADER_BYTES, FRAME_MAX_PIXELS) : null;
  }

  /** Draws the slot's newest stable frame onto `view` if it changed; returns true when drawn. */
  drawInto(view: FrameCanvas): boolean {
    const h = this.header;
    if (!h) return false;
    const s1 = Atomics.load(h, 0);
    if (s1 & 1 || s1 === this.lastSeq || s1 === 0) return false;
    const w = h[2]!, ht = h[3]!, kind = h[4]!, env = h[1]!, step = h[5]!;
    const n = w * ht;
    if (w <= 0 || ht <= 0 || n > FRAME_MAX_PIXELS) return false; // empty slot (or a torn header: retried next time)
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    const px = this.scratch.subarray(0, n);
    px.set(this.bytes!.subarray(0, n));
    if (Atomics.load(h, 0) !== s1) return false; // torn: the next animation frame gets a whole one
    this.lastSeq = s1;
    if (this.env !== undefined && env !== this.env) return false; // another env's frame: not ours to show
    view.draw(px, w, ht, kind, `env ${env} step ${step}`);
    view.canvas.dataset['env'] = String(env);
    return true;
  }
}
