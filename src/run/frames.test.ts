/**
 * The multi-slot frame buffer (src/run/frames.ts, layout in types.ts FrameSource): the view slot
 * and one slot per env, each its own seqlock, read back by readFrame(); and WorkerVecEnv's
 * publishFrame routing every env's observation to its own slot.
 */
import { describe, expect, it } from 'vitest';
import type { VecEnv } from '../env/vec-env';
import { WorkerVecEnv } from './envs';
import { FrameWriter, frameSlotCount, readFrame, type FrameRead } from './frames';
import { FRAME_ENV_SLOTS, FRAME_HEADER_BYTES, FRAME_KIND_GRAY, FRAME_KIND_PALETTE, FRAME_MAX_PIXELS, FRAME_SLOT_BYTES, frameEnvSlot } from './types';

function filled(n: number, v: (i: number) => number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = v(i) & 0xff;
  return a;
}

/** Reads slot `slot` and returns its header and a copy of its pixels (null when readFrame says none). */
function grab(buf: SharedArrayBuffer | ArrayBuffer, slot: number, after = 0): { f: FrameRead; px: Uint8Array } | null {
  let px = new Uint8Array(0);
  const f = readFrame(buf, after, (p) => { px = p.slice(); }, slot);
  return f ? { f, px } : null;
}

