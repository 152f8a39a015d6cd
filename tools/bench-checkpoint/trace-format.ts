/**
 * The cached Pong trace file of pong-frames.ts, parsed without Node APIs (the Chromium bench
 * fetches the same file): first frame | N frames | N actions | N f32 rewards | N done flags.
 */
export interface PongTrace {
  n: number;
  frameBytes: number;
  first: Uint8Array;
  frames: Uint8Array;
  actions: Uint8Array;
  rewards: Float32Array;
  dones: Uint8Array;
}

export const TRACE_FRAME_BYTES = 84 * 84;

export function traceBytes(n: number): number {
  return TRACE_FRAME_BYTES * (n + 1) + n * 6;
}

export function parseTrace(b: Uint8Array, n: number): PongTrace {
  if (b.length !== traceBytes(n)) throw new Error(`trace has ${b.length} bytes, expected ${traceBytes(n)} for ${n} steps`);
  const fb = TRACE_FRAME_BYTES;
  let o = 0;
  const take = (k: number) => b.subarray(o, (o += k));
  const first = take(fb), frames = take(fb * n), actions = take(n);
  const rewards = new Float32Array(take(4 * n).slice().buffer), dones = take(n);
  return { n, frameBytes: fb, first, frames, actions, rewards, dones };
}

export function serializeTrace(t: PongTrace): Uint8Array {
  const out = new Uint8Array(traceBytes(t.n));
  let o = 0;
  for (const part of [t.first, t.frames, t.actions, new Uint8Array(t.rewards.buffer, t.rewards.byteOffset, t.rewards.byteLength), t.dones]) { out.set(part, o); o += part.length; }
  return out;
}
