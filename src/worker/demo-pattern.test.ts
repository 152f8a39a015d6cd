import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCREEN_BYTES, SCREEN_W, demoPatternIndex } from './demo-pattern';
import { beginFrame, ctrlView, publishFrame, readLatestFrame, type FrameChannel } from './frame-channel';
import { instantiateArcade } from './load-wasm';

const wasmBytes = () => readFileSync(new URL('../../public/arcade.wasm', import.meta.url));

describe('arcade.wasm demo pattern', () => {
  it('instantiates on shared memory and matches the TypeScript twin pixel for pixel', async () => {
    const w = await instantiateArcade(wasmBytes());
    expect(w.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const ptr = w.alloc(SCREEN_BYTES);
    for (const frame of [0, 1, 7, 151, 152, 153, 203, 1000, 0xffffff00]) {
      expect(w.demoPattern(ptr, frame)).toBe(0);
      const px = new Uint8Array(w.memory.buffer, ptr, SCREEN_BYTES);
      let mismatches = 0;
      for (let i = 0; i < SCREEN_BYTES; i++) {
        if (px[i] !== demoPatternIndex(i % SCREEN_W, Math.floor(i / SCREEN_W), frame)) mismatches++;
      }
      expect(mismatches, `frame ${frame}`).toBe(0);
    }
  });

  it('moves: consecutive frames differ', async () => {
    const w = await instantiateArcade(wasmBytes());
    const a = w.alloc(SCREEN_BYTES), b = w.alloc(SCREEN_BYTES);
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(SCREEN_BYTES);
    expect(a % 16 + b % 16).toBe(0);
    w.demoPattern(a, 10);
    w.demoPattern(b, 11);
    const mem = new Uint8Array(w.memory.buffer);
    expect(mem.subarray(a, a + SCREEN_BYTES)).not.toEqual(mem.subarray(b, b + SCREEN_BYTES));
  });

  it('rejects null and out-of-range pointers with an error, not a trap', async () => {
    const w = await instantiateArcade(wasmBytes());
    const raw = w.instance.exports['demo_pattern'] as (p: number, f: number) => number;
    expect(raw(0, 0)).toBe(-1);
    expect(() => w.demoPattern(w.memory.buffer.byteLength - 100, 0)).toThrow(RangeError);
    expect(() => w.demoPattern(0, 0)).toThrow(RangeError);
    expect(() => w.alloc(0)).toThrow(RangeError);
    expect(() => w.alloc(0x7fff0000)).toThrow(RangeError);
  });
});

describe('frame channel', () => {
  const make = (): FrameChannel => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return { memory, ctrlPtr: 0, framePtrs: [16, 16 + 64], width: 8, height: 8 };
  };

  it('returns nothing before the first frame and each new frame once', () => {
    const ch = make();
    const ctrl = ctrlView(ch);
    ctrl.fill(-1);
    expect(readLatestFrame(ch, ctrl, -1, () => {})).toBe(-1);
    const p = beginFrame(ch, ctrl, 0);
    new Uint8Array(ch.memory.buffer, p, 64).fill(7);
    publishFrame(ctrl, 0);
    let seen = -1;
    expect(readLatestFrame(ch, ctrl, -1, (px) => (seen = px[63]!))).toBe(0);
    expect(seen).toBe(7);
    expect(readLatestFrame(ch, ctrl, 0, () => {})).toBe(-1);
  });

  it('reports a torn read when the writer reuses the buffer during the read', () => {
    const ch = make();
    const ctrl = ctrlView(ch);
    ctrl.fill(-1);
    beginFrame(ch, ctrl, 4);
    publishFrame(ctrl, 4);
    // While the reader holds frame 4, the writer finishes 5 and starts 6 (same buffer as 4).
    const got = readLatestFrame(ch, ctrl, -1, () => {
      beginFrame(ch, ctrl, 5);
      publishFrame(ctrl, 5);
      beginFrame(ch, ctrl, 6);
    });
    expect(got).toBe(-1);
    // Frame 5 lives in the other buffer and is safe to read while 6 is drawn.
    expect(readLatestFrame(ch, ctrl, 4, () => {})).toBe(5);
  });
});