describe('FrameWriter / readFrame: one seqlock slot per env', () => {
  it('sizes the buffer as the view slot plus FRAME_ENV_SLOTS env slots of FRAME_SLOT_BYTES each', () => {
    const w = new FrameWriter();
    expect(w.slots).toBe(1 + FRAME_ENV_SLOTS);
    expect(w.buffer.byteLength).toBe((1 + FRAME_ENV_SLOTS) * FRAME_SLOT_BYTES);
    expect(frameSlotCount(w.buffer)).toBe(1 + FRAME_ENV_SLOTS);
    expect(FRAME_SLOT_BYTES % 4).toBe(0); // every slot's Int32 header stays aligned
    expect(new FrameWriter(3).slots).toBe(4);
    expect(() => new FrameWriter(-1)).toThrow(RangeError);
    expect(frameEnvSlot(0)).toBe(1);
    expect(frameEnvSlot(63)).toBe(64);
  });

  it('a slot that was never written reads as nothing', () => {
    const w = new FrameWriter(4);
    for (let k = 0; k < w.slots; k++) expect(readFrame(w.buffer, -1, () => { throw new Error('no frame to use'); }, k)).toBeNull();
  });

  it('write() and readFrame() without a slot still mean the view slot (slot 0, at byte 0)', () => {
    const w = new FrameWriter(2);
    const screen = filled(160 * 210, (i) => i % 128);
    w.write(-1, 160, 210, FRAME_KIND_PALETTE, 1234, screen);
    const g = grab(w.buffer, 0)!;
    expect(g.f).toEqual({ seq: 2, slot: 0, env: -1, width: 160, height: 210, kind: FRAME_KIND_PALETTE, agentStep: 1234 });
    expect(g.px).toEqual(screen);
    // Default slot argument = 0; the old one-slot layout (header at byte 0) still holds.
    expect(readFrame(w.buffer, 0, () => undefined)?.env).toBe(-1);
    expect(new Int32Array(w.buffer, 0, 8)[2]).toBe(160);
    for (let k = 1; k < w.slots; k++) expect(grab(w.buffer, k)).toBeNull();
  });

  it('each env slot keeps its own frame: writing one slot leaves every other slot as it was', () => {
    const w = new FrameWriter(8);
    const n = 84 * 84;
    const frames = Array.from({ length: 8 }, (_, e) => filled(n, (i) => (i * 7 + e * 31 + 1)));
    for (let e = 0; e < 8; e++) w.writeSlot(frameEnvSlot(e), e, 84, 84, FRAME_KIND_GRAY, 100 + e, frames[e]!);
    const before = Array.from({ length: 8 }, (_, e) => grab(w.buffer, frameEnvSlot(e))!);
    for (let e = 0; e < 8; e++) {
      expect(before[e]!.f).toMatchObject({ slot: e + 1, env: e, width: 84, height: 84, kind: FRAME_KIND_GRAY, agentStep: 100 + e, seq: 2 });
      expect(before[e]!.px).toEqual(frames[e]);
    }
    // Fails if two slots share storage: rewrite slot of env 3 with all-different pixels.
    const other = filled(n, (i) => 255 - ((i * 7 + 3 * 31 + 1) & 0xff));
    w.writeSlot(frameEnvSlot(3), 3, 84, 84, FRAME_KIND_GRAY, 999, other);
    for (let e = 0; e < 8; e++) {
      const g = grab(w.buffer, frameEnvSlot(e))!;
      if (e === 3) {
        expect(g.f).toMatchObject({ seq: 4, agentStep: 999 });
        expect(g.px).toEqual(other);
      } else {
        expect(g.f).toEqual(before[e]!.f);
        expect(g.px).toEqual(frames[e]);
      }
    }
    expect(grab(w.buffer, 0)).toBeNull(); // the view slot was not touched
    // The pixel views readFrame hands out never overlap between slots.
    const ranges: Array<[number, number]> = [];
    for (let k = 1; k <= 8; k++) readFrame(w.buffer, 0, (p) => { ranges.push([p.byteOffset, p.byteOffset + p.byteLength]); }, k);
    for (let a = 0; a < ranges.length; a++) {
      for (let b = a + 1; b < ranges.length; b++) expect(ranges[a]![1] <= ranges[b]![0] || ranges[b]![1] <= ranges[a]![0]).toBe(true);
      expect(ranges[a]![0]).toBe((a + 1) * FRAME_SLOT_BYTES + FRAME_HEADER_BYTES);
    }
  });

  it('keeps the torn-read protection per slot: a frame being written or overwritten mid-read is refused', () => {
    const w = new FrameWriter(2);
    const slot = frameEnvSlot(1);
    w.writeSlot(slot, 1, 84, 84, FRAME_KIND_GRAY, 1, filled(84 * 84, () => 10));
    // Overwritten while `use` runs: the read must not vouch for what it saw.
    let used = 0;
    const torn = readFrame(w.buffer, 0, () => { used++; w.writeSlot(slot, 1, 84, 84, FRAME_KIND_GRAY, 2, filled(84 * 84, () => 20)); }, slot);
    expect(used).toBe(1);
    expect(torn).toBeNull();
    // A write to ANOTHER slot during the read does not tear this one.
    const ok = readFrame(w.buffer, 0, () => { w.writeSlot(frameEnvSlot(0), 0, 84, 84, FRAME_KIND_GRAY, 3, filled(84 * 84, () => 30)); }, slot);
    expect(ok).toMatchObject({ env: 1, agentStep: 2 });
    // Odd sequence number = a writer is in the middle: nothing to read.
    const h = new Int32Array(w.buffer, slot * FRAME_SLOT_BYTES, 8);
    const seq = Atomics.load(h, 0);
    Atomics.store(h, 0, seq + 1);
    expect(readFrame(w.buffer, 0, () => undefined, slot)).toBeNull();
    Atomics.store(h, 0, seq);
    // Already seen (afterSeq) -> nothing new; a later write -> new.
    expect(readFrame(w.buffer, seq, () => undefined, slot)).toBeNull();
    w.writeSlot(slot, 1, 84, 84, FRAME_KIND_GRAY, 4, filled(84 * 84, () => 40));
    expect(grab(w.buffer, slot, seq)?.f.agentStep).toBe(4);
  });

  it('clearEnvSlots empties the env slots (a mode switch) and leaves the view slot', () => {
    const w = new FrameWriter(3);
    w.write(0, 84, 84, FRAME_KIND_GRAY, 5, filled(84 * 84, () => 1));
    for (let e = 0; e < 2; e++) w.writeSlot(frameEnvSlot(e), e, 84, 84, FRAME_KIND_GRAY, 5, filled(84 * 84, () => 2 + e));
    w.clearEnvSlots();
    expect(grab(w.buffer, 0)?.f.env).toBe(0);
    for (let k = 1; k < w.slots; k++) expect(grab(w.buffer, k, -1)).toBeNull();
    // A cleared slot fills again with the next write.
    w.writeSlot(frameEnvSlot(1), 1, 84, 84, FRAME_KIND_GRAY, 6, filled(84 * 84, () => 9));
    expect(grab(w.buffer, frameEnvSlot(1))?.f).toMatchObject({ env: 1, agentStep: 6 });
  });

  it('refuses bad slots and frames that do not fit with a clear error; readers of a missing slot get nothing', () => {
    const w = new FrameWriter(2);
    const px = filled(84 * 84, () => 0);
    expect(() => w.writeSlot(3, 0, 84, 84, FRAME_KIND_GRAY, 0, px)).toThrow(/slot 3 is outside \[0, 2\]/);
    expect(() => w.writeSlot(-1, 0, 84, 84, FRAME_KIND_GRAY, 0, px)).toThrow(RangeError);
    expect(() => w.writeSlot(1, 0, 85, 84, FRAME_KIND_GRAY, 0, px)).toThrow(/does not fit/);
    expect(() => w.writeSlot(1, 0, 200, 250, FRAME_KIND_GRAY, 0, new Uint8Array(200 * 250))).toThrow(/does not fit/);
    expect(200 * 250).toBeGreaterThan(FRAME_MAX_PIXELS);
    expect(() => w.clear(7)).toThrow(RangeError);
    expect(readFrame(w.buffer, 0, () => undefined, 3)).toBeNull();
    expect(readFrame(w.buffer, 0, () => undefined, 1.5)).toBeNull();
  });
});

