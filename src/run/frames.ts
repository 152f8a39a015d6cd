/**
 * Live frames from the learner worker to the page through one SharedArrayBuffer of slots (layout
 * in types.ts, FrameSource): slot 0 is the view slot (the big live view), slot 1 + i is env i's
 * own slot in vectorized mode. One writer (the worker), any number of readers; each slot is its
 * own seqlock instead of a lock so the training loop never waits for the page.
 */
import { FRAME_ENV_SLOTS, FRAME_HEADER_BYTES, FRAME_MAX_PIXELS, FRAME_SLOT_BYTES } from './types';

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

/** Slots a frame buffer holds (0 when it is too small for even the view slot). */
export function frameSlotCount(buffer: SharedArrayBuffer | ArrayBuffer): number {
  return Math.floor(buffer.byteLength / FRAME_SLOT_BYTES);
}

export class FrameWriter {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** View slot + env slots. */
  readonly slots: number;
  // One header and one pixel view per slot, made once: write() runs in the training loop and
  // must not allocate.
  private readonly heads: Int32Array[] = [];
  private readonly pixels: Uint8Array[] = [];
  /** Frames published (all slots). */
  count = 0;

  /** envSlots: env slots after the view slot (the buffer is sized once; the page keeps it for the run's life). */
  constructor(envSlots = FRAME_ENV_SLOTS) {
    if (!Number.isInteger(envSlots) || envSlots < 0 || envSlots > 4096) throw new RangeError(`envSlots must be an integer in [0, 4096], got ${String(envSlots)}`);
    this.slots = 1 + envSlots;
    this.buffer = makeShared(this.slots * FRAME_SLOT_BYTES);
    for (let k = 0; k < this.slots; k++) {
      const at = k * FRAME_SLOT_BYTES;
      this.heads.push(new Int32Array(this.buffer, at, FRAME_HEADER_BYTES / 4));
      this.pixels.push(new Uint8Array(this.buffer, at + FRAME_HEADER_BYTES, FRAME_MAX_PIXELS));
    }
  }

  /** Publishes into the view slot (slot 0); kept for callers of the one-slot writer. */
  write(env: number, width: number, height: number, kind: number, agentStep: number, src: Uint8Array): void {
    this.writeSlot(0, env, width, height, kind, agentStep, src);
  }

  /** Publishes `src[0 .. width*height)` as env `env`'s frame into slot `slot`. */
  writeSlot(slot: number, env: number, width: number, height: number, kind: number, agentStep: number, src: Uint8Array): void {
    const h = this.heads[slot];
    if (h === undefined) throw new RangeError(`frame slot ${String(slot)} is outside [0, ${this.slots - 1}]`);
    const n = width * height;
    if (!(width > 0 && height > 0) || n > FRAME_MAX_PIXELS || src.length < n) throw new RangeError(`frame ${width}x${height} does not fit (${src.length} bytes given)`);
    const s = Atomics.load(h, H_SEQ);
    Atomics.store(h, H_SEQ, (s + 1) | 0); // odd: being written
    h[H_ENV] = env;
    h[H_W] = width;
    h[H_H] = height;
    h[H_KIND] = kind;
    h[H_STEP] = agentStep & 0x7fffffff;
    this.pixels[slot]!.set(src.length === n ? src : src.subarray(0, n));
    Atomics.store(h, H_SEQ, (s + 2) | 0); // even: stable
    this.count++;
  }

  /** Marks slot `slot` empty (stable, width 0): its env is gone, readers draw nothing from it. */
  clear(slot: number): void {
    const h = this.heads[slot];
    if (h === undefined) throw new RangeError(`frame slot ${String(slot)} is outside [0, ${this.slots - 1}]`);
    const s = Atomics.load(h, H_SEQ);
    if (s === 0) return; // never written: already empty
    Atomics.store(h, H_SEQ, (s + 1) | 0);
    h[H_ENV] = -1;
    h[H_W] = 0;
    h[H_H] = 0;
    Atomics.store(h, H_SEQ, (s + 2) | 0);
  }

  /** Empties every env slot (a mode switch: the old envs' frames must not show as the new ones'). */
  clearEnvSlots(): void {
    for (let k = 1; k < this.slots; k++) this.clear(k);
  }
}

export interface FrameRead {
  seq: number;
  /** The slot it was read from. */
  slot: number;
  env: number;
  width: number;
  height: number;
  kind: number;
  agentStep: number;
}

/**
 * Reader side: calls `use` with a view of slot `slot`'s pixels (valid only during the call) when
 * it holds a stable frame newer than `afterSeq`; returns its header, or null (nothing new, an
 * empty or missing slot, or the frame was overwritten while being read: try again on the next
 * animation frame). `use` may run on a frame that then turns out torn; only a non-null return
 * vouches for what it saw.
 */
export function readFrame(buffer: SharedArrayBuffer | ArrayBuffer, afterSeq: number, use: (pixels: Uint8Array, f: FrameRead) => void, slot = 0): FrameRead | null {
  if (!Number.isInteger(slot) || slot < 0 || slot >= frameSlotCount(buffer)) return null;
  const at = slot * FRAME_SLOT_BYTES;
  const h = new Int32Array(buffer, at, FRAME_HEADER_BYTES / 4);
  const s1 = Atomics.load(h, H_SEQ);
  if (s1 === 0 || s1 & 1 || s1 === afterSeq) return null;
  const f: FrameRead = { seq: s1, slot, env: h[H_ENV]!, width: h[H_W]!, height: h[H_H]!, kind: h[H_KIND]!, agentStep: h[H_STEP]! };
  const n = f.width * f.height;
  if (!(f.width > 0 && f.height > 0) || n > FRAME_MAX_PIXELS) return null; // empty slot (or a header torn mid-write)
  use(new Uint8Array(buffer, at + FRAME_HEADER_BYTES, n), f);
  return Atomics.load(h, H_SEQ) === s1 ? f : null;
}
