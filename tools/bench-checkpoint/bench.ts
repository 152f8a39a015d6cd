/**
 * Save / load / export numbers for a 100k-transition replay (Nature net, 84x84, Node +
 * fake-indexeddb). Run: `npm run bench:checkpoint:node -- [transitions]` (needs ~3 GB of RAM:
 * the replay, its copy inside the in-memory IndexedDB, and the restored agent's replay).
 * The agent and its replay come from bench-agent.ts.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { resolveRunConfig } from '../../src/run/config';
import { Rng } from '../../src/agent/rng';
import { addRandomSteps, benchAgents, fillRandomReplay } from './bench-agent';
import { exportCheckpoint, importCheckpoint } from '../../src/checkpoint/container';
import { restoreAgent, saveAgent } from '../../src/checkpoint/restore';
import { CheckpointStore, ownBytesOf } from '../../src/checkpoint/store';
import type { Manifest } from '../../src/checkpoint/types';

const N = Number(process.argv[2] ?? 100_000);
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const ext = () => { const m = process.memoryUsage(); return m.arrayBuffers + m.heapUsed; };

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const { cfg, make: mk } = benchAgents(N);
  const A = mk();
  let t0 = Date.now();
  fillRandomReplay(A, N);
  console.log(`filled ${N} transitions (${A.buffer.size} rows) in ${Date.now() - t0} ms; replay holds ${mb(A.capacity.bytes)}`);

  const store = await CheckpointStore.open({ dbName: 'bench', estimate: null });
  const base = resolveRunConfig({ agent: cfg }, { md5: 'f'.repeat(32), name: 'bench' });
  const run = await store.createRun(base);

  global.gc?.();
  let peak = 0;
  const before = ext();
  const sampler = setInterval(() => { peak = Math.max(peak, ext() - before); }, 5);
  t0 = Date.now();
  let beyond = 0; // extra memory beyond what the in-memory IndexedDB has stored so far
  const m = await saveAgent(store, run.runId, A, { run: base, frames: N * 4, onProgress: (done) => { const x = ext() - before; peak = Math.max(peak, x); beyond = Math.max(beyond, x - done); } });
  const saveMs = Date.now() - t0;
  clearInterval(sampler);
  const parts = m.arrays.reduce((s, a) => s + a.parts.length, 0);
  console.log(`save (full, with replay): ${saveMs} ms, ${mb(m.totalBytes)} in ${parts} blobs; memory over baseline: ${mb(peak)} incl. fake-indexeddb's in-memory copy, ${mb(beyond)} beyond it`);

  t0 = Date.now();
  const fast = await saveAgent(store, run.runId, A, { run: base, frames: N * 4, includeReplay: false });
  console.log(`save (fast path, no replay): ${Date.now() - t0} ms, ${mb(fast.totalBytes)}`);

  // A later save of the same run, 1,000 steps on: only the new rows' segments are written (the
  // rest reference the first save's). Against: the same state saved to a second run, which has
  // no earlier save to build on, so the whole replay is written, as every save did before
  // replay segments.
  addRandomSteps(A, new Rng(2), N, 1000);
  t0 = Date.now();
  const inc = await saveAgent(store, run.runId, A, { run: base, frames: (N + 1000) * 4 });
  const incMs = Date.now() - t0;
  const run2 = await store.createRun(base);
  t0 = Date.now();
  const whole = await saveAgent(store, run2.runId, A, { run: base, frames: (N + 1000) * 4 });
  const wholeMs = Date.now() - t0;
  console.log(`second save after 1,000 new steps: ${incMs} ms, wrote ${mb(ownBytesOf(inc).stored)} (${rowsWritten(inc)} replay rows); ` +
    `the same state written whole (what every save wrote before replay segments): ${wholeMs} ms, ${mb(ownBytesOf(whole).stored)} (${rowsWritten(whole)} rows)`);
  await store.deleteRun(run2.runId);
  await store.deleteCheckpoint(inc.id);

  t0 = Date.now();
  await store.verify(m.id);
  console.log(`verify (read + SHA-256 of every blob): ${Date.now() - t0} ms`);

  // Export: stream to a file, sampling extra memory (stored data already counted in the baseline).
  const path = '/tmp/arcade-bench.arcadelab';
  global.gc?.();
  const h = await exportCheckpoint(store, m.id);
  const b0 = ext();
  let exPeak = 0;
  t0 = Date.now();
  const out = createWriteStream(path);
  for await (const c of h.chunks()) {
    exPeak = Math.max(exPeak, ext() - b0);
    if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  const exportMs = Date.now() - t0;
  console.log(`export to file: ${exportMs} ms, ${mb((await stat(path)).size)}; peak extra memory during export: ${mb(exPeak)} (JS heap + ArrayBuffers, sampled per blob, garbage not yet collected included)`);
  // The same with a GC before each sample: what the export really keeps alive.
  let live = 0;
  global.gc?.();
  const b1 = ext();
  for await (const c of h.chunks()) {
    global.gc?.();
    live = Math.max(live, ext() - b1);
    void c;
  }
  console.log(`export live set (GC before each sample): ${mb(live)}`);

  A.dispose();
  await store.deleteCheckpoint(fast.id);
  global.gc?.();
  const B = mk();
  t0 = Date.now();
  const r = await restoreAgent(store, m.id, B);
  console.log(`load (restore into a fresh agent, every checksum verified): ${Date.now() - t0} ms; replay rows ${B.buffer.size}, step ${B.globalStep}, replayRestored ${r.replayRestored}`);
  B.dispose();

  // Import the file into a second database (streamed from disk).
  const store2 = await CheckpointStore.open({ dbName: 'bench2', estimate: null });
  const { openAsBlob } = await import('node:fs');
  t0 = Date.now();
  const imp = await importCheckpoint(store2, await openAsBlob(path));
  console.log(`import from file: ${Date.now() - t0} ms (${imp.manifest.arrays.length} arrays)`);
  await rm(path);
  store.close();
  store2.close();
}

/** Replay rows a save wrote itself (its new segments). */
function rowsWritten(m: Manifest): number {
  const frames = m.arrays.find((a) => a.name === 'replay/frames');
  let n = 0;
  m.meta.replay?.segments?.forEach((s, j) => { if (frames?.parts[j].owner === undefined) n += s.rows; });
  return n;
}

main().catch((e) => { console.error(e); process.exit(1); });