describe('WorkerVecEnv.publishFrame: every env into its own slot', () => {
  /** WorkerVecEnv around a stand-in VecEnv (only what its constructor reads); obs set by hand. */
  function vecEnv(numEnvs: number, h = 84, w = 84): WorkerVecEnv {
    const fake = { numEnvs, numActions: 4, observationShape: [h, w], obsSize: h * w } as unknown as VecEnv;
    const Ctor = WorkerVecEnv as unknown as new (v: VecEnv, frameSkip: number) => WorkerVecEnv;
    const env = new Ctor(fake, 4);
    for (let e = 0; e < numEnvs; e++) env.obs.fill(17 + e * 3, e * h * w, (e + 1) * h * w);
    return env;
  }

  it('publishes env i to slot 1 + i and the chosen env to the view slot', () => {
    const env = vecEnv(4);
    const w = new FrameWriter();
    env.publishFrame(w, 2, 777);
    expect(grab(w.buffer, 0)?.f).toMatchObject({ env: 2, width: 84, height: 84, kind: FRAME_KIND_GRAY, agentStep: 777 });
    expect(grab(w.buffer, 0)!.px.every((v) => v === 17 + 2 * 3)).toBe(true);
    for (let e = 0; e < 4; e++) {
      const g = grab(w.buffer, frameEnvSlot(e))!;
      expect(g.f).toMatchObject({ env: e, slot: e + 1, agentStep: 777 });
      expect(g.px.length).toBe(84 * 84);
      expect(g.px.every((v) => v === 17 + e * 3)).toBe(true);
    }
    expect(grab(w.buffer, frameEnvSlot(4))).toBeNull(); // no env 4
    // The observation moves on: every slot follows on the next publish.
    env.obs.fill(200, 84 * 84, 2 * 84 * 84);
    env.publishFrame(w, 0, 778);
    expect(grab(w.buffer, frameEnvSlot(1))!.px.every((v) => v === 200)).toBe(true);
    expect(grab(w.buffer, 0)?.f.env).toBe(0);
  });

  it('more envs than env slots: the slots fill, the rest only reach the view slot', () => {
    const env = vecEnv(5);
    const w = new FrameWriter(3);
    env.publishFrame(w, 4, 1);
    expect(grab(w.buffer, 0)?.f.env).toBe(4);
    for (let e = 0; e < 3; e++) expect(grab(w.buffer, frameEnvSlot(e))?.f.env).toBe(e);
    expect(w.count).toBe(4);
  });
});
