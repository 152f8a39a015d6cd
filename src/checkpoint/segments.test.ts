import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import type { DQNAgent } from '../agent/agent';
import { rawSizeOf } from './blob-codec';
import { filledRowRanges } from './codec';
import { exportCheckpoint, importCheckpoint } from './container';
import { restoreAgent, saveAgent } from './restore';
import { checkSegments, planReplaySegments, SEGMENTED_REPLAY_ARRAYS, segmentRowMap, type ReplaySegment } from './segments';
import { ownBytesOf, SimulatedCrash, type CheckpointStore } from './store';
import { quickConfig, runConfig, snapshot, stepTo, rewriteAsOldSchema } from './test-helpers';
import { checkpointTestPrelude } from './test-prelude';
import type { ArrayEntry, Manifest, SaveReason } from './types';

// Incremental replay saves (meta schema 3): a save writes only the rows appended since the
// previous save of the same buffer and references that save's segments for the rest.

const { store, agent } = checkpointTestPrelude({ partBytes: 36 * 50 }); // 50 frames of 6x6 a segment

async function saveAt(s: CheckpointStore, runId: string, a: DQNAgent, reason: SaveReason = 'manual', keepLast = 5, onProgress?: (d: number, t: number) => void): Promise<Manifest> {
  const { agent: _cfg, ...run } = runConfig(a.cfg, 1, { retention: { keepLast, keepBest: false } });
  return saveAgent(s, runId, a, { run, frames: a.globalStep * 4, metrics: { step: a.globalStep }, evalReturn: null, includeReplay: true, reason, onProgress });
}

/** Raw bytes of the segmented replay arrays a save wrote itself (not the segments it reused). */
function segmentBytesWritten(m: Manifest): number {
  let n = 0;
  for (const a of m.arrays) if (SEGMENTED_REPLAY_ARRAYS.has(a.name)) for (const p of a.parts) if (p.owner === undefined) n += rawSizeOf(p);
  return n;
}

const ROW_BYTES = 1 + 4 + 1 + 36; // action u8, reward f32, flags u8, one 6x6 frame

/** Rows a save after `base` must write per the design: env e's rows from its base's pending row (or the live window's start) on. */
function expectedNewRows(base: readonly number[], now: readonly number[], seg: number): number {
  let n = 0;
  now.forEach((t, e) => { n += t - Math.max(0, t - seg, base[e] - 1); });
  return n;
}

const segs = (m: Manifest): ReplaySegment[] => m.meta.replay!.segments!;

describe('planReplaySegments', () => {
  it('first save: each env\'s live rows, cut at the ring\'s laps and at maxRows', () => {
    const p = planReplaySegments([250, 7], 100, 40, null);
    // env 0 wrote 250 rows in a ring of 100: live are 150..249 (physical 50..99 then 0..49).
    expect(p.segments.filter((s) => s.env === 0).map((s) => [s.first, s.rows])).toEqual([[150, 40], [190, 10], [200, 40], [240, 10]]);
    expect(p.segments.filter((s) => s.env === 1).map((s) => [s.first, s.rows])).toEqual([[0, 7]]);
    expect(p.from.every((f) => f === -1)).toBe(true);
    checkSegments(p.segments, [250, 7], 100, 'test');
  });

  it('next save: reuses the base\'s segments up to its pending row; a wrapped-over segment keeps only its live sub-range', () => {
    const base = planReplaySegments([90, 30], 100, 40, null); // env 0: [0,40) [40,80) [80,90)
    const p = planReplaySegments([160, 31], 100, 40, { totals: [90, 30], segments: base.segments });
    checkSegments(p.segments, [160, 31], 100, 'test');
    const e0 = p.segments.map((s, j) => ({ ...s, from: p.from[j] })).filter((s) => s.env === 0);
    // live window 60..159: [0,40) is overwritten (dropped), [40,80) is partly stale (live 60..79),
    // [80,90) is reused up to the base's pending row 89, which is written again with the new rows.
    expect(e0.map((s) => [s.first, s.rows, s.live, s.from])).toEqual([
      [40, 40, [60, 80], 1],
      [80, 10, [80, 89], 2],
      [89, 11, [89, 100], -1], // cut at the lap (row 100 is physical row 0 again)
      [100, 40, [100, 140], -1],
      [140, 20, [140, 160], -1],
    ]);
    const e1 = p.segments.map((s, j) => ({ ...s, from: p.from[j] })).filter((s) => s.env === 1);
    expect(e1.map((s) => [s.first, s.rows, s.live, s.from])).toEqual([[0, 30, [0, 29], 3], [29, 2, [29, 31], -1]]);
    // Stored rows back to back -> saved physical rows, -1 where not live.
    const map = segmentRowMap(p.segments, 100);
    expect([...map.subarray(0, 22)]).toEqual([...Array(20).fill(-1), 60, 61]);
  });

  it('a base with rows the buffer does not have is not used', () => {
    const base = planReplaySegments([90], 100, 40, null);
    const p = planReplaySegments([50], 100, 40, { totals: [90], segments: base.segments });
    expect(p.from.every((f) => f === -1)).toBe(true);
  });

  it('checkSegments refuses gaps, overlaps and rows past a lap', () => {
    const ok: ReplaySegment[] = [{ env: 0, first: 0, rows: 10, live: [0, 10] }, { env: 0, first: 10, rows: 5, live: [10, 15] }];
    checkSegments(ok, [15], 100, 'x');
    expect(() => checkSegments([ok[0]], [15], 100, 'x')).toThrow(/end at 10/);
    expect(() => checkSegments([ok[0], { ...ok[1], live: [9, 15] }], [15], 100, 'x')).toThrow(/continue at row 10/);
    expect(() => checkSegments([{ env: 0, first: 95, rows: 10, live: [95, 105] }], [105], 100, 'x')).toThrow(/lap/);
  });
});

