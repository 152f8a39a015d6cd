import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { CONTAINER_VERSION, exportCheckpoint, exportFileName, importCheckpoint } from './container';
import { CheckpointError } from './errors';
import { sha256 } from './hash';
import { restoreAgent, saveAgent } from './restore';
import { rawBytesOf, type CheckpointStore } from './store';
import { FAKE_MD5, freshStore, makeAgent, quickConfig, runConfig, snapshot, stepTo } from './test-helpers';
import type { Manifest } from './types';

// Agents train on the tfjs cpu backend here: give slow, shared machines room (default 30 s).
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

async function store(): Promise<CheckpointStore> {
  const s = await freshStore({ partBytes: 3000 });
  stores.push(s);
  return s;
}

async function concat(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** A run with one saved checkpoint, and its exported file. */
async function fixture(includeReplay = true) {
  const cfg = quickConfig();
  const src = await store();
  const run = await src.createRun(runConfig(cfg), 'exported run');
  const A = makeAgent(cfg);
  agents.push(A);
  await stepTo(A, 160);
  const { agent: _a, ...r } = runConfig(cfg);
  const m = await saveAgent(src, run.runId, A, { run: r, frames: 640, metrics: { curve: [[1, 2]] }, evalReturn: 4.5 });
  const progress: Array<[number, number]> = [];
  const h = await exportCheckpoint(src, m.id, { includeReplay, onProgress: (d, t) => progress.push([d, t]) });
  const file = await concat(h.chunks());
  return { cfg, src, run, A, m, h, file, progress };
}

/** Fingerprint of a whole store: runs, manifests and blob ids (to prove "existing data untouched"). */
async function fingerprint(s: CheckpointStore): Promise<string> {
  const runs = await s.listRuns();
  return JSON.stringify({ runs: runs.map((r) => ({ run: r.run, ids: r.checkpoints.map((c: Manifest) => c.id) })), blobs: (await s.blobCheckpointIds()).sort() });
}

describe('export / import', () => {
  it('round trip with replay: the imported checkpoint restores bit-exactly into a new agent', async () => {
    const { cfg, A, m, h, file, progress, src } = await fixture();
    expect(file.length).toBe(h.size);
    expect(String.fromCharCode(...file.subarray(0, 8))).toBe('ARCLABCK');
    expect(progress[progress.length - 1]).toEqual([h.size, h.size]);
    expect(exportFileName(h.header)).toBe('Cue-160steps.arcadelab');
    // The net's layout rides along for readers that do not know our presets (tools/python).
    expect(h.header.network).toEqual({ spec: cfg.network, input: { height: 6, width: 6, channels: 4 }, numActions: 4, dueling: false, layerNorm: false });
    const dst = await store();
    const { run, manifest } = await importCheckpoint(dst, file, { knownGame: (md5) => md5 === FAKE_MD5 });
    expect(run.name).toBe('exported run');
    expect(manifest.counters).toEqual(m.counters);
    expect(manifest.hasReplay).toBe(true);
    await dst.verify(manifest.id);
    const B = makeAgent(cfg, 600, 42);
    agents.push(B);
    const r = await restoreAgent(dst, manifest.id, B);
    expect(r.metrics).toEqual({ curve: [[1, 2]] });
    expect(await snapshot(B)).toEqual(await snapshot(A));
    // The same file again (or the export imported back into the store it came from) is
    // recognised by its content id and refused; nothing changes.
    const before = await fingerprint(dst);
    const again = await importCheckpoint(dst, new Blob([file as Uint8Array<ArrayBuffer>])).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CheckpointError);
    expect((again as CheckpointError).code).toBe('duplicate');
    expect((again as Error).message).toMatch(/^this checkpoint is already here: "exported run" at step 160 \(import, saved .* UTC\)\. Nothing was imported\.$/);
    expect(await fingerprint(dst)).toBe(before);
    await expect(importCheckpoint(src, file)).rejects.toMatchObject({ code: 'duplicate' });
    // Once the user deleted it, it can come in again (as a new run: the run record is still here).
    await dst.deleteCheckpoint(manifest.id);
    const back = await importCheckpoint(dst, file);
    expect(back.run.runId).not.toBe(run.runId);
    expect(back.run.name).toBe('exported run (imported)');
  });

  it('round trip without replay: smaller file, counters and weights restored, replay empty', async () => {
    const withReplay = await fixture(true);
    const { cfg, A, h, file } = await fixture(false);
    expect(h.header.includesReplay).toBe(false);
    // Raw (decoded) sizes: compression makes both files small, the replay's bytes are still the difference.
    expect(rawBytesOf(h.header.manifest)).toBeLessThan(rawBytesOf(withReplay.h.header.manifest) / 2);
    const dst = await store();
    const { manifest } = await importCheckpoint(dst, file);
    expect(manifest.hasReplay).toBe(false);
    const B = makeAgent(cfg, 600, 42);
    agents.push(B);
    const r = await restoreAgent(dst, manifest.id, B);
    expect(r.replayRestored).toBe(false);
    expect(B.buffer.size).toBe(B.env.numEnvs * B.cfg.frame_stack); // each env's saved acting stack, as rows (startEpisodeFromStack)
    expect(B.globalStep).toBe(A.globalStep);
    expect((await B.learner.online.getWeights()).map((w) => Array.from(w))).toEqual((await A.learner.online.getWeights()).map((w) => Array.from(w)));
  });

  it('streams: ReadableStream in and out, one part at a time', async () => {
    const { src, m, file } = await fixture();
    const h = await exportCheckpoint(src, m.id);
    const chunks: number[] = [];
    const reader = h.stream().getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      chunks.push(r.value.length);
    }
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(file.length);
    expect(Math.max(...chunks.slice(1, -1))).toBeLessThanOrEqual(3000); // parts, never the whole replay
    // Import from a stream cut into odd-sized pieces.
    const pieces: Uint8Array[] = [];
    for (let o = 0; o < file.length; o += 777) pieces.push(file.slice(o, o + 777));
    const rs = new ReadableStream<Uint8Array>({ start(c) { for (const p of pieces) c.enqueue(p); c.close(); } });
    const dst = await store();
    const { manifest } = await importCheckpoint(dst, rs);
    await dst.verify(manifest.id);
  });

  describe('bad files: typed error, nothing written, existing data untouched', () => {
    async function expectRejected(bytes: Uint8Array, code: CheckpointError['code'], opts: Parameters<typeof importCheckpoint>[2] = {}) {
      const dst = await store();
      // Existing data in the target store.
      const { cfg } = { cfg: quickConfig() };
      const run = await dst.createRun(runConfig(cfg), 'keep me');
      const A = makeAgent(cfg);
      agents.push(A);
      await stepTo(A, 20);
      const { agent: _a, ...r } = runConfig(cfg);
      await saveAgent(dst, run.runId, A, { run: r, frames: 80 });
      const before = await fingerprint(dst);
      const err = await importCheckpoint(dst, bytes, opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).code).toBe(code);
      expect(await fingerprint(dst)).toBe(before);
      return err as CheckpointError;
    }

    it('truncated anywhere (signature, header, blob, end marker)', async () => {
      const { file, h } = await fixture();
      const headerEnd = 16 + new TextEncoder().encode(JSON.stringify(h.header)).length + 32;
      for (const cut of [0, 5, 12, 20, headerEnd - 3, headerEnd + 10, Math.floor(file.length / 2), file.length - 9, file.length - 1]) {
        const e = await expectRejected(file.slice(0, cut), 'truncated');
        expect(e.message).toMatch(/truncated/);
      }
    });

    it('corrupt blob byte, corrupt header byte, trailing garbage', async () => {
      const { file } = await fixture();
      const blob = file.slice();
      blob[file.length - 100] ^= 1;
      expect((await expectRejected(blob, 'corrupt')).message).toMatch(/fails its SHA-256/);
      const head = file.slice();
      head[30] ^= 1;
      expect((await expectRejected(head, 'corrupt')).message).toMatch(/header fails its SHA-256/);
      const extra = new Uint8Array(file.length + 3);
      extra.set(file);
      await expectRejected(extra, 'format');
      await expectRejected(new TextEncoder().encode('PK\u0003\u0004 this is a zip file, not a checkpoint'), 'format');
    });

    it('wrong container version, wrong header version', async () => {
      const { file } = await fixture();
      const v2 = file.slice();
      new DataView(v2.buffer).setUint32(8, CONTAINER_VERSION + 1, true);
      expect((await expectRejected(v2, 'version')).message).toMatch(new RegExp(`version ${CONTAINER_VERSION + 1} is not supported`));
      // A header claiming another version (with a valid checksum, as a future exporter would write it).
      const hl = new DataView(file.buffer).getUint32(12, true);
      const header = JSON.parse(new TextDecoder().decode(file.subarray(16, 16 + hl))) as Record<string, unknown>;
      header.version = 99;
      const hb = new TextEncoder().encode(JSON.stringify(header));
      const rebuilt = new Uint8Array(16 + hb.length + 32 + (file.length - 16 - hl - 32));
      rebuilt.set(file.subarray(0, 12), 0);
      new DataView(rebuilt.buffer).setUint32(12, hb.length, true);
      rebuilt.set(hb, 16);
      rebuilt.set(await sha256(hb), 16 + hb.length);
      rebuilt.set(file.subarray(16 + hl + 32), 16 + hb.length + 32);
      await expectRejected(rebuilt, 'version');
    });

    it('unknown game', async () => {
      const { file } = await fixture();
      const e = await expectRejected(file, 'unknown-game', { knownGame: () => false });
      expect(e.message).toContain(FAKE_MD5);
    });
  });
});
