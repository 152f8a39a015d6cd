/// <reference lib="webworker" />
/*
 * Emulator worker (skeleton): owns the wasm instance, renders the demo test pattern into
 * shared wasm memory at a steady rate and exposes control through comlink. The page reads
 * frames straight out of the shared memory (see frame-channel.ts).
 */
import * as Comlink from 'comlink';
import { SCREEN_BYTES, SCREEN_H, SCREEN_W } from './demo-pattern';
import { CTRL_BYTES, beginFrame, ctrlView, publishFrame, type FrameChannel } from './frame-channel';
import { loadArcadeWasm, type ArcadeWasm } from './load-wasm';

let wasm: ArcadeWasm | null = null;
let channel: FrameChannel | null = null;
let ctrl: Int32Array | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
let frame = 0;

function renderNext(): void {
  if (!wasm || !channel || !ctrl) return;
  const ptr = beginFrame(channel, ctrl, frame);
  const rc = wasm.demoPattern(ptr, frame);
  if (rc !== 0) throw new Error(`demo_pattern failed with ${rc}`);
  publishFrame(ctrl, frame);
  frame++;
}

const api = {
  /** Loads the wasm module from `wasmUrl` and lays out the frame channel. Idempotent. */
  async init(wasmUrl: string): Promise<FrameChannel> {
    if (channel) return channel;
    wasm = await loadArcadeWasm(wasmUrl);
    // The control block and both frames live in wasm memory, taken from the module's heap.
    const ctrlPtr = wasm.alloc(CTRL_BYTES);
    const framePtrs: [number, number] = [wasm.alloc(SCREEN_BYTES), wasm.alloc(SCREEN_BYTES)];
    channel = { memory: wasm.memory, ctrlPtr, framePtrs, width: SCREEN_W, height: SCREEN_H };
    ctrl = ctrlView(channel);
    ctrl.fill(-1);
    return channel;
  },
  /** Starts producing frames at about `fps` per second. */
  start(fps = 60): void {
    if (!channel) throw new Error('init() must be called before start()');
    if (!(fps > 0 && fps <= 1000)) throw new RangeError(`fps must be in (0, 1000], got ${fps}`);
    api.stop();
    renderNext();
    timer = setInterval(renderNext, 1000 / fps);
  },
  stop(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  },
  /** Number of frames produced so far. */
  framesProduced(): number {
    return frame;
  },
};

export type EmuWorkerApi = typeof api;
Comlink.expose(api);
