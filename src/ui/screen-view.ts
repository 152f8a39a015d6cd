/*
 * Draws frames from the shared-memory frame channel onto a canvas: palette indices are read
 * in place from wasm memory and expanded to RGBA through a 256-entry lookup table.
 */
import { ctrlView, readLatestFrame, type FrameChannel } from '../worker/frame-channel';
import { buildRgbaLut } from './palette';

export class ScreenView {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly image: ImageData;
  private readonly rgba: Uint32Array;
  private readonly lut = buildRgbaLut();
  private readonly ctrl: Int32Array;
  private lastFrame = -1;
  private raf = 0;
  /** Frames actually drawn (torn or repeated frames are skipped). */
  drawn = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly channel: FrameChannel,
    private readonly onDraw?: (frame: number, drawn: number) => void,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('canvas 2d context is unavailable');
    canvas.width = channel.width;
    canvas.height = channel.height;
    this.ctx = ctx;
    this.image = ctx.createImageData(channel.width, channel.height);
    this.rgba = new Uint32Array(this.image.data.buffer);
    this.ctrl = ctrlView(channel);
  }

  start(): void {
    const tick = () => {
      this.drawLatest();
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
  }

  /** Draws the newest complete frame if there is one; returns its number or -1. */
  drawLatest(): number {
    const { rgba, lut } = this;
    const n = readLatestFrame(this.channel, this.ctrl, this.lastFrame, (px) => {
      for (let i = 0; i < px.length; i++) rgba[i] = lut[px[i]!]!;
    });
    if (n < 0) return -1;
    this.ctx.putImageData(this.image, 0, 0);
    this.lastFrame = n;
    this.drawn++;
    // Tests read this to know which frame the canvas holds.
    this.canvas.dataset['frame'] = String(n);
    this.onDraw?.(n, this.drawn);
    return n;
  }
}
