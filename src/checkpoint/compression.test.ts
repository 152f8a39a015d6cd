/**
 * Compressed checkpoints (container version 2, blob-codec.ts): the codec itself, and that old
 * checkpoints (raw blobs: IndexedDB written before compression, version-1 files) still load.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { decodeBlob, encodeBlob, encodingFor, xorSparseDecode, xorSparseEncode } from './blob-codec';
import { exportCheckpoint, importCheckpoint } from './container';
import { CheckpointError } from './errors';
import { sha256 } from './hash';
import { restoreAgent, saveAgent } from './restore';
import { CheckpointStore, rawBytesOf } from './store';
import { freshStore, makeAgent, quickConfig, runConfig, snapshot, stepTo } from './test-helpers';

vi.setConfig({ testTimeout: 180_000 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const stores: CheckpointStore[] = [];
const agents: DQNAgent[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const a of agents.splice(0)) a.dispose();
});

/** Frames like a replay's: a static background, a few moving pixels per frame. */
function framesLike(count: number, fb: number): Uint8Array {
  const out = new Uint8Array(count * fb);
  for (let f = 0; f < count; f++) {
    out.fill(87, f * fb, (f + 1) * fb);
    for (let j = 0; j < 5; j++) out[f * fb + ((f * 7 + j * 13) % fb)] = 236;
  }
  return out;
}

describe('blob codec', () => {
  it('xor-sparse32 round-trips and keeps only changed words', () => {
    const fb = 84 * 84;
    const raw = framesLike(50, fb);
    const enc = xorSparseEncode(raw, fb).slice();
    expect(enc.length).toBeLessThan(raw.length / 10); // the first frame (vs zeros) and the 1/32 bitmap dominate here
    expect(xorSparseDecode(enc, raw.length, fb, 't')).toEqual(raw);
    // Into a caller's (dirty) buffer: same result.
    const into = new Uint8Array(raw.length + 8).fill(9);
    expect(xorSparseDecode(enc, raw.length, fb, 't', into)).toEqual(raw);
  });

  it('encodes u8 arrays, frames with the filter, leaves floats and incompressible bytes raw', () => {
    expect(encodingFor('net/online', 'f32', 4)).toBeNull();
    expect(encodingFor('agent/stacks', 'u8', 1)).toEqual({ codec: 'deflate-raw' });
    expect(encodingFor('replay/frames', 'u8', 36)).toEqual({ codec: 'deflate-raw', filter: 'xor-sparse32', stride: 36 });
    const frames = framesLike(100, 36);
    const f = encodeBlob(frames, encodingFor('replay/frames', 'u8', 36));
    expect(f.encoding).toEqual({ codec: 'deflate-raw', filter: 'xor-sparse32', stride: 36, rawSize: frames.length });
    expect(decodeBlob(f.bytes, { key: 'k', size: f.bytes.length, ...f.encoding }, 't')).toEqual(frames);
    const odd = frames.subarray(1, 1 + 35 * 7); // not a whole number of words: plain DEFLATE
    const o = encodeBlob(odd.slice(), encodingFor('replay/frames', 'u8', 36));
    expect(o.encoding).toEqual({ codec: 'deflate-raw', rawSize: odd.length });
    expect(decodeBlob(o.bytes, { key: 'k', size: o.bytes.length, ...o.encoding }, 't')).toEqual(odd);
    const noise = crypto.getRandomValues(new Uint8Array(4096));
    const n = encodeBlob(noise, { codec: 'deflate-raw' });
    expect(n.encoding).toEqual({});
    expect(n.bytes).toBe(noise);
  });

  it('a blob that does not decode to its declared size is corrupt; an unknown codec is a version error', () => {
    const frames = framesLike(20, 36);
    const f = encodeBlob(frames, encodingFor('replay/frames', 'u8', 36));
    const e = { key: 'k', size: f.bytes.length, ...f.encoding };
    expect(() => decodeBlob(f.bytes, { ...e, rawSize: frames.length + 36 }, 't')).toThrow(expect.objectContaining({ code: 'corrupt' }));
    expect(() => decodeBlob(f.bytes.subarray(0, f.bytes.length >> 1), e, 't')).toThrow(CheckpointError);
    expect(() => decodeBlob(f.bytes, { ...e, codec: 'zstd' as 'deflate-raw' }, 't')).toThrow(expect.objectContaining({ code: 'version' }));
  });
});

async function trainedRun(compress: boolean, dbName?: string) {
  const cfg = quickConfig();
  const st = dbName ? await CheckpointStore.open({ dbName, estimate: null, partBytes: 3000, compress }) : await freshStore({ partBytes: 3000, compress });
  stores.push(st);
  const run = await st.createRun(runConfig(cfg), 'run');
  const A = makeAgent(cfg);
  agents.push(A);
  await stepTo(A, 160);
  const { agent: _a, ...r } = runConfig(cfg);
  const m = await saveAgent(st, run.runId, A, { run: r, frames: 640 });
  return { cfg, st, run, A, m };
}

