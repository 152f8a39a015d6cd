/**
 * Live frames from the learner worker to the page through one SharedArrayBuffer (layout in
 * types.ts, FrameSource). One writer (the worker), any number of readers; a seqlock instead of
 * a lock so the training loop never waits for the page.
 */
import { FRAME_HEADER_BYTES, FRAME_MAX_PIXELS } from './types';

const H_SEQ = 0;
const H_ENV = 1;
const H_W = 2;
const H_H = 3;
const H_KIND = 4;
const H_STEP = 5;

function makeShared(bytes: number): SharedArrayBuffer | ArrayBuffer {
  // Without cross-origin isolation there is no SharedArrayBuffer; a plain buffer keeps the
  // writer working (the page then simply cannot see it, and says so).
  return typeof SharedArrayBuffer !== 'undefined' ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

export class FrameWriter {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  private readonly head: Int32Array;
  private readonly pixels: Uint8Array;
  /** Frames published. */
  count = 0;

  constructor() {
    this.buffer = makeShared(FRAME_HEADER_BYTES + FRAME_MAX_PIXELS);
    this.head = new Int32Array(this.buffer, 0, FRAME_HEADER_BYTES / 4);
    this.pixels = new Uint8Array(this.buffer, FRAME_HEADER_BYTES, FRAME_MAX_PIXELS);
  }

  write(env: number, width: number, height: number, kind: number, agentStep: number, src: Uint8Array): void {
    const n = width * height;
    if (n > FRAME_MAX_PIXELS || src.length < n) throw new RangeError(`frame ${width}x${height} does not fit (${src.length} bytes given)`);
    const h = this.head;
    const s = Atomics.load(h, H_SEQ);
    Atomics.store(h, H_SEQ, (s + 1) | 0); // odd: being written
    h[H_ENV] = env;
    h[H_W] = width;
    h[H_H] = height;
    h[H_KIND] = kind;
    h[H_STEP] = agentStep & 0x7fffffff;
    this.pixels.set(src.subarray(0, n));
    Atomics.store(h, H_SEQ, (s + 2) | 0); // even: stable
    this.count++;
  }
}

export interface FrameRead {
  seq: number;
  env: number;
  width: number;
  height: number;
  kind: number;
  agentStep: number;
}

/**
 * Reader side: calls `use` with a view of the pixels (valid only during the call) when there is
 * a stable frame newer than `afterSeq`; returns its header, or null (nothing new, or the frame
 * was overwritten while being read: try again on the next animation frame).
 */
export function readFrame(buffer: SharedArrayBuffer | ArrayBuffer, afterSeq: number, use: (pixels: Uint8Array, f: FrameRead) => void): FrameRead | null {
  const h = new Int32Array(buffer, 0, FRAME_HEADER_BYTES / 4);
  const s1 = Atomics.load(h, H_SEQ);
  if (s1 === 0 || s1 & 1 || s1 === afterSeq) return null;
  const f: FrameRead = { seq: s1, env: h[H_ENV], width: h[H_W], height: h[H_H], kind: h[H_KIND], agentStep: h[H_STEP] };
  use(new Uint8Array(buffer, FRAME_HEADER_BYTES, f.width * f.height), f);
  return Atomics.load(h, H_SEQ) === s1 ? f : null;
}