describe('incremental replay saves in the store', () => {
  it('a second save after N new steps writes only ~N rows of replay, and restores bit-exactly', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 4000);
    await stepTo(A, 600);
    const first = await saveAt(s, run.runId, A);
    expect(first.meta.schema).toBe(3);
    expect(segmentBytesWritten(first)).toBe(A.buffer.size * ROW_BYTES); // the first save writes every row
    await stepTo(A, 640); // 20 vector steps of 2 envs
    let progressTotal = -1;
    const second = await saveAt(s, run.runId, A, 'manual', 5, (_d, t) => { progressTotal = t; });
    const rows = expectedNewRows(first.meta.replay!.totals, second.meta.replay!.totals, 2000);
    expect(rows).toBeLessThan(2 * 20 * 2 + 2 + 1); // ~N: 2 rows per env step at most (final frames) + one pending row per env
    expect(segmentBytesWritten(second)).toBe(rows * ROW_BYTES);
    expect(segmentBytesWritten(second) * 5).toBeLessThan(segmentBytesWritten(first));
    // The rest is the first save's segments, named where they are stored.
    expect(second.arrays.find((a) => a.name === 'replay/frames')!.parts.filter((p) => p.owner === first.id).length).toBeGreaterThan(0);
    // Progress counts what is written, not what is reused.
    expect(progressTotal).toBe(ownBytesOf(second).raw);
    const before = await snapshot(A);
    const B = agent(cfg, 4000, 99);
    await restoreAgent(s, second.id, B);
    expect(await snapshot(B)).toEqual(before);
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
  });

  it('rows are exact after restore across ring wraps (partly stale segments), and training continues identically', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const C = 300; // 150 rows per env ring
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    const saved: Manifest[] = [];
    let partlyStale = false;
    for (const step of [60, 150, 230, 330, 420, 520, 600]) {
      await stepTo(A, step);
      const m = await saveAt(s, run.runId, A, 'manual', 5);
      checkSegments(segs(m), m.meta.replay!.totals, C / 2, 'test');
      if (segs(m).some((x) => x.live[0] > x.first)) partlyStale = true;
      saved.push(m);
      expect(await snapshot(await restored(m))).toEqual(await snapshot(A));
    }
    expect(A.buffer.rowsWritten(0)).toBeGreaterThan(2 * (C / 2)); // wrapped more than once
    expect(partlyStale).toBe(true);
    // The newest checkpoint still uses rows written by earlier saves.
    const owners = new Set(saved[6].arrays.flatMap((a) => a.parts.map((p) => p.owner)).filter(Boolean));
    expect(owners.size).toBeGreaterThan(0);
    const B = await restored(saved[6]);
    await stepTo(A, 660);
    await stepTo(B, 660);
    expect(await snapshot(B)).toEqual(await snapshot(A));
    expect(A.learner.gradientSteps).toBeGreaterThan(0);

    async function restored(m: Manifest): Promise<DQNAgent> {
      const X = agent(cfg, C, 50 + saved.length);
      await restoreAgent(s, m.id, X);
      return X;
    }
  });

  it('pruning the older of two checkpoints keeps the newer restorable and frees segments nothing references', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const C = 200;
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    await stepTo(A, 100);
    const a = await saveAt(s, run.runId, A, 'auto', 1);
    await stepTo(A, 140);
    const b = await saveAt(s, run.runId, A, 'auto', 1); // keepLast 1: a is pruned at b's commit
    expect((await s.listCheckpoints(run.runId)).map((m) => m.id)).toEqual([b.id]);
    expect(b.arrays.some((x) => x.parts.some((p) => p.owner === a.id))).toBe(true);
    // a's own blobs are gone except the segments b names; nothing unnamed is left, nothing named is missing.
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
    const raw = await openDB(s.dbName);
    const aKeys = ((await raw.getAllKeys('blobs', IDBKeyRange.bound([a.id], [a.id, []]))) as Array<[string, string]>).map((k) => k[1]);
    raw.close();
    expect(aKeys.length).toBeGreaterThan(0);
    expect(aKeys.every((k) => SEGMENTED_REPLAY_ARRAYS.has(k.slice(0, k.indexOf('@'))))).toBe(true);
    const before = await snapshot(A);
    const B = agent(cfg, C, 7);
    await restoreAgent(s, b.id, B);
    expect(await snapshot(B)).toEqual(before);
    // Once the rings have wrapped past every row a wrote, its segments go with the next prune.
    await stepTo(A, 400);
    const c = await saveAt(s, run.runId, A, 'auto', 1);
    expect(c.arrays.some((x) => x.parts.some((p) => p.owner === a.id))).toBe(false);
    expect(await s.blobCheckpointIds()).toEqual([c.id, b.id].filter((id) => c.arrays.some((x) => x.parts.some((p) => (p.owner ?? c.id) === id))).sort());
    expect(await s.blobCheckpointIds()).not.toContain(a.id);
    expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
    // Deleting by hand does the same: deleting c frees b's last blobs too.
    await s.deleteCheckpoint(c.id);
    expect(await s.blobCheckpointIds()).toEqual([]);
  });

  for (const crash of [true, false]) {
    it(`an interrupted save (${crash ? 'the tab dies' : 'an error'} between segments and manifest) leaves the store consistent`, async () => {
      let armed = false;
      const faults = { beforeManifest: () => { if (armed) throw crash ? new SimulatedCrash() : new Error('disk on fire'); } };
      const cfg = quickConfig({ num_envs: 2 });
      const s = await store({ faults, pendingGraceMs: 0 });
      const run = await s.createRun(runConfig(cfg));
      const A = agent(cfg, 600);
      await stepTo(A, 100);
      const good = await saveAt(s, run.runId, A);
      await stepTo(A, 160);
      armed = true;
      await expect(saveAt(s, run.runId, A)).rejects.toThrow(crash ? SimulatedCrash : /disk on fire/);
      armed = false;
      expect((await s.listCheckpoints(run.runId)).map((m) => m.id)).toEqual([good.id]);
      const audit = await s.blobAudit();
      expect(audit.missing).toEqual([]); // no checkpoint names a missing segment
      if (crash) {
        // The dead save's new segments are orphans (no manifest names them) until collected.
        expect(audit.unnamed.length).toBeGreaterThan(0);
        expect(audit.unnamed.every(([owner]) => owner !== good.id)).toBe(true);
        await s.collectGarbage();
      }
      expect(await s.blobAudit()).toEqual({ unnamed: [], missing: [] });
      // The buffer's base is still the last committed save: the retry is incremental and exact.
      const again = await saveAt(s, run.runId, A);
      expect(again.arrays.some((x) => x.parts.some((p) => p.owner === good.id))).toBe(true);
      const before = await snapshot(A);
      const B = agent(cfg, 600, 3);
      await restoreAgent(s, again.id, B);
      expect(await snapshot(B)).toEqual(before);
      await restoreAgent(s, good.id, agent(cfg, 600, 4));
    });
  }

  it('a resumed run saves incrementally against the checkpoint it resumed from, also from an older branch', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 600);
    await stepTo(A, 80);
    const c1 = await saveAt(s, run.runId, A);
    await stepTo(A, 200);
    const c2 = await saveAt(s, run.runId, A);
    // Back to c1 (its rows 80.. differ from c2's future): a save may reuse c1's segments only.
    const B = agent(cfg, 600, 11);
    await restoreAgent(s, c1.id, B);
    await stepTo(B, 120);
    const c3 = await saveAt(s, run.runId, B);
    const owners = new Set(c3.arrays.flatMap((a) => a.parts.map((p) => p.owner)).filter(Boolean));
    expect([...owners]).toEqual([c1.id]);
    expect(c2.id).not.toBe(c1.id);
    const before = await snapshot(B);
    const D = agent(cfg, 600, 12);
    await restoreAgent(s, c3.id, D);
    expect(await snapshot(D)).toEqual(before);
  });

  it('a restore into a different env count (relayout) from an incremental checkpoint equals one from a full save of the same state', async () => {
    const cfg = quickConfig({ num_envs: 2 });
    const C = 300;
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    for (const step of [100, 200, 330]) { await stepTo(A, step); await saveAt(s, run.runId, A); }
    const inc = (await s.listCheckpoints(run.runId))[0];
    expect(inc.arrays.some((x) => x.parts.some((p) => p.owner !== undefined))).toBe(true);
    const s2 = await store();
    const run2 = await s2.createRun(runConfig(cfg));
    const full = await saveAt(s2, run2.runId, A);
    expect(full.arrays.some((x) => x.parts.some((p) => p.owner !== undefined))).toBe(false);
    const cfg3 = { ...cfg, num_envs: 3 };
    const X = agent(cfg3, C, 5);
    const Y = agent(cfg3, C, 5);
    const rx = await restoreAgent(s, inc.id, X);
    const ry = await restoreAgent(s2, full.id, Y);
    expect(rx.modeChanged).toBe(true);
    expect(rx.lostTransitions).toBe(ry.lostTransitions);
    expect(await snapshot(X)).toEqual(await snapshot(Y));
  });

  it('export writes every referenced segment (a self-contained file); import writes them as its own segments', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, 400);
    for (const step of [100, 260, 330]) { await stepTo(A, step); await saveAt(s, run.runId, A, 'manual'); }
    const m = (await s.listCheckpoints(run.runId))[0];
    expect(m.arrays.some((x) => x.parts.some((p) => p.owner !== undefined))).toBe(true);
    const h = await exportCheckpoint(s, m.id);
    expect(h.header.manifest.arrays.every((a: ArrayEntry) => a.parts.every((p) => p.owner === undefined))).toBe(true);
    const bytes = new Uint8Array(await new Response(h.stream()).arrayBuffer());
    expect(bytes.length).toBe(h.size);
    const t = await store();
    const { manifest } = await importCheckpoint(t, bytes);
    expect(manifest.arrays.every((a) => a.parts.every((p) => p.owner === undefined))).toBe(true);
    expect(segs(manifest)).toEqual(segs(m));
    const before = await snapshot(A);
    const B = agent(cfg, 400, 2);
    await restoreAgent(t, manifest.id, B);
    expect(await snapshot(B)).toEqual(before);
    // And the imported checkpoint lends its segments to the next save of the run resumed from it.
    await stepTo(B, 360);
    const next = await saveAt(t, manifest.runId, B);
    expect(next.arrays.some((x) => x.parts.some((p) => p.owner === manifest.id))).toBe(true);
  });

  it('still reads schema-2 checkpoints (each env\'s filled rows, env after env); the first save after one writes the whole replay', async () => {
    const cfg = quickConfig({ num_envs: 2, prioritized_replay: true });
    const C = 300;
    const s = await store();
    const run = await s.createRun(runConfig(cfg));
    const A = agent(cfg, C);
    await stepTo(A, 360); // wrapped
    const m = await saveAt(s, run.runId, A);
    const before = await snapshot(A);
    // Rewrite it in the schema-2 layout: every replay array = the filled physical rows, env-major, one raw blob.
    const r = (await A.getState()).replay;
    const fs = 36;
    const ranges = filledRowRanges(r.totals, r.segmentCapacity);
    const pick = (src: Uint8Array, per: number): Uint8Array => {
      const parts = ranges.map(([first, n]) => src.slice(first * per, (first + n) * per));
      const out = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
      let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      return out;
    };
    const allFrames = new Uint8Array(r.frameChunks.reduce((k, c) => k + c.length, 0));
    { let o = 0; for (const c of r.frameChunks) { allFrames.set(c, o); o += c.length; } }
    const compact: Record<string, Uint8Array> = {
      'replay/actions': pick(r.actions, 1),
      'replay/rewards': pick(new Uint8Array(r.rewards.buffer, r.rewards.byteOffset, r.rewards.byteLength), 4),
      'replay/flags': pick(r.flags, 1),
      'replay/priorities': pick(new Uint8Array(r.priorities!.buffer, r.priorities!.byteOffset, r.priorities!.byteLength), 8),
      'replay/frames': pick(allFrames, fs),
    };
    const { segments: _s, ...replay } = m.meta.replay!;
    await rewriteAsOldSchema(s.dbName, m, compact, 'schema2', { ...m.meta, schema: 2, replay });
    const B = agent(cfg, C, 21);
    await restoreAgent(s, m.id, B);
    expect(await snapshot(B)).toEqual(before);
    await stepTo(B, 380);
    const next = await saveAt(s, run.runId, B);
    expect(next.meta.schema).toBe(3);
    expect(next.arrays.some((x) => x.parts.some((p) => p.owner !== undefined))).toBe(false);
    expect(segmentBytesWritten(next)).toBe(B.buffer.size * ROW_BYTES);
  });
});
