/*
 * A one-writer, many-reader frame channel inside shared wasm memory. The worker renders into
 * one of two buffers and publishes the frame number; the page reads the published buffer in
 * place (no copy, no postMessage per frame) and checks afterwards that the worker has not
 * started overwriting it (a seqlock: the "writing" word says which frame is being drawn).
 *
 * Control block (Int32 words at ctrlPtr):
 *   [0] published: number of the last complete frame, -1 before the first one
 *   [1] writing:   number of the frame being drawn (or last drawn)
 * Frame n lives in framePtrs[n & 1].
 */

export interface FrameChannel {
  /** The wasm instance's memory; its buffer is a SharedArrayBuffer. */
  memory: WebAssembly.Memory;
  ctrlPtr: number;
  framePtrs: readonly [number, number];
  width: number;
  height: number;
}

export const CTRL_PUBLISHED = 0;
export const CTRL_WRITING = 1;
export const CTRL_BYTES = 16;

export function ctrlView(ch: FrameChannel): Int32Array {
  return new Int32Array(ch.memory.buffer, ch.ctrlPtr, CTRL_BYTES / 4);
}

/** Writer side: mark frame n as being drawn; returns the pointer to draw it into. */
export function beginFrame(ch: FrameChannel, ctrl: Int32Array, n: number): number {
  Atomics.store(ctrl, CTRL_WRITING, n);
  return ch.framePtrs[n & 1];
}

/** Writer side: frame n is complete and may be read. */
export function publishFrame(ctrl: Int32Array, n: number): void {
  Atomics.store(ctrl, CTRL_PUBLISHED, n);
}

/**
 * Reader side: hands the latest complete frame (a view into shared memory, valid only during
 * the callback) to `use`. Returns the frame number, or -1 when there is no new frame since
 * `after` or the frame was overwritten while `use` read it (the caller tries again later).
 */
export function readLatestFrame(
  ch: FrameChannel,
  ctrl: Int32Array,
  after: number,
  use: (pixels: Uint8Array, frame: number) => void,
): number {
  const n = Atomics.load(ctrl, CTRL_PUBLISHED);
  if (n < 0 || n === after) return -1;
  const pixels = new Uint8Array(ch.memory.buffer, ch.framePtrs[n & 1], ch.width * ch.height);
  use(pixels, n);
  // The writer only returns to buffer n&1 when it starts frame n+2.
  const writing = Atomics.load(ctrl, CTRL_WRITING);
  return writing - n >= 2 ? -1 : n;
}