async function concat(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Rewrites a file's container + header version (header checksum recomputed), as the old exporter wrote it. */
async function withVersion(file: Uint8Array, version: number, edit: (h: Record<string, unknown>) => void = () => undefined): Promise<Uint8Array> {
  const hl = new DataView(file.buffer, file.byteOffset).getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + hl))) as Record<string, unknown>;
  header.version = version;
  edit(header);
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(16 + hb.length + 32 + (file.length - 16 - hl - 32));
  out.set(file.subarray(0, 8), 0);
  new DataView(out.buffer).setUint32(8, version, true);
  new DataView(out.buffer).setUint32(12, hb.length, true);
  out.set(hb, 16);
  out.set(await sha256(hb), 16 + hb.length);
  out.set(file.subarray(16 + hl + 32), 16 + hb.length + 32);
  return out;
}

describe('compressed checkpoints', () => {
  it('save compresses replay frames (filtered) and stacks; export writes them as stored (version 2)', async () => {
    const { cfg, st, A, m } = await trainedRun(true);
    const frames = m.arrays.find((a) => a.name === 'replay/frames')!;
    expect(frames.parts.every((p) => p.codec === 'deflate-raw' && p.filter === 'xor-sparse32' && p.stride === 36)).toBe(true);
    expect(m.arrays.find((a) => a.name === 'net/online')!.parts.every((p) => p.codec === undefined)).toBe(true);
    expect(m.totalBytes).toBeLessThan(rawBytesOf(m));
    const h = await exportCheckpoint(st, m.id);
    const file = await concat(h.chunks());
    expect(new DataView(file.buffer).getUint32(8, true)).toBe(2);
    expect(h.header.blobBytes).toBe(m.totalBytes);
    const dst = await freshStore({ partBytes: 3000 });
    stores.push(dst);
    const { manifest } = await importCheckpoint(dst, file);
    expect(manifest.arrays).toEqual(m.arrays); // stored as they came: same blobs, same checksums
    const B = makeAgent(cfg, 600, 42);
    agents.push(B);
    await restoreAgent(dst, manifest.id, B);
    expect(await snapshot(B)).toEqual(await snapshot(A));
  });

  it('an old (uncompressed) IndexedDB checkpoint loads in a compressing store', async () => {
    const dbName = `old-db-${process.pid}-${Date.now()}`;
    const { cfg, st, A, m } = await trainedRun(false, dbName);
    expect(m.arrays.every((a) => a.parts.every((p) => p.codec === undefined))).toBe(true);
    st.close();
    stores.length = 0;
    const now = await CheckpointStore.open({ dbName, estimate: null, partBytes: 3000 });
    stores.push(now);
    await now.verify(m.id);
    const B = makeAgent(cfg, 600, 42);
    agents.push(B);
    await restoreAgent(now, m.id, B);
    expect(await snapshot(B)).toEqual(await snapshot(A));
  });

  it('an old-format (version 1, raw blobs) .arcadelab file imports and restores bit-exactly', async () => {
    const { cfg, st, A, m } = await trainedRun(false);
    const v1 = await withVersion(await concat((await exportCheckpoint(st, m.id)).chunks()), 1);
    expect(new DataView(v1.buffer).getUint32(8, true)).toBe(1);
    const dst = await freshStore({ partBytes: 3000 });
    stores.push(dst);
    const { manifest } = await importCheckpoint(dst, v1);
    const B = makeAgent(cfg, 600, 42);
    agents.push(B);
    await restoreAgent(dst, manifest.id, B);
    expect(await snapshot(B)).toEqual(await snapshot(A));
  });

  it('refuses a version 1 file that names a codec (format) and an unknown codec (version); nothing written', async () => {
    const { st, m } = await trainedRun(true);
    const file = await concat((await exportCheckpoint(st, m.id)).chunks());
    const dst = await freshStore({ partBytes: 3000 });
    stores.push(dst);
    await expect(importCheckpoint(dst, await withVersion(file, 1))).rejects.toMatchObject({ code: 'format' });
    const zstd = await withVersion(file, 2, (h) => {
      const arrays = (h.manifest as { arrays: Array<{ parts: Array<{ codec?: string }> }> }).arrays;
      for (const a of arrays) for (const p of a.parts) if (p.codec) p.codec = 'zstd';
    });
    await expect(importCheckpoint(dst, zstd)).rejects.toMatchObject({ code: 'version' });
    expect(await dst.listRuns()).toEqual([]);
  });
});
